//! The captured-event type shared by capture, analysis, export and the interface.
//!
//! An event is immutable once stored: everything the listener learned about one request — what
//! arrived, what hookscope made of it, and what it answered. No hyper or ratatui types live here.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// One request as received, with its analysis and the answer it got.
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedEvent {
    /// Capture number, from 1, assigned when the event enters the store.
    pub id: u64,
    /// When the request head arrived, UTC, microsecond precision.
    pub received_at: DateTime<Utc>,
    pub remote_addr: Box<str>,
    pub http_version: HttpVersion,
    pub method: Box<str>,
    pub path: Box<str>,
    /// The raw query string without the `?`, exactly as sent.
    pub query: Option<Box<str>>,
    pub headers: HeaderList,
    /// The body bytes kept: all of them, or the first ones when `truncated`.
    pub body: Bytes,
    /// The size the request carried: declared by `Content-Length` or counted.
    pub body_size: u64,
    pub truncated: bool,
    pub analysis: Analysis,
    pub response: ResponseInfo,
}

impl CapturedEvent {
    /// Receive time as stored: the clock truncated to whole microseconds, so that an export
    /// (which writes microseconds) reads back to the same value.
    pub fn now() -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HttpVersion {
    #[serde(rename = "HTTP/1.0")]
    Http10,
    #[serde(rename = "HTTP/1.1")]
    Http11,
    #[serde(rename = "HTTP/2")]
    Http2,
}

impl HttpVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpVersion::Http10 => "HTTP/1.0",
            HttpVersion::Http11 => "HTTP/1.1",
            HttpVersion::Http2 => "HTTP/2",
        }
    }
}

/// Request headers in arrival order, duplicates kept, stored compactly: every name and value
/// sits in one byte block, so a request with ten headers costs two allocations, not twenty.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    bytes: Box<[u8]>,
    /// For each header, where its name ends and where its value ends in `bytes`.
    ends: Box<[(u32, u32)]>,
}

impl HeaderList {
    pub fn from_pairs<'a, I>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let pairs: Vec<(&[u8], &[u8])> = pairs.into_iter().collect();
        let total = pairs.iter().map(|(n, v)| n.len() + v.len()).sum();
        let mut bytes = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(pairs.len());
        for (name, value) in pairs {
            bytes.extend_from_slice(name);
            let name_end = bytes.len();
            bytes.extend_from_slice(value);
            // Header blocks are bounded far below 4 GiB by the listener's buffer limits.
            ends.push((name_end as u32, bytes.len() as u32));
        }
        HeaderList {
            bytes: bytes.into_boxed_slice(),
            ends: ends.into_boxed_slice(),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Name and value of every header, in order. Names are ASCII (the HTTP parser ensures it);
    /// values are raw bytes and need not be UTF-8.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&[u8], &[u8])> + Clone + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&(name_end, value_end)| {
            let (name_end, value_end) = (name_end as usize, value_end as usize);
            let pair = (
                &self.bytes[start..name_end],
                &self.bytes[name_end..value_end],
            );
            start = value_end;
            pair
        })
    }

    /// The first value of a header, compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// The first value of a header as text, when it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Bytes held on the heap, for memory accounting.
    pub fn heap_size(&self) -> usize {
        self.bytes.len() + self.ends.len() * std::mem::size_of::<(u32, u32)>()
    }
}

impl std::fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(n, v)| (String::from_utf8_lossy(n), String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

/// What hookscope understood of an event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    pub provider: Provider,
    /// Event name (`INTERMEDIATE_RESULTS`, `scan.processing.succeeded`…); none for generic traffic.
    pub kind: Option<Arc<str>>,
    pub severity: Severity,
    pub body_kind: BodyKind,
    /// For multipart bodies, the parts found.
    pub parts: Vec<BodyPart>,
    pub signature: Signature,
    pub sequence: Option<SequenceInfo>,
    pub subject: Subject,
    pub anomalies: Vec<Anomaly>,
    /// When the sender says it sent the event (WMS `timestamp`, video `timestamp`).
    pub sent_at: Option<DateTime<Utc>>,
    /// Set when the same body came before: which delivery this is.
    pub redelivery: Option<Box<Redelivery>>,
}

