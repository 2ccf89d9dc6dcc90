//! Drawing a frame from the state: the header (source, answer, counters, events/s), the tab bar
//! (or the filter prompt), the current view, the bottom line of key hints, and the overlays
//! (help, questions, the copy menu and the copied text). Everything here only reads.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Sparkline};

use crate::event::Severity;
use crate::filter;
use crate::ui::action::{Context, Key, ViewId};
use crate::ui::app::{App, Copied, Mode, Prompt, Question, Source};
use crate::ui::help;
use crate::ui::keymap;
use crate::ui::layout::{centered, frame_areas};
use crate::ui::text::{display_width, thousands, truncate};
use crate::ui::theme::Theme;
use crate::ui::view;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let areas = frame_areas(frame.area());
    render_header(frame, areas.header, app, theme);
    match &app.mode {
        Mode::Filter(prompt) => render_prompt(frame, areas.tabs, prompt, theme),
        Mode::Replay(prompt) => {
            render_replay_prompt(frame, areas.tabs, prompt, app.editing(), theme);
        }
        Mode::Copied(Copied {
            save: Some(save), ..
        }) => render_save_prompt(frame, areas.tabs, &save.prompt, theme),
        _ => render_tabs(frame, areas.tabs, app, theme),
    }
    app.views.get(app.view).render(frame, areas.body, theme);
    render_status(frame, areas.status, app, theme);
    match &app.mode {
        Mode::Help => help::render(
            frame,
            frame.area(),
            app.view,
            &app.secrets.summary(),
            app.rules(),
            app.help_scroll,
            theme,
        ),
        Mode::Confirm(question) => render_question(frame, frame.area(), *question, theme),
        Mode::Diff(diff) => view::events::diff::render(frame, frame.area(), diff, theme),
        Mode::CopyMenu => render_copy_menu(frame, frame.area(), theme),
        Mode::Copied(copied) => render_copied(frame, areas.body, copied, theme),
        Mode::Normal | Mode::Filter(_) | Mode::Replay(_) => {}
    }
}

/// Columns the header keeps for the events/s sparkline before it names the secrets loaded.
const SPARK_ROOM: usize = 30;

