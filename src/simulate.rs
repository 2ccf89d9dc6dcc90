//! A sender of realistic vendor traffic, built from the vendor documents: WMS measurement
//! sessions (with gaps, duplicates and late arrivals), Prism scans through every job (some
//! failing), Prism video completions and failures, a Prism sender that retries on its documented
//! schedule, and Prismatic-style generic triggers. Signed when secrets are given.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::decode::signature::{self, Secrets};
use crate::event::SignatureScheme;
use crate::sender::{self, Delivery, Summary};

/// The traffic a scenario sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// A full WMS measurement with an SNR curve, one gap filled late and one duplicate.
    Wms,
    /// WMS sessions that end badly: a constraint violation after a hidden page and a dropped
    /// websocket; a denied camera; one event with a wrong MAC.
    WmsTrouble,
    /// Prism scans through capture-data validation, the three asset jobs and processing.
    PrismScan,
    /// Prism scans that fail: invalid capture data, a failed asset job with its error object,
    /// and out-of-order events.
    PrismFailure,
    /// Prism video completions and failures.
    Video,
    /// A Prism sender that re-sends on any answer outside 2xx: immediately, after 5 s, after 30 s.
    Retry,
    /// Prismatic-style triggers: JSON, a GET verification, a form, multipart and binary bodies.
    Generic,
}

impl Scenario {
    pub const ALL: [Scenario; 7] = [
        Scenario::Wms,
        Scenario::WmsTrouble,
        Scenario::PrismScan,
        Scenario::PrismFailure,
        Scenario::Video,
        Scenario::Retry,
        Scenario::Generic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Wms => "wms",
            Scenario::WmsTrouble => "wms-trouble",
            Scenario::PrismScan => "prism-scan",
            Scenario::PrismFailure => "prism-failure",
            Scenario::Video => "video",
            Scenario::Retry => "retry",
            Scenario::Generic => "generic",
        }
    }

    pub fn about(self) -> &'static str {
        match self {
            Scenario::Wms => "a WMS measurement session with a gap filled late and a duplicate",
            Scenario::WmsTrouble => {
                "WMS sessions ending in a constraint violation and a denied camera, one bad MAC"
            }
            Scenario::PrismScan => {
                "Prism scans through validation, body, fitted body, measurements, processing"
            }
            Scenario::PrismFailure => {
                "Prism scans failing: invalid capture data, a failed asset job, events out of order"
            }
            Scenario::Video => "Prism video generations completing and failing",
            Scenario::Retry => {
                "a Prism sender re-sending on failure: immediately, after 5 s, after 30 s"
            }
            Scenario::Generic => {
                "Prismatic-style triggers: JSON, GET verification, form, multipart, binary"
            }
        }
    }

    pub fn parse(name: &str) -> Result<Vec<Scenario>, String> {
        if name == "all" {
            return Ok(Scenario::ALL.to_vec());
        }
        Scenario::ALL
            .iter()
            .find(|s| s.name() == name)
            .map(|s| vec![*s])
            .ok_or_else(|| {
                let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown scenario '{name}'; known: all, {}",
                    names.join(", ")
                )
            })
    }
}

struct Builder<'a> {
    secrets: &'a Secrets,
    now: DateTime<Utc>,
    out: Vec<Delivery>,
    scenario: Scenario,
    /// The time between two deliveries when sent at a known rate: WMS events are then stamped
    /// with when they will be sent. Without it, stamps are two minutes old, a second apart.
    pace: Option<chrono::Duration>,
    /// Per WMS session, the place in the sending order its sequence number 0 has.
    session_base: std::collections::HashMap<String, i64>,
}

