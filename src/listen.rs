//! The `listen` command: bind, show the terminal interface (or print lines when headless),
//! capture until told to stop, finish in-flight requests, write the export. Quitting the
//! interface, Ctrl-C and SIGTERM stop it the same way; a second signal stops waiting for requests.

use std::io::IsTerminal as _;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::watch;

use crate::answer::AnswerMode;
use crate::capture::{BindError, Listener};
use crate::checks::{self, Checks, End};
use crate::config::{ConfigError, ListenConfig};
use crate::export;
use crate::export::jsonl::JsonlTarget;
use crate::headless;
use crate::ingest::Recorder;
use crate::sender;
use crate::simulate::{self, Scenario};
use crate::store::Store;
use crate::ui;
use crate::ui::app::{Links, Source};
use crate::ui::theme::Theme;
use crate::words;
use crate::words::format_size;

/// Simulated traffic for the listener to receive (`hookscope demo`).
#[derive(Debug, Clone)]
pub struct Feed {
    pub scenarios: Vec<Scenario>,
    pub rate: f64,
}

/// How a listening run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stopped as asked, or every check passed.
    Done,
    /// A check failed: a forbidden event came, or an expectation was not met in time.
    ChecksFailed,
}

pub async fn run(
    mut config: ListenConfig,
    theme: Theme,
    feed: Option<Feed>,
) -> anyhow::Result<Outcome> {
    let os_signals = Signals::install();
    // Checked before anything starts: finding out at the end would lose the whole capture.
    if let Some(path) = &config.export_on_exit {
        export::check_writable(path)
            .with_context(|| format!("cannot write the export to {}", path.display()))?;
    }
    if let Some(path) = config.checks.as_ref().and_then(|c| c.report.as_ref()) {
        export::check_writable(path).map_err(|e| {
            ConfigError(format!(
                "cannot write the report to {}: {e}",
                path.display()
            ))
        })?;
    }
    let checks = config
        .checks
        .as_ref()
        .map(|c| Arc::new(Checks::new(c.checks.clone(), c.timeout, c.settle)));
    let store = Arc::new(Store::new(config.limits).with_max_pinned(config.max_pinned));
    let mut recorder = Recorder::new(Arc::clone(&store), config.jsonl.as_ref())?;
    if let Some(checks) = &checks {
        recorder = recorder.with_checks(Arc::clone(checks));
    }
    let recorder = Arc::new(recorder);
    let listener = match Listener::bind(&config, Arc::clone(&recorder)).await {
        // A demo is no reason to fail: any free port will do.
        Err(BindError::InUse { port, .. }) if feed.is_some() => {
            eprintln!("hookscope: port {port} is in use; the demo listens on a free port instead");
            config.port = 0;
            Listener::bind(&config, Arc::clone(&recorder)).await?
        }
        bound => bound?,
    };
    let addr = listener.local_addr();
    // Checked once the port is known (`--port 0` picks it only now): relaying to itself would
    // multiply every request until the process runs out of descriptors.
    if let Some(target) = &config.answer.forward
        && target.leads_to(addr).await
    {
        return Err(ConfigError(format!(
            "--forward-to {target} leads back to hookscope itself (listening on {addr}); \
             give your app's address"
        ))
        .into());
    }
    for rule in &config.answer.rules {
        if let Some(target) = &rule.forward
            && target.leads_to(addr).await
        {
            return Err(ConfigError(format!(
                "answer rule '{}': forward_to {target} leads back to hookscope itself \
                 (listening on {addr}); give your app's address",
                rule.name
            ))
            .into());
        }
    }
    eprintln!(
        "hookscope listening on http://{addr}  (keeps {} / {}, bodies up to {}; Ctrl-C to stop)",
        words::count(config.limits.capacity as u64, "event"),
        format_size(config.limits.max_bytes),
        format_size(config.max_body)
    );
    if !config.secrets.is_empty() {
        let schemes: Vec<String> = config
            .secrets
            .summary()
            .iter()
            .map(|(scheme, n)| format!("{} ({n})", scheme.as_str()))
            .collect();
        eprintln!("hookscope: secrets loaded for {}", schemes.join(", "));
    }
    if let Some(note) = &config.answer.note {
        eprintln!("hookscope: answer profile: {note}");
    }
    if let Some(checks) = &checks {
        let list: Vec<String> = checks
            .checks()
            .iter()
            .map(|c| format!("{} '{}'", c.kind.as_str(), c.query))
            .collect();
        eprintln!(
            "hookscope: checks: {}; timeout {} s{}",
            list.join(", "),
            checks.timeout.as_secs_f64(),
            if checks.settle.is_zero() {
                String::new()
            } else {
                format!(", settle {} s", checks.settle.as_secs_f64())
            }
        );
    }
    let jsonl_on_stdout = config.jsonl == Some(JsonlTarget::Stdout);
    let on_terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    let interactive = !config.headless && !jsonl_on_stdout && on_terminal;
    if !config.headless && !interactive {
        let why = if jsonl_on_stdout {
            "--jsonl - writes to stdout"
        } else {
            "stdout is not a terminal"
        };
        eprintln!("hookscope: {why}: printing events as with --headless");
    }

    let (stop_printing, stop_rx) = watch::channel(false);
    let printer = (!interactive && !jsonl_on_stdout).then(|| {
        tokio::spawn(headless::print_events(
            Arc::clone(&store),
            Arc::clone(&recorder),
            stop_rx.clone(),
        ))
    });
    // Without the interface's header, a failing log is told on stderr.
    let log_watch = (!interactive && config.jsonl.is_some()).then(|| {
        tokio::spawn(headless::watch_log(
            Arc::clone(&store),
            Arc::clone(&recorder),
            stop_rx,
        ))
    });

    let (signals_tx, mut signals) = watch::channel(0u32);
    tokio::spawn(os_signals.count(signals_tx));
    let (ui_done, mut ui_done_rx) = watch::channel(false);
    let interface = interactive.then(|| {
        let options = ui::Options {
            source: Source::Live {
                addr,
                answer: listener.policy().describe(),
            },
            theme,
            export_dir: std::env::current_dir().unwrap_or_else(|_| ".".into()),
            links: Links {
                recorder: Some(listener.recorder()),
                policy: Some(listener.policy()),
            },
            secrets: config.secrets.clone(),
            stuck_after: config.stuck_after,
        };
        let store = Arc::clone(&store);
        let mut stop = signals.clone();
        tokio::spawn(async move {
            let stop = async move {
                let _ = stop.wait_for(|n| *n >= 1).await;
            };
            let result = ui::run_terminal(store, options, stop).await;
            let _ = ui_done.send(true);
            result
        })
    });
    if let Some(feed) = feed {
        tokio::spawn(run_feed(
            feed,
            format!("http://{addr}"),
            config.secrets.clone(),
            listener.policy(),
        ));
    }
    let mut first_signal = signals.clone();
    // Without the interface, the checks end the run once decided or timed out; with it, the
    // header shows them and the user quits.
    let decided = Arc::new(std::sync::Mutex::new(None::<End>));
    let conclusion = {
        let checks = checks.clone().filter(|_| !interactive);
        let decided = Arc::clone(&decided);
        async move {
            match checks {
                Some(checks) => {
                    let end = checks.conclusion().await;
                    *decided.lock().unwrap_or_else(|p| p.into_inner()) = Some(end);
                }
                None => std::future::pending::<()>().await,
            }
        }
    };
    let shutdown = async move {
        let interface_done = async {
            // The sender is gone once the interface ends, even by a panic: stop then. Without
            // an interface it is gone from the start, which is no reason to stop.
            if ui_done_rx.wait_for(|done| *done).await.is_err() && !interactive {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = first_signal.wait_for(|n| *n >= 1) => {}
            () = interface_done => {}
            () = conclusion => {}
        }
    };
    {
        let run = listener.run(shutdown);
        tokio::pin!(run);
        let finished = tokio::select! {
            () = &mut run => true,
            _ = signals.wait_for(|n| *n >= 2) => false,
        };
        if !finished {
            eprintln!("hookscope: stopping without waiting for requests in flight");
        }
    }
    // The lines of requests whose senders went away are written before the last events are
    // printed, so that those show their final answers.
    let closing = Arc::clone(&recorder);
    tokio::task::spawn_blocking(move || closing.flush_log())
        .await
        .context("writing the rest of the JSON Lines log failed")?;
    let _ = stop_printing.send(true);
    for task in [printer, log_watch].into_iter().flatten() {
        let _ = task.await;
    }
    // The interface has restored the terminal once this returns; only then print again.
    let interface_result = match interface {
        Some(task) => task.await.context("the interface task failed")?,
        None => Ok(()),
    };
    if let Some(health) = recorder.log_health()
        && health.not_logged > 0
    {
        eprintln!(
            "hookscope: warning: the JSON Lines log lacks {} (each answered 503){}",
            words::count(health.not_logged, "event"),
            match &health.error {
                Some(error) if health.failing => format!(": {error}"),
                _ => String::new(),
            }
        );
    }

    let stats = store.stats();
    eprintln!(
        "hookscope: received {}, stored {}, evicted {}, rejected {}",
        stats.received, stats.stored, stats.evicted, stats.rejected
    );
    if let Some(path) = config.export_on_exit {
        let events = store.snapshot();
        let count = events.len() as u64;
        let analysis = recorder.analysis_snapshot();
        let target = path.clone();
        tokio::task::spawn_blocking(move || {
            export::write_export_file_with(
                &target,
                stats,
                Some(&analysis),
                events.iter().map(|e| e.as_ref()),
            )
        })
        .await
        .context("the export task failed")?
        .with_context(|| format!("cannot write the export to {}", path.display()))?;
        eprintln!(
            "hookscope: wrote {} to {}",
            words::count(count, "event"),
            path.display()
        );
    }
    interface_result.context("the terminal interface failed")?;
    let Some(checks) = checks else {
        return Ok(Outcome::Done);
    };
    let ended = decided.lock().unwrap_or_else(|p| p.into_inner()).unwrap_or(
        if checks.elapsed() >= checks.timeout {
            End::TimedOut
        } else {
            End::Stopped
        },
    );
    conclude_checks(&checks, ended, config.checks.and_then(|c| c.report))
}

/// Says how the checks went (one line on stderr), writes the report, and gives the outcome.
fn conclude_checks(
    checks: &Checks,
    ended: End,
    report: Option<std::path::PathBuf>,
) -> anyhow::Result<Outcome> {
    let failure = checks.failure(ended);
    match &failure {
        Some(reason) => eprintln!("hookscope: check failed: {reason}"),
        None => {
            let matched: Vec<String> = checks
                .checks()
                .iter()
                .enumerate()
                .filter_map(|(i, check)| {
                    let m = checks.matched(i)?;
                    Some(format!("'{}' matched #{}", check.query, m.id))
                })
                .collect();
            let seen = words::count(checks.seen(), "event");
            if matched.is_empty() {
                eprintln!("hookscope: checks passed: nothing forbidden in {seen}");
            } else {
                eprintln!(
                    "hookscope: checks passed: {} ({seen} seen)",
                    crate::sanitize::escape(&matched.join(", "))
                );
            }
        }
    }
    if let Some(path) = report {
        checks::report::write(&path, checks, ended)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
        eprintln!("hookscope: wrote the report to {}", path.display());
    }
    Ok(if failure.is_some() {
        Outcome::ChecksFailed
    } else {
        Outcome::Done
    })
}

/// Sends the demo's traffic. The retrying sender is sent last, while the answer mode is 503 for
/// a few seconds: its immediate re-send and the one 5 s later fail too, the one after 30 s gets
/// through — Prism's whole schedule, live.
async fn run_feed(
    feed: Feed,
    target: String,
    secrets: crate::decode::signature::Secrets,
    policy: Arc<crate::answer::AnswerPolicy>,
) {
    let quiet: sender::Progress = Arc::new(|_, _| {});
    let (retrying, others): (Vec<Scenario>, Vec<Scenario>) =
        feed.scenarios.iter().partition(|s| **s == Scenario::Retry);
    let deliveries = simulate::paced_deliveries(&others, &secrets, chrono::Utc::now(), feed.rate);
    sender::send(&target, deliveries, Some(feed.rate), Arc::clone(&quiet)).await;
    if retrying.is_empty() {
        return;
    }
    let deliveries = simulate::paced_deliveries(&retrying, &secrets, chrono::Utc::now(), feed.rate);
    let failing = std::time::Duration::from_secs(7);
    policy.set_mode_until(
        AnswerMode::Status503,
        "demo: a sender's retries",
        std::time::Instant::now() + failing,
    );
    let rate = feed.rate;
    let sending =
        tokio::spawn(async move { sender::send(&target, deliveries, Some(rate), quiet).await });
    tokio::time::sleep(failing).await;
    if policy.mode() == AnswerMode::Status503 {
        policy.set_mode(AnswerMode::Configured);
    }
    let _ = sending.await;
}

/// Ctrl-C and SIGTERM, listened for from the moment this is made: a signal that arrives
/// while hookscope is starting is not lost (nor does it kill the process unasked).
struct Signals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Counts deliveries into `count` until the process ends.
    async fn count(mut self, count: watch::Sender<u32>) {
        loop {
            self.next().await;
            count.send_modify(|n| *n += 1);
        }
    }

    #[cfg(unix)]
    async fn next(&mut self) {
        async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        tokio::select! {
            () = recv(&mut self.interrupt) => {}
            () = recv(&mut self.terminate) => {}
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
