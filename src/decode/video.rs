//! Prism video generation events (Prism's video webhook documentation): `{event, timestamp (RFC
//! 3339), data: {id, status,
//! ...}}` with `video.completed` and `video.failed`. Owns their conformance and fills
//! `VideoFacts`; the `X-Prism-Signature` check itself lives with the signatures.

use super::json::Json;
use chrono::{DateTime, Utc};

use super::findings::{Expected, Field, Findings, Object, Quoted, Signed, VendorResult};
use crate::event::facts::{Facts, JobError, JobPhase, VideoFacts};
use crate::event::{Anomaly, BodyKind, Provider, Severity, Subject, SubjectIds};

/// Prism's video webhook documentation, "Event Types".
pub const EVENTS: [(&str, JobPhase); 2] = [
    ("video.completed", JobPhase::Succeeded),
    ("video.failed", JobPhase::Failed),
];

/// `data.status` values. Prism's video webhook documentation shows only `"completed"` (in its
/// payload example); `"failed"`
/// is inferred from the event it must come with.
pub const STATUSES: [(&str, JobPhase); 2] = [
    ("completed", JobPhase::Succeeded),
    ("failed", JobPhase::Failed),
];

/// Keys that may hold an error's text. Prism's video webhook documentation documents no error field
/// at all, so any common
/// spelling is taken.
const MESSAGE_KEYS: [&str; 4] = ["message", "detail", "description", "error"];

/// An `event` starting with `video.`, with `data` or `timestamp` beside it: `event` alone is too
/// common a key to claim a body on.
pub(crate) fn has_shape(object: &Object) -> bool {
    object
        .get("event")
        .and_then(Json::as_str)
        .is_some_and(|event| event.starts_with("video."))
        && (object.contains_key("data") || object.contains_key("timestamp"))
}

pub(crate) fn decode(
    object: Option<&Object>,
    body_kind: BodyKind,
    json: Option<&Json>,
    findings: &mut Findings,
) -> VendorResult {
    let Some(object) = object else {
        findings.body_not_object(Signed::PrismVideo, body_kind, json);
        return VendorResult {
            severity: Severity::Warn,
            ..VendorResult::default()
        };
    };

    let event = findings.required_str(object, Field::top("event"));
    let phase = event.and_then(|name| {
        EVENTS
            .iter()
            .find(|(documented, _)| *documented == name)
            .map(|(_, phase)| *phase)
    });
    if let (Some(name), None) = (event, phase) {
        findings.push(Anomaly::VideoUnknownEvent {
            name: Quoted::new(name),
        });
    }

    let timestamp = findings
        .required_str(object, Field::top("timestamp"))
        .and_then(|text| match DateTime::parse_from_rfc3339(text) {
            Ok(time) => Some(time.with_timezone(&Utc)),
            Err(_) => {
                findings.push(Anomaly::VideoTimestamp {
                    text: Quoted::new(text),
                });
                None
            }
        });

    let data = match object.get("data") {
        None => {
            findings.missing(Field::top("data"));
            None
        }
        Some(Json::Object(data)) => Some(data),
        Some(other) => {
            findings.wrong_type(Field::top("data"), Expected::Object, other);
            None
        }
    };
    // Without a usable `data` its absence is reported once, not field by field.
    let (video_id, status, error) = match data {
        Some(data) => {
            let id = findings.required_str(data, Field::data("id"));
            let status = findings.required_str(data, Field::data("status"));
            let error = data.get("error").and_then(read_error);
            (id, status, error)
        }
        None => (None, None, None),
    };

    let mut failed_status = false;
    let mut state_contradicts = false;
    if let Some(status) = status {
        match STATUSES.iter().find(|(s, _)| *s == status) {
            None => findings.push(Anomaly::VideoUnknownStatus {
                status: Quoted::new(status),
            }),
            Some((_, status_phase)) => {
                failed_status = *status_phase == JobPhase::Failed;
                if let Some((name, _)) = phase
                    .filter(|p| p != status_phase)
                    .and_then(|p| EVENTS.iter().find(|(_, e)| *e == p))
                {
                    state_contradicts = true;
                    findings.push(Anomaly::VideoStateMismatch {
                        event: name,
                        status: Quoted::new(status),
                    });
                }
            }
        }
    }
    if error.is_some() && phase == Some(JobPhase::Succeeded) {
        findings.push(Anomaly::VideoCompletedWithError);
    }

    let severity = if phase == Some(JobPhase::Failed) || failed_status {
        Severity::Error
    } else {
        Severity::Info
    };
    let facts = match video_id {
        // Video lanes are per video id: without one the event has no lane.
        None => Facts::None,
        Some(id) => Facts::Video(VideoFacts {
            video_id: id.to_owned(),
            event: event.unwrap_or_default().to_owned(),
            phase,
            status: status.map(str::to_owned),
            timestamp,
            error,
            state_contradicts,
        }),
    };
    VendorResult {
        provider: Provider::PrismVideo,
        kind: event.map(str::to_owned),
        severity,
        subject: Subject::shared(SubjectIds {
            video_id: video_id.map(crate::intern::intern),
            ..SubjectIds::default()
        }),
        anomalies: Vec::new(),
        sent_at: timestamp,
        facts,
    }
}

