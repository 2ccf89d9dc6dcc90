//! Selection and scrolling for the analysis lists (sessions, timelines). Their rows live in the
//! analysis, most recently seen first, so they move as events arrive: the selection is held by
//! key and found again before each frame, and moves by position only when the user asks (keys
//! or the mouse). While the Events view follows the newest event, a row that is new since the
//! last look (a session or scan just begun) becomes the selected one.

use chrono::{DateTime, Utc};
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
    /// The latest time a row was seen, as of the last look for new rows.
    looked: Option<DateTime<Utc>>,
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
            looked: None,
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

    /// Selects the row first seen the latest among those first seen since the previous look,
    /// if any; returns whether it did. `rows` come most recently seen first, each with when it
    /// was first and last seen: only those seen since the previous look are read. The first
    /// look only notes the time (what was there before is not new).
    pub fn select_new<'a, T: 'a>(
        &mut self,
        rows: impl Iterator<Item = &'a T>,
        seen: impl Fn(&T) -> (DateTime<Utc>, DateTime<Utc>),
        key: impl Fn(&T) -> K,
    ) -> bool {
        let since = self.looked;
        let mut newest: Option<(&T, DateTime<Utc>)> = None;
        for row in rows {
            let (first, last) = seen(row);
            if since.is_some_and(|since| last <= since) {
                break;
            }
            self.looked = self.looked.max(Some(last));
            if since.is_some_and(|since| first > since)
                && newest.is_none_or(|(_, newest)| first > newest)
            {
                newest = Some((row, first));
            }
        }
        match newest {
            Some((row, _)) => {
                self.selected = Some(key(row));
                self.wanted = None;
                true
            }
            None => false,
        }
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
    fn a_row_new_since_the_last_look_is_selected() {
        use chrono::TimeZone;
        let t = |s: u32| Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, s).unwrap();
        // (key, first seen, last seen), most recently seen first.
        let rows = |list: &[(&'static str, u32, u32)]| -> Vec<(&'static str, DateTime<Utc>, DateTime<Utc>)> {
            list.iter().map(|&(k, f, l)| (k, t(f), t(l))).collect()
        };
        let mut cursor: Cursor<&str> = Cursor::default();
        let look = |cursor: &mut Cursor<&'static str>,
                    list: &[(&'static str, DateTime<Utc>, DateTime<Utc>)]| {
            cursor.select_new(list.iter(), |r| (r.1, r.2), |r| r.0)
        };
        // The first look finds nothing new: it was all there before.
        assert!(!look(&mut cursor, &rows(&[("a", 1, 5), ("b", 2, 4)])));
        assert_eq!(cursor.selected, None);
        // "c" began, then "a" got an event after it: "c" is the new one, though not on top.
        cursor.move_by(1);
        assert!(look(
            &mut cursor,
            &rows(&[("a", 1, 9), ("c", 7, 8), ("b", 2, 4)])
        ));
        assert_eq!(cursor.selected, Some("c"));
        // A pending move is dropped: the new row stays selected.
        assert_eq!(cursor.place(3, Some(1), 3), 1);
        // Events of known rows only: the selection stays put.
        cursor.select(Some("b"));
        assert!(!look(
            &mut cursor,
            &rows(&[("c", 7, 12), ("a", 1, 10), ("b", 2, 4)])
        ));
        assert_eq!(cursor.selected, Some("b"));
        // Two began: the later one is selected.
        assert!(look(
            &mut cursor,
            &rows(&[("d", 13, 15), ("e", 14, 14), ("c", 7, 12)])
        ));
        assert_eq!(cursor.selected, Some("e"));
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
