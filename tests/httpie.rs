//! Copy as HTTPie, run for real: a request is captured by the real listener, the `http` command
//! the copy menu makes of it runs in `sh` with the real HTTPie against the listener again, and
//! the second capture must carry the method, path, query, headers and body bytes of the first.
//! Where the command cannot carry a request as it came, the format must say so instead.
//!
//! It needs HTTPie's `http` on the PATH (`.ci/run` installs it); where it is missing the test
//! says so and passes.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use hookscope::event::CapturedEvent;
use hookscope::ui::copy;

fn httpie_installed() -> bool {
    Command::new("http")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `sh -c script` in `dir`, stdin not a terminal (as in a script or CI), HTTPie reading
/// no user configuration; returns whether it succeeded and its stderr.
fn run_sh(script: &str, dir: &std::path::Path) -> (bool, String) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("HTTPIE_CONFIG_DIR", dir)
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

/// Headers HTTPie adds of its own, when the request did not carry them.
const HTTPIE_OWN: [&str; 3] = ["user-agent", "accept-encoding", "connection"];

/// The headers to compare, by name (HTTPie sends its defaults' overrides where the defaults go;
/// the order of one name's values is kept): HTTPie's own and those describing one connection
/// or computed from the body are left out.
fn comparable(event: &CapturedEvent, original: &CapturedEvent) -> Vec<(String, Vec<u8>)> {
    let mut headers: Vec<(String, Vec<u8>)> = event
        .headers
        .iter()
        .map(|(n, v)| (String::from_utf8_lossy(n).to_ascii_lowercase(), v.to_vec()))
        .filter(|(name, _)| {
            let own = HTTPIE_OWN.contains(&name.as_str()) && original.headers.get(name).is_none();
            !own && !["host", "content-length"].contains(&name.as_str())
        })
        .collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    headers
}

async fn captured(server: &TestServer, count: u64) -> Arc<CapturedEvent> {
    server.wait_received(count).await;
    server.store.snapshot().last().cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copied_httpie_commands_send_the_captured_request_again() {
    if !httpie_installed() {
        eprintln!("HTTPie (http) is not installed: skipping the real-HTTPie test");
        return;
    }
    let dir = std::env::temp_dir().join(format!("hookscope-httpie-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = start(config()).await;
    let base = format!("http://{}", server.addr);
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Vec<(&'a str, &'a [u8])>,
        &'a [u8],
    );
    let custom: Vec<(&str, &[u8])> = vec![
        ("content-type", b"application/json"),
        ("x-shell", b"$(touch pwned) `id` 'q' \"d\" ;&|<>"),
        ("x-utf8", "Zoë 日本".as_bytes()),
        ("x-empty", b""),
        ("x-tab", b"a\tb"),
        ("x-percent", b"100% \\ %s"),
        ("x-eq", b"=1"),
        ("x-at", b"@/etc/hostname"),
        ("x-dup", b"1"),
        ("x-dup", b"2"),
        ("user-agent", b"Prism-Webhooks/2.0"),
        ("accept", b"*/*"),
    ];
    let cases: Vec<Case> = vec![
        (
            "a JSON body",
            "POST",
            "/hooks/wms?tenant=acme",
            vec![("content-type", b"application/json")],
            br#"{"event":"WMS_LOADED","sequence":0,"payload":{}}"#,
        ),
        (
            "a JSON body without a content type",
            "POST",
            "/hooks/raw",
            vec![],
            br#"{"a":1}"#,
        ),
        (
            "a form body",
            "POST",
            "/hooks/form",
            vec![("content-type", b"application/x-www-form-urlencoded")],
            b"a=1&b=two+words&c=%7E",
        ),
        (
            "a text body",
            "PUT",
            "/hooks/text",
            vec![("content-type", b"text/plain")],
            b"plain text, not JSON",
        ),
        (
            "quotes and newlines",
            "POST",
            "/hooks/q",
            vec![("content-type", b"text/plain; charset=utf-8")],
            b"it's \"quoted\"\nsecond line\r\nthird $HOME `id`\n",
        ),
        (
            "JSON with quotes and newlines",
            "POST",
            "/hooks/jq",
            vec![("content-type", b"application/json")],
            b"{\n  \"it's\": \"a \\\"quoted\\\" value\"\n}\n",
        ),
        (
            "binary bytes",
            "POST",
            "/hooks/bin",
            vec![("content-type", b"application/octet-stream")],
            b"\x00\xff\x01caf\xe9\x1b[2J",
        ),
        (
            "custom headers",
            "PATCH",
            "/hooks/h",
            custom,
            br#"{"ok":true}"#,
        ),
        (
            "no body",
            "GET",
            "/prismatic/trigger?challenge=3c5e1b",
            vec![],
            b"",
        ),
        ("an empty POST", "POST", "/hooks/empty", vec![], b""),
        (
            "dot segments and odd characters",
            "POST",
            "/p/../q/./r;v=1/a:b@c!$&'()*+,=?x=1&y=a%20b&z=%E2%80%A2&w=!$'()*+,;:@/?",
            vec![("content-type", b"text/plain")],
            b"@not-a-file",
        ),
        (
            "a long body",
            "POST",
            "/hooks/long",
            vec![("content-type", b"application/json")],
            &LONG,
        ),
    ];
    let mut count = 0;
    for (what, method, target, headers, body) in &cases {
        let answer = send(server.addr, method, target, headers, body).await;
        assert_eq!(answer.status, 200, "{what}");
        count += 1;
        let original = captured(&server, count).await;
        assert_eq!(&original.body[..], &body[..], "{what}: the first capture");

        let command = copy::httpie(&original, &base, true)
            .unwrap_or_else(|why| panic!("{what}: not copied: {why}"))
            .text;
        let (ok, err) = run_sh(&command, &dir);
        assert!(ok, "{what}: the command failed: {err}\n{command}");
        count += 1;
        let again = captured(&server, count).await;
        assert_eq!(again.method, original.method, "{what}: {command}");
        assert_eq!(again.path, original.path, "{what}: {command}");
        assert_eq!(again.query(), original.query(), "{what}: {command}");
        assert!(
            again.body[..] == original.body[..],
            "{what}: the body differs: {:?}\n{command}",
            String::from_utf8_lossy(&again.body)
        );
        assert_eq!(
            comparable(&again, &original),
            comparable(&original, &original),
            "{what}: the headers differ\n{command}"
        );
    }
    assert!(!dir.join("pwned").exists(), "a payload ran as shell");

    // What HTTPie would change on the way is refused, with the reason, not sent otherwise.
    for (what, method, target) in [
        ("a query HTTPie would re-encode", "GET", "/q?k=%41"),
        ("a query with braces", "GET", "/q?j={1}"),
        ("a lower-case percent escape", "GET", "/q?u=%e2%80%a2"),
        ("a method HTTPie would upper-case", "post", "/m"),
        ("a method HTTPie takes for a URL", "M-SEARCH", "/m"),
    ] {
        let answer = send(server.addr, method, target, &[], b"").await;
        assert_eq!(answer.status, 200, "{what}");
        count += 1;
        let original = captured(&server, count).await;
        assert!(
            copy::httpie(&original, &base, true).is_err(),
            "{what}: {target} should not be copied as HTTPie"
        );
    }
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A JSON body too long to go inline: it goes through standard input.
static LONG: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    let items: Vec<String> = (0..5000).map(|i| format!("{{\"n\":{i}}}")).collect();
    format!("[{}]", items.join(",")).into_bytes()
});
