//! One event as one line of JSON, written by hand: with `--jsonl` every request waits for its
//! line, and serde's string escaping was the largest part of that. The output is byte for byte
//! what serializing the event's fields through serde_json gives (the tests compare the two), but
//! for the characters that could steer a terminal (C1 controls, Unicode's Format category),
//! which are written as `\uXXXX`: still the same JSON to `import` and every other reader. Small
//! nested values (signature, sequence, response…) still go through serde.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use serde::Serialize;

use crate::event::{CapturedEvent, RemoteAddr, ResponseOut, SequenceInfo, Signature, Subject};

/// Appends the event's line to `out`, without the newline.
pub fn push_event(out: &mut Vec<u8>, event: &CapturedEvent) -> serde_json::Result<()> {
    let analysis = &event.analysis;
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(itoa::Buffer::new().format(event.id).as_bytes());
    out.extend_from_slice(b",\"received_at\":");
    push_time(out, &event.received_at);
    out.extend_from_slice(b",\"remote_addr\":");
    push_remote_addr(out, &event.remote_addr);
    name_field(out, "http_version", event.http_version.as_str());
    out.extend_from_slice(b",\"method\":");
    push_str(out, &event.method);
    out.extend_from_slice(b",\"path\":");
    push_str(out, &event.path);
    out.extend_from_slice(b",\"query\":");
    push_optional_str(out, event.query());
    out.extend_from_slice(b",\"headers\":[");
    for (index, (name, value)) in event.headers.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.push(b'[');
        push_str(out, &String::from_utf8_lossy(name));
        out.push(b',');
        match std::str::from_utf8(value) {
            Ok(text) => push_str(out, text),
            Err(_) => {
                push_str(out, &String::from_utf8_lossy(value));
                out.extend_from_slice(b",{\"base64\":\"");
                out.extend_from_slice(BASE64.encode(value).as_bytes());
                out.extend_from_slice(b"\"}");
            }
        }
        out.push(b']');
    }
    out.push(b']');
    match std::str::from_utf8(&event.body) {
        Ok(text) => {
            out.extend_from_slice(b",\"body\":");
            push_str(out, text);
        }
        Err(_) => {
            out.extend_from_slice(b",\"body_base64\":\"");
            out.extend_from_slice(BASE64.encode(&event.body).as_bytes());
            out.push(b'"');
        }
    }
    out.extend_from_slice(b",\"body_size\":");
    out.extend_from_slice(itoa::Buffer::new().format(event.body_size()).as_bytes());
    out.extend_from_slice(if event.truncated {
        b",\"truncated\":true"
    } else {
        b",\"truncated\":false"
    });
    // Written only when set, so that files of events never pinned stay as they were.
    if event.pinned {
        out.extend_from_slice(b",\"pinned\":true");
    }
    name_field(out, "body_kind", analysis.body_kind.as_str());
    if !analysis.parts.is_empty() {
        field(out, "parts", &*analysis.parts)?;
    }
    name_field(out, "provider", analysis.provider.as_str());
    out.extend_from_slice(b",\"kind\":");
    push_optional_str(out, analysis.kind.as_deref());
    name_field(out, "severity", analysis.severity.as_str());
    out.extend_from_slice(b",\"signature\":");
    push_signature(out, &analysis.signature);
    out.extend_from_slice(b",\"sequence\":");
    match &analysis.sequence {
        Some(sequence) => push_sequence(out, analysis.subject.session_id.as_deref(), sequence),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"subject\":");
    push_subject(out, &analysis.subject);
    out.extend_from_slice(b",\"anomalies\":[");
    for (index, anomaly) in analysis.anomalies.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"code\":");
        push_str(out, anomaly.code());
        out.extend_from_slice(b",\"message\":\"");
        // Writing into a Vec cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut Escaping(out), format_args!("{anomaly}"));
        out.extend_from_slice(b"\"}");
    }
    out.push(b']');
    if let Some(sent_at) = &analysis.sent_at {
        out.extend_from_slice(b",\"sent_at\":");
        push_time(out, sent_at);
    }
    if let Some(redelivery) = &analysis.redelivery {
        field(out, "redelivery", redelivery)?;
    }
    if let Some(from) = event.resent_from() {
        out.extend_from_slice(b",\"resent_from\":");
        out.extend_from_slice(itoa::Buffer::new().format(from.get()).as_bytes());
    }
    if event.edited() {
        out.extend_from_slice(b",\"edited\":true");
    }
    field(
        out,
        "response",
        &ResponseOut {
            response: &event.response,
            id: event.id,
        },
    )?;
    out.push(b'}');
    Ok(())
}

