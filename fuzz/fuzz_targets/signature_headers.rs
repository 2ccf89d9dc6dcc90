//! Signature headers of every scheme with any values: the input is split at newlines into a
//! signature value, a timestamp value, a message id and the body. Each scheme's headers are
//! set alone, then all at once, and checked against secrets for every scheme; whatever the
//! values, verifying never panics and a note never quotes a secret. Then the body is signed
//! properly for each scheme and must verify.
#![no_main]

use chrono::{TimeZone, Utc};
use hookscope::decode::signature::{self, Secret, Secrets};
use hookscope::event::{HeaderList, Provider, SignatureScheme, SignatureVerdict};
use libfuzzer_sys::fuzz_target;

const SECRETS: [(SignatureScheme, &str); 7] = [
    (SignatureScheme::Wms, "macSecret"),
    (SignatureScheme::Prism, "prism-secret"),
    (SignatureScheme::Github, "It's a Secret to Everybody"),
    (SignatureScheme::Stripe, "whsec_test_secret"),
    (
        SignatureScheme::Standard,
        "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    ),
    (SignatureScheme::Shopify, "hush"),
    (SignatureScheme::Slack, "8f742231b10e8888abcd99yyyzzz85a5"),
];

/// The headers a scheme's signature travels in: (signature, timestamp, message id).
fn names(scheme: SignatureScheme) -> (&'static [u8], Option<&'static [u8]>, Option<&'static [u8]>) {
    match scheme {
        SignatureScheme::Wms => (b"x-wms-content-mac", None, None),
        SignatureScheme::Prism => (b"x-prism-signature", None, None),
        SignatureScheme::Github => (b"x-hub-signature-256", None, None),
        SignatureScheme::Stripe => (b"stripe-signature", None, None),
        SignatureScheme::Shopify => (b"x-shopify-hmac-sha256", None, None),
        SignatureScheme::Slack => (
            b"x-slack-signature",
            Some(b"x-slack-request-timestamp"),
            None,
        ),
        SignatureScheme::Standard => (
            b"webhook-signature",
            Some(b"webhook-timestamp"),
            Some(b"webhook-id"),
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut pieces = data.splitn(4, |&b| b == b'\n');
    let value = pieces.next().unwrap_or_default();
    let timestamp = pieces.next().unwrap_or_default();
    let id = pieces.next().unwrap_or_default();
    let body = pieces.next().unwrap_or_default();

    let mut secrets = Secrets::default();
    for (scheme, secret) in SECRETS {
        secrets.add(scheme, Secret::new(secret));
    }
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
    let providers = [
        Provider::Wms,
        Provider::Prism,
        Provider::PrismVideo,
        Provider::Generic,
    ];
    let check = |headers: &HeaderList, provider: Provider| {
        let result = signature::verify(headers, body, provider, &secrets, now);
        if let Some(note) = &result.signature.note {
            for (_, secret) in SECRETS {
                assert!(!note.contains(secret), "a note quotes a secret: {note}");
            }
        }
        result
    };

    let mut all: Vec<(&[u8], &[u8])> = Vec::new();
    for scheme in SignatureScheme::ALL {
        let (signature_name, timestamp_name, id_name) = names(scheme);
        let mut pairs: Vec<(&[u8], &[u8])> = vec![(signature_name, value)];
        pairs.extend(timestamp_name.map(|n| (n, timestamp)));
        pairs.extend(id_name.map(|n| (n, id)));
        all.extend(pairs.iter().copied());
        let headers = HeaderList::from_pairs(pairs);
        for provider in providers {
            check(&headers, provider);
        }
    }
    check(&HeaderList::from_pairs(all), Provider::Generic);

    // Signed as the scheme signs, any body verifies. Message ids are kept to the characters
    // senders use.
    let id: String = String::from_utf8_lossy(id)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let id = if id.is_empty() { "msg_1".to_owned() } else { id };
    for (scheme, secret) in SECRETS {
        let signed = signature::sign(scheme, secret, body, now.timestamp(), &id);
        let pairs: Vec<(&[u8], &[u8])> = signed
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        let result = check(&HeaderList::from_pairs(pairs), Provider::Generic);
        assert_eq!(
            result.signature.verdict,
            SignatureVerdict::Valid,
            "{scheme:?}: {:?}",
            result.signature.note
        );
    }
});
