//! Keys are data: one map from keys to actions in each context. The help overlay and the
//! hints on the bottom line are generated from it, so they can never disagree with what a key
//! does.
//!
//! The map is put together once: each view's own bindings (from its `Spec`), the keys that
//! work everywhere with one digit per view among them, then the prompts, questions and help.

use std::sync::OnceLock;

use crate::ui::action::keys::{BOTTOM, DOWN, ENTER, ESC, PAGE_DOWN, PAGE_UP, TOP, UP};
use crate::ui::action::{Action, Binding, Context, CopyFormat, Key, ViewId, bind};
use crate::ui::view;

use ratatui::crossterm::event::KeyCode;

use Context::{FilterPrompt, Global, ReplayPrompt};

/// The keys of every view, before the digits that switch views.
const GLOBAL: &[Binding] = &[
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
        "follow the newest event, and each new session or scan",
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
        Action::Copy,
        "copy as curl, HTTPie, raw HTTP or body (OSC 52)",
        Some("copy"),
    ),
    bind(
        Global,
        &[Key::char('z')],
        Action::Clear,
        "clear the events, or the events and the analysis (asks which)",
        None,
    ),
];

/// The keys of every view, after the digits that switch views.
const GLOBAL_AFTER_VIEWS: &[Binding] = &[
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
];

/// The keys of the prompts, the questions and the help.
const OVERLAYS: &[Binding] = &[
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
    // What `z` clears.
    bind(
        Context::Clear,
        &[
            Key::char('e'),
            Key::char('E'),
            Key::char('y'),
            Key::char('Y'),
        ],
        Action::ClearEvents,
        "events only",
        None,
    ),
    bind(
        Context::Clear,
        &[Key::char('a'), Key::char('A')],
        Action::ClearAll,
        "events and analysis",
        None,
    ),
    bind(
        Context::Clear,
        &[Key::char('n'), Key::char('N'), Key::plain(KeyCode::Esc)],
        Action::Decline,
        "nothing",
        None,
    ),
    // The copy menu and the copied text.
    bind(
        Context::CopyMenu,
        &[Key::char('c')],
        Action::CopyAs(CopyFormat::Curl),
        "as a curl command",
        Some("curl"),
    ),
    bind(
        Context::CopyMenu,
        &[Key::char('h')],
        Action::CopyAs(CopyFormat::Httpie),
        "as an HTTPie command",
        Some("HTTPie"),
    ),
    bind(
        Context::CopyMenu,
        &[Key::char('r')],
        Action::CopyAs(CopyFormat::Http),
        "as a raw HTTP message",
        Some("raw HTTP"),
    ),
    bind(
        Context::CopyMenu,
        &[Key::char('b')],
        Action::CopyAs(CopyFormat::Body),
        "the body only",
        Some("body"),
    ),
    bind(
        Context::CopyMenu,
        &[Key::plain(KeyCode::Esc), Key::char('q')],
        Action::CopyClose,
        "copy nothing",
        Some("cancel"),
    ),
    bind(
        Context::CopyText,
        &[Key::char('w')],
        Action::CopyWrite,
        "write the text to a file (asks its name)",
        Some("write to a file"),
    ),
    bind(
        Context::CopyText,
        &[
            Key::plain(KeyCode::Esc),
            Key::char('q'),
            Key::plain(KeyCode::Enter),
        ],
        Action::CopyClose,
        "close",
        Some("close"),
    ),
    // The file name the copied text is written to.
    bind(
        Context::SavePrompt,
        ENTER,
        Action::CopySave,
        "write the file (a second ⏎ replaces one that exists)",
        Some("write"),
    ),
    bind(
        Context::SavePrompt,
        ESC,
        Action::CopySaveCancel,
        "write nothing",
        Some("cancel"),
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
    bind(Context::Help, TOP, Action::Top, "the top", None),
    bind(Context::Help, BOTTOM, Action::Bottom, "the bottom", None),
    bind(
        Context::Help,
        &[Key::char('?'), Key::plain(KeyCode::Esc), Key::char('q')],
        Action::CloseHelp,
        "close the help",
        Some("close"),
    ),
    // The comparison of two events.
    bind(Context::Diff, UP, Action::Up, "scroll up", None),
    bind(
        Context::Diff,
        DOWN,
        Action::Down,
        "scroll down",
        Some("scroll"),
    ),
    bind(Context::Diff, PAGE_UP, Action::PageUp, "one page up", None),
    bind(
        Context::Diff,
        PAGE_DOWN,
        Action::PageDown,
        "one page down",
        None,
    ),
    bind(Context::Diff, TOP, Action::Top, "the top", None),
    bind(Context::Diff, BOTTOM, Action::Bottom, "the bottom", None),
    bind(
        Context::Diff,
        &[Key::plain(KeyCode::Esc), Key::char('q'), Key::char('d')],
        Action::CloseDiff,
        "close the comparison",
        Some("close"),
    ),
];

/// The digits that switch views, in tab order.
static DIGITS: [Key; 9] = [
    Key::char('1'),
    Key::char('2'),
    Key::char('3'),
    Key::char('4'),
    Key::char('5'),
    Key::char('6'),
    Key::char('7'),
    Key::char('8'),
    Key::char('9'),
];

/// Every binding. Order matters twice: the first match wins, and hints appear in this order.
pub fn map() -> &'static [Binding] {
    static MAP: OnceLock<Vec<Binding>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map: Vec<Binding> = view::SPECS
            .iter()
            .flat_map(|spec| spec.keys.iter().copied())
            .collect();
        map.extend_from_slice(GLOBAL);
        // A tenth view would have no digit: it is reached from the tab bar only.
        map.extend(ViewId::ALL.iter().zip(&DIGITS).map(|(&id, digit)| {
            bind(
                Global,
                std::slice::from_ref(digit),
                Action::ShowView(id),
                view::spec(id).switch_help,
                None,
            )
        }));
        map.extend_from_slice(GLOBAL_AFTER_VIEWS);
        map.extend_from_slice(OVERLAYS);
        map
    })
}

