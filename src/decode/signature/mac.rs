//! HMAC-SHA256 keys and tags: how a secret becomes a key (as text, or decoded the Standard
//! Webhooks way), the keyed state kept with each secret, and computing a tag for a sender.

use std::borrow::Cow;
use std::sync::OnceLock;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::tag::{BASE64, MAC_LEN};

pub(super) type HmacSha256 = Hmac<Sha256>;

/// How a scheme turns a secret's text into HMAC key bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyForm {
    /// The text's bytes. Stripe's `whsec_…` is among these: Stripe keys the HMAC with the
    /// whole string.
    Text,
    /// Standard Webhooks: the base64 after `whsec_` (or the whole text) decoded; the text
    /// itself when it is not base64.
    WhsecBase64,
}

impl KeyForm {
    /// Why `secret` cannot be a key of this form, said without quoting it; completes a
    /// sentence such as "the standard secret from HOOKSCOPE_SECRET_STANDARD …".
    pub(super) fn refusal(self, secret: &str) -> Option<&'static str> {
        // A Standard Webhooks secret is the base64 of the key after `whsec_`; one that does not
        // decode was cut or mistyped, and would only ever give `invalid` verdicts.
        let encoded = secret
            .strip_prefix("whsec_")
            .filter(|_| self == KeyForm::WhsecBase64)?;
        if encoded.is_empty() {
            return Some("has nothing after whsec_");
        }
        if !super::tag::is_base64(encoded) {
            return Some("starts with whsec_ but what follows is not base64");
        }
        None
    }
}

/// A secret turned into HMAC key bytes.
pub(super) struct SigningKey {
    pub(super) bytes: Vec<u8>,
    /// False when a Standard Webhooks secret was not base64 after `whsec_` and its text was used.
    pub(super) decoded_as_documented: bool,
}

pub(super) fn signing_key(form: KeyForm, secret: &str) -> SigningKey {
    if form == KeyForm::WhsecBase64 {
        let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
        if let Ok(bytes) = BASE64.decode(encoded) {
            return SigningKey {
                bytes,
                decoded_as_documented: true,
            };
        }
    }
    SigningKey {
        bytes: secret.as_bytes().to_vec(),
        decoded_as_documented: form == KeyForm::Text,
    }
}

fn keyed_mac(key: &[u8]) -> HmacSha256 {
    // HMAC hashes over-long keys and pads short ones, so no key length is refused.
    <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// A secret's keyed HMAC state, made on first use and kept with the secret.
#[derive(Clone, Default)]
pub(super) struct KeyCache(OnceLock<Keyed>);

/// An HMAC state with the key already absorbed; cloned for each message.
#[derive(Clone)]
pub(super) struct Keyed {
    /// How the key was made; a secret is nearly always used one way only.
    form: KeyForm,
    pub(super) mac: HmacSha256,
    pub(super) decoded_as_documented: bool,
}

impl KeyCache {
    /// The keyed state for `secret` made as `form`: from this cache when it was made the same
    /// way, else made now.
    pub(super) fn keyed(&self, form: KeyForm, secret: &str) -> Cow<'_, Keyed> {
        let make = || {
            let key = signing_key(form, secret);
            Keyed {
                form,
                mac: keyed_mac(&key.bytes),
                decoded_as_documented: key.decoded_as_documented,
            }
        };
        let cached = self.0.get_or_init(make);
        if cached.form == form {
            Cow::Borrowed(cached)
        } else {
            Cow::Owned(make())
        }
    }
}

/// What a sender signs with: the key, the body, and the values a timestamped scheme puts
/// before it.
pub(super) struct Signer<'a> {
    mac: HmacSha256,
    body: &'a [u8],
    /// Unix seconds (stripe, standard, slack).
    pub(super) timestamp: i64,
    /// The message id (standard).
    pub(super) message_id: &'a str,
}

impl<'a> Signer<'a> {
    pub(super) fn new(
        form: KeyForm,
        secret: &str,
        body: &'a [u8],
        timestamp: i64,
        message_id: &'a str,
    ) -> Signer<'a> {
        Signer {
            mac: keyed_mac(&signing_key(form, secret).bytes),
            body,
            timestamp,
            message_id,
        }
    }

    /// The tag over `prefix` then the body.
    pub(super) fn tag(&self, prefix: &str) -> [u8; MAC_LEN] {
        let mut mac = self.mac.clone();
        mac.update(prefix.as_bytes());
        mac.update(self.body);
        mac.finalize().into_bytes().into()
    }
}
