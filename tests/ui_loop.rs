//! The real event loop driven with fake terminal input and a real `Store`: filtering, follow
//! mode, selection while events arrive and are evicted, the clear question, quitting, idle
//! screens, export, copy as curl, the mouse and resizing.

mod ui_support;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use hookscope::store::Store;
use hookscope::ui::app::{Mode, Source};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode};
use tokio::sync::mpsc;
use ui_support::*;

/// An input stream fed from a channel, so a test can push events to the store while the loop
/// runs, and end the run by dropping the sender.
fn channel() -> (
    mpsc::UnboundedSender<TermEvent>,
    impl futures_util::Stream<Item = io::Result<TermEvent>> + Unpin,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<TermEvent>();
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx).map(|e| e.map(Ok)));
    (tx, stream)
}

/// Runs the loop with a channel of inputs while `driver` works on the store.
async fn run_while<F>(screen: &mut Screen, driver: F)
where
    F: FnOnce(Arc<Store>, mpsc::UnboundedSender<TermEvent>) -> tokio::task::JoinHandle<()>,
{
    run_within(screen, Duration::from_secs(20), driver).await;
}

/// `run_while` with its own bound (tests on a paused clock wait for minutes of it).
async fn run_within<F>(screen: &mut Screen, limit: Duration, driver: F)
where
    F: FnOnce(Arc<Store>, mpsc::UnboundedSender<TermEvent>) -> tokio::task::JoinHandle<()>,
{
    let (tx, stream) = channel();
    let task = driver(Arc::clone(&screen.store), tx);
    let copied = &mut screen.copied;
    let mut clipboard = |text: &str| copied.push(text.to_owned());
    let report = tokio::time::timeout(
        limit,
        hookscope::ui::run(
            &mut screen.terminal,
            stream,
            Arc::clone(&screen.store),
            &mut screen.app,
            &screen.theme,
            &mut clipboard,
        ),
    )
    .await
    .expect("the loop ends when its inputs do")
    .unwrap();
    screen.frames += report.frames;
    task.await.unwrap();
}

fn push_generic(store: &Store, path: &str) -> u64 {
    store
        .push(request(
            "POST",
            path,
            &[("content-type", "application/json")],
            b"{}",
        ))
        .id
}

fn sample_screen(capacity: usize) -> Screen {
    Screen::new(store_with(sample_events(), capacity), live_source(), 80, 24)
}

