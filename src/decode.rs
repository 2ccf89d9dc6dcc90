//! Turning raw requests into understood events: body shape, vendor detection, severity,
//! conformance and signatures. Pure functions of the request; run outside any lock.

pub mod body;
pub mod findings;
pub mod json;
pub mod prism;
pub mod signature;
#[cfg(test)]
mod testkit;
pub mod vendor;
pub mod video;
pub mod wms;

use chrono::{DateTime, Utc};

use crate::event::facts::Facts;
use crate::event::{Analysis, Anomaly, BodyKind, HeaderList, Severity};
use signature::Secrets;

/// Everything decoding needs to know about one request.
pub struct RequestView<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a HeaderList,
    pub body: &'a [u8],
    pub truncated: bool,
}

/// What decoding found: the event's analysis so far, and the vendor fields the stateful
/// analysers (sequences, timelines) need.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decoded {
    pub analysis: Analysis,
    pub facts: Facts,
}

/// Decodes one request: body shape, vendor, severity, conformance and signature.
pub fn analyse(request: &RequestView<'_>, secrets: &Secrets, now: DateTime<Utc>) -> Decoded {
    let content_type = request.headers.get_str("content-type");
    let (body_kind, json) = body::shape(content_type, request.body, request.truncated);
    let vendor = vendor::detect(request.headers, body_kind, json.as_ref());
    let check = signature::verify(request.headers, request.body, vendor.provider, secrets, now);

    let mut analysis = Analysis {
        provider: vendor.provider,
        kind: vendor.kind.as_deref().map(crate::intern::intern),
        severity: vendor.severity,
        body_kind,
        signature: check.signature,
        subject: vendor.subject,
        anomalies: vendor.anomalies.into(),
        sent_at: vendor.sent_at,
        ..Analysis::default()
    };
    analysis.anomalies.extend(check.anomalies);
    if body_kind == BodyKind::Multipart {
        analysis.parts = body::multipart_parts(content_type.unwrap_or(""), request.body).into();
    }
    if body_kind == BodyKind::MalformedJson {
        analysis.severity = analysis.severity.max(Severity::Warn);
        analysis.anomalies.push(Anomaly::MalformedJson);
    }
    if request.truncated {
        analysis.severity = analysis.severity.max(Severity::Warn);
        analysis.anomalies.push(Anomaly::BodyTooLarge);
    }
    Decoded {
        analysis,
        facts: vendor.facts,
    }
}
