//! The real listener on 127.0.0.1:0, real HTTP, and checks on what was captured and exported.

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;
use hookscope::config::ListenConfig;
use hookscope::export;
use hookscope::export::jsonl::JsonlTarget;
use hookscope::store::{Limits, Stats};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[tokio::test]
async fn every_field_of_a_captured_json_event() {
    let server = start(config()).await;
    let body = br#"{"sessionId":"s1","sequence":0,"event":"WMS_LOADED","note":"Zo\u00eb"}"#;
    let answer = send(
        server.addr,
        "POST",
        "/hooks/wms?attempt=1&x=%20y",
        &[
            ("content-type", b"application/json"),
            ("x-trace", b"a"),
            ("x-trace", b"b"),
            ("x-other", b"c"),
        ],
        body,
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json(), json!({"received": true, "id": 1}));

    let export = export_json(&server.store);
    assert_eq!(export["format"], "hookscope");
    assert_eq!(export["version"], 1);
    assert_eq!(
        export["stats"],
        json!({"received": 1, "stored": 1, "evicted": 0, "rejected": 0})
    );
    let event = &export["events"][0];
    assert_eq!(event["id"], 1);
    let received_at = event["received_at"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(received_at).unwrap();
    assert!(received_at.ends_with('Z') && received_at.len() == "2026-11-22T06:31:23.123456Z".len());
    assert!((chrono::Utc::now() - parsed.to_utc()).num_seconds().abs() < 60);
    assert!(
        event["remote_addr"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    assert_eq!(event["http_version"], "HTTP/1.1");
    assert_eq!(event["method"], "POST");
    assert_eq!(event["path"], "/hooks/wms");
    assert_eq!(event["query"], "attempt=1&x=%20y");
    let host = server.addr.to_string();
    assert_eq!(
        event["headers"],
        json!([
            ["host", host],
            ["content-type", "application/json"],
            ["x-trace", "a"],
            ["x-trace", "b"],
            ["x-other", "c"],
            ["content-length", body.len().to_string()]
        ])
    );
    assert_eq!(event["body"].as_str().unwrap().as_bytes(), body);
    assert!(event.get("body_base64").is_none());
    assert_eq!(event["body_size"], body.len());
    assert_eq!(event["truncated"], false);
    assert_eq!(event["body_kind"], "json");
    assert_eq!(event["provider"], "generic");
    assert_eq!(event["severity"], "info");
    assert_eq!(event["signature"]["scheme"], serde_json::Value::Null);
    assert_eq!(event["signature"]["verdict"], "unsigned");
    assert!(
        event["signature"]["note"]
            .as_str()
            .unwrap()
            .contains("no secret")
    );
    assert_eq!(event["sequence"], serde_json::Value::Null);
    assert!(event["subject"].is_object());
    assert_eq!(event["anomalies"], json!([]));
    assert_eq!(event["response"]["status"], 200);
    assert!(event["response"]["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(event["response"]["forwarded_to"], serde_json::Value::Null);
    server.stop().await;
}

#[tokio::test]
async fn bodies_of_every_kind_are_kept_byte_for_byte() {
    let server = start(config()).await;
    let invalid_utf8 = b"caf\xe9 \xff\xfe end";
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let multipart = b"--b0undary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n\
--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.bin\"\r\n\
Content-Type: application/octet-stream\r\n\r\n\x00\x01\x02\xff\r\n--b0undary--\r\n";
    post(
        server.addr,
        "/malformed",
        "application/json",
        b"{\"a\": [1, 2",
    )
    .await;
    post(server.addr, "/latin1", "text/plain", invalid_utf8).await;
    post(server.addr, "/binary", "application/octet-stream", &binary).await;
    post(
        server.addr,
        "/multipart",
        "multipart/form-data; boundary=b0undary",
        multipart,
    )
    .await;
    post(server.addr, "/empty", "application/json", b"").await;
    let get = send(server.addr, "GET", "/verify?challenge=abc", &[], b"").await;
    assert_eq!(get.status, 200);

    let export = export_json(&server.store);
    let events = export["events"].as_array().unwrap();
    assert_eq!(events.len(), 6);

    let malformed = &events[0];
    assert_eq!(malformed["body"], "{\"a\": [1, 2");
    assert_eq!(malformed["body_kind"], "malformed_json");
    assert_eq!(malformed["severity"], "warn");
    assert_eq!(malformed["anomalies"][0]["code"], "malformed_json");

    let latin1 = &events[1];
    assert!(latin1.get("body").is_none());
    assert_eq!(
        BASE64
            .decode(latin1["body_base64"].as_str().unwrap())
            .unwrap(),
        invalid_utf8
    );
    assert_eq!(latin1["body_kind"], "binary");

    let bin = &events[2];
    assert_eq!(
        BASE64.decode(bin["body_base64"].as_str().unwrap()).unwrap(),
        binary
    );
    assert_eq!(bin["body_size"], 4096);

    let multi = &events[3];
    assert_eq!(
        BASE64
            .decode(multi["body_base64"].as_str().unwrap())
            .unwrap(),
        multipart
    );
    assert_eq!(multi["body_kind"], "multipart");
    assert_eq!(multi["parts"][0]["name"], "note");
    assert_eq!(multi["parts"][1]["filename"], "scan.bin");
    assert_eq!(multi["parts"][1]["size"], 4);

    let empty = &events[4];
    assert_eq!(empty["body"], "");
    assert_eq!(empty["body_size"], 0);
    assert_eq!(empty["body_kind"], "empty");

    let get = &events[5];
    assert_eq!(get["method"], "GET");
    assert_eq!(get["query"], "challenge=abc");
    assert_eq!(get["body"], "");
    server.stop().await;
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_and_keeps_its_first_bytes() {
    let server = start(ListenConfig {
        max_body: 64 * 1024,
        ..config()
    })
    .await;
    let body: Vec<u8> = (0..200 * 1024).map(|i| b'a' + (i % 26) as u8).collect();
    let answer = post(server.addr, "/big", "text/plain", &body).await;
    assert_eq!(answer.status, 413);
    let answer = answer.json();
    assert_eq!(answer["error"], "body too large");
    assert_eq!(answer["limit"], 65536);
    assert_eq!(answer["id"], 1);

    // The connection survives a drained 413: the next request is captured normally.
    assert_eq!(
        post(server.addr, "/after", "text/plain", b"ok")
            .await
            .status,
        200
    );

    let export = export_json(&server.store);
    let event = &export["events"][0];
    assert_eq!(event["truncated"], true);
    assert_eq!(event["body_size"], 200 * 1024);
    assert_eq!(
        event["body"].as_str().unwrap().as_bytes(),
        &body[..64 * 1024]
    );
    assert_eq!(event["response"]["status"], 413);
    assert_eq!(event["anomalies"][0]["code"], "body_too_large");
    assert_eq!(export["stats"]["stored"], 2);
    server.stop().await;
}

#[tokio::test]
async fn a_huge_declared_body_is_refused_without_reading_it_all() {
    let server = start(ListenConfig {
        max_body: 1024,
        ..config()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /huge HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&[b'z'; 4096]).await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let events = server.store.snapshot();
    assert_eq!(events[0].body_size(), 1_000_000_000);
    assert_eq!(&events[0].body[..], &[b'z'; 1024][..]);
    server.stop().await;
}

#[tokio::test]
async fn capacity_five_keeps_the_last_five_of_twelve() {
    let server = start(ListenConfig {
        limits: Limits {
            capacity: 5,
            max_bytes: 1 << 20,
        },
        ..config()
    })
    .await;
    for i in 1..=12 {
        let answer = post(
            server.addr,
            &format!("/n/{i}"),
            "text/plain",
            format!("event {i}").as_bytes(),
        )
        .await;
        assert_eq!(answer.json()["id"], i);
    }
    let export = export_json(&server.store);
    let ids: Vec<u64> = export["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [8, 9, 10, 11, 12]);
    assert_eq!(export["events"][0]["path"], "/n/8");
    assert_eq!(
        export["stats"],
        json!({"received": 12, "stored": 5, "evicted": 7, "rejected": 0})
    );
    server.stop().await;
}

#[tokio::test]
async fn the_byte_limit_evicts_too() {
    let limits = Limits {
        capacity: 100,
        max_bytes: 250,
    };
    let server = start(ListenConfig {
        limits,
        max_body: 100,
        ..config()
    })
    .await;
    for _ in 0..5 {
        post(server.addr, "/", "text/plain", &[b'x'; 100]).await;
    }
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 5,
            stored: 2,
            evicted: 3,
            rejected: 0
        }
    );
    assert_eq!(server.store.body_bytes(), 200);
    server.stop().await;
}

#[tokio::test]
async fn jsonl_log_equals_the_export_and_both_round_trip() {
    let dir = std::env::temp_dir().join(format!("hookscope-jsonl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("events.jsonl");
    let _ = std::fs::remove_file(&log);
    let server = start(ListenConfig {
        jsonl: Some(JsonlTarget::File(log.clone())),
        max_body: 16,
        ..config()
    })
    .await;
    post(server.addr, "/a", "application/json", br#"{"x":1}"#).await;
    post(
        server.addr,
        "/b",
        "application/octet-stream",
        b"\x00\xffraw",
    )
    .await;
    send(
        server.addr,
        "PUT",
        "/c?q",
        &[("x-latin1", b"caf\xe9"), ("x-dup", b"1"), ("x-dup", b"2")],
        b"",
    )
    .await;
    post(server.addr, "/d", "text/plain", &[b'y'; 40]).await; // truncated, 413
    // Logged before answered: the file is complete as soon as the answers are in.
    let logged = std::fs::read(&log).unwrap();
    assert_eq!(logged.iter().filter(|&&b| b == b'\n').count(), 4);

    let events = server.store.snapshot();
    let mut export_bytes = Vec::new();
    export::write_export(
        &mut export_bytes,
        server.store.stats(),
        chrono::Utc::now(),
        events.iter().map(|e| e.as_ref()),
    )
    .unwrap();

    // JSONL = export: the same events, line for line.
    let from_log = export::import(&logged).unwrap();
    let from_export = export::import(&export_bytes).unwrap();
    assert_eq!(from_log.events, from_export.events);
    let export_lines: Vec<u8> = from_export
        .events
        .iter()
        .flat_map(export::event_line)
        .collect();
    assert_eq!(export_lines, logged);

    // export → import → export is identical (apart from exported_at).
    let stored: Vec<_> = events.iter().map(|e| e.as_ref().clone()).collect();
    assert_eq!(from_export.events, stored);
    let mut again = Vec::new();
    export::write_export(
        &mut again,
        from_export.stats,
        chrono::Utc::now(),
        &from_export.events,
    )
    .unwrap();
    let strip = |bytes: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        v["exported_at"] = json!(null);
        serde_json::to_vec(&v).unwrap()
    };
    assert_eq!(strip(&again), strip(&export_bytes));
    let events_part = |bytes: &[u8]| {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        text[text.find("\"events\"").unwrap()..].to_string()
    };
    assert_eq!(events_part(&again), events_part(&export_bytes));

    // The non-UTF-8 header value survives as raw bytes.
    let put = &from_export.events[2];
    assert_eq!(put.headers.get("x-latin1"), Some(&b"caf\xe9"[..]));
    server.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Under concurrent load the log is written in batches by its own thread: every answer still
/// comes only after its event's line is in the file, and the lines are in id order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answered_request_is_already_on_the_log() {
    let dir = std::env::temp_dir().join(format!("hookscope-jsonl-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("events.jsonl");
    let _ = std::fs::remove_file(&log);
    let server = start(ListenConfig {
        jsonl: Some(JsonlTarget::File(log.clone())),
        ..config()
    })
    .await;
    let clients = (0..16).map(|client| {
        let (addr, log) = (server.addr, log.clone());
        tokio::spawn(async move {
            for n in 0..10 {
                let body = format!(r#"{{"client":{client},"n":{n}}}"#);
                let answer = post(addr, "/load", "application/json", body.as_bytes()).await;
                assert_eq!(answer.status, 200);
                let id = serde_json::from_slice::<serde_json::Value>(&answer.body).unwrap()["id"]
                    .as_u64()
                    .unwrap();
                let logged = std::fs::read_to_string(&log).unwrap();
                assert!(
                    logged.contains(&format!(r#"{{"id":{id},"#)),
                    "event {id} was answered before it was logged"
                );
            }
        })
    });
    for client in clients {
        tokio::time::timeout(LIMIT, client).await.unwrap().unwrap();
    }
    let logged = std::fs::read(&log).unwrap();
    let ids: Vec<u64> = export::import(&logged)
        .unwrap()
        .events
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, (1..=160).collect::<Vec<u64>>());
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_thousand_headers_are_all_kept_when_allowed() {
    let server = start(ListenConfig {
        max_headers: 1024,
        ..config()
    })
    .await;
    let names: Vec<String> = (0..1000).map(|i| format!("x-h{i:04}")).collect();
    let headers: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), n.as_bytes())).collect();
    let answer = send(server.addr, "POST", "/many", &headers, b"{}").await;
    assert_eq!(answer.status, 200);
    let event = &server.store.snapshot()[0];
    assert_eq!(event.headers.len(), 1000 + 2); // plus host and content-length
    assert_eq!(event.headers.get("x-h0999"), Some(&b"x-h0999"[..]));
    server.stop().await;
}

/// A request head with `count` headers in all (host, content-length and connection included).
fn head_with_headers(count: usize) -> Vec<u8> {
    let mut head = b"POST /many HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n".to_vec();
    for i in 0..count - 3 {
        head.extend_from_slice(format!("x-h{i}: {i}\r\n").as_bytes());
    }
    head.extend_from_slice(b"connection: close\r\n\r\n");
    head
}

#[tokio::test]
async fn past_the_header_allowance_the_answer_is_431_and_counted_as_rejected() {
    let server = start(config()).await;
    // The default allowance is 100 headers.
    let answer = raw(server.addr, &head_with_headers(100)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = raw(server.addr, &head_with_headers(101)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    server.wait_received(2).await;
    let stats = server.store.stats();
    assert_eq!((stats.received, stats.stored, stats.rejected), (2, 1, 1));
    assert_eq!(server.store.snapshot()[0].headers.len(), 100);
    server.stop().await;

    let server = start(ListenConfig {
        max_headers: 10,
        ..config()
    })
    .await;
    let answer = raw(server.addr, &head_with_headers(11)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let answer = raw(server.addr, &head_with_headers(10)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn header_values_with_control_characters() {
    let server = start(config()).await;
    // Bytes 0x80-0xff are legal (obs-text): captured, kept raw.
    let answer = raw(server.addr, b"POST /obs HTTP/1.1\r\nhost: x\r\nx-name: Zo\xeb\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // An escape or NUL byte is not legal HTTP: the parser answers 400 and it counts as rejected.
    let answer = raw(
        server.addr,
        b"POST /esc HTTP/1.1\r\nhost: x\r\nx-evil: \x1b]2;pwned\x07\r\ncontent-length: 0\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    server.wait_received(2).await;
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 2,
            stored: 1,
            evicted: 0,
            rejected: 1
        }
    );
    let event = &server.store.snapshot()[0];
    assert_eq!(event.headers.get("x-name"), Some(&b"Zo\xeb"[..]));
    server.stop().await;
}

#[tokio::test]
async fn broken_http_is_answered_400_and_counted() {
    let server = start(config()).await;
    let answer = raw(server.addr, b"THIS IS NOT HTTP\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    server.wait_received(1).await;
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 1,
            stored: 0,
            evicted: 0,
            rejected: 1
        }
    );
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_head_is_disconnected_and_counted() {
    let server = start(config()).await; // header timeout 500 ms
    let started = std::time::Instant::now();
    let answer = raw(server.addr, b"POST /slow HTTP/1.1\r\nhost: x\r\nx-half: ").await;
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(!answer.contains("200"), "{answer}");
    server.wait_received(1).await;
    assert_eq!(server.store.stats().rejected, 1);
    assert!(server.store.is_empty());

    // A connection that never sends a byte is closed too, but it was never a request.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    assert_eq!(read_to_close(&mut idle).await, "");
    assert_eq!(server.store.stats().received, 1);
    server.stop().await;
}

/// The header timeout also covers the heads that follow on a kept-alive connection: the first
/// request is answered, the second head never finishes, and the connection ends about one
/// timeout later with that request counted as rejected.
#[tokio::test]
async fn a_stalled_head_after_an_answered_request_is_disconnected_and_counted() {
    let server = start(config()).await; // header timeout 500 ms, idle timeout far longer
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /first HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    server.wait_received(1).await;
    // The first answer is read before the half head goes out, so the head starts afresh.
    let mut first = [0u8; 12];
    tokio::io::AsyncReadExt::read_exact(&mut stream, &mut first)
        .await
        .unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    stream
        .write_all(b"POST /second HTTP/1.1\r\nhost: x\r\nx-half: ")
        .await
        .unwrap();
    let rest = read_to_close(&mut stream).await;
    let waited = started.elapsed();
    assert!(!rest.contains("/second"), "{rest}");
    assert!(
        waited >= Duration::from_millis(450) && waited < Duration::from_millis(1500),
        "closed after {waited:?}"
    );
    server.wait_received(2).await;
    let stats = server.store.stats();
    // The first stored, the second counted as rejected.
    assert_eq!((stats.received, stats.stored, stats.rejected), (2, 1, 1));
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_body_is_disconnected_and_counted() {
    let server = start(config()).await;
    let answer = raw(
        server.addr,
        b"POST /slow HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nonly half",
    )
    .await;
    assert!(!answer.contains(" 200 "), "{answer}");
    server.wait_received(1).await;
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 1,
            stored: 0,
            evicted: 0,
            rejected: 1
        }
    );
    server.stop().await;
}

#[tokio::test]
async fn a_client_gone_mid_body_is_rejected_not_stored() {
    let server = start(config()).await;
    {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(
                b"POST /gone HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{\"partial\":",
            )
            .await
            .unwrap();
        stream.shutdown().await.unwrap();
    }
    {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(
                b"POST /gone-too HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel",
            )
            .await
            .unwrap();
    } // dropped: closed mid-chunk
    {
        let mut stream = TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(b"POST /head-only HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
    } // closed mid-head
    server.wait_received(3).await;
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 3,
            stored: 0,
            evicted: 0,
            rejected: 3
        }
    );
    // Idle keep-alive connections that time out are not failures.
    let mut keep = TcpStream::connect(server.addr).await.unwrap();
    keep.write_all(b"GET /ok HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_to_close(&mut keep).await; // closed by the idle timeout after the answer
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 4,
            stored: 1,
            evicted: 0,
            rejected: 3
        }
    );
    server.stop().await;
}

#[tokio::test]
async fn http2_without_tls_is_captured() {
    let server = start(config()).await;
    let answer = send_h2(server.addr, "/h2?v=2", b"{\"over\":\"h2\"}").await;
    assert_eq!(answer.status, 200);
    let event = &server.store.snapshot()[0];
    assert_eq!(event.http_version.as_str(), "HTTP/2");
    assert_eq!(&*event.path, "/h2");
    assert_eq!(event.query(), Some("v=2"));
    assert_eq!(&event.body[..], b"{\"over\":\"h2\"}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_balance_under_concurrent_load_and_reads() {
    let server = start(ListenConfig {
        limits: Limits {
            capacity: 300,
            max_bytes: 1 << 20,
        },
        ..config()
    })
    .await;
    let addr = server.addr;
    let store = std::sync::Arc::clone(&server.store);
    let reader = tokio::spawn(async move {
        let mut walks = 0;
        loop {
            let stats = store.stats();
            assert!(stats.balanced(), "{stats:?}");
            let snapshot = store.snapshot();
            assert!(snapshot.windows(2).all(|w| w[0].id < w[1].id));
            walks += 1;
            if stats.received >= 1000 {
                return walks;
            }
            tokio::task::yield_now().await;
        }
    });
    let mut clients = Vec::new();
    for c in 0..20 {
        clients.push(tokio::spawn(async move {
            for i in 0..50 {
                let answer = post(
                    addr,
                    &format!("/c{c}/{i}"),
                    "application/json",
                    b"{\"n\":1}",
                )
                .await;
                assert_eq!(answer.status, 200);
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let walks = tokio::time::timeout(LIMIT, reader).await.unwrap().unwrap();
    assert!(walks > 0);
    let stats = server.store.stats();
    assert_eq!(
        stats,
        Stats {
            received: 1000,
            stored: 300,
            evicted: 700,
            rejected: 0
        }
    );
    let ids: Vec<u64> = server.store.snapshot().iter().map(|e| e.id).collect();
    assert_eq!(ids, (701..=1000).collect::<Vec<_>>());
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish() {
    let server = start(config()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /late HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nab")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let store = std::sync::Arc::clone(&server.store);
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(Duration::from_millis(50)).await;
    stream.write_all(b"cd").await.unwrap();
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    stopping.await.unwrap();
    assert_eq!(&store.snapshot()[0].body[..], b"abcd");
}

#[tokio::test]
async fn multipart_names_with_semicolons_quotes_and_extended_filenames_are_exported_whole() {
    let server = start(config()).await;
    let body = "--XyZ\r\n\
Content-Disposition: form-data; name=\"field;one\"; filename=\"report;2024.pdf\"\r\n\
Content-Type: application/pdf\r\n\r\n%PDF-1\r\n\
--XyZ\r\n\
Content-Disposition: form-data; name=\"say \\\"hi\\\"\"\r\n\r\nhello\r\n\
--XyZ\r\n\
Content-Disposition: form-data; name=\"doc\"; filename=\"report.pdf\"; \
filename*=UTF-8''report%E2%82%AC.pdf\r\n\r\n%PDF-2\r\n\
--XyZ--\r\n";
    let answer = post(
        server.addr,
        "/upload",
        "multipart/form-data; boundary=\"XyZ\"",
        body.as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200);

    let export = export_json(&server.store);
    let parts = &export["events"][0]["parts"];
    assert_eq!(parts.as_array().map(Vec::len), Some(3), "{parts}");
    assert_eq!(parts[0]["name"], "field;one");
    assert_eq!(parts[0]["filename"], "report;2024.pdf");
    assert_eq!(parts[0]["content_type"], "application/pdf");
    assert_eq!(parts[1]["name"], "say \"hi\"");
    assert!(parts[1].get("filename").is_none_or(|f| f.is_null()));
    assert_eq!(parts[2]["name"], "doc");
    assert_eq!(parts[2]["filename"], "report\u{20ac}.pdf");
    // The offsets still point at each part's content.
    for (part, content) in [
        (&parts[0], "%PDF-1"),
        (&parts[1], "hello"),
        (&parts[2], "%PDF-2"),
    ] {
        let offset = part["offset"].as_u64().unwrap() as usize;
        let size = part["size"].as_u64().unwrap() as usize;
        assert_eq!(&body[offset..offset + size], content);
    }

    // The JSON Lines form of the event says the same, and importing gives the names back.
    let events = server.store.snapshot();
    let line: serde_json::Value = serde_json::from_slice(&export::event_line(&events[0])).unwrap();
    assert_eq!(line["parts"], *parts);
    let imported = export::import(&export::event_line(&events[0])).unwrap();
    assert_eq!(imported.events[0].analysis.parts, events[0].analysis.parts);
    server.stop().await;
}

/// A log on a full disk (`/dev/full` refuses every write): the sender is told `503` so that it
/// retries, and the event is kept in memory, answered `503` as far as it says, and flagged.
#[tokio::test]
async fn a_log_that_cannot_be_written_answers_503_and_flags_the_event() {
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipped: this system has no /dev/full");
        return;
    }
    let server = start(ListenConfig {
        jsonl: Some(JsonlTarget::File(full.to_owned())),
        ..config()
    })
    .await;
    for n in 0..3 {
        let body = format!(r#"{{"n":{n}}}"#);
        let answer = post(server.addr, "/hook", "application/json", body.as_bytes()).await;
        assert_eq!(answer.status, 503, "{:?}", answer.body);
        let json = answer.json();
        assert!(json["error"].as_str().unwrap().contains("log"), "{json}");
        let id = json["id"].as_u64().unwrap();
        let event = server.store.get(id).expect("the event is kept in memory");
        assert_eq!(event.response.status, 503);
        assert_eq!(&event.body[..], body.as_bytes());
        assert_eq!(event.analysis.severity, hookscope::event::Severity::Error);
        assert!(
            event
                .analysis
                .anomalies
                .iter()
                .any(|a| a.code() == "log_write_failed" && a.message().contains("503")),
            "{:?}",
            event.analysis.anomalies
        );
    }
    // The export says what was answered, and why.
    let exported = export_json(&server.store);
    let events = exported["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    for event in events {
        assert_eq!(event["response"]["status"], 503);
        assert_eq!(event["severity"], "error");
        assert_eq!(event["anomalies"][0]["code"], "log_write_failed");
    }
    let stats = server.store.stats();
    assert_eq!((stats.received, stats.stored), (3, 3));
    server.stop().await;
}

/// A log whose last line was cut off (a crash, a full disk) gets the next event on a line of
/// its own, not glued onto the fragment.
#[tokio::test]
async fn appending_to_a_log_cut_mid_line_starts_a_fresh_line() {
    let dir = std::env::temp_dir().join(format!("hookscope-jsonl-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("events.jsonl");
    std::fs::write(&log, b"{\"id\":7,\"received_at\":\"2026-11-").unwrap();
    let server = start(ListenConfig {
        jsonl: Some(JsonlTarget::File(log.clone())),
        ..config()
    })
    .await;
    assert_eq!(
        post(server.addr, "/a", "application/json", b"{}")
            .await
            .status,
        200
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0], "{\"id\":7,\"received_at\":\"2026-11-");
    let event: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(event["path"], "/a");
    // A log that ends with a whole line gets no blank line.
    server.stop().await;
    let server = start(ListenConfig {
        jsonl: Some(JsonlTarget::File(log.clone())),
        ..config()
    })
    .await;
    post(server.addr, "/b", "application/json", b"{}").await;
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.ends_with('\n') && !text.contains("\n\n"), "{text}");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn pinned_events_survive_eviction_and_round_trip_through_an_export() {
    let server = start(ListenConfig {
        limits: Limits {
            capacity: 5,
            max_bytes: u64::MAX,
        },
        ..config()
    })
    .await;
    for i in 1..=50u64 {
        let body = format!("{{\"n\":{i}}}");
        let answer = post(server.addr, "/hook", "application/json", body.as_bytes()).await;
        assert_eq!(answer.status, 200);
        if i == 3 || i == 7 {
            // What `b` does on the selected event: a live store's keys are its ids.
            server.store.toggle_pin(i);
        }
    }
    let ids: Vec<u64> = server.store.snapshot().iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![3, 7, 48, 49, 50]);
    assert_eq!(
        server.store.stats(),
        Stats {
            received: 50,
            stored: 5,
            evicted: 45,
            rejected: 0
        }
    );
    let exported = export_json(&server.store);
    let pinned: Vec<bool> = exported["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.get("pinned") == Some(&json!(true)))
        .collect();
    assert_eq!(pinned, vec![true, true, false, false, false]);
    assert_eq!(exported["events"][0]["body"], "{\"n\":3}");
    // Unpinned events carry no `pinned` field at all.
    assert!(exported["events"][2].get("pinned").is_none());

    // Read back, the pins are there again, and writing it out gives the same events.
    let mut bytes = Vec::new();
    let events = server.store.snapshot();
    let stats = server.store.stats();
    let at = chrono::Utc::now();
    export::write_export(&mut bytes, stats, at, events.iter().map(|e| e.as_ref())).unwrap();
    let back = export::import(&bytes).unwrap();
    let pins: Vec<u64> = back
        .events
        .iter()
        .filter(|e| e.pinned)
        .map(|e| e.id)
        .collect();
    assert_eq!(pins, vec![3, 7]);
    let mut again = Vec::new();
    export::write_export(&mut again, stats, at, back.events.iter()).unwrap();
    assert_eq!(again, bytes);
    server.stop().await;
}
