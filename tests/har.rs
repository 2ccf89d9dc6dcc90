//! Opening HAR 1.2: one written by hookscope from events captured over real HTTP, and one laid
//! out as browser dev tools and mitmproxy write them (built here from the HAR 1.2 spec). Both
//! open as `hookscope open` opens them, their requests intact and analysed as on capture.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use hookscope::config::ListenConfig;
use hookscope::decode::signature::{Secret, Secrets, sign};
use hookscope::event::{
    CapturedEvent, Provider, SequenceStatus, SignatureScheme, SignatureVerdict,
};
use hookscope::export::{self, ImportFormat};
use hookscope::store::Stats;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hookscope-har-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wms_secrets() -> Secrets {
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new("macSecret"));
    secrets
}

fn wms_body(seq: u64) -> String {
    serde_json::json!({
        "timestamp": chrono::Utc::now().timestamp(),
        "sessionId": "har-session",
        "sequence": seq,
        "event": "INTERMEDIATE_RESULTS",
        "severity": "INFO",
        "payload": { "measurementId": "m-1", "snr": 90, "sequence": seq }
    })
    .to_string()
}

fn events_of(store: &hookscope::store::Store) -> Vec<CapturedEvent> {
    store
        .snapshot()
        .iter()
        .map(|e| CapturedEvent::clone(e))
        .collect()
}

