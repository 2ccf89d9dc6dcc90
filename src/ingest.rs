//! The ingest stage: what turns a captured request into a stored, analysed, logged event. The
//! listener hands each finished event to the [`Recorder`], which puts it through the stateful
//! analysis (sequences, timelines, redeliveries), into the store and, when asked, onto the JSON
//! Lines log ([`crate::export::jsonl`]); `open FILE` rebuilds the analysis of events read back.
//!
//! One lock covers analysis and store, and the event's log line is queued under it too, so that
//! analysis order, id order and log order are the same. A request is answered only once its line
//! is written (see [`Recorder::logged`]), so the log never misses an answered request; whoever
//! writes takes every line queued so far, so under load one write carries many lines.
//!
//! A line that cannot be written (a full disk, a closed pipe) is not retried: its request is
//! answered `503` so that the sender sends it again, and the stored event is changed to say so
//! (status 503, severity error, a `log_write_failed` anomaly) before anyone is answered.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::analysis::{AnalysisLimits, AnalysisSnapshot, Analyzer};
use crate::checks::Checks;
use crate::event::facts::Facts;
use crate::event::{Anomaly, CapturedEvent};
use crate::event::{Provider, Severity};
use crate::export::jsonl::JsonlTarget;
use crate::export::jsonl::{JsonlLog, LogHealth};
use crate::store::Store;

/// The status a request gets when its line could not be written: "try again later".
pub const LOG_FAILED_STATUS: u16 = 503;

/// The anomaly code of an event whose line is not in the log.
pub const LOG_FAILED_CODE: &str = crate::event::anomaly::LOG_WRITE_FAILED;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where the listener hands finished events, and where the interface and exports read the
/// analysis from.
pub struct Recorder {
    store: Arc<Store>,
    /// Held while an event is analysed, stored and queued for the log.
    analyzer: Mutex<Analyzer>,
    log: Option<JsonlLog>,
    /// `--expect` / `--forbid`: shown every event, in capture order.
    checks: Option<Arc<Checks>>,
}

impl Recorder {
    pub fn new(store: Arc<Store>, jsonl: Option<&JsonlTarget>) -> io::Result<Recorder> {
        let log = match jsonl {
            None => None,
            Some(JsonlTarget::Stdout) => Some(JsonlLog::stdout()),
            Some(JsonlTarget::File(path)) => Some(JsonlLog::append_to(path)?),
        };
        Ok(Recorder {
            store,
            analyzer: Mutex::new(Analyzer::new(AnalysisLimits::default())),
            log,
            checks: None,
        })
    }

    /// Shows every event recorded from now on to `checks`.
    pub fn with_checks(mut self, checks: Arc<Checks>) -> Recorder {
        self.checks = Some(checks);
        self
    }

    /// The checks events are shown to, if any.
    pub fn checks(&self) -> Option<&Arc<Checks>> {
        self.checks.as_ref()
    }

    /// A recorder logging to any writer, for tests of failing and recovering logs.
    #[cfg(test)]
    fn with_writer(store: Arc<Store>, out: Box<dyn std::io::Write + Send>) -> Recorder {
        Recorder {
            store,
            analyzer: Mutex::new(Analyzer::new(AnalysisLimits::default())),
            log: Some(JsonlLog::to_writer(out)),
            checks: None,
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Analyses `event` in capture order, stores it (it gets its id here) and queues it for the
    /// log. Answer the request only after [`Recorder::logged`] for its id.
    pub fn record(&self, event: CapturedEvent, facts: &Facts) -> Arc<CapturedEvent> {
        self.record_inner(event, facts, None::<fn(&mut CapturedEvent)>)
    }

    /// As [`Recorder::record`], with `finish` run on the event once it has its id, before it
    /// is stored: for an answer that carries the id.
    pub fn record_finishing(
        &self,
        event: CapturedEvent,
        facts: &Facts,
        finish: impl FnOnce(&mut CapturedEvent),
    ) -> Arc<CapturedEvent> {
        self.record_inner(event, facts, Some(finish))
    }

    fn record_inner(
        &self,
        mut event: CapturedEvent,
        facts: &Facts,
        finish: Option<impl FnOnce(&mut CapturedEvent)>,
    ) -> Arc<CapturedEvent> {
        let mut analyzer = lock(&self.analyzer);
        let before = event.analysis.anomalies.len();
        analyzer.observe(&mut event, facts);
        // A WMS event's severity is the body's own word; for the others, what analysis found
        // (a job ending twice, an asset before valid capture data) is worth a warning.
        if event.analysis.anomalies.len() > before && event.analysis.provider != Provider::Wms {
            event.analysis.severity = event.analysis.severity.max(Severity::Warn);
        }
        let stored = match finish {
            Some(finish) => self.store.push_finishing(event, finish),
            None => self.store.push(event),
        };
        analyzer.stored(&stored);
        // Under the analysis lock, so the checks see events in capture order.
        if let Some(checks) = &self.checks {
            checks.observe(&stored);
        }
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
        self.log.as_ref().map_or(u64::MAX, JsonlLog::settled)
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

    /// Drops every stored event (they count as evicted) and, with `analysis`, what the analysis
    /// knows too (sessions, timelines, redeliveries), under the lock that recording takes, so
    /// that no event is analysed but not stored, or stored but not analysed, across the clear.
    /// Returns how many events were dropped.
    pub fn clear(&self, analysis: bool) -> usize {
        let mut analyzer = lock(&self.analyzer);
        let dropped = self.store.len();
        self.store.clear();
        if analysis {
            analyzer.clear();
        }
        dropped
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use crate::event::{CapturedEvent, ResponseInfo};
    use crate::export;
    use crate::store::Limits;
    use std::io::Write;

    fn wms(id: u64, seq: u64) -> CapturedEvent {
        let body = format!(
            r#"{{"timestamp":1700000000,"sessionId":"s1","sequence":{seq},"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{{"snr":50}}}}"#
        );
        EventBuilder::new(id)
            .header("content-type", "application/json")
            .body(body)
            .provider(Provider::Wms)
            .response(ResponseInfo::local(200, 0.1))
            .build()
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
