//! Prism body-scan pipeline events: capture-data validation and asset creation (Prism's pipeline
//! notification document) and
//! the Hosted API's scan processing and Future Me prediction (Prism's Hosted API webhook guide),
//! all in the envelope
//! `{eventType, payload: {scanId, state, ...}}`. Owns their event and state tables, the rules
//! for which states each phase may carry, and fills `PrismFacts`.

use super::json::Json;

use super::findings::{
    ErrorField, Expected, Field, Findings, Object, Quoted, VendorResult, job_error,
};
use crate::event::facts::{Facts, JobError, JobPhase, PrismFacts, PrismJob, StateClass};
use crate::event::{Anomaly, Provider, Severity, Subject, SubjectIds};

/// What a state says about its job, which decides the phases it may come with: a started
/// event carries a waiting or running state, a succeeded one the success state, a failed one a
/// failure state.
pub const CAPTURE_DATA_STATES: [(&str, StateClass); 4] = [
    ("SCAN_WAITING_FOR_CAPTURE_DATA", StateClass::Waiting),
    ("SCAN_VALIDATING_CAPTURE_DATA", StateClass::Running),
    ("SCAN_CAPTURE_DATA_VALID", StateClass::Success),
    ("SCAN_CAPTURE_DATA_INVALID", StateClass::Failure),
];

/// Prism's pipeline notification document, asset event payloads: `state`.
pub const ASSET_STATES: [(&str, StateClass); 5] = [
    ("ASSET_REQUESTED", StateClass::Waiting),
    ("ASSET_REQUEST_FAILED", StateClass::Failure),
    ("ASSET_PROCESSING", StateClass::Running),
    ("ASSET_SUCCEEDED", StateClass::Success),
    ("ASSET_FAILED", StateClass::Failure),
];

/// Prism's Hosted API webhook guide, "Scan Statuses". The guide gives no states for Future Me
/// (`FutureMePayload` is not
/// spelt out), so its events are held to the same list.
pub const SCAN_STATUSES: [(&str, StateClass); 4] = [
    ("CREATED", StateClass::Waiting),
    ("PROCESSING", StateClass::Running),
    ("READY", StateClass::Success),
    ("FAILED", StateClass::Failure),
];

/// One job of the pipeline as its document describes it.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    pub job: PrismJob,
    pub states: &'static [(&'static str, StateClass)],
    /// The name of the optional error object in the payload (Prism's pipeline notification
    /// document); none for the Hosted API, which documents no error object.
    pub error_field: Option<ErrorField>,
    /// Whether the payload documents `userId` and `userToken` (the scan payload of Prism's
    /// Hosted API webhook guide).
    pub has_user: bool,
}

/// Every documented job: `<job>.started|succeeded|failed` (Prism's pipeline notification
/// document for the first four, its Hosted API webhook guide for the last two).
pub const FAMILIES: [Family; 6] = [
    Family {
        job: PrismJob::CaptureDataValidation,
        states: &CAPTURE_DATA_STATES,
        error_field: Some(ErrorField::NotificationError),
        has_user: false,
    },
    Family {
        job: PrismJob::BodyCreation,
        states: &ASSET_STATES,
        error_field: Some(ErrorField::Error),
        has_user: false,
    },
    Family {
        job: PrismJob::FittedBodyCreation,
        states: &ASSET_STATES,
        error_field: Some(ErrorField::Error),
        has_user: false,
    },
    Family {
        job: PrismJob::MeasurementsCreation,
        states: &ASSET_STATES,
        error_field: Some(ErrorField::Error),
        has_user: false,
    },
    Family {
        job: PrismJob::ScanProcessing,
        states: &SCAN_STATUSES,
        error_field: None,
        has_user: true,
    },
    Family {
        job: PrismJob::BodyShapePredictionProcessing,
        states: &SCAN_STATUSES,
        error_field: None,
        has_user: false,
    },
];

/// The event-type suffixes (Prism's pipeline notification document: "started, succeeded, and
/// failed").
pub const PHASES: [(&str, JobPhase); 3] = [
    ("started", JobPhase::Started),
    ("succeeded", JobPhase::Succeeded),
    ("failed", JobPhase::Failed),
];

