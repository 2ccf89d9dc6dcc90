//! Where a finished event goes: through the stateful analysis (sequences, timelines,
//! redeliveries), into the store and, when asked, onto the JSON Lines log.
//!
//! One lock covers analysis and store, and the event's log line is queued under it too, so that
//! analysis order, id order and log order are the same. A request is answered only once its line
//! is written (see [`Recorder::logged`]), so the log never misses an answered request; whoever
//! writes takes every line queued so far, so under load one write carries many lines.
//!
//! A line that cannot be written (a full disk, a closed pipe) is not retried: its request is
//! answered `503` so that the sender sends it again, and the stored event is changed to say so
//! (status 503, severity error, a `log_write_failed` anomaly) before anyone is answered. Every
//! later batch tries the log again, so a log that recovers (space freed) takes the next events
//! as usual; a line cut off by a failure is ended first, so that the next starts on its own line.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::analysis::{AnalysisLimits, AnalysisSnapshot, Analyzer};
use crate::config::JsonlTarget;
use crate::decode::facts::Facts;
use crate::event::{Anomaly, CapturedEvent};
use crate::event::{Provider, Severity};
use crate::export;
use crate::store::Store;

/// The status a request gets when its line could not be written: "try again later".
pub const LOG_FAILED_STATUS: u16 = 503;

/// The anomaly code of an event whose line is not in the log.
pub const LOG_FAILED_CODE: &str = crate::event::anomaly::LOG_WRITE_FAILED;

enum JsonlSink {
    Stdout,
    File(File),
    /// Any writer, for tests that make writes fail and recover at will.
    #[cfg(test)]
    Test(Box<dyn Write + Send>),
}

impl JsonlSink {
    /// Writes whole lines; on failure, says how many of their bytes got out before it.
    fn write_lines(&mut self, lines: &[u8]) -> Result<(), (usize, io::Error)> {
        match self {
            // Whole lines in as few calls as the kernel allows: it has them (and a crash of this
            // process cannot lose them) as soon as each returns.
            JsonlSink::File(file) => write_counted(file, lines),
            // Standard output buffers, so what got out before a failure is unknown: nothing is
            // counted as written (a line twice in the output rather than an answered one missing).
            JsonlSink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(lines)
                    .and_then(|()| out.flush())
                    .map_err(|e| (0, e))
            }
            #[cfg(test)]
            JsonlSink::Test(out) => write_counted(out, lines),
        }
    }
}

/// `write_all`, but telling how far it got when it fails.
fn write_counted(out: &mut impl Write, bytes: &[u8]) -> Result<(), (usize, io::Error)> {
    let mut done = 0;
    while done < bytes.len() {
        match out.write(&bytes[done..]) {
            Ok(0) => return Err((done, io::ErrorKind::WriteZero.into())),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((done, e)),
        }
    }
    Ok(())
}

/// The JSON Lines log: lines queued in id order, and the file they go to.
struct JsonlLog {
    queued: Mutex<Queued>,
    /// Held while writing, so that batches reach the file in order.
    writer: Mutex<Writer>,
    /// The id of the last event whose line is written (or whose write failed).
    written: AtomicU64,
    /// Set at the first failed write; until then no answer needs to look at `health`.
    any_failed: AtomicBool,
    health: Mutex<Health>,
}

#[derive(Default)]
struct Queued {
    lines: Vec<u8>,
    /// The ids of the first and the last event in `lines` (consecutive: ids are given out and
    /// lines queued under the same lock).
    first: u64,
    last: u64,
}

struct Writer {
    sink: JsonlSink,
    /// The buffer that changes places with the queue on each write, so neither reallocates.
    spare: Vec<u8>,
    /// The log ends in the middle of a line (cut off by a failed write, or found so on
    /// opening): the next write ends it first.
    mid_line: bool,
}

/// How writing the log went, for the interface and the headless output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogHealth {
    /// The latest write failed: requests are answered 503 until a write succeeds again.
    pub failing: bool,
    /// Events whose line is not in the log (each was answered 503).
    pub not_logged: u64,
    /// The latest error, as a sentence.
    pub error: Option<String>,
}

