//! Helpers for the tests of the vendor decoders: headers from pairs, a body built with `json!`
//! run through one decoder, the codes of a result. A leaf, so that a vendor's tests need not go
//! through the detection that imports every vendor.

use serde_json::{Value, json};

use super::findings::{Findings, Object, VendorResult};
use super::json::Json;
use crate::event::facts::{Facts, WmsFacts};
use crate::event::{HeaderList, Provider};

pub(crate) fn headers(pairs: &[(&str, &str)]) -> HeaderList {
    HeaderList::from_pairs(pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())))
}

pub(crate) fn codes(result: &VendorResult) -> Vec<&str> {
    result.anomalies.iter().map(|a| a.code()).collect()
}

/// A body built with `json!` through one vendor's decoder, as detection would run it when the
/// body has that vendor's shape; a body without it is generic, as detection would leave it.
pub(crate) fn decode_as(
    provider: Provider,
    body: &Value,
    has_shape: fn(&Object) -> bool,
    decode: impl FnOnce(Option<&Object>, Option<&Json>, &mut Findings) -> VendorResult,
) -> VendorResult {
    let json = Json::from_value(body);
    let object = json.as_object();
    if !object.is_some_and(has_shape) {
        return VendorResult::default();
    }
    let mut findings = Findings::default();
    let result = decode(object, Some(&json), &mut findings);
    findings.finish(provider, result)
}

/// A WMS body as the documents show one, at sequence 0 of a session, with `payload` when given.
pub(crate) fn wms_body(event: &str, severity: &str, payload: Value) -> Value {
    let mut body = json!({
        "timestamp": 1689684577,
        "sessionId": "ryueiwoqfh910fu3rpqruvfiu",
        "sequence": 0,
        "event": event,
        "severity": severity,
    });
    if !payload.is_null() {
        body["payload"] = payload;
    }
    body
}

pub(crate) fn wms_facts(result: &VendorResult) -> &WmsFacts {
    match &result.facts {
        Facts::Wms(facts) => facts,
        other => panic!("expected WMS facts, got {other:?}"),
    }
}

/// Prism's video webhook documentation's payload example.
pub(crate) fn video_completed() -> Value {
    json!({
        "event": "video.completed",
        "timestamp": "2026-01-13T14:35:00Z",
        "data": {
            "id": "gen_abc123xyz",
            "status": "completed",
            "prompt": "A serene mountain lake at sunset",
            "provider": "runway",
            "duration": 6,
            "video_url": "https://storage.prism.video/videos/gen_abc123xyz.mp4",
            "thumbnail_url": "https://storage.prism.video/thumbnails/gen_abc123xyz.jpg",
            "created_at": "2026-01-13T14:30:00Z"
        }
    })
}
