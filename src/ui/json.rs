//! JSON for people: a body re-indented token by token, keys in their original order and numbers
//! as sent (no parse into a map that would reorder or round them), each token tagged for
//! colouring, strings made safe, and the value of every `userToken` key (by its decoded key,
//! whatever the value: a whole object or array too) masked unless revealed.

use crate::sanitize;
use crate::ui::mask::{self, string_end};
use crate::ui::text::{RichLine, Role};
use crate::ui::theme::JsonToken;

/// What a masked credential shows instead of its value.
pub const MASK: &str = "\"••••\"";

/// Keys whose values are credentials (compared ignoring case).
pub fn is_secret_key(key: &str) -> bool {
    mask::is_secret_key(key)
}

/// Indentation stops growing past this depth, so a hostile deeply nested body stays readable.
const MAX_INDENT: usize = 32;

struct Printer {
    lines: Vec<RichLine>,
    current: RichLine,
    depth: usize,
    max_lines: usize,
}

impl Printer {
    fn newline(&mut self) {
        let line = std::mem::take(&mut self.current);
        self.lines.push(line);
        let indent = "  ".repeat(self.depth.min(MAX_INDENT));
        self.current.push(Role::Text, indent);
    }

    fn full(&self) -> bool {
        self.lines.len() >= self.max_lines
    }
}

