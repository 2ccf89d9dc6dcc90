//! The views the tab bar switches between, one file each under `view/`.
//!
//! A view owns its state (what is selected, what is scrolled, the rows it last fetched) and has
//! three parts: reading (the Events view `sync`s with the store as it changes and `refresh`es its
//! visible rows before a frame; Sessions and Timelines copy their visible rows out of the
//! analysis in `refresh`), `update` applies an action, `render` draws from the state only. Its
//! keys are bindings with its own `keymap::Context` values, returned by `contexts`.
//!
//! Adding a view: a variant here with its number and title, and in `ALL` (the tab bar shows
//! exactly these); a `view/<name>.rs` with its state, `refresh`, `update` and
//! `render(frame, area, &state, &theme)`; a field for the state in `App`, fed in `App::refresh`
//! (and `App::sync` if it follows the store); its `Context`s and bindings in `keymap` (and
//! `ShowView` on its digit); its arm in `render::draw`, in `contexts` below, in the help's
//! sections and signs, and in `App::tick` if it shows a clock.

pub mod events;
pub mod list;
pub mod sessions;
pub mod timelines;

use crate::ui::keymap::Context;

/// The views of the interface, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Events,
    Sessions,
    Timelines,
}

impl View {
    /// Every view that exists, in the order of the tab bar.
    pub const ALL: [View; 3] = [View::Events, View::Sessions, View::Timelines];

    /// The digit that switches to the view.
    pub fn number(self) -> u8 {
        match self {
            View::Events => 1,
            View::Sessions => 2,
            View::Timelines => 3,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            View::Events => "Events",
            View::Sessions => "Sessions",
            View::Timelines => "Timelines",
        }
    }
}

/// The key contexts active in `view` with its current focus, most specific first.
pub fn contexts(view: View, events: &events::EventsState) -> [Context; 2] {
    match view {
        View::Events => [events.context(), Context::Global],
        View::Sessions => [Context::Sessions, Context::Global],
        View::Timelines => [Context::Timelines, Context::Global],
    }
}
