//! Checking and signing through the public face, across all schemes: vectors signed again,
//! round trips, rotation, malformed headers, tolerance, missing headers and the notes' wording.
//! Each scheme's own cases are in `tests/<scheme>.rs`; the helpers and vectors here serve both.

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

use super::check::verify;
use super::mac::signing_key;
use super::schemes::rules;
use super::secret::{Secret, Secrets};
use super::sign::sign;
use super::tag::BASE64;
use super::verdict::SignatureCheck;
use crate::event::{HeaderList, Provider, SignatureScheme, SignatureVerdict};

use SignatureScheme as S;
use SignatureVerdict as V;

mod github;
mod prism;
mod shopify;
mod slack;
mod standard;
mod stripe;
mod wms;

fn headers(pairs: &[(&str, &str)]) -> HeaderList {
    HeaderList::from_pairs(pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())))
}

type HeaderPairs = Vec<(&'static str, String)>;

fn owned_headers(pairs: &[(&'static str, String)]) -> HeaderList {
    HeaderList::from_pairs(pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())))
}

fn secrets(entries: &[(SignatureScheme, &str)]) -> Secrets {
    let mut secrets = Secrets::default();
    for (scheme, secret) in entries {
        secrets.add(*scheme, Secret::new(*secret));
    }
    secrets
}

fn at(unix: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix, 0)
        .single()
        .expect("a valid instant")
}

/// The name notes give a scheme's signature header.
fn header_name(scheme: SignatureScheme) -> &'static str {
    rules(scheme).headers[0]
}

fn note(check: &SignatureCheck) -> &str {
    check.signature.note.as_deref().unwrap_or_default()
}

fn check_generic(headers: &HeaderList, body: &[u8], secrets: &Secrets, now: i64) -> SignatureCheck {
    verify(headers, body, Provider::Generic, secrets, at(now))
}

const GITHUB_SECRET: &str = "It's a Secret to Everybody";

const GITHUB_BODY: &str = "Hello, World!";

const GITHUB_SIGNATURE: &str =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

const STANDARD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

const STANDARD_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";

const STANDARD_TS: i64 = 1_649_367_553;

const STANDARD_BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;

const STANDARD_SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

const SLACK_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

const SLACK_TS: i64 = 1_531_420_618;

/// Slack's published slash-command example ("Verifying requests from Slack").
const SLACK_BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

const SLACK_SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const STRIPE_SECRET: &str = "whsec_test_secret";

const STRIPE_TS: i64 = 1_700_000_000;

const STRIPE_BODY: &str = r#"{"id":"evt_1","object":"event"}"#;

const STRIPE_V1: &str = "0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd";

const SHOPIFY_SECRET: &str = "hush";

const SHOPIFY_BODY: &str = r#"{"id":1}"#;

const SHOPIFY_SIGNATURE: &str = "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=";

const WMS_SECRET: &str = "macSecret";

const WMS_BODY: &str = r#"{"sku":"A1","qty":3}"#;

const WMS_SIGNATURE: &str =
    "hmac-sha256=1f46bc1cc5a45591b9ebfc09e5baa3965b5e46c4ebabf380826e2b62950ea07b";

const PRISM_SECRET: &str = "prism-secret";

const PRISM_BODY: &str = r#"{"event":"ping"}"#;

const PRISM_SIGNATURE: &str = "2ac2fd3b5ea5702056d99785c2b1db6c7f18df63b97affc6dd8ca46dabcefb94";

/// A valid request for each scheme, made with `sign`, and the secret and time it holds for.
fn signed_request(scheme: SignatureScheme) -> (HeaderList, Vec<u8>, &'static str, i64) {
    let body = br#"{"event":"video.completed","id":"gen_1"}"#.to_vec();
    let secret = match scheme {
        S::Standard => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        S::Stripe => "whsec_roundtrip",
        _ => "Zq8vT1mW4pR-roundtrip",
    };
    let timestamp = 1_700_000_000;
    let pairs = sign(scheme, secret, &body, timestamp, "msg_roundtrip");
    (owned_headers(&pairs), body, secret, timestamp)
}

