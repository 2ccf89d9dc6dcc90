//! `E` in the real event loop: the selected event handed to `$EDITOR` (a shell script that edits
//! the file with sed), then sent to a real listener on 127.0.0.1:0, signed afresh. The
//! scenarios share one test: `EDITOR` is the process's, so they must not run side by side.

mod common;
mod ui_support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use hookscope::decode::signature::{self, Secret, Secrets};
use hookscope::event::{SignatureScheme, SignatureVerdict};
use hookscope::ui::app::{Mode, Question, Source};
use ratatui::crossterm::event::KeyCode;
use ui_support::*;

const STRIPE_SECRET: &str = "whsec_editTestSecret42";

/// Makes `EDITOR` this shell script.
fn editor(dir: &Path, name: &str, script: &str) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: the only test of this binary; nothing else reads the environment meanwhile.
    unsafe {
        std::env::remove_var("VISUAL");
        std::env::set_var("EDITOR", &path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_edited_in_the_editor_is_sent_again_signed_afresh() {
    let dir = std::env::temp_dir().join(format!("hookscope-edit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let mut config = common::config();
    config
        .secrets
        .add(SignatureScheme::Stripe, Secret::new(STRIPE_SECRET));
    let server = common::start(config).await;
    let body = br#"{"id":"evt_1","type":"invoice.paid","data":{"object":{"amount":100}}}"#;
    let signed = signature::sign(
        SignatureScheme::Stripe,
        STRIPE_SECRET,
        body,
        chrono::Utc::now().timestamp(),
        "",
    );
    let mut headers: Vec<(&str, &[u8])> = vec![("content-type", b"application/json")];
    headers.extend(signed.iter().map(|(n, v)| (*n, v.as_bytes())));
    common::send(server.addr, "POST", "/hooks/stripe", &headers, body).await;
    server.wait_received(1).await;

    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Stripe, Secret::new(STRIPE_SECRET));
    let source = Source::Live {
        addr: server.addr,
        answer: "answer 200".into(),
    };
    let mut screen = Screen::new(std::sync::Arc::clone(&server.store), source, 100, 24);
    screen.app.secrets = secrets;

    // Saved unchanged, then emptied: nothing is sent, and the bottom line says so.
    editor(&dir, "same.sh", "exit 0");
    screen.send(keys("E")).await;
    assert!(screen.text().contains("#1 unchanged: nothing sent"));
    editor(&dir, "empty.sh", ": > \"$1\"");
    screen.send(keys("E")).await;
    assert!(screen.text().contains("#1 emptied: nothing sent"));
    // A file that no longer reads as HTTP is refused with its line.
    editor(&dir, "broken.sh", "sed -i '2s/.*/no colon/' \"$1\"");
    screen.send(keys("E")).await;
    assert!(
        screen
            .text()
            .contains("edited #1 not sent: line 2: 'no colon'"),
        "{}",
        screen.text()
    );
    assert_eq!(screen.store.stats().received, 1);

    // Edited: the target prompt offers the listener, then the question to sign afresh.
    editor(
        &dir,
        "edit.sh",
        "sed -i 's/\"amount\": 100/\"amount\": 250/' \"$1\"",
    );
    screen.send(keys("E")).await;
    match &screen.app.mode {
        Mode::Replay(prompt) => assert_eq!(prompt.text, format!("http://{}", server.addr)),
        other => panic!("expected the target prompt, got {other:?}"),
    }
    assert!(
        screen
            .text()
            .contains(" send edited #1 to http://127.0.0.1:"),
        "{}",
        screen.text()
    );
    screen.send(vec![key(KeyCode::Enter)]).await;
    assert_eq!(
        screen.app.mode,
        Mode::Confirm(Question::Resign {
            scheme: SignatureScheme::Stripe
        })
    );
    assert!(screen.text().contains("Sign afresh?"));
    // The bottom line under the question no longer says the editor is open.
    assert!(!screen.text().contains("editing #1"), "{}", screen.text());
    screen.send(keys("y")).await;
    server.wait_received(2).await;
    let resent = std::sync::Arc::clone(&server.store.snapshot()[1]);
    assert_eq!(resent.analysis.signature.verdict, SignatureVerdict::Valid);
    assert_eq!(resent.resent_from().map(|n| n.get()), Some(1));
    assert!(resent.edited());
    let json: serde_json::Value = serde_json::from_slice(&resent.body).unwrap();
    assert_eq!(json["data"]["object"]["amount"], 250);
    // The bottom line says in a sentence what was sent, what came back and what it became.
    let text = screen.text();
    let said = format!("sent edited #1 to http://{}: 200 OK in ", server.addr);
    assert!(text.contains(&said), "{text}");
    assert!(text.contains(" ms, captured as #2"), "{text}");

    // The list follows the newest event, the re-sent one: edited again and sent as written,
    // its old signature no longer matches the body.
    editor(
        &dir,
        "again.sh",
        "sed -i 's/\"amount\": 250/\"amount\": 300/' \"$1\"",
    );
    screen.send(keys("E")).await;
    screen.send(vec![key(KeyCode::Enter)]).await;
    screen.send(keys("n")).await;
    server.wait_received(3).await;
    let as_written = std::sync::Arc::clone(&server.store.snapshot()[2]);
    assert_eq!(
        as_written.analysis.signature.verdict,
        SignatureVerdict::Invalid
    );
    assert_eq!(as_written.resent_from().map(|n| n.get()), Some(2));
    assert!(as_written.edited());

    // Only a header edited, the body left as the editor showed it (pretty-printed): the body
    // goes out as it arrived, so its signature still holds without signing afresh.
    screen.send(keys("kk")).await;
    assert_eq!(
        screen
            .app
            .views
            .events
            .selected_event
            .as_ref()
            .map(|e| e.id),
        Some(1)
    );
    editor(
        &dir,
        "header.sh",
        "sed -i '1a X-Note: edited header' \"$1\"",
    );
    screen.send(keys("E")).await;
    screen.send(vec![key(KeyCode::Enter)]).await;
    screen.send(keys("n")).await;
    server.wait_received(4).await;
    let header_only = std::sync::Arc::clone(&server.store.snapshot()[3]);
    assert_eq!(header_only.headers.get_str("x-note"), Some("edited header"));
    assert_eq!(header_only.body, server.store.snapshot()[0].body);
    assert_eq!(
        header_only.analysis.signature.verdict,
        SignatureVerdict::Valid
    );

    // Sent where nothing listens: the bottom line says why it went unanswered.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    editor(
        &dir,
        "nowhere.sh",
        "sed -i 's/\"amount\": 100/\"amount\": 5/' \"$1\"",
    );
    screen.send(keys("E")).await;
    screen.send(vec![ctrl('u')]).await;
    screen.send(keys(&format!("http://{closed}"))).await;
    screen.send(vec![key(KeyCode::Enter)]).await;
    screen.send(keys("n")).await;
    let text = screen.text();
    let said = format!("sent edited #1 to http://{closed}: no answer (");
    assert!(text.contains(&said), "{text}");
    assert_eq!(screen.store.stats().received, 4);

    // The event edited twice names both copies; a copy names its original, and o goes there.
    screen.send(keys("g⏎lll")).await;
    let text = screen.text();
    assert!(
        text.contains("Resends      resent as #2 (edited), #4 (edited)"),
        "{text}"
    );
    screen.send(keys("⇥jo")).await;
    assert_eq!(
        screen
            .app
            .views
            .events
            .selected_event
            .as_ref()
            .map(|e| e.id),
        Some(1)
    );

    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
