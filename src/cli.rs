//! Command-line definitions (clap derive) and the parsers of their values (sizes, durations,
//! status codes, counts), which the config file's values go through too; `config` turns them
//! into settings.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use std::time::Duration;

use crate::answer::ForwardTarget;
use crate::chaos::{Chaos, ExpectStatus, Order};
use crate::decode::signature::SecretArg;
use crate::simulate::Scenario;

#[derive(Debug, Parser)]
#[command(
    name = "hookscope",
    version,
    about = "Capture, verify and inspect webhooks in your terminal.",
    long_about = "Capture, verify and inspect webhooks in your terminal.\n\n\
hookscope listens on a local port (put it behind a tunnel such as ngrok, or in front of your \
own app), keeps every request it receives in a bounded in-memory buffer, and shows them as they \
arrive. Everything captured can be written to JSON or JSON Lines.\n\n\
With no subcommand, hookscope listens: `hookscope --port 9000` is `hookscope listen --port 9000`.",
    after_help = "Examples:\n  \
hookscope --headless                      capture on 127.0.0.1:8765, one line per request\n  \
hookscope --jsonl events.jsonl            also append every event to a JSON Lines log\n  \
hookscope --headless --jsonl -            JSON Lines on stdout, for piping into jq\n  \
hookscope --export-on-exit capture.json   write everything captured when you quit\n  \
hookscope --headless --expect gap --timeout 30s   exit 0 once a gap is seen, 1 after 30 s\n  \
hookscope open capture.json               look at an export again, offline",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub listen: ListenArgs,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run: its size does not matter
pub enum Command {
    /// Listen for webhooks and capture them (the default).
    Listen(ListenArgs),
    /// Open an export (JSON, JSON Lines or HAR 1.2) in the terminal interface, offline.
    Open(OpenArgs),
    /// Listen, and feed the listener realistic vendor traffic: every feature in ten seconds.
    Demo(DemoArgs),
    /// Send realistic, signed vendor traffic to a URL (hookscope's, or your app's).
    Simulate(SimulateArgs),
    /// Re-send the events of an export to a URL.
    Replay(ReplayArgs),
    /// Send one request written as HTTP text (an edited event) to a URL.
    Send(SendArgs),
    /// Write one event of an export as HTTP text, to edit and `send`.
    ExportHttp(ExportHttpArgs),
}

/// The scenarios, for help texts.
fn scenario_help() -> String {
    let mut help =
        String::from("Scenarios:\n  all            every scenario below (the default)\n");
    for scenario in Scenario::ALL {
        help.push_str(&format!("  {:<14} {}\n", scenario.name(), scenario.about()));
    }
    help
}

/// Settings of `hookscope demo`.
#[derive(Debug, Clone, Args)]
#[command(after_help = scenario_help())]
pub struct DemoArgs {
    /// Which traffic to send.
    #[arg(long, value_name = "NAME", default_value = "all")]
    pub scenario: String,

    /// Requests per second.
    #[arg(long, value_name = "N", default_value_t = 12.0, value_parser = parse_rate)]
    pub rate: f64,

    #[command(flatten)]
    pub listen: ListenArgs,
}

/// Settings of `hookscope simulate`.
#[derive(Debug, Clone, Args)]
#[command(after_help = scenario_help())]
pub struct SimulateArgs {
    /// Where to send, e.g. http://127.0.0.1:8765 (paths such as /hooks/wms are appended).
    #[arg(long, value_name = "URL")]
    pub to: String,

    /// Which traffic to send.
    #[arg(long, value_name = "NAME", default_value = "all")]
    pub scenario: String,

    /// Requests per second.
    #[arg(long, value_name = "N", default_value_t = 20.0, value_parser = parse_rate)]
    pub rate: f64,

    /// Secret to sign with (wms, prism); also from HOOKSCOPE_SECRET_<SCHEME>. Unsigned without.
    #[arg(long, value_name = "SCHEME=SECRET", value_parser = SecretArgParser)]
    pub secret: Vec<SecretArg>,