fn render_header(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    frame.render_widget(Block::new().style(theme.header()), area);
    let stats = app.stats;
    let (glyph, place, answer) = match &app.source {
        Source::Live { addr, answer } => ("●", addr.to_string(), Some(answer.as_str())),
        Source::File { name } => ("◼", crate::sanitize::escape(name).into_owned(), None),
    };
    // A loopback host says nothing the user did not choose (hookscope binds loopback unless
    // told otherwise), so a narrow header keeps only the port; any other host always shows.
    let port_only = match &app.source {
        Source::Live { addr, .. } if addr.ip().is_loopback() => Some(format!(":{}", addr.port())),
        _ => None,
    };
    let counters_in_full = format!(
        "recv {}  stored {}  evicted {}  rejected {}",
        thousands(stats.received),
        thousands(stats.stored),
        thousands(stats.evicted),
        thousands(stats.rejected)
    );
    let counters_short = format!(
        "recv {} stored {} ev {} rej {}",
        thousands(stats.received),
        thousands(stats.stored),
        thousands(stats.evicted),
        thousands(stats.rejected)
    );
    // A log that fails (or did) is told in every form of the header: answers are 503 meanwhile.
    let log = app.log.as_ref().and_then(|log| {
        if log.failing {
            Some(("⚠ log failing → 503".to_owned(), theme.problem()))
        } else if log.not_logged > 0 {
            let lacks = crate::words::count(log.not_logged, "event");
            Some((
                format!("⚠ log lacks {lacks}"),
                theme.severity(Severity::Warn),
            ))
        } else {
            None
        }
    });
    let rate = app.rates.back().copied().unwrap_or(0);
    let live = matches!(app.source, Source::Live { .. });
    let width = usize::from(area.width);
    // The longest form that fits, then shorter ones. What gives way, in order: the name, the
    // long counters, the loopback host, the rate in words (the sparkline still draws it when
    // there is room); only then the answer, which a user switching it with `m` must see.
    struct Form<'a> {
        answer: Option<&'a str>,
        brand: bool,
        counters: &'a str,
        rate: bool,
        place: &'a str,
    }
    let short_place = port_only.as_deref().unwrap_or(&place);
    // The answer's reason, when hookscope chose the mode itself, gives way before the answer.
    let answer_short = answer.map(|text| {
        text.split_once(crate::answer::REASON_SEPARATOR)
            .map_or(text, |(mode, _)| mode)
    });
    let mut answers = vec![answer];
    if answer_short != answer {
        answers.push(answer_short);
    }
    answers.push(None);
    let mut forms = Vec::with_capacity(15);
    for answer in answers {
        let form = |brand, counters, rate, place| Form {
            answer,
            brand,
            counters,
            rate,
            place,
        };
        forms.extend([
            form(true, &counters_in_full, true, &place),
            form(false, &counters_in_full, true, &place),
            form(false, &counters_short, true, &place),
            form(false, &counters_short, true, short_place),
            form(false, &counters_short, false, short_place),
        ]);
    }
    // Which schemes have secrets (never the secrets), when the widest form leaves room.
    let secrets = app.secrets.summary();
    let secrets = (!secrets.is_empty()).then(|| help::secrets_words(&secrets));
    let spans_of = |form: &Form, secrets: Option<&str>| {
        let mut spans: Vec<Span> = vec![Span::raw(" ")];
        if form.brand {
            spans.push(Span::styled("hookscope ", theme.title()));
        }
        spans.push(Span::styled(format!("{glyph} "), theme.accent()));
        spans.push(Span::styled(form.place.to_owned(), theme.text()));
        if let Some(answer) = form.answer {
            spans.push(Span::styled(" → ", theme.dim()));
            spans.push(Span::styled(
                crate::sanitize::escape(answer).into_owned(),
                theme.text(),
            ));
        }
        spans.push(Span::styled(" │ ", theme.dim()));
        spans.push(Span::styled(form.counters.to_owned(), theme.text()));
        if let Some((text, style)) = &log {
            spans.push(Span::styled(" │ ", theme.dim()));
            spans.push(Span::styled(text.clone(), *style));
        }
        if let Some((text, verdict)) = &app.checks {
            let style = match verdict {
                crate::checks::Verdict::Met => theme.success(),
                crate::checks::Verdict::Forbidden(_) => theme.problem(),
                crate::checks::Verdict::Waiting => theme.text(),
            };
            spans.push(Span::styled(" │ ", theme.dim()));
            spans.push(Span::styled(text.clone(), style));
        }
        if let Some(text) = secrets {
            spans.push(Span::styled(" │ ", theme.dim()));
            spans.push(Span::styled(text.to_owned(), theme.text()));
        }
        if live && form.rate {
            spans.push(Span::styled(" │ ", theme.dim()));
            spans.push(Span::styled(
                format!("{}/s ", thousands(rate)),
                theme.text(),
            ));
        }
        spans
    };
    let width_of = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| display_width(&s.content))
            .sum::<usize>()
    };
    // The secrets show only beside the widest form, and leave the sparkline room.
    let mut chosen = secrets
        .as_deref()
        .zip(forms.first())
        .map(|(text, widest)| spans_of(widest, Some(text)))
        .filter(|spans| width_of(spans) + SPARK_ROOM <= width)
        .unwrap_or_default();
    if chosen.is_empty() {
        for form in &forms {
            chosen = spans_of(form, None);
            if width_of(&chosen) <= width {
                break;
            }
        }
    }
    let used: usize = chosen.iter().map(|s| display_width(&s.content)).sum();
    frame.render_widget(Line::from(chosen), area);
    // The sparkline takes what is left on the right, when there is a useful amount.
    let left = width.saturating_sub(used + 1);
    if live && left >= 6 {
        let n = left.min(app.rates.len().max(1));
        let data: Vec<u64> = app.rates.iter().rev().take(n).rev().copied().collect();
        let spark_area = Rect {
            x: area.x + used as u16,
            width: left as u16,
            ..area
        };
        if data.iter().any(|&r| r > 0) {
            frame.render_widget(
                Sparkline::default()
                    .data(&data)
                    .style(theme.header().patch(theme.accent())),
                spark_area,
            );
        }
    }
}

