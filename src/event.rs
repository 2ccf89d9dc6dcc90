//! The captured-event type shared by capture, analysis, export and the interface.
//!
//! An event is immutable once stored: everything the listener learned about one request — what
//! arrived, what hookscope made of it, and what it answered. No hyper or ratatui types live here.

pub mod anomaly;
pub mod build;
pub mod facts;
pub mod headers;
mod remote;
mod subject;
mod thin;

use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::intern::SharedStr;
pub use anomaly::Anomaly;
pub use headers::HeaderList;
pub use remote::RemoteAddr;
pub use subject::{Subject, SubjectIds};
pub use thin::ThinList;

/// The request header with which hookscope marks its own re-sends (`r`, `E`, `hookscope send`):
/// the id of the event re-sent. A listener takes it off (from loopback senders only) before the
/// event is stored, and keeps the id in [`CapturedEvent::resent_from`].
pub const RESENT_FROM_HEADER: &str = "x-hookscope-resent-from";
/// Set (to `1`) beside [`RESENT_FROM_HEADER`] when the re-sent request was edited first.
pub const EDITED_HEADER: &str = "x-hookscope-edited";

/// One request as received, with its analysis and the answer it got.
///
/// A buffer holds up to millions of these, so the struct is kept small: strings that repeat are
/// shared ([`SharedStr`]), lists that are usually empty cost one pointer ([`ThinList`]), and what
/// only a forwarded answer has sits behind a pointer of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedEvent {
    /// Capture number, from 1, assigned when the event enters the store.
    pub id: u64,
    /// When the request head arrived, UTC, microsecond precision.
    pub received_at: DateTime<Utc>,
    pub remote_addr: RemoteAddr,
    pub http_version: HttpVersion,
    /// The method as sent (shared: there are few of them).
    pub method: SharedStr,
    /// The path as sent, without the query (shared: webhooks repeat a few paths).
    pub path: SharedStr,
    pub headers: HeaderList,
    /// The body bytes kept: all of them, or the first ones when `truncated`.
    pub body: Bytes,
    pub truncated: bool,
    /// Pinned by the user (`b`): the store keeps it past its limits.
    pub pinned: bool,
    /// What few requests have (a query, a size other than the body's, a re-send's marks), read
    /// through [`CapturedEvent::query`], [`CapturedEvent::body_size`],
    /// [`CapturedEvent::resent_from`] and [`CapturedEvent::edited`]: none for most.
    uncommon: Option<Box<Uncommon>>,
    pub analysis: Analysis,
    pub response: ResponseInfo,
}

/// The fields of a request that most webhooks leave at their plain value.
#[derive(Debug, Clone, PartialEq, Default)]
struct Uncommon {
    /// The raw query string without the `?`, exactly as sent.
    query: Option<SharedStr>,
    /// The size the request carried (declared by `Content-Length` or counted), when it is not
    /// the length of the body kept.
    body_size: Option<u64>,
    /// Set when hookscope itself sent this request again (`r`, `E`, `hookscope send`): the id
    /// of the event it was made from, as the sender's `X-Hookscope-Resent-From` header said.
    resent_from: Option<std::num::NonZeroU64>,
    /// The re-sent request was edited first (`X-Hookscope-Edited`).
    edited: bool,
}

impl CapturedEvent {
    /// A request of these parts, numbered 0 (the store numbers it), from 127.0.0.1 over
    /// HTTP/1.1, not analysed nor answered yet; [`build::EventBuilder`] sets the rest too.
    pub fn new(
        received_at: DateTime<Utc>,
        method: SharedStr,
        path: SharedStr,
        headers: HeaderList,
        body: Bytes,
    ) -> Self {
        CapturedEvent {
            id: 0,
            received_at,
            remote_addr: RemoteAddr::V4 {
                ip: std::net::Ipv4Addr::LOCALHOST,
                port: 0,
            },
            http_version: HttpVersion::Http11,
            method,
            path,
            headers,
            body,
            truncated: false,
            pinned: false,
            uncommon: None,
            analysis: Analysis::default(),
            response: ResponseInfo::local(0, 0.0),
        }
    }

    /// The raw query string without the `?`, exactly as sent.
    pub fn query(&self) -> Option<&str> {
        self.query_shared().map(|query| query.as_str())
    }

