//! The vocabulary the vendor decoders share: the anomaly codes they produce (defined with every
//! other code in `event::anomaly`, and re-exported here with the values their sentences take),
//! the collector of findings (`Findings`) with its readers of required and optional fields, what
//! one vendor makes of a request (`VendorResult`), and the documented error object. A leaf: the
//! vendor modules and the detection in `vendor` import it, it imports none of them.
//!
//! Anomaly codes (stable; scripts and filters rely on them):
//!
//! | code | meaning |
//! |---|---|
//! | `unknown_event` | the event name is not one the vendor documents |
//! | `severity_mismatch` | a WMS event's `severity` differs from the documented one for its name |
//! | `state_mismatch` | a documented state contradicts the event type's phase: `.started` needs a
//! waiting or running state, `.succeeded` the success state, `.failed` a failure state (video:
//! `data.status` against the event) |
//! | `unknown_state` | the state is not in the documented list for its family of events (video:
//! `data.status`; WMS: `PAGE_VISIBILITY_CHANGE`'s `VISIBLE`/`HIDDEN`) |
//! | `missing_field` | a documented field is absent |
//! | `wrong_type` | a field is present with the wrong JSON type |
//! | `invalid_value` | a field has the right type but an impossible value (negative sequence, empty
//! id, unknown severity word, timestamp not Unix seconds or not RFC 3339) |
//! | `body_not_object` | a signature header names the vendor but the body is not a JSON object |
//! | `failure_without_error` | a capture-data or asset `.failed` event carries no error object |
//! | `error_without_failure` | an error object on an event that is not a failure |
//! | `error_field_name` | the error object is under the other family's name (`error` vs
//! `notificationError`) |
//! | `signature_header_mismatch` | a signature header of another vendor than the body's shape |

use chrono::{DateTime, Utc};

use super::json::Json;
use crate::event::anomaly::BodyFound;
use crate::event::facts::{Facts, JobError};
use crate::event::{Anomaly, BodyKind, Provider, Severity, Subject};

pub use crate::event::anomaly::{
    BODY_NOT_OBJECT, ERROR_FIELD_NAME, ERROR_WITHOUT_FAILURE, FAILURE_WITHOUT_ERROR, INVALID_VALUE,
    MISSING_FIELD, SEVERITY_MISMATCH, SIGNATURE_HEADER_MISMATCH, STATE_MISMATCH, UNKNOWN_EVENT,
    UNKNOWN_STATE, WRONG_TYPE,
};
pub(crate) use crate::event::anomaly::{
    ErrorField, Expected, Field, JsonType, Level, Quoted, Signed, Under,
};

/// Every anomaly code this module can produce, for documentation and tests.
pub const ANOMALY_CODES: [&str; 12] = [
    UNKNOWN_EVENT,
    SEVERITY_MISMATCH,
    STATE_MISMATCH,
    UNKNOWN_STATE,
    MISSING_FIELD,
    WRONG_TYPE,
    INVALID_VALUE,
    BODY_NOT_OBJECT,
    FAILURE_WITHOUT_ERROR,
    ERROR_WITHOUT_FAILURE,
    ERROR_FIELD_NAME,
    SIGNATURE_HEADER_MISMATCH,
];

/// What the vendor documents make of one request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VendorResult {
    pub provider: Provider,
    /// The event name: WMS `event`, Prism `eventType`, video `event`; none for generic traffic.
    pub kind: Option<String>,
    pub severity: Severity,
    pub subject: Subject,
    pub anomalies: Vec<Anomaly>,
    /// When the sender says it sent the event: WMS `timestamp` (Unix s), video `timestamp`.
    pub sent_at: Option<DateTime<Utc>>,
    pub facts: Facts,
}

pub(crate) use super::json::Object;

/// The anomalies found while decoding one body, in the order found.
#[derive(Debug, Default)]
pub(crate) struct Findings(Vec<Anomaly>);

impl Findings {
    pub(crate) fn push(&mut self, anomaly: Anomaly) {
        self.0.push(anomaly);
    }

    pub(crate) fn missing(&mut self, field: Field) {
        self.push(Anomaly::MissingField { field });
    }

