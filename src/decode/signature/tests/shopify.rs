//! Shopify: a vector computed with openssl.

use super::*;

#[test]
fn shopify_vector_is_valid() {
    let check = check_generic(
        &headers(&[("X-Shopify-Hmac-Sha256", SHOPIFY_SIGNATURE)]),
        SHOPIFY_BODY.as_bytes(),
        &secrets(&[(S::Shopify, SHOPIFY_SECRET)]),
        0,
    );
    assert_eq!(check.signature.scheme, Some(S::Shopify));
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
}
