//! The Events view: the live list of captured events and the detail of the selected one.
//!
//! The view keeps the store keys of the events that pass the filter (appended as events
//! arrive, dropped from the front as the store evicts them), and, before each frame, fetches
//! only the events of the visible rows and the selected one. Selection and scrolling are held
//! as keys, so the rows on screen stay put while events arrive and old ones are evicted. Keys,
//! not ids: the ids of an opened file are data and may repeat (see `store`).
//!
//! Catching up is a filtered scan the store runs (`Store::select_batch`, or
//! `Store::select_in_parallel` when far behind): matched in place, a batch per short lock.

pub mod detail;
pub mod diff;

use std::collections::VecDeque;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Constraint, Direction, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::event::{CapturedEvent, Provider, SequenceStatus, Severity, anomaly};
use crate::filter::Filter;
use crate::sanitize;
use crate::store::{Resends, SCAN_BATCH, Store};
use crate::ui::action::keys::{BOTTOM, DOWN, ENTER, ESC, PAGE_DOWN, PAGE_UP, TAB, TOP, UP};
use crate::ui::action::{Action, Binding, Context, Key, bind};
use crate::ui::table::{Column, Table};
use crate::ui::text::{
    self, RichLine, Role, display_width, sequence_label, severity_glyph, signature_glyph,
    thousands,
};
use crate::ui::theme::Theme;
use crate::ui::view::component::{Feed, Spec, View};

pub use detail::Tab;

/// The note of a copy hookscope re-sent (`E`, `hookscope send`): `↪ resent #4 edited`.
pub const RESENT_GLYPH: &str = "↪";

/// How many events are read from the store per lock when catching up.
const BATCH: usize = SCAN_BATCH;

/// Events not yet looked at from which catching up is split across threads.
const PARALLEL_BACKLOG: u64 = 8 * BATCH as u64;

/// The keys of the event list.
pub const LIST: Context = Context::View("Event list");
/// The keys of the detail pane.
pub const DETAIL: Context = Context::View("Event detail");

pub const SPEC: Spec = Spec {
    title: "Events",
    switch_help: "the Events view",
    keys: KEYS,
    sections: &[LIST, DETAIL],
    signs: &[
        ("severity", "· info   ▲ warn   ✖ error"),
        (
            "signature",
            "✓ valid   ✗ invalid, malformed or stale   ? not checkable   – unsigned",
        ),
        (
            "sequence",
            "⚠ gap (numbers missing)   ↺ late   ⧉ duplicate   ≠ conflict   ⟲ restart",
        ),
        (
            "note",
            "↻ retry #n of an earlier delivery   ⚠ code: an anomaly, also after a number (⚠2: two)   ✗ forward failed",
        ),
        ("session, scan", "the id as the Sessions and Timelines views write it"),
        ("resent", "↪ resent #n: a copy of #n sent by hookscope (E)"),
        ("mark", "= the event marked to compare with (d)"),
        ("pin", "⚑ pinned (b): kept however many events arrive"),
        (
            "mouse",
            "the wheel scrolls; a click selects a row or a detail tab",
        ),
    ],
};

const KEYS: &[Binding] = &[
    // The event list.
    bind(
        LIST,
        UP,
        Action::Up,
        "select the previous event",
        None,
    ),
    bind(
        LIST,
        DOWN,
        Action::Down,
        "select the next event",
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
    bind(LIST, TOP, Action::Top, "the oldest event", None),
    bind(LIST, BOTTOM, Action::Bottom, "the newest event", None),
    bind(
        LIST,
        ENTER,
        Action::Open,
        "open the detail of the event",
        Some("detail"),
    ),
    bind(
        LIST,
        TAB,
        Action::SwitchPane,
        "focus the detail (when open)",
        None,
    ),
    bind(
        LIST,
        ESC,
        Action::Back,
        "close the detail, then clear the filter",
        None,
    ),
    bind(
        LIST,
        &[Key::char('r')],
        Action::Replay,
        "replay the event (or every filtered event) to a URL",
        Some("replay"),
    ),
    bind(
        LIST,
        &[Key::char('='), Key::char(' ')],
        Action::Mark,
        "mark the event to compare with (again: unmark)",
        None,
    ),
    bind(
        LIST,
        &[Key::char('d')],
        Action::Diff,
        "diff with the mark; else its repeat, copy or original",
        None,
    ),
    bind(
        LIST,
        &[Key::char('b')],
        Action::Pin,
        "pin the event (⚑: never evicted); again to unpin",
        None,
    ),
    bind(
        LIST,
        &[Key::char('E')],
        Action::EditResend,
        "edit the event in $VISUAL/$EDITOR, then send it to a URL",
        None,
    ),
    bind(
        LIST,
        &[Key::char('o')],
        Action::Linked,
        "the original of a resent copy, or its newest copy",
        None,
    ),
    // The detail pane.
    bind(DETAIL, UP, Action::Up, "scroll up", None),
    bind(
        DETAIL,
        DOWN,
        Action::Down,
        "scroll down",
        Some("scroll"),
    ),
    bind(DETAIL, PAGE_UP, Action::PageUp, "one page up", None),
    bind(
        DETAIL,
        PAGE_DOWN,
        Action::PageDown,
        "one page down",
        None,
    ),
    bind(DETAIL, TOP, Action::Top, "the top", None),
    bind(DETAIL, BOTTOM, Action::Bottom, "the bottom", None),
    bind(
        DETAIL,
        &[Key::plain(KeyCode::Right), Key::char('l')],
        Action::NextTab,
        "next tab: Body, Headers, Raw, Analysis, Response",
        Some("tab"),
    ),
    bind(
        DETAIL,
        &[Key::plain(KeyCode::Left), Key::char('h')],
        Action::PrevTab,
        "previous tab",
        None,
    ),
    bind(
        DETAIL,
        TAB,
        Action::SwitchPane,
        "focus the list",
        Some("list"),
    ),
    bind(
        DETAIL,
        ESC,
        Action::Back,
        "close the detail",
        Some("back"),
    ),
    bind(
        DETAIL,
        &[Key::char('w')],
        Action::Wrap,
        "wrap long lines (or cut them with …)",
        Some("wrap"),
    ),
    bind(
        DETAIL,
        &[Key::char('u')],
        Action::RevealSecrets,
        "show or hide userToken values",
        Some("tokens"),
    ),
    bind(
        DETAIL,
        &[Key::char('r')],
        Action::Replay,
        "replay the event (or every filtered event) to a URL",
        Some("replay"),
    ),
    bind(
        DETAIL,
        &[Key::char('='), Key::char(' ')],
        Action::Mark,
        "mark the event to compare with (again: unmark)",
        None,
    ),
    bind(
        DETAIL,
        &[Key::char('d')],
        Action::Diff,
        "diff with the mark; else its repeat, copy or original",
        None,
    ),
    bind(
        DETAIL,
        &[Key::char('E')],
        Action::EditResend,
        "edit the event in $VISUAL/$EDITOR, then send it to a URL",
        None,
    ),
    bind(
        DETAIL,
        &[Key::char('o')],
        Action::Linked,
        "the original of a resent copy, or its newest copy",
        None,
    ),
];

/// Which pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    List,
    Detail,
}

