//! Slack: `X-Slack-Signature: v0=<hex>` over the v0 base string `v0:{timestamp}:{body}`, the
//! timestamp coming in `X-Slack-Request-Timestamp`.

use std::borrow::Cow;

use super::claim::{Claim, header_text};
use super::mac::{KeyForm, Signer};
use super::rules::Rules;
use super::stamp::{Stamp, not_whole_seconds, python_int, seconds_of};
use super::tag::{hex, hex_tag};
use super::verdict::{Rejection, joined, malformed};
use crate::event::{HeaderList, SignatureScheme};

const HEADER: &str = "X-Slack-Signature";
const TIMESTAMP_HEADER: &str = "X-Slack-Request-Timestamp";

pub(super) const RULES: Rules = Rules {
    scheme: SignatureScheme::Slack,
    headers: &[HEADER],
    covers: "the v0 base string of timestamp and raw body bytes",
    key: KeyForm::Text,
    parse,
    sign,
    folds: None,
    senders: &[],
};

fn parse(name: &'static str, text: &str, headers: &HeaderList) -> Result<Claim, Rejection> {
    let digits = text
        .strip_prefix("v0=")
        .ok_or_else(|| malformed(format!("{name} lacks the v0= prefix")))?;
    let tag = hex_tag(name, digits)?;
    let stamp_value = headers.get(TIMESTAMP_HEADER).ok_or_else(|| {
        malformed(format!(
            "{name} came without the {TIMESTAMP_HEADER} header it is computed with"
        ))
    })?;
    let stamp_text = header_text(TIMESTAMP_HEADER, stamp_value)?;
    let stamp = slack_stamp(TIMESTAMP_HEADER, stamp_text)?;
    Ok(Claim {
        tags: vec![tag],
        prefix: joined(&["v0:", &stamp.signed_text, ":"]),
        timestamp: Some(stamp.seconds),
        skipped: Vec::new(),
    })
}

/// Slack's timestamp: slack_sdk checks its age with `int()` and signs the header's text as
/// sent (`f"v0:{timestamp}:{body}"`), as Bolt does, so `+1531420618` is signed with its sign.
fn slack_stamp<'a>(name: &str, text: &'a str) -> Result<Stamp<'a>, Rejection> {
    let (negative, digits) = python_int(text, true).ok_or_else(|| not_whole_seconds(name))?;
    Ok(Stamp {
        seconds: seconds_of(negative, &digits),
        signed_text: Cow::Borrowed(text),
    })
}

fn sign(signer: &Signer<'_>) -> Vec<(&'static str, String)> {
    let timestamp = signer.timestamp;
    let tag = signer.tag(&format!("v0:{timestamp}:"));
    vec![
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (HEADER, format!("v0={}", hex(&tag))),
    ]
}