/// The states that make an event an error whatever its type.
const FAILURE_STATES: [&str; 4] = [
    "SCAN_CAPTURE_DATA_INVALID",
    "ASSET_FAILED",
    "ASSET_REQUEST_FAILED",
    "FAILED",
];

const ERROR_FIELDS: [ErrorField; 2] = [ErrorField::Error, ErrorField::NotificationError];

/// The documented family an event type belongs to, and its phase when the suffix is documented.
pub fn parse_event_type(event_type: &str) -> Option<(&'static Family, Option<JobPhase>)> {
    FAMILIES.iter().find_map(|family| {
        let rest = event_type.strip_prefix(family.job.as_str())?;
        if rest.is_empty() {
            return Some((family, None));
        }
        let suffix = rest.strip_prefix('.')?;
        let phase = PHASES.iter().find(|(s, _)| *s == suffix).map(|(_, p)| *p);
        Some((family, phase))
    })
}

/// An `eventType` naming a documented job, or any `eventType` with a `payload.scanId`.
pub(crate) fn has_shape(object: &Object) -> bool {
    let Some(event_type) = object.get("eventType") else {
        return false;
    };
    event_type.as_str().and_then(parse_event_type).is_some()
        || object
            .get("payload")
            .and_then(Json::as_object)
            .is_some_and(|payload| payload.contains_key("scanId"))
}

pub(crate) fn decode(object: &Object, findings: &mut Findings) -> VendorResult {
    let event_type = match object.get("eventType") {
        None => {
            findings.missing(Field::top("eventType"));
            None
        }
        Some(Json::String(text)) => Some(text.as_ref()),
        Some(other) => {
            findings.wrong_type(Field::top("eventType"), Expected::String, other);
            None
        }
    };
    let parsed = event_type.and_then(parse_event_type);
    let family = parsed.map(|(family, _)| family);
    let phase = parsed.and_then(|(_, phase)| phase);
    if let Some(name) = event_type.filter(|_| phase.is_none()) {
        findings.push(Anomaly::PrismUnknownEvent {
            name: Quoted::new(name),
            job: family.map(|f| f.job),
        });
    }

    let payload = match object.get("payload") {
        None => {
            findings.missing(Field::top("payload"));
            None
        }
        Some(Json::Object(payload)) => Some(payload),
        Some(other) => {
            findings.wrong_type(Field::top("payload"), Expected::Object, other);
            None
        }
    };
    // A payload that is absent or not an object has been reported once; its fields are not
    // reported missing one by one on top.
    let (scan_id, state) = match payload {
        Some(payload) => (
            findings.required_str(payload, Field::payload("scanId")),
            findings.required_str(payload, Field::payload("state")),
        ),
        None => (None, None),
    };
    if let Some(payload) = payload.filter(|_| family.is_some_and(|f| f.has_user)) {
        findings.required_str(payload, Field::payload("userId"));
        // A credential: checked for presence and type only, never copied anywhere.
        findings.required_str(payload, Field::payload("userToken"));
    }

    let mut failed_state = false;
    let mut state_contradicts = false;
    if let Some(state) = state {
        failed_state = FAILURE_STATES.contains(&state);
        state_contradicts = check_state(state, family, phase, findings);
    }

    let error = payload
        .map(|payload| read_error(payload, family, phase, findings))
        .unwrap_or_default();

    // Any `.failed` suffix counts, even on an undocumented event type: the sender says it failed.
    let is_error =
        event_type.is_some_and(|t| t.ends_with(".failed")) || error.present || failed_state;
    let severity = if is_error {
        Severity::Error
    } else {
        Severity::Info
    };

    let facts = match scan_id {
        // Timelines are per scan: without a scan id there is no lane to put the event in.
        None => Facts::None,
        Some(scan_id) => Facts::Prism(PrismFacts {
            scan_id: scan_id.to_owned(),
            event_type: event_type.unwrap_or_default().to_owned(),
            job: family.zip(phase).map(|(f, p)| (f.job, p)),
            state: state.map(str::to_owned),
            error: error.parsed,
            state_contradicts,
        }),
    };
    VendorResult {
        provider: Provider::Prism,
        kind: event_type.map(str::to_owned),
        severity,
        subject: Subject::shared(SubjectIds {
            scan_id: scan_id.map(crate::intern::intern),
            ..SubjectIds::default()
        }),
        anomalies: Vec::new(),
        sent_at: None,
        facts,
    }
}