/// The detail lines built for one event and tab, and what they were built for.
#[derive(Debug, Clone, Default)]
pub struct DetailContent {
    /// Event key, tab, secrets shown, lines wrapped, width.
    pub key: Option<(u64, Tab, bool, bool, u16)>,
    /// The stored copies hookscope re-sent of the event, as the Analysis tab names them.
    pub resends: Resends,
    pub lines: Vec<RichLine>,
}

/// How many re-sent copies of an event the Analysis tab names (beyond, it counts them).
const RESENDS_SHOWN: usize = 3;

#[derive(Debug, Default)]
pub struct EventsState {
    /// Keys of the stored events that pass the filter, oldest first.
    keys: VecDeque<u64>,
    /// The highest key looked at so far.
    scanned: u64,
    pub filter: Filter,
    /// Key of the selected event.
    pub selected: Option<u64>,
    /// Key of the first visible row.
    top: Option<u64>,
    /// Keep the newest event selected as events arrive.
    pub follow: bool,
    pub focus: Pane,
    pub detail_open: bool,
    pub tab: Tab,
    pub detail_scroll: usize,
    /// Show `userToken` values instead of `••••`.
    pub reveal_secrets: bool,
    /// Wrap long detail lines instead of cutting them.
    pub wrap: bool,
    /// What `refresh` fetched for the next frame: the key and event of each visible row.
    pub rows: Vec<(u64, Arc<CapturedEvent>)>,
    /// Position of `rows[0]` among the filtered events.
    pub offset: usize,
    pub selected_event: Option<Arc<CapturedEvent>>,
    pub detail: DetailContent,
    /// Events stored (filtered or not), for the title.
    pub stored: usize,
    /// What the empty list says (how to send a first event).
    pub empty_hint: String,
    /// The event marked to compare another with: its store key and its id.
    pub mark: Option<(u64, u64)>,
}

/// The areas of the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub list: Rect,
    pub detail: Option<Rect>,
}

impl Areas {
    /// Side by side when wide, one above the other when not.
    pub fn new(body: Rect, detail_open: bool) -> Areas {
        if !detail_open {
            return Areas {
                list: body,
                detail: None,
            };
        }
        let [list, detail] = if body.width >= 110 {
            Layout::new(
                Direction::Horizontal,
                [Constraint::Percentage(55), Constraint::Percentage(45)],
            )
            .areas(body)
        } else {
            Layout::new(
                Direction::Vertical,
                [Constraint::Percentage(40), Constraint::Percentage(60)],
            )
            .areas(body)
        };
        Areas {
            list,
            detail: Some(detail),
        }
    }

    /// Rows of events the list shows (borders and the column heading take three).
    pub fn list_rows(&self) -> usize {
        usize::from(self.list.height.saturating_sub(3))
    }

    /// Lines of text the detail shows (borders and the tab line take three).
    pub fn detail_rows(&self) -> usize {
        self.detail
            .map_or(0, |d| usize::from(d.height.saturating_sub(3)))
    }

    /// Columns of text in the detail (borders and a padding column take three).
    pub fn detail_width(&self) -> u16 {
        self.detail.map_or(0, |d| d.width.saturating_sub(3))
    }
}

impl EventsState {
    pub fn new(follow: bool) -> EventsState {
        EventsState {
            follow,
            ..EventsState::default()
        }
    }

    /// The key context for the focused pane.
    pub fn context(&self) -> Context {
        match self.focus {
            Pane::Detail if self.detail_open => DETAIL,
            _ => LIST,
        }
    }