    /// The query as held: queries repeat too, and are shared like paths.
    pub fn query_shared(&self) -> Option<&SharedStr> {
        self.uncommon.as_ref()?.query.as_ref()
    }

    /// The size the request carried: declared by `Content-Length` or counted. The length of
    /// the body kept unless [`CapturedEvent::set_body_size`] said otherwise.
    pub fn body_size(&self) -> u64 {
        self.uncommon
            .as_ref()
            .and_then(|uncommon| uncommon.body_size)
            .unwrap_or(self.body.len() as u64)
    }

    /// Set when hookscope itself sent this request again (`r`, `E`, `hookscope send`): the id
    /// of the event it was made from, as the sender's `X-Hookscope-Resent-From` header said.
    pub fn resent_from(&self) -> Option<std::num::NonZeroU64> {
        self.uncommon.as_ref()?.resent_from
    }

    /// The re-sent request was edited first (`X-Hookscope-Edited`).
    pub fn edited(&self) -> bool {
        self.uncommon
            .as_ref()
            .is_some_and(|uncommon| uncommon.edited)
    }

    pub fn set_query(&mut self, query: Option<SharedStr>) {
        self.change(|uncommon| uncommon.query = query);
    }

    /// The size the request carried. Set after the body: a size equal to the body's length is
    /// not stored (the body tells it).
    pub fn set_body_size(&mut self, size: u64) {
        let size = (size != self.body.len() as u64).then_some(size);
        self.change(|uncommon| uncommon.body_size = size);
    }

    /// Marks the event as a re-send of event `from` (none: not a re-send), edited first or not.
    pub fn set_resent(&mut self, from: Option<std::num::NonZeroU64>, edited: bool) {
        self.change(|uncommon| {
            uncommon.resent_from = from;
            uncommon.edited = edited;
        });
    }

    /// Changes the uncommon fields, keeping no allocation when all are plain again.
    fn change(&mut self, change: impl FnOnce(&mut Uncommon)) {
        let mut uncommon = self.uncommon.take().unwrap_or_default();
        change(&mut uncommon);
        if *uncommon != Uncommon::default() {
            self.uncommon = Some(uncommon);
        }
    }

    /// Receive time as stored: the clock truncated to whole microseconds, so that an export
    /// (which writes microseconds) reads back to the same value.
    pub fn now() -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }

    /// The bytes `--max-bytes` counts for this event: everything whose size the sender (or the
    /// app it was forwarded to) decides — the body kept, the request head (path, query and the
    /// header block) and the answer's headers and body as kept. Fixed-size bookkeeping is not counted. An event
    /// never changes once stored, so the store subtracts on eviction exactly what it added.
    pub fn held_bytes(&self) -> u64 {
        let head = self.path.len()
            + self.query().map_or(0, |query| query.len())
            + self.headers.heap_size();
        let answer = self.response.forward.as_ref().map_or(0, |forward| {
            forward.app_body.as_ref().map_or(0, |body| body.len())
                + forward.headers.heap_size()
                + forward.body.len()
        });
        (self.body.len() + head + answer) as u64
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

/// What hookscope understood of an event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    pub provider: Provider,
    /// Event name (`INTERMEDIATE_RESULTS`, `scan.processing.succeeded`…); none for generic traffic.
    pub kind: Option<SharedStr>,
    pub severity: Severity,
    pub body_kind: BodyKind,
    /// For multipart bodies, the parts found.
    pub parts: ThinList<BodyPart>,
    pub signature: Signature,
    pub sequence: Option<SequenceInfo>,
    pub subject: Subject,
    pub anomalies: ThinList<Anomaly>,
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
    pub schedule: Option<Box<str>>,
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
    /// Every kind, in the order above.
    pub const ALL: [BodyKind; 7] = [
        BodyKind::Empty,
        BodyKind::Json,
        BodyKind::MalformedJson,
        BodyKind::Form,
        BodyKind::Text,
        BodyKind::Multipart,
        BodyKind::Binary,
    ];

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

impl SignatureVerdict {
    /// The name in exports and filters (`sig:no_secret`).
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureVerdict::Valid => "valid",
            SignatureVerdict::Invalid => "invalid",
            SignatureVerdict::Missing => "missing",
            SignatureVerdict::Unsigned => "unsigned",
            SignatureVerdict::NoSecret => "no_secret",
            SignatureVerdict::Malformed => "malformed",
            SignatureVerdict::Stale => "stale",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Signature {
    pub scheme: Option<SignatureScheme>,
    pub verdict: SignatureVerdict,
    /// Why the verdict is what it is, in a sentence (which header, which secret, which bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<SharedStr>,
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

impl SequenceStatus {
    /// The name in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            SequenceStatus::First => "first",
            SequenceStatus::InOrder => "in_order",
            SequenceStatus::Gap => "gap",
            SequenceStatus::Late => "late",
            SequenceStatus::Duplicate => "duplicate",
            SequenceStatus::Conflict => "conflict",
            SequenceStatus::Restart => "restart",
        }
    }
}

/// Where a WMS event sits in its session's sequence. The session is the event's
/// [`Subject::session_id`], not repeated here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceInfo {
    pub seq: u64,
    pub status: SequenceStatus,
    /// The sequence numbers found missing by this event, e.g. `[3, 4]`.
    pub missing: ThinList<u64>,
}

