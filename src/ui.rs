//! The terminal interface: one event loop merging terminal input, store changes, a one-second
//! tick and finished background jobs; state in `app`, drawing in `render` and `view/`, the
//! shared vocabulary (actions, key contexts, view ids) in `action`, keys in `keymap`, screen
//! bands in `layout`, colours in `theme`.
//!
//! The interface only reads the store (the visible rows and the selected event) and, for the
//! Sessions and Timelines views, copies the visible rows out of the analysis under a short
//! lock, so capture never waits for it. It draws when something visible changed — never on a timer
//! — and at most
//! about thirty times a second while events pour in.

pub mod action;
pub mod app;
pub mod copy;
pub mod curl;
pub mod help;
pub mod http_text;
pub mod json;
pub mod keymap;
pub mod layout;
pub mod mask;
pub mod render;
pub mod svg;
pub mod table;
pub mod text;
pub mod theme;
pub mod view;

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event as TermEvent};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::EnterAlternateScreen;
use ratatui::layout::Rect;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use crate::export;
use crate::ingest::Recorder;
use crate::store::Store;
use app::{App, Command, EditOutcome, Input, Links, Source};
use theme::Theme;

/// The shortest time between two frames drawn because of store changes.
const FRAME: Duration = Duration::from_millis(33);
const TICK: Duration = Duration::from_secs(1);

/// What the interface shows and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub source: Source,
    pub theme: Theme,
    /// Where `e` writes exports (the current directory).
    pub export_dir: PathBuf,
    /// The recorder (analysis) and, when live, the answer policy.
    pub links: Links,
    /// The secrets `E` may sign an edited request afresh with.
    pub secrets: crate::decode::signature::Secrets,
    /// A Prism job running this long without an ending is shown stuck (`--stuck-after`).
    pub stuck_after: Duration,
}

/// What a run of the loop did, for tests and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunReport {
    /// Frames drawn.
    pub frames: u64,
}

/// Runs the interface on the real terminal until the user quits or `stop` completes (a signal).
/// The terminal is restored on every way out: a quit, an error, a panic, or this future being
/// dropped.
pub async fn run_terminal(
    store: Arc<Store>,
    options: Options,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    // Armed first: an init that fails half-way (raw mode on, no alternate screen) is undone too.
    let _restore = RestoreOnDrop;
    let mut terminal = ratatui::try_init()?;
    // ratatui's panic hook restores the screen and raw mode; mouse reporting must stop too.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        previous_hook(info);
    }));
    execute!(io::stdout(), EnableMouseCapture)?;
    let size = terminal.size()?;
    let mut app = App::new(
        options.source.clone(),
        Rect::new(0, 0, size.width, size.height),
        options.export_dir.clone(),
    )
    .with_links(options.links.clone())
    .with_secrets(options.secrets.clone());
    app.views.timelines.stuck_after = options.stuck_after;
    app.hand_over_terminal = true;
    let inputs = crossterm::event::EventStream::new();
    let mut clipboard = copy_osc52;
    tokio::select! {
        result = run(&mut terminal, inputs, store, &mut app, &options.theme, &mut clipboard) => {
            result.map(|_| ())
        }
        () = stop => Ok(()),
    }
}

/// An export read for `hookscope open FILE`: a store holding its events, the source the header
/// names, a recorder whose analysis is rebuilt from the events (for the Sessions and Timelines
/// views), and the damaged lines of a JSON Lines log that were left out (the header says so
/// too). A file larger than `max_size` bytes is refused. Errors are one sentence.
pub fn load_export(
    path: &std::path::Path,
    max_size: u64,
) -> Result<(Arc<Store>, Source, Links, export::Skipped), String> {
    let bytes = crate::files::read_file(path, max_size, "open")?;
    // The entries of a HAR file are decoded again: their signatures are checked with the
    // secrets of the environment, as `listen` would have. A variable `listen` would refuse
    // does not stop a file from opening: its entries' signatures then read "no secret".
    let mut secrets = crate::decode::signature::Secrets::default();
    if crate::config::add_secrets_from_env(&mut secrets, |name| std::env::var(name).ok()).is_err() {
        secrets = crate::decode::signature::Secrets::default();
    }
    let imported = export::import_with(&bytes, &secrets).map_err(|e| e.about(path.display()))?;
    let limits = crate::store::Limits {
        // One place more than the file holds, so that every pin in it stays a pin.
        capacity: imported.events.len().saturating_add(1),
        max_bytes: u64::MAX,
    };
    let store = Arc::new(Store::from_events(limits, imported.events, imported.stats));
    let recorder = crate::ingest::Recorder::new(Arc::clone(&store), None)
        .map_err(|e| format!("cannot analyse {}: {e}", path.display()))?;
    recorder.rebuild_analysis(store.snapshot().iter().map(|e| e.as_ref()));
    let links = Links {
        recorder: Some(Arc::new(recorder)),
        policy: None,
    };
    let mut name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let skipped = imported.skipped;
    if skipped.lines > 0 {
        let lines = crate::words::count(skipped.lines, "damaged line");
        name.push_str(&format!(" (⚠ {lines} skipped)"));
    }
    Ok((store, Source::File { name }, links, skipped))
}

