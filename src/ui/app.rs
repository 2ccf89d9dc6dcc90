//! The interface's state and the one place it changes: `App::handle` turns an input (a key, a
//! mouse event, a resize, news from the store, a tick) into actions, and `App::update` applies
//! them. Side effects the state cannot perform itself (the clipboard, writing an export) are
//! queued as `Command`s for the event loop.
//!
//! Besides the store, the interface may be given the recorder (whose analysis feeds the
//! Sessions and Timelines views) and, when live, the answer policy that `m` cycles.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use crate::answer::{AnswerMode, AnswerPolicy};
use crate::decode::signature::Secrets;
use crate::diff::Partner;
use crate::event::{BodyKind, CapturedEvent, SignatureScheme};
use crate::export::http_text::HttpMessage;
use crate::export::jsonl::LogHealth;
use crate::filter::Filter;
use crate::ingest::Recorder;
use crate::store::{PinChange, SCAN_BATCH, Stats, Store};
use crate::ui::action::{Action, Context, CopyFormat, Key, ViewId};
use crate::ui::copy;
use crate::ui::help;
use crate::ui::keymap;
use crate::ui::layout::frame_areas;
use crate::ui::view::Views;
use crate::ui::view::component::{AnalysisSource, Feed};
use crate::ui::view::events::Pane;
use crate::ui::view::events::diff::DiffView;

/// Per-second samples kept for the events/s sparkline (the most it draws).
const RATE_HISTORY: usize = 60;
/// Ticks (seconds) a status message stays on the bottom line.
const STATUS_TICKS: u8 = 6;

/// Past this size a copy through OSC 52 may not reach the clipboard: terminals cap it.
const OSC52_SAFE_BYTES: usize = 100_000;

/// One thing that happened, from any source; the event loop merges them into one stream.
#[derive(Debug, Clone)]
pub enum Input {
    Terminal(TermEvent),
    /// The store changed (events captured, evicted or cleared).
    StoreChanged,
    /// A second passed (rates and message timeouts).
    Tick,
    /// A background job finished (an export, a replay), with a message for the bottom line.
    Notice {
        text: String,
        ok: bool,
    },
    /// A background job is under way (a replay), with how far it got.
    Progress {
        text: String,
    },
    /// The editor `E` opened has closed.
    Edited(EditOutcome),
}

/// What became of the HTTP text handed to the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    /// Saved as it was, or not saved: nothing to send.
    Unchanged,
    /// Emptied: the user's way to say no.
    Empty,
    /// Saved with changes: the text as it is now.
    Saved(Vec<u8>),
    /// The editor could not be run, or the file not written or read back.
    Failed(String),
}

/// What the interface may act on besides the store: the recorder, whose analysis the Sessions
/// and Timelines views read, and the answer policy of a running listener.
#[derive(Clone, Default)]
pub struct Links {
    pub recorder: Option<Arc<Recorder>>,
    pub policy: Option<Arc<AnswerPolicy>>,
}

impl AnalysisSource for Recorder {
    fn read(&self, read: &mut dyn FnMut(&crate::analysis::Analyzer)) {
        self.analysis(|analysis| read(analysis));
    }
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links")
            .field("recorder", &self.recorder.is_some())
            .field("policy", &self.policy.as_ref().map(|p| p.describe()))
            .finish()
    }
}

/// What the interface shows events from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A running listener: its address and what it answers (`answer 200`, `forward → …`).
    Live { addr: SocketAddr, answer: String },
    /// An export opened offline.
    File { name: String },
}

/// What has the keyboard: the view, or a prompt or overlay above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter(Prompt),
    /// The URL to replay events to.
    Replay(Prompt),
    Confirm(Question),
    Help,
    /// The comparison of two events.
    Diff(DiffView),
    /// The menu of formats `c` opens.
    CopyMenu,
    /// The text just copied, shown so it can be selected or written to a file.
    Copied(Copied),
}

/// Text copied from an event, as the popup shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub id: u64,
    pub format: CopyFormat,
    pub text: String,
    /// The file name `w` offers (`hookscope-7.curl.sh`).
    pub file_name: String,
    /// The prompt for a file name `w` opens, while it is open.
    pub save: Option<SavePrompt>,
}

/// Where to write the copied text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavePrompt {
    pub prompt: Prompt,
    /// The file the user was told exists: Enter again on the same name replaces it.
    pub replace: Option<PathBuf>,
}

/// A prompt's text and cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prompt {
    pub text: String,
    /// Byte index of the cursor in `text`.
    pub cursor: usize,
    /// Why the text does not parse; the list keeps the last filter that did.
    pub error: Option<String>,
}

impl Prompt {
    fn with(text: String) -> Prompt {
        Prompt {
            cursor: text.len(),
            text,
            error: None,
        }
    }
}

/// A question waiting for y or n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// What to clear: the events only, or the analysis too. With what each holds now.
    Clear {
        events: u64,
        sessions: usize,
        timelines: usize,
    },
    /// Replay this many filtered events?
    Replay { count: usize },
    /// Sign the edited request afresh with this scheme's secret?
    Resign { scheme: SignatureScheme },
}

/// A message on the bottom line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub ok: bool,
    ticks_left: u8,
    /// What the message speaks of, when that may end before the message would.
    about: Option<About>,
}

/// Something a message speaks of that ends at a known moment; the message goes with it, so
/// that the bottom line never tells of a popup, an editor or an error that is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum About {
    /// The popup of copied text (`copied …`, `u shows it`, `w writes it`).
    CopyPopup,
    /// An error in the filter prompt's query.
    BadFilter,
    /// The editor `E` opened.
    Editor,
    /// A mark waiting for `d`.
    Mark,
}

