//! Signed timestamps: reading a header's number the way a scheme's official libraries read it,
//! and the text they then sign for it. Each timestamped scheme's own reading is in its file.

use std::borrow::Cow;

use super::verdict::{Rejection, malformed};

/// A signed timestamp as the scheme's official libraries read it.
pub(super) struct Stamp<'a> {
    /// Unix seconds; a number beyond `i64` saturates (it is stale either way).
    pub(super) seconds: i64,
    /// The decimal text the libraries put in the signed message for it.
    pub(super) signed_text: Cow<'a, str>,
}

impl Stamp<'_> {
    /// A note for a timestamp whose signed form differs from what was sent, so that a reader
    /// who computes the MAC over the header text knows why it does not match.
    pub(super) fn reading_note(&self, name: &str, sent: &str, libraries: &str) -> Option<String> {
        (self.signed_text != sent.trim() && self.signed_text.len() <= 20).then(|| {
            format!(
                "the timestamp in {name} is read as {} and signed so, as {libraries} do",
                self.signed_text
            )
        })
    }
}

pub(super) fn not_whole_seconds(name: &str) -> Rejection {
    malformed(format!(
        "the timestamp in {name} is not whole Unix seconds in a form its scheme's libraries \
         all read alike"
    ))
}

/// An integer the way Python's `int()` reads one, which stripe-python and slack_sdk use:
/// spaces around it, an optional sign, ASCII digits with leading zeros allowed and, when
/// `underscores` is set, single underscores between digits. Gives the digits without sign,
/// underscores or leading zeros, and whether the number is below zero.
pub(super) fn python_int(text: &str, underscores: bool) -> Option<(bool, Cow<'_, str>)> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let well_formed = !digits.is_empty()
        && digits
            .split('_')
            .all(|run| !run.is_empty() && run.bytes().all(|b| b.is_ascii_digit()))
        && (underscores || !digits.contains('_'));
    if !well_formed {
        return None;
    }
    let digits = if digits.contains('_') {
        Cow::Owned(digits.replace('_', ""))
    } else {
        Cow::Borrowed(digits)
    };
    // Leading zeros go, but "000" is "0".
    let keep = digits.trim_start_matches('0').len().max(1);
    let digits = match digits {
        Cow::Borrowed(all) => Cow::Borrowed(&all[all.len() - keep..]),
        Cow::Owned(mut all) => {
            all.drain(..all.len() - keep);
            Cow::Owned(all)
        }
    };
    Some((negative && &*digits != "0", digits))
}

/// `digits` (no sign, no leading zeros) with its sign, as seconds; saturating.
pub(super) fn seconds_of(negative: bool, digits: &str) -> i64 {
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX);
    if negative {
        magnitude.saturating_neg()
    } else {
        magnitude
    }
}

/// The signed decimal text of a number given as sign and digits, borrowing when it can.
pub(super) fn decimal<'a>(text: &'a str, negative: bool, digits: Cow<'a, str>) -> Cow<'a, str> {
    if !negative {
        return digits;
    }
    match digits {
        // "-123" as sent is already its own canonical form.
        Cow::Borrowed(d) if text.trim().strip_prefix('-') == Some(d) => Cow::Borrowed(text.trim()),
        d => Cow::Owned(format!("-{d}")),
    }
}
