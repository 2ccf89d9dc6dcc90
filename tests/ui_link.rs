//! An event and the copies hookscope re-sent of it (`E`, `hookscope send`) find each other,
//! driven through the real event loop over events the real decoder and analysis recorded: the
//! detail names the copies on the original and the original on a copy, the list marks a copy
//! as re-sent rather than as a conflict, and `d` on either side compares the two, as it does
//! from an earlier delivery to its redelivery.

mod ui_support;

use std::sync::Arc;

use chrono::Duration;
use hookscope::event::{CapturedEvent, SequenceStatus};
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

fn wms_body(seq: u64, snr: u32) -> String {
    format!(
        r#"{{"timestamp":{},"sessionId":"{SESSION}","sequence":{seq},"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{{"snr":{snr}}}}}"#,
        1_795_356_131 + seq
    )
}

fn wms(seq: u64, snr: u32) -> CapturedEvent {
    request(
        "POST",
        "/hooks/wms",
        WMS_HEADERS,
        wms_body(seq, snr).as_bytes(),
    )
}

/// `event` as hookscope's re-send of the event with id `from`.
fn resent(mut event: CapturedEvent, from: u64, edited: bool) -> CapturedEvent {
    event.set_resent(std::num::NonZeroU64::new(from), edited);
    event
}

/// A store and recorder holding what the analysis made of `events`, 350 ms apart.
fn recorded(events: Vec<CapturedEvent>) -> (Arc<Store>, Arc<Recorder>, Links) {
    let store = Arc::new(Store::new(Limits {
        capacity: 100,
        max_bytes: u64::MAX,
    }));
    let recorder = Arc::new(Recorder::new(Arc::clone(&store), None).unwrap());
    let mut at = traffic_start();
    for event in events {
        record_at(&recorder, event, at);
        at += Duration::milliseconds(350);
    }
    let links = Links {
        recorder: Some(Arc::clone(&recorder)),
        policy: None,
    };
    (store, recorder, links)
}

/// Three WMS events of one session, then number 1 re-sent by hookscope with another SNR.
fn resent_conflict() -> (Arc<Store>, Arc<Recorder>, Links) {
    recorded(vec![
        wms(0, 41),
        wms(1, 55),
        wms(2, 58),
        resent(wms(1, 61), 2, true),
    ])
}

fn diff_title(screen: &Screen) -> Option<String> {
    match &screen.app.mode {
        Mode::Diff(view) => Some(view.title.clone()),
        _ => None,
    }
}

/// The detail's lines as one text, wrapped sentences joined again.
fn detail_text(screen: &Screen) -> String {
    let lines: Vec<String> = screen
        .app
        .views
        .events
        .detail
        .lines
        .iter()
        .map(|line| line.text().trim().to_owned())
        .collect();
    lines.join(" ")
}

/// The list row of the event with this id.
fn row(text: &str, id: u64) -> String {
    text.lines()
        .find(|line| line.contains(&format!(" {id} POST")))
        .unwrap_or_else(|| panic!("no row #{id} in\n{text}"))
        .to_owned()
}

#[tokio::test]
async fn the_original_names_its_copies_and_a_copy_its_original() {
    let (store, recorder, links) = resent_conflict();
    let mut screen = Screen::new(Arc::clone(&store), live_source(), 120, 40).with_links(links);
    // #2, the original: its Analysis tab names the edited copy.
    screen.send(keys("kk⏎lll")).await;
    let text = screen.text();
    assert!(
        text.contains("Resends      resent as #4 (edited)"),
        "{text}"
    );
    // Another copy, not edited, arrives while the detail is open: the line follows.
    record_at(
        &recorder,
        resent(wms(1, 55), 2, false),
        traffic_start() + Duration::seconds(3),
    );
    screen.send(vec![]).await;
    let text = screen.text();
    assert!(
        text.contains("Resends      resent as #4 (edited), #5"),
        "{text}"
    );
    // The copy names its original.
    screen.send(keys("⇥jj")).await;
    let text = screen.text();
    assert!(
        text.contains("resent from #2 by hookscope, edited"),
        "{text}"
    );
    assert!(!text.contains("Resends      resent as"), "{text}");
}

