//! Tests of WMS session sequences, fed through the whole analyzer as the capture path feeds it.

use super::*;
use crate::analysis::testkit::{Harness, at, codes, wms};
use SequenceStatus::*;

#[test]
fn the_documented_example_orders() {
    let mut h = Harness::new();
    let mut statuses = Vec::new();
    let mut missing = Vec::new();
    for (i, n) in [0, 1, 2, 5, 3, 5, 4].into_iter().enumerate() {
        let e = h.wms(wms("s", n, "INTERMEDIATE_RESULTS"), i as f64);
        let info = e.analysis.sequence.unwrap();
        assert_eq!(e.analysis.subject.session_id.as_deref(), Some("s"));
        assert_eq!(info.seq, n);
        statuses.push(info.status);
        missing.push(info.missing);
    }
    assert_eq!(
        statuses,
        [First, InOrder, InOrder, Gap, Late, Duplicate, Late]
    );
    assert_eq!(missing[3], [3, 4]);
    assert!(
        missing
            .iter()
            .enumerate()
            .all(|(i, m)| i == 3 || m.is_empty())
    );
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(s.highest, Some(5));
    assert!(s.missing.is_empty());
    assert_eq!((s.duplicates(), s.late_fills(), s.counts.gap), (1, 2, 1));
    assert_eq!(s.counts.total(), 7);
    assert_eq!(
        s.marks
            .iter()
            .map(|m| (m.seq, m.status))
            .collect::<Vec<_>>(),
        [(5, Gap), (3, Late), (5, Duplicate), (4, Late)]
    );
}

#[test]
fn each_status_has_its_anomaly() {
    let mut h = Harness::new();
    assert!(codes(&h.wms(wms("s", 0, "WMS_LOADED"), 0.0)).is_empty());
    assert!(codes(&h.wms(wms("s", 1, "CONFIGURATION_LOADED"), 1.0)).is_empty());
    let gap = h.wms(wms("s", 4, "CAMERA_STARTED"), 2.0);
    assert_eq!(codes(&gap), ["sequence_gap"]);
    assert!(gap.analysis.anomalies[0].message().contains("2-3 missing"));
    assert_eq!(codes(&h.wms(wms("s", 2, "X"), 3.0)), ["sequence_late"]);
    assert_eq!(codes(&h.wms(wms("s", 2, "X"), 4.0)), ["sequence_duplicate"]);
    let conflict = h.wms(wms("s", 2, "Y"), 5.0);
    assert_eq!(
        conflict.analysis.sequence.as_ref().unwrap().status,
        Conflict
    );
    assert_eq!(codes(&conflict), ["sequence_conflict"]);
    let restart = h.wms(wms("s", 0, "WMS_LOADED_AGAIN"), 6.0);
    assert_eq!(restart.analysis.sequence.as_ref().unwrap().status, Restart);
    assert_eq!(codes(&restart), ["sequence_restart"]);
}

#[test]
fn a_session_first_seen_above_zero_may_have_started_before_hookscope() {
    let mut h = Harness::new();
    let e = h.wms(wms("s", 3, "INTERMEDIATE_RESULTS"), 0.0);
    let info = e.analysis.sequence.unwrap();
    assert_eq!((info.status, info.missing), (Gap, vec![0, 1, 2].into()));
    assert!(e.analysis.anomalies[0].message().contains("started late"));
    assert_eq!(h.analyzer.session("s").unwrap().missing.to_string(), "0-2");
    // The numbers then arriving are late fills, 0 included (not a restart).
    assert_eq!(h.seqs("s", &[0, 2, 1, 4]), [Late, Late, Late, InOrder]);
}

