//! Both sides of an exchange: a real listener forwards to a real local app that answers 500 with
//! a JSON body and headers of its own; the JSON Lines log, the HAR export and the Response tab
//! show that answer, and with the app down the reason the forward failed is on screen.

mod common;
mod ui_support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{LIMIT, config, send_full, start, start_app};
use hookscope::answer::AnswerSettings;
use hookscope::config::ListenConfig;
use hookscope::event::{AnsweredBy, CapturedEvent, HeaderList, Sent};
use hookscope::export::jsonl::JsonlTarget;
use ui_support::{Screen, keys, live_source, store_with};

const APP_ANSWER: &str = r#"{"error":"database unavailable","retry_in":30}"#;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("hookscope-response-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn forwarding_to(url: String, jsonl: Option<std::path::PathBuf>) -> ListenConfig {
    ListenConfig {
        answer: AnswerSettings {
            forward: Some(url.parse().unwrap()),
            forward_timeout: Duration::from_secs(5),
            ..Default::default()
        },
        jsonl: jsonl.map(JsonlTarget::File),
        ..config()
    }
}

/// The event as the screen is drawn from it, with what changes from run to run (times, the
/// app's port, its `date` header) made fixed.
fn steady(event: &CapturedEvent) -> CapturedEvent {
    let mut event = event.clone();
    event.received_at = Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 11).unwrap();
    event.remote_addr = "127.0.0.1:50000"
        .parse::<std::net::SocketAddr>()
        .unwrap()
        .into();
    event.headers = HeaderList::from_pairs(
        event
            .headers
            .iter()
            .map(|(name, value)| match name {
                b"host" => (name, &b"127.0.0.1:8765"[..]),
                _ => (name, value),
            })
            .collect::<Vec<_>>(),
    );
    event.response.set_latency_ms(3.25);
    if let Some(forward) = event.response.forward.as_deref_mut() {
        let fixed = "http://127.0.0.1:3000/app/hooks/orders";
        if let Some(url) = forward.forwarded_to.take() {
            let authority = url
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap_or("");
            if let Some(error) = forward.error.take() {
                forward.error = Some(error.replace(authority, "127.0.0.1:3000").into());
            }
            let body = String::from_utf8_lossy(&forward.body)
                .replace(&*url, fixed)
                .replace(authority, "127.0.0.1:3000");
            forward.body = body.into_bytes().into();
            forward.body_size = forward.body.len() as u64;
            forward.forwarded_to = Some(fixed.into());
        }
        forward.headers = HeaderList::from_pairs(
            forward
                .headers
                .iter()
                .map(|(name, value)| match name {
                    b"date" => (name, &b"Sun, 22 Nov 2026 14:02:11 GMT"[..]),
                    _ => (name, value),
                })
                .collect::<Vec<_>>(),
        );
    }
    event
}

/// The Response tab of the only event, at 100x30.
async fn response_tab(event: CapturedEvent) -> Screen {
    let mut screen = Screen::new(store_with(vec![event], 100), live_source(), 100, 30);
    // Open the detail, then four tabs on: Body, Headers, Raw, Analysis, Response.
    screen.send(keys("⏎llll")).await;
    screen
}