#[tokio::test]
async fn the_original_counts_many_copies_and_names_the_newest() {
    let mut events = vec![wms(0, 41)];
    events.extend((0..5).map(|i| resent(wms(0, 42 + i), 1, i % 2 == 0)));
    let (store, _, links) = recorded(events);
    let mut screen = Screen::new(store, live_source(), 160, 40).with_links(links);
    screen.send(keys("g⏎lll")).await;
    let text = screen.text();
    assert!(
        text.contains("Resends      5 copies, the newest #4 (edited), #5, #6 (edited)"),
        "{text}"
    );
}

#[tokio::test]
async fn a_resent_copy_is_marked_as_such_in_the_list_not_as_a_conflict() {
    let (store, _, links) = resent_conflict();
    let copy = store.get(4).unwrap();
    // The analysis sees a conflict: the same number with another body.
    assert_eq!(
        copy.analysis.sequence.as_ref().map(|s| s.status),
        Some(SequenceStatus::Conflict)
    );
    let mut screen = Screen::new(Arc::clone(&store), live_source(), 120, 40).with_links(links);
    screen.send(vec![]).await;
    let text = screen.text();
    let copy_row = row(&text, 4);
    assert!(copy_row.contains("↪ resent #2 edited"), "{copy_row}");
    assert!(!copy_row.contains("conflict"), "{copy_row}");
    // The original keeps its own note.
    assert!(row(&text, 2).contains(" 1 "), "{}", row(&text, 2));
    insta::assert_snapshot!("link_resent_row_120x40", screen.terminal.backend());
    // The detail words the conflict as what the user asked for.
    screen.send(keys("⏎lll")).await;
    let text = detail_text(&screen);
    assert!(
        text.contains("≠ 1 again with a different body: expected, hookscope re-sent #2 edited"),
        "{text}"
    );
}

#[tokio::test]
async fn a_copy_resent_unedited_reads_as_resent_not_as_a_redelivery() {
    let body = r#"{"type":"order.paid","id":"o-1"}"#;
    let json: &[(&str, &str)] = &[("content-type", "application/json")];
    let (store, _, links) = recorded(vec![
        request("POST", "/hooks/shop", json, body.as_bytes()),
        resent(
            request("POST", "/hooks/shop", json, body.as_bytes()),
            1,
            false,
        ),
    ]);
    // The analysis counts the copy as a retry of the same body.
    assert!(store.get(2).unwrap().analysis.redelivery.is_some());
    let mut screen = Screen::new(store, live_source(), 160, 40).with_links(links);
    screen.send(vec![]).await;
    let text = screen.text();
    let copy_row = row(&text, 2);
    assert!(copy_row.contains("↪ resent #1"), "{copy_row}");
    assert!(!copy_row.contains("retry"), "{copy_row}");
    screen.send(keys("⏎lll")).await;
    let text = detail_text(&screen);
    assert!(
        text.contains("after the first delivery: expected, hookscope re-sent #1"),
        "{text}"
    );
}