    #[command(flatten)]
    pub chaos: ChaosArgs,
}

/// Settings of `hookscope replay`.
#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The export (JSON, JSON Lines or HAR 1.2) whose events to send.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Where to send, e.g. http://127.0.0.1:3000 (each event's path is appended).
    #[arg(long, value_name = "URL")]
    pub to: String,

    /// Only the events matching this filter, e.g. 'sev:error provider:wms' (the interface's
    /// filter language).
    #[arg(long, value_name = "QUERY")]
    pub filter: Option<String>,

    /// Requests per second [default: as fast as the target answers].
    #[arg(long, value_name = "N", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// Largest file read, e.g. 4GiB; larger ones, FIFOs and devices are refused.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Sign again with this secret (fresh timestamp) instead of sending the captured signature.
    /// Also from HOOKSCOPE_SECRET_<SCHEME>.
    #[arg(long, value_name = "SCHEME=SECRET", value_parser = SecretArgParser)]
    pub resign: Vec<SecretArg>,

    #[command(flatten)]
    pub chaos: ChaosArgs,
}

/// Replay with chaos (`replay` and `simulate`): any of these flags makes the run a test of the
/// app, with a seed, a per-event summary and an exit status.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Chaos (testing your app)")]
pub struct ChaosArgs {
    /// Send the events in a random order (see --shuffle-window).
    #[arg(long)]
    pub shuffle: bool,

    /// With --shuffle: shuffle within consecutive windows of N events [default: all at once].
    #[arg(long, value_name = "N", requires = "shuffle", value_parser = parse_window)]
    pub shuffle_window: Option<usize>,

    /// Send each event once more, right after its first delivery, with probability P (0 to 1).
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub duplicate: Option<f64>,

    /// Leave each event out with probability P (0 to 1).
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub drop: Option<f64>,

    /// Wait a random time up to D before each send, e.g. 500ms.
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    pub jitter: Option<Duration>,

    /// captured: as in the file; sequence: each WMS session by sequence number and each Prism
    /// scan by job order, in the places their events held [default: captured].
    #[arg(long, value_name = "ORDER", value_enum)]
    pub order: Option<Order>,

    /// Seed of every random choice: the same file, flags and seed send the same requests in the
    /// same order [default: chosen and printed].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// After a non-2xx answer or a connection failure, send the request again after each delay
    /// in turn, stopping at the first 2xx: a list such as 0s,5s,30s, or `prism` (Prism's
    /// documented schedule: immediately, after 5 s, after 30 s).
    #[arg(long, value_name = "LIST|prism", value_parser = parse_retry_schedule)]
    pub retry_schedule: Option<RetrySchedule>,

    /// The answer every event sent must end in: a class (2xx, 4xx) or a status (200)
    /// [default: 2xx]. Exit 0 when all did, 1 otherwise.
    #[arg(long, value_name = "CLASS", value_parser = ExpectStatus::parse)]
    pub expect_status: Option<ExpectStatus>,

    /// Write per event what was done and answered, as JSON, to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// The delays of `--retry-schedule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(pub Vec<Duration>);

impl ChaosArgs {
    /// Whether any flag of a chaos run was given.
    pub fn given(&self) -> bool {
        self.shuffle
            || self.duplicate.is_some()
            || self.drop.is_some()
            || self.jitter.is_some()
            || self.order.is_some()
            || self.seed.is_some()
            || self.retry_schedule.is_some()
            || self.expect_status.is_some()
            || self.report.is_some()
    }

    /// The settings of the run; `seed` is used when `--seed` was not given.
    pub fn settings(&self, rate: Option<f64>, seed: u64) -> crate::chaos::Settings {
        crate::chaos::Settings {
            chaos: Chaos {
                order: self.order.unwrap_or_default(),
                shuffle: self
                    .shuffle
                    .then(|| self.shuffle_window.unwrap_or(usize::MAX)),
                duplicate: self.duplicate.unwrap_or(0.0),
                drop: self.drop.unwrap_or(0.0),
                jitter: self.jitter.unwrap_or_default(),
                seed: self.seed.unwrap_or(seed),
            },
            seed_given: self.seed.is_some(),
            retry: self
                .retry_schedule
                .as_ref()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            expect: self.expect_status.unwrap_or_default(),
            report: self.report.clone(),
            rate,
        }
    }
}

/// A probability between 0 and 1.
fn parse_probability(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!(
            "'{text}' is not a probability between 0 and 1, e.g. 0.2"
        )),
    }
}

