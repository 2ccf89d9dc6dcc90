//! Where a finished event goes: through the stateful analysis (sequences, timelines,
//! redeliveries), into the store and, when asked, onto the JSON Lines log — written before the
//! answer leaves, so the log never misses an answered request.
//!
//! One lock covers all three, so that analysis order, id order and log order are the same.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use crate::analysis::{AnalysisLimits, Analyzer};
use crate::config::JsonlTarget;
use crate::decode::facts::Facts;
use crate::event::CapturedEvent;
use crate::event::{Provider, Severity};
use crate::export;
use crate::store::Store;

enum JsonlSink {
    Stdout,
    File(File),
}

impl JsonlSink {
    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        match self {
            // One write of a whole line: the kernel has it (and a crash cannot lose it) as soon
            // as the call returns.
            JsonlSink::File(file) => file.write_all(line),
            JsonlSink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(line)?;
                out.flush()
            }
        }
    }
}

pub struct Recorder {
    store: Arc<Store>,
    ingest: Mutex<Ingest>,
    jsonl_error: OnceLock<String>,
}

struct Ingest {
    analyzer: Analyzer,
    jsonl: Option<JsonlSink>,
}

impl Recorder {
    pub fn new(store: Arc<Store>, jsonl: Option<&JsonlTarget>) -> io::Result<Recorder> {
        let jsonl = match jsonl {
            None => None,
            Some(JsonlTarget::Stdout) => Some(JsonlSink::Stdout),
            Some(JsonlTarget::File(path)) => Some(JsonlSink::File(open_append(path)?)),
        };
        Ok(Recorder {
            store,
            ingest: Mutex::new(Ingest {
                analyzer: Analyzer::new(AnalysisLimits::default()),
                jsonl,
            }),
            jsonl_error: OnceLock::new(),
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Analyses `event` in capture order, stores it (it gets its id here) and logs it.
    pub fn record(&self, mut event: CapturedEvent, facts: &Facts) -> Arc<CapturedEvent> {
        let mut ingest = self.ingest.lock().unwrap_or_else(|p| p.into_inner());
        let before = event.analysis.anomalies.len();
        ingest.analyzer.observe(&mut event, facts);
        // A WMS event's severity is the body's own word; for the others, what analysis found
        // (a job ending twice, an asset before valid capture data) is worth a warning.
        if event.analysis.anomalies.len() > before && event.analysis.provider != Provider::Wms {
            event.analysis.severity = event.analysis.severity.max(Severity::Warn);
        }
        let stored = self.store.push(event);
        ingest.analyzer.stored(&stored);
        if let Some(sink) = ingest.jsonl.as_mut()
            && let Err(e) = sink.write_line(&export::event_line(&stored))
        {
            let _ = self
                .jsonl_error
                .set(format!("writing the JSON Lines log failed: {e}"));
        }
        stored
    }

    /// Rebuilds the analysis state from events read back from an export, in id order, without
    /// storing or changing them: their bodies are decoded again for the vendor fields.
    pub fn rebuild_analysis<'a>(&self, events: impl IntoIterator<Item = &'a CapturedEvent>) {
        let mut ingest = self.ingest.lock().unwrap_or_else(|p| p.into_inner());
        for event in events {
            let content_type = event.headers.get_str("content-type");
            let (kind, json) =
                crate::decode::body::shape(content_type, &event.body, event.truncated);
            let facts = crate::decode::vendor::detect(&event.headers, kind, json.as_ref()).facts;
            let mut copy = event.clone();
            ingest.analyzer.observe(&mut copy, &facts);
            ingest.analyzer.stored(event);
        }
    }

    /// Reads the analysis state (sessions, timelines) under the lock; keep `read` short.
    pub fn analysis<R>(&self, read: impl FnOnce(&Analyzer) -> R) -> R {
        read(
            &self
                .ingest
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .analyzer,
        )
    }

    /// The first error met while writing the log, if any.
    pub fn jsonl_error(&self) -> Option<&str> {
        self.jsonl_error.get().map(String::as_str)
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot open the JSON Lines log {}: {e}", path.display()),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Analysis, CapturedEvent, HeaderList, HttpVersion, ResponseInfo};
    use crate::store::Limits;
    use bytes::Bytes;

    fn wms(id: u64, seq: u64) -> CapturedEvent {
        let body = format!(
            r#"{{"timestamp":1700000000,"sessionId":"s1","sequence":{seq},"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{{"snr":50}}}}"#
        );
        CapturedEvent {
            id,
            received_at: CapturedEvent::now(),
            remote_addr: "127.0.0.1:1".into(),
            http_version: HttpVersion::Http11,
            method: "POST".into(),
            path: "/".into(),
            query: None,
            headers: HeaderList::from_pairs([(&b"content-type"[..], &b"application/json"[..])]),
            body: Bytes::from(body),
            body_size: 0,
            truncated: false,
            analysis: Analysis {
                provider: Provider::Wms,
                ..Analysis::default()
            },
            response: ResponseInfo::local(200, 0.1),
        }
    }

    #[test]
    fn analysis_is_rebuilt_from_imported_events() {
        let store = Arc::new(Store::new(Limits {
            capacity: 10,
            max_bytes: 1 << 20,
        }));
        let recorder = Recorder::new(store, None).unwrap();
        let events = [wms(1, 0), wms(2, 1), wms(3, 4)];
        recorder.rebuild_analysis(&events);
        let (highest, missing) = recorder.analysis(|a| {
            let session = a.session("s1").unwrap();
            (session.highest, session.missing.to_string())
        });
        assert_eq!(highest, Some(4));
        assert_eq!(missing, "2-3");
    }
}