/// Work for the event loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// Write an export: every stored event, or only those with these store keys.
    Export {
        path: PathBuf,
        keys: Option<Vec<u64>>,
    },
    /// Send the events with these store keys to `target` in the background.
    Replay { target: String, keys: Vec<u64> },
    /// Hand the terminal to the user's editor on this HTTP text of event `id`; its outcome
    /// comes back as [`Input::Edited`].
    Edit { id: u64, text: Vec<u8> },
    /// Send an edited request, made from event `from`, to `target` in the background. The
    /// copy a listener captures of it comes after the store key `after`.
    Resend {
        from: u64,
        after: u64,
        target: String,
        delivery: crate::sender::Delivery,
    },
    /// Write copied text to this file, with a newline at its end; an existing file only when
    /// `replace` (the user was asked).
    WriteCopy {
        path: PathBuf,
        text: String,
        replace: bool,
    },
}

/// An edit under way (`E`): the event it started from, then the text saved, then the target.
#[derive(Debug, Clone)]
struct Edit {
    from: u64,
    /// The scheme of the event's signature, if it had one.
    scheme: Option<SignatureScheme>,
    message: Option<HttpMessage>,
    target: Option<String>,
    /// The body as the editor was given it (JSON pretty-printed) and as it arrived: a body left
    /// as it was given goes out as it arrived, byte for byte, so that editing only a header
    /// leaves its signature intact.
    given_body: Vec<u8>,
    arrived_body: bytes::Bytes,
}

#[derive(Debug)]
pub struct App {
    pub source: Source,
    pub view: ViewId,
    pub mode: Mode,
    /// The state of every view (`views.events` is the one filters, exports and replays act on).
    pub views: Views,
    pub links: Links,
    /// The time views show ages against; the system clock unless fixed (tests, screenshots).
    pub clock: Option<DateTime<Utc>>,
    /// The store keys of the events `r` is about to replay, while the question and the prompt
    /// are open.
    replay_keys: Vec<u64>,
    /// The edit `E` started, until it is sent or dropped.
    edit: Option<Edit>,
    /// The secrets an edited request may be signed afresh with (the listener's).
    pub secrets: Secrets,
    /// Whether the editor needs the real terminal handed over (left, then restored); tests
    /// drawing into a `TestBackend` leave it off.
    pub hand_over_terminal: bool,
    pub stats: Stats,
    /// How the JSON Lines log goes, when the listener writes one.
    pub log: Option<LogHealth>,
    /// Where `--expect` / `--forbid` stand (`checks 1/2`), when given.
    pub checks: Option<(String, crate::checks::Verdict)>,
    /// Events received per second, oldest first.
    pub rates: VecDeque<u64>,
    last_received: Option<u64>,
    pub status: Option<Status>,
    /// The terminal's size.
    pub size: Rect,
    pub help_scroll: usize,
    pub quit: bool,
    pub commands: Vec<Command>,
    /// Where exports are written.
    pub export_dir: PathBuf,
    /// Export paths handed out, so two exports in one second never share a file even before
    /// the first is written.
    exports: Vec<PathBuf>,
}

impl App {
    pub fn new(source: Source, size: Rect, export_dir: PathBuf) -> App {
        // Live capture starts following the newest event; a file starts at its first.
        let follow = matches!(source, Source::Live { .. });
        let mut views = Views::new(follow);
        views.events.empty_hint = match &source {
            Source::Live { addr, .. } => {
                format!("No events yet. Try: curl -d '{{\"hello\":1}}' http://{addr}/hook")
            }
            Source::File { .. } => "The file holds no events.".to_owned(),
        };
        App {
            source,
            view: ViewId::EVENTS,
            mode: Mode::Normal,
            views,
            links: Links::default(),
            clock: None,
            replay_keys: Vec::new(),
            edit: None,
            secrets: Secrets::default(),
            hand_over_terminal: false,
            stats: Stats::default(),
            log: None,
            checks: None,
            rates: VecDeque::with_capacity(RATE_HISTORY),
            last_received: None,
            status: None,
            size,
            help_scroll: 0,
            quit: false,
            commands: Vec::new(),
            export_dir,
            exports: Vec::new(),
        }
    }

    /// Gives the interface the recorder (Sessions and Timelines) and the answer policy (`m`).
    pub fn with_links(mut self, links: Links) -> App {
        self.links = links;
        self.sync_answer();
        self
    }

    /// Gives the interface the secrets it may sign edited requests with.
    pub fn with_secrets(mut self, secrets: Secrets) -> App {
        self.secrets = secrets;
        self
    }

    /// Whether the events come from a running listener (whose store keys are the ids).
    fn live(&self) -> bool {
        matches!(self.source, Source::Live { .. })
    }

    /// Now, for ages and running jobs.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// The answer rules of the listener, none for a file opened offline.
    pub fn rules(&self) -> &[Arc<crate::answer::AnswerRule>] {
        self.links
            .policy
            .as_deref()
            .map_or(&[], |policy| policy.rules())
    }

    /// Takes in the answer policy's current mode; returns whether the header changed.
    fn sync_answer(&mut self) -> bool {
        if let (Some(policy), Source::Live { answer, .. }) = (&self.links.policy, &mut self.source)
        {
            let now = policy.describe();
            if *answer != now {
                *answer = now;
                return true;
            }
        }
        false
    }

    /// Where the current view is drawn in the current terminal size.
    fn body(&self) -> Rect {
        frame_areas(self.size).body
    }