#[tokio::test]
async fn the_filter_narrows_as_you_type_and_enter_keeps_it() {
    let mut screen = sample_screen(100);
    screen.send(keys("/sev")).await;
    // Plain text so far: the WMS events, whose bodies say "severity".
    assert_eq!(screen.app.views.events.len(), 10);
    screen.send(keys(":e")).await;
    // Not a severity yet: the list keeps the last filter that parsed and says why.
    assert_eq!(screen.app.views.events.len(), 10);
    let Mode::Filter(prompt) = &screen.app.mode else {
        panic!("the prompt should be open")
    };
    assert!(prompt.error.as_deref().unwrap().contains("not a severity"));
    screen.send(keys("rror")).await;
    assert_eq!(screen.app.views.events.len(), 2);
    assert!(screen.text().contains("Events 2 of 20"));
    screen.send(keys(" status:5xx⏎")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert_eq!(screen.app.views.events.len(), 1);
    assert!(screen.text().contains("filter: sev:error status:5xx"));
    // New events that match join the list; others do not.
    let store = Arc::clone(&screen.store);
    push_generic(&store, "/a");
    screen.send(vec![]).await;
    assert_eq!(screen.app.views.events.len(), 1);
    // Esc drops the filter.
    screen.send(keys("⎋")).await;
    assert_eq!(screen.app.views.events.len(), 21);
    // Esc in the prompt drops it too.
    screen.send(keys("/gap")).await;
    assert_eq!(screen.app.views.events.len(), 1);
    screen.send(keys("⎋")).await;
    assert_eq!(screen.app.views.events.len(), 21);
    assert!(screen.app.views.events.filter.is_empty());
}

#[tokio::test]
async fn enter_on_a_filter_with_an_error_keeps_the_prompt_and_the_filter() {
    let mut screen = sample_screen(100);
    screen.send(keys("/gap⏎")).await;
    assert_eq!(screen.app.views.events.len(), 1);
    for typed in ["sev:eror", "sig:bad"] {
        // Retype the whole query: Ctrl-U empties the prompt.
        screen.send(keys("/")).await;
        screen.send(vec![ctrl('u')]).await;
        screen.send(keys(typed)).await;
        let before = screen.app.views.events.filter.clone();
        screen.send(keys("⏎")).await;
        let Mode::Filter(prompt) = &screen.app.mode else {
            panic!("Enter on {typed} should keep the prompt open")
        };
        assert_eq!(prompt.text, typed);
        assert!(prompt.error.is_some(), "{typed}");
        // Nothing was put in its place.
        assert_eq!(screen.app.views.events.filter, before, "{typed}");
        assert!(!screen.text().contains("filter: "), "{typed}");
        assert!(
            screen.text().contains("not a"),
            "{typed}: {}",
            screen.text()
        );
        screen.send(keys("⎋")).await;
        // Esc dropped the query: the word about it goes with it.
        assert!(
            !screen.text().contains("does not parse"),
            "{typed}: {}",
            screen.text()
        );
        screen.send(keys("/gap⏎")).await;
    }
    // Fixed, it is kept.
    screen.send(keys("/")).await;
    screen.send(vec![ctrl('u')]).await;
    screen.send(keys("sev:eror")).await;
    screen.send(vec![key(KeyCode::Backspace); 3]).await;
    screen.send(keys("rror⏎")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert!(screen.text().contains("filter: sev:error"));
    assert_eq!(screen.app.views.events.len(), 2);
}

#[tokio::test]
async fn b_pins_the_selected_event_and_it_outlives_eviction() {
    let mut screen = sample_screen(20);
    screen.send(vec![]).await;
    // Following: the newest event is selected.
    let newest = screen.app.views.events.selected.unwrap();
    screen.send(keys("b")).await;
    assert!(screen.text().contains(&format!("pinned #{newest}")));
    assert_eq!(screen.store.get(newest).map(|e| e.pinned), Some(true));
    let store = Arc::clone(&screen.store);
    for i in 0..30 {
        push_generic(&store, &format!("/later/{i}"));
    }
    screen.send(vec![]).await;
    assert_eq!(store.len(), 20);
    assert!(store.get(newest).is_some());
    assert!(store.stats().balanced());
    // The list shows it first, with its glyph, and the filter finds it.
    screen.send(keys("/pinned⏎")).await;
    assert_eq!(screen.app.views.events.len(), 1);
    assert!(screen.text().contains("⚑ "), "{}", screen.text());
    // Unpinned, it was kept by its pin alone: it goes, and the filter lets it go.
    screen.send(keys("b")).await;
    assert!(screen.text().contains("gone"), "{}", screen.text());
    assert!(store.get(newest).is_none());
    assert_eq!(screen.app.views.events.len(), 0);
    assert_eq!(store.len(), 19);
    assert!(store.stats().balanced());
}

#[tokio::test]
async fn follow_mode_keeps_the_newest_in_view() {
    let mut screen = sample_screen(1000);
    assert!(
        screen.app.views.events.follow,
        "live capture starts following"
    );
    run_while(&mut screen, |store, tx| {
        tokio::spawn(async move {
            for i in 0..30 {
                push_generic(&store, &format!("/burst/{i}"));
                tokio::time::sleep(Duration::from_millis(3)).await;
            }
            drop(tx);
        })
    })
    .await;
    assert_eq!(screen.app.views.events.selected, Some(50));
    assert!(
        screen.frames > 2,
        "store changes were drawn while they came"
    );
    let text = screen.text();
    assert!(text.contains("▶"), "{text}");
    let selected_line = text.lines().find(|l| l.contains('▶')).unwrap();
    assert!(selected_line.contains("/burst/29"), "{text}");

    // Moving stops following: the selection then stays put while events arrive.
    screen.send(keys("k")).await;
    assert!(!screen.app.views.events.follow);
    assert_eq!(screen.app.views.events.selected, Some(49));
    let store = Arc::clone(&screen.store);
    for i in 0..5 {
        push_generic(&store, &format!("/later/{i}"));
    }
    screen.send(vec![]).await;
    assert_eq!(screen.app.views.events.selected, Some(49));
    assert!(screen.text().contains("/burst/28"));
    // `f` follows again and jumps to the newest.
    screen.send(keys("f")).await;
    assert_eq!(screen.app.views.events.selected, Some(55));
}

#[tokio::test]
async fn the_selection_survives_eviction_of_older_events() {
    // The store holds 20: every new event evicts the oldest.
    let mut screen = sample_screen(20);
    screen.send(keys("kkk")).await;
    assert_eq!(screen.app.views.events.selected, Some(17));
    let store = Arc::clone(&screen.store);
    run_while(&mut screen, move |_, tx| {
        tokio::spawn(async move {
            for i in 0..5 {
                push_generic(&store, &format!("/new/{i}"));
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            drop(tx);
        })
    })
    .await;
    assert_eq!(screen.store.key_range(), Some((6, 25)));
    assert_eq!(screen.app.views.events.selected, Some(17));
    let text = screen.text();
    let selected_line = text.lines().find(|l| l.contains('▶')).unwrap();
    assert!(selected_line.contains(" 17 "), "{text}");

    // When the selected event itself is evicted, the oldest one left is selected.
    screen.send(keys("gj")).await;
    assert_eq!(screen.app.views.events.selected, Some(7));
    let store = Arc::clone(&screen.store);
    for i in 0..3 {
        push_generic(&store, &format!("/more/{i}"));
    }
    screen.send(vec![]).await;
    assert_eq!(screen.app.views.events.selected, Some(9));
}

#[tokio::test]
async fn clearing_asks_first() {
    let mut screen = sample_screen(100);
    screen.send(keys("z")).await;
    assert!(screen.text().contains("Clear the buffer?"));
    assert_eq!(screen.store.len(), 20);
    screen.send(keys("n")).await;
    assert_eq!(screen.store.len(), 20);
    assert!(screen.text().contains("nothing cleared"));
    // Other keys do not answer the question.
    screen.send(keys("zq")).await;
    assert!(!screen.app.quit);
    assert_eq!(screen.store.len(), 20);
    screen.send(keys("y")).await;
    assert_eq!(screen.store.len(), 0);
    assert_eq!(screen.store.stats().evicted, 20);
    let text = screen.text();
    assert!(text.contains("cleared 20 events"), "{text}");
    assert!(text.contains("No events yet"), "{text}");
}

#[tokio::test]
async fn q_quits_and_nothing_after_it_is_read() {
    let mut screen = sample_screen(100);
    screen.send(keys("q/")).await;
    assert!(screen.app.quit);
    assert_eq!(screen.app.mode, Mode::Normal);
    let mut screen = sample_screen(100);
    screen.send(vec![ctrl('c')]).await;
    assert!(screen.app.quit);
    // The help scrolls no further than its end, so one key brings it back up.
    let mut screen = sample_screen(100);
    screen.send(keys(&"j".repeat(200))).await;
    screen.send(keys("?")).await;
    screen.send(keys(&"j".repeat(200))).await;
    let at_end = screen.app.help_scroll;
    assert!(at_end > 0 && at_end < 200, "{at_end}");
    assert!(
        screen.text().contains("the wheel scrolls; a click selects"),
        "the last lines show:\n{}",
        screen.text()
    );
    screen.send(keys("k")).await;
    assert_eq!(screen.app.help_scroll, at_end - 1);
    // PageUp goes a page at a time, and stops at the top.
    let mut presses = 0;
    while screen.app.help_scroll > 0 && presses < 50 {
        let before = screen.app.help_scroll;
        screen.send(vec![key(KeyCode::PageUp)]).await;
        assert!(screen.app.help_scroll < before.saturating_sub(1) || screen.app.help_scroll == 0);
        presses += 1;
    }
    assert_eq!(screen.app.help_scroll, 0);
    assert!(presses >= 2, "the help is longer than a page: {presses}");
    screen.send(vec![key(KeyCode::PageUp)]).await;
    assert_eq!(screen.app.help_scroll, 0);
    screen.send(vec![key(KeyCode::PageDown)]).await;
    assert!(screen.app.help_scroll > 0);
    screen.send(keys("?")).await;
    // In the help, q closes the help instead.
    let mut screen = sample_screen(100);
    screen.send(keys("?q")).await;
    assert!(!screen.app.quit);
    assert_eq!(screen.app.mode, Mode::Normal);
}

#[tokio::test(start_paused = true)]
async fn an_idle_screen_is_not_redrawn() {
    let mut screen = Screen::new(store_with(vec![], 100), live_source(), 80, 24);
    run_within(&mut screen, Duration::from_secs(3600), |_, tx| {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(tx);
        })
    })
    .await;
    assert_eq!(
        screen.frames, 1,
        "thirty idle seconds drew only the first frame"
    );
    // One event: drawn when it comes, then the rate shows in the next ticks, then stillness.
    let frames = screen.frames;
    run_within(&mut screen, Duration::from_secs(3600), |store, tx| {
        tokio::spawn(async move {
            push_generic(&store, "/one");
            tokio::time::sleep(Duration::from_secs(300)).await;
            drop(tx);
        })
    })
    .await;
    let drawn = screen.frames - frames;
    assert!(drawn >= 2, "the event and its rate were drawn ({drawn})");
    assert!(
        drawn < 140,
        "the screen settled once the rate history was all zero ({drawn})"
    );
    let frames = screen.frames;
    run_within(&mut screen, Duration::from_secs(3600), |_, tx| {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(tx);
        })
    })
    .await;
    assert_eq!(screen.frames - frames, 1, "only the first frame of the run");
}

