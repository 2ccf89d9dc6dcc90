//! The interface with a million events buffered: one frame of the Events view drawn into a
//! 120x40 `TestBackend` (list alone, and with the detail open), and filtering every event.

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use hookscope::filter::Filter;
use hookscope::ui::action::Action;
use hookscope::ui::app::{App, Source};
use hookscope::ui::render;
use hookscope::ui::theme::Theme;
use hookscope::ui::view::events::EventsState;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

const EVENTS: usize = 1_000_000;

fn events_view(c: &mut Criterion) {
    let events = support::recorded_events(64, 40);
    let store = support::full_store(&events, EVENTS);

    let mut group = c.benchmark_group("view_1m_events");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);
    let theme = Theme::default();
    for detail in [false, true] {
        let source = Source::File {
            name: "bench".into(),
        };
        let mut app = App::new(source, Rect::new(0, 0, 120, 40), ".".into());
        app.sync(&store);
        app.views.events.detail_open = detail;
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
        let name = if detail {
            "frame_list_and_detail"
        } else {
            "frame_list"
        };
        // Each frame scrolls a page, as a reader paging through would; at the end, back to the
        // top.
        let mut pages = 0usize;
        group.bench_function(name, |b| {
            b.iter(|| {
                pages += 1;
                let action = if pages.is_multiple_of(20_000) {
                    Action::Top
                } else {
                    Action::PageDown
                };
                app.update(action, &store);
                app.refresh(&store);
                terminal
                    .draw(|frame| render::draw(frame, &app, &theme))
                    .expect("drawing into memory");
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("filter_1m_events");
    group
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(10);
    for (name, query) in [
        ("keyed_sev_error", "sev:error"),
        (
            "keyed_provider_session",
            "provider:wms session:load-session-0007*",
        ),
        ("text_measurementid", "measurementid"),
        ("text_no_match", "no-such-text"),
        // Letters common in the bodies (`payload`, `sequence`) but the word nowhere: each
        // place of its rarest letter is checked before the body is ruled out.
        ("text_no_match_common_letters", "pays"),
    ] {
        let filter = Filter::parse(query).expect("a valid query");
        // What the interface does when a filter is typed from scratch: every stored event is
        // looked at once.
        group.bench_function(format!("view_{name}"), |b| {
            b.iter_batched(
                || EventsState::new(false),
                |mut state| {
                    state.set_filter(filter.clone(), &store);
                    state
                },
                BatchSize::LargeInput,
            )
        });
    }
    let snapshot = store.snapshot();
    for (name, query) in [
        ("keyed_sev_error", "sev:error"),
        ("text_no_match", "no-such-text"),
    ] {
        let filter = Filter::parse(query).expect("a valid query");
        // The matching alone, on one thread, over a snapshot already taken.
        group.bench_function(format!("matches_{name}"), |b| {
            b.iter(|| {
                let mut matcher = filter.matcher();
                snapshot
                    .iter()
                    .filter(|e| matcher.matches(black_box(e)))
                    .count()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, events_view);
criterion_main!(benches);