impl Builder<'_> {
    fn json(&mut self, path: &str, body: serde_json::Value, sign: Option<SignatureScheme>) {
        let body = body.to_string().into_bytes();
        self.raw("POST", path, "application/json", body, sign);
    }

    fn raw(
        &mut self,
        method: &'static str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        sign: Option<SignatureScheme>,
    ) {
        let mut headers = vec![
            ("content-type".to_string(), content_type.to_string()),
            (
                "user-agent".to_string(),
                format!("hookscope-simulate/{}", env!("CARGO_PKG_VERSION")),
            ),
        ];
        if let Some(scheme) = sign
            && let Some(secret) = self.secrets.for_scheme(scheme).first()
        {
            for (name, value) in signature::sign(
                scheme,
                secret.expose(),
                &body,
                self.now.timestamp(),
                "msg_simulated",
            ) {
                headers.push((name.to_string(), value));
            }
        }
        if content_type.is_empty() {
            headers.remove(0);
        }
        self.out.push(Delivery {
            label: self.scenario.name().to_string(),
            method: method.to_string(),
            path: path.to_string(),
            headers,
            body: body.into(),
            retries: false,
        });
    }

    fn wms(
        &mut self,
        session: &str,
        seq: u64,
        event: &str,
        severity: &str,
        payload: serde_json::Value,
        offset_s: i64,
    ) {
        let timestamp = match self.pace {
            None => self.now.timestamp() - 120 + offset_s,
            Some(pace) => {
                // Stamped as if the session were sent in order from its first event: an event
                // sent late keeps the earlier stamp of its place, as a real late delivery does.
                let sent = self.out.len() as i64;
                let base = *self
                    .session_base
                    .entry(session.to_owned())
                    .or_insert(sent - offset_s);
                // Never after it is sent: numbers skipped before it would put it ahead.
                let place = i32::try_from((base + offset_s).min(sent)).unwrap_or(i32::MAX);
                (self.now + pace * place).timestamp()
            }
        };
        let body = json!({
            "timestamp": timestamp,
            "sessionId": session,
            "sequence": seq,
            "event": event,
            "severity": severity,
            "payload": payload,
        });
        self.json("/hooks/wms", body, Some(SignatureScheme::Wms));
    }
}

/// The deliveries of the given scenarios, in sending order.
pub fn deliveries(scenarios: &[Scenario], secrets: &Secrets, now: DateTime<Utc>) -> Vec<Delivery> {
    build(scenarios, secrets, now, None)
}

/// The deliveries of the given scenarios, to be sent from `now` at `rate` per second: each WMS
/// event is stamped with the time it will be sent (its place in its session's order), so that
/// the delivery lag hookscope shows is what the network adds, not an artefact of the simulation.
pub fn paced_deliveries(
    scenarios: &[Scenario],
    secrets: &Secrets,
    now: DateTime<Utc>,
    rate: f64,
) -> Vec<Delivery> {
    let micros = (1_000_000.0 / rate.max(0.001)).min(3_600_000_000.0) as i64;
    build(
        scenarios,
        secrets,
        now,
        Some(chrono::Duration::microseconds(micros)),
    )
}

fn build(
    scenarios: &[Scenario],
    secrets: &Secrets,
    now: DateTime<Utc>,
    pace: Option<chrono::Duration>,
) -> Vec<Delivery> {
    let mut b = Builder {
        secrets,
        now,
        out: Vec::new(),
        scenario: Scenario::Wms,
        pace,
        session_base: std::collections::HashMap::new(),
    };
    for &scenario in scenarios {
        b.scenario = scenario;
        match scenario {
            Scenario::Wms => wms_session(&mut b),
            Scenario::WmsTrouble => wms_trouble(&mut b),
            Scenario::PrismScan => prism_scans(&mut b),
            Scenario::PrismFailure => prism_failures(&mut b),
            Scenario::Video => videos(&mut b),
            Scenario::Retry => retrying_sender(&mut b),
            Scenario::Generic => generic(&mut b),
        }
    }
    b.out
}

const MEASUREMENT: &str = "fbfbec8f-cb05-4288-99e5-5e219648399a";

