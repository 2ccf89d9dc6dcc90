//! The Sessions view: one row per WMS session (events, highest number, missing ranges, delivery
//! lag, last event, how it ended or where it is, warnings, a note of bad signatures and late,
//! duplicate or conflicting numbers, last seen) and, below, the selected session: its sequence
//! bar, which numbers came out of order, its lag, its SNR, its trail of events and its
//! measurement ids.
//!
//! Rows are copied out of the analysis before each frame, only those on screen.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::MouseEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders};

use crate::analysis::{Analyzer, SessionEnd, SessionSummary};
use crate::event::{SequenceStatus, Severity, SignatureVerdict};
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

/// A running session silent for this long gets "no event for N s".
pub const IDLE_WARNING: std::time::Duration = std::time::Duration::from_secs(10);

/// The width of the label column of the detail (`sequence `).
const LABEL: usize = 9;

/// The keys of the list.
pub const LIST: Context = Context::View("Sessions");

pub const SPEC: Spec = Spec {
    title: "Sessions",
    switch_help: "the Sessions view (WMS)",
    keys: &[
    bind(
        LIST,
        UP,
        Action::Up,
        "select the previous session",
        None,
    ),
    bind(
        LIST,
        DOWN,
        Action::Down,
        "select the next session",
        Some("move"),
    ),
    bind(LIST, PAGE_UP, Action::PageUp, "one page up", None),
    bind(LIST, PAGE_DOWN, Action::PageDown, "one page down", None),
    bind(
        LIST,
        TOP,
        Action::Top,
        "the most recently seen session",
        None,
    ),
    bind(
        LIST,
        BOTTOM,
        Action::Bottom,
        "the least recently seen session",
        None,
    ),
    bind(
        LIST,
        ENTER,
        Action::Open,
        "the session's events (Events view, filtered)",
        Some("events"),
    ),
    ],
    sections: &[LIST],
    signs: &[
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
            "⚠ no event for 10 s or more, websocket down, page hidden, SNR falling",
        ),
        (
            "note",
            "✗ sig 2: seq 4, 9 bad signatures  ≠ conflict  ↺ late  ⧉ dup  ⟲ restarted",
        ),
        (
            "LAG",
            "median receive time minus the body's timestamp, latest 64 events",
        ),
        (
            "SNR",
            "the intermediate results' SNR, oldest left, scaled min to max",
        ),
    ],
};

#[derive(Debug, Default)]
pub struct SessionsState {
    pub cursor: Cursor<String>,
    /// The visible rows, copied from the analysis by `refresh`.
    pub rows: Vec<SessionSummary>,
    /// The time the rows were read at ("2 s ago", "no event for N s").
    pub now: Option<DateTime<Utc>>,
    /// Whether events still arrive (a listener) or the sessions come from a file.
    pub live: bool,
    /// What the empty list says.
    pub empty_hint: String,
}

/// The areas of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub list: Rect,
    pub detail: Option<Rect>,
}

impl Areas {
    /// The list on top, as tall as its rows (at most two fifths), the detail below.
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

    /// Session rows the list shows (borders and the heading take three).
    pub fn rows(&self) -> usize {
        usize::from(self.list.height.saturating_sub(3))
    }
}

