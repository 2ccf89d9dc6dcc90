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
fn parameter(content_type: &str, name: &str) -> Option<String> {
    parameters(content_type)
        .into_iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// The `name=value` parameters after the first `;` of a header value such as
/// `form-data; name="field;one"; filename="a \"b\".pdf"`, in order, values unquoted.
///
/// A `;` or `=` inside quotes belongs to the value (RFC 7578, RFC 6266). A backslash escapes
/// the character after it only when that is one a token cannot hold (`"`, `\`, `;`…): browsers
/// send Windows paths such as `"C:\dir\a.txt"` without escaping their backslashes, so a
/// backslash before an ordinary character is kept as it is.
fn parameters(value: &str) -> Vec<(&str, String)> {
    let mut params = Vec::new();
    // The media or disposition type is a token: it ends at the first `;`.
    let Some(start) = value.find(';') else {
        return params;
    };
    let mut rest = &value[start..];
    loop {
        rest = rest.trim_start_matches(|c: char| c == ';' || c.is_ascii_whitespace());
        if rest.is_empty() {
            return params;
        }
        let key_end = rest.find(['=', ';']).unwrap_or(rest.len());
        let key = rest[..key_end].trim();
        rest = &rest[key_end..];
        let Some(after_equals) = rest.strip_prefix('=') else {
            continue; // a bare word: no value to take
        };
        let after_equals = after_equals.trim_start();
        let (parsed, remainder) = match after_equals.strip_prefix('"') {
            Some(quoted) => quoted_string(quoted),
            None => {
                let end = after_equals.find(';').unwrap_or(after_equals.len());
                (
                    after_equals[..end].trim_end().to_owned(),
                    &after_equals[end..],
                )
            }
        };
        if !key.is_empty() {
            params.push((key, parsed));
        }
        rest = remainder;
    }
}

/// The content of a quoted string whose opening quote is already consumed, and what follows
/// its closing quote. An unterminated string runs to the end.
fn quoted_string(text: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (value, &text[i + 1..]),
            '\\' => match text[i + 1..].chars().next() {
                Some(next) if is_tspecial(next) => {
                    value.push(next);
                    chars.next();
                }
                _ => value.push('\\'),
            },
            _ => value.push(c),
        }
    }
    (value, "")
}

/// The characters RFC 2045 keeps out of tokens, which a quoted string may escape.
fn is_tspecial(c: char) -> bool {
    matches!(
        c,
        '(' | ')' | '<' | '>' | '@' | ',' | ';' | ':' | '\\' | '"' | '/' | '[' | ']' | '?' | '='
    )
}

/// An RFC 8187 (formerly 5987) extended value, `UTF-8''report%E2%82%AC.pdf`, decoded.
/// `None` for a charset other than UTF-8 and ISO-8859-1 (the only two senders must support)
/// or a value without its two quotes, so that the plain parameter is used instead.
fn extended_value(value: &str) -> Option<String> {
    let (charset, rest) = value.split_once('\'')?;
    let (_language, encoded) = rest.split_once('\'')?;
    let bytes = percent_decode(encoded);
    if charset.eq_ignore_ascii_case("utf-8") {
        Some(String::from_utf8_lossy(&bytes).into_owned())
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        None
    }
}

/// `%XX` sequences turned into their bytes; a `%` not followed by two hex digits is kept.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let digits = bytes.get(i + 1..i + 3).and_then(|pair| {
            let pair = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(pair, 16).ok()
        });
        match (bytes[i], digits) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// A part's `name` and `filename` from its `Content-Disposition` value. `filename*` (RFC 6266,
