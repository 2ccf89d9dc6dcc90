//! Builders of captured events and vendor facts for the analysis tests.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::{AnalysisLimits, Analyzer};
use crate::event::build::EventBuilder;
use crate::event::facts::{Facts, JobError, JobPhase, PrismFacts, PrismJob, VideoFacts, WmsFacts};
use crate::event::{CapturedEvent, Provider, ResponseInfo, SequenceStatus};

/// `t0 + secs`, with t0 a fixed instant so messages with clock times are stable.
pub(crate) fn at(secs: f64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 13, 14, 0, 0).unwrap()
        + TimeDelta::microseconds((secs * 1e6).round() as i64)
}

pub(crate) fn event(provider: Provider, body: &str, at: DateTime<Utc>) -> CapturedEvent {
    EventBuilder::new(0)
        .received_at(at)
        .path("/hook")
        .body(body.to_owned())
        .provider(provider)
        .response(ResponseInfo::local(200, 1.0))
        .build()
}

/// WMS facts; the body is built from them, so different facts make different bodies.
pub(crate) fn wms(session: &str, seq: u64, name: &str) -> WmsFacts {
    WmsFacts {
        session_id: session.to_owned(),
        sequence: Some(seq),
        event: name.to_owned(),
        timestamp: Some(1_689_684_000 + seq as i64),
        ..WmsFacts::default()
    }
}

pub(crate) fn wms_body(f: &WmsFacts) -> String {
    serde_json::json!({
        "timestamp": f.timestamp,
        "sessionId": f.session_id,
        "sequence": f.sequence,
        "event": f.event,
        "severity": "INFO",
        "payload": {
            "measurementId": f.measurement_id,
            "snr": f.snr,
            "state": f.visibility,
            "details": f.details,
        },
    })
    .to_string()
}

pub(crate) fn prism(scan: &str, job: PrismJob, phase: JobPhase, state: &str) -> PrismFacts {
    let suffix = match phase {
        JobPhase::Started => "started",
        JobPhase::Succeeded => "succeeded",
        JobPhase::Failed => "failed",
    };
    PrismFacts {
        scan_id: scan.to_owned(),
        event_type: format!("{}.{suffix}", job.as_str()),
        job: Some((job, phase)),
        state: Some(state.to_owned()),
        error: None,
        state_contradicts: false,
    }
}

pub(crate) fn prism_body(f: &PrismFacts) -> String {
    serde_json::json!({
        "eventType": f.event_type,
        "payload": {
            "scanId": f.scan_id,
            "state": f.state,
            "error": f.error.as_ref().map(|e| serde_json::json!({"id": e.id, "code": e.code})),
        },
    })
    .to_string()
}

pub(crate) fn video(id: &str, name: &str, phase: Option<JobPhase>) -> VideoFacts {
    VideoFacts {
        video_id: id.to_owned(),
        event: name.to_owned(),
        phase,
        status: Some(name.trim_start_matches("video.").to_owned()),
        timestamp: None,
        error: phase.filter(|p| *p == JobPhase::Failed).map(|_| JobError {
            id: Some(7),
            code: Some("GEN_TIMEOUT".into()),
            message: Some("generation timed out".into()),
        }),
        state_contradicts: false,
    }
}

/// An analyzer fed like the capture path feeds it: observe, numbered by the store, stored.
pub(crate) struct Harness {
    pub(crate) analyzer: Analyzer,
    next_id: u64,
}

impl Harness {
    pub(crate) fn new() -> Harness {
        Harness::with(AnalysisLimits::default())
    }

    pub(crate) fn with(limits: AnalysisLimits) -> Harness {
        Harness {
            analyzer: Analyzer::new(limits),
            next_id: 1,
        }
    }

    pub(crate) fn feed_event(&mut self, mut event: CapturedEvent, facts: &Facts) -> CapturedEvent {
        self.analyzer.observe(&mut event, facts);
        event.id = self.next_id;
        self.next_id += 1;
        self.analyzer.stored(&event);
        event
    }

    pub(crate) fn wms(&mut self, facts: WmsFacts, secs: f64) -> CapturedEvent {
        let body = wms_body(&facts);
        self.feed_event(event(Provider::Wms, &body, at(secs)), &Facts::Wms(facts))
    }

    /// Feeds `seqs` of one session (1 s apart) and returns their statuses.
    pub(crate) fn seqs(&mut self, session: &str, seqs: &[u64]) -> Vec<SequenceStatus> {
        seqs.iter()
            .enumerate()
            .map(|(i, &n)| {
                let e = self.wms(wms(session, n, "INTERMEDIATE_RESULTS"), i as f64);
                e.analysis
                    .sequence
                    .expect("a WMS event with a number")
                    .status
            })
            .collect()
    }

    pub(crate) fn prism(&mut self, facts: PrismFacts, secs: f64) -> CapturedEvent {
        let body = prism_body(&facts);
        self.feed_event(
            event(Provider::Prism, &body, at(secs)),
            &Facts::Prism(facts),
        )
    }

    pub(crate) fn video(&mut self, facts: VideoFacts, secs: f64) -> CapturedEvent {
        let body = format!(
            r#"{{"event":"{}","data":{{"id":"{}"}},"n":{secs}}}"#,
            facts.event, facts.video_id
        );
        self.feed_event(
            event(Provider::PrismVideo, &body, at(secs)),
            &Facts::Video(facts),
        )
    }
}

pub(crate) fn codes(event: &CapturedEvent) -> Vec<&str> {
    event.analysis.anomalies.iter().map(|a| a.code()).collect()
}