impl SessionsState {
    pub fn new(live: bool) -> SessionsState {
        SessionsState {
            live,
            empty_hint: if live {
                "No WMS session yet. Sessions appear as WMS events arrive.".to_owned()
            } else {
                "The file holds no WMS events.".to_owned()
            },
            ..SessionsState::default()
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

    /// The selected session, when it is on screen.
    pub fn selected(&self) -> Option<&SessionSummary> {
        let at = self.cursor.position.checked_sub(self.cursor.offset)?;
        self.rows.get(at)
    }

    /// Copies the rows `body` shows out of the analysis.
    fn fetch(&mut self, analyzer: &Analyzer, body: Rect, now: DateTime<Utc>) {
        let total = analyzer.counters().sessions;
        let rows = Areas::new(body, total).rows();
        let found = self
            .cursor
            .selected
            .as_deref()
            .and_then(|id| analyzer.sessions().position(|s| s.session_id == id));
        self.cursor.place(total, found, rows);
        self.rows = analyzer
            .sessions()
            .skip(self.cursor.offset)
            .take(rows)
            .cloned()
            .collect();
        let key = self.selected().map(|s| s.session_id.clone());
        self.cursor.select(key);
        self.now = Some(now);
    }

    /// Whether a visible row shows a time that moves with the clock: an unfinished session's
    /// age and silence, while events can still arrive.
    pub fn shows_clock(&self) -> bool {
        self.live && self.rows.iter().any(|s| !s.is_finished())
    }

    /// The filter that shows the selected session's events.
    pub fn filter_text(&self) -> Option<String> {
        self.selected().map(|s| id_filter("session", &s.session_id))
    }
}

/// `session:ID`, quoted when the id has spaces, with a shortened id as a prefix match.
pub fn id_filter(key: &str, id: &str) -> String {
    let id = match id.strip_suffix('…') {
        Some(prefix) => format!("{prefix}*"),
        None => id.to_owned(),
    };
    if id.chars().any(|c| c.is_whitespace() || c == '"') {
        format!("{key}:\"{}\"", id.replace('"', ""))
    } else {
        format!("{key}:{id}")
    }
}

/// `✓ results`, `✖ constraint`, or the phase of a running session.
fn state_cell(session: &SessionSummary) -> (Role, String) {
    match &session.ended {
        Some(ending) if ending.reason.is_success() => {
            (Role::Success, format!("✓ {}", ending.reason.as_str()))
        }
        Some(ending) if ending.reason == SessionEnd::Redirected => {
            (Role::Severity(Severity::Warn), "↪ redirected".to_owned())
        }
        Some(ending) => (Role::Problem, format!("✖ {}", ending.reason.as_str())),
        None => (Role::Accent, format!("● {}", session.phase.as_str())),
    }
}

/// A warning about a running session: in words, and in a few for a narrow cell.
struct Warning {
    words: String,
    short: String,
}

/// The warnings of a running session, the most pressing first: the row always has room for
/// the first (it takes the place of the phase when the warnings have no column), so the order
/// is what a narrow screen shows.
///
/// 1. Silence (`no event for 31 s`): the session may be dead, and whatever else the row says
///    may be stale, since no event came to change it; it also grows while one watches.
/// 2. Websocket down: results cannot reach the sender's backend until it reconnects.
/// 3. Page hidden: the measurement is paused while the user looks elsewhere.
/// 4. SNR falling: the measurement may still end well; a hint, not a fault.
fn warnings(session: &SessionSummary, now: Option<DateTime<Utc>>, live: bool) -> Vec<Warning> {
    let mut out = Vec::new();
    if session.is_finished() {
        return out;
    }
    let mut warn = |words: String, short: String| out.push(Warning { words, short });
    if live
        && let Some(idle) = now.and_then(|now| session.idle_for(now))
        && idle >= IDLE_WARNING
    {
        let idle = short_duration(std::time::Duration::from_secs(idle.as_secs()));
        warn(format!("no event for {idle}"), format!("silent {idle}"));
    }
    if session.warnings.websocket_down {
        warn("websocket down".into(), "ws down".into());
    }
    if session.warnings.page_hidden {
        warn("page hidden".into(), "page hidden".into());
    }
    if session.warnings.snr_falling {
        warn("SNR falling".into(), "SNR falling".into());
    }
    out
}

fn joined(warnings: &[Warning], short: bool) -> String {
    let words: Vec<&str> = warnings
        .iter()
        .map(|w| {
            if short {
                w.short.as_str()
            } else {
                w.words.as_str()
            }
        })
        .collect();
    words.join(if short { ", " } else { "  ⚠ " })
}

/// When the session was last seen: `2 s ago` while it runs live, else the time of day (which
/// needs no redrawing as the clock moves).
fn seen(session: &SessionSummary, now: Option<DateTime<Utc>>, live: bool) -> String {
    match now.filter(|_| live && !session.is_finished()) {
        Some(now) => {
            let ago = (now - session.last_seen)
                .to_std()
                .unwrap_or_default()
                .as_secs();
            match ago {
                0 => "just now".to_owned(),
                1..120 => format!("{ago} s ago"),
                _ => format!(
                    "{} ago",
                    short_duration(std::time::Duration::from_secs(ago))
                ),
            }
        }
        None => session.last_seen.format("%H:%M:%S").to_string(),
    }
}

/// What every cell of the list may look at: the view's state, and which columns show (what
/// has no column of its own goes into the note).
struct Shared<'a> {
    state: &'a SessionsState,
    warnings_shown: bool,
    lag_shown: bool,
}

/// Numbers listed in a note before `…`.
const LISTED: usize = 4;

/// `4, 9` (or `4,9` when short): ascending, each once, at most [`LISTED`] then `…`.
fn numbers(seqs: impl Iterator<Item = u64>, short: bool) -> String {
    let mut seqs: Vec<u64> = seqs.collect();
    seqs.sort_unstable();
    seqs.dedup();
    let mut out: Vec<String> = seqs.iter().take(LISTED).map(u64::to_string).collect();
    if seqs.len() > LISTED {
        out.push("…".into());
    }
    out.join(if short { "," } else { ", " })
}

/// A delivery lag in a few characters: `1.2 s`, `53 s`, `2 min`; `-3.0 s` for a sender whose
/// clock is ahead.
fn lag_words(ms: i64) -> String {
    let words = short_duration(std::time::Duration::from_millis(ms.unsigned_abs()));
    if ms < 0 {
        format!("-{words}")
    } else {
        words
    }
}

/// One thing the note of a row says, in words and in fewer.
struct Finding {
    long: String,
    short: String,
    role: Role,
}

/// What the note of a row says, the most important first (a narrow note shows the first ones
/// and counts the rest):
///
/// 1. Bad signatures (`✗ sig 2: seq 4, 9`): those events may not come from the sender at all.
/// 2. Conflicts (`≠ conflict seq 5`): two bodies for one number; which one is true is unknown.
/// 3. The running session's other warnings, when they have no column (the first is in STATE).
/// 4. Late numbers (`↺ late seq 7`), then duplicates (`⧉ dup seq 9`): delivery order, not
///    content. The glyphs are those of the Events list's sequence column.
/// 5. Restarts and timestamps going backwards.
/// 6. The delivery lag, when it has no column.
fn findings(session: &SessionSummary, shared: &Shared<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    if session.bad_signatures > 0 {
        let n = session.bad_signatures;
        let seqs = session.bad_signature_seqs.iter().copied();
        let (long, short) = if session.bad_signature_seqs.is_empty() {
            (format!("✗ sig {n}"), format!("✗ sig {n}"))
        } else {
            (
                format!("✗ sig {n}: seq {}", numbers(seqs.clone(), false)),
                format!("✗ sig {n}: {}", numbers(seqs, true)),
            )
        };
        out.push(Finding {
            long,
            short,
            role: Role::Signature(SignatureVerdict::Invalid),
        });
    }
    out.extend(by_number(session, SequenceStatus::Conflict, "≠ conflict", "≠ conf"));
    if !shared.warnings_shown {
        let warnings = warnings(session, shared.state.now, shared.state.live);
        for warning in warnings.iter().skip(1) {
            out.push(Finding {
                long: format!("⚠ {}", warning.words),
                short: format!("⚠ {}", warning.short),
                role: Role::Severity(Severity::Warn),
            });
        }
    }
    out.extend(by_number(session, SequenceStatus::Late, "↺ late", "late"));
    out.extend(by_number(session, SequenceStatus::Duplicate, "⧉ dup", "⧉ dup"));
    if session.counts.restart > 0 {
        let n = session.counts.restart;
        out.push(Finding {
            long: format!("⟲ restarted ×{n}"),
            short: format!("⟲ ×{n}"),
            role: Role::Sequence(SequenceStatus::Restart),
        });
    }
    if session.timestamps_backwards > 0 {
        let n = session.timestamps_backwards;
        out.push(Finding {
            long: format!("⚠ time backwards ×{n}"),
            short: format!("⚠ time ×{n}"),
            role: Role::Severity(Severity::Warn),
        });
    }
    if !shared.lag_shown
        && let Some(lag) = &session.delivery_lag
    {
        let lag = lag_words(lag.median_ms);
        out.push(Finding {
            long: format!("lag {lag}"),
            short: format!("lag {lag}"),
            role: Role::Dim,
        });
    }
    out
}

/// `late seq 7, 13` (`late 7,13` when short): the numbers that got `status`.
fn by_number(
    session: &SessionSummary,
    status: SequenceStatus,
    long: &str,
    short: &str,
) -> Option<Finding> {
    session.marked(status).next()?;
    Some(Finding {
        long: format!("{long} seq {}", numbers(session.marked(status), false)),
        short: format!("{short} {}", numbers(session.marked(status), true)),
        role: Role::Sequence(status),
    })
}

/// The findings in `width` columns: in words when they all fit, else each in fewer; what does
/// not fit is counted (`+2`), so a narrow note never hides that there is more.
fn note_cell(findings: &[Finding], width: usize) -> String {
    let (long, shown) = note_in(findings, width, false);
    if shown == findings.len() {
        return long;
    }
    let (short, shown_short) = note_in(findings, width, true);
    if shown_short >= shown { short } else { long }
}

/// The findings in their long or short forms, as many as fit, and how many that is.
fn note_in(findings: &[Finding], width: usize, short: bool) -> (String, usize) {
    const SEP: &str = " · ";
    let mut out = String::new();
    for (i, finding) in findings.iter().enumerate() {
        let text = if short { &finding.short } else { &finding.long };
        let sep = if out.is_empty() { "" } else { SEP };
        let after = findings.len() - i - 1;
        // Room for `· +N` is kept while more follow.
        let reserve = if after > 0 {
            display_width(SEP) + 1 + after.to_string().len()
        } else {
            0
        };
        if display_width(&out) + display_width(sep) + display_width(text) + reserve <= width {
            out.push_str(sep);
            out.push_str(text);
        } else if i == 0 {
            // Not even the first with room for the count: the first alone (the table cuts it
            // with `…`), the most important thing said rather than a bare count.
            out.push_str(text);
            let more = format!(" +{after}");
            if after > 0 && display_width(&out) + display_width(&more) <= width {
                out.push_str(&more);
            }
            return (out, 1);
        } else {
            let more = format!("{sep}+{}", findings.len() - i);
            if display_width(&out) + display_width(&more) <= width {
                out.push_str(&more);
            }
            return (out, i);
        }
    }
    (out, findings.len())
}

/// Columns that are given what the screen has beyond their widths, in this order, up to what
/// their widest cell needs: the id first (it names the row), then the note, the warnings, the
/// missing numbers and the last event's name.
const GROW: &[&str] = &["SESSION", "NOTE", "WARNINGS", "MISSING", "LAST EVENT"];

fn table<'a>() -> Table<SessionSummary, Shared<'a>, 10> {
    Table {
        columns: [
            Column::left("SESSION", 0, |session, _, width| {
                (text::short_id(&session.session_id, width), Role::Text)
            }),
            Column::right("EVENTS", 6, |session, _, _| {
                (thousands(session.events).into(), Role::Text)
            }),
            Column::right("LAST", 5, |session, _, _| {
                let highest = session.highest.map_or("–".to_owned(), |h| h.to_string());
                (highest.into(), Role::Text)
            }),
            Column::left("MISSING", 10, |session, _, _| {
                if session.missing.is_empty() {
                    ("—".into(), Role::Dim)
                } else {
                    (
                        format!("⚠ {}", session.missing).into(),
                        Role::Sequence(SequenceStatus::Gap),
                    )
                }
            }),
            Column::right("LAG", 7, |session, _, _| match &session.delivery_lag {
                Some(lag) => (lag_words(lag.median_ms).into(), Role::Text),
                None => ("–".into(), Role::Dim),
            }),
            Column::left("LAST EVENT", 22, |session, _, _| {
                let name = session.last_event.as_deref().unwrap_or("–");
                (sanitize::escape(name), Role::Text)
            }),
            Column::left("STATE", 15, |session, shared, _| {
                let warnings = warnings(session, shared.state.now, shared.state.live);
                match warnings.first() {
                    // No room for the warnings: the most pressing one replaces the phase.
                    Some(first) if !shared.warnings_shown => (
                        format!("⚠ {}", first.short).into(),
                        Role::Severity(Severity::Warn),
                    ),
                    _ => {
                        let (role, text) = state_cell(session);
                        (text.into(), role)
                    }
                }
            }),
            Column::left("WARNINGS", 22, |session, shared, _| {
                let warnings = warnings(session, shared.state.now, shared.state.live);
                if warnings.is_empty() {
                    ("".into(), Role::Dim)
                } else {
                    (
                        format!("⚠ {}", joined(&warnings, true)).into(),
                        Role::Severity(Severity::Warn),
                    )
                }
            }),
            Column::left("NOTE", 30, |session, shared, width| {
                let findings = findings(session, shared);
                match findings.first() {
                    None => ("".into(), Role::Dim),
                    Some(first) => (note_cell(&findings, width).into(), first.role),
                }
            }),
            Column::left("SEEN", 9, |session, shared, _| {
                (
                    seen(session, shared.state.now, shared.state.live).into(),
                    Role::Dim,
                )
            }),
        ],
        flex: ("SESSION", 28),
        // Narrower screens drop these in order until the id has room; the state (with the
        // most pressing warning) and the note always show.
        shrink: &[
            ("WARNINGS", 0),
            ("LAST EVENT", 0),
            ("SEEN", 0),
            ("LAST", 0),
            ("NOTE", 20),
            ("MISSING", 8),
            ("NOTE", 14),
            ("LAG", 0),
            ("EVENTS", 0),
        ],
        room: text::SESSION_ID_WIDTH,
        // What the columns of `GROW` do not need goes to the note, at the end of the row.
        spare: Some("NOTE"),
        trailing_space: true,
    }
}

impl View for SessionsState {
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
        SessionsState::shows_clock(self)
    }

