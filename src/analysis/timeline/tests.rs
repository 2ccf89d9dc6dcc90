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
