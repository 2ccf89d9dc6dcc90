//! WMS: its test vector, and the bodies folded to ASCII that the vendor's sample code signs.

use super::*;

#[test]
fn wms_vector_is_valid_without_anomaly() {
    let check = verify(
        &headers(&[("X-WMS-Content-MAC", WMS_SIGNATURE)]),
        WMS_BODY.as_bytes(),
        Provider::Wms,
        &secrets(&[(S::Wms, WMS_SECRET)]),
        at(0),
    );
    assert_eq!(check.signature.scheme, Some(S::Wms));
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(check.anomalies.is_empty());
}

// The WMS 'ascii' pitfall.

/// `{"name":"Zoë"}` signed with `macSecret` three ways (openssl dgst -sha256 -hmac):
/// the UTF-8 bytes, Node's 'ascii' fold (ë → 0xEB), and ë → '?'.
const ZOE_BODY: &str = r#"{"name":"Zoë"}"#;

const ZOE_RAW: &str = "b0fe091db0b6fea00155b1b5f2fef64dc3af837f6018432095e96c4d6ac10fcd";

const ZOE_NODE_ASCII: &str = "3552becf3873a573466bc44702de6c45c72695b16f367f3426f773ebb7edcf5f";

const ZOE_QUESTION: &str = "b5e67ff28ab5e9145002a246afd266f43f9327aa188bd07b091f2e1963c01e6d";

fn wms_check(mac_hex: &str, body: &[u8]) -> SignatureCheck {
    verify(
        &headers(&[("X-WMS-Content-MAC", &format!("hmac-sha256={mac_hex}"))]),
        body,
        Provider::Wms,
        &secrets(&[(S::Wms, WMS_SECRET)]),
        at(0),
    )
}

#[test]
fn wms_raw_match_on_a_non_ascii_body_warns_about_the_vendor_sample() {
    let check = wms_check(ZOE_RAW, ZOE_BODY.as_bytes());
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(
        note(&check).contains("matches the raw body bytes"),
        "{}",
        note(&check)
    );
    assert_eq!(check.anomalies.len(), 1);
    assert_eq!(check.anomalies[0].code(), "wms_ascii_mismatch");
    assert!(
        check.anomalies[0]
            .message()
            .contains("vendor's sample recipient code")
    );
}

#[test]
fn wms_node_ascii_fold_match_is_valid_and_said() {
    let check = wms_check(ZOE_NODE_ASCII, ZOE_BODY.as_bytes());
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(
        note(&check).contains("Node's 'ascii' encoding"),
        "{}",
        note(&check)
    );
    assert!(
        note(&check).contains(
            "not the bytes sent, with secret 1 of 1: the sender signed the ASCII-folded body"
        ),
        "{}",
        note(&check)
    );
    assert!(check.anomalies.is_empty());
}

#[test]
fn wms_question_mark_fold_match_is_valid_and_said() {
    let check = wms_check(ZOE_QUESTION, ZOE_BODY.as_bytes());
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(note(&check).contains("replaced by '?'"), "{}", note(&check));
    assert!(
        note(&check).contains("not the bytes sent"),
        "{}",
        note(&check)
    );
    assert!(check.anomalies.is_empty());
}

#[test]
fn wms_surrogate_pairs_fold_to_two_bytes() {
    // printf '{"e":"=\x00"}' | openssl dgst -sha256 -hmac macSecret
    let body = r#"{"e":"😀"}"#.as_bytes();
    let check = wms_check(
        "07f3588e8dd6086e7124f6c119630cefa23c34d52ce013d0de50363c06cde607",
        body,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(note(&check).contains("Node's 'ascii'"), "{}", note(&check));
    // printf '{"e":"?"}' | openssl dgst -sha256 -hmac macSecret
    let check = wms_check(
        "e5701487459af979dd673aa5e347774ddb42d4cf17867ea77759a8db46026e6b",
        body,
    );
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(note(&check).contains("replaced by '?'"), "{}", note(&check));
    // printf '{"e":"😀"}' | openssl dgst -sha256 -hmac macSecret
    let check = wms_check(
        "b73a3b96fbbb16bf19adaa81b3bdc795249525abf5378e559a714f5b462d0a03",
        body,
    );
    assert_eq!(check.anomalies.len(), 1);
}

#[test]
fn wms_mismatch_on_every_form_is_invalid_and_says_all_were_tried() {
    let check = wms_check(&"00".repeat(32), ZOE_BODY.as_bytes());
    assert_eq!(check.signature.verdict, V::Invalid);
    assert!(
        note(&check).contains("nor over the body folded"),
        "{}",
        note(&check)
    );
    assert!(check.anomalies.is_empty());
}

#[test]
fn folded_forms_are_only_tried_for_wms() {
    // The Node-folded MAC of this body, offered under GitHub's header, must not pass.
    let check = check_generic(
        &headers(&[("X-Hub-Signature-256", &format!("sha256={ZOE_NODE_ASCII}"))]),
        ZOE_BODY.as_bytes(),
        &secrets(&[(S::Github, WMS_SECRET)]),
        0,
    );
    assert_eq!(check.signature.verdict, V::Invalid);
    let check = check_generic(
        &headers(&[("X-Hub-Signature-256", &format!("sha256={ZOE_RAW}"))]),
        ZOE_BODY.as_bytes(),
        &secrets(&[(S::Github, WMS_SECRET)]),
        0,
    );
    assert_eq!(check.signature.verdict, V::Valid);
    assert!(check.anomalies.is_empty());
}

#[test]
fn wms_over_a_body_that_is_not_utf8() {
    let body = b"{\"k\":\"\xff\xfe\"}";
    let pairs = sign(S::Wms, WMS_SECRET, body, 0, "");
    let check = verify(
        &owned_headers(&pairs),
        body,
        Provider::Wms,
        &secrets(&[(S::Wms, WMS_SECRET)]),
        at(0),
    );
    assert_eq!(check.signature.verdict, V::Valid);
    assert_eq!(check.anomalies.len(), 1);
}
