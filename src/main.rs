//! Entry point: parse the command line, resolve settings, run the chosen command.

use std::process::ExitCode;

use clap::Parser;
use hookscope::cli::{Cli, Command};
use hookscope::config::ListenConfig;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Some(Command::Listen(args)) => args,
        None => cli.listen,
    };
    let (config, warnings) = match ListenConfig::resolve(&args, |name| std::env::var(name).ok()) {
        Ok(resolved) => resolved,
        Err(error) => {
            eprintln!("hookscope: error: {error}");
            return ExitCode::from(2);
        }
    };
    for warning in warnings {
        eprintln!("hookscope: warning: {warning}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("hookscope: error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(hookscope::listen::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hookscope: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
