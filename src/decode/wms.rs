//! Nuralogix WMS events (the WMS webhook documentation): the 21 documented events with their
//! severities and payloads,
//! and the body `{timestamp, sessionId, sequence, event, severity, payload}`. Owns WMS
//! conformance and fills `WmsFacts`; sequence analysis per session lives elsewhere.

use super::json::Json;
use chrono::{DateTime, Utc};

use super::findings::{
    Expected, Field, Findings, Level, Object, Quoted, Signed, Under, VendorResult,
};
use crate::event::facts::{Facts, WmsFacts};
use crate::event::{Anomaly, BodyKind, Provider, Severity, Subject, SubjectIds};

/// One row of the WMS webhook documentation's event table: the name, its documented severity, and
/// the payload
/// fields the table says the event carries (fields marked "if created" are not listed: they
/// may be absent).
#[derive(Debug, Clone, Copy)]
pub struct WmsEvent {
    pub name: &'static str,
    pub severity: Severity,
    pub payload: &'static [&'static str],
}

const fn event(
    name: &'static str,
    severity: Severity,
    payload: &'static [&'static str],
) -> WmsEvent {
    WmsEvent {
        name,
        severity,
        payload,
    }
}

const MEASUREMENT_ID: &[&str] = &["measurementId"];

/// The WMS webhook documentation, "Events": all 21 events, in the document's order. API_ERROR's
/// "API Error Code" and
/// CONSTRAINT_VIOLATION's "Constraint Violated" have no documented field name, so they are not
/// required; their values are looked for under `DETAIL_KEYS`.
pub const EVENTS: [WmsEvent; 21] = [
    event("WMS_LOADED", Severity::Info, &[]),
    event("CONFIGURATION_LOADED", Severity::Info, &[]),
    event("CAMERA_PERMISSION_GRANTED", Severity::Info, &[]),
    event("CAMERA_PERMISSION_DENIED", Severity::Error, &[]),
    event("CAMERA_STARTED", Severity::Info, &[]),
    event("MEASUREMENT_STARTED", Severity::Info, &[]),
    event("MEASUREMENT_CREATED", Severity::Info, MEASUREMENT_ID),
    event(
        "INTERMEDIATE_RESULTS",
        Severity::Info,
        &["measurementId", "snr", "sequence"],
    ),
    event("SCAN_COMPLETED", Severity::Info, MEASUREMENT_ID),
    event("RESULTS_RECEIVED", Severity::Info, MEASUREMENT_ID),
    event("REDIRECTING_TO_CALLBACK", Severity::Info, &[]),
    event("MEASUREMENT_CANCELED", Severity::Warn, MEASUREMENT_ID),
    event("CONSTRAINT_VIOLATION", Severity::Error, &[]),
    event("PAGE_UNLOADED", Severity::Info, &[]),
    event("WEBSOCKET_DISCONNECTED", Severity::Warn, MEASUREMENT_ID),
    event("WEBSOCKET_RECONNECTED", Severity::Info, MEASUREMENT_ID),
    event(
        "WEBSOCKET_RECONNECTION_FAILED",
        Severity::Error,
        MEASUREMENT_ID,
    ),
    event("API_ERROR", Severity::Error, &[]),
    event("PAGE_VISIBILITY_CHANGE", Severity::Info, &["state"]),
    event("LOW_SNR", Severity::Error, &["details"]),
    event("GENERAL_ERROR", Severity::Error, &["details"]),
];

/// The documented severity words (the WMS webhook documentation's "Severity" column).
const SEVERITIES: [(&str, Severity); 3] = [
    ("INFO", Severity::Info),
    ("WARN", Severity::Warn),
    ("ERROR", Severity::Error),
];

/// `PAGE_VISIBILITY_CHANGE` states: the WMS webhook documentation says "Visible / Hidden" and shows
/// `"VISIBLE"`.
const VISIBILITY_STATES: [&str; 2] = ["VISIBLE", "HIDDEN"];