/// The answer the sender got: hookscope's own or, behind `--forward-to`, the app's.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseInfo {
    pub status: u16,
    /// What is known of the headers and body sent (a byte, in the struct's padding).
    pub sent: Sent,
    /// The answer mode that shaped the answer (a byte, in the padding too).
    pub mode: AnswerMode,
    /// From the request head's arrival to the answer being ready (including any forwarding), in
    /// whole microseconds, up to 71 minutes: see [`ResponseInfo::latency_ms`].
    latency_us: u32,
    /// What only some answers have (forwarding, headers and body held); none for hookscope's
    /// default receipt, as most are.
    pub forward: Option<Box<ForwardInfo>>,
}

/// Milliseconds as whole microseconds, saturating at both ends (`as` maps NaN to 0).
fn micros(latency_ms: f64) -> u32 {
    (latency_ms * 1000.0).round() as u32
}

/// What an event knows of the headers and body its answer carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sent {
    /// Not recorded (an event read from a file written before answers were kept).
    #[default]
    Unrecorded,
    /// hookscope's default receipt, `{"received":true,"id":N}` as `application/json`: rebuilt
    /// from the id when shown or exported, so the common answer costs no memory.
    Receipt,
    /// The headers and body are held in [`ForwardInfo`] (`headers`, `body`, `body_size`).
    Held,
    /// As `Held`, but the body sent went on with `"id":N}`, the event's id being known only
    /// once it is stored (hookscope's JSON errors end so).
    HeldThenId,
}

/// The answer modes the interface cycles through with `m`; an event records the one that
/// shaped its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnswerMode {
    /// What the settings say: forward when `--forward-to` is set, else the configured answer.
    #[default]
    Configured,
    Status500,
    Status503,
    Status429,
    /// The configured answer, after at least six seconds.
    Slow,
    /// Answer locally even though a forward target is set.
    Local,
}

impl AnswerMode {
    /// Every mode, in the order `m` cycles through them.
    pub const ALL: [AnswerMode; 6] = [
        AnswerMode::Configured,
        AnswerMode::Status500,
        AnswerMode::Status503,
        AnswerMode::Status429,
        AnswerMode::Slow,
        AnswerMode::Local,
    ];

    /// The name in exports (`response.answer_mode`) and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerMode::Configured => "configured",
            AnswerMode::Status500 => "status_500",
            AnswerMode::Status503 => "status_503",
            AnswerMode::Status429 => "status_429",
            AnswerMode::Slow => "slow",
            AnswerMode::Local => "forward_off",
        }
    }

    /// The mode of an exported name; `None` for a name this version does not know.
    pub fn from_name(name: &str) -> Option<AnswerMode> {
        AnswerMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == name)
    }
}

/// Who answered the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnsweredBy {
    /// hookscope itself: its configured answer, an answer mode, a limit, or a failed forward.
    Hookscope,
    /// The app behind `--forward-to`.
    App,
}

impl AnsweredBy {
    /// The name in exports and filters (`answer:app`, `answer:local`).
    pub fn as_str(self) -> &'static str {
        match self {
            AnsweredBy::Hookscope => "local",
            AnsweredBy::App => "app",
        }
    }
}

