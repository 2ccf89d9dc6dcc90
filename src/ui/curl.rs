//! "Copy as curl": a captured request as a shell command that sends it again, every part
//! shell-quoted (a webhook's bytes must never run as shell), and the OSC 52 sequence that puts
//! text on the clipboard of the terminal in front of the user — over SSH too.

use base64::Engine as _;

use crate::event::CapturedEvent;

/// Headers that describe one connection or that curl computes itself.
const SKIPPED_HEADERS: [&str; 8] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "proxy-connection",
];

/// A `curl` command line that repeats `event` against `base` (`http://127.0.0.1:8765`).
pub fn command(event: &CapturedEvent, base: &str) -> String {
    let mut url = format!("{}{}", base.trim_end_matches('/'), event.path);
    if let Some(query) = &event.query {
        url.push('?');
        url.push_str(query);
    }
    let mut parts = vec![
        "curl".to_owned(),
        "-X".to_owned(),
        quote(event.method.as_bytes()),
        quote(url.as_bytes()),
    ];
    for (name, value) in event.headers.iter() {
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        if SKIPPED_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        let mut header = name.to_vec();
        header.extend_from_slice(b": ");
        header.extend_from_slice(value);
        parts.push("-H".to_owned());
        parts.push(quote(&header));
    }
    if !event.body.is_empty() {
        parts.push("--data-binary".to_owned());
        parts.push(quote(&event.body));
    }
    parts.join(" ")
}

/// One shell word for `bytes`: plain single quotes when the bytes are printable text, bash's
/// `$'…'` quoting with `\xNN` escapes otherwise (newlines, control bytes, invalid UTF-8).
pub fn quote(bytes: &[u8]) -> String {
    let printable = std::str::from_utf8(bytes)
        .ok()
        .filter(|text| !text.chars().any(char::is_control));
    if let Some(text) = printable {
        return format!("'{}'", text.replace('\'', r"'\''"));
    }
    let mut out = String::from("$'");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str(r"\\"),
                '\'' => out.push_str(r"\'"),
                '\n' => out.push_str(r"\n"),
                '\t' => out.push_str(r"\t"),
                '\r' => out.push_str(r"\r"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('\'');
    out
}

/// The OSC 52 sequence that asks the terminal to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Analysis, HeaderList, HttpVersion, ResponseInfo};
    use bytes::Bytes;
    use chrono::Utc;

    fn event(body: &'static [u8]) -> CapturedEvent {
        CapturedEvent {
            id: 1,
            received_at: Utc::now(),
            remote_addr: "127.0.0.1:1".into(),
            http_version: HttpVersion::Http11,
            method: "POST".into(),
            path: "/hooks/x".into(),
            query: Some("a=1&b='2'".into()),
            headers: HeaderList::from_pairs([
                (&b"host"[..], &b"example.test"[..]),
                (b"content-type", b"application/json"),
                (b"x-evil", b"$(rm -rf ~)"),
                (b"content-length", b"2"),
            ]),
            body: Bytes::from_static(body),
            body_size: body.len() as u64,
            truncated: false,
            analysis: Analysis::default(),
            response: ResponseInfo::local(200, 0.0),
        }
    }

    #[test]
    fn everything_is_quoted() {
        let cmd = command(&event(b"{\"it's\":1}"), "http://127.0.0.1:8765/");
        assert_eq!(
            cmd,
            "curl -X 'POST' 'http://127.0.0.1:8765/hooks/x?a=1&b='\\''2'\\''' \
             -H 'content-type: application/json' -H 'x-evil: $(rm -rf ~)' \
             --data-binary '{\"it'\\''s\":1}'"
        );
    }

    #[test]
    fn binary_bodies_use_ansi_c_quoting() {
        assert_eq!(quote(b"a\nb\x1b[2J\xff'\\"), r"$'a\nb\x1b[2J\xff\'\\'");
        assert_eq!(quote(b""), "''");
    }

    #[test]
    fn the_command_runs_in_a_real_shell() {
        // Whatever the bytes, the shell must hand them to the program unchanged.
        let payloads: [&[u8]; 4] = [b"plain", b"it's $HOME `id`", b"a\nb\x01\xff\\", b"\"q\""];
        for payload in payloads {
            let Ok(out) = std::process::Command::new("bash")
                .arg("-c")
                .arg(format!("printf %s {}", quote(payload)))
                .output()
            else {
                return; // no bash here: the quoting is still covered above
            };
            assert_eq!(out.stdout, payload);
        }
    }

    #[test]
    fn osc52_wraps_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