/// RFC 8187) wins over `filename` when both came and it can be decoded; likewise `name*`.
fn disposition_names(value: &str) -> (Option<String>, Option<String>) {
    let mut name = None;
    let mut filename = None;
    let mut extended_name = None;
    let mut extended_filename = None;
    for (key, value) in parameters(value) {
        let slot = if key.eq_ignore_ascii_case("name") {
            &mut name
        } else if key.eq_ignore_ascii_case("filename") {
            &mut filename
        } else if key.eq_ignore_ascii_case("name*") {
            &mut extended_name
        } else if key.eq_ignore_ascii_case("filename*") {
            &mut extended_filename
        } else {
            continue;
        };
        // The first of a repeated parameter counts, as for the other header parameters.
        if slot.is_none() {
            *slot = if key.ends_with('*') {
                extended_value(&value)
            } else {
                Some(value)
            };
        }
    }
    (extended_name.or(name), extended_filename.or(filename))
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
                (part.name, part.filename) = disposition_names(value);
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

    /// One part with this `Content-Disposition` value, and what hookscope made of its names.
    fn names_of(disposition: &str) -> (Option<String>, Option<String>) {
        let body = format!("--b\r\nContent-Disposition: {disposition}\r\n\r\ncontent\r\n--b--\r\n");
        let parts = multipart_parts("multipart/form-data; boundary=b", body.as_bytes());
        assert_eq!(parts.len(), 1, "{disposition}");
        assert_eq!(parts[0].size, 7, "{disposition}");
        (parts[0].name.clone(), parts[0].filename.clone())
    }

    fn both(name: &str, filename: &str) -> (Option<String>, Option<String>) {
        (Some(name.to_owned()), Some(filename.to_owned()))
    }

    #[test]
    fn a_semicolon_inside_quotes_belongs_to_the_name() {
        assert_eq!(
            names_of(r#"form-data; name="field;one"; filename="report;2024.pdf""#),
            both("field;one", "report;2024.pdf")
        );
        // `=` inside quotes, and no space after the separators.
        assert_eq!(
            names_of(r#"form-data;name="a=b";filename="x=y;z.txt""#),
            both("a=b", "x=y;z.txt")
        );
    }

    #[test]
    fn escaped_quotes_and_backslashes_inside_quotes() {
        assert_eq!(
            names_of(r#"form-data; name="say \"hi\""; filename="a\\b.txt""#),
            both(r#"say "hi""#, r"a\b.txt")
        );
        // A Windows path as browsers send it, backslashes unescaped, stays as it is.
        assert_eq!(
            names_of(r#"form-data; name="f"; filename="C:\dir\report.pdf""#),
            both("f", r"C:\dir\report.pdf")
        );
    }

    #[test]
    fn extended_filename_wins_over_the_plain_one() {
        assert_eq!(
            names_of(
                "form-data; name=\"f\"; filename=\"report.pdf\"; \
                 filename*=UTF-8''report%E2%82%AC.pdf"
            ),
            both("f", "report\u{20ac}.pdf")
        );
        // Whichever order they come in.
        assert_eq!(
            names_of(
                "form-data; filename*=utf-8'en'%C3%A9t%C3%A9.txt; filename=\"ete.txt\"; name=f"
            ),
            both("f", "\u{e9}t\u{e9}.txt")
        );
        assert_eq!(
            names_of("form-data; name=f; filename*=ISO-8859-1''caf%E9.txt"),
            both("f", "caf\u{e9}.txt")
        );
        // A charset hookscope cannot decode leaves the plain filename in place.
        assert_eq!(
            names_of("form-data; name=f; filename=\"plain.txt\"; filename*=KOI8-R''%C1.txt"),
            both("f", "plain.txt")
        );
    }

    #[test]
    fn odd_dispositions_give_what_can_be_read() {
        assert_eq!(names_of("form-data"), (None, None));
        assert_eq!(
            names_of("form-data; name=plain"),
            (Some("plain".into()), None)
        );
        assert_eq!(
            names_of("form-data; name=\"unterminated"),
            (Some("unterminated".into()), None)
        );
        assert_eq!(
            names_of("form-data; ; =x; flag; name=a"),
            (Some("a".into()), None)
        );
        assert_eq!(
            names_of("form-data; name=f; filename*=UTF-8''100%25%zz"),
            both("f", "100%%zz")
        );
        // A boundary that holds `=` and comes quoted, with parameters after it.
        let body = b"--a=b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--a=b--";
        let parts = multipart_parts("multipart/form-data; boundary=\"a=b\"; charset=utf-8", body);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name.as_deref(), Some("x"));
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
