//! The comparison of two events (`d`), drawn over the Events view: what `crate::diff` found,
//! as lines — the request line, the headers added (`+`), removed (`-`) and changed (`~`), the
//! body by JSON path, by text line or by first differing byte, and the analysis of each side
//! by side with `≠` on the rows that differ. Text from the events is made safe and
//! `userToken` values are masked unless revealed (`u`), as in the detail.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders, Clear};

use crate::diff::{BodyDiff, Change, EventDiff, JsonChange, LineChange, Step};
use crate::event::{BodyKind, CapturedEvent};
use crate::sanitize;
use crate::ui::layout::popup;
use crate::ui::mask;
use crate::ui::text::{RichLine, Role, display_width, fit, truncate};
use crate::ui::theme::Theme;

/// Characters of one value shown at most (the line is cut to the screen anyway).
const VALUE_CHARS: usize = 240;
/// Columns of each side in the analysis rows.
const SIDE: usize = 30;
/// Columns of the labels of the request and analysis rows.
const LABEL: usize = 12;

/// The comparison on screen: its title, its lines and how far it is scrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffView {
    pub title: String,
    pub lines: Vec<RichLine>,
    pub scroll: usize,
}

impl DiffView {
    /// `left` is the earlier (or marked) event, `right` the selected one; `why` says how the
    /// two were paired.
    pub fn new(left: &CapturedEvent, right: &CapturedEvent, why: &str, reveal: bool) -> DiffView {
        let diff = EventDiff::new(left, right);
        let mut lines = vec![RichLine::new().with(Role::Dim, why), RichLine::new()];
        lines.extend(build(&diff, left, right, reveal));
        DiffView {
            title: format!(" #{} → #{} ", left.id, right.id),
            lines,
            scroll: 0,
        }
    }

    /// Where the comparison is drawn on a screen of `area`.
    pub fn area(&self, area: Rect) -> Rect {
        popup(area, self.lines.len())
    }

    /// Lines shown at once on a screen of `area`.
    pub fn page(&self, area: Rect) -> usize {
        usize::from(self.area(area).height.saturating_sub(2)).max(1)
    }

    /// The furthest it scrolls on a screen of `area`.
    pub fn max_scroll(&self, area: Rect) -> usize {
        self.lines.len().saturating_sub(self.page(area))
    }
}

/// Made safe for the terminal and cut to a readable length.
fn safe(text: &str) -> String {
    let escaped = sanitize::escape(text);
    truncate(&escaped, VALUE_CHARS).into_owned()
}

fn heading(text: &str) -> RichLine {
    RichLine::new().with(Role::Title, text)
}

/// `+ name  value`, `- name  value`, `~ name  old → new`.
fn change_line(name: &str, change: &Change, show: &dyn Fn(&str) -> String) -> RichLine {
    let mut line = RichLine::new();
    match change {
        Change::Added(value) => {
            line.push(Role::Success, "  + ");
            line.push(Role::Key, safe(name));
            line.push(Role::Dim, "  added  ");
            line.push(Role::Text, show(value));
        }
        Change::Removed(value) => {
            line.push(Role::Problem, "  - ");
            line.push(Role::Key, safe(name));
            line.push(Role::Dim, "  removed  ");
            line.push(Role::Text, show(value));
        }
        Change::Changed { old, new } => {
            line.push(Role::Accent, "  ~ ");
            line.push(Role::Key, safe(name));
            line.push(Role::Dim, ": ");
            line.push(Role::Text, show(old));
            line.push(Role::Accent, " → ");
            line.push(Role::Text, show(new));
        }
    }
    line
}

/// JSON text with the values of secret keys masked.
fn masked_json(value: &str, reveal: bool) -> String {
    if reveal {
        return safe(value);
    }
    let bytes = value.as_bytes();
    let masked = mask::apply(bytes, &mask::json_ranges(bytes));
    safe(&String::from_utf8_lossy(&masked))
}

fn secret_path(change: &JsonChange) -> bool {
    change
        .path
        .iter()
        .any(|step| matches!(step, Step::Key(key) if mask::is_secret_key(key)))
}

