//! Comparing two events (`=` or Space marks, `d` compares), driven through the real event loop
//! over events the real decoder and analysis recorded: a WMS conflict against the event first
//! sent with its number, a redelivery against the delivery before, a marked event against the
//! selected one, and `userToken` values masked in the comparison.

mod ui_support;

use std::sync::Arc;

use chrono::Duration;
use hookscope::event::SequenceStatus;
use hookscope::ingest::Recorder;
use hookscope::store::{Limits, Store};
use hookscope::ui::app::{Links, Mode};
use ratatui::crossterm::event::KeyCode;
use ui_support::*;

const WMS_HEADERS: &[(&str, &str)] = &[
    ("host", "127.0.0.1:8765"),
    ("user-agent", "WMS-Webhook/2.3"),
    ("content-type", "application/json"),
];

fn wms_body(seq: u64, payload: &str) -> String {
    format!(
        r#"{{"timestamp":{},"sessionId":"{SESSION}","sequence":{seq},"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{payload}}}"#,
        1_795_356_131 + seq
    )
}

/// A request to record: path, headers, body.
type Sent<'a> = (&'a str, &'a [(&'a str, &'a str)], String);

/// A store and recorder holding what the analysis made of `requests`.
fn recorded(requests: &[Sent]) -> (Arc<Store>, Links) {
    let store = Arc::new(Store::new(Limits {
        capacity: 100,
        max_bytes: u64::MAX,
    }));
    let recorder = Arc::new(Recorder::new(Arc::clone(&store), None).unwrap());
    let mut at = traffic_start();
    for (path, headers, body) in requests {
        record_at(
            &recorder,
            request("POST", path, headers, body.as_bytes()),
            at,
        );
        at += Duration::milliseconds(350);
    }
    let links = Links {
        recorder: Some(recorder),
        policy: None,
    };
    (store, links)
}

