//! Headless output: one line per event on stdout, in capture order, for CI logs and pipes.
//! Reads the store after the fact, so printing never holds capture up.

use std::io::{self, Write};
use std::sync::Arc;

use tokio::sync::watch;

use crate::config::format_size;
use crate::event::{CapturedEvent, Provider};
use crate::sanitize;
use crate::store::Store;

const BATCH: usize = 1024;
/// How long new events may wait to be printed, so that a burst is printed in one go.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(20);

/// One event as a line, without the newline:
/// `06:31:23.123  #12  POST /hooks?x=1  json 600 B → 200  wms INTERMEDIATE_RESULTS`.
pub fn summary_line(event: &CapturedEvent) -> String {
    let mut target = sanitize::escape(&event.path).into_owned();
    if let Some(query) = &event.query {
        target.push('?');
        target.push_str(&sanitize::escape(query));
    }
    let mut size = format!(
        "{} {}",
        event.analysis.body_kind.as_str(),
        format_size(event.body_size)
    );
    if event.truncated {
        size.push_str(" (truncated)");
    }
    let mut line = format!(
        "{}  #{}  {} {}  {} → {}",
        event.received_at.format("%H:%M:%S%.3f"),
        event.id,
        sanitize::escape(&event.method),
        target,
        size,
        event.response.status
    );
    let analysis = &event.analysis;
    if analysis.provider != Provider::Generic {
        line.push_str("  ");
        line.push_str(analysis.provider.as_str());
        if let Some(kind) = &analysis.kind {
            line.push(' ');
            line.push_str(&sanitize::escape(kind));
        }
    }
    for anomaly in &analysis.anomalies {
        line.push_str("  ⚠ ");
        line.push_str(&anomaly.code);
    }
    if let Some(error) = event.response.error() {
        line.push_str("  ✗ ");
        line.push_str(&sanitize::escape(error));
    }
    line
}

/// Prints every event as it is stored until `stop` turns true, then prints what is left.
pub async fn print_events(store: Arc<Store>, mut stop: watch::Receiver<bool>) {
    let mut changes = store.subscribe();
    let mut next = 1u64;
    loop {
        let stopping = *stop.borrow();
        loop {
            let batch = store.batch_from(next, BATCH);
            let Some(last) = batch.last() else { break };
            let first = batch[0].id;
            let full = batch.len() == BATCH;
            let mut out = io::stdout().lock();
            let mut write = || -> io::Result<()> {
                if first > next {
                    writeln!(
                        out,
                        "… {} events were evicted before they could be printed",
                        first - next
                    )?;
                }
                for event in &batch {
                    writeln!(out, "{}", summary_line(event))?;
                }
                out.flush()
            };
            if write().is_err() {
                return; // stdout is gone (a closed pipe): nothing more to print to
            }
            next = last.id + 1;
            if !full {
                break;
            }
        }
        if stopping {
            return;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Analysis, Anomaly, BodyKind, HeaderList, HttpVersion, ResponseInfo};
    use bytes::Bytes;
    use chrono::{TimeZone, Utc};

    #[test]
    fn summary_lines_escape_what_they_show() {
        let event = CapturedEvent {
            id: 12,
            received_at: Utc.with_ymd_and_hms(2026, 11, 22, 6, 31, 23).unwrap(),
            remote_addr: "127.0.0.1:1".into(),
            http_version: HttpVersion::Http11,
            method: "POST".into(),
            path: "/hooks/\u{1b}[2J".into(),
            query: Some("x=1".into()),
            headers: HeaderList::default(),
            body: Bytes::from_static(b"{"),
            body_size: 70_000,
            truncated: true,
            analysis: Analysis {
                body_kind: BodyKind::Json,
                anomalies: vec![Anomaly {
                    code: "body_too_large".into(),
                    message: String::new(),
                }]
                .into(),
                ..Analysis::default()
            },
            response: ResponseInfo::local(413, 0.1),
        };
        assert_eq!(
            summary_line(&event),
            "06:31:23.000  #12  POST /hooks/\\x1b[2J?x=1  json 68.4 KiB (truncated) → 413  ⚠ body_too_large"
        );
    }
}
