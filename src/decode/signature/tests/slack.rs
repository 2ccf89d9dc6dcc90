//! Slack: the published vector, its timestamp header, and timestamps signed as sent.

use super::*;

#[test]
fn slack_published_vector_is_valid() {
    let check = check_generic(
        &headers(&[
            ("X-Slack-Request-Timestamp", "1531420618"),
            ("X-Slack-Signature", SLACK_SIGNATURE),
        ]),
        SLACK_BODY.as_bytes(),
        &secrets(&[(S::Slack, SLACK_SECRET)]),
        SLACK_TS + 10,
    );
    assert_eq!(check.signature.scheme, Some(S::Slack));
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert!(note(&check).contains("10 s old"), "{}", note(&check));
}

#[test]
fn slack_vector_for_an_altered_body_computed_with_openssl() {
    // The slash-command example with another token and command: Slack's published signature
    // does not cover it; openssl gives db6e72b5….
    let body = "token=xyzz0WbapA4vBCDEbOTFy4LYA6_3O1rN&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebz&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let secrets = secrets(&[(S::Slack, SLACK_SECRET)]);
    let with = |signature: &str| {
        check_generic(
            &headers(&[
                ("X-Slack-Request-Timestamp", "1531420618"),
                ("X-Slack-Signature", signature),
            ]),
            body.as_bytes(),
            &secrets,
            SLACK_TS,
        )
    };
    let check = with("v0=db6e72b5efd2f3385efe8293b1555f856ea088c5498047a181bc6f9b3e3e2b0c");
    assert_eq!(check.signature.verdict, V::Valid, "{}", note(&check));
    assert_eq!(with(SLACK_SIGNATURE).signature.verdict, V::Invalid);
}

#[test]
fn non_utf8_timestamp_header_is_malformed() {
    let headers = HeaderList::from_pairs([
        (&b"X-Slack-Signature"[..], SLACK_SIGNATURE.as_bytes()),
        (&b"X-Slack-Request-Timestamp"[..], &b"15314\xff0618"[..]),
    ]);
    let check = check_generic(
        &headers,
        SLACK_BODY.as_bytes(),
        &secrets(&[(S::Slack, SLACK_SECRET)]),
        SLACK_TS,
    );
    assert_eq!(check.signature.verdict, V::Malformed, "{}", note(&check));
}

// Timestamps written with a sign, leading zeros, spaces or a fraction. Each case was run
// through stripe-python 16, stripe-node, standardwebhooks (Python and JavaScript) and
// slack_sdk; the MACs were computed with `openssl dgst -sha256 -hmac` over the text named.

fn slack_verdict(timestamp: &str, signature: &str) -> (SignatureVerdict, String) {
    let check = check_generic(
        &headers(&[
            ("X-Slack-Request-Timestamp", timestamp),
            ("X-Slack-Signature", signature),
        ]),
        SLACK_BODY.as_bytes(),
        &secrets(&[(S::Slack, SLACK_SECRET)]),
        SLACK_TS,
    );
    (check.signature.verdict, note(&check).to_owned())
}

#[test]
fn slack_signs_the_timestamp_text_as_sent() {
    // slack_sdk and Bolt put the header's text in the base string unchanged.
    for (timestamp, mac, verdict) in [
        (
            "+1531420618",
            "a0cfd4fbc51d08fd5f272ce8201721556dae10f27e719706233104d241bcccfa",
            V::Valid,
        ),
        (
            "01531420618",
            "f97be45fd441bd03e30272e98f5016047e4717988588047fe73b8059e9aa3c5a",
            V::Valid,
        ),
        (
            "1_531_420_618",
            "df1c5fdbdb59069b16b297d8e83098377c90d37f17ddf8d166f83294c88526f5",
            V::Valid,
        ),
        (
            "99999999999999999999",
            "f5ab4c50a670658973eec5444c7ff1f1aa64aacf0c6a39a41c854601705badf1",
            V::Stale,
        ),
        (
            "+1531420618",
            SLACK_SIGNATURE.trim_start_matches("v0="),
            V::Invalid,
        ),
    ] {
        let (verdict_now, note) = slack_verdict(timestamp, &format!("v0={mac}"));
        assert_eq!(verdict_now, verdict, "{timestamp}: {note}");
    }
    // slack_sdk's int() refuses these.
    for timestamp in ["1531420618.0", "1_531__420_618", "_1531420618"] {
        let (verdict, note) = slack_verdict(timestamp, SLACK_SIGNATURE);
        assert_eq!(verdict, V::Malformed, "{timestamp}: {note}");
    }
}

#[test]
fn extreme_timestamps_are_stale_not_a_panic() {
    let body = b"{}";
    for timestamp in [i64::MIN, i64::MAX, 0] {
        let pairs = sign(S::Slack, "k", body, timestamp, "");
        let check = check_generic(
            &owned_headers(&pairs),
            body,
            &secrets(&[(S::Slack, "k")]),
            1_700_000_000,
        );
        assert_eq!(
            check.signature.verdict,
            V::Stale,
            "{timestamp}: {}",
            note(&check)
        );
    }
}
