//! Snapshots of every screen of the interface at 80x24 and 120x40, drawn by the real event loop
//! into a `TestBackend`: the empty Events view, the list, the detail on each tab, the help and
//! the filter prompt; plus the colours of severity and signature cells, `NO_COLOR`, and
//! payloads that try to drive the terminal.

mod ui_support;

use hookscope::event::{Severity, SignatureVerdict};
use hookscope::ui::app::Source;
use hookscope::ui::theme::Theme;
use ratatui::style::{Color, Modifier};
use ui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

/// Draws the sample events after `inputs` and returns the screen.
async fn shot(width: u16, height: u16, inputs: Vec<ratatui::crossterm::event::Event>) -> Screen {
    let store = store_with(sample_events(), 1000);
    let mut screen = Screen::new(store, live_source(), width, height);
    screen.send(inputs).await;
    screen
}

fn name(base: &str, width: u16, height: u16) -> String {
    format!("{base}_{width}x{height}")
}

#[tokio::test]
async fn empty() {
    for (w, h) in SIZES {
        let mut screen = Screen::new(store_with(vec![], 100), live_source(), w, h);
        screen.send(vec![]).await;
        insta::assert_snapshot!(name("empty", w, h), screen.terminal.backend());
    }
}

#[tokio::test]
async fn list_follows_the_newest() {
    for (w, h) in SIZES {
        let screen = shot(w, h, vec![]).await;
        insta::assert_snapshot!(name("list", w, h), screen.terminal.backend());
    }
}

#[tokio::test]
async fn a_pinned_row_shows_its_flag() {
    // Two rows up from the newest, pinned: the flag, then the bottom line's word on it.
    let screen = shot(80, 24, keys("kkb")).await;
    insta::assert_snapshot!("pinned_80x24", screen.terminal.backend());
}

#[tokio::test]
async fn opened_file_starts_at_the_oldest() {
    let store = store_with(sample_events(), 1000);
    let source = Source::File {
        name: "capture.json".into(),
    };
    let mut screen = Screen::new(store, source, 120, 40);
    screen.send(vec![]).await;
    insta::assert_snapshot!("file_120x40", screen.terminal.backend());
}

/// Selects event `id` of the sample (counted from the newest, 20) and opens its detail.
fn open_detail(id: u64, tab_moves: usize) -> Vec<ratatui::crossterm::event::Event> {
    let up = "k".repeat((20 - id) as usize);
    let mut text = format!("{up}⏎");
    text.push_str(&"l".repeat(tab_moves));
    keys(&text)
}

#[tokio::test]
async fn detail_tabs() {
    for (w, h) in SIZES {
        // The gap event (#9): body, headers, raw, analysis.
        for (i, tab) in ["body", "headers", "raw", "analysis"].iter().enumerate() {
            let screen = shot(w, h, open_detail(9, i)).await;
            insta::assert_snapshot!(
                name(&format!("detail_{tab}"), w, h),
                screen.terminal.backend()
            );
        }
    }
}

#[tokio::test]
async fn detail_of_each_body_shape() {
    // #13 failed asset job, #14 bad signature, #15 retry with a masked token, #17 GET with a
    // query, #18 multipart, #19 binary, #20 truncated.
    for (id, tab, label) in [
        (13, 3, "failed_analysis"),
        (14, 3, "bad_signature_analysis"),
        (15, 0, "masked_token_body"),
        (15, 3, "retry_analysis"),
        (17, 1, "get_headers"),
        (18, 0, "multipart_body"),
        (19, 0, "binary_body"),
        (20, 0, "truncated_body"),
    ] {
        let screen = shot(120, 40, open_detail(id, tab)).await;
        insta::assert_snapshot!(format!("detail_{label}_120x40"), screen.terminal.backend());
    }
}

#[tokio::test]
async fn revealing_the_token() {
    let mut inputs = open_detail(15, 0);
    inputs.extend(keys("u"));
    let screen = shot(120, 40, inputs).await;
    let text = screen.text();
    assert!(text.contains("ut_live_9f8e7d6c5b4a"), "{text}");
    assert!(text.contains("tokens shown"));
    let screen = shot(120, 40, open_detail(15, 0)).await;
    assert!(!screen.text().contains("ut_live_9f8e7d6c5b4a"));
    assert!(screen.text().contains("\"userToken\": \"••••\""));
}

#[tokio::test]
async fn long_lines_wrap_on_request() {
    let mut inputs = open_detail(13, 0);
    let mut cut_inputs = inputs.clone();
    cut_inputs.extend(keys("G"));
    let cut = shot(60, 24, cut_inputs).await;
    assert!(!cut.text().contains("capture data"), "{}", cut.text());
    // Wrap, then scroll to the end of the body, where the long message is.
    inputs.extend(keys("wG"));
    let wrapped = shot(60, 24, inputs).await;
    let text = wrapped.text();
    assert!(text.contains("wrapped"), "{text}");
    assert!(
        text.contains("to the capture") && text.contains(" data\""),
        "{text}"
    );
    insta::assert_snapshot!("detail_wrapped_60x24", wrapped.terminal.backend());
}

#[tokio::test]
async fn help_overlay() {
    for (w, h) in SIZES {
        let screen = shot(w, h, keys("?")).await;
        insta::assert_snapshot!(name("help", w, h), screen.terminal.backend());
    }
}