#[tokio::test]
async fn the_apps_answer_is_kept_exported_and_shown() {
    let app = start_app(500, APP_ANSWER, Duration::ZERO).await;
    let dir = temp_dir("app");
    let log = dir.join("log.jsonl");
    let server = start(forwarding_to(
        format!("http://{}/app", app.addr),
        Some(log.clone()),
    ))
    .await;
    let (status, headers, body) = send_full(
        server.addr,
        "POST",
        "/hooks/orders",
        &[("content-type", b"application/json")],
        br#"{"order":17}"#,
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(&body[..], APP_ANSWER.as_bytes());
    assert_eq!(headers.get("x-app").unwrap(), "yes");

    let event = Arc::clone(&server.store.snapshot()[0]);
    assert_eq!(event.response.answered_by(), AnsweredBy::App);
    assert_eq!(event.response.sent, Sent::Held);
    let forward = event.response.forward.as_deref().unwrap();
    assert_eq!(forward.headers.get_str("x-app"), Some("yes"));
    assert_eq!(
        forward.headers.get_str("content-type"),
        Some("application/json")
    );
    assert_eq!(&forward.body[..], APP_ANSWER.as_bytes());
    // Counted in `--max-bytes` with the request.
    let request_only = event.body.len() + event.path.len() + event.headers.heap_size();
    assert_eq!(
        event.held_bytes(),
        (request_only + forward.headers.heap_size() + APP_ANSWER.len()) as u64
    );

    // The JSON Lines log carries the response side.
    server.stop().await;
    let text = std::fs::read_to_string(&log).unwrap();
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let response = &line["response"];
    assert_eq!(response["status"], 500);
    assert_eq!(response["answered_by"], "app");
    assert_eq!(response["body"], APP_ANSWER);
    assert!(response.get("app_body").is_none());
    let pairs = response["headers"].as_array().unwrap();
    assert!(pairs.contains(&serde_json::json!(["x-app", "yes"])));
    assert!(pairs.contains(&serde_json::json!(["content-type", "application/json"])));

    // It reads back to the same event, and writes out the same line again.
    let imported = hookscope::export::import(text.as_bytes()).unwrap();
    assert_eq!(imported.events.len(), 1);
    assert_eq!(imported.events[0], *event);
    assert_eq!(
        hookscope::export::event_line(&imported.events[0]),
        format!("{}\n", text.lines().next().unwrap()).as_bytes()
    );

    // The HAR export writes the real answer.
    let mut har = Vec::new();
    hookscope::export::har::write_har(&mut har, [&*event]).unwrap();
    let har: serde_json::Value = serde_json::from_slice(&har).unwrap();
    let answer = &har["log"]["entries"][0]["response"];
    assert_eq!(answer["status"], 500);
    assert_eq!(answer["statusText"], "Internal Server Error");
    assert!(
        answer["headers"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"name": "x-app", "value": "yes"}))
    );
    assert_eq!(answer["content"]["text"], APP_ANSWER);
    assert_eq!(answer["content"]["mimeType"], "application/json");
    assert_eq!(answer["content"]["size"], APP_ANSWER.len());
    assert_eq!(answer["bodySize"], APP_ANSWER.len());
    assert!(answer["content"].get("encoding").is_none());

    let screen = response_tab(steady(&event)).await;
    insta::assert_snapshot!("response_app_500_100x30", screen.terminal.backend());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn with_the_app_down_the_reason_is_on_screen() {
    // A port nobody listens on any more: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let server = start(forwarding_to(format!("http://{addr}/app"), None)).await;
    let (status, _, body) = tokio::time::timeout(
        LIMIT,
        send_full(server.addr, "POST", "/hooks/orders", &[], b"{}"),
    )
    .await
    .unwrap();
    assert_eq!(status, 502);
    let event = Arc::clone(&server.store.snapshot()[0]);
    assert!(event.response.forward_failed());
    assert_eq!(event.response.answered_by(), AnsweredBy::Hookscope);
    let error = event.response.error().unwrap();
    assert_eq!(
        error,
        format!("the app could not be reached: connection refused: nothing listens at {addr}")
    );
    // What hookscope sent instead is recorded as sent, its id included.
    let parts = event.response.sent_parts(event.id).unwrap();
    assert_eq!(&parts.body[..], &body[..]);
    assert_eq!(
        parts.headers.get_str("content-type"),
        Some("application/json")
    );
    server.stop().await;

    let screen = response_tab(steady(&event)).await;
    let text = screen.text();
    assert!(
        text.contains("Answered by  hookscope, in place of the app  ✗ forward failed"),
        "{text}"
    );
    assert!(
        text.contains("Forward to   http://127.0.0.1:3000/app/hooks/orders"),
        "{text}"
    );
    assert!(
        text.contains("Why          the app could not be reached: connection refused"),
        "{text}"
    );
    insta::assert_snapshot!("response_app_down_100x30", screen.terminal.backend());
}

#[tokio::test]
async fn the_apps_body_is_kept_up_to_max_body_and_relayed_whole() {
    let app = start_app(200, APP_ANSWER, Duration::ZERO).await;
    let server = start(ListenConfig {
        max_body: 16,
        ..forwarding_to(format!("http://{}/app", app.addr), None)
    })
    .await;
    let (status, _, body) = send_full(server.addr, "POST", "/hooks/orders", &[], b"{}").await;
    assert_eq!(status, 200);
    // The sender gets all of it; the event keeps the first --max-body bytes.
    assert_eq!(&body[..], APP_ANSWER.as_bytes());
    let event = Arc::clone(&server.store.snapshot()[0]);
    let parts = event.response.sent_parts(event.id).unwrap();
    assert_eq!(&parts.body[..], &APP_ANSWER.as_bytes()[..16]);
    assert_eq!(parts.body_size, APP_ANSWER.len() as u64);
    let line: serde_json::Value =
        serde_json::from_slice(&hookscope::export::event_line(&event)).unwrap();
    assert_eq!(line["response"]["body"], &APP_ANSWER[..16]);
    assert_eq!(line["response"]["body_size"], APP_ANSWER.len());
    server.stop().await;
}

