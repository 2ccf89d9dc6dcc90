//! Stripe: `Stripe-Signature: t=<timestamp>,v1=<hex>,…` over `{timestamp}.{body}`; any `v1`
//! entry may match, and the secret's whole `whsec_…` text is the key.

use super::claim::Claim;
use super::mac::{KeyForm, Signer};
use super::rules::Rules;
use super::stamp::{Stamp, decimal, not_whole_seconds, python_int, seconds_of};
use super::tag::{decode_hex, hex};
use super::verdict::{Rejection, joined, malformed, plural_y};
use crate::event::{HeaderList, SignatureScheme};

const HEADER: &str = "Stripe-Signature";

pub(super) const RULES: Rules = Rules {
    scheme: SignatureScheme::Stripe,
    headers: &[HEADER],
    covers: "the timestamp and the raw body bytes",
    key: KeyForm::Text,
    parse,
    sign,
    folds: None,
    senders: &[],
};

/// Stripe's `t=`: stripe-python reads it with `int()` and signs `"%d.%s" % (t, payload)`, the
/// number written plainly; stripe-node (`parseInt`) and stripe-go (`ParseInt`, `%d`) sign the
/// plain number too. So `+1700000000` and `01700000000` are signed as `1700000000`. Where
/// stripe-python and stripe-node disagree — underscores and non-ASCII digits (`int()` takes
/// them, `parseInt` does not), fractions (`parseInt` drops them, `int()` refuses them) — the
/// timestamp is malformed here. (stripe-go is stricter than both: no spaces, no second `=`.)
fn stripe_stamp<'a>(name: &str, text: &'a str) -> Result<Stamp<'a>, Rejection> {
    let (negative, digits) = python_int(text, false).ok_or_else(|| not_whole_seconds(name))?;
    let seconds = seconds_of(negative, &digits);
    Ok(Stamp {
        seconds,
        signed_text: decimal(text, negative, digits),
    })
}

/// `t=TS,v1=hex,v1=hex,v0=hex`: any `v1` may match; `v0` is Stripe's retired test scheme.
fn parse(name: &'static str, text: &str, _: &HeaderList) -> Result<Claim, Rejection> {
    let mut stamp_text = None;
    let mut tags = Vec::new();
    let mut unreadable = 0usize;
    let mut retired = 0usize;
    for item in text.split(',') {
        let Some((key, value)) = item.split_once('=') else {
            continue;
        };
        // Stripe's libraries split each entry at '=' and read the piece after the first one;
        // they compare names as written, so " t" is not "t".
        let value = value.split('=').next().unwrap_or(value);
        match key {
            "t" if stamp_text.is_none() => stamp_text = Some(value),
            "v1" => match decode_hex(value.trim()).and_then(|bytes| bytes.try_into().ok()) {
                Some(tag) => tags.push(tag),
                None => unreadable += 1,
            },
            "v0" => retired += 1,
            _ => {}
        }
    }
    let stamp_text = stamp_text.ok_or_else(|| malformed(format!("{name} has no t= timestamp")))?;
    let stamp = stripe_stamp(name, stamp_text)?;
    if tags.is_empty() {
        return Err(malformed(if unreadable > 0 {
            format!("no v1= entry of {name} is a 64-digit hex HMAC-SHA256")
        } else {
            format!("{name} has no v1= signature")
        }));
    }
    let mut skipped = Vec::new();
    if unreadable > 0 {
        skipped.push(format!(
            "{unreadable} v1= entr{} that {} not 64-digit hex {} skipped",
            plural_y(unreadable),
            if unreadable == 1 { "is" } else { "are" },
            if unreadable == 1 { "was" } else { "were" },
        ));
    }
    if retired > 0 {
        skipped.push(format!(
            "{retired} v0= entr{} ignored, as Stripe verifies only v1",
            plural_y(retired)
        ));
    }
    skipped.extend(stamp.reading_note(name, stamp_text, "Stripe's libraries"));
    Ok(Claim {
        tags,
        prefix: joined(&[&stamp.signed_text, "."]),
        timestamp: Some(stamp.seconds),
        skipped,
    })
}

fn sign(signer: &Signer<'_>) -> Vec<(&'static str, String)> {
    let timestamp = signer.timestamp;
    let tag = signer.tag(&format!("{timestamp}."));
    vec![(HEADER, format!("t={timestamp},v1={}", hex(&tag)))]
}