#[tokio::test]
async fn filter_prompt() {
    for (w, h) in SIZES {
        let screen = shot(w, h, keys("/sev:error")).await;
        insta::assert_snapshot!(name("filter_typing", w, h), screen.terminal.backend());
        let screen = shot(w, h, keys("/sig:maybe")).await;
        insta::assert_snapshot!(name("filter_error", w, h), screen.terminal.backend());
        let screen = shot(w, h, keys("/gap⏎")).await;
        insta::assert_snapshot!(name("filter_kept", w, h), screen.terminal.backend());
    }
}

#[tokio::test]
async fn clear_question() {
    let screen = shot(80, 24, keys("z")).await;
    insta::assert_snapshot!("clear_question_80x24", screen.terminal.backend());
}

/// With one event, the question speaks of that event, not of "all 1 stored event".
#[tokio::test]
async fn clear_question_for_one_event() {
    let one = sample_events().into_iter().take(1).collect();
    let mut screen = Screen::new(store_with(one, 1000), live_source(), 80, 24);
    screen.send(keys("z")).await;
    let text = screen.text();
    assert!(
        text.contains("Drop the only stored event? It counts"),
        "{text}"
    );
    assert!(!text.contains("all 1 "), "{text}");
}

/// The first cell of the row showing `needle`, and the row.
fn find(screen: &Screen, needle: &str) -> (u16, String) {
    let text = screen.text();
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{text}"));
    (row as u16, line.to_owned())
}

/// The style of the cell showing `glyph` in the row that contains `needle`.
fn glyph_style(screen: &Screen, needle: &str, glyph: &str) -> ratatui::style::Style {
    let (row, _) = find(screen, needle);
    let buffer = screen.buffer();
    (0..buffer.area.width)
        .map(|x| &buffer[(x, row)])
        .find(|cell| cell.symbol() == glyph)
        .unwrap_or_else(|| panic!("no {glyph} in the row of {needle}"))
        .style()
}

#[tokio::test]
async fn severity_and_signature_cells_are_coloured() {
    let screen = shot(120, 40, vec![]).await;
    let theme = Theme::default();
    let failed = glyph_style(&screen, "body.creation.failed", "✖");
    assert_eq!(failed.fg, theme.severity(Severity::Error).fg);
    assert!(failed.add_modifier.contains(Modifier::BOLD));
    let bad = glyph_style(&screen, "video.completed", "✗");
    assert_eq!(bad.fg, theme.signature(SignatureVerdict::Invalid).fg);
    let good = glyph_style(&screen, "CAMERA_STARTED", "✓");
    assert_eq!(good.fg, theme.signature(SignatureVerdict::Valid).fg);
    assert_ne!(good.fg, bad.fg);
    let gap = glyph_style(&screen, "gap 7-8", "⚠");
    assert_eq!(gap.fg, theme.gap().fg);
    // The answer column is the last: the status is the row's last "503".
    let (row, line) = find(&screen, "CONSTRAINT_VIOLATION");
    let column = line[..line.rfind("503").unwrap()].chars().count() as u16;
    let status = screen.buffer()[(column, row)].style();
    assert_eq!(status.fg, theme.status(503).fg);
    assert_ne!(status.fg, theme.status(200).fg);
    // The whole buffer, styles included, for review.
    insta::assert_debug_snapshot!("list_styles_120x40", screen.buffer());
}

#[tokio::test]
async fn no_color_keeps_every_state_readable() {
    let store = store_with(sample_events(), 1000);
    for (w, h) in SIZES {
        let mut screen = Screen::new(store.clone(), live_source(), w, h)
            .with_theme(Theme::default().honour_no_color(Some("1")));
        screen.send(keys("k")).await;
        let buffer = screen.buffer();
        for cell in buffer.content() {
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
        }
        let text = screen.text();
        for sign in ["✖", "✗", "✓", "⚠ gap 7-8", "↺ 7 late", "503", "▶"] {
            assert!(text.contains(sign), "{sign} missing:\n{text}");
        }
        // The selection still shows, by reversed video.
        let (row, _) = find(&screen, "▶");
        assert!(buffer[(3, row)].modifier.contains(Modifier::REVERSED));
        insta::assert_snapshot!(name("no_color", w, h), screen.terminal.backend());
    }
}

#[tokio::test]
async fn payloads_cannot_drive_the_terminal() {
    let mut events = sample_events();
    events.push(hostile_event(21));
    let store = store_with(events, 1000);
    for (w, h) in SIZES {
        for tab in 0..4 {
            let mut screen = Screen::new(store.clone(), live_source(), w, h);
            let mut inputs = keys("⏎");
            inputs.extend(keys(&"l".repeat(tab)));
            screen.send(inputs).await;
            for cell in screen.buffer().content() {
                let symbol = cell.symbol();
                assert!(
                    !symbol
                        .chars()
                        .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                    "raw control character {symbol:?} reached a cell"
                );
            }
            if tab == 0 {
                let text = screen.text();
                assert!(text.contains(r"\x1b[2J"), "{text}");
                insta::assert_snapshot!(name("hostile_body", w, h), screen.terminal.backend());
            }
        }
    }
}

