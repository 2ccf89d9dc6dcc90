//! Replay with chaos, to test the user's app the way real senders treat it: events shuffled
//! (within a window), dropped, sent twice, delayed by a random jitter, put in sequence order,
//! and re-sent on a retry schedule after a failure. Everything random comes from one seed, so a
//! run can be repeated exactly; the report says per event what was done and answered, and which
//! events got different answers to their duplicate deliveries. `replay` and `simulate` both
//! run through [`run`].

pub mod expect;
pub mod keys;
pub mod plan;
pub mod report;
pub mod rng;
pub mod run;

use std::path::PathBuf;
use std::time::Duration;

use crate::sender::Delivery;

pub use expect::ExpectStatus;
pub use plan::{Chaos, Order};

/// A chaos run's settings beyond the plan's own.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub chaos: Chaos,
    /// The seed was given (`--seed`); otherwise it was chosen and is printed.
    pub seed_given: bool,
    /// Delays of the re-sends after a failure; empty: none.
    pub retry: Vec<Duration>,
    pub expect: ExpectStatus,
    /// Where to write the JSON report.
    pub report: Option<PathBuf>,
    /// Sends per second at most (`None`: as fast as answers come).
    pub rate: Option<f64>,
}

/// A seed for a run that was given none: the clock and the process id, mixed.
pub fn pick_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = rng::Rng::new(nanos ^ (u64::from(std::process::id()) << 32));
    // Short enough to type again.
    rng.next_u64() % 1_000_000
}

fn delays(list: &[Duration]) -> String {
    let words: Vec<String> = list
        .iter()
        .map(|d| {
            if d.subsec_millis() == 0 {
                format!("{}s", d.as_secs())
            } else {
                format!("{}ms", d.as_millis())
            }
        })
        .collect();
    words.join(",")
}

/// What the plan does, in one line.
fn describe(settings: &Settings, events: usize) -> String {
    let chaos = &settings.chaos;
    let mut parts = vec![format!("order {}", chaos.order.as_str())];
    match chaos.shuffle {
        Some(usize::MAX) => parts.push("shuffled".to_owned()),
        Some(window) => parts.push(format!("shuffled in windows of {window}")),
        None => {}
    }
    if chaos.drop > 0.0 {
        parts.push(format!("drop {}", chaos.drop));
    }
    if chaos.duplicate > 0.0 {
        parts.push(format!("duplicate {}", chaos.duplicate));
    }
    if !chaos.jitter.is_zero() {
        parts.push(format!("jitter up to {} ms", chaos.jitter.as_millis()));
    }
    if !settings.retry.is_empty() {
        parts.push(format!("re-sends after {}", delays(&settings.retry)));
    }
    parts.push(format!("expecting {}", settings.expect));
    format!(
        "{}: {}",
        crate::words::count(events as u64, "event"),
        parts.join(", ")
    )
}

/// Plans and sends `deliveries` to `target`, prints the seed, the plan, progress and the
/// summary on stderr, writes the report when asked, and returns it.
pub async fn run(
    target: &str,
    deliveries: Vec<Delivery>,
    settings: &Settings,
) -> anyhow::Result<report::Report> {
    let chaos = &settings.chaos;
    eprintln!(
        "hookscope: seed {}{}; {}",
        chaos.seed,
        if settings.seed_given {
            String::new()
        } else {
            format!(" (chosen: --seed {} repeats this run)", chaos.seed)
        },
        describe(settings, deliveries.len())
    );
    let keys: Vec<Option<plan::OrderKey>> = if chaos.order == Order::Sequence {
        deliveries.iter().map(keys::order_key).collect()
    } else {
        vec![None; deliveries.len()]
    };
    let plan = plan::plan(&keys, chaos);
    let progress = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        crate::sender::stderr_progress(plan.sends.len())
    } else {
        std::sync::Arc::new(|_: &Delivery, _: &Result<u16, String>| {})
    };
    let delivered = run::run(
        target,
        &deliveries,
        &plan,
        &settings.retry,
        settings.rate,
        progress,
    )
    .await;
    let report = report::build(
        target,
        &deliveries,
        &plan,
        &delivered,
        chaos,
        &settings.retry,
        settings.expect,
    );
    eprint!("{}", report.summary());
    if let Some(path) = &settings.report {
        let mut text = serde_json::to_string_pretty(&report)?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write the report {}: {e}", path.display()))?;
        eprintln!("hookscope: report written to {}", path.display());
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_told_in_one_line() {
        let settings = Settings {
            chaos: Chaos {
                shuffle: Some(10),
                drop: 0.1,
                duplicate: 0.2,
                jitter: Duration::from_millis(500),
                ..Chaos::default()
            },
            retry: crate::sender::PRISM_RETRY_SCHEDULE.to_vec(),
            ..Settings::default()
        };
        assert_eq!(
            describe(&settings, 3),
            "3 events: order captured, shuffled in windows of 10, drop 0.1, duplicate 0.2, \
             jitter up to 500 ms, re-sends after 0s,5s,30s, expecting 2xx"
        );
        assert_eq!(
            delays(&[Duration::ZERO, Duration::from_millis(300)]),
            "0s,300ms"
        );
    }
}
