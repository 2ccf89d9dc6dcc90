//! Realistic captured events for the interface's tests and screenshots, built from the vendor
//! documents (a WMS session with a gap and a late event, a Prism scan whose body creation
//! failed, a video event with a bad signature, a Hosted API retry carrying a userToken, and
//! Prismatic-style generic requests), and a driver that runs the real event loop on a
//! `TestBackend` with scripted keys.
#![allow(dead_code)] // each test binary uses its own subset

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use hookscope::event::build::EventBuilder;
use hookscope::event::{
    Anomaly, BodyKind, BodyPart, CapturedEvent, HeaderList, Provider, Redelivery, ResponseInfo,
    SequenceInfo, SequenceStatus, Severity, Signature, SignatureScheme, SignatureVerdict, Subject,
    SubjectIds,
};
use hookscope::store::{Limits, Stats, Store};
use hookscope::ui::app::{App, Source};
use hookscope::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    Event as TermEvent, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

pub const SESSION: &str = "ryueiwoqfh910fu3rpqruvfiu";
pub const MEASUREMENT: &str = "fbfbec8f-cb05-4288-99e5-5e219648399a";
pub const SCAN: &str = "scan-7f3a9c";

pub fn live_source() -> Source {
    Source::Live {
        addr: SocketAddr::from(([127, 0, 0, 1], 8765)),
        answer: "answer 200".into(),
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 11).unwrap() + Duration::milliseconds(204)
}