fn parse_window(text: &str) -> Result<usize, String> {
    parse_count(text, "events", 2..=usize::MAX)
}

/// The most re-sends a schedule may list.
const MAX_RETRIES: usize = 100;

/// `prism`, or delays separated by commas (`0s,5s,30s`, `0,300ms`); a delay may be zero.
pub fn parse_retry_schedule(text: &str) -> Result<RetrySchedule, String> {
    if text.trim().eq_ignore_ascii_case("prism") {
        return Ok(RetrySchedule(crate::sender::PRISM_RETRY_SCHEDULE.to_vec()));
    }
    let delays = text
        .split(',')
        .map(|part| {
            let part = part.trim();
            if matches!(part, "0" | "0s" | "0ms") {
                Ok(Duration::ZERO)
            } else {
                parse_duration(part).map_err(|_| {
                    format!("'{text}': '{part}' is not a delay; write e.g. 0s,5s,30s or prism")
                })
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if delays.len() > MAX_RETRIES {
        return Err(format!("'{text}' lists more than {MAX_RETRIES} re-sends"));
    }
    Ok(RetrySchedule(delays))
}

/// Settings of `hookscope send`.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// The request as HTTP text: request line, headers, a blank line, the body.
    #[arg(value_name = "FILE.http")]
    pub file: PathBuf,

    /// Where to send, e.g. http://127.0.0.1:8765 (the request's path is appended).
    #[arg(long, value_name = "URL")]
    pub to: String,

    /// Sign afresh over the body as it is in the file (fresh timestamp). Also from
    /// HOOKSCOPE_SECRET_<SCHEME>, for the scheme whose headers the file carries.
    #[arg(long, value_name = "SCHEME=SECRET", value_parser = SecretArgParser)]
    pub resign: Vec<SecretArg>,

    /// Largest file read.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_file_size: u64,
}

/// Settings of `hookscope export-http`.
#[derive(Debug, Clone, Args)]
pub struct ExportHttpArgs {
    /// The export or log (JSON or JSON Lines) that holds the event.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The id of the event (the # the interface shows).
    #[arg(long, value_name = "N")]
    pub event: u64,

    /// Where to write the HTTP text, e.g. event.http.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,

    /// Largest file read, e.g. 4GiB.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    pub max_file_size: u64,
}

/// Parses `SCHEME=SECRET` like `SecretArg::parse`, but reports a bad value in its own words:
/// clap's usual message quotes the whole value, and with it the secret.
#[derive(Debug, Clone, Copy)]
struct SecretArgParser;

impl clap::builder::TypedValueParser for SecretArgParser {
    type Value = SecretArg;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<SecretArg, clap::Error> {
        let flag = arg
            .and_then(clap::Arg::get_long)
            .map_or_else(|| "--secret".to_string(), |long| format!("--{long}"));
        let parsed = value
            .to_str()
            .ok_or_else(|| "is not valid UTF-8".to_string())
            .and_then(SecretArg::parse);
        parsed.map_err(|why| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value for '{flag}': {why}\n"),
            )
            .with_cmd(cmd)
        })
    }
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate <= 100_000.0 => Ok(rate),
        _ => Err(format!(
            "'{text}' is not a rate between 0 and 100000 per second"
        )),
    }
}

/// Settings of `hookscope open`.
#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    /// The file to open: a JSON export or a JSON Lines log written by hookscope, or HAR 1.2.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Colour theme: dark, light, high-contrast, colorblind, or the path of a TOML theme file.
    /// NO_COLOR turns colours off.
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,

    /// Largest file opened, e.g. 4GiB; larger ones, FIFOs and devices are refused. Opening
    /// holds the file and its events in memory at once; the default is about ten times an
    /// export of 100,000 typical events.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = parse_size)]
    pub max_file_size: u64,
}

