//! The help overlay: every key of the current view, generated from the key map, and what the
//! glyphs in the list mean, long entries wrapped under their text so that every line reads
//! whole at 80 columns; its top border says which schemes have signing secrets loaded.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use crate::answer::AnswerRule;
use crate::event::SignatureScheme;
use crate::ui::action::{Context, ViewId};
use crate::ui::keymap;
use crate::ui::layout::popup;
use crate::ui::text::{display_width, fit, truncate, wrap};
use crate::ui::theme::Theme;
use crate::ui::view;

/// The key contexts a view's help lists, in order: its own, then those of every view.
fn sections(view: ViewId) -> impl Iterator<Item = Context> {
    let shared = [
        Context::Global,
        Context::FilterPrompt,
        Context::ReplayPrompt,
        Context::Diff,
    ];
    view::spec(view).sections.iter().copied().chain(shared)
}

/// The columns before an entry's text: two of indent and the key or term.
const LABEL: usize = 16;

/// One entry: its label, then its text wrapped to `width` columns with a hanging indent, so
/// that every line reads whole however narrow the help.
fn entry(
    lines: &mut Vec<Line<'static>>,
    label: &str,
    label_style: Style,
    text: &str,
    width: usize,
    theme: &Theme,
) {
    let room = width.saturating_sub(LABEL).max(20);
    for (i, part) in wrap_groups(text, room).into_iter().enumerate() {
        let lead = if i == 0 {
            Span::styled(fit(label, LABEL - 2), label_style)
        } else {
            Span::raw(" ".repeat(LABEL - 2))
        };
        lines.push(Line::from(vec![
            Span::raw("  "),
            lead,
            Span::styled(part, theme.text()),
        ]));
    }
}

/// Signs are listed in groups three spaces apart (`✓ valid   ? not checkable`): lines break
/// between groups, and inside one only when it is wider than a line.
const GROUP: &str = "   ";

/// `text` in lines of at most `width` columns, broken between groups where possible.
fn wrap_groups(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for group in text.split(GROUP) {
        let wide = display_width(group);
        if line.is_empty() {
            // A group wider than a line is wrapped at its spaces.
        } else if display_width(&line) + GROUP.len() + wide <= width {
            line.push_str(GROUP);
            line.push_str(group);
            continue;
        } else {
            lines.push(std::mem::take(&mut line));
        }
        if wide <= width {
            line.push_str(group);
        } else {
            let mut parts = wrap(group, width);
            line = parts.pop().unwrap_or_default();
            lines.extend(parts);
        }
    }
    lines.push(line);
    lines
}

/// The columns of text inside the help drawn over `area` (borders and padding take four).
fn text_width(area: Rect) -> usize {
    usize::from(popup(area, 0).width.saturating_sub(4))
}

