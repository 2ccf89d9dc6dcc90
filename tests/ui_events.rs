//! The Events list tells what hookscope found about each event on its row: two WMS sessions
//! interleaved (one with a non-ASCII body and a severity that contradicts the documents) and a
//! Prism scan, recorded through the real decoder and analysis and drawn by the real event loop
//! at 80x24, 120x40 and 200x50; `f` selecting a session or scan that has just begun; the help
//! at 80x24 with every line whole and the schemes that have secrets.

mod ui_support;

use chrono::{DateTime, Duration, Utc};
use hookscope::decode::signature::{Secret, Secrets, sign};
use hookscope::event::SignatureScheme;
use hookscope::ingest::Recorder;
use hookscope::simulate::Scenario;
use hookscope::store::{Limits, Store};
use hookscope::ui::action::ViewId;
use std::sync::Arc;
use ui_support::*;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

/// The session with the non-ASCII body and the severity mismatch.
const ALICE: &str = "a11ce0c0ffee4e55b0d1e5a5e55104a1";
/// The session interleaved with it, one number missing.
const BOB: &str = "b0b5e55104b0b0b0b1e2c3d4e5f60718";
const SECRET: &str = "wms-test-secret";

fn name(base: &str, width: u16, height: u16) -> String {
    format!("{base}_{width}x{height}")
}

fn secrets() -> Secrets {
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new(SECRET));
    secrets
}

/// A WMS delivery of `session`, signed with the test secret, as the listener decodes it.
fn wms(
    recorder: &Recorder,
    session: &str,
    seq: u64,
    event: &str,
    severity: &str,
    payload: &str,
    at: DateTime<Utc>,
) {
    let body = format!(
        r#"{{"timestamp":{},"sessionId":"{session}","sequence":{seq},"event":"{event}","severity":"{severity}","payload":{payload}}}"#,
        at.timestamp() - 1
    );
    let mut headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("user-agent".to_owned(), "WMS-Webhook/2.3".to_owned()),
    ];
    for (name, value) in sign(SignatureScheme::Wms, SECRET, body.as_bytes(), 0, "") {
        headers.push((name.to_owned(), value));
    }
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let event = request("POST", "/hooks/wms", &pairs, body.as_bytes());
    record_checked_at(recorder, event, at, &secrets());
}

/// Two WMS sessions taking turns, a Prism scan between them; the time of the last event.
fn mixed(recorder: &Recorder, start: DateTime<Utc>) -> DateTime<Utc> {
    let m = r#""measurementId":"5f0c2a9e-77d1-4c3b-9a8e-1d2c3b4a5f60""#;
    let alice: Vec<(u64, &str, &str, String)> = vec![
        (0, "WMS_LOADED", "INFO", "{}".into()),
        (1, "CONFIGURATION_LOADED", "INFO", "{}".into()),
        (2, "CAMERA_PERMISSION_GRANTED", "INFO", "{}".into()),
        // Non-ASCII: the MAC matches the raw bytes, the vendor's sample code would reject it.
        (
            3,
            "CAMERA_STARTED",
            "INFO",
            r#"{"details":"caméra prête"}"#.into(),
        ),
        // The documents say INFO.
        (4, "MEASUREMENT_STARTED", "WARN", "{}".into()),
        (5, "MEASUREMENT_CREATED", "INFO", format!("{{{m}}}")),
    ];
    let bob: Vec<(u64, &str, &str, String)> = vec![
        (0, "WMS_LOADED", "INFO", "{}".into()),
        (1, "CONFIGURATION_LOADED", "INFO", "{}".into()),
        (2, "CAMERA_PERMISSION_GRANTED", "INFO", "{}".into()),
        // 3 never arrives.
        (
            4,
            "PAGE_VISIBILITY_CHANGE",
            "INFO",
            r#"{"state":"VISIBLE"}"#.into(),
        ),
        (5, "MEASUREMENT_CREATED", "INFO", format!("{{{m}}}")),
    ];
    let scan = hookscope::simulate::deliveries(&[Scenario::PrismScan], &Secrets::default(), start);
    let scan: Vec<_> = scan.into_iter().take(4).collect();
    let mut at = start;
    let step = Duration::milliseconds(400);
    let mut scan = scan.into_iter();
    for i in 0..alice.len().max(bob.len()) {
        for (session, events) in [(ALICE, &alice), (BOB, &bob)] {
            if let Some((seq, event, severity, payload)) = events.get(i) {
                wms(recorder, session, *seq, event, severity, payload, at);
                at += step;
            }
        }
        if i % 2 == 1
            && let Some(delivery) = scan.next()
        {
            let headers: Vec<(&str, &str)> = delivery
                .headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let event = request(&delivery.method, &delivery.path, &headers, &delivery.body);
            record_at(recorder, event, at);
            at += step;
        }
    }
    at - step
}