/// Settings of the listener. Every one can also come from the config file; flags win.
#[derive(Debug, Clone, Default, Args)]
pub struct ListenArgs {
    /// Address to listen on [default: 127.0.0.1]. Anything but loopback exposes the captured
    /// traffic to your network, and hookscope warns about it.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<IpAddr>,

    /// Port to listen on [default: 8765]; 0 picks a free one (the address is printed).
    #[arg(long, short, value_name = "PORT")]
    pub port: Option<u16>,

    /// Most events kept in memory; the oldest are evicted first [default: 10000].
    #[arg(long, value_name = "N", value_parser = parse_capacity)]
    pub capacity: Option<usize>,

    /// Most events pinned at once (`b` in the interface): pinned events are never evicted, and
    /// one pin too many releases the oldest [default: 1000].
    #[arg(long, value_name = "N")]
    pub max_pinned: Option<usize>,

    /// Most bytes kept in memory over all events, bodies and headers alike, e.g. 256MiB
    /// [default: 256MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_bytes: Option<u64>,

    /// Largest body accepted, e.g. 10MiB [default: 25MiB]. Larger ones are answered 413 and
    /// captured with their headers and first bytes.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_body: Option<u64>,

    /// Most bytes of all bodies being read at once [default: 64MiB, or --max-body if larger].
    /// A request past it is answered 503 (with Retry-After) and captured with its headers.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_in_flight: Option<u64>,

    /// Most headers accepted in one request [default: 100]. More are answered 431 and counted as
    /// rejected. Above 100, every request pays a little for the extra room.
    #[arg(long, value_name = "N", value_parser = parse_max_headers)]
    pub max_headers: Option<usize>,

    /// Signing secret for a scheme (wms, prism, github, stripe, standard, shopify, slack).
    /// Repeat it for several secrets. Prefer HOOKSCOPE_SECRET_<SCHEME> or the config file:
    /// a secret on the command line shows in the process list. A `standard` secret starting
    /// `whsec_` must be base64 after it.
    #[arg(long, value_name = "SCHEME=SECRET", value_parser = SecretArgParser)]
    pub secret: Vec<SecretArg>,

    /// TOML file with the same settings (see docs/configuration.md); flags override it.
    #[arg(long, value_name = "FILE", env = "HOOKSCOPE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Append every event to this JSON Lines file as it is captured, before it is answered;
    /// `-` writes to stdout. A request whose line cannot be written is answered 503.
    #[arg(long, value_name = "FILE|-")]
    pub jsonl: Option<PathBuf>,

    /// Write every event still in memory to this JSON file on quit, Ctrl-C or SIGTERM, with
    /// the analysis summaries. Its folder is checked for writing at start.
    #[arg(long, value_name = "FILE")]
    pub export_on_exit: Option<PathBuf>,

    /// No terminal interface: print one line per event on stdout (or JSON Lines with
    /// `--jsonl -`). For CI, pipes and servers.
    #[arg(long)]
    pub headless: bool,

    /// Close a connection (HTTP/1 or HTTP/2) that has had no request for this long, e.g. 60s,
    /// 2m [default: 60s]. An HTTP/1 connection waiting for its next request also closes after
    /// the 10 s header timeout.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub idle_timeout: Option<Duration>,

    /// A Prism job started this long ago without an ending is shown stuck in the Timelines
    /// view, e.g. 10m [default: 5m]. Prism documents no job durations: set it to what your
    /// pipeline takes.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub stuck_after: Option<Duration>,

    /// Relay every request to your app at this plain-HTTP URL (its path is prefixed to each
    /// request's) and give the sender the app's answer. Unreachable app: 502; too slow: 504.
    /// hookscope's own address is refused; a request that comes back marked by this instance
    /// (`Via: 1.1 hookscope-…`) is answered 508.
    #[arg(long, value_name = "URL", help_heading = "Answering")]
    pub forward_to: Option<ForwardTarget>,

