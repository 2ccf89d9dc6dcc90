//! Answer rules over real HTTP: `[[answer]]` tables read from a real config file choose the
//! answer by path, provider and body kind, route to a second app, render templates from every
//! source, and record which rule answered; a bad rule stops the real binary at start.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use hookscope::cli::ListenArgs;
use hookscope::config::ListenConfig;

/// A config file holding `text`, removed when dropped.
struct ConfigFile(PathBuf);

impl ConfigFile {
    fn new(name: &str, text: &str) -> ConfigFile {
        let path = std::env::temp_dir().join(format!(
            "hookscope-rules-{name}-{}.toml",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        ConfigFile(path)
    }
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The settings the real resolution gives for this config file, on any free port.
fn from_file(name: &str, text: &str) -> ListenConfig {
    let file = ConfigFile::new(name, text);
    let args = ListenArgs {
        config: Some(file.0.clone()),
        ..ListenArgs::default()
    };
    let (config, _) = ListenConfig::resolve(&args, |_| None).unwrap();
    ListenConfig {
        port: 0,
        header_timeout: Duration::from_millis(500),
        ..config
    }
}

fn header<'a>(headers: &'a hyper::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_default()
}

const PRISM_SCAN: &str = r#"{"eventType":"body.creation.started","payload":{"scanId":"scan-1","state":"ASSET_PROCESSING"}}"#;

#[tokio::test]
async fn rules_choose_by_path_provider_and_body_kind_first_match_wins() {
    let config = from_file(
        "choose",
        r#"
[[answer]]
name = "prismatic malformed"
when = "path:/prismatic/* body:malformed_json"
status = 400
content_type = "application/json"
body = '{"error":"Received malformed JSON payload."}'

[[answer]]
name = "prismatic"
when = "path:/prismatic/*"
status = 200
body = '{"executionId":"{{base64 uuid}}"}'

[[answer]]
name = "prism"
when = "provider:prism"
status = 202
headers = { "X-Handled-By" = "prism rule" }
"#,
    );
    assert_eq!(config.answer.rules.len(), 3);
    let server = start(config).await;

    // Body kind: the malformed JSON of a JSON content type.
    let (status, headers, body) = send_full(
        server.addr,
        "POST",
        "/prismatic/trigger/abc",
        &[("content-type", b"application/json")],
        b"{not json",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        &body[..],
        br#"{"error":"Received malformed JSON payload."}"#
    );
    assert_eq!(header(&headers, "content-type"), "application/json");

    // Path: the same path with a well-formed body falls to the second rule.
    let answer = post(
        server.addr,
        "/prismatic/trigger/abc",
        "application/json",
        b"{}",
    )
    .await;
    assert_eq!(answer.status, 200);
    let id = answer.json()["executionId"].as_str().unwrap().to_owned();
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&id)
        .unwrap();
    assert_eq!(decoded.len(), 36, "base64 of a UUID: {id}");
    let again = post(
        server.addr,
        "/prismatic/trigger/abc",
        "application/json",
        b"{}",
    )
    .await;
    assert_ne!(again.json()["executionId"], answer.json()["executionId"]);

    // Provider: a Prism body elsewhere; no body of its own, so the default receipt.
    let (status, headers, body) = send_full(
        server.addr,
        "POST",
        "/hooks",
        &[("content-type", b"application/json")],
        PRISM_SCAN.as_bytes(),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(header(&headers, "x-handled-by"), "prism rule");
    let receipt: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(receipt["received"], true);

    // No rule: the settings' answer, and no rule recorded.
    let plain = post(server.addr, "/other", "text/plain", b"hi").await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.json()["received"], true);

    server.wait_received(5).await;
    let export = export_json(&server.store);
    let events = export["events"].as_array().unwrap();
    let rules: Vec<Option<&str>> = events
        .iter()
        .map(|e| e["response"]["rule"].as_str())
        .collect();
    assert_eq!(
        rules,
        [
            Some("prismatic malformed"),
            Some("prismatic"),
            Some("prismatic"),
            Some("prism"),
            None
        ]
    );
    // The answers sent are recorded as sent, the id of the receipt included.
    assert_eq!(
        events[0]["response"]["body"],
        r#"{"error":"Received malformed JSON payload."}"#
    );
    assert_eq!(
        events[1]["response"]["body"].as_str().unwrap(),
        format!(r#"{{"executionId":"{id}"}}"#)
    );
    let prism_id = events[3]["id"].as_u64().unwrap();
    assert_eq!(
        events[3]["response"]["body"].as_str().unwrap(),
        format!(r#"{{"received":true,"id":{prism_id}}}"#)
    );
    assert_eq!(receipt["id"], prism_id);
    assert!(events[4]["response"].get("rule").is_none());

    // `rule:NAME` selects by the rule that answered.
    let events = server.store.snapshot();
    let select = |query: &str| {
        let filter = hookscope::filter::Filter::parse(query).unwrap();
        events.iter().filter(|e| filter.matches(e)).count()
    };
    assert_eq!(select("rule:prismatic*"), 3);
    assert_eq!(select("rule:prism"), 1);
    assert_eq!(select("-rule:*"), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_rule_routes_events_to_a_second_app() {
    let main_app = start_app(200, r#"{"app":"main"}"#, Duration::ZERO).await;
    let video_app = start_app(201, r#"{"app":"video"}"#, Duration::ZERO).await;
    let config = from_file(
        "route",
        &format!(
            r#"
forward_to = "http://{main}"

[[answer]]
name = "video app"
when = "path:/video/*"
forward_to = "http://{video}"
"#,
            main = main_app.addr,
            video = video_app.addr
        ),
    );
    let server = start(config).await;
    let video = post(server.addr, "/video/hook", "application/json", b"{\"v\":1}").await;
    assert_eq!(video.status, 201);
    assert_eq!(&video.body[..], br#"{"app":"video"}"#);
    let other = post(server.addr, "/wms/hook", "application/json", b"{\"w\":1}").await;
    assert_eq!(other.status, 200);
    assert_eq!(&other.body[..], br#"{"app":"main"}"#);
    assert_eq!(video_app.received.lock().unwrap().len(), 1);
    assert_eq!(
        &video_app.received.lock().unwrap()[0].body[..],
        b"{\"v\":1}"
    );
    assert_eq!(main_app.received.lock().unwrap().len(), 1);

    server.wait_received(2).await;
    let export = export_json(&server.store);
    let first = &export["events"][0]["response"];
    assert_eq!(first["rule"], "video app");
    assert_eq!(
        first["forwarded_to"],
        format!("http://{}/video/hook", video_app.addr)
    );
    assert!(export["events"][1]["response"].get("rule").is_none());

    // `m` still overrides the rules live: forward off answers here, a forced status wins.
    server.policy.set_mode(hookscope::answer::AnswerMode::Local);
    let local = post(server.addr, "/video/hook", "application/json", b"{}").await;
    assert_eq!(local.status, 200);
    assert_eq!(local.json()["received"], true);
    assert_eq!(video_app.received.lock().unwrap().len(), 1);
    server
        .policy
        .set_mode(hookscope::answer::AnswerMode::Status503);
    let forced = post(server.addr, "/video/hook", "application/json", b"{}").await;
    assert_eq!(forced.status, 503);
    server.wait_received(4).await;
    let export = export_json(&server.store);
    assert!(export["events"][3]["response"].get("rule").is_none());
    assert_eq!(export["events"][3]["response"]["answer_mode"], "status_503");
    server.stop().await;
}

#[tokio::test]
async fn every_template_source_renders_and_missing_values_are_noted() {
    let config = from_file(
        "templates",
        r#"
[[answer]]
name = "xml challenge"
when = "path:/xml-flow"
content_type = "text/plain"
body = "{{xml.notification.challenge}}"

[[answer]]
name = "echo"
when = "path:/echo"
headers = { "X-Capture" = "{{id}}", "X-Flow" = "{{header.X-Flow}}" }
body = '{"id":{{id}},"q":"{{query.token}}","j":"{{json.data.items.1}}","n":{{json.n}},"b":"{{base64 query.token}}","now":"{{now}}","uuid":"{{uuid}}"}'

[[answer]]
name = "missing"
when = "path:/missing"
body = "[{{json.nope.deeper}}][{{header.x-absent}}]"
"#,
    );
    let server = start(config).await;

    // The XML example of the Prismatic trigger document: the challenge echoed as text.
    let xml = b"<notification>\n  <challenge>3f2a9c7e-challenge</challenge>\n</notification>";
    let (status, headers, body) = send_full(
        server.addr,
        "POST",
        "/xml-flow",
        &[("content-type", b"application/xml")],
        xml,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(&body[..], b"3f2a9c7e-challenge");
    assert_eq!(header(&headers, "content-type"), "text/plain");

    let (status, headers, body) = send_full(
        server.addr,
        "POST",
        "/echo?token=a%20b",
        &[("content-type", b"application/json"), ("x-flow", b"f-7")],
        br#"{"data":{"items":["x","y"]},"n":5}"#,
    )
    .await;
    assert_eq!(status, 200);
    let echo: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(echo["id"], 2, "the capture id");
    assert_eq!(header(&headers, "x-capture"), "2");
    assert_eq!(header(&headers, "x-flow"), "f-7");
    assert_eq!(header(&headers, "content-type"), "application/json");
    assert_eq!(echo["q"], "a b");
    assert_eq!(echo["j"], "y");
    assert_eq!(echo["n"], 5);
    assert_eq!(echo["b"], "YSBi");
    assert!(
        chrono::DateTime::parse_from_rfc3339(echo["now"].as_str().unwrap()).is_ok(),
        "{echo}"
    );
    assert_eq!(echo["uuid"].as_str().unwrap().len(), 36);

    let missing = post(server.addr, "/missing", "application/json", b"{}").await;
    assert_eq!(&missing.body[..], b"[][]");

    server.wait_received(3).await;
    let export = export_json(&server.store);
    let events = export["events"].as_array().unwrap();
    // The body recorded is the body sent, the id in it.
    assert_eq!(
        events[1]["response"]["body"].as_str().unwrap(),
        std::str::from_utf8(&body).unwrap()
    );
    let codes: Vec<(&str, &str)> = events[2]["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["code"].as_str().unwrap(), a["message"].as_str().unwrap()))
        .collect();
    assert_eq!(codes.len(), 2, "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|(code, _)| *code == "template_value_missing")
    );
    assert!(codes[0].1.contains("{{json.nope.deeper}}"), "{codes:?}");
    assert!(codes[1].1.contains("{{header.x-absent}}"), "{codes:?}");
    assert!(events[1]["anomalies"].as_array().unwrap().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn rule_answers_survive_export_and_import_byte_for_byte() {
    let config = from_file(
        "roundtrip",
        r#"
[[answer]]
name = "ids"
when = "method:post"
body = '{"id":{{id}}}'
"#,
    );
    let server = start(config).await;
    post(server.addr, "/a", "text/plain", b"x").await;
    post(server.addr, "/b", "text/plain", b"y").await;
    server.wait_received(2).await;
    let events = server.store.snapshot();
    let write = |events: &mut dyn Iterator<Item = &hookscope::event::CapturedEvent>| {
        let mut out = Vec::new();
        hookscope::export::write_export(
            &mut out,
            server.store.stats(),
            chrono::DateTime::UNIX_EPOCH,
            events,
        )
        .unwrap();
        out
    };
    let first = write(&mut events.iter().map(|e| e.as_ref()));
    let loaded = hookscope::export::import(&first).unwrap();
    let second = write(&mut loaded.events.iter());
    assert_eq!(
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&second)
    );
    assert_eq!(loaded.events[1].response.rule(), Some("ids"));

    // HAR carries it as `_rule`, and reads it back.
    let mut har = Vec::new();
    hookscope::export::har::write_har(&mut har, events.iter().map(|e| e.as_ref())).unwrap();
    let text = String::from_utf8(har.clone()).unwrap();
    assert_eq!(text.matches(r#""_rule":"ids""#).count(), 2, "{text}");
    let read = hookscope::export::import(&har).unwrap().events;
    assert_eq!(read[0].response.rule(), Some("ids"));
    assert_eq!(
        read[1]
            .response
            .sent_parts(read[1].id)
            .unwrap()
            .body
            .as_ref(),
        format!(r#"{{"id":{}}}"#, events[1].id).as_bytes()
    );
    server.stop().await;
}

#[test]
fn a_bad_rule_is_refused_at_start_naming_the_rule_and_its_line() {
    for (name, text, says) in [
        (
            "status-term",
            "port = 0\n\n[[answer]]\nname = \"late\"\nwhen = \"path:/x status:5xx\"\n",
            "line 5: answer rule 'late': when: 'status:5xx' is known only after the answer",
        ),
        (
            "bad-query",
            "[[answer]]\nwhen = \"sev:loud\"\n",
            "line 2: answer rule 'rule 1': when: sev:loud is not a severity",
        ),
        (
            "unknown-key",
            "[[answer]]\nwhen = \"path:/a\"\n\n[[answer]]\nname = \"second\"\nwhen = \"path:/b\"\nstauts = 400\n",
            "line 7: answer rule 'second': unknown field `stauts`",
        ),
        (
            "template",
            "[[answer]]\nwhen = \"path:/a\"\nbody = \"{{secret}}\"\n",
            "line 3: answer rule 'rule 1': body: {{secret}} is not a template value",
        ),
    ] {
        let file = ConfigFile::new(name, text);
        let output = Command::new(env!("CARGO_BIN_EXE_hookscope"))
            .env_remove("HOOKSCOPE_CONFIG")
            .args(["--headless", "--port", "0", "--config"])
            .arg(&file.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
    }
}

/// The rules file of docs/configuration.md is read as written.
#[test]
fn the_documented_rules_file_loads() {
    let doc = include_str!("../docs/configuration.md");
    let from = doc.find("### Answer rules").unwrap();
    let block = &doc[from..];
    let start = block.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + block[start..].find("```").unwrap();
    let config = from_file("documented", &block[start..end]);
    let names: Vec<&str> = config.answer.rules.iter().map(|r| &*r.name).collect();
    assert_eq!(
        names,
        [
            "prismatic malformed",
            "prismatic xml challenge",
            "prismatic",
            "video app",
            "wms slow"
        ]
    );
}

/// `--answer-as prismatic`: the four behaviours of the Prismatic trigger document over real
/// HTTP.
#[tokio::test]
async fn the_prismatic_profile_answers_as_the_document_says() {
    let args = ListenArgs {
        answer_as: Some("prismatic".into()),
        ..ListenArgs::default()
    };
    let (config, _) = ListenConfig::resolve(&args, |_| None).unwrap();
    let server = start(ListenConfig {
        port: 0,
        header_timeout: Duration::from_millis(500),
        ..config
    })
    .await;

    // 200 with an execution id, base64 of a unique id.
    let answer = post(server.addr, "/trigger/flow-a==", "application/json", b"{}").await;
    assert_eq!(answer.status, 200);
    let id = answer.json()["executionId"].as_str().unwrap().to_owned();
    use base64::Engine as _;
    assert!(
        base64::engine::general_purpose::STANDARD
            .decode(&id)
            .is_ok()
    );
    let other = post(server.addr, "/trigger/flow-a==", "application/json", b"{}").await;
    assert_ne!(other.json()["executionId"].as_str().unwrap(), id);

    // 400 for a JSON content type with a body that is not JSON.
    let (status, headers, body) = send_full(
        server.addr,
        "POST",
        "/trigger/flow-a==",
        &[("content-type", b"application/json")],
        b"{bad-data",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        &body[..],
        br#"{"error":"Received malformed JSON payload."}"#
    );
    assert_eq!(header(&headers, "content-type"), "application/json");

    // GET, as applications that verify an endpoint send: 200.
    let (status, _, body) = send_full(server.addr, "GET", "/trigger/flow-a==", &[], b"").await;
    assert_eq!(status, 200);
    let verified: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(verified["executionId"].is_string());

    // 429 at the 51st request within a second to one path; another path is still answered.
    // The burst is sent all at once, so that it fits in the second even on a busy machine.
    let started = std::time::Instant::now();
    let burst = (0..51).map(|_| post(server.addr, "/trigger/burst==", "application/json", b"{}"));
    let mut statuses: Vec<u16> = futures_util::future::join_all(burst)
        .await
        .iter()
        .map(|answer| answer.status)
        .collect();
    // Which of the 51 came last is up to the network: one of them is refused.
    statuses.sort_unstable();
    let other = post(server.addr, "/trigger/calm==", "application/json", b"{}").await;
    let (status, _, body) = send_full(
        server.addr,
        "POST",
        "/trigger/burst==",
        &[("content-type", b"application/json")],
        b"{}",
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "53 loopback requests took {:?}: too slow to judge a limit per second",
        started.elapsed()
    );
    assert!(statuses[..50].iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(statuses[50], 429, "{statuses:?}");
    assert_eq!(other.status, 200, "another path is answered");
    assert_eq!(status, 429);
    assert_eq!(
        std::str::from_utf8(&body).unwrap(),
        r#"{"error":"Endpoint with id: burst== has exceeded maximum allowed throughput of 50 requests/second. Please throttle your requests."}"#
    );

    server.wait_received(57).await;
    let events = server.store.snapshot();
    let rule = |i: usize| events[i].response.rule().unwrap_or("").to_owned();
    assert_eq!(rule(0), "prismatic");
    assert_eq!(rule(2), "prismatic malformed");
    assert_eq!(rule(54), "prismatic throttle");
    let throttled = (0..events.len())
        .filter(|&i| rule(i) == "prismatic throttle")
        .count();
    assert_eq!(throttled, 2, "one of the burst, and the request after it");
    server.stop().await;
}

#[test]
fn an_unknown_profile_names_the_ones_there_are() {
    let args = ListenArgs {
        answer_as: Some("acme".into()),
        ..ListenArgs::default()
    };
    let err = ListenConfig::resolve(&args, |_| None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "--answer-as acme: no such profile or file; profiles: prismatic, prism, prism-video, wms"
        ),
        "{err}"
    );
}

/// A copied profile is a rules file: read from its path, its errors named by its line.
#[test]
fn a_copied_profile_is_read_from_its_path() {
    let copy =
        include_str!("../profiles/prismatic.toml").replace("above_rate = 50", "above_rate = 5");
    let file = ConfigFile::new("profile-copy", &copy);
    let args = ListenArgs {
        answer_as: Some(file.0.to_string_lossy().into_owned()),
        ..ListenArgs::default()
    };
    let (config, _) = ListenConfig::resolve(&args, |_| None).unwrap();
    assert_eq!(config.answer.rules[0].above_rate, Some(5));
    let broken = ConfigFile::new(
        "profile-broken",
        "[[answer]]\nname = \"x\"\nwhen = \"retry\"\n",
    );
    let args = ListenArgs {
        answer_as: Some(broken.0.to_string_lossy().into_owned()),
        ..ListenArgs::default()
    };
    let err = ListenConfig::resolve(&args, |_| None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 3: answer rule 'x': when: 'retry'"),
        "{err}"
    );
}

fn profile(name: &str, forward: Option<String>) -> ListenConfig {
    let args = ListenArgs {
        answer_as: Some(name.into()),
        forward_to: forward.map(|url| url.parse().unwrap()),
        ..ListenArgs::default()
    };
    let (config, _) = ListenConfig::resolve(&args, |_| None).unwrap();
    ListenConfig {
        port: 0,
        header_timeout: Duration::from_millis(500),
        ..config
    }
}

/// `--answer-as prism`, `wms`: the configured answer (200), the app's behind `--forward-to`,
/// the rule named on each answer, and the header says what the documents say of answers.
#[tokio::test]
async fn the_prism_and_wms_profiles_answer_200_and_say_how_the_sender_treats_answers() {
    for (name, note) in [
        (
            "prism",
            "answer 200, rules 1 · Prism re-sends a non-2xx answer at once, after 5 s and after 30 s",
        ),
        (
            "wms",
            "answer 200, rules 1 · WMS documents no answer and no retries",
        ),
    ] {
        let server = start(profile(name, None)).await;
        assert_eq!(server.policy.describe(), note);
        // What a narrow header keeps: the answer and the rule count, without the note.
        let (kept, _) = note
            .split_once(hookscope::answer::REASON_SEPARATOR)
            .unwrap();
        assert_eq!(kept, "answer 200, rules 1");
        let answer = post(
            server.addr,
            "/hooks",
            "application/json",
            PRISM_SCAN.as_bytes(),
        )
        .await;
        assert_eq!(answer.status, 200);
        server.wait_received(1).await;
        let event = server.store.snapshot()[0].clone();
        assert_eq!(event.response.rule(), Some(name));
        server.stop().await;
    }
    // With an app behind --forward-to, the app answers.
    let app = start_app(202, r#"{"ok":true}"#, Duration::ZERO).await;
    let server = start(profile("prism", Some(format!("http://{}/app", app.addr)))).await;
    assert!(
        server.policy.describe().starts_with("forward → http://"),
        "{}",
        server.policy.describe()
    );
    let answer = post(
        server.addr,
        "/hooks",
        "application/json",
        PRISM_SCAN.as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 202);
    assert_eq!(app.received.lock().unwrap().len(), 1);
    server.stop().await;
}

/// `--answer-as prism-video`: an answer slower than the document's 5 s (here the app's) is
/// noted on its event; a quick one is not.
#[tokio::test]
async fn the_prism_video_profile_notes_an_answer_slower_than_5_s() {
    let config = profile("prism-video", None);
    assert_eq!(
        config.answer.rules[0].warn_after,
        Some(Duration::from_secs(5))
    );
    // The same rule with a shorter deadline, so that the test does not wait 5 s.
    let copy = include_str!("../profiles/prism-video.toml").replace("\"5s\"", "\"300ms\"");
    let file = ConfigFile::new("video-copy", &copy);
    let slow_app = start_app(200, "{}", Duration::from_millis(600)).await;
    let args = ListenArgs {
        answer_as: Some(file.0.to_string_lossy().into_owned()),
        forward_to: Some(format!("http://{}/app", slow_app.addr).parse().unwrap()),
        ..ListenArgs::default()
    };
    let (config, _) = ListenConfig::resolve(&args, |_| None).unwrap();
    let server = start(ListenConfig {
        port: 0,
        header_timeout: Duration::from_millis(500),
        ..config
    })
    .await;
    assert_eq!(
        server.policy.describe().rsplit(" · ").next(),
        Some("Prism video asks for a 200 within 5 s")
    );
    let video = r#"{"event":"video.completed","timestamp":"2026-12-02T10:00:00Z","data":{"id":"gen_1","status":"completed"}}"#;
    let answer = post(
        server.addr,
        "/hooks/video",
        "application/json",
        video.as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200);
    server.wait_received(1).await;
    let event = server.store.snapshot()[0].clone();
    let codes: Vec<&str> = event.analysis.anomalies.iter().map(|a| a.code()).collect();
    assert!(codes.contains(&"answer_too_slow"), "{codes:?}");
    let message = event
        .analysis
        .anomalies
        .iter()
        .find(|a| a.code() == "answer_too_slow")
        .unwrap()
        .message();
    assert!(
        message.contains("rule 'prism-video' expects an answer within 0.3 s"),
        "{message}"
    );
    assert!(event.analysis.severity >= hookscope::event::Severity::Warn);
    server.stop().await;

    // Quick: nothing noted.
    let server = start(profile("prism-video", None)).await;
    let answer = post(
        server.addr,
        "/hooks/video",
        "application/json",
        video.as_bytes(),
    )
    .await;
    assert_eq!(answer.status, 200);
    server.wait_received(1).await;
    let event = server.store.snapshot()[0].clone();
    assert!(
        event
            .analysis
            .anomalies
            .iter()
            .all(|a| a.code() != "answer_too_slow")
    );
    assert_eq!(event.response.rule(), Some("prism-video"));
    server.stop().await;
}