/// Where a detail or error code may sit: `details` is documented (LOW_SNR, GENERAL_ERROR); the
/// others are the likely names of API_ERROR's code and CONSTRAINT_VIOLATION's constraint.
const DETAIL_KEYS: [&str; 4] = ["details", "errorCode", "code", "constraint"];

/// Unix seconds beyond this (the year 5138) are almost surely milliseconds.
const MAX_UNIX_SECONDS: i64 = 100_000_000_000;

/// All four identifying keys present, whatever their types.
pub(crate) fn has_shape(object: &Object) -> bool {
    ["sessionId", "sequence", "event", "severity"]
        .iter()
        .all(|key| object.contains_key(key))
}

/// The documented entry for an event name.
pub fn documented(name: &str) -> Option<&'static WmsEvent> {
    EVENTS.iter().find(|e| e.name == name)
}

pub(crate) fn decode(
    object: Option<&Object>,
    body_kind: BodyKind,
    json: Option<&Json>,
    findings: &mut Findings,
) -> VendorResult {
    let Some(object) = object else {
        findings.body_not_object(Signed::Wms, body_kind, json);
        return VendorResult {
            severity: Severity::Warn,
            ..VendorResult::default()
        };
    };

    let session_id = findings.required_str(object, Field::top("sessionId"));
    let sequence = read_sequence(object.get("sequence"), Under::Top, findings, true);
    let (timestamp, sent_at) = read_timestamp(object.get("timestamp"), findings);

    let event_name = match object.get("event") {
        None => {
            findings.missing(Field::top("event"));
            None
        }
        Some(Json::String(name)) => Some(name.as_ref()),
        Some(other) => {
            findings.wrong_type(Field::top("event"), Expected::String, other);
            None
        }
    };
    let documented = event_name.and_then(documented);
    if let (Some(name), None) = (event_name, documented) {
        findings.push(Anomaly::WmsUnknownEvent {
            name: Quoted::new(name),
            near: near_event(name),
        });
    }

    let severity = read_severity(object.get("severity"), documented, findings);

    let mut facts = WmsFacts {
        session_id: session_id.unwrap_or_default().to_owned(),
        sequence,
        event: event_name.unwrap_or_default().to_owned(),
        timestamp,
        ..WmsFacts::default()
    };
    match object.get("payload") {
        None | Some(Json::Null) => {
            if let Some(first) = documented.and_then(|e| e.payload.first()) {
                findings.missing(Field::payload(first));
            }
        }
        Some(Json::Object(payload)) => read_payload(payload, documented, &mut facts, findings),
        Some(other) => findings.wrong_type(Field::top("payload"), Expected::Object, other),
    }

    let subject = Subject::shared(SubjectIds {
        session_id: session_id.map(crate::intern::intern),
        measurement_id: facts.measurement_id.as_deref().map(crate::intern::intern),
        ..SubjectIds::default()
    });
    VendorResult {
        provider: Provider::Wms,
        kind: event_name.map(str::to_owned),
        severity,
        subject,
        anomalies: Vec::new(),
        sent_at,
        // Analysis groups WMS events by session: without a usable session id there is nothing
        // to group, so the event is left out rather than pooled under an empty id.
        facts: if session_id.is_some() {
            Facts::Wms(facts)
        } else {
            Facts::None
        },
    }
}

/// The body's severity when it is a documented word; else the documented severity of the
/// event; else warn, since nothing says otherwise and the body is already non-conformant.
fn read_severity(
    value: Option<&Json>,
    documented: Option<&'static WmsEvent>,
    findings: &mut Findings,
) -> Severity {
    let fallback = documented.map_or(Severity::Warn, |e| e.severity);
    let declared = match value {
        None => {
            findings.missing(Field::top("severity"));
            None
        }
        Some(Json::String(text)) => {
            let found = SEVERITIES.iter().find(|(w, _)| w == text).map(|(_, s)| *s);
            if found.is_none() {
                let word = Quoted::new(text);
                findings.push(match documented {
                    Some(e) => Anomaly::WmsSeverityWordOf {
                        word,
                        event: &e.name,
                        documented: level(e.severity),
                    },
                    None => Anomaly::WmsSeverityWord { word },
                });
            }
            found
        }
        Some(other) => {
            findings.wrong_type(Field::top("severity"), Expected::String, other);
            None
        }
    };
    let Some(declared) = declared else {
        return fallback;
    };
    if let Some(e) = documented.filter(|e| e.severity != declared) {
        findings.push(Anomaly::WmsSeverityMismatch {
            event: &e.name,
            documented: level(e.severity),
            declared: level(declared),
        });
    }
    declared
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Info => Level::Info,
        Severity::Warn => Level::Warn,
        Severity::Error => Level::Error,
    }
}

