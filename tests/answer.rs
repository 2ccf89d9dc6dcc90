//! Answering the sender: the configured answer, failure modes, rate limits and forwarding to a
//! real app on loopback.

mod common;

use std::time::Duration;

use common::*;
use hookscope::answer::AnswerSettings;
use hookscope::config::ListenConfig;
use hookscope::store::Stats;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn answering(answer: AnswerSettings) -> ListenConfig {
    ListenConfig { answer, ..config() }
}

#[tokio::test]
async fn forwarding_relays_the_request_and_the_answer_byte_for_byte() {
    let app = start_app(201, r#"{"app":"ok"}"#, Duration::ZERO).await;
    let target = format!("http://{}/app", app.addr).parse().unwrap();
    let server = start(answering(AnswerSettings {
        forward: Some(target),
        ..Default::default()
    }))
    .await;
    let body = b"{\"n\":1,\"bytes\":\"\xc3\xa9\"}";
    let (status, headers, answer) = send_full(
        server.addr,
        "PUT",
        "/hooks/wms?attempt=2",
        &[
            ("content-type", b"application/json"),
            ("x-wms-content-mac", b"hmac-sha256=00ff"),
            ("connection", b"keep-alive, x-hop"),
            ("x-hop", b"dropped"),
        ],
        body,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(&answer[..], br#"{"app":"ok"}"#);
    assert_eq!(headers.get("x-app").unwrap(), "yes");

    let received = app.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(request.method, "PUT");
    assert_eq!(request.uri, "/app/hooks/wms?attempt=2");
    assert_eq!(&request.body[..], body);
    assert_eq!(
        request.header("x-wms-content-mac"),
        Some(&b"hmac-sha256=00ff"[..])
    );
    assert_eq!(
        request.header("content-type"),
        Some(&b"application/json"[..])
    );
    assert_eq!(request.header("x-forwarded-for"), Some(&b"127.0.0.1"[..]));
    assert_eq!(request.header("x-forwarded-proto"), Some(&b"http"[..]));
    assert_eq!(
        request.header("x-forwarded-host"),
        Some(server.addr.to_string().as_bytes())
    );
    assert_eq!(
        request.header("host"),
        Some(app.addr.to_string().as_bytes())
    );
    assert!(request.header("x-hop").is_none());

    let event = &server.store.snapshot()[0];
    assert_eq!(event.response.status, 201);
    assert_eq!(
        event.response.forwarded_to(),
        Some(format!("http://{}/app/hooks/wms?attempt=2", app.addr).as_str())
    );
    assert_eq!(event.response.app_body(), Some(r#"{"app":"ok"}"#));
    assert!(event.response.error().is_none());
    server.stop().await;
}

#[tokio::test]
async fn an_app_that_is_down_gives_502_and_the_event_says_why() {
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("http://127.0.0.1:{port}").parse().unwrap();
    let server = start(answering(AnswerSettings {
        forward: Some(target),
        ..Default::default()
    }))
    .await;
    let answer = post(server.addr, "/x", "application/json", b"{}").await;
    assert_eq!(answer.status, 502);
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap()
            .contains("could not be reached")
    );
    let event = &server.store.snapshot()[0];
    assert_eq!(event.response.status, 502);
    assert!(
        event
            .response
            .error()
            .unwrap()
            .contains("could not be reached"),
        "{:?}",
        event.response
    );
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 1,
            stored: 1,
            evicted: 0,
            rejected: 0
        }
    );
    server.stop().await;
}

#[tokio::test]
async fn a_slow_app_gives_504() {
    let app = start_app(200, "{}", Duration::from_secs(5)).await;
    let target = format!("http://{}", app.addr).parse().unwrap();
    let server = start(answering(AnswerSettings {
        forward: Some(target),
        forward_timeout: Duration::from_millis(300),
        ..Default::default()
    }))
    .await;
    let answer = post(server.addr, "/x", "application/json", b"{}").await;
    assert_eq!(answer.status, 504);
    let event = &server.store.snapshot()[0];
    assert!(
        event
            .response
            .error()
            .unwrap()
            .contains("did not answer within")
    );
    assert!(event.response.latency_ms() >= 300.0);
    server.stop().await;
}

#[tokio::test]
async fn fail_first_two_gives_503_503_200_for_the_same_body() {
    let server = start(answering(AnswerSettings {
        fail_first: 2,
        ..Default::default()
    }))
    .await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            post(
                server.addr,
                "/retry",
                "application/json",
                br#"{"scanId":"s1"}"#,
            )
            .await
            .status,
        );
    }
    assert_eq!(statuses, [503, 503, 200]);
    // Another body starts its own count.
    assert_eq!(
        post(server.addr, "/retry", "application/json", b"{}")
            .await
            .status,
        503
    );
    let recorded: Vec<u16> = server
        .store
        .snapshot()
        .iter()
        .map(|e| e.response.status)
        .collect();
    assert_eq!(recorded, [503, 503, 200, 503]);
    server.stop().await;
}

