//! The real binary's interface in a real terminal (tmux): start with `--port 0`, send HTTP,
//! see the row, filter, open the help, resize, quit with `q`, exit status 0, terminal restored;
//! the same after SIGTERM; `hookscope open` on an export. And what happens without a terminal,
//! and the one-line errors of `hookscope open` and `--theme`.
//!
//! The tmux tests need tmux; where it is missing they say so and pass, and CI installs it.

mod ui_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(20);

fn hookscope() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookscope"));
    command
        .env_remove("HOOKSCOPE_CONFIG")
        .env_remove("NO_COLOR");
    command
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hookscope-ui-bin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs to completion with stdin closed, bounded by `LIMIT`.
fn output(command: &mut Command) -> Output {
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + LIMIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("hookscope did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn open_refuses_a_missing_or_invalid_file_in_one_line() {
    let dir = temp_dir("open-errors");
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\"format\":\"hookscope\",\"version\":1,\n\"events\":[{]}",
    )
    .unwrap();
    let missing = dir.join("missing.json");
    for (path, says) in [
        (&bad, "is not a hookscope export"),
        (&missing, "cannot read"),
    ] {
        let out = output(hookscope().arg("open").arg(path));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(out.stdout.is_empty());
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.starts_with("hookscope: error: "), "{err}");
        assert!(err.contains(says), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_theme_is_named_with_its_line() {
    let dir = temp_dir("theme");
    let theme = dir.join("mine.toml");
    std::fs::write(&theme, "text = \"white\"\n\nerror = \"not-a-colour\"\n").unwrap();
    for args in [
        vec![
            "--headless".to_owned(),
            "--theme".to_owned(),
            theme.display().to_string(),
        ],
        vec![
            "open".to_owned(),
            "x.json".to_owned(),
            "--theme".to_owned(),
            theme.display().to_string(),
        ],
    ] {
        let out = output(hookscope().args(&args));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("mine.toml, line 3:"), "{err}");
        assert!(err.contains("'not-a-colour' is not a colour"), "{err}");
    }
    let out = output(hookscope().args(["--headless", "--theme", "purple-rain"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("no theme named 'purple-rain'"), "{err}");
    // A value written as a path is a file that is missing, not an unknown theme name.
    let missing = dir.join("absent.toml").display().to_string();
    for value in [missing.as_str(), "absent.toml", "themes/absent"] {
        let out = output(hookscope().args(["--headless", "--theme", value]));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("no such file") && err.contains(value),
            "{value}: {err}"
        );
        assert!(!err.contains("no theme named"), "{value}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A tmux server of our own (its own socket), ended when the test ends however it ends.
struct Tmux {
    socket: String,
}

impl Tmux {
    /// A detached session running `command` in a 100x30 terminal, or none without tmux.
    fn start(name: &str, command: &str) -> Option<Tmux> {
        let available = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !available {
            eprintln!("tmux is not installed: skipping the real-terminal test");
            return None;
        }
        let tmux = Tmux {
            socket: format!("hookscope-{name}-{}", std::process::id()),
        };
        let status = tmux
            .command()
            .args([
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "100",
                "-y",
                "30",
                command,
            ])
            .status()
            .unwrap();
        assert!(status.success());
        Some(tmux)
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket, "-f", "/dev/null"]);
        command
    }

    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (bounded) until the screen satisfies `test`, and returns it.
    fn wait_for(&self, what: &str, test: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            let screen = self.screen();
            if test(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends keys as tmux names them (`q`, `Enter`, `Escape`) or literal text with `-l`.
    fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn type_text(&self, text: &str) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

/// The first process whose parent is `parent`, from `/proc`.
fn child_of(parent: &str) -> Option<String> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid = entry.file_name().to_string_lossy().into_owned();
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (name) state ppid …`; the name may hold spaces, so read after its `)`.
            let after_name = &stat[stat.rfind(')')? + 1..];
            let ppid = after_name.split_whitespace().nth(1)?;
            (ppid == parent).then_some(pid)
        })
}

/// The shell command that runs hookscope, then reports its exit status and the terminal mode.
fn wrapped(args: &str, result: &Path) -> String {
    format!(
        "'{}' {args}; echo \"EXIT=$?\" > '{}'; stty -a >> '{}'; sleep 60",
        env!("CARGO_BIN_EXE_hookscope"),
        result.display(),
        result.display()
    )
}

/// Waits for the wrapper's report: the exit status line and `stty -a`.
fn wait_result(result: &Path) -> String {
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Ok(text) = std::fs::read_to_string(result)
            && text.contains("EXIT=")
            && text.contains("speed")
        {
            return text;
        }
        assert!(Instant::now() < deadline, "hookscope did not exit after q");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn assert_terminal_restored(report: &str) {
    // Raw mode is off again: line editing and echo are back.
    let words: Vec<&str> = report.split_whitespace().collect();
    assert!(words.contains(&"icanon"), "{report}");
    assert!(words.contains(&"echo"), "{report}");
}

fn post(addr: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn the_interface_runs_in_a_real_terminal() {
    let dir = temp_dir("tmux-listen");
    let result = dir.join("result");
    let Some(tmux) = Tmux::start("listen", &wrapped("--port 0", &result)) else {
        return;
    };
    // A frame reaches the terminal in pieces: wait for all of it.
    let screen = tmux.wait_for("the first frame", |s| {
        s.contains("hookscope ●") && s.contains("No events yet") && s.contains("q quit")
    });
    let addr = screen
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .expect("the header shows the address")
        .to_owned();

    let answer = post(&addr, "/hooks/first", r#"{"hello":"tmux"}"#);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    post(&addr, "/hooks/second", r#"{"n":2}"#);
    tmux.wait_for("both rows", |s| {
        s.contains("/hooks/first") && s.contains("/hooks/second")
    });

    // Filter: only the first remains.
    tmux.keys(&["/"]);
    tmux.type_text("first");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the filter", |s| {
        s.contains("filter: first") && s.contains("Events 1 of 2") && !s.contains("/hooks/second")
    });

    // The detail, the help, the view key.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the detail", |s| {
        s.contains("[Body]") && s.contains("\"hello\": \"tmux\"")
    });
    tmux.keys(&["?"]);
    tmux.wait_for("the help", |s| s.contains("Keys — Events view"));
    // One Esc at a time: a terminal cannot tell Esc Esc from an Alt sequence.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help to close", |s| !s.contains("Keys — Events view"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the detail to close", |s| !s.contains("[Body]"));
    // Esc clears the filter; the next key waits until it has, or Esc and `1` arriving
    // together read as Alt-1.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter to clear", |s| !s.contains("filter: first"));
    tmux.keys(&["1"]);
    let screen = tmux.wait_for("the whole list", |s| {
        s.contains("Events 2 ") && s.contains("/hooks/second")
    });
    assert!(screen.contains("[1 Events]"), "{screen}");

    // The other views, and the answer switched live.
    tmux.keys(&["2"]);
    tmux.wait_for("the Sessions view", |s| {
        s.contains("[2 Sessions]")
            && s.contains("WMS sessions 0")
            && s.contains("No WMS session yet")
    });
    tmux.keys(&["3"]);
    tmux.wait_for("the Timelines view", |s| {
        s.contains("[3 Timelines]") && s.contains("Scans and videos 0")
    });
    tmux.keys(&["m"]);
    tmux.wait_for("the answer mode", |s| {
        s.contains("→ answer 500") && s.contains("senders now get 500")
    });
    let answer = post(&addr, "/hooks/third", r#"{"n":3}"#);
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
    tmux.keys(&["m", "m", "m", "m"]);
    tmux.wait_for("the configured answer again", |s| {
        s.contains("→ answer 200")
    });
    tmux.keys(&["1"]);
    tmux.wait_for("the Events view", |s| s.contains("[1 Events]"));

    // A smaller terminal: the layout follows (no room for the size column).
    let status = tmux
        .command()
        .args(["resize-window", "-t", "t", "-x", "80", "-y", "24"])
        .status()
        .unwrap();
    assert!(status.success());
    tmux.wait_for("the narrow layout", |s| {
        s.contains("KIND / PATH") && !s.contains("SIZE") && s.lines().count() <= 24
    });

    tmux.keys(&["q"]);
    let report = wait_result(&result);
    assert!(report.contains("EXIT=0"), "{report}");
    assert_terminal_restored(&report);
    // Back on the main screen: what was printed before and after the interface is visible.
    let screen = tmux.wait_for("the final counters", |s| {
        s.contains("hookscope: received 3")
    });
    assert!(
        screen.contains("hookscope listening on http://"),
        "{screen}"
    );
    assert!(
        !screen.contains("KIND / PATH"),
        "the interface is gone:\n{screen}"
    );
    drop(tmux);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn open_shows_an_export_in_a_real_terminal() {
    let dir = temp_dir("tmux-open");
    let file = dir.join("capture.json");
    let events = ui_support::sample_events();
    let stats = hookscope::store::Stats {
        received: 20,
        stored: 20,
        evicted: 0,
        rejected: 0,
    };
    hookscope::export::write_export_file(&file, stats, events.iter()).unwrap();
    let result = dir.join("result");
    let args = format!("open '{}' --theme colorblind", file.display());
    let Some(tmux) = Tmux::start("open", &wrapped(&args, &result)) else {
        return;
    };
    // A frame reaches the terminal in pieces: wait for all of it.
    tmux.wait_for("the export", |s| {
        s.contains("◼ capture.json") && s.contains("WMS_LOADED") && s.contains("⚠ gap 7-8")
    });
    // The analysis is rebuilt from the file: sessions and timelines work offline.
    tmux.keys(&["2"]);
    tmux.wait_for("the file's sessions", |s| {
        s.contains("WMS sessions 1") && s.contains("ryueiwoqfh910fu3") && s.contains("sequence 0")
    });
    tmux.keys(&["3"]);
    tmux.wait_for("the file's timelines", |s| {
        s.contains("[3 Timelines]") && s.contains("scan-7f3a9c") && s.contains("body.creation")
    });
    tmux.keys(&["m"]);
    tmux.wait_for("no listener", |s| s.contains("no listener"));
    tmux.keys(&["1", "G", "q"]);
    let report = wait_result(&result);
    assert!(report.contains("EXIT=0"), "{report}");
    assert_terminal_restored(&report);
    drop(tmux);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_ends_the_interface_and_restores_the_terminal() {
    let dir = temp_dir("tmux-term");
    let result = dir.join("result");
    let export = dir.join("on-exit.json");
    let args = format!("--port 0 --export-on-exit '{}'", export.display());
    let Some(tmux) = Tmux::start("term", &wrapped(&args, &result)) else {
        return;
    };
    let screen = tmux.wait_for("the first frame", |s| {
        s.contains("hookscope ●") && s.contains("q quit")
    });
    let addr = screen
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .expect("the header shows the address")
        .to_owned();
    post(&addr, "/before-term", "{}");
    tmux.wait_for("the row", |s| s.contains("/before-term"));
    // The shell in the pane is the wrapper; hookscope is its only child.
    let out = tmux
        .command()
        .args(["list-panes", "-t", "t", "-F", "#{pane_pid}"])
        .output()
        .unwrap();
    let shell = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let pid = child_of(&shell).expect("hookscope runs under the wrapper");
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let report = wait_result(&result);
    assert!(report.contains("EXIT=0"), "{report}");
    assert_terminal_restored(&report);
    let bytes = std::fs::read(&export).expect("the export on exit was written");
    let imported = hookscope::export::import(&bytes).unwrap();
    assert_eq!(imported.events.len(), 1);
    tmux.wait_for("the main screen again", |s| {
        s.contains("hookscope: received 1") && !s.contains("KIND / PATH")
    });
    drop(tmux);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_terminal_it_prints_lines_instead() {
    use std::io::BufRead;
    let mut child = hookscope()
        .args(["--port", "0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let deadline = Instant::now() + LIMIT;
    while !seen.contains("printing events as with --headless") {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 || Instant::now() > deadline {
            let _ = child.kill();
            panic!("no note about the missing terminal: {seen}");
        }
        seen.push_str(&line);
    }
    assert!(seen.contains("stdout is not a terminal"), "{seen}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("hookscope did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// With checks, the interface shows them in the header; quitting before they are met exits 1
/// with the reason, and once met, 0.
#[test]
fn checks_in_the_interface_decide_the_exit_status_on_quit() {
    for (met, exit) in [(false, "EXIT=1"), (true, "EXIT=0")] {
        let dir = temp_dir(&format!("tmux-checks-{met}"));
        let result = dir.join("result");
        let err = dir.join("err");
        let args = format!(
            "--port 0 --expect 'path:/ready' --forbid 'path:/bad' 2>'{}'",
            err.display()
        );
        let Some(tmux) = Tmux::start(&format!("checks{met}"), &wrapped(&args, &result)) else {
            return;
        };
        let screen = tmux.wait_for("the header with the checks", |s| {
            s.contains("checks 0/1") && s.contains("q quit")
        });
        let addr = screen
            .split_whitespace()
            .find(|w| w.starts_with("127.0.0.1:"))
            .expect("the header shows the address")
            .to_owned();
        if met {
            post(&addr, "/ready", "{}");
            tmux.wait_for("the check met", |s| s.contains("checks ✓ 1/1"));
        }
        tmux.keys(&["q"]);
        let report = wait_result(&result);
        assert!(report.contains(exit), "{report}");
        assert_terminal_restored(&report);
        let said = std::fs::read_to_string(&err).unwrap();
        if met {
            assert!(
                said.contains("checks passed: 'path:/ready' matched #1"),
                "{said}"
            );
        } else {
            assert!(
                said.contains("check failed: stopped after ") && said.contains("'path:/ready'"),
                "{said}"
            );
        }
        drop(tmux);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
