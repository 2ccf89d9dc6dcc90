//! The loose ends of the debugging loop, in the real interface loop: the help's ends, the
//! target prompt at 80 columns, and bottom-line messages that go when what they speak of goes.

mod ui_support;

use hookscope::ui::app::Mode;
use ratatui::crossterm::event::KeyCode;
use ui_support::*;

fn sample_screen(width: u16, height: u16) -> Screen {
    Screen::new(
        store_with(sample_events(), 100),
        live_source(),
        width,
        height,
    )
}

#[tokio::test]
async fn the_help_goes_to_its_top_and_bottom_with_g_and_home_end() {
    let mut screen = sample_screen(80, 24);
    screen.send(keys("?G")).await;
    assert_eq!(screen.app.mode, Mode::Help);
    let end = screen.app.help_scroll;
    assert!(end > 0, "G goes to the end");
    assert!(
        screen.text().contains("the wheel scrolls; a click selects"),
        "{}",
        screen.text()
    );
    screen.send(keys("g")).await;
    assert_eq!(screen.app.help_scroll, 0);
    screen.send(vec![key(KeyCode::End)]).await;
    assert_eq!(screen.app.help_scroll, end);
    screen.send(vec![key(KeyCode::Home)]).await;
    assert_eq!(screen.app.help_scroll, 0);
    // Still the help, and the list behind it did not move.
    assert_eq!(screen.app.mode, Mode::Help);
}

#[tokio::test]
async fn an_unknown_anomaly_code_keeps_the_prompt_open_and_names_the_nearest() {
    let mut screen = sample_screen(120, 36);
    screen.send(keys("/anomaly:sequence_gapp⏎")).await;
    let Mode::Filter(prompt) = &screen.app.mode else {
        panic!("the prompt closed: {:?}", screen.app.mode);
    };
    assert_eq!(
        prompt.error.as_deref(),
        Some("anomaly:sequence_gapp is not an anomaly code: did you mean sequence_gap?")
    );
    assert!(
        screen.text().contains("did you mean sequence_gap?"),
        "{}",
        screen.text()
    );
    // The code fixed, Enter keeps it.
    screen.send(vec![key(KeyCode::Backspace)]).await;
    screen.send(keys("⏎")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert_eq!(
        screen.app.views.events.filter.to_string(),
        "anomaly:sequence_gap"
    );
}

/// The target prompt's line (the second row of the screen).
fn prompt_line(screen: &Screen) -> String {
    screen.text().lines().nth(1).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_target_prompt_fits_80_columns_whole_and_says_everything_at_120() {
    let mut screen = sample_screen(80, 24);
    screen.send(keys("r")).await;
    assert!(matches!(screen.app.mode, Mode::Replay(_)));
    let line = prompt_line(&screen);
    assert!(
        line.ends_with("(path and query of each event are appended)"),
        "{line}"
    );
    insta::assert_snapshot!("replay_prompt_80x24", screen.terminal.backend());

    let mut wide = sample_screen(120, 36);
    wide.send(keys("r")).await;
    assert!(
        prompt_line(&wide)
            .ends_with("⏎ send  Esc cancel  (path and query of each event are appended)"),
        "{}",
        prompt_line(&wide)
    );
}

/// `E`'s target prompt, reached without an editor: the edit is started, and the editor's
/// outcome handed in as the loop would.
async fn edit_prompt(width: u16, height: u16) -> Screen {
    use hookscope::ui::action::Action;
    use hookscope::ui::app::{Command, EditOutcome, Input};
    let mut screen = sample_screen(width, height);
    // #18, a multipart upload: two digits of id, and a body that is text.
    screen.send(keys("kk")).await;
    screen.app.update(Action::EditResend, &screen.store);
    let text = match screen.app.commands.pop() {
        Some(Command::Edit { text, .. }) => text,
        other => panic!("no edit started: {other:?}"),
    };
    let edited = String::from_utf8(text)
        .unwrap()
        .replacen("\n", "\nx-edited: 1\n", 1);
    screen.app.handle(
        Input::Edited(EditOutcome::Saved(edited.into_bytes())),
        &screen.store,
    );
    screen.send(vec![]).await;
    screen
}

#[tokio::test]
async fn the_edit_target_prompt_fits_80_columns_whole() {
    let screen = edit_prompt(80, 24).await;
    assert!(matches!(screen.app.mode, Mode::Replay(_)));
    let line = prompt_line(&screen);
    assert!(
        line.starts_with(" send edited #18 to http://127.0.0.1:8765"),
        "{line}"
    );
    assert!(
        line.ends_with("(its path and query are appended)"),
        "{line}"
    );
    insta::assert_snapshot!("edit_prompt_80x24", screen.terminal.backend());
    let wide = edit_prompt(120, 36).await;
    assert!(
        prompt_line(&wide)
            .ends_with("⏎ send  Esc cancel  (the request's path and query are appended)"),
        "{}",
        prompt_line(&wide)
    );
}

#[tokio::test]
async fn messages_go_when_what_they_speak_of_is_gone() {
    // The editor closed and the target prompt opened: "editing" no longer holds.
    let screen = edit_prompt(80, 24).await;
    assert!(!screen.text().contains("editing #18"), "{}", screen.text());
    assert_eq!(screen.app.status, None);

    // "The filter does not parse" goes once it parses again, prompt still open.
    let mut screen = sample_screen(80, 24);
    screen.send(keys("/sev:eror⏎")).await;
    assert!(screen.text().contains("the filter does not parse"));
    screen.send(vec![key(KeyCode::Backspace); 3]).await;
    screen.send(keys("rror")).await;
    assert!(matches!(&screen.app.mode, Mode::Filter(p) if p.error.is_none()));
    assert!(
        !screen.text().contains("does not parse"),
        "{}",
        screen.text()
    );
    // Emptied instead, then kept: nothing is said about a query that is not there.
    let mut screen = sample_screen(80, 24);
    screen.send(keys("/sev:eror⏎")).await;
    screen.send(vec![ctrl('u')]).await;
    screen.send(keys("⏎")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert_eq!(screen.app.status, None);

    // "Select another event and press d" goes once d has compared them.
    let mut screen = sample_screen(80, 24);
    screen.send(keys("=k")).await;
    assert!(screen.text().contains("press d to compare"));
    screen.send(keys("d")).await;
    assert!(matches!(screen.app.mode, Mode::Diff(_)));
    assert_eq!(screen.app.status, None);
    screen.send(keys("⎋")).await;
    assert!(
        !screen.text().contains("press d to compare"),
        "{}",
        screen.text()
    );
}
