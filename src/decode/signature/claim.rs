//! What a signature header claims once its scheme has parsed it: the tags it offers and the
//! bytes signed before the body.

use super::tag::MAC_LEN;
use super::verdict::{Rejection, malformed};

/// What a signature header claims once parsed: the MACs it offers and what they cover.
pub(super) struct Claim {
    /// Every HMAC tag offered (Stripe and Standard Webhooks may carry several).
    pub(super) tags: Vec<[u8; MAC_LEN]>,
    /// What the scheme signs before the body, built from the header text exactly as sent.
    pub(super) prefix: String,
    /// The signed Unix time, for the timestamped schemes.
    pub(super) timestamp: Option<i64>,
    /// Entries that were present but not checked, said in the note whatever the verdict.
    pub(super) skipped: Vec<String>,
}

impl Claim {
    /// One tag over the body alone.
    pub(super) fn single(tag: [u8; MAC_LEN]) -> Claim {
        Claim {
            tags: vec![tag],
            prefix: String::new(),
            timestamp: None,
            skipped: Vec::new(),
        }
    }
}

/// A header's value as text, spaces around it dropped.
pub(super) fn header_text<'a>(name: &str, value: &'a [u8]) -> Result<&'a str, Rejection> {
    std::str::from_utf8(value)
        .map(str::trim)
        .map_err(|_| malformed(format!("{name} is not valid UTF-8 text")))
}