// Published vectors.

#[test]
fn openssl_vectors_for_rotated_secrets() {
    // printf '%s' BODY | openssl dgst -sha256 -hmac SECRET (base64 of -binary for Shopify).
    let cases = [
        (
            S::Github,
            "gh-second",
            r#"{"action":"opened"}"#,
            vec![(
                "X-Hub-Signature-256",
                "sha256=96daaf3dec0f562346370362873fafb4104af32694c6f812d96502e81a5196df",
            )],
            0,
        ),
        (
            S::Stripe,
            "whsec_rotated",
            r#"{"id":"evt_2"}"#,
            vec![(
                "Stripe-Signature",
                "t=1700000300,v1=74996376f16808492ed5f692351c91d52cb97aefa0b502c36a3502caeab9710d",
            )],
            1_700_000_300,
        ),
        (
            S::Shopify,
            "shop-other",
            r#"{"id":2}"#,
            vec![(
                "X-Shopify-Hmac-Sha256",
                "Dy9pukn192264AF7MlSZZRYP7zCJKe4Bese4kLx6MfM=",
            )],
            0,
        ),
        (
            S::Slack,
            "slack-own",
            "a=1&b=2",
            vec![
                ("X-Slack-Request-Timestamp", "1700000000"),
                (
                    "X-Slack-Signature",
                    "v0=f78bf26a3017dfe4b44fd6d3650c8ebfe417a1214b5e6bc37aab6a502af3913c",
                ),
            ],
            1_700_000_000,
        ),
    ];
    for (scheme, secret, body, pairs, now) in cases {
        let rotated = secrets(&[(scheme, "an-older-secret"), (scheme, secret)]);
        let check = check_generic(&headers(&pairs), body.as_bytes(), &rotated, now);
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(
            check.signature.verdict,
            V::Valid,
            "{scheme:?}: {}",
            note(&check)
        );
        assert!(note(&check).contains("secret 2 of 2"), "{}", note(&check));
    }
}

#[test]
fn sign_reproduces_the_published_vectors() {
    let github = sign(S::Github, GITHUB_SECRET, GITHUB_BODY.as_bytes(), 0, "");
    assert_eq!(
        github,
        vec![("X-Hub-Signature-256", GITHUB_SIGNATURE.to_string())]
    );
    let standard = sign(
        S::Standard,
        STANDARD_SECRET,
        STANDARD_BODY.as_bytes(),
        STANDARD_TS,
        STANDARD_ID,
    );
    assert_eq!(
        standard,
        vec![
            ("webhook-id", STANDARD_ID.to_string()),
            ("webhook-timestamp", "1649367553".to_string()),
            ("webhook-signature", STANDARD_SIGNATURE.to_string()),
        ]
    );
    let slack = sign(S::Slack, SLACK_SECRET, SLACK_BODY.as_bytes(), SLACK_TS, "");
    assert_eq!(
        slack,
        vec![
            ("X-Slack-Request-Timestamp", "1531420618".to_string()),
            ("X-Slack-Signature", SLACK_SIGNATURE.to_string()),
        ]
    );
    let stripe = sign(
        S::Stripe,
        STRIPE_SECRET,
        STRIPE_BODY.as_bytes(),
        STRIPE_TS,
        "",
    );
    assert_eq!(
        stripe,
        vec![("Stripe-Signature", format!("t=1700000000,v1={STRIPE_V1}"))]
    );
    let shopify = sign(S::Shopify, SHOPIFY_SECRET, SHOPIFY_BODY.as_bytes(), 0, "");
    assert_eq!(
        shopify,
        vec![("X-Shopify-Hmac-Sha256", SHOPIFY_SIGNATURE.to_string())]
    );
    let wms = sign(S::Wms, WMS_SECRET, WMS_BODY.as_bytes(), 0, "");
    assert_eq!(wms, vec![("X-WMS-Content-MAC", WMS_SIGNATURE.to_string())]);
    let prism = sign(S::Prism, PRISM_SECRET, PRISM_BODY.as_bytes(), 0, "");
    assert_eq!(
        prism,
        vec![("X-Prism-Signature", PRISM_SIGNATURE.to_string())]
    );
}