/// The part of an answer held behind a pointer: forwarding details, and the headers and body
/// sent when they are not the default receipt.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForwardInfo {
    /// The URL the request was relayed to.
    pub forwarded_to: Option<Box<str>>,
    /// The first bytes of the app's answer body, as files of earlier versions carry it; new
    /// answers keep `body` instead.
    pub app_body: Option<Box<str>>,
    /// Why the answer is not the app's (it could not be reached, was too slow…).
    pub error: Option<Box<str>>,
    /// The answer's headers, as sent (hop-by-hop headers of the app's answer excluded).
    pub headers: HeaderList,
    /// The answer's body: all of it, or its first `--max-body` bytes.
    pub body: Bytes,
    /// The size of the whole answer body.
    pub body_size: u64,
    /// The name of the answer rule (`[[answer]]` in the config file) that produced the answer;
    /// held here so that the events no rule answered do not grow.
    pub rule: Option<SharedStr>,
}

impl ForwardInfo {
    fn is_empty(&self) -> bool {
        self.rule.is_none()
            && self.forwarded_to.is_none()
            && self.app_body.is_none()
            && self.error.is_none()
            && self.headers.is_empty()
            && self.body.is_empty()
            && self.body_size == 0
    }
}

/// The content type of hookscope's default receipt.
pub const RECEIPT_CONTENT_TYPE: &str = "application/json";

/// hookscope's default receipt for the event `id`: `{"received":true,"id":N}`.
pub fn receipt_body(id: u64) -> String {
    [
        "{\"received\":true,\"id\":",
        itoa::Buffer::new().format(id),
        "}",
    ]
    .concat()
}

/// The headers and body of an answer, borrowed or rebuilt.
pub struct SentParts<'a> {
    pub headers: std::borrow::Cow<'a, HeaderList>,
    pub body: std::borrow::Cow<'a, [u8]>,
    /// The size of the whole body (more than `body` when it was cut).
    pub body_size: u64,
}

impl ResponseInfo {
    /// A plain local answer, its headers and body not recorded.
    pub fn local(status: u16, latency_ms: f64) -> ResponseInfo {
        ResponseInfo {
            status,
            sent: Sent::Unrecorded,
            mode: AnswerMode::Configured,
            latency_us: micros(latency_ms),
            forward: None,
        }
    }

    /// hookscope's default receipt (see [`receipt_body`]).
    pub fn receipt(status: u16, latency_ms: f64) -> ResponseInfo {
        ResponseInfo {
            sent: Sent::Receipt,
            ..ResponseInfo::local(status, latency_ms)
        }
    }

    /// An answer with forwarding details or headers and body held; without any, the same as
    /// [`ResponseInfo::local`]. Headers or a body make it [`Sent::Held`].
    pub fn with_forward(status: u16, latency_ms: f64, forward: ForwardInfo) -> ResponseInfo {
        let held = !forward.headers.is_empty() || !forward.body.is_empty() || forward.body_size > 0;
        ResponseInfo {
            status,
            sent: if held { Sent::Held } else { Sent::Unrecorded },
            mode: AnswerMode::Configured,
            latency_us: micros(latency_ms),
            forward: (!forward.is_empty()).then(|| Box::new(forward)),
        }
    }

    /// From the request head's arrival to the answer being ready, in milliseconds, to the
    /// microsecond.
    pub fn latency_ms(&self) -> f64 {
        f64::from(self.latency_us) / 1000.0
    }

    /// The latency in whole microseconds.
    pub fn latency_us(&self) -> u32 {
        self.latency_us
    }

    /// Sets the latency, kept to the nearest microsecond: negative or not a number reads as 0,
    /// and past 71 minutes as 71 minutes (`u32::MAX` microseconds).
    pub fn set_latency_ms(&mut self, latency_ms: f64) {
        self.latency_us = micros(latency_ms);
    }

    /// The URL the request was relayed to, when it was.
    pub fn forwarded_to(&self) -> Option<&str> {
        self.forward.as_ref()?.forwarded_to.as_deref()
    }