/// Names the documented event a misspelt one probably meant: a case slip, or the British
/// "CANCELLED" for the documented "CANCELED".
fn near_event(name: &str) -> Option<&'static &'static str> {
    EVENTS
        .iter()
        .find(|e| {
            e.name.eq_ignore_ascii_case(name)
                || (name.len() == e.name.len() + 1
                    && e.name.contains("CANCELED")
                    && e.name
                        .replace("CANCELED", "CANCELLED")
                        .eq_ignore_ascii_case(name))
        })
        .map(|e| &e.name)
}

/// A sequence number: a non-negative whole number.
fn read_sequence(
    value: Option<&Json>,
    under: Under,
    findings: &mut Findings,
    required: bool,
) -> Option<u64> {
    match value {
        None => {
            if required {
                findings.missing(Field {
                    under,
                    name: "sequence",
                });
            }
            None
        }
        Some(Json::Number(n)) => {
            let sequence = n.as_u64();
            if sequence.is_none() {
                findings.push(Anomaly::NotWholeSequence {
                    under,
                    number: n.clone(),
                });
            }
            sequence
        }
        Some(other) => {
            findings.wrong_type(
                Field {
                    under,
                    name: "sequence",
                },
                Expected::WholeNumber,
                other,
            );
            None
        }
    }
}

/// `timestamp`, Unix seconds (a fraction is tolerated). Returns the whole seconds and the time.
fn read_timestamp(
    value: Option<&Json>,
    findings: &mut Findings,
) -> (Option<i64>, Option<DateTime<Utc>>) {
    let seconds = match value {
        None => {
            findings.missing(Field::top("timestamp"));
            return (None, None);
        }
        Some(Json::Number(n)) => n.as_i64().map(|s| s as f64).or_else(|| n.as_f64()),
        Some(other) => {
            findings.wrong_type(Field::top("timestamp"), Expected::UnixSeconds, other);
            return (None, None);
        }
    };
    let Some(seconds) = seconds else {
        return (None, None);
    };
    if seconds >= MAX_UNIX_SECONDS as f64 {
        findings.push(Anomaly::TimestampMilliseconds);
        return (None, None);
    }
    if seconds < 0.0 {
        findings.push(Anomaly::TimestampNegative);
        return (None, None);
    }
    let whole = seconds.trunc() as i64;
    let nanos = ((seconds - seconds.trunc()) * 1e9) as u32;
    (Some(whole), DateTime::from_timestamp(whole, nanos))
}

