//! Tests of scan and video timelines, fed through the whole analyzer as the capture path feeds it.

use super::*;
use crate::analysis::testkit::{Harness, at, codes, prism, video};
use JobPhase::*;
use PrismJob::*;

#[test]
fn a_clean_scan_fills_its_lanes() {
    let mut h = Harness::new();
    let events = [
        prism(
            "s1",
            CaptureDataValidation,
            Started,
            "SCAN_VALIDATING_CAPTURE_DATA",
        ),
        prism(
            "s1",
            CaptureDataValidation,
            Succeeded,
            "SCAN_CAPTURE_DATA_VALID",
        ),
        prism("s1", BodyCreation, Started, "ASSET_PROCESSING"),
        prism("s1", MeasurementsCreation, Started, "ASSET_PROCESSING"),
        prism("s1", BodyCreation, Succeeded, "ASSET_SUCCEEDED"),
    ];
    for (i, f) in events.into_iter().enumerate() {
        assert!(codes(&h.prism(f, 2.0 * i as f64)).is_empty());
    }
    let t = h.analyzer.scan("s1").unwrap();
    assert_eq!(
        (t.kind, t.events, t.lanes.len()),
        (TimelineKind::Scan, 5, 6)
    );
    assert_eq!(t.capture_valid_at, Some(at(2.0)));
    let cap = t.lane(CaptureDataValidation).unwrap();
    assert_eq!(cap.duration(), Some(Duration::from_secs(2)));
    assert_eq!(cap.state.as_deref(), Some("SCAN_CAPTURE_DATA_VALID"));
    let body = t.lane(BodyCreation).unwrap();
    assert_eq!(
        (body.started_at, body.ended_at),
        (Some(at(4.0)), Some(at(8.0)))
    );
    assert_eq!(body.outcome, LaneOutcome::Succeeded);
    assert_eq!(body.prism_job(), Some(BodyCreation));
    assert_eq!(
        t.lane(ScanProcessing).unwrap().outcome,
        LaneOutcome::NotSeen
    );
    assert_eq!(
        t.status(),
        TimelineStatus::Running(t.lane(MeasurementsCreation).unwrap())
    );
    assert_eq!(t.last_event.as_deref(), Some("body.creation.succeeded"));
    assert_eq!(t.span(), Duration::from_secs(8));
    let json = serde_json::to_string(t).unwrap();
    assert_eq!(&serde_json::from_str::<Timeline>(&json).unwrap(), t);
}

#[test]
fn failures_keep_their_error() {
    let mut h = Harness::new();
    h.prism(
        prism(
            "s",
            CaptureDataValidation,
            Succeeded,
            "SCAN_CAPTURE_DATA_VALID",
        ),
        0.0,
    );
    h.prism(prism("s", BodyCreation, Started, "ASSET_PROCESSING"), 1.0);
    let mut failed = prism("s", BodyCreation, Failed, "ASSET_FAILED");
    failed.error = Some(JobError {
        id: Some(42),
        code: Some("MESH_ERROR".into()),
        message: None,
    });
    h.prism(failed, 10.8);
    let t = h.analyzer.scan("s").unwrap();
    let lane = t.lane(BodyCreation).unwrap();
    assert_eq!(t.status(), TimelineStatus::Failed(lane));
    assert_eq!(lane.duration(), Some(Duration::from_millis(9800)));
    assert_eq!(
        lane.error,
        Some(LaneError {
            id: Some(42),
            code: Some("MESH_ERROR".into()),
            message: None
        })
    );
    assert_eq!(lane.state.as_deref(), Some("ASSET_FAILED"));
}

#[test]
fn end_without_start_then_start_after_end() {
    let mut h = Harness::new();
    let end = h.prism(prism("s", ScanProcessing, Succeeded, "READY"), 0.0);
    assert_eq!(codes(&end), ["job_end_without_start"]);
    let t = h.analyzer.scan("s").unwrap();
    let lane = t.lane(ScanProcessing).unwrap();
    assert_eq!((lane.started_at, lane.duration()), (None, None));
    assert_eq!(t.status(), TimelineStatus::Succeeded);
    let start = h.prism(prism("s", ScanProcessing, Started, "PROCESSING"), 1.0);
    assert_eq!(codes(&start), ["job_start_after_end"]);
    assert!(
        start.analysis.anomalies[0]
            .message()
            .contains("succeeded at 14:00:00.000")
    );
    let t = h.analyzer.scan("s").unwrap();
    assert_eq!(t.lane(ScanProcessing).unwrap().started_at, None);
    assert_eq!(t.anomaly_count, 2);
    assert_eq!(t.anomalies.len(), 2);
}