/// Restores the terminal when dropped, whichever way the interface ends.
struct RestoreOnDrop;

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
}

/// Puts text on the clipboard of the terminal in front of the user, over SSH too, and through
/// tmux or GNU screen when one runs in between.
fn copy_osc52(text: &str) {
    let multiplexer = copy::Multiplexer::detect(|name| std::env::var(name).ok());
    let mut out = io::stdout();
    let _ = out.write_all(copy::clipboard_sequence(text, multiplexer).as_bytes());
    let _ = out.flush();
}

/// The event loop. Returns when the user quits or `inputs` ends (tests end it to look at the
/// screen, then call `run` again to go on).
///
/// Generic over the backend and given its inputs, so that tests drive the real loop with fake
/// keys, a real store and a `TestBackend`.
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    inputs: S,
    store: Arc<Store>,
    app: &mut App,
    theme: &Theme,
    clipboard: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<RunReport>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
{
    let mut inputs = inputs;
    let mut report = RunReport::default();
    let mut changes = store.subscribe();
    changes.mark_unchanged();
    let (notices, mut notices_rx) = mpsc::unbounded_channel::<Input>();
    let mut tick = tokio::time::interval_at(Instant::now() + TICK, TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut store_pending = false;
    let mut last_draw = Instant::now();
    // Exports and replays under way; their last notice ends them.
    let mut jobs_running = 0usize;

    app.sync(&store);
    draw(terminal, app, &store, theme)?;
    report.frames += 1;

    while !app.quit {
        let next_frame = last_draw + FRAME;
        let input = tokio::select! {
            input = inputs.next() => match input {
                Some(Ok(event)) => Input::Terminal(event),
                Some(Err(error)) => return Err(anyhow::Error::new(error).context("cannot read the terminal")),
                None => break,
            },
            Some(notice) = notices_rx.recv() => {
                if matches!(notice, Input::Notice { .. }) {
                    jobs_running = jobs_running.saturating_sub(1);
                }
                notice
            }
            changed = changes.changed(), if !store_pending => {
                if changed.is_err() {
                    break;
                }
                // Coalesce: take in everything that arrives until the next frame is due.
                store_pending = true;
                continue;
            }
            () = tokio::time::sleep_until(next_frame), if store_pending => {
                store_pending = false;
                Input::StoreChanged
            }
            _ = tick.tick() => Input::Tick,
        };
        let mut dirty = app.handle(input, &store);
        for command in std::mem::take(&mut app.commands) {
            match command {
                Command::Copy(text) => clipboard(&text),
                Command::Edit { id, text } => {
                    let outcome = edit(terminal, app.hand_over_terminal, id, text).await;
                    dirty |= app.handle(Input::Edited(outcome), &store);
                }
                Command::Resend {
                    from,
                    after,
                    target,
                    delivery,
                } => {
                    jobs_running += 1;
                    let sent = Resent {
                        store: Arc::clone(&store),
                        from,
                        after,
                    };
                    tokio::spawn(resend(sent, target, delivery, notices.clone()));
                }
                Command::WriteCopy {
                    path,
                    text,
                    replace,
                } => {
                    // Small and local: written at once, its notice read on the next turn.
                    jobs_running += 1;
                    let _ = notices.send(write_copy(&path, text, replace));
                }
                Command::Replay { target, keys } => {
                    jobs_running += 1;
                    tokio::spawn(replay(Arc::clone(&store), target, keys, notices.clone()));
                }
                Command::Export { path, keys } => {
                    jobs_running += 1;
                    let store = Arc::clone(&store);
                    let recorder = app.links.recorder.clone();
                    let notices = notices.clone();
                    tokio::task::spawn_blocking(move || {
                        let notice = write_export(&store, recorder.as_deref(), &path, keys);
                        let _ = notices.send(notice);
                    });
                }
            }
        }
        if dirty && !app.quit {
            draw(terminal, app, &store, theme)?;
            report.frames += 1;
            last_draw = Instant::now();
        }
    }
    // Let exports and replays started just before quitting finish, so files are complete.
    let mut dirty = false;
    while jobs_running > 0 {
        match tokio::time::timeout(Duration::from_secs(30), notices_rx.recv()).await {
            Ok(Some(notice)) => {
                if matches!(notice, Input::Notice { .. }) {
                    jobs_running -= 1;
                }
                dirty |= app.handle(notice, &store);
            }
            _ => break,
        }
    }
    // When the inputs ran out (tests), show what the store holds by now.
    if !app.quit && (dirty || store_pending || changes.has_changed().unwrap_or(false)) {
        app.sync(&store);
        draw(terminal, app, &store, theme)?;
        report.frames += 1;
    }
    Ok(report)
}

fn draw<B>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    store: &Store,
    theme: &Theme,
) -> anyhow::Result<()>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    app.refresh(store);
    terminal.draw(|frame| render::draw(frame, app, theme))?;
    Ok(())
}

