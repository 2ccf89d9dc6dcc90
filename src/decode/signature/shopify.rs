//! Shopify: `X-Shopify-Hmac-Sha256: <base64>` over the body.

use base64::Engine as _;

use super::claim::Claim;
use super::mac::{KeyForm, Signer};
use super::rules::Rules;
use super::tag::{BASE64, base64_tag};
use super::verdict::Rejection;
use crate::event::{HeaderList, SignatureScheme};

const HEADER: &str = "X-Shopify-Hmac-Sha256";

pub(super) const RULES: Rules = Rules {
    scheme: SignatureScheme::Shopify,
    headers: &[HEADER],
    covers: "the raw body bytes",
    key: KeyForm::Text,
    parse,
    sign,
    folds: None,
    senders: &[],
};

fn parse(name: &'static str, text: &str, _: &HeaderList) -> Result<Claim, Rejection> {
    Ok(Claim::single(base64_tag(name, text)?))
}

fn sign(signer: &Signer<'_>) -> Vec<(&'static str, String)> {
    let tag = signer.tag("");
    vec![(HEADER, BASE64.encode(tag))]
}