fn render_tabs(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for &view in ViewId::ALL {
        let label = format!("{} {}", view.number(), view::spec(view).title);
        if view == app.view {
            spans.push(Span::styled(
                format!("[{label}]"),
                theme.title().patch(theme.selection()),
            ));
        } else {
            spans.push(Span::styled(format!(" {label} "), theme.dim()));
        }
        spans.push(Span::raw(" "));
    }
    let left: usize = spans.iter().map(|s| display_width(&s.content)).sum();
    frame.render_widget(Line::from(spans), area);

    let mut right: Vec<Span> = Vec::new();
    let filter = app.views.events.filter.to_string();
    if !filter.is_empty() {
        right.push(Span::styled("filter: ", theme.dim()));
        right.push(Span::styled(
            crate::sanitize::escape(&filter).into_owned(),
            theme.accent(),
        ));
        right.push(Span::raw("  "));
    }
    if app.views.events.follow {
        right.push(Span::styled("● follow ", theme.accent()));
    } else {
        right.push(Span::styled("○ follow off ", theme.dim()));
    }
    let room = usize::from(area.width).saturating_sub(left + 1);
    let line = fit_spans(right, room);
    let w: usize = line.iter().map(|s| display_width(&s.content)).sum();
    frame.render_widget(
        Line::from(line),
        Rect {
            x: area.x + area.width.saturating_sub(w as u16),
            width: w as u16,
            ..area
        },
    );
}

/// Spans cut to `width` columns, the last one visible ending in `…`.
fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut left = width;
    for span in spans {
        let w = display_width(&span.content);
        if w <= left {
            left -= w;
            out.push(span);
        } else {
            if left > 0 {
                let cut = truncate(&span.content, left).into_owned();
                out.push(Span::styled(cut, span.style));
            }
            break;
        }
    }
    out
}

fn render_prompt(frame: &mut Frame, area: Rect, prompt: &Prompt, theme: &Theme) {
    let shown = crate::sanitize::escape(&prompt.text).into_owned();
    let before_cursor = crate::sanitize::escape(&prompt.text[..prompt.cursor]).into_owned();
    let mut spans = vec![
        Span::styled(" / ", theme.key()),
        Span::styled(shown.clone(), theme.text()),
        Span::raw("  "),
    ];
    match &prompt.error {
        Some(error) => spans.push(Span::styled(error.clone(), theme.problem())),
        None => spans.push(Span::styled(filter::KEYS.join(" "), theme.dim())),
    }
    let spans = fit_spans(spans, usize::from(area.width));
    frame.render_widget(Line::from(spans), area);
    let x = area.x + 3 + display_width(&before_cursor) as u16;
    if x < area.x + area.width {
        frame.set_cursor_position(Position::new(x, area.y));
    }
}

/// The replay prompt: where to send, with the cursor.
/// For an edited request (`E`, the event it came from), the prompt says so.
fn render_replay_prompt(
    frame: &mut Frame,
    area: Rect,
    prompt: &Prompt,
    editing: Option<u64>,
    theme: &Theme,
) {
    let lead = match editing {
        Some(id) => format!(" send edited #{id} to "),
        None => " replay to ".to_owned(),
    };
    let shown = crate::sanitize::escape(&prompt.text).into_owned();
    let before_cursor = crate::sanitize::escape(&prompt.text[..prompt.cursor]).into_owned();
    let mut spans = vec![
        Span::styled(lead.clone(), theme.key()),
        Span::styled(shown, theme.text()),
        Span::raw("  "),
    ];
    match &prompt.error {
        Some(error) => spans.push(Span::styled(error.clone(), theme.problem())),
        None => {
            let hints: [&str; 4] = if editing.is_some() {
                [
                    "⏎ send  Esc cancel  (the request's path and query are appended)",
                    "(the request's path and query are appended)",
                    "(its path and query are appended)",
                    "(+ its path and query)",
                ]
            } else {
                [
                    "⏎ send  Esc cancel  (path and query of each event are appended)",
                    "(path and query of each event are appended)",
                    "(each event's path and query are appended)",
                    "(+ each event's path and query)",
                ]
            };
            push_hint(&mut spans, &hints, area.width, theme);
        }
    }
    let spans = fit_spans(spans, usize::from(area.width));
    frame.render_widget(Line::from(spans), area);
    let x = area.x + display_width(&lead) as u16 + display_width(&before_cursor) as u16;
    if x < area.x + area.width {
        frame.set_cursor_position(Position::new(x, area.y));
    }
}

