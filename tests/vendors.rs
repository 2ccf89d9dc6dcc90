//! Each vendor's webhooks sent over real HTTP to the real listener: what lands in the export.

mod common;

use common::*;
use hookscope::config::ListenConfig;
use hookscope::decode::signature::{Secret, Secrets, sign};
use hookscope::event::SignatureScheme;
use serde_json::{Value, json};

fn with_secrets() -> ListenConfig {
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new("macSecret"));
    secrets.add(SignatureScheme::Prism, Secret::new("prism-secret"));
    secrets.add(
        SignatureScheme::Github,
        Secret::new("It's a Secret to Everybody"),
    );
    ListenConfig {
        secrets,
        ..config()
    }
}

async fn post_signed(
    server: &TestServer,
    path: &str,
    body: &str,
    scheme: Option<(SignatureScheme, &str)>,
) -> Value {
    let mut headers: Vec<(String, String)> =
        vec![("content-type".into(), "application/json".into())];
    if let Some((scheme, secret)) = scheme {
        for (name, value) in sign(
            scheme,
            secret,
            body.as_bytes(),
            chrono::Utc::now().timestamp(),
            "msg_1",
        ) {
            headers.push((name.to_string(), value));
        }
    }
    let refs: Vec<(&str, &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()))
        .collect();
    let answer = send(server.addr, "POST", path, &refs, body.as_bytes()).await;
    assert_eq!(answer.status, 200);
    let id = answer.json()["id"].as_u64().unwrap();
    let export = export_json(&server.store);
    export["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_signed_wms_event() {
    let server = start(with_secrets()).await;
    let body = json!({
        "timestamp": chrono::Utc::now().timestamp() - 2,
        "sessionId": "ryueiwoqfh910fu3rpqruvfiu",
        "sequence": 0,
        "event": "MEASUREMENT_CREATED",
        "severity": "INFO",
        "payload": { "measurementId": "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06" }
    })
    .to_string();
    let event = post_signed(
        &server,
        "/hooks/wms",
        &body,
        Some((SignatureScheme::Wms, "macSecret")),
    )
    .await;
    assert_eq!(event["provider"], "wms");
    assert_eq!(event["kind"], "MEASUREMENT_CREATED");
    assert_eq!(event["severity"], "info");
    assert_eq!(event["signature"]["scheme"], "wms");
    assert_eq!(event["signature"]["verdict"], "valid");
    assert_eq!(event["subject"]["session_id"], "ryueiwoqfh910fu3rpqruvfiu");
    assert_eq!(
        event["subject"]["measurement_id"],
        "f0c8ca8d-111d-4dcf-a69d-46ed39a2db06"
    );
    assert!(event["sent_at"].as_str().is_some());
    assert_eq!(event["anomalies"], json!([]));

    // The same body with a wrong MAC; then one with none at all.
    let bad = [
        ("content-type", &b"application/json"[..]),
        ("x-wms-content-mac", &b"hmac-sha256=00"[..]),
    ];
    send(server.addr, "POST", "/hooks/wms", &bad, body.as_bytes()).await;
    send(
        server.addr,
        "POST",
        "/hooks/wms",
        &[("content-type", b"application/json")],
        body.as_bytes(),
    )
    .await;
    let export = export_json(&server.store);
    assert_eq!(export["events"][1]["signature"]["verdict"], "malformed");
    assert_eq!(export["events"][2]["signature"]["verdict"], "missing");
    server.stop().await;
}

#[tokio::test]
async fn a_wms_event_with_the_wrong_severity() {
    let server = start(config()).await;
    let body = r#"{"timestamp":1689684577,"sessionId":"s","sequence":3,"event":"CONSTRAINT_VIOLATION","severity":"INFO","payload":{}}"#;
    let event = post_signed(&server, "/", body, None).await;
    assert_eq!(event["provider"], "wms");
    assert_eq!(event["severity"], "info"); // the body's word, flagged
    assert_eq!(event["anomalies"][0]["code"], "severity_mismatch");
    assert_eq!(event["signature"]["verdict"], "unsigned");
    server.stop().await;
}

