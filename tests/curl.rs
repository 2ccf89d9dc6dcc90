//! Copy as curl, run for real: a request is captured by the real listener, its generated
//! command runs in `sh` with the real `curl` against the listener again, and the second capture
//! must carry exactly the bytes of the first, whatever they are.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use hookscope::event::CapturedEvent;
use hookscope::ui::curl;

/// Runs `sh` on `script` (as `-c` when it fits in one argument, else from a file: the kernel
/// takes at most 128 KiB per argument), bounded in time; returns its exit status and stderr.
fn run_sh(script: &str, dir: &std::path::Path) -> (bool, String) {
    let mut command = Command::new("sh");
    if script.len() < 100_000 {
        command.arg("-c").arg(script);
    } else {
        let path = dir.join("command.sh");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(script.as_bytes()).unwrap();
        command.arg(&path);
    }
    let mut child = command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (status.success(), err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the command did not finish in {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn require_curl() {
    let found = Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "curl is needed to run copied commands for real: install it (.ci/run does)"
    );
}

/// Headers that curl computes or adds itself, left out of the comparison.
fn comparable(event: &CapturedEvent, original: &CapturedEvent) -> Vec<(Vec<u8>, Vec<u8>)> {
    event
        .headers
        .iter()
        .filter(|(name, _)| {
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            let own = ["user-agent", "accept"].contains(&name.as_str())
                && original.headers.get(&name).is_none();
            !own && !["host", "content-length"].contains(&name.as_str())
        })
        .map(|(n, v)| (n.to_vec(), v.to_vec()))
        .collect()
}

async fn captured(server: &TestServer, count: u64) -> Arc<CapturedEvent> {
    server.wait_received(count).await;
    server.store.snapshot().last().cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copied_commands_send_exactly_the_captured_bytes() {
    require_curl();
    let dir = std::env::temp_dir().join(format!("hookscope-curl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = start(config()).await;
    let base = format!("http://{}", server.addr);
    let mut big: Vec<u8> = (0..1024 * 1024).map(|i| (i * 7 + i / 251) as u8).collect();
    big[..14].copy_from_slice(b"@/etc/hostname");
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("a file name", b"@/etc/hostname".to_vec()),
        ("stdin", b"@-".to_vec()),
        ("NUL bytes", b"a\0b\0\0c".to_vec()),
        ("invalid UTF-8", b"caf\xe9 \xff\xfe\x80".to_vec()),
        ("quotes", br#"{"it's":"a \"quoted\" value"}"#.to_vec()),
        ("a lone quote", b"'".to_vec()),
        (
            "command substitution",
            b"$(touch pwned) ${HOME} $HOME".to_vec(),
        ),
        ("backticks", b"`touch pwned`".to_vec()),
        ("newlines", b"one\ntwo\n\nthree".to_vec()),
        ("CRLF", b"one\r\ntwo\r\n".to_vec()),
        ("a trailing newline", b"text\n".to_vec()),
        (
            "escape sequences",
            b"\x1b[2J\x1b]52;c;aGk=\x07 \xc2\x9b".to_vec(),
        ),
        ("bidi", "evil\u{202e}txt".as_bytes().to_vec()),
        ("an option", b"--data-binary @/etc/passwd".to_vec()),
        ("percent and backslash", b"100% \\n \\x41 %s".to_vec()),
        ("empty", Vec::new()),
        ("1 MiB", big),
    ];
    let headers: [(&str, &[u8]); 8] = [
        ("content-type", b"application/json"),
        ("x-shell", b"$(touch pwned) `id` 'q' \"d\" ;&|<>"),
        ("x-utf8", "Zoë 日本".as_bytes()),
        ("x-latin1", b"caf\xe9"),
        ("x-empty", b""),
        ("x-tab", b"a\tb"),
        ("x-percent", b"100% \\ %s"),
        ("x-dup", b"1"),
    ];
    let mut count = 0;
    for (what, body) in &bodies {
        for target in ["/hooks/x?a=1&b=%27x%27", "/p/../q/./r?g=[1]&h={2}"] {
            let mut sent_headers: Vec<(&str, &[u8])> = headers.to_vec();
            sent_headers.push(("x-dup", b"2"));
            if what == &"empty" {
                sent_headers.remove(0);
            }
            let answer = send(server.addr, "PUT", target, &sent_headers, body).await;
            assert_eq!(answer.status, 200, "{what}");
            count += 1;
            let original = captured(&server, count).await;
            assert_eq!(&original.body[..], &body[..], "{what}: the first capture");

            let command = curl::command(&original, &base, true).text;
            let (ok, err) = run_sh(&command, &dir);
            assert!(
                ok,
                "{what}: the command failed: {err}\n{}",
                &command[..command.len().min(2000)]
            );
            count += 1;
            let again = captured(&server, count).await;
            assert_eq!(again.method, original.method, "{what}");
            assert_eq!(again.path, original.path, "{what}");
            assert_eq!(again.query(), original.query(), "{what}");
            assert!(
                again.body[..] == original.body[..],
                "{what}: the body differs"
            );
            assert_eq!(
                comparable(&again, &original),
                comparable(&original, &original),
                "{what}: the headers differ"
            );
        }
    }
    assert!(!dir.join("pwned").exists(), "a payload ran as shell");
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copied_commands_mask_user_tokens_unless_revealed() {
    require_curl();
    let dir = std::env::temp_dir().join(format!("hookscope-curl-mask-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = start(config()).await;
    let base = format!("http://{}", server.addr);
    let body = br#"{"payload":{"user\u0054oken":"tok_live_secret","state":"READY"}}"#;
    let answer = send(
        server.addr,
        "POST",
        "/hooks/prism?userToken=tok_query_secret",
        &[
            ("content-type", b"application/json"),
            ("usertoken", b"tok_header_secret"),
        ],
        body,
    )
    .await;
    assert_eq!(answer.status, 200);
    let original = captured(&server, 1).await;

    let masked = curl::command(&original, &base, false);
    assert!(masked.masked);
    assert!(!masked.text.contains("tok_"), "{}", masked.text);
    let (ok, err) = run_sh(&masked.text, &dir);
    assert!(ok, "{err}");
    let again = captured(&server, 2).await;
    assert_eq!(
        &again.body[..],
        r#"{"payload":{"user\u0054oken":"••••","state":"READY"}}"#.as_bytes()
    );
    assert!(!format!("{:?}{:?}", again.query(), again.headers).contains("tok_"));

    let revealed = curl::command(&original, &base, true);
    assert!(!revealed.masked);
    let (ok, err) = run_sh(&revealed.text, &dir);
    assert!(ok, "{err}");
    let again = captured(&server, 3).await;
    assert_eq!(&again.body[..], &body[..]);
    assert_eq!(again.query(), original.query());
    assert_eq!(
        again.headers.get("usertoken"),
        Some(&b"tok_header_secret"[..])
    );
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