/// The lines of the help for the current view, `width` columns wide: every key, the filter
/// terms and the signs.
pub fn lines(
    view: ViewId,
    rules: &[std::sync::Arc<AnswerRule>],
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for context in sections(view) {
        lines.push(Line::styled(context.title().to_owned(), theme.title()));
        for binding in keymap::bindings(&[context]) {
            entry(
                &mut lines,
                &keymap::keys_label(binding),
                theme.key(),
                binding.help,
                width,
                theme,
            );
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled(
        "Filter terms (all must match)".to_owned(),
        theme.title(),
    ));
    for (term, meaning) in [
        (
            "sev:error",
            "severity info, warn or error (warn,error: either)",
        ),
        (
            "sig:invalid",
            "valid invalid missing unsigned no_secret malformed stale",
        ),
        ("provider:wms", "wms, prism, video or generic"),
        ("session:ID", "a WMS session (* is a wildcard)"),
        ("scan:ID", "a Prism scan or video id"),
        ("type:scan.*", "the event name"),
        ("status:5xx", "the status answered (5xx, 413, 4xx,5xx)"),
        ("gap", "WMS events that found numbers missing"),
        ("anomaly", "events with any anomaly"),
        ("anomaly:CODE", "an anomaly code (* is a wildcard)"),
        ("retry", "redeliveries of a body received before"),
        ("pinned", "events pinned with b"),
        ("edited", "requests re-sent after an edit (E)"),
        ("path:/hooks/*", "the request path (glob)"),
        ("method:post", "the method (post,put: either)"),
        (
            "body:json",
            "json malformed_json form text multipart binary empty",
        ),
        (
            "header:NAME",
            "a header present (header:NAME=GLOB: a value matches)",
        ),
        ("forward:error", "forwarding to the app failed"),
        ("answer:app", "who answered: app or local (hookscope)"),
        ("rule:NAME", "the answer rule that answered (glob)"),
        (
            "-term",
            "anything but; other words search the text and body",
        ),
    ] {
        entry(&mut lines, term, theme.key(), meaning, width, theme);
    }
    lines.push(Line::default());
    if !rules.is_empty() {
        // From the config file: the user's own words, shown escaped.
        lines.push(Line::styled(
            "Answer rules (first match wins; m overrides them)".to_owned(),
            theme.title(),
        ));
        for rule in rules {
            // A long name is cut short of the column, so that the query stands apart.
            let name = fit(&crate::sanitize::escape(&rule.name), LABEL - 3);
            let when = if rule.when_text.is_empty() {
                "(every request)".to_owned()
            } else {
                crate::sanitize::escape(&rule.when_text).into_owned()
            };
            entry(&mut lines, &name, theme.key(), &when, width, theme);
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled("Signs".to_owned(), theme.title()));
    for (what, signs) in view::spec(view).signs.iter().copied() {
        entry(&mut lines, what, theme.dim(), signs, width, theme);
    }
    lines
}

/// Which schemes have secrets to check signatures with, and how many (never a secret).
pub fn secrets_words(secrets: &[(SignatureScheme, usize)]) -> String {
    if secrets.is_empty() {
        return "no secrets: signatures show ? (no secret)".to_owned();
    }
    let schemes: Vec<String> = secrets
        .iter()
        .map(|(scheme, n)| format!("{} {n}", scheme.as_str()))
        .collect();
    format!("secrets: {}", schemes.join(", "))
}

/// The furthest the help of `view` can scroll in a terminal of `size`.
pub fn max_scroll(view: ViewId, rules: &[std::sync::Arc<AnswerRule>], size: Rect) -> usize {
    let count = lines(view, rules, text_width(size), &Theme::default()).len();
    let visible = usize::from(popup(size, count).height.saturating_sub(2));
    count.saturating_sub(visible)
}

/// Draws the help of `view`, scrolled down `scroll` lines, over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    view: ViewId,
    secrets: &[(SignatureScheme, usize)],
    rules: &[std::sync::Arc<AnswerRule>],
    scroll: usize,
    theme: &Theme,
) {
    let lines = lines(view, rules, text_width(area), theme);
    let popup = popup(area, lines.len());
    frame.render_widget(Clear, popup);
    let visible = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    let more = if lines.len() > visible {
        format!(
            " {}-{} of {}, ↑↓ scroll ",
            scroll + 1,
            scroll + visible,
            lines.len()
        )
    } else {
        String::new()
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(
            format!(" Keys — {} view ", view::spec(view).title),
            theme.title(),
        ))
        .title_bottom(Line::styled(more, theme.dim()).right_aligned());
    // Which schemes have secrets, on the top border: seen whatever the scroll.
    let title = display_width(view::spec(view).title) + 12;
    let room = usize::from(popup.width).saturating_sub(title + 4);
    let secrets = secrets_words(secrets);
    let block = if room >= 8 {
        block.title_top(
            Line::styled(format!(" {} ", truncate(&secrets, room - 2)), theme.dim())
                .right_aligned(),
        )
    } else {
        block
    };
    let paragraph = Paragraph::new(lines.into_iter().skip(scroll).collect::<Vec<_>>())
        .block(block.padding(ratatui::widgets::Padding::horizontal(1)));
    frame.render_widget(paragraph, popup);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_entries_break_between_groups_of_signs() {
        let text = "✓ valid   ✗ invalid, malformed or stale   ? not checkable   – unsigned";
        assert_eq!(
            wrap_groups(text, 56),
            [
                "✓ valid   ✗ invalid, malformed or stale",
                "? not checkable   – unsigned"
            ]
        );
        assert_eq!(wrap_groups(text, 100), [text]);
        // A group wider than a line breaks at its spaces.
        assert_eq!(
            wrap_groups("one two three four   five", 9),
            ["one two", "three", "four", "five"]
        );
        assert_eq!(wrap_groups("", 9), [""]);
    }
}
