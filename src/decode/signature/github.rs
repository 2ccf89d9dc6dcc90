//! GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body.

use super::claim::Claim;
use super::mac::{KeyForm, Signer};
use super::rules::Rules;
use super::tag::{hex, hex_tag};
use super::verdict::{Rejection, malformed};
use crate::event::{HeaderList, SignatureScheme};

const HEADER: &str = "X-Hub-Signature-256";

pub(super) const RULES: Rules = Rules {
    scheme: SignatureScheme::Github,
    headers: &[HEADER],
    covers: "the raw body bytes",
    key: KeyForm::Text,
    parse,
    sign,
    folds: None,
    senders: &[],
};

fn parse(name: &'static str, text: &str, _: &HeaderList) -> Result<Claim, Rejection> {
    let digits = text
        .strip_prefix("sha256=")
        .ok_or_else(|| malformed(format!("{name} lacks the sha256= prefix")))?;
    Ok(Claim::single(hex_tag(name, digits)?))
}

fn sign(signer: &Signer<'_>) -> Vec<(&'static str, String)> {
    let tag = signer.tag("");
    vec![(HEADER, format!("sha256={}", hex(&tag)))]
}
