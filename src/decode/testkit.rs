//! Helpers for the tests of the vendor decoders: headers from pairs, a body built with `json!`
//! run through one decoder, the codes of a result. A leaf, so that a vendor's tests need not go
//! through the detection that imports every vendor.

use serde_json::Value;

use super::findings::{Findings, Object, VendorResult};
use super::json::Json;
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