#[tokio::test]
async fn prism_scan_events_and_failures() {
    let server = start(with_secrets()).await;
    let started = r#"{"eventType":"capture_data.validation.started","payload":{"scanId":"scan-1","state":"SCAN_VALIDATING_CAPTURE_DATA"}}"#;
    post_signed(&server, "/hooks/prism", started, None).await;
    let ok = r#"{"eventType":"capture_data.validation.succeeded","payload":{"scanId":"scan-1","state":"SCAN_CAPTURE_DATA_VALID"}}"#;
    let event = post_signed(&server, "/hooks/prism", ok, None).await;
    assert_eq!(
        (event["provider"].as_str(), event["kind"].as_str()),
        (Some("prism"), Some("capture_data.validation.succeeded"))
    );
    assert_eq!(event["severity"], "info");
    assert_eq!(event["subject"], json!({"scan_id": "scan-1"}));
    assert_eq!(event["signature"]["verdict"], "unsigned");

    let failed = r#"{"eventType":"body.creation.failed","payload":{"scanId":"scan-1","state":"ASSET_FAILED","error":{"id":42,"code":"MESH_ERROR","message":"no fit"}}}"#;
    let event = post_signed(&server, "/hooks/prism", failed, None).await;
    assert_eq!(event["severity"], "error");

    let contradiction = r#"{"eventType":"body.creation.succeeded","payload":{"scanId":"scan-1","state":"ASSET_FAILED"}}"#;
    let event = post_signed(&server, "/hooks/prism", contradiction, None).await;
    let codes: Vec<&str> = event["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"state_mismatch"), "{codes:?}");

    let started = r#"{"eventType":"scan.processing.started","payload":{"scanId":"scan-2","userId":"u1","userToken":"tok_secret_value","state":"PROCESSING"}}"#;
    post_signed(&server, "/hooks/prism", started, None).await;
    let hosted = r#"{"eventType":"scan.processing.succeeded","payload":{"scanId":"scan-2","userId":"u1","userToken":"tok_secret_value","state":"READY"}}"#;
    let event = post_signed(&server, "/hooks/prism", hosted, None).await;
    assert_eq!(event["severity"], "info");
    assert!(!event["subject"].to_string().contains("tok_secret_value"));
    server.stop().await;
}

#[tokio::test]
async fn prism_video_events_signed_and_not() {
    let server = start(with_secrets()).await;
    let completed = r#"{"event":"video.completed","timestamp":"2026-01-13T14:35:00Z","data":{"id":"gen_abc123xyz","status":"completed"}}"#;
    let event = post_signed(
        &server,
        "/webhooks/prism",
        completed,
        Some((SignatureScheme::Prism, "prism-secret")),
    )
    .await;
    assert_eq!(event["provider"], "prism_video");
    assert_eq!(event["kind"], "video.completed");
    assert_eq!(event["subject"], json!({"video_id": "gen_abc123xyz"}));
    assert_eq!(
        event["signature"],
        json!({"scheme": "prism", "verdict": "valid", "note": event["signature"]["note"]})
    );
    assert_eq!(event["sent_at"], "2026-01-13T14:35:00.000000Z");

    let failed = r#"{"event":"video.failed","timestamp":"2026-01-13T14:35:00Z","data":{"id":"gen_x","status":"failed"}}"#;
    let event = post_signed(
        &server,
        "/webhooks/prism",
        failed,
        Some((SignatureScheme::Prism, "another-secret")),
    )
    .await;
    assert_eq!(event["severity"], "error");
    assert_eq!(event["signature"]["verdict"], "invalid");
    server.stop().await;
}

#[tokio::test]
async fn github_published_vector_and_generic_triggers() {
    let server = start(with_secrets()).await;
    let headers = [(
        "x-hub-signature-256",
        &b"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"[..],
    )];
    send(server.addr, "POST", "/gh", &headers, b"Hello, World!").await;
    let event = &export_json(&server.store)["events"][0];
    assert_eq!(event["provider"], "generic");
    assert_eq!(event["signature"]["scheme"], "github");
    assert_eq!(event["signature"]["verdict"], "valid");

    let trigger = r#"{"renderId":51266,"s3Bucket":"test-customer-renders","status":"complete"}"#;
    let event = post_signed(&server, "/trigger/EXAMPLE", trigger, None).await;
    assert_eq!(event["provider"], "generic");
    assert_eq!(event["kind"], Value::Null);
    assert_eq!(event["anomalies"], json!([]));
    // Several secrets for several schemes: an unsigned generic request is just unsigned.
    assert_eq!(event["signature"]["verdict"], "unsigned");
    server.stop().await;
}

fn wms_body(seq: u64, event: &str) -> String {
    json!({
        "timestamp": 1_763_800_000 + seq,
        "sessionId": "seq-session",
        "sequence": seq,
        "event": event,
        "severity": "INFO",
        "payload": { "measurementId": "m-1", "snr": 90, "sequence": seq }
    })
    .to_string()
}

#[tokio::test]
async fn wms_sequence_statuses_over_http() {
    let server = start(config()).await;
    for seq in [0, 1, 2, 5, 3, 5, 4] {
        post(
            server.addr,
            "/hooks/wms",
            "application/json",
            wms_body(seq, "INTERMEDIATE_RESULTS").as_bytes(),
        )
        .await;
    }
    let export = export_json(&server.store);
    let events = export["events"].as_array().unwrap();
    let statuses: Vec<&str> = events
        .iter()
        .map(|e| e["sequence"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "first",
            "in_order",
            "in_order",
            "gap",
            "late",
            "duplicate",
            "late"
        ]
    );
    assert_eq!(
        events[3]["sequence"],
        json!({"session_id": "seq-session", "seq": 5, "status": "gap", "missing": [3, 4]})
    );
    let codes: Vec<&str> = events[3]["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"sequence_gap"), "{codes:?}");
    // The duplicate is also a redelivery of the same body.
    assert_eq!(events[5]["redelivery"]["retry"], 1);
    assert_eq!(events[5]["redelivery"]["first_id"], events[3]["id"]);
    server.stop().await;
}

#[tokio::test]
async fn prism_timeline_anomalies_over_http() {
    let server = start(config()).await;
    let asset = r#"{"eventType":"body.creation.started","payload":{"scanId":"scan-early","state":"ASSET_PROCESSING"}}"#;
    let event = post_signed(&server, "/hooks/prism", asset, None).await;
    let codes: Vec<&str> = event["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"asset_before_valid"), "{codes:?}");
    assert_eq!(event["severity"], "warn");
    let end = r#"{"eventType":"fitted_body.creation.succeeded","payload":{"scanId":"scan-early","state":"ASSET_SUCCEEDED"}}"#;
    let event = post_signed(&server, "/hooks/prism", end, None).await;
    let codes: Vec<&str> = event["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"job_end_without_start"), "{codes:?}");
    server.stop().await;
}

#[tokio::test]
async fn retries_are_linked_to_the_answers_given() {
    use hookscope::answer::AnswerSettings;
    let server = start(ListenConfig {
        answer: AnswerSettings {
            fail_first: 2,
            ..Default::default()
        },
        ..config()
    })
    .await;
    let body = r#"{"eventType":"scan.processing.succeeded","payload":{"scanId":"s9","userId":"u","userToken":"t","state":"READY"}}"#;
    let statuses: Vec<u16> = {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(
                post(
                    server.addr,
                    "/hooks/prism",
                    "application/json",
                    body.as_bytes(),
                )
                .await
                .status,
            );
        }
        out
    };
    assert_eq!(statuses, [503, 503, 200]);
    let export = export_json(&server.store);
    let events = export["events"].as_array().unwrap();
    assert_eq!(events[0]["redelivery"], serde_json::Value::Null);
    assert_eq!(events[1]["redelivery"]["retry"], 1);
    assert_eq!(events[1]["redelivery"]["previous_status"], 503);
    assert_eq!(events[2]["redelivery"]["retry"], 2);
    assert_eq!(events[2]["redelivery"]["previous_id"], events[1]["id"]);
    assert!(events[2]["redelivery"]["schedule"].as_str().is_some());
    server.stop().await;
}

#[tokio::test]
async fn the_simulator_against_the_listener_gives_gaps_and_failures() {
    use hookscope::simulate::{Scenario, deliveries};
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new("sim-wms"));
    secrets.add(SignatureScheme::Prism, Secret::new("sim-prism"));
    let server = start(ListenConfig {
        secrets: secrets.clone(),
        ..config()
    })
    .await;
    let scenarios = [
        Scenario::Wms,
        Scenario::WmsTrouble,
        Scenario::PrismFailure,
        Scenario::Video,
        Scenario::Generic,
    ];
    let sent = deliveries(&scenarios, &secrets, chrono::Utc::now());
    let total = sent.len() as u64;
    let progress: hookscope::sender::Progress = std::sync::Arc::new(|_, _| {});
    let target = format!("http://{}", server.addr);
    let summary = hookscope::sender::send(&target, sent, None, progress).await;
    assert_eq!(summary.sent, total);
    assert_eq!(summary.failed, 0);
    let export = export_json(&server.store);
    let events = export["events"].as_array().unwrap();
    assert_eq!(events.len() as u64, total);
    let has = |f: &dyn Fn(&Value) -> bool| events.iter().any(f);
    assert!(has(&|e| e["sequence"]["status"] == "gap"));
    assert!(has(&|e| e["sequence"]["status"] == "late"));
    assert!(has(&|e| e["sequence"]["status"] == "duplicate"));
    assert!(has(
        &|e| e["provider"] == "prism" && e["severity"] == "error"
    ));
    assert!(has(&|e| e["kind"] == "video.failed"));
    assert!(has(&|e| e["signature"]["verdict"] == "invalid"));
    assert!(has(&|e| e["body_kind"] == "multipart"));
    let valid = events
        .iter()
        .filter(|e| e["signature"]["verdict"] == "valid")
        .count();
    assert!(valid > 30, "{valid}");
    server.stop().await;
}
