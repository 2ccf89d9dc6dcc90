//! Tests of redelivery matching, alone and through the whole analyzer.

use super::*;
use crate::analysis::testkit::{Harness, at, event};
use crate::analysis::{AnalysisLimits, Analyzer};
use crate::event::facts::Facts;

/// Delivers `body` at each time, answering with the given statuses; returns the events.
fn deliver(
    h: &mut Harness,
    provider: Provider,
    body: &str,
    times: &[(f64, u16)],
) -> Vec<CapturedEvent> {
    times
        .iter()
        .map(|&(secs, status)| {
            let mut e = event(provider, body, at(secs));
            e.response.status = status;
            e.response.set_latency_ms(0.0);
            h.feed_event(e, &Facts::None)
        })
        .collect()
}

#[test]
fn re_sends_are_numbered_and_linked_to_the_answer_before() {
    let mut h = Harness::new();
    let ev = deliver(
        &mut h,
        Provider::Generic,
        "{}",
        &[(0.0, 503), (0.3, 500), (5.4, 200)],
    );
    assert_eq!(ev[0].analysis.redelivery, None);
    let r1 = ev[1].analysis.redelivery.clone().unwrap();
    assert_eq!(
        (r1.retry, r1.first_id, r1.previous_id, r1.previous_status),
        (1, 1, 1, 503)
    );
    assert!((r1.delay_ms - 300.0).abs() < 1e-6);
    assert_eq!(r1.schedule, None);
    let r2 = ev[2].analysis.redelivery.clone().unwrap();
    assert_eq!(
        (r2.retry, r2.first_id, r2.previous_id, r2.previous_status),
        (2, 1, 2, 500)
    );
    assert!((r2.delay_ms - 5400.0).abs() < 1e-6);
}

#[test]
fn only_the_same_provider_method_path_and_non_empty_body() {
    let mut h = Harness::new();
    deliver(&mut h, Provider::Generic, "a", &[(0.0, 200)]);
    let mut other_path = event(Provider::Generic, "a", at(1.0));
    other_path.path = "/other".into();
    let mut other_method = event(Provider::Generic, "a", at(1.0));
    other_method.method = "PUT".into();
    for e in [
        other_path,
        other_method,
        event(Provider::Prism, "a", at(1.0)),
        event(Provider::Generic, "b", at(1.0)),
        event(Provider::Generic, "", at(1.0)),
        event(Provider::Generic, "", at(2.0)),
    ] {
        assert_eq!(h.feed_event(e, &Facts::None).analysis.redelivery, None);
    }
    let same = deliver(&mut h, Provider::Generic, "a", &[(3.0, 200)]);
    assert_eq!(
        same[0].analysis.redelivery.as_ref().map(|r| r.retry),
        Some(1)
    );
}

#[test]
fn the_window_counts_from_the_first_delivery_and_old_entries_leave() {
    let mut h = Harness::new();
    let ev = deliver(
        &mut h,
        Provider::Generic,
        "x",
        &[(0.0, 503), (119.0, 503), (121.0, 503), (130.0, 200)],
    );
    assert_eq!(ev[1].analysis.redelivery.as_ref().map(|r| r.retry), Some(1));
    assert_eq!(
        ev[2].analysis.redelivery, None,
        "121 s after the first: a new delivery"
    );
    let r = ev[3].analysis.redelivery.clone().unwrap();
    assert_eq!((r.retry, r.first_id, r.previous_id), (1, 3, 3));
    assert!((r.delay_ms - 9000.0).abs() < 1e-6);

    deliver(&mut h, Provider::Generic, "y", &[(131.0, 200)]);
    assert_eq!(h.analyzer.counters().deliveries, 2);
    deliver(&mut h, Provider::Generic, "z", &[(400.0, 200)]);
    let counters = h.analyzer.counters();
    assert_eq!((counters.deliveries, counters.deliveries_dropped), (1, 0));
}

#[test]
fn prism_re_sends_are_compared_with_the_documented_schedule() {
    // Counting each wait from the previous attempt: +0, +5, +30 → 0, 5, 35 s after the first.
    let mut h = Harness::new();
    let ev = deliver(
        &mut h,
        Provider::Prism,
        "{\"eventType\":\"scan.processing.succeeded\"}",
        &[(0.0, 503), (0.2, 503), (5.3, 503), (35.4, 503), (36.0, 503)],
    );
    let notes: Vec<String> = ev[1..]
        .iter()
        .map(|e| {
            e.analysis
                .redelivery
                .clone()
                .unwrap()
                .schedule
                .unwrap()
                .into_string()
        })
        .collect();
    assert_eq!(
        notes[0],
        "Re-send #1 came 0.2 s after the previous answer (503): fits the documented immediate re-send."
    );
    assert!(
        notes[1].contains(
            "fits the documented +5 s, counted from the previous attempt or the first failure alike"
        ),
        "{}",
        notes[1]
    );
    assert!(
        notes[2].ends_with("fits the documented +30 s counted from the previous attempt."),
        "{}",
        notes[2]
    );
    assert!(
        notes[3].contains("stops after three re-sends"),
        "{}",
        notes[3]
    );

    // Counting from the first failure: 0, 5, 30 s after it.
    let mut h = Harness::new();
    let ev = deliver(
        &mut h,
        Provider::PrismVideo,
        "v",
        &[(0.0, 500), (0.1, 500), (5.0, 500), (30.2, 500)],
    );
    let note = ev[3].analysis.redelivery.clone().unwrap().schedule.unwrap();
    assert!(
        note.ends_with("fits the documented +30 s counted from the first failure."),
        "{note}"
    );

    // Neither, and a re-send after a success.
    let mut h = Harness::new();
    let ev = deliver(&mut h, Provider::Prism, "p", &[(0.0, 200), (12.0, 200)]);
    let note = ev[1].analysis.redelivery.clone().unwrap().schedule.unwrap();
    assert!(
        note.starts_with("The previous delivery was answered 200;"),
        "{note}"
    );
    assert!(
        note.ends_with("the documented first re-send is immediate."),
        "{note}"
    );
    let ev = deliver(&mut h, Provider::Prism, "p", &[(20.0, 503)]);
    let note = ev[0].analysis.redelivery.clone().unwrap().schedule.unwrap();
    assert!(note.ends_with("does not fit the documented +5 s, counted from the previous attempt or from the first failure."), "{note}");
}

