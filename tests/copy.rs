//! `c` in the real interface loop: a menu of formats, each copied through the clipboard
//! callback and shown in a popup, `w` writing the shown text to a file, and a format that
//! cannot hold the body saying so instead of copying something else.

mod ui_support;

use hookscope::ui::app::Mode;
use ratatui::crossterm::event::KeyCode;
use ui_support::*;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hookscope-copy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn one_event(body: &[u8]) -> Screen {
    let mut event = request(
        "POST",
        "/hooks/wms",
        &[
            ("host", "127.0.0.1:8765"),
            ("content-type", "application/json"),
        ],
        body,
    );
    event.id = 7;
    Screen::new(store_with(vec![event], 10), live_source(), 80, 24)
}

#[tokio::test]
async fn c_offers_the_formats_and_each_is_copied_and_shown() {
    let body = br#"{"event":"WMS_LOADED","userToken":"ut_secret"}"#;
    let mut screen = one_event(body);
    screen.send(keys("c")).await;
    assert!(screen.copied.is_empty());
    insta::assert_snapshot!("copy_menu_80x24", screen.terminal.backend());

    screen.send(keys("h")).await;
    assert_eq!(
        screen.copied,
        [
            "http --ignore-stdin 'POST' 'http://127.0.0.1:8765/hooks/wms' \
             'content-type:application/json' 'Accept:' \
             --raw='{\"event\":\"WMS_LOADED\",\"userToken\":\"••••\"}'"
        ]
    );
    insta::assert_snapshot!("copy_httpie_80x24", screen.terminal.backend());

    screen.send(vec![key(KeyCode::Esc)]).await;
    screen.send(keys("cr")).await;
    assert_eq!(
        screen.copied[1],
        "POST /hooks/wms HTTP/1.1\nhost: 127.0.0.1:8765\ncontent-type: application/json\n\n\
         {\"event\":\"WMS_LOADED\",\"userToken\":\"••••\"}\n"
    );
    assert!(
        screen
            .text()
            .contains("copied #7 as an HTTP message (OSC 52), userToken masked")
    );

    screen.send(keys("⎋cb")).await;
    assert_eq!(
        screen.copied[2],
        r#"{"event":"WMS_LOADED","userToken":"••••"}"#
    );
    assert!(screen.text().contains("copied the body of #7 (OSC 52)"));

    screen.send(keys("⎋cc")).await;
    assert!(
        screen.copied[3].starts_with("curl -X 'POST' "),
        "{}",
        screen.copied[3]
    );
    // Esc in the menu copies nothing.
    screen.send(keys("⎋c⎋")).await;
    assert_eq!(screen.copied.len(), 4);
    assert_eq!(screen.app.mode, Mode::Normal);
}