/// An event as the listener would store it, before analysis.
pub fn request(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> CapturedEvent {
    let pairs: Vec<(&[u8], &[u8])> = headers
        .iter()
        .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
        .collect();
    EventBuilder::new(0)
        .received_at(start())
        .remote_addr("127.0.0.1:53122")
        .method(method)
        .path(path)
        .headers(HeaderList::from_pairs(pairs))
        .body(Bytes::copy_from_slice(body))
        .body_kind(if body.is_empty() {
            BodyKind::Empty
        } else {
            BodyKind::Json
        })
        .response(ResponseInfo::local(200, 0.3))
        .build()
}

fn wms(
    seq: u64,
    event: &str,
    severity: Severity,
    payload: &str,
    status: SequenceStatus,
    missing: Vec<u64>,
) -> CapturedEvent {
    let body = format!(
        r#"{{"timestamp":1795356131,"sessionId":"{SESSION}","sequence":{seq},"event":"{event}","severity":"{}","payload":{payload}}}"#,
        severity.as_str().to_uppercase()
    );
    let mut e = request(
        "POST",
        "/hooks/wms",
        &[
            ("host", "127.0.0.1:8765"),
            ("user-agent", "WMS-Webhook/2.3"),
            ("content-type", "application/json"),
            ("content-length", &body.len().to_string()),
            (
                "x-wms-content-mac",
                "hmac-sha256=1f46bc1cc5a45591b9ebfc09e5baa3965b5e46c4ebabf380826e2b62950ea07b",
            ),
        ],
        body.as_bytes(),
    );
    e.analysis.provider = Provider::Wms;
    e.analysis.kind = Some(event.into());
    e.analysis.severity = severity;
    e.analysis.signature = Signature {
        scheme: Some(SignatureScheme::Wms),
        verdict: SignatureVerdict::Valid,
        note: Some("X-WMS-Content-MAC matches the raw body bytes (secret 1 of 1).".into()),
    };
    e.analysis.sequence = Some(SequenceInfo {
        seq,
        status,
        missing: missing.clone().into(),
    });
    e.analysis.subject = Subject::shared(SubjectIds {
        session_id: Some(SESSION.into()),
        measurement_id: payload
            .contains("measurementId")
            .then(|| MEASUREMENT.into()),
        ..SubjectIds::default()
    });
    if status == SequenceStatus::Gap {
        let list: Vec<String> = missing.iter().map(u64::to_string).collect();
        e.analysis.anomalies.push(Anomaly::text(
            "sequence_gap",
            format!(
                "Sequence numbers {} of session {SESSION} have not arrived.",
                list.join(", ")
            ),
        ));
    }
    e
}

fn prism(event_type: &str, state: &str, extra: &str, severity: Severity) -> CapturedEvent {
    let body = format!(
        r#"{{"eventType":"{event_type}","payload":{{"scanId":"{SCAN}","state":"{state}"{extra}}}}}"#
    );
    let mut e = request(
        "POST",
        "/hooks/prism",
        &[
            ("host", "hooks.example.dev"),
            ("content-type", "application/json"),
            ("content-length", &body.len().to_string()),
            (
                "x-prism-signature",
                "2ac2fd3b5ea5702056d99785c2b1db6c7f18df63b97affc6dd8ca46dabcefb94",
            ),
        ],
        body.as_bytes(),
    );
    e.analysis.provider = Provider::Prism;
    e.analysis.kind = Some(event_type.into());
    e.analysis.severity = severity;
    e.analysis.signature = Signature {
        scheme: Some(SignatureScheme::Prism),
        verdict: SignatureVerdict::Valid,
        note: Some("X-Prism-Signature matches the raw body (secret 1 of 1).".into()),
    };
    e.analysis.subject.scan_id = Some(SCAN.into());
    e
}

/// Twenty events of a realistic afternoon, ids 1 to 20, about 0.3 s apart.
pub fn sample_events() -> Vec<CapturedEvent> {
    use SequenceStatus::*;
    use Severity::*;
    let mid = format!(r#"{{"measurementId":"{MEASUREMENT}"}}"#);
    let snr = |snr: u32, seq: u64| {
        format!(r#"{{"measurementId":"{MEASUREMENT}","snr":{snr},"sequence":{seq}}}"#)
    };
    let mut events = vec![
        wms(0, "WMS_LOADED", Info, "{}", First, vec![]),
        wms(1, "CONFIGURATION_LOADED", Info, "{}", InOrder, vec![]),
        wms(2, "CAMERA_PERMISSION_GRANTED", Info, "{}", InOrder, vec![]),
        wms(3, "CAMERA_STARTED", Info, "{}", InOrder, vec![]),
        wms(4, "MEASUREMENT_STARTED", Info, "{}", InOrder, vec![]),
        wms(5, "MEASUREMENT_CREATED", Info, &mid, InOrder, vec![]),
        wms(
            6,
            "INTERMEDIATE_RESULTS",
            Info,
            &snr(100, 1),
            InOrder,
            vec![],
        ),
        prism(
            "capture_data.validation.started",
            "SCAN_VALIDATING_CAPTURE_DATA",
            "",
            Info,
        ),
        wms(
            9,
            "INTERMEDIATE_RESULTS",
            Info,
            &snr(97, 4),
            Gap,
            vec![7, 8],
        ),
        prism(
            "capture_data.validation.succeeded",
            "SCAN_CAPTURE_DATA_VALID",
            "",
            Info,
        ),
        wms(7, "INTERMEDIATE_RESULTS", Info, &snr(98, 2), Late, vec![]),
        prism("body.creation.started", "ASSET_PROCESSING", "", Info),
        prism(
            "body.creation.failed",
            "ASSET_FAILED",
            r#","error":{"id":42,"code":"MESH_ERROR","message":"Mesh could not be fitted to the capture data"}"#,
            Error,
        ),
    ];
    events[12].analysis.anomalies.push(Anomaly::text("job_failed", "body.creation failed: error 42 MESH_ERROR, \"Mesh could not be fitted to the capture data\"."));
    // A video event whose signature does not verify.
    let video_body = r#"{"event":"video.completed","timestamp":"2026-11-22T14:02:14Z","data":{"id":"gen_abc123xyz","status":"completed","prompt":"A serene mountain lake at sunset","provider":"runway","duration":6,"video_url":"https://storage.prism.video/videos/gen_abc123xyz.mp4"}}"#;
    let mut video = request(
        "POST",
        "/webhooks/prism",
        &[
            ("host", "hooks.example.dev"),
            ("content-type", "application/json"),
            (
                "x-prism-signature",
                "9d1f0c6e5b1a2d3c4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5",
            ),
        ],
        video_body.as_bytes(),
    );
    video.analysis.provider = Provider::PrismVideo;
    video.analysis.kind = Some("video.completed".into());
    video.analysis.signature = Signature {
        scheme: Some(SignatureScheme::Prism),
        verdict: SignatureVerdict::Invalid,
        note: Some(
            "X-Prism-Signature does not match HMAC-SHA256 of the raw body with any of the 2 prism secrets."
                .into(),
        ),
    };
    video.analysis.subject.video_id = Some("gen_abc123xyz".into());
    video.analysis.sent_at = Some(Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 14).unwrap());
    events.push(video);

    // The Hosted API retrying an event that was answered 503, with a credential in it.
    let mut retry = prism(
        "scan.processing.succeeded",
        "READY",
        r#","userId":"usr_5521","userToken":"ut_live_9f8e7d6c5b4a""#,
        Info,
    );
    retry.analysis.redelivery = Some(Box::new(Redelivery {
        retry: 1,
        first_id: 14,
        delay_ms: 5012.0,
        previous_id: 14,
        previous_status: 503,
        schedule: Some("Prism re-sends after 5 s: on time.".into()),
    }));
    events.push(retry);

    let mut constraint = wms(10, "CONSTRAINT_VIOLATION", Error, &mid, InOrder, vec![]);
    constraint.response.status = 503;
    events.push(constraint);

    let mut verify = request(
        "GET",
        "/prismatic/trigger",
        &[
            ("host", "hooks.example.dev"),
            ("user-agent", "Prismatic/1.0"),
        ],
        b"",
    );
    verify.set_query(Some("challenge=3c5e1b&flow=onboarding".into()));
    verify.analysis.body_kind = BodyKind::Empty;
    events.push(verify);

    let boundary = "----hookscope7MA4YWxk";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nquarterly export\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.csv\"\r\nContent-Type: text/csv\r\n\r\nid,total\n1,42\r\n--{boundary}--\r\n"
    );
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let mut upload = request(
        "POST",
        "/prismatic/upload",
        &[
            ("host", "hooks.example.dev"),
            ("content-type", &content_type),
        ],
        multipart.as_bytes(),
    );
    upload.analysis.body_kind = BodyKind::Multipart;
    let note_at = multipart.find("quarterly").unwrap() as u64;
    let file_at = multipart.find("id,total").unwrap() as u64;
    upload.analysis.parts = vec![
        BodyPart {
            name: Some("note".into()),
            filename: None,
            content_type: None,
            offset: note_at,
            size: 16,
        },
        BodyPart {
            name: Some("file".into()),
            filename: Some("report.csv".into()),
            content_type: Some("text/csv".into()),
            offset: file_at,
            size: 13,
        },
    ]
    .into();
    events.push(upload);

    let png: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa\x00\x00\x00\x19tEXtSoftware\x00hookscope";
    let mut binary = request(
        "POST",
        "/prismatic/image",
        &[("host", "hooks.example.dev"), ("content-type", "image/png")],
        png,
    );
    binary.analysis.body_kind = BodyKind::Binary;
    events.push(binary);

    let mut big = request(
        "POST",
        "/prismatic/bulk",
        &[
            ("host", "hooks.example.dev"),
            ("content-type", "application/json"),
            ("content-length", "20971520"),
        ],
        br#"{"rows":[{"id":1,"name":"a"},{"id":2,"#,
    );
    big.set_body_size(20 * 1024 * 1024);
    big.truncated = true;
    big.response.status = 413;
    big.analysis.severity = Warn;
    big.analysis.anomalies.push(Anomaly::text(
        "body_too_large",
        "The body was over the size limit: answered 413, only its first bytes kept.",
    ));
    events.push(big);

    for (i, e) in events.iter_mut().enumerate() {
        e.id = i as u64 + 1;
        e.received_at = start() + Duration::milliseconds(i as i64 * 311 + (i as i64 * 37) % 90);
        if e.analysis.provider == Provider::Wms {
            e.analysis.sent_at = Some(Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 11).unwrap());
        }
    }
    events
}

