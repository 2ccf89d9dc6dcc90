//! The export format (version 1) — JSON documents and JSON Lines — and the importer, which
//! also reads HAR 1.2 (`har_read.rs`).
//!
//! The format is a contract: scripts and tests read it. Writing an event and reading it back
//! gives the same event, so export → import → export is identical byte for byte. Bodies that
//! are UTF-8 go in `body`, others in `body_base64`; a header value that is not UTF-8 is written
//! as `[name, readable_value, {"base64": raw}]` instead of `[name, value]`.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};
use std::net::SocketAddrV4;
use std::ops::Deref;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::analysis::AnalysisSnapshot;
use crate::decode::signature::Secrets;
use crate::event::{
    Analysis, Anomaly, BodyKind, BodyPart, CapturedEvent, HeaderList, HttpVersion, Provider,
    Redelivery, RemoteAddr, ResponseInfo, SequenceInfo, SequenceStatus, Severity, SharedStr,
    Signature, Subject, ThinList,
};
use crate::intern::intern;
use crate::store::Stats;

pub mod har;
mod har_read;
pub mod http_text;
pub mod jsonl;
mod line;

pub use line::format_time;

pub const FORMAT_NAME: &str = "hookscope";
pub const FORMAT_VERSION: u32 = 1;

/// The event line through serde: the reference that [`line::push_event`] must match byte for
/// byte.
#[cfg(test)]
#[derive(Serialize)]
struct EventOut<'a> {
    id: u64,
    received_at: String,
    remote_addr: &'a RemoteAddr,
    http_version: HttpVersion,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: HeadersOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
    body_size: u64,
    truncated: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pinned: bool,
    body_kind: BodyKind,
    #[serde(skip_serializing_if = "<[BodyPart]>::is_empty")]
    parts: &'a [BodyPart],
    provider: Provider,
    kind: Option<&'a str>,
    severity: Severity,
    signature: &'a Signature,
    sequence: Option<SequenceOut<'a>>,
    subject: &'a Subject,
    anomalies: &'a [Anomaly],
    #[serde(skip_serializing_if = "Option::is_none")]
    sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redelivery: Option<&'a Redelivery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resent_from: Option<std::num::NonZeroU64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    edited: bool,
    response: crate::event::ResponseOut<'a>,
}

#[cfg(test)]
impl<'a> EventOut<'a> {
    fn new(event: &'a CapturedEvent) -> EventOut<'a> {
        let (body, body_base64) = match std::str::from_utf8(&event.body) {
            Ok(text) => (Some(text), None),
            Err(_) => (None, Some(BASE64.encode(&event.body))),
        };
        let analysis = &event.analysis;
        EventOut {
            id: event.id,
            received_at: format_time(&event.received_at),
            remote_addr: &event.remote_addr,
            http_version: event.http_version,
            method: &event.method,
            path: &event.path,
            query: event.query(),
            headers: HeadersOut(&event.headers),
            body,
            body_base64,
            body_size: event.body_size(),
            truncated: event.truncated,
            pinned: event.pinned,
            body_kind: analysis.body_kind,
            parts: &analysis.parts,
            provider: analysis.provider,
            kind: analysis.kind.as_deref(),
            severity: analysis.severity,
            signature: &analysis.signature,
            sequence: analysis.sequence.as_ref().map(|sequence| SequenceOut {
                session_id: analysis.subject.session_id.as_deref().unwrap_or_default(),
                seq: sequence.seq,
                status: sequence.status,
                missing: &sequence.missing,
            }),
            subject: &analysis.subject,
            anomalies: &analysis.anomalies,
            sent_at: analysis.sent_at.as_ref().map(format_time),
            redelivery: analysis.redelivery.as_deref(),
            resent_from: event.resent_from(),
            edited: event.edited(),
            response: crate::event::ResponseOut {
                response: &event.response,
                id: event.id,
            },
        }
    }
}

#[cfg(test)]
#[derive(Serialize)]
struct SequenceOut<'a> {
    session_id: &'a str,
    seq: u64,
    status: SequenceStatus,
    missing: &'a [u64],
}

#[cfg(test)]
struct HeadersOut<'a>(&'a HeaderList);

#[cfg(test)]
impl Serialize for HeadersOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (name, value) in self.0.iter() {
            let name = String::from_utf8_lossy(name);
            match std::str::from_utf8(value) {
                Ok(text) => seq.serialize_element(&(name, text))?,
                Err(_) => seq.serialize_element(&(
                    name,
                    String::from_utf8_lossy(value),
                    RawValue {
                        base64: BASE64.encode(value),
                    },
                ))?,
            }
        }
        seq.end()
    }
}

#[cfg(test)]
#[derive(Serialize)]
struct RawValue {
    base64: String,
}

/// Writes one event as a single line of JSON, without the newline.
pub fn write_event<W: Write>(out: &mut W, event: &CapturedEvent) -> io::Result<()> {
    let mut line = Vec::with_capacity(event.body.len() + 1024);
    push_event(&mut line, event)?;
    out.write_all(&line)
}

/// Appends one event as a single line of JSON, without the newline.
pub fn push_event(out: &mut Vec<u8>, event: &CapturedEvent) -> io::Result<()> {
    line::push_event(out, event).map_err(io::Error::from)
}

/// One event as a JSON Lines line, newline included.
pub fn event_line(event: &CapturedEvent) -> Vec<u8> {
    let mut line = Vec::with_capacity(event.body.len() + 1024);
    // Writing into a Vec cannot fail.
    let _ = push_event(&mut line, event);
    line.push(b'\n');
    line
}

/// Writes a whole export document: one event per line inside `events`, so that exports diff
/// well and stream in constant memory.
pub fn write_export<'a, W, I>(
    out: &mut W,
    stats: Stats,
    exported_at: DateTime<Utc>,
    events: I,
) -> io::Result<()>
where
    W: Write,
    I: IntoIterator<Item = &'a CapturedEvent>,
{
    write_export_with(out, stats, None, exported_at, events)
}

/// Like `write_export`, with the analysis summaries (WMS sessions, scan and video timelines)
/// written under `analysis`, for scripts that want them without replaying the events.
pub fn write_export_with<'a, W, I>(
    out: &mut W,
    stats: Stats,
    analysis: Option<&AnalysisSnapshot>,
    exported_at: DateTime<Utc>,
    events: I,
) -> io::Result<()>
where
    W: Write,
    I: IntoIterator<Item = &'a CapturedEvent>,
{
    #[derive(Serialize)]
    struct Head<'a> {
        format: &'a str,
        version: u32,
        exported_at: String,
        stats: Stats,
        #[serde(skip_serializing_if = "Option::is_none")]
        analysis: Option<&'a AnalysisSnapshot>,
    }
    let head = Head {
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        exported_at: format_time(&exported_at),
        stats,
        analysis,
    };
    let head = serde_json::to_vec(&head).map_err(io::Error::from)?;
    // `{"format":…,"stats":{…}}` becomes `{"format":…,"stats":{…},"events":[`.
    out.write_all(&head[..head.len() - 1])?;
    out.write_all(b",\"events\":[")?;
    for (i, event) in events.into_iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        write_event(out, event)?;
    }
    out.write_all(b"\n]}\n")
}