#[tokio::test]
async fn w_writes_the_shown_text_to_a_file_and_says_where() {
    let dir = temp_dir("write");
    let mut screen = one_event(b"{\"n\":1}").export_to(dir.clone());
    // `w` asks for the name first, offering one that says the event and the format.
    screen.send(keys("crw")).await;
    let Mode::Copied(copied) = &screen.app.mode else {
        panic!("{:?}", screen.app.mode);
    };
    let save = copied.save.as_ref().expect("a file name prompt");
    assert_eq!(save.prompt.text, "hookscope-7.http");
    assert!(
        screen
            .text()
            .contains(" write to hookscope-7.http  ⏎ write  Esc cancel")
    );
    insta::assert_snapshot!("copy_save_prompt_80x24", screen.terminal.backend());
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written yet"
    );
    screen.send(keys("⏎")).await;
    let path = dir.join("hookscope-7.http");
    let written = std::fs::read_to_string(&path).unwrap();
    // What was shown, which as a message ends with its newline already (no second one: `send`
    // would read it as part of the body).
    assert_eq!(written, screen.copied[0]);
    assert!(written.ends_with("{\"n\":1}\n"), "{written:?}");
    assert!(written.starts_with("POST /hooks/wms HTTP/1.1\n"));
    let text = screen.text().replace('\n', "");
    assert!(text.contains("wrote "), "{text}");
    assert!(text.contains("hookscope-7.http"), "{text}");
    let status = screen.app.status.as_ref().unwrap();
    assert!(status.ok);
    assert_eq!(
        status.text,
        format!("wrote {} ({} B)", path.display(), written.len()),
        "the full path, in one sentence"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn w_offers_a_name_by_format_and_esc_writes_nothing() {
    let dir = temp_dir("names");
    let mut screen = one_event(b"{\"n\":1}").export_to(dir.clone());
    for (menu_key, name) in [
        ("c", "hookscope-7.curl.sh"),
        ("h", "hookscope-7.httpie.sh"),
        ("r", "hookscope-7.http"),
        ("b", "hookscope-7.json"),
    ] {
        screen.send(keys(&format!("c{menu_key}w"))).await;
        let Mode::Copied(copied) = &screen.app.mode else {
            panic!("{:?}", screen.app.mode);
        };
        assert_eq!(copied.save.as_ref().unwrap().prompt.text, name);
        // Esc leaves the prompt for the popup; a second Esc closes the popup.
        screen.send(keys("⎋")).await;
        assert!(matches!(&screen.app.mode, Mode::Copied(c) if c.save.is_none()));
        screen.send(keys("⎋")).await;
        assert_eq!(screen.app.mode, Mode::Normal);
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_existing_file_is_replaced_only_when_asked_again() {
    let dir = temp_dir("exists");
    let path = dir.join("hookscope-7.curl.sh");
    std::fs::write(&path, "keep me\n").unwrap();
    let mut screen = one_event(b"{\"n\":1}").export_to(dir.clone());
    screen.send(keys("ccw⏎")).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me\n");
    let Mode::Copied(copied) = &screen.app.mode else {
        panic!("{:?}", screen.app.mode);
    };
    assert_eq!(
        copied.save.as_ref().unwrap().prompt.error.as_deref(),
        Some("hookscope-7.curl.sh exists: ⏎ again replaces it")
    );
    assert!(
        screen
            .text()
            .contains("hookscope-7.curl.sh exists: ⏎ again replaces it")
    );
    // Another name clears the question; the name it ends up with again asks again.
    screen.send(keys("x")).await;
    screen.send(vec![key(KeyCode::Backspace)]).await;
    screen.send(keys("⏎")).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me\n");
    screen.send(keys("⏎")).await;
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, format!("{}\n", screen.copied[0]));
    assert!(written.starts_with("curl -X 'POST' "));
    // A name of its own goes beside it; one in a folder that is not there says why.
    screen.send(keys("w")).await;
    screen.send(vec![ctrl('u')]).await;
    screen.send(keys("other.sh⏎")).await;
    assert!(dir.join("other.sh").exists());
    screen.send(keys("w")).await;
    screen.send(vec![ctrl('u')]).await;
    screen.send(keys("no/such/dir/x.sh⏎")).await;
    let status = screen.app.status.as_ref().unwrap();
    assert!(!status.ok);
    assert!(
        status.text.starts_with(&format!(
            "cannot write {}: ",
            dir.join("no/such/dir/x.sh").display()
        )),
        "{}",
        status.text
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_copied_message_goes_with_the_popup_and_what_was_written_stays() {
    let dir = temp_dir("stale");
    let mut screen = one_event(br#"{"userToken":"ut_secret"}"#).export_to(dir.clone());
    screen.send(keys("cc")).await;
    assert!(
        screen
            .text()
            .contains("copied #7 as a curl command (OSC 52), userToken masked")
    );
    screen.send(keys("⎋")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert!(!screen.text().contains("copied #7"), "{}", screen.text());
    assert!(!screen.text().contains("u shows it"), "{}", screen.text());
    assert_eq!(screen.app.status, None);
    // Written, then closed: that the file was written still holds.
    screen.send(keys("crw⏎⎋")).await;
    assert_eq!(screen.app.mode, Mode::Normal);
    assert!(screen.text().contains("wrote "), "{}", screen.text());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_body_that_is_not_text_is_not_copied_as_text() {
    let mut screen = one_event(b"\x1b]52;c;ZXZpbA==\x07\xff");
    screen.send(keys("cb")).await;
    assert!(screen.copied.is_empty());
    assert!(
        screen
            .text()
            .contains("#7 not copied: the body holds bytes that are not plain text"),
        "{}",
        screen.text()
    );
    screen.send(keys("cr")).await;
    assert!(screen.copied.is_empty());
    // curl carries any bytes, through base64.
    screen.send(keys("cc")).await;
    assert!(
        screen.copied[0].starts_with("printf '%s' '"),
        "{}",
        screen.copied[0]
    );
}

/// The sequence written for tmux reaches a real tmux's paste buffer (it takes OSC 52 with
/// `set-clipboard on`). The tmux tests need tmux; where it is missing they say so and pass.
#[test]
fn the_tmux_sequence_reaches_a_real_tmux() {
    use hookscope::ui::copy::{Multiplexer, clipboard_sequence};
    use std::process::Command;
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!("tmux is not installed: skipping the real-terminal test");
        return;
    }
    let dir = temp_dir("tmux");
    let file = dir.join("sequence");
    std::fs::write(
        &file,
        clipboard_sequence("copied through tmux", Multiplexer::Tmux),
    )
    .unwrap();
    let socket = format!("hookscope-copy-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .unwrap()
    };
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        "t",
        "-x",
        "80",
        "-y",
        "24",
        "sleep 30",
    ]);
    assert!(started.status.success(), "{started:?}");
    tmux(&["set", "-g", "set-clipboard", "on"]);
    let cat = format!("cat '{}'; sleep 10", file.display());
    tmux(&["respawn-pane", "-k", "-t", "t", &cat]);
    let mut buffer = String::new();
    for _ in 0..50 {
        buffer = String::from_utf8_lossy(&tmux(&["show-buffer"]).stdout).into_owned();
        if !buffer.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    tmux(&["kill-server"]);
    assert_eq!(buffer, "copied through tmux");
    let _ = std::fs::remove_dir_all(&dir);
}
