//! "Copy as curl": a captured request as a POSIX shell command that sends it again, and the
//! OSC 52 sequence that puts text on the clipboard of the terminal in front of the user — over
//! SSH too.
//!
//! The command must send exactly the captured bytes, whatever they are, and a webhook's bytes
//! must never run as shell: every word is single-quoted, or built by `printf` from octal escapes
//! when it holds bytes that are not plain text (so the clipboard never carries raw control or
//! invisible characters either). A body goes inline only when it is short plain text that curl
//! cannot take for a file name (`@…`); any other body is base64, decoded by `base64 -d` and read
//! by curl from its standard input. `userToken` values are masked unless the user revealed them.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;

use crate::event::CapturedEvent;
use crate::sanitize;
use crate::ui::mask;

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

/// Bodies up to this size may go inline; a command line word must stay well under the kernel's
/// 128 KiB limit for one argument.
const INLINE_MAX: usize = 32 * 1024;

/// A generated command, and whether `userToken` values in it were masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl {
    pub text: String,
    pub masked: bool,
}

/// Where a copied request goes and what it carries: the URL (the event's path and query on
/// `base`) and the body, `userToken` values masked unless `reveal`, and whether any were.
pub(crate) struct Target<'a> {
    pub url: String,
    pub body: Cow<'a, [u8]>,
    pub masked: bool,
}

pub(crate) fn target<'a>(event: &'a CapturedEvent, base: &str, reveal: bool) -> Target<'a> {
    let mut masked = false;
    let mut url = format!("{}{}", base.trim_end_matches('/'), event.path);
    if let Some(query) = event.query() {
        let query = if reveal {
            Cow::Borrowed(query)
        } else {
            mask::query(query)
        };
        masked |= matches!(query, Cow::Owned(_));
        url.push('?');
        url.push_str(&query);
    }
    let body = if reveal {
        Cow::Borrowed(&event.body[..])
    } else {
        mask::body(event)
    };
    masked |= matches!(body, Cow::Owned(_));
    Target { url, body, masked }
}

/// A `curl` command line that repeats `event` against `base` (`http://127.0.0.1:8765`), with
/// `userToken` values masked unless `reveal`.
pub fn command(event: &CapturedEvent, base: &str, reveal: bool) -> Curl {
    let Target {
        url,
        body,
        mut masked,
    } = target(event, base, reveal);

    let mut parts = vec!["curl".to_owned()];
    // Without these, curl would expand `[1]` and `{a,b}` in the URL and fold `/../`.
    if url.contains(['[', ']', '{', '}']) {
        parts.push("--globoff".to_owned());
    }
    if has_dot_segment(&event.path) {
        parts.push("--path-as-is".to_owned());
    }
    parts.push("-X".to_owned());
    parts.push(word(event.method.as_bytes()));
    parts.push(word(url.as_bytes()));
    for (name, value) in event.headers.iter() {
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        if SKIPPED_HEADERS.contains(&lower.as_str()) {
            continue;
        }
        let value = if !reveal && mask::is_secret_header(name) {
            masked = true;
            mask::MASK.as_bytes()
        } else {
            value
        };
        let mut header = name.to_vec();
        if value.is_empty() {
            // `name:` would tell curl to drop the header; `name;` sends it empty.
            header.push(b';');
        } else {
            header.extend_from_slice(b": ");
            header.extend_from_slice(value);
        }
        parts.push("-H".to_owned());
        parts.push(word(&header));
    }
    let mut pipe = String::new();
    if !body.is_empty() {
        // Headers curl would add of its own and that the request did not carry.
        for (name, when) in [("Content-Type", true), ("Expect", body.len() > 1024)] {
            if when && event.headers.get(name).is_none() {
                parts.push("-H".to_owned());
                parts.push(format!("'{name}:'"));
            }
        }
        parts.push("--data-binary".to_owned());
        match inline_text(&body) {
            Some(text) => parts.push(word(text.as_bytes())),
            None => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(&body);
                pipe = format!("printf '%s' '{encoded}' | base64 -d | ");
                parts.push("@-".to_owned());
            }
        }
    }
    Curl {
        text: pipe + &parts.join(" "),
        masked,
    }
}