/// The layouts an export file can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One JSON document (the default).
    Json,
    /// One event per line.
    Jsonl,
    /// HAR 1.2, for other HTTP tools (write only).
    Har,
}

impl Layout {
    /// Chosen by the file name: `.har`, `.jsonl` / `.ndjson`, anything else JSON.
    pub fn for_path(path: &std::path::Path) -> Layout {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("har") => Layout::Har,
            Some("jsonl" | "ndjson") => Layout::Jsonl,
            _ => Layout::Json,
        }
    }
}

/// Writes an export to `path` in the layout its name asks for, atomically: a temporary file
/// beside it, then a rename, so an interrupted write never leaves half a file under the name.
pub fn write_export_file<'a, I>(path: &std::path::Path, stats: Stats, events: I) -> io::Result<()>
where
    I: IntoIterator<Item = &'a CapturedEvent>,
{
    write_export_file_with(path, stats, None, events)
}

/// Like `write_export_file`, with the analysis summaries in JSON exports.
pub fn write_export_file_with<'a, I>(
    path: &std::path::Path,
    stats: Stats,
    analysis: Option<&AnalysisSnapshot>,
    events: I,
) -> io::Result<()>
where
    I: IntoIterator<Item = &'a CapturedEvent>,
{
    let temp = temp_path(path);
    let result = (|| {
        let file = std::fs::File::create(&temp)?;
        let mut out = io::BufWriter::with_capacity(1 << 20, file);
        match Layout::for_path(path) {
            Layout::Json => write_export_with(&mut out, stats, analysis, Utc::now(), events)?,
            Layout::Jsonl => {
                for event in events {
                    write_event(&mut out, event)?;
                    out.write_all(b"\n")?;
                }
            }
            Layout::Har => har::write_har(&mut out, events)?,
        }
        out.into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// The temporary file an export to `path` is written to before it takes the name.
fn temp_path(path: &std::path::Path) -> std::path::PathBuf {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()))
}

/// Checks that an export can be written to `path` (its folder takes a new file, which then
/// takes the name), by creating and removing the temporary file it would be written to.
pub fn check_writable(path: &std::path::Path) -> io::Result<()> {
    if path.is_dir() || path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a folder, not a file",
        ));
    }
    let temp = temp_path(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    std::fs::remove_file(&temp)
}

/// A string as read from the input: borrowed from it when the JSON had no escapes in it, a copy
/// when it had (so reading a field costs no allocation in the common case).
struct Text<'a>(Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

impl Text<'_> {
    /// The bytes in an allocation of exactly their size.
    fn into_boxed_bytes(self) -> Box<[u8]> {
        match self.0 {
            Cow::Borrowed(text) => Box::from(text.as_bytes()),
            Cow::Owned(text) => text.into_bytes().into_boxed_slice(),
        }
    }
}

#[derive(Deserialize)]
struct EventIn<'a> {
    id: u64,
    #[serde(borrow)]
    received_at: Text<'a>,
    #[serde(borrow)]
    remote_addr: Text<'a>,
    #[serde(default = "default_version")]
    http_version: HttpVersion,
    #[serde(borrow)]
    method: Text<'a>,
    #[serde(borrow)]
    path: Text<'a>,
    #[serde(borrow)]
    query: Option<Text<'a>>,
    #[serde(borrow)]
    headers: Vec<HeaderIn<'a>>,
    #[serde(borrow)]
    body: Option<Text<'a>>,
    #[serde(borrow)]
    body_base64: Option<Text<'a>>,
    body_size: u64,
    truncated: bool,
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    body_kind: BodyKind,
    #[serde(default)]
    parts: ThinList<BodyPart>,
    provider: Provider,
    #[serde(borrow)]
    kind: Option<Text<'a>>,
    severity: Severity,
    signature: Signature,
    sequence: Option<SequenceIn>,
    #[serde(default)]
    subject: Subject,
    #[serde(default)]
    anomalies: ThinList<Anomaly>,
    #[serde(default, borrow)]
    sent_at: Option<Text<'a>>,
    #[serde(default)]
    redelivery: Option<Redelivery>,
    #[serde(default)]
    resent_from: Option<std::num::NonZeroU64>,
    #[serde(default)]
    edited: bool,
    response: ResponseInfo,
}

/// A sequence as the format writes it, with its session: an event keeps that in its subject.
#[derive(Deserialize)]
struct SequenceIn {
    session_id: SharedStr,
    seq: u64,
    status: SequenceStatus,
    missing: ThinList<u64>,
}

fn default_version() -> HttpVersion {
    HttpVersion::Http11
}

/// `[name, value]` or `[name, readable_value, {"base64": raw}]`.
struct HeaderIn<'a> {
    name: Text<'a>,
    value: Cow<'a, [u8]>,
}

/// The `{"base64": raw}` of a header value that is not UTF-8, as read.
#[derive(Deserialize)]
#[serde(rename = "RawValue")]
struct RawValueIn<'a> {
    #[serde(borrow)]
    base64: Text<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for HeaderIn<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = HeaderIn<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a header as [name, value] or [name, value, {\"base64\": raw}]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderIn<'de>, A::Error> {
                let name: Text<'de> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let value: Text<'de> = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let value = match seq.next_element::<RawValueIn<'de>>()? {
                    Some(raw) => Cow::Owned(BASE64.decode(&*raw.base64).map_err(|e| {
                        de::Error::custom(format!("header {}: bad base64: {e}", &*name))
                    })?),
                    None => match value.0 {
                        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
                        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
                    },
                };
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(4, &self));
                }
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                    return Err(de::Error::custom(format!(
                        "'{}' is not a header name",
                        &*name
                    )));
                }
                Ok(HeaderIn { name, value })
            }
        }
        deserializer.deserialize_seq(HeaderVisitor)
    }
}

/// The sender's address as [`RemoteAddr::from`] reads it, without its round trip through
/// formatting when the text is plainly a canonical IPv4 socket address (the usual case).
fn remote_addr(text: &str) -> RemoteAddr {
    // Text of digits, dots and a colon that parses is `a.b.c.d:port`; it is written back the
    // same unless a number has a leading zero, which is all the round trip could find.
    let canonical = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b':')
        && text
            .split(['.', ':'])
            .all(|number| !(number.len() > 1 && number.starts_with('0')));
    if canonical && let Ok(v4) = text.parse::<SocketAddrV4>() {
        return RemoteAddr::V4 {
            ip: *v4.ip(),
            port: v4.port(),
        };
    }
    RemoteAddr::from(text)
}