fn wms_session(b: &mut Builder<'_>) {
    let session = "ryueiwoqfh910fu3rpqruvfiu";
    let m = json!({ "measurementId": MEASUREMENT });
    let mut events: Vec<(&str, serde_json::Value)> = vec![
        ("WMS_LOADED", json!({})),
        ("CONFIGURATION_LOADED", json!({})),
        ("CAMERA_PERMISSION_GRANTED", json!({})),
        ("CAMERA_STARTED", json!({})),
        ("MEASUREMENT_STARTED", json!({})),
        ("MEASUREMENT_CREATED", m.clone()),
    ];
    // An SNR curve rising from the 40s to 100, as a face settles in front of the camera.
    let snr = [
        41, 48, 55, 63, 70, 76, 81, 86, 90, 93, 95, 97, 98, 100, 100, 99, 100, 100,
    ];
    for (i, value) in snr.iter().enumerate() {
        let payload = json!({ "measurementId": MEASUREMENT, "snr": value, "sequence": i + 1 });
        events.push(("INTERMEDIATE_RESULTS", payload));
    }
    for event in [
        "SCAN_COMPLETED",
        "RESULTS_RECEIVED",
        "REDIRECTING_TO_CALLBACK",
    ] {
        events.push((event, m.clone()));
    }
    // Sending order: sequence 9 is delivered twice (a duplicate), 12 and 13 are held back until
    // after 15 (a gap, then two late fills).
    let mut order: Vec<usize> = (0..events.len()).filter(|&s| s != 12 && s != 13).collect();
    let after_15 = order
        .iter()
        .position(|&s| s == 15)
        .map_or(order.len(), |p| p + 1);
    order.splice(after_15..after_15, [13, 12]);
    let after_9 = order
        .iter()
        .position(|&s| s == 9)
        .map_or(order.len(), |p| p + 1);
    order.insert(after_9, 9);
    for seq in order {
        let (event, payload) = &events[seq];
        b.wms(
            session,
            seq as u64,
            event,
            "INFO",
            payload.clone(),
            seq as i64,
        );
    }
}

fn wms_trouble(b: &mut Builder<'_>) {
    let session = "a8d1c0e4b2f94e1c9d7a6b5c4d3e2f10";
    let m = json!({ "measurementId": "a1e6c2e6-410b-4e19-bae5-a72a0343d322" });
    let events: [(&str, &str, serde_json::Value); 11] = [
        ("WMS_LOADED", "INFO", json!({})),
        ("CONFIGURATION_LOADED", "INFO", json!({})),
        ("CAMERA_PERMISSION_GRANTED", "INFO", json!({})),
        ("CAMERA_STARTED", "INFO", json!({})),
        ("MEASUREMENT_STARTED", "INFO", json!({})),
        ("MEASUREMENT_CREATED", "INFO", m.clone()),
        (
            "INTERMEDIATE_RESULTS",
            "INFO",
            json!({ "measurementId": m["measurementId"], "snr": 88, "sequence": 1 }),
        ),
        (
            "PAGE_VISIBILITY_CHANGE",
            "INFO",
            json!({ "measurementId": m["measurementId"], "state": "HIDDEN" }),
        ),
        ("WEBSOCKET_DISCONNECTED", "WARN", m.clone()),
        (
            "INTERMEDIATE_RESULTS",
            "INFO",
            json!({ "measurementId": m["measurementId"], "snr": 52, "sequence": 2 }),
        ),
        ("CONSTRAINT_VIOLATION", "ERROR", m.clone()),
    ];
    for (seq, (event, severity, payload)) in events.into_iter().enumerate() {
        b.wms(session, seq as u64, event, severity, payload, seq as i64);
    }
    let denied = "c0ffee00d15ea5e0b5e55ed0a11d0c5e";
    b.wms(denied, 0, "WMS_LOADED", "INFO", json!({}), 0);
    b.wms(denied, 1, "CONFIGURATION_LOADED", "INFO", json!({}), 1);
    b.wms(denied, 2, "CAMERA_PERMISSION_DENIED", "ERROR", json!({}), 2);
    // A sender that reports a documented ERROR event as WARN, with a non-ASCII detail.
    b.wms(
        denied,
        3,
        "GENERAL_ERROR",
        "WARN",
        json!({ "details": "CAMERA_START_ERROR — caméra occupée" }),
        3,
    );
    // One event whose MAC does not match its body.
    let before = b.out.len();
    b.wms(denied, 4, "PAGE_UNLOADED", "INFO", json!({}), 4);
    if let Some(mac) = b.out[before..]
        .iter_mut()
        .flat_map(|d| d.headers.iter_mut())
        .find(|(n, _)| n.eq_ignore_ascii_case("x-wms-content-mac"))
    {
        mac.1 = format!("hmac-sha256={}", "0".repeat(64));
    }
}

fn prism_event(b: &mut Builder<'_>, event_type: &str, payload: serde_json::Value) {
    b.json(
        "/hooks/prism",
        json!({ "eventType": event_type, "payload": payload }),
        None,
    );
}

