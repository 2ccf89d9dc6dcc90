//! Opening files as `hookscope open` does: ids in a file are data, never keys, so a log with
//! two runs appended, ids 0 and `u64::MAX`, or one line repeated ten thousand times lists every
//! event once, with one row selected and the counts in the header and the list agreeing; stats
//! that do not fit are read without overflowing; and export gives the file back byte for byte.
//! Then the real binary refusing FIFOs, devices and oversized files in one line, at once.

mod ui_support;

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use hookscope::event::CapturedEvent;
use hookscope::export;
use hookscope::store::Stats;
use hookscope::ui::action::Action;
use hookscope::ui::app::Command;
use ui_support::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hookscope-import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A generic event with id `id`, told apart from the others by its path.
fn generic(id: u64, path: &str) -> CapturedEvent {
    let mut event = request(
        "POST",
        path,
        &[("content-type", "application/json")],
        format!("{{\"path\":\"{path}\"}}").as_bytes(),
    );
    event.id = id;
    event
}

/// The events of one run: ids 1 to `count`, paths `/run{run}/e{id}`.
fn run(run: u64, count: u64) -> Vec<CapturedEvent> {
    (1..=count)
        .map(|id| {
            let mut event = generic(id, &format!("/run{run}/e{id}"));
            event.received_at += chrono::Duration::hours(run as i64);
            event
        })
        .collect()
}

fn jsonl(events: &[CapturedEvent]) -> Vec<u8> {
    events.iter().flat_map(export::event_line).collect()
}

/// Opens `bytes` written to a file, as `hookscope open` does, on a 120x40 screen.
async fn open(dir: &Path, name: &str, bytes: &[u8]) -> Screen {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let (store, source, links, _) = hookscope::ui::load_export(&path, u64::MAX).unwrap();
    let mut screen = Screen::new(store, source, 120, 40).with_links(links);
    screen.send(vec![]).await;
    screen
}

/// The rows of the list marked as selected.
fn selected_rows(screen: &Screen) -> Vec<String> {
    screen
        .text()
        .lines()
        .filter(|line| line.contains('▶'))
        .map(str::to_owned)
        .collect()
}

