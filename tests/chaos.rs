//! Replay with chaos, end to end: the real binary replays an export into a real app on
//! 127.0.0.1:0 — shuffled, dropped, duplicated, put in sequence order, re-sent on a schedule —
//! and the app's log and the JSON report are checked against each other and the flags.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::start_app;
use hookscope::event::build::EventBuilder;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hookscope-chaos-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes an export of `bodies`, each a JSON event posted to `/hooks/test`.
fn export(dir: &Path, bodies: &[String]) -> PathBuf {
    let events: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            EventBuilder::new(i as u64 + 1)
                .path("/hooks/test")
                .header("content-type", "application/json")
                .body(Bytes::from(body.clone()))
                .build()
        })
        .collect();
    let file = dir.join("capture.json");
    hookscope::export::write_export_file(&file, Default::default(), &events).unwrap();
    file
}

fn numbered(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{{\"n\":{i}}}")).collect()
}

/// Runs `hookscope replay FILE --to http://ADDR ARGS...` on a thread of its own (the app answers
/// on this runtime meanwhile), bounded in time.
async fn replay(file: &Path, to: SocketAddr, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookscope"));
    command
        .arg("replay")
        .arg(file)
        .args(["--to", &format!("http://{to}")])
        .args(args)
        .env_remove("HOOKSCOPE_CONFIG");
    run(command).await
}

async fn run(mut command: Command) -> Output {
    let child = tokio::task::spawn_blocking(move || command.output().unwrap());
    tokio::time::timeout(common::LIMIT, child)
        .await
        .expect("hookscope ends in time")
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The bodies an app received, in order.
fn bodies(app: &common::TestApp) -> Vec<Bytes> {
    app.received
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.body.clone())
        .collect()
}

