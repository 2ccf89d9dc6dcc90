//! Keys are data: one table maps keys to actions in each context. The help overlay and the hints
//! on the bottom line are generated from it, so they can never disagree with what a key does.
//!
//! A view adds its keys as bindings with its own `Context` values; `Context::Global` bindings
//! work in every view.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::ui::view::View;

/// What the user asked for. `App::update` is the only place that acts on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    ShowView(View),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Enter: open the detail of the selected event.
    Open,
    /// Tab: move the focus between the list and the detail.
    SwitchPane,
    /// Esc: close what is open (detail, then an active filter).
    Back,
    NextTab,
    PrevTab,
    Filter,
    Follow,
    Export,
    CopyCurl,
    Clear,
    RevealSecrets,
    /// Wrap long lines of the detail instead of cutting them.
    Wrap,
    /// In the filter prompt: keep the filter and leave the prompt.
    FilterKeep,
    /// In the filter prompt: drop the filter and leave the prompt.
    FilterCancel,
    Confirm,
    Decline,
    CloseHelp,
    /// Cycle what the listener answers.
    CycleAnswer,
    /// Replay the selected (or the filtered) events to a URL.
    Replay,
    /// In the replay prompt: send to the URL typed.
    ReplaySend,
    /// In the replay prompt: send nothing.
    ReplayCancel,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Every view, when no prompt or overlay is open.
    Global,
    /// The Events view with the list focused.
    EventsList,
    /// The Events view with the detail focused.
    EventsDetail,
    /// The Sessions view.
    Sessions,
    /// The Timelines view.
    Timelines,
    /// The filter prompt (other keys edit the text).
    FilterPrompt,
    /// The prompt for the URL to replay to (other keys edit the text).
    ReplayPrompt,
    /// A yes/no question.
    Confirm,
    /// The help overlay.
    Help,
}

impl Context {
    /// The heading of the context's section in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::EventsList => "Event list",
            Context::EventsDetail => "Event detail",
            Context::Sessions => "Sessions",
            Context::Timelines => "Timelines",
            Context::FilterPrompt => "Filter prompt",
            Context::ReplayPrompt => "Replay prompt",
            Context::Confirm => "Questions",
            Context::Help => "This help",
        }
    }
}

/// A key with the modifiers that matter (Ctrl); Shift is part of the character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key { code, ctrl: false }
    }

    pub const fn char(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }

    /// The key of a terminal key event, if it is a press (not a release or repeat report).
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        // Letters arrive already upper-cased with Shift, and Shift+Tab as BackTab.
        Some(Key {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        })
    }

    /// How the key is written in help and hints.
    pub fn label(&self) -> String {
        let name = match self.code {
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Left => "←".to_owned(),
            KeyCode::Right => "→".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            KeyCode::Enter => "⏎".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "⇧Tab".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Backspace => "⌫".to_owned(),
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{}", name.to_uppercase())
        } else {
            name
        }
    }
}

/// One line of the key map.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub action: Action,
    /// What the key does, for the help overlay.
    pub help: &'static str,
    /// A word or two for the bottom line, for the few keys that matter most.
    pub hint: Option<&'static str>,
}

const fn bind(
    context: Context,
    keys: &'static [Key],
    action: Action,
    help: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        help,
        hint,
    }
}

use Context::{EventsDetail, EventsList, FilterPrompt, Global, ReplayPrompt, Sessions, Timelines};

const UP: &[Key] = &[Key::plain(KeyCode::Up), Key::char('k')];
const DOWN: &[Key] = &[Key::plain(KeyCode::Down), Key::char('j')];
const PAGE_UP: &[Key] = &[Key::plain(KeyCode::PageUp), Key::ctrl('b')];
const PAGE_DOWN: &[Key] = &[Key::plain(KeyCode::PageDown), Key::ctrl('f')];
const TOP: &[Key] = &[Key::char('g'), Key::plain(KeyCode::Home)];
const BOTTOM: &[Key] = &[Key::char('G'), Key::plain(KeyCode::End)];
const TAB: &[Key] = &[Key::plain(KeyCode::Tab), Key::plain(KeyCode::BackTab)];
const ESC: &[Key] = &[Key::plain(KeyCode::Esc)];
const ENTER: &[Key] = &[Key::plain(KeyCode::Enter)];