/// The action bound to `key` in the first of `contexts` that binds it.
pub fn lookup(contexts: &[Context], key: Key) -> Option<Action> {
    contexts.iter().find_map(|context| {
        map()
            .iter()
            .find(|b| b.context == *context && b.keys.contains(&key))
            .map(|b| b.action)
    })
}

/// The bindings of `contexts`, in the order given, then table order.
pub fn bindings(contexts: &[Context]) -> impl Iterator<Item = &'static Binding> + '_ {
    contexts
        .iter()
        .flat_map(|context| map().iter().filter(move |b| b.context == *context))
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
    let mut together: Vec<Vec<Context>> = view::SPECS
        .iter()
        .flat_map(|spec| spec.sections.iter().map(|&part| vec![part, Global]))
        .collect();
    together.extend([
        vec![FilterPrompt],
        vec![ReplayPrompt],
        vec![Context::Confirm],
        vec![Context::Clear],
        vec![Context::Help],
        vec![Context::Diff],
        vec![Context::CopyMenu],
        vec![Context::CopyText],
        vec![Context::SavePrompt],
    ]);
    let mut problems = Vec::new();
    for contexts in &together {
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
    use crate::ui::view::events::LIST;

    #[test]
    fn no_key_is_bound_twice() {
        assert_eq!(conflicts(), Vec::<String>::new());
    }

    #[test]
    fn lookup_prefers_the_first_context() {
        assert_eq!(lookup(&[LIST, Global], Key::char('j')), Some(Action::Down));
        assert_eq!(lookup(&[LIST, Global], Key::char('q')), Some(Action::Quit));
        assert_eq!(lookup(&[LIST, Global], Key::ctrl('c')), Some(Action::Quit));
        assert_eq!(
            lookup(&[Context::Help], Key::char('q')),
            Some(Action::CloseHelp)
        );
        assert_eq!(lookup(&[LIST, Global], Key::char('x')), None);
    }

    #[test]
    fn every_action_of_a_context_has_help_text() {
        for binding in map() {
            assert!(!binding.help.is_empty());
            assert!(!binding.keys.is_empty());
        }
        assert_eq!(keys_label(&map()[0]), "↑ k");
        assert_eq!(Key::ctrl('c').label(), "Ctrl-C");
    }
}