/// A request crafted to attack the terminal: escape sequences, bidi overrides and control
/// characters in the path, a header and the body.
pub fn hostile_event(id: u64) -> CapturedEvent {
    let mut e = request(
        "POST",
        "/x\u{1b}]2;pwned\u{7}/\u{1b}[2J",
        &[
            ("x-title", "\u{1b}]0;owned\u{7}"),
            ("content-type", "text/plain"),
        ],
        "clear\u{1b}[2J\u{1b}[31mred\u{202e}txt.exe\r\nbell\u{7}".as_bytes(),
    );
    e.id = id;
    e.analysis.body_kind = BodyKind::Text;
    e
}

/// A store holding `events` (ids kept), roomy enough for more.
pub fn store_with(events: Vec<CapturedEvent>, capacity: usize) -> Arc<Store> {
    let n = events.len() as u64;
    Arc::new(Store::from_events(
        Limits {
            capacity,
            max_bytes: u64::MAX,
        },
        events,
        Stats {
            received: n,
            stored: n,
            evicted: 0,
            rejected: 0,
        },
    ))
}

pub fn key(code: KeyCode) -> TermEvent {
    TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> TermEvent {
    TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Key events typing `text` (`⏎` is Enter, `⎋` Esc, `⇥` Tab, `↓`/`↑`/`→`/`←` arrows).
pub fn keys(text: &str) -> Vec<TermEvent> {
    text.chars()
        .map(|c| {
            key(match c {
                '⏎' => KeyCode::Enter,
                '⎋' => KeyCode::Esc,
                '⇥' => KeyCode::Tab,
                '↓' => KeyCode::Down,
                '↑' => KeyCode::Up,
                '→' => KeyCode::Right,
                '←' => KeyCode::Left,
                c => KeyCode::Char(c),
            })
        })
        .collect()
}

pub fn click(column: u16, row: u16) -> TermEvent {
    TermEvent::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    })
}

