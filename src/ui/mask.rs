//! Where `userToken` values sit in a request, found by their decoded key (`"user\u0054oken"`,
//! `user%54oken` and `USERTOKEN` are all the same key to the programs that read them), and the
//! request's parts with those values masked. Every tab of the detail and copy as curl go through
//! here, so a credential shows nowhere until the user reveals it.

use std::borrow::Cow;
use std::ops::Range;

use crate::event::{BodyKind, CapturedEvent};

/// What a masked value shows instead (inside JSON, the quotes are kept around it).
pub const MASK: &str = "••••";

/// Keys whose values are credentials, once decoded (compared ignoring case).
pub fn is_secret_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("usertoken")
}

/// Whether a JSON string token (quotes included) is a secret key once its escapes are decoded.
/// A key whose escapes do not decode is no key a JSON reader would see.
pub fn is_secret_json_key(raw: &[u8]) -> bool {
    let inner = raw
        .strip_prefix(b"\"")
        .map(|r| r.strip_suffix(b"\"").unwrap_or(r))
        .unwrap_or(raw);
    if !inner.contains(&b'\\') {
        return std::str::from_utf8(inner).is_ok_and(is_secret_key);
    }
    serde_json::from_slice::<String>(raw).is_ok_and(|key| is_secret_key(&key))
}

/// The byte ranges of the values of secret keys in JSON-looking bytes: strings, numbers,
/// literals, and whole objects or arrays. Works on malformed JSON and on JSON inside other
/// bytes as far as it tokenises, the way the Body tab prints it.
pub fn json_ranges(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut mask_next = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                let is_key = bytes[end..]
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|&b| b == b':');
                if is_key {
                    mask_next = is_secret_json_key(&bytes[i..end]);
                } else if std::mem::take(&mut mask_next) {
                    ranges.push(i..end);
                }
                i = end;
            }
            b'{' | b'[' if mask_next => {
                let end = value_end(bytes, i);
                ranges.push(i..end);
                mask_next = false;
                i = end;
            }
            b':' => i += 1,
            b if b.is_ascii_whitespace() => i += 1,
            b',' | b'{' | b'}' | b'[' | b']' => {
                mask_next = false;
                i += 1;
            }
            _ => {
                let end = scalar_end(bytes, i);
                if std::mem::take(&mut mask_next) {
                    ranges.push(i..end);
                }
                i = end;
            }
        }
    }
    ranges
}