    /// A field of the wrong JSON type. The value itself is never quoted: it may be a credential.
    pub(crate) fn wrong_type(&mut self, field: Field, expected: Expected, found: &Json) {
        self.push(Anomaly::WrongType {
            field,
            found: json_type(found),
            expected,
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_vec(self) -> Vec<Anomaly> {
        self.0
    }

    /// Completes a vendor's result: its provider and findings. Prism and video have no severity
    /// of their own, so a body that departs from their documents is at least a warning; WMS
    /// keeps the severity its body declares.
    pub(crate) fn finish(self, provider: Provider, mut result: VendorResult) -> VendorResult {
        if provider != Provider::Wms && !self.is_empty() {
            result.severity = result.severity.max(Severity::Warn);
        }
        result.provider = provider;
        result.anomalies = self.into_vec();
        result
    }

    /// Reads a required, non-empty string field, recording why it is unusable when it is.
    pub(crate) fn required_str<'a>(&mut self, object: &'a Object, field: Field) -> Option<&'a str> {
        match object.get(field.name) {
            None => {
                self.missing(field);
                None
            }
            Some(Json::String(text)) if text.is_empty() => {
                self.push(Anomaly::EmptyString { field });
                None
            }
            Some(Json::String(text)) => Some(text),
            Some(other) => {
                self.wrong_type(field, Expected::String, other);
                None
            }
        }
    }

    /// Reads an optional string field: absent and null are fine, another type is not.
    pub(crate) fn optional_str<'a>(&mut self, object: &'a Object, field: Field) -> Option<&'a str> {
        match object.get(field.name) {
            None | Some(Json::Null) => None,
            Some(Json::String(text)) => Some(text),
            Some(other) => {
                self.wrong_type(field, Expected::String, other);
                None
            }
        }
    }

    /// For a vendor named only by its signature header: says the body cannot carry any of the
    /// fields the vendor documents.
    pub(crate) fn body_not_object(
        &mut self,
        signed: Signed,
        body_kind: BodyKind,
        json: Option<&Json>,
    ) {
        let found = match json {
            Some(value) => BodyFound::Json(json_type(value)),
            None => BodyFound::Kind(body_kind.as_str()),
        };
        self.push(Anomaly::BodyNotObject { signed, found });
    }
}

/// The JSON type of a value, for messages.
pub(crate) fn json_type(value: &Json) -> JsonType {
    match value {
        Json::Null => JsonType::Null,
        Json::Bool(_) => JsonType::Bool,
        Json::Number(_) => JsonType::Number,
        Json::String(_) => JsonType::String,
        Json::Array(_) => JsonType::Array,
        Json::Object(_) => JsonType::Object,
    }
}

/// Parses the documented `{id: number, code: string, message?: string}` error object leniently
/// (numbers and strings are accepted for each), recording departures from that shape. `name`
/// is the payload field holding it.
pub(crate) fn job_error(
    value: &Json,
    name: ErrorField,
    findings: &mut Findings,
) -> Option<JobError> {
    let Some(object) = value.as_object() else {
        findings.wrong_type(Field::payload(name.as_str()), Expected::ErrorObject, value);
        return None;
    };
    let under = name.under();
    let field = |name| Field { under, name };
    let mut error = JobError::default();
    match object.get("id") {
        None => findings.missing(field("id")),
        Some(Json::Number(n)) => match n.as_i64() {
            Some(id) => error.id = Some(id),
            None => findings.push(Anomaly::NotWholeInRange { field: field("id") }),
        },
        Some(other) => findings.wrong_type(field("id"), Expected::Number, other),
    }
    match object.get("code") {
        None => findings.missing(field("code")),
        Some(Json::String(code)) => error.code = Some(code.to_string()),
        Some(other) => findings.wrong_type(field("code"), Expected::String, other),
    }
    error.message = findings
        .optional_str(object, field("message"))
        .map(str::to_owned);
    Some(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_vendors_are_named_as_their_providers() {
        assert_eq!(Signed::Wms.provider(), Provider::Wms.as_str());
        assert_eq!(Signed::PrismVideo.provider(), Provider::PrismVideo.as_str());
    }

    #[test]
    fn every_code_is_documented_and_snake_case() {
        let doc = include_str!("findings.rs");
        for code in ANOMALY_CODES {
            assert!(doc.contains(&format!("//! | `{code}` |")), "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }
}