    /// Filtered events held now.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Keys of the filtered events, oldest first (for an export of what is shown).
    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.keys.iter().copied()
    }

    /// Catches up with the store: forgets evicted events, takes in new ones. O(new events).
    pub fn sync(&mut self, store: &Store) {
        match store.key_range() {
            None => self.keys.clear(),
            Some(_) => store.forget_evicted(&mut self.keys),
        }
        if let Some((_, back)) = store.key_range()
            && back.saturating_sub(self.scanned) >= PARALLEL_BACKLOG
            && !self.filter.is_empty()
        {
            // A long way behind (a new filter, or a file just opened): the events up to `back`
            // are matched on every core.
            let keys = store.select_in_parallel(&self.filter, self.scanned + 1, back);
            self.keys.extend(keys);
            self.scanned = self.scanned.max(back);
        }
        let mut matcher = self.filter.matcher();
        let text = self.filter.searches_text();
        loop {
            let (keys, last, read) =
                store.select_batch(&mut matcher, text, self.scanned + 1, u64::MAX);
            let Some(last) = last else { break };
            let full = read == BATCH;
            self.scanned = last;
            self.keys.extend(keys);
            if !full {
                break;
            }
        }
        self.stored = store.len();
        // An evicted mark is gone with its event.
        if let Some((key, _)) = self.mark
            && store.key_range().is_none_or(|(front, _)| key < front)
        {
            self.mark = None;
        }
        if self.follow {
            self.selected = self.keys.back().copied();
        } else if let Some(selected) = self.selected {
            // An evicted selection moves to the oldest event still held.
            if self.position(selected).is_err() {
                self.selected = self.keys.front().copied();
            }
        } else {
            self.selected = self.keys.front().copied();
        }
    }

    /// Applies a new filter: the matching events are found again from the start.
    /// Matches every stored event again, keeping the selection: after a change to what the
    /// filter looks at in events already listed (a pin set or cleared).
    pub fn rescan(&mut self, store: &Store) {
        if self.filter.is_empty() {
            return;
        }
        // From no filter, `set_filter` starts over.
        let filter = std::mem::take(&mut self.filter);
        self.set_filter(filter, store);
    }

    pub fn set_filter(&mut self, filter: Filter, store: &Store) {
        if filter == self.filter {
            return;
        }
        let selected = self.selected;
        if !self.filter.is_empty() && filter.narrows(&self.filter) {
            // Typing on: only the current matches can still match. (From no filter at all, a
            // scan in batches is cheaper than looking up every event one by one.)
            let mut matcher = filter.matcher();
            self.keys
                .retain(|&id| store.get(id).is_some_and(|event| matcher.matches(&event)));
            self.filter = filter;
        } else {
            self.filter = filter;
            self.keys.clear();
            self.scanned = 0;
        }
        self.sync(store);
        // Keep the selected event when it still matches; otherwise the nearest that does.
        if !self.follow
            && let Some(id) = selected
        {
            self.selected = match self.position(id) {
                Ok(_) => Some(id),
                Err(at) => self
                    .keys
                    .get(at.min(self.keys.len().saturating_sub(1)))
                    .copied(),
            };
        }
        self.top = None;
    }

    fn position(&self, id: u64) -> Result<usize, usize> {
        self.keys.binary_search(&id)
    }

    fn selected_position(&self) -> Option<usize> {
        self.selected.and_then(|id| self.position(id).ok())
    }

    /// Moves the selection by `delta` rows (negative: up) and stops following.
    fn move_selection(&mut self, delta: isize) {
        if self.keys.is_empty() {
            return;
        }
        let current = self.selected_position().unwrap_or(0);
        let last = self.keys.len() - 1;
        let target = current.saturating_add_signed(delta).min(last);
        self.select_position(target);
        self.follow = false;
    }

    fn select_position(&mut self, position: usize) {
        if let Some(&id) = self.keys.get(position) {
            if self.selected != Some(id) {
                self.detail_scroll = 0;
            }
            self.selected = Some(id);
        }
    }

    /// Selects the event with store key `key` when the filter shows it, and stops following;
    /// returns whether it does.
    pub fn select_key(&mut self, key: u64) -> bool {
        match self.position(key) {
            Ok(position) => {
                self.select_position(position);
                self.follow = false;
                true
            }
            Err(_) => false,
        }
    }

    /// Marks the selected event, or unmarks it when it is the marked one; returns the id
    /// marked, if any.
    pub fn toggle_mark(&mut self) -> Option<u64> {
        let selected = self.selected?;
        if self.mark.is_some_and(|(key, _)| key == selected) {
            self.mark = None;
            return None;
        }
        let id = self.selected_event.as_ref()?.id;
        self.mark = Some((selected, id));
        Some(id)
    }

    /// Selects the event shown at `row` of the list (0 = first visible row).
    pub fn click_row(&mut self, row: usize) {
        let position = self.offset + row;
        if position < self.keys.len() {
            self.select_position(position);
            self.follow = false;
            self.focus = Pane::List;
        }
    }

    /// Acts on a view action; `areas` tells page sizes.
    fn apply(&mut self, action: Action, areas: &Areas) {
        let page = areas.list_rows().max(1) as isize;
        let detail_page = areas.detail_rows().max(1);
        let in_detail = self.detail_open && self.focus == Pane::Detail;
        match action {
            Action::Up if in_detail => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Action::Down if in_detail => self.detail_scroll += 1,
            Action::PageUp if in_detail => {
                self.detail_scroll = self.detail_scroll.saturating_sub(detail_page);
            }
            Action::PageDown if in_detail => self.detail_scroll += detail_page,
            Action::Top if in_detail => self.detail_scroll = 0,
            Action::Bottom if in_detail => self.detail_scroll = usize::MAX,
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-page),
            Action::PageDown => self.move_selection(page),
            Action::Top => {
                self.follow = false;
                self.select_position(0);
            }
            Action::Bottom => {
                self.follow = false;
                self.select_position(self.keys.len().saturating_sub(1));
            }
            Action::Open if self.selected.is_some() => {
                // Reading one event: the detail must not jump to each new arrival.
                self.follow = false;
                self.detail_open = true;
                self.focus = Pane::Detail;
            }
            Action::SwitchPane => {
                self.focus = match self.focus {
                    Pane::List if self.detail_open => Pane::Detail,
                    _ => Pane::List,
                };
            }
            Action::NextTab => {
                self.tab = self.tab.next();
                self.detail_scroll = 0;
            }
            Action::PrevTab => {
                self.tab = self.tab.prev();
                self.detail_scroll = 0;
            }
            Action::RevealSecrets => self.reveal_secrets = !self.reveal_secrets,
            Action::Wrap => self.wrap = !self.wrap,
            _ => {}
        }
    }

    /// Fetches what the next frame shows: the visible rows, the selected event, its detail.
    fn fetch(&mut self, store: &Store, areas: &Areas) {
        let rows = areas.list_rows();
        let len = self.keys.len();
        // Where the list starts: at the remembered top row, moved only to show the selection.
        let mut offset = match self.top {
            Some(top) => match self.position(top) {
                Ok(at) | Err(at) => at,
            },
            None => self
                .selected_position()
                .map_or(0, |p| p.saturating_sub(rows / 2)),
        };
        if let Some(selected) = self.selected_position() {
            if selected < offset {
                offset = selected;
            } else if rows > 0 && selected >= offset + rows {
                offset = selected + 1 - rows;
            }
        }
        // No empty rows at the bottom while there are events above.
        offset = offset.min(len.saturating_sub(rows));
        self.offset = offset;
        self.top = self.keys.get(offset).copied();
        self.rows = self
            .keys
            .range(offset..(offset + rows).min(len))
            .filter_map(|&key| Some((key, store.get(key)?)))
            .collect();
        self.selected_event = self.selected.and_then(|key| {
            self.rows
                .iter()
                .find(|(row, _)| *row == key)
                .map(|(_, event)| Arc::clone(event))
                .or_else(|| store.get(key))
        });
        if self.selected_event.is_none() {
            self.detail_open = false;
            self.focus = Pane::List;
        }
        if self.detail_open
            && let Some(event) = &self.selected_event
            && let Some(selected) = self.selected
        {
            let width = areas.detail_width();
            let key = (selected, self.tab, self.reveal_secrets, self.wrap, width);
            // The copies re-sent of it come and go while it is shown: one look-up in the
            // store's index of re-sends per frame, and lines built again only when they change.
            let resends = if self.tab == Tab::Analysis {
                store.resends_of(event.id, selected, RESENDS_SHOWN)
            } else {
                Resends::default()
            };
            if self.detail.key != Some(key) || self.detail.resends != resends {
                let mut lines =
                    detail::build(event, self.tab, self.reveal_secrets, width, &resends);
                if self.wrap {
                    lines = lines
                        .iter()
                        .flat_map(|line| line.wrap(usize::from(width)))
                        .collect();
                }
                self.detail = DetailContent {
                    key: Some(key),
                    resends,
                    lines,
                };
            }
            let max = self.detail.lines.len().saturating_sub(areas.detail_rows());
            self.detail_scroll = self.detail_scroll.min(max);
        }
    }

    /// The wheel scrolls the pane under it; a click selects a row or a detail tab.
    fn on_mouse(&mut self, mouse: MouseEvent, areas: &Areas) -> bool {
        let at = Position::new(mouse.column, mouse.row);
        let in_detail = areas.detail.is_some_and(|d| d.contains(at));
        let in_list = areas.list.contains(at);
        match mouse.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let action = if mouse.kind == MouseEventKind::ScrollDown {
                    Action::Down
                } else {
                    Action::Up
                };
                if in_detail || in_list {
                    let focus = self.focus;
                    self.focus = if in_detail { Pane::Detail } else { Pane::List };
                    for _ in 0..3 {
                        self.apply(action, areas);
                    }
                    self.focus = focus;
                    return true;
                }
                false
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if in_list {
                    // Row 0 is the border, row 1 the column heading.
                    let row = mouse.row.saturating_sub(areas.list.y);
                    if row >= 2 && row < areas.list.height.saturating_sub(1) {
                        self.click_row(usize::from(row - 2));
                    }
                    true
                } else if let Some(detail) = areas.detail.filter(|_| in_detail) {
                    self.focus = Pane::Detail;
                    if mouse.row == detail.y + 1 {
                        let x = mouse.column.saturating_sub(detail.x + 1);
                        for (tab, (start, width)) in Tab::ALL.into_iter().zip(tab_positions()) {
                            if x >= start && x < start + width {
                                self.tab = tab;
                                self.detail_scroll = 0;
                            }
                        }
                    }
                    true
                } else {
                    false
                }
            }
            _ => false,
        }
    }
}