#[test]
fn repeated_and_contradicting_endings() {
    let mut h = Harness::new();
    h.prism(prism("s", ScanProcessing, Started, "PROCESSING"), 0.0);
    let first = h.prism(prism("s", ScanProcessing, Succeeded, "READY"), 1.0);
    assert!(codes(&first).is_empty());
    // The very same body again is a redelivery: linked, not an anomaly.
    let again = h.prism(prism("s", ScanProcessing, Succeeded, "READY"), 1.5);
    assert!(again.analysis.redelivery.is_some());
    assert!(codes(&again).is_empty());
    // Another ending of the same kind, with a different body.
    let repeated = h.prism(prism("s", ScanProcessing, Succeeded, "READY "), 2.0);
    assert_eq!(codes(&repeated), ["job_repeated_terminal"]);
    let after = h.prism(prism("s", ScanProcessing, Failed, "FAILED"), 3.0);
    assert_eq!(codes(&after), ["job_after_terminal"]);
    let lane = h
        .analyzer
        .scan("s")
        .unwrap()
        .lane(ScanProcessing)
        .unwrap()
        .clone();
    assert_eq!(
        (lane.outcome, lane.ended_at),
        (LaneOutcome::Succeeded, Some(at(1.0)))
    );
    assert_eq!(lane.state.as_deref(), Some("READY"));
    assert_eq!(lane.events, 5);
}

#[test]
fn asset_jobs_before_capture_data_was_valid() {
    let mut h = Harness::new();
    h.prism(
        prism(
            "s",
            CaptureDataValidation,
            Started,
            "SCAN_VALIDATING_CAPTURE_DATA",
        ),
        0.0,
    );
    let early = h.prism(
        prism("s", MeasurementsCreation, Started, "ASSET_PROCESSING"),
        1.0,
    );
    assert_eq!(codes(&early), ["asset_before_valid"]);
    assert_eq!(
        early.analysis.anomalies[0].message(),
        "measurements.creation started before capture data was valid for scan s \
         (no capture_data.validation.succeeded yet)."
    );
    // Once per lane, not on each of its events.
    let done = h.prism(
        prism("s", MeasurementsCreation, Succeeded, "ASSET_SUCCEEDED"),
        2.0,
    );
    assert!(codes(&done).is_empty());
    // The valid state counts, whichever event carries it.
    h.prism(
        prism("s", ScanProcessing, Started, "SCAN_CAPTURE_DATA_VALID"),
        3.0,
    );
    let later = h.prism(prism("s", BodyCreation, Started, "ASSET_PROCESSING"), 4.0);
    assert!(codes(&later).is_empty());
    let t = h.analyzer.scan("s").unwrap();
    assert!(t.lane(MeasurementsCreation).unwrap().before_capture_valid);
    assert!(!t.lane(BodyCreation).unwrap().before_capture_valid);
    assert_eq!(t.capture_valid_at, Some(at(3.0)));
    // Not an asset job: no anomaly.
    let mut h = Harness::new();
    let e = h.prism(
        prism("t", BodyShapePredictionProcessing, Started, "PROCESSING"),
        0.0,
    );
    assert!(codes(&e).is_empty());
}

#[test]
fn undocumented_event_types_have_no_lane() {
    let mut h = Harness::new();
    let mut f = prism("s", ScanProcessing, Started, "CREATED");
    f.event_type = "scan.created".into();
    f.job = None;
    assert!(codes(&h.prism(f, 0.0)).is_empty());
    let t = h.analyzer.scan("s").unwrap();
    assert_eq!((t.events, t.other_events), (1, 1));
    assert_eq!(t.status(), TimelineStatus::Waiting);
    assert!(t.lanes.iter().all(|l| l.events == 0));
}

#[test]
fn a_video_lane_begins_at_its_first_event() {
    let mut h = Harness::new();
    let done = h.video(video("gen_abc", "video.completed", Some(Succeeded)), 5.0);
    assert!(codes(&done).is_empty());
    let t = h.analyzer.video("gen_abc").unwrap();
    assert_eq!((t.kind, t.lanes.len()), (TimelineKind::Video, 1));
    let lane = &t.lanes[0];
    assert_eq!(
        (lane.started_at, lane.ended_at),
        (Some(at(5.0)), Some(at(5.0)))
    );
    assert_eq!(lane.duration(), Some(Duration::ZERO));
    assert_eq!(lane.prism_job(), Some(PrismJob::Video));
    assert_eq!(lane.state.as_deref(), Some("completed"));
    assert!(h.analyzer.scan("gen_abc").is_none());

    let mut h = Harness::new();
    h.video(video("v", "video.processing", None), 0.0);
    assert_eq!(
        h.analyzer.video("v").unwrap().status(),
        TimelineStatus::Running(&h.analyzer.video("v").unwrap().lanes[0])
    );
    let failed = h.video(video("v", "video.failed", Some(Failed)), 12.5);
    assert!(codes(&failed).is_empty());
    let after = h.video(video("v", "video.processing", None), 13.0);
    assert_eq!(codes(&after), ["job_after_terminal"]);
    let again = h.video(video("v", "video.completed", Some(Succeeded)), 14.0);
    assert_eq!(codes(&again), ["job_after_terminal"]);
    let t = h.analyzer.video("v").unwrap();
    let lane = &t.lanes[0];
    assert_eq!(lane.duration(), Some(Duration::from_millis(12_500)));
    assert_eq!(lane.outcome, LaneOutcome::Failed);
    assert_eq!(
        lane.error.as_ref().unwrap().code.as_deref(),
        Some("GEN_TIMEOUT")
    );
    assert_eq!(t.status(), TimelineStatus::Failed(lane));
}