    /// How long the app may take to answer a forwarded request, e.g. 10s, 500ms [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Answering")]
    pub forward_timeout: Option<Duration>,

    /// Status of the answer [default: 200].
    #[arg(long, value_name = "CODE", value_parser = parse_status, help_heading = "Answering")]
    pub status: Option<u16>,

    /// Body of the answer [default: {"received":true,"id":N}].
    #[arg(long, value_name = "TEXT", help_heading = "Answering")]
    pub body: Option<String>,

    /// Wait this many milliseconds before answering.
    #[arg(long, value_name = "MS", help_heading = "Answering")]
    pub delay: Option<u64>,

    /// Answer 503 to the first N deliveries of each distinct body, to watch a sender retry.
    #[arg(long, value_name = "N", help_heading = "Answering")]
    pub fail_first: Option<u32>,

    /// Answer as a vendor's real endpoint does: a profile of answer rules shipped with
    /// hookscope (prismatic, prism, prism-video, wms), or the path of a rules file (a copied
    /// profile).
    #[arg(long, value_name = "NAME|PATH", help_heading = "Answering")]
    pub answer_as: Option<String>,

    /// Answer 429 to requests beyond N in any one second (they are still captured).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), help_heading = "Answering")]
    pub rate_limit: Option<u32>,

    /// Pass once an event matches this filter query (repeatable; the interface's filter
    /// language). Exit 0 when every expectation has matched and nothing forbidden came.
    #[arg(long, value_name = "QUERY", help_heading = "Checks (CI)")]
    pub expect: Vec<String>,

    /// Fail (exit 1) at the first event that matches this filter query (repeatable).
    #[arg(long, value_name = "QUERY", help_heading = "Checks (CI)")]
    pub forbid: Vec<String>,

    /// With checks: exit 1 when an expectation is still unmet after this long, e.g. 90s, 2m
    /// [default: 60s]. With only --forbid, the run passes when it ends clean.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Checks (CI)")]
    pub timeout: Option<Duration>,

    /// With checks: once every expectation has matched, wait this much longer for a late
    /// forbidden event before exiting 0 [default: 0s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Checks (CI)")]
    pub settle: Option<Duration>,

    /// With checks: write what each check saw to FILE: JUnit XML when it ends in .xml, JSON
    /// otherwise. Its folder is checked for writing at start.
    #[arg(long, value_name = "FILE", help_heading = "Checks (CI)")]
    pub report: Option<PathBuf>,

    /// Colour theme of the interface: dark (default), light, high-contrast, colorblind, or the
    /// path of a TOML theme file. NO_COLOR turns colours off.
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,
}

/// The highest header allowance accepted.
pub const MAX_MAX_HEADERS: usize = 10_000;

/// Parses a size such as `65536`, `64KiB`, `10MiB`, `1.5GiB` or `500kB`. Binary units (KiB,
/// MiB, GiB, and the short K, M, G) are powers of 1024; decimal ones (kB, MB, GB) of 1000.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim().replace('_', "");
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => {
            return Err(format!(
                "'{text}' is not a size; write bytes or use a unit, e.g. 65536, 64KiB, 10MiB"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size; write e.g. 65536, 64KiB, 10MiB"))?;
    let bytes = value * multiplier as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("'{text}' is too large"));
    }
    if bytes.fract() != 0.0 {
        return Err(format!("'{text}' is not a whole number of bytes"));
    }
    Ok(bytes as u64)
}

/// A status code hookscope can answer with.
pub fn parse_status(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u16>() {
        Ok(code) if (200..=599).contains(&code) => Ok(code),
        _ => Err(format!("'{text}' is not a status between 200 and 599")),
    }
}

