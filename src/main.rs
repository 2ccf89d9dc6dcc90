//! Entry point: parse the command line, resolve settings, run the chosen command.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser;
use hookscope::cli::{Cli, Command, DemoArgs, ListenArgs, OpenArgs, ReplayArgs, SimulateArgs};
use hookscope::config::{ListenConfig, Secret, Secrets};
use hookscope::event::SignatureScheme;
use hookscope::listen::Feed;
use hookscope::simulate::Scenario;
use hookscope::ui::theme::Theme;

/// Every request allocates a few dozen small blocks on whichever worker thread serves it and
/// frees many of them on another; mimalloc's per-thread free lists make that markedly cheaper
/// than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Open(args)) => open(args),
        Some(Command::Listen(args)) => listen(args),
        Some(Command::Demo(args)) => demo(args),
        Some(Command::Simulate(args)) => simulate(args),
        Some(Command::Replay(args)) => replay(args),
        None => listen(cli.listen),
    }
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

/// Secrets from `--secret`-style flags and the environment, with the warning printed.
fn secrets(args: &[hookscope::config::SecretArg]) -> Secrets {
    let mut secrets = Secrets::default();
    secrets.add_from_env(|name| std::env::var(name).ok());
    if let Some(warning) = secrets.add_from_args(args) {
        eprintln!("hookscope: warning: {warning}");
    }
    secrets
}

/// Checks a target URL the way `--forward-to` is checked.
fn target(url: &str) -> Result<String, ExitCode> {
    url.parse::<hookscope::capture::forward::ForwardTarget>()
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
    let secrets = secrets(&args.secret);
    block_on(async move { hookscope::simulate::run(&to, &scenarios, args.rate, &secrets).await })
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
    if !args.file.is_file() {
        eprintln!(
            "hookscope: error: {} is not a readable file",
            args.file.display()
        );
        return ExitCode::from(2);
    }
    let secrets = secrets(&args.resign);
    block_on(async move {
        hookscope::replay::run(&args.file, &to, filter.as_ref(), args.rate, &secrets).await
    })
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
    for warning in warnings {
        eprintln!("hookscope: warning: {warning}");
    }
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(hookscope::listen::run(config, theme, feed)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hookscope: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn open(args: OpenArgs) -> ExitCode {
    let theme = match theme(args.theme.as_deref()) {
        Ok(theme) => theme,
        Err(code) => return code,
    };
    let (store, source, links) = match hookscope::ui::load_export(&args.file, args.max_file_size) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("hookscope: error: {error}");
            return ExitCode::from(2);
        }
    };
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
    let options = hookscope::ui::Options {
        source,
        theme,
        export_dir: std::env::current_dir().unwrap_or_else(|_| ".".into()),
        links,
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