    /// The key contexts active now, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match &self.mode {
            Mode::Normal => vec![self.views.get(self.view).context(), Context::Global],
            Mode::Filter(_) => vec![Context::FilterPrompt],
            Mode::Replay(_) => vec![Context::ReplayPrompt],
            Mode::Confirm(Question::Clear { .. }) => vec![Context::Clear],
            Mode::Confirm(_) => vec![Context::Confirm],
            Mode::Help => vec![Context::Help],
            Mode::Diff(_) => vec![Context::Diff],
            Mode::CopyMenu => vec![Context::CopyMenu],
            Mode::Copied(Copied { save: Some(_), .. }) => vec![Context::SavePrompt],
            Mode::Copied(_) => vec![Context::CopyText],
        }
    }

    /// Catches up with the store; call once before the first frame too.
    pub fn sync(&mut self, store: &Store) {
        self.stats = store.stats();
        // A failed log write changes the events it failed for, so the store's news carries it.
        self.log = self.links.recorder.as_ref().and_then(|r| r.log_health());
        self.checks = self
            .links
            .recorder
            .as_ref()
            .and_then(|r| r.checks())
            .map(|c| (c.short_state(), c.verdict()));
        if self.last_received.is_none() {
            self.last_received = Some(self.stats.received);
        }
        for view in self.views.each_mut() {
            view.sync(store);
        }
        self.follow_new_groups();
        self.sync_answer();
    }

    /// While following, a WMS session or a scan (or video) that has just begun becomes the
    /// selected one of its view, as the newest event is of the Events view. Reads only the
    /// sessions and timelines seen since the previous look.
    fn follow_new_groups(&mut self) {
        let Some(recorder) = self.links.recorder.as_ref() else {
            return;
        };
        if !self.views.events.follow {
            return;
        }
        let views = &mut self.views;
        recorder.analysis(|analysis| {
            views.sessions.cursor.select_new(
                analysis.sessions(),
                |s| (s.first_seen, s.last_seen),
                |s| s.session_id.clone(),
            );
            views.timelines.cursor.select_new(
                analysis.timelines(),
                |t| (t.first_seen, t.last_seen),
                |t| (t.kind, t.id.clone()),
            );
        });
    }

    /// Fetches what the next frame shows: the visible rows of the current view.
    pub fn refresh(&mut self, store: &Store) {
        let body = self.body();
        let feed = Feed {
            store,
            analysis: self
                .links
                .recorder
                .as_deref()
                .map(|recorder| recorder as &dyn AnalysisSource),
            now: self.now(),
        };
        self.views.get_mut(self.view).refresh(&feed, body);
    }

    /// Applies one input. Returns whether the screen needs drawing again.
    pub fn handle(&mut self, input: Input, store: &Store) -> bool {
        match input {
            Input::Terminal(TermEvent::Key(key)) => {
                self.key(key, store);
                true
            }
            Input::Terminal(TermEvent::Mouse(mouse)) => self.mouse(mouse),
            Input::Terminal(TermEvent::Resize(width, height)) => {
                self.size = Rect::new(0, 0, width, height);
                true
            }
            Input::Terminal(_) => false,
            Input::StoreChanged => {
                self.sync(store);
                true
            }
            Input::Tick => self.tick(store),
            Input::Notice { text, ok } => {
                self.say(text, ok);
                true
            }
            Input::Progress { text } => {
                self.say(text, true);
                true
            }
            Input::Edited(outcome) => {
                self.edited(outcome);
                true
            }
        }
    }

    fn say(&mut self, text: impl Into<String>, ok: bool) {
        self.status = Some(Status {
            text: text.into(),
            ok,
            ticks_left: STATUS_TICKS,
            about: None,
        });
    }

    /// Says something about `about`, which goes when that ends (see [`App::forget`]).
    fn say_about(&mut self, text: impl Into<String>, ok: bool, about: About) {
        self.say(text, ok);
        if let Some(status) = &mut self.status {
            status.about = Some(about);
        }
    }

    /// `about` has ended: the message about it, if the bottom line still shows it, goes too.
    fn forget(&mut self, about: About) {
        if self.status.as_ref().is_some_and(|s| s.about == Some(about)) {
            self.status = None;
        }
    }

    fn tick(&mut self, store: &Store) -> bool {
        let mut changed = false;
        let received = store.stats().received;
        let sample = received.saturating_sub(self.last_received.unwrap_or(received));
        self.last_received = Some(received);
        // An idle screen stays still: a zero added to zeros changes nothing visible.
        if sample > 0 || self.rates.iter().any(|&r| r > 0) {
            changed = true;
        }
        if self.rates.len() == RATE_HISTORY {
            self.rates.pop_front();
        }
        self.rates.push_back(sample);
        // What the listener answers may change from elsewhere (the demo switches it).
        changed |= self.sync_answer();
        // "2 s ago", "no event for N s", running jobs: only when such a row is on screen.
        changed |= self.mode == Mode::Normal && self.views.get(self.view).shows_clock();
        if let Some(status) = &mut self.status {
            status.ticks_left = status.ticks_left.saturating_sub(1);
            if status.ticks_left == 0 {
                self.status = None;
                changed = true;
            }
        }
        changed
    }

    fn key(&mut self, event: KeyEvent, store: &Store) {
        let Some(key) = Key::from_event(&event) else {
            return;
        };
        let action = keymap::lookup(&self.contexts(), key);
        if let Mode::Filter(_) | Mode::Replay(_) | Mode::Copied(Copied { save: Some(_), .. }) =
            self.mode
            && action.is_none()
        {
            self.edit_prompt(key, store);
            return;
        }
        if let Some(action) = action {
            self.update(action, store);
        }
    }

    /// Applies an action.
    pub fn update(&mut self, action: Action, store: &Store) {
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help_scroll = 0;
                self.mode = Mode::Help;
            }
            Action::CloseHelp => self.mode = Mode::Normal,
            Action::Up if self.mode == Mode::Help => {
                self.help_scroll = self.help_scroll.saturating_sub(1);
            }
            Action::Down if self.mode == Mode::Help => {
                self.help_scroll = (self.help_scroll + 1).min(help::max_scroll(
                    self.view,
                    self.rules(),
                    self.size,
                ));
            }
            Action::PageUp if self.mode == Mode::Help => {
                let page = usize::from(self.size.height.saturating_sub(4)).max(1);
                self.help_scroll = self.help_scroll.saturating_sub(page);
            }
            Action::PageDown if self.mode == Mode::Help => {
                let page = usize::from(self.size.height.saturating_sub(4)).max(1);
                let end = help::max_scroll(self.view, self.rules(), self.size);
                self.help_scroll = (self.help_scroll + page).min(end);
            }
            Action::Top if self.mode == Mode::Help => self.help_scroll = 0,
            Action::Bottom if self.mode == Mode::Help => {
                self.help_scroll = help::max_scroll(self.view, self.rules(), self.size);
            }
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
                if matches!(self.mode, Mode::Diff(_)) =>
            {
                self.scroll_diff(action);
            }
            Action::CloseDiff => self.mode = Mode::Normal,
            Action::Mark => match self.views.events.toggle_mark() {
                Some(id) => self.say_about(
                    format!("marked #{id}: select another event and press d to compare"),
                    true,
                    About::Mark,
                ),
                None if self.views.events.selected.is_some() => self.say("mark removed", true),
                None => self.say("no event selected", false),
            },
            Action::Diff => self.open_diff(store),
            Action::Linked => self.jump_linked(store),
            Action::ShowView(view) => self.view = view,
            Action::Filter => {
                let text = self.views.events.filter.to_string();
                let text = if text.is_empty() { text } else { text + " " };
                self.mode = Mode::Filter(Prompt::with(text));
            }
            Action::CycleAnswer => self.cycle_answer(),
            Action::Replay => self.replay(),
            Action::Pin => self.toggle_pin(store),
            Action::ReplaySend => self.replay_send(store),
            Action::ReplayCancel => {
                self.mode = Mode::Normal;
                self.replay_keys.clear();
                let what = if self.edit.take().is_some() {
                    "nothing sent"
                } else {
                    "nothing replayed"
                };
                self.say(what, true);
            }
            // A query that does not parse is never kept in place of what was typed: the
            // prompt stays open with its error until it is fixed or Esc drops it.
            Action::FilterKeep
                if matches!(&self.mode, Mode::Filter(Prompt { error: Some(_), .. })) =>
            {
                self.say_about(
                    "the filter does not parse: fix it, or Esc to drop it",
                    false,
                    About::BadFilter,
                );
            }
            Action::EditResend => self.edit_resend(),
            Action::FilterKeep => {
                self.mode = Mode::Normal;
                self.forget(About::BadFilter);
                if !self.views.events.filter.is_empty() {
                    let shown = self.views.events.len();
                    let verb = if shown == 1 {
                        "event matches"
                    } else {
                        "events match"
                    };
                    self.say(format!("filter kept: {shown} {verb}"), true);
                }
            }
            Action::FilterCancel => {
                self.mode = Mode::Normal;
                self.views.events.set_filter(Filter::default(), store);
                // Whatever the bottom line said about the query dropped goes with it.
                self.status = None;
            }
            Action::Back => {
                if self.views.events.detail_open {
                    self.views.events.detail_open = false;
                    self.views.events.focus = Pane::List;
                } else if !self.views.events.filter.is_empty() {
                    self.views.events.set_filter(Filter::default(), store);
                    self.say("filter cleared", true);
                }
            }
            Action::Follow => {
                self.views.events.follow = !self.views.events.follow;
                if self.views.events.follow {
                    self.views.events.sync(store);
                    self.follow_new_groups();
                    self.say("following the newest event", true);
                } else {
                    self.say("follow off: the selection stays put", true);
                }
            }
            Action::Export => self.export(),
            Action::Copy => {
                if self.views.events.selected_event.is_some() {
                    self.mode = Mode::CopyMenu;
                } else {
                    self.say("no event selected", false);
                }
            }
            Action::CopyAs(format) => self.copy_as(format),
            Action::CopyWrite => {
                if let Mode::Copied(copied) = &mut self.mode {
                    copied.save = Some(SavePrompt {
                        prompt: Prompt::with(copied.file_name.clone()),
                        replace: None,
                    });
                }
            }
            Action::CopySave => self.save_copy(),
            Action::CopySaveCancel => {
                if let Mode::Copied(copied) = &mut self.mode {
                    copied.save = None;
                }
            }
            Action::CopyClose => {
                self.mode = Mode::Normal;
                self.forget(About::CopyPopup);
            }
            Action::Clear => {
                let (sessions, timelines) = self.links.recorder.as_ref().map_or((0, 0), |r| {
                    let counters = r.analysis(|a| a.counters());
                    (counters.sessions, counters.timelines)
                });
                let events = self.stats.stored;
                if events == 0 && sessions == 0 && timelines == 0 {
                    self.say("nothing to clear: no event, session or timeline", true);
                } else {
                    self.mode = Mode::Confirm(Question::Clear {
                        events,
                        sessions,
                        timelines,
                    });
                }
            }
            Action::ClearEvents | Action::ClearAll
                if matches!(self.mode, Mode::Confirm(Question::Clear { .. })) =>
            {
                self.mode = Mode::Normal;
                let analysis = action == Action::ClearAll;
                let n = match &self.links.recorder {
                    Some(recorder) => recorder.clear(analysis),
                    None => {
                        let n = store.len();
                        store.clear();
                        n
                    }
                };
                self.sync(store);
                let events = format!("{n} {}", crate::words::noun(n as u64, "event"));
                let text = match (analysis, self.links.recorder.is_some()) {
                    (true, true) => format!("cleared {events}, the sessions and the timelines"),
                    (false, true) => {
                        format!("cleared {events}; the sessions and timelines stay listed")
                    }
                    (_, false) => format!("cleared {events}"),
                };
                self.say(text, true);
            }
            Action::ClearEvents | Action::ClearAll => {}
            Action::Confirm => match std::mem::replace(&mut self.mode, Mode::Normal) {
                Mode::Confirm(Question::Replay { .. }) => self.ask_replay_target(),
                Mode::Confirm(Question::Resign { .. }) => self.send_edit(true, store),
                _ => {}
            },
            Action::Decline if matches!(self.mode, Mode::Confirm(Question::Resign { .. })) => {
                self.mode = Mode::Normal;
                self.send_edit(false, store);
            }
            Action::Decline => {
                let what = match self.mode {
                    Mode::Confirm(Question::Replay { .. }) => "nothing replayed",
                    _ => "nothing cleared",
                };
                self.mode = Mode::Normal;
                self.replay_keys.clear();
                self.say(what, true);
            }
            Action::Open if self.view != ViewId::EVENTS => self.show_events_of_selection(store),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::Open
            | Action::SwitchPane
            | Action::NextTab
            | Action::PrevTab
            | Action::RevealSecrets
            | Action::Wrap => {
                let body = self.body();
                self.views.get_mut(self.view).update(action, body);
            }
        }
    }

    fn edit_prompt(&mut self, key: Key, store: &Store) {
        let (Mode::Filter(prompt)
        | Mode::Replay(prompt)
        | Mode::Copied(Copied {
            save: Some(SavePrompt { prompt, .. }),
            ..
        })) = &mut self.mode
        else {
            return;
        };
        match (key.code, key.ctrl) {
            (KeyCode::Char('u'), true) => {
                prompt.text.clear();
                prompt.cursor = 0;
            }
            (KeyCode::Char(c), false) => {
                prompt.text.insert(prompt.cursor, c);
                prompt.cursor += c.len_utf8();
            }
            (KeyCode::Backspace, _) => {
                if let Some(c) = prompt.text[..prompt.cursor].chars().next_back() {
                    prompt.cursor -= c.len_utf8();
                    prompt.text.remove(prompt.cursor);
                }
            }
            (KeyCode::Delete, _) => {
                if prompt.cursor < prompt.text.len() {
                    prompt.text.remove(prompt.cursor);
                }
            }
            (KeyCode::Left, _) => {
                if let Some(c) = prompt.text[..prompt.cursor].chars().next_back() {
                    prompt.cursor -= c.len_utf8();
                }
            }
            (KeyCode::Right, _) => {
                if let Some(c) = prompt.text[prompt.cursor..].chars().next() {
                    prompt.cursor += c.len_utf8();
                }
            }
            (KeyCode::Home, _) => prompt.cursor = 0,
            (KeyCode::End, _) => prompt.cursor = prompt.text.len(),
            _ => return,
        }
        if let Mode::Copied(Copied {
            save: Some(save), ..
        }) = &mut self.mode
        {
            // Another name: what was said about the one before no longer holds.
            save.prompt.error = None;
            save.replace = None;
            return;
        }
        let Mode::Filter(prompt) = &mut self.mode else {
            return;
        };
        // Narrow the list as the user types; a query that does not parse (yet) keeps the last
        // one that did, and says why.
        match Filter::parse(&prompt.text) {
            Ok(filter) => {
                prompt.error = None;
                self.views.events.set_filter(filter, store);
                self.forget(About::BadFilter);
            }
            Err(error) => prompt.error = Some(error.to_string()),
        }
    }

    fn mouse(&mut self, mouse: MouseEvent) -> bool {
        if self.mode != Mode::Normal {
            return false;
        }
        let body = self.body();
        self.views.get_mut(self.view).mouse(mouse, body)
    }

    fn export(&mut self) {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let mut path = self.export_dir.join(format!("hookscope-{stamp}.json"));
        let mut n = 2;
        while path.exists() || self.exports.contains(&path) {
            path = self.export_dir.join(format!("hookscope-{stamp}-{n}.json"));
            n += 1;
        }
        self.exports.push(path.clone());
        let keys =
            (!self.views.events.filter.is_empty()).then(|| self.views.events.keys().collect());
        self.say(format!("exporting to {} …", path.display()), true);
        self.commands.push(Command::Export { path, keys });
    }

    /// `b`: pins the selected event, or unpins it.
    fn toggle_pin(&mut self, store: &Store) {
        let (Some(key), Some(id)) = (
            self.views.events.selected,
            self.views.events.selected_event.as_ref().map(|e| e.id),
        ) else {
            self.say("no event selected", false);
            return;
        };
        let (text, ok) = match store.toggle_pin(key) {
            PinChange::Pinned { released: None } => (
                format!("pinned #{id}: it stays however many events arrive"),
                true,
            ),
            PinChange::Pinned {
                released: Some(old),
            } => (
                format!(
                    "pinned #{id}; at most {} pins (--max-pinned): the pin on #{old} is released",
                    store.max_pins()
                ),
                false,
            ),
            PinChange::Unpinned { evicted: false } => (format!("unpinned #{id}"), true),
            PinChange::Unpinned { evicted: true } => (
                format!("unpinned #{id}: only its pin kept it, so it is gone"),
                true,
            ),
            PinChange::Missing => (format!("#{id} is no longer stored"), false),
            PinChange::Disabled => (
                "pins are off (--max-pinned 0, or a buffer of one event)".to_owned(),
                false,
            ),
        };
        self.views.events.rescan(store);
        self.sync(store);
        self.say(text, ok);
    }

    fn copy_as(&mut self, format: CopyFormat) {
        self.mode = Mode::Normal;
        let Some(event) = &self.views.events.selected_event else {
            self.say("no event selected", false);
            return;
        };
        let base = match &self.source {
            Source::Live { addr, .. } => format!("http://{addr}"),
            Source::File { .. } => event
                .headers
                .get_str("host")
                .filter(|h| !h.is_empty() && !h.contains(['/', '\'', ' ']))
                .map_or_else(
                    || "http://127.0.0.1:8765".to_owned(),
                    |h| format!("http://{h}"),
                ),
        };
        let id = event.id;
        let file_name = copy::file_name(id, format, event.analysis.body_kind == BodyKind::Json);
        let copied = match copy::format(event, format, &base, self.views.events.reveal_secrets) {
            Ok(copied) => copied,
            Err(why) => {
                self.say(
                    format!("#{id} not copied: {why}; a curl command carries any bytes"),
                    false,
                );
                return;
            }
        };
        // Terminals cap what OSC 52 may carry (some near 100 kB, tmux somewhat more) and drop a
        // larger copy without a word: the sender of it is told that it may not have arrived.
        let what = match format {
            CopyFormat::Body => format!("the body of #{id}"),
            _ => format!("#{id} as {}", format.name()),
        };
        let size = copied.text.len();
        let mut text = format!("copied {what} (OSC 52)");
        if size > OSC52_SAFE_BYTES {
            text = format!(
                "copied {what} (OSC 52, {}: terminals may drop a copy this large; w writes it)",
                crate::words::format_size(size as u64)
            );
        }
        if copied.masked {
            text.push_str(", userToken masked: u shows it");
        }
        self.commands.push(Command::Copy(copied.text.clone()));
        self.mode = Mode::Copied(Copied {
            id,
            format,
            text: copied.text,
            file_name,
            save: None,
        });
        // All of it speaks of the popup (`u`, `w`): it goes when the popup does.
        self.say_about(text, true, About::CopyPopup);
    }

    /// Enter in the file name prompt: the copied text goes to that file (relative to the
    /// current directory), unless it exists and the user has not been asked yet.
    fn save_copy(&mut self) {
        let dir = self.export_dir.clone();
        let Mode::Copied(Copied {
            text,
            save: Some(save),
            ..
        }) = &mut self.mode
        else {
            return;
        };
        let name = save.prompt.text.trim();
        if name.is_empty() {
            save.prompt.error = Some("a file name, please".to_owned());
            return;
        }
        let path = dir.join(name);
        let exists = std::fs::symlink_metadata(&path).is_ok();
        if path.is_dir() {
            save.prompt.error = Some(format!("{name} is a directory: add a file name"));
            return;
        }
        if exists && save.replace.as_ref() != Some(&path) {
            save.prompt.error = Some(format!("{name} exists: ⏎ again replaces it"));
            save.replace = Some(path);
            return;
        }
        let text = text.clone();
        if let Mode::Copied(copied) = &mut self.mode {
            copied.save = None;
        }
        self.commands.push(Command::WriteCopy {
            path,
            text,
            replace: exists,
        });
    }
}

