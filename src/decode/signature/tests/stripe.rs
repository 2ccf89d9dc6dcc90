//! Stripe: its test vector, several `v1` entries, the whole `whsec_` key, and timestamps as
//! its libraries read them.

use super::*;

#[test]
fn stripe_vector_is_valid() {
    let check = check_generic(
        &headers(&[("Stripe-Signature", &format!("t=1700000000,v1={STRIPE_V1}"))]),
        STRIPE_BODY.as_bytes(),
        &secrets(&[(S::Stripe, STRIPE_SECRET)]),
        STRIPE_TS + 60,
    );
    assert_eq!(check.signature.scheme, Some(S::Stripe));
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
}

#[test]
fn stripe_accepts_any_of_several_v1_entries_and_ignores_v0() {
    let secrets = secrets(&[(S::Stripe, STRIPE_SECRET)]);
    let other = "ab".repeat(32);
    let value = format!("t=1700000000,v1={other},v1={STRIPE_V1},v0={STRIPE_V1}");
    let check = check_generic(
        &headers(&[("Stripe-Signature", &value)]),
        STRIPE_BODY.as_bytes(),
        &secrets,
        STRIPE_TS,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(note(&check).contains("entry 2 of 2"), "{}", note(&check));
    assert!(
        note(&check).contains("1 v0= entry ignored"),
        "{}",
        note(&check)
    );

    // v0 is never checked, even when it holds the right MAC.
    let value = format!("t=1700000000,v1={other},v0={STRIPE_V1}");
    let check = check_generic(
        &headers(&[("Stripe-Signature", &value)]),
        STRIPE_BODY.as_bytes(),
        &secrets,
        STRIPE_TS,
    );
    assert_eq!(check.signature.verdict, V::Invalid, "{}", note(&check));

    // An unreadable v1 beside a matching one is reported but does not spoil it.
    let value = format!("t=1700000000,v1=nothex,v1={STRIPE_V1}");
    let check = check_generic(
        &headers(&[("Stripe-Signature", &value)]),
        STRIPE_BODY.as_bytes(),
        &secrets,
        STRIPE_TS,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(
        note(&check).contains("1 v1= entry that is not 64-digit hex was skipped"),
        "{}",
        note(&check)
    );
}

#[test]
fn stripe_keys_with_the_whole_whsec_string() {
    // "dGVzdA==" is base64 for "test": Stripe must not decode it the Standard Webhooks way.
    // openssl dgst -sha256 -hmac 'whsec_dGVzdA==' over "1700000000.{body}" gives b1b02ce1…,
    // while the decoded key "test" would give 56956ea0….
    let secret = "whsec_dGVzdA==";
    let whole_string = "b1b02ce1e19ca8ac51115bf0af8a61f7ca8a4c8259441fca66a42a76fd9d8f81";
    let decoded_key = "56956ea0db9e6cc80bba36c62ea6b0dd7ae8b0e129e6398daddb769371568ab7";
    let stripe = sign(S::Stripe, secret, STRIPE_BODY.as_bytes(), STRIPE_TS, "");
    assert_eq!(stripe[0].1, format!("t=1700000000,v1={whole_string}"));
    let secrets = secrets(&[(S::Stripe, secret)]);
    for (mac, verdict) in [(whole_string, V::Valid), (decoded_key, V::Invalid)] {
        let value = format!("t=1700000000,v1={mac}");
        let check = check_generic(
            &headers(&[("Stripe-Signature", &value)]),
            STRIPE_BODY.as_bytes(),
            &secrets,
            STRIPE_TS,
        );
        assert_eq!(check.signature.verdict, verdict, "{}", note(&check));
    }
    assert_eq!(signing_key(rules(S::Standard).key, secret).bytes, b"test");
}

// Timestamps written with a sign, leading zeros, spaces or a fraction. Each case was run
// through stripe-python 16, stripe-node, standardwebhooks (Python and JavaScript) and
// slack_sdk; the MACs were computed with `openssl dgst -sha256 -hmac` over the text named.

/// The verdict for a Stripe-Signature of `t={t},v1={mac}` over the Stripe vector's body.
fn stripe_verdict(entries: &str) -> (SignatureVerdict, String) {
    let check = check_generic(
        &headers(&[("Stripe-Signature", entries)]),
        STRIPE_BODY.as_bytes(),
        &secrets(&[(S::Stripe, STRIPE_SECRET)]),
        STRIPE_TS,
    );
    (check.signature.verdict, note(&check).to_owned())
}

#[test]
fn stripe_signs_the_timestamp_as_the_plain_number_its_libraries_read() {
    // Over "+1700000000.{body}" and "01700000000.{body}", which the libraries never compute.
    let over_plus = "531cdeb4906e4524422e510087f3c8fe0609af19d457fa17b832bf5fddc49e1e";
    let over_zero = "e3a3ce2f6bf70a9c5140984bae24af45798302275e864bdc4bb163c5c5eee45d";
    for (t, mac, verdict) in [
        ("+1700000000", STRIPE_V1, V::Valid),
        ("01700000000", STRIPE_V1, V::Valid),
        (" 1700000000 ", STRIPE_V1, V::Valid),
        ("+0001700000000", STRIPE_V1, V::Valid),
        // stripe-python splits each entry at its first two '=': the rest is not read.
        ("1700000000=9", STRIPE_V1, V::Valid),
        ("+1700000000", over_plus, V::Invalid),
        ("01700000000", over_zero, V::Invalid),
    ] {
        let (verdict_now, note) = stripe_verdict(&format!("t={t},v1={mac}"));
        assert_eq!(verdict_now, verdict, "t={t}: {note}");
    }
    let (_, note) = stripe_verdict(&format!("t=+1700000000,v1={STRIPE_V1}"));
    assert!(note.contains("read as 1700000000"), "{note}");
}

#[test]
fn stripe_timestamps_its_libraries_refuse_or_read_differently_are_malformed() {
    for entries in [
        // int() takes underscores, stripe-node's parseInt stops at the first one.
        format!("t=1_700_000_000,v1={STRIPE_V1}"),
        // A fraction: int() refuses it, parseInt drops it.
        format!("t=1700000000.0,v1={STRIPE_V1}"),
        format!("t=1.7e9,v1={STRIPE_V1}"),
        format!("t=,v1={STRIPE_V1}"),
        format!("t=+,v1={STRIPE_V1}"),
        // Arabic-Indic digits: int() reads them, parseInt does not.
        format!("t=١٧٠٠٠٠٠٠٠٠,v1={STRIPE_V1}"),
    ] {
        let (verdict, note) = stripe_verdict(&entries);
        assert_eq!(verdict, V::Malformed, "{entries}: {note}");
        assert!(note.contains("not whole Unix seconds"), "{note}");
    }
    // Entry names are compared as written: no Stripe library reads " t".
    let (verdict, note) = stripe_verdict(&format!("v1={STRIPE_V1}, t=1700000000"));
    assert_eq!(verdict, V::Malformed, "{note}");
    assert!(note.contains("no t= timestamp"), "{note}");
}

#[test]
fn stripe_negative_and_huge_timestamps_are_stale_when_the_mac_matches() {
    let over_huge = "bcee7a5d594bde1071a37e04becc712400bbb181e6739036badc7037d6018597";
    let over_negative = "c6d36052b450451a16ad180864dba6b5f1bfdef8027fc79967fd48b24f1fc720";
    for (t, mac) in [
        ("99999999999999999999999", over_huge),
        ("-1700000000", over_negative),
        ("-0001700000000", over_negative),
    ] {
        let (verdict, note) = stripe_verdict(&format!("t={t},v1={mac}"));
        assert_eq!(verdict, V::Stale, "t={t}: {note}");
    }
    let (verdict, note) = stripe_verdict(&format!("t=99999999999999999999999,v1={STRIPE_V1}"));
    assert_eq!(verdict, V::Invalid, "{note}");
}