/// A state must be in its family's list and fit its phase. With an undocumented event type
/// there is nothing to hold it to but the union of all the lists. Says whether the state is a
/// documented one that contradicts the phase.
fn check_state(
    state: &str,
    family: Option<&'static Family>,
    phase: Option<JobPhase>,
    findings: &mut Findings,
) -> bool {
    let Some(family) = family else {
        if !FAMILIES
            .iter()
            .any(|f| f.states.iter().any(|(s, _)| *s == state))
        {
            findings.push(Anomaly::PrismUnknownState {
                state: Quoted::new(state),
            });
        }
        return false;
    };
    let Some((documented, class)) = documented_state(family, state) else {
        let owner = FAMILIES
            .iter()
            .find(|f| documented_state(f, state).is_some())
            .map(|f| f.job);
        findings.push(Anomaly::PrismForeignState {
            state: Quoted::new(state),
            job: family.job,
            owner,
        });
        return false;
    };
    let Some(phase) = phase.filter(|p| !class.fits(*p)) else {
        return false;
    };
    findings.push(Anomaly::PrismStateMismatch {
        phase,
        state: documented,
        states: family.states,
    });
    true
}

/// The family's entry for a state: its documented spelling and its class.
fn documented_state(family: &Family, state: &str) -> Option<(&'static &'static str, StateClass)> {
    family
        .states
        .iter()
        .find(|(s, _)| *s == state)
        .map(|(s, c)| (s, *c))
}

/// What the payload says about an error.
#[derive(Debug, Default)]
struct ErrorRead {
    /// An error field with a non-null value, object or not: either way the sender says
    /// something went wrong.
    present: bool,
    parsed: Option<JobError>,
}