fn recorder() -> (Arc<Store>, Arc<Recorder>) {
    let store = Arc::new(Store::new(Limits {
        capacity: 1_000,
        max_bytes: u64::MAX,
    }));
    let recorder = Arc::new(Recorder::new(Arc::clone(&store), None).unwrap());
    (store, recorder)
}

fn links(recorder: &Arc<Recorder>) -> hookscope::ui::app::Links {
    hookscope::ui::app::Links {
        recorder: Some(Arc::clone(recorder)),
        policy: None,
    }
}

/// The screen's line holding `needle`.
fn row(screen: &Screen, needle: &str) -> String {
    screen
        .text()
        .lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}:\n{}", screen.text()))
        .to_owned()
}

#[tokio::test]
async fn an_events_row_tells_the_whole_story_at_every_width() {
    for (w, h) in SIZES {
        let (store, recorder) = recorder();
        let last = mixed(&recorder, traffic_start());
        let mut screen = Screen::new(store, live_source(), w, h)
            .with_links(links(&recorder))
            .at(last + Duration::seconds(1));
        screen.send(vec![]).await;
        let text = screen.text();
        // The non-ASCII body: its sequence number and the anomaly, a glyph and the code.
        let ascii = row(&screen, "CAMERA_STARTED");
        let severity = row(&screen, "MEASUREMENT_STARTED");
        if w >= 200 {
            assert!(ascii.contains("3 ⚠ wms_ascii_mismatch"), "{ascii}");
            assert!(severity.contains("⚠ severity_mismatch"), "{severity}");
        } else {
            assert!(ascii.contains("3 ⚠ wms_ascii"), "{ascii}");
            assert!(severity.contains("4 ⚠ severity"), "{severity}");
        }
        // Bob's missing number keeps its glyph and words.
        assert!(text.contains("⚠ gap 3"), "{text}");
        // Which session a row belongs to: the short id, as the Sessions view writes it at its
        // narrowest, or whole when there is room; hidden first at 80 columns.
        let ids = [(ALICE, "a11ce0c0ffee4e5…"), (BOB, "b0b5e55104b0b0b…")];
        for (id, short) in ids {
            let shown = if w >= 200 { id } else { short };
            match w {
                80 => assert!(!text.contains(&id[..10]), "{text}"),
                _ => assert!(text.contains(shown), "{shown} at {w}:\n{text}"),
            }
        }
        if w >= 120 {
            assert!(ascii.contains("a11ce0c0ffee4e5"), "{ascii}");
            assert!(row(&screen, "⚠ gap 3").contains("b0b5e55104b0b0b"));
        }
        // The scan: its id in the column, or in the note when the column is hidden.
        assert!(text.contains("prism "), "{text}");
        insta::assert_snapshot!(name("events_whole_story", w, h), screen.terminal.backend());
    }
}

/// Between the widths where ids are cut and where they fit whole, the id column keeps the
/// short id and gives the rest to the kind rather than pad a cut id.
#[tokio::test]
async fn a_cut_id_is_not_padded() {
    let (store, recorder) = recorder();
    let last = mixed(&recorder, traffic_start());
    for width in [136, 140, 146] {
        let mut screen = Screen::new(Arc::clone(&store), live_source(), width, 30)
            .with_links(links(&recorder))
            .at(last + Duration::seconds(1));
        screen.send(vec![]).await;
        let ascii = row(&screen, "CAMERA_STARTED");
        assert!(
            ascii.contains("a11ce0c0ffee4e5… CAMERA_STARTED") || ascii.contains(ALICE),
            "{width}: {ascii}"
        );
    }
}

