//! Headless output: one line per event on stdout, in capture order, for CI logs and pipes, and
//! on stderr the moment the JSON Lines log starts failing or works again. Reads the store after
//! the fact, so printing never holds capture up.

use std::io::{self, Write};
use std::sync::Arc;

use chrono::Timelike as _;
use tokio::sync::watch;

use crate::event::{CapturedEvent, Provider};
use crate::export::jsonl::LogHealth;
use crate::ingest::Recorder;
use crate::sanitize;
use crate::store::Store;
use crate::words;
use crate::words::format_size;

const BATCH: usize = 1024;
/// How long new events may wait to be printed, so that a burst is printed in one go.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(20);

/// One event as a line, without the newline:
/// `06:31:23.123  #12  POST /hooks?x=1  json 600 B → 200  wms INTERMEDIATE_RESULTS`.
pub fn summary_line(event: &CapturedEvent) -> String {
    let mut line = String::with_capacity(96);
    push_summary(&mut line, event);
    line
}

/// Appends the summary line of `event` to `out`. Written piece by piece rather than through
/// `format!`, since under load it runs once per request.
pub fn push_summary(out: &mut String, event: &CapturedEvent) {
    let time = event.received_at.time();
    push_two_digits(out, time.hour());
    out.push(':');
    push_two_digits(out, time.minute());
    out.push(':');
    // chrono keeps a leap second as second 59 with a billion nanoseconds or more: it shows as :60.
    let leap = time.nanosecond() >= 1_000_000_000;
    push_two_digits(out, time.second() + u32::from(leap));
    out.push('.');
    let millis = (time.nanosecond() % 1_000_000_000) / 1_000_000;
    push_two_digits(out, millis / 10);
    out.push(char::from(b'0' + (millis % 10) as u8));
    out.push_str("  #");
    out.push_str(itoa::Buffer::new().format(event.id));
    out.push_str("  ");
    out.push_str(&sanitize::escape(&event.method));
    out.push(' ');
    out.push_str(&sanitize::escape(&event.path));
    if let Some(query) = event.query() {
        out.push('?');
        out.push_str(&sanitize::escape(query));
    }
    out.push_str("  ");
    out.push_str(event.analysis.body_kind.as_str());
    out.push(' ');
    if event.body_size() < 1024 {
        out.push_str(itoa::Buffer::new().format(event.body_size()));
        out.push_str(" B");
    } else {
        out.push_str(&format_size(event.body_size()));
    }
    if event.truncated {
        out.push_str(" (truncated)");
    }
    out.push_str(" → ");
    out.push_str(itoa::Buffer::new().format(event.response.status));
    let analysis = &event.analysis;
    if analysis.provider != Provider::Generic {
        out.push_str("  ");
        out.push_str(analysis.provider.as_str());
        if let Some(kind) = &analysis.kind {
            out.push(' ');
            out.push_str(&sanitize::escape(kind));
        }
    }
    for anomaly in &analysis.anomalies {
        out.push_str("  ⚠ ");
        out.push_str(anomaly.code());
    }
    if let Some(error) = event.response.error() {
        out.push_str("  ✗ ");
        out.push_str(&sanitize::escape(error));
    }
}

/// `n` (below 100) as two digits.
fn push_two_digits(out: &mut String, n: u32) {
    let n = n.min(99) as u8;
    out.push(char::from(b'0' + n / 10));
    out.push(char::from(b'0' + n % 10));
}