/// The header's `stored` count and the list title's count, which must agree.
fn counts(screen: &Screen) -> (String, String) {
    let text = screen.text();
    let number_after = |word: &str| {
        let at = text
            .find(word)
            .unwrap_or_else(|| panic!("no '{word}' in\n{text}"))
            + word.len();
        text[at..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .collect::<String>()
    };
    (number_after("stored "), number_after("╭ Events "))
}

#[tokio::test]
async fn two_runs_appended_to_one_log_list_every_event_once() {
    let dir = temp_dir("two-runs");
    let mut events = run(1, 30);
    events.extend(run(2, 30));
    let mut screen = open(&dir, "two-runs.jsonl", &jsonl(&events)).await;
    assert_eq!(
        counts(&screen),
        ("60".into(), "60".into()),
        "{}",
        screen.text()
    );
    // Down the whole list, one row at a time: each event of the file in turn, each alone
    // selected, its own id shown.
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            screen.send(keys("j")).await;
        }
        let rows = selected_rows(&screen);
        assert_eq!(rows.len(), 1, "row {i}:\n{}", screen.text());
        assert!(rows[0].contains(&*event.path), "row {i}: {}", rows[0]);
        assert!(
            rows[0].contains(&format!(" {} POST", event.id)),
            "row {i}: {}",
            rows[0]
        );
        let shown = screen.app.views.events.selected_event.as_deref().unwrap();
        assert_eq!(shown, event, "row {i}");
    }
    // The detail of the last one is the second run's #30, not the first run's.
    screen.send(keys("⏎")).await;
    let text = screen.text();
    assert!(text.contains("#30 /run2/e30"), "{text}");
    // A replay of it is named by its id and sends that event (the command is looked at, not
    // run).
    let store = Arc::clone(&screen.store);
    screen.app.update(Action::Replay, &store);
    screen.app.update(Action::ReplaySend, &store);
    screen.send(vec![]).await;
    let text = screen.text();
    assert!(text.contains("replaying #30 to"), "{text}");
    match screen.app.commands.as_slice() {
        [Command::Replay { keys, .. }] => {
            let sent: Vec<_> = keys.iter().filter_map(|&key| store.get(key)).collect();
            assert_eq!(sent.len(), 1);
            assert_eq!(&*sent[0], events.last().unwrap());
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn ids_zero_and_the_largest_are_listed() {
    let dir = temp_dir("extreme-ids");
    let events = vec![
        generic(u64::MAX, "/largest"),
        generic(0, "/zero"),
        generic(7, "/seven"),
        generic(u64::MAX, "/largest-again"),
        generic(0, "/zero-again"),
    ];
    let mut screen = open(&dir, "extreme.jsonl", &jsonl(&events)).await;
    assert_eq!(
        counts(&screen),
        ("5".into(), "5".into()),
        "{}",
        screen.text()
    );
    let text = screen.text();
    for event in &events {
        let row = text
            .lines()
            .find(|l| l.contains(&format!("{} ", event.path)))
            .unwrap_or_else(|| panic!("{} is not listed:\n{text}", event.path));
        assert!(row.contains(&format!(" {} POST", event.id)), "{row}");
    }
    assert_eq!(selected_rows(&screen).len(), 1, "{text}");
    // The last row can be reached and is selected alone.
    screen.send(keys("G")).await;
    let rows = selected_rows(&screen);
    assert_eq!(rows.len(), 1, "{}", screen.text());
    assert!(rows[0].contains("/zero-again"), "{}", rows[0]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn ten_thousand_copies_of_one_line_are_ten_thousand_events() {
    let dir = temp_dir("copies");
    let line = export::event_line(&generic(42, "/same"));
    let mut screen = open(&dir, "copies.jsonl", &line.repeat(10_000)).await;
    assert_eq!(screen.store.len(), 10_000);
    assert_eq!(screen.app.views.events.len(), 10_000);
    assert_eq!(
        counts(&screen),
        ("10,000".into(), "10,000".into()),
        "{}",
        screen.text()
    );
    assert_eq!(selected_rows(&screen).len(), 1, "{}", screen.text());
    screen.send(keys("G")).await;
    assert_eq!(selected_rows(&screen).len(), 1, "{}", screen.text());
    assert_eq!(
        screen.app.views.events.selected,
        screen.app.views.events.keys().last(),
        "the last row is selected"
    );
    // A filter goes over every copy too.
    screen.send(keys("/same⏎")).await;
    let text = screen.text();
    assert!(text.contains("Events 10,000 of 10,000"), "{text}");
    assert_eq!(selected_rows(&screen).len(), 1, "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn counters_that_do_not_fit_are_read_without_overflowing() {
    let dir = temp_dir("stats");
    let events = [generic(1, "/a"), generic(2, "/b")];
    let at = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
    for stats in [
        Stats {
            received: u64::MAX,
            stored: u64::MAX,
            evicted: u64::MAX,
            rejected: u64::MAX,
        },
        Stats {
            received: 5,
            stored: 2,
            evicted: 3,
            rejected: u64::MAX,
        },
        Stats {
            received: u64::MAX,
            stored: 2,
            evicted: u64::MAX - 1,
            rejected: 0,
        },
    ] {
        let mut document = Vec::new();
        export::write_export(&mut document, stats, at, &events).unwrap();
        let screen = open(&dir, "stats.json", &document).await;
        let read = screen.store.stats();
        assert!(read.balanced(), "{stats:?} read as {read:?}");
        assert_eq!(read.stored, 2, "{stats:?} read as {read:?}");
        assert_eq!(
            counts(&screen),
            ("2".into(), "2".into()),
            "{}",
            screen.text()
        );
    }
    // Counters that fit are kept as the file has them.
    let stats = Stats {
        received: u64::MAX,
        stored: 2,
        evicted: u64::MAX - 3,
        rejected: 1,
    };
    let mut document = Vec::new();
    export::write_export(&mut document, stats, at, &events).unwrap();
    let screen = open(&dir, "stats.json", &document).await;
    assert_eq!(screen.store.stats(), stats);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn export_after_open_gives_the_file_back_byte_for_byte() {
    let dir = temp_dir("round-trip");
    let mut events = run(1, 12);
    events.extend(run(2, 12));
    events.push(generic(0, "/zero"));
    events.push(generic(u64::MAX, "/largest"));
    events.push(generic(5, "/five-again"));

    // JSON Lines: the log as it was.
    let lines = jsonl(&events);
    let screen = open(&dir, "log.jsonl", &lines).await;
    let again = dir.join("again.jsonl");
    let snapshot = screen.store.snapshot();
    export::write_export_file(&again, screen.store.stats(), snapshot.iter().map(|e| &**e)).unwrap();
    assert_eq!(
        String::from_utf8(std::fs::read(&again).unwrap()).unwrap(),
        String::from_utf8(lines).unwrap()
    );

    // A JSON document, written again at the same time.
    let at = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
    let n = events.len() as u64;
    let stats = Stats {
        received: n + 4,
        stored: n,
        evicted: 3,
        rejected: 1,
    };
    let mut document = Vec::new();
    export::write_export(&mut document, stats, at, &events).unwrap();
    let screen = open(&dir, "capture.json", &document).await;
    let snapshot = screen.store.snapshot();
    let mut written = Vec::new();
    export::write_export(
        &mut written,
        screen.store.stats(),
        at,
        snapshot.iter().map(|e| &**e),
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(written).unwrap(),
        String::from_utf8(document).unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// How long `hookscope open` may take to refuse a file: at once, not after reading it.
const QUICK: Duration = Duration::from_secs(5);

/// Runs `hookscope open ARGS` with stdin closed; ends it if it outlives `QUICK` (and fails).
fn open_binary(args: &[&std::ffi::OsStr]) -> Output {
    run_binary("open", args)
}

/// Runs `hookscope COMMAND ARGS…` with stdin closed; it must end within `QUICK`.
fn run_binary(command: &str, args: &[&std::ffi::OsStr]) -> Output {
    let started = Instant::now();
    let mut child = Process::new(env!("CARGO_BIN_EXE_hookscope"))
        .env_remove("HOOKSCOPE_CONFIG")
        .arg(command)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > QUICK {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hookscope {command} {args:?} was still running after {QUICK:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// Checks that `hookscope open` refused with exit status 2 and one line saying `says`.
fn refused(out: &Output, says: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("hookscope: error: "), "{err}");
    for word in says {
        assert!(err.contains(word), "no '{word}' in: {err}");
    }
}

/// A log that a full disk cut off mid-line, then appended to by a later run: every whole line
/// is listed, and the header says that a damaged line was left out.
#[tokio::test]
async fn a_log_with_a_line_cut_off_lists_every_whole_line() {
    let dir = temp_dir("cut-line");
    let first = run(1, 5);
    let second = run(2, 5);
    let mut log = jsonl(&first);
    let cut = export::event_line(&generic(6, "/run1/e6"));
    log.extend_from_slice(&cut[..cut.len() / 2]);
    log.push(b'\n');
    log.extend(jsonl(&second));
    let screen = open(&dir, "cut.jsonl", &log).await;
    let text = screen.text();
    assert_eq!(counts(&screen), ("10".into(), "10".into()), "{text}");
    assert!(
        text.contains("cut.jsonl (⚠ 1 damaged line skipped)"),
        "{text}"
    );
    let listed: Vec<CapturedEvent> = screen
        .store
        .snapshot()
        .iter()
        .map(|e| CapturedEvent::clone(e))
        .collect();
    assert_eq!(listed, [first, second].concat());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `replay` reads files the same way: special files and files over the limit are refused in
/// one line, at once, before anything is sent (the target is never reached: port 9 on
/// loopback has nobody listening).
#[test]
fn replay_refuses_special_and_oversized_files_at_once() {
    let dir = temp_dir("replay-files");
    let fifo = dir.join("events.jsonl");
    assert!(
        Process::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let file = dir.join("capture.jsonl");
    std::fs::write(&file, jsonl(&run(1, 20))).unwrap();
    let to = ["--to".as_ref(), "http://127.0.0.1:9".as_ref()];
    let out = run_binary("replay", &[&[fifo.as_os_str()][..], &to].concat());
    refused(
        &out,
        &["events.jsonl", "FIFO", "`hookscope replay` reads exports"],
    );
    let out = run_binary("replay", &[&["/dev/zero".as_ref()][..], &to].concat());
    refused(&out, &["/dev/zero", "character device"]);
    let limit = ["--max-file-size".as_ref(), "2KiB".as_ref()];
    let out = run_binary("replay", &[&[file.as_os_str()][..], &to, &limit].concat());
    refused(
        &out,
        &[
            "capture.jsonl",
            "over the 2 KiB limit of `hookscope replay`",
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn open_refuses_a_fifo_at_once() {
    let dir = temp_dir("fifo");
    let fifo = dir.join("events.jsonl");
    let made = Process::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // No writer ever opens it: reading it would wait forever.
    let out = open_binary(&[fifo.as_os_str()]);
    refused(&out, &["events.jsonl", "FIFO", "not a regular file"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn open_refuses_a_device_at_once() {
    for device in ["/dev/zero", "/dev/null"] {
        let out = open_binary(&[device.as_ref()]);
        refused(&out, &[device, "device", "not a regular file"]);
    }
}

#[test]
fn open_refuses_a_file_over_the_limit_and_the_flag_raises_it() {
    let dir = temp_dir("limit");
    let file = dir.join("capture.jsonl");
    std::fs::write(&file, jsonl(&run(1, 20))).unwrap();
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(size > 2048, "{size}");
    let out = open_binary(&[
        file.as_os_str(),
        "--max-file-size".as_ref(),
        "2KiB".as_ref(),
    ]);
    refused(
        &out,
        &["capture.jsonl", "over the 2 KiB", "--max-file-size"],
    );
    // Raised, the file is read and taken for an export: only the missing terminal stops it.
    let out = open_binary(&[
        file.as_os_str(),
        "--max-file-size".as_ref(),
        "1MiB".as_ref(),
    ]);
    refused(&out, &["run it in a terminal"]);
    // The default is far above an ordinary export.
    let out = open_binary(&[file.as_os_str()]);
    refused(&out, &["run it in a terminal"]);
    // A file whose size says nothing (as in /proc) is read up to the limit, no further.
    let status = Path::new("/proc/self/status");
    if status.exists() {
        let out = open_binary(&[
            status.as_os_str(),
            "--max-file-size".as_ref(),
            "100".as_ref(),
        ]);
        refused(&out, &["is more than 100 B, over the 100 B limit"]);
    }
    // A limit that is not a size is refused by itself.
    let out = open_binary(&[
        file.as_os_str(),
        "--max-file-size".as_ref(),
        "lots".as_ref(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("'lots' is not a size"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A redelivery as the listener analyses it, then exported, opened and exported again: every
/// byte comes back, `redelivery.delay_ms` included, whatever the delay in microseconds (1,263 µs
/// once came back as 1.263 after being written as 1.2630000000000001).
#[tokio::test]
async fn redelivery_delays_survive_export_open_export() {
    use hookscope::ingest::Recorder;
    use hookscope::store::{Limits, Store};

    let dir = temp_dir("redelivery");
    let store = Arc::new(Store::new(Limits {
        capacity: 10_000,
        max_bytes: u64::MAX,
    }));
    let recorder = Recorder::new(Arc::clone(&store), None).unwrap();
    let start = Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 11).unwrap();
    // Each delay in microseconds, from a first delivery to its re-send; each pair its own body.
    let delays = (1..=2_000).chain([1_263, 45_678_901, 119_999_999]);
    for (n, delay) in delays.enumerate() {
        let first_at = start + chrono::Duration::seconds(n as i64 * 200);
        for (i, at) in [first_at, first_at + chrono::Duration::microseconds(delay)]
            .into_iter()
            .enumerate()
        {
            let mut event = generic(0, "/hook");
            event.body = format!("{{\"delivery\":{n}}}").into();
            // Latencies as the listener measures them: whole microseconds over 1,000.
            event
                .response
                .set_latency_ms((delay + i as i64) as f64 / 1000.0);
            record_at(&recorder, event, at);
        }
    }
    let events = store.snapshot();
    let retries = events
        .iter()
        .filter_map(|e| e.analysis.redelivery.as_ref())
        .count();
    assert_eq!(retries, 2_003, "every second delivery is a re-send");

    let exported_at = start + chrono::Duration::days(1);
    let write = |store: &Store, recorder: &Recorder| {
        let mut out = Vec::new();
        let events = store.snapshot();
        export::write_export_with(
            &mut out,
            store.stats(),
            Some(&recorder.analysis_snapshot()),
            exported_at,
            events.iter().map(|e| e.as_ref()),
        )
        .unwrap();
        out
    };
    let first = write(&store, &recorder);
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("\"delay_ms\":1.263,"), "1,263 µs is 1.263 ms");

    let path = dir.join("a.json");
    std::fs::write(&path, &first).unwrap();
    let (opened, _, links, _) = hookscope::ui::load_export(&path, u64::MAX).unwrap();
    let second = write(&opened, links.recorder.as_ref().unwrap());
    if first != second {
        let differing = String::from_utf8_lossy(&first)
            .lines()
            .zip(String::from_utf8_lossy(&second).lines())
            .find(|(a, b)| a != b)
            .map(|(a, b)| format!("{a}\n{b}"));
        panic!(
            "the second export differs:\n{}",
            differing.unwrap_or_default()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A WMS session's bad signatures and delivery lag go into the export's analysis, and opening
/// the file works them out again from its events: the second export is the first, byte for byte.
#[tokio::test]
async fn session_findings_survive_export_open_export() {
    let dir = temp_dir("session-findings");
    let (store, links, last) = analysed_traffic();
    let recorder = links.recorder.unwrap();
    troubled_session(&recorder, last + chrono::Duration::seconds(2));
    let exported_at = last + chrono::Duration::days(1);
    let write = |store: &hookscope::store::Store, recorder: &hookscope::ingest::Recorder| {
        let mut out = Vec::new();
        let events = store.snapshot();
        export::write_export_with(
            &mut out,
            store.stats(),
            Some(&recorder.analysis_snapshot()),
            exported_at,
            events.iter().map(|e| e.as_ref()),
        )
        .unwrap();
        out
    };
    let first = write(&store, &recorder);
    let text = String::from_utf8_lossy(&first);
    for field in [
        r#""bad_signatures":1,"bad_signature_seqs":[8],"#,
        r#""delivery_lag":{"median_ms":1200,"min_ms":1200,"max_ms":2600,"count":9}"#,
    ] {
        assert!(text.contains(field), "{field} not in the export");
    }
    // Sessions without a bad signature write neither field.
    assert_eq!(text.matches("\"bad_signatures\"").count(), 1);

    let path = dir.join("a.json");
    std::fs::write(&path, &first).unwrap();
    let (opened, _, links, _) = hookscope::ui::load_export(&path, u64::MAX).unwrap();
    let second = write(&opened, links.recorder.as_ref().unwrap());
    assert!(first == second, "the second export differs");
    let _ = std::fs::remove_dir_all(&dir);
}