/// `data.error` in any reasonable shape: a message string, a numeric id, or an object with
/// `id`, `code` and a message under one of `MESSAGE_KEYS`. Anything else is ignored: the field
/// is not documented, so its shape cannot be wrong.
fn read_error(value: &Json) -> Option<JobError> {
    match value {
        Json::String(message) => Some(JobError {
            message: Some(message.to_string()),
            ..JobError::default()
        }),
        Json::Number(n) => Some(JobError {
            id: n.as_i64(),
            code: n.as_i64().is_none().then(|| n.to_string()),
            ..JobError::default()
        }),
        Json::Object(object) => {
            let id = object.get("id").and_then(Json::as_i64);
            let code = match object.get("code") {
                Some(Json::String(code)) => Some(code.to_string()),
                Some(Json::Number(code)) => Some(code.to_string()),
                _ => None,
            };
            let message = MESSAGE_KEYS
                .iter()
                .find_map(|key| object.get(key).and_then(Json::as_str))
                .map(str::to_owned);
            Some(JobError { id, code, message })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::findings::*;
    use crate::decode::testkit::{codes, video_completed as completed};
    use serde_json::Value;
    use serde_json::json;

    fn run(body: Value) -> VendorResult {
        crate::decode::testkit::decode_as(
            Provider::PrismVideo,
            &body,
            has_shape,
            |object, json, findings| decode(object, BodyKind::Json, json, findings),
        )
    }

    fn failed() -> Value {
        json!({"event": "video.failed", "timestamp": "2026-01-13T14:35:00+01:00",
            "data": {"id": "gen_abc123xyz", "status": "failed"}})
    }

    fn video_facts(result: &VendorResult) -> &VideoFacts {
        match &result.facts {
            Facts::Video(facts) => facts,
            other => panic!("expected video facts, got {other:?}"),
        }
    }

    #[test]
    fn video_completed() {
        let result = run(completed());
        assert_eq!(result.provider, Provider::PrismVideo);
        assert_eq!(result.kind.as_deref(), Some("video.completed"));
        assert_eq!(result.severity, Severity::Info);
        assert!(result.anomalies.is_empty(), "{:?}", result.anomalies);
        assert_eq!(result.subject.video_id.as_deref(), Some("gen_abc123xyz"));
        let expected_time = DateTime::parse_from_rfc3339("2026-01-13T14:35:00Z")
            .ok()
            .map(|t| t.with_timezone(&Utc));
        assert_eq!(result.sent_at, expected_time);
        assert_eq!(
            result.facts,
            Facts::Video(VideoFacts {
                video_id: "gen_abc123xyz".into(),
                event: "video.completed".into(),
                phase: Some(JobPhase::Succeeded),
                status: Some("completed".into()),
                timestamp: expected_time,
                error: None,
                state_contradicts: false,
            })
        );
    }

    #[test]
    fn video_failed() {
        let result = run(failed());
        assert_eq!(result.severity, Severity::Error);
        assert!(result.anomalies.is_empty(), "{:?}", result.anomalies);
        let facts = video_facts(&result);
        assert_eq!(facts.phase, Some(JobPhase::Failed));
        assert_eq!(
            result.sent_at,
            DateTime::parse_from_rfc3339("2026-01-13T13:35:00Z")
                .ok()
                .map(|t| t.with_timezone(&Utc))
        );
    }

    #[test]
    fn video_errors_in_several_shapes() {
        for (error, expected) in [
            (
                json!({"code": "PROVIDER_TIMEOUT", "message": "runway timed out"}),
                JobError {
                    id: None,
                    code: Some("PROVIDER_TIMEOUT".into()),
                    message: Some("runway timed out".into()),
                },
            ),
            (
                json!({"id": 4, "code": 500, "detail": "upstream"}),
                JobError {
                    id: Some(4),
                    code: Some("500".into()),
                    message: Some("upstream".into()),
                },
            ),
            (
                json!("content policy"),
                JobError {
                    message: Some("content policy".into()),
                    ..JobError::default()
                },
            ),
            (
                json!(42),
                JobError {
                    id: Some(42),
                    ..JobError::default()
                },
            ),
        ] {
            let mut body = failed();
            body["data"]["error"] = error;
            let result = run(body);
            assert!(result.anomalies.is_empty());
            assert_eq!(video_facts(&result).error, Some(expected));
        }
        let mut body = failed();
        body["data"]["error"] = json!([1]);
        assert_eq!(video_facts(&run(body)).error, None);
    }

    #[test]
    fn status_against_event() {
        let mut body = completed();
        body["data"]["status"] = json!("failed");
        let result = run(body);
        assert_eq!(codes(&result), [STATE_MISMATCH]);
        assert_eq!(result.severity, Severity::Error);
        assert!(video_facts(&result).state_contradicts);

        let mut body = failed();
        body["data"]["status"] = json!("completed");
        let result = run(body);
        assert_eq!(codes(&result), [STATE_MISMATCH]);
        assert_eq!(result.severity, Severity::Error);
        assert!(video_facts(&result).state_contradicts);

        let mut body = completed();
        body["data"]["status"] = json!("processing");
        let result = run(body);
        assert_eq!(codes(&result), [UNKNOWN_STATE]);
        assert_eq!(result.severity, Severity::Warn);
        // Not a documented status: nothing it could contradict.
        assert!(!video_facts(&result).state_contradicts);
        assert!(!video_facts(&run(failed())).state_contradicts);
    }

    #[test]
    fn error_on_a_completed_video() {
        let mut body = completed();
        body["data"]["error"] = json!({"message": "thumbnail missing"});
        let result = run(body);
        assert_eq!(codes(&result), [ERROR_WITHOUT_FAILURE]);
        assert_eq!(result.severity, Severity::Warn);
    }

    #[test]
    fn unknown_video_event() {
        let mut body = completed();
        body["event"] = json!("video.started");
        let result = run(body);
        assert_eq!(codes(&result), [UNKNOWN_EVENT]);
        assert_eq!(result.severity, Severity::Warn);
        assert_eq!(video_facts(&result).phase, None);
        assert_eq!(result.kind.as_deref(), Some("video.started"));
    }

    #[test]
    fn field_checks() {
        let mut body = completed();
        body["timestamp"] = json!(1768314900);
        let result = run(body);
        assert_eq!(codes(&result), [WRONG_TYPE]);
        assert_eq!(result.sent_at, None);

        let mut body = completed();
        body["timestamp"] = json!("13/01/2026 14:35");
        assert_eq!(codes(&run(body)), [INVALID_VALUE]);

        let mut body = completed();
        if let Some(data) = body["data"].as_object_mut() {
            data.remove("id");
        }
        let result = run(body);
        assert_eq!(codes(&result), [MISSING_FIELD]);
        assert!(result.anomalies[0].message().contains("data.id"));
        assert_eq!(result.facts, Facts::None);
        assert_eq!(result.severity, Severity::Warn);

        let mut body = completed();
        body["data"]["id"] = json!(99);
        assert_eq!(codes(&run(body)), [WRONG_TYPE]);

        let mut body = completed();
        if let Some(data) = body["data"].as_object_mut() {
            data.remove("status");
        }
        assert_eq!(codes(&run(body)), [MISSING_FIELD]);

        let result = run(json!({"event": "video.completed", "timestamp": "2026-01-13T14:35:00Z"}));
        assert_eq!(result.provider, Provider::PrismVideo);
        assert_eq!(codes(&result), [MISSING_FIELD]);

        let result = run(json!({"event": "video.failed", "data": "gen_1"}));
        assert_eq!(codes(&result), [MISSING_FIELD, WRONG_TYPE]);
        assert_eq!(result.severity, Severity::Error);
    }
}