impl EventIn<'_> {
    fn into_event(self) -> Result<CapturedEvent, String> {
        let received_at = DateTime::parse_from_rfc3339(&self.received_at)
            .map_err(|e| {
                format!(
                    "event {}: received_at '{}': {e}",
                    self.id, &*self.received_at
                )
            })?
            .with_timezone(&Utc)
            // The format's precision: finer digits would not survive the next export.
            .trunc_subsecs(6);
        // Boxed slices: the body's allocation holds it exactly, with no spare capacity kept
        // for as long as the event is buffered.
        let body = match (self.body, self.body_base64) {
            (Some(text), None) => Bytes::from(text.into_boxed_bytes()),
            (None, Some(b64)) => Bytes::from(
                BASE64
                    .decode(&*b64)
                    .map_err(|e| format!("event {}: body_base64: {e}", self.id))?
                    .into_boxed_slice(),
            ),
            (None, None) => return Err(format!("event {}: neither body nor body_base64", self.id)),
            (Some(_), Some(_)) => {
                return Err(format!("event {}: both body and body_base64", self.id));
            }
        };
        let sent_at = match &self.sent_at {
            None => None,
            Some(text) => Some(
                DateTime::parse_from_rfc3339(text)
                    .map_err(|e| format!("event {}: sent_at '{}': {e}", self.id, &**text))?
                    .with_timezone(&Utc)
                    .trunc_subsecs(6),
            ),
        };
        let headers = HeaderList::from_pairs(
            self.headers
                .iter()
                .map(|h| (h.name.as_bytes(), &h.value[..])),
        );
        // The session a sequence names is the subject's; a file that gives only the first (or
        // two different ones, which hookscope never writes) keeps the subject's when it has one.
        let mut subject = self.subject;
        let sequence = self.sequence.map(|sequence| {
            if subject.session_id.is_none() {
                subject.session_id = Some(sequence.session_id);
            }
            SequenceInfo {
                seq: sequence.seq,
                status: sequence.status,
                missing: sequence.missing,
            }
        });
        let mut event = CapturedEvent::new(
            received_at,
            intern(&self.method),
            intern(&self.path),
            headers,
            body,
        );
        event.set_query(self.query.as_deref().map(intern));
        event.set_body_size(self.body_size);
        event.set_resent(self.resent_from, self.edited);
        event.id = self.id;
        event.remote_addr = remote_addr(&self.remote_addr);
        event.http_version = self.http_version;
        event.truncated = self.truncated;
        event.pinned = self.pinned;
        event.analysis = Analysis {
            provider: self.provider,
            kind: self.kind.as_deref().map(intern),
            severity: self.severity,
            body_kind: self.body_kind,
            parts: self.parts,
            signature: self.signature,
            sequence,
            subject,
            anomalies: self.anomalies,
            sent_at,
            redelivery: self.redelivery.map(Box::new),
        };
        event.response = self.response;
        event.response.settle(self.id);
        Ok(event)
    }
}

/// The `events` of a JSON export, each made into an event as soon as it is read, so that the
/// document is never held twice. The first event that is read but cannot be made into one is
/// kept as `error` (the rest are still read, so that a syntax error later in the file is still
/// the error reported, as when all are read first).
struct EventsIn {
    events: Vec<CapturedEvent>,
    error: Option<String>,
}

impl<'de> Deserialize<'de> for EventsIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EventsVisitor;
        impl<'de> Visitor<'de> for EventsVisitor {
            type Value = EventsIn;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<EventsIn, A::Error> {
                let mut events = Vec::new();
                let mut error = None;
                while let Some(event) = seq.next_element::<EventIn<'de>>()? {
                    if error.is_none() {
                        match event.into_event() {
                            Ok(event) => events.push(event),
                            Err(message) => error = Some(message),
                        }
                    }
                }
                Ok(EventsIn { events, error })
            }
        }
        deserializer.deserialize_seq(EventsVisitor)
    }
}

#[derive(Deserialize)]
struct ExportIn<'a> {
    #[serde(borrow)]
    format: Text<'a>,
    version: u32,
    #[allow(dead_code)]
    #[serde(borrow)]
    exported_at: Text<'a>,
    stats: Stats,
    #[serde(default)]
    analysis: Option<AnalysisSnapshot>,
    events: EventsIn,
}

/// Which layout a file had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Json,
    Jsonl,
    /// HAR 1.2, of hookscope or another tool: its events were analysed again as they were read.
    Har,
}

/// What an export file held.
#[derive(Debug)]
pub struct Imported {
    pub format: ImportFormat,
    pub stats: Stats,
    /// The summaries written with a JSON export, if it had them.
    pub analysis: Option<AnalysisSnapshot>,
    pub events: Vec<CapturedEvent>,
    /// Lines of a JSON Lines file that could not be read and were left out.
    pub skipped: Skipped,
}

/// Lines of a JSON Lines log left out because they could not be read: a line cut off when a
/// disk filled up or a process was killed mid-write, with the events around it intact.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Skipped {
    pub lines: u64,
    /// The first one: its line number in the file (from 1) and why it could not be read.
    pub first: Option<(u64, String)>,
}

