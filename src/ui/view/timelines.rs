//! The Timelines view: the Prism scans and video generations with their status and, for the
//! selected one, a shared time axis with one lane per job drawn as a bar from its start to its
//! end (a running job to now), its final state, duration and error, and the anomalies found.
//!
//! Rows are copied out of the analysis before each frame, only those on screen.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::MouseEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders};

use crate::analysis::{Analyzer, Lane, LaneOutcome, Timeline, TimelineKind, TimelineStatus};
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

/// Width of the list beside the detail on wide screens.
const LIST_WIDTH: u16 = 44;

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
    pub empty_hint: String,
}

/// The areas of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub list: Rect,
    pub detail: Option<Rect>,
}

impl Areas {
    /// Side by side when wide; otherwise the list on top, as tall as its rows (at most two
    /// fifths), the detail below.
    pub fn new(body: Rect, total: usize) -> Areas {
        if total == 0 {
            return Areas {
                list: body,
                detail: None,
            };
        }
        if body.width >= 110 {
            let [list, detail] =
                Layout::horizontal([Constraint::Length(LIST_WIDTH), Constraint::Min(0)])
                    .areas(body);
            return Areas {
                list,
                detail: Some(detail),
            };
        }
        if body.height < 12 {
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
            && self
                .rows
                .iter()
                .any(|t| matches!(t.status(), TimelineStatus::Running(_)))
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

/// `✖ body failed`, `● processing 12 s`, `✓ done`, for the list.
fn status_cell(timeline: &Timeline, state: &TimelinesState) -> (Role, String) {
    match timeline.status() {
        TimelineStatus::Failed(lane) => {
            (Role::Problem, format!("✖ {} failed", short_job(&lane.job)))
        }
        TimelineStatus::Running(lane) => {
            let since = lane.started_at.unwrap_or(timeline.first_seen);
            let running = (state.end_of(timeline) - since)
                .to_std()
                .unwrap_or_default();
            (
                Role::Accent,
                format!(
                    "● {} {}",
                    short_job(&lane.job),
                    short_duration(std::time::Duration::from_secs(running.as_secs()))
                ),
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

fn table() -> Table<Timeline, TimelinesState, 6> {
    Table {
        columns: [
            Column::left("KIND", 5, |timeline, _, _| {
                (timeline.kind.as_str().into(), Role::Accent)
            }),
            Column::left("ID", 0, |timeline, _, _| {
                (sanitize::escape(&timeline.id), Role::Text)
            }),
            Column::left("STATUS", 20, |timeline, state, _| {
                let (role, text) = status_cell(timeline, state);
                (text.into(), role)
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
        flex: ("ID", 40),
        shrink: &[("SEEN", 0), ("EVENTS", 0), ("KIND", 0), ("ANOM", 0)],
        room: 14,
        spare: None,
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
        state,
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

fn outcome_glyph(outcome: LaneOutcome) -> (&'static str, Role) {
    match outcome {
        LaneOutcome::Succeeded => ("█", Role::Success),
        LaneOutcome::Failed => ("█", Role::Problem),
        LaneOutcome::Running => ("▒", Role::Accent),
        LaneOutcome::NotSeen => ("·", Role::Dim),
    }
}

/// `✓ 4.1 s ASSET_SUCCEEDED`, `✖ 9.8 s ASSET_FAILED`, `● 12 s PROCESSING`.
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
        Some(d) if d.is_zero() && lane.events <= 1 => String::new(),
        Some(d) => format!("{} ", short_duration(d)),
        None => "– ".to_owned(),
    };
    (role, format!("{glyph} {took}{state}").trim_end().to_owned())
}

/// The lines of the detail of `timeline`, `width` columns wide.
fn detail_lines(timeline: &Timeline, state: &TimelinesState, width: usize) -> Vec<RichLine> {
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
        .clamp(8, if width >= 70 { 26 } else { 18 });
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
    for lane in &timeline.lanes {
        let mut line = RichLine(vec![(
            if lane.outcome == LaneOutcome::NotSeen {
                Role::Dim
            } else {
                Role::Text
            },
            fit(&sanitize::escape(&lane.job), name_width),
        )]);
        line.push(Role::Dim, " ");
        let (glyph, role) = outcome_glyph(lane.outcome);
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
    lines.push(summary);
    if timeline.anomaly_count > 0 {
        lines.push(RichLine::new());
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
    let mut lines = detail_lines(timeline, state, width);
    if lines.len() > usize::from(inner.height) {
        // Short of room: the blank line before the anomalies goes first.
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

    #[test]
    fn jobs_are_named_by_their_first_word() {
        assert_eq!(short_job("body.creation"), "body");
        assert_eq!(short_job("scan.processing"), "processing");
        assert_eq!(short_job("video"), "video");
    }
}