/// Reads `error` / `notificationError` (Prism's pipeline notification document: `{id: number, code:
/// string, message?:
/// string}`), preferring the name the family documents. Null counts as absent: serialisers
/// often write an unset optional field that way.
fn read_error(
    payload: &Object,
    family: Option<&Family>,
    phase: Option<JobPhase>,
    findings: &mut Findings,
) -> ErrorRead {
    let documented = family.and_then(|f| f.error_field);
    let mut names = ERROR_FIELDS;
    if documented == Some(ErrorField::NotificationError) {
        names.reverse();
    }
    let found = names.iter().find_map(|name| {
        payload
            .get(name.as_str())
            .filter(|v| !v.is_null())
            .map(|v| (*name, v))
    });
    let Some((name, value)) = found else {
        // Prism's pipeline notification document makes the error optional, so its absence is only a
        // note: the reason for the
        // failure is not given. The Hosted API documents no error object at all.
        if let (Some(field), Some(JobPhase::Failed)) = (documented, phase) {
            findings.push(Anomaly::FailureWithoutError { field });
        }
        return ErrorRead::default();
    };
    if let Some(field) = documented.filter(|field| *field != name) {
        findings.push(Anomaly::ErrorFieldName {
            found: name,
            job: family.map(|f| f.job),
            documented: field,
        });
    }
    if let Some(phase) = phase.filter(|p| *p != JobPhase::Failed) {
        findings.push(Anomaly::ErrorWithoutFailure { phase, field: name });
    }
    ErrorRead {
        present: true,
        parsed: job_error(value, name, findings),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::findings::*;
    use crate::decode::testkit::codes;
    use serde_json::Value;
    use serde_json::json;

    fn run(body: Value) -> VendorResult {
        crate::decode::testkit::decode_as(
            Provider::Prism,
            &body,
            has_shape,
            |object, _, findings| decode(object.expect("shaped"), findings),
        )
    }

    const SCAN: &str = "7c8b0e0a-scan";

    fn body(event_type: &str, state: &str) -> Value {
        json!({"eventType": event_type, "payload": {"scanId": SCAN, "state": state}})
    }

    fn hosted(event_type: &str, state: &str) -> Value {
        json!({"eventType": event_type, "payload": {"scanId": SCAN, "userId": "u-1",
            "userToken": "tok-secret-123", "state": state}})
    }

    fn prism_facts(result: &VendorResult) -> &PrismFacts {
        match &result.facts {
            Facts::Prism(facts) => facts,
            other => panic!("expected Prism facts, got {other:?}"),
        }
    }

    /// Checks one (event type, state) pair against the expected anomaly codes and severity, and
    /// that the facts and subject carry what the body says.
    fn check(body: Value, expected_codes: &[&str], expected: Severity) {
        let event_type = body["eventType"].as_str().unwrap_or_default().to_owned();
        let result = run(body);
        assert_eq!(result.provider, Provider::Prism, "{event_type}");
        assert_eq!(result.kind.as_deref(), Some(event_type.as_str()));
        assert_eq!(
            codes(&result),
            expected_codes,
            "{event_type}: {:?}",
            result.anomalies
        );
        assert_eq!(result.severity, expected, "{event_type}");
        assert_eq!(result.subject.scan_id.as_deref(), Some(SCAN));
        assert_eq!(prism_facts(&result).event_type, event_type);
        // The timelines learn of a contradiction from the facts, exactly when it is noted.
        assert_eq!(
            prism_facts(&result).state_contradicts,
            expected_codes.contains(&STATE_MISMATCH),
            "{event_type}"
        );
    }

    const OK: &[&str] = &[];
    const MISMATCH: &[&str] = &[STATE_MISMATCH];
    const NO_REASON: &[&str] = &[FAILURE_WITHOUT_ERROR];
    const MISMATCH_NO_REASON: &[&str] = &[STATE_MISMATCH, FAILURE_WITHOUT_ERROR];
    use Severity::{Error, Info, Warn};

    #[test]
    fn capture_data_every_phase_and_state() {
        // Prism's pipeline notification document: every capture-data state with every phase. Failed
        // events here carry no
        // `notificationError`, hence the note on each.
        let cases: [(&str, &str, &[&str], Severity); 12] = [
            ("started", "SCAN_WAITING_FOR_CAPTURE_DATA", OK, Info),
            ("started", "SCAN_VALIDATING_CAPTURE_DATA", OK, Info),
            ("started", "SCAN_CAPTURE_DATA_VALID", MISMATCH, Warn),
            ("started", "SCAN_CAPTURE_DATA_INVALID", MISMATCH, Error),
            ("succeeded", "SCAN_WAITING_FOR_CAPTURE_DATA", MISMATCH, Warn),
            ("succeeded", "SCAN_VALIDATING_CAPTURE_DATA", MISMATCH, Warn),
            ("succeeded", "SCAN_CAPTURE_DATA_VALID", OK, Info),
            ("succeeded", "SCAN_CAPTURE_DATA_INVALID", MISMATCH, Error),
            (
                "failed",
                "SCAN_WAITING_FOR_CAPTURE_DATA",
                MISMATCH_NO_REASON,
                Error,
            ),
            (
                "failed",
                "SCAN_VALIDATING_CAPTURE_DATA",
                MISMATCH_NO_REASON,
                Error,
            ),
            (
                "failed",
                "SCAN_CAPTURE_DATA_VALID",
                MISMATCH_NO_REASON,
                Error,
            ),
            ("failed", "SCAN_CAPTURE_DATA_INVALID", NO_REASON, Error),
        ];
        for (phase, state, expected_codes, severity) in cases {
            let event_type = format!("capture_data.validation.{phase}");
            check(body(&event_type, state), expected_codes, severity);
            let result = run(body(&event_type, state));
            let facts = prism_facts(&result);
            assert_eq!(
                facts.job.map(|(job, _)| job),
                Some(PrismJob::CaptureDataValidation)
            );
            assert_eq!(facts.state.as_deref(), Some(state));
        }
    }

    #[test]
    fn asset_jobs_every_type_phase_and_state() {
        let cases: [(&str, &str, &[&str], Severity); 15] = [
            ("started", "ASSET_REQUESTED", OK, Info),
            ("started", "ASSET_PROCESSING", OK, Info),
            ("started", "ASSET_SUCCEEDED", MISMATCH, Warn),
            ("started", "ASSET_FAILED", MISMATCH, Error),
            ("started", "ASSET_REQUEST_FAILED", MISMATCH, Error),
            ("succeeded", "ASSET_REQUESTED", MISMATCH, Warn),
            ("succeeded", "ASSET_PROCESSING", MISMATCH, Warn),
            ("succeeded", "ASSET_SUCCEEDED", OK, Info),
            ("succeeded", "ASSET_FAILED", MISMATCH, Error),
            ("succeeded", "ASSET_REQUEST_FAILED", MISMATCH, Error),
            ("failed", "ASSET_REQUESTED", MISMATCH_NO_REASON, Error),
            ("failed", "ASSET_PROCESSING", MISMATCH_NO_REASON, Error),
            ("failed", "ASSET_SUCCEEDED", MISMATCH_NO_REASON, Error),
            ("failed", "ASSET_FAILED", NO_REASON, Error),
            ("failed", "ASSET_REQUEST_FAILED", NO_REASON, Error),
        ];
        let jobs = [
            ("body", PrismJob::BodyCreation),
            ("fitted_body", PrismJob::FittedBodyCreation),
            ("measurements", PrismJob::MeasurementsCreation),
        ];
        for (asset, job) in jobs {
            for (phase, state, expected_codes, severity) in cases {
                let event_type = format!("{asset}.creation.{phase}");
                check(body(&event_type, state), expected_codes, severity);
                let expected_phase = match phase {
                    "started" => JobPhase::Started,
                    "succeeded" => JobPhase::Succeeded,
                    _ => JobPhase::Failed,
                };
                let result = run(body(&event_type, state));
                assert_eq!(prism_facts(&result).job, Some((job, expected_phase)));
            }
        }
    }

    #[test]
    fn hosted_api_every_event_and_status() {
        // Prism's Hosted API webhook guide: no error object is documented, so a failure without one
        // is not noted.
        let cases: [(&str, &str, &[&str], Severity); 12] = [
            ("started", "CREATED", OK, Info),
            ("started", "PROCESSING", OK, Info),
            ("started", "READY", MISMATCH, Warn),
            ("started", "FAILED", MISMATCH, Error),
            ("succeeded", "CREATED", MISMATCH, Warn),
            ("succeeded", "PROCESSING", MISMATCH, Warn),
            ("succeeded", "READY", OK, Info),
            ("succeeded", "FAILED", MISMATCH, Error),
            ("failed", "CREATED", MISMATCH, Error),
            ("failed", "PROCESSING", MISMATCH, Error),
            ("failed", "READY", MISMATCH, Error),
            ("failed", "FAILED", OK, Error),
        ];
        for (phase, state, expected_codes, severity) in cases {
            check(
                hosted(&format!("scan.processing.{phase}"), state),
                expected_codes,
                severity,
            );
            check(
                body(&format!("body_shape_prediction.processing.{phase}"), state),
                expected_codes,
                severity,
            );
        }
        let result = run(hosted("scan.processing.succeeded", "READY"));
        assert_eq!(
            prism_facts(&result).job,
            Some((PrismJob::ScanProcessing, JobPhase::Succeeded))
        );
        let result = run(body("body_shape_prediction.processing.started", "CREATED"));
        assert_eq!(
            prism_facts(&result).job,
            Some((PrismJob::BodyShapePredictionProcessing, JobPhase::Started))
        );
    }

    #[test]
    fn user_token_is_never_copied() {
        let result = run(hosted("scan.processing.failed", "FAILED"));
        assert!(!format!("{result:?}").contains("tok-secret-123"));
        let mut b = hosted("scan.processing.started", "PROCESSING");
        b["payload"]["userToken"] = json!({"token": "tok-secret-123"});
        let result = run(b);
        assert_eq!(codes(&result), [WRONG_TYPE]);
        assert!(!format!("{result:?}").contains("tok-secret-123"));
    }

    #[test]
    fn hosted_scan_payload_needs_user_fields() {
        let result = run(body("scan.processing.started", "PROCESSING"));
        assert_eq!(codes(&result), [MISSING_FIELD, MISSING_FIELD]);
        assert!(result.anomalies[0].message().contains("payload.userId"));
        assert!(result.anomalies[1].message().contains("payload.userToken"));
        assert_eq!(result.severity, Warn);
    }

    #[test]
    fn states_of_another_family_and_unknown_states() {
        let result = run(body("body.creation.succeeded", "READY"));
        assert_eq!(codes(&result), [UNKNOWN_STATE]);
        assert!(result.anomalies[0].message().contains("scan.processing"));
        assert_eq!(result.severity, Warn);
        // A failure word of another family still makes it an error.
        let result = run(body("capture_data.validation.started", "ASSET_FAILED"));
        assert_eq!(codes(&result), [UNKNOWN_STATE]);
        assert_eq!(result.severity, Error);
        let result = run(body("measurements.creation.started", "QUEUED"));
        assert_eq!(codes(&result), [UNKNOWN_STATE]);
        assert_eq!(prism_facts(&result).state.as_deref(), Some("QUEUED"));
    }

    #[test]
    fn unknown_event_types() {
        let result = run(body("body.creation.queued", "ASSET_REQUESTED"));
        assert_eq!(codes(&result), [UNKNOWN_EVENT]);
        assert_eq!(result.severity, Warn);
        assert_eq!(prism_facts(&result).job, None);
        assert!(result.anomalies[0].message().contains(".succeeded"));
        let result = run(hosted("scan.processing", "READY"));
        assert_eq!(codes(&result), [UNKNOWN_EVENT]);
        // Any event type with a scan id is Prism; the state is checked against every list.
        let result = run(body("avatar.creation.started", "ASSET_PROCESSING"));
        assert_eq!(result.provider, Provider::Prism);
        assert_eq!(codes(&result), [UNKNOWN_EVENT]);
        let result = run(body("avatar.creation.started", "BAKING"));
        assert_eq!(codes(&result), [UNKNOWN_EVENT, UNKNOWN_STATE]);
        let result = run(body("avatar.creation.failed", "FAILED"));
        assert_eq!(result.severity, Error);
        let result = run(body("avatar.creation.failed", "BAKING"));
        assert_eq!(result.severity, Error);
    }

    #[test]
    fn errors_and_notification_errors() {
        let mut b = body(
            "capture_data.validation.failed",
            "SCAN_CAPTURE_DATA_INVALID",
        );
        b["payload"]["notificationError"] =
            json!({"id": 12, "code": "CAPTURE_DATA_CORRUPT", "message": "bad frames"});
        let result = run(b);
        assert_eq!(codes(&result), OK);
        assert_eq!(result.severity, Error);
        assert_eq!(
            prism_facts(&result).error,
            Some(JobError {
                id: Some(12),
                code: Some("CAPTURE_DATA_CORRUPT".into()),
                message: Some("bad frames".into()),
            })
        );

        let mut b = body("fitted_body.creation.failed", "ASSET_FAILED");
        b["payload"]["error"] = json!({"id": 3, "code": "FIT_FAILED"});
        let result = run(b);
        assert_eq!(codes(&result), OK);
        let error = prism_facts(&result).error.clone().unwrap_or_default();
        assert_eq!((error.id, error.message), (Some(3), None));

        // The other family's field name: still read, and noted.
        let mut b = body("body.creation.failed", "ASSET_FAILED");
        b["payload"]["notificationError"] = json!({"id": 3, "code": "X"});
        let result = run(b);
        assert_eq!(codes(&result), [ERROR_FIELD_NAME]);
        assert_eq!(
            prism_facts(&result).error.as_ref().and_then(|e| e.id),
            Some(3)
        );

        // Hosted API events may carry either name without a note.
        let mut b = hosted("scan.processing.failed", "FAILED");
        b["payload"]["error"] = json!({"id": 1, "code": "PIPELINE"});
        assert_eq!(codes(&run(b)), OK);

        // Null is an unset optional field.
        let mut b = body("body.creation.succeeded", "ASSET_SUCCEEDED");
        b["payload"]["error"] = Value::Null;
        let result = run(b);
        assert_eq!((codes(&result), result.severity), (vec![], Info));
    }

    #[test]
    fn an_error_on_a_non_failure_is_an_error_and_noted() {
        let mut b = body("measurements.creation.succeeded", "ASSET_SUCCEEDED");
        b["payload"]["error"] = json!({"id": 9, "code": "PARTIAL"});
        let result = run(b);
        assert_eq!(codes(&result), [ERROR_WITHOUT_FAILURE]);
        assert_eq!(result.severity, Error);

        let mut b = body(
            "capture_data.validation.started",
            "SCAN_VALIDATING_CAPTURE_DATA",
        );
        b["payload"]["notificationError"] = json!("boom");
        let result = run(b);
        assert_eq!(codes(&result), [ERROR_WITHOUT_FAILURE, WRONG_TYPE]);
        assert_eq!(result.severity, Error);
        assert_eq!(prism_facts(&result).error, None);
    }

    #[test]
    fn error_object_shape() {
        let mut b = body("body.creation.failed", "ASSET_FAILED");
        b["payload"]["error"] = json!({"message": 5});
        let result = run(b);
        assert_eq!(codes(&result), [MISSING_FIELD, MISSING_FIELD, WRONG_TYPE]);
        assert!(result.anomalies[0].message().contains("payload.error.id"));

        let mut b = body("body.creation.failed", "ASSET_FAILED");
        b["payload"]["error"] = json!({"id": "12", "code": 7});
        assert_eq!(codes(&run(b)), [WRONG_TYPE, WRONG_TYPE]);

        let mut b = body("body.creation.failed", "ASSET_FAILED");
        b["payload"]["error"] = json!({"id": 1.5, "code": "X"});
        assert_eq!(codes(&run(b)), [INVALID_VALUE]);
    }

    #[test]
    fn envelope_fields() {
        let result = run(json!({"eventType": "scan.processing.started"}));
        assert_eq!(result.provider, Provider::Prism);
        assert_eq!(codes(&result), [MISSING_FIELD]);
        assert_eq!(result.facts, Facts::None);

        let result = run(json!({"eventType": "body.creation.started", "payload": [1]}));
        assert_eq!(codes(&result), [WRONG_TYPE]);
        // No payload to look in: no note about its missing error object either.
        let result = run(json!({"eventType": "body.creation.failed"}));
        assert_eq!(codes(&result), [MISSING_FIELD]);
        assert_eq!(result.severity, Error);

        let result = run(json!({"eventType": 5, "payload": {"scanId": SCAN, "state": "READY"}}));
        assert_eq!(result.provider, Provider::Prism);
        assert_eq!(codes(&result), [WRONG_TYPE]);
        assert_eq!(result.kind, None);
        assert_eq!(prism_facts(&result).job, None);

        let result = run(json!({"eventType": "body.creation.started",
            "payload": {"state": "ASSET_PROCESSING"}}));
        assert_eq!(codes(&result), [MISSING_FIELD]);
        assert_eq!(result.subject.scan_id, None);
        assert_eq!(result.facts, Facts::None);

        let result = run(json!({"eventType": "body.creation.started",
            "payload": {"scanId": 17, "state": 3}}));
        assert_eq!(codes(&result), [WRONG_TYPE, WRONG_TYPE]);

        let result = run(json!({"eventType": "body.creation.started",
            "payload": {"scanId": "", "state": "ASSET_PROCESSING"}}));
        assert_eq!(codes(&result), [INVALID_VALUE]);

        let result = run(json!({"eventType": "body.creation.started",
            "payload": {"scanId": SCAN}}));
        assert_eq!(codes(&result), [MISSING_FIELD]);
        assert_eq!(result.severity, Warn);
    }

    #[test]
    fn every_documented_state_has_one_family_list() {
        for (state, _) in CAPTURE_DATA_STATES
            .iter()
            .chain(&ASSET_STATES)
            .chain(&SCAN_STATUSES)
        {
            let lists = [&CAPTURE_DATA_STATES[..], &ASSET_STATES, &SCAN_STATUSES];
            let owners = lists
                .iter()
                .filter(|l| l.iter().any(|(s, _)| s == state))
                .count();
            assert_eq!(owners, 1, "{state}");
        }
    }
}