    /// The app's answer body as text: as kept (when it is UTF-8), or as files of earlier
    /// versions carry its first bytes.
    pub fn app_body(&self) -> Option<&str> {
        let forward = self.forward.as_deref()?;
        if let Some(legacy) = forward.app_body.as_deref() {
            return Some(legacy);
        }
        if self.sent != Sent::Held || self.answered_by() != AnsweredBy::App {
            return None;
        }
        std::str::from_utf8(&forward.body).ok()
    }

    /// The name of the answer rule that produced the answer, when one did.
    pub fn rule(&self) -> Option<&str> {
        self.forward.as_ref()?.rule.as_deref()
    }

    /// Why the answer is not the app's (it could not be reached, was too slow…).
    pub fn error(&self) -> Option<&str> {
        self.forward.as_ref()?.error.as_deref()
    }

    /// Whether the request was to be forwarded and the app's answer did not come back.
    pub fn forward_failed(&self) -> bool {
        self.forwarded_to().is_some() && self.error().is_some()
    }

    /// Who answered: the app when it was forwarded to and answered, else hookscope.
    pub fn answered_by(&self) -> AnsweredBy {
        if self.forwarded_to().is_some() && self.error().is_none() {
            AnsweredBy::App
        } else {
            AnsweredBy::Hookscope
        }
    }

    /// The headers and body sent to the sender of event `id`, when recorded.
    pub fn sent_parts(&self, id: u64) -> Option<SentParts<'_>> {
        match self.sent {
            Sent::Unrecorded => None,
            Sent::Receipt => {
                static HEADERS: std::sync::LazyLock<HeaderList> = std::sync::LazyLock::new(|| {
                    HeaderList::from_pairs([(
                        &b"content-type"[..],
                        RECEIPT_CONTENT_TYPE.as_bytes(),
                    )])
                });
                let body = receipt_body(id).into_bytes();
                Some(SentParts {
                    headers: std::borrow::Cow::Borrowed(&HEADERS),
                    body_size: body.len() as u64,
                    body: std::borrow::Cow::Owned(body),
                })
            }
            Sent::HeldThenId => {
                let forward = self.forward.as_deref()?;
                let mut body = Vec::with_capacity(forward.body.len() + 26);
                body.extend_from_slice(&forward.body);
                body.extend_from_slice(b"\"id\":");
                body.extend_from_slice(itoa::Buffer::new().format(id).as_bytes());
                body.push(b'}');
                Some(SentParts {
                    headers: std::borrow::Cow::Borrowed(&forward.headers),
                    body_size: body.len() as u64,
                    body: std::borrow::Cow::Owned(body),
                })
            }
            Sent::Held => {
                let forward = self.forward.as_deref()?;
                Some(SentParts {
                    headers: std::borrow::Cow::Borrowed(&forward.headers),
                    body: std::borrow::Cow::Borrowed(&forward.body),
                    body_size: forward.body_size,
                })
            }
        }
    }

    /// After reading an event `id` back: held parts that are exactly the default receipt become
    /// [`Sent::Receipt`] again, as when captured, so that the event is held as small.
    pub fn settle(&mut self, id: u64) {
        let Some(forward) = self.forward.as_deref() else {
            return;
        };
        let receipt = self.sent == Sent::Held
            && forward.rule.is_none()
            && forward.forwarded_to.is_none()
            && forward.app_body.is_none()
            && forward.error.is_none()
            && forward.headers.len() == 1
            && forward.headers.get_str("content-type") == Some(RECEIPT_CONTENT_TYPE)
            && forward.body_size == forward.body.len() as u64
            && forward.body[..] == *receipt_body(id).as_bytes();
        if receipt {
            self.sent = Sent::Receipt;
            self.forward = None;
            return;
        }
        if self.sent != Sent::Held || self.answered_by() != AnsweredBy::Hookscope {
            return;
        }
        let tail = [r#""id":"#, itoa::Buffer::new().format(id), "}"].concat();
        if let Some(forward) = self.forward.as_deref_mut()
            && forward.body_size == forward.body.len() as u64
            && forward.body.ends_with(tail.as_bytes())
            && forward.body.len() > tail.len()
            && matches!(
                forward.body[forward.body.len() - tail.len() - 1],
                b'{' | b','
            )
        {
            forward.body.truncate(forward.body.len() - tail.len());
            forward.body_size = forward.body.len() as u64;
            self.sent = Sent::HeldThenId;
        }
    }
}