fn prism_scans(b: &mut Builder<'_>) {
    for (scan, user) in [
        ("scan-7f3a9c21", "user-0412"),
        ("scan-11b2e0d4", "user-0977"),
    ] {
        let state = |s: &str| json!({ "scanId": scan, "state": s });
        prism_event(
            b,
            "capture_data.validation.started",
            state("SCAN_VALIDATING_CAPTURE_DATA"),
        );
        prism_event(
            b,
            "capture_data.validation.succeeded",
            state("SCAN_CAPTURE_DATA_VALID"),
        );
        for asset in ["body", "fitted_body", "measurements"] {
            prism_event(
                b,
                &format!("{asset}.creation.started"),
                state("ASSET_PROCESSING"),
            );
        }
        for asset in ["body", "fitted_body", "measurements"] {
            prism_event(
                b,
                &format!("{asset}.creation.succeeded"),
                state("ASSET_SUCCEEDED"),
            );
        }
        let hosted = |s: &str| json!({ "scanId": scan, "userId": user, "userToken": "tok_live_4f9a8b7c6d5e", "state": s });
        prism_event(b, "scan.processing.started", hosted("PROCESSING"));
        prism_event(b, "scan.processing.succeeded", hosted("READY"));
    }
}

fn prism_failures(b: &mut Builder<'_>) {
    let scan = "scan-e41d0b77";
    let state = |s: &str| json!({ "scanId": scan, "state": s });
    prism_event(
        b,
        "capture_data.validation.started",
        state("SCAN_VALIDATING_CAPTURE_DATA"),
    );
    prism_event(
        b,
        "capture_data.validation.succeeded",
        state("SCAN_CAPTURE_DATA_VALID"),
    );
    prism_event(b, "body.creation.started", state("ASSET_PROCESSING"));
    prism_event(
        b,
        "body.creation.failed",
        json!({ "scanId": scan, "state": "ASSET_FAILED", "error": { "id": 42, "code": "MESH_ERROR", "message": "Body mesh could not be fitted" } }),
    );
    // A succeeded event that contradicts its own state.
    prism_event(b, "fitted_body.creation.succeeded", state("ASSET_FAILED"));

    let invalid = "scan-0b5e1a92";
    let state = |s: &str| json!({ "scanId": invalid, "state": s });
    prism_event(
        b,
        "capture_data.validation.started",
        state("SCAN_VALIDATING_CAPTURE_DATA"),
    );
    // An asset job requested before the capture data was valid.
    prism_event(b, "measurements.creation.started", state("ASSET_REQUESTED"));
    prism_event(
        b,
        "capture_data.validation.failed",
        json!({ "scanId": invalid, "state": "SCAN_CAPTURE_DATA_INVALID", "notificationError": { "id": 7, "code": "CAPTURE_TOO_DARK", "message": "Capture data too dark to validate" } }),
    );
    prism_event(
        b,
        "scan.processing.failed",
        json!({ "scanId": invalid, "userId": "user-1288", "userToken": "tok_live_0a1b2c3d4e5f", "state": "FAILED" }),
    );
}

fn videos(b: &mut Builder<'_>) {
    let now = b.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let completed = json!({
        "event": "video.completed",
        "timestamp": now,
        "data": {
            "id": "gen_abc123xyz", "status": "completed", "prompt": "A serene mountain lake at sunset",
            "provider": "runway", "duration": 6,
            "video_url": "https://storage.prism.video/videos/gen_abc123xyz.mp4",
            "thumbnail_url": "https://storage.prism.video/thumbnails/gen_abc123xyz.jpg",
            "created_at": now,
        }
    });
    b.json("/webhooks/prism", completed, Some(SignatureScheme::Prism));
    let failed = json!({
        "event": "video.failed",
        "timestamp": now,
        "data": { "id": "gen_def456uvw", "status": "failed", "prompt": "A city street in the rain", "provider": "runway", "error": "content policy" }
    });
    b.json("/webhooks/prism", failed, Some(SignatureScheme::Prism));
}

fn retrying_sender(b: &mut Builder<'_>) {
    let before = b.out.len();
    prism_event(
        b,
        "scan.processing.succeeded",
        json!({ "scanId": "scan-5a5a5a5a", "userId": "user-0042", "userToken": "tok_live_77aa66bb55cc", "state": "READY" }),
    );
    for delivery in &mut b.out[before..] {
        delivery.retries = true;
    }
}