/// The app and a test terminal of the given size, ready to run.
pub struct Screen {
    pub app: App,
    pub terminal: Terminal<TestBackend>,
    pub store: Arc<Store>,
    pub theme: Theme,
    pub copied: Vec<String>,
    pub frames: u64,
}

impl Screen {
    pub fn new(store: Arc<Store>, source: Source, width: u16, height: u16) -> Screen {
        Screen {
            app: App::new(source, Rect::new(0, 0, width, height), std::env::temp_dir()),
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
            store,
            theme: Theme::default(),
            copied: Vec::new(),
            frames: 0,
        }
    }

    /// Gives the interface a recorder and an answer policy.
    pub fn with_links(mut self, links: hookscope::ui::app::Links) -> Screen {
        self.app = self.app.with_links(links);
        self
    }

    /// Fixes the interface's clock (ages, running jobs).
    pub fn at(mut self, now: DateTime<Utc>) -> Screen {
        self.app.clock = Some(now);
        self
    }

    pub fn with_theme(mut self, theme: Theme) -> Screen {
        self.theme = theme;
        self
    }

    pub fn export_to(mut self, dir: PathBuf) -> Screen {
        self.app.export_dir = dir;
        self
    }

    /// Runs the real event loop over these inputs, until they run out or the app quits.
    pub async fn send(&mut self, inputs: Vec<TermEvent>) -> &mut Screen {
        let stream = futures_util::stream::iter(inputs.into_iter().map(Ok::<_, io::Error>));
        let copied = &mut self.copied;
        let mut clipboard = |text: &str| copied.push(text.to_owned());
        let report = hookscope::ui::run(
            &mut self.terminal,
            stream,
            Arc::clone(&self.store),
            &mut self.app,
            &self.theme,
            &mut clipboard,
        )
        .await
        .unwrap();
        self.frames += report.frames;
        self
    }