/// The headers of an answer as written, one [`HeaderWire`] each, without collecting them first.
struct HeadersWire<'a>(&'a HeaderList);

impl Serialize for HeadersWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(name, value)| HeaderWire(name, value)))
    }
}

/// A header of an answer as written: `[name, value]`, or `[name, readable_value, {"base64":
/// raw}]` when the value is not UTF-8, as request headers are.
struct HeaderWire<'a>(&'a [u8], &'a [u8]);

impl Serialize for HeaderWire<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use base64::Engine as _;
        use serde::ser::SerializeTuple as _;
        let name = String::from_utf8_lossy(self.0);
        match std::str::from_utf8(self.1) {
            Ok(value) => (name, value).serialize(serializer),
            Err(_) => {
                let mut tuple = serializer.serialize_tuple(3)?;
                tuple.serialize_element(&name)?;
                tuple.serialize_element(&String::from_utf8_lossy(self.1))?;
                let raw = base64::engine::general_purpose::STANDARD.encode(self.1);
                tuple.serialize_element(&RawWire { base64: raw })?;
                tuple.end()
            }
        }
    }
}

/// The `{"base64": raw}` of a header value that is not UTF-8.
#[derive(Serialize, Deserialize)]
struct RawWire {
    base64: String,
}

/// A header of an answer as read back: its name and its value's bytes.
#[derive(Default)]
struct HeaderBack(String, Vec<u8>);

impl<'de> Deserialize<'de> for HeaderBack {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use base64::Engine as _;
        use serde::de::Error as _;
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Raw(String, serde::de::IgnoredAny, RawWire),
            Text(String, String),
        }
        match Form::deserialize(deserializer)? {
            Form::Text(name, value) => Ok(HeaderBack(name, value.into_bytes())),
            Form::Raw(name, _, raw) => {
                let value = base64::engine::general_purpose::STANDARD
                    .decode(raw.base64.as_bytes())
                    .map_err(|e| D::Error::custom(format!("response header {name}: {e}")))?;
                Ok(HeaderBack(name, value))
            }
        }
    }
}

/// `{status, latency_ms, forwarded_to, app_body?, error?, answered_by?, headers?, body? |
/// body_base64?, body_size?}`, as in every export. The last four are written when the headers and
/// body sent are recorded; `body_size` only when the body was cut.
#[derive(Serialize, Deserialize)]
struct ResponseWire<T, H> {
    status: u16,
    latency_ms: f64,
    forwarded_to: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_body: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answered_by: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer_mode: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rule: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    headers: Option<H>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_base64: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_size: Option<u64>,
}

/// An event's response as exported: the default receipt needs the event's id to be written out.
pub struct ResponseOut<'a> {
    pub response: &'a ResponseInfo,
    pub id: u64,
}

impl Serialize for ResponseOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use base64::Engine as _;
        use std::borrow::Cow;
        let response = self.response;
        let parts = response.sent_parts(self.id);
        let mut wire = ResponseWire::<Cow<'_, str>, HeadersWire<'_>> {
            status: response.status,
            latency_ms: response.latency_ms(),
            forwarded_to: response.forwarded_to().map(Into::into),
            app_body: response
                .forward
                .as_deref()
                .and_then(|forward| forward.app_body.as_deref())
                .map(Into::into),
            error: response.error().map(Into::into),
            answered_by: None,
            answer_mode: (response.mode != AnswerMode::Configured)
                .then(|| response.mode.as_str().into()),
            rule: response.rule().map(Into::into),
            headers: None,
            body: None,
            body_base64: None,
            body_size: None,
        };
        if let Some(parts) = &parts {
            wire.answered_by = Some(response.answered_by().as_str().into());
            wire.headers = Some(HeadersWire(&parts.headers));
            match std::str::from_utf8(&parts.body) {
                Ok(text) => wire.body = Some(text.into()),
                Err(_) => {
                    wire.body_base64 = Some(
                        base64::engine::general_purpose::STANDARD
                            .encode(&parts.body)
                            .into(),
                    )
                }
            }
            wire.body_size =
                (parts.body_size != parts.body.len() as u64).then_some(parts.body_size);
        }
        wire.serialize(serializer)
    }
}