    fn events_filter(&self) -> Option<String> {
        self.filter_text()
    }
}

/// Draws the view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &SessionsState, theme: &Theme) {
    let areas = Areas::new(area, state.cursor.total);
    render_list(frame, areas.list, state, theme);
    if let (Some(detail), Some(session)) = (areas.detail, state.selected()) {
        render_detail(frame, detail, session, state, theme);
    }
}

fn render_list(frame: &mut Frame, area: Rect, state: &SessionsState, theme: &Theme) {
    let title = format!(" WMS sessions {} ", thousands(state.cursor.total as u64));
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
    // Which columns show does not depend on the rows: the widths first, then the room.
    let base = table.widths(usize::from(inner.width));
    let shared = Shared {
        state,
        warnings_shown: table.shows(&base, "WARNINGS"),
        lag_shown: table.shows(&base, "LAG"),
    };
    let widths = table.widths_for(usize::from(inner.width), GROW, state.rows.iter(), &shared);
    let rows = state
        .rows
        .iter()
        .enumerate()
        .map(|(i, session)| (session, state.cursor.offset + i == state.cursor.position));
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

/// What a cell of the sequence bar shows, in rising order of importance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cell {
    InOrder,
    Late,
    Duplicate,
    Conflict,
    Missing,
}

impl Cell {
    fn glyph(self) -> &'static str {
        match self {
            Cell::InOrder => "█",
            Cell::Late => "▒",
            Cell::Missing => "░",
            Cell::Duplicate => "◆",
            Cell::Conflict => "✖",
        }
    }

    fn role(self) -> Role {
        match self {
            Cell::InOrder => Role::Success,
            Cell::Late => Role::Sequence(SequenceStatus::Late),
            Cell::Missing => Role::Sequence(SequenceStatus::Gap),
            Cell::Duplicate => Role::Sequence(SequenceStatus::Duplicate),
            Cell::Conflict => Role::Sequence(SequenceStatus::Conflict),
        }
    }
}