impl std::fmt::Display for Skipped {
    /// "1 damaged line skipped (line 2: EOF while parsing …)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines = crate::words::count(self.lines, "damaged line");
        write!(f, "{lines} skipped")?;
        if let Some((line, message)) = &self.first {
            let first = if self.lines > 1 { "first " } else { "" };
            write!(f, " ({first}line {line}: {message})")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(String);

impl ImportError {
    /// The one line to tell a user about `file`: `FILE is not a hookscope export: why`, where
    /// a reason that already says what the file is not (`not a HAR 1.2 file: …`) is not made
    /// to say it twice.
    pub fn about(&self, file: impl std::fmt::Display) -> String {
        const NOT_AN_EXPORT: &str = "not a hookscope export";
        let reason = self.0.replace('\n', " ");
        if reason.starts_with(NOT_AN_EXPORT) || reason.starts_with(har_read::NOT_A_HAR) {
            format!("{file} is {reason}")
        } else {
            format!("{file} is {NOT_AN_EXPORT}: {reason}")
        }
    }
}

/// Reads one JSON value. Text that is valid UTF-8 (all that hookscope writes) is read without
/// checking each string again; anything else is read as bytes, with the same result or error.
fn from_json<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Reads an export: a JSON document, JSON Lines or HAR 1.2, told apart by their content.
/// Signatures of HAR entries are checked with no secrets (see [`import_with`]).
pub fn import(bytes: &[u8]) -> Result<Imported, ImportError> {
    import_with(bytes, &Secrets::default())
}

/// Reads an export as [`import`] does; the entries of a HAR file, which carries no analysis,
/// are decoded again as on capture, their signatures checked with `secrets`.
pub fn import_with(bytes: &[u8], secrets: &Secrets) -> Result<Imported, ImportError> {
    if har_read::looks_like_har(bytes) {
        return import_har(bytes, secrets);
    }
    let first_line = bytes
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty());
    let Some(first_line) = first_line else {
        return Err(ImportError("the file is empty".into()));
    };
    if from_json::<EventIn>(first_line).is_ok() {
        return import_jsonl(bytes);
    }
    match import_json(bytes) {
        Ok(imported) => Ok(imported),
        // A HAR whose writer put another key before `log`.
        Err(_) if har_read::is_har(bytes) => import_har(bytes, secrets),
        // A log whose first line was cut off reads as JSON Lines from its second line on; a
        // document that begins as an export is one, and its own error says what is wrong.
        Err(error) if !begins_as_document(first_line) => match import_jsonl(bytes) {
            Ok(imported) if !imported.events.is_empty() => Ok(imported),
            _ => Err(error),
        },
        Err(error) => Err(error),
    }
}

fn import_har(bytes: &[u8], secrets: &Secrets) -> Result<Imported, ImportError> {
    let events = har_read::read_har(bytes, secrets).map_err(ImportError)?;
    let n = events.len() as u64;
    Ok(Imported {
        format: ImportFormat::Har,
        stats: Stats {
            received: n,
            stored: n,
            evicted: 0,
            rejected: 0,
        },
        analysis: None,
        events,
        skipped: Skipped::default(),
    })
}

/// Whether a first line is the start of a JSON export: hookscope writes `{"format":…` first;
/// a document laid out by another tool opens with a lone `{`.
fn begins_as_document(line: &[u8]) -> bool {
    let line = line.trim_ascii();
    line == b"{"
        || line
            .strip_prefix(b"{")
            .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"\"format\""))
}

fn import_json(bytes: &[u8]) -> Result<Imported, ImportError> {
    let doc: ExportIn = from_json(bytes)
        .map_err(|e| ImportError(format!("not a hookscope export (JSON or JSON Lines): {e}")))?;
    if *doc.format != *FORMAT_NAME {
        return Err(ImportError(format!(
            "format is '{}', not '{FORMAT_NAME}'",
            &*doc.format
        )));
    }
    if doc.version != FORMAT_VERSION {
        return Err(ImportError(format!(
            "export version {} is not supported; this hookscope reads version {FORMAT_VERSION}",
            doc.version
        )));
    }
    if let Some(message) = doc.events.error {
        return Err(ImportError(message));
    }
    Ok(Imported {
        format: ImportFormat::Json,
        stats: doc.stats,
        analysis: doc.analysis,
        events: doc.events.events,
        skipped: Skipped::default(),
    })
}

/// Below this size JSON Lines are read on the calling thread alone.
const PARALLEL_IMPORT_BYTES: usize = 1 << 20;
/// Most threads JSON Lines are read on. Each keeps its own shared copies of repeated strings,
/// so more would cost memory for little gain.
const MAX_IMPORT_THREADS: usize = 4;