#[test]
fn restart_starts_the_sequence_and_the_run_over() {
    let mut h = Harness::new();
    h.seqs("s", &[0, 1, 2, 5]);
    h.wms(wms("s", 6, "CONSTRAINT_VIOLATION"), 9.0);
    let mut zero = wms("s", 0, "WMS_LOADED");
    zero.timestamp = Some(1_700_000_000);
    assert_eq!(h.wms(zero, 10.0).analysis.sequence.unwrap().status, Restart);
    let s = h.analyzer.session("s").unwrap();
    assert_eq!((s.highest, s.missing.count()), (Some(0), 0));
    assert_eq!(s.ended, None);
    assert_eq!(s.phase, SessionPhase::Loading);
    assert_eq!(s.counts.restart, 1);
    let mut one = wms("s", 1, "CONFIGURATION_LOADED");
    one.timestamp = Some(1_700_000_001);
    assert_eq!(h.wms(one, 11.0).analysis.sequence.unwrap().status, InOrder);
    // Zero again with the same body is a redelivery, not a restart.
    let mut zero = wms("s", 0, "WMS_LOADED");
    zero.timestamp = Some(1_700_000_000);
    assert_eq!(
        h.wms(zero, 12.0).analysis.sequence.unwrap().status,
        Duplicate
    );
    // Zero again with nothing higher yet is a conflict.
    let mut h = Harness::new();
    h.seqs("t", &[0]);
    assert_eq!(
        h.wms(wms("t", 0, "OTHER"), 1.0)
            .analysis
            .sequence
            .unwrap()
            .status,
        Conflict
    );
}

#[test]
fn huge_numbers_do_not_panic_and_stay_compact() {
    let mut h = Harness::new();
    let e = h.wms(wms("s", u64::MAX, "INTERMEDIATE_RESULTS"), 0.0);
    let info = e.analysis.sequence.unwrap();
    assert_eq!(info.status, Gap);
    assert_eq!(info.missing.len(), MAX_LISTED_MISSING);
    assert_eq!(info.missing[..3], [0, 1, 2]);
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(s.missing.count(), u64::MAX);
    assert_eq!(s.missing.to_string(), format!("0-{}", u64::MAX - 1));
    assert_eq!(h.seqs("s", &[u64::MAX, 0]), [Duplicate, Late]);
    assert_eq!(
        h.wms(wms("s", 0, "Y"), 9.0)
            .analysis
            .sequence
            .unwrap()
            .status,
        Restart
    );
    assert_eq!(h.seqs("s", &[u64::MAX - 1, 1]), [Gap, Late]);
    assert_eq!(
        h.analyzer.session("s").unwrap().missing.count(),
        u64::MAX - 3
    );
    // Empty ids are followed like any other.
    assert_eq!(h.seqs("", &[0, 1]), [First, InOrder]);
}

#[test]
fn timestamps_are_judged_in_sequence_order() {
    let mut h = Harness::new();
    let stamped = |n: u64, ts: i64| {
        let mut f = wms("s", n, "INTERMEDIATE_RESULTS");
        f.timestamp = Some(ts);
        f
    };
    // Arrival 0, 2, 1 with times 100, 102, 101: out of order on the wire, fine in sequence.
    for (i, (n, ts)) in [(0, 100), (2, 102), (1, 101)].into_iter().enumerate() {
        let e = h.wms(stamped(n, ts), i as f64);
        assert!(!codes(&e).contains(&"timestamp_backwards"), "{n}");
    }
    // A higher number with an earlier time than a lower one's.
    let e = h.wms(stamped(3, 99), 3.0);
    assert!(codes(&e).contains(&"timestamp_backwards"));
    assert!(
        e.analysis.anomalies[0]
            .message()
            .contains("earlier than sequence 2")
    );
    // A late fill later than the number after it.
    h.wms(stamped(6, 106), 4.0);
    let e = h.wms(stamped(5, 200), 5.0);
    assert_eq!(codes(&e), ["timestamp_backwards", "sequence_late"]);
    assert!(
        e.analysis.anomalies[0]
            .message()
            .contains("later than sequence 6")
    );
    assert_eq!(h.analyzer.session("s").unwrap().timestamps_backwards, 2);
}

