//! Copying an event: as a curl command, an HTTPie command, a plain HTTP message or its body
//! alone, and the OSC 52 sequence that carries the text to the clipboard, wrapped for tmux and
//! GNU screen, which otherwise keep it to themselves (tmux by default, `set-clipboard external`).
//!
//! Each format keeps the guarantees of the curl copy: what it sends is the captured bytes, a
//! webhook's bytes never run as shell, and `userToken` values are masked unless revealed.

use base64::Engine as _;

use crate::event::CapturedEvent;
use crate::ui::action::CopyFormat;
use crate::ui::curl;
use crate::ui::http_text::{self, HttpText};
use crate::ui::mask;

/// Headers that describe one connection or that HTTPie computes itself.
const HTTPIE_SKIPPED: [&str; 5] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
];

/// Bodies up to this size may go inline in a command.
const INLINE_MAX: usize = 32 * 1024;

/// `event` in `format`, against `base` (`http://127.0.0.1:8765`) for the commands, or why the
/// format cannot hold it.
pub fn format(
    event: &CapturedEvent,
    format: CopyFormat,
    base: &str,
    reveal: bool,
) -> Result<HttpText, String> {
    match format {
        CopyFormat::Curl => {
            let command = curl::command(event, base, reveal);
            Ok(HttpText {
                text: command.text,
                masked: command.masked,
            })
        }
        CopyFormat::Httpie => httpie(event, base, reveal),
        CopyFormat::Http => http_text::message(event, reveal),
        CopyFormat::Body => http_text::body(event, reveal),
    }
}

/// An HTTPie command (`http`) that repeats `event`: headers as `'Name:value'` words (an empty
/// one as `'Name;'`), the body inline with `--raw` when it is short plain text, else through
/// base64 on standard input. Standard input is otherwise ignored (`--ignore-stdin`), or a
/// script or a pipe would hand HTTPie a second body. HTTPie's own defaults that change what the
/// receiver reads are unset when the request did not carry them: `Content-Type` (HTTPie says
/// JSON for any body) and `Accept`; its `User-Agent` and `Accept-Encoding` stay, as curl's do.
/// A path with `.` or `..` segments keeps them (`--path-as-is`).
///
/// HTTPie reads `:`, `;`, `=` and `@` after a backslash as those characters: a value that
/// begins with `=` or `@` (which would make `Name:=…` a JSON field, `Name:@…` a file) gets
/// that character escaped, and a value with a backslash before one of them, which HTTPie
/// would drop, cannot be written. Nor can what HTTPie would change on the way: a method that
/// is not upper-case letters (it upper-cases it, or takes it for the URL), a path or query
/// that its URL handling re-encodes (see [`url_kept`]), a header value that is not UTF-8.
pub fn httpie(event: &CapturedEvent, base: &str, reveal: bool) -> Result<HttpText, String> {
    if event.method.is_empty() || !event.method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("HTTPie sends only methods of upper-case letters".to_owned());
    }
    if let Err(why) = url_kept(&event.path, event.query()) {
        return Err(format!("HTTPie would re-encode {why}"));
    }
    let curl::Target {
        url,
        body,
        mut masked,
    } = curl::target(event, base, reveal);
    let inline = (!body.is_empty())
        .then(|| http_text::plain(&body).filter(|t| t.len() <= INLINE_MAX && !t.contains('\n')))
        .flatten();
    let mut parts = vec!["http".to_owned()];
    // Only a body piped in is read from standard input.
    if body.is_empty() || inline.is_some() {
        parts.push("--ignore-stdin".to_owned());
    }
    if curl::has_dot_segment(&event.path) {
        parts.push("--path-as-is".to_owned());
    }
    parts.push(curl::word(event.method.as_bytes()));
    parts.push(curl::word(url.as_bytes()));
    for (name, value) in event.headers.iter() {
        let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
        if HTTPIE_SKIPPED.contains(&lower.as_str()) {
            continue;
        }
        let value = if !reveal && mask::is_secret_header(name) {
            masked = true;
            mask::MASK.as_bytes()
        } else {
            value
        };
        const SPECIAL: &[u8] = b":;=@";
        if name.iter().any(|b| SPECIAL.contains(b) || *b == b'\\') {
            return Err("a header name holds a character HTTPie reads as a separator".to_owned());
        }
        if value
            .windows(2)
            .any(|pair| pair[0] == b'\\' && SPECIAL.contains(&pair[1]))
        {
            return Err("a header value has a backslash that HTTPie would drop".to_owned());
        }
        if std::str::from_utf8(value).is_err() {
            return Err("a header value is not UTF-8, which HTTPie cannot send".to_owned());
        }
        let mut item = name.to_vec();
        if value.is_empty() {
            item.push(b';');
        } else {
            item.push(b':');
            if matches!(value.first(), Some(b'=' | b'@')) {
                item.push(b'\\');
            }
            item.extend_from_slice(value);
        }
        parts.push(curl::word(&item));
    }
    // `Name:` unsets one of HTTPie's defaults.
    if !body.is_empty() && event.headers.get("content-type").is_none() {
        parts.push("'Content-Type:'".to_owned());
    }
    if event.headers.get("accept").is_none() {
        parts.push("'Accept:'".to_owned());
    }
    let mut pipe = String::new();
    match inline {
        Some(text) => parts.push(format!("--raw={}", curl::word(text.as_bytes()))),
        None if !body.is_empty() => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(&body);
            pipe = format!("printf '%s' '{encoded}' | base64 -d | ");
        }
        None => {}
    }
    Ok(HttpText {
        text: pipe + &parts.join(" "),
        masked,
    })
}

