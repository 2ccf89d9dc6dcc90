//! What a chaos run did and got, per event: the summary printed on stderr and the JSON report
//! (`--report FILE`). An event passes when every delivery of it (its duplicate too) ended in the
//! expected status; events whose deliveries ended in different statuses are listed as a sign
//! that the app is not idempotent. (Bodies are not compared: an answer that carries a request id
//! or a time differs every time without saying anything.)

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::sanitize::escape;
use crate::sender::Delivery;

use super::expect::ExpectStatus;
use super::plan::{Chaos, Plan};
use super::run::{Attempt, Delivered};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `passed` or `failed`.
    pub result: &'static str,
    pub seed: u64,
    pub target: String,
    pub expect_status: String,
    pub chaos: Settings,
    pub counts: Counts,
    /// Every event of the input, in input order.
    pub events: Vec<EventReport>,
    /// Events whose deliveries got different final statuses.
    pub not_idempotent: Vec<NotIdempotent>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub order: &'static str,
    pub shuffle: bool,
    /// The shuffle window; null: the whole run.
    pub shuffle_window: Option<usize>,
    pub duplicate: f64,
    pub drop: f64,
    pub jitter_ms: f64,
    pub retry_schedule_ms: Vec<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub events: usize,
    pub dropped: usize,
    pub duplicated: usize,
    pub moved: usize,
    /// Requests sent, re-sends included.
    pub sends: usize,
    pub resends: usize,
    /// Sent events whose deliveries did not all end in the expected status.
    pub failed: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventReport {
    /// The event id (`#12`) of a replay, the scenario of a simulation.
    pub label: String,
    pub method: String,
    pub path: String,
    /// Its place in the input and in the order sent, from 1.
    pub index: usize,
    pub position: usize,
    pub dropped: bool,
    pub duplicated: bool,
    pub moved: bool,
    pub deliveries: Vec<DeliveryReport>,
    /// The final status of its first delivery; null when dropped or never answered.
    pub final_status: Option<u16>,
    /// Every delivery ended in the expected status; null when dropped.
    pub ok: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryReport {
    /// `original` or `duplicate`.
    pub copy: &'static str,
    pub sends: Vec<SendReport>,
    pub final_status: Option<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SendReport {
    /// When it went, in milliseconds from the start of the run.
    pub at_ms: f64,
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub latency_ms: f64,
    pub body_bytes: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotIdempotent {
    pub label: String,
    /// The final status of each delivery, in order (null: no answer).
    pub statuses: Vec<Option<u16>>,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn send_report(attempt: &Attempt) -> SendReport {
    SendReport {
        at_ms: ms(attempt.at),
        status: attempt.answer.result.as_ref().ok().copied(),
        error: attempt.answer.result.as_ref().err().cloned(),
        latency_ms: ms(attempt.answer.latency),
        body_bytes: attempt.answer.body_len,
    }
}

/// The settings as the report gives them.
pub fn settings(chaos: &Chaos, retry: &[Duration]) -> Settings {
    Settings {
        order: chaos.order.as_str(),
        shuffle: chaos.shuffle.is_some(),
        shuffle_window: chaos.shuffle.filter(|&w| w != usize::MAX),
        duplicate: chaos.duplicate,
        drop: chaos.drop,
        jitter_ms: ms(chaos.jitter),
        retry_schedule_ms: retry.iter().map(|&d| ms(d)).collect(),
    }
}

/// The report of a run.
pub fn build(
    target: &str,
    deliveries: &[Delivery],
    plan: &Plan,
    delivered: &[Delivered],
    chaos: &Chaos,
    retry: &[Duration],
    expect: ExpectStatus,
) -> Report {
    let mut counts = Counts {
        events: deliveries.len(),
        dropped: plan.dropped(),
        duplicated: plan.duplicated(),
        moved: plan.moved(),
        ..Counts::default()
    };
    let mut events: Vec<EventReport> = deliveries
        .iter()
        .zip(&plan.events)
        .enumerate()
        .map(|(i, (d, p))| EventReport {
            label: d.label.clone(),
            method: d.method.clone(),
            path: d.path.clone(),
            index: i + 1,
            position: p.position + 1,
            dropped: p.dropped,
            duplicated: p.duplicated,
            moved: p.position != i,
            deliveries: Vec::new(),
            final_status: None,
            ok: None,
        })
        .collect();
    // Per event: the final status of each delivery, to compare.
    let mut finals: Vec<Vec<Option<u16>>> = vec![Vec::new(); deliveries.len()];
    for d in delivered {
        let Some(event) = events.get_mut(d.event) else {
            continue;
        };
        counts.sends += d.attempts.len();
        counts.resends += d.attempts.len().saturating_sub(1);
        let last = d.attempts.last();
        let final_status = last.and_then(|a| a.answer.result.as_ref().ok().copied());
        let ok = final_status.is_some_and(|s| expect.matches(s));
        event.ok = Some(event.ok.unwrap_or(true) && ok);
        if event.deliveries.is_empty() {
            event.final_status = final_status;
        }
        event.deliveries.push(DeliveryReport {
            copy: d.kind.as_str(),
            sends: d.attempts.iter().map(send_report).collect(),
            final_status,
        });
        finals[d.event].push(final_status);
    }
    counts.failed = events.iter().filter(|e| e.ok == Some(false)).count();
    let not_idempotent = events
        .iter()
        .zip(&finals)
        .filter(|(_, f)| f.iter().any(|s| *s != f[0]))
        .map(|(event, f)| NotIdempotent {
            label: event.label.clone(),
            statuses: f.clone(),
        })
        .collect();
    Report {
        result: if counts.failed == 0 {
            "passed"
        } else {
            "failed"
        },
        seed: chaos.seed,
        target: target.to_owned(),
        expect_status: expect.to_string(),
        chaos: settings(chaos, retry),
        counts,
        events,
        not_idempotent,
    }
}

fn answer(send: &SendReport) -> String {
    match send.status {
        Some(status) => format!("{status} {}", latency(send.latency_ms)),
        None => "no answer".to_owned(),
    }
}

fn latency(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn status(status: Option<u16>) -> String {
    status.map_or_else(|| "no answer".to_owned(), |s| s.to_string())
}

impl Report {
    pub fn passed(&self) -> bool {
        self.counts.failed == 0
    }

    /// The summary for stderr: the counts, one line for each event something was done to or
    /// that did not end as expected (the report has them all), the non-idempotent events, and
    /// the verdict. Text that came from the file or the network is escaped.
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let mut out = format!(
            "hookscope: {}: {} dropped, {} duplicated, {} moved; {} sent ({} re-send{})\n",
            crate::words::count(c.events as u64, "event"),
            c.dropped,
            c.duplicated,
            c.moved,
            crate::words::count(c.sends as u64, "request"),
            c.resends,
            if c.resends == 1 { "" } else { "s" },
        );
        for event in &self.events {
            let resent = event.deliveries.iter().any(|d| d.sends.len() > 1);
            let interesting = event.dropped
                || event.duplicated
                || event.moved
                || resent
                || event.ok == Some(false);
            if !interesting {
                continue;
            }
            let mut done = Vec::new();
            if event.moved {
                done.push(format!("moved {}→{}", event.index, event.position));
            }
            if event.duplicated {
                done.push("duplicated".to_owned());
            }
            let _ = write!(
                out,
                "  {:<8} {} {}",
                escape(&event.label),
                escape(&event.method),
                escape(&event.path)
            );
            if !done.is_empty() {
                let _ = write!(out, "  [{}]", done.join(", "));
            }
            if event.dropped {
                out.push_str("  dropped\n");
                continue;
            }
            for delivery in &event.deliveries {
                let sends: Vec<String> = delivery.sends.iter().map(answer).collect();
                let _ = write!(
                    out,
                    "  {}: {}",
                    if delivery.copy == "original" {
                        "sent"
                    } else {
                        "again"
                    },
                    sends.join(" · ")
                );
            }
            let why = event
                .deliveries
                .iter()
                .filter_map(|d| d.sends.last())
                .find_map(|s| s.error.as_deref())
                .map_or(String::new(), |e| format!(": {}", escape(e)));
            let _ = writeln!(
                out,
                "  → {}{}{why}",
                status(event.final_status),
                if event.ok == Some(false) {
                    format!(" (not {})", self.expect_status)
                } else {
                    String::new()
                }
            );
        }
        for n in &self.not_idempotent {
            let statuses: Vec<String> = n.statuses.iter().map(|&s| status(s)).collect();
            let _ = writeln!(
                out,
                "hookscope: not idempotent? {} got different answers to its deliveries ({})",
                escape(&n.label),
                statuses.join(", then "),
            );
        }
        if self.passed() {
            let _ = writeln!(
                out,
                "hookscope: passed: every event sent ended in {}",
                self.expect_status
            );
        } else {
            let _ = writeln!(
                out,
                "hookscope: failed: {} did not end in {}",
                crate::words::count(c.failed as u64, "event"),
                self.expect_status
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::plan::{self, SendKind};
    use crate::sender::Exchange;

    fn delivery(label: &str, path: &str) -> Delivery {
        Delivery {
            label: label.to_owned(),
            method: "POST".to_owned(),
            path: path.to_owned(),
            headers: Vec::new(),
            body: bytes::Bytes::new(),
            retries: false,
        }
    }

    fn attempt(ms: u64, result: Result<u16, String>) -> Attempt {
        Attempt {
            at: Duration::from_millis(ms),
            answer: Exchange {
                result,
                latency: Duration::from_micros(1500),
                body_len: 2,
            },
        }
    }

    #[test]
    fn every_delivery_must_end_as_expected_and_differing_duplicates_are_named() {
        let deliveries = [
            delivery("#1", "/a"),
            delivery("#2", "/b\x1b[31m"),
            delivery("#3", "/c"),
        ];
        let chaos = Chaos {
            duplicate: 1.0,
            ..Chaos::default()
        };
        let plan = plan::plan(&[None, None, None], &chaos);
        let delivered = vec![
            Delivered {
                event: 0,
                kind: SendKind::Original,
                attempts: vec![attempt(0, Ok(503)), attempt(1, Ok(200))],
            },
            Delivered {
                event: 0,
                kind: SendKind::Duplicate,
                attempts: vec![attempt(2, Ok(200))],
            },
            Delivered {
                event: 1,
                kind: SendKind::Original,
                attempts: vec![attempt(3, Ok(200))],
            },
            Delivered {
                event: 1,
                kind: SendKind::Duplicate,
                attempts: vec![attempt(4, Ok(409))],
            },
            Delivered {
                event: 2,
                kind: SendKind::Original,
                attempts: vec![attempt(5, Err("connection refused".to_owned()))],
            },
            Delivered {
                event: 2,
                kind: SendKind::Duplicate,
                attempts: vec![attempt(6, Err("connection refused".to_owned()))],
            },
        ];
        let report = build(
            "http://127.0.0.1:3000",
            &deliveries,
            &plan,
            &delivered,
            &chaos,
            &[Duration::ZERO],
            ExpectStatus::default(),
        );
        assert!(!report.passed());
        assert_eq!(report.result, "failed");
        let ok: Vec<Option<bool>> = report.events.iter().map(|e| e.ok).collect();
        assert_eq!(ok, [Some(true), Some(false), Some(false)]);
        assert_eq!((report.counts.sends, report.counts.resends), (7, 1));
        assert_eq!(report.counts.failed, 2);
        assert_eq!(report.events[0].final_status, Some(200));
        assert_eq!(report.not_idempotent.len(), 1);
        assert_eq!(report.not_idempotent[0].statuses, [Some(200), Some(409)]);
        let summary = report.summary();
        assert!(!summary.contains('\x1b'), "{summary}");
        assert!(
            summary.contains("  #1       POST /a  [duplicated]  sent: 503 1.5 ms · 200 1.5 ms  again: 200 1.5 ms  → 200\n"),
            "{summary}"
        );
        assert!(
            summary.contains("→ no answer (not 2xx): connection refused"),
            "{summary}"
        );
        assert!(
            summary.contains(
                "not idempotent? #2 got different answers to its deliveries (200, then 409)"
            ),
            "{summary}"
        );
        assert!(
            summary.ends_with("hookscope: failed: 2 events did not end in 2xx\n"),
            "{summary}"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["events"][0]["deliveries"][0]["sends"][0]["latency_ms"],
            1.5
        );
        assert_eq!(
            json["events"][2]["deliveries"][0]["sends"][0]["error"],
            "connection refused"
        );
        assert!(json["chaos"]["shuffle_window"].is_null());
    }
}