/// The longest of `hints` that fits whole after `spans` in `width` columns: the keys go first
/// (the bottom line shows them too), then words; a hint cut in the middle would say less than
/// a shorter one.
fn push_hint(spans: &mut Vec<Span<'static>>, hints: &[&'static str], width: u16, theme: &Theme) {
    let used: usize = spans.iter().map(|s| display_width(&s.content)).sum();
    let room = usize::from(width).saturating_sub(used);
    if let Some(hint) = hints.iter().find(|h| display_width(h) <= room) {
        spans.push(Span::styled(*hint, theme.dim()));
    }
}

/// The prompt for the file the copied text goes to: its name, with the cursor, and what Enter
/// does or why it did not.
fn render_save_prompt(frame: &mut Frame, area: Rect, prompt: &Prompt, theme: &Theme) {
    let lead = " write to ";
    let shown = crate::sanitize::escape(&prompt.text).into_owned();
    let before_cursor = crate::sanitize::escape(&prompt.text[..prompt.cursor]).into_owned();
    let mut spans = vec![
        Span::styled(lead, theme.key()),
        Span::styled(shown, theme.text()),
        Span::raw("  "),
    ];
    match &prompt.error {
        Some(error) => spans.push(Span::styled(
            crate::sanitize::escape(error).into_owned(),
            theme.problem(),
        )),
        None => push_hint(
            &mut spans,
            &[
                "⏎ write  Esc cancel  (in the current directory unless the name has a path)",
                "⏎ write  Esc cancel  (in the current directory)",
                "(in the current directory)",
            ],
            area.width,
            theme,
        ),
    }
    let spans = fit_spans(spans, usize::from(area.width));
    frame.render_widget(Line::from(spans), area);
    let x = area.x + display_width(lead) as u16 + display_width(&before_cursor) as u16;
    if x < area.x + area.width {
        frame.set_cursor_position(Position::new(x, area.y));
    }
}

/// The bottom line: a status message if there is one, then the hints of the keys that matter.
fn render_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans: Vec<Span> = vec![Span::raw(" ")];
    if let Some(status) = &app.status {
        let style = if status.ok {
            theme.success()
        } else {
            theme.problem()
        };
        spans.push(Span::styled(
            crate::sanitize::escape(&status.text).into_owned(),
            style,
        ));
        spans.push(Span::raw("   "));
    }
    // The mark, while the list it is in shows.
    if let Some((_, id)) = app.views.events.mark
        && app.view == ViewId::EVENTS
        && app.mode == Mode::Normal
    {
        spans.push(Span::styled(
            format!("{} #{id} marked", view::events::MARK_GLYPH),
            theme.accent(),
        ));
        spans.push(Span::styled(": d compares  ", theme.dim()));
    }
    let used: usize = spans.iter().map(|s| display_width(&s.content)).sum();
    let mut hints: Vec<(String, &str)> = keymap::bindings(&app.contexts())
        .filter_map(|b| {
            b.hint
                .map(|hint| (b.keys.first().map(Key::label).unwrap_or_default(), hint))
        })
        .collect();
    // Drop hints from the middle until they fit, keeping help and quit at the end.
    let width_of = |hints: &[(String, &str)]| -> usize {
        hints
            .iter()
            .map(|(k, h)| display_width(k) + 1 + display_width(h) + 2)
            .sum()
    };
    while !hints.is_empty() && used + width_of(&hints) > usize::from(area.width) {
        let at = hints.len().saturating_sub(3);
        hints.remove(at);
    }
    for (key, hint) in hints {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::styled(format!(" {hint}  "), theme.dim()));
    }
    let spans = fit_spans(spans, usize::from(area.width));
    frame.render_widget(Line::from(spans), area);
}

