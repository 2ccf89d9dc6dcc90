//! Edit and resend: hookscope's re-send mark taken off at capture, and the real binary's
//! `export-http` then `send` (edited with sed, signed afresh) into a real listener.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use hookscope::decode::signature::{self, Secret};
use hookscope::event::{SignatureScheme, SignatureVerdict};

const STRIPE_SECRET: &str = "whsec_resendTestSecret42";

fn hookscope() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookscope"));
    command.env_remove("HOOKSCOPE_CONFIG");
    for scheme in [
        "WMS", "PRISM", "GITHUB", "STRIPE", "STANDARD", "SHOPIFY", "SLACK",
    ] {
        command.env_remove(format!("HOOKSCOPE_SECRET_{scheme}"));
    }
    command
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hookscope-resend-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command to its end on a blocking thread; returns success, stdout and stderr.
async fn run(mut command: Command) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = command
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

fn stripe_listener() -> hookscope::config::ListenConfig {
    let mut config = common::config();
    config
        .secrets
        .add(SignatureScheme::Stripe, Secret::new(STRIPE_SECRET));
    config
}

/// A Stripe event signed now with the listener's secret.
async fn send_stripe_event(addr: std::net::SocketAddr, body: &[u8]) {
    let headers = signature::sign(
        SignatureScheme::Stripe,
        STRIPE_SECRET,
        body,
        chrono::Utc::now().timestamp(),
        "",
    );
    let mut all: Vec<(&str, &[u8])> = vec![("content-type", b"application/json")];
    all.extend(headers.iter().map(|(n, v)| (*n, v.as_bytes())));
    let answer = common::send(addr, "POST", "/hooks/stripe", &all, body).await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn the_resend_mark_is_taken_off_and_kept_on_the_event() {
    let server = common::start(common::config()).await;
    let answer = common::send(
        server.addr,
        "POST",
        "/hook",
        &[
            ("content-type", b"text/plain"),
            ("X-Hookscope-Resent-From", b"41"),
            ("X-Hookscope-Edited", b"1"),
        ],
        b"hi",
    )
    .await;
    assert_eq!(answer.status, 200);
    common::post(server.addr, "/plain", "text/plain", b"ho").await;
    server.wait_received(2).await;
    let events = server.store.snapshot();
    let resent = &events[0];
    assert_eq!(resent.resent_from().map(|n| n.get()), Some(41));
    assert!(resent.edited());
    assert!(resent.headers.get("x-hookscope-resent-from").is_none());
    assert!(resent.headers.get("x-hookscope-edited").is_none());
    assert_eq!((events[1].resent_from(), events[1].edited()), (None, false));
    let export = common::export_json(&server.store);
    assert_eq!(export["events"][0]["resent_from"], 41);
    assert_eq!(export["events"][0]["edited"], true);
    assert!(export["events"][1].get("resent_from").is_none());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exported_event_edited_and_sent_again_arrives_signed_afresh() {
    let dir = temp_dir("send");
    let server = common::start(stripe_listener()).await;
    send_stripe_event(
        server.addr,
        br#"{"id":"evt_1","type":"invoice.paid","data":{"object":{"amount":100}}}"#,
    )
    .await;
    server.wait_received(1).await;
    assert_eq!(
        server.store.snapshot()[0].analysis.signature.verdict,
        SignatureVerdict::Valid
    );
    let export = dir.join("capture.json");
    let snapshot = server.store.snapshot();
    hookscope::export::write_export_file_with(
        &export,
        server.store.stats(),
        None,
        snapshot.iter().map(|e| e.as_ref()),
    )
    .unwrap();

    let http = dir.join("event.http");
    let mut command = hookscope();
    command
        .arg("export-http")
        .arg(&export)
        .args(["--event", "1", "--out"])
        .arg(&http);
    let (ok, _, err) = run(command).await;
    assert!(ok, "{err}");
    let text = std::fs::read_to_string(&http).unwrap();
    assert!(text.starts_with("POST /hooks/stripe HTTP/1.1\n"), "{text}");
    assert!(text.contains("\n      \"amount\": 100\n"), "{text}");
    assert!(text.contains("X-Hookscope-Resent-From: 1\n"), "{text}");

    let mut sed = Command::new("sed");
    sed.args(["-i", "s/\"amount\": 100/\"amount\": 250/"])
        .arg(&http);
    let (ok, _, err) = run(sed).await;
    assert!(ok, "{err}");

    // Without a secret the old signature goes as written, and no longer matches the body.
    let mut command = hookscope();
    command
        .arg("send")
        .arg(&http)
        .args(["--to", &format!("http://{}", server.addr)]);
    let (ok, _, err) = run(command).await;
    assert!(ok, "{err}");
    assert!(err.contains("no secret to sign afresh"), "{err}");

    let mut command = hookscope();
    command
        .arg("send")
        .arg(&http)
        .args(["--to", &format!("http://{}", server.addr)])
        .args(["--resign", &format!("stripe={STRIPE_SECRET}")]);
    let (ok, out, err) = run(command).await;
    assert!(ok, "{err}");
    assert!(err.contains("signed afresh (stripe)"), "{err}");
    assert!(!err.contains(STRIPE_SECRET) && !out.contains(STRIPE_SECRET));

    server.wait_received(3).await;
    let events = server.store.snapshot();
    let (stale, resent) = (&events[1], &events[2]);
    assert_eq!(stale.analysis.signature.verdict, SignatureVerdict::Invalid);
    assert_eq!(resent.analysis.signature.verdict, SignatureVerdict::Valid);
    for event in [stale, resent] {
        assert_eq!(event.resent_from().map(|n| n.get()), Some(1));
        assert!(event.edited());
        assert!(event.headers.get("x-hookscope-resent-from").is_none());
    }
    let body: serde_json::Value = serde_json::from_slice(&resent.body).unwrap();
    assert_eq!(body["data"]["object"]["amount"], 250);
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_malformed_file_is_refused_with_its_line() {
    let dir = temp_dir("bad");
    let http = dir.join("bad.http");
    std::fs::write(&http, "POST /a HTTP/1.1\nX-Ok: 1\nnot a header\n\n{}\n").unwrap();
    let mut command = hookscope();
    command
        .arg("send")
        .arg(&http)
        .args(["--to", "http://127.0.0.1:9"]);
    let (ok, _, err) = run(command).await;
    assert!(!ok);
    assert!(
        err.contains("bad.http: line 3: 'not a header' is not a header"),
        "{err}"
    );
    let mut command = hookscope();
    command
        .arg("export-http")
        .arg(dir.join("missing.json"))
        .args(["--event", "1", "--out"])
        .arg(dir.join("x.http"));
    let (ok, _, _) = run(command).await;
    assert!(!ok);
    tokio::time::sleep(Duration::ZERO).await;
    let _ = std::fs::remove_dir_all(&dir);
}
