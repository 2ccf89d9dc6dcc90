//! Carrying out a plan: each send after its jitter, at most `rate` a second, and after a non-2xx
//! answer or a connection failure the same request again after each delay of the retry schedule
//! in turn (each counted from the send before it), stopping at the first 2xx. Re-sends run
//! beside the later events, as a real sender's do; every send is recorded with its answer, its
//! latency and when it went.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::sender::{self, Delivery, Exchange, Progress};

use super::plan::{Plan, SendKind};

/// One send of a request and what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// When it went, from the start of the run.
    pub at: Duration,
    pub answer: Exchange,
}

impl Attempt {
    pub fn ok(&self) -> bool {
        matches!(self.answer.result, Ok(200..=299))
    }
}

/// One planned send and every attempt made for it (the first, then the re-sends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub event: usize,
    pub kind: SendKind,
    pub attempts: Vec<Attempt>,
}

/// Sends `plan` of `deliveries` to `target`; `retry` is the schedule of re-sends (empty: none,
/// except for deliveries marked `retries`, which follow Prism's). Returns the sends in plan order.
pub async fn run(
    target: &str,
    deliveries: &[Delivery],
    plan: &Plan,
    retry: &[Duration],
    rate: Option<f64>,
    progress: Progress,
) -> Vec<Delivered> {
    let client = sender::client();
    let base = target.trim_end_matches('/').to_string();
    let pause = rate.map(|r| Duration::from_secs_f64(1.0 / r.max(0.01)));
    let start = Instant::now();
    let records: Arc<Mutex<Vec<Delivered>>> = Arc::new(Mutex::new(
        plan.sends
            .iter()
            .map(|s| Delivered {
                event: s.event,
                kind: s.kind,
                attempts: Vec::new(),
            })
            .collect(),
    ));
    let mut resends = Vec::new();
    for (index, send) in plan.sends.iter().enumerate() {
        let Some(delivery) = deliveries.get(send.event) else {
            continue;
        };
        if !send.jitter.is_zero() {
            tokio::time::sleep(send.jitter).await;
        }
        let at = start.elapsed();
        let answer = sender::exchange(&client, &base, delivery).await;
        progress(delivery, &answer.result);
        let attempt = Attempt { at, answer };
        let failed = !attempt.ok();
        lock(&records)[index].attempts.push(attempt);
        let schedule: &[Duration] = if !retry.is_empty() {
            retry
        } else if delivery.retries {
            &sender::PRISM_RETRY_SCHEDULE
        } else {
            &[]
        };
        if failed && !schedule.is_empty() {
            let (client, base, records, progress) = (
                client.clone(),
                base.clone(),
                Arc::clone(&records),
                Arc::clone(&progress),
            );
            let (delivery, schedule) = (delivery.clone(), schedule.to_vec());
            resends.push(tokio::spawn(async move {
                for delay in schedule {
                    tokio::time::sleep(delay).await;
                    let at = start.elapsed();
                    let answer = sender::exchange(&client, &base, &delivery).await;
                    progress(&delivery, &answer.result);
                    let attempt = Attempt { at, answer };
                    let ok = attempt.ok();
                    lock(&records)[index].attempts.push(attempt);
                    if ok {
                        break;
                    }
                }
            }));
        }
        if let Some(pause) = pause {
            tokio::time::sleep(pause).await;
        }
    }
    for task in resends {
        let _ = task.await;
    }
    lock(&records).clone()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
