//! The tables the list views draw: one type for their columns (title, alignment, width and
//! how narrower screens give it up, how a cell is drawn), the widths worked out for a screen,
//! the heading, the rows with the selection marker, and the hint an empty table shows.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::text::{Role, display_width, fit, fit_right, table_heading, truncate};

/// The width cells are drawn for when [`Table::widths_for`] measures what they need.
const MEASURE: usize = 1_000;
use crate::ui::theme::Theme;

/// Where a cell's text sits when it is narrower than its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// How a cell is drawn: its text for a column `width` wide (the table fits it to the width)
/// and what it means, from the row and what the whole table shares (`X`).
pub type Draw<R, X> = for<'r> fn(&'r R, &X, usize) -> (Cow<'r, str>, Role);

/// One column.
pub struct Column<R, X> {
    pub title: &'static str,
    pub align: Align,
    /// Its width when the screen is wide enough.
    pub width: usize,
    pub draw: Draw<R, X>,
}

impl<R, X> Column<R, X> {
    pub fn left(title: &'static str, width: usize, draw: Draw<R, X>) -> Column<R, X> {
        Column {
            title,
            align: Align::Left,
            width,
            draw,
        }
    }

    pub fn right(title: &'static str, width: usize, draw: Draw<R, X>) -> Column<R, X> {
        Column {
            title,
            align: Align::Right,
            width,
            draw,
        }
    }
}

/// The columns of a list and how they share its width. Rows start with a column for the
/// selection marker; cells are separated by a space.
pub struct Table<R, X, const N: usize> {
    pub columns: [Column<R, X>; N],
    /// The column that takes the width the others leave, at least 1 and at most this many.
    pub flex: (&'static str, usize),
    /// Narrower screens give up width in this order (a column's title and its new width, 0
    /// hiding it) until the flexible column has `room`.
    pub shrink: &'static [(&'static str, usize)],
    pub room: usize,
    /// The column that takes what the flexible one leaves beyond its most, while it shows.
    pub spare: Option<&'static str>,
    /// Whether the last cell is followed by a space as the others are.
    pub trailing_space: bool,
}