#[tokio::test]
async fn d_on_an_earlier_delivery_compares_it_with_its_redelivery() {
    let body = r#"{"type":"order.paid","id":"o-1"}"#;
    let json: &[(&str, &str)] = &[("content-type", "application/json")];
    let (store, _, links) = recorded(vec![
        request("POST", "/hooks/shop", json, body.as_bytes()),
        request("POST", "/hooks/other", json, br#"{"n":1}"#),
        request("POST", "/hooks/shop", json, body.as_bytes()),
        request("POST", "/hooks/other", json, br#"{"n":2}"#),
    ]);
    let mut screen = Screen::new(store, live_source(), 80, 24).with_links(links);
    screen.send(keys("gd")).await;
    assert_eq!(diff_title(&screen).as_deref(), Some(" #1 → #3 "));
    let text = screen.text();
    assert!(
        text.contains("redelivery: #3 delivers again the body of #1"),
        "{text}"
    );
    // #2 has no later delivery of its body: nothing to compare.
    screen.send(vec![key(KeyCode::Esc)]).await;
    screen.send(keys("jd")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert!(screen.text().contains("mark an event with ="));
}

#[tokio::test]
async fn d_on_the_event_first_sent_with_a_number_compares_it_with_the_conflict() {
    let (store, _, links) = recorded(vec![wms(0, 41), wms(1, 55), wms(2, 58), wms(1, 61)]);
    let mut screen = Screen::new(store, live_source(), 80, 24).with_links(links);
    screen.send(keys("kkd")).await;
    assert_eq!(diff_title(&screen).as_deref(), Some(" #2 → #4 "));
    let text = screen.text();
    assert!(text.contains("conflict: #4 came with sequence 1"), "{text}");
    assert!(text.contains("payload.snr: 55 → 61"), "{text}");
}

#[tokio::test]
async fn d_compares_a_copy_and_its_original_from_either_side() {
    let json: &[(&str, &str)] = &[("content-type", "application/json")];
    let (store, _, links) = recorded(vec![
        request("POST", "/hook", json, br#"{"amount":100}"#),
        request("POST", "/other", json, br#"{"n":1}"#),
        resent(
            request("POST", "/hook", json, br#"{"amount":250}"#),
            1,
            true,
        ),
    ]);
    let mut screen = Screen::new(store, live_source(), 80, 24).with_links(links);
    // On the copy: against the event it was re-sent from.
    screen.send(keys("d")).await;
    assert_eq!(diff_title(&screen).as_deref(), Some(" #1 → #3 "));
    let text = screen.text();
    assert!(
        text.contains("resent: #3 is hookscope's copy of #1, edited"),
        "{text}"
    );
    assert!(text.contains("amount: 100 → 250"), "{text}");
    // On the original: against its copy.
    screen.send(vec![key(KeyCode::Esc)]).await;
    screen.send(keys("gd")).await;
    assert_eq!(diff_title(&screen).as_deref(), Some(" #1 → #3 "));
    // And the same for a WMS conflict that a re-send made: the copy is what it is compared as.
    let (store, _, links) = resent_conflict();
    let mut screen = Screen::new(store, live_source(), 80, 24).with_links(links);
    screen.send(keys("kkd")).await;
    assert_eq!(diff_title(&screen).as_deref(), Some(" #2 → #4 "));
    assert!(
        screen
            .text()
            .contains("resent: #4 is hookscope's copy of #2, edited"),
        "{}",
        screen.text()
    );
}

#[tokio::test]
async fn o_jumps_between_a_copy_and_its_original() {
    let (store, _, links) = resent_conflict();
    let mut screen = Screen::new(store, live_source(), 120, 40).with_links(links);
    let selected = |screen: &Screen| {
        screen
            .app
            .views
            .events
            .selected_event
            .as_ref()
            .map(|e| e.id)
    };
    // From the copy to its original, and back to its newest copy.
    screen.send(keys("o")).await;
    assert_eq!(selected(&screen), Some(2));
    assert!(
        screen.text().contains("#2, which #4 was resent from"),
        "{}",
        screen.text()
    );
    screen.send(keys("o")).await;
    assert_eq!(selected(&screen), Some(4));
    // An event with neither says so.
    screen.send(keys("g")).await;
    screen.send(keys("o")).await;
    assert_eq!(selected(&screen), Some(1));
    assert!(
        screen
            .text()
            .contains("#1 was not resent, nor resent from another"),
        "{}",
        screen.text()
    );
}

#[tokio::test]
async fn in_a_file_of_two_runs_a_copy_finds_its_original_in_its_own_run() {
    // Two runs appended to one log: ids 1-2, then 1-2 again, the last a copy of the second #1.
    let json: &[(&str, &str)] = &[("content-type", "application/json")];
    let mut events = Vec::new();
    for (id, body) in [(1, "first run"), (2, "x"), (1, "second run"), (2, "copy")] {
        let mut event = request(
            "POST",
            "/hook",
            json,
            format!(r#"{{"n":"{body}"}}"#).as_bytes(),
        );
        event.id = id;
        events.push(event);
    }
    events[3] = resent(events[3].clone(), 1, true);
    let store = store_with(events, 10);
    let source = hookscope::ui::app::Source::File {
        name: "two-runs.jsonl".into(),
    };
    let mut screen = Screen::new(store, source, 100, 30);
    screen.send(keys("Gd")).await;
    let text = screen.text();
    assert!(text.contains(r#"n: "second run" → "copy""#), "{text}");
    // o goes to it, and back.
    screen.send(vec![key(KeyCode::Esc)]).await;
    screen.send(keys("o")).await;
    assert_eq!(screen.app.views.events.selected, Some(3));
    screen.send(keys("o")).await;
    assert_eq!(screen.app.views.events.selected, Some(4));
}
