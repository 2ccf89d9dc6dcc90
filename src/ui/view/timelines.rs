//! The Timelines view: the Prism scans and video generations with their status and what else
//! is known of them (a stuck job, an event whose state contradicts its type, re-sends and how
//! long they went on) and, below, the selected one: a shared time axis with one lane per job
//! drawn as a bar from its start to its end (a running job to now), its final state, duration,
//! error and re-sends against the documented retry schedule, and the anomalies found.
//!
//! Rows are copied out of the analysis before each frame, only those on screen.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::MouseEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders};

use crate::analysis::redelivery::fits_prism_schedule;
use crate::analysis::{
    Analyzer, Lane, LaneOutcome, Retried, STUCK_AFTER, Timeline, TimelineKind, TimelineStatus,
};
use crate::event::Severity;
use crate::sanitize;
use crate::ui::action::keys::{BOTTOM, DOWN, ENTER, PAGE_DOWN, PAGE_UP, TOP, UP};
use crate::ui::action::{Action, Context, bind};
use crate::ui::table::{Column, Table};
use crate::ui::text::{
    self, RichLine, Role, display_width, fit, short_duration, thousands,
};
use crate::ui::theme::Theme;
use crate::ui::view::component::{Feed, Spec, View};
use crate::ui::view::list::{self, Cursor};
use crate::ui::view::sessions::id_filter;

/// Prism's documented retry schedule as the Hosted API webhook guide words it: "immediately
/// upon failure, then again after 5 and then 30 seconds".
const DOCUMENTED_SCHEDULE: &str = "immediately, +5 s, +30 s";

/// The keys of the list.
pub const LIST: Context = Context::View("Timelines");

pub const SPEC: Spec = Spec {
    title: "Timelines",
    switch_help: "the Timelines view (scans, videos)",
    keys: &[
    bind(
        LIST,
        UP,
        Action::Up,
        "select the previous scan or video",
        None,
    ),
    bind(
        LIST,
        DOWN,
        Action::Down,
        "select the next scan or video",
        Some("move"),
    ),
    bind(LIST, PAGE_UP, Action::PageUp, "one page up", None),
    bind(
        LIST,
        PAGE_DOWN,
        Action::PageDown,
        "one page down",
        None,
    ),
    bind(LIST, TOP, Action::Top, "the most recently seen", None),
    bind(
        LIST,
        BOTTOM,
        Action::Bottom,
        "the least recently seen",
        None,
    ),
    bind(
        LIST,
        ENTER,
        Action::Open,
        "its events (Events view, filtered)",
        Some("events"),
    ),
    ],
    sections: &[LIST],
    signs: &[
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
            "",
            "⚠ stuck: a job running past --stuck-after (5 min) without an ending",
        ),
        (
            "",
            "⚠ succeeded but ASSET_FAILED: an event whose state contradicts its type",
        ),
        (
            "NOTE",
            "↻3 three re-sends of the same body · retried 35 s: first delivery to last re-send",
        ),
        (
            "ANOM",
            "⚠ anomalies found on the timeline, listed under its lanes",
        ),
    ],
};

#[derive(Debug, Default)]
pub struct TimelinesState {
    pub cursor: Cursor<(TimelineKind, String)>,
    /// The visible rows, copied from the analysis by `refresh`.
    pub rows: Vec<Timeline>,
    /// The time the rows were read at (running jobs are drawn up to it).
    pub now: Option<DateTime<Utc>>,
    /// Whether events still arrive (a listener) or the timelines come from a file.
    pub live: bool,
    /// A job running this long without an ending is stuck (`--stuck-after`).
    pub stuck_after: std::time::Duration,
    pub empty_hint: String,
}

/// The areas of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub list: Rect,
    pub detail: Option<Rect>,
}

impl Areas {
    /// The list on top, as tall as its rows (at most two fifths), the detail below: both get
    /// the whole width, the list for what each row says, the detail for its time axis.
    pub fn new(body: Rect, total: usize) -> Areas {
        if total == 0 || body.height < 12 {
            return Areas {
                list: body,
                detail: None,
            };
        }
        let most = (body.height * 2 / 5).max(5);
        let wanted = (total as u16).saturating_add(3).min(most);
        let [list, detail] =
            Layout::vertical([Constraint::Length(wanted), Constraint::Min(0)]).areas(body);
        Areas {
            list,
            detail: Some(detail),
        }
    }

    pub fn rows(&self) -> usize {
        usize::from(self.list.height.saturating_sub(3))
    }
}

