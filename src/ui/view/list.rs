//! Selection and scrolling for the analysis lists (sessions, timelines). Their rows live in the
//! analysis, most recently seen first, so they move as events arrive: the selection is held by
//! key and found again before each frame, and moves by position only when the user asks (keys
//! or the mouse).

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

/// Where a list is and what is selected in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor<K> {
    /// Key of the selected row.
    pub selected: Option<K>,
    /// A position the user moved to, resolved to a key at the next refresh.
    wanted: Option<Move>,
    /// Position of the selected row, as of the last refresh.
    pub position: usize,
    /// Position of the first visible row.
    pub offset: usize,
    /// Rows in the whole list, as of the last refresh.
    pub total: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Move {
    By(isize),
    Top,
    Bottom,
}

impl<K> Default for Cursor<K> {
    fn default() -> Self {
        Cursor {
            selected: None,
            wanted: None,
            position: 0,
            offset: 0,
            total: 0,
        }
    }
}

impl<K: PartialEq + Clone> Cursor<K> {
    pub fn move_by(&mut self, delta: isize) {
        self.wanted = Some(match self.wanted {
            Some(Move::By(d)) => Move::By(d.saturating_add(delta)),
            _ => Move::By(delta),
        });
    }

    pub fn top(&mut self) {
        self.wanted = Some(Move::Top);
    }

    pub fn bottom(&mut self) {
        self.wanted = Some(Move::Bottom);
    }

    /// Works out the selected position and the first visible row, given the list's length,
    /// where the selected key is now (if still there) and how many rows show.
    pub fn place(&mut self, total: usize, found: Option<usize>, rows: usize) -> usize {
        self.total = total;
        if total == 0 {
            self.selected = None;
            self.wanted = None;
            self.position = 0;
            self.offset = 0;
            return 0;
        }
        let last = total - 1;
        let current = found.unwrap_or(self.position.min(last));
        let position = match self.wanted.take() {
            None => current,
            Some(Move::Top) => 0,
            Some(Move::Bottom) => last,
            Some(Move::By(delta)) => current.saturating_add_signed(delta).min(last),
        };
        self.position = position;
        if position < self.offset {
            self.offset = position;
        } else if rows > 0 && position >= self.offset + rows {
            self.offset = position + 1 - rows;
        }
        self.offset = self.offset.min(total.saturating_sub(rows));
        position
    }

    /// Remembers the key now at the selected position.
    pub fn select(&mut self, key: Option<K>) {
        self.selected = key;
    }
}

/// The wheel over `list` moves the selection three rows; a click selects the row under it.
/// Returns whether the event was over the list.
pub fn mouse<K: PartialEq + Clone>(cursor: &mut Cursor<K>, mouse: MouseEvent, list: Rect) -> bool {
    if !list.contains(Position::new(mouse.column, mouse.row)) {
        return false;
    }
    let delta = match mouse.kind {
        MouseEventKind::ScrollDown => 3,
        MouseEventKind::ScrollUp => -3,
        MouseEventKind::Down(MouseButton::Left) => {
            // Row 0 is the border, row 1 the column heading.
            let row = mouse.row.saturating_sub(list.y);
            if row < 2 || row >= list.height.saturating_sub(1) {
                return false;
            }
            (cursor.offset + usize::from(row - 2)) as isize - cursor.position as isize
        }
        _ => return false,
    };
    if delta != 0 {
        cursor.move_by(delta);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_resolve_against_the_current_length() {
        let mut cursor: Cursor<&str> = Cursor::default();
        assert_eq!(cursor.place(5, None, 3), 0);
        cursor.move_by(1);
        cursor.move_by(1);
        assert_eq!(cursor.place(5, Some(0), 3), 2);
        cursor.move_by(10);
        assert_eq!(cursor.place(5, Some(2), 3), 4);
        assert_eq!(cursor.offset, 2);
        cursor.top();
        assert_eq!(cursor.place(5, Some(4), 3), 0);
        assert_eq!(cursor.offset, 0);
        cursor.bottom();
        assert_eq!(cursor.place(2, None, 3), 1);
        assert_eq!(cursor.place(0, None, 3), 0);
        assert_eq!(cursor.selected, None);
    }

    #[test]
    fn the_selection_follows_its_row() {
        let mut cursor: Cursor<&str> = Cursor::default();
        cursor.place(10, None, 4);
        cursor.select(Some("b"));
        // Row "b" moved to position 7 as other rows got events.
        assert_eq!(cursor.place(10, Some(7), 4), 7);
        assert_eq!(cursor.offset, 4);
    }
}