/// Signed WMS events with a gap, captured by the real listener, written with
/// `--export-on-exit x.har`'s writer, then opened: every request comes back as captured, and
/// decoding finds the vendor, the signature (with the secret) and the gap again.
#[tokio::test]
async fn a_har_written_by_hookscope_opens_as_it_was_captured() {
    let server = start(ListenConfig {
        secrets: wms_secrets(),
        ..config()
    })
    .await;
    for seq in [0, 1, 4] {
        let body = wms_body(seq);
        let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
        for (name, value) in sign(
            SignatureScheme::Wms,
            "macSecret",
            body.as_bytes(),
            chrono::Utc::now().timestamp(),
            "msg_1",
        ) {
            headers.push((name.to_string(), value));
        }
        let refs: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let answer = send(
            server.addr,
            "POST",
            "/hooks/wms?src=test",
            &refs,
            body.as_bytes(),
        )
        .await;
        assert_eq!(answer.status, 200);
    }
    // A binary body, which HAR carries as base64.
    send(server.addr, "PUT", "/raw", &[], b"\xff\x00\x01").await;
    let captured = events_of(&server.store);
    server.stop().await;
    assert_eq!(captured.len(), 4);
    assert_eq!(
        captured[2].analysis.sequence.as_ref().map(|s| s.status),
        Some(SequenceStatus::Gap)
    );

    let dir = temp_dir("own");
    let path = dir.join("capture.har");
    export::write_export_file(&path, Stats::default(), captured.iter()).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let imported = export::import_with(&bytes, &wms_secrets()).unwrap();
    assert_eq!(imported.format, ImportFormat::Har);
    assert_eq!(imported.stats.stored, 4);
    for (back, event) in imported.events.iter().zip(&captured) {
        assert_eq!(back.id, event.id);
        assert_eq!(back.received_at, event.received_at);
        assert_eq!(back.remote_addr, event.remote_addr);
        assert_eq!(back.http_version, event.http_version);
        assert_eq!(back.method, event.method);
        assert_eq!(back.path, event.path);
        assert_eq!(back.query(), event.query());
        assert_eq!(back.headers, event.headers);
        assert_eq!(back.body, event.body);
        assert_eq!(back.response.status, event.response.status);
        assert_eq!(back.analysis.provider, event.analysis.provider);
        assert_eq!(back.analysis.kind, event.analysis.kind);
        assert_eq!(back.analysis.severity, event.analysis.severity);
        assert_eq!(back.analysis.signature, event.analysis.signature);
        assert_eq!(back.analysis.sequence, event.analysis.sequence);
    }
    assert_eq!(imported.events[0].analysis.provider, Provider::Wms);
    assert_eq!(
        imported.events[0].analysis.signature.verdict,
        SignatureVerdict::Valid
    );
    // Without the secret the signature cannot be checked, and says so.
    let imported = export::import(&bytes).unwrap();
    assert_eq!(
        imported.events[0].analysis.signature.verdict,
        SignatureVerdict::NoSecret
    );

    // As `hookscope open` loads it: the store and the rebuilt session with its gap.
    let (store, _, links, skipped) = hookscope::ui::load_export(&path, u64::MAX).unwrap();
    assert_eq!(skipped.lines, 0);
    let opened = events_of(&store);
    assert_eq!(opened.len(), 4);
    assert_eq!(opened[3].body, captured[3].body);
    let recorder = links.recorder.unwrap();
    let (events, highest) = recorder.analysis(|a| {
        let session = a.session("har-session").unwrap();
        (session.events, session.highest)
    });
    assert_eq!((events, highest), (3, Some(4)));
    assert_eq!(
        opened[2].analysis.sequence.as_ref().map(|s| s.status),
        Some(SequenceStatus::Gap)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A HAR as other tools write it: pretty-printed, a page list, header names in odd case and
/// HTTP/2 pseudo-headers, a GET with a query string and no body, a text body and a base64 one,
/// `log` not the first key.
const FOREIGN_HAR: &str = r#"{
  "comment": "saved by a browser",
  "log": {
    "version": "1.2",
    "creator": { "name": "WebInspector", "version": "537.36" },
    "pages": [],
    "entries": [
      {
        "startedDateTime": "2026-11-22T14:02:11.204+01:00",
        "time": 12.5,
        "request": {
          "method": "GET",
          "url": "https://hooks.example.test/verify?challenge=abc&mode=subscribe#top",
          "httpVersion": "http/2.0",
          "headers": [
            { "name": ":authority", "value": "hooks.example.test" },
            { "name": "User-AGENT", "value": "Vendor-Check/1.0" },
            { "name": "x-Request-ID", "value": "r-1" }
          ],
          "queryString": [
            { "name": "challenge", "value": "abc" },
            { "name": "mode", "value": "subscribe" }
          ],
          "cookies": [],
          "headersSize": -1,
          "bodySize": 0
        },
        "response": {
          "status": 200, "statusText": "OK", "httpVersion": "http/2.0", "headers": [],
          "cookies": [], "content": { "size": 3, "mimeType": "text/plain", "text": "abc" },
          "redirectURL": "", "headersSize": -1, "bodySize": 3
        },
        "cache": {},
        "timings": { "send": 0, "wait": 12.5, "receive": 0 }
      },
      {
        "startedDateTime": "2026-11-22T13:02:12.000Z",
        "time": 3,
        "request": {
          "method": "POST",
          "url": "http://127.0.0.1:8765/hooks/wms",
          "httpVersion": "HTTP/1.1",
          "headers": [
            { "name": "Content-TYPE", "value": "application/json" },
            { "name": "X-Custom", "value": "one" },
            { "name": "x-custom", "value": "two" }
          ],
          "queryString": [],
          "postData": {
            "mimeType": "application/json",
            "text": "{\"timestamp\":1763800000,\"sessionId\":\"s-foreign\",\"sequence\":0,\"event\":\"INTERMEDIATE_RESULTS\",\"severity\":\"INFO\",\"payload\":{\"measurementId\":\"m-1\",\"snr\":90}}"
          },
          "headersSize": -1,
          "bodySize": 150
        },
        "response": {
          "status": 503, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [],
          "content": { "size": 0, "mimeType": "" }, "redirectURL": "",
          "headersSize": -1, "bodySize": 0
        },
        "timings": { "send": 0, "wait": 3, "receive": 0 }
      },
      {
        "startedDateTime": "2026-11-22T13:02:13Z",
        "time": 1,
        "request": {
          "method": "PUT",
          "url": "http://127.0.0.1:8765/upload",
          "httpVersion": "HTTP/1.1",
          "headers": [{ "name": "Content-Type", "value": "application/octet-stream" }],
          "queryString": [],
          "postData": { "mimeType": "application/octet-stream", "text": "/wABAg==", "encoding": "base64" },
          "headersSize": -1,
          "bodySize": 4
        },
        "response": { "status": 201, "statusText": "Created", "httpVersion": "HTTP/1.1",
          "headers": [], "content": { "size": 0, "mimeType": "" }, "redirectURL": "",
          "headersSize": -1, "bodySize": 0 },
        "timings": { "send": 0, "wait": 1, "receive": 0 }
      }
    ]
  }
}"#;

fn headers_of(event: &CapturedEvent) -> Vec<(String, String)> {
    event
        .headers
        .iter()
        .map(|(n, v)| {
            (
                String::from_utf8_lossy(n).into_owned(),
                String::from_utf8_lossy(v).into_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn check_foreign(events: &[CapturedEvent]) {
    assert_eq!(events.len(), 3);
    let get = &events[0];
    assert_eq!(get.id, 1);
    assert_eq!(&*get.method, "GET");
    assert_eq!(&*get.path, "/verify");
    assert_eq!(get.query(), Some("challenge=abc&mode=subscribe"));
    assert_eq!(
        get.received_at.to_rfc3339(),
        "2026-11-22T13:02:11.204+00:00"
    );
    assert_eq!(get.http_version.as_str(), "HTTP/2");
    assert_eq!(
        headers_of(get),
        pairs(&[("User-AGENT", "Vendor-Check/1.0"), ("x-Request-ID", "r-1")])
    );
    assert!(get.body.is_empty());
    assert_eq!(get.response.status, 200);
    assert_eq!(get.response.latency_ms(), 12.5);

    let wms = &events[1];
    assert_eq!(wms.id, 2);
    assert_eq!(&*wms.path, "/hooks/wms");
    assert_eq!(wms.query(), None);
    assert_eq!(
        headers_of(wms),
        pairs(&[
            ("Content-TYPE", "application/json"),
            ("X-Custom", "one"),
            ("x-custom", "two")
        ])
    );
    assert!(wms.body.starts_with(b"{\"timestamp\":1763800000"));
    assert_eq!(wms.body_size(), wms.body.len() as u64);
    assert_eq!(wms.analysis.provider, Provider::Wms);
    assert_eq!(wms.analysis.kind.as_deref(), Some("INTERMEDIATE_RESULTS"));
    assert_eq!(
        wms.analysis.sequence.as_ref().map(|s| s.status),
        Some(SequenceStatus::First)
    );
    assert_eq!(wms.response.status, 503);

    let put = &events[2];
    assert_eq!(&put.body[..], b"\xff\x00\x01\x02");
    assert_eq!(put.body_size(), 4);
    assert_eq!(put.response.status, 201);
}

#[tokio::test]
async fn a_har_written_by_another_tool_opens() {
    let dir = temp_dir("foreign");
    // Told by its content, whatever its name.
    let path = dir.join("saved.json");
    std::fs::write(&path, FOREIGN_HAR).unwrap();
    let imported = export::import(FOREIGN_HAR.as_bytes()).unwrap();
    assert_eq!(imported.format, ImportFormat::Har);
    check_foreign(&imported.events);
    let (store, _, links, _) = hookscope::ui::load_export(&path, u64::MAX).unwrap();
    check_foreign(&events_of(&store));
    assert!(
        links
            .recorder
            .unwrap()
            .analysis(|a| a.session("s-foreign").is_some())
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn hookscope(command: &str, file: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .env_remove("HOOKSCOPE_CONFIG")
        .arg(command)
        .arg(file)
        .args(if command == "replay" {
            &[
                "--to",
                "http://127.0.0.1:9",
                "--filter",
                "zzz-matches-nothing",
            ][..]
        } else {
            &[][..]
        })
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The binary reads a HAR (without a terminal `open` then stops, after reading it), and a
/// damaged one is refused in one line that names the entry and says what it is not, once.
#[test]
fn the_binary_reads_har_and_names_a_damaged_entry() {
    let dir = temp_dir("binary");
    let good = dir.join("good.har");
    std::fs::write(&good, FOREIGN_HAR).unwrap();
    let (code, err) = hookscope("open", &good);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("run it in a terminal"), "{err}");
    let (code, err) = hookscope("replay", &good);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("replaying 0 of 3 events"), "{err}");

    let bad = dir.join("bad.har");
    std::fs::write(
        &bad,
        FOREIGN_HAR.replace("2026-11-22T13:02:13Z", "yesterday"),
    )
    .unwrap();
    for command in ["open", "replay"] {
        let (code, err) = hookscope(command, &bad);
        assert_ne!(code, Some(0), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!(
                "{} is not a HAR 1.2 file: entry 3: startedDateTime 'yesterday'",
                bad.display()
            )),
            "{err}"
        );
        assert_eq!(err.matches("not a").count(), 1, "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