impl View for EventsState {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn context(&self) -> Context {
        EventsState::context(self)
    }

    fn sync(&mut self, store: &Store) {
        EventsState::sync(self, store);
    }

    fn refresh(&mut self, feed: &Feed<'_>, body: Rect) {
        let areas = Areas::new(body, self.detail_open);
        self.fetch(feed.store, &areas);
    }

    fn update(&mut self, action: Action, body: Rect) {
        let areas = Areas::new(body, self.detail_open);
        self.apply(action, &areas);
    }

    fn mouse(&mut self, mouse: MouseEvent, body: Rect) -> bool {
        let areas = Areas::new(body, self.detail_open);
        self.on_mouse(mouse, &areas)
    }

    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        render(frame, area, self, theme);
    }
}

/// Draws the view into `area`.
pub fn render(frame: &mut Frame, area: Rect, state: &EventsState, theme: &Theme) {
    let areas = Areas::new(area, state.detail_open);
    render_list(frame, areas.list, state, theme);
    if let Some(detail_area) = areas.detail {
        render_detail(frame, detail_area, state, theme);
    }
}

/// What the cells of a row know besides their event.
struct Cells {
    /// Whether `userToken` values are shown.
    reveal: bool,
    /// Whether the list has its session / scan column (else the note names a scan or video).
    ids_column: bool,
}

/// The column of the session, scan or video an event belongs to.
const SUBJECT: &str = "SESSION / SCAN";
/// The column of the sequence status, redelivery and anomalies.
const NOTE: &str = "SEQ / NOTE";
/// The kind or path: what the others leave, up to this much before the columns of `GROW`
/// get their fill.
const KIND: &str = "KIND / PATH";
const KIND_MOST: usize = 24;
/// Columns that are given what the screen has beyond their widths, in this order, up to what
/// their widest visible cell needs (then the kind takes the rest): the note first (an anomaly
/// code cut short is a fact lost), then the kind, then the whole session or scan id.
const GROW: &[&str] = &[NOTE, KIND, SUBJECT];

