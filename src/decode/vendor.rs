//! Which vendor sent a request, and what that vendor's documents say about it: the event name,
//! the severity, the ids it is about, the facts analysis needs, and every way the body departs
//! from the vendor documents (the vendors' webhook documents). The vendors themselves live in
//! `wms`, `prism` and
//! `video`; this file decides between them and holds what they share.
//!
//! Detection is by body shape first and signature header second, so a body that clearly belongs
//! to one vendor is never mistaken for another because of a stray header:
//! - `wms` — a JSON object with all of `sessionId`, `sequence`, `event` and `severity` (of any
//!   types), or else an `X-WMS-Content-MAC` header (then any body, even a non-JSON one).
//! - `prism` — a JSON object with `eventType` naming a documented job (`capture_data.validation`,
//!   `body|fitted_body|measurements.creation`, `scan.processing`,
//!   `body_shape_prediction.processing`), or with any `eventType` and a `payload.scanId`.
//! - `prism_video` — a JSON object whose `event` starts with `video.` and which has `data` or
//!   `timestamp`, or else an `X-Prism-Signature` header.
//! - `generic` — everything else, with no anomalies: not being a vendor is not a fault.
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

use super::json::Json;
use chrono::{DateTime, Utc};

use super::facts::{Facts, JobError};
use super::{prism, video, wms};
use crate::event::{Anomaly, BodyKind, HeaderList, Provider, Severity, Subject};

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

/// The WMS signature header (the WMS webhook documentation).
pub const WMS_SIGNATURE_HEADER: &str = "X-WMS-Content-MAC";
/// The Prism video signature header (Prism's video webhook documentation).
pub const PRISM_SIGNATURE_HEADER: &str = "X-Prism-Signature";

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

