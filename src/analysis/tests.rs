//! Tests of the analyzer as a whole: its bounds, its snapshot, and random arrival orders.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;

use super::testkit::{Harness, at, event, prism, video, wms};
use super::*;
use crate::event::facts::{Facts, JobPhase, PrismJob};
use crate::event::{Provider, SequenceStatus};

fn limits(max_sessions: usize, max_scans: usize) -> AnalysisLimits {
    AnalysisLimits {
        max_sessions,
        max_scans,
        ..AnalysisLimits::default()
    }
}

#[test]
fn defaults_are_the_documented_ones() {
    let d = AnalysisLimits::default();
    assert_eq!((d.max_sessions, d.max_scans), (10_000, 10_000));
    assert_eq!(d.redelivery_window, Duration::from_secs(120));
}

#[test]
fn least_recently_seen_sessions_are_dropped_and_counted() {
    let mut h = Harness::with(limits(2, 10));
    h.seqs("a", &[0, 1]);
    h.seqs("b", &[0]);
    h.seqs("a", &[2]);
    h.seqs("c", &[0]);
    let c = h.analyzer.counters();
    assert_eq!((c.sessions, c.sessions_dropped), (2, 1));
    assert!(h.analyzer.session("b").is_none());
    let ids: Vec<&str> = h
        .analyzer
        .sessions()
        .map(|s| s.session_id.as_str())
        .collect();
    assert_eq!(ids, ["c", "a"]);
    // A dropped session seen again starts afresh.
    assert_eq!(h.seqs("b", &[1]), [SequenceStatus::Gap]);
    assert_eq!(h.analyzer.counters().sessions_dropped, 2);
    assert!(h.analyzer.session("c").is_some() && h.analyzer.session("a").is_none());
}

#[test]
fn least_recently_seen_timelines_are_dropped_and_counted() {
    let mut h = Harness::with(limits(10, 2));
    let p = |id: &str| {
        prism(
            id,
            PrismJob::ScanProcessing,
            JobPhase::Started,
            "PROCESSING",
        )
    };
    h.prism(p("s1"), 0.0);
    h.video(
        video("s1", "video.completed", Some(JobPhase::Succeeded)),
        1.0,
    );
    // Same id, different kinds: two timelines.
    assert!(h.analyzer.scan("s1").is_some() && h.analyzer.video("s1").is_some());
    h.prism(p("s2"), 2.0);
    let c = h.analyzer.counters();
    assert_eq!((c.timelines, c.timelines_dropped), (2, 1));
    assert!(h.analyzer.scan("s1").is_none());
    let kinds: Vec<_> = h
        .analyzer
        .timelines()
        .map(|t| (t.kind, t.id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [(TimelineKind::Scan, "s2"), (TimelineKind::Video, "s1")]
    );
    assert_eq!(
        h.analyzer
            .timeline(TimelineKind::Video, "s1")
            .map(|t| t.events),
        Some(1)
    );
}

#[test]
fn summaries_survive_a_round_trip_through_json() {
    let mut h = Harness::new();
    h.seqs("s", &[0, 1, 4, 2]);
    let mut f = wms("s", 5, "INTERMEDIATE_RESULTS");
    f.snr = Some(77.5);
    f.measurement_id = Some("m".into());
    h.wms(f, 9.0);
    h.wms(wms("s", 6, "CONSTRAINT_VIOLATION"), 10.0);
    h.prism(
        prism(
            "scan",
            PrismJob::BodyCreation,
            JobPhase::Started,
            "ASSET_PROCESSING",
        ),
        11.0,
    );
    h.video(video("gen", "video.failed", Some(JobPhase::Failed)), 12.0);
    let snapshot = h.analyzer.snapshot();
    assert_eq!((snapshot.sessions.len(), snapshot.timelines.len()), (1, 2));
    let json = serde_json::to_string(&snapshot).unwrap();
    let back: AnalysisSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snapshot);
    assert_eq!(back.sessions[0].missing.to_string(), "3");
    h.analyzer.clear();
    assert_eq!(
        h.analyzer.sessions().count() + h.analyzer.timelines().count(),
        0
    );
}