fn generic(b: &mut Builder<'_>) {
    b.json(
        "/trigger/SW5zdGFuY2VGbG93",
        json!({ "renderId": 51266, "s3Bucket": "test-customer-renders", "status": "complete" }),
        None,
    );
    b.raw(
        "GET",
        "/trigger/SW5zdGFuY2VGbG93?challenge=verify-me-42",
        "",
        Vec::new(),
        None,
    );
    b.raw(
        "POST",
        "/trigger/form",
        "application/x-www-form-urlencoded",
        b"item=Widgets&quantity=5".to_vec(),
        None,
    );
    let multipart = b"--hookscope-sim\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nrender finished\r\n\
--hookscope-sim\r\nContent-Disposition: form-data; name=\"file\"; filename=\"render.bin\"\r\n\
Content-Type: application/octet-stream\r\n\r\n\x89PNG\r\n\x1a\n\x00\x00\r\n--hookscope-sim--\r\n";
    b.raw(
        "POST",
        "/trigger/upload",
        "multipart/form-data; boundary=hookscope-sim",
        multipart.to_vec(),
        None,
    );
    b.raw(
        "PUT",
        "/trigger/binary",
        "application/octet-stream",
        (0u8..=255).collect(),
        None,
    );
    b.raw(
        "POST",
        "/trigger/broken",
        "application/json",
        b"{bad-data".to_vec(),
        None,
    );
}

/// `hookscope simulate` with chaos flags: the scenarios' requests go through
/// [`crate::chaos::run`] at `settings.rate` per second.
pub async fn run_chaos(
    target: &str,
    scenarios: &[Scenario],
    secrets: &Secrets,
    settings: &crate::chaos::Settings,
) -> anyhow::Result<crate::chaos::report::Report> {
    let deliveries = deliveries(scenarios, secrets, Utc::now());
    eprintln!(
        "hookscope: simulating {} to {target}{}",
        what_is_sent(scenarios, deliveries.len()),
        signed_words(secrets)
    );
    crate::chaos::run(target, deliveries, settings).await
}

/// `28 requests (wms, prism-scan)`: how many requests of which scenarios.
fn what_is_sent(scenarios: &[Scenario], requests: usize) -> String {
    let names: Vec<&str> = scenarios.iter().map(|s| s.name()).collect();
    format!(
        "{} ({})",
        crate::words::count(requests as u64, "request"),
        names.join(", ")
    )
}

/// Whether the requests are signed, as the announcement ends.
fn signed_words(secrets: &Secrets) -> &'static str {
    if secrets.is_empty() {
        ", unsigned (no secrets given)"
    } else {
        ", signed"
    }
}