#[tokio::test]
async fn hookscopes_own_answers_show_what_was_sent_and_why() {
    let server = start(ListenConfig {
        answer: AnswerSettings {
            fail_first: 1,
            ..Default::default()
        },
        ..config()
    })
    .await;
    // The first delivery of a body fails on purpose; the second gets the default receipt.
    for expected in [503, 200] {
        let (status, _, _) = send_full(server.addr, "POST", "/hooks/orders", &[], b"{}").await;
        assert_eq!(status, expected);
    }
    let events = server.store.snapshot();
    server.stop().await;
    let (failed, receipt) = (steady(&events[0]), steady(&events[1]));
    assert_eq!(receipt.response.sent, Sent::Receipt);
    assert!(
        receipt.response.forward.is_none(),
        "the receipt costs nothing"
    );

    let text = response_tab(failed).await.text();
    assert!(
        text.contains("Answered by  hookscope, an error answer"),
        "{text}"
    );
    assert!(
        text.contains(
            "Why          failing delivery 1 of 1 of this body on purpose (--fail-first)."
        ),
        "{text}"
    );
    assert!(text.contains("503 Service Unavailable"), "{text}");
    assert!(text.contains("\"id\": 1"), "{text}");

    let text = response_tab(receipt).await.text();
    assert!(text.contains("hookscope, its default receipt"), "{text}");
    assert!(text.contains("content-type: application/json"), "{text}");
    assert!(text.contains("\"received\": true"), "{text}");
    assert!(text.contains("\"id\": 2"), "{text}");
}

/// An answer mode chosen with `m` is recorded with each answer it shaped: the Response tab says
/// it, the export carries it (`response.answer_mode`), and it reads back.
#[tokio::test]
async fn the_answer_mode_that_shaped_an_answer_is_its_own_field() {
    use hookscope::answer::AnswerMode;
    let app = start_app(200, r#"{"ok":true}"#, Duration::ZERO).await;
    let server = start(forwarding_to(format!("http://{}/app", app.addr), None)).await;
    let mut statuses = Vec::new();
    for mode in [
        AnswerMode::Configured,
        AnswerMode::Local,
        AnswerMode::Status503,
    ] {
        server.policy.set_mode(mode);
        let (status, _, _) = send_full(server.addr, "POST", "/hooks/orders", &[], b"{}").await;
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 503]);
    let events = server.store.snapshot();
    server.stop().await;
    let modes: Vec<AnswerMode> = events.iter().map(|e| e.response.mode).collect();
    assert_eq!(
        modes,
        [
            AnswerMode::Configured,
            AnswerMode::Local,
            AnswerMode::Status503
        ]
    );
    assert_eq!(
        app.received.lock().unwrap().len(),
        1,
        "only the first reached the app"
    );

    let export = hookscope::export::event_line(&events[0]);
    let line: serde_json::Value = serde_json::from_slice(&export).unwrap();
    assert!(line["response"].get("answer_mode").is_none(), "{line}");
    for (event, name) in [(&events[1], "forward_off"), (&events[2], "status_503")] {
        let export = hookscope::export::event_line(event);
        let line: serde_json::Value = serde_json::from_slice(&export).unwrap();
        assert_eq!(line["response"]["answer_mode"], name);
        let back = hookscope::export::import(&export).unwrap();
        assert_eq!(back.events[0].response.mode, event.response.mode);
        assert_eq!(hookscope::export::event_line(&back.events[0]), export);
    }

    let text = response_tab(steady(&events[0])).await.text();
    assert!(text.contains("Answered by  the app"), "{text}");
    assert!(!text.contains("Answer mode"), "{text}");
    let text = response_tab(steady(&events[1])).await.text();
    assert!(
        text.contains("Answered by  hookscope, its default receipt"),
        "{text}"
    );
    assert!(
        text.contains("Answer mode  forward off: answered here, not by the app (m changes it)"),
        "{text}"
    );
    let text = response_tab(steady(&events[2])).await.text();
    assert!(
        text.contains("Answered by  hookscope, an error answer"),
        "{text}"
    );
    assert!(
        text.contains("Answer mode  503 on purpose, in place of the configured answer (m"),
        "{text}"
    );
    // The mode line says why: no second line repeating it.
    assert!(!text.contains("Why "), "{text}");
}