/// The `analysis` of a JSON export is a contract like the events (docs/export-format.md):
/// its fields may grow, never change or go.
#[test]
fn the_exported_summaries_keep_their_documented_fields() {
    let mut h = Harness::new();
    h.seqs("s", &[0, 1, 4, 2]);
    h.wms(wms("s", 6, "CONSTRAINT_VIOLATION"), 10.0);
    h.prism(
        prism(
            "scan",
            PrismJob::BodyCreation,
            JobPhase::Started,
            "ASSET_PROCESSING",
        ),
        11.0,
    );
    h.video(video("gen", "video.failed", Some(JobPhase::Failed)), 12.0);
    let json = serde_json::to_value(h.analyzer.snapshot()).unwrap();
    let keys = |value: &serde_json::Value| -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    let has = |value: &serde_json::Value, documented: &[&str]| {
        let found = keys(value);
        for key in documented {
            assert!(
                found.iter().any(|k| k == key),
                "{key} missing from {found:?}"
            );
        }
    };
    has(&json, &["sessions", "timelines", "counters"]);
    has(
        &json["counters"],
        &[
            "sessions",
            "sessions_dropped",
            "timelines",
            "timelines_dropped",
            "deliveries",
            "deliveries_dropped",
        ],
    );
    let session = &json["sessions"][0];
    has(
        session,
        &[
            "session_id",
            "events",
            "counts",
            "highest",
            "missing",
            "first_seen",
            "last_seen",
            "last_event",
            "measurement_ids",
            "snr",
            "phase",
            "ended",
            "warnings",
            "marks",
            "trail",
        ],
    );
    assert_eq!(
        session["missing"],
        serde_json::json!([{"first": 3, "last": 3}, {"first": 5, "last": 5}])
    );
    assert_eq!(session["ended"]["reason"], "constraint_violation");
    has(
        &session["counts"],
        &[
            "first",
            "in_order",
            "gap",
            "late",
            "duplicate",
            "conflict",
            "restart",
        ],
    );
    has(&session["snr"], &["values", "count", "min", "max"]);
    has(
        &session["warnings"],
        &["page_hidden", "websocket_down", "snr_falling"],
    );
    let video = &json["timelines"][0];
    has(
        video,
        &[
            "kind",
            "id",
            "first_seen",
            "last_seen",
            "events",
            "lanes",
            "capture_valid_at",
            "last_event",
            "anomalies",
        ],
    );
    assert_eq!(video["kind"], "video");
    let lane = &video["lanes"][0];
    has(
        lane,
        &[
            "job",
            "started_at",
            "ended_at",
            "outcome",
            "state",
            "error",
            "events",
        ],
    );
    assert_eq!(lane["outcome"], "failed");
    has(&lane["error"], &["id", "code", "message"]);
    assert_eq!(json["timelines"][1]["kind"], "scan");
}

#[test]
fn long_ids_are_shortened_in_summaries_but_still_told_apart() {
    let mut h = Harness::new();
    let long_a = format!("{}a", "é".repeat(300));
    let long_b = format!("{}b", "é".repeat(300));
    h.seqs(&long_a, &[0]);
    h.seqs(&long_b, &[0]);
    let s = h.analyzer.session(&long_a).unwrap();
    assert!(s.session_id.len() <= MAX_ID_BYTES + '…'.len_utf8());
    assert!(s.session_id.ends_with('…'));
    assert_eq!(h.analyzer.counters().sessions, 2);
}

#[test]
fn unrecognised_events_only_meet_the_redelivery_check() {
    let mut h = Harness::new();
    let e = h.feed_event(event(Provider::Generic, "hello", at(0.0)), &Facts::None);
    assert_eq!(e.analysis.sequence, None);
    assert!(e.analysis.anomalies.is_empty());
    let c = h.analyzer.counters();
    assert_eq!((c.sessions, c.timelines, c.deliveries), (0, 0, 1));
}

