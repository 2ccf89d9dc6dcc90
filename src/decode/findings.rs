//! The vocabulary the vendor decoders share: the anomaly codes, the collector of findings
//! (`Findings`) with its readers of required and optional fields, what one vendor makes of a
//! request (`VendorResult`), and the documented error object. A leaf: the vendor modules and the
//! detection in `vendor` import it, it imports none of them.
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

use super::facts::{Facts, JobError};
use super::json::Json;
use crate::event::{Anomaly, BodyKind, Provider, Severity, Subject};

pub const UNKNOWN_EVENT: &str = "unknown_event";
pub const SEVERITY_MISMATCH: &str = "severity_mismatch";
pub const STATE_MISMATCH: &str = "state_mismatch";
pub const UNKNOWN_STATE: &str = "unknown_state";
pub const MISSING_FIELD: &str = "missing_field";
pub const WRONG_TYPE: &str = "wrong_type";
pub const INVALID_VALUE: &str = "invalid_value";
pub const BODY_NOT_OBJECT: &str = "body_not_object";
pub const FAILURE_WITHOUT_ERROR: &str = "failure_without_error";
pub const ERROR_WITHOUT_FAILURE: &str = "error_without_failure";
pub const ERROR_FIELD_NAME: &str = "error_field_name";
pub const SIGNATURE_HEADER_MISMATCH: &str = "signature_header_mismatch";

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
    pub(crate) fn push(&mut self, code: &'static str, message: String) {
        self.0.push(Anomaly {
            code: code.to_owned(),
            message,
        });
    }

    pub(crate) fn missing(&mut self, field: &str) {
        self.push(MISSING_FIELD, format!("`{field}` is missing."));
    }

    /// A field of the wrong JSON type. The value itself is never quoted: it may be a credential.
    pub(crate) fn wrong_type(&mut self, field: &str, expected: &str, found: &Json) {
        self.push(
            WRONG_TYPE,
            format!("`{field}` is {}, expected {expected}.", json_type(found)),
        );
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
    pub(crate) fn required_str<'a>(
        &mut self,
        object: &'a Object,
        key: &str,
        path: &str,
    ) -> Option<&'a str> {
        match object.get(key) {
            None => {
                self.missing(path);
                None
            }
            Some(Json::String(text)) if text.is_empty() => {
                self.push(INVALID_VALUE, format!("`{path}` is an empty string."));
                None
            }
            Some(Json::String(text)) => Some(text),
            Some(other) => {
                self.wrong_type(path, "a string", other);
                None
            }
        }
    }

    /// Reads an optional string field: absent and null are fine, another type is not.
    pub(crate) fn optional_str<'a>(
        &mut self,
        object: &'a Object,
        key: &str,
        path: &str,
    ) -> Option<&'a str> {
        match object.get(key) {
            None | Some(Json::Null) => None,
            Some(Json::String(text)) => Some(text),
            Some(other) => {
                self.wrong_type(path, "a string", other);
                None
            }
        }
    }

    /// For a vendor named only by its signature header: says the body cannot carry any of the
    /// fields the vendor documents.
    pub(crate) fn body_not_object(
        &mut self,
        provider: Provider,
        body_kind: BodyKind,
        json: Option<&Json>,
        fields: &str,
    ) {
        let what = match json {
            Some(value) => json_type(value).to_owned(),
            None => format!("a body of kind {}", body_kind.as_str()),
        };
        self.push(
            BODY_NOT_OBJECT,
            format!(
                "Signed like {} but the body is {what}, not a JSON object: {fields} are all missing.",
                provider.as_str()
            ),
        );
    }
}

/// The JSON type of a value, with its article, for messages.
pub(crate) fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// A value from the body quoted for a message: escaped, and cut short so that one odd body
/// cannot make an anomaly list unreadable.
pub(crate) fn quote(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}…", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// Parses the documented `{id: number, code: string, message?: string}` error object leniently
/// (numbers and strings are accepted for each), recording departures from that shape.
pub(crate) fn job_error(value: &Json, path: &str, findings: &mut Findings) -> Option<JobError> {
    let Some(object) = value.as_object() else {
        findings.wrong_type(path, "an object {id, code, message}", value);
        return None;
    };
    let mut error = JobError::default();
    match object.get("id") {
        None => findings.missing(&format!("{path}.id")),
        Some(Json::Number(n)) => match n.as_i64() {
            Some(id) => error.id = Some(id),
            None => findings.push(
                INVALID_VALUE,
                format!("`{path}.id` is not a whole number in range."),
            ),
        },
        Some(other) => findings.wrong_type(&format!("{path}.id"), "a number", other),
    }
    match object.get("code") {
        None => findings.missing(&format!("{path}.code")),
        Some(Json::String(code)) => error.code = Some(code.to_string()),
        Some(other) => findings.wrong_type(&format!("{path}.code"), "a string", other),
    }
    error.message = findings
        .optional_str(object, "message", &format!("{path}.message"))
        .map(str::to_owned);
    Some(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_cuts() {
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote("\u{1b}[2J"), "\"\\u{1b}[2J\"");
        let long = "é".repeat(100);
        let quoted = quote(&long);
        assert!(quoted.ends_with('…'));
        assert_eq!(quoted.chars().filter(|c| *c == 'é').count(), 60);
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