#[tokio::test]
async fn following_selects_a_session_or_scan_that_has_just_begun() {
    let (store, recorder) = recorder();
    let last = mixed(&recorder, traffic_start());
    let mut screen = Screen::new(Arc::clone(&store), live_source(), 120, 40)
        .with_links(links(&recorder))
        .at(last + Duration::seconds(1));
    // Sessions: the most recently seen is selected; the user moves to the other one.
    screen.send(keys("2")).await;
    let selected = |screen: &Screen| {
        screen
            .app
            .views
            .sessions
            .cursor
            .selected
            .clone()
            .unwrap_or_default()
    };
    assert_eq!(selected(&screen), ALICE);
    screen.send(keys("j")).await;
    assert_eq!(selected(&screen), BOB);
    // An event of a known session moves nothing.
    wms(
        &recorder,
        ALICE,
        6,
        "INTERMEDIATE_RESULTS",
        "INFO",
        r#"{"measurementId":"m","snr":60,"sequence":1}"#,
        last + Duration::seconds(1),
    );
    screen.send(vec![]).await;
    assert_eq!(selected(&screen), BOB);
    // A new session: selected at once, though another session got an event after it.
    let carol = "c0c0a11ce5e55104c0c0a11ce5e55104";
    wms(
        &recorder,
        carol,
        0,
        "WMS_LOADED",
        "INFO",
        "{}",
        last + Duration::seconds(2),
    );
    wms(
        &recorder,
        BOB,
        6,
        "INTERMEDIATE_RESULTS",
        "INFO",
        r#"{"measurementId":"m","snr":60,"sequence":1}"#,
        last + Duration::seconds(3),
    );
    screen.send(vec![]).await;
    assert_eq!(selected(&screen), carol);
    assert!(
        row(&screen, "▶").contains("c0c0a11ce5e55104"),
        "{}",
        screen.text()
    );

    // Timelines: a scan that begins is selected too, even while another view shows.
    screen.send(keys("1")).await;
    let scan = hookscope::simulate::deliveries(
        &[Scenario::PrismFailure],
        &Secrets::default(),
        last + Duration::seconds(4),
    );
    let first = scan.into_iter().next().unwrap();
    let headers: Vec<(&str, &str)> = first
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let event = request(&first.method, &first.path, &headers, &first.body);
    let scan_id = {
        record_at(&recorder, event, last + Duration::seconds(4));
        store
            .snapshot()
            .last()
            .and_then(|e| e.analysis.subject.scan_id.clone())
            .expect("a scan id")
    };
    screen.send(keys("3")).await;
    assert_eq!(screen.app.view, ViewId::TIMELINES);
    let timeline = screen.app.views.timelines.cursor.selected.clone();
    assert_eq!(timeline.map(|(_, id)| id), Some(scan_id.to_string()));

    // Follow off: a new session stays unselected.
    screen.send(keys("2f")).await;
    assert!(!screen.app.views.events.follow);
    let before = selected(&screen);
    wms(
        &recorder,
        "d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0",
        0,
        "WMS_LOADED",
        "INFO",
        "{}",
        last + Duration::seconds(5),
    );
    screen.send(vec![]).await;
    assert_eq!(selected(&screen), before);
}

#[tokio::test]
async fn the_help_reads_whole_at_80x24_and_names_the_secrets_loaded() {
    use hookscope::ui::help;
    use hookscope::ui::theme::Theme;
    use ratatui::layout::Rect;
    // Every line of every view's help fits the overlay at 80 columns: long ones wrap.
    let text_width = 80 - 4 - 4;
    for &view in ViewId::ALL {
        let lines = help::lines(view, &[], text_width, &Theme::default());
        for line in &lines {
            assert!(line.width() <= text_width, "{view:?}: {line}");
        }
        assert!(help::max_scroll(view, &[], Rect::new(0, 0, 80, 24)) > 0);
    }
    // The end of the Events help (its signs), wrapped under their text.
    let store = store_with(sample_events(), 100);
    let mut screen = Screen::new(Arc::clone(&store), live_source(), 80, 24);
    screen.send(keys("?G")).await;
    let text = screen.text();
    assert!(
        text.contains("no secrets: signatures show ? (no secret)"),
        "{text}"
    );
    assert!(text.contains("⚠ gap (numbers missing)"), "{text}");
    assert!(!text.contains("… │"), "a cut line:\n{text}");
    insta::assert_snapshot!("help_signs_80x24", screen.terminal.backend());
    // With secrets: the schemes and how many, in the help and, where room, the header.
    let mut secrets = secrets();
    secrets.add(SignatureScheme::Wms, Secret::new("wms-rotated-secret"));
    secrets.add(SignatureScheme::Prism, Secret::new("prism-test-secret"));
    for (w, h) in [(80, 24), (200, 50)] {
        let mut screen = Screen::new(Arc::clone(&store), live_source(), w, h);
        screen.app = screen.app.with_secrets(secrets.clone());
        screen.send(keys("?")).await;
        let text = screen.text();
        assert!(text.contains("secrets: prism 1, wms 2"), "{text}");
        for secret in [SECRET, "wms-rotated-secret", "prism-test-secret"] {
            assert!(!text.contains(secret), "{text}");
        }
        let header = text.lines().next().unwrap_or_default().to_owned();
        assert_eq!(header.contains("secrets"), w >= 200, "{header}");
    }
}