#[tokio::test]
async fn export_writes_what_the_filter_shows() {
    let dir = std::env::temp_dir().join(format!("hookscope-ui-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut screen = sample_screen(100).export_to(dir.clone());
    screen.send(keys("/sev:error⏎e")).await;
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("hookscope-")
            && name.ends_with(".json")
            && name.len() == "hookscope-20261122-140211.json".len(),
        "{name}"
    );
    let imported = hookscope::export::import(&std::fs::read(&files[0]).unwrap()).unwrap();
    let ids: Vec<u64> = imported.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, [13, 16]);
    assert!(
        screen.text().contains("exported 2 events to"),
        "{}",
        screen.text()
    );

    // Without a filter, everything; a second export in the same second gets its own name.
    screen.send(keys("⎋ee")).await;
    let mut sizes: Vec<usize> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let bytes = std::fs::read(e.unwrap().path()).unwrap();
            hookscope::export::import(&bytes).unwrap().events.len()
        })
        .collect();
    sizes.sort();
    assert_eq!(sizes.len(), 3);
    assert_eq!(sizes, [2, 20, 20]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn c_copies_the_selected_event_as_curl() {
    let mut screen = sample_screen(100);
    screen.send(keys("kkkkkcc")).await;
    assert_eq!(screen.copied.len(), 1);
    let command = &screen.copied[0];
    assert!(
        command.starts_with("curl -X 'POST' 'http://127.0.0.1:8765/hooks/prism' "),
        "{command}"
    );
    assert!(
        command.contains("-H 'x-prism-signature: 2ac2fd3b"),
        "{command}"
    );
    assert!(command.contains(r#"--data-binary '{"eventType":"scan.processing.succeeded""#));
    assert!(screen.text().contains("copied #15 as a curl command"));
}

#[tokio::test]
async fn copied_curl_masks_the_user_token_until_revealed() {
    // #15 carries a userToken.
    let mut screen = sample_screen(100);
    screen.send(keys("kkkkkcc")).await;
    let command = &screen.copied[0];
    assert!(!command.contains("ut_live_9f8e7d6c5b4a"), "{command}");
    assert!(command.contains(r#""userToken":"••••""#), "{command}");
    assert!(screen.text().contains("userToken masked: u shows it"));

    let mut screen = sample_screen(100);
    screen.send(keys("kkkkk⏎ucc")).await;
    let command = &screen.copied[0];
    assert!(
        command.contains(r#""userToken":"ut_live_9f8e7d6c5b4a""#),
        "{command}"
    );
    assert!(!screen.text().contains("userToken masked"));
}

/// A copy larger than terminals let through OSC 52 is made, and said to be at risk.
#[tokio::test]
async fn a_copy_too_large_for_some_terminals_says_so() {
    let body: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut large = request("POST", "/hooks/large", &[], &body);
    large.id = 1;
    let mut small = request("POST", "/hooks/small", &[], b"{}");
    small.id = 2;
    let mut screen = Screen::new(store_with(vec![large, small], 10), live_source(), 120, 40);
    // Following: the newest, the small one, is selected first.
    screen.send(keys("cc")).await;
    assert!(screen.copied[0].contains("/hooks/small"));
    let text = screen.text();
    assert!(
        text.contains("copied #2 as a curl command (OSC 52)"),
        "{text}"
    );
    assert!(!text.contains("may drop"), "{text}");
    screen.send(vec![key(KeyCode::Esc)]).await;
    screen.send(keys("kcc")).await;
    assert!(screen.copied[1].contains("/hooks/large"));
    assert!(screen.copied[1].len() > 400_000);
    let text = screen.text();
    assert!(
        text.contains("copied #1 as a curl command (OSC 52, ")
            && text.contains(" terminals may drop"),
        "{text}"
    );
}

#[tokio::test]
async fn a_click_selects_a_row_and_the_wheel_scrolls() {
    let mut screen = sample_screen(100);
    screen.send(vec![]).await;
    let row = screen
        .text()
        .lines()
        .position(|l| l.contains(" 10 POST"))
        .unwrap() as u16;
    screen.send(vec![click(20, row)]).await;
    assert_eq!(screen.app.views.events.selected, Some(10));
    assert!(!screen.app.views.events.follow);
    let wheel = TermEvent::Mouse(ratatui::crossterm::event::MouseEvent {
        kind: ratatui::crossterm::event::MouseEventKind::ScrollDown,
        column: 20,
        row,
        modifiers: ratatui::crossterm::event::KeyModifiers::NONE,
    });
    screen.send(vec![wheel]).await;
    assert_eq!(screen.app.views.events.selected, Some(13));
}

#[tokio::test]
async fn resizing_redraws_at_the_new_size() {
    let mut screen = sample_screen(100);
    screen.send(vec![]).await;
    screen.terminal.backend_mut().resize(120, 40);
    screen.send(vec![TermEvent::Resize(120, 40)]).await;
    let text = screen.text();
    assert_eq!(text.lines().count(), 40);
    assert!(
        text.contains("SIZE"),
        "the wide layout shows the size column:\n{text}"
    );
    screen.terminal.backend_mut().resize(60, 12);
    screen
        .send(vec![TermEvent::Resize(60, 12), key(KeyCode::Enter)])
        .await;
    assert_eq!(screen.text().lines().count(), 12);
}

#[tokio::test]
async fn a_hundred_thousand_events_fetch_only_the_visible_rows() {
    let template = sample_events().remove(8);
    let store = Arc::new(Store::new(hookscope::store::Limits {
        capacity: 100_000,
        max_bytes: u64::MAX,
    }));
    for _ in 0..100_000 {
        store.push(template.clone());
    }
    let mut screen = Screen::new(
        Arc::clone(&store),
        Source::File {
            name: "big.json".into(),
        },
        120,
        40,
    );
    screen.send(keys("G")).await;
    assert_eq!(screen.app.views.events.selected, Some(100_000));
    assert!(screen.app.views.events.rows.len() <= 36);
    assert!(screen.text().contains("Events 100,000"));
    screen
        .send(vec![key(KeyCode::PageUp), key(KeyCode::PageUp)])
        .await;
    // 40 rows: header, tabs and status take 3, the list's borders and heading 3 more.
    assert_eq!(screen.app.views.events.selected, Some(100_000 - 2 * 34));
    screen.send(keys("/gap⏎")).await;
    assert_eq!(screen.app.views.events.len(), 100_000);
    screen.send(keys("⎋/sev:error⏎")).await;
    assert_eq!(screen.app.views.events.len(), 0);
}

/// A tiny app on a loopback port that answers every request `status` and keeps what it got
/// (method, path and query, body).
struct Sink {
    addr: std::net::SocketAddr,
    received: Arc<std::sync::Mutex<Vec<(String, String, bytes::Bytes)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn sink(status: u16) -> Sink {
    use http_body_util::BodyExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            let service = hyper::service::service_fn(
                move |request: hyper::Request<hyper::body::Incoming>| {
                    let log = Arc::clone(&log);
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        log.lock().unwrap().push((
                            parts.method.to_string(),
                            parts.uri.to_string(),
                            body,
                        ));
                        let response = hyper::Response::builder()
                            .status(status)
                            .body(http_body_util::Full::new(bytes::Bytes::from_static(b"ok")))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(response)
                    }
                },
            );
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Sink {
        addr,
        received,
        task,
    }
}

/// The sample events on a live screen with an answer policy and the simulator's analysis.
fn live_screen(
    width: u16,
    height: u16,
    settings: hookscope::answer::AnswerSettings,
) -> (Screen, Arc<hookscope::answer::AnswerPolicy>) {
    let (store, mut links, last) = analysed_traffic();
    let policy = Arc::new(hookscope::answer::AnswerPolicy::new(settings));
    links.policy = Some(Arc::clone(&policy));
    let screen = Screen::new(store, live_source(), width, height)
        .with_links(links)
        .at(last + chrono::Duration::seconds(3));
    (screen, policy)
}

#[tokio::test]
async fn digits_switch_views_and_keys_move_their_selection() {
    let (mut screen, _) = live_screen(120, 40, Default::default());
    screen.send(keys("2")).await;
    assert_eq!(screen.app.view, hookscope::ui::action::ViewId::SESSIONS);
    assert!(
        screen.text().contains("WMS sessions 3"),
        "{}",
        screen.text()
    );
    let first = screen.app.views.sessions.cursor.selected.clone().unwrap();
    assert_eq!(first, "ryueiwoqfh910fu3rpqruvfiu");
    screen.send(keys("jj")).await;
    assert_eq!(screen.app.views.sessions.cursor.position, 2);
    let (_, line) = find_line(&screen, "▶");
    assert!(line.contains("a8d1c0e4b2f94e1c9d7a6b5c4d3"), "{line}");
    // Past the end stays at the end; g goes back to the top.
    screen.send(keys("jjjj")).await;
    assert_eq!(screen.app.views.sessions.cursor.position, 2);
    screen.send(keys("g")).await;
    assert_eq!(
        screen.app.views.sessions.cursor.selected.as_deref(),
        Some(first.as_str())
    );

    screen.send(keys("3j")).await;
    assert_eq!(screen.app.view, hookscope::ui::action::ViewId::TIMELINES);
    let (_, id) = screen.app.views.timelines.cursor.selected.clone().unwrap();
    assert_eq!(id, "scan-7f3a9c21");
    assert!(
        screen.text().contains("╭ scan scan-7f3a9c21 "),
        "{}",
        screen.text()
    );
    // A click on a row selects it.
    let (row, _) = find_line(&screen, "scan-e41d0b77");
    screen.send(vec![click(5, row)]).await;
    let (_, id) = screen.app.views.timelines.cursor.selected.clone().unwrap();
    assert_eq!(id, "scan-e41d0b77");

    // Enter shows that scan's events in the Events view.
    screen.send(keys("⏎")).await;
    assert_eq!(screen.app.view, hookscope::ui::action::ViewId::EVENTS);
    assert_eq!(
        screen.app.views.events.filter.to_string(),
        "scan:scan-e41d0b77"
    );
    assert_eq!(screen.app.views.events.len(), 5);
    // And from Sessions, the session's.
    screen.send(keys("2⏎")).await;
    assert_eq!(
        screen.app.views.events.filter.to_string(),
        "session:ryueiwoqfh910fu3rpqruvfiu"
    );
    assert_eq!(screen.app.views.events.len(), 16);
    screen.send(keys("1")).await;
    assert_eq!(screen.app.view, hookscope::ui::action::ViewId::EVENTS);
}

#[tokio::test]
async fn the_sessions_view_redraws_each_second_only_while_it_shows_a_clock() {
    let (mut screen, _) = live_screen(80, 24, Default::default());
    screen.app.clock = None;
    screen.send(keys("2")).await;
    screen
        .app
        .handle(hookscope::ui::app::Input::Tick, &screen.store.clone());
    assert!(
        screen
            .app
            .handle(hookscope::ui::app::Input::Tick, &screen.store.clone()),
        "an unfinished session's age moves"
    );
    // The Events view of an idle store does not.
    screen.send(keys("1")).await;
    assert!(
        !screen
            .app
            .handle(hookscope::ui::app::Input::Tick, &screen.store.clone())
    );
}

/// With `--expect` / `--forbid`, the header says where the checks stand, in words and glyphs.
#[tokio::test]
async fn the_header_shows_the_checks() {
    use hookscope::checks::{Check, CheckKind, Checks};
    let store = Arc::new(Store::new(hookscope::store::Limits {
        capacity: 100,
        max_bytes: u64::MAX,
    }));
    let checks = Arc::new(Checks::new(
        vec![
            Check::parse(CheckKind::Expect, "provider:wms").unwrap(),
            Check::parse(CheckKind::Expect, "provider:prism").unwrap(),
            Check::parse(CheckKind::Forbid, "sev:error").unwrap(),
        ],
        Duration::from_secs(60),
        Duration::ZERO,
    ));
    let recorder = Arc::new(
        hookscope::ingest::Recorder::new(Arc::clone(&store), None)
            .unwrap()
            .with_checks(Arc::clone(&checks)),
    );
    let links = hookscope::ui::app::Links {
        recorder: Some(Arc::clone(&recorder)),
        policy: None,
    };
    let mut screen = Screen::new(Arc::clone(&store), live_source(), 140, 24).with_links(links);
    let header = |screen: &Screen| screen.text().lines().next().unwrap().to_owned();
    screen.send(vec![]).await;
    assert!(
        header(&screen).ends_with("│ checks 0/2 │ 0/s"),
        "{}",
        header(&screen)
    );
    record_scenarios(
        &recorder,
        &[hookscope::simulate::Scenario::Wms],
        traffic_start(),
        chrono::Duration::milliseconds(100),
        0,
    );
    screen.send(vec![]).await;
    assert!(
        header(&screen).contains("│ checks 1/2 │"),
        "{}",
        header(&screen)
    );
    record_scenarios(
        &recorder,
        &[hookscope::simulate::Scenario::WmsTrouble],
        traffic_start(),
        chrono::Duration::milliseconds(100),
        0,
    );
    screen.send(vec![]).await;
    assert!(
        header(&screen).contains("│ ✗ forbidden 'sev:error' #"),
        "{}",
        header(&screen)
    );
}

/// The demo sets 503 itself for a few seconds: the header says why and how long, and a narrow
/// header drops the reason before the answer.
#[tokio::test]
async fn a_mode_hookscope_chose_says_why_in_the_header() {
    use hookscope::answer::AnswerMode;
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    for (width, reason) in [(140, true), (80, false)] {
        let (mut screen, policy) = live_screen(width, 24, Default::default());
        policy.set_mode_until(AnswerMode::Status503, "demo: a sender's retries", until);
        screen
            .app
            .handle(hookscope::ui::app::Input::Tick, &screen.store.clone());
        screen.send(vec![]).await;
        let header = screen.text().lines().next().unwrap().to_owned();
        assert!(header.contains("→ answer 503"), "{width}: {header}");
        assert_eq!(
            header.contains("→ answer 503 · demo: a sender's retries, 30 s left │")
                || header.contains("→ answer 503 · demo: a sender's retries, 29 s left │"),
            reason,
            "{width}: {header}"
        );
    }
}

#[tokio::test]
async fn m_cycles_the_answer_and_the_header_follows() {
    use hookscope::answer::AnswerMode;
    let (mut screen, policy) = live_screen(120, 40, Default::default());
    screen.send(vec![]).await;
    assert!(
        screen.text().contains("→ answer 200 │"),
        "{}",
        screen.text()
    );
    screen.send(keys("m")).await;
    assert_eq!(policy.mode(), AnswerMode::Status500);
    let text = screen.text();
    assert!(text.contains("→ answer 500 │"), "{text}");
    assert!(text.contains("senders now get 500"), "{text}");
    screen.send(keys("m")).await;
    assert_eq!(policy.mode(), AnswerMode::Status503);
    assert!(screen.text().contains("→ answer 503 │"));
    assert!(screen.text().contains("watch their retries"));
    // From any view.
    screen.send(keys("3mm")).await;
    assert_eq!(policy.mode(), AnswerMode::Slow);
    assert!(
        screen.text().contains("→ answer 200 after 6 s │"),
        "{}",
        screen.text()
    );
    // No forward target: Local is skipped, back to what was configured.
    screen.send(keys("m")).await;
    assert_eq!(policy.mode(), AnswerMode::Configured);
    assert!(
        screen
            .text()
            .contains("back to the configured answer: answer 200")
    );
    // A mode changed elsewhere (the demo does) shows at the next tick.
    policy.set_mode(AnswerMode::Status429);
    assert!(
        screen
            .app
            .handle(hookscope::ui::app::Input::Tick, &screen.store.clone())
    );
    screen.send(vec![]).await;
    assert!(screen.text().contains("→ answer 429 │"));

    // A file has no listener to answer anyone.
    let mut screen = Screen::new(
        store_with(sample_events(), 100),
        Source::File {
            name: "capture.json".into(),
        },
        80,
        24,
    );
    screen.send(keys("m")).await;
    assert!(
        screen
            .text()
            .contains("no listener: a file opened offline answers no one"),
        "{}",
        screen.text()
    );
}

#[tokio::test]
async fn r_replays_the_selected_event_to_a_real_server() {
    let app = sink(200).await;
    let (mut screen, _) = live_screen(120, 40, Default::default());
    screen.send(keys("1k")).await;
    let selected = screen.app.views.events.selected.unwrap();
    let event = screen.store.get(selected).unwrap();
    screen.send(keys("r")).await;
    // The prompt offers the listener's own address first.
    match &screen.app.mode {
        Mode::Replay(prompt) => assert_eq!(prompt.text, "http://127.0.0.1:8765"),
        other => panic!("no replay prompt: {other:?}"),
    }
    assert!(screen.text().contains("replay to http://127.0.0.1:8765"));
    let mut inputs = vec![ctrl('u')];
    inputs.extend(keys(&format!("http://{}⏎", app.addr)));
    tokio::time::timeout(Duration::from_secs(20), screen.send(inputs))
        .await
        .expect("the replay ends");
    let received = app.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].0, event.method.to_string());
    assert_eq!(received[0].1, event.path.to_string());
    assert_eq!(received[0].2, event.body);
    let text = screen.text();
    assert!(text.contains(": 1 sent, 1 × 2xx"), "{text}");
    assert_eq!(screen.app.mode, Mode::Normal);
}

#[tokio::test]
async fn r_with_a_filter_asks_then_replays_every_filtered_event() {
    let app = sink(503).await;
    let settings = hookscope::answer::AnswerSettings {
        forward: Some(format!("http://{}", app.addr).parse().unwrap()),
        ..Default::default()
    };
    let (mut screen, _) = live_screen(120, 40, settings);
    screen.send(keys("1/provider:prism⏎")).await;
    let count = screen.app.views.events.len();
    assert!(count > 5, "{count}");
    screen.send(keys("r")).await;
    assert_eq!(
        screen.app.mode,
        Mode::Confirm(hookscope::ui::app::Question::Replay { count })
    );
    assert!(screen.text().contains("Replay the filtered events?"));
    // No sends nothing.
    screen.send(keys("n")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert!(screen.text().contains("nothing replayed"));
    // Yes asks where, offering the forward target.
    screen.send(keys("ry")).await;
    match &screen.app.mode {
        Mode::Replay(prompt) => assert_eq!(prompt.text, format!("http://{}", app.addr)),
        other => panic!("no replay prompt: {other:?}"),
    }
    // Not a URL: the prompt says so and stays.
    let mut inputs = vec![ctrl('u')];
    inputs.extend(keys("ftp://x⏎"));
    screen.send(inputs).await;
    assert!(matches!(screen.app.mode, Mode::Replay(_)));
    assert!(screen.text().contains("an http:// URL, please"));
    let mut inputs = vec![ctrl('u')];
    inputs.extend(keys(&format!("http://{}⏎", app.addr)));
    tokio::time::timeout(Duration::from_secs(30), screen.send(inputs))
        .await
        .expect("the replay ends");
    assert_eq!(app.received.lock().unwrap().len(), count);
    let text = screen.text();
    assert!(
        text.contains(&format!(": {count} sent, {count} × 5xx")),
        "{text}"
    );
    // Nothing listens here: the summary says no answer came.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = closed.local_addr().unwrap();
    drop(closed);
    screen.send(keys("⎋k")).await;
    screen.send(keys("r")).await;
    let mut inputs = vec![ctrl('u')];
    inputs.extend(keys(&format!("http://{dead}⏎")));
    tokio::time::timeout(Duration::from_secs(30), screen.send(inputs))
        .await
        .expect("the replay ends");
    assert!(
        screen.text().contains("1 sent, 1 without an answer"),
        "{}",
        screen.text()
    );
}

fn find_line(screen: &Screen, needle: &str) -> (u16, String) {
    let text = screen.text();
    text.lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .map(|(row, l)| (row as u16, l.to_owned()))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{text}"))
}

#[tokio::test]
async fn finished_sessions_alone_need_no_ticking() {
    let (mut screen, _) = live_screen(80, 24, Default::default());
    screen.send(keys("2")).await;
    assert!(screen.app.views.sessions.shows_clock());
    // Only the finished sessions on screen: a tick changes nothing.
    screen.app.views.sessions.rows.retain(|s| s.is_finished());
    assert!(!screen.app.views.sessions.rows.is_empty());
    assert!(!screen.app.views.sessions.shows_clock());
}

#[tokio::test]
async fn with_a_forward_target_m_can_turn_forwarding_off() {
    use hookscope::answer::AnswerMode;
    let settings = hookscope::answer::AnswerSettings {
        forward: Some("http://127.0.0.1:3000".parse().unwrap()),
        ..Default::default()
    };
    let (mut screen, policy) = live_screen(120, 40, settings);
    screen.send(vec![]).await;
    assert!(
        screen.text().contains("→ forward → http://127.0.0.1:3000"),
        "{}",
        screen.text()
    );
    screen.send(keys("mmmmm")).await;
    assert_eq!(policy.mode(), AnswerMode::Local);
    let text = screen.text();
    assert!(text.contains("→ answer 200 (forward off)"), "{text}");
    assert!(
        text.contains("forwarding off: senders get 200 from hookscope"),
        "{text}"
    );
    screen.send(keys("m")).await;
    assert_eq!(policy.mode(), AnswerMode::Configured);
    assert!(
        screen
            .text()
            .contains("back to the configured answer: forward → http://127.0.0.1:3000")
    );
}

#[tokio::test]
async fn export_carries_the_analysis_of_the_events_it_holds() {
    let dir = std::env::temp_dir().join(format!("hookscope-ui-analysis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (mut screen, _) = live_screen(120, 40, Default::default());
    let expected = screen
        .app
        .links
        .recorder
        .as_ref()
        .unwrap()
        .analysis_snapshot();
    screen.app.export_dir = dir.clone();
    screen.send(keys("e")).await;
    let read = |dir: &std::path::Path| -> Vec<hookscope::export::Imported> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| hookscope::export::import(&std::fs::read(f).unwrap()).unwrap())
            .collect()
    };
    let whole = read(&dir);
    assert_eq!(whole.len(), 1);
    let analysis = whole[0]
        .analysis
        .as_ref()
        .expect("the export has `analysis`");
    assert_eq!(analysis, &expected);
    assert_eq!((analysis.sessions.len(), analysis.timelines.len()), (3, 6));

    // A filtered export carries the summaries of the events it holds, and no others.
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    screen.send(keys("/provider:wms⏎e")).await;
    let only_wms = read(&dir);
    assert_eq!(only_wms.len(), 1);
    let analysis = only_wms[0].analysis.as_ref().unwrap();
    assert!(analysis.timelines.is_empty());
    let mut ids: Vec<&str> = analysis
        .sessions
        .iter()
        .map(|s| s.session_id.as_str())
        .collect();
    let mut expected_ids: Vec<&str> = expected
        .sessions
        .iter()
        .map(|s| s.session_id.as_str())
        .collect();
    ids.sort();
    expected_ids.sort();
    assert_eq!(ids, expected_ids);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An empty store and a recorder whose JSON Lines log is `/dev/full`, which refuses every write;
/// `None`, said on stderr, where the system has no `/dev/full`.
fn failing_log() -> Option<(Arc<Store>, Arc<hookscope::ingest::Recorder>)> {
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        eprintln!("skipped: this system has no /dev/full");
        return None;
    }
    let store = store_with(vec![], 100);
    let recorder = hookscope::ingest::Recorder::new(
        Arc::clone(&store),
        Some(&hookscope::export::jsonl::JsonlTarget::File(
            full.to_owned(),
        )),
    )
    .unwrap();
    Some((store, Arc::new(recorder)))
}

/// Records one event through a recorder whose log refuses it, and checks that it was refused.
async fn record_unlogged(recorder: &hookscope::ingest::Recorder) {
    let event = request(
        "POST",
        "/hook",
        &[("content-type", "application/json")],
        b"{}",
    );
    record_at(recorder, event, traffic_start());
    assert!(!recorder.logged(1).await);
}

/// A listener whose JSON Lines log cannot be written says so in the header, at once.
#[tokio::test]
async fn the_header_says_when_the_log_fails() {
    let Some((store, recorder)) = failing_log() else {
        return;
    };
    let links = hookscope::ui::app::Links {
        recorder: Some(Arc::clone(&recorder)),
        policy: None,
    };
    for width in [80, 120] {
        let mut screen =
            Screen::new(Arc::clone(&store), live_source(), width, 24).with_links(links.clone());
        screen.send(vec![]).await;
        assert!(!screen.text().contains("log"), "{}", screen.text());
    }
    record_unlogged(&recorder).await;
    for width in [80, 120] {
        let mut screen =
            Screen::new(Arc::clone(&store), live_source(), width, 24).with_links(links.clone());
        screen.send(vec![]).await;
        let header = screen.text().lines().next().unwrap().to_owned();
        assert!(header.contains("⚠ log failing → 503"), "{header}");
        assert!(screen.text().contains("503"), "{}", screen.text());
    }
    // Once the log is written again, the header keeps saying that it has a hole.
    let mut app = hookscope::ui::app::App::new(
        live_source(),
        ratatui::layout::Rect::new(0, 0, 80, 24),
        std::env::temp_dir(),
    );
    app.log = Some(hookscope::export::jsonl::LogHealth {
        failing: false,
        not_logged: 2,
        error: Some("writing the JSON Lines log failed: disk full".into()),
    });
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    let theme = hookscope::ui::theme::Theme::default();
    terminal
        .draw(|frame| hookscope::ui::render::draw(frame, &app, &theme))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let header: String = (0..buffer.area.width)
        .map(|x| buffer[(x, 0)].symbol())
        .collect();
    assert!(header.contains("⚠ log lacks 2 events"), "{header}");
    assert!(!header.contains("failing"), "{header}");
}

/// At 80 columns, while the log fails, the header still says how hookscope answers: the loopback
/// host gives way first.
#[tokio::test]
async fn the_answer_mode_stays_in_the_header_while_the_log_fails_at_80_columns() {
    use hookscope::answer::{AnswerMode, AnswerPolicy};
    let Some((store, recorder)) = failing_log() else {
        return;
    };
    let policy = Arc::new(AnswerPolicy::new(Default::default()));
    let links = hookscope::ui::app::Links {
        recorder: Some(Arc::clone(&recorder)),
        policy: Some(Arc::clone(&policy)),
    };
    let source = Source::Live {
        addr: std::net::SocketAddr::from(([127, 0, 0, 1], 41234)),
        answer: policy.describe(),
    };
    record_unlogged(&recorder).await;
    let mut screen = Screen::new(Arc::clone(&store), source, 80, 24).with_links(links);
    screen.send(vec![]).await;
    let header = screen.text().lines().next().unwrap().to_owned();
    assert!(header.contains("⚠ log failing → 503"), "{header}");
    assert!(header.contains("→ answer 200 │"), "{header}");
    screen.send(keys("m")).await;
    assert_eq!(policy.mode(), AnswerMode::Status500);
    let header = screen.text().lines().next().unwrap().to_owned();
    assert!(header.contains("⚠ log failing → 503"), "{header}");
    assert!(header.contains("→ answer 500 │"), "{header}");
    assert!(header.contains("recv 1 stored 1 ev 0 rej 0"), "{header}");
    assert!(header.contains(":41234"), "{header}");
}