    /// The screen as text, one line per row.
    pub fn text(&self) -> String {
        let buffer = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buffer.area.height {
            let mut line = String::new();
            for x in 0..buffer.area.width {
                line.push_str(buffer[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn buffer(&self) -> &ratatui::buffer::Buffer {
        self.terminal.backend().buffer()
    }
}

/// Simulated vendor traffic as the listener records it: each delivery of `scenarios` decoded
/// and recorded (analysis, store) at `step` intervals from `start`, but for the last `hold_back`
/// deliveries, which never arrive (a session or a job still running).
pub fn record_scenarios(
    recorder: &hookscope::ingest::Recorder,
    scenarios: &[hookscope::simulate::Scenario],
    start: DateTime<Utc>,
    step: Duration,
    hold_back: usize,
) -> DateTime<Utc> {
    let secrets = hookscope::decode::signature::Secrets::default();
    // Paced as they are recorded, so that WMS stamps are the time of delivery and the lag shown
    // is what a live capture shows.
    let rate = 1000.0 / step.num_milliseconds().max(1) as f64;
    let deliveries = hookscope::simulate::paced_deliveries(scenarios, &secrets, start, rate);
    let keep = deliveries.len().saturating_sub(hold_back);
    let mut at = start;
    for delivery in deliveries.into_iter().take(keep) {
        let headers: Vec<(&str, &str)> = delivery
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let (path, query) = match delivery.path.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (delivery.path.clone(), None),
        };
        let mut event = request(&delivery.method, &path, &headers, &delivery.body);
        event.set_query(query.map(Into::into));
        record_at(recorder, event, at);
        at += step;
    }
    at - step
}

/// Decodes `event` as the listener does and records it as received at `at`.
pub fn record_at(recorder: &hookscope::ingest::Recorder, event: CapturedEvent, at: DateTime<Utc>) {
    record_checked_at(
        recorder,
        event,
        at,
        &hookscope::decode::signature::Secrets::default(),
    );
}

/// Like [`record_at`], its signature checked with `secrets`.
pub fn record_checked_at(
    recorder: &hookscope::ingest::Recorder,
    mut event: CapturedEvent,
    at: DateTime<Utc>,
    secrets: &hookscope::decode::signature::Secrets,
) {
    event.received_at = at;
    let decoded = hookscope::decode::analyse(
        &hookscope::decode::RequestView {
            method: &event.method,
            path: &event.path,
            headers: &event.headers,
            body: &event.body,
            truncated: false,
        },
        secrets,
        at,
    );
    event.analysis = decoded.analysis;
    recorder.record(event, &decoded.facts);
}

/// The moment the traffic of `analysed_traffic` starts.
pub fn traffic_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 14, 1, 2).unwrap()
}

/// A recorder holding the simulator's traffic: videos, failing and succeeding scans (one still
/// processing), WMS sessions that end badly and one measurement still running with a gap.
/// Returns the store, the links for the interface, and the time of the last event.
pub fn analysed_traffic() -> (Arc<Store>, hookscope::ui::app::Links, DateTime<Utc>) {
    use hookscope::simulate::Scenario;
    let store = Arc::new(Store::new(Limits {
        capacity: 10_000,
        max_bytes: u64::MAX,
    }));
    let recorder = Arc::new(hookscope::ingest::Recorder::new(Arc::clone(&store), None).unwrap());
    let mut at = traffic_start();
    for (scenario, step, hold_back) in [
        (Scenario::Video, 4_000, 0),
        (Scenario::PrismFailure, 2_600, 0),
        (Scenario::PrismScan, 1_900, 1),
        (Scenario::WmsTrouble, 700, 0),
        (Scenario::Wms, 450, 12),
    ] {
        at = record_scenarios(
            &recorder,
            &[scenario],
            at,
            Duration::milliseconds(step),
            hold_back,
        ) + Duration::milliseconds(step);
    }
    let links = hookscope::ui::app::Links {
        recorder: Some(recorder),
        policy: None,
    };
    (store, links, at)
}

/// The id of the session [`troubled_session`] records.
pub const TROUBLED: &str = "b0a7c1d2e3f40516273849505a6b7c8d";

/// One more WMS session after [`analysed_traffic`], signed with a WMS secret and checked with
/// it: numbers 0 to 9, one a second from `start`, each received 1.2 s after its `timestamp`;
/// 4 never arrives, 6 arrives late (after 8, 2.6 s after its timestamp), 8 carries a MAC that
/// does not match its body, and 3 has a non-ASCII body. Still measuring: returns the time of
/// its last event.
pub fn troubled_session(
    recorder: &hookscope::ingest::Recorder,
    start: DateTime<Utc>,
) -> DateTime<Utc> {
    use hookscope::decode::signature::{Secret, Secrets, sign};
    use hookscope::event::SignatureScheme;
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new("wms-test-secret"));
    let start = start.with_nanosecond(0).unwrap_or(start);
    let m = r#""measurementId":"5f0c2a9e-77d1-4c3b-9a8e-1d2c3b4a5f60""#;
    let events: [(u64, &str, String); 9] = [
        (0, "WMS_LOADED", "{}".into()),
        (1, "CONFIGURATION_LOADED", "{}".into()),
        (2, "CAMERA_PERMISSION_GRANTED", "{}".into()),
        (
            3,
            "CAMERA_STARTED",
            r#"{"details":"caméra prête — 1080p"}"#.into(),
        ),
        (5, "MEASUREMENT_CREATED", format!("{{{m}}}")),
        (
            7,
            "INTERMEDIATE_RESULTS",
            format!(r#"{{{m},"snr":61,"sequence":2}}"#),
        ),
        (
            8,
            "INTERMEDIATE_RESULTS",
            format!(r#"{{{m},"snr":67,"sequence":3}}"#),
        ),
        (
            6,
            "INTERMEDIATE_RESULTS",
            format!(r#"{{{m},"snr":55,"sequence":1}}"#),
        ),
        (
            9,
            "INTERMEDIATE_RESULTS",
            format!(r#"{{{m},"snr":72,"sequence":4}}"#),
        ),
    ];
    let mut last = start;
    for (seq, name, payload) in events {
        let sent = start + Duration::seconds(seq as i64);
        let at = match seq {
            6 => start + Duration::milliseconds(8_600),
            _ => sent + Duration::milliseconds(1_200),
        };
        let body = format!(
            r#"{{"timestamp":{},"sessionId":"{TROUBLED}","sequence":{seq},"event":"{name}","severity":"INFO","payload":{payload}}}"#,
            sent.timestamp()
        );
        let mut headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("user-agent".to_owned(), "WMS-Webhook/2.3".to_owned()),
        ];
        for (name, value) in sign(
            SignatureScheme::Wms,
            "wms-test-secret",
            body.as_bytes(),
            0,
            "",
        ) {
            let value = if seq == 8 {
                format!("hmac-sha256={}", "0".repeat(64))
            } else {
                value
            };
            headers.push((name.to_owned(), value));
        }
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let event = request("POST", "/hooks/wms", &pairs, body.as_bytes());
        record_checked_at(recorder, event, at, &secrets);
        last = last.max(at);
    }
    last
}
