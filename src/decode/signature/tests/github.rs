//! GitHub: the published vector.

use super::*;

#[test]
fn github_published_vector_is_valid() {
    let check = check_generic(
        &headers(&[("X-Hub-Signature-256", GITHUB_SIGNATURE)]),
        GITHUB_BODY.as_bytes(),
        &secrets(&[(S::Github, GITHUB_SECRET)]),
        0,
    );
    assert_eq!(check.signature.scheme, Some(S::Github));
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert_eq!(
        note(&check),
        "X-Hub-Signature-256 matches the raw body bytes with secret 1 of 1."
    );
    assert!(check.anomalies.is_empty());
}
