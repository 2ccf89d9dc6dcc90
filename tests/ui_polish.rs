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
