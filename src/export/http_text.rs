//! One request as a plain HTTP message, the text a user edits (`E`) or sends (`hookscope send`):
//! the request line, the headers, a blank line and the body, which is pretty-printed when it is
//! JSON. Pure: it writes and reads text, and knows nothing of sockets or terminals.
//!
//! The text ends with one newline after the body, which reading takes off again (editors add
//! one), so writing then reading gives back the message exactly.

use std::fmt;

use crate::event::CapturedEvent;

/// A request as the HTTP text holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpMessage {
    pub method: String,
    /// Path and query, as on the request line.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Why a text is not an HTTP message: the line (from 1) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Headers not written: their value follows from the body, which the user may change.
const DERIVED: [&str; 2] = ["content-length", "transfer-encoding"];

impl HttpMessage {
    /// The event as it arrived, its JSON body pretty-printed. Fails for a body that is not
    /// text, or one of which only the first bytes were kept: neither can be edited as it was.
    pub fn from_event(event: &CapturedEvent) -> Result<HttpMessage, String> {
        if event.truncated {
            return Err(format!(
                "#{}: only the first bytes of the body were kept",
                event.id
            ));
        }
        let Ok(text) = std::str::from_utf8(&event.body) else {
            return Err(format!("#{}: the body is binary, not text", event.id));
        };
        let mut target = event.path.to_string();
        if let Some(query) = event.query() {
            target.push('?');
            target.push_str(query);
        }
        let headers = event
            .headers
            .iter()
            .filter(|(name, _)| {
                !DERIVED
                    .iter()
                    .any(|d| d.as_bytes().eq_ignore_ascii_case(name))
            })
            .map(|(name, value)| {
                (
                    String::from_utf8_lossy(name).into_owned(),
                    String::from_utf8_lossy(value).into_owned(),
                )
            })
            .collect();
        Ok(HttpMessage {
            method: event.method.to_string(),
            target,
            headers,
            body: pretty_json(text)
                .unwrap_or_else(|| text.to_owned())
                .into_bytes(),
        })
    }

    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The message as text: `METHOD target HTTP/1.1`, `Name: value` lines, a blank line, the
    /// body and a newline.
    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 256);
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.target.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\n");
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out.push(b'\n');
        out
    }

    /// Reads a message written by [`HttpMessage::write`], or by hand: lines may end in CRLF,
    /// the version on the request line is optional, and the blank line may be left out when
    /// there is no body. The body is every byte after the blank line but the last newline.
    pub fn parse(text: &[u8]) -> Result<HttpMessage, ParseError> {
        let mut lines = Lines {
            rest: text,
            number: 0,
            crlf: false,
        };
        let error = |line: usize, message: String| ParseError { line, message };
        // Blank lines before the request line are forgiven.
        let request = loop {
            match lines.next() {
                None => return Err(error(1, "the file is empty".to_owned())),
                Some(line) if line.iter().all(u8::is_ascii_whitespace) => {}
                Some(line) => break line,
            }
        };
        let request_line = lines.number;
        // The file's lines end as its request line does.
        let crlf = lines.crlf;
        let request = std::str::from_utf8(&request)
            .map_err(|_| error(request_line, "the request line is not UTF-8".to_owned()))?;
        let mut words = request.split_ascii_whitespace();
        let (Some(method), Some(target)) = (words.next(), words.next()) else {
            return Err(error(
                request_line,
                format!("'{request}' is not a request line (METHOD /path HTTP/1.1)"),
            ));
        };
        if !method.bytes().all(is_token) {
            return Err(error(request_line, format!("'{method}' is not a method")));
        }
        if !target.starts_with('/') {
            return Err(error(
                request_line,
                format!("the target '{target}' must be a path that starts with /"),
            ));
        }
        let version = words.next().filter(|word| word.starts_with("HTTP/"));
        let extra = if version.is_some() {
            words.next()
        } else {
            request.split_ascii_whitespace().nth(2)
        };
        if let Some(extra) = extra {
            return Err(error(
                request_line,
                format!("unexpected '{extra}' after the target"),
            ));
        }
        let mut headers = Vec::new();
        while let Some(line) = lines.next() {
            if line.is_empty() {
                break;
            }
            let line_number = lines.number;
            let line = std::str::from_utf8(&line)
                .map_err(|_| error(line_number, "the header is not UTF-8".to_owned()))?;
            let Some((name, value)) = line.split_once(':') else {
                return Err(error(
                    line_number,
                    format!(
                        "'{line}' is not a header (Name: value), nor the blank line before the body"
                    ),
                ));
            };
            if name.is_empty() || !name.bytes().all(is_token) {
                return Err(error(line_number, format!("'{name}' is not a header name")));
            }
            let value = value.trim_matches([' ', '\t']);
            if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
                return Err(error(
                    line_number,
                    format!("the value of {name} holds a control character"),
                ));
            }
            headers.push((name.to_owned(), value.to_owned()));
        }
        // The newline after the body, as the file writes its lines.
        let body = match (lines.rest, crlf) {
            ([body @ .., b'\r', b'\n'], true) | ([body @ .., b'\n'], false) => body,
            (body, _) => body,
        };
        Ok(HttpMessage {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body: body.to_vec(),
        })
    }
}

/// The lines of a message's head, numbered from 1, without their line ends.
struct Lines<'a> {
    rest: &'a [u8],
    number: usize,
    /// The line last read ended in CRLF.
    crlf: bool,
}