impl TimelinesState {
    pub fn new(live: bool) -> TimelinesState {
        TimelinesState {
            live,
            stuck_after: STUCK_AFTER,
            empty_hint: if live {
                "No scan or video yet. Timelines appear as Prism events arrive.".to_owned()
            } else {
                "The file holds no Prism scan or video events.".to_owned()
            },
            ..TimelinesState::default()
        }
    }

    fn move_cursor(&mut self, action: Action, page: usize) {
        let page = page.max(1) as isize;
        match action {
            Action::Up => self.cursor.move_by(-1),
            Action::Down => self.cursor.move_by(1),
            Action::PageUp => self.cursor.move_by(-page),
            Action::PageDown => self.cursor.move_by(page),
            Action::Top => self.cursor.top(),
            Action::Bottom => self.cursor.bottom(),
            _ => {}
        }
    }

    pub fn selected(&self) -> Option<&Timeline> {
        let at = self.cursor.position.checked_sub(self.cursor.offset)?;
        self.rows.get(at)
    }

    /// Copies the rows `body` shows out of the analysis.
    fn fetch(&mut self, analyzer: &Analyzer, body: Rect, now: DateTime<Utc>) {
        let total = analyzer.counters().timelines;
        let rows = Areas::new(body, total).rows();
        let found = self.cursor.selected.as_ref().and_then(|(kind, id)| {
            analyzer
                .timelines()
                .position(|t| t.kind == *kind && t.id == *id)
        });
        self.cursor.place(total, found, rows);
        self.rows = analyzer
            .timelines()
            .skip(self.cursor.offset)
            .take(rows)
            .cloned()
            .collect();
        let key = self.selected().map(|t| (t.kind, t.id.clone()));
        self.cursor.select(key);
        self.now = Some(now);
    }

    /// Whether a visible row has a job running, drawn up to now.
    pub fn shows_clock(&self) -> bool {
        self.live
            && self.rows.iter().any(|t| {
                t.lanes
                    .iter()
                    .any(|l| l.outcome == LaneOutcome::Running)
            })
    }

    /// The job of `timeline` that has run too long without an ending, while events can still
    /// arrive (a file's timelines stop where the file does).
    fn stuck<'a>(&self, timeline: &'a Timeline) -> Option<(&'a Lane, std::time::Duration)> {
        let now = self.now.filter(|_| self.live)?;
        timeline.stuck(now, self.stuck_after)
    }

    /// The filter that shows the selected timeline's events.
    pub fn filter_text(&self) -> Option<String> {
        self.selected().map(|t| id_filter("scan", &t.id))
    }

    /// Where the time axis ends: now while a job runs and events arrive, else the last event.
    fn end_of(&self, timeline: &Timeline) -> DateTime<Utc> {
        let running = timeline
            .lanes
            .iter()
            .any(|l| l.outcome == LaneOutcome::Running);
        match self.now.filter(|_| self.live && running) {
            Some(now) if now > timeline.last_seen => now,
            _ => timeline.last_seen,
        }
    }
}

/// `body.creation` → `body`, `scan.processing` → `processing`: a job in a word, for the list.
fn short_job(job: &str) -> &str {
    match job {
        "capture_data.validation" => "validation",
        "fitted_body.creation" => "fitted body",
        "scan.processing" => "processing",
        "body_shape_prediction.processing" => "prediction",
        other => other.split('.').next().unwrap_or(other),
    }
}

/// Whole seconds, as the list shows a running time.
fn whole(d: std::time::Duration) -> String {
    short_duration(std::time::Duration::from_secs(d.as_secs()))
}