/// The lines of a comparison.
pub fn build(
    diff: &EventDiff,
    left: &CapturedEvent,
    right: &CapturedEvent,
    reveal: bool,
) -> Vec<RichLine> {
    let mut lines = Vec::new();
    if diff.same_request() {
        lines.push(RichLine::new().with(
            Role::Success,
            "Identical requests: same method, path, query, headers and body.",
        ));
        lines.push(RichLine::new());
    }

    lines.push(heading("Request"));
    let plain = |value: &str| safe(value);
    let query = |value: &str| {
        if reveal {
            safe(value)
        } else {
            safe(&mask::query(value))
        }
    };
    if diff.request.is_empty() {
        lines.push(RichLine::new().with(Role::Dim, "  same method, path and query"));
    }
    for (label, change) in &diff.request {
        let show: &dyn Fn(&str) -> String = if *label == "query" { &query } else { &plain };
        lines.push(change_line(label, change, show));
    }
    lines.push(RichLine::new());

    lines.push(heading("Headers"));
    if diff.headers.is_empty() {
        lines.push(RichLine::new().with(Role::Dim, "  same headers"));
    }
    for header in &diff.headers {
        let secret = !reveal && mask::is_secret_header(header.name.as_bytes());
        let show = |value: &str| {
            if secret {
                mask::MASK.to_owned()
            } else {
                safe(value)
            }
        };
        lines.push(change_line(&header.name, &header.change, &show));
    }
    lines.push(RichLine::new());

    body_lines(diff, left, right, reveal, &mut lines);
    lines.push(RichLine::new());

    lines.push(
        RichLine::new()
            .with(Role::Title, fit("Analysis", LABEL + 2))
            .with(Role::Title, fit(&format!("#{}", left.id), SIDE + 1))
            .with(Role::Title, format!("#{}", right.id)),
    );
    for facet in &diff.facets {
        let differs = facet.differs();
        let (mark, role) = if differs {
            ("≠ ", Role::Accent)
        } else {
            ("  ", Role::Dim)
        };
        let value = if differs { Role::Text } else { Role::Dim };
        lines.push(
            RichLine::new()
                .with(role, mark)
                .with(role, fit(facet.label, LABEL))
                .with(value, fit(&safe(&facet.left), SIDE))
                .with(Role::Dim, " ")
                .with(value, safe(&facet.right)),
        );
    }
    lines
}

fn body_lines(
    diff: &EventDiff,
    left: &CapturedEvent,
    right: &CapturedEvent,
    reveal: bool,
    lines: &mut Vec<RichLine>,
) {
    let cut = if diff.truncated {
        " (of the bytes kept: a body was cut at --max-body)"
    } else {
        ""
    };
    match &diff.body {
        BodyDiff::Identical { size } => {
            lines.push(
                RichLine::new()
                    .with(Role::Title, "Body")
                    .with(Role::Success, format!("  identical, {size} bytes{cut}")),
            );
        }
        BodyDiff::Json { changes, more } => {
            let count = changes.len() + more;
            let summary = match count {
                0 => "  JSON, equal as values (spacing or key order only)".to_owned(),
                1 => "  JSON, 1 change by path".to_owned(),
                n => format!("  JSON, {n} changes by path"),
            };
            lines.push(
                RichLine::new()
                    .with(Role::Title, "Body")
                    .with(Role::Dim, format!("{summary}{cut}")),
            );
            for change in changes {
                let secret = !reveal && secret_path(change);
                let show = |value: &str| {
                    if secret {
                        mask::MASK.to_owned()
                    } else {
                        masked_json(value, reveal)
                    }
                };
                lines.push(change_line(&change.path_text(), &change.change, &show));
            }
            if *more > 0 {
                lines.push(RichLine::new().with(Role::Dim, format!("  … and {more} more")));
            }
        }
        BodyDiff::Text { lines: changes, more } => {
            lines.push(
                RichLine::new()
                    .with(Role::Title, "Body")
                    .with(Role::Dim, format!("  text, by line{cut}")),
            );
            let form = left.analysis.body_kind == BodyKind::Form
                || right.analysis.body_kind == BodyKind::Form;
            let show = |text: &str| {
                if reveal {
                    return safe(text);
                }
                let bytes = text.as_bytes();
                let ranges = if form {
                    mask::form_ranges(bytes)
                } else {
                    mask::json_ranges(bytes)
                };
                safe(&String::from_utf8_lossy(&mask::apply(bytes, &ranges)))
            };
            for change in changes {
                lines.push(match change {
                    LineChange::Same { count } => RichLine::new().with(
                        Role::Dim,
                        format!(
                            "    … {count} same {}",
                            if *count == 1 { "line" } else { "lines" }
                        ),
                    ),
                    LineChange::Removed { line, text } => RichLine::new()
                        .with(Role::Problem, format!("  - {line:>4} │ "))
                        .with(Role::Text, show(text)),
                    LineChange::Added { line, text } => RichLine::new()
                        .with(Role::Success, format!("  + {line:>4} │ "))
                        .with(Role::Text, show(text)),
                });
            }
            if *more > 0 {
                lines.push(
                    RichLine::new().with(Role::Dim, format!("  … and {more} more changed lines")),
                );
            }
        }
        BodyDiff::Binary { .. } => {
            lines.push(
                RichLine::new()
                    .with(Role::Title, "Body")
                    .with(Role::Dim, format!("  bytes{cut}")),
            );
            let sentence = diff.body.bytes_sentence().unwrap_or_default();
            lines.push(RichLine::new().with(Role::Text, format!("  {sentence}")));
        }
    }
}

