//! The stateful analysis every event goes through in capture order: WMS sequences, Prism scan
//! and video timelines, and redeliveries, over a realistic interleaving of many sessions.

mod support;

use std::time::Duration;

use criterion::{BatchSize, Bencher, Criterion, Throughput, criterion_group, criterion_main};
use hookscope::analysis::{AnalysisLimits, Analyzer};
use hookscope::event::CapturedEvent;
use hookscope::event::facts::Facts;

/// Analyses `stream` in order with a fresh analyzer, as the recorder does (observe, number,
/// store).
fn observe_all(b: &mut Bencher<'_>, stream: &[(CapturedEvent, Facts)]) {
    b.iter_batched(
        || (Analyzer::new(AnalysisLimits::default()), stream.to_vec()),
        |(mut analyzer, mut stream)| {
            for (id, (event, facts)) in stream.iter_mut().enumerate() {
                analyzer.observe(event, facts);
                event.id = id as u64 + 1;
                analyzer.stored(event);
            }
            (analyzer, stream)
        },
        BatchSize::LargeInput,
    )
}

fn analysis_per_event(c: &mut Criterion) {
    let mut group = c.benchmark_group("analysis");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(30);
    // 64 sessions at once, and 1,000 at once (more than the hot caches hold).
    for (sessions, per_session) in [(64, 160), (1_000, 10)] {
        let stream = support::interleaved(sessions, per_session);
        group.throughput(Throughput::Elements(stream.len() as u64));
        group.bench_function(format!("observe_{sessions}_sessions"), |b| {
            observe_all(b, &stream)
        });
    }
    // The load script's hostile mix: undocumented names, sessions first seen far above 0
    // (a gap at once), redeliveries, wrong MACs, malformed and binary bodies.
    let stream = support::hostile_stream(2_000);
    group.throughput(Throughput::Elements(stream.len() as u64));
    group.bench_function("observe_hostile", |b| observe_all(b, &stream));
    group.finish();
}

criterion_group!(benches, analysis_per_event);
criterion_main!(benches);