/// `✖ body failed`, `● processing 12 s`, `⚠ processing stuck 6 min`, `✓ done`, for a cell
/// `width` wide.
fn status_cell(timeline: &Timeline, state: &TimelinesState, width: usize) -> (Role, String) {
    let warn = Role::Severity(Severity::Warn);
    match timeline.status() {
        TimelineStatus::Failed(lane) => {
            (Role::Problem, format!("✖ {} failed", short_job(&lane.job)))
        }
        TimelineStatus::Contradicted(lane) => {
            let long = format!("⚠ {} contradicts", short_job(&lane.job));
            if display_width(&long) <= width {
                (warn, long)
            } else {
                (warn, "⚠ contradicts".to_owned())
            }
        }
        TimelineStatus::Running(lane) => {
            if let Some((stuck, running)) = state.stuck(timeline) {
                let long = format!("⚠ {} stuck {}", short_job(&stuck.job), whole(running));
                let text = if display_width(&long) <= width {
                    long
                } else {
                    format!("⚠ stuck {}", whole(running))
                };
                return (warn, text);
            }
            if !state.live {
                // A file ends where it ends: the job had not ended by then, for no known time.
                return (Role::Accent, format!("● {} not ended", short_job(&lane.job)));
            }
            let since = lane.started_at.unwrap_or(timeline.first_seen);
            let running = (state.end_of(timeline) - since)
                .to_std()
                .unwrap_or_default();
            (
                Role::Accent,
                format!("● {} {}", short_job(&lane.job), whole(running)),
            )
        }
        TimelineStatus::Succeeded => (
            Role::Success,
            match timeline.kind {
                TimelineKind::Scan => "✓ done".to_owned(),
                TimelineKind::Video => "✓ video done".to_owned(),
            },
        ),
        TimelineStatus::Waiting => (Role::Dim, "· waiting".to_owned()),
    }
}

/// One thing the NOTE column says, in forms from the fullest to the shortest.
struct Note {
    warning: bool,
    forms: Vec<String>,
}

/// `+0.2 s +5.1 s +30.1 s`: each kept re-send after the delivery before it.
fn gaps_text(retried: &Retried) -> String {
    let gaps: Vec<String> = retried.gaps_s().map(|g| format!("+{g:.1} s")).collect();
    gaps.join(" ")
}

/// Whether the kept re-sends of `retried` came when Prism's schedule says; `None` when one of
/// them is past the documented three.
fn on_schedule(retried: &Retried) -> Option<bool> {
    let mut previous = 0.0;
    let mut fits = true;
    for (i, &delay) in retried.delays_ms.iter().enumerate() {
        let retry = u32::try_from(i + 1).unwrap_or(u32::MAX);
        fits &= fits_prism_schedule(retry, (delay - previous) / 1000.0, delay / 1000.0)?;
        previous = delay;
    }
    (retried.resends as usize <= retried.delays_ms.len()).then_some(fits)
}

/// What the row says beyond the status, the most pressing first: a stuck job the status does
/// not show, a contradiction, the re-sends.
fn notes(timeline: &Timeline, state: &TimelinesState) -> Vec<Note> {
    let mut notes = Vec::new();
    let status = timeline.status();
    if let Some((lane, running)) = state.stuck(timeline)
        && !matches!(status, TimelineStatus::Running(_))
    {
        notes.push(Note {
            warning: true,
            forms: vec![
                format!("⚠ {} stuck {}", short_job(&lane.job), whole(running)),
                format!("⚠ stuck {}", whole(running)),
            ],
        });
    }
    if let Some((lane, c)) = timeline
        .lanes
        .iter()
        .find_map(|l| Some((l, l.contradiction.as_ref()?)))
    {
        let phase = sanitize::escape(c.phase_word());
        let word = sanitize::escape(&c.state);
        notes.push(Note {
            warning: true,
            forms: vec![
                format!("⚠ {}: {phase} but {word}", short_job(&lane.job)),
                format!("⚠ {phase} but {word}"),
                format!("⚠ {phase}≠{word}"),
            ],
        });
    }
    if timeline.resent > 0 {
        let count = format!("↻{}", timeline.resent);
        let mut forms = Vec::new();
        if let Some((_, retried)) = timeline.retried() {
            let span = short_duration(retried.span());
            let verdict = match on_schedule(retried) {
                Some(true) => "on schedule",
                Some(false) => "off schedule",
                None => "past the schedule",
            };
            forms.push(format!(
                "{count} retried {span}: {} (documented: {DOCUMENTED_SCHEDULE})",
                gaps_text(retried)
            ));
            forms.push(format!("{count} retried {span}, {verdict}"));
            forms.push(format!("{count} retried {span}"));
        }
        forms.push(count);
        let warning = timeline
            .retried()
            .is_some_and(|(_, r)| on_schedule(r) != Some(true));
        notes.push(Note { warning, forms });
    }
    notes
}

