//! Entry point: parse the command line, resolve settings, run the chosen command.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser;
use hookscope::cli::{
    Cli, Command, DemoArgs, ExportHttpArgs, ListenArgs, OpenArgs, ReplayArgs, SendArgs,
    SimulateArgs,
};
use hookscope::config::{ConfigError, ListenConfig};
use hookscope::decode::signature::{Secret, SecretArg, Secrets};
use hookscope::event::SignatureScheme;
use hookscope::listen::Feed;
use hookscope::simulate::Scenario;
use hookscope::ui::theme::Theme;

/// Every request allocates a few dozen small blocks on whichever worker thread serves it and
/// frees many of them on another; mimalloc's per-thread free lists make that markedly cheaper
/// than the system allocator. Large blocks have pages of their own (see the module).
#[global_allocator]
static ALLOCATOR: hookscope::alloc::Allocator = hookscope::alloc::Allocator;

fn main() -> ExitCode {
    let cli = match parse_command_line() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        Some(Command::Open(args)) => open(args),
        Some(Command::Listen(args)) => listen(args),
        Some(Command::Demo(args)) => demo(args),
        Some(Command::Simulate(args)) => simulate(args),
        Some(Command::Replay(args)) => replay(args),
        Some(Command::Send(args)) => send(args),
        Some(Command::ExportHttp(args)) => export_http(args),
        None => listen(cli.listen),
    }
}

/// The command line, parsed. clap quotes a stray argument in its error whole, and a stray
/// `wms=SECRET` (`--secret` forgotten) is a secret: such arguments are quoted without their
/// value. Other errors, `--help` and `--version` are clap's own.
fn parse_command_line() -> Result<Cli, ExitCode> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let error = match Cli::try_parse_from(&args) {
        Ok(cli) => return Ok(cli),
        Err(error) => error,
    };
    let message = error.to_string();
    let mut redacted = message.clone();
    for arg in args.iter().skip(1).filter_map(|arg| arg.to_str()) {
        let shown = hookscope::decode::signature::redact_assignment(arg);
        if shown != arg && redacted.contains(arg) {
            redacted = redacted.replace(arg, &shown);
        }
    }
    if redacted == message || !error.use_stderr() {
        error.exit();
    }
    eprint!("{redacted}");
    Err(ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2)))
}

