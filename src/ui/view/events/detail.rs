//! The detail of one event, as lines for each tab: Body (pretty JSON, text, form fields,
//! multipart parts, or a hex view), Headers, Raw (the request as bytes), Analysis (the
//! signature verdict, anomalies, sequence, redelivery and delivery lag, in sentences) and
//! Response (who answered, the status, headers and body sent, and why a forward failed).
//!
//! Lines are built once per event and tab (not per frame), capped in number so a 10 MiB body
//! costs no more than a screenful of work to draw.

use std::fmt::Write as _;

use crate::event::{
    AnswerMode, AnsweredBy, BodyKind, CapturedEvent, HeaderList, Provider, Sent, SequenceStatus,
};
use crate::sanitize;
use crate::store::Resends;
use crate::ui::json;
use crate::ui::mask::{self, percent_decode};
use crate::ui::text::{
    self, RichLine, Role, ranges, severity_glyph, signature_glyph, signature_words,
};

/// At most this many lines per tab; the rest is summarised in one line.
pub const MAX_LINES: usize = 5_000;
/// At most this many columns per line; the rest is summarised at its end.
pub const MAX_COLUMNS: usize = 4_000;

/// The tabs of the detail pane, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tab {
    #[default]
    Body,
    Headers,
    Raw,
    Analysis,
    Response,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Body,
        Tab::Headers,
        Tab::Raw,
        Tab::Analysis,
        Tab::Response,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Body => "Body",
            Tab::Headers => "Headers",
            Tab::Raw => "Raw",
            Tab::Analysis => "Analysis",
            Tab::Response => "Response",
        }
    }

    pub fn next(self) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Tab::ALL[(i + 1) % Tab::ALL.len()]
    }

    pub fn prev(self) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Tab::ALL[(i + Tab::ALL.len() - 1) % Tab::ALL.len()]
    }
}

/// The lines of `tab` for `event`. `width` is the pane's inner width (for the hex view);
/// `resends` are the stored copies hookscope re-sent of it (the Analysis tab names them).
pub fn build(
    event: &CapturedEvent,
    tab: Tab,
    reveal_secrets: bool,
    width: u16,
    resends: &Resends,
) -> Vec<RichLine> {
    let mut lines = match tab {
        Tab::Body => body(event, reveal_secrets, width),
        Tab::Headers => headers(event, reveal_secrets),
        Tab::Raw => raw(event, reveal_secrets, width),
        Tab::Analysis => analysis(event, usize::from(width), resends),
        Tab::Response => response(event, reveal_secrets, width),
    };
    lines = lines
        .into_iter()
        .map(|line| line.limit(MAX_COLUMNS))
        .collect();
    if lines.len() > MAX_LINES {
        lines.truncate(MAX_LINES);
        lines.push(RichLine::new().with(
            Role::Dim,
            format!("… cut at {MAX_LINES} lines: export the event to see all of it"),
        ));
    }
    lines
}

/// The body's bytes as the tabs show them: `userToken` values masked unless revealed.
fn shown_body(event: &CapturedEvent, reveal: bool) -> std::borrow::Cow<'_, [u8]> {
    if reveal {
        std::borrow::Cow::Borrowed(&event.body[..])
    } else {
        mask::body(event)
    }
}