/// The list's columns, the id column as wide as the largest id shown.
fn table(max_id: u64) -> Table<CapturedEvent, Cells, 11> {
    Table {
        columns: [
            Column::left("TIME", 12, |event, _, width| {
                let format = if width >= 12 {
                    "%H:%M:%S%.3f"
                } else {
                    "%H:%M:%S"
                };
                (event.received_at.format(format).to_string().into(), Role::Dim)
            }),
            Column::right("#", max_id.to_string().len().max(2), |event, _, _| {
                (event.id.to_string().into(), Role::Dim)
            }),
            Column::left("METHOD", 6, |event, _, _| {
                (sanitize::escape(&event.method), Role::Text)
            }),
            Column::left("PROV", 5, |event, _, _| {
                (provider_label(event.analysis.provider).into(), Role::Accent)
            }),
            Column::left(SUBJECT, text::SESSION_ID_WIDTH, |event, _, width| {
                (subject_cell(event, width), Role::Text)
            }),
            Column::left(KIND, 0, |event, cells, _| {
                let text = kind_or_path(event, cells.reveal);
                let text = if event.pinned {
                    format!("⚑ {text}")
                } else {
                    text
                };
                (text.into(), Role::Text)
            }),
            Column::left("SEV", 3, |event, _, _| {
                let severity = event.analysis.severity;
                (severity_glyph(severity).into(), Role::Severity(severity))
            }),
            Column::left("SIG", 3, |event, _, _| {
                let verdict = event.analysis.signature.verdict;
                (signature_glyph(verdict).into(), Role::Signature(verdict))
            }),
            Column::left(NOTE, 16, |event, cells, width| {
                let (role, text) = note(event, width, !cells.ids_column);
                (text.into(), role)
            }),
            Column::right("SIZE", 8, |event, _, _| {
                (text::short_size(event.body_size()).into(), Role::Dim)
            }),
            Column::right("ANS", 3, |event, _, _| {
                let status = event.response.status;
                (status.to_string().into(), Role::Status(status))
            }),
        ],
        flex: (KIND, KIND_MOST),
        // Narrower screens drop detail in this order until the kind has room: the session or
        // scan column first (the note then names a scan), the note last.
        shrink: &[
            (SUBJECT, 0),
            (NOTE, 14),
            ("SIZE", 0),
            (NOTE, 11),
            ("METHOD", 0),
            ("TIME", 8),
            ("PROV", 0),
            (NOTE, 0),
        ],
        room: 20,
        spare: Some(KIND),
        trailing_space: false,
    }
}

/// Where the column titled `title` is in the list.
fn column_index<R, X, const N: usize>(table: &Table<R, X, N>, title: &str) -> usize {
    table
        .columns
        .iter()
        .position(|c| c.title == title)
        .unwrap_or(0)
}

/// The session, scan or video of an event, as the Sessions and Timelines views write it: whole
/// when it fits, else cut where that view cuts it.
fn subject_cell(event: &CapturedEvent, width: usize) -> std::borrow::Cow<'_, str> {
    let subject = &event.analysis.subject;
    let (id, short) = match (&subject.session_id, &subject.scan_id, &subject.video_id) {
        (Some(id), _, _) => (id, text::SESSION_ID_WIDTH),
        (None, Some(id), _) | (None, None, Some(id)) => (id, text::SCAN_ID_WIDTH),
        (None, None, None) => return "".into(),
    };
    let whole = text::short_id(id, usize::MAX);
    if display_width(&whole) <= width {
        whole
    } else {
        text::short_id(id, width.min(short))
    }
}

fn provider_label(provider: Provider) -> &'static str {
    match provider {
        Provider::Wms => "wms",
        Provider::Prism => "prism",
        Provider::PrismVideo => "video",
        Provider::Generic => "–",
    }
}

/// The kind of a vendor event, or the path of anything else (`userToken` in the query masked
/// unless revealed).
fn kind_or_path(event: &CapturedEvent, reveal: bool) -> String {
    match &event.analysis.kind {
        Some(kind) => sanitize::escape(kind).into_owned(),
        None => {
            let mut target = sanitize::escape(&event.path).into_owned();
            if let Some(query) = event.query() {
                target.push('?');
                let query = if reveal {
                    std::borrow::Cow::Borrowed(query)
                } else {
                    crate::ui::mask::query(query)
                };
                target.push_str(&sanitize::escape(&query));
            }
            target
        }
    }
}

/// The note column in `width` columns: what leads it (a failed forward, else hookscope's
/// re-send, else the sequence status, else the redelivery), then the anomalies it does not
/// already tell (`⚠` and the first code, cut or replaced by their count when short of room);
/// with neither, the scan or video id when `subject` (the list has no column for it).
fn note(event: &CapturedEvent, width: usize, subject: bool) -> (Role, String) {
    let warn = Role::Severity(Severity::Warn);
    let lead = note_lead(event);
    // The sequence status already tells the anomalies about the order of numbers.
    let told = |code: &str| {
        lead.as_ref().is_some_and(|(role, _)| matches!(role, Role::Sequence(_)))
            && SEQUENCE_CODES.contains(&code)
    };
    let mut anomalies = event.analysis.anomalies.iter().filter(|a| !told(a.code()));
    let Some(first) = anomalies.next() else {
        return lead.unwrap_or_else(|| {
            let s = &event.analysis.subject;
            let id = s.scan_id.as_ref().or(s.video_id.as_ref()).filter(|_| subject);
            (
                Role::Dim,
                id.map(|id| sanitize::escape(id).into_owned())
                    .unwrap_or_default(),
            )
        });
    };
    let more = anomalies.count();
    let code = sanitize::escape(first.code());
    let mark = if more > 0 {
        format!("⚠ {code} +{more}")
    } else {
        format!("⚠ {code}")
    };
    let Some((role, lead)) = lead else {
        if display_width(&mark) <= width {
            return (warn, mark);
        }
        // The table cuts the code.
        return (warn, format!("⚠ {code}"));
    };
    // An in-order number says nothing is wrong: the anomaly sets the colour.
    let role = match role {
        Role::Sequence(SequenceStatus::InOrder | SequenceStatus::First) => warn,
        other => other,
    };
    let full = format!("{lead} {mark}");
    if display_width(&full) <= width {
        return (role, full);
    }
    // The first code, cut, while enough of it shows to be read.
    let lead_width = display_width(&lead);
    let code_room = width.saturating_sub(lead_width + 3);
    if code_room >= MIN_CODE.min(display_width(&code)) {
        return (
            role,
            format!("{lead} ⚠ {}", text::truncate(&code, code_room)),
        );
    }
    // Else how many, after the lead cut as needed.
    let count = format!("⚠{}", more + 1);
    let room = width.saturating_sub(display_width(&count) + 1);
    (role, format!("{} {count}", text::truncate(&lead, room)))
}

/// Columns of an anomaly code the note shows at least, rather than only a count.
const MIN_CODE: usize = 6;