#[test]
fn the_body_hash_tells_near_bodies_apart() {
    let body = vec![b'x'; 600];
    let mut seen = BTreeSet::new();
    assert!(seen.insert(hash_bytes(0, &body)));
    for i in 0..body.len() {
        let mut changed = body.clone();
        changed[i] = b'y';
        assert!(seen.insert(hash_bytes(0, &changed)), "byte {i}");
    }
    // Zero padding and length.
    for b in [&b""[..], b"\0", b"\0\0", b"a", b"a\0", b"\0a"] {
        assert!(seen.insert(hash_bytes(0, b)), "{b:?}");
    }
    assert_ne!(hash_bytes(1, b"id"), hash_bytes(2, b"id"));
    assert_ne!(
        redelivery::key(Provider::Generic, "PO", "ST/", 0),
        redelivery::key(Provider::Generic, "POST", "/", 0)
    );
}

/// What a session should look like, computed the slow and obvious way.
#[derive(Default)]
struct Model {
    seen: HashMap<u64, u8>,
    highest: Option<u64>,
    events: u64,
}

impl Model {
    fn expect(&mut self, n: u64, body: u8) -> SequenceStatus {
        self.events += 1;
        let status = match self.highest {
            None if n == 0 => SequenceStatus::First,
            None => SequenceStatus::Gap,
            Some(h) if n == h + 1 => SequenceStatus::InOrder,
            Some(h) if n > h => SequenceStatus::Gap,
            Some(_) => match self.seen.get(&n) {
                None => SequenceStatus::Late,
                Some(&b) if b == body => SequenceStatus::Duplicate,
                Some(_) if n == 0 && self.highest > Some(0) => SequenceStatus::Restart,
                Some(_) => SequenceStatus::Conflict,
            },
        };
        if status == SequenceStatus::Restart {
            self.seen.clear();
            self.highest = None;
        }
        self.seen.entry(n).or_insert(body);
        self.highest = self.highest.max(Some(n));
        status
    }

    fn missing(&self) -> BTreeSet<u64> {
        (0..self.highest.map_or(0, |h| h + 1))
            .filter(|n| !self.seen.contains_key(n))
            .collect()
    }
}

proptest! {
    #[test]
    fn random_orders_keep_the_books_straight(
        deliveries in proptest::collection::vec((0usize..3, 0u64..40, 0u8..2), 1..200)
    ) {
        let mut h = Harness::new();
        let mut models: [Model; 3] = Default::default();
        for (i, &(session, n, body)) in deliveries.iter().enumerate() {
            let id = format!("session-{session}");
            let mut f = wms(&id, n, "INTERMEDIATE_RESULTS");
            f.details = Some(format!("variant {body}"));
            let e = h.wms(f, i as f64);
            let info = e.analysis.sequence.clone().unwrap();
            let expected = models[session].expect(n, body);
            prop_assert_eq!(info.status, expected, "delivery {} of {:?}", i, deliveries);
            if info.status == SequenceStatus::Gap {
                prop_assert!(!info.missing.is_empty());
            } else {
                prop_assert!(info.missing.is_empty());
            }
        }
        for (session, model) in models.iter().enumerate() {
            let Some(s) = h.analyzer.session(&format!("session-{session}")) else {
                prop_assert_eq!(model.events, 0);
                continue;
            };
            prop_assert_eq!(s.counts.total(), model.events);
            prop_assert_eq!(s.events, model.events);
            prop_assert_eq!(s.highest, model.highest);
            let missing: BTreeSet<u64> =
                s.missing.ranges().flat_map(|r| r.first..=r.last).collect();
            prop_assert_eq!(s.missing.count(), missing.len() as u64);
            prop_assert_eq!(missing, model.missing());
        }
    }

    #[test]
    fn extreme_numbers_never_panic(
        seqs in proptest::collection::vec(
            prop_oneof![Just(0u64), Just(1), Just(u64::MAX), Just(u64::MAX - 1), any::<u64>()],
            1..40,
        )
    ) {
        let mut h = Harness::new();
        for (i, &n) in seqs.iter().enumerate() {
            let mut f = wms("x", n, "INTERMEDIATE_RESULTS");
            f.timestamp = Some(i64::MAX - i as i64);
            let e = h.wms(f, i as f64);
            prop_assert!(e.analysis.sequence.unwrap().missing.len() <= sequence::MAX_LISTED_MISSING);
        }
        let s = h.analyzer.session("x").unwrap();
        prop_assert_eq!(s.counts.total(), seqs.len() as u64);
    }
}
