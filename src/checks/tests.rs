use super::*;
use crate::event::build::EventBuilder;
use crate::event::{Anomaly, Signature, SignatureScheme};

fn checks(list: &[(CheckKind, &str)]) -> Checks {
    let list = list
        .iter()
        .map(|(kind, query)| Check::parse(*kind, query).unwrap())
        .collect();
    Checks::new(list, Duration::from_secs(60), Duration::ZERO)
}

fn wms(id: u64, kind: &str, verdict: SignatureVerdict) -> CapturedEvent {
    EventBuilder::new(id)
        .provider(Provider::Wms)
        .kind(kind)
        .signature(Signature {
            scheme: Some(SignatureScheme::Wms),
            verdict,
            note: (verdict == SignatureVerdict::Invalid)
                .then(|| "X-WMS-Content-MAC does not match".into()),
        })
        .build()
}

#[test]
fn expectations_are_met_once_each_matched() {
    let c = checks(&[
        (CheckKind::Expect, "provider:wms type:RESULTS_RECEIVED"),
        (CheckKind::Expect, "provider:wms"),
        (CheckKind::Forbid, "sig:invalid"),
    ]);
    assert_eq!(c.verdict(), Verdict::Waiting);
    c.observe(&wms(1, "WMS_LOADED", SignatureVerdict::Valid));
    assert_eq!(c.verdict(), Verdict::Waiting);
    assert_eq!(c.short_state(), "checks 1/2");
    c.observe(&wms(2, "RESULTS_RECEIVED", SignatureVerdict::Valid));
    assert_eq!(c.verdict(), Verdict::Met);
    assert_eq!(c.short_state(), "checks ✓ 2/2");
    assert_eq!(c.matched(0).unwrap().id, 2);
    assert_eq!(c.matched(1).unwrap().id, 1, "the first match is kept");
    assert_eq!(c.failure(End::Decided), None);
    assert_eq!(c.seen(), 2);
}

#[test]
fn the_first_forbidden_event_decides_and_is_named() {
    let c = checks(&[
        (CheckKind::Expect, "provider:wms"),
        (CheckKind::Forbid, "sig:invalid"),
        (CheckKind::Forbid, "gap"),
    ]);
    c.observe(&wms(7, "INTERMEDIATE_RESULTS", SignatureVerdict::Invalid));
    c.observe(&wms(8, "INTERMEDIATE_RESULTS", SignatureVerdict::Invalid));
    assert_eq!(c.verdict(), Verdict::Forbidden(1));
    assert_eq!(
        c.failure(End::Decided).unwrap(),
        "forbidden 'sig:invalid' matched #7: wms INTERMEDIATE_RESULTS, X-WMS-Content-MAC does not match"
    );
    assert_eq!(c.short_state(), "✗ forbidden 'sig:invalid' #7");
}

#[test]
fn unmet_expectations_say_which_and_forbids_alone_pass_at_the_timeout() {
    let c = checks(&[
        (CheckKind::Expect, "provider:prism"),
        (CheckKind::Expect, "anomaly"),
    ]);
    c.observe(&EventBuilder::new(1).build());
    assert_eq!(
        c.failure(End::TimedOut).unwrap(),
        "timed out after 60 s with 2 expectations unmet: 'provider:prism', 'anomaly' (1 event seen)"
    );
    assert!(
        c.failure(End::Stopped)
            .unwrap()
            .starts_with("stopped after ")
    );

    let only_forbids = checks(&[(CheckKind::Forbid, "anomaly")]);
    only_forbids.observe(&EventBuilder::new(1).build());
    assert_eq!(only_forbids.verdict(), Verdict::Waiting);
    assert_eq!(only_forbids.failure(End::TimedOut), None);
    let mut odd = EventBuilder::new(2).build();
    odd.analysis
        .anomalies
        .push(Anomaly::text("odd_thing", "something odd"));
    only_forbids.observe(&odd);
    assert_eq!(only_forbids.verdict(), Verdict::Forbidden(0));
}

#[test]
fn bad_and_empty_queries_are_refused_with_their_flag() {
    let error = Check::parse(CheckKind::Forbid, "sev:eror").unwrap_err();
    assert!(
        error.to_string().starts_with("--forbid 'sev:eror': "),
        "{error}"
    );
    let error = Check::parse(CheckKind::Expect, "  ").unwrap_err();
    assert!(error.to_string().contains("empty query"), "{error}");
}

#[test]
fn text_from_a_request_is_escaped_in_the_summary() {
    let event = EventBuilder::new(3).path("/a\u{1b}[2Jb").build();
    let summary = summary(&event);
    assert!(!summary.contains('\u{1b}'), "{summary:?}");
}

#[tokio::test(start_paused = true)]
async fn the_run_ends_at_the_verdict_after_settling_or_at_the_timeout() {
    let c = std::sync::Arc::new(Checks::new(
        vec![
            Check::parse(CheckKind::Expect, "provider:wms").unwrap(),
            Check::parse(CheckKind::Forbid, "sig:invalid").unwrap(),
        ],
        Duration::from_secs(60),
        Duration::from_secs(5),
    ));
    let waiting = tokio::spawn({
        let c = std::sync::Arc::clone(&c);
        async move { c.conclusion().await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    c.observe(&wms(1, "WMS_LOADED", SignatureVerdict::Valid));
    // Met, but a forbidden event may still come within the settle time: it does.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!waiting.is_finished());
    c.observe(&wms(2, "WMS_LOADED", SignatureVerdict::Invalid));
    assert_eq!(waiting.await.unwrap(), End::Decided);
    assert_eq!(c.verdict(), Verdict::Forbidden(1));

    let never = Checks::new(
        vec![Check::parse(CheckKind::Expect, "provider:wms").unwrap()],
        Duration::from_secs(90),
        Duration::ZERO,
    );
    assert_eq!(never.conclusion().await, End::TimedOut);
}
