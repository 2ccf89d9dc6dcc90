//! Making text from a webhook safe to show: control characters, escape sequences and bidi
//! overrides become visible escapes, so a payload can never drive the user's terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that change how following text is displayed without being seen themselves.
fn is_invisible_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Text with every control or bidi character replaced by an escape such as `\x1b` or `\u{202e}`.
/// Borrowed when there is nothing to replace.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_invisible_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && is_invisible_control(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_invisible_control(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Bytes shown as text: UTF-8 escaped as above, any other byte as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => escape(text),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(&escape(chunk.valid()));
                for b in chunk.invalid() {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("hello Zoë ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_sequences_are_made_visible() {
        assert_eq!(escape("\x1b]2;title\x07"), "\\x1b]2;title\\x07");
        assert_eq!(escape("\x1b[2J"), "\\x1b[2J");
        assert_eq!(escape("a\u{9b}b"), "a\\u{9b}b");
        assert_eq!(escape("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(escape("line\r\nnext\t."), "line\\r\\nnext\\t.");
    }

    #[test]
    fn invalid_utf8_bytes_are_escaped() {
        assert_eq!(escape_bytes(b"caf\xe9 \x1b"), "caf\\xe9 \\x1b");
    }
}
