//! Standard Webhooks (and Svix, which sends the same under `svix-` names):
//! `webhook-signature: v1,<base64> …` over `{id}.{timestamp}.{body}`, id and timestamp in
//! their own headers; the key is the base64 after `whsec_`.

use std::borrow::Cow;

use base64::Engine as _;

use super::claim::{Claim, header_text};
use super::mac::{KeyForm, Signer};
use super::rules::Rules;
use super::stamp::{Stamp, decimal, not_whole_seconds, python_int, seconds_of};
use super::tag::{BASE64, MAC_LEN};
use super::verdict::{Rejection, joined, malformed, plural_y};
use crate::event::{HeaderList, SignatureScheme, SignatureVerdict};

/// The header families, Standard Webhooks' own first.
const PREFIXES: [&str; 2] = ["webhook-", "svix-"];
const SIGNATURE_HEADER: &str = "webhook-signature";
const ID_HEADER: &str = "webhook-id";
const TIMESTAMP_HEADER: &str = "webhook-timestamp";

pub(super) const RULES: Rules = Rules {
    scheme: SignatureScheme::Standard,
    headers: &[SIGNATURE_HEADER, "svix-signature"],
    covers: "the message id, timestamp and raw body bytes",
    key: KeyForm::WhsecBase64,
    parse,
    sign,
    folds: None,
    senders: &[],
};

/// Standard Webhooks' timestamp: the Python library reads it with `float()` and the JavaScript
/// one with `parseInt`, and both sign the whole seconds as a plain number. They agree on an
/// optionally signed run of digits, with leading zeros, optionally followed by a fraction
/// (which is dropped); exponents, underscores and trailing text are read differently by the
/// two, and are malformed here.
fn standard_stamp<'a>(name: &str, text: &'a str) -> Result<Stamp<'a>, Rejection> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) || whole.contains('_') {
        return Err(not_whole_seconds(name));
    }
    let (negative, digits) = python_int(whole, false).ok_or_else(|| not_whole_seconds(name))?;
    let mut seconds = seconds_of(negative, &digits);
    let mut signed_text = decimal(whole, negative, digits);
    // Python floors a negative fraction; such a time is decades stale, but sign it alike.
    if seconds < 0 && fraction.bytes().any(|b| b != b'0') {
        seconds = seconds.saturating_sub(1);
        signed_text = Cow::Owned(seconds.to_string());
    }
    Ok(Stamp {
        seconds,
        signed_text,
    })
}

/// Space-separated `v1,base64` entries; `v1a,` entries are ed25519 signatures, not HMAC.
fn parse(name: &'static str, text: &str, headers: &HeaderList) -> Result<Claim, Rejection> {
    let mut tags = Vec::new();
    let mut unreadable = 0usize;
    let mut asymmetric = 0usize;
    let mut unknown = 0usize;
    for entry in text.split_ascii_whitespace() {
        match entry.split_once(',') {
            Some(("v1", encoded)) => match BASE64
                .decode(encoded)
                .ok()
                .and_then(|bytes| <[u8; MAC_LEN]>::try_from(bytes).ok())
            {
                Some(tag) => tags.push(tag),
                None => unreadable += 1,
            },
            Some(("v1a", _)) => asymmetric += 1,
            _ => unknown += 1,
        }
    }
    if tags.is_empty() {
        if unreadable == 0 && asymmetric > 0 {
            return Err(Rejection {
                verdict: SignatureVerdict::NoSecret,
                note: format!(
                    "{name} holds only v1a (ed25519) entries, which are not HMAC and which \
                     hookscope does not check"
                ),
            });
        }
        return Err(malformed(if unreadable > 0 {
            format!("no v1, entry of {name} is the base64 of a 32-byte HMAC-SHA256")
        } else {
            format!("{name} has no v1, entry")
        }));
    }
    // Take id and timestamp from the same family as the signature, then from the other.
    let family = if name.starts_with("svix-") {
        ["svix-", "webhook-"]
    } else {
        PREFIXES
    };
    let companion = |field: &str| -> Result<(String, &str), Rejection> {
        let found = family.iter().find_map(|prefix| {
            let header = format!("{prefix}{field}");
            headers.get(&header).map(|value| (header, value))
        });
        let (header, value) = found.ok_or_else(|| {
            malformed(format!(
                "{name} came without the {}{field} header it is computed with",
                family[0]
            ))
        })?;
        let text = header_text(&header, value)?;
        Ok((header, text))
    };
    let (_, id) = companion("id")?;
    let (stamp_header, stamp_text) = companion("timestamp")?;
    let stamp = standard_stamp(&stamp_header, stamp_text)?;
    let mut skipped = Vec::new();
    skipped.extend(stamp.reading_note(
        &stamp_header,
        stamp_text,
        "the Standard Webhooks libraries",
    ));
    if asymmetric > 0 {
        skipped.push(format!(
            "{asymmetric} v1a (ed25519) entr{} not checked",
            plural_y(asymmetric)
        ));
    }
    if unreadable > 0 {
        skipped.push(format!(
            "{unreadable} v1 entr{} that {} not the base64 of 32 bytes {} skipped",
            plural_y(unreadable),
            if unreadable == 1 { "is" } else { "are" },
            if unreadable == 1 { "was" } else { "were" },
        ));
    }
    if unknown > 0 {
        skipped.push(format!(
            "{unknown} entr{} of an unknown version ignored",
            plural_y(unknown)
        ));
    }
    Ok(Claim {
        tags,
        prefix: joined(&[id, ".", &stamp.signed_text, "."]),
        timestamp: Some(stamp.seconds),
        skipped,
    })
}

fn sign(signer: &Signer<'_>) -> Vec<(&'static str, String)> {
    let (timestamp, message_id) = (signer.timestamp, signer.message_id);
    let tag = signer.tag(&format!("{message_id}.{timestamp}."));
    vec![
        (ID_HEADER, message_id.to_string()),
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (SIGNATURE_HEADER, format!("v1,{}", BASE64.encode(tag))),
    ]
}