/// The sequence numbers 0..=highest in at most `width` cells; each cell shows the most
/// important thing that happened to a number in it.
fn sequence_cells(session: &SessionSummary, width: usize) -> Vec<Cell> {
    let Some(highest) = session.highest else {
        return Vec::new();
    };
    let numbers = u128::from(highest) + 1;
    let cells = (width as u128).min(numbers).max(1);
    let cell_of = |seq: u64| (u128::from(seq) * cells / numbers) as usize;
    let mut out = vec![Cell::InOrder; cells as usize];
    let mut mark = |at: usize, cell: Cell| {
        if let Some(slot) = out.get_mut(at)
            && cell > *slot
        {
            *slot = cell;
        }
    };
    for range in session.missing.ranges() {
        for at in cell_of(range.first)..=cell_of(range.last.min(highest)) {
            mark(at, Cell::Missing);
        }
    }
    for m in session.marks.iter().filter(|m| m.seq <= highest) {
        let cell = match m.status {
            SequenceStatus::Late => Cell::Late,
            SequenceStatus::Duplicate => Cell::Duplicate,
            SequenceStatus::Conflict => Cell::Conflict,
            _ => continue,
        };
        mark(cell_of(m.seq), cell);
    }
    out
}

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The latest `width` readings as bar characters, scaled between their minimum and maximum.
fn spark(values: impl DoubleEndedIterator<Item = f64> + ExactSizeIterator, width: usize) -> String {
    let skip = values.len().saturating_sub(width);
    let shown: Vec<f64> = values.skip(skip).collect();
    let low = shown.iter().copied().fold(f64::INFINITY, f64::min);
    let high = shown.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    shown
        .iter()
        .map(|v| {
            if (high - low).abs() < f64::EPSILON {
                SPARK[4]
            } else {
                SPARK[(((v - low) / (high - low)) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn label(name: &str) -> (Role, String) {
    (Role::Dim, fit(name, LABEL))
}

/// The lines of the detail of `session`, `width` columns wide.
fn detail_lines(session: &SessionSummary, state: &SessionsState, width: usize) -> Vec<RichLine> {
    let mut lines = Vec::new();
    let warn = Role::Severity(Severity::Warn);

    // The sequence bar, with its legend beside it or below.
    let legend = RichLine(vec![
        (Cell::InOrder.role(), "█".into()),
        (Role::Dim, " in order  ".into()),
        (Cell::Late.role(), "▒".into()),
        (Role::Dim, " late  ".into()),
        (Cell::Missing.role(), "░".into()),
        (Role::Dim, " missing  ".into()),
        (Cell::Duplicate.role(), "◆".into()),
        (Role::Dim, " duplicate".into()),
    ]);
    let legend_width = display_width(&legend.text());
    let mut bar = RichLine(vec![label("sequence")]);
    match session.highest {
        Some(highest) => {
            let end = highest.to_string();
            let room = width.saturating_sub(LABEL + 4 + end.len());
            let beside = room >= 24 + legend_width + 3;
            let bar_width = if beside {
                room - legend_width - 3
            } else {
                room
            };
            bar.push(Role::Dim, "0 ");
            let cells = sequence_cells(session, bar_width);
            // A short session is drawn wider, each number in up to three cells.
            let stretch = (bar_width / cells.len().max(1)).clamp(1, 3);
            let cells: Vec<Cell> = cells
                .into_iter()
                .flat_map(|c| std::iter::repeat_n(c, stretch))
                .collect();
            let n = cells.len();
            let mut run: Option<(Cell, String)> = None;
            for cell in cells {
                match &mut run {
                    Some((kind, text)) if *kind == cell => text.push_str(cell.glyph()),
                    _ => {
                        if let Some((kind, text)) = run.take() {
                            bar.push(kind.role(), text);
                        }
                        run = Some((cell, cell.glyph().to_owned()));
                    }
                }
            }
            if let Some((kind, text)) = run {
                bar.push(kind.role(), text);
            }
            bar.push(Role::Dim, format!(" {end}"));
            if beside {
                let pad = bar_width.saturating_sub(n) + 3;
                bar.push(Role::Dim, " ".repeat(pad));
                bar.0.extend(legend.0.clone());
                lines.push(bar);
            } else {
                lines.push(bar);
                let mut below = RichLine(vec![(Role::Dim, " ".repeat(LABEL))]);
                below.0.extend(legend.0.clone());
                lines.push(below);
            }
        }
        None => lines.push(bar.with(Role::Dim, "no sequence numbers")),
    }
    // What the bar says in numbers.
    let mut counts = RichLine(vec![label("")]);
    counts.push(
        Role::Text,
        format!(
            "{} {}",
            thousands(session.events),
            crate::words::noun(session.events, "event")
        ),
    );
    if !session.missing.is_empty() {
        counts.push(Role::Dim, " · ");
        counts.push(
            Role::Sequence(SequenceStatus::Gap),
            format!("⚠ {} missing: {}", session.missing.count(), session.missing),
        );
    }
    for (n, word, status) in [
        (session.late_fills(), "late", SequenceStatus::Late),
        (session.duplicates(), "duplicate", SequenceStatus::Duplicate),
        (
            session.counts.conflict,
            "conflicting",
            SequenceStatus::Conflict,
        ),
        (session.counts.restart, "restart", SequenceStatus::Restart),
    ] {
        if n > 0 {
            counts.push(Role::Dim, " · ");
            counts.push(Role::Sequence(status), format!("{n} {word}"));
        }
    }
    if session.timestamps_backwards > 0 {
        counts.push(Role::Dim, " · ");
        counts.push(
            warn,
            format!("{} timestamps backwards", session.timestamps_backwards),
        );
    }
    if session.bad_signatures > 0 {
        counts.push(Role::Dim, " · ");
        counts.push(
            Role::Signature(SignatureVerdict::Invalid),
            format!(
                "✗ {} {}",
                thousands(session.bad_signatures),
                crate::words::noun(session.bad_signatures, "bad signature")
            ),
        );
    }
    lines.push(counts);

    // Which numbers: those the counts above are about.
    let mut which = RichLine(vec![label("seq")]);
    for (status, word) in [
        (SequenceStatus::Late, "late"),
        (SequenceStatus::Duplicate, "duplicate"),
        (SequenceStatus::Conflict, "conflicting"),
    ] {
        if session.marked(status).next().is_some() {
            if which.0.len() > 1 {
                which.push(Role::Dim, " · ");
            }
            which.push(
                Role::Sequence(status),
                format!("{word} seq {}", numbers(session.marked(status), false)),
            );
        }
    }
    if !session.bad_signature_seqs.is_empty() {
        if which.0.len() > 1 {
            which.push(Role::Dim, " · ");
        }
        which.push(
            Role::Signature(SignatureVerdict::Invalid),
            format!(
                "✗ bad signature seq {}",
                numbers(session.bad_signature_seqs.iter().copied(), false)
            ),
        );
    }
    if which.0.len() > 1 {
        lines.push(which);
    }

    // How late the events arrive.
    if let Some(lag) = &session.delivery_lag {
        let mut line = RichLine(vec![label("lag")]);
        line.push(Role::Text, format!("median {}", lag_words(lag.median_ms)));
        line.push(
            Role::Dim,
            format!(
                " of the latest {} · min {} · max {}",
                thousands(lag.count.min(crate::analysis::sequence::LAG_SAMPLE as u64)),
                lag_words(lag.min_ms),
                lag_words(lag.max_ms)
            ),
        );
        lines.push(line);
    }

    // The SNR of the intermediate results.
    let mut snr = RichLine(vec![label("SNR")]);
    match (session.snr.last(), session.snr.min, session.snr.max) {
        (Some(last), Some(min), Some(max)) => {
            let words = format!(
                "  last {}, min {}, max {}",
                number(last),
                number(min),
                number(max)
            );
            let falling = if session.warnings.snr_falling {
                "  ↘ falling"
            } else {
                ""
            };
            let room = width
                .saturating_sub(LABEL + display_width(&words) + display_width(falling))
                .min(80);
            snr.push(
                Role::Accent,
                spark(session.snr.values.iter().copied(), room),
            );
            snr.push(Role::Dim, words);
            if !falling.is_empty() {
                snr.push(warn, falling);
            }
        }
        _ => snr.push(Role::Dim, "no readings yet"),
    }
    lines.push(snr);

    // How it ended, or where it is.
    let (role, text) = state_cell(session);
    match &session.ended {
        Some(ending) => {
            let mut line = RichLine(vec![label("ended"), (role, text)]);
            let mut rest = String::new();
            if let Some(seq) = ending.seq {
                rest.push_str(&format!(" at seq {seq}"));
            }
            rest.push_str(&format!(
                ", {} after {}",
                ending.at.format("%H:%M:%S"),
                short_duration(
                    (ending.at - session.first_seen)
                        .to_std()
                        .unwrap_or_default()
                )
            ));
            line.push(Role::Dim, rest);
            if let Some(detail) = &ending.detail {
                line.push(Role::Dim, ": ");
                line.push(role, sanitize::escape(detail).into_owned());
            }
            lines.push(line);
        }
        None => {
            let mut line = RichLine(vec![label("running"), (role, text)]);
            line.push(
                Role::Dim,
                format!(
                    " for {}, last event {}",
                    short_duration(session.span()),
                    seen(session, state.now, state.live)
                ),
            );
            lines.push(line);
        }
    }
    let warnings = warnings(session, state.now, state.live);
    if !warnings.is_empty() {
        let mut line = RichLine(vec![label("warnings")]);
        line.push(warn, format!("⚠ {}", joined(&warnings, false)));
        lines.push(line);
    } else if session.is_finished() && session.warnings.any() {
        // How things stood when it ended often says why it did.
        let w = &session.warnings;
        let words: Vec<&str> = [
            (w.websocket_down, "websocket down"),
            (w.page_hidden, "page hidden"),
            (w.snr_falling, "SNR falling"),
        ]
        .into_iter()
        .filter_map(|(on, word)| on.then_some(word))
        .collect();
        let mut line = RichLine(vec![label("at end")]);
        line.push(warn, format!("⚠ {}", words.join("  ⚠ ")));
        lines.push(line);
    }

    // The measurement ids.
    if !session.measurement_ids.is_empty() {
        let ids: Vec<String> = session
            .measurement_ids
            .iter()
            .map(|id| sanitize::escape(id).into_owned())
            .collect();
        lines.push(RichLine(vec![
            label("measured"),
            (Role::Text, ids.join(", ")),
        ]));
    }

    // The trail: event names in arrival order, each line starting with the time of its first.
    let mut trail: Vec<RichLine> = Vec::new();
    let text_width = width.saturating_sub(LABEL + 9).max(10);
    let mut line: Option<(RichLine, usize)> = None;
    let steps = session.trail.len();
    if session.trail_dropped > 0 {
        trail.push(RichLine(vec![
            (Role::Dim, " ".repeat(LABEL)),
            (
                Role::Dim,
                format!("… {} earlier steps", thousands(session.trail_dropped)),
            ),
        ]));
    }
    for (i, step) in session.trail.iter().enumerate() {
        let name = sanitize::escape(&step.event).into_owned();
        let mut piece = vec![(step_role(&name, session), name)];
        if step.count > 1 {
            piece.push((Role::Dim, format!(" ×{}", step.count)));
        }
        if i + 1 == steps && session.is_finished() {
            piece.push((
                Role::Dim,
                format!(
                    " ({}, {})",
                    step.last_at.format("%H:%M:%S"),
                    short_duration(session.span())
                ),
            ));
        }
        let piece_width: usize = piece.iter().map(|(_, t)| display_width(t)).sum();
        let arrow = if i + 1 < steps { " →" } else { "" };
        match &mut line {
            Some((current, used)) if *used + 1 + piece_width + arrow.len() <= text_width => {
                current.push(Role::Dim, " ");
                current.0.extend(piece);
                current.push(Role::Dim, arrow);
                *used += 1 + piece_width + 2;
            }
            _ => {
                if let Some((done, _)) = line.take() {
                    trail.push(done);
                }
                let mut current = RichLine(vec![
                    (Role::Dim, " ".repeat(LABEL)),
                    (Role::Dim, step.first_at.format("%H:%M:%S").to_string()),
                    (Role::Dim, " ".into()),
                ]);
                current.0.extend(piece);
                current.push(Role::Dim, arrow);
                line = Some((current, piece_width + 2));
            }
        }
    }
    if let Some((done, _)) = line {
        trail.push(done);
    }
    if let Some(first) = trail.first_mut() {
        first.0[0] = label("trail");
    }
    lines.extend(trail);
    lines
}

/// The ending event in the ending's colour; the others plain.
fn step_role(name: &str, session: &SessionSummary) -> Role {
    match &session.ended {
        Some(ending) if ends_with(name, ending.reason) => {
            if ending.reason.is_success() {
                Role::Success
            } else {
                Role::Problem
            }
        }
        _ => Role::Text,
    }
}

fn ends_with(name: &str, reason: SessionEnd) -> bool {
    matches!(
        (name, reason),
        ("RESULTS_RECEIVED", SessionEnd::ResultsReceived)
            | ("CONSTRAINT_VIOLATION", SessionEnd::ConstraintViolation)
            | ("MEASUREMENT_CANCELED", SessionEnd::Cancelled)
            | ("LOW_SNR", SessionEnd::LowSnr)
            | ("CAMERA_PERMISSION_DENIED", SessionEnd::CameraDenied)
            | ("PAGE_UNLOADED", SessionEnd::PageUnloaded)
            | ("API_ERROR", SessionEnd::ApiError)
            | ("GENERAL_ERROR", SessionEnd::GeneralError)
    )
}

fn render_detail(
    frame: &mut Frame,
    area: Rect,
    session: &SessionSummary,
    state: &SessionsState,
    theme: &Theme,
) {
    let mut title = format!(" {} ", sanitize::escape(&session.session_id));
    if let Some(id) = session.measurement_ids.first() {
        title.push_str(&format!("· measurement {} ", sanitize::escape(id)));
    }
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
    let mut lines = detail_lines(session, state, width);
    // Too many lines: the trail's oldest go first; its end is what matters.
    let height = usize::from(inner.height);
    if lines.len() > height {
        let trail_start = lines
            .iter()
            .position(|l| l.0.first().is_some_and(|(_, t)| t.trim() == "trail"))
            .unwrap_or(lines.len());
        let excess = lines.len() - height;
        let removable = lines.len().saturating_sub(trail_start + 1);
        let cut = excess.min(removable);
        if cut > 0 {
            lines.drain(trail_start..trail_start + cut);
            if let Some(first) = lines.get_mut(trail_start) {
                first.0[0] = label("trail …");
            }
        }
    }
    for (i, line) in lines.iter().take(height).enumerate() {
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
    fn filters_quote_odd_ids_and_widen_shortened_ones() {
        assert_eq!(id_filter("session", "abc"), "session:abc");
        assert_eq!(id_filter("session", "a b"), "session:\"a b\"");
        assert_eq!(id_filter("scan", "abc…"), "scan:abc*");
    }

    fn finding(long: &str, short: &str) -> Finding {
        Finding {
            long: long.into(),
            short: short.into(),
            role: Role::Dim,
        }
    }

    #[test]
    fn a_note_shortens_then_counts_what_does_not_fit() {
        let findings = [
            finding("✗ sig 2: seq 4, 9", "✗ sig 2: 4,9"),
            finding("late seq 7", "late 7"),
            finding("◆ dup seq 9", "◆ dup 9"),
        ];
        assert_eq!(
            note_cell(&findings, 60),
            "✗ sig 2: seq 4, 9 · late seq 7 · ◆ dup seq 9"
        );
        // Too narrow for all in words: all shorter, rather than fewer.
        assert_eq!(note_cell(&findings, 32), "✗ sig 2: 4,9 · late 7 · ◆ dup 9");
        // Narrower: the first ones, and how many more.
        assert_eq!(note_cell(&findings, 26), "✗ sig 2: 4,9 · late 7 · +1");
        assert_eq!(note_cell(&findings, 24), "✗ sig 2: 4,9 · +2");
        assert_eq!(note_cell(&findings, 16), "✗ sig 2: 4,9 +2");
        // Never a bare count: the first, however narrow (the table cuts it with `…`).
        assert_eq!(note_cell(&findings, 14), "✗ sig 2: 4,9");
        assert_eq!(note_cell(&findings, 6), "✗ sig 2: 4,9");
        assert_eq!(note_cell(&[], 20), "");
    }

    #[test]
    fn numbers_ascend_once_each_and_stop_at_a_few() {
        assert_eq!(numbers([13, 12, 13].into_iter(), false), "12, 13");
        assert_eq!(numbers([5, 1, 4, 3, 2].into_iter(), true), "1,2,3,4,…");
        assert_eq!(numbers(std::iter::empty(), false), "");
    }

    #[test]
    fn lags_read_in_a_few_characters() {
        assert_eq!(lag_words(1_200), "1.2 s");
        assert_eq!(lag_words(53_000), "53 s");
        assert_eq!(lag_words(-3_000), "-3.0 s");
        assert_eq!(lag_words(400), "400 ms");
        assert_eq!(lag_words(i64::MIN), "-106751991167 d");
        assert_eq!(lag_words(i64::MAX), "106751991167 d");
    }

    #[test]
    fn the_spark_scales_between_its_extremes() {
        assert_eq!(spark([1.0, 2.0, 3.0].into_iter(), 10), "▁▅█");
        assert_eq!(spark([5.0, 5.0].into_iter(), 10), "▅▅");
        assert_eq!(spark([1.0, 2.0, 3.0].into_iter(), 2), "▁█");
    }
}