/// A duration such as `10s`, `500ms`, `2m`, or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration; write e.g. 10s, 500ms, 2m"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        _ => {
            return Err(format!(
                "'{text}' is not a duration; write e.g. 10s, 500ms, 2m"
            ));
        }
    };
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 86_400.0 {
        return Err(format!("'{text}' is not a duration between 1 ms and a day"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// A whole number of `what` (underscores allowed as separators) within `range`.
fn parse_count(
    text: &str,
    what: &str,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| format!("'{text}' is not a whole number of {what}"))?;
    if !range.contains(&n) {
        return Err(if *range.end() == usize::MAX {
            format!("must be at least {}", range.start())
        } else {
            format!("must be between {} and {}", range.start(), range.end())
        });
    }
    Ok(n)
}

fn parse_capacity(text: &str) -> Result<usize, String> {
    parse_count(text, "events", 1..=usize::MAX)
}

fn parse_max_headers(text: &str) -> Result<usize, String> {
    parse_count(text, "headers", 1..=MAX_MAX_HEADERS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64KiB"), Ok(65536));
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("256 MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("500kB"), Ok(500_000));
        assert_eq!(parse_size("1_000"), Ok(1000));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10XB").is_err());
        assert!(parse_size("0.5").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn listen_is_the_default_subcommand() {
        let cli = Cli::try_parse_from(["hookscope", "--port", "9000", "--headless"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.listen.port, Some(9000));
        let cli = Cli::try_parse_from(["hookscope", "listen", "--max-body", "64KiB"]).unwrap();
        let Some(Command::Listen(args)) = cli.command else {
            panic!("expected listen")
        };
        assert_eq!(args.max_body, Some(64 * 1024));
        let cli = Cli::try_parse_from(["hookscope", "--max-headers", "1_024"]).unwrap();
        assert_eq!(cli.listen.max_headers, Some(1024));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("10h").is_err());
    }

    #[test]
    fn open_takes_a_file_and_a_theme() {
        let cli = Cli::try_parse_from(["hookscope", "open", "x.json", "--theme", "light"]).unwrap();
        let Some(Command::Open(args)) = cli.command else {
            panic!("expected open")
        };
        assert_eq!(args.file, PathBuf::from("x.json"));
        assert_eq!(args.theme.as_deref(), Some("light"));
        assert!(Cli::try_parse_from(["hookscope", "open"]).is_err());
        let cli = Cli::try_parse_from(["hookscope", "--theme", "themes/mine.toml"]).unwrap();
        assert_eq!(cli.listen.theme.as_deref(), Some("themes/mine.toml"));
    }

    #[test]
    fn demo_simulate_and_replay() {
        let cli = Cli::try_parse_from(["hookscope", "demo", "--port", "0", "--rate", "5"]).unwrap();
        let Some(Command::Demo(args)) = cli.command else {
            panic!("expected demo")
        };
        assert_eq!(
            (args.scenario.as_str(), args.rate, args.listen.port),
            ("all", 5.0, Some(0))
        );
        let cli = Cli::try_parse_from([
            "hookscope",
            "simulate",
            "--to",
            "http://x",
            "--scenario",
            "wms",
        ])
        .unwrap();
        let Some(Command::Simulate(args)) = cli.command else {
            panic!("expected simulate")
        };
        assert_eq!(
            (args.to.as_str(), args.scenario.as_str(), args.rate),
            ("http://x", "wms", 20.0)
        );
        let cli = Cli::try_parse_from([
            "hookscope",
            "replay",
            "f.json",
            "--to",
            "http://x",
            "--filter",
            "sev:error",
            "--resign",
            "wms=k",
        ])
        .unwrap();
        let Some(Command::Replay(args)) = cli.command else {
            panic!("expected replay")
        };
        assert_eq!(args.filter.as_deref(), Some("sev:error"));
        assert_eq!(args.resign.len(), 1);
        assert!(Cli::try_parse_from(["hookscope", "simulate"]).is_err());
        assert!(Cli::try_parse_from(["hookscope", "replay", "f.json"]).is_err());
        assert!(
            Cli::try_parse_from(["hookscope", "simulate", "--to", "u", "--rate", "0"]).is_err()
        );
    }

    #[test]
    fn chaos_flags_parse() {
        assert_eq!(
            parse_retry_schedule("prism"),
            Ok(RetrySchedule(vec![
                Duration::ZERO,
                Duration::from_secs(5),
                Duration::from_secs(30)
            ]))
        );
        assert_eq!(
            parse_retry_schedule("0s, 300ms,0.6"),
            Ok(RetrySchedule(vec![
                Duration::ZERO,
                Duration::from_millis(300),
                Duration::from_millis(600)
            ]))
        );
        for bad in ["", "5x", "0s,,1s", "-1s"] {
            assert!(parse_retry_schedule(bad).is_err(), "{bad}");
        }
        let cli = Cli::try_parse_from([
            "hookscope",
            "replay",
            "f.json",
            "--to",
            "http://x",
            "--shuffle",
            "--shuffle-window",
            "5",
            "--duplicate",
            "0.2",
            "--drop",
            "0.1",
            "--jitter",
            "500ms",
            "--seed",
            "42",
            "--order",
            "sequence",
            "--expect-status",
            "4xx",
            "--retry-schedule",
            "prism",
        ])
        .unwrap();
        let Some(Command::Replay(args)) = cli.command else {
            panic!("expected replay")
        };
        assert!(args.chaos.given());
        let settings = args.chaos.settings(None, 7);
        assert_eq!(settings.chaos.shuffle, Some(5));
        assert_eq!((settings.chaos.seed, settings.seed_given), (42, true));
        assert_eq!(settings.chaos.order, Order::Sequence);
        assert_eq!(settings.expect, ExpectStatus::Class(4));
        assert_eq!(settings.retry.len(), 3);
        let cli =
            Cli::try_parse_from(["hookscope", "simulate", "--to", "u", "--drop", "0.5"]).unwrap();
        let Some(Command::Simulate(args)) = cli.command else {
            panic!("expected simulate")
        };
        let settings = args.chaos.settings(Some(20.0), 7);
        assert_eq!(
            (
                settings.chaos.seed,
                settings.seed_given,
                settings.chaos.drop
            ),
            (7, false, 0.5)
        );
        let cli = Cli::try_parse_from(["hookscope", "replay", "f.json", "--to", "u"]).unwrap();
        let Some(Command::Replay(args)) = cli.command else {
            panic!("expected replay")
        };
        assert!(!args.chaos.given());
    }

    #[test]
    fn bad_values_are_refused() {
        for args in [
            &["hookscope", "--port", "70000"][..],
            &["hookscope", "--capacity", "0"],
            &["hookscope", "--max-body", "ten"],
            &["hookscope", "--max-headers", "0"],
            &["hookscope", "--max-headers", "10001"],
            &["hookscope", "--max-headers", "many"],
            &["hookscope", "--bind", "localhost:80"],
            &["hookscope", "--secret", "nosuch=x"],
            &["hookscope", "--secret", "wms"],
            &["hookscope", "--status", "99"],
            &["hookscope", "--status", "600"],
            &["hookscope", "--rate-limit", "0"],
            &["hookscope", "--forward-to", "https://example.test"],
            &["hookscope", "--forward-timeout", "soon"],
            &["hookscope", "--delay", "-5"],
            &["hookscope", "replay", "f", "--to", "u", "--drop", "1.5"],
            &["hookscope", "replay", "f", "--to", "u", "--duplicate", "x"],
            &[
                "hookscope",
                "replay",
                "f",
                "--to",
                "u",
                "--shuffle-window",
                "3",
            ],
            &[
                "hookscope",
                "replay",
                "f",
                "--to",
                "u",
                "--shuffle",
                "--shuffle-window",
                "1",
            ],
            &["hookscope", "replay", "f", "--to", "u", "--order", "random"],
            &[
                "hookscope",
                "replay",
                "f",
                "--to",
                "u",
                "--retry-schedule",
                "soon",
            ],
            &[
                "hookscope",
                "replay",
                "f",
                "--to",
                "u",
                "--expect-status",
                "7xx",
            ],
            &["hookscope", "simulate", "--to", "u", "--jitter", "0s"],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }
}