/// The anomaly codes a sequence status (`⚠ gap 7-8`, `↺ 7 late`, …) already tells.
const SEQUENCE_CODES: [&str; 5] = [
    anomaly::SEQUENCE_GAP,
    anomaly::SEQUENCE_LATE,
    anomaly::SEQUENCE_DUPLICATE,
    anomaly::SEQUENCE_RESTART,
    anomaly::SEQUENCE_CONFLICT,
];

/// What leads the note: a failed forward, else hookscope's re-send, else the sequence status,
/// else the redelivery.
fn note_lead(event: &CapturedEvent) -> Option<(Role, String)> {
    if event.response.forward_failed() {
        return Some((Role::Problem, text::FORWARD_FAILED.to_owned()));
    }
    // A copy hookscope re-sent says so ahead of its sequence status and redelivery: the
    // duplicate, conflict or retry it makes follows from the user's own re-send, expected and
    // no alarm (the detail words it so), while the mark tells which event it is a copy of. A
    // failed forward still wins: that is news about the user's app, often why it was re-sent.
    if let Some(from) = event.resent_from() {
        let edited = if event.edited() { " edited" } else { "" };
        return Some((Role::Accent, format!("{RESENT_GLYPH} resent #{from}{edited}")));
    }
    let a = &event.analysis;
    if let Some(seq) = &a.sequence {
        return Some((Role::Sequence(seq.status), sequence_label(seq)));
    }
    a.redelivery.as_ref().map(|r| {
        (
            Role::Severity(Severity::Warn),
            format!("↻ retry #{} +{:.1}s", r.retry, r.delay_ms / 1000.0),
        )
    })
}

fn render_list(frame: &mut Frame, area: Rect, state: &EventsState, theme: &Theme) {
    let focused = state.focus == Pane::List || !state.detail_open;
    let title = if state.filter.is_empty() {
        format!(" Events {} ", thousands(state.keys.len() as u64))
    } else {
        format!(
            " Events {} of {} ",
            thousands(state.keys.len() as u64),
            thousands(state.stored as u64)
        )
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(focused))
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    // Ids from a file need not ascend.
    let max_id = state.rows.iter().map(|(_, e)| e.id).max().unwrap_or(0);
    let table = table(max_id);
    let mut cells = Cells {
        reveal: state.reveal_secrets,
        ids_column: true,
    };
    let mut widths = table.widths_for(
        usize::from(inner.width),
        GROW,
        state.rows.iter().map(|(_, event)| event.as_ref()),
        &cells,
    );
    // An id that does not fit whole is cut where the other views cut it: what the id column
    // got beyond that would only pad it, so the kind takes it back.
    let (subject, kind) = (column_index(&table, SUBJECT), column_index(&table, KIND));
    let widest = state
        .rows
        .iter()
        .map(|(_, event)| display_width(&subject_cell(event, usize::MAX)))
        .max()
        .unwrap_or(0);
    if widths[subject] > text::SESSION_ID_WIDTH && widths[subject] < widest {
        widths[kind] += widths[subject] - text::SESSION_ID_WIDTH;
        widths[subject] = text::SESSION_ID_WIDTH;
    }
    cells.ids_column = table.shows(&widths, SUBJECT);
    let empty = if state.filter.is_empty() {
        state.empty_hint.as_str()
    } else {
        "No event matches the filter. Esc clears it."
    };
    let rows = state
        .rows
        .iter()
        .map(|(key, event)| (event.as_ref(), state.selected == Some(*key)));
    table.render(
        frame,
        inner,
        &widths,
        rows,
        &cells,
        empty,
        theme,
    );
    // The marked row leads with `=` (the selected one keeps its `▶`; the bottom line names
    // the mark).
    if let Some((mark, _)) = state.mark
        && state.selected != Some(mark)
        && let Some(i) = state.rows.iter().position(|(key, _)| *key == mark)
    {
        let y = inner.y + 1 + i as u16;
        if y < inner.y + inner.height {
            frame
                .buffer_mut()
                .set_string(inner.x, y, MARK_GLYPH, theme.accent());
        }
    }
}

/// What leads the marked row of the list.
pub const MARK_GLYPH: &str = "=";

/// Where each tab's title sits on the tab line: `(x offset, width)`, for clicks.
pub fn tab_positions() -> [(u16, u16); Tab::ALL.len()] {
    let mut x = 1u16;
    Tab::ALL.map(|tab| {
        let width = display_width(tab.title()) as u16 + 2;
        let at = x;
        x += width + 1;
        (at, width)
    })
}