#[tokio::test]
async fn the_rate_limit_answers_429_and_still_captures() {
    let server = start(answering(AnswerSettings {
        rate_limit: Some(3),
        ..Default::default()
    }))
    .await;
    let mut answers = Vec::new();
    for i in 0..5 {
        answers.push(post(server.addr, &format!("/r{i}"), "text/plain", b"x").await);
    }
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert!(
        answers[3].json()["error"]
            .as_str()
            .unwrap()
            .contains("rate limit")
    );
    let recorded: Vec<u16> = server
        .store
        .snapshot()
        .iter()
        .map(|e| e.response.status)
        .collect();
    assert_eq!(recorded, [200, 200, 200, 429, 429]);
    server.stop().await;
}

#[tokio::test]
async fn status_body_and_delay_are_configurable() {
    let server = start(answering(AnswerSettings {
        status: 202,
        body: Some("accepted".into()),
        delay: Duration::from_millis(200),
        ..Default::default()
    }))
    .await;
    let started = std::time::Instant::now();
    let (status, headers, body) = send_full(server.addr, "POST", "/x", &[], b"{}").await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!((status, &body[..]), (202, &b"accepted"[..]));
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/plain; charset=utf-8"
    );
    let event = &server.store.snapshot()[0];
    assert_eq!(event.response.status, 202);
    assert!(event.response.latency_ms() >= 200.0);
    server.stop().await;
}

#[tokio::test]
async fn a_get_verification_challenge_is_echoed() {
    let server = start(config()).await;
    let (status, _, body) = send_full(
        server.addr,
        "GET",
        "/hook?hub.mode=subscribe&hub.challenge=12345",
        &[],
        b"",
    )
    .await;
    assert_eq!((status, &body[..]), (200, &b"12345"[..]));
    server.stop().await;
}

#[tokio::test]
async fn a_sender_that_hangs_up_during_a_delay_is_still_captured() {
    let server = start(answering(AnswerSettings {
        delay: Duration::from_millis(300),
        ..Default::default()
    }))
    .await;
    {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(b"POST /gone HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nhi")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    } // closed before the answer
    server.wait_received(1).await;
    let event = &server.store.snapshot()[0];
    assert_eq!(&event.body[..], b"hi");
    assert_eq!(event.response.status, 200);
    server.stop().await;
}

#[tokio::test]
async fn replay_of_an_export_reaches_the_app_byte_for_byte() {
    use hookscope::export;
    // Capture three events, one of them binary, one too large to replay.
    let server = start(ListenConfig {
        max_body: 64,
        ..config()
    })
    .await;
    post(
        server.addr,
        "/hooks/a?x=1",
        "application/json",
        br#"{"n":1}"#,
    )
    .await;
    send(
        server.addr,
        "PUT",
        "/hooks/b",
        &[
            ("content-type", b"application/octet-stream"),
            ("x-custom", b"kept"),
        ],
        b"\x00\xff\x01",
    )
    .await;
    post(server.addr, "/hooks/big", "text/plain", &[b'z'; 100]).await;
    let events = server.store.snapshot();
    server.stop().await;
    let dir = std::env::temp_dir().join(format!("hookscope-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("capture.json");
    export::write_export_file(
        &file,
        hookscope::store::Stats::default(),
        events.iter().map(|e| e.as_ref()),
    )
    .unwrap();

    let app = start_app(200, "{}", Duration::ZERO).await;
    let target = format!("http://{}/app", app.addr);
    let summary = hookscope::replay::run(
        &file,
        &target,
        None,
        None,
        &Default::default(),
        &std::fs::read(&file).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!((summary.sent, summary.by_class[0]), (2, 2));
    let received = app.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert_eq!(
        (received[0].method.as_str(), received[0].uri.as_str()),
        ("POST", "/app/hooks/a?x=1")
    );
    assert_eq!(&received[0].body[..], br#"{"n":1}"#);
    assert_eq!(
        (received[1].method.as_str(), &received[1].body[..]),
        ("PUT", &b"\x00\xff\x01"[..])
    );
    assert_eq!(received[1].header("x-custom"), Some(&b"kept"[..]));

    // With a filter, only the matching events go.
    let filter = hookscope::filter::Filter::parse("/hooks/b").unwrap();
    let summary = hookscope::replay::run(
        &file,
        &target,
        Some(&filter),
        None,
        &Default::default(),
        &std::fs::read(&file).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(summary.sent, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
