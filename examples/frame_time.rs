//! How long the interface takes with a full buffer: one frame of the Events view (list alone,
//! and with the detail open) and a filter over every event, with a million events stored; then
//! one frame of the Sessions and Timelines views with the analysis at its limits (10,000
//! sessions, 10,000 scans), the selection deep in the list.
//!
//! ```sh
//! cargo run --release --example frame_time [EVENTS]
//! ```
//!
//! A measurement to read next to the targets in the performance notes (a frame under 2 ms, a
//! filter under 100 ms), not a test: timings vary between machines and runs.

#[path = "../tests/ui_support/mod.rs"]
mod ui_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hookscope::filter::Filter;
use hookscope::store::{Limits, Store};
use hookscope::ui::action::Action;
use hookscope::ui::action::ViewId;
use hookscope::ui::app::{App, Links, Source};
use hookscope::ui::render;
use hookscope::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let samples = ui_support::sample_events();
    let store = Arc::new(Store::new(Limits {
        capacity: count,
        max_bytes: u64::MAX,
    }));
    for i in 0..count {
        store.push(samples[i % samples.len()].clone());
    }
    let source = Source::File {
        name: "measure".into(),
    };
    let mut app = App::new(source, Rect::new(0, 0, 120, 40), ".".into());
    let started = Instant::now();
    app.sync(&store);
    println!(
        "{count} events; first look at the store: {:?}",
        started.elapsed()
    );

    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    const FRAMES: u32 = 500;
    for detail in [false, true] {
        app.views.events.detail_open = detail;
        let mut total = Duration::ZERO;
        for _ in 0..FRAMES {
            app.update(Action::PageDown, &store);
            let started = Instant::now();
            app.refresh(&store);
            terminal
                .draw(|frame| render::draw(frame, &app, &theme))
                .expect("drawing into memory");
            total += started.elapsed();
        }
        let what = if detail { "list and detail" } else { "list" };
        println!("one frame, {what}: {:?}", total / FRAMES);
    }
    app.views.events.detail_open = false;
    for query in [
        "sev:error",
        "gap",
        "type:scan.* status:5xx",
        "measurementid",
        "no-such-text",
    ] {
        let started = Instant::now();
        app.views
            .events
            .set_filter(Filter::parse(query).expect("a valid query"), &store);
        println!(
            "filter {query:?}: {:?}, {} match",
            started.elapsed(),
            app.views.events.len()
        );
        app.views.events.set_filter(Filter::default(), &store);
    }
    analysis_frames(&theme);
}

/// Frames of the Sessions and Timelines views over a full analysis.
fn analysis_frames(theme: &Theme) {
    const ITEMS: usize = 10_000;
    let store = Arc::new(Store::new(Limits {
        capacity: 4 * ITEMS,
        max_bytes: u64::MAX,
    }));
    let recorder = Arc::new(
        hookscope::ingest::Recorder::new(Arc::clone(&store), None)
            .expect("a recorder without a log"),
    );
    let at = ui_support::traffic_start();
    let json = [("content-type", "application/json")];
    for i in 0..ITEMS {
        for seq in [0, 2] {
            let body = format!(
                r#"{{"timestamp":1700000000,"sessionId":"session-{i:05}","sequence":{seq},"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{{"snr":{seq}}}}}"#
            );
            let event = ui_support::request("POST", "/hooks/wms", &json, body.as_bytes());
            ui_support::record_at(&recorder, event, at);
        }
        let body = format!(
            r#"{{"eventType":"body.creation.started","payload":{{"scanId":"scan-{i:05}","state":"ASSET_PROCESSING"}}}}"#
        );
        let event = ui_support::request("POST", "/hooks/prism", &json, body.as_bytes());
        ui_support::record_at(&recorder, event, at);
    }
    let mut app = App::new(
        Source::File {
            name: "measure".into(),
        },
        Rect::new(0, 0, 120, 40),
        ".".into(),
    )
    .with_links(Links {
        recorder: Some(recorder),
        policy: None,
    });
    app.sync(&store);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    const FRAMES: u32 = 200;
    for view in [ViewId::SESSIONS, ViewId::TIMELINES] {
        app.update(Action::ShowView(view), &store);
        let mut total = Duration::ZERO;
        for _ in 0..FRAMES {
            app.update(Action::PageDown, &store);
            let started = Instant::now();
            app.refresh(&store);
            terminal
                .draw(|frame| render::draw(frame, &app, theme))
                .expect("drawing into memory");
            total += started.elapsed();
        }
        println!(
            "one frame, {} ({ITEMS} of them): {:?}",
            view.title(),
            total / FRAMES
        );
    }
}