/// A repeated delivery of a body already received (same provider, method, path and body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redelivery {
    /// 1 for the first re-send, 2 for the second…
    pub retry: u32,
    /// Id of the first delivery of this body.
    pub first_id: u64,
    /// Time since the first delivery.
    pub delay_ms: f64,
    /// Id of the delivery just before this one, and the status hookscope answered it with.
    pub previous_id: u64,
    pub previous_status: u16,
    /// How the timing compares with the documented schedule, when the provider has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Wms,
    Prism,
    PrismVideo,
    #[default]
    Generic,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Wms => "wms",
            Provider::Prism => "prism",
            Provider::PrismVideo => "prism_video",
            Provider::Generic => "generic",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    Warn,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Error => "error",
        }
    }
}

/// The shape of a body, decided from its content type and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    #[default]
    Empty,
    Json,
    /// Declared or shaped as JSON but not parseable: kept as sent and flagged.
    MalformedJson,
    Form,
    Text,
    Multipart,
    Binary,
}

impl BodyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Empty => "empty",
            BodyKind::Json => "json",
            BodyKind::MalformedJson => "malformed_json",
            BodyKind::Form => "form",
            BodyKind::Text => "text",
            BodyKind::Multipart => "multipart",
            BodyKind::Binary => "binary",
        }
    }
}

/// One part of a multipart body: where it sits in the body and what its headers say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyPart {
    pub name: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    /// Byte offset of the part's content within the body.
    pub offset: u64,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureScheme {
    Wms,
    Prism,
    Github,
    Stripe,
    Standard,
    Shopify,
    Slack,
}

impl SignatureScheme {
    pub const ALL: [SignatureScheme; 7] = [
        SignatureScheme::Wms,
        SignatureScheme::Prism,
        SignatureScheme::Github,
        SignatureScheme::Stripe,
        SignatureScheme::Standard,
        SignatureScheme::Shopify,
        SignatureScheme::Slack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SignatureScheme::Wms => "wms",
            SignatureScheme::Prism => "prism",
            SignatureScheme::Github => "github",
            SignatureScheme::Stripe => "stripe",
            SignatureScheme::Standard => "standard",
            SignatureScheme::Shopify => "shopify",
            SignatureScheme::Slack => "slack",
        }
    }

    pub fn parse(name: &str) -> Option<SignatureScheme> {
        let name = name.trim().to_ascii_lowercase();
        SignatureScheme::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureVerdict {
    Valid,
    Invalid,
    /// A secret is set for the scheme but the request carried no signature header.
    Missing,
    /// No signature header and no secret: nothing to check.
    #[default]
    Unsigned,
    /// A signature header came but there is no secret to check it with.
    NoSecret,
    Malformed,
    /// A timestamped scheme outside its tolerance.
    Stale,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Signature {
    pub scheme: Option<SignatureScheme>,
    pub verdict: SignatureVerdict,
    /// Why the verdict is what it is, in a sentence (which header, which secret, which bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Arc<str>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceStatus {
    First,
    InOrder,
    Gap,
    Late,
    Duplicate,
    Conflict,
    Restart,
}

/// Where a WMS event sits in its session's sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceInfo {
    pub session_id: Arc<str>,
    pub seq: u64,
    pub status: SequenceStatus,
    /// The sequence numbers found missing by this event, e.g. `[3, 4]`.
    pub missing: Vec<u64>,
}

/// The ids an event is about, as present in its body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Subject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement_id: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_id: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_id: Option<Arc<str>>,
}

/// Something about an event that a person debugging the integration should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// Short and stable, for filters and scripts: `malformed_json`, `sequence_gap`…
    pub code: String,
    /// One sentence for people.
    pub message: String,
}

/// The answer hookscope gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseInfo {
    pub status: u16,
    /// From the request head's arrival to the answer being ready (including any forwarding).
    pub latency_ms: f64,
    /// The URL the request was relayed to, when it was.
    pub forwarded_to: Option<String>,
    /// The first bytes of the forwarded-to app's answer body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_body: Option<String>,
    /// Why the answer is not the app's (it could not be reached, was too slow…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ResponseInfo {
    /// A plain local answer.
    pub fn local(status: u16, latency_ms: f64) -> ResponseInfo {
        ResponseInfo {
            status,
            latency_ms,
            forwarded_to: None,
            app_body: None,
            error: None,
        }
    }
}