/// What `RemoteAddr`'s `Display` gives, quoted, without the formatting machinery for IPv4.
fn push_remote_addr(out: &mut Vec<u8>, addr: &RemoteAddr) {
    match addr {
        RemoteAddr::V4 { ip, port } => {
            out.push(b'"');
            for (index, octet) in ip.octets().into_iter().enumerate() {
                if index > 0 {
                    out.push(b'.');
                }
                out.extend_from_slice(itoa::Buffer::new().format(octet).as_bytes());
            }
            out.push(b':');
            out.extend_from_slice(itoa::Buffer::new().format(*port).as_bytes());
            out.push(b'"');
        }
        RemoteAddr::Text(text) => push_str(out, text),
    }
}

fn push_signature(out: &mut Vec<u8>, signature: &Signature) {
    out.extend_from_slice(b"{\"scheme\":");
    match signature.scheme {
        Some(scheme) => push_name(out, scheme.as_str()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"verdict\":");
    push_name(out, signature.verdict.as_str());
    if let Some(note) = &signature.note {
        out.extend_from_slice(b",\"note\":");
        push_str(out, note);
    }
    out.push(b'}');
}

/// The sequence with its session (the subject's), as the format has always written it.
fn push_sequence(out: &mut Vec<u8>, session: Option<&str>, sequence: &SequenceInfo) {
    out.extend_from_slice(b"{\"session_id\":");
    push_str(out, session.unwrap_or_default());
    out.extend_from_slice(b",\"seq\":");
    out.extend_from_slice(itoa::Buffer::new().format(sequence.seq).as_bytes());
    out.extend_from_slice(b",\"status\":");
    push_name(out, sequence.status.as_str());
    out.extend_from_slice(b",\"missing\":[");
    for (index, number) in sequence.missing.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(itoa::Buffer::new().format(*number).as_bytes());
    }
    out.extend_from_slice(b"]}");
}

fn push_subject(out: &mut Vec<u8>, subject: &Subject) {
    out.push(b'{');
    let mut first = true;
    for (name, value) in [
        ("session_id", &subject.session_id),
        ("measurement_id", &subject.measurement_id),
        ("scan_id", &subject.scan_id),
        ("video_id", &subject.video_id),
    ] {
        let Some(value) = value else { continue };
        if !first {
            out.push(b',');
        }
        first = false;
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
        push_str(out, value);
    }
    out.push(b'}');
}

/// `,"name":` and the value as serde_json writes it.
fn field<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    name: &str,
    value: &T,
) -> serde_json::Result<()> {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    serde_json::to_writer(&mut *out, value)
}

/// `,"name":"value"` for one of the names the event's enums serialise to (plain ASCII words,
/// nothing to escape; a test holds them equal to serde's).
fn name_field(out: &mut Vec<u8>, name: &str, value: &'static str) {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    push_name(out, value);
}

/// `"value"` for one of those names.
fn push_name(out: &mut Vec<u8>, value: &'static str) {
    debug_assert!(
        value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    );
    out.push(b'"');
    out.extend_from_slice(value.as_bytes());
    out.push(b'"');
}

