//! Standard Webhooks: the published vectors, its entries and header families, keys that are
//! not base64, and timestamps as its libraries read them.

use super::*;

#[test]
fn standard_webhooks_published_vectors_are_valid() {
    let check = check_generic(
        &headers(&[
            ("webhook-id", STANDARD_ID),
            ("webhook-timestamp", "1649367553"),
            ("webhook-signature", STANDARD_SIGNATURE),
        ]),
        STANDARD_BODY.as_bytes(),
        &secrets(&[(S::Standard, STANDARD_SECRET)]),
        STANDARD_TS,
    );
    assert_eq!(check.signature.scheme, Some(S::Standard));
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));

    // The libraries' second vector; openssl agrees on g0hM9SsE….
    let check = check_generic(
        &headers(&[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            (
                "webhook-signature",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ),
        ]),
        br#"{"test": 2432232314}"#,
        &secrets(&[(S::Standard, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]),
        1_614_265_330,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
}

#[test]
fn standard_accepts_any_of_several_entries_and_skips_v1a() {
    let secrets = secrets(&[(S::Standard, STANDARD_SECRET)]);
    let other = BASE64.encode([9u8; 32]);
    let value = format!(
        "v1a,{} v1,{other} {STANDARD_SIGNATURE}",
        BASE64.encode([1u8; 64])
    );
    let check = check_generic(
        &headers(&[
            ("webhook-id", STANDARD_ID),
            ("webhook-timestamp", "1649367553"),
            ("webhook-signature", &value),
        ]),
        STANDARD_BODY.as_bytes(),
        &secrets,
        STANDARD_TS,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(note(&check).contains("entry 2 of 2"), "{}", note(&check));
    assert!(
        note(&check).contains("1 v1a (ed25519) entry not checked"),
        "{}",
        note(&check)
    );
}

#[test]
fn standard_with_only_v1a_entries_has_nothing_to_check_with() {
    let value = format!("v1a,{}", BASE64.encode([1u8; 64]));
    let check = check_generic(
        &headers(&[
            ("webhook-id", STANDARD_ID),
            ("webhook-timestamp", "1649367553"),
            ("webhook-signature", &value),
        ]),
        STANDARD_BODY.as_bytes(),
        &secrets(&[(S::Standard, STANDARD_SECRET)]),
        STANDARD_TS,
    );
    assert_eq!(check.signature.scheme, Some(S::Standard));
    assert_eq!(check.signature.verdict, V::NoSecret, "{}", note(&check));
    assert!(note(&check).contains("only v1a"), "{}", note(&check));
}

#[test]
fn standard_accepts_svix_header_names() {
    let check = check_generic(
        &headers(&[
            ("svix-id", STANDARD_ID),
            ("svix-timestamp", "1649367553"),
            ("svix-signature", STANDARD_SIGNATURE),
        ]),
        STANDARD_BODY.as_bytes(),
        &secrets(&[(S::Standard, STANDARD_SECRET)]),
        STANDARD_TS,
    );
    assert_eq!(check.signature.scheme, Some(S::Standard));
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(
        note(&check).starts_with("svix-signature matches"),
        "{}",
        note(&check)
    );
}

#[test]
fn standard_reads_the_id_from_the_signature_header_family_first() {
    let check = check_generic(
        &headers(&[
            ("webhook-id", "msg_other"),
            ("svix-id", STANDARD_ID),
            ("svix-timestamp", "1649367553"),
            ("svix-signature", STANDARD_SIGNATURE),
        ]),
        STANDARD_BODY.as_bytes(),
        &secrets(&[(S::Standard, STANDARD_SECRET)]),
        STANDARD_TS,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
}

#[test]
fn standard_under_both_names_is_checked_once_under_its_own() {
    let check = check_generic(
        &headers(&[
            ("svix-signature", "v1,bm90IHRoZSByaWdodCBvbmU="),
            ("webhook-id", STANDARD_ID),
            ("webhook-timestamp", "1649367553"),
            ("webhook-signature", STANDARD_SIGNATURE),
        ]),
        STANDARD_BODY.as_bytes(),
        &secrets(&[(S::Standard, STANDARD_SECRET)]),
        STANDARD_TS,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(note(&check).starts_with("webhook-signature matches"));
    assert!(!note(&check).contains("also came"), "{}", note(&check));
}

#[test]
fn standard_secret_that_is_not_base64_is_used_as_text_and_said_so() {
    let secret = "whsec_not*base64";
    let body = b"{}";
    let pairs = sign(S::Standard, secret, body, 1_700_000_000, "msg_1");
    let check = check_generic(
        &owned_headers(&pairs),
        body,
        &secrets(&[(S::Standard, secret)]),
        1_700_000_000,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(
        note(&check).contains("secret 1 of 1 is not base64 after whsec_"),
        "{}",
        note(&check)
    );
}

// Timestamps written with a sign, leading zeros, spaces or a fraction. Each case was run
// through stripe-python 16, stripe-node, standardwebhooks (Python and JavaScript) and
// slack_sdk; the MACs were computed with `openssl dgst -sha256 -hmac` over the text named.

fn standard_verdict(timestamp: &str, signature: &str) -> (SignatureVerdict, String) {
    let check = check_generic(
        &headers(&[
            ("webhook-id", STANDARD_ID),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature),
        ]),
        STANDARD_BODY.as_bytes(),
        &secrets(&[(S::Standard, STANDARD_SECRET)]),
        STANDARD_TS,
    );
    (check.signature.verdict, note(&check).to_owned())
}

#[test]
fn standard_signs_the_timestamp_as_the_plain_number_its_libraries_read() {
    // Over "{id}.+1649367553.{body}".
    let over_plus = "v1,aaVMIvmDqgpGYNHbLPYdAm7YBIh7LR838GrIXxSA/vw=";
    for (timestamp, signature, verdict) in [
        ("+1649367553", STANDARD_SIGNATURE, V::Valid),
        ("01649367553", STANDARD_SIGNATURE, V::Valid),
        // Both libraries take a fraction and sign the whole seconds below it.
        ("1649367553.9", STANDARD_SIGNATURE, V::Valid),
        ("1649367553.", STANDARD_SIGNATURE, V::Valid),
        ("+1649367553", over_plus, V::Invalid),
    ] {
        let (verdict_now, note) = standard_verdict(timestamp, signature);
        assert_eq!(verdict_now, verdict, "{timestamp}: {note}");
    }
    // Forms the Python and JavaScript libraries read differently from each other.
    for timestamp in [
        "1.649367553e9",
        "1_649_367_553",
        "1649367553abc",
        "0x6250",
        "",
    ] {
        let (verdict, note) = standard_verdict(timestamp, STANDARD_SIGNATURE);
        assert_eq!(verdict, V::Malformed, "{timestamp}: {note}");
    }
    let (verdict, _) = standard_verdict("99999999999999999999", STANDARD_SIGNATURE);
    assert_eq!(verdict, V::Invalid);
}
