//! Turning raw requests into understood events: body shape, vendor detection, severity,
//! conformance and signatures. Pure functions of the request; run outside any lock.

pub mod body;
pub mod facts;
pub mod prism;
pub mod signature;
pub mod vendor;
pub mod video;
pub mod wms;

use crate::event::{Analysis, Anomaly, BodyKind, HeaderList, Severity};

/// Everything decoding needs to know about one request.
pub struct RequestView<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a HeaderList,
    pub body: &'a [u8],
    pub truncated: bool,
}

/// Analyses one request.
pub fn analyse(request: &RequestView<'_>) -> Analysis {
    let content_type = request.headers.get_str("content-type");
    let body_kind = body::classify(content_type, request.body, request.truncated);
    let mut analysis = Analysis {
        body_kind,
        ..Analysis::default()
    };
    if body_kind == BodyKind::Multipart {
        analysis.parts = body::multipart_parts(content_type.unwrap_or(""), request.body);
    }
    if body_kind == BodyKind::MalformedJson {
        analysis.severity = Severity::Warn;
        analysis.anomalies.push(Anomaly {
            code: "malformed_json".into(),
            message: "The body is meant to be JSON but does not parse; it is kept as sent.".into(),
        });
    }
    if request.truncated {
        analysis.severity = analysis.severity.max(Severity::Warn);
        analysis.anomalies.push(Anomaly {
            code: "body_too_large".into(),
            message: "The body was over the size limit: answered 413, only its first bytes kept."
                .into(),
        });
    }
    analysis
}
