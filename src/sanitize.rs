//! Making text from a webhook safe to show: control characters, escape sequences and bidi
//! overrides become visible escapes, so a payload can never drive the user's terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Unicode 16.0's `General_Category=Format` (Cf) as inclusive ranges, in order: characters that
/// steer layout (bidi marks and isolates, joiners, the soft hyphen, tags, interlinear
/// annotation…) and draw nothing themselves. Generated from the Unicode Character Database
/// (`ucd-generate general-category ucd-16.0.0`), not picked by hand; a test compares it with
/// the Cf class of the regex crate's Unicode tables, character by character.
pub const FORMAT: [(char, char); 21] = [
    ('\u{ad}', '\u{ad}'),
    ('\u{600}', '\u{605}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{6dd}', '\u{6dd}'),
    ('\u{70f}', '\u{70f}'),
    ('\u{890}', '\u{891}'),
    ('\u{8e2}', '\u{8e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
    ('\u{110bd}', '\u{110bd}'),
    ('\u{110cd}', '\u{110cd}'),
    ('\u{13430}', '\u{1343f}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0001}', '\u{e0001}'),
    ('\u{e0020}', '\u{e007f}'),
];

/// Whether `c` is in Unicode's Format category (Cf).
pub fn is_format(c: char) -> bool {
    if c < '\u{ad}' {
        return false;
    }
    FORMAT
        .binary_search_by(|&(low, high)| {
            if high < c {
                std::cmp::Ordering::Less
            } else if low > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Characters a terminal must never receive raw from a webhook: controls (C0, DEL, C1), the
/// Format category (bidi overrides, zero-width and invisible characters) and the line and
/// paragraph separators. The JSON Lines writer escapes the non-ASCII ones too.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format(c)
}

/// Characters whose width terminals and ratatui's tables disagree on, so that drawing them
/// shifts or leaves cells behind: the Hangul fillers (blank, width 0 in some tables and 2 in
/// others), the regional indicators (a pair is one flag of width 2 to ratatui, two letters or
/// two wide glyphs to many terminals) and the skin-tone modifiers (one emoji of width 2 with the
/// emoji before them to ratatui, a second wide glyph to terminals that measure by code point).
fn is_unsteady_width(c: char) -> bool {
    matches!(
        c,
        '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' | '\u{1f1e6}'..='\u{1f1ff}' | '\u{1f3fb}'..='\u{1f3ff}'
    )
}

/// Characters shown as escapes on screen.
fn is_invisible_control(c: char) -> bool {
    is_hidden(c) || is_unsteady_width(c)
}

/// Text with every control, Format (Cf) or width-unsteady character replaced by an escape such
/// as `\x1b` or `\u{202e}`. Borrowed when there is nothing to replace.
pub fn escape(text: &str) -> Cow<'_, str> {
    let plain = if text.is_ascii() {
        !text.bytes().any(|b| b.is_ascii_control())
    } else {
        !text.chars().any(is_invisible_control)
    };
    if plain {
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

/// Text for an XML attribute or element: the five markup characters escaped, and characters
/// XML 1.0 cannot hold at all (most control characters) written as `\u{…}`.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_escapes_markup_and_what_xml_cannot_hold() {
        assert_eq!(
            xml("a<b & 'c' \"d\">\u{1b}[2J\tok\u{FFFF}"),
            "a&lt;b &amp; &apos;c&apos; &quot;d&quot;&gt;\\u{1b}[2J\tok\\u{ffff}"
        );
        let doc = format!("<a t=\"{}\">{}</a>", xml("\u{0}<'\""), xml("\u{8}&"));
        let parsed = roxmltree::Document::parse(&doc).unwrap();
        assert_eq!(parsed.root_element().attribute("t"), Some("\\u{0}<'\""));
        assert_eq!(parsed.root_element().text(), Some("\\u{8}&"));
    }

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
    fn format_characters_and_unsteady_widths_are_made_visible() {
        assert_eq!(
            escape("a\u{2060}b\u{61c}c\u{180e}d\u{fff9}e\u{ad}f\u{e0001}"),
            "a\\u{2060}b\\u{61c}c\\u{180e}d\\u{fff9}e\\u{ad}f\\u{e0001}"
        );
        assert_eq!(escape("\u{85}\u{2028}"), "\\u{85}\\u{2028}");
        assert_eq!(
            escape("x\u{3164}\u{1f1fa}\u{1f1f8}"),
            "x\\u{3164}\\u{1f1fa}\\u{1f1f8}"
        );
        // Visible text around them stays as it is.
        assert!(matches!(escape("日本語 é 😀 ‐ ․"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_format_table_is_unicode_16_cf() {
        for c in [
            '\u{ad}',
            '\u{600}',
            '\u{61c}',
            '\u{180e}',
            '\u{200d}',
            '\u{202e}',
            '\u{2060}',
            '\u{2069}',
            '\u{feff}',
            '\u{fffb}',
            '\u{1d173}',
            '\u{e0001}',
            '\u{e007f}',
        ] {
            assert!(is_format(c), "{c:?} is Cf");
        }
        for c in [
            'a',
            '\u{ac}',
            '\u{ae}',
            '\u{606}',
            '\u{2065}',
            '\u{fff8}',
            '\u{fffc}',
            '\u{3164}',
            '\u{e0002}',
            '\u{e0080}',
            '\u{10ffff}',
        ] {
            assert!(!is_format(c), "{c:?} is not Cf");
        }
        for pair in FORMAT.windows(2) {
            assert!(
                pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0,
                "{pair:?} out of order"
            );
        }
        // Every character, against the Cf class of regex-syntax's Unicode 16 tables.
        let hir = regex_syntax::Parser::new().parse(r"\p{Cf}").unwrap();
        let regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) =
            hir.kind()
        else {
            panic!("\\p{{Cf}} is not a Unicode class: {hir:?}");
        };
        let theirs: Vec<(char, char)> = class
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect();
        assert_eq!(theirs, FORMAT);
    }

    #[test]
    fn invalid_utf8_bytes_are_escaped() {
        assert_eq!(escape_bytes(b"caf\xe9 \x1b"), "caf\\xe9 \\x1b");
    }
}
