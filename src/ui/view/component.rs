//! What every view provides, in the spirit of a component: what it is called and the keys it
//! handles (`Spec`, which the key map, the help and the hints read), and, on its state
//! (`View`), reading from the store or the analysis, acting on an action or the mouse, and
//! drawing, which only reads.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::MouseEvent;
use ratatui::layout::Rect;

use crate::analysis::Analyzer;
use crate::store::Store;
use crate::ui::action::{Action, Binding, Context};
use crate::ui::theme::Theme;

/// What a view is called and which keys it handles: plain data, read without a state.
#[derive(Debug)]
pub struct Spec {
    /// Its name in the tab bar and the help's title.
    pub title: &'static str,
    /// What its digit does, in the help (`the Sessions view (WMS)`).
    pub switch_help: &'static str,
    /// Its own bindings, each in one of `sections`.
    pub keys: &'static [Binding],
    /// Its key contexts, in the order the help lists them.
    pub sections: &'static [Context],
    /// What its signs mean, for the help.
    pub signs: &'static [(&'static str, &'static str)],
}

/// Lends the analysis to `read`, under its lock (the recorder does).
pub trait AnalysisSource {
    fn read(&self, read: &mut dyn FnMut(&Analyzer));
}

/// What a view may read before a frame.
pub struct Feed<'a> {
    pub store: &'a Store,
    /// The analysis, when there is one (a listener or an opened file).
    pub analysis: Option<&'a dyn AnalysisSource>,
    /// The time ages and running jobs are shown against.
    pub now: DateTime<Utc>,
}

/// A view's state and what it does; `body` is the area the view is drawn in.
pub trait View {
    fn spec(&self) -> &'static Spec;

    /// The key context active now (the focused part); the global keys come after it.
    fn context(&self) -> Context;

    /// Catches up with the store as it changes (a view that lists stored events).
    fn sync(&mut self, _store: &Store) {}

    /// Fetches what the next frame shows: only the visible rows.
    fn refresh(&mut self, feed: &Feed<'_>, body: Rect);

    /// Applies one of its actions.
    fn update(&mut self, action: Action, body: Rect);

    /// Applies a mouse event; returns whether the screen needs drawing again.
    fn mouse(&mut self, mouse: MouseEvent, body: Rect) -> bool;

    /// Draws the view from its state, which it only reads.
    fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme);

    /// Whether a visible row shows a time that moves with the clock.
    fn shows_clock(&self) -> bool {
        false
    }

    /// The filter that shows the events of what is selected (Enter), for views of groups of
    /// events.
    fn events_filter(&self) -> Option<String> {
        None
    }
}
