//! Which vendor sent a request, and what that vendor's documents say about it: the event name,
//! the severity, the ids it is about, the facts analysis needs, and every way the body departs
//! from the vendor documents (the vendors' webhook documents). The vendors themselves live in
//! `wms`, `prism` and
//! `video`, and what they share (the anomaly codes among it) in `findings`; this file decides
//! between them.
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

use super::findings::{Findings, VendorResult};
use super::json::Json;
use super::{prism, video, wms};
use crate::event::{Anomaly, BodyKind, HeaderList, Provider};

/// The WMS signature header (the WMS webhook documentation).
pub const WMS_SIGNATURE_HEADER: &str = "X-WMS-Content-MAC";
/// The Prism video signature header (Prism's video webhook documentation).
pub const PRISM_SIGNATURE_HEADER: &str = "X-Prism-Signature";

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
    let result = match provider {
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
        findings.push(Anomaly::ShapedButWmsHeader {
            provider: provider.as_str(),
            header: &WMS_SIGNATURE_HEADER,
        });
    }
    if prism_header && provider == Provider::Wms {
        findings.push(Anomaly::WmsWithPrismHeader {
            header: &PRISM_SIGNATURE_HEADER,
        });
    }
    findings.finish(provider, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::findings::{ANOMALY_CODES, BODY_NOT_OBJECT, SIGNATURE_HEADER_MISMATCH};
    use crate::decode::testkit::{codes, headers};
    use crate::event::facts::Facts;
    use crate::event::{Severity, Subject};
    use serde_json::Value;
    use serde_json::json;

    /// `detect` for a body built with `json!`.
    fn detect(headers: &HeaderList, body_kind: BodyKind, json: Option<&Value>) -> VendorResult {
        let json = json.map(Json::from_value);
        super::detect(headers, body_kind, json.as_ref())
    }

    fn run(body: Value) -> VendorResult {
        detect(&HeaderList::default(), BodyKind::Json, Some(&body))
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

    /// What the signature headers alone decide for each vendor: these go through detection.
    mod by_header {
        use super::*;
        use crate::decode::findings::{MISSING_FIELD, SIGNATURE_HEADER_MISMATCH, UNKNOWN_EVENT};
        use crate::decode::testkit::{video_completed as completed, wms_body as body, wms_facts};

        #[test]
        fn missing_severity_falls_back_to_the_documented_one() {
            let mut missing = body("LOW_SNR", "x", json!({"details": "LOW_SNR"}));
            if let Some(object) = missing.as_object_mut() {
                object.remove("severity");
            }
            // Without `severity` the body is no longer shaped as WMS; the header still names it.
            let result = detect(
                &headers(&[(WMS_SIGNATURE_HEADER, "hmac-sha256=00")]),
                BodyKind::Json,
                Some(&missing),
            );
            assert_eq!(result.provider, Provider::Wms);
            assert_eq!(codes(&result), [MISSING_FIELD]);
            assert_eq!(result.severity, Severity::Error);
        }

        #[test]
        fn wms_header_only_detection() {
            let signed = headers(&[(WMS_SIGNATURE_HEADER, "hmac-sha256=00")]);
            for (kind, json) in [
                (BodyKind::Text, None),
                (BodyKind::Empty, None),
                (BodyKind::MalformedJson, None),
                (BodyKind::Json, Some(json!([1]))),
            ] {
                let result = detect(&signed, kind, json.as_ref());
                assert_eq!(result.provider, Provider::Wms);
                assert_eq!(codes(&result), [BODY_NOT_OBJECT]);
                assert!(result.anomalies[0].message().contains("sessionId"));
                assert_eq!(result.severity, Severity::Warn);
                assert_eq!(result.facts, Facts::None);
            }
            let result = detect(&signed, BodyKind::Json, Some(&json!({"sessionId": "s"})));
            assert_eq!(result.provider, Provider::Wms);
            assert_eq!(
                codes(&result),
                [MISSING_FIELD, MISSING_FIELD, MISSING_FIELD, MISSING_FIELD]
            );
            assert_eq!(result.severity, Severity::Warn);
            assert_eq!(wms_facts(&result).session_id, "s");
            assert_eq!(result.subject.session_id.as_deref(), Some("s"));
        }

        #[test]
        fn prism_header_on_wms_body() {
            let b = body("WMS_LOADED", "INFO", Value::Null);
            let result = detect(
                &headers(&[("X-Prism-Signature", "00")]),
                BodyKind::Json,
                Some(&b),
            );
            assert_eq!(codes(&result), [SIGNATURE_HEADER_MISMATCH]);
            assert_eq!(
                detect(&HeaderList::default(), BodyKind::Json, Some(&b)).anomalies,
                []
            );
        }

        #[test]
        fn video_header_only_detection() {
            let signed = headers(&[(PRISM_SIGNATURE_HEADER, "2ac2fd3b")]);
            let result = detect(&signed, BodyKind::Binary, None);
            assert_eq!(result.provider, Provider::PrismVideo);
            assert_eq!(codes(&result), [BODY_NOT_OBJECT]);
            assert!(result.anomalies[0].message().contains("binary"));
            assert_eq!(result.severity, Severity::Warn);

            // The signature test body of the project notes: Prism-signed, nothing like a video event.
            let ping = json!({"event": "ping"});
            let result = detect(&signed, BodyKind::Json, Some(&ping));
            assert_eq!(result.provider, Provider::PrismVideo);
            assert_eq!(
                codes(&result),
                [UNKNOWN_EVENT, MISSING_FIELD, MISSING_FIELD]
            );
            assert_eq!(result.kind.as_deref(), Some("ping"));

            // A conformant body with its header: no note.
            let body = completed();
            let result = detect(&signed, BodyKind::Json, Some(&body));
            assert!(result.anomalies.is_empty());
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
                    prop_assert!(ANOMALY_CODES.contains(&anomaly.code()));
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
