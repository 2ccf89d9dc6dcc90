//! Bodies folded to ASCII: the forms a sender may have signed instead of the bytes it sent,
//! tried for the schemes whose table row asks for them.

/// Which bytes a MAC was found to cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BodyForm {
    Raw,
    /// Decoded as UTF-8 and re-encoded the way Node's `'ascii'` encoding does.
    NodeAscii,
    /// Every non-ASCII character replaced by `?`.
    QuestionMarks,
}

/// Node's `buffer.toString()` then `'ascii'` encoding: UTF-8 decoded (invalid sequences become
/// U+FFFD), then the low byte of each UTF-16 code unit, so a surrogate pair yields two bytes.
pub(super) fn node_ascii_fold(body: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(body)
        .encode_utf16()
        .map(|unit| (unit & 0xFF) as u8)
        .collect()
}

/// What encoders outside Node commonly do when asked for ASCII: one `?` per non-ASCII character.
pub(super) fn question_mark_fold(body: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(body)
        .chars()
        .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{"name":"Zoë"}`, whose ë folds differently each way.
    const ZOE_BODY: &str = r#"{"name":"Zoë"}"#;

    #[test]
    fn wms_folds_follow_node_ascii_and_question_marks() {
        assert_eq!(
            node_ascii_fold(ZOE_BODY.as_bytes()),
            b"{\"name\":\"Zo\xeb\"}"
        );
        assert_eq!(
            question_mark_fold(ZOE_BODY.as_bytes()),
            b"{\"name\":\"Zo?\"}"
        );
        // U+1F600 is a surrogate pair in UTF-16: D83D DE00, whose low bytes are '=' and NUL.
        assert_eq!(node_ascii_fold("😀".as_bytes()), b"=\x00");
        assert_eq!(question_mark_fold("😀".as_bytes()), b"?");
        // Invalid UTF-8 decodes to U+FFFD, whose low byte is 0xFD.
        assert_eq!(node_ascii_fold(b"a\xffb"), b"a\xfdb");
    }
}