fn body(event: &CapturedEvent, reveal: bool, width: u16) -> Vec<RichLine> {
    let mut lines = Vec::new();
    if event.truncated {
        lines.push(RichLine::new().with(
            Role::Severity(crate::event::Severity::Warn),
            format!(
                "▲ truncated: the first {} of {} kept",
                text::short_size(event.body.len() as u64),
                text::short_size(event.body_size())
            ),
        ));
    }
    let body = &event.body;
    match event.analysis.body_kind {
        BodyKind::Empty if body.is_empty() => {
            lines.push(RichLine::new().with(Role::Dim, "(no body)"));
        }
        BodyKind::Json => {
            let text = String::from_utf8_lossy(body);
            let (pretty, more) = json::pretty(&text, reveal, MAX_LINES);
            lines.extend(pretty);
            if more {
                lines.push(RichLine::new().with(Role::Dim, "… (more JSON below)"));
            }
        }
        BodyKind::MalformedJson => {
            let why = serde_json::from_slice::<serde::de::IgnoredAny>(body)
                .err()
                .map_or_else(|| "it does not parse".to_owned(), |e| e.to_string());
            lines.push(RichLine::new().with(Role::Problem, format!("✗ not valid JSON: {why}")));
            lines.push(RichLine::new());
            text_lines(&shown_body(event, reveal), &mut lines);
        }
        BodyKind::Form => form(body, reveal, &mut lines),
        BodyKind::Multipart => multipart(event, reveal, &mut lines),
        BodyKind::Binary => {
            lines.push(RichLine::new().with(
                Role::Dim,
                format!("binary, {} bytes", text::thousands(body.len() as u64)),
            ));
            hexdump(
                &shown_body(event, reveal),
                bytes_per_line(width),
                &mut lines,
            );
        }
        BodyKind::Text | BodyKind::Empty => text_lines(&shown_body(event, reveal), &mut lines),
    }
    lines
}

/// Text split into lines, each made safe (a `\r` before the newline is dropped).
fn text_lines(body: &[u8], lines: &mut Vec<RichLine>) {
    for line in body.split(|&b| b == b'\n').take(MAX_LINES + 1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        lines.push(RichLine::plain(sanitize::escape_bytes(line).into_owned()));
    }
}

fn form(body: &[u8], reveal: bool, lines: &mut Vec<RichLine>) {
    for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        let name = percent_decode(name);
        let value = percent_decode(value);
        let secret = std::str::from_utf8(&name).is_ok_and(mask::is_secret_key);
        let name_text = sanitize::escape_bytes(&name).into_owned();
        let mut line = RichLine::new()
            .with(
                Role::Json(crate::ui::theme::JsonToken::Key),
                name_text.clone(),
            )
            .with(Role::Dim, " = ");
        if secret && !reveal {
            line.push(Role::Masked, mask::MASK);
        } else {
            line.push(Role::Text, sanitize::escape_bytes(&value).into_owned());
        }
        lines.push(line);
    }
}

/// The parts listed, with a preview of text parts; a part named `userToken` previews as the
/// mask unless revealed.
fn multipart(event: &CapturedEvent, reveal: bool, lines: &mut Vec<RichLine>) {
    let parts = &event.analysis.parts;
    lines.push(RichLine::new().with(
        Role::Dim,
        format!(
            "multipart, {} part{}",
            parts.len(),
            if parts.len() == 1 { "" } else { "s" }
        ),
    ));
    for (i, part) in parts.iter().enumerate() {
        let mut line = RichLine::new().with(Role::Title, format!("{}. ", i + 1));
        let name = part.name.as_deref().unwrap_or("(unnamed)");
        line.push(
            Role::Json(crate::ui::theme::JsonToken::Key),
            sanitize::escape(name),
        );
        if let Some(filename) = &part.filename {
            line.push(Role::Dim, "  file ");
            line.push(Role::Text, sanitize::escape(filename));
        }
        if let Some(content_type) = &part.content_type {
            line.push(Role::Dim, "  ");
            line.push(Role::Text, sanitize::escape(content_type));
        }
        line.push(Role::Dim, format!("  {}", text::short_size(part.size)));
        lines.push(line);
        // A short preview of text parts; binary parts are only listed.
        let start = usize::try_from(part.offset).unwrap_or(usize::MAX);
        let end = start.saturating_add(usize::try_from(part.size).unwrap_or(0));
        let secret = !reveal && part.name.as_deref().is_some_and(mask::is_secret_key);
        let content = if secret {
            Some(mask::MASK.as_bytes())
        } else {
            event.body.get(start..end.min(event.body.len()))
        };
        if let Some(content) = content {
            let preview = &content[..content.len().min(200)];
            if std::str::from_utf8(preview).is_ok_and(|t| !t.contains('\0')) {
                for line in preview.split(|&b| b == b'\n').take(3) {
                    lines.push(
                        RichLine::new()
                            .with(Role::Dim, "   │ ")
                            .with(Role::Text, sanitize::escape_bytes(line).into_owned()),
                    );
                }
            }
        }
    }
}

