//! The views the tab bar switches between, one file each under `view/`.
//!
//! A view owns its state (what is selected, what is scrolled, the rows it last fetched) and has
//! three parts: `sync` reads what it needs from the store (or analysis) when the store changes,
//! `update` applies an action, `render` draws from the state only. Its keys are bindings with its
//! own `keymap::Context` values, returned by `contexts`.
//!
//! Adding a view (Sessions, Timelines): a variant here with its number and title, and in
//! `ALL` (the tab bar shows exactly these); a `view/<name>.rs` with its state, `sync`, `update`
//! and `render(frame, area, &state, &theme)`; a field for the state in `App`, fed in
//! `App::sync`; its `Context`s and bindings in `keymap` (and `ShowView` on its digit); its arm
//! in `render::draw`, in `contexts` below and in the help's sections.

pub mod events;

use crate::ui::keymap::Context;

/// The views of the interface, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Events,
}

impl View {
    /// Every view that exists, in the order of the tab bar.
    pub const ALL: [View; 1] = [View::Events];

    /// The digit that switches to the view.
    pub fn number(self) -> u8 {
        match self {
            View::Events => 1,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            View::Events => "Events",
        }
    }
}

/// The key contexts active in `view` with its current focus, most specific first.
pub fn contexts(view: View, events: &events::EventsState) -> [Context; 2] {
    match view {
        View::Events => [events.context(), Context::Global],
    }
}