/// Detects the vendor of a request and checks it against that vendor's documents.
/// `json` is the parsed body when it parsed as JSON (none otherwise). Never fails: anything
/// unrecognised is `generic`.
pub fn detect(headers: &HeaderList, body_kind: BodyKind, json: Option<&Json>) -> VendorResult {
    let object = json.and_then(Json::as_object);
    let wms_header = headers.get(WMS_SIGNATURE_HEADER).is_some();
    let prism_header = headers.get(PRISM_SIGNATURE_HEADER).is_some();

    let by_shape = object.and_then(|o| {
        if wms::has_shape(o) {
            Some(Provider::Wms)
        } else if prism::has_shape(o) {
            Some(Provider::Prism)
        } else if video::has_shape(o) {
            Some(Provider::PrismVideo)
        } else {
            None
        }
    });
    let by_header = if wms_header {
        Some(Provider::Wms)
    } else if prism_header {
        Some(Provider::PrismVideo)
    } else {
        None
    };
    let Some(provider) = by_shape.or(by_header) else {
        return VendorResult::default();
    };

    let mut findings = Findings::default();
    let mut result = match provider {
        Provider::Wms => wms::decode(object, body_kind, json, &mut findings),
        // Prism scan events have no signature header of their own: only a body shape names them.
        Provider::Prism => match object {
            Some(object) => prism::decode(object, &mut findings),
            None => return VendorResult::default(),
        },
        Provider::PrismVideo => video::decode(object, body_kind, json, &mut findings),
        Provider::Generic => return VendorResult::default(),
    };

    // The body's shape wins over a header, but the disagreement is worth knowing: a sender
    // configured with the wrong scheme, or a proxy adding headers.
    if wms_header && provider != Provider::Wms {
        findings.push(
            SIGNATURE_HEADER_MISMATCH,
            format!(
                "The body is shaped as {} but the request carries {WMS_SIGNATURE_HEADER}.",
                provider.as_str()
            ),
        );
    }
    if prism_header && provider == Provider::Wms {
        findings.push(
            SIGNATURE_HEADER_MISMATCH,
            format!("The request is WMS but carries {PRISM_SIGNATURE_HEADER}."),
        );
    }
    if provider != Provider::Wms && !findings.is_empty() {
        // Prism and video have no severity of their own: a body that departs from the documents
        // is at least a warning. WMS keeps the severity its body declares.
        result.severity = result.severity.max(Severity::Warn);
    }
    result.provider = provider;
    result.anomalies = findings.into_vec();
    result
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
pub(crate) mod tests {
    use super::*;
    use serde_json::Value;
    use serde_json::json;

    pub(crate) fn headers(pairs: &[(&str, &str)]) -> HeaderList {
        HeaderList::from_pairs(pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())))
    }

    /// `detect` for a body built with `json!`.
    pub(crate) fn detect(
        headers: &HeaderList,
        body_kind: BodyKind,
        json: Option<&Value>,
    ) -> VendorResult {
        let json = json.map(Json::from_value);
        super::detect(headers, body_kind, json.as_ref())
    }

    pub(crate) fn run(body: Value) -> VendorResult {
        detect(&HeaderList::default(), BodyKind::Json, Some(&body))
    }

    pub(crate) fn codes(result: &VendorResult) -> Vec<&str> {
        result.anomalies.iter().map(|a| a.code.as_str()).collect()
    }

    fn assert_generic(result: &VendorResult) {
        assert_eq!(result.provider, Provider::Generic);
        assert_eq!(result.kind, None);
        assert_eq!(result.severity, Severity::Info);
        assert!(result.anomalies.is_empty(), "{:?}", result.anomalies);
        assert_eq!(result.subject, Subject::default());
        assert_eq!(result.sent_at, None);
        assert_eq!(result.facts, Facts::None);
    }

    #[test]
    fn prismatic_style_triggers_are_generic() {
        // Prismatic's webhook trigger documentation's examples.
        assert_generic(&run(
            json!({"renderId":51266,"s3Bucket":"test-customer-renders","status":"complete"}),
        ));
        assert_generic(&run(
            json!({"Payload Key 1":"Payload Value 1","Do Thing?":true,"quantity":123}),
        ));
        assert_generic(&run(json!({})));
        assert_generic(&run(
            json!({"person":{"data":{"firstname":"Taylor","lastname":"Reece"}}}),
        ));
    }

    #[test]
    fn non_objects_and_non_json_are_generic() {
        assert_generic(&run(json!([1, 2, 3])));
        assert_generic(&run(
            json!([{"sessionId":"s","sequence":0,"event":"WMS_LOADED","severity":"INFO"}]),
        ));
        assert_generic(&run(json!("text")));
        assert_generic(&run(json!(null)));
        assert_generic(&run(json!(12)));
        let none = HeaderList::default();
        for kind in [
            BodyKind::Empty,
            BodyKind::Text,
            BodyKind::Binary,
            BodyKind::Form,
            BodyKind::Multipart,
            BodyKind::MalformedJson,
        ] {
            assert_generic(&detect(&none, kind, None));
        }
        // Other vendors' signature headers do not make a body ours.
        assert_generic(&detect(
            &headers(&[
                ("X-Hub-Signature-256", "sha256=00"),
                ("Stripe-Signature", "t=1"),
            ]),
            BodyKind::Text,
            None,
        ));
    }

    #[test]
    fn near_misses_stay_generic() {
        // Three of the four WMS keys.
        assert_generic(&run(
            json!({"sessionId":"s","sequence":0,"event":"WMS_LOADED"}),
        ));
        // An `eventType`/`payload` envelope of some other vendor.
        assert_generic(&run(
            json!({"eventType":"order.created","payload":{"id":1}}),
        ));
        // An `event` that is not a video event, and a video event with no data nor timestamp.
        assert_generic(&run(json!({"event":"push","data":{"id":"x"}})));
        assert_generic(&run(json!({"event":"video.completed"})));
    }

    #[test]
    fn header_names_are_case_insensitive() {
        let result = detect(
            &headers(&[("x-wms-content-mac", "hmac-sha256=00")]),
            BodyKind::Empty,
            None,
        );
        assert_eq!(result.provider, Provider::Wms);
        let result = detect(
            &headers(&[("X-PRISM-SIGNATURE", "00")]),
            BodyKind::Empty,
            None,
        );
        assert_eq!(result.provider, Provider::PrismVideo);
    }

    #[test]
    fn body_shape_wins_over_headers() {
        let wms_body = json!({"timestamp":1689684577,"sessionId":"s","sequence":0,
            "event":"WMS_LOADED","severity":"INFO"});
        let result = detect(
            &headers(&[(PRISM_SIGNATURE_HEADER, "00")]),
            BodyKind::Json,
            Some(&wms_body),
        );
        assert_eq!(result.provider, Provider::Wms);
        assert_eq!(codes(&result), [SIGNATURE_HEADER_MISMATCH]);
        // WMS keeps its body's severity even with an anomaly.
        assert_eq!(result.severity, Severity::Info);

        let video_body = json!({"event":"video.completed","timestamp":"2026-01-13T14:35:00Z",
            "data":{"id":"gen_abc123xyz","status":"completed"}});
        let result = detect(
            &headers(&[(WMS_SIGNATURE_HEADER, "hmac-sha256=00")]),
            BodyKind::Json,
            Some(&video_body),
        );
        assert_eq!(result.provider, Provider::PrismVideo);
        assert_eq!(codes(&result), [SIGNATURE_HEADER_MISMATCH]);
        assert_eq!(result.severity, Severity::Warn);

        let prism_body = json!({"eventType":"body.creation.started",
            "payload":{"scanId":"scan-1","state":"ASSET_PROCESSING"}});
        let result = detect(
            &headers(&[(WMS_SIGNATURE_HEADER, "hmac-sha256=00")]),
            BodyKind::Json,
            Some(&prism_body),
        );
        assert_eq!(result.provider, Provider::Prism);
        assert_eq!(codes(&result), [SIGNATURE_HEADER_MISMATCH]);
        // The Prism header on a Prism scan body is the same vendor: no disagreement.
        let result = detect(
            &headers(&[(PRISM_SIGNATURE_HEADER, "00")]),
            BodyKind::Json,
            Some(&prism_body),
        );
        assert_eq!(result.provider, Provider::Prism);
        assert!(result.anomalies.is_empty());
    }

    #[test]
    fn both_headers_and_a_generic_body_is_wms_with_a_note() {
        let result = detect(
            &headers(&[
                (WMS_SIGNATURE_HEADER, "hmac-sha256=00"),
                (PRISM_SIGNATURE_HEADER, "00"),
            ]),
            BodyKind::Text,
            None,
        );
        assert_eq!(result.provider, Provider::Wms);
        assert_eq!(codes(&result), [BODY_NOT_OBJECT, SIGNATURE_HEADER_MISMATCH]);
    }

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
        let doc = include_str!("vendor.rs");
        for code in ANOMALY_CODES {
            assert!(doc.contains(&format!("//! | `{code}` |")), "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }

    mod never_panics {
        use super::*;
        use proptest::prelude::*;

        const TOKEN: &str = "TOKEN-9f8e7d";

        /// Keys every decoder looks at, so that random objects often look like vendor bodies.
        const KEYS: [&str; 24] = [
            "timestamp",
            "sessionId",
            "sequence",
            "event",
            "severity",
            "payload",
            "measurementId",
            "snr",
            "state",
            "details",
            "eventType",
            "scanId",
            "userId",
            "error",
            "notificationError",
            "id",
            "code",
            "message",
            "data",
            "status",
            "x",
            "video_url",
            "userToken",
            "constraint",
        ];
        const WORDS: [&str; 16] = [
            "INFO",
            "WARN",
            "ERROR",
            "WMS_LOADED",
            "LOW_SNR",
            "PAGE_VISIBILITY_CHANGE",
            "capture_data.validation.failed",
            "body.creation.succeeded",
            "scan.processing.started",
            "video.completed",
            "video.failed",
            "ASSET_FAILED",
            "READY",
            "completed",
            "2026-01-13T14:35:00Z",
            "",
        ];

        fn leaf() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>().prop_map(Value::from),
                prop::sample::select(WORDS.to_vec()).prop_map(Value::from),
                "[a-z0-9 ._\\-]{0,12}".prop_map(Value::from),
            ]
        }

        fn value() -> impl Strategy<Value = Value> {
            leaf().prop_recursive(6, 64, 8, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner), 0..10)
                        .prop_map(|pairs| {
                            let mut object = serde_json::Map::new();
                            for (key, value) in pairs {
                                // The credential gets its marker value, so leaks can be spotted.
                                let value = if key == "userToken" {
                                    Value::from(TOKEN)
                                } else {
                                    value
                                };
                                object.insert(key.to_owned(), value);
                            }
                            Value::Object(object)
                        }),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn detect_never_panics_nor_leaks(
                body in value(),
                wms_header in any::<bool>(),
                prism_header in any::<bool>(),
            ) {
                let mut pairs = vec![("Content-Type", "application/json")];
                if wms_header { pairs.push((WMS_SIGNATURE_HEADER, "hmac-sha256=00")); }
                if prism_header { pairs.push((PRISM_SIGNATURE_HEADER, "00")); }
                let result = detect(&headers(&pairs), BodyKind::Json, Some(&body));
                let printed = format!("{result:?}");
                prop_assert!(!printed.contains(TOKEN));
                if result.provider == Provider::Generic {
                    prop_assert!(result.anomalies.is_empty());
                    prop_assert!(result.kind.is_none());
                }
                for anomaly in &result.anomalies {
                    prop_assert!(ANOMALY_CODES.contains(&anomaly.code.as_str()));
                }
                // The same body, unparsed, must not panic either.
                let _ = detect(&headers(&pairs), BodyKind::MalformedJson, None);
            }

            #[test]
            fn vendor_shaped_bodies_never_panic(
                payload in value(),
                data in value(),
                sequence in value(),
                event in prop::sample::select(WORDS.to_vec()),
            ) {
                let wms_body = json!({"sessionId":"s","sequence":sequence,"event":event,
                    "severity":"INFO","timestamp":data.clone(),"payload":payload.clone()});
                let prism_body = json!({"eventType":event,"payload":payload.clone()});
                let video_body = json!({"event":"video.failed","timestamp":sequence,"data":data});
                for body in [wms_body, prism_body, video_body] {
                    let result = run(body);
                    let printed = format!("{result:?}");
                prop_assert!(!printed.contains(TOKEN));
                }
            }
        }

        #[test]
        fn deep_nesting_and_huge_numbers() {
            let mut deep = json!({"sessionId":"s"});
            // Deeper than the JSON parser's own recursion limit of 128.
            for _ in 0..300 {
                deep = json!({"payload": deep, "data": [1]});
            }
            let body = json!({"sessionId":"s","sequence":1e300,"event":"LOW_SNR",
                "severity":"ERROR","timestamp":u64::MAX,"payload":deep});
            let result = run(body);
            assert_eq!(result.provider, Provider::Wms);
            let body = json!({"event":"video.failed","timestamp":-1e308,"data":{"id":"v",
                "status":"failed","error":{"id":u64::MAX,"code":1e300}}});
            assert_eq!(run(body).provider, Provider::PrismVideo);
        }
    }
}