impl App {
    /// `d`: the marked event against the selected one; with no mark (or the mark selected), a
    /// conflict or a redelivery against the event it collides with.
    fn open_diff(&mut self, store: &Store) {
        let Some(selected) = self.views.events.selected else {
            self.say("no event selected", false);
            return;
        };
        let Some(right) = store.get(selected) else {
            self.say("the selected event is no longer held", false);
            return;
        };
        let reveal = self.views.events.reveal_secrets;
        if let Some((mark, id)) = self.views.events.mark
            && mark != selected
        {
            let Some(left) = store.get(mark) else {
                self.views.events.mark = None;
                self.say(format!("the marked event #{id} is no longer held"), false);
                return;
            };
            let why = format!(
                "the marked event #{} (left) against the selected #{} (right)",
                left.id, right.id
            );
            self.mode = Mode::Diff(DiffView::new(&left, &right, &why, reveal));
            self.forget(About::Mark);
            return;
        }
        // A copy hookscope re-sent: against the event it was re-sent from.
        if let Some(from) = right.resent_from() {
            let Some((_, left)) = original_of(store, self.live(), selected, from.get()) else {
                self.say(
                    format!(
                        "#{from}, which #{} was resent from, is no longer held",
                        right.id
                    ),
                    false,
                );
                return;
            };
            let why = resent_why(&left, &right);
            self.mode = Mode::Diff(DiffView::new(&left, &right, &why, reveal));
            self.forget(About::Mark);
            return;
        }
        let Some(partner) = Partner::of(&right) else {
            // The earlier side: the nearest later event that repeats it, or a copy of it.
            if let Some((later, why)) = nearest_repeat_after(store, selected, &right) {
                self.mode = Mode::Diff(DiffView::new(&right, &later, &why, reveal));
                self.forget(About::Mark);
                return;
            }
            let text = if self.views.events.mark.is_some() {
                "this is the marked event: select another to compare with it"
            } else {
                "mark an event with = (or Space), select another, then d compares them"
            };
            self.say(text, false);
            return;
        };
        // The partner came earlier: the nearest earlier event that is it.
        let Some((_, left)) = nearest_before(store, selected, |event| partner.is(event)) else {
            let text = match partner {
                Partner::Sequence { seq, .. } => {
                    format!("the event that first came with sequence {seq} is no longer held")
                }
                Partner::Delivery { id } => format!("the earlier delivery #{id} is no longer held"),
            };
            self.say(text, false);
            return;
        };
        let why = partner_why(&partner, &left, &right);
        self.mode = Mode::Diff(DiffView::new(&left, &right, &why, reveal));
        self.forget(About::Mark);
    }