// Every scheme, through sign and verify.

#[test]
fn sign_round_trips_through_verify_for_every_scheme() {
    for scheme in SignatureScheme::ALL {
        let (headers, body, secret, timestamp) = signed_request(scheme);
        let check = check_generic(&headers, &body, &secrets(&[(scheme, secret)]), timestamp);
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(
            check.signature.verdict,
            V::Valid,
            "{scheme:?}: {}",
            note(&check)
        );
        assert!(note(&check).ends_with('.'));
    }
}

#[test]
fn a_changed_body_is_invalid_for_every_scheme() {
    for scheme in SignatureScheme::ALL {
        let (headers, mut body, secret, timestamp) = signed_request(scheme);
        body.push(b' ');
        let check = check_generic(&headers, &body, &secrets(&[(scheme, secret)]), timestamp);
        assert_eq!(
            check.signature.verdict,
            V::Invalid,
            "{scheme:?}: {}",
            note(&check)
        );
    }
}

#[test]
fn a_wrong_secret_is_invalid_for_every_scheme() {
    for scheme in SignatureScheme::ALL {
        let (headers, body, _, timestamp) = signed_request(scheme);
        let wrong = secrets(&[(scheme, "whsec_d3JvbmctYnV0LWJhc2U2NA==")]);
        let check = check_generic(&headers, &body, &wrong, timestamp);
        assert_eq!(
            check.signature.verdict,
            V::Invalid,
            "{scheme:?}: {}",
            note(&check)
        );
        assert!(note(&check).contains("does not match"), "{}", note(&check));
    }
}

#[test]
fn rotation_accepts_the_second_secret_for_every_scheme() {
    for scheme in SignatureScheme::ALL {
        let (headers, body, secret, timestamp) = signed_request(scheme);
        let rotated = secrets(&[(scheme, "whsec_b2xkLXNlY3JldA=="), (scheme, secret)]);
        let check = check_generic(&headers, &body, &rotated, timestamp);
        assert_eq!(
            check.signature.verdict,
            V::Valid,
            "{scheme:?}: {}",
            note(&check)
        );
        assert!(note(&check).contains("secret 2 of 2"), "{}", note(&check));
    }
}

#[test]
fn a_header_without_a_secret_is_no_secret_for_every_scheme() {
    for scheme in SignatureScheme::ALL {
        let (headers, body, _, timestamp) = signed_request(scheme);
        // A secret for another scheme must not be used for this one.
        let other = if scheme == S::Github {
            S::Wms
        } else {
            S::Github
        };
        let check = check_generic(
            &headers,
            &body,
            &secrets(&[(other, "unrelated")]),
            timestamp,
        );
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(
            check.signature.verdict,
            V::NoSecret,
            "{scheme:?}: {}",
            note(&check)
        );
    }
}