/// Bytes per hex-dump line that fit in `width` columns.
fn bytes_per_line(width: u16) -> usize {
    match width {
        78.. => 16,
        45..78 => 8,
        _ => 4,
    }
}

/// `00000010  7b 22 61 22 3a 31 7d 0a                           |{"a":1}.|`
fn hexdump(bytes: &[u8], per_line: usize, lines: &mut Vec<RichLine>) {
    for (row, chunk) in bytes.chunks(per_line).enumerate().take(MAX_LINES) {
        let mut hex = String::with_capacity(per_line * 3 + 2);
        for i in 0..per_line {
            if i > 0 && i % 8 == 0 {
                hex.push(' ');
            }
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(hex, "{b:02x} ");
                }
                None => hex.push_str("   "),
            }
        }
        let ascii: String = chunk
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        lines.push(
            RichLine::new()
                .with(Role::Dim, format!("{:08x}  ", row * per_line))
                .with(Role::Text, hex)
                .with(Role::Dim, "|")
                .with(Role::Accent, ascii)
                .with(Role::Dim, "|"),
        );
    }
}

fn request_line(event: &CapturedEvent, reveal: bool) -> String {
    let mut target = sanitize::escape(&event.path).into_owned();
    if let Some(query) = event.query() {
        target.push('?');
        let query = if reveal {
            std::borrow::Cow::Borrowed(query)
        } else {
            mask::query(query)
        };
        target.push_str(&sanitize::escape(&query));
    }
    format!(
        "{} {target} {}",
        sanitize::escape(&event.method),
        event.http_version.as_str()
    )
}

fn headers(event: &CapturedEvent, reveal: bool) -> Vec<RichLine> {
    let mut lines = vec![
        RichLine::new().with(Role::Title, request_line(event, reveal)),
        RichLine::new().with(
            Role::Dim,
            format!(
                "from {} at {}",
                sanitize::escape(&event.remote_addr.to_string()),
                event.received_at.format("%Y-%m-%d %H:%M:%S%.6f UTC")
            ),
        ),
        RichLine::new(),
    ];
    header_lines(&event.headers, reveal, &mut lines);
    lines
}