/// Feeds the same body at each time after the first (a sender re-sending it).
fn resend(h: &mut Harness, facts: &PrismFacts, times: &[f64]) -> Vec<crate::event::CapturedEvent> {
    times.iter().map(|&t| h.prism(facts.clone(), t)).collect()
}

#[test]
fn re_sends_are_counted_on_their_lane_with_their_times() {
    let mut h = Harness::new();
    h.prism(prism("s", BodyCreation, Started, "ASSET_PROCESSING"), 0.0);
    let failed = prism("s", BodyCreation, Failed, "ASSET_FAILED");
    // The first delivery at 10 s, then re-sent immediately, +5 s and +30 s after each other.
    let sent = resend(&mut h, &failed, &[10.0, 10.2, 15.3, 45.4]);
    assert!(sent[0].analysis.redelivery.is_none());
    assert!(sent[1..].iter().all(|e| codes(e).is_empty()));
    let t = h.analyzer.scan("s").unwrap();
    let lane = t.lane(BodyCreation).unwrap();
    // The re-sends change nothing but their count: the job ended with the first.
    assert_eq!(
        (lane.outcome, lane.ended_at),
        (LaneOutcome::Failed, Some(at(10.0)))
    );
    assert_eq!((lane.events, lane.resent, t.resent, t.events), (5, 3, 3, 5));
    let retried = lane.retried.as_ref().unwrap();
    assert_eq!(
        (retried.event.as_str(), retried.first_id, retried.resends),
        ("body.creation.failed", sent[0].id, 3)
    );
    assert_eq!(retried.delays_ms, [200.0, 5300.0, 35_400.0]);
    let gaps: Vec<f64> = retried
        .gaps_s()
        .map(|g| (g * 10.0).round() / 10.0)
        .collect();
    assert_eq!(gaps, [0.2, 5.1, 30.1]);
    assert_eq!(retried.span(), Duration::from_millis(35_400));
    assert_eq!(
        t.retried().map(|(l, _)| l.job.as_str()),
        Some("body.creation")
    );
    // A sender that does not stop: counted, times kept up to the limit, the span grows.
    resend(&mut h, &failed, &[80.0, 100.0]);
    let t = h.analyzer.scan("s").unwrap();
    let retried = t.lane(BodyCreation).unwrap().retried.as_ref().unwrap();
    assert_eq!(retried.resends, 5);
    assert_eq!(retried.delays_ms.len(), MAX_RETRY_DELAYS);
    assert_eq!(retried.span(), Duration::from_secs(90));
    let json = serde_json::to_string(t).unwrap();
    assert_eq!(&serde_json::from_str::<Timeline>(&json).unwrap(), t);
}

#[test]
fn another_re_sent_body_starts_its_own_count() {
    let mut h = Harness::new();
    let started = prism("s", ScanProcessing, Started, "PROCESSING");
    resend(&mut h, &started, &[0.0, 0.1]);
    let done = prism("s", ScanProcessing, Succeeded, "READY");
    resend(&mut h, &done, &[2.0, 2.1, 7.2]);
    let t = h.analyzer.scan("s").unwrap();
    let lane = t.lane(ScanProcessing).unwrap();
    assert_eq!(lane.resent, 3);
    let retried = lane.retried.as_ref().unwrap();
    assert_eq!(
        (retried.event.as_str(), retried.resends),
        ("scan.processing.succeeded", 2)
    );
    assert_eq!(retried.delays_ms, [100.0, 5200.0]);
    // Undocumented events have no lane, but their re-sends count on the scan.
    let mut other = prism("s", ScanProcessing, Started, "CREATED");
    other.event_type = "scan.created".into();
    other.job = None;
    resend(&mut h, &other, &[8.0, 8.1]);
    assert_eq!(h.analyzer.scan("s").unwrap().resent, 4);
}