/// The notes in `width` columns: of the forms that fit together, those that shorten no note
/// much (the least shortened note kept fullest), then those that say the most, then those
/// that keep the more pressing notes fuller. A row has at most three notes of at most four
/// forms each.
fn notes_text(notes: &[Note], width: usize) -> String {
    let joined = |form: &[usize]| {
        let parts: Vec<&str> = notes
            .iter()
            .zip(form)
            .map(|(n, &f)| n.forms[f].as_str())
            .collect();
        parts.join("  ")
    };
    let mut form = vec![0; notes.len()];
    // (how far the most shortened note is shortened, minus the width, the forms)
    let mut best: Option<(usize, isize, Vec<usize>)> = None;
    loop {
        let w = display_width(&joined(&form));
        let worst = form.iter().copied().max().unwrap_or(0);
        let key = (worst, -(w as isize));
        // Earlier notes stay fullest longest in this order, so a tie keeps the first found.
        if w <= width && best.as_ref().is_none_or(|(b, bw, _)| key < (*b, *bw)) {
            best = Some((worst, key.1, form.clone()));
        }
        // The next combination, the last note's form counting fastest.
        let Some(i) = (0..notes.len())
            .rev()
            .find(|&i| form[i] + 1 < notes[i].forms.len())
        else {
            break;
        };
        form[i] += 1;
        form[i + 1..].iter_mut().for_each(|f| *f = 0);
    }
    // Nothing fits: the shortest of each, cut by the table.
    let form = best.map_or_else(
        || notes.iter().map(|n| n.forms.len() - 1).collect(),
        |(_, _, form)| form,
    );
    joined(&form)
}

/// What every cell of the list may look at: the view's state, and whether the notes have a
/// column of their own.
struct Shared<'a> {
    state: &'a TimelinesState,
    notes_shown: bool,
}

fn table<'a>() -> Table<Timeline, Shared<'a>, 7> {
    Table {
        columns: [
            Column::left("KIND", 5, |timeline, _, _| {
                (timeline.kind.as_str().into(), Role::Accent)
            }),
            Column::left("ID", text::SCAN_ID_WIDTH, |timeline, _, width| {
                (text::short_id(&timeline.id, width), Role::Text)
            }),
            Column::left("STATUS", 24, |timeline, shared, width| {
                let (role, text) = status_cell(timeline, shared.state, width);
                if !shared.notes_shown
                    && !matches!(role, Role::Problem | Role::Severity(Severity::Warn))
                {
                    // No room for the notes: the most pressing takes the place of the status.
                    let notes = notes(timeline, shared.state);
                    if let Some(note) = notes.iter().find(|n| n.warning) {
                        return (
                            notes_text(std::slice::from_ref(note), width).into(),
                            Role::Severity(Severity::Warn),
                        );
                    }
                }
                (text.into(), role)
            }),
            Column::left("NOTE", 0, |timeline, shared, width| {
                let notes = notes(timeline, shared.state);
                let role = if notes.iter().any(|n| n.warning) {
                    Role::Severity(Severity::Warn)
                } else {
                    Role::Accent
                };
                (notes_text(&notes, width).into(), role)
            }),
            Column::right("ANOM", 4, |timeline, _, _| {
                if timeline.anomaly_count == 0 {
                    ("–".into(), Role::Dim)
                } else {
                    (
                        format!("⚠{}", timeline.anomaly_count).into(),
                        Role::Severity(Severity::Warn),
                    )
                }
            }),
            Column::right("EVENTS", 6, |timeline, _, _| {
                (thousands(timeline.events).into(), Role::Text)
            }),
            Column::left("SEEN", 8, |timeline, _, _| {
                (
                    timeline.last_seen.format("%H:%M:%S").to_string().into(),
                    Role::Dim,
                )
            }),
        ],
        flex: ("NOTE", 100),
        // Narrower screens drop these in order until the notes have room.
        shrink: &[("KIND", 0), ("SEEN", 0), ("EVENTS", 0), ("ANOM", 0)],
        room: 30,
        // What the notes do not need goes to the id.
        spare: Some("ID"),
        trailing_space: true,
    }
}

impl View for TimelinesState {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn context(&self) -> Context {
        LIST
    }

    fn refresh(&mut self, feed: &Feed<'_>, body: Rect) {
        match feed.analysis {
            Some(analysis) => analysis.read(&mut |a| self.fetch(a, body, feed.now)),
            None => self.rows.clear(),
        }
    }

    fn update(&mut self, action: Action, body: Rect) {
        let page = Areas::new(body, self.cursor.total).rows();
        self.move_cursor(action, page);
    }

    fn mouse(&mut self, mouse: MouseEvent, body: Rect) -> bool {
        let list = Areas::new(body, self.cursor.total).list;
        list::mouse(&mut self.cursor, mouse, list)
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(frame, area, self, theme);
    }