fn report(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_sends_the_same_requests_in_the_same_order() {
    let dir = temp_dir("seed");
    let file = export(&dir, &numbered(200));
    let flags = ["--shuffle", "--duplicate", "0.2", "--drop", "0.1"];
    let mut runs = Vec::new();
    for seed in ["42", "42", "43"] {
        let app = start_app(200, "{}", Duration::ZERO).await;
        let report_file = dir.join(format!("report-{seed}-{}.json", runs.len()));
        let mut args = flags.to_vec();
        args.extend(["--seed", seed, "--report", report_file.to_str().unwrap()]);
        let output = replay(&file, app.addr, &args).await;
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{err}");
        assert!(err.contains(&format!("seed {seed}; 200 events")), "{err}");
        runs.push((bodies(&app), report(&report_file)));
    }
    assert_eq!(
        runs[0].0, runs[1].0,
        "the same seed, the same requests in order"
    );
    assert_ne!(runs[0].0, runs[2].0, "another seed, another order");

    // Drops and duplicates at about the rates asked: 10 % of 200 dropped, 20 % of the rest sent
    // twice; what the app received agrees with the report.
    let (received, report) = &runs[0];
    let counts = &report["counts"];
    let dropped = counts["dropped"].as_u64().unwrap();
    let duplicated = counts["duplicated"].as_u64().unwrap();
    assert!((6..=40).contains(&dropped), "{dropped} dropped");
    assert!((15..=60).contains(&duplicated), "{duplicated} duplicated");
    assert_eq!(received.len() as u64, 200 - dropped + duplicated);
    let mut distinct = received.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len() as u64, 200 - dropped);
    assert!(counts["moved"].as_u64().unwrap() > 150);
    assert_eq!(report["result"], "passed");
    assert_eq!(report["seed"], 42);
    let events = report["events"].as_array().unwrap();
    assert_eq!(events.len(), 200);
    for event in events {
        let deliveries = event["deliveries"].as_array().unwrap();
        if event["dropped"] == true {
            assert!(deliveries.is_empty());
            assert!(event["ok"].is_null());
            continue;
        }
        let expected = if event["duplicated"] == true { 2 } else { 1 };
        assert_eq!(deliveries.len(), expected, "{event}");
        assert_eq!(event["final_status"], 200);
        let send = &deliveries[0]["sends"][0];
        assert_eq!(send["status"], 200);
        assert!(send["latency_ms"].as_f64().unwrap() >= 0.0);
    }
    // The order received is the order the report gives.
    let first_sent = events
        .iter()
        .find(|e| e["position"] == 1 && e["dropped"] == false);
    if let Some(first) = first_sent {
        let index = first["index"].as_u64().unwrap() - 1;
        assert_eq!(received[0], format!("{{\"n\":{index}}}").as_bytes());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_without_a_seed_prints_the_one_that_repeats_it() {
    let dir = temp_dir("noseed");
    let file = export(&dir, &numbered(30));
    let app = start_app(200, "{}", Duration::ZERO).await;
    let output = replay(&file, app.addr, &["--shuffle"]).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let seed = err
        .split("--seed ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no seed printed: {err}"))
        .to_owned();
    let again = start_app(200, "{}", Duration::ZERO).await;
    let output = replay(&file, again.addr, &["--shuffle", "--seed", &seed]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(bodies(&app), bodies(&again));
    std::fs::remove_dir_all(dir).unwrap();
}

/// An app that answers each delivery of a body by how many times it has seen that body:
/// `answer(1)` to the first, `answer(2)` to the second… and notes when each came.
struct CountingApp {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<(Bytes, Instant)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CountingApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn counting_app(answer: fn(usize) -> u16) -> CountingApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<(Bytes, Instant)>>> = Arc::default();
    let log = Arc::clone(&seen);
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            let service =
                hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let log = Arc::clone(&log);
                    async move {
                        let body = request.into_body().collect().await.unwrap().to_bytes();
                        let count = {
                            let mut log = log.lock().unwrap();
                            log.push((body.clone(), Instant::now()));
                            log.iter().filter(|(b, _)| *b == body).count()
                        };
                        let response = hyper::Response::builder()
                            .status(answer(count))
                            .body(Full::new(Bytes::from_static(b"{}")))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    CountingApp { addr, seen, task }
}

impl CountingApp {
    /// The time between each delivery and the one before it.
    fn gaps(&self) -> Vec<Duration> {
        let seen = self.seen.lock().unwrap();
        seen.windows(2).map(|w| w[1].1 - w[0].1).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_schedule_resends_until_the_first_2xx() {
    let dir = temp_dir("retry");
    let file = export(&dir, &numbered(1));
    let report_file = dir.join("report.json");
    let schedule = ["--retry-schedule", "0s,300ms,600ms"];

    // The first two deliveries fail: three sends, the second at once, the third 300 ms later.
    let app = counting_app(|n| if n <= 2 { 503 } else { 200 }).await;
    let output = replay(
        &file,
        app.addr,
        &[
            schedule[0],
            schedule[1],
            "--report",
            report_file.to_str().unwrap(),
        ],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let gaps = app.gaps();
    assert_eq!(gaps.len(), 2, "three sends: {gaps:?}");
    assert!(gaps[0] < Duration::from_millis(200), "{gaps:?}");
    assert!(
        gaps[1] >= Duration::from_millis(300) && gaps[1] < Duration::from_millis(600),
        "{gaps:?}"
    );
    let report = report(&report_file);
    let sends = report["events"][0]["deliveries"][0]["sends"]
        .as_array()
        .unwrap()
        .clone();
    let statuses: Vec<u64> = sends
        .iter()
        .map(|s| s["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
    assert_eq!(report["events"][0]["final_status"], 200);
    assert_eq!(report["counts"]["resends"], 2);
    assert_eq!(
        report["chaos"]["retry_schedule_ms"],
        serde_json::json!([0.0, 300.0, 600.0])
    );
    assert!(err.contains("sent: 503 "), "{err}");

    // An app that always fails: the first send and three re-sends, then exit 1.
    let app = counting_app(|_| 500).await;
    let output = replay(&file, app.addr, &schedule).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    let gaps = app.gaps();
    assert_eq!(gaps.len(), 3, "four sends: {gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(300), "{gaps:?}");
    assert!(gaps[2] >= Duration::from_millis(600), "{gaps:?}");
    assert!(err.contains("failed: 1 event did not end in 2xx"), "{err}");

    // Nothing listening counts as a failure too (connection refused), re-sent as well.
    let output = replay(
        &file,
        "127.0.0.1:9".parse().unwrap(),
        &["--retry-schedule", "0s"],
    )
    .await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("no answer"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_that_get_different_answers_are_named() {
    let dir = temp_dir("idempotent");
    let file = export(&dir, &numbered(3));
    let report_file = dir.join("report.json");
    // A first delivery is accepted; a repeat is refused as a conflict.
    let app = counting_app(|n| if n == 1 { 200 } else { 409 }).await;
    let args = [
        "--duplicate",
        "1",
        "--seed",
        "1",
        "--report",
        report_file.to_str().unwrap(),
    ];
    let output = replay(&file, app.addr, &args).await;
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not idempotent? #1 got different answers to its deliveries (200, then 409)"),
        "{err}"
    );
    let report = report(&report_file);
    assert_eq!(report["not_idempotent"].as_array().unwrap().len(), 3);
    assert_eq!(
        report["not_idempotent"][0]["statuses"],
        serde_json::json!([200, 409])
    );
    assert_eq!(report["result"], "failed");
    // `--expect-status` names the answer every delivery must end in: one status here.
    let app = counting_app(|_| 202).await;
    let output = replay(
        &file,
        app.addr,
        &["--duplicate", "1", "--expect-status", "202"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequence_order_puts_a_wms_session_back_in_order() {
    let dir = temp_dir("sequence");
    let wms = |seq: u64| {
        format!(
            r#"{{"timestamp":1700000000,"sessionId":"s-1","sequence":{seq},"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{{"snr":50}}}}"#
        )
    };
    let file = export(&dir, &[wms(0), wms(2), "{\"other\":true}".into(), wms(1)]);
    let app = start_app(200, "{}", Duration::ZERO).await;
    let output = replay(&file, app.addr, &["--order", "sequence"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let received = bodies(&app);
    let expected = [wms(0), wms(1), "{\"other\":true}".into(), wms(2)];
    let expected: Vec<Bytes> = expected.into_iter().map(Bytes::from).collect();
    assert_eq!(received, expected);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_chaos_flags_exit_2_before_sending() {
    let dir = temp_dir("flags");
    let file = export(&dir, &numbered(2));
    let app = start_app(200, "{}", Duration::ZERO).await;
    for args in [
        &["--drop", "2"][..],
        &["--shuffle-window", "4"],
        &["--retry-schedule", "later"],
        &["--expect-status", "9xx"],
        &["--report", "/nonexistent-hookscope-dir/r.json", "--shuffle"],
    ] {
        let output = replay(&file, app.addr, args).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(bodies(&app).is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_takes_the_same_chaos_flags() {
    let mut orders = Vec::new();
    for _ in 0..2 {
        let app = start_app(200, "{}", Duration::ZERO).await;
        let mut command = Command::new(env!("CARGO_BIN_EXE_hookscope"));
        command
            .args(["simulate", "--to", &format!("http://{}", app.addr)])
            .args([
                "--scenario",
                "wms",
                "--rate",
                "2000",
                "--shuffle",
                "--seed",
                "7",
            ])
            .args(["--duplicate", "0.3"]);
        let output = run(command).await;
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{err}");
        assert!(err.contains("seed 7; 28 events"), "{err}");
        // The same events in the same order; their `timestamp` is the clock's, which may have
        // moved on to the next second between the two runs.
        let sent: Vec<(String, u64)> = bodies(&app)
            .iter()
            .map(|body| {
                let value: serde_json::Value = serde_json::from_slice(body).unwrap();
                (
                    value["event"].as_str().unwrap().to_owned(),
                    value["sequence"].as_u64().unwrap(),
                )
            })
            .collect();
        orders.push(sent);
    }
    assert_eq!(orders[0], orders[1]);
    assert!(orders[0].len() > 28);
    // Shuffled: not the order the scenario sends in.
    assert!(orders[0].windows(2).any(|w| w[0].1 > w[1].1));
}
