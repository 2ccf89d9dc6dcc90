//! How long a filter typed from scratch takes over a million buffered events: the bench's
//! events (64 WMS sessions with Prism, video and generic traffic mixed in), each query applied
//! repeatedly to a fresh Events view, as the interface does when the filter changes.
//!
//! ```sh
//! cargo run --release --example filter_time -- QUERY...
//! cargo run --release --example filter_time -- measurementid pays sev:error
//! ```
//!
//! Prints, per query, the fastest, first-quartile and median wall time of 40 scans, how many
//! events matched, and the CPU time of the whole process (every thread) per scan, read from
//! `/proc/self/stat` on Linux. For comparing two builds, run them alternately a few times: on
//! a shared machine single runs drift by 15 % or more.

#[path = "../benches/support/mod.rs"]
mod support;

use std::time::Instant;

use hookscope::filter::Filter;
use hookscope::ui::view::events::EventsState;

const EVENTS: usize = 1_000_000;
const SCANS: usize = 40;

fn main() {
    let queries: Vec<String> = std::env::args().skip(1).collect();
    if queries.is_empty() {
        eprintln!("usage: filter_time QUERY...  (for example: measurementid 'sev:error')");
        std::process::exit(2);
    }
    let filters: Vec<(String, Filter)> = queries
        .into_iter()
        .map(|query| match Filter::parse(&query) {
            Ok(filter) => (query, filter),
            Err(error) => {
                eprintln!("filter_time: {query:?}: {error}");
                std::process::exit(2);
            }
        })
        .collect();
    let events = support::recorded_events(64, 40);
    let store = support::full_store(&events, EVENTS);
    println!("{EVENTS} events; {SCANS} scans per query");
    for (query, filter) in filters {
        let mut times = Vec::with_capacity(SCANS);
        let mut matched = 0;
        let cpu_before = cpu_ticks();
        for _ in 0..SCANS {
            let mut state = EventsState::new(false);
            let started = Instant::now();
            state.set_filter(filter.clone(), &store);
            times.push(started.elapsed().as_secs_f64() * 1e3);
            matched = state.keys().count();
        }
        let cpu = match (cpu_before, cpu_ticks()) {
            (Some(before), Some(after)) => {
                // Clock ticks of 10 ms, the usual USER_HZ.
                format!("{:.1} ms", (after - before) as f64 * 10.0 / SCANS as f64)
            }
            _ => "unknown".to_owned(),
        };
        times.sort_by(f64::total_cmp);
        println!(
            "{query:>20}  fastest {:6.1} ms  p25 {:6.1} ms  median {:6.1} ms  matched {matched:>7}  CPU per scan {cpu}",
            times[0],
            times[SCANS / 4],
            times[SCANS / 2],
        );
    }
}

/// User plus system time of this process so far, in clock ticks; none where `/proc` is not
/// there to tell.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let after_name = stat.rsplit_once(')')?.1;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}