    /// `o`: from a copy hookscope re-sent to the event it was re-sent from, and from an event
    /// to its newest copy.
    fn jump_linked(&mut self, store: &Store) {
        let (Some(key), Some(event)) = (
            self.views.events.selected,
            self.views.events.selected_event.clone(),
        ) else {
            self.say("no event selected", false);
            return;
        };
        let id = event.id;
        let (target, text) = if let Some(from) = event.resent_from() {
            match original_of(store, self.live(), key, from.get()) {
                Some((target, _)) => (target, format!("#{from}, which #{id} was resent from")),
                None => {
                    self.say(
                        format!("#{from}, which #{id} was resent from, is no longer held"),
                        false,
                    );
                    return;
                }
            }
        } else if let Some(copy) = store.resends_of(id, key, 1).newest.pop() {
            let copies = store.resends_of(id, key, 0).count;
            let which = if copies == 1 {
                "the copy"
            } else {
                "the newest copy"
            };
            (
                copy.key,
                format!("#{}, {which} of #{id} hookscope resent", copy.id),
            )
        } else {
            self.say(
                format!("#{id} was not resent, nor resent from another"),
                false,
            );
            return;
        };
        if self.views.events.select_key(target) {
            self.say(text, true);
        } else {
            self.say(
                format!("{text}, is hidden by the filter: Esc clears it"),
                false,
            );
        }
    }