/// Whether HTTPie sends `path` and `query` as they are. It builds the request line through
/// requests and urllib3, which percent-encode what is not allowed unencoded in a URL, decode
/// an escape of an unreserved character (`%41` to `A`), upper-case escapes and drop an empty
/// query; what passes all of that is letters, digits, `-._~!$&'()*+,;=:@/` (and `?` in the
/// query), and upper-case escapes of other bytes. Otherwise, which part would change.
pub fn url_kept(path: &str, query: Option<&str>) -> Result<(), &'static str> {
    fn kept(part: &str, extra: &[u8]) -> bool {
        let bytes = part.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'%' {
                let hex = |at: usize| {
                    bytes
                        .get(at)
                        .filter(|h| h.is_ascii_digit() || (b'A'..=b'F').contains(h))
                        .map(|h| (*h as char).to_digit(16).unwrap_or(0) as u8)
                };
                let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2)) else {
                    return false;
                };
                let decoded = high * 16 + low;
                if decoded.is_ascii_alphanumeric() || b"-._~".contains(&decoded) {
                    return false;
                }
                i += 3;
                continue;
            }
            if !(b.is_ascii_alphanumeric()
                || b"-._~!$&'()*+,;=:@/".contains(&b)
                || extra.contains(&b))
            {
                return false;
            }
            i += 1;
        }
        true
    }
    if !kept(path, b"") {
        return Err("the path");
    }
    match query {
        Some("") => Err("the empty query"),
        Some(query) if !kept(query, b"?") => Err("the query"),
        _ => Ok(()),
    }
}

/// The name `w` offers for a copy of event `id`: `hookscope-7.curl.sh`, `hookscope-7.httpie.sh`,
/// `hookscope-7.http`, and for the body `hookscope-7.json` when it is JSON, else `.txt`.
pub fn file_name(id: u64, format: CopyFormat, json_body: bool) -> String {
    let extension = match format {
        CopyFormat::Body if json_body => "json",
        _ => format.extension(),
    };
    format!("hookscope-{id}.{extension}")
}

/// Which terminal multiplexer stands between hookscope and the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Multiplexer {
    None,
    /// `$TMUX` is set.
    Tmux,
    /// `$STY` is set.
    Screen,
}

impl Multiplexer {
    /// From the environment: tmux sets `TMUX`, GNU screen sets `STY`.
    pub fn detect(env: impl Fn(&str) -> Option<String>) -> Multiplexer {
        let set = |name| env(name).is_some_and(|v| !v.is_empty());
        if set("TMUX") {
            Multiplexer::Tmux
        } else if set("STY") {
            Multiplexer::Screen
        } else {
            Multiplexer::None
        }
    }
}

/// Chunk of a sequence that GNU screen passes through in one DCS (it caps a DCS's length).
const SCREEN_CHUNK: usize = 76;

