//! A captured request written as a plain HTTP/1.1 message: the request line, the headers in
//! order, a blank line and the body, written by the same writer as `E` and `export-http`, so
//! that `hookscope send FILE.http` reads it back to the same request.
//!
//! The message is text for a clipboard, a popup and a file, so it is written only when every
//! byte is plain text (no control, invisible or bidi character, no byte that is not UTF-8):
//! a message that shows what it is not would not send the captured bytes again. `userToken`
//! values are masked unless the user revealed them.

use std::borrow::Cow;

use crate::event::CapturedEvent;
use crate::export::http_text::HttpMessage;
use crate::ui::mask;

/// A written message or body, and whether `userToken` values in it were masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpText {
    pub text: String,
    pub masked: bool,
}

/// Why a request cannot be written as plain text.
pub const NOT_PLAIN: &str = "holds bytes that are not plain text";

/// Text that can be shown and pasted as it is: UTF-8 with no control, invisible or bidi
/// character other than the line breaks and tabs a message may hold.
pub fn plain(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    let shown = text
        .split(['\n', '\t'])
        .map(|piece| piece.strip_suffix('\r').unwrap_or(piece))
        .all(|piece| {
            matches!(crate::sanitize::escape(piece), Cow::Borrowed(_))
                && !piece.contains(char::is_control)
        });
    shown.then_some(text)
}

/// The request as an HTTP/1.1 message in the form `hookscope send` reads (lines end in `\n`;
/// the body is as captured, then one newline that reading takes off), or why it cannot be
/// written as text.
pub fn message(event: &CapturedEvent, reveal: bool) -> Result<HttpText, String> {
    let mut masked = false;
    let mut target = event.path.to_string();
    if let Some(query) = event.query() {
        let query = if reveal {
            Cow::Borrowed(query)
        } else {
            mask::query(query)
        };
        masked |= matches!(query, Cow::Owned(_));
        target.push('?');
        target.push_str(&query);
    }
    if plain(target.as_bytes()).is_none_or(|t| t.contains(['\n', '\t', ' '])) {
        return Err(format!("the path {NOT_PLAIN}"));
    }
    let mut headers = Vec::with_capacity(event.headers.len());
    for (name, value) in event.headers.iter() {
        let value = if !reveal && mask::is_secret_header(name) {
            masked = true;
            mask::MASK.as_bytes()
        } else {
            value
        };
        let (Some(name), Some(value)) = (plain(name), plain(value)) else {
            return Err(format!("a header {NOT_PLAIN}"));
        };
        if name.contains(['\n', '\t']) || value.contains('\n') {
            return Err(format!("a header {NOT_PLAIN}"));
        }
        headers.push((name.to_owned(), value.to_owned()));
    }
    let body = body(event, reveal)?;
    masked |= body.masked;
    let written = HttpMessage {
        method: event.method.to_string(),
        target,
        headers,
        body: body.text.into_bytes(),
    }
    .write();
    // Every piece was checked to be plain text above.
    let text = String::from_utf8(written).map_err(|_| format!("the request {NOT_PLAIN}"))?;
    Ok(HttpText { text, masked })
}

/// The body alone, or why it cannot be written as text.
pub fn body(event: &CapturedEvent, reveal: bool) -> Result<HttpText, String> {
    let body = if reveal {
        Cow::Borrowed(&event.body[..])
    } else {
        mask::body(event)
    };
    let masked = matches!(body, Cow::Owned(_));
    match plain(&body) {
        Some(text) => Ok(HttpText {
            text: text.to_owned(),
            masked,
        }),
        None => Err(format!("the body {NOT_PLAIN}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use bytes::Bytes;

    fn event(body: &'static [u8]) -> CapturedEvent {
        EventBuilder::new(4)
            .method("POST")
            .path("/hooks/wms")
            .query("a=1&userToken=abc")
            .header("Host", "example.test")
            .header("Content-Type", "application/json")
            .header("X-Empty", "")
            .body(Bytes::from_static(body))
            .build()
    }

    #[test]
    fn a_request_is_written_as_a_message() {
        let written = message(&event(b"{\"userToken\":\"secret\",\"n\":1}\n"), false).unwrap();
        insta::assert_snapshot!(written.text, @r#"
        POST /hooks/wms?a=1&userToken=•••• HTTP/1.1
        Host: example.test
        Content-Type: application/json
        X-Empty: 

        {"userToken":"••••","n":1}

        "#);
        assert!(written.masked);
        let revealed = message(&event(b"{}"), true).unwrap();
        assert!(revealed.text.contains("userToken=abc"));
        assert!(revealed.text.ends_with("\n\n{}\n"));
        assert!(!revealed.masked);
    }

    /// What is copied as raw HTTP and saved to a file sends the same bytes again with
    /// `hookscope send`: the body is read back exactly, a final newline of its own included.
    #[test]
    fn a_copied_message_reads_back_as_the_request_it_was() {
        for body in [&b"{\"n\":1}"[..], b"{\"n\":1}\n", b"line\r\n", b"", b"\n\n"] {
            let ev = EventBuilder::new(2)
                .method("PUT")
                .path("/a")
                .query("b=1")
                .header("X-Sig", "v1=abc")
                .body(Bytes::copy_from_slice(body))
                .build();
            let copied = message(&ev, true).unwrap();
            let back = HttpMessage::parse(copied.text.as_bytes()).unwrap();
            assert_eq!(back.body, body, "{:?}", copied.text);
            assert_eq!(
                (back.method.as_str(), back.target.as_str()),
                ("PUT", "/a?b=1")
            );
            assert_eq!(back.header("x-sig"), Some("v1=abc"));
        }
    }

    #[test]
    fn bytes_that_are_not_plain_text_are_refused_not_shown_otherwise() {
        for bad in [&b"\xff\x00"[..], b"a\x1b[2Jb", "evil\u{202e}".as_bytes()] {
            let ev = EventBuilder::new(1)
                .body(Bytes::copy_from_slice(bad))
                .build();
            assert_eq!(
                body(&ev, true).unwrap_err(),
                "the body holds bytes that are not plain text"
            );
            assert!(message(&ev, true).is_err());
        }
        let ev = EventBuilder::new(1)
            .header("x-bin", b"\xff".as_slice())
            .build();
        assert!(message(&ev, true).unwrap_err().starts_with("a header"));
        // Tabs and line breaks are text.
        let ev = EventBuilder::new(1)
            .body(Bytes::from_static(b"a\tb\r\nc\n"))
            .build();
        assert_eq!(body(&ev, true).unwrap().text, "a\tb\r\nc\n");
    }
}
