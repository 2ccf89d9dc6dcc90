//! Entry point: parse the command line, resolve settings, run the chosen command.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser;
use hookscope::cli::{Cli, Command, ListenArgs, OpenArgs};
use hookscope::config::ListenConfig;
use hookscope::ui::theme::Theme;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Open(args)) => open(args),
        Some(Command::Listen(args)) => listen(args),
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
    let (config, warnings) = match ListenConfig::resolve(&args, |name| std::env::var(name).ok()) {
        Ok(resolved) => resolved,
        Err(error) => {
            eprintln!("hookscope: error: {error}");
            return ExitCode::from(2);
        }
    };
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
    match runtime.block_on(hookscope::listen::run(config, theme)) {
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
    let (store, source) = match hookscope::ui::load_export(&args.file) {
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