#[derive(Default)]
struct Health {
    /// Ids of events whose line could not be written: ascending, disjoint ranges, adjacent ones
    /// merged (a log that stays full is one range).
    failed: Vec<(u64, u64)>,
    state: LogHealth,
}

impl Health {
    fn add_failed(&mut self, first: u64, last: u64) {
        match self.failed.last_mut() {
            Some(range) if range.1.checked_add(1) == Some(first) => range.1 = last,
            _ => self.failed.push((first, last)),
        }
        self.state.not_logged += last - first + 1;
    }

    fn is_failed(&self, id: u64) -> bool {
        let after = self.failed.partition_point(|&(first, _)| first <= id);
        after > 0 && self.failed[after - 1].1 >= id
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Drop for JsonlLog {
    fn drop(&mut self) {
        self.write_through(u64::MAX, |_, _, _| {});
    }
}

/// Past this, a buffer left behind by a burst is let go rather than kept for the next batch.
const KEEP_BUFFER: usize = 1 << 20;

impl JsonlLog {
    fn new(sink: JsonlSink, mid_line: bool) -> JsonlLog {
        JsonlLog {
            queued: Mutex::new(Queued::default()),
            writer: Mutex::new(Writer {
                sink,
                spare: Vec::new(),
                mid_line,
            }),
            written: AtomicU64::new(0),
            any_failed: AtomicBool::new(false),
            health: Mutex::new(Health::default()),
        }
    }

    /// Queues the line of `event`; events must come in id order.
    fn queue(&self, event: &CapturedEvent) {
        let mut queued = lock(&self.queued);
        if queued.lines.is_empty() {
            queued.first = event.id;
        }
        // Writing into a Vec cannot fail.
        let _ = export::push_event(&mut queued.lines, event);
        queued.lines.push(b'\n');
        queued.last = event.id;
    }

    fn is_written(&self, id: u64) -> bool {
        self.written.load(Ordering::Acquire) >= id
    }

    /// Whether the line of event `id`, once its write is over, is in the log.
    fn line_written(&self, id: u64) -> bool {
        !self.any_failed.load(Ordering::Acquire) || !lock(&self.health).is_failed(id)
    }

    /// Makes sure the line of event `id` is written: writes everything queued unless another
    /// caller's write already carried it. The ids of lines that could not be written go to
    /// `failed` (first, last, why) before any caller learns that the write is over.
    fn write_through(&self, id: u64, failed: impl FnOnce(u64, u64, &str)) {
        let mut writer = lock(&self.writer);
        if self.is_written(id) {
            return;
        }
        let Writer {
            sink,
            spare,
            mid_line,
        } = &mut *writer;
        spare.clear();
        let (first, last) = {
            let mut queued = lock(&self.queued);
            std::mem::swap(&mut queued.lines, spare);
            (queued.first, queued.last)
        };
        if !spare.is_empty() {
            // A line left unfinished is ended first, so that this batch starts on a line of its
            // own (the fragment stays behind as a line that does not parse).
            let ended = if *mid_line {
                sink.write_lines(b"\n").map(|()| *mid_line = false)
            } else {
                Ok(())
            };
            match ended.and_then(|()| sink.write_lines(spare)) {
                Ok(()) => {
                    if self.any_failed.load(Ordering::Relaxed) {
                        lock(&self.health).state.failing = false;
                    }
                }
                Err((done, error)) => {
                    let done = if *mid_line { 0 } else { done };
                    let whole = spare[..done].iter().filter(|&&b| b == b'\n').count() as u64;
                    *mid_line |= done > 0 && spare[done - 1] != b'\n';
                    let reason = error.to_string();
                    let first_failed = first + whole;
                    if first_failed <= last {
                        {
                            let mut health = lock(&self.health);
                            health.add_failed(first_failed, last);
                            health.state.failing = true;
                            health.state.error =
                                Some(format!("writing the JSON Lines log failed: {reason}"));
                        }
                        self.any_failed.store(true, Ordering::Release);
                        failed(first_failed, last, &reason);
                    }
                }
            }
        }
        if spare.capacity() > KEEP_BUFFER {
            *spare = Vec::new();
        }
        self.written.store(last, Ordering::Release);
    }

    fn health(&self) -> LogHealth {
        lock(&self.health).state.clone()
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
            Some(JsonlTarget::Stdout) => Some(JsonlLog::new(JsonlSink::Stdout, false)),
            Some(JsonlTarget::File(path)) => {
                let (file, mid_line) = open_append(path)?;
                Some(JsonlLog::new(JsonlSink::File(file), mid_line))
            }
        };
        Ok(Recorder {
            store,
            analyzer: Mutex::new(Analyzer::new(AnalysisLimits::default())),
            log,
        })
    }

    /// A recorder logging to any writer, for tests of failing and recovering logs.
    #[cfg(test)]
    fn with_writer(store: Arc<Store>, out: Box<dyn Write + Send>) -> Recorder {
        Recorder {
            store,
            analyzer: Mutex::new(Analyzer::new(AnalysisLimits::default())),
            log: Some(JsonlLog::new(JsonlSink::Test(out), false)),
        }
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

    /// Completes once the write of event `id`'s line is over (at once without a log), and says
    /// whether the line is in the log. When it is not, the request must be answered
    /// [`LOG_FAILED_STATUS`]: the stored event already says so.
    pub async fn logged(&self, id: u64) -> bool {
        let Some(log) = &self.log else { return true };
        if !log.is_written(id) {
            // Let the other requests ready to finish queue their lines first: the write below
            // then carries them all, instead of one system call per request.
            tokio::task::yield_now().await;
            self.write_through(log, id);
        }
        log.line_written(id)
    }

    /// Writes every line still queued (of requests whose sender went away before the write).
    pub fn flush_log(&self) {
        if let Some(log) = &self.log {
            self.write_through(log, u64::MAX);
        }
    }

    /// The id up to which every event's log write is over (so its stored answer is final);
    /// every id without a log.
    pub fn log_settled(&self) -> u64 {
        self.log
            .as_ref()
            .map_or(u64::MAX, |log| log.written.load(Ordering::Acquire))
    }

    fn write_through(&self, log: &JsonlLog, id: u64) {
        log.write_through(id, |first, last, error| {
            self.mark_not_logged(first, last, error);
        });
    }

    /// Makes the stored events `first..=last` say that their line is not in the log and that
    /// their sender was answered 503, and tells the redelivery analysis the same, so that a
    /// re-send links to the answer really given.
    fn mark_not_logged(&self, first: u64, last: u64, error: &str) {
        let mut analyzer = lock(&self.analyzer);
        self.store.update_each(first..=last, |event| {
            let planned = event.response.status;
            event.response.status = LOG_FAILED_STATUS;
            event.analysis.severity = Severity::Error;
            let mut anomalies = event.analysis.anomalies.take_vec();
            anomalies.push(Anomaly::LogWriteFailed {
                error: error.into(),
                answered: LOG_FAILED_STATUS,
                planned,
            });
            event.analysis.anomalies = anomalies.into();
            analyzer.answered_instead(event, LOG_FAILED_STATUS);
        });
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

    /// Every summary (sessions, timelines) as it is now, for an export.
    pub fn analysis_snapshot(&self) -> AnalysisSnapshot {
        self.analysis(Analyzer::snapshot)
    }

    /// The summaries `events` belong to, for an export of only those.
    pub fn analysis_snapshot_of<'a>(
        &self,
        events: impl IntoIterator<Item = &'a CapturedEvent>,
    ) -> AnalysisSnapshot {
        self.analysis(|a| a.snapshot_of(events))
    }

    /// How writing the JSON Lines log goes; `None` without a log.
    pub fn log_health(&self) -> Option<LogHealth> {
        self.log.as_ref().map(JsonlLog::health)
    }
}

/// Opens the log for appending, and tells whether it ends in the middle of a line (the last
/// line of an earlier run was cut off), so that the first write can end that line first.
fn open_append(path: &Path) -> io::Result<(File, bool)> {
    let named = |e: io::Error| {
        io::Error::new(
            e.kind(),
            format!("cannot open the JSON Lines log {}: {e}", path.display()),
        )
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(named)?;
    // Only a regular file has a last byte to look at (not a pipe or a device); a log that can
    // be appended to but not read is taken as it is.
    let mid_line = file.metadata().is_ok_and(|m| m.is_file() && m.len() > 0)
        && ends_mid_line(path).unwrap_or(false);
    Ok((file, mid_line))
}

fn ends_mid_line(path: &Path) -> io::Result<bool> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
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

    /// A log that accepts `budget` more bytes, then fails every write until given more.
    #[derive(Clone, Default)]
    struct Disk(Arc<Mutex<(Vec<u8>, Option<usize>)>>);

    impl Disk {
        fn set_budget(&self, budget: Option<usize>) {
            lock(&self.0).1 = budget;
        }

        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).0.clone()).unwrap()
        }
    }

    impl Write for Disk {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut disk = lock(&self.0);
            let n = disk.1.map_or(buf.len(), |budget| budget.min(buf.len()));
            if n == 0 && !buf.is_empty() {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            disk.0.extend_from_slice(&buf[..n]);
            if let Some(budget) = &mut disk.1 {
                *budget -= n;
            }
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_full_log_answers_503_until_it_recovers_and_never_glues_lines() {
        let store = Arc::new(Store::new(Limits {
            capacity: 100,
            max_bytes: 1 << 20,
        }));
        let disk = Disk::default();
        let recorder = Recorder::with_writer(Arc::clone(&store), Box::new(disk.clone()));
        let facts = Facts::None;
        let record = |seq| recorder.record(wms(0, seq), &facts).id;

        let (a, b) = (record(0), record(1));
        assert!(recorder.logged(b).await && recorder.logged(a).await);
        assert_eq!(recorder.log_health(), Some(LogHealth::default()));

        // The disk fills up ten bytes into the next batch: both of its events fail.
        disk.set_budget(Some(10));
        let (c, d) = (record(2), record(3));
        assert!(!recorder.logged(d).await);
        assert!(!recorder.logged(c).await);
        for id in [c, d] {
            let event = store.get(id).unwrap();
            assert_eq!(event.response.status, LOG_FAILED_STATUS);
            assert_eq!(event.analysis.severity, Severity::Error);
            let anomaly = event.analysis.anomalies.last().unwrap();
            assert_eq!(anomaly.code(), LOG_FAILED_CODE);
            assert!(
                anomaly.message().contains("disk full")
                    && anomaly.message().contains("instead of 200"),
                "{}",
                anomaly.message()
            );
        }
        let health = recorder.log_health().unwrap();
        assert!(health.failing);
        assert_eq!(health.not_logged, 2);
        assert!(health.error.unwrap().contains("disk full"));

        // Room for the first line of a batch and a bit: the first is logged, the second not.
        let line = export::event_line(&store.get(a).unwrap()).len();
        disk.set_budget(Some(1 + line + 5));
        let (e, f) = (record(4), record(5));
        assert!(!recorder.logged(f).await);
        assert!(recorder.logged(e).await);
        assert_eq!(store.get(e).unwrap().response.status, 200);
        assert_eq!(store.get(f).unwrap().response.status, LOG_FAILED_STATUS);

        // Space again: answers are back to normal, and a re-send of a body answered 503
        // links to that answer.
        disk.set_budget(None);
        let again = recorder.record(wms(0, 3), &facts);
        assert!(recorder.logged(again.id).await);
        let redelivery = again.analysis.redelivery.as_deref().unwrap();
        assert_eq!(
            (redelivery.previous_id, redelivery.previous_status),
            (d, LOG_FAILED_STATUS)
        );
        let health = recorder.log_health().unwrap();
        assert!(!health.failing);
        assert_eq!(health.not_logged, 3);

        // Every line stands alone: whole events, and the fragments the failures left behind.
        let text = disk.text();
        let lines: Vec<&str> = text.lines().collect();
        let parsed: Vec<u64> = lines
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| v["id"].as_u64().unwrap())
            .collect();
        assert_eq!(parsed, [a, b, e, again.id], "{text}");
        assert_eq!(lines.len(), 6, "{text}");
        assert!(text.ends_with('\n'));
    }
}