/// Four WMS events of one session, the last sending number 1 again with another body.
fn conflict() -> (Arc<Store>, Links) {
    recorded(&[
        ("/hooks/wms", WMS_HEADERS, wms_body(0, r#"{"snr":41}"#)),
        (
            "/hooks/wms",
            WMS_HEADERS,
            wms_body(
                1,
                &format!(r#"{{"measurementId":"{MEASUREMENT}","snr":55}}"#),
            ),
        ),
        ("/hooks/wms", WMS_HEADERS, wms_body(2, r#"{"snr":58}"#)),
        (
            "/hooks/wms",
            WMS_HEADERS,
            wms_body(
                1,
                &format!(r#"{{"measurementId":"{MEASUREMENT}","snr":61,"details":{{"faces":2}}}}"#),
            ),
        ),
    ])
}

fn diff_title(screen: &Screen) -> Option<String> {
    match &screen.app.mode {
        Mode::Diff(view) => Some(view.title.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn d_on_a_conflict_compares_it_with_the_event_first_sent_with_its_number() {
    let (store, links) = conflict();
    let last = store.get(4).unwrap();
    assert_eq!(
        last.analysis.sequence.as_ref().map(|s| s.status),
        Some(SequenceStatus::Conflict)
    );
    for (w, h) in [(80, 24), (120, 40)] {
        let mut screen =
            Screen::new(Arc::clone(&store), live_source(), w, h).with_links(links.clone());
        // The newest, the conflict, is selected: no mark is needed.
        screen.send(keys("d")).await;
        assert_eq!(diff_title(&screen).as_deref(), Some(" #2 → #4 "));
        let text = screen.text();
        assert!(text.contains("conflict: #4 came with sequence 1"), "{text}");
        assert!(text.contains("payload.snr: 55 → 61"), "{text}");
        assert!(
            text.contains("payload.details  added  {\"faces\":2}"),
            "{text}"
        );
        insta::assert_snapshot!(format!("diff_conflict_{w}x{h}"), screen.terminal.backend());
        // It scrolls, and Esc closes it.
        screen.send(keys("jjjjjjjjjj")).await;
        if let Mode::Diff(view) = &screen.app.mode {
            assert!(view.scroll > 0 || h == 40, "scrolled {}", view.scroll);
            assert!(view.scroll <= view.lines.len());
        }
        screen.send(vec![key(KeyCode::Esc)]).await;
        assert_eq!(screen.app.mode, Mode::Normal);
    }
}

#[tokio::test]
async fn a_marked_event_is_compared_with_the_selected_one() {
    let (store, links) = conflict();
    let mut screen = Screen::new(store, live_source(), 120, 40).with_links(links);
    // Mark #1 (three up from the newest), then select #3.
    screen.send(keys("kkk=")).await;
    assert_eq!(screen.app.views.events.mark.map(|(_, id)| id), Some(1));
    let text = screen.text();
    assert!(text.contains("= #1 marked: d compares"), "{text}");
    // Once another is selected, the marked row leads with `=`.
    screen.send(keys("jj")).await;
    let text = screen.text();
    let row = text
        .lines()
        .find(|line| line.contains("14:01:02.000"))
        .unwrap();
    assert!(row.starts_with("│=14:01:02.000"), "{row}");
    screen.send(keys("d")).await;
    assert_eq!(diff_title(&screen).as_deref(), Some(" #1 → #3 "));
    let text = screen.text();
    assert!(text.contains("the marked event #1 (left) against the selected #3"));
    assert!(text.contains("sequence: 0 → 2"), "{text}");
    assert!(text.contains("payload.snr: 41 → 58"), "{text}");
    // d again closes; the mark stays until = on it again.
    screen.send(keys("d")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    screen.send(keys("kk ")).await;
    assert_eq!(screen.app.views.events.mark, None);
    assert!(!screen.text().contains("marked: d compares"));
}

#[tokio::test]
async fn a_redelivery_is_compared_with_the_delivery_before_and_found_identical() {
    let body = r#"{"type":"order.paid","id":"o-1"}"#.to_owned();
    let json: &[(&str, &str)] = &[("content-type", "application/json")];
    let (store, links) = recorded(&[
        ("/hooks/shop", json, body.clone()),
        ("/hooks/other", json, r#"{"n":1}"#.to_owned()),
        ("/hooks/shop", json, body),
    ]);
    let again = store.get(3).unwrap();
    assert_eq!(
        again.analysis.redelivery.as_ref().map(|r| r.previous_id),
        Some(1)
    );
    let mut screen = Screen::new(store, live_source(), 80, 24).with_links(links);
    screen.send(keys("d")).await;
    assert_eq!(diff_title(&screen).as_deref(), Some(" #1 → #3 "));
    let text = screen.text();
    assert!(
        text.contains("redelivery: #3 delivers again the body of #1"),
        "{text}"
    );
    assert!(text.contains("Identical requests"), "{text}");
    assert!(text.contains("identical, 32 bytes"), "{text}");
}

#[tokio::test]
async fn d_with_no_mark_on_an_ordinary_event_says_how() {
    let (store, links) = recorded(&[("/a", &[], "x".to_owned())]);
    let mut screen = Screen::new(store, live_source(), 80, 24).with_links(links);
    screen.send(keys("d")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert!(
        screen.text().contains("mark an event with ="),
        "{}",
        screen.text()
    );
    // Marking the only event and pressing d asks for another.
    screen.send(keys("=d")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert!(
        screen.text().contains("select another"),
        "{}",
        screen.text()
    );
}

#[tokio::test]
async fn user_tokens_and_hostile_text_are_masked_and_escaped_in_the_comparison() {
    let json: &[(&str, &str)] = &[("content-type", "application/json")];
    let (store, links) = recorded(&[
        (
            "/hook",
            json,
            r#"{"userToken":"secret-one","nested":{"userToken":"inner-one"},"note":"a"}"#
                .to_owned(),
        ),
        (
            "/hook",
            &[("content-type", "application/json"), ("usertoken", "hdr-secret")],
            r#"{"userToken":"secret-two","extra":{"userToken":"inner-two"},"note":"\u001b[31mred"}"#
                .to_owned(),
        ),
    ]);
    let mut screen = Screen::new(store, live_source(), 120, 40).with_links(links);
    screen.send(keys("k=jd")).await;
    assert_eq!(diff_title(&screen).as_deref(), Some(" #1 → #2 "));
    let Mode::Diff(view) = &screen.app.mode else {
        panic!("no comparison open");
    };
    let all: String = view.lines.iter().map(|l| l.text() + "\n").collect();
    for secret in [
        "secret-one",
        "secret-two",
        "inner-one",
        "inner-two",
        "hdr-secret",
    ] {
        assert!(!all.contains(secret), "{secret} shown:\n{all}");
    }
    assert!(all.contains("userToken: •••• → ••••"), "{all}");
    assert!(
        all.contains(r#"extra  added  {"userToken":"••••"}"#),
        "{all}"
    );
    assert!(!all.contains('\u{1b}'), "{all}");
    // With the tokens revealed in the detail (u), the comparison shows them.
    screen.send(vec![key(KeyCode::Esc)]).await;
    screen.send(keys("⏎ud")).await;
    let Mode::Diff(view) = &screen.app.mode else {
        panic!("no comparison open");
    };
    let all: String = view.lines.iter().map(|l| l.text() + "\n").collect();
    assert!(all.contains("secret-two"), "{all}");
}