/// Every binding. Order matters twice: the first match wins, and hints appear in this order.
pub const KEYMAP: &[Binding] = &[
    // The event list.
    bind(
        EventsList,
        UP,
        Action::Up,
        "select the previous event",
        None,
    ),
    bind(
        EventsList,
        DOWN,
        Action::Down,
        "select the next event",
        Some("move"),
    ),
    bind(EventsList, PAGE_UP, Action::PageUp, "one page up", None),
    bind(
        EventsList,
        PAGE_DOWN,
        Action::PageDown,
        "one page down",
        None,
    ),
    bind(EventsList, TOP, Action::Top, "the oldest event", None),
    bind(EventsList, BOTTOM, Action::Bottom, "the newest event", None),
    bind(
        EventsList,
        ENTER,
        Action::Open,
        "open the detail of the event",
        Some("detail"),
    ),
    bind(
        EventsList,
        TAB,
        Action::SwitchPane,
        "focus the detail (when open)",
        None,
    ),
    bind(
        EventsList,
        ESC,
        Action::Back,
        "close the detail, then clear the filter",
        None,
    ),
    bind(
        EventsList,
        &[Key::char('r')],
        Action::Replay,
        "replay the event (or every filtered event) to a URL",
        Some("replay"),
    ),
    // The detail pane.
    bind(EventsDetail, UP, Action::Up, "scroll up", None),
    bind(
        EventsDetail,
        DOWN,
        Action::Down,
        "scroll down",
        Some("scroll"),
    ),
    bind(EventsDetail, PAGE_UP, Action::PageUp, "one page up", None),
    bind(
        EventsDetail,
        PAGE_DOWN,
        Action::PageDown,
        "one page down",
        None,
    ),
    bind(EventsDetail, TOP, Action::Top, "the top", None),
    bind(EventsDetail, BOTTOM, Action::Bottom, "the bottom", None),
    bind(
        EventsDetail,
        &[Key::plain(KeyCode::Right), Key::char('l')],
        Action::NextTab,
        "next tab: Body, Headers, Raw, Analysis",
        Some("tab"),
    ),
    bind(
        EventsDetail,
        &[Key::plain(KeyCode::Left), Key::char('h')],
        Action::PrevTab,
        "previous tab",
        None,
    ),
    bind(
        EventsDetail,
        TAB,
        Action::SwitchPane,
        "focus the list",
        Some("list"),
    ),
    bind(
        EventsDetail,
        ESC,
        Action::Back,
        "close the detail",
        Some("back"),
    ),
    bind(
        EventsDetail,
        &[Key::char('w')],
        Action::Wrap,
        "wrap long lines (or cut them with …)",
        Some("wrap"),
    ),
    bind(
        EventsDetail,
        &[Key::char('u')],
        Action::RevealSecrets,
        "show or hide userToken values",
        Some("tokens"),
    ),
    bind(
        EventsDetail,
        &[Key::char('r')],
        Action::Replay,
        "replay the event (or every filtered event) to a URL",
        Some("replay"),
    ),
    // The Sessions view.
    bind(
        Sessions,
        UP,
        Action::Up,
        "select the previous session",
        None,
    ),
    bind(
        Sessions,
        DOWN,
        Action::Down,
        "select the next session",
        Some("move"),
    ),
    bind(Sessions, PAGE_UP, Action::PageUp, "one page up", None),
    bind(Sessions, PAGE_DOWN, Action::PageDown, "one page down", None),
    bind(
        Sessions,
        TOP,
        Action::Top,
        "the most recently seen session",
        None,
    ),
    bind(
        Sessions,
        BOTTOM,
        Action::Bottom,
        "the least recently seen session",
        None,
    ),
    bind(
        Sessions,
        ENTER,
        Action::Open,
        "the session's events (Events view, filtered)",
        Some("events"),
    ),
    // The Timelines view.
    bind(
        Timelines,
        UP,
        Action::Up,
        "select the previous scan or video",
        None,
    ),
    bind(
        Timelines,
        DOWN,
        Action::Down,
        "select the next scan or video",
        Some("move"),
    ),
    bind(Timelines, PAGE_UP, Action::PageUp, "one page up", None),
    bind(
        Timelines,
        PAGE_DOWN,
        Action::PageDown,
        "one page down",
        None,
    ),
    bind(Timelines, TOP, Action::Top, "the most recently seen", None),
    bind(
        Timelines,
        BOTTOM,
        Action::Bottom,
        "the least recently seen",
        None,
    ),
    bind(
        Timelines,
        ENTER,
        Action::Open,
        "its events (Events view, filtered)",
        Some("events"),
    ),
    // Every view.
    bind(
        Global,
        &[Key::char('m')],
        Action::CycleAnswer,
        "cycle the answer: configured, 500, 503, 429, slow, local",
        Some("answer"),
    ),
    bind(
        Global,
        &[Key::char('/')],
        Action::Filter,
        "filter the events",
        Some("filter"),
    ),
    bind(
        Global,
        &[Key::char('f')],
        Action::Follow,
        "follow the newest event",
        Some("follow"),
    ),
    bind(
        Global,
        &[Key::char('e')],
        Action::Export,
        "export the (filtered) events to a JSON file here",
        Some("export"),
    ),
    bind(
        Global,
        &[Key::char('c')],
        Action::CopyCurl,
        "copy the event as a curl command (OSC 52)",
        Some("curl"),
    ),
    bind(
        Global,
        &[Key::char('z')],
        Action::Clear,
        "clear the buffer (asks first)",
        None,
    ),
    bind(
        Global,
        &[Key::char('1')],
        Action::ShowView(View::Events),
        "the Events view",
        None,
    ),
    bind(
        Global,
        &[Key::char('2')],
        Action::ShowView(View::Sessions),
        "the Sessions view (WMS)",
        None,
    ),
    bind(
        Global,
        &[Key::char('3')],
        Action::ShowView(View::Timelines),
        "the Timelines view (scans, videos)",
        None,
    ),
    bind(
        Global,
        &[Key::char('?')],
        Action::Help,
        "this help",
        Some("help"),
    ),
    bind(
        Global,
        &[Key::char('q'), Key::ctrl('c')],
        Action::Quit,
        "quit",
        Some("quit"),
    ),
    // The filter prompt.
    bind(
        FilterPrompt,
        ENTER,
        Action::FilterKeep,
        "keep the filter",
        Some("keep"),
    ),
    bind(
        FilterPrompt,
        ESC,
        Action::FilterCancel,
        "clear the filter",
        Some("clear"),
    ),
    // The replay prompt.
    bind(
        ReplayPrompt,
        ENTER,
        Action::ReplaySend,
        "send to this URL",
        Some("send"),
    ),
    bind(
        ReplayPrompt,
        ESC,
        Action::ReplayCancel,
        "send nothing",
        Some("cancel"),
    ),
    // Questions.
    bind(
        Context::Confirm,
        &[Key::char('y'), Key::char('Y')],
        Action::Confirm,
        "yes",
        Some("yes"),
    ),
    bind(
        Context::Confirm,
        &[Key::char('n'), Key::char('N'), Key::plain(KeyCode::Esc)],
        Action::Decline,
        "no",
        Some("no"),
    ),
    // Help.
    bind(Context::Help, UP, Action::Up, "scroll up", None),
    bind(
        Context::Help,
        DOWN,
        Action::Down,
        "scroll down",
        Some("scroll"),
    ),
    bind(Context::Help, PAGE_UP, Action::PageUp, "one page up", None),
    bind(
        Context::Help,
        PAGE_DOWN,
        Action::PageDown,
        "one page down",
        None,
    ),
    bind(
        Context::Help,
        &[Key::char('?'), Key::plain(KeyCode::Esc), Key::char('q')],
        Action::CloseHelp,
        "close the help",
        Some("close"),
    ),
];

