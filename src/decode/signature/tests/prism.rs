//! Prism: its vector, bare and prefixed, and scan events, which carry no signature.

use super::*;

#[test]
fn prism_vector_is_valid_bare_and_with_sha256_prefix() {
    let secrets = secrets(&[(S::Prism, PRISM_SECRET)]);
    for value in [
        PRISM_SIGNATURE.to_string(),
        format!("sha256={PRISM_SIGNATURE}"),
    ] {
        let check = verify(
            &headers(&[("X-Prism-Signature", &value)]),
            PRISM_BODY.as_bytes(),
            Provider::PrismVideo,
            &secrets,
            at(0),
        );
        assert_eq!(check.signature.scheme, Some(S::Prism));
        assert_eq!(
            check.signature.verdict,
            V::Valid,
            "{value}: {}",
            note(&check)
        );
    }
}

#[test]
fn prism_scan_events_are_never_missing_a_signature() {
    let secrets = secrets(&[(S::Prism, "k")]);
    let check = verify(
        &HeaderList::default(),
        b"{}",
        Provider::Prism,
        &secrets,
        at(0),
    );
    assert_eq!(check.signature.scheme, None);
    assert_eq!(check.signature.verdict, V::Unsigned);
    assert!(note(&check).contains("document none"), "{}", note(&check));
}