impl Lines<'_> {
    fn next(&mut self) -> Option<Vec<u8>> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self
            .rest
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.rest.len());
        let mut line = &self.rest[..end];
        self.rest = self.rest.get(end + 1..).unwrap_or_default();
        self.crlf = false;
        if let [head @ .., b'\r'] = line {
            line = head;
            self.crlf = true;
        }
        self.number += 1;
        Some(line.to_vec())
    }
}

/// A character allowed in a method or a header name (RFC 9110's `tchar`).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The JSON text indented by two spaces, keys, numbers and escapes exactly as they were; `None`
/// when the text is not one JSON value.
pub fn pretty_json(text: &str) -> Option<String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_some_and(|&n| n == '}' || n == ']') {
                    // An empty object or array stays on its line.
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use bytes::Bytes;

    #[test]
    fn an_event_becomes_editable_text_with_its_json_pretty() {
        let event = EventBuilder::new(4)
            .path("/hooks/stripe")
            .query("a=1")
            .header("content-type", "application/json")
            .header("content-length", "33")
            .header("stripe-signature", "t=1,v1=ab")
            .body(Bytes::from_static(
                br#"{"id":"evt_1","n":1.50,"e":{},"l":[1,"a\"]"]}"#,
            ))
            .build();
        let message = HttpMessage::from_event(&event).unwrap();
        assert_eq!(
            String::from_utf8(message.write()).unwrap(),
            "POST /hooks/stripe?a=1 HTTP/1.1\n\
             content-type: application/json\n\
             stripe-signature: t=1,v1=ab\n\
             \n\
             {\n  \"id\": \"evt_1\",\n  \"n\": 1.50,\n  \"e\": {},\n  \"l\": [\n    1,\n    \"a\\\"]\"\n  ]\n}\n"
        );
        let back = HttpMessage::parse(&message.write()).unwrap();
        assert_eq!(back, message);
        let compact: serde_json::Value = serde_json::from_slice(&event.body).unwrap();
        let pretty: serde_json::Value = serde_json::from_slice(&back.body).unwrap();
        assert_eq!(compact, pretty);
    }

    #[test]
    fn writing_then_reading_gives_the_message_back() {
        let cases = [
            HttpMessage {
                method: "PUT".into(),
                target: "/x?y=%20".into(),
                headers: vec![
                    ("X-A".into(), "1".into()),
                    ("x-a".into(), "two words".into()),
                ],
                body: b"line one\r\nline two\n\n".to_vec(),
            },
            HttpMessage {
                method: "GET".into(),
                target: "/".into(),
                headers: vec![],
                body: Vec::new(),
            },
        ];
        for message in cases {
            assert_eq!(HttpMessage::parse(&message.write()).unwrap(), message);
        }
    }

    #[test]
    fn hand_written_files_are_read_leniently() {
        let message =
            HttpMessage::parse(b"\r\nPOST /a\r\nContent-Type:  text/plain \r\n\r\nhi\r\n").unwrap();
        assert_eq!(message.method, "POST");
        assert_eq!(message.target, "/a");
        assert_eq!(message.header("content-type"), Some("text/plain"));
        assert_eq!(message.body, b"hi");
        let headers_only = HttpMessage::parse(b"DELETE /b HTTP/1.1\nX-A: 1").unwrap();
        assert_eq!(
            (headers_only.headers.len(), headers_only.body.len()),
            (1, 0)
        );
    }

    #[test]
    fn malformed_files_are_refused_with_their_line() {
        let cases: [(&[u8], usize, &str); 7] = [
            (b"", 1, "empty"),
            (b"\n\n  \n", 1, "empty"),
            (b"POST\n", 1, "not a request line"),
            (b"\nPOST hooks\n", 2, "must be a path"),
            (b"POST /a HTTP/1.1 extra\n", 1, "unexpected 'extra'"),
            (
                b"POST /a\nX-Ok: 1\nno colon here\n\nbody",
                3,
                "not a header",
            ),
            (b"POST /a\nBad Name: 1\n", 2, "not a header name"),
        ];
        for (text, line, words) in cases {
            let error = HttpMessage::parse(text).unwrap_err();
            assert_eq!(error.line, line, "{error}");
            assert!(error.to_string().contains(words), "{error}");
        }
        let error = HttpMessage::parse(b"GE\xffT /\n").unwrap_err();
        assert_eq!(error.line, 1);
        let error = HttpMessage::parse(b"GET /\nX: a\x01b\n").unwrap_err();
        assert_eq!(error.line, 2);
    }

    #[test]
    fn binary_and_truncated_bodies_cannot_be_edited() {
        let binary = EventBuilder::new(2)
            .body(Bytes::from_static(b"\xff\xfe"))
            .build();
        assert!(
            HttpMessage::from_event(&binary)
                .unwrap_err()
                .contains("binary")
        );
        let cut = EventBuilder::new(3).truncated(true).build();
        assert!(
            HttpMessage::from_event(&cut)
                .unwrap_err()
                .contains("first bytes")
        );
    }

    #[test]
    fn text_that_is_not_json_is_kept_as_it_is() {
        assert_eq!(pretty_json("a=1&b=2"), None);
        assert_eq!(pretty_json("{\"a\":1} x"), None);
        assert_eq!(pretty_json("[ ]").as_deref(), Some("[]"));
        assert_eq!(pretty_json("\"{,}\"").as_deref(), Some("\"{,}\""));
    }
}