fn render_question(frame: &mut Frame, area: Rect, question: Question, theme: &Theme) {
    let (title, text) = match question {
        Question::Clear {
            events,
            sessions,
            timelines,
        } => (
            " Clear the buffer? ",
            clear_text(events, sessions, timelines),
        ),
        Question::Replay { count } => (
            " Replay the filtered events? ",
            format!(
                "Send all {} {} the filter shows again, one after another? The URL comes next.",
                thousands(count as u64),
                crate::words::noun(count as u64, "event")
            ),
        ),
        Question::Resign { scheme } => (
            " Sign afresh? ",
            format!(
                "Sign the edited request afresh with the {} secret, over the body as edited? \
                 No sends the signature as written.",
                scheme.as_str()
            ),
        ),
    };
    // The text wraps inside the borders and the padding; a blank line and the keys follow.
    let lines = u16::try_from(crate::ui::text::wrap(&text, 52).len()).unwrap_or(u16::MAX);
    let popup = centered(area, 56, lines.saturating_add(4).max(6));
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()));
    let context = match question {
        Question::Clear { .. } => Context::Clear,
        _ => Context::Confirm,
    };
    let keys = keymap::bindings(&[context])
        .flat_map(|b| {
            [
                Span::styled(
                    b.keys.first().map(Key::label).unwrap_or_default(),
                    theme.key(),
                ),
                Span::styled(format!(" {}   ", b.help), theme.dim()),
            ]
        })
        .collect::<Vec<_>>();
    let paragraph = Paragraph::new(vec![
        Line::styled(text, theme.text()),
        Line::default(),
        Line::from(keys),
    ])
    .wrap(ratatui::widgets::Wrap { trim: true })
    .block(block.padding(ratatui::widgets::Padding::horizontal(1)));
    frame.render_widget(paragraph, popup);
}

/// What `z` asks: what the events and the analysis hold now, and what each key clears.
fn clear_text(events: u64, sessions: usize, timelines: usize) -> String {
    let stored = match events {
        0 => "No event is stored.".to_owned(),
        1 => "Drop the only stored event? It counts as evicted; ids keep counting.".to_owned(),
        n => format!(
            "Drop all {} stored events? They count as evicted; ids keep counting.",
            thousands(n)
        ),
    };
    match (sessions, timelines) {
        (0, 0) => format!("{stored} No session or timeline is held: e and a do the same."),
        (s, t) => format!(
            "{stored} The analysis holds {} WMS {} and {} {}: e keeps them listed, a clears \
             them too.",
            thousands(s as u64),
            crate::words::noun(s as u64, "session"),
            thousands(t as u64),
            if t == 1 {
                "scan or video"
            } else {
                "scans or videos"
            }
        ),
    }
}

/// The keys of `context` on one line, as `key what   key what`.
fn key_line(context: Context, theme: &Theme) -> Line<'static> {
    Line::from(
        keymap::bindings(&[context])
            .flat_map(|b| {
                [
                    Span::styled(
                        b.keys.first().map(Key::label).unwrap_or_default(),
                        theme.key(),
                    ),
                    Span::styled(format!(" {}   ", b.hint.unwrap_or(b.help)), theme.dim()),
                ]
            })
            .collect::<Vec<_>>(),
    )
}

/// The formats `c` offers, one a line, from the key map.
fn render_copy_menu(frame: &mut Frame, area: Rect, theme: &Theme) {
    let bindings: Vec<_> = keymap::bindings(&[Context::CopyMenu]).collect();
    let popup = centered(
        area,
        34,
        u16::try_from(bindings.len() + 2).unwrap_or(u16::MAX),
    );
    frame.render_widget(Clear, popup);
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(" Copy the event ", theme.title()));
    let lines: Vec<Line> = bindings
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(
                    format!("{:<4}", b.keys.first().map(Key::label).unwrap_or_default()),
                    theme.key(),
                ),
                Span::styled(b.help, theme.text()),
            ])
        })
        .collect();
    let paragraph =
        Paragraph::new(lines).block(block.padding(ratatui::widgets::Padding::horizontal(1)));
    frame.render_widget(paragraph, popup);
}

/// The text just copied, wrapped to the popup, to select with the mouse (Shift held, as the
/// interface takes the mouse) or write to a file whole. Every line goes through `sanitize`,
/// though each format writes only plain text.
fn render_copied(frame: &mut Frame, area: Rect, copied: &Copied, theme: &Theme) {
    let popup = area;
    frame.render_widget(Clear, popup);
    let title = format!(
        " #{} as {} — copied (OSC 52) ",
        copied.id,
        copied.format.name()
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()))
        .title_bottom(key_line(Context::CopyText, theme))
        .title_bottom(Line::styled(" Shift+drag selects ", theme.dim()).right_aligned());
    let lines: Vec<Line> = copied
        .text
        .split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            Line::styled(
                crate::sanitize::escape(&line.replace('\t', "    ")).into_owned(),
                theme.text(),
            )
        })
        .collect();
    let paragraph = Paragraph::new(lines)
        .wrap(ratatui::widgets::Wrap { trim: false })
        .block(block);
    frame.render_widget(paragraph, popup);
}