/// The theme named on the command line (or the default), with `NO_COLOR` applied.
fn theme(name: Option<&str>) -> Result<Theme, ExitCode> {
    let theme = match name {
        Some(name) => Theme::load(name).map_err(|error| {
            eprintln!("hookscope: error: {error}");
            ExitCode::from(2)
        })?,
        None => Theme::default(),
    };
    Ok(theme.honour_no_color(std::env::var("NO_COLOR").ok().as_deref()))
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            eprintln!("hookscope: error: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        })
}

fn listen(args: ListenArgs) -> ExitCode {
    listen_with(args, None)
}

/// Listens like `listen`, with the simulator feeding the listener. Without secrets of its own,
/// the demo uses made-up ones on both sides, so that signatures verify.
fn demo(args: DemoArgs) -> ExitCode {
    let scenarios = match Scenario::parse(&args.scenario) {
        Ok(scenarios) => scenarios,
        Err(error) => {
            eprintln!("hookscope: error: {error}");
            return ExitCode::from(2);
        }
    };
    listen_with(
        args.listen,
        Some(Feed {
            scenarios,
            rate: args.rate,
        }),
    )
}

/// Runs a command on a fresh runtime, reporting its error in one line.
fn block_on<T>(future: impl std::future::Future<Output = anyhow::Result<T>>) -> ExitCode {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(future) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hookscope: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Secrets from `--secret`-style flags and the environment, with the warnings printed.
fn secrets(args: &[SecretArg]) -> Result<Secrets, ExitCode> {
    let mut secrets = Secrets::default();
    if let Err(error) =
        hookscope::config::add_secrets_from_env(&mut secrets, |name| std::env::var(name).ok())
    {
        eprintln!("hookscope: error: {error}");
        return Err(ExitCode::from(2));
    }
    for warning in secret_variable_warnings() {
        eprintln!("hookscope: warning: {warning}");
    }
    if let Some(warning) = secrets.add_from_args(args) {
        eprintln!("hookscope: warning: {warning}");
    }
    Ok(secrets)
}

/// Warnings about `HOOKSCOPE_SECRET_*` variables that name no scheme (by name only).
fn secret_variable_warnings() -> Vec<String> {
    hookscope::config::unknown_secret_variables(std::env::vars_os().map(|(name, _)| name))
}

/// Checks a target URL the way `--forward-to` is checked.
fn target(url: &str) -> Result<String, ExitCode> {
    url.parse::<hookscope::answer::ForwardTarget>()
        .map(|t| t.to_string())
        .map_err(|error| {
            eprintln!("hookscope: error: --to {error}");
            ExitCode::from(2)
        })
}

fn simulate(args: SimulateArgs) -> ExitCode {
    let scenarios = match Scenario::parse(&args.scenario) {
        Ok(scenarios) => scenarios,
        Err(error) => {
            eprintln!("hookscope: error: {error}");
            return ExitCode::from(2);
        }
    };
    let to = match target(&args.to) {
        Ok(to) => to,
        Err(code) => return code,
    };
    let secrets = match secrets(&args.secret) {
        Ok(secrets) => secrets,
        Err(code) => return code,
    };
    if let Err(code) = report_folder_exists(args.chaos.report.as_deref()) {
        return code;
    }
    if args.chaos.given() {
        let settings = args
            .chaos
            .settings(Some(args.rate), hookscope::chaos::pick_seed());
        return block_on_report(async move {
            hookscope::simulate::run_chaos(&to, &scenarios, &secrets, &settings).await
        });
    }
    block_on(async move { hookscope::simulate::run(&to, &scenarios, args.rate, &secrets).await })
}

/// Runs a chaos run: exit 0 when every event sent ended in the expected status, 1 otherwise
/// (or when it could not run).
fn block_on_report(
    future: impl std::future::Future<Output = anyhow::Result<hookscope::chaos::report::Report>>,
) -> ExitCode {
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(future) {
        Ok(report) if report.passed() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("hookscope: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A report's folder must exist before anything is sent.
fn report_folder_exists(report: Option<&std::path::Path>) -> Result<(), ExitCode> {
    let Some(path) = report else {
        return Ok(());
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => std::path::Path::new("."),
    };
    if folder.is_dir() {
        Ok(())
    } else {
        eprintln!(
            "hookscope: error: --report {}: the folder {} does not exist",
            path.display(),
            folder.display()
        );
        Err(ExitCode::from(2))
    }
}

fn replay(args: ReplayArgs) -> ExitCode {
    let filter = match args
        .filter
        .as_deref()
        .map(hookscope::filter::Filter::parse)
        .transpose()
    {
        Ok(filter) => filter,
        Err(error) => {
            eprintln!("hookscope: error: --filter: {error}");
            return ExitCode::from(2);
        }
    };
    let to = match target(&args.to) {
        Ok(to) => to,
        Err(code) => return code,
    };
    let bytes = match read(&args.file, args.max_file_size, "replay") {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let secrets = match secrets(&args.resign) {
        Ok(secrets) => secrets,
        Err(code) => return code,
    };
    if args.chaos.given() {
        if let Err(code) = report_folder_exists(args.chaos.report.as_deref()) {
            return code;
        }
        let settings = args
            .chaos
            .settings(args.rate, hookscope::chaos::pick_seed());
        return block_on_report(async move {
            hookscope::replay::run_chaos(
                &args.file,
                &to,
                filter.as_ref(),
                &secrets,
                &bytes,
                &settings,
            )
            .await
        });
    }
    block_on(async move {
        hookscope::replay::run(
            &args.file,
            &to,
            filter.as_ref(),
            args.rate,
            &secrets,
            &bytes,
        )
        .await
    })
}

/// The file a command works on, read within its size limit; the error in one line, exit 2.
fn read(path: &std::path::Path, max_size: u64, command: &str) -> Result<Vec<u8>, ExitCode> {
    hookscope::files::read_file(path, max_size, command).map_err(|error| {
        eprintln!("hookscope: error: {error}");
        ExitCode::from(2)
    })
}

fn send(args: SendArgs) -> ExitCode {
    let to = match target(&args.to) {
        Ok(to) => to,
        Err(code) => return code,
    };
    let bytes = match read(&args.file, args.max_file_size, "send") {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let secrets = match secrets(&args.resign) {
        Ok(secrets) => secrets,
        Err(code) => return code,
    };
    let explicit = args.resign.first().map(|arg| arg.scheme);
    block_on(async move {
        hookscope::replay::send_file(&args.file, &bytes, &to, explicit, &secrets).await
    })
}

fn export_http(args: ExportHttpArgs) -> ExitCode {
    let bytes = match read(&args.file, args.max_file_size, "export-http") {
        Ok(bytes) => bytes,
        Err(code) => return code,
    };
    let text = match hookscope::replay::event_as_http(&args.file, &bytes, args.event) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("hookscope: error: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    match std::fs::write(&args.out, text) {
        Ok(()) => {
            eprintln!(
                "hookscope: wrote #{} to {} (hookscope send {} --to URL sends it)",
                args.event,
                args.out.display(),
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "hookscope: error: cannot write {}: {error}",
                args.out.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn listen_with(args: ListenArgs, feed: Option<Feed>) -> ExitCode {
    let (mut config, warnings) = match ListenConfig::resolve(&args, |name| std::env::var(name).ok())
    {
        Ok(resolved) => resolved,
        Err(error) => {
            eprintln!("hookscope: error: {error}");
            return ExitCode::from(2);
        }
    };
    if feed.is_some() {
        for (scheme, secret) in [
            (SignatureScheme::Wms, "demo-wms-secret"),
            (SignatureScheme::Prism, "demo-prism-secret"),
        ] {
            if config.secrets.for_scheme(scheme).is_empty() {
                config.secrets.add(scheme, Secret::new(secret));
            }
        }
    }
    let theme = match theme(args.theme.as_deref()) {
        Ok(theme) => theme,
        Err(code) => return code,
    };
    for warning in secret_variable_warnings().into_iter().chain(warnings) {
        eprintln!("hookscope: warning: {warning}");
    }
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(hookscope::listen::run(config, theme, feed)) {
        Ok(hookscope::listen::Outcome::Done) => ExitCode::SUCCESS,
        Ok(hookscope::listen::Outcome::ChecksFailed) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("hookscope: error: {error:#}");
            // A settings problem found only once listening (a forward loop) is still one.
            if error.downcast_ref::<ConfigError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn open(args: OpenArgs) -> ExitCode {
    let theme = match theme(args.theme.as_deref()) {
        Ok(theme) => theme,
        Err(code) => return code,
    };
    let (store, source, links, skipped) =
        match hookscope::ui::load_export(&args.file, args.max_file_size) {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("hookscope: error: {error}");
                return ExitCode::from(2);
            }
        };
    if skipped.lines > 0 {
        // Printed before the interface takes the screen, so it is still there after it.
        eprintln!(
            "hookscope: warning: {}: {}",
            args.file.display(),
            hookscope::sanitize::escape(&skipped.to_string())
        );
    }
    if !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal()) {
        eprintln!(
            "hookscope: error: `hookscope open` shows a terminal interface: run it in a terminal"
        );
        return ExitCode::from(2);
    }
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    // An edited event (`E`) may be signed afresh with the secrets of the environment.
    let secrets = match secrets(&[]) {
        Ok(secrets) => secrets,
        Err(code) => return code,
    };
    let options = hookscope::ui::Options {
        source,
        theme,
        export_dir: std::env::current_dir().unwrap_or_else(|_| ".".into()),
        links,
        secrets,
        // A file's timelines are never stuck: it ends where it ends.
        stuck_after: hookscope::analysis::STUCK_AFTER,
    };
    let stop = std::future::pending();
    match runtime.block_on(hookscope::ui::run_terminal(store, options, stop)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hookscope: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