    fn shows_clock(&self) -> bool {
        TimelinesState::shows_clock(self)
    }

    fn events_filter(&self) -> Option<String> {
        self.filter_text()
    }
}

/// Draws the view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &TimelinesState, theme: &Theme) {
    let areas = Areas::new(area, state.cursor.total);
    render_list(frame, areas.list, state, theme);
    if let (Some(detail), Some(timeline)) = (areas.detail, state.selected()) {
        render_detail(frame, detail, timeline, state, theme);
    }
}

fn render_list(frame: &mut Frame, area: Rect, state: &TimelinesState, theme: &Theme) {
    let title = format!(
        " Scans and videos {} ",
        thousands(state.cursor.total as u64)
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(true))
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let table = table();
    let widths = table.widths(usize::from(inner.width));
    let shared = Shared {
        state,
        notes_shown: table.shows(&widths, "NOTE"),
    };
    let rows = state
        .rows
        .iter()
        .enumerate()
        .map(|(i, timeline)| (timeline, state.cursor.offset + i == state.cursor.position));
    table.render(
        frame,
        inner,
        &widths,
        rows,
        &shared,
        &state.empty_hint,
        theme,
    );
}

/// Seconds between ticks of the axis, the first that leaves about eight columns per label.
fn tick_step(span: f64, columns: usize) -> f64 {
    const STEPS: [f64; 17] = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
        3600.0, 7200.0,
    ];
    let labels = (columns / 8).max(1) as f64;
    STEPS
        .into_iter()
        .find(|step| span / step <= labels)
        .unwrap_or_else(|| (span / labels / 3600.0).ceil() * 3600.0)
}

fn tick_label(seconds: f64) -> String {
    if seconds >= 120.0 {
        format!("{} min", (seconds / 60.0).round())
    } else if seconds.fract().abs() > 1e-9 {
        format!("{seconds:.1} s")
    } else {
        format!("{seconds:.0} s")
    }
}

/// The axis over the bars: `0 s ──── 10 s ──── 20 s`.
fn axis(span: f64, width: usize) -> String {
    let mut cells: Vec<char> = vec!['─'; width];
    let step = tick_step(span, width);
    let mut t = 0.0;
    let mut free_from = 0;
    while t <= span + 1e-9 && width > 0 {
        let label = tick_label(t);
        let w = label.chars().count();
        // A label that would run off the end ends there instead.
        let at = (((t / span) * (width - 1) as f64).round() as usize).min(width.saturating_sub(w));
        if at >= free_from && at + w <= width {
            for (i, c) in label.chars().enumerate() {
                cells[at + i] = c;
            }
            if at + w < width {
                cells[at + w] = ' ';
            }
            if at > 0 {
                cells[at - 1] = ' ';
            }
            free_from = at + w + 2;
        }
        t += step;
    }
    cells.into_iter().collect()
}

fn outcome_glyph(lane: &Lane) -> (&'static str, Role) {
    if lane.contradiction.is_some() && lane.outcome != LaneOutcome::NotSeen {
        return ("█", Role::Severity(Severity::Warn));
    }
    match lane.outcome {
        LaneOutcome::Succeeded => ("█", Role::Success),
        LaneOutcome::Failed => ("█", Role::Problem),
        LaneOutcome::Running => ("▒", Role::Accent),
        LaneOutcome::NotSeen => ("·", Role::Dim),
    }
}

/// `✓ 4.1 s ASSET_SUCCEEDED`, `✖ 9.8 s ASSET_FAILED ↻3`, `● 12 s PROCESSING`, and for an
/// event that contradicts itself both its words: `⚠ – succeeded but ASSET_FAILED`.
fn outcome_text(lane: &Lane, end: DateTime<Utc>) -> (Role, String) {
    // `SCAN_CAPTURE_DATA_VALID` says no more than `CAPTURE_DATA_VALID` on a scan's lane.
    let state = lane
        .state
        .as_deref()
        .map(|s| sanitize::escape(s.strip_prefix("SCAN_").unwrap_or(s)).into_owned())
        .unwrap_or_default();
    let (glyph, role) = match lane.outcome {
        LaneOutcome::Succeeded => ("✓", Role::Success),
        LaneOutcome::Failed => ("✖", Role::Problem),
        LaneOutcome::Running => ("●", Role::Accent),
        LaneOutcome::NotSeen => return (Role::Dim, String::new()),
    };
    let took = match (lane.outcome, lane.started_at) {
        (LaneOutcome::Running, Some(start)) => (end - start).to_std().ok(),
        _ => lane.duration(),
    };
    let took = match took {
        // A video's lane begins at its first event: one event has no duration to tell.
        Some(d) if d.is_zero() && lane.events <= lane.resent.saturating_add(1) => String::new(),
        Some(d) => format!("{} ", short_duration(d)),
        None => "– ".to_owned(),
    };
    let resent = match lane.resent {
        0 => String::new(),
        n => format!(" ↻{n}"),
    };
    if let Some(c) = &lane.contradiction {
        let text = format!(
            "⚠ {took}{} but {}{resent}",
            sanitize::escape(c.phase_word()),
            sanitize::escape(c.state.strip_prefix("SCAN_").unwrap_or(&c.state))
        );
        return (Role::Severity(Severity::Warn), text);
    }
    (
        role,
        format!("{glyph} {took}{state}").trim_end().to_owned() + &resent,
    )
}