#[tokio::test]
async fn tiny_and_odd_sizes_never_panic() {
    let mut events = sample_events();
    events.push(hostile_event(21));
    // Wide characters, emoji and a combining accent everywhere text is shown.
    let mut wide = request(
        "POST",
        "/通知/😀/u\u{301}ber",
        &[("x-name", "日本語テキスト😀")],
        "{\"名前\":\"テスト😀\",\"userToken\":\"秘密\"}".as_bytes(),
    );
    wide.id = 22;
    wide.analysis.kind = Some("イベント.作成.成功😀".into());
    events.push(wide);
    let store = store_with(events, 1000);
    for (w, h) in [
        (1, 1),
        (10, 3),
        (20, 5),
        (39, 12),
        (80, 6),
        (200, 60),
        (81, 25),
    ] {
        for script in [
            "", "⏎", "⏎l", "⏎ll", "⏎lll", "⏎w", "⏎lllw", "k⏎w", "?", "/sev:e", "/日本", "z",
        ] {
            let mut screen = Screen::new(store.clone(), live_source(), w, h);
            screen.send(keys(script)).await;
        }
    }
}

#[tokio::test]
async fn wide_characters_keep_the_columns_aligned() {
    let mut wide = request(
        "POST",
        "/通知/😀/u\u{301}ber",
        &[("x-name", "日本語テキスト😀")],
        "{\"名前\":\"テスト😀テスト😀テスト😀テスト😀テスト😀テスト😀\"}".as_bytes(),
    );
    wide.id = 1;
    let mut kinded = wide.clone();
    kinded.id = 2;
    kinded.analysis.kind = Some("イベント.作成.成功😀イベント.作成.成功😀".into());
    let store = store_with(vec![wide, kinded], 100);
    for (w, h) in SIZES {
        for script in ["", "⏎", "⏎w"] {
            let mut screen = Screen::new(store.clone(), live_source(), w, h);
            screen.send(keys(script)).await;
            let buffer = screen.buffer();
            // Every row inside a pane ends with its border in the last column.
            for y in 3..h - 2 {
                let last = buffer[(w - 1, y)].symbol();
                assert!(
                    last == "│" || last == "╮" || last == "╯" || last == "╭" || last == "╰",
                    "row {y} overflows at {w}x{h} after {script:?}:\n{}",
                    screen.text()
                );
            }
        }
    }
    let mut screen = Screen::new(store, live_source(), 80, 24);
    screen.send(keys("⏎")).await;
    insta::assert_snapshot!("wide_characters_80x24", screen.terminal.backend());
}

#[tokio::test]
async fn a_body_of_one_enormous_line_stays_cheap() {
    let blob = "y".repeat(2 * 1024 * 1024);
    let json = format!("{{\"blob\":\"{blob}\"}}");
    let mut one_line = request(
        "POST",
        "/big",
        &[("content-type", "application/json")],
        json.as_bytes(),
    );
    one_line.id = 1;
    let mut text = request(
        "POST",
        "/big.txt",
        &[("content-type", "text/plain")],
        blob.as_bytes(),
    );
    text.id = 2;
    text.analysis.body_kind = hookscope::event::BodyKind::Text;
    let store = store_with(vec![one_line, text], 10);
    // The raw tab is a hex dump, cut at its line limit; the others are a few lines.
    for (script, most) in [
        ("g⏎", 200),
        ("g⏎w", 200),
        ("⏎", 200),
        ("⏎w", 200),
        ("⏎ll", 5_001),
    ] {
        let mut screen = Screen::new(store.clone(), live_source(), 120, 40);
        screen.send(keys(script)).await;
        let lines = &screen.app.views.events.detail.lines;
        assert!(lines.len() <= most, "{script}: {} lines", lines.len());
        let widest = lines
            .iter()
            .map(|l| l.text().chars().count())
            .max()
            .unwrap_or(0);
        assert!(widest < 4_100, "{script}: a line of {widest} columns");
    }
    let mut screen = Screen::new(store, live_source(), 120, 40);
    screen.send(keys("⏎w")).await;
    screen.send(keys("G")).await;
    assert!(screen.text().contains("more columns;"), "{}", screen.text());
}

/// The simulator's traffic through a real recorder, seen `later` after its last event.
async fn analysis_shot(
    width: u16,
    height: u16,
    later: chrono::Duration,
    inputs: Vec<ratatui::crossterm::event::Event>,
) -> Screen {
    let (store, links, last) = analysed_traffic();
    let mut screen = Screen::new(store, live_source(), width, height)
        .with_links(links)
        .at(last + later);
    screen.send(inputs).await;
    screen
}

#[tokio::test]
async fn sessions_running_and_finished() {
    let three = chrono::Duration::seconds(3);
    for (w, h) in SIZES {
        // The newest session first: still measuring, 12 missing, 13 filled late, 9 twice.
        let screen = analysis_shot(w, h, three, keys("2")).await;
        let text = screen.text();
        for sign in [
            "[2 Sessions]",
            "⚠ 12",
            "● measuring",
            "✖ constraint",
            "✖ camera denied",
        ] {
            assert!(text.contains(sign), "{sign} missing:\n{text}");
        }
        for sign in [
            "░",
            "▒",
            "◆",
            "░ missing",
            "16 events · ⚠ 1 missing: 12 · 1 late · 1 duplicate",
        ] {
            assert!(text.contains(sign), "{sign} missing:\n{text}");
        }
        assert!(text.contains("last 86, min 41, max 93"), "{text}");
        assert!(text.contains("INTERMEDIATE_RESULTS ×9"), "{text}");
        insta::assert_snapshot!(name("sessions_running", w, h), screen.terminal.backend());
        // Two down: the session that ended in a constraint violation, its trail to the end.
        let screen = analysis_shot(w, h, three, keys("2jj")).await;
        let text = screen.text();
        // A sequence number reads `seq 10`: `#` is a capture id.
        assert!(text.contains("ended    ✖ constraint at seq 10"), "{text}");
        assert!(
            text.contains("CONSTRAINT_VIOLATION (14:02:16, 7.0 s)"),
            "{text}"
        );
        insta::assert_snapshot!(name("sessions_finished", w, h), screen.terminal.backend());
    }
}