/// Prints every event as it is stored until `stop` turns true, then prints what is left. With a
/// JSON Lines log, an event is printed once its log write is over, so that the line shows the
/// answer really given (503 when the log failed).
pub async fn print_events(
    store: Arc<Store>,
    recorder: Arc<Recorder>,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = store.subscribe();
    let mut next = 1u64;
    let mut text = String::new();
    // Whether the last look found events whose log write was not over yet.
    let mut unsettled = false;
    loop {
        let stopping = *stop.borrow();
        if unsettled && recorder.log_settled() < next {
            // Not one more settled after a wait: their senders went away before the write
            // (which their answers would have made). Write them now rather than wait for more.
            let blocking = Arc::clone(&recorder);
            let _ = tokio::task::spawn_blocking(move || blocking.flush_log()).await;
        }
        let settled = recorder.log_settled();
        unsettled = false;
        loop {
            let mut batch = store.batch_from(next, BATCH);
            if let Some(cut) = batch.iter().position(|e| e.id > settled) {
                batch.truncate(cut);
                unsettled = true;
            }
            let Some(last) = batch.last() else { break };
            let first = batch[0].id;
            let full = batch.len() == BATCH;
            text.clear();
            if first > next {
                text.push_str(&format!(
                    "… {} evicted before they could be printed\n",
                    words::count_as(first - next, "event was", "events were")
                ));
            }
            for event in &batch {
                push_summary(&mut text, event);
                text.push('\n');
            }
            let mut out = io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return; // stdout is gone (a closed pipe): nothing more to print to
            }
            next = last.id + 1;
            if !full || unsettled {
                break;
            }
        }
        if stopping {
            return;
        }
        if unsettled {
            // Their writes are under way: look again shortly, without waiting for news.
            tokio::select! {
                () = tokio::time::sleep(COALESCE) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                // Let a burst gather: one wake-up and one write per batch, not per event.
                tokio::time::sleep(COALESCE).await;
            }
            _ = stop.changed() => {}
        }
    }
}

/// Says on stderr, as soon as it happens, that the JSON Lines log cannot be written (requests
/// are answered 503 meanwhile) and that it is written again, until `stop` turns true.
pub async fn watch_log(
    store: Arc<Store>,
    recorder: Arc<Recorder>,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = store.subscribe();
    let mut was_failing = false;
    loop {
        if let Some(health) = recorder.log_health()
            && health.failing != was_failing
        {
            was_failing = health.failing;
            eprintln!("hookscope: {}", log_news(&health));
        }
        if *stop.borrow() {
            return;
        }
        // A failure changes the stored events, so news of the store is news of the log.
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                tokio::time::sleep(COALESCE).await;
            }
            _ = stop.changed() => {}
        }
    }
}

/// The sentence for a log that has just started failing or works again.
pub fn log_news(health: &LogHealth) -> String {
    if health.failing {
        format!(
            "warning: {}; requests are answered 503 until it can be written again",
            health
                .error
                .as_deref()
                .unwrap_or("writing the JSON Lines log failed")
        )
    } else {
        format!(
            "the JSON Lines log is written again; {} not in it (answered 503)",
            words::count_as(health.not_logged, "event is", "events are")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use crate::event::{Analysis, Anomaly, BodyKind, ResponseInfo};
    use bytes::Bytes;
    use chrono::{TimeZone, Utc};

    #[test]
    fn summary_times_read_like_strftime() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        for (h, m, sec, nano) in [
            (0, 0, 0, 0),
            (6, 31, 23, 123_456_789),
            (23, 59, 59, 999_999_999),
            (9, 5, 7, 1_000_000),
            (23, 59, 59, 1_500_000_000), // a leap second
        ] {
            let time = chrono::NaiveTime::from_hms_nano_opt(h, m, sec, nano).unwrap();
            let event = oversized_event(day.and_time(time).and_utc());
            let expected = event.received_at.format("%H:%M:%S%.3f").to_string();
            assert!(
                summary_line(&event).starts_with(&format!("{expected}  #")),
                "{} vs {expected}",
                summary_line(&event)
            );
        }
    }

    fn oversized_event(received_at: chrono::DateTime<Utc>) -> CapturedEvent {
        EventBuilder::new(12)
            .received_at(received_at)
            .path("/hooks/\u{1b}[2J")
            .query("x=1")
            .body(Bytes::from_static(b"{"))
            .body_size(70_000)
            .truncated(true)
            .analysis(Analysis {
                body_kind: BodyKind::Json,
                anomalies: vec![Anomaly::text("body_too_large", String::new())].into(),
                ..Analysis::default()
            })
            .response(ResponseInfo::local(413, 0.1))
            .build()
    }

    #[test]
    fn summary_lines_escape_what_they_show() {
        let event = oversized_event(Utc.with_ymd_and_hms(2026, 11, 22, 6, 31, 23).unwrap());
        assert_eq!(
            summary_line(&event),
            "06:31:23.000  #12  POST /hooks/\\x1b[2J?x=1  json 68.4 KiB (truncated) → 413  ⚠ body_too_large"
        );
        let mut small = event;
        small.set_body_size(600);
        assert!(summary_line(&small).contains("  json 600 B (truncated) → 413"));
    }
}