/// `hookscope simulate`: sends the scenarios to `target` and prints progress and a summary.
/// Fails when nothing answered at all (a wrong URL, nothing listening).
pub async fn run(
    target: &str,
    scenarios: &[Scenario],
    rate: f64,
    secrets: &Secrets,
) -> anyhow::Result<Summary> {
    let deliveries = paced_deliveries(scenarios, secrets, Utc::now(), rate);
    eprintln!(
        "hookscope: sending {} to {target}, {rate} per second{}",
        what_is_sent(scenarios, deliveries.len()),
        signed_words(secrets)
    );
    let total = deliveries.len();
    let summary = sender::send(
        target,
        deliveries,
        Some(rate),
        sender::stderr_progress(total),
    )
    .await;
    eprintln!("hookscope: {summary}");
    if summary.failed == summary.sent && summary.sent > 0 {
        anyhow::bail!(
            "no request got an answer from {target}: is hookscope (or your app) listening there?"
        );
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::signature::Secret;
    use crate::event::{HeaderList, Provider, SignatureVerdict};

    fn secrets() -> Secrets {
        let mut secrets = Secrets::default();
        secrets.add(SignatureScheme::Wms, Secret::new("wms-secret"));
        secrets.add(SignatureScheme::Prism, Secret::new("prism-secret"));
        secrets
    }

    fn verdict(delivery: &Delivery, provider: Provider) -> SignatureVerdict {
        let headers = HeaderList::from_pairs(
            delivery
                .headers
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        );
        signature::verify(&headers, &delivery.body, provider, &secrets(), Utc::now())
            .signature
            .verdict
    }

    #[test]
    fn scenarios_parse_by_name() {
        assert_eq!(Scenario::parse("all").unwrap().len(), Scenario::ALL.len());
        assert_eq!(Scenario::parse("wms").unwrap(), [Scenario::Wms]);
        assert!(Scenario::parse("nope").unwrap_err().contains("wms-trouble"));
    }

    /// Sent at a known rate, WMS events carry the time they are sent (a late one the time of its
    /// place in order), so the lag hookscope shows is near zero, and stamps never go backwards
    /// in sequence order.
    #[test]
    fn paced_wms_stamps_are_when_they_are_sent() {
        // Stamps are whole seconds: start at each tenth of a second, so that a stamp one place
        // too late crosses a second somewhere.
        for tenth in 0..10 {
            let now =
                chrono::TimeZone::timestamp_opt(&Utc, 1_800_000_000, tenth * 100_000_000).unwrap();
            check_paced_stamps(now);
        }
        let now = Utc::now();
        // Unpaced, as the interface tests draw them: two minutes old, as before.
        let unpaced = deliveries(&[Scenario::Wms], &secrets(), now);
        let body: serde_json::Value = serde_json::from_slice(&unpaced[0].body).unwrap();
        assert_eq!(body["timestamp"].as_i64().unwrap(), now.timestamp() - 120);
    }

    fn check_paced_stamps(now: chrono::DateTime<Utc>) {
        let rate = 10.0;
        let sent = paced_deliveries(
            &[Scenario::Wms, Scenario::WmsTrouble],
            &secrets(),
            now,
            rate,
        );
        let mut by_session: std::collections::BTreeMap<String, Vec<(u64, i64)>> =
            Default::default();
        for (place, delivery) in sent.iter().enumerate() {
            let body: serde_json::Value = serde_json::from_slice(&delivery.body).unwrap();
            let stamp = body["timestamp"].as_i64().unwrap();
            let sent_at = (now + chrono::Duration::milliseconds(place as i64 * 100)).timestamp();
            // Never after it is sent, and at most a second before (the late fills).
            assert!(
                stamp <= sent_at && sent_at - stamp <= 1,
                "{place}: {stamp} vs {sent_at}"
            );
            by_session
                .entry(body["sessionId"].as_str().unwrap().to_owned())
                .or_default()
                .push((body["sequence"].as_u64().unwrap(), stamp));
        }
        for (session, mut events) in by_session {
            events.sort();
            assert!(
                events.windows(2).all(|w| w[0].1 <= w[1].1),
                "{session}: {events:?}"
            );
        }
    }

    #[test]
    fn the_wms_session_has_a_duplicate_a_gap_and_late_fills() {
        let sent = deliveries(&[Scenario::Wms], &secrets(), Utc::now());
        let seqs: Vec<u64> = sent
            .iter()
            .map(|d| {
                let body: serde_json::Value = serde_json::from_slice(&d.body).unwrap();
                body["sequence"].as_u64().unwrap()
            })
            .collect();
        assert_eq!(&seqs[..12], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10]);
        assert_eq!(&seqs[12..17], &[11, 14, 15, 13, 12]);
        assert_eq!(*seqs.last().unwrap(), 26);
        assert!(
            sent.iter()
                .all(|d| verdict(d, Provider::Wms) == SignatureVerdict::Valid)
        );
    }

    #[test]
    fn trouble_includes_one_bad_mac_and_videos_are_signed() {
        let sent = deliveries(&[Scenario::WmsTrouble], &secrets(), Utc::now());
        let invalid = sent
            .iter()
            .filter(|d| verdict(d, Provider::Wms) == SignatureVerdict::Invalid);
        assert_eq!(invalid.count(), 1);
        let videos = deliveries(&[Scenario::Video], &secrets(), Utc::now());
        assert_eq!(videos.len(), 2);
        assert!(
            videos
                .iter()
                .all(|d| verdict(d, Provider::PrismVideo) == SignatureVerdict::Valid)
        );
    }

    #[test]
    fn without_secrets_nothing_is_signed() {
        let sent = deliveries(&Scenario::ALL, &Secrets::default(), Utc::now());
        assert!(sent.iter().all(|d| d.header("x-wms-content-mac").is_none()));
        assert!(
            sent.iter()
                .any(|d| d.method == "GET" && d.path.contains("challenge="))
        );
        assert_eq!(sent.iter().filter(|d| d.retries).count(), 1);
    }
}