#[tokio::test]
async fn a_silent_session_warns() {
    let screen = analysis_shot(120, 40, chrono::Duration::seconds(25), keys("2")).await;
    let text = screen.text();
    assert!(text.contains("⚠ no event for 25 s"), "{text}");
    assert!(text.contains("25 s ago"), "{text}");
    insta::assert_snapshot!("sessions_silent_120x40", screen.terminal.backend());
    // Narrow: the warning takes the place of the phase.
    let screen = analysis_shot(80, 24, chrono::Duration::seconds(25), keys("2")).await;
    let (_, line) = find(&screen, "ryueiwoqfh910fu");
    assert!(line.contains("⚠ silent 25 s"), "{line}");
}

#[tokio::test]
async fn sessions_gaps_are_coloured_and_signed() {
    let theme = Theme::default();
    let screen = analysis_shot(120, 40, chrono::Duration::seconds(3), keys("2")).await;
    let gap = glyph_style(&screen, "ryueiwoqfh910fu3rpqruvfiu        16", "⚠");
    assert_eq!(gap.fg, theme.gap().fg);
    let missing = glyph_style(&screen, "sequence 0", "░");
    assert_eq!(missing.fg, theme.gap().fg);
    let in_order = glyph_style(&screen, "sequence 0", "█");
    assert_ne!(in_order.fg, missing.fg);
    let ended = glyph_style(&screen, "a8d1c0e4b2f94e1c9d7a6b5c4d3", "✖");
    assert_eq!(ended.fg, theme.problem().fg);
    insta::assert_debug_snapshot!("sessions_styles_120x40", screen.buffer());
}

/// The simulator's traffic, then [`troubled_session`] (newest, so selected), seen `later` after
/// its last event.
async fn troubled_shot(
    width: u16,
    height: u16,
    later: chrono::Duration,
    inputs: Vec<ratatui::crossterm::event::Event>,
) -> Screen {
    let (store, links, last) = analysed_traffic();
    let recorder = links.recorder.clone().unwrap();
    let last = troubled_session(&recorder, last + chrono::Duration::seconds(2));
    let mut screen = Screen::new(store, live_source(), width, height)
        .with_links(links)
        .at(last + later);
    screen.send(inputs).await;
    screen
}

/// A session with a number missing, one late, one bad MAC and a non-ASCII body, silent for
/// 31 s: its row says each of these, in words and glyphs, at 80, 120 and 200 columns.
#[tokio::test]
async fn a_session_row_tells_the_whole_story_at_every_width() {
    let silent = chrono::Duration::seconds(31);
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let screen = troubled_shot(w, h, silent, keys("2")).await;
        let text = screen.text();
        let (_, row) = find(&screen, &TROUBLED[..14]);
        let narrow = w < 120;
        for fact in [
            // Missing, the delivery lag, and the silence ahead of the phase.
            "⚠ 4",
            "1.2 s",
            "⚠ silent 31 s",
            // The bad MAC: how many and which number; the late number.
            if narrow {
                "✗ sig 1: 8"
            } else {
                "✗ sig 1: seq 8"
            },
            if narrow { "late 6" } else { "late seq 6" },
        ] {
            assert!(
                row.contains(fact),
                "{fact} not in the row at {w}x{h}: {row}"
            );
        }
        // The detail says it in full.
        for fact in [
            "9 events · ⚠ 1 missing: 4 · 1 late · ✗ 1 bad signature",
            "seq      late seq 6 · ✗ bad signature seq 8",
            "lag      median 1.2 s of the latest 9 · min 1.2 s · max 2.6 s",
            "⚠ no event for 31 s",
        ] {
            assert!(text.contains(fact), "{fact} missing at {w}x{h}:\n{text}");
        }
        if w >= 200 {
            // Wide enough: no id is cut while other cells pad.
            assert!(row.contains(TROUBLED), "{row}");
            let (_, other) = find(&screen, "c0ffee00d15ea");
            assert!(
                other.contains("c0ffee00d15ea5e0b5e55ed0a11d0c5e"),
                "{other}"
            );
        }
        insta::assert_snapshot!(name("sessions_troubled", w, h), screen.terminal.backend());
    }
}

