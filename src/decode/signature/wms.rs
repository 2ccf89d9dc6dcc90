//! WMS: `X-WMS-Content-MAC: hmac-sha256=<hex>` over the body. The vendor's sample recipient
//! code hashes the body re-encoded as `'ascii'`, so senders built from it sign a folded body:
//! the folded forms are tried, and a raw match of a non-ASCII body is flagged.

use super::claim::Claim;
use super::mac::{KeyForm, Signer};
use super::rules::{Folds, Rules};
use super::tag::{hex, hex_tag};
use super::verdict::{Outcome, Rejection, malformed};
use crate::event::{Anomaly, HeaderList, Provider, SignatureScheme};

const HEADER: &str = "X-WMS-Content-MAC";

pub(super) const RULES: Rules = Rules {
    scheme: SignatureScheme::Wms,
    headers: &[HEADER],
    covers: "the raw body bytes",
    key: KeyForm::Text,
    parse,
    sign,
    folds: Some(Folds {
        on_raw_match: raw_match_of_non_ascii_body,
    }),
    senders: &[Provider::Wms],
};

fn parse(name: &'static str, text: &str, _: &HeaderList) -> Result<Claim, Rejection> {
    let digits = text
        .strip_prefix("hmac-sha256=")
        .ok_or_else(|| malformed(format!("{name} lacks the hmac-sha256= prefix")))?;
    Ok(Claim::single(hex_tag(name, digits)?))
}

fn sign(signer: &Signer<'_>) -> Vec<(&'static str, String)> {
    let tag = signer.tag("");
    vec![(HEADER, format!("hmac-sha256={}", hex(&tag)))]
}

/// The sender signed the bytes it sent, which the vendor's sample code would not accept.
fn raw_match_of_non_ascii_body(name: &'static str, outcome: &mut Outcome) {
    outcome
        .note
        .push_str(", not the 'ascii'-folded body the vendor's sample recipient code hashes");
    outcome
        .anomalies
        .push(Anomaly::WmsAsciiMismatch { header: name });
}
