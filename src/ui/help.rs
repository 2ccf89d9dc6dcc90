//! The help overlay: every key of the current view, generated from the key map, and what the
//! glyphs in the list mean.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use crate::ui::app::App;
use crate::ui::keymap::{self, Context};
use crate::ui::render::centered;
use crate::ui::text::fit;
use crate::ui::theme::Theme;
use crate::ui::view::View;

/// The key contexts a view's help lists, in order.
fn sections(view: View) -> &'static [Context] {
    match view {
        View::Events => &[
            Context::EventsList,
            Context::EventsDetail,
            Context::Global,
            Context::FilterPrompt,
            Context::ReplayPrompt,
        ],
        View::Sessions => &[
            Context::Sessions,
            Context::Global,
            Context::FilterPrompt,
            Context::ReplayPrompt,
        ],
        View::Timelines => &[
            Context::Timelines,
            Context::Global,
            Context::FilterPrompt,
            Context::ReplayPrompt,
        ],
    }
}

/// What the signs of a view mean.
fn signs(view: View) -> &'static [(&'static str, &'static str)] {
    match view {
        View::Events => &[
            ("severity", "· info   ▲ warn   ✖ error"),
            (
                "signature",
                "✓ valid   ✗ invalid, malformed or stale   ? not checkable   – unsigned",
            ),
            (
                "sequence",
                "⚠ gap (numbers missing)   ↺ late   ⧉ duplicate   ≠ conflict   ⟲ restart",
            ),
            ("note", "↻ retry #n of an earlier delivery   ⚠ an anomaly"),
            (
                "mouse",
                "the wheel scrolls; a click selects a row or a detail tab",
            ),
        ],
        View::Sessions => &[
            (
                "sequence bar",
                "█ in order   ▒ late   ░ missing   ◆ duplicate   ✖ conflict",
            ),
            (
                "state",
                "✓ results   ✖ how it ended otherwise   ● phase while running",
            ),
            (
                "warnings",
                "⚠ websocket down, page hidden, SNR falling, no event for 10 s or more",
            ),
            (
                "SNR",
                "the intermediate results' SNR, oldest left, scaled min to max",
            ),
        ],
        View::Timelines => &[
            (
                "lanes",
                "█ start to end (green done, red failed)   ▒ running, up to now",
            ),
            (
                "",
                "◆ an end without its start   · not seen: no event of the job yet",
            ),
            (
                "status",
                "✖ a job failed   ● a job is running   ✓ every job seen is done",
            ),
            (
                "ANOM",
                "⚠ anomalies found on the timeline, listed under its lanes",
            ),
        ],
    }
}

/// The lines of the help for the current view.
pub fn lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for &context in sections(app.view) {
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
    lines.push(Line::styled("Signs".to_owned(), theme.title()));
    for (what, signs) in signs(app.view).iter().copied() {
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(fit(what, 14), theme.dim()),
            Span::styled(signs.to_owned(), theme.text()),
        ]));
    }
    lines
}

/// Where the overlay sits in `area` for `count` lines.
fn popup(area: Rect, count: usize) -> Rect {
    let height = area
        .height
        .saturating_sub(2)
        .min(u16::try_from(count + 2).unwrap_or(u16::MAX));
    centered(area, area.width.saturating_sub(4).min(86), height)
}

/// The furthest the help can scroll in a terminal of `app.size`.
pub fn max_scroll(app: &App) -> usize {
    let count = lines(app, &Theme::default()).len();
    let visible = usize::from(popup(app.size, count).height.saturating_sub(2));
    count.saturating_sub(visible)
}

pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let lines = lines(app, theme);
    let popup = popup(area, lines.len());
    frame.render_widget(Clear, popup);
    let visible = usize::from(popup.height.saturating_sub(2));
    let scroll = app.help_scroll.min(lines.len().saturating_sub(visible));
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
            format!(" Keys — {} view ", app.view.title()),
            theme.title(),
        ))
        .title_bottom(Line::styled(more, theme.dim()).right_aligned());
    let paragraph = Paragraph::new(lines.into_iter().skip(scroll).collect::<Vec<_>>())
        .block(block.padding(ratatui::widgets::Padding::horizontal(1)));
    frame.render_widget(paragraph, popup);
}