/// `z` asks what to clear: `e` drops the events and keeps the sessions and timelines listed,
/// `a` drops the analysis too; after `e`, `z` still offers to clear the analysis.
#[tokio::test]
async fn clearing_says_what_it_clears_and_does_it() {
    let three = chrono::Duration::seconds(3);
    let sessions = |screen: &Screen| {
        screen
            .app
            .links
            .recorder
            .as_ref()
            .unwrap()
            .analysis(|a| a.counters().sessions)
    };

    // Events only.
    let (store, links, last) = analysed_traffic();
    let mut screen = Screen::new(store.clone(), live_source(), 80, 24)
        .with_links(links)
        .at(last + three);
    screen.send(keys("2z")).await;
    let text = screen.text();
    assert!(text.contains("Clear the buffer?"), "{text}");
    assert!(text.contains("The analysis holds 3 WMS sessions"), "{text}");
    insta::assert_snapshot!("clear_what_80x24", screen.terminal.backend());
    screen.send(keys("e")).await;
    let text = screen.text();
    assert_eq!(store.len(), 0);
    assert_eq!(sessions(&screen), 3);
    assert!(text.contains("WMS sessions 3"), "{text}");
    assert!(
        text.contains("the sessions and timelines stay listed"),
        "{text}"
    );
    // No event left, but the analysis can still be cleared.
    screen.send(keys("z")).await;
    let text = screen.text();
    assert!(text.contains("No event is stored."), "{text}");
    screen.send(keys("a")).await;
    assert_eq!(sessions(&screen), 0);
    assert!(
        screen.text().contains("WMS sessions 0"),
        "{}",
        screen.text()
    );
    // Nothing left at all: nothing is asked.
    screen.send(keys("z")).await;
    assert!(
        screen.text().contains("nothing to clear"),
        "{}",
        screen.text()
    );

    // Events and analysis at once; the Timelines view empties too.
    let (store, links, last) = analysed_traffic();
    let mut screen = Screen::new(store.clone(), live_source(), 120, 40)
        .with_links(links)
        .at(last + three);
    screen.send(keys("2za")).await;
    let text = screen.text();
    assert_eq!(store.len(), 0);
    assert_eq!(sessions(&screen), 0);
    assert!(text.contains("WMS sessions 0"), "{text}");
    assert!(text.contains("the sessions and the timelines"), "{text}");
    screen.send(keys("3")).await;
    assert!(
        screen.text().contains("Scans and videos 0"),
        "{}",
        screen.text()
    );

    // n keeps everything.
    let (store, links, last) = analysed_traffic();
    let n = store.len();
    let mut screen = Screen::new(store.clone(), live_source(), 80, 24)
        .with_links(links)
        .at(last + three);
    screen.send(keys("2zn")).await;
    assert_eq!((store.len(), sessions(&screen)), (n, 3));
    assert!(
        screen.text().contains("nothing cleared"),
        "{}",
        screen.text()
    );
}

#[tokio::test]
async fn timelines_running_failed_and_anomalous() {
    let three = chrono::Duration::seconds(3);
    for (w, h) in SIZES {
        // The newest scan first: four jobs done, processing running up to now.
        let screen = analysis_shot(w, h, three, keys("3")).await;
        let text = screen.text();
        for sign in [
            "[3 Timelines]",
            "● processing 23 s",
            "✓ done",
            "✖ body failed",
            "✖ validation failed",
            "▒▒▒",
            "· not seen",
            "0 s ──",
        ] {
            assert!(text.contains(sign), "{sign} missing:\n{text}");
        }
        insta::assert_snapshot!(name("timelines_running", w, h), screen.terminal.backend());
        // The scan whose body creation failed, and an end that came without its start.
        let screen = analysis_shot(w, h, three, keys("3jjj")).await;
        let text = screen.text();
        assert!(
            text.contains("✖ E42 MESH_ERROR: Body mesh could not be fitted"),
            "{text}"
        );
        assert!(
            text.contains("⚠ fitted_body.creation.succeeded came with no"),
            "{text}"
        );
        assert!(text.contains("◆"), "{text}");
        insta::assert_snapshot!(name("timelines_failed", w, h), screen.terminal.backend());
    }
    // An asset job before valid capture data, still running on the time axis.
    let screen = analysis_shot(120, 40, three, keys("3jj")).await;
    let text = screen.text();
    assert!(
        text.contains("⚠ measurements.creation started before capture data was valid"),
        "{text}"
    );
    assert!(text.contains("✖ E7 CAPTURE_TOO_DARK"), "{text}");
    insta::assert_snapshot!("timelines_anomalies_120x40", screen.terminal.backend());
}

#[tokio::test]
async fn failed_lanes_are_coloured() {
    let theme = Theme::default();
    let screen = analysis_shot(120, 40, chrono::Duration::seconds(3), keys("3jjj")).await;
    let (row, line) = find(&screen, "body.creation ");
    let bar = line.find('█').expect("a bar on the failed lane");
    let column = line[..bar].chars().count() as u16;
    let cell = screen.buffer()[(column, row)].style();
    assert_eq!(cell.fg, theme.problem().fg);
    let error = glyph_style(&screen, "MESH_ERROR", "✖");
    assert_eq!(error.fg, theme.problem().fg);
    let done = glyph_style(&screen, "capture_data.validation", "█");
    assert_eq!(done.fg, theme.success().fg);
    assert_ne!(done.fg, cell.fg);
    let anomaly = glyph_style(&screen, "came with no", "⚠");
    assert_eq!(anomaly.fg, theme.severity(Severity::Warn).fg);
}

#[tokio::test]
async fn analysis_views_read_without_colour() {
    for (w, h) in SIZES {
        for input in ["2", "3jjj"] {
            let (store, links, last) = analysed_traffic();
            let mut screen = Screen::new(store, live_source(), w, h)
                .with_links(links)
                .at(last + chrono::Duration::seconds(3))
                .with_theme(Theme::default().honour_no_color(Some("1")));
            screen.send(keys(input)).await;
            for cell in screen.buffer().content() {
                assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
            }
            let text = screen.text();
            let signs: &[&str] = if input == "2" {
                &[
                    "⚠ 12",
                    "░ missing",
                    "▒ late",
                    "◆ duplicate",
                    "✖ constraint",
                    "● measuring",
                    "▶",
                ]
            } else {
                &[
                    "✖ body failed",
                    "✓ done",
                    "· not seen",
                    "✖ E42",
                    "◆",
                    "⚠ fitted_body",
                    "▶",
                ]
            };
            for sign in signs {
                assert!(text.contains(sign), "{sign} missing:\n{text}");
            }
        }
    }
    let (store, links, last) = analysed_traffic();
    let mut screen = Screen::new(store, live_source(), 80, 24)
        .with_links(links)
        .at(last + chrono::Duration::seconds(3))
        .with_theme(Theme::default().honour_no_color(Some("1")));
    screen.send(keys("3")).await;
    insta::assert_snapshot!("timelines_no_color_80x24", screen.terminal.backend());
}