/// The editor to run: `$VISUAL`, else `$EDITOR`, else `vi`. It may carry arguments
/// (`code --wait`), so it is run by the shell.
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

/// Runs the user's editor on `text` (event `id` as HTTP text) in a private temporary file and
/// says what became of it. With `hand_over`, the terminal is left for the editor (no alternate
/// screen, no raw mode, no mouse reporting) and taken back afterwards, whatever happened.
async fn edit<B>(terminal: &mut Terminal<B>, hand_over: bool, id: u64, text: Vec<u8>) -> EditOutcome
where
    B: Backend,
{
    let path = std::env::temp_dir().join(format!(
        "hookscope-{}-{id}-{}.http",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    ));
    if let Err(error) = write_private(&path, &text) {
        return EditOutcome::Failed(format!("cannot write {}: {error}", path.display()));
    }
    if hand_over {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        ratatui::restore();
    }
    let editor = editor();
    let run = {
        let path = path.clone();
        let editor = editor.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("{editor} \"$1\""))
                .arg("sh")
                .arg(&path)
                .status()
        })
        .await
    };
    if hand_over {
        let _ = ratatui::crossterm::terminal::enable_raw_mode();
        let _ = execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture);
        // The editor drew over the screen: the next frame is drawn whole.
        let _ = terminal.clear();
    }
    let outcome = match run {
        Ok(Ok(status)) if status.success() => match std::fs::read(&path) {
            Ok(edited) if edited == text => EditOutcome::Unchanged,
            Ok(edited) if edited.iter().all(u8::is_ascii_whitespace) => EditOutcome::Empty,
            Ok(edited) => EditOutcome::Saved(edited),
            Err(error) => EditOutcome::Failed(format!("cannot read {}: {error}", path.display())),
        },
        Ok(Ok(status)) => EditOutcome::Failed(format!(
            "the editor ({}) ended with {status}: nothing sent",
            crate::sanitize::escape(&editor)
        )),
        Ok(Err(error)) => EditOutcome::Failed(format!(
            "cannot run the editor ({}): {error}",
            crate::sanitize::escape(&editor)
        )),
        Err(error) => EditOutcome::Failed(format!("the editor did not finish: {error}")),
    };
    let _ = std::fs::remove_file(&path);
    outcome
}

/// Creates `path` readable by its owner only: the body may hold secrets.
fn write_private(path: &std::path::Path, text: &[u8]) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text)
}