    fn scroll_diff(&mut self, action: Action) {
        let size = self.size;
        let Mode::Diff(view) = &mut self.mode else {
            return;
        };
        let page = view.page(size);
        let end = view.max_scroll(size);
        view.scroll = match action {
            Action::Up => view.scroll.saturating_sub(1),
            Action::Down => view.scroll + 1,
            Action::PageUp => view.scroll.saturating_sub(page),
            Action::PageDown => view.scroll + page,
            Action::Top => 0,
            _ => end,
        }
        .min(end);
    }

    /// Enter on a session or a timeline: the Events view, filtered to its events.
    fn show_events_of_selection(&mut self, store: &Store) {
        let Some(text) = self.views.get(self.view).events_filter() else {
            self.say("nothing selected", false);
            return;
        };
        match Filter::parse(&text) {
            Ok(filter) => {
                self.views.events.set_filter(filter, store);
                self.view = ViewId::EVENTS;
                let shown = self.views.events.len();
                let noun = if shown == 1 { "event" } else { "events" };
                self.say(format!("{shown} {noun}; Esc clears the filter"), true);
            }
            Err(error) => self.say(format!("cannot filter on this id: {error}"), false),
        }
    }

    fn cycle_answer(&mut self) {
        let Some(policy) = self.links.policy.clone() else {
            self.say("no listener: a file opened offline answers no one", false);
            return;
        };
        let mode = policy.cycle_mode();
        self.sync_answer();
        let describe = policy.describe();
        let text = match mode {
            AnswerMode::Configured => format!("back to the configured answer: {describe}"),
            AnswerMode::Status500 => "senders now get 500 Internal Server Error".to_owned(),
            AnswerMode::Status503 => {
                "senders now get 503 Service Unavailable: watch their retries".to_owned()
            }
            AnswerMode::Status429 => "senders now get 429 Too Many Requests".to_owned(),
            AnswerMode::Slow => format!("senders now wait: {describe}"),
            AnswerMode::Local => format!(
                "forwarding off: senders get {} from hookscope",
                policy.settings().status
            ),
        };
        self.say(text, true);
    }