#[test]
fn a_state_that_contradicts_its_event_marks_the_lane_until_a_fitting_one() {
    let mut h = Harness::new();
    let mut wrong = prism("s", FittedBodyCreation, Succeeded, "ASSET_FAILED");
    wrong.state_contradicts = true;
    h.prism(wrong, 1.0);
    let t = h.analyzer.scan("s").unwrap();
    let lane = t.lane(FittedBodyCreation).unwrap();
    let c = lane.contradiction.as_ref().unwrap();
    assert_eq!(
        (c.event.as_str(), c.state.as_str(), c.phase_word()),
        (
            "fitted_body.creation.succeeded",
            "ASSET_FAILED",
            "succeeded"
        )
    );
    // Never a plain success.
    assert_eq!(t.status(), TimelineStatus::Contradicted(lane));
    // A failure elsewhere comes first.
    h.prism(prism("s", BodyCreation, Failed, "ASSET_FAILED"), 2.0);
    let t = h.analyzer.scan("s").unwrap();
    assert!(matches!(t.status(), TimelineStatus::Failed(l) if l.job == "body.creation"));

    // A start that contradicts itself, then an ending that fits: the lane agrees again.
    let mut h = Harness::new();
    let mut early = prism("v", MeasurementsCreation, Started, "ASSET_SUCCEEDED");
    early.state_contradicts = true;
    h.prism(early, 0.0);
    let t = h.analyzer.scan("v").unwrap();
    assert!(matches!(t.status(), TimelineStatus::Contradicted(_)));
    h.prism(
        prism("v", MeasurementsCreation, Succeeded, "ASSET_SUCCEEDED"),
        3.0,
    );
    let t = h.analyzer.scan("v").unwrap();
    assert_eq!(t.lane(MeasurementsCreation).unwrap().contradiction, None);
    assert_eq!(t.status(), TimelineStatus::Succeeded);

    // Videos too.
    let mut h = Harness::new();
    let mut done = video("g", "video.completed", Some(Succeeded));
    done.status = Some("failed".into());
    done.state_contradicts = true;
    h.video(done, 0.0);
    let t = h.analyzer.video("g").unwrap();
    let c = t.lanes[0].contradiction.as_ref().unwrap();
    assert_eq!((c.phase_word(), c.state.as_str()), ("completed", "failed"));
}

#[test]
fn a_job_running_past_the_threshold_is_stuck_until_it_ends() {
    let mut h = Harness::new();
    h.prism(prism("s", ScanProcessing, Started, "PROCESSING"), 0.0);
    h.prism(prism("s", BodyCreation, Started, "ASSET_PROCESSING"), 10.0);
    let t = h.analyzer.scan("s").unwrap();
    let minute = Duration::from_secs(60);
    assert_eq!(t.stuck(at(59.0), minute), None);
    let (lane, running) = t.stuck(at(80.0), minute).unwrap();
    // The longest running of the two.
    assert_eq!(
        (lane.job.as_str(), running),
        ("scan.processing", Duration::from_secs(80))
    );
    h.prism(prism("s", ScanProcessing, Succeeded, "READY"), 85.0);
    let t = h.analyzer.scan("s").unwrap();
    let (lane, running) = t.stuck(at(90.0), minute).unwrap();
    assert_eq!(
        (lane.job.as_str(), running),
        ("body.creation", Duration::from_secs(80))
    );
    h.prism(prism("s", BodyCreation, Failed, "ASSET_FAILED"), 95.0);
    assert_eq!(h.analyzer.scan("s").unwrap().stuck(at(600.0), minute), None);
    // The default threshold.
    assert_eq!(STUCK_AFTER, Duration::from_secs(300));
    // A clock behind the start is no stuck job.
    let mut h = Harness::new();
    h.prism(prism("t", ScanProcessing, Started, "PROCESSING"), 100.0);
    assert_eq!(
        h.analyzer.scan("t").unwrap().stuck(at(0.0), Duration::ZERO),
        None
    );
}

#[test]
fn summaries_of_older_files_still_read() {
    // A lane and a timeline as written before re-sends and contradictions were kept.
    let json = serde_json::json!({
        "kind": "scan", "id": "s", "first_seen": "2026-01-13T14:00:00Z",
        "last_seen": "2026-01-13T14:00:01Z", "events": 1,
        "lanes": [{"job": "body.creation", "started_at": null, "ended_at": null,
            "outcome": "not_seen", "state": null, "error": null, "events": 0,
            "before_capture_valid": false}],
        "capture_valid_at": null, "other_events": 0, "last_event": null,
        "anomalies": [], "anomaly_count": 0
    });
    let t: Timeline = serde_json::from_value(json).unwrap();
    assert_eq!((t.resent, t.lanes[0].resent), (0, 0));
    assert_eq!(t.lanes[0].retried, None);
    assert_eq!(t.lanes[0].contradiction, None);
}
