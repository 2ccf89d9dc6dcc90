//! Where things sit on the screen: the fixed bands of every frame (header, tab bar, body,
//! bottom line) and boxes centred over them (questions, the help). Pure arithmetic on
//! rectangles, shared by drawing and by the state that needs page sizes.

use ratatui::layout::{Constraint, Layout, Rect};

/// The fixed parts of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameAreas {
    pub header: Rect,
    pub tabs: Rect,
    pub body: Rect,
    pub status: Rect,
}

pub fn frame_areas(area: Rect) -> FrameAreas {
    let [header, tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    FrameAreas {
        header,
        tabs,
        body,
        status,
    }
}

/// A box of `width` x `height` in the middle of `area`, never larger than it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Where an overlay of `count` lines sits in `area`: as tall as its lines and borders allow,
/// at most 86 columns wide.
pub fn popup(area: Rect, count: usize) -> Rect {
    let height = area
        .height
        .saturating_sub(2)
        .min(u16::try_from(count + 2).unwrap_or(u16::MAX));
    centered(area, area.width.saturating_sub(4).min(86), height)
}