/// The OSC 52 sequence for `text`, wrapped so that `multiplexer` passes it on to the terminal:
/// tmux takes `ESC P tmux; … ESC \` with every ESC inside doubled (passed on by tmux before
/// 3.3, and by later ones with `allow-passthrough on`), preceded by the bare sequence, which
/// tmux itself takes with `set-clipboard on`; screen takes `ESC P … ESC \` in short pieces.
pub fn clipboard_sequence(text: &str, multiplexer: Multiplexer) -> String {
    let osc = curl::osc52(text);
    match multiplexer {
        Multiplexer::None => osc,
        Multiplexer::Tmux => format!("{osc}\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b")),
        Multiplexer::Screen => {
            // The sequence is ASCII (ESC, `]52;c;`, base64, BEL): any byte is a char boundary.
            let mut out = String::with_capacity(osc.len() + osc.len() / SCREEN_CHUNK * 4 + 4);
            for chunk in osc.as_bytes().chunks(SCREEN_CHUNK) {
                out.push_str("\x1bP");
                out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
                out.push_str("\x1b\\");
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use bytes::Bytes;

    fn event(body: &'static [u8]) -> CapturedEvent {
        EventBuilder::new(7)
            .method("POST")
            .path("/hooks/x")
            .query("a=1&userToken=abc")
            .header("host", "example.test")
            .header("content-type", "application/json")
            .header("x-evil", "$(rm -rf ~)")
            .header("x-empty", "")
            .body(Bytes::from_static(body))
            .build()
    }

    #[test]
    fn httpie_commands_quote_every_word_and_mask_tokens() {
        let command = httpie(
            &event(b"{\"userToken\":\"t\",\"it's\":1}"),
            "http://h:1",
            false,
        )
        .unwrap();
        insta::assert_snapshot!(command.text, @r#"http --ignore-stdin 'POST' 'http://h:1/hooks/x?a=1&userToken=••••' 'content-type:application/json' 'x-evil:$(rm -rf ~)' 'x-empty;' 'Accept:' --raw='{"userToken":"••••","it'\''s":1}'"#);
        assert!(command.masked);
        let binary = httpie(&event(b"\xff\x00"), "http://h:1", true).unwrap();
        insta::assert_snapshot!(binary.text, @"printf '%s' '/wA=' | base64 -d | http 'POST' 'http://h:1/hooks/x?a=1&userToken=abc' 'content-type:application/json' 'x-evil:$(rm -rf ~)' 'x-empty;' 'Accept:'");
        assert!(!binary.masked);
        let get = httpie(
            &EventBuilder::new(1).method("GET").path("/v").build(),
            "http://h",
            true,
        )
        .unwrap();
        assert_eq!(get.text, "http --ignore-stdin 'GET' 'http://h/v' 'Accept:'");
        // Values HTTPie would read as a JSON field or a file are escaped; a backslash it would
        // drop refuses the format.
        let odd = EventBuilder::new(1)
            .header("x-a", "=1")
            .header("x-b", "@file")
            .header("x-c", "a:b=c\\d")
            .build();
        let text = httpie(&odd, "http://h", true).unwrap().text;
        assert!(
            text.contains(r"'x-a:\=1' 'x-b:\@file' 'x-c:a:b=c\d'"),
            "{text}"
        );
        let dropped = EventBuilder::new(1).header("x-a", "a\\=b").build();
        assert!(httpie(&dropped, "http://h", true).is_err());
        let named = EventBuilder::new(1).header("a=b", "1").build();
        assert!(httpie(&named, "http://h", true).is_err());
    }

    #[test]
    fn httpie_unsets_its_defaults_and_refuses_what_it_would_change() {
        // A body without a content type: HTTPie would call it JSON.
        let bare = EventBuilder::new(1)
            .method("POST")
            .path("/p/../q")
            .body(Bytes::from_static(b"hi"))
            .build();
        let text = httpie(&bare, "http://h", true).unwrap().text;
        assert_eq!(
            text,
            "http --ignore-stdin --path-as-is 'POST' 'http://h/p/../q' 'Content-Type:' 'Accept:' --raw='hi'"
        );
        // An Accept the request had is sent as it was, and not unset.
        let accepting = EventBuilder::new(1)
            .method("GET")
            .header("accept", "*/*")
            .build();
        let text = httpie(&accepting, "http://h", true).unwrap().text;
        assert!(text.ends_with("'accept:*/*'"), "{text}");
        for (method, path, query, refused) in [
            ("post", "/", None, true),
            ("M-SEARCH", "/", None, true),
            ("PURGE", "/", None, false),
            ("GET", "/a{b}", None, true),
            ("GET", "/a%41", None, true),
            (
                "GET",
                "/a%2F;b=c:d@e!$&'()*+,",
                Some("x=%E2%80%A2&y=?/:@"),
                false,
            ),
            ("GET", "/", Some("k=%41"), true),
            ("GET", "/", Some("k=%e2"), true),
            ("GET", "/", Some("k=%zz"), true),
            ("GET", "/", Some("k=%2"), true),
            ("GET", "/", Some("v=[1]"), true),
            ("GET", "/", Some("v=a b"), true),
            ("GET", "/", Some(""), true),
        ] {
            let mut built = EventBuilder::new(1).method(method).path(path);
            if let Some(query) = query {
                built = built.query(query);
            }
            let result = httpie(&built.build(), "http://h", true);
            assert_eq!(
                result.is_err(),
                refused,
                "{method} {path} {query:?}: {result:?}"
            );
        }
        let latin1 = EventBuilder::new(1)
            .header("x-a", b"caf\xe9".as_slice())
            .build();
        assert!(httpie(&latin1, "http://h", true).is_err());
    }

    #[test]
    fn every_format_masks_tokens_unless_revealed() {
        let ev = event(b"{\"userToken\":\"secret-token\"}");
        for format in CopyFormat::ALL {
            let masked = super::format(&ev, format, "http://h", false).unwrap();
            assert!(masked.masked, "{format:?}");
            assert!(!masked.text.contains("secret-token"), "{format:?}");
            let shown = super::format(&ev, format, "http://h", true).unwrap();
            assert!(shown.text.contains("secret-token"), "{format:?}");
        }
        assert_eq!(file_name(7, CopyFormat::Curl, true), "hookscope-7.curl.sh");
        assert_eq!(
            file_name(7, CopyFormat::Httpie, true),
            "hookscope-7.httpie.sh"
        );
        assert_eq!(file_name(7, CopyFormat::Http, true), "hookscope-7.http");
        assert_eq!(file_name(7, CopyFormat::Body, true), "hookscope-7.json");
        assert_eq!(file_name(7, CopyFormat::Body, false), "hookscope-7.txt");
    }

    #[test]
    fn httpie_bodies_reach_the_program_byte_for_byte_through_a_real_shell() {
        // The body part of the command, run by `sh` with `http` standing in as a function that
        // prints its `--raw=` word, or what comes on its standard input.
        for body in [
            &b"plain"[..],
            b"it's $HOME `id`",
            b"a\nb\x01\xff\\",
            b"100% %s",
        ] {
            let ev = EventBuilder::new(1)
                .body(Bytes::copy_from_slice(body))
                .build();
            let command = httpie(&ev, "http://h", true).unwrap().text;
            let script = format!(
                "http() {{ for a in \"$@\"; do case \"$a\" in --raw=*) printf %s \"${{a#--raw=}}\"; return;; esac; done; cat; }}; {command}"
            );
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(script)
                .output()
                .expect("sh runs");
            assert_eq!(out.stdout, body, "{command}");
        }
    }

    #[test]
    fn the_clipboard_sequence_is_wrapped_for_tmux_and_screen() {
        assert_eq!(
            clipboard_sequence("hi", Multiplexer::None),
            "\x1b]52;c;aGk=\x07"
        );
        assert_eq!(
            clipboard_sequence("hi", Multiplexer::Tmux),
            "\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
        assert_eq!(
            clipboard_sequence("hi", Multiplexer::Screen),
            "\x1bP\x1b]52;c;aGk=\x07\x1b\\"
        );
        let long = "x".repeat(200);
        let screen = clipboard_sequence(&long, Multiplexer::Screen);
        let pieces: Vec<&str> = screen.split("\x1b\\").filter(|p| !p.is_empty()).collect();
        assert!(pieces.len() > 1);
        assert!(
            pieces
                .iter()
                .all(|p| p.starts_with("\x1bP") && p.len() <= SCREEN_CHUNK + 2)
        );
        let inner: String = pieces.iter().map(|p| &p[2..]).collect();
        assert_eq!(inner, curl::osc52(&long));
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Multiplexer::detect(env(&[("TMUX", "/tmp/s,1,0")])),
            Multiplexer::Tmux
        );
        assert_eq!(
            Multiplexer::detect(env(&[("STY", "1.pts")])),
            Multiplexer::Screen
        );
        assert_eq!(Multiplexer::detect(env(&[("TMUX", "")])), Multiplexer::None);
        assert_eq!(Multiplexer::detect(env(&[])), Multiplexer::None);
    }
}
