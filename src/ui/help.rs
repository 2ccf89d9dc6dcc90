//! The help overlay: every key of the current view, generated from the key map, and what the
//! glyphs in the list mean.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use crate::answer::AnswerRule;
use crate::ui::action::{Context, ViewId};
use crate::ui::keymap;
use crate::ui::layout::popup;
use crate::ui::text::fit;
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

/// The lines of the help for the current view, with the answer rules loaded.
pub fn lines(
    view: ViewId,
    rules: &[std::sync::Arc<AnswerRule>],
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for context in sections(view) {
        lines.push(Line::styled(context.title().to_owned(), theme.title()));
        for binding in keymap::bindings(&[context]) {
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(fit(&keymap::keys_label(binding), 14), theme.key()),
                Span::styled(binding.help.to_owned(), theme.text()),
            ]));
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
            "header:NAME=v*",
            "a header present, or one of its values (glob)",
        ),
        ("forward:error", "forwarding to the app failed"),
        ("answer:app", "who answered: app or local (hookscope)"),
        ("rule:NAME", "the answer rule that answered (glob)"),
        (
            "-term",
            "anything but; other words search the text and body",
        ),
    ] {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(fit(term, 14), theme.key()),
            Span::styled(meaning.to_owned(), theme.text()),
        ]));
    }
    lines.push(Line::default());
    if !rules.is_empty() {
        // From the config file: the user's own words, shown escaped.
        lines.push(Line::styled(
            "Answer rules (first match wins; m overrides them)".to_owned(),
            theme.title(),
        ));
        for rule in rules {
            lines.push(Line::from(vec![
                Span::raw("  "),
                // A long name is cut short of the column, so that the query stands apart.
                Span::styled(
                    format!("{} ", fit(&crate::sanitize::escape(&rule.name), 13)),
                    theme.key(),
                ),
                Span::styled(
                    if rule.when_text.is_empty() {
                        "(every request)".to_owned()
                    } else {
                        crate::sanitize::escape(&rule.when_text).into_owned()
                    },
                    theme.text(),
                ),
            ]));
        }
        lines.push(Line::default());
    }
    lines.push(Line::styled("Signs".to_owned(), theme.title()));
    for (what, signs) in view::spec(view).signs.iter().copied() {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(fit(what, 14), theme.dim()),
            Span::styled(signs.to_owned(), theme.text()),
        ]));
    }
    lines
}

/// The furthest the help of `view` can scroll in a terminal of `size`.
pub fn max_scroll(view: ViewId, rules: &[std::sync::Arc<AnswerRule>], size: Rect) -> usize {
    let count = lines(view, rules, &Theme::default()).len();
    let visible = usize::from(popup(size, count).height.saturating_sub(2));
    count.saturating_sub(visible)
}

/// Draws the help of `view`, scrolled down `scroll` lines, over `area`.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    view: ViewId,
    rules: &[std::sync::Arc<AnswerRule>],
    scroll: usize,
    theme: &Theme,
) {
    let lines = lines(view, rules, theme);
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
    let paragraph = Paragraph::new(lines.into_iter().skip(scroll).collect::<Vec<_>>())
        .block(block.padding(ratatui::widgets::Padding::horizontal(1)));
    frame.render_widget(paragraph, popup);
}
