//! What shape a body has: JSON (well-formed or not), form, text, multipart (with its parts) or
//! binary. Decided from the declared content type first and the bytes second.

use super::json::Json;
use crate::event::{BodyKind, BodyPart};

/// Classifies `body` given its `Content-Type` (if any). A truncated body is only ever judged
/// on the bytes kept, so a cut-off JSON document is not called malformed.
pub fn classify(content_type: Option<&str>, body: &[u8], truncated: bool) -> BodyKind {
    shape(content_type, body, truncated).0
}

/// Classifies `body` and, when it is JSON, parses it (once, for every later step).
pub fn shape<'a>(
    content_type: Option<&str>,
    body: &'a [u8],
    truncated: bool,
) -> (BodyKind, Option<Json<'a>>) {
    if body.is_empty() {
        return (BodyKind::Empty, None);
    }
    let mime = content_type.map(media_type).unwrap_or_default();
    let declared_json = mime == "application/json" || mime.ends_with("+json");
    let looks_json = matches!(first_non_space(body), Some(b'{' | b'['));
    let form = mime == "application/x-www-form-urlencoded";
    // `curl -d '{…}'` declares a form: JSON in a form or text body still counts as JSON.
    let json_candidate =
        declared_json || (looks_json && (mime.is_empty() || mime == "text/plain" || form));
    if json_candidate {
        if truncated {
            return (BodyKind::Json, None);
        }
        match Json::parse(body) {
            Ok(value) => return (BodyKind::Json, Some(value)),
            Err(_) if declared_json || (looks_json && !form) => {
                return (BodyKind::MalformedJson, None);
            }
            Err(_) => {}
        }
    }
    let kind = if mime.starts_with("multipart/") {
        BodyKind::Multipart
    } else if form && body.is_ascii() {
        BodyKind::Form
    } else if std::str::from_utf8(body).is_ok_and(|text| !text.chars().any(is_binary_control)) {
        BodyKind::Text
    } else {
        BodyKind::Binary
    };
    (kind, None)
}

fn is_binary_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c')
}

fn first_non_space(body: &[u8]) -> Option<u8> {
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// `application/json; charset=utf-8` → `application/json`, lower-cased.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A parameter of a content type, such as `boundary`, unquoted.
fn parameter<'a>(content_type: &'a str, name: &str) -> Option<&'a str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().trim_matches('"'))
    })
}

/// The parts of a multipart body, as far as they can be found. Never fails: a body that does
/// not follow its boundary gives the parts found before the break.
pub fn multipart_parts(content_type: &str, body: &[u8]) -> Vec<BodyPart> {
    let Some(boundary) = parameter(content_type, "boundary").filter(|b| !b.is_empty()) else {
        return Vec::new();
    };
    let delimiter = [b"--", boundary.as_bytes()].concat();
    let mut parts = Vec::new();
    let Some(mut pos) = find(body, &delimiter, 0) else {
        return parts;
    };
    loop {
        let after = pos + delimiter.len();
        if body[after..].starts_with(b"--") {
            break; // closing delimiter
        }
        let Some(head_start) = find(body, b"\r\n", after).map(|i| i + 2) else {
            break;
        };
        let Some(head_end) = find(body, b"\r\n\r\n", head_start) else {
            break;
        };
        let content_start = head_end + 4;
        let next_delimiter = [b"\r\n", delimiter.as_slice()].concat();
        let Some(content_end) = find(body, &next_delimiter, content_start) else {
            break;
        };
        let head = String::from_utf8_lossy(&body[head_start..head_end]);
        let mut part = BodyPart {
            name: None,
            filename: None,
            content_type: None,
            offset: content_start as u64,
            size: (content_end - content_start) as u64,
        };
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                let with_leading = format!("; {value}");
                part.name = parameter(&with_leading, "name").map(str::to_owned);
                part.filename = parameter(&with_leading, "filename").map(str::to_owned);
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.to_owned());
            }
        }
        parts.push(part);
        pos = content_end + 2;
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_by_type_or_by_shape() {
        assert_eq!(
            classify(Some("application/json"), br#"{"a":1}"#, false),
            BodyKind::Json
        );
        assert_eq!(classify(None, b" [1,2]", false), BodyKind::Json);
        assert_eq!(
            classify(Some("application/cloudevents+json"), b"{}", false),
            BodyKind::Json
        );
        assert_eq!(
            classify(Some("application/json; charset=utf-8"), b"{\"a\":", false),
            BodyKind::MalformedJson
        );
        assert_eq!(classify(None, b"{oops", false), BodyKind::MalformedJson);
        // A cut-off body is not blamed for being cut off.
        assert_eq!(
            classify(Some("application/json"), b"{\"a\":", true),
            BodyKind::Json
        );
    }

    #[test]
    fn json_sent_as_a_form_is_json() {
        let (kind, value) = shape(
            Some("application/x-www-form-urlencoded"),
            br#"{"a":1}"#,
            false,
        );
        assert_eq!(kind, BodyKind::Json);
        assert_eq!(value, Some(Json::from_value(&serde_json::json!({"a": 1}))));
        assert_eq!(
            classify(Some("application/x-www-form-urlencoded"), b"{a=1", false),
            BodyKind::Form
        );
    }

    #[test]
    fn other_shapes() {
        assert_eq!(classify(None, b"", false), BodyKind::Empty);
        assert_eq!(
            classify(Some("application/x-www-form-urlencoded"), b"a=1", false),
            BodyKind::Form
        );
        assert_eq!(
            classify(Some("text/plain"), b"hello\n", false),
            BodyKind::Text
        );
        assert_eq!(classify(None, b"\x00\x01\xff", false), BodyKind::Binary);
        assert_eq!(classify(None, b"bell\x07", false), BodyKind::Binary);
        // `curl --data-binary` declares a form whatever it sends.
        assert_eq!(
            classify(
                Some("application/x-www-form-urlencoded"),
                b"\x89PNG\x00",
                false
            ),
            BodyKind::Binary
        );
        assert_eq!(
            classify(Some("multipart/form-data; boundary=x"), b"--x--", false),
            BodyKind::Multipart
        );
    }

    #[test]
    fn multipart_parts_are_listed() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n\
Content-Type: application/octet-stream\r\n\r\n\x00\x01\x02\r\n--XyZ--\r\n";
        let parts = multipart_parts("multipart/form-data; boundary=\"XyZ\"", body);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name.as_deref(), Some("note"));
        assert_eq!(
            &body[parts[0].offset as usize..][..parts[0].size as usize],
            b"hello"
        );
        assert_eq!(parts[1].filename.as_deref(), Some("a.bin"));
        assert_eq!(
            parts[1].content_type.as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(parts[1].size, 3);
    }

    #[test]
    fn broken_multipart_gives_what_was_found() {
        assert!(multipart_parts("multipart/form-data", b"--x\r\n").is_empty());
        let parts = multipart_parts(
            "multipart/form-data; boundary=x",
            b"--x\r\nA: b\r\n\r\nno end",
        );
        assert!(parts.is_empty());
    }
}