/// The re-sends of a lane's body against the documented schedule, in words: `↻
/// body.creation.failed sent 4 times over 35 s: re-sent +0.2 s +5.1 s +30.1 s after the one
/// before; documented: immediately, +5 s, +30 s · on schedule`.
fn retry_text(retried: &Retried) -> (bool, String) {
    let verdict = match on_schedule(retried) {
        Some(true) => "on schedule",
        Some(false) => "⚠ off schedule",
        None => "⚠ more re-sends than the documented three",
    };
    let more = retried
        .resends
        .saturating_sub(retried.delays_ms.len() as u32);
    let more = match more {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    (
        on_schedule(retried) != Some(true),
        format!(
            "↻ {} sent {} times over {}: re-sent {}{more} after the one before; documented: \
             {DOCUMENTED_SCHEDULE} · {verdict}",
            sanitize::escape(&retried.event),
            retried.resends.saturating_add(1),
            short_duration(retried.span()),
            gaps_text(retried),
        ),
    )
}

/// The lines of the detail of `timeline`, `width` columns wide; `compact`, the jobs not seen
/// share one line.
fn detail_lines(
    timeline: &Timeline,
    state: &TimelinesState,
    width: usize,
    compact: bool,
) -> Vec<RichLine> {
    let mut lines = Vec::new();
    let start = timeline.first_seen;
    let end = state.end_of(timeline);
    let span = (end - start)
        .to_std()
        .unwrap_or_default()
        .as_secs_f64()
        .max(1.0);
    let name_width = timeline
        .lanes
        .iter()
        .map(|l| display_width(&l.job))
        .max()
        .unwrap_or(5)
        .clamp(9, if width >= 90 { 32 } else { 24 });
    // The outcome column is as wide as its longest text, within bounds; the bars get the rest.
    let outcome_width = timeline
        .lanes
        .iter()
        .map(|l| display_width(&outcome_text(l, end).1))
        .max()
        .unwrap_or(0)
        .clamp(8, if width >= 70 { 32 } else { 18 });
    let bar_width = width.saturating_sub(name_width + outcome_width + 2).max(8);
    let col = |t: DateTime<Utc>| -> usize {
        let offset = (t - start).to_std().unwrap_or_default().as_secs_f64();
        (((offset / span) * (bar_width - 1) as f64).round() as usize).min(bar_width - 1)
    };

    lines.push(RichLine(vec![
        (
            Role::Dim,
            fit(&start.format("%H:%M:%S").to_string(), name_width + 1),
        ),
        (Role::Dim, axis(span, bar_width)),
    ]));
    let warn = Role::Severity(Severity::Warn);
    let not_seen = |l: &&Lane| l.outcome == LaneOutcome::NotSeen;
    for lane in &timeline.lanes {
        if compact && not_seen(&lane) {
            continue;
        }
        let mut line = RichLine(vec![(
            if lane.outcome == LaneOutcome::NotSeen {
                Role::Dim
            } else {
                Role::Text
            },
            fit(&sanitize::escape(&lane.job), name_width),
        )]);
        line.push(Role::Dim, " ");
        let (glyph, role) = outcome_glyph(lane);
        let bar = match (lane.outcome, lane.started_at, lane.ended_at) {
            (LaneOutcome::NotSeen, _, _) => None,
            (LaneOutcome::Running, Some(from), _) => Some((col(from), col(end))),
            (_, Some(from), Some(to)) => Some((col(from), col(to).max(col(from)))),
            (_, None, Some(to)) => {
                // An end without a start: a mark where it ended.
                let at = col(to);
                line.push(Role::Dim, " ".repeat(at));
                line.push(warn, "◆");
                line.push(Role::Dim, " ".repeat(bar_width - at - 1));
                None
            }
            (_, Some(from), None) => Some((col(from), col(from))),
            (_, None, None) => None,
        };
        match (lane.outcome, bar) {
            (LaneOutcome::NotSeen, _) => {
                line.push(Role::Dim, fit("· not seen", bar_width));
            }
            (_, Some((from, to))) => {
                line.push(Role::Dim, " ".repeat(from));
                line.push(role, glyph.repeat(to - from + 1));
                line.push(Role::Dim, " ".repeat(bar_width - to - 1));
            }
            (_, None) => {
                if line.0.len() == 2 {
                    line.push(Role::Dim, " ".repeat(bar_width));
                }
            }
        }
        if lane.outcome != LaneOutcome::NotSeen {
            let (role, text) = outcome_text(lane, end);
            line.push(Role::Dim, " ");
            line.push(role, fit(&text, outcome_width));
        }
        lines.push(line);
        if let Some(error) = &lane.error {
            let mut words = Vec::new();
            if let Some(id) = error.id {
                words.push(format!("E{id}"));
            }
            if let Some(code) = &error.code {
                words.push(sanitize::escape(code).into_owned());
            }
            let mut text = words.join(" ");
            if let Some(message) = &error.message {
                if !text.is_empty() {
                    text.push_str(": ");
                }
                text.push_str(&sanitize::escape(message));
            }
            if !text.is_empty() {
                lines.push(RichLine(vec![
                    (Role::Dim, " ".repeat(name_width + 1)),
                    (Role::Problem, format!("✖ {text}")),
                ]));
            }
        }
        if let Some(retried) = &lane.retried {
            let (off, text) = retry_text(retried);
            let role = if off { warn } else { Role::Accent };
            let indent = if width >= name_width + 40 {
                name_width + 1
            } else {
                2
            };
            for part in text::wrap(&text, width.saturating_sub(indent)) {
                lines.push(RichLine(vec![(Role::Dim, " ".repeat(indent)), (role, part)]));
            }
        }
    }
    if compact {
        let names: Vec<&str> = timeline
            .lanes
            .iter()
            .filter(not_seen)
            .map(|l| l.job.as_str())
            .collect();
        if !names.is_empty() {
            let text = format!("· not seen: {}", names.join(", "));
            lines.push(RichLine(vec![(Role::Dim, fit(&text, width))]));
        }
    }
    let mut summary = RichLine::new();
    summary.push(
        Role::Dim,
        format!(
            "{} event{} over {}",
            thousands(timeline.events),
            if timeline.events == 1 { "" } else { "s" },
            short_duration(timeline.span())
        ),
    );
    if let Some(valid) = timeline.capture_valid_at {
        summary.push(
            Role::Dim,
            format!(
                " · capture data valid after {}",
                short_duration((valid - start).to_std().unwrap_or_default())
            ),
        );
    }
    if timeline.other_events > 0 {
        summary.push(
            Role::Dim,
            format!(" · {} of undocumented types", timeline.other_events),
        );
    }
    if timeline.resent > 0 {
        summary.push(
            Role::Dim,
            format!(" · {} re-sent", thousands(timeline.resent)),
        );
    }
    lines.push(summary);
    let stuck = state.stuck(timeline);
    if timeline.anomaly_count > 0 || stuck.is_some() {
        lines.push(RichLine::new());
    }
    if let Some((lane, running)) = stuck {
        let message = format!(
            "{} started {} ago and has not ended: stuck (after {} without an ending).",
            sanitize::escape(&lane.job),
            whole(running),
            short_duration(state.stuck_after)
        );
        for (i, part) in text::wrap(&message, width.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { "⚠ " } else { "  " };
            lines.push(RichLine(vec![(warn, format!("{lead}{part}"))]));
        }
    }
    for anomaly in &timeline.anomalies {
        let message = sanitize::escape(&anomaly.message()).into_owned();
        for (i, part) in text::wrap(&message, width.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            let lead = if i == 0 { "⚠ " } else { "  " };
            lines.push(RichLine(vec![(warn, format!("{lead}{part}"))]));
        }
    }
    let hidden = timeline
        .anomaly_count
        .saturating_sub(timeline.anomalies.len() as u64);
    if hidden > 0 {
        lines.push(RichLine(vec![(
            Role::Dim,
            format!("  and {} earlier", thousands(hidden)),
        )]));
    }
    lines
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    timeline: &Timeline,
    state: &TimelinesState,
    theme: &Theme,
) {
    let title = format!(
        " {} {} ",
        timeline.kind.as_str(),
        sanitize::escape(&timeline.id)
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(false))
        .title(Span::styled(
            text::truncate(&title, usize::from(area.width.saturating_sub(4))).into_owned(),
            theme.title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width < 2 {
        return;
    }
    let width = usize::from(inner.width - 1);
    let mut lines = detail_lines(timeline, state, width, false);
    if lines.len() > usize::from(inner.height) {
        // Short of room: the blank line before the anomalies goes first, then the jobs not
        // seen share a line.
        lines.retain(|line| !line.is_empty());
    }
    if lines.len() > usize::from(inner.height) {
        lines = detail_lines(timeline, state, width, true);
        lines.retain(|line| !line.is_empty());
    }
    for (i, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_labels_round_steps_without_overlap() {
        let line = axis(30.0, 40);
        assert!(line.starts_with("0 s "), "{line}");
        assert!(line.contains("10 s"), "{line}");
        assert_eq!(line.chars().count(), 40);
        assert!(axis(0.8, 30).contains("0.5 s"));
        assert_eq!(tick_label(600.0), "10 min");
    }

    fn note(forms: &[&str]) -> Note {
        Note {
            warning: false,
            forms: forms.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    #[test]
    fn notes_shorten_evenly_to_fit() {
        let notes = [
            note(&[
                "⚠ fitted body: succeeded but ASSET_FAILED",
                "⚠ succeeded but ASSET_FAILED",
                "⚠ succeeded≠ASSET_FAILED",
            ]),
            note(&["↻3 retried 35 s, on schedule", "↻3 retried 35 s", "↻3"]),
        ];
        assert_eq!(
            notes_text(&notes, 200),
            "⚠ fitted body: succeeded but ASSET_FAILED  ↻3 retried 35 s, on schedule"
        );
        // Both shortened once rather than one to its shortest.
        assert_eq!(
            notes_text(&notes, 51),
            "⚠ succeeded but ASSET_FAILED  ↻3 retried 35 s"
        );
        assert_eq!(notes_text(&notes, 32), "⚠ succeeded but ASSET_FAILED  ↻3");
        assert_eq!(notes_text(&notes, 28), "⚠ succeeded≠ASSET_FAILED  ↻3");
        // Nothing fits: the shortest, for the table to cut.
        assert_eq!(notes_text(&notes, 5), "⚠ succeeded≠ASSET_FAILED  ↻3");
        assert_eq!(notes_text(&[], 10), "");
    }

    fn retried(delays_ms: &[f64], resends: u32) -> Retried {
        Retried {
            event: "body.creation.failed".into(),
            first_id: 1,
            resends,
            delays_ms: delays_ms.to_vec(),
            span_ms: delays_ms.last().copied().unwrap_or(0.0),
        }
    }

    #[test]
    fn re_sends_are_held_against_the_documented_schedule() {
        let on_time = retried(&[200.0, 5300.0, 35_400.0], 3);
        assert_eq!(on_schedule(&on_time), Some(true));
        assert_eq!(gaps_text(&on_time), "+0.2 s +5.1 s +30.1 s");
        let (off, text) = retry_text(&on_time);
        assert!(!off);
        assert_eq!(
            text,
            "↻ body.creation.failed sent 4 times over 35 s: re-sent +0.2 s +5.1 s +30.1 s after \
             the one before; documented: immediately, +5 s, +30 s · on schedule"
        );
        // A first re-send 4 s after the failure is not "immediately".
        let late = retried(&[4000.0], 1);
        assert_eq!(on_schedule(&late), Some(false));
        assert!(retry_text(&late).1.ends_with("· ⚠ off schedule"));
        // Five re-sends: two past the documented three, one of them not kept.
        let more = retried(&[0.0, 5000.0, 35_000.0, 65_000.0], 5);
        assert_eq!(on_schedule(&more), None);
        let (off, text) = retry_text(&more);
        assert!(off);
        assert!(text.contains("+30.0 s and 1 more after"), "{text}");
        assert!(text.ends_with("more re-sends than the documented three"), "{text}");
    }

    #[test]
    fn jobs_are_named_by_their_first_word() {
        assert_eq!(short_job("body.creation"), "body");
        assert_eq!(short_job("scan.processing"), "processing");
        assert_eq!(short_job("video"), "video");
    }
}