/// The request as it came over the wire (HTTP/1 form), as a hex dump; `userToken` values are
/// masked there too unless revealed.
fn raw(event: &CapturedEvent, reveal: bool, width: u16) -> Vec<RichLine> {
    let mut bytes = Vec::with_capacity(256 + event.body.len().min(64 * 1024));
    bytes.extend_from_slice(event.method.as_bytes());
    bytes.push(b' ');
    bytes.extend_from_slice(event.path.as_bytes());
    if let Some(query) = event.query() {
        bytes.push(b'?');
        if reveal {
            bytes.extend_from_slice(query.as_bytes());
        } else {
            bytes.extend_from_slice(mask::query(query).as_bytes());
        }
    }
    bytes.push(b' ');
    bytes.extend_from_slice(event.http_version.as_str().as_bytes());
    bytes.extend_from_slice(b"\r\n");
    for (name, value) in event.headers.iter() {
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(if reveal {
            value
        } else {
            mask::header(name, value)
        });
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    let per_line = bytes_per_line(width);
    let body = shown_body(event, reveal);
    bytes.extend_from_slice(&body[..body.len().min(MAX_LINES * per_line)]);
    let mut lines = vec![RichLine::new().with(
        Role::Dim,
        format!(
            "{} bytes: request head and {} of body{}",
            text::thousands(bytes.len() as u64),
            text::short_size(event.body.len() as u64),
            if event.truncated { " (truncated)" } else { "" }
        ),
    )];
    hexdump(&bytes, per_line, &mut lines);
    lines
}

const LABEL: usize = 13;

fn label(name: &str) -> RichLine {
    RichLine::new().with(Role::Dim, format!("{name:<LABEL$}"))
}

/// A sentence after `first`, wrapped to `width`, continued under the labels' column.
fn sentence(lines: &mut Vec<RichLine>, first: RichLine, role: Role, text: &str, width: usize) {
    let room = width.saturating_sub(LABEL).max(20);
    for (i, part) in text::wrap(&sanitize::escape(text), room)
        .into_iter()
        .enumerate()
    {
        let prefix = if i == 0 { first.clone() } else { label("") };
        lines.push(prefix.with(role, part));
    }
}

/// The answer the sender got: who gave it, its status and latency, why a forward failed, and
/// the headers and body sent (the body shown as request bodies are: pretty JSON, text or hex).
fn response(event: &CapturedEvent, reveal: bool, width: u16) -> Vec<RichLine> {
    let response = &event.response;
    let mut lines = Vec::new();
    let columns = usize::from(width);
    // hookscope's own error answers say why in their `error` (a limit, `--fail-first`, an
    // answer mode).
    let own_error = || {
        let parts = response.sent_parts(event.id)?;
        let value: serde_json::Value = serde_json::from_slice(&parts.body).ok()?;
        Some(value.get("error")?.as_str()?.to_owned())
    };
    let (who, why) = match (response.answered_by(), response.forwarded_to()) {
        (AnsweredBy::App, Some(_)) => ("the app".to_owned(), None),
        (_, Some(_)) => (
            "hookscope, in place of the app".to_owned(),
            response.error().map(str::to_owned),
        ),
        (_, None) if response.error().is_some() => (
            "hookscope, not forwarding it".to_owned(),
            response.error().map(str::to_owned),
        ),
        (_, None) => match response.sent {
            Sent::Receipt => ("hookscope, its default receipt".to_owned(), None),
            Sent::HeldThenId => ("hookscope, an error answer".to_owned(), own_error()),
            Sent::Held if response.rule().is_some() => {
                ("hookscope, as its answer rule says".to_owned(), None)
            }
            Sent::Held => ("hookscope, its configured answer".to_owned(), None),
            Sent::Unrecorded => ("hookscope".to_owned(), None),
        },
    };
    let mut first = label("Answered by").with(Role::Text, who);
    if response.forward_failed() {
        first.push(Role::Problem, format!("  {}", text::FORWARD_FAILED));
    }
    lines.push(first);
    if let Some(target) = response.forwarded_to() {
        let name = if response.forward_failed() {
            "Forward to"
        } else {
            "Forwarded to"
        };
        sentence(&mut lines, label(name), Role::Accent, target, columns);
    }
    if let Some(rule) = response.rule() {
        sentence(&mut lines, label("Rule"), Role::Accent, rule, columns);
    }
    let mode = mode_words(response.mode, response.latency_ms());
    if let Some(mode) = &mode {
        sentence(&mut lines, label("Answer mode"), Role::Text, mode, columns);
    }
    let reason = http::StatusCode::from_u16(response.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    lines.push(
        label("Status")
            .with(
                Role::Status(response.status),
                format!("{} {reason}", response.status),
            )
            .with(Role::Dim, format!("  in {:.1} ms", response.latency_ms())),
    );
    // A forced status says why on the Answer mode line already.
    let forced = matches!(
        response.mode,
        AnswerMode::Status500 | AnswerMode::Status503 | AnswerMode::Status429
    );
    if let Some(why) = why.filter(|_| !forced) {
        let words = format!("{}.", why.trim_end_matches('.'));
        sentence(&mut lines, label("Why"), Role::Problem, &words, columns);
    }
    lines.push(RichLine::new());
    let Some(parts) = response.sent_parts(event.id) else {
        lines.push(RichLine::new().with(
            Role::Dim,
            "(the headers and body sent are not in this file: it predates their recording)",
        ));
        if let Some(app_body) = response.app_body() {
            lines.push(RichLine::new().with(Role::Title, "The app's body (first bytes)"));
            text_lines(app_body.as_bytes(), &mut lines);
        }
        return lines;
    };
    lines.push(RichLine::new().with(Role::Title, "Headers"));
    header_lines(&parts.headers, reveal, &mut lines);
    lines.push(RichLine::new());
    let mut title = RichLine::new().with(Role::Title, "Body");
    if parts.body_size > parts.body.len() as u64 {
        title.push(
            Role::Severity(crate::event::Severity::Warn),
            format!(
                "  ▲ truncated: the first {} of {} kept",
                text::short_size(parts.body.len() as u64),
                text::short_size(parts.body_size)
            ),
        );
    }
    lines.push(title);
    let body = &parts.body[..];
    if body.is_empty() {
        lines.push(RichLine::new().with(Role::Dim, "(no body)"));
    } else if let Ok(text) = std::str::from_utf8(body) {
        if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            let (pretty, more) = json::pretty(text, reveal, MAX_LINES);
            lines.extend(pretty);
            if more {
                lines.push(RichLine::new().with(Role::Dim, "… (more JSON below)"));
            }
        } else {
            text_lines(body, &mut lines);
        }
    } else {
        lines.push(RichLine::new().with(
            Role::Dim,
            format!("binary, {} bytes", text::thousands(body.len() as u64)),
        ));
        hexdump(body, bytes_per_line(width), &mut lines);
    }
    lines
}

/// What an answer mode (chosen with `m`, or by the demo) did to this answer; `None` for the
/// configured answer.
fn mode_words(mode: AnswerMode, latency_ms: f64) -> Option<String> {
    Some(match mode {
        AnswerMode::Configured => return None,
        AnswerMode::Status500 | AnswerMode::Status503 | AnswerMode::Status429 => {
            let status = match mode {
                AnswerMode::Status500 => 500,
                AnswerMode::Status503 => 503,
                _ => 429,
            };
            format!("{status} on purpose, in place of the configured answer (m changes it)")
        }
        AnswerMode::Slow => format!(
            "slow: the configured answer, held {:.1} s (m changes it)",
            latency_ms / 1000.0
        ),
        AnswerMode::Local => {
            "forward off: answered here, not by the app (m changes it)".to_owned()
        }
    })
}

fn analysis(event: &CapturedEvent, width: usize, resends: &Resends) -> Vec<RichLine> {
    let a = &event.analysis;
    let mut lines = Vec::new();

    let mut line = label("Sender");
    line.push(Role::Text, a.provider.as_str());
    if let Some(kind) = &a.kind {
        line.push(Role::Dim, " · ");
        line.push(Role::Title, sanitize::escape(kind));
    }
    line.push(Role::Dim, format!("  ({} body)", a.body_kind.as_str()));
    lines.push(line);

    lines.push(label("Severity").with(
        Role::Severity(a.severity),
        format!("{} {}", severity_glyph(a.severity), a.severity.as_str()),
    ));

    let verdict = a.signature.verdict;
    let mut line = label("Signature").with(
        Role::Signature(verdict),
        format!("{} {}", signature_glyph(verdict), signature_words(verdict)),
    );
    if let Some(scheme) = a.signature.scheme {
        line.push(Role::Dim, format!("  scheme {}", scheme.as_str()));
    }
    lines.push(line);
    if let Some(note) = &a.signature.note {
        sentence(&mut lines, label(""), Role::Text, note, width);
    }

    if let Some(seq) = &a.sequence {
        let words = match seq.status {
            SequenceStatus::First => format!("{} (the first seen of the session)", seq.seq),
            SequenceStatus::InOrder => format!("{} in order", seq.seq),
            SequenceStatus::Gap => format!(
                "⚠ {} came with {} missing before it",
                seq.seq,
                ranges(&seq.missing)
            ),
            SequenceStatus::Late => format!("↺ {} arrived late, filling a gap", seq.seq),
            SequenceStatus::Duplicate => format!("⧉ {} again, same body: a redelivery", seq.seq),
            SequenceStatus::Conflict => {
                format!("≠ {} again with a different body", seq.seq)
            }
            SequenceStatus::Restart => format!("⟲ {}: the session started again", seq.seq),
        };
        // The same number again is what a re-send makes: expected, not an alarm.
        let repeat = matches!(
            seq.status,
            SequenceStatus::Duplicate | SequenceStatus::Conflict
        );
        match resent_words(event).filter(|_| repeat) {
            Some(resent) => sentence(
                &mut lines,
                label("Sequence"),
                Role::Text,
                &format!("{words}: {resent}"),
                width,
            ),
            None => lines.push(label("Sequence").with(Role::Sequence(seq.status), words)),
        }
        if let Some(session) = &a.subject.session_id {
            lines.push(label("").with(
                Role::Dim,
                format!("session {}", sanitize::escape(session)),
            ));
        }
    }

    let subject = &a.subject;
    for (name, value) in [
        ("Session", &subject.session_id),
        ("Measurement", &subject.measurement_id),
        ("Scan", &subject.scan_id),
        ("Video", &subject.video_id),
    ] {
        if let Some(value) = value {
            lines.push(label(name).with(Role::Text, sanitize::escape(value)));
        }
    }

    lines.push(
        label("Received").with(
            Role::Text,
            event
                .received_at
                .format("%Y-%m-%d %H:%M:%S%.3f UTC")
                .to_string(),
        ),
    );
    if let Some(from) = event.resent_from() {
        let how = if event.edited() {
            " by hookscope, edited"
        } else {
            " by hookscope"
        };
        lines.push(
            label("Resent")
                .with(Role::Text, format!("resent from #{from}"))
                .with(Role::Dim, how),
        );
    }
    if resends.count > 0 {
        lines.push(resent_as(resends));
    }
    if let Some(sent) = a.sent_at {
        let lag = event.received_at.signed_duration_since(sent);
        let seconds = lag.num_milliseconds() as f64 / 1000.0;
        // A negative or long lag usually means a clock is off, or deliveries are held up.
        let role = if !(0.0..=60.0).contains(&seconds) {
            Role::Severity(crate::event::Severity::Warn)
        } else {
            Role::Text
        };
        lines.push(label("Delivery lag").with(role, lag_words(seconds)).with(
            Role::Dim,
            format!(
                "  sent {} by the sender's clock",
                sent.format("%H:%M:%S%.3f")
            ),
        ));
    }
    let response = &event.response;
    let mut line = label("Answer").with(Role::Status(response.status), response.status.to_string());
    line.push(Role::Dim, format!(" in {:.1} ms", response.latency_ms()));
    if let Some(target) = response.forwarded_to() {
        line.push(Role::Dim, "  forwarded to ");
        line.push(Role::Text, sanitize::escape(target));
    }
    lines.push(line);

    if let Some(r) = &a.redelivery {
        let mut words = format!(
            "↻ retry #{} of #{}, {} after the first delivery",
            r.retry,
            r.first_id,
            lag_words(r.delay_ms / 1000.0)
        );
        let mut role = Role::Severity(crate::event::Severity::Warn);
        if let Some(resent) = resent_words(event) {
            words = format!("{words}: {resent}");
            role = Role::Text;
        }
        sentence(&mut lines, label("Redelivery"), role, &words, width);
        lines.push(
            label("")
                .with(
                    Role::Text,
                    format!("previous delivery #{} was answered ", r.previous_id),
                )
                .with(
                    Role::Status(r.previous_status),
                    r.previous_status.to_string(),
                ),
        );
        if let Some(schedule) = &r.schedule {
            sentence(&mut lines, label(""), Role::Text, schedule, width);
        }
    }

    lines.push(RichLine::new());
    if a.anomalies.is_empty() {
        lines.push(label("Anomalies").with(Role::Dim, "none"));
    } else {
        lines.push(label("Anomalies").with(Role::Text, a.anomalies.len().to_string()));
        for anomaly in &a.anomalies {
            lines.push(
                label("")
                    .with(Role::Severity(crate::event::Severity::Warn), "⚠ ")
                    .with(Role::Title, sanitize::escape(anomaly.code())),
            );
            sentence(&mut lines, label(""), Role::Text, &anomaly.message(), width);
        }
    }
    if a.provider == Provider::Generic && a.kind.is_none() {
        lines.push(RichLine::new());
        lines.push(RichLine::new().with(
            Role::Dim,
            "Not a recognised vendor event: shown as received.",
        ));
    }
    lines
}

/// Why a re-sent copy repeats its original, `expected, hookscope re-sent #4 edited`.
fn resent_words(event: &CapturedEvent) -> Option<String> {
    let from = event.resent_from()?;
    let edited = if event.edited() { " edited" } else { "" };
    Some(format!("expected, hookscope re-sent #{from}{edited}"))
}

/// The other way: the copies of this event hookscope re-sent, `resent as #7 (edited), #9`,
/// or with many, how many and the newest few.
fn resent_as(resends: &Resends) -> RichLine {
    let mut line = label("Resends");
    if resends.count > resends.newest.len() {
        line.push(
            Role::Text,
            format!("{} copies, the newest ", text::thousands(resends.count as u64)),
        );
    } else {
        line.push(Role::Text, "resent as ");
    }
    for (i, resend) in resends.newest.iter().enumerate() {
        if i > 0 {
            line.push(Role::Text, ", ");
        }
        line.push(Role::Text, format!("#{}", resend.id));
        if resend.edited {
            line.push(Role::Dim, " (edited)");
        }
    }
    line
}

/// `0.4 s`, `12 s`, `3 min 5 s`, `-2.0 s` (a sender clock ahead of ours).
fn lag_words(seconds: f64) -> String {
    if seconds.abs() < 60.0 {
        if seconds.abs() < 10.0 {
            format!("{seconds:.1} s")
        } else {
            format!("{seconds:.0} s")
        }
    } else {
        let total = seconds.round() as i64;
        format!("{} min {} s", total / 60, (total % 60).abs())
    }
}


/// One line per header, `name: value`, escaped, `userToken` values masked unless `reveal`.
fn header_lines(headers: &HeaderList, reveal: bool, lines: &mut Vec<RichLine>) {
    if headers.is_empty() {
        lines.push(RichLine::new().with(Role::Dim, "(no headers)"));
    }
    for (name, value) in headers.iter() {
        let value = if reveal {
            value
        } else {
            mask::header(name, value)
        };
        lines.push(
            RichLine::new()
                .with(Role::Accent, sanitize::escape_bytes(name).into_owned())
                .with(Role::Dim, ": ")
                .with(Role::Text, sanitize::escape_bytes(value).into_owned()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_decoded_and_tokens_masked() {
        let mut lines = Vec::new();
        form(b"a=1+2&b=%41%zz&userToken=abc&flag", false, &mut lines);
        let text: Vec<String> = lines.iter().map(RichLine::text).collect();
        assert_eq!(text, ["a = 1 2", "b = A%zz", "userToken = ••••", "flag = "]);
    }

    #[test]
    fn percent_decoding_at_the_end_never_panics() {
        assert_eq!(percent_decode(b"%"), b"%");
        assert_eq!(percent_decode(b"%4"), b"%4");
        assert_eq!(percent_decode(b"%41"), b"A");
    }

    #[test]
    fn hexdump_lines() {
        let mut lines = Vec::new();
        hexdump(b"{\"a\":1}\n\x00", 16, &mut lines);
        assert_eq!(
            lines[0].text(),
            "00000000  7b 22 61 22 3a 31 7d 0a  00                      |{\"a\":1}..|"
        );
    }

    /// A long forward URL and a long reason wrap under the labels' column, never under the
    /// labels themselves.
    #[test]
    fn long_answer_lines_keep_their_hanging_indent() {
        use crate::event::build::EventBuilder;
        use crate::event::{ForwardInfo, ResponseInfo};
        let url = format!("http://127.0.0.1:3000/{}", "segment/".repeat(12));
        let event = EventBuilder::new(3)
            .response(ResponseInfo::with_forward(
                502,
                1.0,
                ForwardInfo {
                    forwarded_to: Some(url.as_str().into()),
                    error: Some("the app could not be reached: connection refused: nothing listens at 127.0.0.1:3000".into()),
                    ..ForwardInfo::default()
                },
            ))
            .build();
        let lines: Vec<String> = response(&event, false, 50).iter().map(RichLine::text).collect();
        let at = |label: &str| lines.iter().position(|l| l.starts_with(label)).unwrap();
        let (forward, status, why) = (at("Forward to "), at("Status "), at("Why "));
        assert!(status > forward + 1, "the URL wraps: {lines:#?}");
        assert!(lines.len() > why + 1, "the reason wraps: {lines:#?}");
        for line in lines[forward + 1..status].iter().chain(&lines[why + 1..why + 2]) {
            assert!(line.starts_with(&" ".repeat(LABEL)), "{line:?} in {lines:#?}");
            assert!(line.len() <= 50, "{line:?}");
        }
        let joined: String = lines[forward..status]
            .iter()
            .map(|l| l[LABEL..].to_owned())
            .collect();
        assert_eq!(joined, url);
    }

    #[test]
    fn the_rule_that_answered_is_named_escaped() {
        use crate::event::build::EventBuilder;
        use crate::event::{ForwardInfo, ResponseInfo, Sent};
        let mut answer = ResponseInfo::with_forward(
            400,
            1.0,
            ForwardInfo {
                headers: HeaderList::from_pairs([(&b"content-type"[..], &b"text/plain"[..])]),
                body: bytes::Bytes::from_static(b"no"),
                body_size: 2,
                rule: Some(crate::intern::intern("prismatic\x1b[2J")),
                ..ForwardInfo::default()
            },
        );
        answer.sent = Sent::Held;
        let event = EventBuilder::new(3).response(answer).build();
        let lines: Vec<String> = response(&event, false, 80)
            .iter()
            .map(RichLine::text)
            .collect();
        assert!(
            lines[0].ends_with("hookscope, as its answer rule says"),
            "{lines:#?}"
        );
        let rule = lines.iter().find(|l| l.starts_with("Rule ")).unwrap();
        assert!(rule.ends_with("prismatic\\x1b[2J"), "{rule}");
        assert!(!rule.contains('\x1b'));
        // An answer no rule gave has no such line.
        let plain = EventBuilder::new(4).build();
        assert!(
            !response(&plain, false, 80)
                .iter()
                .any(|l| l.text().starts_with("Rule "))
        );
    }

    #[test]
    fn a_resent_event_names_the_one_it_came_from() {
        use crate::event::build::EventBuilder;
        let text = |event: &CapturedEvent| -> Vec<String> {
            analysis(event, 80, &Resends::default())
                .iter()
                .map(RichLine::text)
                .collect()
        };
        let resent = text(&EventBuilder::new(9).resent(4, true).build());
        assert!(
            resent
                .iter()
                .any(|line| line.ends_with("resent from #4 by hookscope, edited")),
            "{resent:?}"
        );
        let plain = text(&EventBuilder::new(9).build());
        assert!(!plain.iter().any(|line| line.contains("resent")));
    }

    #[test]
    fn the_event_resent_names_its_copies() {
        use crate::event::build::EventBuilder;
        use crate::store::Resend;
        let text = |resends: &Resends| -> Vec<String> {
            analysis(&EventBuilder::new(4).build(), 80, resends)
                .iter()
                .map(RichLine::text)
                .collect()
        };
        let copy = |id, edited| Resend {
            key: id,
            id,
            edited,
        };
        let two = Resends {
            count: 2,
            newest: vec![copy(7, true), copy(9, false)],
        };
        let lines = text(&two);
        assert!(
            lines
                .iter()
                .any(|line| line == "Resends      resent as #7 (edited), #9"),
            "{lines:?}"
        );
        let many = Resends {
            count: 12,
            newest: vec![copy(40, false), copy(41, true), copy(42, false)],
        };
        let lines = text(&many);
        assert!(
            lines
                .iter()
                .any(|line| line == "Resends      12 copies, the newest #40, #41 (edited), #42"),
            "{lines:?}"
        );
        assert!(!text(&Resends::default()).iter().any(|l| l.contains("Resends")));
    }

    #[test]
    fn lag_reads_naturally() {
        assert_eq!(lag_words(0.42), "0.4 s");
        assert_eq!(lag_words(12.4), "12 s");
        assert_eq!(lag_words(185.0), "3 min 5 s");
        assert_eq!(lag_words(-2.0), "-2.0 s");
    }
}