fn import_jsonl(bytes: &[u8]) -> Result<Imported, ImportError> {
    let threads = if bytes.len() < PARALLEL_IMPORT_BYTES {
        1
    } else {
        std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(MAX_IMPORT_THREADS)
    };
    let chunks = split_at_lines(bytes, threads);
    let results: Vec<LinesRead> = match chunks.as_slice() {
        [] => Vec::new(),
        [only] => vec![read_lines(only)],
        [first, rest @ ..] => std::thread::scope(|scope| {
            let handles: Vec<_> = rest
                .iter()
                .map(|&chunk| scope.spawn(move || read_lines(chunk)))
                .collect();
            let mut results = vec![read_lines(first)];
            for handle in handles {
                results.push(
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
            }
            results
        }),
    };
    // Damaged lines are left out and told, with their line numbers in the file; a file with no
    // readable line at all is no log, and its first line says why.
    let mut lines_before = 0;
    let mut skipped = Skipped::default();
    let mut events = Vec::with_capacity(results.iter().map(|read| read.events.len()).sum());
    for read in results {
        if let Some((index, message)) = read.first_damaged
            && skipped.first.is_none()
        {
            skipped.first = Some(((lines_before + index + 1) as u64, message));
        }
        skipped.lines += read.damaged as u64;
        lines_before += read.newlines;
        if events.is_empty() {
            events = read.events;
        } else {
            events.extend(read.events);
        }
    }
    if events.is_empty()
        && let Some((line, message)) = skipped.first
    {
        return Err(ImportError(format!("line {line}: {message}")));
    }
    let n = events.len() as u64;
    Ok(Imported {
        format: ImportFormat::Jsonl,
        stats: Stats {
            received: n,
            stored: n,
            evicted: 0,
            rejected: 0,
        },
        analysis: None,
        events,
        skipped,
    })
}

/// `bytes` cut into up to `parts` pieces of about the same size, each cut just after a newline.
fn split_at_lines(bytes: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut chunks = Vec::with_capacity(parts);
    let mut rest = bytes;
    for left in (2..=parts).rev() {
        let Some(newline) = memchr::memchr(b'\n', &rest[rest.len() / left..]) else {
            break;
        };
        let (chunk, after) = rest.split_at(rest.len() / left + newline + 1);
        chunks.push(chunk);
        rest = after;
    }
    if !rest.is_empty() || chunks.is_empty() {
        chunks.push(rest);
    }
    chunks
}

/// The events of a run of lines, how many lines could not be read and the first of them (index
/// from 0, why), and how many newlines the run had.
struct LinesRead {
    events: Vec<CapturedEvent>,
    damaged: usize,
    first_damaged: Option<(usize, String)>,
    newlines: usize,
}

/// Reads each non-blank line as one event; a line that is no event is set aside.
fn read_lines(bytes: &[u8]) -> LinesRead {
    let mut events = Vec::new();
    let mut damaged = 0;
    let mut first_damaged = None;
    let mut index = 0;
    let mut start = 0;
    loop {
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |at| start + at);
        let line = &bytes[start..end];
        if !line.trim_ascii().is_empty() {
            match from_json::<EventIn>(line)
                .map_err(|e| e.to_string())
                .and_then(EventIn::into_event)
            {
                Ok(event) => events.push(event),
                Err(message) => {
                    damaged += 1;
                    first_damaged.get_or_insert((index, message));
                }
            }
        }
        if end == bytes.len() {
            return LinesRead {
                events,
                damaged,
                first_damaged,
                newlines: index,
            };
        }
        index += 1;
        start = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use crate::event::{SequenceStatus, SignatureScheme, SignatureVerdict, SubjectIds};

    fn sample() -> CapturedEvent {
        EventBuilder::new(7)
            .received_at(
                DateTime::parse_from_rfc3339("2026-11-22T06:31:23.123456Z")
                    .unwrap()
                    .with_timezone(&Utc),
            )
            .remote_addr("127.0.0.1:50000")
            .path("/hooks/wms")
            .query("a=1&b=%20")
            .header("content-type", "application/json")
            .header("x-dup", "one")
            .header("x-dup", "two")
            .header("x-latin1", b"caf\xe9")
            .body(Bytes::from_static(br#"{"event":"WMS_LOADED"}"#))
            .analysis(Analysis {
                provider: Provider::Wms,
                kind: Some("WMS_LOADED".into()),
                severity: Severity::Info,
                body_kind: BodyKind::Json,
                parts: ThinList::new(),
                signature: Signature {
                    scheme: Some(SignatureScheme::Wms),
                    verdict: SignatureVerdict::Valid,
                    note: Some("matches".into()),
                },
                sequence: Some(SequenceInfo {
                    seq: 5,
                    status: SequenceStatus::Gap,
                    missing: vec![3, 4].into(),
                }),
                subject: Subject::shared(SubjectIds {
                    session_id: Some("s1".into()),
                    ..SubjectIds::default()
                }),
                anomalies: vec![Anomaly::text("x", "y")].into(),
                sent_at: Some(
                    DateTime::parse_from_rfc3339("2026-11-22T06:31:22Z")
                        .unwrap()
                        .with_timezone(&Utc),
                ),
                redelivery: Some(Box::new(Redelivery {
                    retry: 1,
                    first_id: 3,
                    delay_ms: 5000.5,
                    previous_id: 3,
                    previous_status: 503,
                    schedule: None,
                })),
            })
            .response(ResponseInfo::local(200, 0.125))
            .build()
    }

    #[test]
    fn event_line_has_the_contract_fields() {
        let line = event_line(&sample());
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["id"], 7);
        assert_eq!(value["received_at"], "2026-11-22T06:31:23.123456Z");
        assert_eq!(value["query"], "a=1&b=%20");
        assert_eq!(value["headers"][1], serde_json::json!(["x-dup", "one"]));
        assert_eq!(value["headers"][3][2]["base64"], "Y2Fm6Q==");
        assert_eq!(value["body"], r#"{"event":"WMS_LOADED"}"#);
        assert!(value.get("body_base64").is_none());
        assert_eq!(
            value["signature"],
            serde_json::json!({"scheme":"wms","verdict":"valid","note":"matches"})
        );
        assert_eq!(value["sent_at"], "2026-11-22T06:31:22.000000Z");
        assert_eq!(value["redelivery"]["previous_status"], 503);
        assert_eq!(value["sequence"]["missing"], serde_json::json!([3, 4]));
        assert_eq!(value["subject"], serde_json::json!({"session_id":"s1"}));
        assert_eq!(value["response"]["forwarded_to"], serde_json::Value::Null);
        // Only a re-sent event carries these (old files and plain events stay as they were).
        assert!(value.get("resent_from").is_none() && value.get("edited").is_none());
        let resent = event_line(&EventBuilder::new(9).resent(7, true).build());
        let value: serde_json::Value = serde_json::from_slice(&resent).unwrap();
        assert_eq!(
            (&value["resent_from"], &value["edited"]),
            (&serde_json::json!(7), &serde_json::json!(true))
        );
        assert_eq!(*line.last().unwrap(), b'\n');
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
    }

    /// The reference line: the event's fields through serde.
    fn serde_line(event: &CapturedEvent) -> Vec<u8> {
        let line = serde_json::to_vec(&EventOut::new(event)).unwrap();
        let mut line = line::tests::escape_hidden(&line);
        line.push(b'\n');
        line
    }

    #[test]
    fn event_lines_are_what_serde_writes_byte_for_byte() {
        let plain = sample();
        let mut binary = sample();
        binary.body = Bytes::from_static(b"\xff\x00\xfe");
        binary.truncated = true;
        binary.analysis.sequence = None;
        binary.analysis.kind = None;
        binary.analysis.sent_at = None;
        binary.analysis.redelivery = None;
        binary.set_query(None);
        binary.set_resent(std::num::NonZeroU64::new(3), true);
        let mut odd = sample();
        odd.method = "M\"\\\u{1b}".into();
        odd.path = "/p\u{0}\t\u{7f}é/🙂\u{9b}\u{202e}".into();
        odd.set_query(Some("q=\"\n\"".into()));
        odd.body = Bytes::from_static(b"line one\r\nline \"two\"\x01\x1f end \\ ok");
        odd.headers = HeaderList::from_pairs([
            (&b"x-\"quoted\""[..], &b"v\\1\x7f"[..]),
            (b"x-bin", b"\xff\xfe"),
        ]);
        odd.analysis.parts = vec![BodyPart {
            name: Some("file".into()),
            filename: Some("a \"b\".txt".into()),
            content_type: None,
            offset: 12,
            size: 34,
        }]
        .into();
        odd.analysis.anomalies = ThinList::new();
        odd.received_at = DateTime::parse_from_rfc3339("1999-01-02T03:04:05.000000999Z")
            .unwrap()
            .with_timezone(&Utc);
        odd.response = ResponseInfo::with_forward(
            502,
            1.5,
            crate::event::ForwardInfo {
                forwarded_to: Some("http://[::1]:3000/".into()),
                app_body: Some("{\"ok\":false}".into()),
                error: None,
                ..Default::default()
            },
        );
        let mut empty = sample();
        empty.headers = HeaderList::default();
        empty.body = Bytes::new();
        empty.analysis.signature = Signature::default();
        empty.analysis.subject = Subject::default();
        let mut full = sample();
        full.analysis.subject = Subject::shared(SubjectIds {
            session_id: Some("s\"1".into()),
            measurement_id: Some("m".into()),
            scan_id: Some("scan".into()),
            video_id: Some("v\u{1}".into()),
        });
        full.analysis.sequence = Some(SequenceInfo {
            seq: u64::MAX,
            status: SequenceStatus::First,
            missing: ThinList::new(),
        });
        full.analysis.signature.note = Some("X-WMS-Content-MAC matches \"it\".".into());
        for event in [plain, binary, odd, empty, full] {
            let line = event_line(&event);
            assert_eq!(
                String::from_utf8_lossy(&line),
                String::from_utf8_lossy(&serde_line(&event))
            );
            let mut written = Vec::new();
            write_event(&mut written, &event).unwrap();
            assert_eq!(written, line[..line.len() - 1]);
        }
    }

    #[test]
    fn invisible_characters_are_escaped_and_round_trip_byte_for_byte() {
        let hidden = "\u{85}\u{9b}[2J\u{9f}\u{ad}\u{61c}\u{180e}\u{200b}\u{202e}\u{2028}\u{2029}\u{2060}\u{feff}\u{fff9}\u{110bd}\u{e0001}\u{e007f}";
        let mut event = sample();
        event.path = format!("/p{hidden}").into();
        event.set_query(Some(format!("q={hidden}").into()));
        event.body = Bytes::from(format!("{{\"a\":\"{hidden} é 日本 🙂\"}}"));
        event.headers = HeaderList::from_pairs([(&b"x-h"[..], hidden.as_bytes())]);
        let line = String::from_utf8(event_line(&event)).unwrap();
        let raw: Vec<char> = line
            .chars()
            .filter(|&c| crate::sanitize::is_hidden(c) && c != '\n')
            .collect();
        assert!(raw.is_empty(), "raw {raw:?} in {line}");
        for escape in [
            r"\u0085",
            r"\u202e",
            r"\u2028",
            r"\ud804\udcbd",
            r"\udb40\udc01",
        ] {
            assert!(line.contains(escape), "{escape} missing from {line}");
        }
        assert!(line.contains("é 日本 🙂"), "{line}");
        let back = import(line.as_bytes()).unwrap();
        assert_eq!(back.events, vec![event.clone()]);
        assert_eq!(event_line(&back.events[0]), line.as_bytes());
        let mut json = Vec::new();
        write_export(&mut json, Stats::default(), Utc::now(), [&event]).unwrap();
        assert_eq!(import(&json).unwrap().events, vec![event]);
    }

    #[test]
    fn times_finer_than_microseconds_are_cut_on_import() {
        let mut event = sample();
        event.analysis.sent_at = Some(event.received_at);
        let line = String::from_utf8(event_line(&event)).unwrap();
        let finer = line.replace("23.123456Z", "23.123456789Z");
        assert_ne!(finer, line);
        let back = import(finer.as_bytes()).unwrap();
        assert_eq!(back.events, vec![event]);
        assert_eq!(event_line(&back.events[0]), line.as_bytes());
    }

    #[test]
    fn a_sequence_session_without_a_subject_one_becomes_the_subjects() {
        let event = sample();
        assert_eq!(event.analysis.subject.session_id.as_deref(), Some("s1"));
        let line = String::from_utf8(event_line(&event)).unwrap();
        assert!(line.contains(r#""sequence":{"session_id":"s1","#), "{line}");
        // A hand-written file may name the session in the sequence only.
        let without = line.replace(r#""subject":{"session_id":"s1"}"#, r#""subject":{}"#);
        assert_ne!(without, line);
        let back = import(without.as_bytes()).unwrap();
        assert_eq!(back.events, vec![event]);
        // When both name one, the subject's is the event's.
        let two = line.replace(
            r#""sequence":{"session_id":"s1""#,
            r#""sequence":{"session_id":"s2""#,
        );
        assert_ne!(two, line);
        let back = import(two.as_bytes()).unwrap();
        assert_eq!(event_line(&back.events[0]), line.as_bytes());
    }

    #[test]
    fn round_trip_is_exact_for_both_layouts() {
        let mut binary = sample();
        binary.id = 8;
        binary.body = Bytes::from_static(b"\xff\x00\xfe");
        binary.analysis.sequence = None;
        // A re-send of the first, edited: the additive fields come back too.
        binary.set_resent(std::num::NonZeroU64::new(7), true);
        let events = vec![sample(), binary];
        let stats = Stats {
            received: 9,
            stored: 2,
            evicted: 6,
            rejected: 1,
        };

        let mut json = Vec::new();
        write_export(&mut json, stats, Utc::now(), &events).unwrap();
        let back = import(&json).unwrap();
        assert_eq!(back.format, ImportFormat::Json);
        assert_eq!(back.stats, stats);
        assert_eq!(back.events, events);

        let jsonl: Vec<u8> = events.iter().flat_map(event_line).collect();
        let back = import(&jsonl).unwrap();
        assert_eq!(back.format, ImportFormat::Jsonl);
        assert_eq!(back.events, events);
        let again: Vec<u8> = back.events.iter().flat_map(event_line).collect();
        assert_eq!(again, jsonl);
    }

    #[test]
    fn pinned_events_carry_the_field_and_read_back_pinned() {
        let mut pinned = sample();
        pinned.pinned = true;
        let events = vec![sample(), pinned];
        let lines: Vec<Vec<u8>> = events.iter().map(event_line).collect();
        let text = |line: &[u8]| String::from_utf8(line.to_vec()).unwrap();
        assert!(!text(&lines[0]).contains("pinned"));
        assert!(text(&lines[1]).contains(",\"pinned\":true,"));
        let jsonl = lines.concat();
        let back = import(&jsonl).unwrap();
        assert_eq!(back.events, events);
        let again: Vec<u8> = back.events.iter().flat_map(event_line).collect();
        assert_eq!(again, jsonl);

        let stats = Stats {
            received: 2,
            stored: 2,
            ..Stats::default()
        };
        let mut json = Vec::new();
        write_export(&mut json, stats, Utc::now(), &events).unwrap();
        let back = import(&json).unwrap();
        assert_eq!(back.events, events);
        let mut again = Vec::new();
        write_export(&mut again, stats, Utc::now(), &back.events).unwrap();
        let strip = |doc: &[u8]| {
            let v: serde_json::Value = serde_json::from_slice(doc).unwrap();
            v["events"].clone()
        };
        assert_eq!(strip(&again), strip(&json));
    }

    #[test]
    fn ipv6_senders_and_forwarded_answers_round_trip() {
        let mut event = sample();
        let sender: std::net::SocketAddr = "[2001:db8::7]:50000".parse().unwrap();
        event.remote_addr = sender.into();
        event.response = ResponseInfo::with_forward(
            502,
            1.5,
            crate::event::ForwardInfo {
                forwarded_to: Some("http://[::1]:3000/hooks/wms?a=1".into()),
                app_body: None,
                error: Some("connection refused".into()),
                ..Default::default()
            },
        );
        let line = event_line(&event);
        let value: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["remote_addr"], "[2001:db8::7]:50000");
        assert_eq!(
            value["response"],
            serde_json::json!({
                "status": 502,
                "latency_ms": 1.5,
                "forwarded_to": "http://[::1]:3000/hooks/wms?a=1",
                "error": "connection refused",
            })
        );
        let back = import(&line).unwrap();
        assert_eq!(back.events, vec![event]);
        assert_eq!(event_line(&back.events[0]), line);
    }

    #[test]
    fn imported_bodies_fill_their_allocation_exactly() {
        let mut binary = sample();
        binary.body = Bytes::from_static(b"\xff\x00\xfe\x01");
        let lines: Vec<u8> = [sample(), binary].iter().flat_map(event_line).collect();
        for event in import(&lines).unwrap().events {
            let len = event.body.len();
            let body = event.body.try_into_mut().expect("the only reference");
            assert_eq!(body.capacity(), len);
        }
    }

    #[test]
    fn files_take_the_layout_their_name_asks_for() {
        let dir = std::env::temp_dir().join(format!("hookscope-layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let events = [sample()];
        let stats = Stats {
            received: 1,
            stored: 1,
            evicted: 0,
            rejected: 0,
        };
        for (name, layout) in [
            ("a.json", ImportFormat::Json),
            ("a.JSONL", ImportFormat::Jsonl),
        ] {
            let path = dir.join(name);
            write_export_file(&path, stats, &events).unwrap();
            let back = import(&std::fs::read(&path).unwrap()).unwrap();
            assert_eq!(back.format, layout);
            assert_eq!(back.events, events);
        }
        let har = dir.join("a.har");
        write_export_file(&har, stats, &events).unwrap();
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
        assert_eq!(value["log"]["entries"][0]["request"]["method"], "POST");
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn empty_export_reads_back() {
        let mut json = Vec::new();
        write_export(&mut json, Stats::default(), Utc::now(), []).unwrap();
        let back = import(&json).unwrap();
        assert!(back.events.is_empty());
    }

    #[test]
    fn remote_addresses_read_as_the_event_type_reads_them() {
        for text in [
            "127.0.0.1:54321",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "127.0.0.01:80",
            "127.0.0.1:080",
            "127.0.0.1:65536",
            "127.0.0.1",
            "127.0.0.1:",
            "1.2.3:4",
            "[::1]:8080",
            "",
            "localhost:80",
        ] {
            assert_eq!(remote_addr(text), RemoteAddr::from(text), "{text}");
            assert_eq!(remote_addr(text).to_string(), text);
        }
    }

    #[test]
    fn large_logs_read_back_in_order_and_name_the_first_bad_line() {
        let mut events = Vec::new();
        let mut lines = Vec::new();
        while lines.len() < 3 * PARALLEL_IMPORT_BYTES {
            let mut event = sample();
            event.id = events.len() as u64 + 1;
            lines.extend(event_line(&event));
            events.push(event);
        }
        let back = import(&lines).unwrap();
        assert_eq!(back.events, events);
        assert_eq!(back.stats.stored, events.len() as u64);

        // A bad line near the end, then one near the start as well (read by different
        // threads): both are left out, every other event is kept in order, the first is named.
        let count = events.len();
        let mut broken: Vec<Vec<u8>> = events.iter().map(event_line).collect();
        broken[count - 2] = b"{\"id\":1}\n".to_vec();
        let back = import(&broken.concat()).unwrap();
        let mut kept = events.clone();
        kept.remove(count - 2);
        assert_eq!(back.events, kept);
        assert_eq!(back.skipped.lines, 1);
        let (line, why) = back.skipped.first.clone().unwrap();
        assert_eq!(line, count as u64 - 1);
        assert!(why.contains("missing field"), "{why}");
        broken[3] = b"[]\n".to_vec();
        let back = import(&broken.concat()).unwrap();
        kept.remove(3);
        assert_eq!(back.events, kept);
        assert_eq!(back.stats.stored, count as u64 - 2);
        assert_eq!(back.skipped.lines, 2);
        assert_eq!(back.skipped.first.as_ref().map(|f| f.0), Some(4));
        assert!(
            back.skipped
                .to_string()
                .starts_with("2 damaged lines skipped (first line 4: "),
            "{}",
            back.skipped
        );
    }

    #[test]
    fn a_log_with_lines_cut_off_keeps_every_whole_line() {
        let events: Vec<CapturedEvent> = (1..=4)
            .map(|id| {
                let mut event = sample();
                event.id = id;
                event
            })
            .collect();
        let line = |i: usize| event_line(&events[i]);
        let cut = |i: usize| line(i)[..40].to_vec();
        // A disk that filled up mid-line, then a run appended after it: the cut line is the
        // second one, and the next event starts on a line of its own.
        let mut log = [line(0), cut(1), b"\n".to_vec(), line(2), line(3)].concat();
        let back = import(&log).unwrap();
        assert_eq!(back.format, ImportFormat::Jsonl);
        assert_eq!(
            back.events,
            [&events[0], &events[2], &events[3]].map(Clone::clone)
        );
        assert_eq!(back.skipped.lines, 1);
        assert_eq!(back.skipped.first.as_ref().map(|f| f.0), Some(2));
        assert!(
            back.skipped
                .to_string()
                .starts_with("1 damaged line skipped (line 2: ")
        );
        // The first line cut: the file still reads as JSON Lines.
        let back = import(&[cut(0), b"\n".to_vec(), line(1), line(2)].concat()).unwrap();
        assert_eq!(back.events, [&events[1], &events[2]].map(Clone::clone));
        assert_eq!(back.skipped.first.as_ref().map(|f| f.0), Some(1));
        // The last line cut, without its newline (a process killed mid-write).
        log = [line(0), line(1), cut(2)].concat();
        let back = import(&log).unwrap();
        assert_eq!(back.events, [&events[0], &events[1]].map(Clone::clone));
        assert_eq!(back.skipped.first.as_ref().map(|f| f.0), Some(3));
        // Nothing damaged: nothing said.
        let back = import(&[line(0), line(1)].concat()).unwrap();
        assert_eq!(back.skipped, Skipped::default());
    }

    #[test]
    fn a_torn_or_garbage_middle_line_and_a_torn_last_line_leave_the_good_events() {
        let events: Vec<CapturedEvent> = (1..=16)
            .map(|id| {
                let mut event = sample();
                event.id = id;
                event
            })
            .collect();
        let mut lines: Vec<Vec<u8>> = events.iter().map(event_line).collect();
        let good = lines.clone();
        // A torn middle line (its newline kept), then garbage in the middle instead.
        for (damage, why) in [
            (lines[7][..lines[7].len() / 2].to_vec(), "EOF while parsing"),
            (b"\x00garbage \xff}{\n".to_vec(), "expected value"),
        ] {
            lines[7] = damage;
            if lines[7].last() != Some(&b'\n') {
                lines[7].push(b'\n');
            }
            let back = import(&lines.concat()).unwrap();
            let mut kept = events.clone();
            kept.remove(7);
            assert_eq!(back.format, ImportFormat::Jsonl);
            assert_eq!(back.events, kept);
            assert_eq!(back.skipped.lines, 1);
            let warning = back.skipped.to_string();
            assert!(
                warning.starts_with("1 damaged line skipped (line 8: "),
                "{warning}"
            );
            assert!(warning.contains(why), "{warning}");
            assert_eq!(warning.lines().count(), 1, "{warning}");
        }
        // Sixteen good lines and a seventeenth torn, without its newline.
        let mut log = good.concat();
        log.extend_from_slice(&good[0][..30]);
        let back = import(&log).unwrap();
        assert_eq!(back.events, events);
        assert_eq!(back.skipped.first.as_ref().map(|f| f.0), Some(17));
        // The last of sixteen torn: fifteen are kept.
        let mut log = good[..15].concat();
        log.extend_from_slice(&good[15][..good[15].len() - 10]);
        let back = import(&log).unwrap();
        assert_eq!(back.events, events[..15]);
        assert_eq!(back.skipped.first.as_ref().map(|f| f.0), Some(16));
    }

    #[test]
    fn splitting_keeps_every_byte_and_cuts_after_newlines() {
        let text = b"aa\nbbbb\n\ncc\nd";
        for parts in 1..8 {
            let chunks = split_at_lines(text, parts);
            assert!(!chunks.is_empty() && chunks.len() <= parts);
            assert_eq!(chunks.concat(), text);
            for chunk in &chunks[..chunks.len() - 1] {
                assert_eq!(chunk.last(), Some(&b'\n'));
            }
        }
        assert_eq!(split_at_lines(b"", 2), vec![&b""[..]]);
        assert_eq!(split_at_lines(b"no newline", 2), vec![&b"no newline"[..]]);
    }

    #[test]
    fn the_line_about_a_bad_file_says_what_it_is_once() {
        let about = |bytes: &[u8]| import(bytes).unwrap_err().about("x.json");
        let syntax = about(b"{\"format\":\"hookscope\",\"events\":[");
        assert!(
            syntax.starts_with("x.json is not a hookscope export (JSON or JSON Lines): EOF"),
            "{syntax}"
        );
        assert_eq!(syntax.matches("hookscope export").count(), 1, "{syntax}");
        assert_eq!(
            about(b""),
            "x.json is not a hookscope export: the file is empty"
        );
        let lines = about(b"{\"id\":1}\n[]\n");
        assert!(
            lines.starts_with("x.json is not a hookscope export"),
            "{lines}"
        );
        assert_eq!(lines.matches("hookscope export").count(), 1, "{lines}");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let err = |bytes: &[u8]| import(bytes).unwrap_err().to_string();
        assert!(err(b"").contains("empty"));
        assert!(err(b"hello").contains("not a hookscope export"));
        assert!(err(br#"{"format":"har","version":1,"exported_at":"","stats":{"received":0,"stored":0,"evicted":0,"rejected":0},"events":[]}"#).contains("'har'"));
        assert!(err(br#"{"format":"hookscope","version":2,"exported_at":"","stats":{"received":0,"stored":0,"evicted":0,"rejected":0},"events":[]}"#).contains("version 2"));
        // Lines of which none is an event: neither a log nor a document.
        assert!(err(b"{\"id\":1}\n[]\n").contains("not a hookscope export"));
        // A JSON export cut short is refused as one, even though its last whole event line
        // would read as an event on its own.
        let mut document = Vec::new();
        let events = [sample(), sample()];
        write_export(&mut document, Stats::default(), Utc::now(), events.iter()).unwrap();
        let cut = &document[..document.len() - 4];
        assert_eq!(cut.last(), Some(&b'}'));
        let message = err(cut);
        assert!(message.contains("not a hookscope export"), "{message}");
    }

    #[test]
    fn every_kind_of_answer_round_trips_byte_for_byte() {
        use crate::event::{ForwardInfo, HeaderList, ResponseInfo, Sent};
        let held = |id: u64, response: ResponseInfo| {
            let mut event = sample();
            event.id = id;
            event.response = response;
            event
        };
        let content_type =
            |value: &'static [u8]| HeaderList::from_pairs([(&b"content-type"[..], value)]);
        // The default receipt, rebuilt from the id.
        let receipt = held(1, ResponseInfo::receipt(200, 0.5));
        // An error answer of hookscope's own, its id added when sent.
        let mut error = ResponseInfo::with_forward(
            500,
            0.5,
            ForwardInfo {
                headers: content_type(b"application/json"),
                body: Bytes::from_static(br#"{"error":"simulated failure","#),
                body_size: 29,
                ..ForwardInfo::default()
            },
        );
        error.sent = Sent::HeldThenId;
        let error = held(2, error);
        // The app's answer: binary, cut at --max-body, with a header that is not UTF-8 made so.
        let app = held(
            3,
            ResponseInfo::with_forward(
                200,
                4.0,
                ForwardInfo {
                    forwarded_to: Some("http://127.0.0.1:3000/".into()),
                    headers: HeaderList::from_pairs([
                        (&b"content-type"[..], &b"application/octet-stream"[..]),
                        (&b"x-trace"[..], &b"a\xffb"[..]),
                    ]),
                    body: Bytes::from_static(b"\x00\xff\x01"),
                    body_size: 4096,
                    ..ForwardInfo::default()
                },
            ),
        );
        // The app answered with nothing at all: still recorded.
        let mut empty = ResponseInfo::with_forward(
            204,
            1.0,
            ForwardInfo {
                forwarded_to: Some("http://127.0.0.1:3000/".into()),
                ..ForwardInfo::default()
            },
        );
        empty.sent = Sent::Held;
        let empty = held(4, empty);
        let events = [receipt, error, app, empty];

        let lines: Vec<Vec<u8>> = events.iter().map(event_line).collect();
        let line = |i: usize| -> serde_json::Value { serde_json::from_slice(&lines[i]).unwrap() };
        assert_eq!(line(0)["response"]["answered_by"], "local");
        assert_eq!(line(0)["response"]["body"], r#"{"received":true,"id":1}"#);
        assert_eq!(
            line(0)["response"]["headers"],
            serde_json::json!([["content-type", "application/json"]])
        );
        assert_eq!(
            line(1)["response"]["body"],
            r#"{"error":"simulated failure","id":2}"#
        );
        assert_eq!(line(2)["response"]["answered_by"], "app");
        assert_eq!(line(2)["response"]["body_base64"], "AP8B");
        assert_eq!(line(2)["response"]["body_size"], 4096);
        assert_eq!(line(2)["response"]["headers"][1][1], "a\u{fffd}b");
        // As for request headers, the raw bytes of a value that is not UTF-8 come along.
        assert_eq!(
            line(2)["response"]["headers"][1][2],
            serde_json::json!({"base64": "Yf9i"})
        );
        assert_eq!(
            line(2)["response"]["headers"][0].as_array().unwrap().len(),
            2
        );
        assert_eq!(line(3)["response"]["headers"], serde_json::json!([]));
        assert_eq!(line(3)["response"]["body"], "");

        let jsonl: Vec<u8> = lines.concat();
        let back = import(&jsonl).unwrap();
        // Read back as held when captured: the receipt and the id-ended body take no more room.
        assert_eq!(back.events[0].response, events[0].response);
        assert_eq!(back.events[1].response, events[1].response);
        assert_eq!(back.events[2].response, events[2].response);
        assert_eq!(back.events[3].response, events[3].response);
        let again: Vec<u8> = back.events.iter().flat_map(event_line).collect();
        assert_eq!(again, jsonl);
        let mut json = Vec::new();
        write_export(&mut json, Stats::default(), Utc::now(), &back.events).unwrap();
        let from_json = import(&json).unwrap();
        assert_eq!(from_json.events, back.events);
    }
}
