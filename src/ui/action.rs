//! The words the interface speaks in, shared by the key map, the app state and every view:
//! what the user asks for (`Action`), where a key applies (`Context`), which view is meant
//! (`ViewId`), and how a key binding is written down (`Key`, `Binding`). It imports nothing of
//! the interface, so every other part may use it.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What the user asked for. `App::update` is the only place that acts on these (a view's own
/// actions it hands to the view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    ShowView(ViewId),
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
    /// `c`: choose a format to copy the selected event in.
    Copy,
    /// In the copy menu: copy in this format (and show the text).
    CopyAs(CopyFormat),
    /// In the copied text: ask for a file name to write it to.
    CopyWrite,
    /// In the file name prompt: write the copied text to that file.
    CopySave,
    /// In the file name prompt: write nothing, back to the copied text.
    CopySaveCancel,
    /// Close the copy menu or the copied text.
    CopyClose,
    /// `z`: ask what to clear.
    Clear,
    /// Clear the stored events only; the sessions and timelines stay listed.
    ClearEvents,
    /// Clear the stored events and the analysis (sessions, timelines, redeliveries).
    ClearAll,
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
    /// Pin the selected event (or unpin it).
    Pin,
    /// In the replay prompt: send to the URL typed.
    ReplaySend,
    /// In the replay prompt: send nothing.
    ReplayCancel,
    /// Mark the selected event to compare another with (again: unmark it).
    Mark,
    /// Compare the marked event with the selected one, or a conflict or a redelivery with the
    /// event it collides with.
    Diff,
    /// Close the comparison.
    CloseDiff,
    /// Open the selected event in the user's editor as HTTP text, to send it again edited.
    EditResend,
    /// Select the event a copy was re-sent from, or the newest copy re-sent of the event.
    Linked,
}

/// What `c` copies an event as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    Curl,
    Httpie,
    /// The request as a plain HTTP message.
    Http,
    /// The body alone.
    Body,
}

impl CopyFormat {
    pub const ALL: [CopyFormat; 4] = [
        CopyFormat::Curl,
        CopyFormat::Httpie,
        CopyFormat::Http,
        CopyFormat::Body,
    ];

    /// How the format is named in messages: "copied #3 as …".
    pub fn name(self) -> &'static str {
        match self {
            CopyFormat::Curl => "a curl command",
            CopyFormat::Httpie => "an HTTPie command",
            CopyFormat::Http => "an HTTP message",
            CopyFormat::Body => "its body",
        }
    }

    /// The extension of the file the copy is written to (a JSON body's is `json`).
    pub fn extension(self) -> &'static str {
        match self {
            CopyFormat::Curl => "curl.sh",
            CopyFormat::Httpie => "httpie.sh",
            CopyFormat::Http => "http",
            CopyFormat::Body => "txt",
        }
    }
}

/// One of the views the tab bar switches between: its place in tab order. The views name
/// their own (`ViewId::EVENTS`, …) where they are listed, in `view`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewId(u8);

impl ViewId {
    /// The view at `index` in tab order; `view` names each view it lists this way.
    pub(crate) const fn at(index: u8) -> ViewId {
        ViewId(index)
    }

    /// Its place in tab order, from 0.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The digit that switches to the view.
    pub fn number(self) -> u8 {
        self.0 + 1
    }
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Every view, when no prompt or overlay is open.
    Global,
    /// A part of a view (its list, its detail), named by the heading of its keys in the help;
    /// the heading tells parts apart, so no two parts share one.
    View(&'static str),
    /// The filter prompt (other keys edit the text).
    FilterPrompt,
    /// The prompt for the URL to replay to (other keys edit the text).
    ReplayPrompt,
    /// A yes/no question.
    Confirm,
    /// The question `z` asks: what to clear.
    Clear,
    /// The help overlay.
    Help,
    /// The comparison of two events.
    Diff,
    /// The menu of formats `c` opens.
    CopyMenu,
    /// The copied text, shown.
    CopyText,
    /// The prompt for the file the copied text is written to (other keys edit the name).
    SavePrompt,
}

impl Context {
    /// The heading of the context's section in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::View(title) => title,
            Context::FilterPrompt => "Filter prompt",
            Context::ReplayPrompt => "Replay prompt",
            Context::Confirm => "Questions",
            Context::Clear => "Clearing",
            Context::Help => "This help",
            Context::Diff => "Comparison",
            Context::CopyMenu => "Copy as",
            Context::CopyText => "Copied text",
            Context::SavePrompt => "File name prompt",
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

pub const fn bind(
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

/// The keys that move through lists and text alike.
pub mod keys {
    use super::Key;
    use ratatui::crossterm::event::KeyCode;

    pub const UP: &[Key] = &[Key::plain(KeyCode::Up), Key::char('k')];
    pub const DOWN: &[Key] = &[Key::plain(KeyCode::Down), Key::char('j')];
    pub const PAGE_UP: &[Key] = &[Key::plain(KeyCode::PageUp), Key::ctrl('b')];
    pub const PAGE_DOWN: &[Key] = &[Key::plain(KeyCode::PageDown), Key::ctrl('f')];
    pub const TOP: &[Key] = &[Key::char('g'), Key::plain(KeyCode::Home)];
    pub const BOTTOM: &[Key] = &[Key::char('G'), Key::plain(KeyCode::End)];
    pub const TAB: &[Key] = &[Key::plain(KeyCode::Tab), Key::plain(KeyCode::BackTab)];
    pub const ESC: &[Key] = &[Key::plain(KeyCode::Esc)];
    pub const ENTER: &[Key] = &[Key::plain(KeyCode::Enter)];
}