/// The action bound to `key` in the first of `contexts` that binds it.
pub fn lookup(contexts: &[Context], key: Key) -> Option<Action> {
    contexts.iter().find_map(|context| {
        KEYMAP
            .iter()
            .find(|b| b.context == *context && b.keys.contains(&key))
            .map(|b| b.action)
    })
}

/// The bindings of `contexts`, in the order given, then table order.
pub fn bindings(contexts: &[Context]) -> impl Iterator<Item = &'static Binding> + '_ {
    contexts
        .iter()
        .flat_map(|context| KEYMAP.iter().filter(move |b| b.context == *context))
}

/// The keys of a binding as written in help (`↑ k`).
pub fn keys_label(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(Key::label)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Keys bound twice among contexts that are active together (a mistake in the table).
pub fn conflicts() -> Vec<String> {
    let together: [&[Context]; 7] = [
        &[EventsList, Global],
        &[EventsDetail, Global],
        &[Sessions, Global],
        &[Timelines, Global],
        &[FilterPrompt],
        &[ReplayPrompt],
        &[Context::Confirm],
    ];
    let mut problems = Vec::new();
    for contexts in together.iter().chain([&[Context::Help][..]].iter()) {
        let mut seen: Vec<Key> = Vec::new();
        for binding in bindings(contexts) {
            for key in binding.keys {
                if seen.contains(key) {
                    problems.push(format!("{} is bound twice in {contexts:?}", key.label()));
                }
                seen.push(*key);
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        assert_eq!(conflicts(), Vec::<String>::new());
    }

    #[test]
    fn lookup_prefers_the_first_context() {
        assert_eq!(
            lookup(&[EventsList, Global], Key::char('j')),
            Some(Action::Down)
        );
        assert_eq!(
            lookup(&[EventsList, Global], Key::char('q')),
            Some(Action::Quit)
        );
        assert_eq!(
            lookup(&[EventsList, Global], Key::ctrl('c')),
            Some(Action::Quit)
        );
        assert_eq!(
            lookup(&[Context::Help], Key::char('q')),
            Some(Action::CloseHelp)
        );
        assert_eq!(lookup(&[EventsList, Global], Key::char('x')), None);
    }

    #[test]
    fn every_action_of_a_context_has_help_text() {
        for binding in KEYMAP {
            assert!(!binding.help.is_empty());
            assert!(!binding.keys.is_empty());
        }
        assert_eq!(keys_label(&KEYMAP[0]), "↑ k");
        assert_eq!(Key::ctrl('c').label(), "Ctrl-C");
    }
}
