//! The Timelines view with Prism traffic that has more to tell than its lanes: a scan whose
//! failed body creation was re-sent three times on the documented schedule and whose fitted body
//! "succeeded" with `ASSET_FAILED`, a scan whose processing started and never ended (stuck), and
//! the demo's retrying sender (one ending re-sent for 35 s). Recorded through the real decoder
//! and analysis, drawn by the real event loop at 80x24, 120x40 and 200x50.

mod ui_support;

use chrono::{DateTime, Duration, Utc};
use hookscope::event::Severity;
use hookscope::simulate::Scenario;
use hookscope::store::{Limits, Store};
use hookscope::ui::theme::Theme;
use ratatui::style::Color;
use std::sync::Arc;
use ui_support::*;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

/// Re-sends after a failed answer as the Hosted API guide documents them: "immediately upon
/// failure, then again after 5 and then 30 seconds" (here 0.2 s, 5.1 s and 30.1 s after the
/// delivery before).
const RESENDS_S: [f64; 3] = [0.2, 5.3, 35.4];

/// Every delivery of the scenarios, in time order, with the status hookscope answered: the
/// bodies to be re-sent are answered 503 until their last re-send.
fn traffic(start: DateTime<Utc>) -> Vec<(DateTime<Utc>, CapturedRequest)> {
    let secrets = hookscope::decode::signature::Secrets::default();
    let mut out = Vec::new();
    let mut at = start;
    for (scenario, hold_back) in [
        (Scenario::PrismScan, 1),
        (Scenario::PrismFailure, 0),
        (Scenario::Retry, 0),
    ] {
        let deliveries = hookscope::simulate::deliveries(&[scenario], &secrets, start);
        let keep = deliveries.len() - hold_back;
        for delivery in deliveries.into_iter().take(keep) {
            let body = String::from_utf8_lossy(&delivery.body).into_owned();
            let resent = delivery.retries || body.contains("\"body.creation.failed\"");
            let sends = if resent { RESENDS_S.len() + 1 } else { 1 };
            for i in 0..sends {
                let when = match i {
                    0 => at,
                    i => at + Duration::milliseconds((RESENDS_S[i - 1] * 1000.0) as i64),
                };
                let status = if resent && i + 1 < sends { 503 } else { 200 };
                out.push((
                    when,
                    CapturedRequest {
                        method: delivery.method.clone(),
                        path: delivery.path.clone(),
                        headers: delivery.headers.clone(),
                        body: delivery.body.to_vec(),
                        status,
                    },
                ));
            }
            at += Duration::seconds(2);
        }
    }
    out.sort_by_key(|(when, _)| *when);
    out
}

struct CapturedRequest {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    status: u16,
}

/// The traffic recorded by a real recorder; the time of its last event.
fn recorded() -> (Arc<Store>, hookscope::ui::app::Links, DateTime<Utc>) {
    let store = Arc::new(Store::new(Limits {
        capacity: 10_000,
        max_bytes: u64::MAX,
    }));
    let recorder = Arc::new(hookscope::ingest::Recorder::new(Arc::clone(&store), None).unwrap());
    let mut last = traffic_start();
    for (when, sent) in traffic(traffic_start()) {
        let headers: Vec<(&str, &str)> = sent
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let mut event = request(&sent.method, &sent.path, &headers, &sent.body);
        event.response.status = sent.status;
        record_at(&recorder, event, when);
        last = when;
    }
    let links = hookscope::ui::app::Links {
        recorder: Some(recorder),
        policy: None,
    };
    (store, links, last)
}

/// The Timelines view `later` after the last event, after `keys`.
async fn shot(width: u16, height: u16, later: Duration, input: &str) -> Screen {
    let (store, links, last) = recorded();
    let mut screen = Screen::new(store, live_source(), width, height)
        .with_links(links)
        .at(last + later);
    screen.send(keys(input)).await;
    screen
}

/// The row of the list that holds `id`.
fn row(screen: &Screen, id: &str) -> String {
    screen
        .text()
        .lines()
        .find(|l| l.contains(id) && !l.contains("╭"))
        .unwrap_or_else(|| panic!("no row for {id}:\n{}", screen.text()))
        .to_owned()
}

const SIX_MINUTES: Duration = Duration::minutes(6);

#[tokio::test]
async fn every_fact_of_a_scan_is_on_its_row_at_each_size() {
    for (w, h) in SIZES {
        // The failed scan selected: its re-sends, its contradiction, the stuck and retried rows.
        let screen = shot(w, h, SIX_MINUTES, "3j").await;
        let text = screen.text();
        let failed = row(&screen, "scan-e41d0b77");
        assert!(failed.contains("✖ body failed"), "{failed}");
        assert!(failed.contains("↻3"), "{failed}");
        assert!(failed.contains("ASSET_FAILED"), "{failed}");
        assert!(failed.contains("succeeded"), "{failed}");
        let stuck = row(&screen, "scan-11b2e0d4");
        assert!(stuck.contains("⚠ processing stuck 6 min"), "{stuck}");
        let retried = row(&screen, "scan-5a5a5a5a");
        assert!(retried.contains("↻3 retried 35 s"), "{retried}");
        assert!(retried.contains("✓ done"), "{retried}");
        // The lanes: the failed ending marked with its re-sends, the contradiction in words.
        let (_, lane) = find(&screen, "body.creation ");
        assert!(lane.contains("✖ 2.0 s ASSET_FAILED ↻3"), "{lane}");
        let (_, lane) = find(&screen, "fitted_body.creation ");
        assert!(lane.contains("⚠ – succeeded but ASSET_FAILED"), "{lane}");
        assert!(!lane.contains('✓'), "{lane}");
        assert!(
            text.contains("↻ body.creation.failed sent 4 times over 35 s"),
            "{text}"
        );
        assert!(text.contains("on schedule"), "{text}");
        insta::assert_snapshot!(
            format!("timelines_whole_story_{w}x{h}"),
            screen.terminal.backend()
        );
    }
}