#[test]
fn summary_counts_ranges_times_and_last_event() {
    let mut h = Harness::new();
    h.seqs("s", &[0, 1, 2, 5, 6, 7, 8, 10]);
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(s.missing.to_string(), "3-4, 9");
    assert_eq!(s.missing.count(), 3);
    assert_eq!(
        s.missing.ranges().collect::<Vec<_>>(),
        [
            SeqRange { first: 3, last: 4 },
            SeqRange { first: 9, last: 9 }
        ]
    );
    assert_eq!((s.events, s.highest, s.counts.gap), (8, Some(10), 2));
    assert_eq!((s.first_seen, s.last_seen), (at(0.0), at(7.0)));
    let mut m = wms("s", 11, "MEASUREMENT_CREATED");
    m.measurement_id = Some("m-1".into());
    h.wms(m.clone(), 8.0);
    m.sequence = Some(12);
    m.event = "SCAN_COMPLETED".into();
    h.wms(m, 9.0);
    // A late event does not become the last event.
    h.wms(wms("s", 9, "INTERMEDIATE_RESULTS"), 10.0);
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(s.last_event.as_deref(), Some("SCAN_COMPLETED"));
    assert_eq!(s.measurement_ids, ["m-1"]);
    assert_eq!(s.missing.to_string(), "3-4");
    assert_eq!(s.trail.back().unwrap().event, "INTERMEDIATE_RESULTS");
    assert_eq!(s.trail[0].count, 8);
    assert_eq!(s.span(), std::time::Duration::from_secs(10));
    let json = serde_json::to_string(s).unwrap();
    assert!(
        json.contains(r#""missing":[{"first":3,"last":4}]"#),
        "{json}"
    );
    assert_eq!(&serde_json::from_str::<SessionSummary>(&json).unwrap(), s);
}

#[test]
fn snr_series_is_bounded_and_falling_is_noticed() {
    let mut h = Harness::new();
    for (i, snr) in [100.0, 90.0, 95.0, 80.0, 70.0].into_iter().enumerate() {
        let mut f = wms("s", i as u64, "INTERMEDIATE_RESULTS");
        f.snr = Some(snr);
        h.wms(f, i as f64);
        let falling = h.analyzer.session("s").unwrap().warnings.snr_falling;
        assert!(!falling, "after {snr}");
    }
    let mut f = wms("s", 5, "INTERMEDIATE_RESULTS");
    f.snr = Some(60.0);
    h.wms(f, 5.0);
    let s = h.analyzer.session("s").unwrap();
    assert!(s.warnings.snr_falling && s.warnings.any());
    assert_eq!(
        (s.snr.min, s.snr.max, s.snr.last()),
        (Some(60.0), Some(100.0), Some(60.0))
    );
    let mut series = SnrSeries::default();
    for i in 0..600 {
        series.push(f64::from(i));
    }
    series.push(f64::NAN);
    assert_eq!((series.values.len(), series.count), (SNR_HISTORY, 600));
    assert_eq!(series.values.front(), Some(&88.0));
    assert!(!series.is_falling());
}

#[test]
fn phases_endings_and_idle_time() {
    let mut h = Harness::new();
    let steps = [
        ("WMS_LOADED", SessionPhase::Loading),
        ("CAMERA_PERMISSION_GRANTED", SessionPhase::Camera),
        ("MEASUREMENT_STARTED", SessionPhase::Measuring),
        ("SCAN_COMPLETED", SessionPhase::WaitingForResults),
    ];
    for (i, (name, phase)) in steps.into_iter().enumerate() {
        h.wms(wms("s", i as u64, name), i as f64);
        let s = h.analyzer.session("s").unwrap();
        assert_eq!(s.phase, phase);
        assert_eq!(s.ended, None);
    }
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(
        s.idle_for(at(13.0)),
        Some(std::time::Duration::from_secs(10))
    );
    assert_eq!(s.idle_for(at(0.0)), Some(std::time::Duration::ZERO));
    h.wms(wms("s", 4, "RESULTS_RECEIVED"), 4.0);
    h.wms(wms("s", 5, "REDIRECTING_TO_CALLBACK"), 5.0);
    h.wms(wms("s", 6, "PAGE_UNLOADED"), 6.0);
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(s.phase, SessionPhase::Redirecting);
    let end = s.ended.as_ref().unwrap();
    assert_eq!(
        (end.reason, end.seq, end.at),
        (SessionEnd::ResultsReceived, Some(4), at(4.0))
    );
    assert!(end.reason.is_success());
    assert_eq!(s.idle_for(at(60.0)), None);
}

#[test]
fn the_first_ending_in_sequence_order_is_the_cause() {
    let mut h = Harness::new();
    h.seqs("s", &[0, 1]);
    h.wms(wms("s", 4, "MEASUREMENT_CANCELED"), 2.0);
    assert_eq!(
        h.analyzer
            .session("s")
            .unwrap()
            .ended
            .as_ref()
            .unwrap()
            .reason,
        SessionEnd::Cancelled
    );
    let mut cv = wms("s", 3, "CONSTRAINT_VIOLATION");
    cv.details = Some("FACE_NOT_CENTERED".into());
    h.wms(cv, 3.0);
    h.wms(wms("s", 5, "LOW_SNR"), 4.0);
    let end = h.analyzer.session("s").unwrap().ended.clone().unwrap();
    assert_eq!(end.reason, SessionEnd::ConstraintViolation);
    assert_eq!(end.detail.as_deref(), Some("FACE_NOT_CENTERED"));
    for (name, reason) in [
        ("CAMERA_PERMISSION_DENIED", SessionEnd::CameraDenied),
        ("LOW_SNR", SessionEnd::LowSnr),
        ("PAGE_UNLOADED", SessionEnd::PageUnloaded),
        ("WEBSOCKET_RECONNECTION_FAILED", SessionEnd::WebsocketFailed),
        ("API_ERROR", SessionEnd::ApiError),
        ("GENERAL_ERROR", SessionEnd::GeneralError),
        ("REDIRECTING_TO_CALLBACK", SessionEnd::Redirected),
    ] {
        let mut h = Harness::new();
        h.wms(wms(name, 0, name), 0.0);
        let s = h.analyzer.session(name).unwrap();
        assert_eq!(s.ended.as_ref().map(|e| e.reason), Some(reason));
    }
}

#[test]
fn live_warnings_follow_the_latest_event_in_sequence_order() {
    let mut h = Harness::new();
    let mut hidden = wms("s", 0, "PAGE_VISIBILITY_CHANGE");
    hidden.visibility = Some("HIDDEN".into());
    h.wms(hidden, 0.0);
    assert!(h.analyzer.session("s").unwrap().warnings.page_hidden);
    let mut visible = wms("s", 1, "PAGE_VISIBILITY_CHANGE");
    visible.visibility = Some("VISIBLE".into());
    h.wms(visible, 1.0);
    assert!(!h.analyzer.session("s").unwrap().warnings.page_hidden);

    h.wms(wms("s", 2, "WEBSOCKET_DISCONNECTED"), 2.0);
    assert!(h.analyzer.session("s").unwrap().warnings.websocket_down);
    h.wms(wms("s", 4, "WEBSOCKET_RECONNECTED"), 3.0);
    assert!(!h.analyzer.session("s").unwrap().warnings.websocket_down);
    // A disconnection numbered before the reconnection, arriving after it, is old news.
    h.wms(wms("s", 3, "WEBSOCKET_DISCONNECTED"), 4.0);
    let s = h.analyzer.session("s").unwrap();
    assert!(!s.warnings.websocket_down && !s.warnings.any());
    // A redelivered event changes nothing.
    h.wms(wms("s", 2, "WEBSOCKET_DISCONNECTED"), 5.0);
    assert!(!h.analyzer.session("s").unwrap().warnings.websocket_down);
}

#[test]
fn events_without_a_number_still_count_once() {
    let mut h = Harness::new();
    let mut f = wms("s", 0, "INTERMEDIATE_RESULTS");
    f.sequence = None;
    f.snr = Some(80.0);
    let e = h.wms(f.clone(), 0.0);
    assert_eq!(e.analysis.sequence, None);
    h.wms(f, 1.0);
    let s = h.analyzer.session("s").unwrap();
    assert_eq!((s.events, s.counts.total(), s.snr.count), (2, 0, 1));
    assert_eq!(s.last_event.as_deref(), Some("INTERMEDIATE_RESULTS"));
}

#[test]
fn per_session_memory_is_bounded() {
    let mut state = SessionState::new("s", at(0.0));
    let mut sink = Vec::new();
    for n in 0..MAX_TRACKED_SEQS as u64 + 10 {
        state.place(n, n, None, &mut sink);
    }
    assert!(sink.is_empty());
    assert_eq!(state.seen.len(), MAX_TRACKED_SEQS);
    assert_eq!(state.summary.forgotten, 10);
    // A forgotten number coming again cannot be compared: a duplicate, told as such.
    assert_eq!(state.place(3, 999, None, &mut sink).0, Duplicate);
    assert_eq!(sink[0].code(), "sequence_untracked");

    let mut state = SessionState::new("gappy", at(0.0));
    let mut sink = Vec::new();
    for i in 0..MAX_MISSING_RANGES as u64 + 5 {
        state.place(2 * i, 0, None, &mut sink);
    }
    assert_eq!(state.summary.missing.range_count(), MAX_MISSING_RANGES);
    assert_eq!(state.summary.forgotten, 4);
    assert_eq!(state.summary.missing.ranges().next().unwrap().first, 9);
    sink.clear();
    assert_eq!(state.place(1, 0, None, &mut sink).0, Duplicate);
    assert_eq!(state.place(9, 0, None, &mut sink).0, Late);
}

#[test]
fn a_seen_number_costs_16_bytes_and_keeps_its_timestamp() {
    assert_eq!(std::mem::size_of::<Seen>(), 16);
    let seen = Seen::new(u64::MAX, Some(i64::MIN));
    assert_eq!(seen.timestamp(), Some(i64::MIN));
    assert!(seen.same_body(u64::MAX));
    assert!(!seen.same_body(1));
    let untimed = Seen::new(5, None);
    assert_eq!(untimed.timestamp(), None);
    assert!(untimed.same_body(5));
}

/// A WMS event sent at `sent` (Unix seconds) and received `secs` after the harness's t0, with
/// its signature verdict.
fn timed(
    h: &mut Harness,
    seq: u64,
    sent: i64,
    secs: f64,
    verdict: crate::event::SignatureVerdict,
) -> crate::event::CapturedEvent {
    let mut facts = wms("s", seq, "INTERMEDIATE_RESULTS");
    facts.timestamp = Some(sent);
    let body = crate::analysis::testkit::wms_body(&facts);
    let mut event = crate::analysis::testkit::event(crate::event::Provider::Wms, &body, at(secs));
    event.analysis.signature.verdict = verdict;
    h.feed_event(event, &crate::event::facts::Facts::Wms(facts))
}

#[test]
fn late_duplicate_and_conflicting_numbers_are_kept_by_number() {
    let mut h = Harness::new();
    h.seqs("s", &[0, 1, 2, 5, 4, 5]);
    h.wms(wms("s", 2, "SOMETHING_ELSE"), 9.0);
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(s.marked(Late).collect::<Vec<_>>(), [4]);
    assert_eq!(s.marked(Duplicate).collect::<Vec<_>>(), [5]);
    assert_eq!(s.marked(Conflict).collect::<Vec<_>>(), [2]);
    assert_eq!(s.missing.to_string(), "3");
}

#[test]
fn bad_signatures_are_counted_with_their_numbers() {
    use crate::event::SignatureVerdict::*;
    let mut h = Harness::new();
    let t0 = at(0.0).timestamp();
    for (seq, verdict) in [
        (0, Valid),
        (1, Invalid),
        (2, NoSecret),
        (3, Malformed),
        (4, Stale),
    ] {
        timed(&mut h, seq, t0, seq as f64, verdict);
    }
    // A repeat of a bad delivery is one more bad delivery.
    timed(&mut h, 1, t0, 5.0, Invalid);
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(s.bad_signatures, 4);
    assert_eq!(s.bad_signature_seqs, [1, 3, 4, 1]);

    // Only the latest numbers are kept; all are counted.
    let mut h = Harness::new();
    for seq in 0..MAX_BAD_SIGNATURE_SEQS as u64 + 4 {
        timed(&mut h, seq, t0, seq as f64, Invalid);
    }
    let s = h.analyzer.session("s").unwrap();
    assert_eq!(s.bad_signatures, MAX_BAD_SIGNATURE_SEQS as u64 + 4);
    assert_eq!(s.bad_signature_seqs.len(), MAX_BAD_SIGNATURE_SEQS);
    assert_eq!(s.bad_signature_seqs.front(), Some(&4));

    // A session without a bad signature writes neither field into an export.
    let mut h = Harness::new();
    h.seqs("s", &[0]);
    let json = serde_json::to_string(h.analyzer.session("s").unwrap()).unwrap();
    assert!(!json.contains("bad_signature"), "{json}");
}

#[test]
fn the_delivery_lag_is_the_median_of_the_latest_lags() {
    use crate::event::SignatureVerdict::Valid;
    let mut h = Harness::new();
    let t0 = at(0.0).timestamp();
    // Received 2 s, 1.5 s, 9 s and 1 s after their timestamps; a repeat of the slow one does
    // not count (its lag is the sender's retry delay).
    timed(&mut h, 0, t0, 2.0, Valid);
    timed(&mut h, 1, t0, 1.5, Valid);
    let lag = h.analyzer.session("s").unwrap().delivery_lag.unwrap();
    assert_eq!((lag.median_ms, lag.count), (1_750, 2));
    timed(&mut h, 2, t0, 9.0, Valid);
    timed(&mut h, 2, t0, 60.0, Valid);
    timed(&mut h, 3, t0 + 10, 11.0, Valid);
    let lag = h.analyzer.session("s").unwrap().delivery_lag.unwrap();
    assert_eq!(lag.count, 4);
    assert_eq!(lag.median_ms, 1_750);
    assert_eq!((lag.min_ms, lag.max_ms), (1_000, 9_000));

    // The median follows the latest LAG_SAMPLE lags: a sender that fell behind shows it.
    for seq in 4..4 + LAG_SAMPLE as u64 {
        timed(&mut h, seq, t0, 30.0 + seq as f64, Valid);
    }
    let lag = h.analyzer.session("s").unwrap().delivery_lag.unwrap();
    assert!(lag.median_ms > 30_000, "{lag:?}");
    assert_eq!(lag.min_ms, 1_000);
    assert_eq!(lag.count, 4 + LAG_SAMPLE as u64);

    // A sender clock ahead of ours gives a negative lag; absurd timestamps saturate.
    let mut h = Harness::new();
    timed(&mut h, 0, t0 + 3, 0.0, Valid);
    timed(&mut h, 1, i64::MIN, 1.0, Valid);
    timed(&mut h, 2, i64::MAX, 2.0, Valid);
    let lag = h.analyzer.session("s").unwrap().delivery_lag.unwrap();
    assert_eq!(lag.median_ms, -3_000);
    assert_eq!(lag.max_ms, i64::MAX);
    assert!(lag.min_ms < -1_000_000_000_000_000_000, "{lag:?}");

    // No timestamp, no lag.
    let mut h = Harness::new();
    let mut facts = wms("s", 0, "WMS_LOADED");
    facts.timestamp = None;
    h.wms(facts, 0.0);
    assert_eq!(h.analyzer.session("s").unwrap().delivery_lag, None);
}

#[test]
fn summaries_without_the_newer_fields_still_read() {
    use crate::event::SignatureVerdict::Invalid;
    let mut h = Harness::new();
    timed(&mut h, 0, at(0.0).timestamp(), 1.0, Invalid);
    let summary = h.analyzer.session("s").unwrap().clone();
    let mut json = serde_json::to_value(&summary).unwrap();
    let back: SessionSummary = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, summary);
    let fields = json.as_object_mut().unwrap();
    for field in ["bad_signatures", "bad_signature_seqs", "delivery_lag"] {
        assert!(fields.remove(field).is_some(), "{field}");
    }
    let old: SessionSummary = serde_json::from_value(json).unwrap();
    assert_eq!((old.bad_signatures, old.delivery_lag), (0, None));
    assert!(old.bad_signature_seqs.is_empty());
}