#[tokio::test]
async fn an_opened_file_has_sessions_and_timelines_too() {
    let (store, links, _) = analysed_traffic();
    // The same events read back as `open` does: a fresh recorder rebuilt from them.
    let events: Vec<_> = store.snapshot();
    let copy = store_with(events.iter().map(|e| (**e).clone()).collect(), 1000);
    let recorder =
        std::sync::Arc::new(hookscope::ingest::Recorder::new(copy.clone(), None).unwrap());
    recorder.rebuild_analysis(events.iter().map(|e| e.as_ref()));
    drop(links);
    let source = Source::File {
        name: "capture.json".into(),
    };
    let links = hookscope::ui::app::Links {
        recorder: Some(recorder),
        policy: None,
    };
    let mut screen = Screen::new(copy, source, 120, 40).with_links(links);
    screen.send(keys("2")).await;
    let text = screen.text();
    assert!(text.contains("WMS sessions 3"), "{text}");
    // From a file, "seen" is a time of day, never an age against today's clock.
    assert!(!text.contains("ago"), "{text}");
    assert!(!text.contains("no event for"), "{text}");
    screen.send(keys("3")).await;
    let text = screen.text();
    assert!(text.contains("Scans and videos 6"), "{text}");
    insta::assert_snapshot!("file_timelines_120x40", screen.terminal.backend());
}

#[tokio::test]
async fn analysis_views_help() {
    for view in ["2", "3"] {
        let screen = analysis_shot(
            120,
            40,
            chrono::Duration::seconds(3),
            keys(&format!("{view}?")),
        )
        .await;
        let text = screen.text();
        assert!(text.contains("(Events view, filtered)"), "{text}");
        assert!(text.contains("cycle the answer"), "{text}");
        // Replay works on events: it is a key of the Events view.
        assert!(!text.contains("replay the event"), "{text}");
        insta::assert_snapshot!(
            format!("help_view_{view}_120x40"),
            screen.terminal.backend()
        );
    }
}

#[tokio::test]
async fn ids_and_names_from_senders_cannot_drive_the_terminal() {
    let (store, links, last) = analysed_traffic();
    let recorder = links.recorder.clone().unwrap();
    let hostile = |seq: u64, event: &str| {
        let body = serde_json::json!({
            "timestamp": 1_700_000_000,
            "sessionId": "evil\u{1b}[2J\u{1b}]52;c;AAAA\u{7}\u{202e}id",
            "sequence": seq,
            "event": event,
            "severity": "ERROR",
            "payload": { "measurementId": "m\u{1b}[31m", "details": "bad\u{1b}[0m\r\nthing" }
        });
        request(
            "POST",
            "/hooks/wms",
            &[("content-type", "application/json")],
            body.to_string().as_bytes(),
        )
    };
    record_at(&recorder, hostile(0, "WMS_LOADED\u{1b}[5m"), last);
    record_at(&recorder, hostile(3, "CONSTRAINT_VIOLATION"), last);
    let prism = serde_json::json!({
        "eventType": "body.creation.failed",
        "payload": { "scanId": "scan\u{1b}[1m\u{8}", "state": "ASSET\u{1b}[7mFAILED",
            "error": { "id": 1, "code": "C\u{1b}c", "message": "m\u{1b}[?1049l" } }
    });
    record_at(
        &recorder,
        request(
            "POST",
            "/hooks/prism",
            &[("content-type", "application/json")],
            prism.to_string().as_bytes(),
        ),
        last,
    );
    for (w, h) in SIZES {
        for (input, shown) in [("2", "evil\\x1b[2J"), ("3", "scan\\x1b[1m\\x08")] {
            let mut screen = Screen::new(store.clone(), live_source(), w, h)
                .with_links(links.clone())
                .at(last);
            screen.send(keys(input)).await;
            let text = screen.text();
            assert!(text.contains(shown), "{text}");
            for cell in screen.buffer().content() {
                let symbol = cell.symbol();
                assert!(
                    !symbol
                        .chars()
                        .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                    "raw control character {symbol:?} reached a cell"
                );
            }
        }
    }
}

/// The columns a terminal gives one code point: the C library's `wcwidth`, which tmux, xterm
/// and most terminals on Linux use, one code point at a time.
#[cfg(target_os = "linux")]
fn terminal_width(c: char) -> usize {
    unsafe extern "C" {
        fn wcwidth(c: i32) -> i32;
        fn setlocale(category: i32, locale: *const std::ffi::c_char) -> *mut std::ffi::c_char;
    }
    static LOCALE: std::sync::Once = std::sync::Once::new();
    LOCALE.call_once(|| {
        const LC_CTYPE: i32 = 0;
        // SAFETY: called once, before any other use of the locale in this test binary.
        let set = unsafe { setlocale(LC_CTYPE, c"C.UTF-8".as_ptr()) };
        assert!(
            !set.is_null(),
            "the C.UTF-8 locale is needed to measure like a terminal"
        );
    });
    // SAFETY: wcwidth only reads the locale's tables.
    usize::try_from(unsafe { wcwidth(c as i32) }).unwrap_or(0)
}

