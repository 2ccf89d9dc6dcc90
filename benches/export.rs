//! Writing and reading back an export of 100,000 events, both layouts; the JSON document also
//! with the summaries of 10,000 WMS sessions under `analysis` (as many as the analysis follows).

mod support;

use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use hookscope::event::CapturedEvent;
use hookscope::export;

const EVENTS: usize = 100_000;

fn export_import(c: &mut Criterion) {
    let events = support::recorded_events(64, 40);
    let store = support::full_store(&events, EVENTS);
    let snapshot = store.snapshot();
    let stats = store.stats();
    let exported_at = support::now();

    let mut document = Vec::new();
    export::write_export(
        &mut document,
        stats,
        exported_at,
        snapshot.iter().map(|e| &**e),
    )
    .expect("writing into memory");
    let analysis = support::analysis_of(10_000, 10);
    let lines: Vec<u8> = snapshot
        .iter()
        .flat_map(|e| export::event_line(e))
        .collect();

    let mut group = c.benchmark_group("export_100k_events");
    group
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(15))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(10)
        .throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("write_json", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(document.len());
            export::write_export(&mut out, stats, exported_at, snapshot.iter().map(|e| &**e))
                .expect("writing into memory");
            out
        })
    });
    group.bench_function("write_json_with_analysis", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(document.len());
            export::write_export_with(
                &mut out,
                stats,
                Some(&analysis),
                exported_at,
                snapshot.iter().map(|e| &**e),
            )
            .expect("writing into memory");
            out
        })
    });
    group.bench_function("write_jsonl", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(lines.len());
            for event in &snapshot {
                export::write_event(&mut out, event).expect("writing into memory");
                out.push(b'\n');
            }
            out
        })
    });
    group.bench_function("import_json", |b| {
        b.iter(|| export::import(&document).expect("its own export"))
    });
    group.bench_function("import_jsonl", |b| {
        b.iter(|| export::import(&lines).expect("its own log"))
    });
    group.finish();

    let imported = export::import(&document).expect("its own export");
    let first: &CapturedEvent = &snapshot[0];
    assert_eq!(imported.events.len(), EVENTS);
    assert_eq!(&imported.events[0], first);
}

criterion_group!(benches, export_import);
criterion_main!(benches);