    /// `r`: the selected event, or every filtered one after a question.
    fn replay(&mut self) {
        let keys: Vec<u64> = if self.views.events.filter.is_empty() {
            self.views.events.selected.into_iter().collect()
        } else {
            self.views.events.keys().collect()
        };
        match keys.len() {
            0 => self.say("no event to replay", false),
            1 => {
                self.replay_keys = keys;
                self.ask_replay_target();
            }
            count => {
                self.replay_keys = keys;
                self.mode = Mode::Confirm(Question::Replay { count });
            }
        }
    }

    /// Where replays go unless the user types otherwise: the forward target, else the
    /// listener itself.
    pub fn default_replay_target(&self) -> String {
        if let Some(target) = self
            .links
            .policy
            .as_ref()
            .and_then(|p| p.settings().forward.as_ref())
        {
            return target.to_string();
        }
        match &self.source {
            Source::Live { addr, .. } => format!("http://{addr}"),
            Source::File { .. } => "http://127.0.0.1:8765".to_owned(),
        }
    }

    fn ask_replay_target(&mut self) {
        self.mode = Mode::Replay(Prompt::with(self.default_replay_target()));
    }

    fn replay_send(&mut self, store: &Store) {
        let Mode::Replay(prompt) = &mut self.mode else {
            return;
        };
        let target = prompt.text.trim().to_owned();
        if !target.starts_with("http://") || target.len() <= "http://".len() {
            prompt.error = Some("an http:// URL, please".to_owned());
            return;
        }
        self.mode = Mode::Normal;
        if let Some(edit) = &mut self.edit {
            edit.target = Some(target);
            let scheme = edit
                .scheme
                .or_else(|| edit.message.as_ref().and_then(crate::replay::scheme_of));
            match scheme {
                Some(scheme) if !self.secrets.for_scheme(scheme).is_empty() => {
                    self.status = None;
                    self.mode = Mode::Confirm(Question::Resign { scheme });
                }
                _ => self.send_edit(false, store),
            }
            return;
        }
        let keys = std::mem::take(&mut self.replay_keys);
        let n = keys.len();
        // Named by its id, which is what the list shows (a key is the store's own).
        let what = match keys.as_slice() {
            [key] => store
                .get(*key)
                .map_or_else(|| "1 event".to_owned(), |event| format!("#{}", event.id)),
            _ => format!("{n} events"),
        };
        self.say(format!("replaying {what} to {target} …"), true);
        self.commands.push(Command::Replay { target, keys });
    }
}

impl App {
    /// The id of the event an edit (`E`) started from, while one is under way.
    pub fn editing(&self) -> Option<u64> {
        self.edit.as_ref().map(|edit| edit.from)
    }

    /// `E`: the selected event as HTTP text, handed to the user's editor.
    fn edit_resend(&mut self) {
        let Some(event) = &self.views.events.selected_event else {
            self.say("no event selected", false);
            return;
        };
        let id = event.id;
        match HttpMessage::from_event(event) {
            Ok(message) => {
                self.edit = Some(Edit {
                    from: id,
                    scheme: event.analysis.signature.scheme,
                    message: None,
                    target: None,
                    given_body: message.body.clone(),
                    arrived_body: event.body.clone(),
                });
                self.commands.push(Command::Edit {
                    id,
                    text: message.write(),
                });
                self.say_about(format!("editing #{id} …"), true, About::Editor);
            }
            Err(why) => self.say(format!("cannot edit {why}"), false),
        }
    }