impl Serialize for ResponseInfo {
    /// Without the event's id, a default receipt is written as not recorded; exports write
    /// [`ResponseOut`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ResponseOut {
            response: self,
            id: 0,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ResponseInfo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use base64::Engine as _;
        use serde::de::Error as _;
        let wire = ResponseWire::<String, Vec<HeaderBack>>::deserialize(deserializer)?;
        let body: Bytes = match (wire.body, wire.body_base64) {
            (Some(text), None) => text.into_bytes().into(),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
                .decode(encoded.as_bytes())
                .map_err(|e| D::Error::custom(format!("response body_base64: {e}")))?
                .into(),
            (None, None) => Bytes::new(),
            (Some(_), Some(_)) => {
                return Err(D::Error::custom("response has both body and body_base64"));
            }
        };
        let recorded = wire.headers.is_some() || !body.is_empty();
        let headers = wire.headers.map_or_else(HeaderList::default, |headers| {
            HeaderList::from_pairs(
                headers
                    .iter()
                    .map(|HeaderBack(name, value)| (name.as_bytes(), value.as_slice())),
            )
        });
        let body_size = wire.body_size.unwrap_or(body.len() as u64);
        let mut response = ResponseInfo::with_forward(
            wire.status,
            wire.latency_ms,
            ForwardInfo {
                forwarded_to: wire.forwarded_to.map(Into::into),
                app_body: wire.app_body.map(Into::into),
                error: wire.error.map(Into::into),
                headers,
                body,
                body_size: if recorded { body_size } else { 0 },
                rule: wire.rule.as_deref().map(crate::intern::intern),
            },
        );
        // A mode a later version added reads as the configured answer, as a reader of the
        // first format ignores the field.
        response.mode = wire
            .answer_mode
            .as_deref()
            .and_then(AnswerMode::from_name)
            .unwrap_or_default();
        if recorded {
            // An answer recorded with no headers and an empty body is still recorded.
            response.sent = Sent::Held;
            if response.forward.is_none() {
                response.forward = Some(Box::default());
            }
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the log line writes without serde must be serde's.
    #[test]
    fn each_name_is_what_serde_writes() {
        fn check<T: Serialize + std::fmt::Debug>(values: &[T], name: impl Fn(&T) -> &'static str) {
            for value in values {
                let serde = serde_json::to_string(value).unwrap();
                assert_eq!(serde, format!("\"{}\"", name(value)), "{value:?}");
            }
        }
        check(
            &[HttpVersion::Http10, HttpVersion::Http11, HttpVersion::Http2],
            |v| v.as_str(),
        );
        check(
            &[
                Provider::Wms,
                Provider::Prism,
                Provider::PrismVideo,
                Provider::Generic,
            ],
            |v| v.as_str(),
        );
        check(&[Severity::Info, Severity::Warn, Severity::Error], |v| {
            v.as_str()
        });
        check(&BodyKind::ALL, |v| v.as_str());
        check(&SignatureScheme::ALL, |v| v.as_str());
        check(
            &[
                SignatureVerdict::Valid,
                SignatureVerdict::Invalid,
                SignatureVerdict::Missing,
                SignatureVerdict::Unsigned,
                SignatureVerdict::NoSecret,
                SignatureVerdict::Malformed,
                SignatureVerdict::Stale,
            ],
            |v| v.as_str(),
        );
        check(
            &[
                SequenceStatus::First,
                SequenceStatus::InOrder,
                SequenceStatus::Gap,
                SequenceStatus::Late,
                SequenceStatus::Duplicate,
                SequenceStatus::Conflict,
                SequenceStatus::Restart,
            ],
            |v| v.as_str(),
        );
    }

    #[test]
    fn the_event_struct_stays_small() {
        // Measured by `examples/memory_per_event.rs`; this guards against a field growing it
        // unnoticed. The struct and the `Arc`'s two counters (256 bytes) fill the allocator's
        // 256-byte size class exactly: one byte more and each event takes 320. So the subject's
        // ids are shared, the latency is 4 bytes, a sequence names its session through the
        // subject, and the query, a size other than the body's and a re-send's marks sit
        // behind one pointer (`Uncommon`).
        assert!(
            std::mem::size_of::<CapturedEvent>() <= 240,
            "{}",
            std::mem::size_of::<CapturedEvent>()
        );
        assert_eq!(std::mem::size_of::<ResponseInfo>(), 16);
    }

    #[test]
    fn uncommon_fields_cost_an_allocation_only_while_set() {
        let mut event = build::EventBuilder::new(1).body("abc").build();
        assert!(event.uncommon.is_none());
        assert_eq!(
            (
                event.query(),
                event.body_size(),
                event.resent_from(),
                event.edited()
            ),
            (None, 3, None, false)
        );
        // The body's own length is not stored.
        event.set_body_size(3);
        assert!(event.uncommon.is_none());
        event.set_body_size(70_000);
        event.set_query(Some("a=1".into()));
        event.set_resent(std::num::NonZeroU64::new(7), true);
        assert_eq!(
            (event.query(), event.body_size(), event.edited()),
            (Some("a=1"), 70_000, true)
        );
        assert_eq!(event.resent_from().map(|n| n.get()), Some(7));
        assert_eq!(event.query_shared().map(|q| q.as_str()), Some("a=1"));
        event.set_body_size(3);
        event.set_query(None);
        event.set_resent(None, false);
        assert!(event.uncommon.is_none());
        let plain = build::EventBuilder::new(1)
            .received_at(event.received_at)
            .body("abc")
            .build();
        assert_eq!(event, plain);
    }

    #[test]
    fn latencies_are_kept_to_the_microsecond_and_saturate() {
        let mut response = ResponseInfo::local(200, 0.125);
        assert_eq!((response.latency_ms(), response.latency_us()), (0.125, 125));
        for (given, kept) in [
            (1.0004, 1.0),
            (1.0006, 1.001),
            (38.4, 38.4),
            (-5.0, 0.0),
            (f64::NAN, 0.0),
            (f64::MAX, f64::from(u32::MAX) / 1000.0),
        ] {
            response.set_latency_ms(given);
            assert_eq!(response.latency_ms(), kept, "{given}");
        }
        // What the listener measures (whole microseconds) is written back exactly.
        response.set_latency_ms(123_456.0 / 1000.0);
        let text = serde_json::to_string(&ResponseOut {
            response: &response,
            id: 1,
        })
        .unwrap();
        assert!(text.contains(r#""latency_ms":123.456,"#), "{text}");
    }

    #[test]
    fn responses_read_back_as_written() {
        let local = ResponseInfo::local(200, 0.125);
        let text = serde_json::to_string(&local).unwrap();
        assert_eq!(
            text,
            r#"{"status":200,"latency_ms":0.125,"forwarded_to":null}"#
        );
        assert_eq!(serde_json::from_str::<ResponseInfo>(&text).unwrap(), local);

        let forwarded = ResponseInfo::with_forward(
            502,
            3.5,
            ForwardInfo {
                forwarded_to: Some("http://127.0.0.1:3000/hook".into()),
                app_body: None,
                error: Some("connection refused".into()),
                ..Default::default()
            },
        );
        let text = serde_json::to_string(&forwarded).unwrap();
        assert_eq!(
            text,
            r#"{"status":502,"latency_ms":3.5,"forwarded_to":"http://127.0.0.1:3000/hook","error":"connection refused"}"#
        );
        let back: ResponseInfo = serde_json::from_str(&text).unwrap();
        assert_eq!(back, forwarded);
        assert_eq!(back.forwarded_to(), Some("http://127.0.0.1:3000/hook"));
        assert_eq!(back.error(), Some("connection refused"));
        assert_eq!(back.app_body(), None);

        // An app body without a URL (only a hand-edited file has one) is kept too.
        let odd: ResponseInfo =
            serde_json::from_str(r#"{"status":200,"latency_ms":1.0,"app_body":"ok"}"#).unwrap();
        assert_eq!(odd.app_body(), Some("ok"));
        assert_eq!(
            serde_json::to_string(&odd).unwrap(),
            r#"{"status":200,"latency_ms":1.0,"forwarded_to":null,"app_body":"ok"}"#
        );
        // Nothing forwarded: nothing boxed.
        let plain: ResponseInfo = serde_json::from_str(
            r#"{"status":200,"latency_ms":1.0,"forwarded_to":null,"app_body":null}"#,
        )
        .unwrap();
        assert!(plain.forward.is_none());
    }
}
