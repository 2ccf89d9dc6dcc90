//! The real `hookscope` binary: flags, errors, signals, the export on exit and JSON Lines.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(20);

fn hookscope() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookscope"));
    command.env_remove("HOOKSCOPE_CONFIG");
    for scheme in [
        "WMS", "PRISM", "GITHUB", "STRIPE", "STANDARD", "SHOPIFY", "SLACK",
    ] {
        command.env_remove(format!("HOOKSCOPE_SECRET_{scheme}"));
    }
    command
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hookscope-bin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs to completion (bounded) and returns status, stdout and stderr.
fn run(command: &mut Command) -> (ExitStatus, String, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait(&mut child);
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, out, err)
}

fn wait(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("hookscope did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `hookscope` with its address read from its first line on stderr.
struct Running {
    child: Child,
    addr: SocketAddr,
    stderr: BufReader<std::process::ChildStderr>,
    /// What was printed on stderr before the address line (warnings).
    early: String,
}

fn start(args: &[&str]) -> Running {
    start_with(hookscope(), args)
}

/// Like `start`, with a command prepared by the caller (its environment, say).
fn start_with(mut command: Command, args: &[&str]) -> Running {
    let mut child = command
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    // Owned by `Running` from here on, so that any panic below still ends the process.
    let mut running = Running {
        child,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        stderr,
        early: String::new(),
    };
    loop {
        let mut line = String::new();
        if running.stderr.read_line(&mut line).unwrap() == 0 {
            panic!("hookscope exited before listening: {}", running.early);
        }
        if let Some(addr) = line
            .split_whitespace()
            .find_map(|word| word.strip_prefix("http://"))
        {
            running.addr = addr.parse().unwrap();
            return running;
        }
        running.early.push_str(&line);
    }
}

impl Drop for Running {
    /// A test that fails half-way still ends the process it started.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A child process ended when dropped (a test that fails half-way leaves nothing running).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Posts JSON on a connection of its own and returns the whole answer.
fn post_once(addr: SocketAddr, path: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

impl Running {
    fn post(&self, path: &str, body: &[u8]) -> String {
        post_once(self.addr, path, body)
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn finish(mut self) -> (ExitStatus, String, String) {
        let status = wait(&mut self.child);
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        self.stderr.read_to_string(&mut err).unwrap();
        (status, out, err)
    }
}

#[test]
fn help_explains_the_flags() {
    let (status, out, _) = run(hookscope().arg("--help"));
    assert!(status.success());
    for flag in [
        "--bind",
        "--port",
        "--capacity",
        "--max-bytes",
        "--max-body",
        "--secret",
        "--config",
        "--jsonl",
        "--export-on-exit",
        "--headless",
    ] {
        assert!(out.contains(flag), "{flag} missing from --help");
    }
    assert!(out.contains("10MiB"));
}

#[test]
fn bad_values_give_one_line_and_exit_2() {
    let dir = temp_dir("bad");
    let config = dir.join("bad.toml");
    std::fs::write(&config, "port = 1\nmax_body = \"lots\"\n").unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec!["--port".into(), "99999".into()],
        vec!["--max-body".into(), "ten".into()],
        vec!["--capacity".into(), "0".into()],
        vec![
            "--max-body".into(),
            "2MiB".into(),
            "--max-bytes".into(),
            "1MiB".into(),
        ],
        vec!["--config".into(), config.display().to_string()],
        vec!["--secret".into(), "acme=x".into()],
    ];
    for args in cases {
        let (status, out, err) = run(hookscope().args(&args));
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(out.is_empty());
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error:") || first.starts_with("hookscope: error:"),
            "{args:?}: {err}"
        );
    }
    let (_, _, err) = run(hookscope().args(["--config", &config.display().to_string()]));
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("max_body") && err.contains("lots"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_port_in_use_is_named() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (status, _, err) = run(hookscope().args(["--headless", "--port", &port]));
    assert_eq!(status.code(), Some(1));
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("port {port}")) && err.contains("in use"),
        "{err}"
    );
}

#[test]
fn sigterm_finishes_and_writes_the_export_and_log() {
    let dir = temp_dir("term");
    let export = dir.join("capture.json");
    let log = dir.join("events.jsonl");
    let hs = start(&[
        "--headless",
        "--export-on-exit",
        export.to_str().unwrap(),
        "--jsonl",
        log.to_str().unwrap(),
    ]);
    assert!(hs.post("/one", br#"{"n":1}"#).starts_with("HTTP/1.1 200"));
    assert!(hs.post("/two?x=y", b"{broken").starts_with("HTTP/1.1 200"));
    hs.signal("-TERM");
    let (status, out, err) = hs.finish();
    assert!(status.success(), "{err}");
    assert!(
        err.contains("received 2, stored 2, evicted 0, rejected 0"),
        "{err}"
    );
    assert!(err.contains("wrote 2 events"), "{err}");

    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].contains("#1  POST /one  json 7 B → 200"), "{out}");
    assert!(
        lines[1].contains("#2  POST /two?x=y") && lines[1].contains("⚠ malformed_json"),
        "{out}"
    );

    let exported = hookscope::export::import(&std::fs::read(&export).unwrap()).unwrap();
    let logged = hookscope::export::import(&std::fs::read(&log).unwrap()).unwrap();
    assert_eq!(exported.events.len(), 2);
    assert_eq!(exported.events, logged.events);
    assert_eq!(exported.stats.received, 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ctrl_c_writes_the_export_too() {
    let dir = temp_dir("int");
    let export = dir.join("capture.json");
    let hs = start(&["--headless", "--export-on-exit", export.to_str().unwrap()]);
    hs.post("/x", b"{}");
    hs.signal("-INT");
    let (status, _, err) = hs.finish();
    assert!(status.success(), "{err}");
    let exported = hookscope::export::import(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(exported.events.len(), 1);
    assert!(err.contains("wrote 1 event to"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn jsonl_on_stdout_replaces_the_summary_lines() {
    let hs = start(&["--headless", "--jsonl", "-"]);
    hs.post("/a", br#"{"a":1}"#);
    hs.post("/b", br#"{"b":2}"#);
    hs.signal("-TERM");
    let (status, out, _) = hs.finish();
    assert!(status.success());
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["path"], "/a");
    assert_eq!(lines[1]["body"], r#"{"b":2}"#);
}

#[test]
fn jsonl_on_stdout_escapes_invisible_and_c1_characters() {
    let hs = start(&["--headless", "--jsonl", "-"]);
    // C1 controls (CSI, OSC), a bidi override, a word joiner, a tag, a line separator.
    let body =
        "{\"t\":\"\u{9b}2J\u{9d}0;x\u{9c} evil\u{202e}txt \u{2060}\u{e0001}\u{2028}\u{ad}\"}";
    hs.post("/a", body.as_bytes());
    hs.signal("-TERM");
    let (status, out, _) = hs.finish();
    assert!(status.success());
    let raw: Vec<char> = out
        .chars()
        .filter(|&c| c != '\n' && (c.is_control() || hookscope::sanitize::is_hidden(c)))
        .collect();
    assert!(raw.is_empty(), "raw {raw:?} on stdout: {out}");
    assert!(out.contains(r"\u009b") && out.contains(r"\u202e"), "{out}");
    let line: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert_eq!(line["body"], body);
}

#[test]
fn secrets_on_the_command_line_warn_and_stay_hidden() {
    let hs = start(&[
        "--headless",
        "--secret",
        "wms=s3cr3t-value",
        "--secret",
        "wms=an0ther-key",
    ]);
    let early = hs.early.clone();
    assert!(
        early.contains("warning") && early.contains("process list"),
        "{early}"
    );
    hs.signal("-TERM");
    let (status, out, err) = hs.finish();
    assert!(status.success());
    assert!(err.contains("secrets loaded for wms (2)"), "{err}");
    for text in [&early, &out, &err] {
        assert!(
            !text.contains("s3cr3t") && !text.contains("an0ther"),
            "{text}"
        );
    }
}

#[test]
fn simulate_sends_signed_traffic_to_a_running_listener() {
    let dir = temp_dir("simulate");
    let export = dir.join("capture.json");
    let hs = start(&["--headless", "--export-on-exit", export.to_str().unwrap()]);
    let to = format!("http://{}", hs.addr);
    let (status, _, err) = run(hookscope()
        .args([
            "simulate",
            "--to",
            &to,
            "--scenario",
            "wms-trouble",
            "--rate",
            "500",
        ])
        .env("HOOKSCOPE_SECRET_WMS", "sim-secret"));
    assert!(status.success(), "{err}");
    assert!(err.contains("16 sent, 16 × 2xx"), "{err}");
    hs.signal("-TERM");
    let (status, _, _) = hs.finish();
    assert!(status.success());
    let exported = hookscope::export::import(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(exported.events.len(), 16);
    // The export on exit carries the summaries of the sessions the events belong to.
    let analysis = exported.analysis.expect("the export has `analysis`");
    assert!(!analysis.sessions.is_empty());
    for event in &exported.events {
        let session = event.analysis.subject.session_id.as_deref().unwrap();
        assert!(
            analysis.sessions.iter().any(|s| s.session_id == session),
            "{session}"
        );
    }
    assert_eq!(analysis.counters.sessions, analysis.sessions.len());
    // The listener had no secret: every WMS signature is there but uncheckable.
    assert!(
        exported
            .events
            .iter()
            .all(|e| e.analysis.signature.verdict == hookscope::event::SignatureVerdict::NoSecret)
    );

    // Nothing listening: a clear error and a failing status.
    let (status, _, err) = run(hookscope().args([
        "simulate",
        "--to",
        "http://127.0.0.1:9",
        "--scenario",
        "video",
    ]));
    assert_eq!(status.code(), Some(1));
    assert!(err.contains("no request got an answer"), "{err}");
    let (status, _, err) = run(hookscope().args(["simulate", "--to", "https://example.test"]));
    assert_eq!(status.code(), Some(2), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Neither output of a run holds any piece of the secret given to it.
fn assert_hidden(case: &str, out: &str, err: &str) {
    for text in [out, err] {
        for piece in ["SuperSecret", "XYZ123", "$ecret"] {
            assert!(!text.contains(piece), "{case} printed its secret: {text}");
        }
    }
}

#[test]
fn a_bad_secret_is_refused_without_printing_it() {
    let dir = temp_dir("bad-secret");
    let flag_cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--secret", "bogus=SuperSecretXYZ123"], "bogus"),
        (vec!["--secret", "SuperSecretXYZ123"], "SCHEME=SECRET"),
        (vec!["--secret", "wms="], "wms"),
        (
            vec!["--secret", "standard=whsec_Super$ecret!XYZ123"],
            "standard",
        ),
        (vec!["--secret", "standard=whsec_"], "standard"),
        // Base64 ends in '=': what comes before the first '=' is no scheme and not shown.
        (
            vec!["--secret", "standard:whsec_SuperSecretXYZ123=="],
            "scheme",
        ),
        (
            vec!["listen", "--secret", "bogus=SuperSecretXYZ123"],
            "bogus",
        ),
        // `--secret` forgotten: clap would quote the stray argument whole.
        (vec!["wms=SuperSecretXYZ123"], "wms="),
        (vec!["listen", "wms=SuperSecretXYZ123"], "wms="),
        (
            vec!["listen", "--headless", "standard:whsec_SuperSecretXYZ123=="],
            "=",
        ),
        (
            vec![
                "simulate",
                "--to",
                "http://127.0.0.1:9",
                "--secret",
                "bogus=SuperSecretXYZ123",
            ],
            "bogus",
        ),
        (
            vec![
                "replay",
                "x.json",
                "--to",
                "http://127.0.0.1:9",
                "--resign",
                "bogus=SuperSecretXYZ123",
            ],
            "bogus",
        ),
    ];
    for (args, named) in flag_cases {
        // Were a bad secret let through, the listener would bind a free port, not 8765.
        let listen_flags: &[&str] = if args[0].starts_with("--") {
            &["--port", "0", "--headless"]
        } else {
            &[]
        };
        let (status, out, err) = run(hookscope().args(listen_flags).args(&args));
        let case = format!("{args:?}");
        assert_eq!(status.code(), Some(2), "{case}: {err}");
        assert!(err.contains(named), "{case}: {err}");
        assert_hidden(&case, &out, &err);
    }

    let file_cases = [
        ("[secrets]\nbogus = \"SuperSecretXYZ123\"\n", "bogus"),
        ("[secrets]\nwms = \"\"\n", "wms"),
        ("[secrets]\nwms = [\"ok-secret\", \"\"]\n", "wms"),
        (
            "[secrets]\nstandard = \"whsec_Super$ecret!XYZ123\"\n",
            "standard",
        ),
        ("[secrets]\nwms = SuperSecretXYZ123\n", "line 2"),
        ("[secrets]\nwms = \"SuperSecretXYZ123\n", "line 2"),
        ("[secrets]\nwms = [\"SuperSecretXYZ123\", 5]\n", "line 2"),
        (
            "[secrets]\nwms = \"SuperSecretXYZ123\"\nwms = \"XYZ123\"\n",
            "line 3",
        ),
        ("[secrets]\nwms = \"SuperSecretXYZ123\\q\"\n", "line 2"),
    ];
    for (i, (text, named)) in file_cases.iter().enumerate() {
        let path = dir.join(format!("secrets-{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let path = path.display().to_string();
        let (status, out, err) =
            run(hookscope().args(["--headless", "--port", "0", "--config", &path]));
        assert_eq!(status.code(), Some(2), "{text}: {err}");
        assert!(err.contains(named) && err.contains(&path), "{text}: {err}");
        assert_hidden(text, &out, &err);
    }

    let env_cases = [
        ("HOOKSCOPE_SECRET_STANDARD", "whsec_Super$ecret!XYZ123"),
        ("HOOKSCOPE_SECRET_WMS", ""),
        ("HOOKSCOPE_SECRET_WMS", " , "),
    ];
    for (variable, value) in env_cases {
        for command in [
            vec!["--headless", "--port", "0"],
            vec!["simulate", "--to", "http://127.0.0.1:9"],
        ] {
            let (status, out, err) = run(hookscope().env(variable, value).args(&command));
            let case = format!("{variable}={value:?} {command:?}");
            assert_eq!(status.code(), Some(2), "{case}: {err}");
            assert!(err.contains(variable), "{case}: {err}");
            assert_hidden(&case, &out, &err);
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_misspelt_secret_variable_is_warned_about_by_name_only() {
    let mut command = hookscope();
    command.env("HOOKSCOPE_SECRET_WSM", "SuperSecretXYZ123");
    command.env("HOOKSCOPE_SECRET_WMS", "a-real-one");
    let hs = start_with(command, &["--headless"]);
    let early = hs.early.clone();
    assert!(
        early.contains("warning") && early.contains("HOOKSCOPE_SECRET_WSM"),
        "{early}"
    );
    assert!(!early.contains("HOOKSCOPE_SECRET_WMS"), "{early}");
    hs.signal("-TERM");
    let (status, out, err) = hs.finish();
    assert!(status.success());
    assert!(err.contains("secrets loaded for wms (1)"), "{err}");
    assert_hidden("HOOKSCOPE_SECRET_WSM", &out, &early);
    assert_hidden("HOOKSCOPE_SECRET_WSM", &out, &err);
}

#[test]
fn config_errors_name_the_line_they_are_on() {
    let dir = temp_dir("config-line");
    for (text, line) in [
        // An unknown key starts its line: it was reported as the line before.
        ("port = 0\ncapcity = 5\n", "line 2"),
        ("port = 0\nheadless = true\n\nmax_bdoy = 1\n", "line 4"),
        ("capcity = 5\n", "line 1"),
        ("port = 0\ncapacity = \"many\"\n", "line 2"),
    ] {
        let path = dir.join("line.toml");
        std::fs::write(&path, text).unwrap();
        let (status, _, err) = run(hookscope().args(["--headless", "--config"]).arg(&path));
        assert_eq!(status.code(), Some(2), "{text}: {err}");
        assert!(
            err.contains(&format!("{line}:")),
            "{text:?} should name {line}: {err}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_empty_secret_in_the_config_file_is_an_error_naming_its_scheme() {
    let dir = temp_dir("empty-secret");
    let path = dir.join("empty.toml");
    std::fs::write(&path, "[secrets]\nwms = \"\"\n").unwrap();
    let (status, out, err) = run(hookscope()
        .args(["--headless", "--port", "0", "--config"])
        .arg(&path));
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("wms secret") && err.contains("empty"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn unwritable_log_and_export_paths_are_refused_at_start() {
    let dir = temp_dir("unwritable");
    let missing = dir.join("no-such-folder");
    let cases = [
        (
            "--export-on-exit",
            missing.join("capture.json"),
            "cannot write the export",
        ),
        ("--export-on-exit", dir.clone(), "cannot write the export"),
        (
            "--jsonl",
            missing.join("events.jsonl"),
            "cannot open the JSON Lines log",
        ),
        ("--jsonl", dir.clone(), "cannot open the JSON Lines log"),
    ];
    for (flag, path, says) in cases {
        let path = path.to_str().unwrap();
        let (status, out, err) = run(hookscope().args(["--headless", "--port", "0", flag, path]));
        assert_eq!(status.code(), Some(1), "{flag} {path}: {err}");
        assert!(out.is_empty(), "{out}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(says) && err.contains(path), "{err}");
    }
    // Nothing was left behind by the checks.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A JSON Lines log on a full disk: the sender gets 503, stderr says so at once (not only at
/// exit), the event line says 503 and why, and the export on exit keeps the event.
#[test]
fn a_failing_log_answers_503_and_is_told_at_once() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("skipped: this system has no /dev/full");
        return;
    }
    let dir = temp_dir("full");
    let export = dir.join("capture.json");
    let mut child = hookscope()
        .args(["--port", "0", "--headless", "--jsonl", "/dev/full"])
        .args(["--export-on-exit", export.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut hs = KillOnDrop(child);
    // stderr is read on a thread of its own, so that each wait for a line is bounded.
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                return;
            }
        }
    });
    let next_line = || lines.recv_timeout(LIMIT).expect("a line on stderr in time");
    let first = next_line();
    let addr: SocketAddr = first
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://"))
        .expect("the address comes first")
        .parse()
        .unwrap();
    let answer = post_once(addr, "/hook", br#"{"n":1}"#);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("log"), "{answer}");
    let told = next_line();
    assert!(
        told.contains("JSON Lines log") && told.contains("503"),
        "{told}"
    );
    let pid = hs.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = wait(&mut hs.0);
    assert!(status.success());
    let mut out = String::new();
    hs.0.stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let rest = lines.iter().collect::<Vec<String>>().join("\n");
    assert!(rest.contains("lacks 1 event (each answered 503)"), "{rest}");
    assert!(rest.contains("wrote 1 event to"), "{rest}");
    assert!(
        out.contains("→ 503") && out.contains("⚠ log_write_failed"),
        "{out}"
    );
    let exported = hookscope::export::import(&std::fs::read(&export).unwrap()).unwrap();
    assert_eq!(exported.events.len(), 1);
    assert_eq!(exported.events[0].response.status, 503);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A file that is not an export is told so once, by `open` and `replay` alike.
#[test]
fn a_truncated_export_is_refused_saying_so_once() {
    let dir = temp_dir("truncated");
    let file = dir.join("big.json");
    std::fs::write(
        &file,
        "{\"format\":\"hookscope\",\"version\":1,\"exported_at\":\"2026-11-22T14:02:11Z\",\
         \"stats\":{\"received\":1,\"stored\":1,\"evicted\":0,\"rejected\":0},\"events\":[\n\
         {\"id\":1,\"rec",
    )
    .unwrap();
    let path = file.display().to_string();
    for args in [
        vec!["open", path.as_str()],
        vec!["replay", path.as_str(), "--to", "http://127.0.0.1:9"],
    ] {
        let (status, out, err) = run(hookscope().args(&args));
        assert!(!status.success(), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("hookscope: error: "), "{args:?}: {err}");
        assert!(
            err.contains(&format!("{path} is not a hookscope export")),
            "{args:?}: {err}"
        );
        assert_eq!(
            err.matches("hookscope export").count(),
            1,
            "{args:?}: {err}"
        );
        assert!(err.contains("EOF while parsing"), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// An address that cannot be bound gives its reason once.
#[test]
fn an_address_that_cannot_be_bound_gives_its_reason_once() {
    // A documentation address (TEST-NET-1) as IPv4-mapped IPv6: no interface has it.
    let (status, out, err) =
        run(hookscope().args(["--headless", "--port", "0", "--bind", "::ffff:192.0.2.1"]));
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(out.is_empty(), "{out}");
    let error = err
        .lines()
        .find(|line| line.starts_with("hookscope: error: "))
        .unwrap_or_else(|| panic!("no error line: {err}"));
    assert!(
        error.starts_with("hookscope: error: cannot listen on [::ffff:192.0.2.1]:0: "),
        "{err}"
    );
    let reason = &error["hookscope: error: cannot listen on [::ffff:192.0.2.1]:0: ".len()..];
    assert!(!reason.is_empty(), "{err}");
    assert_eq!(error.matches(reason).count(), 1, "{err}");
    assert!(error.matches("(os error").count() <= 1, "{err}");
    assert!(!reason.contains(": "), "the reason is one sentence: {err}");
}

/// A WMS event as a sender posts it.
fn wms_event(seq: u64, event: &str, severity: &str) -> String {
    format!(
        r#"{{"timestamp":1700000000,"sessionId":"ci-session","sequence":{seq},"event":"{event}","severity":"{severity}","payload":{{}}}}"#
    )
}

#[test]
fn checks_pass_once_every_expectation_matched_with_a_junit_report() {
    let dir = temp_dir("checks-met");
    let report = dir.join("results.xml");
    let running = start(&[
        "--headless",
        "--expect",
        "provider:wms type:WMS_LOADED",
        "--expect",
        "provider:wms",
        "--forbid",
        "sev:error",
        "--timeout",
        "20s",
        "--report",
        report.to_str().unwrap(),
    ]);
    running.post("/hooks/wms", wms_event(0, "WMS_LOADED", "INFO").as_bytes());
    let (status, out, err) = running.finish();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(out.contains("wms WMS_LOADED"), "{out}");
    assert!(
        err.contains("checks: expect 'provider:wms type:WMS_LOADED', expect 'provider:wms', forbid 'sev:error'; timeout 20 s"),
        "{err}"
    );
    assert!(
        err.contains("checks passed: 'provider:wms type:WMS_LOADED' matched #1, 'provider:wms' matched #1 (1 event seen)"),
        "{err}"
    );
    let xml = std::fs::read_to_string(&report).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("3"));
    assert_eq!(suite.attribute("failures"), Some("0"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        cases[0].attribute("name"),
        Some("expect provider:wms type:WMS_LOADED")
    );
    assert_eq!(cases[2].attribute("classname"), Some("hookscope.forbid"));
    assert!(doc.descendants().all(|n| !n.has_tag_name("failure")));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_forbidden_event_fails_the_run_at_once_naming_it() {
    let dir = temp_dir("checks-forbidden");
    let report = dir.join("results.xml");
    let running = start(&[
        "--headless",
        "--expect",
        "type:RESULTS_RECEIVED",
        "--forbid",
        "sev:error",
        "--report",
        report.to_str().unwrap(),
    ]);
    running.post("/hooks/wms", wms_event(0, "WMS_LOADED", "INFO").as_bytes());
    running.post(
        "/hooks/wms",
        wms_event(1, "CAMERA_PERMISSION_DENIED", "ERROR").as_bytes(),
    );
    let (status, _, err) = running.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "check failed: forbidden 'sev:error' matched #2: wms CAMERA_PERMISSION_DENIED"
        ),
        "{err}"
    );
    let xml = std::fs::read_to_string(&report).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 2, "{xml}");
    assert_eq!(failures[0].attribute("type"), Some("unmet"));
    assert_eq!(failures[1].attribute("type"), Some("forbidden"));
    assert!(
        failures[1]
            .attribute("message")
            .unwrap()
            .contains("#2: wms CAMERA_PERMISSION_DENIED")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unmet_expectation_fails_at_the_timeout_and_forbids_alone_pass() {
    let dir = temp_dir("checks-timeout");
    let report = dir.join("results.json");
    let started = Instant::now();
    let running = start(&[
        "--headless",
        "--expect",
        "provider:prism",
        "--timeout",
        "1s",
        "--report",
        report.to_str().unwrap(),
    ]);
    running.post("/hooks/wms", wms_event(0, "WMS_LOADED", "INFO").as_bytes());
    let (status, _, err) = running.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        err.contains("check failed: timed out after 1 s with 1 expectation unmet: 'provider:prism' (1 event seen)"),
        "{err}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["result"], "failed");
    assert_eq!(json["ended"], "timed_out");
    assert_eq!(json["checks"][0]["state"], "unmet");
    assert_eq!(json["events_seen"], 1);

    let running = start(&["--headless", "--forbid", "sev:error", "--timeout", "1s"]);
    running.post("/hooks/wms", wms_event(0, "WMS_LOADED", "INFO").as_bytes());
    let (status, _, err) = running.finish();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        err.contains("checks passed: nothing forbidden in 1 event"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_check_exits_2_before_listening() {
    for (args, says) in [
        (&["--expect", "sev:eror"][..], "--expect 'sev:eror': "),
        (&["--forbid", ""][..], "--forbid '': an empty query"),
        (&["--report", "r.xml"][..], "--report applies to checks"),
        (
            &["--expect", "gap", "--report", "/nonexistent-dir/r.xml"][..],
            "cannot write the report to /nonexistent-dir/r.xml",
        ),
    ] {
        let (status, _, err) = run(hookscope().args(["--headless", "--port", "0"]).args(args));
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("listening on"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

/// A one-request app on loopback: answers 202 to the first request and says what it got.
fn one_request_app() -> (SocketAddr, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let app = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(LIMIT)).unwrap();
        let mut seen = Vec::new();
        let mut buffer = [0u8; 4096];
        // The head, then as many body bytes as it announces.
        loop {
            let n = stream.read(&mut buffer).unwrap();
            seen.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&seen).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if seen.len() >= end + 4 + length || n == 0 {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        stream
            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            .unwrap();
        String::from_utf8_lossy(&seen).into_owned()
    });
    (addr, app)
}

#[test]
fn checks_keep_the_app_in_the_loop_with_forward_to() {
    let (app_addr, app) = one_request_app();
    let running = start(&[
        "--headless",
        "--forward-to",
        &format!("http://{app_addr}/app"),
        "--expect",
        "path:/hooks/wms status:202 answer:app",
        "--timeout",
        "20s",
    ]);
    let answer = running.post("/hooks/wms", wms_event(0, "WMS_LOADED", "INFO").as_bytes());
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    let (status, _, err) = running.finish();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        err.contains("checks passed: 'path:/hooks/wms status:202 answer:app' matched #1"),
        "{err}"
    );
    let got = app.join().unwrap();
    assert!(got.starts_with("POST /app/hooks/wms HTTP/1.1"), "{got}");
    assert!(got.contains("WMS_LOADED"), "{got}");
}

#[test]
fn an_answer_profile_says_at_start_how_its_sender_treats_answers() {
    let running = start(&["--headless", "--answer-as", "prism"]);
    running.post("/hooks", b"{}");
    running.signal("-TERM");
    let (status, _, err) = running.finish();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "answer profile: Prism re-sends a non-2xx answer at once, after 5 s and after 30 s"
        ),
        "{err}"
    );
}
