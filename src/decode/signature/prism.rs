//! Prism (video webhooks): `X-Prism-Signature: <hex>` over the body, bare hex as Prism sends
//! it or with the `sha256=` prefix other APIs put before it under this header name.

use super::claim::Claim;
use super::mac::{KeyForm, Signer};
use super::rules::Rules;
use super::tag::{hex, hex_tag};
use super::verdict::Rejection;
use crate::event::{HeaderList, Provider, SignatureScheme};

const HEADER: &str = "X-Prism-Signature";

pub(super) const RULES: Rules = Rules {
    scheme: SignatureScheme::Prism,
    headers: &[HEADER],
    covers: "the raw body bytes",
    key: KeyForm::Text,
    parse,
    sign,
    folds: None,
    senders: &[Provider::PrismVideo],
};

fn parse(name: &'static str, text: &str, _: &HeaderList) -> Result<Claim, Rejection> {
    // Prism sends bare hex; other APIs using this header name prefix it with `sha256=`.
    let digits = text.strip_prefix("sha256=").unwrap_or(text);
    Ok(Claim::single(hex_tag(name, digits)?))
}

fn sign(signer: &Signer<'_>) -> Vec<(&'static str, String)> {
    let tag = signer.tag("");
    vec![(HEADER, hex(&tag))]
}
