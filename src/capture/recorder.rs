//! Where a finished event goes: through the stateful analysis (sequences, timelines,
//! redeliveries), into the store and, when asked, onto the JSON Lines log.
//!
//! One lock covers analysis and store, and the event's log line is queued under it too, so that
//! analysis order, id order and log order are the same. A request is answered only once its line
//! is written (see [`Recorder::logged`]), so the log never misses an answered request; whoever
//! writes takes every line queued so far, so under load one write carries many lines.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

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
    fn write_lines(&mut self, lines: &[u8]) -> io::Result<()> {
        match self {
            // Whole lines in one call: the kernel has them (and a crash of this process cannot
            // lose them) as soon as it returns.
            JsonlSink::File(file) => file.write_all(lines),
            JsonlSink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(lines)?;
                out.flush()
            }
        }
    }
}

/// The JSON Lines log: lines queued in id order, and the file they go to.
struct JsonlLog {
    queued: Mutex<Queued>,
    /// Held while writing, so that batches reach the file in order.
    writer: Mutex<Writer>,
    /// The id of the last event whose line is written (or whose write failed).
    written: AtomicU64,
    error: OnceLock<String>,
}

#[derive(Default)]
struct Queued {
    lines: Vec<u8>,
    /// The id of the last event in `lines`.
    last: u64,
}

struct Writer {
    sink: JsonlSink,
    /// The buffer that changes places with the queue on each write, so neither reallocates.
    spare: Vec<u8>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Drop for JsonlLog {
    fn drop(&mut self) {
        self.write_through(u64::MAX);
    }
}

/// Past this, a buffer left behind by a burst is let go rather than kept for the next batch.
const KEEP_BUFFER: usize = 1 << 20;

impl JsonlLog {
    fn new(sink: JsonlSink) -> JsonlLog {
        JsonlLog {
            queued: Mutex::new(Queued::default()),
            writer: Mutex::new(Writer {
                sink,
                spare: Vec::new(),
            }),
            written: AtomicU64::new(0),
            error: OnceLock::new(),
        }
    }

    /// Queues the line of `event`; events must come in id order.
    fn queue(&self, event: &CapturedEvent) {
        let mut queued = lock(&self.queued);
        // Writing into a Vec cannot fail.
        let _ = export::push_event(&mut queued.lines, event);
        queued.lines.push(b'\n');
        queued.last = event.id;
    }

    fn is_written(&self, id: u64) -> bool {
        self.written.load(Ordering::Acquire) >= id
    }

    /// Makes sure the line of event `id` is written: writes everything queued unless another
    /// caller's write already carried it.
    fn write_through(&self, id: u64) {
        let mut writer = lock(&self.writer);
        if self.is_written(id) {
            return;
        }
        let Writer { sink, spare } = &mut *writer;
        spare.clear();
        let last = {
            let mut queued = lock(&self.queued);
            std::mem::swap(&mut queued.lines, spare);
            queued.last
        };
        if !spare.is_empty()
            && let Err(e) = sink.write_lines(spare)
        {
            let _ = self
                .error
                .set(format!("writing the JSON Lines log failed: {e}"));
        }
        if spare.capacity() > KEEP_BUFFER {
            *spare = Vec::new();
        }
        self.written.store(last, Ordering::Release);
    }
}

pub struct Recorder {
    store: Arc<Store>,
    /// Held while an event is analysed, stored and queued for the log.
    analyzer: Mutex<Analyzer>,
    log: Option<JsonlLog>,
}

impl Recorder {
    pub fn new(store: Arc<Store>, jsonl: Option<&JsonlTarget>) -> io::Result<Recorder> {
        let log = match jsonl {
            None => None,
            Some(JsonlTarget::Stdout) => Some(JsonlLog::new(JsonlSink::Stdout)),
            Some(JsonlTarget::File(path)) => {
                Some(JsonlLog::new(JsonlSink::File(open_append(path)?)))
            }
        };
        Ok(Recorder {
            store,
            analyzer: Mutex::new(Analyzer::new(AnalysisLimits::default())),
            log,
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Analyses `event` in capture order, stores it (it gets its id here) and queues it for the
    /// log. Answer the request only after [`Recorder::logged`] for its id.
    pub fn record(&self, mut event: CapturedEvent, facts: &Facts) -> Arc<CapturedEvent> {
        let mut analyzer = lock(&self.analyzer);
        let before = event.analysis.anomalies.len();
        analyzer.observe(&mut event, facts);
        // A WMS event's severity is the body's own word; for the others, what analysis found
        // (a job ending twice, an asset before valid capture data) is worth a warning.
        if event.analysis.anomalies.len() > before && event.analysis.provider != Provider::Wms {
            event.analysis.severity = event.analysis.severity.max(Severity::Warn);
        }
        let stored = self.store.push(event);
        analyzer.stored(&stored);
        if let Some(log) = &self.log {
            log.queue(&stored);
        }
        stored
    }

    /// Completes once the event `id` is on the log (at once without a log). A failed write
    /// completes it too: the failure is reported by [`Recorder::jsonl_error`].
    pub async fn logged(&self, id: u64) {
        let Some(log) = &self.log else { return };
        if log.is_written(id) {
            return;
        }
        // Let the other requests ready to finish queue their lines first: the write below then
        // carries them all, instead of one system call per request.
        tokio::task::yield_now().await;
        log.write_through(id);
    }

    /// Writes every line still queued (of requests whose sender went away before the write).
    pub fn close_log(&self) {
        if let Some(log) = &self.log {
            log.write_through(u64::MAX);
        }
    }

    /// Rebuilds the analysis state from events read back from an export, in id order, without
    /// storing or changing them: their bodies are decoded again for the vendor fields.
    pub fn rebuild_analysis<'a>(&self, events: impl IntoIterator<Item = &'a CapturedEvent>) {
        let mut analyzer = lock(&self.analyzer);
        for event in events {
            let content_type = event.headers.get_str("content-type");
            let (kind, json) =
                crate::decode::body::shape(content_type, &event.body, event.truncated);
            let facts = crate::decode::vendor::detect(&event.headers, kind, json.as_ref()).facts;
            let mut copy = event.clone();
            analyzer.observe(&mut copy, &facts);
            analyzer.stored(event);
        }
    }

    /// Reads the analysis state (sessions, timelines) under the lock; keep `read` short.
    pub fn analysis<R>(&self, read: impl FnOnce(&Analyzer) -> R) -> R {
        read(&lock(&self.analyzer))
    }

    /// The first error met while writing the log, if any.
    pub fn jsonl_error(&self) -> Option<&str> {
        self.log
            .as_ref()
            .and_then(|log| log.error.get())
            .map(String::as_str)
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