/// Writes copied text to `path` with a newline at its end (unless it has one), and says where in
/// one sentence, with the full path. A file that exists is replaced only when `replace`; one
/// that appeared since the user was asked is left alone.
fn write_copy(path: &std::path::Path, mut text: String, replace: bool) -> Input {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let full = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if replace {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let written = options
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    match written {
        Ok(()) => Input::Notice {
            text: format!(
                "wrote {} ({})",
                full.display(),
                crate::words::format_size(text.len() as u64)
            ),
            ok: true,
        },
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Input::Notice {
            text: format!("{} exists: nothing written", full.display()),
            ok: false,
        },
        Err(error) => Input::Notice {
            text: format!("cannot write {}: {error}", full.display()),
            ok: false,
        },
    }
}

/// An edited request on its way: the event it was made from, and where in the store a copy
/// captured of it would come (after the key `after`).
struct Resent {
    store: Arc<Store>,
    from: u64,
    after: u64,
}

/// Sends an edited request to `target` and says in a sentence what came back:
/// `sent edited #1 to URL: 200 OK in 12 ms, captured as #7` (captured when the target is this
/// listener, whose copy is found in the store's index of re-sends).
async fn resend(
    sent: Resent,
    target: String,
    delivery: crate::sender::Delivery,
    notices: mpsc::UnboundedSender<Input>,
) {
    let result = Arc::new(std::sync::Mutex::new(None::<Result<u16, String>>));
    let progress: crate::sender::Progress = {
        let result = Arc::clone(&result);
        Arc::new(move |_, answer| {
            if let Ok(mut result) = result.lock() {
                *result = Some(answer.clone());
            }
        })
    };
    let started = std::time::Instant::now();
    crate::sender::send(&target, vec![delivery], None, progress).await;
    let took = started.elapsed();
    let answer = result.lock().ok().and_then(|mut result| result.take());
    let from = sent.from;
    let (text, ok) = match answer {
        Some(Ok(status)) => {
            let mut text = format!(
                "sent edited #{from} to {target}: {} in {}",
                status_words(status),
                took_words(took)
            );
            if let Some(copy) = sent
                .store
                .next_resend_of(from, sent.after)
                .and_then(|key| sent.store.get(key))
            {
                text.push_str(&format!(", captured as #{}", copy.id));
            }
            // Answered, whatever the status: the request went where it was meant to.
            (text, true)
        }
        Some(Err(error)) => (
            format!(
                "sent edited #{from} to {target}: no answer ({})",
                crate::sanitize::escape(&error)
            ),
            false,
        ),
        None => (format!("edited #{from} was not sent to {target}"), false),
    };
    let _ = notices.send(Input::Notice { text, ok });
}

/// `0.8 ms`, `12 ms`, `1.5 s`.
fn took_words(took: Duration) -> String {
    let ms = took.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// `200 OK`, `599` (a status with no standard reason).
fn status_words(status: u16) -> String {
    match http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// Sends the events with store keys `keys` to `target` as they were captured, telling progress
/// as answers come and a summary at the end (`3 sent, 3 × 2xx`).
async fn replay(
    store: Arc<Store>,
    target: String,
    keys: Vec<u64>,
    notices: mpsc::UnboundedSender<Input>,
) {
    let events: Vec<_> = keys.iter().filter_map(|&key| store.get(key)).collect();
    let gone = keys.len() - events.len();
    let (deliveries, skipped) = crate::replay::deliveries(
        events.iter().map(|e| e.as_ref()),
        &crate::decode::signature::Secrets::default(),
        chrono::Utc::now(),
    );
    let total = deliveries.len();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let progress: crate::sender::Progress = {
        let notices = notices.clone();
        Arc::new(move |delivery, result| {
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            let answer = match result {
                Ok(status) => status.to_string(),
                Err(_) => "no answer".to_owned(),
            };
            let _ = notices.send(Input::Progress {
                text: format!(
                    "replaying {n}/{total}: {} → {answer}",
                    crate::sanitize::escape(&delivery.label)
                ),
            });
        })
    };
    let summary = crate::sender::send(&target, deliveries, None, progress).await;
    let mut text = format!("replay to {target}: {summary}");
    if !skipped.is_empty() {
        text.push_str(&format!(", {} skipped (body truncated)", skipped.len()));
    }
    if gone > 0 {
        text.push_str(&format!(", {gone} no longer stored"));
    }
    let ok = summary.failed == 0 && summary.sent > 0;
    let _ = notices.send(Input::Notice { text, ok });
}

/// Writes an export of the whole store, or of the events with the given store keys, with the
/// analysis summaries they belong to (all of them for the whole store), and says how it went.
fn write_export(
    store: &Store,
    recorder: Option<&Recorder>,
    path: &std::path::Path,
    keys: Option<Vec<u64>>,
) -> Input {
    let whole = keys.is_none();
    let events = match keys {
        Some(keys) => keys.into_iter().filter_map(|key| store.get(key)).collect(),
        None => store.snapshot(),
    };
    let analysis = recorder.map(|recorder| {
        if whole {
            recorder.analysis_snapshot()
        } else {
            recorder.analysis_snapshot_of(events.iter().map(|e| e.as_ref()))
        }
    });
    let stats = store.stats();
    match export::write_export_file_with(
        path,
        stats,
        analysis.as_ref(),
        events.iter().map(|e| e.as_ref()),
    ) {
        Ok(()) => Input::Notice {
            text: format!(
                "exported {} to {}",
                crate::words::count(events.len() as u64, "event"),
                path.display()
            ),
            ok: true,
        },
        Err(error) => Input::Notice {
            text: format!("export to {} failed: {error}", path.display()),
            ok: false,
        },
    }
}