    /// The editor closed: an unchanged or emptied file ends the edit, a saved one goes on to
    /// the target prompt (the one `r` asks with).
    fn edited(&mut self, outcome: EditOutcome) {
        let Some(edit) = &mut self.edit else {
            return;
        };
        let id = edit.from;
        let text = match outcome {
            EditOutcome::Unchanged => {
                self.edit = None;
                self.say(format!("#{id} unchanged: nothing sent"), true);
                return;
            }
            EditOutcome::Empty => {
                self.edit = None;
                self.say(format!("#{id} emptied: nothing sent"), true);
                return;
            }
            EditOutcome::Failed(why) => {
                self.edit = None;
                self.say(why, false);
                return;
            }
            EditOutcome::Saved(text) => text,
        };
        match HttpMessage::parse(&text) {
            Ok(mut message) => {
                if message.body == edit.given_body {
                    message.body = edit.arrived_body.to_vec();
                }
                edit.message = Some(message);
                // The editor is closed: what the bottom line said of it is over (the prompt
                // says what comes next).
                self.status = None;
                self.ask_replay_target();
                // The editor has closed; the prompt says what is sent.
                self.forget(About::Editor);
            }
            Err(error) => {
                self.edit = None;
                self.say(
                    format!(
                        "edited #{id} not sent: {}",
                        crate::sanitize::escape(&error.to_string())
                    ),
                    false,
                );
            }
        }
    }

    /// Sends the edited request to the target chosen, signed afresh when `resign`.
    fn send_edit(&mut self, resign: bool, store: &Store) {
        let Some(Edit {
            from,
            scheme,
            message: Some(message),
            target: Some(target),
            ..
        }) = self.edit.take()
        else {
            return;
        };
        let scheme = scheme.or_else(|| crate::replay::scheme_of(&message));
        let secret = scheme
            .filter(|_| resign)
            .and_then(|scheme| Some((scheme, self.secrets.for_scheme(scheme).first()?)));
        let delivery = crate::replay::edited_delivery(
            &message,
            crate::replay::Resend {
                from: Some(from),
                edited: true,
                resign: secret.map(|(scheme, secret)| (scheme, secret.expose())),
            },
            self.now(),
        );
        let how = match secret {
            Some((scheme, _)) => format!(", signed afresh ({})", scheme.as_str()),
            None => String::new(),
        };
        self.say(format!("sending edited #{from} to {target}{how} …"), true);
        let after = store.key_range().map_or(0, |(_, newest)| newest);
        self.commands.push(Command::Resend {
            from,
            after,
            target,
            delivery,
        });
    }
}

/// The event with id `id` that a copy with the key `copy` was re-sent from: the nearest earlier
/// event with that id (ids from a file are data and may repeat); in a live store (`live`) an
/// event's key is its id, so it is found at once.
fn original_of(store: &Store, live: bool, copy: u64, id: u64) -> Option<(u64, Arc<CapturedEvent>)> {
    if live
        && id < copy
        && let Some(event) = store.get(id).filter(|event| event.id == id)
    {
        return Some((id, event));
    }
    nearest_before(store, copy, |event| event.id == id)
}

/// The nearest event before the key `before` that `is` accepts, with its key.
fn nearest_before(
    store: &Store,
    before: u64,
    is: impl Fn(&CapturedEvent) -> bool,
) -> Option<(u64, Arc<CapturedEvent>)> {
    let front = store.key_range().map_or(before, |(front, _)| front);
    (front..before)
        .rev()
        .filter_map(|key| Some((key, store.get(key)?)))
        .find(|(_, event)| is(event))
}

/// The nearest event after `event` (with the key `key`) that repeats it: a redelivery of its
/// body or a conflict with its sequence number (whose partner it is), or a copy hookscope
/// re-sent of it (found in the store's index); with the sentence the comparison opens with.
fn nearest_repeat_after(
    store: &Store,
    key: u64,
    event: &CapturedEvent,
) -> Option<(Arc<CapturedEvent>, String)> {
    let copy = store.next_resend_of(event.id, key);
    // Read in batches up to the copy, if any: a later repeat only counts when nearer.
    let limit = copy.unwrap_or(u64::MAX);
    let mut found = None;
    let mut from = key.saturating_add(1);
    while found.is_none() && from < limit {
        let last = store.read_from(from, SCAN_BATCH, |first, run| {
            if found.is_some() {
                return;
            }
            found = (first..)
                .zip(run)
                .take_while(|(key, _)| *key < limit)
                .find_map(|(_, later)| {
                    let partner = Partner::of(later).filter(|p| p.is(event))?;
                    Some((Arc::clone(later), partner))
                });
        });
        match last {
            Some(last) => from = last.saturating_add(1),
            None => break,
        }
    }
    if let Some((later, partner)) = found {
        let why = partner_why(&partner, event, &later);
        return Some((later, why));
    }
    let later = store.get(copy?)?;
    let why = resent_why(event, &later);
    Some((later, why))
}

/// Why a conflict or a redelivery (`right`) is compared with its partner (`left`).
fn partner_why(partner: &Partner, left: &CapturedEvent, right: &CapturedEvent) -> String {
    match partner {
        Partner::Sequence { seq, .. } => format!(
            "conflict: #{} came with sequence {seq} of its session, first taken by #{}",
            right.id, left.id
        ),
        Partner::Delivery { .. } => format!(
            "redelivery: #{} delivers again the body of #{}",
            right.id, left.id
        ),
    }
}

/// Why a copy hookscope re-sent (`copy`) is compared with its original.
fn resent_why(original: &CapturedEvent, copy: &CapturedEvent) -> String {
    let edited = if copy.edited() { ", edited" } else { "" };
    format!(
        "resent: #{} is hookscope's copy of #{}{edited}",
        copy.id, original.id
    )
}