fn read_payload(
    payload: &Object,
    documented: Option<&WmsEvent>,
    facts: &mut WmsFacts,
    findings: &mut Findings,
) {
    if let Some(e) = documented {
        for field in e.payload {
            if !payload.contains_key(field) {
                findings.missing(Field::payload(field));
            }
        }
    }
    facts.measurement_id = findings
        .optional_str(payload, Field::payload("measurementId"))
        .map(str::to_owned);
    let event = documented.map(|e| e.name);
    if event == Some("INTERMEDIATE_RESULTS") {
        facts.snr = match payload.get("snr") {
            None | Some(Json::Null) => None,
            Some(Json::Number(n)) => n.as_f64(),
            Some(other) => {
                findings.wrong_type(Field::payload("snr"), Expected::Number, other);
                None
            }
        };
        read_sequence(payload.get("sequence"), Under::Payload, findings, false);
    }
    if event == Some("PAGE_VISIBILITY_CHANGE")
        && let Some(state) = findings.optional_str(payload, Field::payload("state"))
    {
        if !VISIBILITY_STATES.contains(&state) {
            findings.push(Anomaly::WmsVisibility {
                state: Quoted::new(state),
            });
        }
        facts.visibility = Some(state.to_owned());
    }
    if documented.is_some_and(|e| e.payload.contains(&"details")) {
        findings.optional_str(payload, Field::payload("details"));
    }
    facts.details = DETAIL_KEYS.iter().find_map(|key| match payload.get(key) {
        Some(Json::String(text)) => Some(text.to_string()),
        Some(Json::Number(n)) => Some(n.to_string()),
        _ => None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::findings::*;
    use crate::decode::testkit::{codes, wms_body as body, wms_facts};
    use serde_json::Value;
    use serde_json::json;

    fn run(body: Value) -> VendorResult {
        crate::decode::testkit::decode_as(
            Provider::Wms,
            &body,
            has_shape,
            |object, json, findings| decode(object, BodyKind::Json, json, findings),
        )
    }

    /// A documented event with its documented severity and the documentation's payload example is
    /// clean;
    /// the same event with another severity keeps the body's severity and says so.
    fn check_documented(event: &str, severity: &str, expected: Severity, payload: Value) {
        let result = run(body(event, severity, payload.clone()));
        assert_eq!(result.provider, Provider::Wms);
        assert_eq!(result.kind.as_deref(), Some(event));
        assert_eq!(result.severity, expected);
        assert!(
            result.anomalies.is_empty(),
            "{event}: {:?}",
            result.anomalies
        );
        assert_eq!(
            result.subject.session_id.as_deref(),
            Some("ryueiwoqfh910fu3rpqruvfiu")
        );
        assert_eq!(
            result.sent_at,
            DateTime::from_timestamp(1_689_684_577, 0),
            "{event}"
        );
        let facts = wms_facts(&result);
        assert_eq!(facts.event, event);
        assert_eq!(facts.sequence, Some(0));
        assert_eq!(facts.timestamp, Some(1_689_684_577));
        assert_eq!(
            facts.measurement_id.as_deref(),
            payload["measurementId"].as_str()
        );
        assert_eq!(
            result.subject.measurement_id.as_deref(),
            facts.measurement_id.as_deref()
        );

        let other = if severity == "WARN" { "INFO" } else { "WARN" };
        let result = run(body(event, other, payload));
        assert_eq!(codes(&result), [SEVERITY_MISMATCH], "{event}");
        let declared = if other == "INFO" {
            Severity::Info
        } else {
            Severity::Warn
        };
        assert_eq!(result.severity, declared, "{event}");
        assert!(result.anomalies[0].message().contains(severity));
    }

    const MID: &str = "fbfbec8f-cb05-4288-99e5-5e219648399a";

    #[test]
    fn wms_loaded() {
        check_documented("WMS_LOADED", "INFO", Severity::Info, Value::Null);
    }

    #[test]
    fn configuration_loaded() {
        check_documented("CONFIGURATION_LOADED", "INFO", Severity::Info, Value::Null);
    }

    #[test]
    fn camera_permission_granted() {
        check_documented(
            "CAMERA_PERMISSION_GRANTED",
            "INFO",
            Severity::Info,
            Value::Null,
        );
    }

    #[test]
    fn camera_permission_denied() {
        check_documented(
            "CAMERA_PERMISSION_DENIED",
            "ERROR",
            Severity::Error,
            Value::Null,
        );
    }

    #[test]
    fn camera_started() {
        check_documented("CAMERA_STARTED", "INFO", Severity::Info, Value::Null);
    }

    #[test]
    fn measurement_started() {
        check_documented("MEASUREMENT_STARTED", "INFO", Severity::Info, Value::Null);
    }

    #[test]
    fn measurement_created() {
        check_documented(
            "MEASUREMENT_CREATED",
            "INFO",
            Severity::Info,
            json!({"measurementId": "a1e6c2e6-410b-4e19-bae5-a72a0343d322"}),
        );
    }

    #[test]
    fn intermediate_results() {
        let payload = json!({"measurementId": MID, "snr": 100, "sequence": 1});
        check_documented(
            "INTERMEDIATE_RESULTS",
            "INFO",
            Severity::Info,
            payload.clone(),
        );
        let result = run(body("INTERMEDIATE_RESULTS", "INFO", payload));
        assert_eq!(wms_facts(&result).snr, Some(100.0));
    }

    #[test]
    fn scan_completed() {
        check_documented(
            "SCAN_COMPLETED",
            "INFO",
            Severity::Info,
            json!({"measurementId": MID}),
        );
    }

    #[test]
    fn results_received() {
        check_documented(
            "RESULTS_RECEIVED",
            "INFO",
            Severity::Info,
            json!({"measurementId": MID}),
        );
    }

    #[test]
    fn redirecting_to_callback() {
        let payload = json!({"measurementId": MID});
        check_documented("REDIRECTING_TO_CALLBACK", "INFO", Severity::Info, payload);
        // "Measurement ID (if created)": without one it is still conformant.
        check_documented("REDIRECTING_TO_CALLBACK", "INFO", Severity::Info, json!({}));
    }

    #[test]
    fn measurement_canceled() {
        let payload = json!({"measurementId": MID});
        check_documented("MEASUREMENT_CANCELED", "WARN", Severity::Warn, payload);
    }

    #[test]
    fn constraint_violation() {
        let payload = json!({"measurementId": MID});
        check_documented("CONSTRAINT_VIOLATION", "ERROR", Severity::Error, payload);
        check_documented(
            "CONSTRAINT_VIOLATION",
            "ERROR",
            Severity::Error,
            Value::Null,
        );
    }

    #[test]
    fn page_unloaded() {
        check_documented(
            "PAGE_UNLOADED",
            "INFO",
            Severity::Info,
            json!({"measurementId": MID}),
        );
        check_documented("PAGE_UNLOADED", "INFO", Severity::Info, Value::Null);
    }

    #[test]
    fn websocket_disconnected() {
        let payload = json!({"measurementId": MID});
        check_documented("WEBSOCKET_DISCONNECTED", "WARN", Severity::Warn, payload);
    }

    #[test]
    fn websocket_reconnected() {
        let payload = json!({"measurementId": MID});
        check_documented("WEBSOCKET_RECONNECTED", "INFO", Severity::Info, payload);
    }

    #[test]
    fn websocket_reconnection_failed() {
        let payload = json!({"measurementId": MID});
        check_documented(
            "WEBSOCKET_RECONNECTION_FAILED",
            "ERROR",
            Severity::Error,
            payload,
        );
    }

    #[test]
    fn api_error() {
        check_documented(
            "API_ERROR",
            "ERROR",
            Severity::Error,
            json!({"measurementId": MID}),
        );
        let result = run(body("API_ERROR", "ERROR", json!({"errorCode": 4031})));
        assert!(result.anomalies.is_empty());
        assert_eq!(wms_facts(&result).details.as_deref(), Some("4031"));
    }

    #[test]
    fn page_visibility_change() {
        let payload = json!({"measurementId": MID, "state": "VISIBLE"});
        check_documented("PAGE_VISIBILITY_CHANGE", "INFO", Severity::Info, payload);
        let result = run(body(
            "PAGE_VISIBILITY_CHANGE",
            "INFO",
            json!({"state": "HIDDEN"}),
        ));
        assert!(result.anomalies.is_empty());
        assert_eq!(wms_facts(&result).visibility.as_deref(), Some("HIDDEN"));
        let result = run(body(
            "PAGE_VISIBILITY_CHANGE",
            "INFO",
            json!({"state": "hidden"}),
        ));
        assert_eq!(codes(&result), [UNKNOWN_STATE]);
        let result = run(body("PAGE_VISIBILITY_CHANGE", "INFO", json!({})));
        assert_eq!(codes(&result), [MISSING_FIELD]);
        assert!(result.anomalies[0].message().contains("payload.state"));
    }

    #[test]
    fn low_snr() {
        check_documented(
            "LOW_SNR",
            "ERROR",
            Severity::Error,
            json!({"details": "LOW_SNR"}),
        );
        let result = run(body("LOW_SNR", "ERROR", json!({"details": "LOW_SNR"})));
        assert_eq!(wms_facts(&result).details.as_deref(), Some("LOW_SNR"));
    }

    #[test]
    fn general_error() {
        let payload = json!({"details": "CAMERA_START_ERROR"});
        check_documented("GENERAL_ERROR", "ERROR", Severity::Error, payload.clone());
        let result = run(body("GENERAL_ERROR", "ERROR", payload));
        assert_eq!(
            wms_facts(&result).details.as_deref(),
            Some("CAMERA_START_ERROR")
        );
    }

    #[test]
    fn the_table_has_21_distinct_events() {
        let mut names: Vec<&str> = EVENTS.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 21);
    }

    #[test]
    fn severity_mismatch_keeps_the_body_severity() {
        let result = run(body("CAMERA_PERMISSION_DENIED", "INFO", Value::Null));
        assert_eq!(codes(&result), [SEVERITY_MISMATCH]);
        assert_eq!(result.severity, Severity::Info);
        let result = run(body("WMS_LOADED", "ERROR", Value::Null));
        assert_eq!(codes(&result), [SEVERITY_MISMATCH]);
        assert_eq!(result.severity, Severity::Error);
    }

    #[test]
    fn unknown_events_keep_their_severity_and_get_a_hint() {
        let result = run(body("MEASUREMENT_CANCELLED", "WARN", Value::Null));
        assert_eq!(codes(&result), [UNKNOWN_EVENT]);
        assert_eq!(result.severity, Severity::Warn);
        assert_eq!(result.kind.as_deref(), Some("MEASUREMENT_CANCELLED"));
        assert!(
            result.anomalies[0]
                .message()
                .contains("MEASUREMENT_CANCELED")
        );
        let result = run(body("wms_loaded", "INFO", Value::Null));
        assert!(result.anomalies[0].message().contains("WMS_LOADED"));
        let result = run(body("SOMETHING_NEW", "INFO", Value::Null));
        assert_eq!(codes(&result), [UNKNOWN_EVENT]);
        assert_eq!(result.severity, Severity::Info);
        assert!(result.anomalies[0].message().contains("21 documented"));
    }

    #[test]
    fn missing_or_invalid_severity_falls_back_to_the_documented_one() {
        let result = run(body("LOW_SNR", "error", json!({"details": "LOW_SNR"})));
        assert_eq!(codes(&result), [INVALID_VALUE]);
        assert_eq!(result.severity, Severity::Error);
        assert!(result.anomalies[0].message().contains("documented ERROR"));

        let result = run(body(
            "MEASUREMENT_CANCELED",
            "",
            json!({"measurementId": MID}),
        ));
        assert_eq!(codes(&result), [INVALID_VALUE]);
        assert_eq!(result.severity, Severity::Warn);

        let mut numeric = body("WMS_LOADED", "INFO", Value::Null);
        numeric["severity"] = json!(2);
        let result = run(numeric);
        assert_eq!(codes(&result), [WRONG_TYPE]);
        assert_eq!(result.severity, Severity::Info);

        // Nothing documented and nothing declared: warn.
        let result = run(body("NEW_EVENT", "LOUD", Value::Null));
        assert_eq!(codes(&result), [UNKNOWN_EVENT, INVALID_VALUE]);
        assert_eq!(result.severity, Severity::Warn);
    }

    #[test]
    fn top_level_field_types() {
        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["sessionId"] = json!(42);
        let result = run(b);
        assert_eq!(codes(&result), [WRONG_TYPE]);
        assert!(
            result.anomalies[0]
                .message()
                .contains("`sessionId` is a number")
        );
        assert_eq!(result.subject.session_id, None);
        // No usable session id: nothing for the session analyser.
        assert_eq!(result.facts, Facts::None);

        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["sessionId"] = json!("");
        assert_eq!(codes(&run(b)), [INVALID_VALUE]);

        for (sequence, code) in [
            (json!(-1), INVALID_VALUE),
            (json!(1.5), INVALID_VALUE),
            (json!(1e300), INVALID_VALUE),
            (json!("3"), WRONG_TYPE),
            (json!(null), WRONG_TYPE),
        ] {
            let mut b = body("WMS_LOADED", "INFO", Value::Null);
            b["sequence"] = sequence.clone();
            let result = run(b);
            assert_eq!(codes(&result), [code], "{sequence}");
            assert_eq!(wms_facts(&result).sequence, None);
        }
        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["sequence"] = json!(u64::MAX);
        let result = run(b);
        assert!(result.anomalies.is_empty());
        assert_eq!(wms_facts(&result).sequence, Some(u64::MAX));

        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["event"] = json!(["WMS_LOADED"]);
        let result = run(b);
        assert_eq!(codes(&result), [WRONG_TYPE]);
        assert_eq!(result.kind, None);
        // No event name: the declared severity stands, nothing to compare it with.
        assert_eq!(result.severity, Severity::Info);

        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["payload"] = json!("measurementId");
        assert_eq!(codes(&run(b)), [WRONG_TYPE]);
    }

    #[test]
    fn timestamps() {
        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["timestamp"] = json!("1689684577");
        let result = run(b);
        assert_eq!(codes(&result), [WRONG_TYPE]);
        assert_eq!(result.sent_at, None);

        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["timestamp"] = json!(1_689_684_577_000_i64);
        let result = run(b);
        assert_eq!(codes(&result), [INVALID_VALUE]);
        assert!(result.anomalies[0].message().contains("milliseconds"));
        assert_eq!(wms_facts(&result).timestamp, None);

        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["timestamp"] = json!(-5);
        assert_eq!(codes(&run(b)), [INVALID_VALUE]);

        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        b["timestamp"] = json!(1689684577.25);
        let result = run(b);
        assert!(result.anomalies.is_empty());
        assert_eq!(
            result.sent_at,
            DateTime::from_timestamp(1_689_684_577, 250_000_000)
        );

        let mut b = body("WMS_LOADED", "INFO", Value::Null);
        if let Some(object) = b.as_object_mut() {
            object.remove("timestamp");
        }
        let result = run(b);
        assert_eq!(codes(&result), [MISSING_FIELD]);
        assert!(result.anomalies[0].message().contains("`timestamp`"));
    }

    #[test]
    fn payload_fields() {
        let result = run(body("MEASUREMENT_CREATED", "INFO", json!({})));
        assert_eq!(codes(&result), [MISSING_FIELD]);
        assert!(
            result.anomalies[0]
                .message()
                .contains("payload.measurementId")
        );
        // No payload at all for an event that documents one.
        let result = run(body("SCAN_COMPLETED", "INFO", Value::Null));
        assert_eq!(codes(&result), [MISSING_FIELD]);

        let result = run(body(
            "INTERMEDIATE_RESULTS",
            "INFO",
            json!({"measurementId": MID}),
        ));
        assert_eq!(codes(&result), [MISSING_FIELD, MISSING_FIELD]);

        let payload = json!({"measurementId": 7, "snr": "high", "sequence": -2});
        let result = run(body("INTERMEDIATE_RESULTS", "INFO", payload));
        assert_eq!(codes(&result), [WRONG_TYPE, WRONG_TYPE, INVALID_VALUE]);
        let facts = wms_facts(&result);
        assert_eq!((facts.measurement_id.as_ref(), facts.snr), (None, None));

        let result = run(body("LOW_SNR", "ERROR", json!({"details": 3})));
        assert_eq!(codes(&result), [WRONG_TYPE]);
        let result = run(body("GENERAL_ERROR", "ERROR", json!({})));
        assert_eq!(codes(&result), [MISSING_FIELD]);
    }
}