impl<R, X, const N: usize> Table<R, X, N> {
    fn index(&self, title: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.title == title)
    }

    /// Columns taken by every column shown but the flexible one, spaces and the selection
    /// marker included.
    fn fixed(widths: &[usize; N], flex: Option<usize>) -> usize {
        1 + widths
            .iter()
            .enumerate()
            .filter(|&(i, &w)| Some(i) != flex && w > 0)
            .map(|(_, &w)| w + 1)
            .sum::<usize>()
    }

    /// The width of each column in a table `width` columns wide; 0 hides a column.
    pub fn widths(&self, width: usize) -> [usize; N] {
        let (mut widths, left) = self.shared_out(width);
        self.give_spare(&mut widths, left);
        widths
    }

    /// Like [`Table::widths`], but what the screen has beyond the columns' widths goes first to
    /// the columns of `grow`, in that order, each up to its widest cell among `rows` (so a cut
    /// id or note gets the room before any cell is padded); only what is left after them goes
    /// to the spare column. Rows are drawn as for a very wide column to measure them.
    pub fn widths_for<'a>(
        &self,
        width: usize,
        grow: &[&str],
        rows: impl Iterator<Item = &'a R> + Clone,
        shared: &X,
    ) -> [usize; N]
    where
        R: 'a,
    {
        let (mut widths, mut left) = self.shared_out(width);
        for &title in grow {
            if left == 0 {
                break;
            }
            let Some(i) = self.index(title).filter(|&i| widths[i] > 0) else {
                continue;
            };
            let draw = self.columns[i].draw;
            let widest = rows
                .clone()
                .map(|row| display_width(&draw(row, shared, MEASURE).0))
                .max()
                .unwrap_or(0);
            let more = widest.saturating_sub(widths[i]).min(left);
            widths[i] += more;
            left -= more;
        }
        self.give_spare(&mut widths, left);
        widths
    }

    fn give_spare(&self, widths: &mut [usize; N], left: usize) {
        if let Some(i) = self.spare.and_then(|title| self.index(title))
            && widths[i] > 0
        {
            widths[i] += left;
        }
    }

    /// The widths after narrowing and the flexible column, and the width still unused.
    fn shared_out(&self, width: usize) -> ([usize; N], usize) {
        let mut widths = self.columns.each_ref().map(|c| c.width);
        let flex = self.index(self.flex.0);
        for &(title, narrower) in self.shrink {
            if width >= Self::fixed(&widths, flex) + self.room {
                break;
            }
            if let Some(i) = self.index(title) {
                widths[i] = narrower;
            }
        }
        let fixed = Self::fixed(&widths, flex);
        let mut flex_width = 0;
        if let Some(i) = flex {
            flex_width = width.saturating_sub(fixed).clamp(1, self.flex.1);
            widths[i] = flex_width;
        }
        (widths, width.saturating_sub(fixed + flex_width))
    }

    /// Whether the column titled `title` shows at these widths.
    pub fn shows(&self, widths: &[usize; N], title: &str) -> bool {
        self.index(title).is_some_and(|i| widths[i] > 0)
    }

    /// The heading line: the titles of the columns shown.
    pub fn heading(&self, widths: &[usize; N], theme: &Theme) -> Line<'static> {
        let cells: Vec<(&str, usize, bool)> = self
            .columns
            .iter()
            .zip(widths)
            .map(|(c, &w)| (c.title, w, c.align == Align::Right))
            .collect();
        table_heading(&cells, theme)
    }

    /// One row, marked and highlighted when selected.
    pub fn row(
        &self,
        widths: &[usize; N],
        row: &R,
        shared: &X,
        selected: bool,
        theme: &Theme,
    ) -> Line<'static> {
        let mut spans: Vec<Span<'static>> = Vec::with_capacity(2 * N + 1);
        spans.push(Span::styled(
            if selected { "▶" } else { " " },
            theme.accent(),
        ));
        let last = widths.iter().rposition(|&w| w > 0);
        for (i, (column, &width)) in self.columns.iter().zip(widths).enumerate() {
            if width == 0 {
                continue;
            }
            let (text, role) = (column.draw)(row, shared, width);
            let text = match column.align {
                Align::Left => fit(&text, width),
                Align::Right => fit_right(&text, width),
            };
            spans.push(Span::styled(text, role.style(theme)));
            if self.trailing_space || Some(i) != last {
                spans.push(Span::raw(" "));
            }
        }
        let line = Line::from(spans);
        if selected {
            line.patch_style(theme.selection())
        } else {
            line
        }
    }

    /// Draws the heading and the rows into `inner` (inside the list's border), or `empty` in
    /// the middle when there is no row. Rows come with whether each is selected.
    #[allow(clippy::too_many_arguments)]
    pub fn render<'a>(
        &self,
        frame: &mut Frame,
        inner: Rect,
        widths: &[usize; N],
        rows: impl Iterator<Item = (&'a R, bool)>,
        shared: &X,
        empty: &str,
        theme: &Theme,
    ) where
        R: 'a,
    {
        frame.render_widget(self.heading(widths, theme), Rect { height: 1, ..inner });
        let mut rows = rows.peekable();
        if rows.peek().is_none() {
            let middle = Rect {
                y: inner.y + inner.height / 2,
                height: 1,
                ..inner
            };
            frame.render_widget(
                Paragraph::new(Span::styled(
                    truncate(empty, usize::from(inner.width)).into_owned(),
                    theme.dim(),
                ))
                .centered(),
                middle,
            );
            return;
        }
        for (i, (row, selected)) in rows.enumerate() {
            let y = inner.y + 1 + i as u16;
            if y >= inner.y + inner.height {
                break;
            }
            frame.render_widget(
                self.row(widths, row, shared, selected, theme),
                Rect {
                    y,
                    height: 1,
                    ..inner
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table<&'static str, (), 4> {
        Table {
            columns: [
                Column::left("NAME", 0, |row, _, _| (Cow::Borrowed(*row), Role::Text)),
                Column::right("N", 4, |_, _, _| ("7".into(), Role::Text)),
                Column::left("NOTE", 10, |_, _, _| ("note".into(), Role::Dim)),
                Column::left("WHEN", 8, |_, _, _| ("12:00:00".into(), Role::Dim)),
            ],
            flex: ("NAME", 12),
            shrink: &[("NOTE", 5), ("WHEN", 0), ("NOTE", 0)],
            room: 6,
            spare: Some("NOTE"),
            trailing_space: false,
        }
    }

    #[test]
    fn narrower_screens_give_up_columns_in_order() {
        let table = table();
        // Marker 1, N 4+1, NOTE 10+1, WHEN 8+1: 26 before the name.
        assert_eq!(table.widths(40), [12, 4, 12, 8]);
        assert_eq!(table.widths(32), [6, 4, 10, 8]);
        assert_eq!(table.widths(31), [10, 4, 5, 8]);
        assert_eq!(table.widths(20), [8, 4, 5, 0]);
        assert_eq!(table.widths(10), [4, 4, 0, 0]);
        assert!(!table.shows(&table.widths(10), "WHEN"));
    }

    #[test]
    fn spare_width_goes_first_to_the_cut_columns_in_order() {
        let mut table = table();
        table.columns[2] = Column::left("NOTE", 10, |row, _, _| (Cow::Borrowed(*row), Role::Dim));
        let rows = ["a name of twenty one", "short"];
        // 38 wide: nothing spare, as `widths`.
        assert_eq!(
            table.widths_for(38, &["NAME", "NOTE"], rows.iter(), &()),
            table.widths(38)
        );
        // 50 wide: 12 spare; the name (12, needs 20) takes 8, the note (needs 20) the last 4.
        assert_eq!(
            table.widths_for(50, &["NAME", "NOTE"], rows.iter(), &()),
            [20, 4, 14, 8]
        );
        // 70 wide: both get what they need, the spare column (the note) the rest.
        assert_eq!(
            table.widths_for(70, &["NAME", "NOTE"], rows.iter(), &()),
            [20, 4, 34, 8]
        );
        // A priority on a hidden column gives it nothing.
        assert_eq!(
            table.widths_for(20, &["WHEN"], rows.iter(), &()),
            [8, 4, 5, 0]
        );
    }

    #[test]
    fn a_row_is_its_cells_fitted_and_spaced() {
        let table = table();
        let theme = Theme::default();
        let widths = table.widths(40);
        let text = |line: Line| {
            line.spans
                .iter()
                .map(|s| s.content.clone())
                .collect::<String>()
        };
        assert_eq!(
            text(table.row(&widths, &"hook", &(), true, &theme)),
            "▶hook            7 note         12:00:00"
        );
        assert_eq!(
            text(table.heading(&widths, &theme)),
            " NAME            N NOTE         WHEN"
        );
    }
}
