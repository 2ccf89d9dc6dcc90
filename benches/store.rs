//! The ring buffer: pushing into a full store (each push evicts the oldest event) and reading
//! the rows a list shows.

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn ring_buffer(c: &mut Criterion) {
    let events = support::recorded_events(16, 20);
    let mut group = c.benchmark_group("store");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);
    for capacity in [10_000, 100_000] {
        let store = support::full_store(&events, capacity);
        let mut next = events.iter().cycle();
        group.bench_function(format!("push_at_capacity_{capacity}"), |b| {
            b.iter_batched(
                || next.next().expect("a cycle never ends").clone(),
                |event| store.push(event),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("window_40_of_{capacity}"), |b| {
            let mut offset = 0;
            b.iter(|| {
                offset = (offset + 997) % capacity;
                store.window(black_box(offset), 40)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ring_buffer);
criterion_main!(benches);