fn push_optional_str(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => push_str(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// RFC 3339 in UTC with microseconds, as every time in the format is written (the export
/// document and HAR too).
pub fn format_time(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A time the way [`format_time`] writes it, quoted: RFC 3339 in UTC with microseconds.
fn push_time(out: &mut Vec<u8>, time: &DateTime<Utc>) {
    let year = time.year();
    let nanos = time.nanosecond();
    // Years of four digits and no leap second: everything a clock or an export holds in practice.
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        push_str(out, &format_time(time));
        return;
    }
    let mut text = *b"\"0000-00-00T00:00:00.000000Z\"";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for digit in text[at..at + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(1, 4, year.unsigned_abs());
    put(6, 2, time.month());
    put(9, 2, time.day());
    put(12, 2, time.hour());
    put(15, 2, time.minute());
    put(18, 2, time.second());
    put(21, 6, nanos / 1_000);
    out.extend_from_slice(&text);
}

/// What each byte becomes inside a JSON string, as serde_json writes it: 0 for itself, `u` for
/// `\u00XX`, else the letter after the backslash.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0A] = b'n';
    table[0x0C] = b'f';
    table[0x0D] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
const LOW_SEVENS: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The top bit of each of the eight bytes that needs escaping: below 0x20, a quote or a
/// backslash. Exact per byte: no sum carries from one byte into the next.
fn escape_mask(chunk: u64) -> u64 {
    let zero_bytes = |x: u64| !(((x & LOW_SEVENS) + LOW_SEVENS) | x | LOW_SEVENS);
    let below_space = !((chunk & LOW_SEVENS) + ONES * 0x60) & !chunk & HIGHS;
    below_space
        | zero_bytes(chunk ^ (ONES * u64::from(b'"')))
        | zero_bytes(chunk ^ (ONES * u64::from(b'\\')))
}

/// `text` as a JSON string, quotes included: serde_json's escaping, plus `\uXXXX` for the
/// characters a terminal must not receive raw (C1 controls, Unicode's Format category, the line
/// and paragraph separators; `sanitize::is_hidden`), so that `--jsonl -` cannot steer the
/// terminal it is read on. JSON readers decode them back to the same characters.
pub fn push_str(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + text.len() / 8 + 2);
    out.push(b'"');
    push_contents(out, text);
    out.push(b'"');
}

/// What goes between the quotes of [`push_str`]. Escaping goes character by character, so
/// `text` written in pieces gives the same bytes as written whole.
fn push_contents(out: &mut Vec<u8>, text: &str) {
    let mut rest = text;
    while let Some((at, c)) = next_hidden(rest) {
        push_plain(out, &rest.as_bytes()[..at]);
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            push_unit(out, *unit);
        }
        rest = &rest[at + c.len_utf8()..];
    }
    push_plain(out, rest.as_bytes());
}

/// A sentence (`Display`) written into a JSON string as it is composed, without a `String`.
struct Escaping<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Escaping<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        push_contents(self.0, text);
        Ok(())
    }
}

/// Where the first character to escape as `\uXXXX` starts in `text`, and which it is. ASCII has
/// none (its controls are escaped byte by byte), so the search starts at the first byte with its
/// top bit set, looked for eight bytes at a time.
fn next_hidden(text: &str) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut start = None;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for (index, chunk) in words.enumerate() {
        let high = word_of(chunk) & HIGHS;
        if high != 0 {
            start = Some(index * 8 + (high.trailing_zeros() / 8) as usize);
            break;
        }
    }
    let start = match start {
        Some(start) => start,
        None => bytes.len() - tail.len() + tail.iter().position(|b| !b.is_ascii())?,
    };
    text[start..]
        .char_indices()
        .find(|&(_, c)| !c.is_ascii() && crate::sanitize::is_hidden(c))
        .map(|(at, c)| (start + at, c))
}

/// `\uXXXX` for one UTF-16 code unit.
fn push_unit(out: &mut Vec<u8>, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(b"\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((unit >> shift) & 0xF)]);
    }
}

/// Bytes inside a JSON string, escaped as serde_json escapes them. Bytes are looked at 32 at a
/// time: a block with nothing to escape is copied whole. In a block with escapes, each
/// eight-byte word is handled on its own; escapes come close together in JSON bodies, so the
/// runs between them are copied with a fixed eight-byte write that is then cut to length, never
/// with a call to `memcpy` for a few bytes.
fn push_plain(out: &mut Vec<u8>, bytes: &[u8]) {
    let blocks = bytes.chunks_exact(32);
    let rest = blocks.remainder();
    for block in blocks {
        let mut words = [0u64; 4];
        for (word, chunk) in words.iter_mut().zip(block.chunks_exact(8)) {
            *word = word_of(chunk);
        }
        let masks = words.map(escape_mask);
        if masks.iter().fold(0, |a, m| a | m) == 0 {
            out.extend_from_slice(block);
            continue;
        }
        for (word, mask) in words.into_iter().zip(masks) {
            push_word(out, word, mask);
        }
    }
    let chunks = rest.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        let word = word_of(chunk);
        push_word(out, word, escape_mask(word));
    }
    for &byte in tail {
        if ESCAPE[usize::from(byte)] == 0 {
            out.push(byte);
        } else {
            push_escape(out, byte);
        }
    }
}

/// Eight bytes as one word, the first byte lowest.
#[inline]
fn word_of(chunk: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(chunk);
    u64::from_le_bytes(bytes)
}

/// One eight-byte word, whose bytes to escape `mask` marks (see `escape_mask`).
#[inline]
fn push_word(out: &mut Vec<u8>, word: u64, mut mask: u64) {
    if mask == 0 {
        out.extend_from_slice(&word.to_le_bytes());
        return;
    }
    let mut from = 0;
    while mask != 0 {
        let at = (mask.trailing_zeros() / 8) as usize;
        push_run(out, word >> (8 * from), at - from);
        push_escape(out, (word >> (8 * at)) as u8);
        from = at + 1;
        mask &= mask - 1;
    }
    if from < 8 {
        push_run(out, word >> (8 * from), 8 - from);
    }
}