#[test]
fn header_names_match_case_insensitively() {
    for scheme in SignatureScheme::ALL {
        let (_, body, secret, timestamp) = signed_request(scheme);
        let pairs: Vec<(String, String)> = sign(scheme, secret, &body, timestamp, "msg_x")
            .into_iter()
            .map(|(name, value)| (name.to_ascii_uppercase(), value))
            .collect();
        let headers =
            HeaderList::from_pairs(pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
        let check = check_generic(&headers, &body, &secrets(&[(scheme, secret)]), timestamp);
        assert_eq!(
            check.signature.verdict,
            V::Valid,
            "{scheme:?}: {}",
            note(&check)
        );
    }
}

#[test]
fn non_utf8_signature_values_are_malformed_for_every_scheme() {
    for scheme in SignatureScheme::ALL {
        let name = header_name(scheme);
        let headers = HeaderList::from_pairs([(name.as_bytes(), &b"\xff\xfe\x80"[..])]);
        let check = check_generic(&headers, b"{}", &secrets(&[(scheme, "k")]), 0);
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(
            check.signature.verdict,
            V::Malformed,
            "{scheme:?}: {}",
            note(&check)
        );
        assert!(note(&check).contains("UTF-8"), "{}", note(&check));
    }
}

#[test]
fn malformed_values_for_the_single_header_schemes() {
    let sixty_four_x = "x".repeat(64);
    let short_hex = "ab".repeat(31);
    let cases: [(SignatureScheme, &str, &str, &str); 11] = [
        (S::Prism, "X-Prism-Signature", "ab", "holds 1 byte where"),
        (
            S::Github,
            "X-Hub-Signature-256",
            GITHUB_SIGNATURE.trim_start_matches("sha256="),
            "sha256= prefix",
        ),
        (
            S::Github,
            "X-Hub-Signature-256",
            "sha1=0a0b",
            "sha256= prefix",
        ),
        (
            S::Github,
            "X-Hub-Signature-256",
            &format!("sha256={sixty_four_x}"),
            "not hexadecimal",
        ),
        (
            S::Github,
            "X-Hub-Signature-256",
            &format!("sha256={short_hex}"),
            "31 bytes",
        ),
        (
            S::Wms,
            "X-WMS-Content-MAC",
            WMS_SIGNATURE.trim_start_matches("hmac-sha256="),
            "hmac-sha256= prefix",
        ),
        (S::Wms, "X-WMS-Content-MAC", "", "hmac-sha256= prefix"),
        (S::Prism, "X-Prism-Signature", "abc", "not hexadecimal"),
        (
            S::Prism,
            "X-Prism-Signature",
            &format!("sha256={short_hex}"),
            "31 bytes",
        ),
        (
            S::Shopify,
            "X-Shopify-Hmac-Sha256",
            "not base64!",
            "not base64",
        ),
        (S::Shopify, "X-Shopify-Hmac-Sha256", "aGVsbG8=", "5 bytes"),
    ];
    for (scheme, name, value, why) in cases {
        let check = check_generic(
            &headers(&[(name, value)]),
            b"{}",
            &secrets(&[(scheme, "k")]),
            0,
        );
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(
            check.signature.verdict,
            V::Malformed,
            "{value}: {}",
            note(&check)
        );
        assert!(note(&check).contains(why), "{value}: {}", note(&check));
    }
}

#[test]
fn malformed_values_for_the_timestamped_schemes() {
    let tag_hex = "ab".repeat(32);
    let tag_b64 = BASE64.encode([7u8; 32]);
    let cases: Vec<(SignatureScheme, HeaderPairs, &str)> = vec![
        (
            S::Slack,
            vec![("X-Slack-Signature", format!("v0={tag_hex}"))],
            "X-Slack-Request-Timestamp header",
        ),
        (
            S::Slack,
            vec![
                ("X-Slack-Signature", format!("v0={tag_hex}")),
                ("X-Slack-Request-Timestamp", "yesterday".into()),
            ],
            "not whole Unix seconds",
        ),
        (
            S::Slack,
            vec![
                ("X-Slack-Signature", tag_hex.clone()),
                ("X-Slack-Request-Timestamp", "1700000000".into()),
            ],
            "v0= prefix",
        ),
        (
            S::Stripe,
            vec![("Stripe-Signature", format!("v1={tag_hex}"))],
            "no t= timestamp",
        ),
        (
            S::Stripe,
            vec![("Stripe-Signature", format!("t=soon,v1={tag_hex}"))],
            "not whole Unix seconds",
        ),
        (
            S::Stripe,
            vec![("Stripe-Signature", format!("t=1700000000,v0={tag_hex}"))],
            "no v1= signature",
        ),
        (
            S::Stripe,
            vec![("Stripe-Signature", "t=1700000000,v1=zz".into())],
            "64-digit hex",
        ),
        (
            S::Standard,
            vec![
                ("webhook-signature", format!("v1,{tag_b64}")),
                ("webhook-timestamp", "1700000000".into()),
            ],
            "webhook-id header",
        ),
        (
            S::Standard,
            vec![
                ("webhook-signature", format!("v1,{tag_b64}")),
                ("webhook-id", "msg_1".into()),
            ],
            "webhook-timestamp header",
        ),
        (
            S::Standard,
            vec![
                ("webhook-signature", format!("v1,{tag_b64}")),
                ("webhook-id", "msg_1".into()),
                ("webhook-timestamp", "1.7e9".into()),
            ],
            "not whole Unix seconds",
        ),
        (
            S::Standard,
            vec![
                ("webhook-signature", "v1,%%%".into()),
                ("webhook-id", "msg_1".into()),
                ("webhook-timestamp", "1700000000".into()),
            ],
            "base64 of a 32-byte",
        ),
        (
            S::Standard,
            vec![
                ("webhook-signature", tag_b64.clone()),
                ("webhook-id", "msg_1".into()),
                ("webhook-timestamp", "1700000000".into()),
            ],
            "no v1, entry",
        ),
    ];
    for (scheme, pairs, why) in cases {
        let check = check_generic(
            &owned_headers(&pairs),
            b"{}",
            &secrets(&[(scheme, "whsec_a2V5")]),
            1_700_000_000,
        );
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(
            check.signature.verdict,
            V::Malformed,
            "{pairs:?}: {}",
            note(&check)
        );
        assert!(note(&check).contains(why), "{pairs:?}: {}", note(&check));
    }
}

#[test]
fn timestamped_schemes_are_stale_outside_300_seconds_either_way() {
    for scheme in [S::Stripe, S::Standard, S::Slack] {
        let (headers, body, secret, timestamp) = signed_request(scheme);
        let secrets = secrets(&[(scheme, secret)]);
        for (offset, verdict) in [
            (-301, V::Stale),
            (-300, V::Valid),
            (0, V::Valid),
            (300, V::Valid),
            (301, V::Stale),
            (7_325, V::Stale),
        ] {
            let check = check_generic(&headers, &body, &secrets, timestamp + offset);
            assert_eq!(
                check.signature.verdict,
                verdict,
                "{scheme:?} {offset}: {}",
                note(&check)
            );
        }
        let old = check_generic(&headers, &body, &secrets, timestamp + 7_325);
        assert!(
            note(&old).contains("7325 s (about 2 h) old"),
            "{}",
            note(&old)
        );
        assert!(note(&old).contains("secret 1 of 1"), "{}", note(&old));
        let future = check_generic(&headers, &body, &secrets, timestamp - 600);
        assert!(
            note(&future).contains("600 s (about 10 min) in the future"),
            "{}",
            note(&future)
        );
    }
}

#[test]
fn a_mismatch_is_invalid_even_when_also_old() {
    for scheme in [S::Stripe, S::Standard, S::Slack] {
        let (headers, mut body, secret, timestamp) = signed_request(scheme);
        body.push(b'!');
        let check = check_generic(
            &headers,
            &body,
            &secrets(&[(scheme, secret)]),
            timestamp + 3_600,
        );
        assert_eq!(
            check.signature.verdict,
            V::Invalid,
            "{scheme:?}: {}",
            note(&check)
        );
        assert!(note(&check).contains("also 3600 s"), "{}", note(&check));
    }
}

#[test]
fn no_secret_still_says_when_the_timestamp_is_outside_tolerance() {
    let (headers, body, _, timestamp) = signed_request(S::Stripe);
    let check = check_generic(&headers, &body, &Secrets::default(), timestamp + 900);
    assert_eq!(check.signature.verdict, V::NoSecret);
    assert!(
        note(&check).contains("900 s (about 15 min) old"),
        "{}",
        note(&check)
    );
}

// No signature header.

#[test]
fn missing_when_the_provider_scheme_has_a_secret() {
    let cases = [
        (Provider::Wms, S::Wms, "X-WMS-Content-MAC"),
        (Provider::PrismVideo, S::Prism, "X-Prism-Signature"),
    ];
    for (provider, scheme, name) in cases {
        let secrets = secrets(&[(scheme, "k1"), (scheme, "k2")]);
        let check = verify(&HeaderList::default(), b"{}", provider, &secrets, at(0));
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(check.signature.verdict, V::Missing);
        assert_eq!(
            note(&check),
            format!(
                "No {name} header came although 2 {} secrets are set.",
                scheme.as_str()
            )
        );
    }
}

#[test]
fn unsigned_when_the_provider_scheme_has_no_secret() {
    for (provider, scheme) in [(Provider::Wms, S::Wms), (Provider::PrismVideo, S::Prism)] {
        // A secret for another scheme does not make this one missing.
        let secrets = secrets(&[(S::Github, "k")]);
        let check = verify(&HeaderList::default(), b"{}", provider, &secrets, at(0));
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(check.signature.verdict, V::Unsigned, "{}", note(&check));
    }
}

#[test]
fn generic_is_missing_only_when_exactly_one_scheme_has_secrets() {
    let plain = headers(&[("Content-Type", "application/json")]);
    let one = check_generic(
        &plain,
        b"{}",
        &secrets(&[(S::Stripe, "a"), (S::Stripe, "b")]),
        0,
    );
    assert_eq!(one.signature.scheme, Some(S::Stripe));
    assert_eq!(one.signature.verdict, V::Missing);
    assert!(
        note(&one).contains("No Stripe-Signature header"),
        "{}",
        note(&one)
    );

    let none = check_generic(&plain, b"{}", &Secrets::default(), 0);
    assert_eq!(none.signature.scheme, None);
    assert_eq!(none.signature.verdict, V::Unsigned);

    let two = check_generic(
        &plain,
        b"{}",
        &secrets(&[(S::Github, "a"), (S::Slack, "b")]),
        0,
    );
    assert_eq!(two.signature.scheme, None);
    assert_eq!(two.signature.verdict, V::Unsigned);
    assert!(note(&two).contains("github, slack"), "{}", note(&two));
}

#[test]
fn every_scheme_reports_missing_from_a_generic_sender_with_its_secret() {
    for scheme in SignatureScheme::ALL {
        let check = check_generic(&HeaderList::default(), b"{}", &secrets(&[(scheme, "k")]), 0);
        assert_eq!(check.signature.scheme, Some(scheme));
        assert_eq!(check.signature.verdict, V::Missing, "{scheme:?}");
        assert!(
            note(&check).contains(header_name(scheme)),
            "{}",
            note(&check)
        );
    }
}

#[test]
fn the_header_decides_the_scheme_and_the_first_in_order_wins() {
    let mut pairs = sign(S::Github, GITHUB_SECRET, WMS_BODY.as_bytes(), 0, "");
    pairs.extend(sign(S::Wms, WMS_SECRET, WMS_BODY.as_bytes(), 0, ""));
    let secrets = secrets(&[(S::Wms, WMS_SECRET), (S::Github, GITHUB_SECRET)]);
    // A Prism sender with WMS and GitHub headers: the header present decides, WMS first.
    let check = verify(
        &owned_headers(&pairs),
        WMS_BODY.as_bytes(),
        Provider::Prism,
        &secrets,
        at(0),
    );
    assert_eq!(check.signature.scheme, Some(S::Wms));
    assert_eq!(check.signature.verdict, V::Valid);
    assert!(
        note(&check)
            .contains("X-Hub-Signature-256 also came but only X-WMS-Content-MAC was checked"),
        "{}",
        note(&check)
    );
}

// Notes.

#[test]
fn notes_never_reveal_a_secret_or_the_expected_mac() {
    let secret = "Zq8vT1mW4pR-roundtrip";
    let mut outcomes = Vec::new();
    for scheme in SignatureScheme::ALL {
        let (headers, body, signing_secret, timestamp) = signed_request(scheme);
        let expected_values: Vec<String> =
            sign(scheme, signing_secret, &body, timestamp, "msg_roundtrip")
                .into_iter()
                .map(|(_, value)| value)
                .collect();
        let configured = secrets(&[(scheme, secret), (scheme, signing_secret)]);
        let mut tampered = body.clone();
        tampered.push(b'x');
        for (body, now) in [
            (&body, timestamp),
            (&tampered, timestamp),
            (&body, timestamp + 10_000),
        ] {
            let check = check_generic(&headers, body, &configured, now);
            outcomes.push((scheme, signing_secret, expected_values.clone(), check));
        }
        let check = check_generic(&HeaderList::default(), &body, &configured, timestamp);
        outcomes.push((scheme, signing_secret, expected_values.clone(), check));
    }
    for (scheme, signing_secret, expected_values, check) in outcomes {
        let text = note(&check);
        for secret in [secret, signing_secret] {
            let secret = secret.strip_prefix("whsec_").unwrap_or(secret);
            for window in secret.as_bytes().windows(6) {
                let window = std::str::from_utf8(window).unwrap_or_default();
                assert!(
                    !text.contains(window),
                    "{scheme:?} note leaks {window:?}: {text}"
                );
            }
        }
        for value in expected_values {
            let mac = value.rsplit(['=', ',']).next().unwrap_or_default();
            if mac.len() >= 40 {
                assert!(
                    !text.contains(&mac[..16]),
                    "{scheme:?} note leaks the MAC: {text}"
                );
            }
        }
    }
}

#[test]
fn a_secret_keyed_for_one_scheme_is_keyed_afresh_for_another() {
    // Standard Webhooks keys with the base64-decoded secret, every other scheme with its
    // text: the key kept with a secret must never be used for the other kind.
    let body = b"{\"sessionId\":\"s\"}";
    let secret = Secret::new(STANDARD_SECRET);
    let mut standard = Secrets::default();
    standard.add(S::Standard, secret.clone());
    let mut wms = Secrets::default();
    wms.add(S::Wms, secret.clone());
    let standard_headers = owned_headers(&sign(S::Standard, STANDARD_SECRET, body, 1, "m"));
    let wms_headers = owned_headers(&sign(S::Wms, STANDARD_SECRET, body, 0, ""));
    for round in 0..2 {
        let check = check_generic(&standard_headers, body, &standard, 1);
        assert_eq!(
            check.signature.verdict,
            V::Valid,
            "round {round}: {}",
            note(&check)
        );
        let check = check_generic(&wms_headers, body, &wms, 1);
        assert_eq!(
            check.signature.verdict,
            V::Valid,
            "round {round}: {}",
            note(&check)
        );
    }
    // A copy of the secret whose kept key was made the Standard way, now under WMS.
    let mut mixed = Secrets::default();
    mixed.add(S::Wms, standard.for_scheme(S::Standard)[0].clone());
    let check = check_generic(&wms_headers, body, &mixed, 1);
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    let check = check_generic(&wms_headers, b"{}", &mixed, 1);
    assert_eq!(check.signature.verdict, V::Invalid, "{}", note(&check));
}

proptest! {
    #[test]
    fn arbitrary_header_bytes_never_panic_nor_pass(
        scheme_index in 0..SignatureScheme::ALL.len(),
        value in proptest::collection::vec(any::<u8>(), 0..120),
        stamp in proptest::collection::vec(any::<u8>(), 0..24),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let scheme = SignatureScheme::ALL[scheme_index];
        let headers = HeaderList::from_pairs([
            (header_name(scheme).as_bytes(), value.as_slice()),
            (&b"X-Slack-Request-Timestamp"[..], stamp.as_slice()),
            (&b"webhook-timestamp"[..], stamp.as_slice()),
            (&b"webhook-id"[..], stamp.as_slice()),
        ]);
        let check = check_generic(&headers, &body, &secrets(&[(scheme, "k")]), 1_700_000_000);
        prop_assert_eq!(check.signature.scheme, Some(scheme));
        prop_assert!(check.signature.verdict != V::Valid && check.signature.verdict != V::Stale);
        prop_assert!(note(&check).ends_with('.'));
    }
}