#[test]
fn the_failure_is_counted_from_hookscopes_answer() {
    // Answered after a 3 s delay: the sender learns of the failure at 3 s.
    let mut h = Harness::new();
    let mut first = event(Provider::Prism, "slow", at(0.0));
    first.response = crate::event::ResponseInfo::local(503, 3000.0);
    h.feed_event(first, &Facts::None);
    let ev = deliver(&mut h, Provider::Prism, "slow", &[(3.1, 503)]);
    let note = ev[0].analysis.redelivery.clone().unwrap().schedule.unwrap();
    assert!(
        note.contains("came 0.1 s after the previous answer (503): fits"),
        "{note}"
    );
}

#[test]
fn interleaved_observe_and_stored_still_link() {
    let mut a = Analyzer::new(AnalysisLimits::default());
    let mut first = event(Provider::Generic, "body", at(0.0));
    let mut second = event(Provider::Generic, "body", at(0.5));
    a.observe(&mut first, &Facts::None);
    a.observe(&mut second, &Facts::None);
    let r = second.analysis.redelivery.clone().unwrap();
    assert_eq!(
        (r.retry, r.first_id, r.previous_id, r.previous_status),
        (1, 0, 0, 0)
    );
    first.id = 1;
    first.response.status = 503;
    second.id = 2;
    second.response.status = 502;
    a.stored(&first);
    a.stored(&second);
    let mut third = event(Provider::Generic, "body", at(1.0));
    a.observe(&mut third, &Facts::None);
    let r = third.analysis.redelivery.unwrap();
    assert_eq!(
        (r.retry, r.first_id, r.previous_id, r.previous_status),
        (2, 1, 2, 502)
    );
}

#[test]
fn a_first_delivery_costs_24_bytes_and_any_latency_is_taken() {
    assert_eq!(std::mem::size_of::<First>(), 24);
    let first = First::new(10, 7, 10 + 1_500_000, 503);
    assert_eq!(
        (first.first_answered_at(), first.status()),
        (1_500_010, 503)
    );
    // Latencies read from a file may be absurd: kept as far as they fit, never a panic.
    let huge = First::new(0, 1, i64::MAX, 200);
    assert_eq!(
        (huge.first_answered_at(), huge.status()),
        (MAX_ANSWER_MICROS, 200)
    );

    let mut h = Harness::new();
    let mut first = event(Provider::Prism, "b", at(0.0));
    first.response.status = 503;
    first.response.set_latency_ms(f64::MAX);
    h.feed_event(first, &Facts::None);
    let again = h.feed_event(event(Provider::Prism, "b", at(1.0)), &Facts::None);
    let r = again.analysis.redelivery.unwrap();
    assert_eq!((r.retry, r.first_id, r.previous_status), (1, 1, 503));
}

#[test]
fn the_table_is_bounded() {
    let mut r = Redeliveries::new(std::time::Duration::from_secs(120));
    for i in 0..MAX_REDELIVERY_ENTRIES as u64 + 3 {
        let e = event(Provider::Generic, "b", at(0.0));
        r.observe(&e, i);
    }
    assert_eq!((r.len(), r.dropped()), (MAX_REDELIVERY_ENTRIES, 3));
    // The oldest went first.
    let e = event(Provider::Generic, "b", at(1.0));
    assert!(r.observe(&e, 0).is_none());
    assert!(r.observe(&e, 10).is_some());
}

#[test]
fn the_schedule_fits_either_reading_and_ends_after_three() {
    use super::fits_prism_schedule as fits;
    // Immediately, then +5 s and +30 s after the previous attempt: 0, 5, 35 s after the first.
    assert_eq!(fits(1, 0.2, 0.2), Some(true));
    assert_eq!(fits(2, 5.1, 5.3), Some(true));
    assert_eq!(fits(3, 30.1, 35.4), Some(true));
    // Or after the first failure: the third 25 s after the second, 30 s after the first.
    assert_eq!(fits(3, 25.0, 30.2), Some(true));
    // A first re-send 4 s late, a second at +12 s either way.
    assert_eq!(fits(1, 4.0, 4.0), Some(false));
    assert_eq!(fits(2, 12.0, 12.5), Some(false));
    assert_eq!(fits(4, 30.0, 65.0), None);
    assert_eq!(fits(0, 0.0, 0.0), None);
}