/// The index just past the string starting at `start` (a `"`), honouring backslash escapes.
pub fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The index just past the object or array starting at `start`, or the end of the bytes.
pub fn value_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut j = start;
    while j < bytes.len() {
        match bytes[j] {
            b'"' => {
                j = string_end(bytes, j);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    bytes.len()
}

/// The index where a number, a literal or stray bytes starting at `start` end.
fn scalar_end(bytes: &[u8], start: usize) -> usize {
    (start..bytes.len())
        .find(|&j| {
            matches!(bytes[j], b',' | b':' | b'{' | b'}' | b'[' | b']' | b'"')
                || bytes[j].is_ascii_whitespace()
        })
        .unwrap_or(bytes.len())
        .max(start + 1)
}

/// The byte ranges of the values of secret fields in `a=1&userToken=x` (a form body or a query
/// string), names compared once percent-decoded.
pub fn form_ranges(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for pair in bytes.split(|&b| b == b'&') {
        if let Some(at) = pair.iter().position(|&b| b == b'=') {
            let name = percent_decode(&pair[..at]);
            if std::str::from_utf8(&name).is_ok_and(is_secret_key) {
                ranges.push(start + at + 1..start + pair.len());
            }
        }
        start += pair.len() + 1;
    }
    ranges
}

/// `a%20b+c` → `a b c` as bytes (the result need not be UTF-8).
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => {
                let hex = std::str::from_utf8(&input[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// `bytes` with each of `ranges` (sorted, not overlapping) replaced: a JSON string keeps its
/// quotes around the mask. Borrowed when there is nothing to mask.
pub fn apply<'a>(bytes: &'a [u8], ranges: &[Range<usize>]) -> Cow<'a, [u8]> {
    if ranges.is_empty() {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    for range in ranges {
        if range.start < at || range.end > bytes.len() {
            continue;
        }
        out.extend_from_slice(&bytes[at..range.start]);
        if bytes[range.start] == b'"' {
            out.push(b'"');
            out.extend_from_slice(MASK.as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(MASK.as_bytes());
        }
        at = range.end;
    }
    out.extend_from_slice(&bytes[at..]);
    Cow::Owned(out)
}

/// The body with every secret value masked: JSON-looking values by key in any body, form
/// fields in a form, the content of parts named `userToken` in a multipart body.
pub fn body(event: &CapturedEvent) -> Cow<'_, [u8]> {
    let bytes = &event.body[..];
    let mut ranges = match event.analysis.body_kind {
        BodyKind::Form => form_ranges(bytes),
        _ => json_ranges(bytes),
    };
    if event.analysis.body_kind == BodyKind::Multipart {
        for part in event.analysis.parts.iter() {
            if part.name.as_deref().is_some_and(is_secret_key) {
                let start = usize::try_from(part.offset).unwrap_or(usize::MAX);
                let end = start.saturating_add(usize::try_from(part.size).unwrap_or(0));
                if start < end && end <= bytes.len() {
                    ranges.push(start..end);
                }
            }
        }
        ranges.sort_by_key(|r| r.start);
    }
    apply(bytes, &ranges)
}

/// The query string with secret parameters masked.
pub fn query(query: &str) -> Cow<'_, str> {
    match apply(query.as_bytes(), &form_ranges(query.as_bytes())) {
        Cow::Borrowed(_) => Cow::Borrowed(query),
        Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// Whether a header is named like a secret key.
pub fn is_secret_header(name: &[u8]) -> bool {
    std::str::from_utf8(name).is_ok_and(is_secret_key)
}

/// A header's value, masked when the header is named like a secret key.
pub fn header<'a>(name: &[u8], value: &'a [u8]) -> &'a [u8] {
    if is_secret_header(name) {
        MASK.as_bytes()
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(bytes: &[u8]) -> String {
        String::from_utf8_lossy(&apply(bytes, &json_ranges(bytes))).into_owned()
    }

    #[test]
    fn json_values_are_masked_by_their_decoded_key() {
        assert_eq!(
            masked(br#"{"userToken":"a","user\u0054oken":"b","USERTOKEN":42,"x":"userToken"}"#),
            r#"{"userToken":"••••","user\u0054oken":"••••","USERTOKEN":••••,"x":"userToken"}"#
        );
        assert_eq!(
            masked(br#"{"userToken" : {"t":["a",{"b":"}"}]}, "k":1}"#),
            r#"{"userToken" : ••••, "k":1}"#
        );
        assert_eq!(masked(br#"{"userToken":"open"#), r#"{"userToken":"••••""#);
        assert_eq!(masked(br#"{"user\u00"#), r#"{"user\u00"#);
        assert_eq!(masked(br#"{"a":"userToken"}"#), r#"{"a":"userToken"}"#);
    }

    #[test]
    fn form_fields_and_queries_are_masked_by_their_decoded_name() {
        let body = b"a=1&user%54oken=abc&userToken&USERTOKEN=x%20y";
        assert_eq!(
            String::from_utf8_lossy(&apply(body, &form_ranges(body))),
            "a=1&user%54oken=••••&userToken&USERTOKEN=••••"
        );
        assert_eq!(query("x=1&userToken=t"), "x=1&userToken=••••");
        assert!(matches!(query("x=1"), Cow::Borrowed(_)));
    }

    #[test]
    fn malformed_input_never_panics() {
        for text in [
            &b"\""[..],
            b"{\"userToken\":",
            b"{\"userToken\":[",
            b"\\",
            b"%",
            b"&=&",
        ] {
            let _ = apply(text, &json_ranges(text));
            let _ = apply(text, &form_ranges(text));
        }
    }
}