fn render_detail(frame: &mut Frame, area: Rect, state: &EventsState, theme: &Theme) {
    let focused = state.focus == Pane::Detail;
    let title = match &state.selected_event {
        Some(event) => {
            let mut title = format!(" #{} ", event.id);
            if event.analysis.provider != Provider::Generic {
                title.push_str(event.analysis.provider.as_str());
                title.push(' ');
            }
            title.push_str(&kind_or_path(event, state.reveal_secrets));
            title.push(' ');
            title
        }
        None => " detail ".to_owned(),
    };
    // How the detail is shown, on the bottom border: the tab line has no room left for it.
    let mut flags: Vec<Span> = Vec::new();
    if state.wrap {
        flags.push(Span::styled(" wrapped ", theme.dim()));
    }
    if state.reveal_secrets {
        flags.push(Span::styled(" tokens shown ", theme.masked()));
    }
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border(focused))
        .title(Span::styled(
            text::truncate(&title, usize::from(area.width.saturating_sub(4))).into_owned(),
            theme.title(),
        ))
        .title_bottom(Line::from(flags).left_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let mut tabs: Vec<Span> = vec![Span::raw(" ")];
    for tab in Tab::ALL {
        let label = format!(" {} ", tab.title());
        if tab == state.tab {
            tabs.push(Span::styled(
                format!("[{}]", tab.title()),
                theme.title().patch(theme.selection()),
            ));
        } else {
            tabs.push(Span::styled(label, theme.dim()));
        }
        tabs.push(Span::raw(" "));
    }
    let width = usize::from(inner.width);
    frame.render_widget(Line::from(tabs), Rect { height: 1, ..inner });
    let lines = state
        .detail
        .lines
        .iter()
        .skip(state.detail_scroll)
        .take(usize::from(inner.height.saturating_sub(1)));
    // One column of padding inside the border, so text does not touch it.
    let text_area = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(1),
        ..inner
    };
    for (i, line) in lines.enumerate() {
        frame.render_widget(
            line.to_line(theme, width.saturating_sub(1)),
            Rect {
                y: inner.y + 1 + i as u16,
                height: 1,
                ..text_area
            },
        );
    }
    let total = state.detail.lines.len();
    let shown = usize::from(inner.height.saturating_sub(1));
    if total > shown {
        let position = format!(
            " {}-{} of {} ",
            state.detail_scroll + 1,
            (state.detail_scroll + shown).min(total),
            total
        );
        let w = display_width(&position) as u16;
        if area.width > w + 2 {
            frame.render_widget(
                Span::styled(position, theme.dim()),
                Rect {
                    x: area.x + area.width - w - 1,
                    y: area.y + area.height - 1,
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
    use crate::event::{
        ResponseInfo, SequenceInfo, SequenceStatus, Severity, SignatureVerdict, Subject, SubjectIds,
    };
    use crate::store::{Limits, Stats};
    use bytes::Bytes;
    use proptest::prelude::*;

    /// Events of every shape a filter looks at, varied by `n`: providers, severities, verdicts,
    /// statuses, event names, session and scan ids (shared and not), queries, anomalies and
    /// bodies of different sizes.
    fn varied(n: u64) -> CapturedEvent {
        let mut e = event(0);
        let pick = |k: u64| {
            n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(k as u32 * 7)
                % 97
        };
        e.analysis.provider = [
            Provider::Wms,
            Provider::Prism,
            Provider::PrismVideo,
            Provider::Generic,
        ][(pick(1) % 4) as usize];
        e.analysis.severity =
            [Severity::Info, Severity::Warn, Severity::Error][(pick(2) % 3) as usize];
        e.analysis.signature.verdict = if pick(3) % 2 == 0 {
            SignatureVerdict::Valid
        } else {
            SignatureVerdict::Invalid
        };
        e.response = ResponseInfo::local([200, 404, 503][(pick(4) % 3) as usize], 0.0);
        e.analysis.kind = (pick(5) % 4 != 0).then(|| format!("Kind.{}", pick(5) % 5).into());
        let session = format!("Load-Session-{:04}-x", pick(6) % 12);
        let session = if pick(6) % 5 == 0 {
            // Not shared: a copy of its own.
            crate::intern::SharedStr::new(&session)
        } else {
            session.into()
        };
        if pick(7) % 3 != 0 {
            e.analysis.subject = Subject::shared(SubjectIds {
                session_id: Some(session.clone()),
                measurement_id: (pick(8) % 2 == 0).then(|| format!("m-{}", pick(8) % 9).into()),
                ..SubjectIds::default()
            });
        }
        if pick(9) % 2 == 0 {
            e.analysis.subject.session_id.get_or_insert(session);
            e.analysis.sequence = Some(SequenceInfo {
                seq: n,
                status: if pick(10) % 4 == 0 {
                    SequenceStatus::Gap
                } else {
                    SequenceStatus::InOrder
                },
                missing: Default::default(),
            });
        }
        if pick(11) % 6 == 0 {
            e.analysis.subject.scan_id = Some(format!("SCAN-{}", pick(11) % 7).into());
        }
        e.path = ["/hooks/wms", "/hooks/prism", "/Other"][(pick(12) % 3) as usize].into();
        e.set_query((pick(13) % 4 == 0).then(|| format!("t=Tenant{}", pick(13) % 6).into()));
        if pick(14) % 9 == 0 {
            e.analysis.anomalies = vec![crate::event::Anomaly::text(
                "sequence_gap",
                format!("Event {n} came Late."),
            )]
            .into();
        }
        let filler = "x".repeat((pick(15) * 3) as usize);
        e.body = Bytes::from(format!(
            "{{\"MeasurementId\":\"m-{}\",\"pad\":\"{filler}\",\"n\":{n}}}",
            pick(16) % 9
        ));
        e
    }

    /// Queries over every kind of term, negated and not, keyed and free text.
    const QUERIES: [&str; 16] = [
        "sev:error",
        "provider:wms session:load-session-0007*",
        "session:*-x -provider:generic",
        "session:load-session-0003-x",
        "scan:scan-*",
        "type:kind.1 status:5xx",
        "sig:invalid gap",
        "-sev:info status:404",
        "measurementid",
        "no-such-text",
        "tenant3",
        "late",
        "\"n\":1",
        "wms sev:warn",
        "-m-4 provider:prism,wms",
        "/other",
    ];

    /// The keys of what matching every stored event one at a time with `Filter::matches`
    /// selects.
    fn expected(store: &Store, filter: &Filter) -> Vec<u64> {
        let first = store.key_range().map_or(1, |(first, _)| first);
        (first..)
            .zip(store.snapshot())
            .filter(|(_, e)| filter.matches(e))
            .map(|(key, _)| key)
            .collect()
    }

    fn event(id: u64) -> CapturedEvent {
        EventBuilder::new(id)
            .body(format!("{{\"n\":{id}}}"))
            .severity(if id.is_multiple_of(7) {
                Severity::Error
            } else {
                Severity::Info
            })
            .build()
    }

    #[test]
    fn the_note_keeps_an_anomaly_beside_the_sequence_status() {
        let mut e = event(12);
        e.analysis.sequence = Some(SequenceInfo {
            seq: 12,
            status: SequenceStatus::InOrder,
            missing: Default::default(),
        });
        let warn = Role::Severity(Severity::Warn);
        // No anomaly: the number alone.
        assert_eq!(note(&e, 20, false).1, "12");
        e.analysis.anomalies = vec![
            crate::event::Anomaly::text("wms_ascii_mismatch", "non-ASCII"),
            crate::event::Anomaly::text("severity_mismatch", "WARN"),
        ]
        .into();
        assert_eq!(note(&e, 40, false), (warn, "12 ⚠ wms_ascii_mismatch +1".into()));
        // Short of room: the code cut, then a count.
        assert_eq!(note(&e, 14, false).1, "12 ⚠ wms_asci…");
        assert_eq!(note(&e, 8, false).1, "12 ⚠2");
        assert_eq!(note(&e, 4, false).1, "… ⚠2");
        for width in 1..30 {
            assert!(display_width(&note(&e, width, false).1) <= width.max(3), "{width}");
        }
        // What the status already tells is not repeated; a gap keeps its own colour.
        e.analysis.sequence.as_mut().unwrap().status = SequenceStatus::Gap;
        e.analysis.sequence.as_mut().unwrap().missing = vec![10, 11].into();
        e.analysis.anomalies = vec![
            crate::event::Anomaly::text(anomaly::SEQUENCE_GAP, "gap"),
            crate::event::Anomaly::text("severity_mismatch", "WARN"),
        ]
        .into();
        assert_eq!(
            note(&e, 40, false),
            (
                Role::Sequence(SequenceStatus::Gap),
                "⚠ gap 10-11 ⚠ severity_mismatch".into()
            )
        );
        // No lead, no anomaly: the scan when the list has no column for it.
        let mut scan = event(3);
        scan.analysis.subject.scan_id = Some("scan-7f3a9c21".into());
        assert_eq!(note(&scan, 20, true).1, "scan-7f3a9c21");
        assert_eq!(note(&scan, 20, false).1, "");
    }

    #[test]
    fn a_long_catch_up_finds_what_one_event_at_a_time_finds() {
        // Ids with gaps (as an imported file may have), more than enough to be split across
        // threads.
        let count = 5 * PARALLEL_BACKLOG + 123;
        let events: Vec<CapturedEvent> = (1..=count)
            .filter(|i| !i.is_multiple_of(5))
            .map(|i| event(i * 3))
            .collect();
        let store = Store::from_events(
            Limits {
                capacity: usize::MAX,
                max_bytes: u64::MAX,
            },
            events,
            Stats::default(),
        );
        for query in ["\"n\":1", "-sev:error 7", "nothing", "sev:error"] {
            let filter = Filter::parse(query).unwrap();
            let expected = expected(&store, &filter);
            let mut state = EventsState::new(false);
            state.set_filter(filter, &store);
            assert_eq!(state.keys().collect::<Vec<_>>(), expected, "{query}");
            // New events after the catch-up are taken in one batch at a time.
            let first_new = store.key_range().map_or(1, |(_, back)| back + 1);
            let new = store.push(event(0));
            assert_eq!(store.get(first_new).as_ref(), Some(&new));
            state.sync(&store);
            let filter = state.filter.clone();
            assert_eq!(
                state.keys().last() == Some(first_new),
                filter.matches(&new),
                "{query}, after a push"
            );
        }
    }

    #[test]
    fn repeated_and_extreme_ids_are_all_found_on_every_core() {
        // A file of runs appended together, with ids 0 and `u64::MAX` among them: long enough
        // to be caught up on every core, then one batch at a time.
        let count = 3 * PARALLEL_BACKLOG + 77;
        let events: Vec<CapturedEvent> = (0..count)
            .map(|i| {
                let mut e = event(i % 1000);
                e.id = [i % 1000, 0, u64::MAX][(i % 3) as usize];
                e
            })
            .collect();
        let store = Store::from_events(
            Limits {
                capacity: usize::MAX,
                max_bytes: u64::MAX,
            },
            events,
            Stats::default(),
        );
        for query in ["", "sev:error", "-sev:error", "77"] {
            let filter = Filter::parse(query).unwrap();
            let mut state = EventsState::new(false);
            state.set_filter(filter.clone(), &store);
            state.sync(&store);
            let expected = expected(&store, &filter);
            assert!(!expected.is_empty(), "{query}");
            assert_eq!(state.keys().collect::<Vec<_>>(), expected, "{query}");
        }
    }

    #[test]
    fn filters_select_what_one_event_at_a_time_selects_through_evictions() {
        // A ring that wraps around many times, large enough to be caught up on every core.
        let capacity = 3 * PARALLEL_BACKLOG as usize + 1234;
        let store = Store::new(Limits {
            capacity,
            max_bytes: u64::MAX,
        });
        let mut next = 0;
        let mut push = |count: u64| {
            for _ in 0..count {
                next += 1;
                store.push(varied(next));
            }
        };
        push(5 * PARALLEL_BACKLOG + 77);
        let mut states: Vec<EventsState> = QUERIES
            .iter()
            .map(|query| {
                let mut state = EventsState::new(false);
                state.set_filter(Filter::parse(query).unwrap(), &store);
                assert_eq!(
                    state.keys().collect::<Vec<_>>(),
                    expected(&store, &state.filter),
                    "{query}"
                );
                state
            })
            .collect();
        // New events, some of the old evicted, then everything cleared and a few more.
        for round in 0..3 {
            match round {
                0 => push(BATCH as u64 + 5),
                1 => {
                    store.clear();
                    push(0);
                }
                _ => push(300),
            }
            for state in &mut states {
                state.sync(&store);
                assert_eq!(
                    state.keys().collect::<Vec<_>>(),
                    expected(&store, &state.filter),
                    "{}, round {round}",
                    state.filter
                );
            }
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(u64),
        Clear,
        Filter(usize),
        Sync,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (0u64..1_000_000).prop_map(Op::Push),
            1 => Just(Op::Clear),
            2 => (0..QUERIES.len()).prop_map(Op::Filter),
            2 => Just(Op::Sync),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_list_always_holds_what_the_filter_matches(
            capacity in 1usize..40,
            max_bytes in 200u64..3000,
            ops in proptest::collection::vec(op(), 0..120),
        ) {
            let store = Store::new(Limits { capacity, max_bytes });
            let mut state = EventsState::new(false);
            for op in ops {
                match op {
                    Op::Push(n) => {
                        store.push(varied(n));
                    }
                    Op::Clear => store.clear(),
                    Op::Filter(i) => {
                        state.set_filter(Filter::parse(QUERIES[i]).unwrap(), &store);
                    }
                    Op::Sync => state.sync(&store),
                }
                state.sync(&store);
                prop_assert_eq!(
                    state.keys().collect::<Vec<_>>(),
                    expected(&store, &state.filter),
                    "{}", state.filter
                );
            }
        }
    }
}