/// Elsewhere, the code point's own width from the Unicode tables.
#[cfg(not(target_os = "linux"))]
fn terminal_width(c: char) -> usize {
    use ratatui::buffer::CellWidth as _;
    usize::from(c.encode_utf8(&mut [0; 4]).cell_width())
}

/// A terminal as the common ones behave: each code point takes its own width (a wide one also
/// covers the next cell, writing over half of a wide character erases all of it), and a cell
/// written right after the previous one lands where the cursor is, not where ratatui meant it.
/// `TestBackend` copies cells where it is told; a real terminal does not, and that difference
/// is where stray cells come from.
struct TerminalLike {
    cells: Vec<Vec<String>>,
    /// Whether a cell is the right half of the wide character before it.
    covered: Vec<Vec<bool>>,
    cursor: (u16, u16),
    size: (u16, u16),
}

impl TerminalLike {
    fn new(width: u16, height: u16) -> TerminalLike {
        TerminalLike {
            cells: vec![vec![" ".to_owned(); usize::from(width)]; usize::from(height)],
            covered: vec![vec![false; usize::from(width)]; usize::from(height)],
            cursor: (0, 0),
            size: (width, height),
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for row in &self.cells {
            out.push_str(row.concat().trim_end());
            out.push('\n');
        }
        out
    }

    fn blank(&mut self, x: usize, y: usize) {
        self.cells[y][x] = " ".to_owned();
        self.covered[y][x] = false;
    }

    fn put(&mut self, symbol: &str) {
        let (x, y) = (usize::from(self.cursor.0), usize::from(self.cursor.1));
        let width = symbol.chars().map(terminal_width).sum::<usize>();
        if x >= self.cells[y].len() || width == 0 {
            return;
        }
        // Writing over either half of a wide character erases the whole of it.
        if self.covered[y][x] && x > 0 {
            self.blank(x - 1, y);
        }
        for k in 0..width.max(1) {
            if x + k < self.cells[y].len() {
                if self.covered[y].get(x + k + 1) == Some(&true) {
                    self.blank(x + k + 1, y);
                }
                self.blank(x + k, y);
                self.covered[y][x + k] = k > 0;
            }
        }
        self.cells[y][x] = symbol.to_owned();
        self.cursor.0 += width as u16;
    }
}

impl ratatui::backend::Backend for TerminalLike {
    type Error = std::io::Error;