#[tokio::test]
async fn the_schedule_seen_is_told_against_the_documented_one() {
    // Wide: the row has room for the times themselves.
    let screen = shot(200, 50, SIX_MINUTES, "3").await;
    let retried = row(&screen, "scan-5a5a5a5a");
    assert!(
        retried.contains(
            "↻3 retried 35 s: +0.2 s +5.1 s +30.1 s (documented: immediately, +5 s, +30 s)"
        ),
        "{retried}"
    );
    // The detail of the retried scan says it all, wrapped at 80 columns.
    let screen = shot(80, 24, SIX_MINUTES, "3").await;
    let text = screen.text();
    assert!(
        text.contains("scan.processing.succeeded sent 4 times over"),
        "{text}"
    );
    assert!(text.contains("+0.2 s +5.1 s +30.1 s"), "{text}");
    assert!(text.contains("immediately, +5 s, +30 s"), "{text}");
    insta::assert_snapshot!("timelines_retried_80x24", screen.terminal.backend());
}

#[tokio::test]
async fn a_stuck_job_warns_until_it_ends() {
    // Four minutes on: still within the threshold, running.
    let screen = shot(120, 40, Duration::minutes(4), "3").await;
    let running = row(&screen, "scan-11b2e0d4");
    assert!(running.contains("● processing 4 min"), "{running}");
    assert!(!screen.text().contains("stuck"), "{}", screen.text());
    // Six minutes on: stuck, in the row and in the detail.
    let screen = shot(120, 40, SIX_MINUTES, "3jjj").await;
    let text = screen.text();
    assert!(
        text.contains("⚠ scan.processing started 6 min ago and has not ended: stuck"),
        "{text}"
    );
    insta::assert_snapshot!("timelines_stuck_120x40", screen.terminal.backend());
    // Its ending arrives: the warning clears.
    let (store, links, last) = recorded();
    let recorder = links.recorder.clone().unwrap();
    let done = serde_json::json!({"eventType": "scan.processing.succeeded", "payload": {
        "scanId": "scan-11b2e0d4", "userId": "user-0977", "userToken": "tok_live_4f9a8b7c6d5e",
        "state": "READY"}});
    let body = done.to_string();
    let ended = request(
        "POST",
        "/hooks/prism",
        &[("content-type", "application/json")],
        body.as_bytes(),
    );
    record_at(&recorder, ended, last + SIX_MINUTES);
    let mut screen = Screen::new(store, live_source(), 120, 40)
        .with_links(links)
        .at(last + SIX_MINUTES + Duration::seconds(1));
    screen.send(keys("3")).await;
    let ended = row(&screen, "scan-11b2e0d4");
    assert!(
        ended.contains("✓ done") && !ended.contains("stuck"),
        "{ended}"
    );
    assert!(
        !screen.text().contains("processing stuck"),
        "{}",
        screen.text()
    );
    // Another scan's job requested before its capture data failed never ended either.
    let other = row(&screen, "scan-0b5e1a92");
    assert!(other.contains("⚠ measurements stuck 6 min"), "{other}");
}

#[tokio::test]
async fn the_threshold_is_the_one_given() {
    // `--stuck-after 1m`: a minute and a half on, the processing scan is stuck already.
    let (store, links, last) = recorded();
    let mut screen = Screen::new(store, live_source(), 120, 40)
        .with_links(links)
        .at(last + Duration::seconds(90));
    screen.app.views.timelines.stuck_after = std::time::Duration::from_secs(60);
    screen.send(keys("3jjj")).await;
    let stuck = row(&screen, "scan-11b2e0d4");
    assert!(stuck.contains("⚠ processing stuck"), "{stuck}");
    assert!(
        screen
            .text()
            .contains("stuck (after 60 s without an ending)"),
        "{}",
        screen.text()
    );
}

#[tokio::test]
async fn the_warnings_are_coloured_and_read_without_colour() {
    let screen = shot(120, 40, SIX_MINUTES, "3j").await;
    let theme = Theme::default();
    let (y, line) = find(&screen, "fitted_body.creation ");
    // Its ending came without a start: a mark where it ended, in the warning's colour.
    let bar = line.find('◆').expect("a mark on the contradicted lane");
    let x = line[..bar].chars().count() as u16;
    assert_eq!(
        screen.buffer()[(x, y)].style().fg,
        theme.severity(Severity::Warn).fg
    );
    let (y, line) = find(&screen, "scan-11b2e0d4");
    let x = line[..line.find("⚠ processing").unwrap()].chars().count() as u16;
    assert_eq!(
        screen.buffer()[(x, y)].style().fg,
        theme.severity(Severity::Warn).fg
    );

    let (store, links, last) = recorded();
    let mut screen = Screen::new(store, live_source(), 80, 24)
        .with_links(links)
        .at(last + SIX_MINUTES)
        .with_theme(Theme::default().honour_no_color(Some("1")));
    screen.send(keys("3j")).await;
    for cell in screen.buffer().content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
    let text = screen.text();
    for sign in [
        "↻3",
        "⚠ processing stuck",
        "⚠ – succeeded but ASSET_FAILED",
        "✖ body failed",
    ] {
        assert!(text.contains(sign), "{sign} missing:\n{text}");
    }
}

/// The line holding `needle`, and its row.
fn find(screen: &Screen, needle: &str) -> (u16, String) {
    let text = screen.text();
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{text}"));
    (y as u16, line.to_owned())
}