/// The body as text when it can go inline as one quoted word: short, printable, and not read
/// by curl as a file name (`@file`).
fn inline_text(body: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(body).ok()?;
    (body.len() <= INLINE_MAX && !text.starts_with('@') && is_plain(text)).then_some(text)
}

/// Text that can be shown and pasted as it is: no control, invisible or bidi character.
fn is_plain(text: &str) -> bool {
    matches!(sanitize::escape(text), Cow::Borrowed(_)) && !text.contains(char::is_control)
}

/// Whether a path has a `.` or `..` segment, which curl would resolve away.
pub(crate) fn has_dot_segment(path: &str) -> bool {
    path.split('/')
        .any(|segment| segment == "." || segment == "..")
}

/// One POSIX shell word that gives exactly `bytes`: single quotes around plain text, else
/// `"$(printf '…')"` with octal escapes for every byte that is not printable ASCII. (No argument
/// can hold a NUL, and `$(…)` drops trailing newlines; neither occurs in a method, a URL or a
/// header that came over HTTP.)
pub fn word(bytes: &[u8]) -> String {
    if let Some(text) = std::str::from_utf8(bytes).ok().filter(|t| is_plain(t)) {
        return format!("'{}'", text.replace('\'', r"'\''"));
    }
    let mut format = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        match b {
            b'\\' => format.push_str(r"\\"),
            b'%' => format.push_str("%%"),
            b'\'' => format.push_str(r"'\''"),
            0x20..=0x7e => format.push(b as char),
            _ => {
                let _ = write!(format, "\\{b:03o}");
            }
        }
    }
    format!("\"$(printf '{format}')\"")
}

/// The OSC 52 sequence that asks the terminal to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use bytes::Bytes;

    fn event(body: &'static [u8]) -> CapturedEvent {
        EventBuilder::new(1)
            .path("/hooks/x")
            .query("a=1&b='2'")
            .header("host", "example.test")
            .header("content-type", "application/json")
            .header("x-evil", "$(rm -rf ~)")
            .header("content-length", "2")
            .body(Bytes::from_static(body))
            .build()
    }

    #[test]
    fn everything_is_quoted() {
        let cmd = command(&event(b"{\"it's\":1}"), "http://127.0.0.1:8765/", true).text;
        assert_eq!(
            cmd,
            "curl -X 'POST' 'http://127.0.0.1:8765/hooks/x?a=1&b='\\''2'\\''' \
             -H 'content-type: application/json' -H 'x-evil: $(rm -rf ~)' \
             --data-binary '{\"it'\\''s\":1}'"
        );
    }

    #[test]
    fn bytes_that_are_not_plain_text_are_built_by_printf() {
        assert_eq!(
            word(b"a\nb\x1b[2J\xff'\\%"),
            r#""$(printf 'a\012b\033[2J\377'\''\\%%')""#
        );
        assert_eq!(
            word("evil\u{202e}".as_bytes()),
            r#""$(printf 'evil\342\200\256')""#
        );
        assert_eq!(word(b""), "''");
        assert_eq!(word(b"it's $HOME"), r"'it'\''s $HOME'");
    }

    #[test]
    fn bodies_that_curl_would_read_as_a_file_or_that_are_not_text_go_through_base64() {
        for body in [&b"@/etc/hostname"[..], b"a\0b", b"line\n", b"\xff"] {
            let cmd = command(&event(body), "http://h", true).text;
            assert!(cmd.starts_with("printf '%s' '"), "{cmd}");
            assert!(cmd.ends_with(" --data-binary @-"), "{cmd}");
        }
        let cmd = command(&event(b"plain"), "http://h", true).text;
        assert!(cmd.ends_with(" --data-binary 'plain'"), "{cmd}");
    }

    #[test]
    fn the_words_run_in_a_real_posix_shell() {
        // Whatever the bytes, `sh` must hand them to the program unchanged.
        let payloads: [&[u8]; 6] = [
            b"plain",
            b"it's $HOME `id`",
            b"a\nb\x01\xff\\",
            b"\"q\"",
            b"100% %s \\n",
            "Zo\u{eb} \u{202e}".as_bytes(),
        ];
        for payload in payloads {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", word(payload)))
                .output()
                .expect("sh runs");
            assert_eq!(out.stdout, payload);
        }
    }

    #[test]
    fn osc52_wraps_base64() {
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