/// Pretty lines of a JSON text, at most `max_lines` of them. Returns the lines and whether the
/// text went on beyond them. Malformed input is printed as far as it tokenises.
pub fn pretty(text: &str, reveal_secrets: bool, max_lines: usize) -> (Vec<RichLine>, bool) {
    let mut p = Printer {
        lines: Vec::new(),
        current: RichLine::new(),
        depth: 0,
        max_lines: max_lines.max(1),
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    // Set after a `"userToken":`, until its value has been printed.
    let mut mask_next = false;
    let next_non_space = |from: usize| -> Option<(usize, u8)> {
        (from..bytes.len())
            .map(|j| (j, bytes[j]))
            .find(|(_, b)| !b.is_ascii_whitespace())
    };
    while i < bytes.len() {
        if p.full() {
            return (p.lines, true);
        }
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'{' | b'[' if mask_next && !reveal_secrets => {
                // A credential held in an object or an array is hidden whole.
                mask_next = false;
                p.current.push(Role::Masked, MASK);
                i = mask::value_end(bytes, i);
            }
            b'{' | b'[' => {
                mask_next = false;
                let close = if b == b'{' { b'}' } else { b']' };
                match next_non_space(i + 1) {
                    Some((j, c)) if c == close => {
                        let pair = if b == b'{' { "{}" } else { "[]" };
                        p.current.push(Role::Json(JsonToken::Punctuation), pair);
                        i = j + 1;
                    }
                    _ => {
                        p.current
                            .push(Role::Json(JsonToken::Punctuation), (b as char).to_string());
                        p.depth += 1;
                        p.newline();
                        i += 1;
                    }
                }
            }
            b'}' | b']' => {
                p.depth = p.depth.saturating_sub(1);
                p.newline();
                p.current
                    .push(Role::Json(JsonToken::Punctuation), (b as char).to_string());
                i += 1;
            }
            b',' => {
                p.current.push(Role::Json(JsonToken::Punctuation), ",");
                p.newline();
                i += 1;
            }
            b':' => {
                p.current.push(Role::Json(JsonToken::Punctuation), ": ");
                i += 1;
            }
            b'"' => {
                let end = string_end(bytes, i);
                let raw = &text[i..end];
                let is_key = matches!(next_non_space(end), Some((_, b':')));
                if is_key {
                    mask_next = mask::is_secret_json_key(raw.as_bytes());
                    p.current.push(
                        Role::Json(JsonToken::Key),
                        sanitize::escape(raw).into_owned(),
                    );
                } else if mask_next && !reveal_secrets {
                    mask_next = false;
                    p.current.push(Role::Masked, MASK);
                } else {
                    mask_next = false;
                    p.current.push(
                        Role::Json(JsonToken::String),
                        sanitize::escape(raw).into_owned(),
                    );
                }
                i = end;
            }
            _ => {
                // A number, a literal, or stray bytes in a malformed body: up to a delimiter.
                let end = (i..bytes.len())
                    .find(|&j| {
                        matches!(
                            bytes[j],
                            b',' | b':'
                                | b'{'
                                | b'}'
                                | b'['
                                | b']'
                                | b'"'
                                | b' '
                                | b'\t'
                                | b'\n'
                                | b'\r'
                        )
                    })
                    .unwrap_or(bytes.len())
                    .max(i + 1);
                // `end` may fall inside a multi-byte character only for malformed input.
                let end = (end..=bytes.len())
                    .find(|&j| text.is_char_boundary(j))
                    .unwrap_or(bytes.len());
                let word = &text[i..end];
                let role = if mask_next && !reveal_secrets {
                    Role::Masked
                } else if matches!(word, "true" | "false" | "null") {
                    Role::Json(JsonToken::Literal)
                } else {
                    Role::Json(JsonToken::Number)
                };
                if role == Role::Masked {
                    p.current.push(role, MASK);
                } else {
                    p.current.push(role, sanitize::escape(word).into_owned());
                }
                mask_next = false;
                i = end;
            }
        }
    }
    if !p.current.is_empty() {
        p.lines.push(p.current);
    }
    (p.lines, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str, reveal: bool) -> Vec<String> {
        pretty(text, reveal, 1000)
            .0
            .iter()
            .map(RichLine::text)
            .collect()
    }

    #[test]
    fn keeps_order_and_numbers_as_sent() {
        let text = r#"{"z":1,"a":[1.50,true,null],"e":{},"f":[],"n":{"x":"y"}}"#;
        assert_eq!(
            lines(text, false),
            [
                "{",
                "  \"z\": 1,",
                "  \"a\": [",
                "    1.50,",
                "    true,",
                "    null",
                "  ],",
                "  \"e\": {},",
                "  \"f\": [],",
                "  \"n\": {",
                "    \"x\": \"y\"",
                "  }",
                "}",
            ]
        );
    }

    #[test]
    fn user_tokens_are_masked_until_revealed() {
        let text = r#"{"payload":{"userToken":"tok_secret","USERTOKEN":42,"other":"x"}}"#;
        let masked = lines(text, false).join("\n");
        assert!(!masked.contains("tok_secret"), "{masked}");
        assert!(!masked.contains("42"), "{masked}");
        assert!(masked.contains("\"userToken\": \"••••\""));
        assert!(masked.contains("\"other\": \"x\""));
        let shown = lines(text, true).join("\n");
        assert!(shown.contains("\"userToken\": \"tok_secret\""));
        let escaped = r#"{"user\u0054oken":"tok_a","userToken":{"t":["tok_b"]},"n":1}"#;
        let masked = lines(escaped, false).join("\n");
        assert!(!masked.contains("tok_"), "{masked}");
        assert!(masked.contains("\"n\": 1"), "{masked}");
    }

    #[test]
    fn escapes_in_strings_stay_and_bidi_is_shown() {
        let text = "{\"a\":\"q\\\"uote\",\"b\":\"evil\u{202e}txt\"}";
        let out = lines(text, false).join("\n");
        assert!(out.contains(r#""a": "q\"uote""#), "{out}");
        assert!(out.contains("evil\\u{202e}txt"), "{out}");
    }

    #[test]
    fn stops_at_the_line_limit() {
        let text = format!("[{}]", vec!["1"; 100].join(","));
        let (out, more) = pretty(&text, false, 10);
        assert_eq!(out.len(), 10);
        assert!(more);
    }

    #[test]
    fn malformed_input_never_panics() {
        for text in [
            "{",
            "}",
            "{\"a\":",
            "[1,,2",
            "\"open",
            "é{ü:1",
            "{\"userToken\":",
            "]]]]",
        ] {
            let _ = pretty(text, false, 100);
        }
    }
}