    fn draw<'a, I>(&mut self, content: I) -> std::io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        let mut last: Option<(u16, u16)> = None;
        for (x, y, cell) in content {
            // As crossterm's backend: the cursor is moved only when the cell does not follow
            // the previous one.
            if !matches!(last, Some((lx, ly)) if x == lx + 1 && y == ly) {
                self.cursor = (x, y);
            }
            self.put(cell.symbol());
            last = Some((x, y));
        }
        Ok(())
    }
    fn hide_cursor(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn show_cursor(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn get_cursor_position(&mut self) -> std::io::Result<ratatui::layout::Position> {
        Ok(self.cursor.into())
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> std::io::Result<()> {
        let p = position.into();
        self.cursor = (p.x, p.y);
        Ok(())
    }
    fn clear(&mut self) -> std::io::Result<()> {
        *self = TerminalLike::new(self.size.0, self.size.1);
        Ok(())
    }
    fn clear_region(&mut self, _: ratatui::backend::ClearType) -> std::io::Result<()> {
        self.clear()
    }
    fn size(&self) -> std::io::Result<ratatui::layout::Size> {
        Ok(ratatui::layout::Size::new(self.size.0, self.size.1))
    }
    fn window_size(&mut self) -> std::io::Result<ratatui::backend::WindowSize> {
        Ok(ratatui::backend::WindowSize {
            columns_rows: self.size().unwrap(),
            pixels: ratatui::layout::Size::new(0, 0),
        })
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the real event loop over `inputs` on a terminal-like screen.
async fn run_on(
    terminal: &mut ratatui::Terminal<TerminalLike>,
    app: &mut hookscope::ui::app::App,
    store: &std::sync::Arc<hookscope::store::Store>,
    inputs: Vec<ratatui::crossterm::event::Event>,
) {
    let stream = futures_util::stream::iter(inputs.into_iter().map(Ok::<_, std::io::Error>));
    let mut clipboard = |_: &str| {};
    hookscope::ui::run(
        terminal,
        stream,
        std::sync::Arc::clone(store),
        app,
        &Theme::default(),
        &mut clipboard,
    )
    .await
    .unwrap();
}

/// Draws after `first` keys, then after `then` keys, on one terminal; then the same state on
/// a fresh terminal: the screens must be the same, with no cell left over from the first.
async fn sequence_matches_fresh(
    store: std::sync::Arc<hookscope::store::Store>,
    first: &str,
    then: &str,
) {
    for (w, h) in SIZES {
        let area = ratatui::layout::Rect::new(0, 0, w, h);
        let mut app = hookscope::ui::app::App::new(live_source(), area, std::env::temp_dir());
        let mut terminal = ratatui::Terminal::new(TerminalLike::new(w, h)).unwrap();
        run_on(&mut terminal, &mut app, &store, keys(first)).await;
        run_on(&mut terminal, &mut app, &store, keys(then)).await;
        let incremental = terminal.backend().text();
        let mut fresh = ratatui::Terminal::new(TerminalLike::new(w, h)).unwrap();
        run_on(&mut fresh, &mut app, &store, vec![]).await;
        assert_eq!(
            incremental,
            fresh.backend().text(),
            "stray cells after {first:?} then {then:?} at {w}x{h}"
        );
    }
}

#[tokio::test]
async fn wide_and_invisible_characters_leave_no_stray_cells() {
    let texts = [
        "filler\u{3164}\u{3164}\u{3164}after and more text to cover the pane",
        "flag \u{1f1fa}\u{1f1f8}\u{1f1fa}\u{1f1f8}\u{1f1e6} single and more text to cover the pane",
        "joined \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467} heart \u{2764}\u{fe0f} tone \u{1f44d}\u{1f3fd} end",
        "format \u{2060}\u{61c}\u{180e}\u{fff9}\u{ad}\u{e0001} hangul \u{115f}\u{1160}\u{ffa0} end",
        "wide 日本語テキスト😀 and a combining u\u{301} end",
    ];
    let mut events = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let body = format!("{{\"note\":\"{text}\",\"more\":\"{text}\"}}\n{text}");
        let mut e = request(
            "POST",
            &format!("/w/{text}"),
            &[("x-note", text)],
            body.as_bytes(),
        );
        e.id = i as u64 + 1;
        e.analysis.body_kind = hookscope::event::BodyKind::Text;
        e.analysis.kind = Some((*text).into());
        events.push(e);
    }
    let store = store_with(events, 100);
    for (first, then) in [
        ("", "⏎"),
        ("⏎", "l"),
        ("⏎l", "l"),
        ("⏎", "2"),
        ("k⏎", "j"),
        ("kk⏎", "k"),
        ("kkk⏎", "j"),
        ("⏎", "⎋"),
        ("⏎", "w"),
    ] {
        sequence_matches_fresh(store.clone(), first, then).await;
    }
}

/// The bytes of the hex dump on the screen (offset, hex pairs, `|ascii|`), in order.
fn hexdump_bytes(text: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in text.lines().flat_map(|l| l.split('│')) {
        let line = line.trim_start();
        let Some((offset, rest)) = line.split_once("  ") else {
            continue;
        };
        if offset.len() != 8 || !offset.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        for word in rest.split_whitespace() {
            if word.starts_with('|') {
                break;
            }
            if let Ok(byte) = u8::from_str_radix(word, 16) {
                bytes.push(byte);
            }
        }
    }
    bytes
}

#[tokio::test]
async fn user_tokens_stay_masked_in_every_tab_whatever_their_spelling() {
    use hookscope::event::BodyKind;
    // Each secret is found by its decoded key: an escaped key, a malformed body, a nested
    // value, a form field, a query parameter, a header, binary bytes around JSON.
    /// Path, query, headers, body and its kind.
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        &'a [u8],
        BodyKind,
    );
    let cases: [Case; 7] = [
        (
            "/escaped",
            "",
            &[],
            br#"{"payload":{"user\u0054oken":"SECRET1"}}"#,
            BodyKind::Json,
        ),
        (
            "/malformed",
            "",
            &[],
            br#"{"userToken":"SECRET2", oops"#,
            BodyKind::MalformedJson,
        ),
        (
            "/nested",
            "",
            &[],
            br#"{"UserToken":{"token":"SECRET3"},"n":1}"#,
            BodyKind::Json,
        ),
        (
            "/form",
            "",
            &[],
            b"a=1&user%54oken=SECRET4&b=2",
            BodyKind::Form,
        ),
        (
            "/query",
            "userToken=SECRET5&x=1",
            &[("usertoken", "SECRET6")],
            b"",
            BodyKind::Empty,
        ),
        (
            "/binary",
            "",
            &[],
            b"\xff\x00{\"userToken\" : \"SECRET7\"}\xfe",
            BodyKind::Binary,
        ),
        (
            "/text",
            "",
            &[],
            b"log line {\"userToken\":\"SECRET8\"} end",
            BodyKind::Text,
        ),
    ];
    let mut events = Vec::new();
    for (i, (path, query, headers, body, kind)) in cases.iter().enumerate() {
        let mut e = request("POST", path, headers, body);
        e.id = i as u64 + 1;
        e.set_query((!query.is_empty()).then(|| (*query).into()));
        e.analysis.body_kind = *kind;
        events.push(e);
    }
    let store = store_with(events, 100);
    for id in 1..=cases.len() as u64 {
        let up = "k".repeat(cases.len() - id as usize);
        for tab in 0..4 {
            for reveal in [false, true] {
                let script = format!("{up}⏎{}{}", "l".repeat(tab), if reveal { "u" } else { "" });
                let mut screen = Screen::new(store.clone(), live_source(), 120, 40);
                screen.send(keys(&script)).await;
                let text = screen.text();
                let mut shown = text.clone();
                shown.push_str(&String::from_utf8_lossy(&hexdump_bytes(&text)));
                // #5 carries two: in its query and in a header.
                let secrets = match id {
                    1..=4 => vec![format!("SECRET{id}")],
                    5 => vec!["SECRET5".to_owned(), "SECRET6".to_owned()],
                    _ => vec![format!("SECRET{}", id + 1)],
                };
                for secret in &secrets {
                    if !reveal {
                        assert!(
                            !shown.contains(secret),
                            "{secret} shown in tab {tab} of #{id}:\n{text}"
                        );
                        if tab == 2 {
                            assert!(hexdump_bytes(&text).len() > 40, "no hex dump:\n{text}");
                        }
                    }
                    if reveal && (tab == 2 || (tab == 0 && id != 5) || (tab == 1 && id == 5)) {
                        assert!(
                            shown.contains(secret),
                            "{secret} not revealed in tab {tab}:\n{text}"
                        );
                    }
                }
            }
        }
    }
}
