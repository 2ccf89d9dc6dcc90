//! The views the tab bar switches between, one file each under `view/`, and the list of them.
//!
//! A view owns its state (what is selected, what is scrolled, the rows it last fetched) and
//! implements `component::View`: reading (the Events view `sync`s with the store as it changes;
//! every view `refresh`es its visible rows before a frame, from the store or the analysis),
//! `update` applies an action, `render` draws from the state only. What it is called and the
//! keys it handles are data, its `SPEC`, which the key map, the help and the hints read.
//!
//! Adding a view: a file `view/<name>.rs` with a `pub const SPEC: component::Spec`, a state
//! with `new(live: bool)` that implements `component::View`, and one line in `views!` below.
//! The tab bar, the digit that switches to it, its keys in the help and the hints, and the
//! dispatch of drawing, reading, actions and the mouse follow from that line.

pub mod component;
pub mod list;

use crate::ui::action::ViewId;
use component::{Spec, View};

/// Declares the views in tab order: each line names the view's id, its module and its state.
macro_rules! views {
    ($($id:ident => $module:ident :: $state:ident),+ $(,)?) => {
        $(pub mod $module;)+

        /// Tab order, counted by the compiler.
        #[allow(clippy::upper_case_acronyms, non_camel_case_types)]
        enum Order {
            $($id),+
        }

        impl ViewId {
            $(pub const $id: ViewId = ViewId::at(Order::$id as u8);)+
            /// Every view that exists, in the order of the tab bar.
            pub const ALL: &'static [ViewId] = &[$(ViewId::$id),+];
        }

        /// What every view is called and the keys it handles, in tab order.
        pub static SPECS: &[&Spec] = &[$(&$module::SPEC),+];

        /// The state of every view.
        #[derive(Debug)]
        pub struct Views {
            $(pub $module: $module::$state,)+
        }

        impl Views {
            /// The views of a live capture (which follows the newest event) or of a file.
            pub fn new(live: bool) -> Views {
                Views {
                    $($module: $module::$state::new(live),)+
                }
            }

            pub fn get(&self, id: ViewId) -> &dyn View {
                match id {
                    $(ViewId::$id => &self.$module,)+
                    // Ids are made only here, one per view listed.
                    _ => unreachable!("a view id names a listed view"),
                }
            }

            pub fn get_mut(&mut self, id: ViewId) -> &mut dyn View {
                match id {
                    $(ViewId::$id => &mut self.$module,)+
                    // Ids are made only here, one per view listed.
                    _ => unreachable!("a view id names a listed view"),
                }
            }

            /// Every view, for what all of them take in (news from the store).
            pub fn each_mut(&mut self) -> [&mut dyn View; ViewId::ALL.len()] {
                [$(&mut self.$module),+]
            }
        }
    };
}

views! {
    EVENTS => events::EventsState,
    SESSIONS => sessions::SessionsState,
    TIMELINES => timelines::TimelinesState,
}

/// What the view `id` is called and the keys it handles.
pub fn spec(id: ViewId) -> &'static Spec {
    SPECS[id.index().min(SPECS.len() - 1)]
}

impl ViewId {
    /// The view's name in the tab bar.
    pub fn title(self) -> &'static str {
        spec(self).title
    }
}