/// Draws the comparison over `area` (the whole screen).
pub fn render(frame: &mut Frame, area: Rect, view: &DiffView, theme: &Theme) {
    let popup = view.area(area);
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(
            truncate(&view.title, usize::from(popup.width.saturating_sub(4))).into_owned(),
            theme.title(),
        ));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    if inner.width < 2 || inner.height == 0 {
        return;
    }
    let width = usize::from(inner.width - 1);
    let shown = usize::from(inner.height);
    let scroll = view.scroll.min(view.lines.len().saturating_sub(shown));
    for (i, line) in view.lines.iter().skip(scroll).take(shown).enumerate() {
        frame.render_widget(
            line.to_line(theme, width),
            Rect {
                x: inner.x + 1,
                y: inner.y + i as u16,
                width: inner.width - 1,
                height: 1,
            },
        );
    }
    let total = view.lines.len();
    if total > shown {
        let position = format!(
            " {}-{} of {} ",
            scroll + 1,
            (scroll + shown).min(total),
            total
        );
        let w = display_width(&position) as u16;
        if popup.width > w + 2 {
            frame.render_widget(
                Span::styled(position, theme.dim()),
                Rect {
                    x: popup.x + popup.width - w - 1,
                    y: popup.y + popup.height - 1,
                    width: w,
                    height: 1,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;

    fn text_of(view: &DiffView) -> String {
        view.lines.iter().map(|l| l.text() + "\n").collect()
    }

    #[test]
    fn form_bodies_compare_by_line_with_tokens_masked() {
        let left = EventBuilder::new(1)
            .body_kind(BodyKind::Form)
            .body("a=1&userToken=first")
            .build();
        let right = EventBuilder::new(2)
            .body_kind(BodyKind::Form)
            .body("a=2&userToken=second\nnext\u{1b}]0;x")
            .build();
        let shown = text_of(&DiffView::new(&left, &right, "why", false));
        assert!(shown.contains("-    1 │ a=1&userToken=••••"), "{shown}");
        assert!(shown.contains("+    1 │ a=2&userToken=••••"), "{shown}");
        assert!(shown.contains("+    2 │ next"), "{shown}");
        assert!(!shown.contains("first") && !shown.contains("second"), "{shown}");
        assert!(!shown.contains('\u{1b}'), "{shown}");
        let revealed = text_of(&DiffView::new(&left, &right, "why", true));
        assert!(revealed.contains("userToken=second"), "{revealed}");
    }

    #[test]
    fn binary_bodies_tell_where_they_part() {
        let left = EventBuilder::new(1)
            .body(vec![0u8, 0xff, 1, 2, 3])
            .build();
        let right = EventBuilder::new(2)
            .body(vec![0u8, 0xff, 9, 9, 3, 4])
            .build();
        let shown = text_of(&DiffView::new(&left, &right, "why", false));
        assert!(
            shown.contains(
                "bodies first differ at bytes 2-3 (0x02-0x03), then agree again; \
                 left 5 bytes, right 6 bytes"
            ),
            "{shown}"
        );
    }

    #[test]
    fn the_scroll_stops_at_the_last_page() {
        let left = EventBuilder::new(1).body("{}").build();
        let right = EventBuilder::new(2).body("{}").build();
        let view = DiffView::new(&left, &right, "why", false);
        let small = Rect::new(0, 0, 80, 10);
        assert_eq!(view.page(small), 6);
        assert_eq!(view.max_scroll(small), view.lines.len() - 6);
        let tall = Rect::new(0, 0, 80, 200);
        assert_eq!(view.max_scroll(tall), 0);
        assert!(text_of(&view).contains("Identical requests"));
    }
}