/// The first `len` (at most eight) bytes of `word`, in memory order.
#[inline]
fn push_run(out: &mut Vec<u8>, word: u64, len: usize) {
    let end = out.len() + len;
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(end);
}

fn push_escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let escape = ESCAPE[usize::from(byte)];
    if escape == b'u' {
        out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0xF)],
        ]);
    } else {
        out.extend_from_slice(&[b'\\', escape]);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde_str(text: &str) -> Vec<u8> {
        escape_hidden(&serde_json::to_vec(text).unwrap())
    }

    /// serde_json's output with the characters `sanitize::is_hidden` names (which serde_json
    /// writes raw, and only inside strings) written as `\uXXXX`: the reference for lines.
    pub(crate) fn escape_hidden(json: &[u8]) -> Vec<u8> {
        let text = std::str::from_utf8(json).unwrap();
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if !c.is_ascii() && crate::sanitize::is_hidden(c) {
                for unit in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            } else {
                out.push(c);
            }
        }
        out.into_bytes()
    }

    fn ours(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        push_str(&mut out, text);
        out
    }

    #[test]
    fn strings_escape_as_serde_json_escapes_them() {
        for text in [
            "",
            "plain ascii that runs past eight bytes",
            r#"{"event":"WMS_LOADED","payload":{"a":"b\\c"}}"#,
            "\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f} \u{7f}",
            "é ü 日本 🙂 and \"quotes\" at the end\"",
            "\\",
            "12345678\"",
            "\u{1b}[31mred\u{1b}[0m",
            "C1 \u{85}\u{9b}2J \u{9f} and Cf \u{ad}\u{202e}\u{2060}\u{e0001} then \u{2028}",
            "\u{202e}",
            "0123456789012345678901234567890\u{9b}",
        ] {
            assert_eq!(ours(text), serde_str(text), "{text:?}");
        }
        // One escape at every place of strings that end in a 32-byte block, an eight-byte word
        // or the tail after them.
        for len in 1..100 {
            for at in 0..len {
                for escape in ['"', '\n', '\u{1}'] {
                    let text: String = (0..len)
                        .map(|i| if i == at { escape } else { 'x' })
                        .collect();
                    assert_eq!(ours(&text), serde_str(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn the_mask_marks_exactly_the_bytes_to_escape() {
        for byte in 0..=255u8 {
            for position in 0..8 {
                for filler in [b'a', 0x00, b'"', 0xFF, 0x1F, 0x20] {
                    let mut word = [filler; 8];
                    word[position] = byte;
                    let expected = word.iter().enumerate().fold(0u64, |mask, (at, &b)| {
                        if ESCAPE[usize::from(b)] != 0 {
                            mask | 0x80 << (8 * at)
                        } else {
                            mask
                        }
                    });
                    assert_eq!(escape_mask(u64::from_le_bytes(word)), expected, "{word:?}");
                }
            }
        }
    }

    #[test]
    fn remote_addresses_read_as_they_display() {
        for text in [
            "127.0.0.1:50000",
            "0.0.0.0:0",
            "255.255.255.255:65535",
            "[::1]:8080",
        ] {
            let addr = RemoteAddr::from(text);
            let mut out = Vec::new();
            push_remote_addr(&mut out, &addr);
            assert_eq!(out, serde_json::to_vec(&addr).unwrap(), "{text}");
            assert_eq!(out, serde_str(text), "{text}");
        }
    }

    #[test]
    fn times_read_as_rfc3339_with_microseconds() {
        for text in [
            "2026-11-22T06:31:23.123456789Z",
            "2026-01-02T03:04:05Z",
            "0001-01-01T00:00:00.000001Z",
            "9999-12-31T23:59:59.999999999Z",
            "1969-12-31T23:59:59.5Z",
        ] {
            let time = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            let mut out = Vec::new();
            push_time(&mut out, &time);
            assert_eq!(out, serde_str(&format_time(&time)), "{text}");
        }
    }

    proptest! {
        #[test]
        fn any_string_escapes_as_serde_json_escapes_it(text in any::<String>()) {
            prop_assert_eq!(ours(&text), serde_str(&text));
        }

        #[test]
        fn ascii_with_many_escapes_matches_too(
            bytes in proptest::collection::vec(
                prop_oneof![0u8..0x20, Just(b'"'), Just(b'\\'), 0x20u8..0x7f],
                0..64,
            ),
        ) {
            let text = String::from_utf8(bytes).unwrap();
            prop_assert_eq!(ours(&text), serde_str(&text));
        }
    }
}
