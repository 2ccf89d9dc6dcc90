//! Settings: built-in defaults, then the config file, then the environment, then flags.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::answer::template::Template;
use crate::answer::{AnswerRule, AnswerSettings, ForwardTarget};
use crate::checks::{Check, CheckKind, DEFAULT_TIMEOUT as DEFAULT_CHECK_TIMEOUT};
use crate::cli::{ListenArgs, MAX_MAX_HEADERS, parse_duration, parse_size, parse_status};
use crate::decode::signature::{Secret, Secrets, check_secret, scheme_names};
use crate::event::SignatureScheme;
use crate::export::jsonl::JsonlTarget;
use crate::store::{DEFAULT_MAX_PINNED, Limits};
use crate::words::format_size;

pub const DEFAULT_PORT: u16 = 8765;
pub const DEFAULT_CAPACITY: usize = 10_000;
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;
/// GitHub's payload cap is 25 MB; 25 MiB takes any of its deliveries whole.
pub const DEFAULT_MAX_BODY: u64 = 25 * 1024 * 1024;
/// Most bytes of all bodies being read at once, unless `max_body` is larger (one body must fit):
/// two bodies of the largest default size, and many small ones beside them.
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 64 * 1024 * 1024;
/// Most headers in one request by default: hyper's own default, which costs nothing per request.
pub const DEFAULT_MAX_HEADERS: usize = 100;
/// A client must finish sending its request head within this time (and may not stall longer
/// than this in the middle of a body).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection of either protocol with no request for this long is closed, so that idle
/// clients cannot hold file descriptors (and their buffers) for ever.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A settings problem, told in one sentence. The process exits with status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The environment variable that holds the secrets of `scheme`.
fn secret_variable(scheme: SignatureScheme) -> String {
    format!("HOOKSCOPE_SECRET_{}", scheme.as_str().to_ascii_uppercase())
}

/// A warning for each `HOOKSCOPE_SECRET_*` variable named for no scheme (a typo such as
/// `HOOKSCOPE_SECRET_WSM` would otherwise leave a scheme silently without its secret). Only
/// names are looked at, never values.
pub fn unknown_secret_variables(
    names: impl IntoIterator<Item = std::ffi::OsString>,
) -> Vec<String> {
    let known: Vec<String> = SignatureScheme::ALL.map(secret_variable).to_vec();
    let mut unknown: Vec<String> = names
        .into_iter()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.starts_with("HOOKSCOPE_SECRET_") && !known.contains(name))
        .collect();
    unknown.sort();
    unknown
        .into_iter()
        .map(|name| {
            format!(
                "{} names no signature scheme and is ignored; the schemes are {}",
                crate::sanitize::escape(&name),
                scheme_names()
            )
        })
        .collect()
}

/// Adds the secrets of `HOOKSCOPE_SECRET_<SCHEME>` variables (commas separate several).
/// A variable that is set but holds no secret, or a secret its scheme cannot use, is an
/// error naming the variable (never its value). An empty item between commas is skipped.
pub fn add_secrets_from_env(
    known: &mut Secrets,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for scheme in SignatureScheme::ALL {
        let var = secret_variable(scheme);
        let Some(value) = env(&var) else {
            continue;
        };
        let secrets: Vec<&str> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if secrets.is_empty() {
            return Err(ConfigError(format!(
                "{var} is set but holds no secret; unset it, or give the {} secret",
                scheme.as_str()
            )));
        }
        for secret in secrets {
            check_secret(scheme, secret).map_err(|why| {
                ConfigError(format!("the {} secret from {var} {why}", scheme.as_str()))
            })?;
            known.add(scheme, Secret::new(secret));
        }
    }
    Ok(())
}

/// The checks the flags give, parsed; a bad query, or a check setting without any check, is an
/// error before anything listens.
fn checks_from_args(args: &ListenArgs) -> Result<Option<ChecksConfig>, ConfigError> {
    let parse = |kind, queries: &[String]| -> Result<Vec<Check>, ConfigError> {
        queries
            .iter()
            .map(|query| Check::parse(kind, query).map_err(|e| ConfigError(e.to_string())))
            .collect()
    };
    let mut checks = parse(CheckKind::Expect, &args.expect)?;
    checks.extend(parse(CheckKind::Forbid, &args.forbid)?);
    if checks.is_empty() {
        let given = [
            ("--timeout", args.timeout.is_some()),
            ("--settle", args.settle.is_some()),
            ("--report", args.report.is_some()),
        ];
        if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
            return Err(ConfigError(format!(
                "{flag} applies to checks: give --expect QUERY or --forbid QUERY too"
            )));
        }
        return Ok(None);
    }
    Ok(Some(ChecksConfig {
        checks,
        timeout: args.timeout.unwrap_or(DEFAULT_CHECK_TIMEOUT),
        settle: args.settle.unwrap_or(Duration::ZERO),
        report: args.report.clone(),
    }))
}

/// The listener's settings, resolved.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    pub bind: IpAddr,
    pub port: u16,
    pub limits: Limits,
    /// Most events pinned at once.
    pub max_pinned: usize,
    pub max_body: u64,
    /// Most bytes of all bodies being read at once; `None` for the default (see
    /// [`ListenConfig::in_flight_limit`]).
    pub max_in_flight: Option<u64>,
    pub max_headers: usize,
    pub secrets: Secrets,
    pub jsonl: Option<JsonlTarget>,
    pub export_on_exit: Option<PathBuf>,
    pub headless: bool,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    /// A Prism job running this long without an ending is shown stuck.
    pub stuck_after: Duration,
    pub answer: AnswerSettings,
    /// `--expect` / `--forbid` and their settings, when any check is given.
    pub checks: Option<ChecksConfig>,
}

/// The checks of a run (`--expect`, `--forbid`) and how long it may take.
#[derive(Debug, Clone)]
pub struct ChecksConfig {
    pub checks: Vec<Check>,
    pub timeout: Duration,
    pub settle: Duration,
    pub report: Option<PathBuf>,
}

impl Default for ListenConfig {
    fn default() -> Self {
        ListenConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            limits: Limits {
                capacity: DEFAULT_CAPACITY,
                max_bytes: DEFAULT_MAX_BYTES,
            },
            max_pinned: DEFAULT_MAX_PINNED,
            max_body: DEFAULT_MAX_BODY,
            max_in_flight: None,
            max_headers: DEFAULT_MAX_HEADERS,
            secrets: Secrets::default(),
            jsonl: None,
            export_on_exit: None,
            headless: false,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            stuck_after: crate::analysis::STUCK_AFTER,
            answer: AnswerSettings::default(),
            checks: None,
        }
    }
}

impl ListenConfig {
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::new(self.bind, self.port)
    }

    /// The bound on the bytes of all bodies being read at once: as set, or the default raised
    /// to `max_body` so that a body of the largest size allowed can always be read.
    pub fn in_flight_limit(&self) -> u64 {
        self.max_in_flight
            .unwrap_or(DEFAULT_MAX_IN_FLIGHT.max(self.max_body))
    }

    /// Builds the settings from flags, the config file they name, and the environment.
    /// Warnings worth telling the user (a secret on the command line, a public bind address)
    /// are returned beside the settings.
    pub fn resolve(
        args: &ListenArgs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(ListenConfig, Vec<String>), ConfigError> {
        let mut config = ListenConfig::default();
        let mut warnings = Vec::new();

        if let Some(path) = &args.config {
            FileConfig::load(path)?.apply(&mut config, path)?;
        }
        if let Some(profile) = &args.answer_as {
            let (rules, note) = profile_rules(profile)?;
            config.answer.rules.extend(rules);
            config.answer.note = note;
        }
        check_rule_names(&config.answer.rules)?;
        add_secrets_from_env(&mut config.secrets, &env)?;

        if let Some(bind) = args.bind {
            config.bind = bind;
        }
        if let Some(port) = args.port {
            config.port = port;
        }
        if let Some(capacity) = args.capacity {
            config.limits.capacity = capacity;
        }
        if let Some(max_pinned) = args.max_pinned {
            config.max_pinned = max_pinned;
        }
        if let Some(max_bytes) = args.max_bytes {
            config.limits.max_bytes = max_bytes;
        }
        if let Some(max_body) = args.max_body {
            config.max_body = max_body;
        }
        if let Some(max_in_flight) = args.max_in_flight {
            config.max_in_flight = Some(max_in_flight);
        }
        if let Some(max_headers) = args.max_headers {
            config.max_headers = max_headers;
        }
        warnings.extend(config.secrets.add_from_args(&args.secret));
        if let Some(path) = &args.jsonl {
            config.jsonl = Some(jsonl_target(path));
        }
        if let Some(path) = &args.export_on_exit {
            config.export_on_exit = Some(path.clone());
        }
        config.headless |= args.headless;
        config.checks = checks_from_args(args)?;
        if let Some(idle) = args.idle_timeout {
            config.idle_timeout = idle;
        }
        if let Some(after) = args.stuck_after {
            config.stuck_after = after;
        }
        let answer = &mut config.answer;
        if let Some(target) = &args.forward_to {
            answer.forward = Some(target.clone());
        }
        if let Some(timeout) = args.forward_timeout {
            answer.forward_timeout = timeout;
        }
        if let Some(status) = args.status {
            answer.status = status;
        }
        if let Some(body) = &args.body {
            answer.body = Some(body.clone());
        }
        if let Some(delay) = args.delay {
            answer.delay = Duration::from_millis(delay);
        }
        if let Some(n) = args.fail_first {
            answer.fail_first = n;
        }
        if let Some(n) = args.rate_limit {
            answer.rate_limit = Some(n);
        }

        config.validate()?;
        // `::ffff:127.0.0.1` is 127.0.0.1 reached over an IPv6 socket: loopback all the same.
        if !config.bind.to_canonical().is_loopback() {
            warnings.push(format!(
                "listening on {}, not on loopback: anyone who can reach this address can send \
                 requests and read the answers",
                config.bind
            ));
        }
        Ok((config, warnings))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.limits.capacity == 0 {
            return Err(ConfigError("capacity must be at least 1 event".into()));
        }
        if self.max_body == 0 {
            return Err(ConfigError("max-body must be at least 1 byte".into()));
        }
        if !(1..=MAX_MAX_HEADERS).contains(&self.max_headers) {
            return Err(ConfigError(format!(
                "max-headers must be between 1 and {MAX_MAX_HEADERS}, not {}",
                self.max_headers
            )));
        }
        if self.max_body > self.limits.max_bytes {
            return Err(ConfigError(format!(
                "max-body ({}) is larger than max-bytes ({}): one body must fit in the buffer",
                format_size(self.max_body),
                format_size(self.limits.max_bytes)
            )));
        }
        if self.in_flight_limit() < self.max_body {
            return Err(ConfigError(format!(
                "max-in-flight ({}) is smaller than max-body ({}): one body must fit",
                format_size(self.in_flight_limit()),
                format_size(self.max_body)
            )));
        }
        Ok(())
    }
}

fn jsonl_target(path: &Path) -> JsonlTarget {
    if path.as_os_str() == "-" {
        JsonlTarget::Stdout
    } else {
        JsonlTarget::File(path.to_owned())
    }
}

/// The config file, as written. Unknown keys are errors, so a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    bind: Option<IpAddr>,
    port: Option<u16>,
    capacity: Option<usize>,
    max_pinned: Option<usize>,
    max_bytes: Option<Spanned<SizeValue>>,
    max_body: Option<Spanned<SizeValue>>,
    max_in_flight: Option<Spanned<SizeValue>>,
    max_headers: Option<usize>,
    jsonl: Option<PathBuf>,
    export_on_exit: Option<PathBuf>,
    headless: Option<bool>,
    idle_timeout: Option<Spanned<String>>,
    stuck_after: Option<Spanned<String>>,
    forward_to: Option<Spanned<String>>,
    forward_timeout: Option<Spanned<String>>,
    status: Option<Spanned<u16>>,
    body: Option<String>,
    /// Milliseconds.
    delay: Option<u64>,
    fail_first: Option<u32>,
    rate_limit: Option<Spanned<u32>>,
    #[serde(default)]
    secrets: BTreeMap<Spanned<String>, Spanned<OneOrMany>>,
    /// Answer rules, `[[answer]]`, in the order written.
    #[serde(default)]
    answer: Vec<Spanned<RuleTable>>,
    /// The file's text, for the line numbers of errors found after parsing.
    #[serde(skip)]
    text: String,
}

/// One `[[answer]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleTable {
    name: Option<Spanned<String>>,
    when: Spanned<String>,
    status: Option<Spanned<u16>>,
    content_type: Option<Spanned<String>>,
    #[serde(default)]
    headers: BTreeMap<Spanned<String>, Spanned<String>>,
    body: Option<Spanned<String>>,
    /// Milliseconds, or a duration such as `"2s"`.
    delay: Option<Spanned<DelayValue>>,
    fail_first: Option<u32>,
    forward_to: Option<Spanned<String>>,
    /// Requests per second to one path beyond which the rule applies.
    above_rate: Option<Spanned<u32>>,
    /// A duration such as `"5s"`: a slower answer is noted on its event.
    warn_after: Option<Spanned<String>>,
}

/// A rules file (`--answer-as`): `[[answer]]` tables only.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    /// What the header says of the sender the rules answer as (a line, no secrets).
    note: Option<String>,
    #[serde(default)]
    answer: Vec<Spanned<RuleTable>>,
}

/// The answer profiles that ship with hookscope (`--answer-as NAME`).
const PROFILES: [(&str, &str); 4] = [
    ("prismatic", include_str!("../profiles/prismatic.toml")),
    ("prism", include_str!("../profiles/prism.toml")),
    ("prism-video", include_str!("../profiles/prism-video.toml")),
    ("wms", include_str!("../profiles/wms.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DelayValue {
    Millis(u64),
    Text(String),
}

/// Headers a rule may not set: they describe the connection or the body's framing, which
/// hookscope writes itself.
const FRAMING_HEADERS: [&str; 6] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
];

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Bytes(u64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl FileConfig {
    fn load(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
        let label = format!("config file {}", path.display());
        let mut file: FileConfig =
            toml::from_str(&text).map_err(|e| toml_error(&label, &text, &e))?;
        file.text = text;
        Ok(file)
    }

    fn apply(self, config: &mut ListenConfig, path: &Path) -> Result<(), ConfigError> {
        let text = self.text;
        // "config file F, line N: KEY: why", N being where the value is written.
        let bad = |key: &str, at: std::ops::Range<usize>, e: String| {
            let line = line_at(&text, at.start);
            ConfigError(format!(
                "config file {}, line {line}: {key}: {e}",
                path.display()
            ))
        };
        let size = |key: &str, value: Spanned<SizeValue>| {
            let at = value.span();
            match value.into_inner() {
                SizeValue::Bytes(n) => Ok(n),
                SizeValue::Text(text) => parse_size(&text).map_err(|e| bad(key, at, e)),
            }
        };
        if let Some(bind) = self.bind {
            config.bind = bind;
        }
        if let Some(port) = self.port {
            config.port = port;
        }
        if let Some(capacity) = self.capacity {
            config.limits.capacity = capacity;
        }
        if let Some(max_pinned) = self.max_pinned {
            config.max_pinned = max_pinned;
        }
        if let Some(max_bytes) = self.max_bytes {
            config.limits.max_bytes = size("max_bytes", max_bytes)?;
        }
        if let Some(max_body) = self.max_body {
            config.max_body = size("max_body", max_body)?;
        }
        if let Some(max_in_flight) = self.max_in_flight {
            config.max_in_flight = Some(size("max_in_flight", max_in_flight)?);
        }
        if let Some(max_headers) = self.max_headers {
            config.max_headers = max_headers;
        }
        if let Some(jsonl) = self.jsonl {
            config.jsonl = Some(jsonl_target(&jsonl));
        }
        config.export_on_exit = self.export_on_exit.or(config.export_on_exit.take());
        config.headless = self.headless.unwrap_or(config.headless);
        if let Some(idle) = self.idle_timeout {
            config.idle_timeout =
                parse_duration(idle.get_ref()).map_err(|e| bad("idle_timeout", idle.span(), e))?;
        }
        if let Some(after) = self.stuck_after {
            config.stuck_after =
                parse_duration(after.get_ref()).map_err(|e| bad("stuck_after", after.span(), e))?;
        }
        let answer = &mut config.answer;
        if let Some(target) = self.forward_to {
            answer.forward = Some(
                target
                    .get_ref()
                    .parse::<ForwardTarget>()
                    .map_err(|e| bad("forward_to", target.span(), e))?,
            );
        }
        if let Some(timeout) = self.forward_timeout {
            answer.forward_timeout = parse_duration(timeout.get_ref())
                .map_err(|e| bad("forward_timeout", timeout.span(), e))?;
        }
        if let Some(status) = self.status {
            answer.status = parse_status(&status.get_ref().to_string())
                .map_err(|e| bad("status", status.span(), e))?;
        }
        answer.body = self.body.or(answer.body.take());
        if let Some(delay) = self.delay {
            answer.delay = Duration::from_millis(delay);
        }
        answer.fail_first = self.fail_first.unwrap_or(answer.fail_first);
        if let Some(n) = self.rate_limit {
            if *n.get_ref() == 0 {
                return Err(bad("rate_limit", n.span(), "must be at least 1".into()));
            }
            answer.rate_limit = Some(n.into_inner());
        }
        for (index, table) in self.answer.into_iter().enumerate() {
            let rule = table_rule(index, table.into_inner(), &|at: std::ops::Range<usize>| {
                line_at(&text, at.start)
            })
            .map_err(|e| ConfigError(format!("config file {}, {e}", path.display())))?;
            config.answer.rules.push(std::sync::Arc::new(rule));
        }
        for (name, secrets) in self.secrets {
            let scheme = SignatureScheme::parse(name.get_ref()).ok_or_else(|| {
                ConfigError(format!(
                    "config file {}, line {}: [secrets] has an unknown scheme '{}'; known: {}",
                    path.display(),
                    line_at(&text, name.span().start),
                    name.get_ref(),
                    scheme_names()
                ))
            })?;
            let line = line_at(&text, secrets.span().start);
            let secrets = match secrets.into_inner() {
                OneOrMany::One(secret) => vec![secret],
                OneOrMany::Many(secrets) => secrets,
            };
            for secret in secrets {
                check_secret(scheme, &secret).map_err(|why| {
                    ConfigError(format!(
                        "config file {}, line {line}: the {} secret in [secrets] {why}",
                        path.display(),
                        scheme.as_str()
                    ))
                })?;
                config.secrets.add(scheme, Secret::new(secret));
            }
        }
        Ok(())
    }
}

/// Every rule has its own name, so that `rule:NAME` picks one.
fn check_rule_names(rules: &[std::sync::Arc<AnswerRule>]) -> Result<(), ConfigError> {
    let mut names = std::collections::HashSet::new();
    for rule in rules {
        if !names.insert(&*rule.name) {
            return Err(ConfigError(format!(
                "two answer rules are named '{}'; give each its own name, so that rule:NAME \
                 picks one",
                rule.name
            )));
        }
    }
    Ok(())
}

/// The rules of `--answer-as`: a profile shipped with hookscope, or a rules file.
/// Its rules, and the note the header gives.
type Profile = (Vec<std::sync::Arc<AnswerRule>>, Option<String>);

fn profile_rules(profile: &str) -> Result<Profile, ConfigError> {
    let (label, text) = match PROFILES.iter().find(|(name, _)| *name == profile) {
        Some((name, text)) => (format!("answer profile {name}"), (*text).to_owned()),
        None if Path::new(profile).is_file() => (
            format!("rules file {profile}"),
            std::fs::read_to_string(profile)
                .map_err(|e| ConfigError(format!("cannot read rules file {profile}: {e}")))?,
        ),
        None => {
            let names: Vec<&str> = PROFILES.iter().map(|(name, _)| *name).collect();
            return Err(ConfigError(format!(
                "--answer-as {profile}: no such profile or file; profiles: {}",
                names.join(", ")
            )));
        }
    };
    let file: RulesFile = toml::from_str(&text).map_err(|e| toml_error(&label, &text, &e))?;
    let note = match file.note {
        Some(note) if note.chars().any(char::is_control) || note.chars().count() > 120 => {
            return Err(ConfigError(format!(
                "{label}: note: one line of at most 120 characters"
            )));
        }
        note => note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
    };
    let rules = file
        .answer
        .into_iter()
        .enumerate()
        .map(|(index, table)| {
            table_rule(index, table.into_inner(), &|at: std::ops::Range<usize>| {
                line_at(&text, at.start)
            })
            .map(std::sync::Arc::new)
            .map_err(|e| ConfigError(format!("{label}, {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok((rules, note))
}

/// A rule read from its table, or why not: "line N: answer rule 'NAME': KEY: why".
fn table_rule(
    index: usize,
    table: RuleTable,
    line: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> Result<AnswerRule, String> {
    let name = match &table.name {
        Some(name) => name.get_ref().trim().to_owned(),
        None => format!("rule {}", index + 1),
    };
    let bad = |at: std::ops::Range<usize>, key: &str, why: String| {
        format!("line {}: answer rule '{name}': {key}: {why}", line(at))
    };
    if let Some(given) = &table.name {
        let text = given.get_ref().trim();
        if text.is_empty() || text.chars().any(char::is_control) || text.chars().count() > 64 {
            return Err(bad(
                given.span(),
                "name",
                "give a name of 1 to 64 characters without control characters".into(),
            ));
        }
    }
    let when = crate::answer::rules::check_when(table.when.get_ref()).map_err(|why| {
        // `check_when` says "when: …" itself.
        format!(
            "line {}: answer rule '{name}': {why}",
            line(table.when.span())
        )
    })?;
    let status = match &table.status {
        Some(status) => Some(
            parse_status(&status.get_ref().to_string())
                .map_err(|e| bad(status.span(), "status", e))?,
        ),
        None => None,
    };
    let content_type = match &table.content_type {
        Some(value) => {
            http::HeaderValue::from_str(value.get_ref()).map_err(|_| {
                bad(
                    value.span(),
                    "content_type",
                    "is not a header value (no control characters)".into(),
                )
            })?;
            Some(value.get_ref().clone())
        }
        None => None,
    };
    let mut headers = Vec::with_capacity(table.headers.len());
    for (header, value) in &table.headers {
        let lower = header.get_ref().to_ascii_lowercase();
        if http::HeaderName::from_bytes(lower.as_bytes()).is_err() {
            return Err(bad(
                header.span(),
                "headers",
                format!("'{}' is not a header name", header.get_ref()),
            ));
        }
        if FRAMING_HEADERS.contains(&lower.as_str()) {
            return Err(bad(
                header.span(),
                "headers",
                format!(
                    "{} is written by hookscope (it frames the answer), not by a rule",
                    header.get_ref()
                ),
            ));
        }
        if value.get_ref().chars().any(|c| c.is_control() && c != '\t') {
            return Err(bad(
                value.span(),
                "headers",
                format!("the value of {} has a control character", header.get_ref()),
            ));
        }
        let template = Template::parse(value.get_ref()).map_err(|e| {
            bad(
                value.span(),
                "headers",
                format!("{}: {e}", header.get_ref()),
            )
        })?;
        headers.push((lower, template));
    }
    let body = match &table.body {
        Some(body) => Some(
            Template::parse(body.get_ref()).map_err(|e| bad(body.span(), "body", e.to_string()))?,
        ),
        None => None,
    };
    let delay = match &table.delay {
        Some(delay) => Some(match delay.get_ref() {
            DelayValue::Millis(ms) => Duration::from_millis(*ms),
            DelayValue::Text(text) => {
                parse_duration(text).map_err(|e| bad(delay.span(), "delay", e))?
            }
        }),
        None => None,
    };
    let forward = match &table.forward_to {
        Some(target) => Some(
            target
                .get_ref()
                .parse::<ForwardTarget>()
                .map_err(|e| bad(target.span(), "forward_to", e))?,
        ),
        None => None,
    };
    let above_rate = match &table.above_rate {
        Some(rate) if *rate.get_ref() == 0 => {
            return Err(bad(rate.span(), "above_rate", "must be at least 1".into()));
        }
        Some(rate) => Some(*rate.get_ref()),
        None => None,
    };
    let warn_after = match &table.warn_after {
        Some(after) => {
            Some(parse_duration(after.get_ref()).map_err(|e| bad(after.span(), "warn_after", e))?)
        }
        None => None,
    };
    if forward.is_some() && (status.is_some() || table.body.is_some()) {
        let at = table.forward_to.as_ref().map_or(0..0, Spanned::span);
        return Err(bad(
            at,
            "forward_to",
            "a rule either routes to an app or answers itself (status, body), not both".into(),
        ));
    }
    Ok(AnswerRule {
        name: crate::event::SharedStr::new(&name),
        when_text: table.when.get_ref().trim().to_owned(),
        when,
        status,
        content_type,
        headers,
        body,
        delay,
        fail_first: table.fail_first,
        forward,
        above_rate,
        warn_after,
    })
}

/// A file that is not TOML of the expected shape, in one line: "LABEL, line N: answer rule
/// 'NAME': why" (the line and the rule when the error has a place).
fn toml_error(label: &str, text: &str, e: &toml::de::Error) -> ConfigError {
    let at = e
        .span()
        .map(|span| format!(", line {}", line_at(text, span.start)))
        .unwrap_or_default();
    let rule = e
        .span()
        .and_then(|span| rule_around(text, span.start))
        .map(|name| format!("answer rule '{name}': "))
        .unwrap_or_default();
    let message = plain_words(e.message().trim()).replace('\n', " ");
    ConfigError(format!("{label}{at}: {rule}{message}"))
}

/// When byte `offset` is inside an `[[answer]]` table: its name, or `rule N` (N counted from
/// 1 in the file), so that an error while reading the file says which rule.
fn rule_around(text: &str, offset: usize) -> Option<String> {
    let mut count = 0;
    let mut current: Option<(usize, usize)> = None; // (number, start)
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if start > offset {
            break;
        }
        if trimmed.starts_with('[') {
            if trimmed.replace(' ', "").starts_with("[[answer]]") {
                count += 1;
                current = Some((count, start));
            } else {
                current = None;
            }
        }
        start += line.len();
    }
    let (number, from) = current?;
    // The table's `name = "…"`, when it has a plain one.
    let name = text[from..]
        .lines()
        .skip(1)
        .take_while(|line| !line.trim().starts_with('['))
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            if key.trim() != "name" {
                return None;
            }
            let value = value.trim();
            let inner = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))?;
            (!inner.is_empty()
                && !inner.contains(['"', '\\'])
                && !inner.chars().any(char::is_control))
            .then(|| inner.to_owned())
        });
    Some(name.unwrap_or_else(|| format!("rule {number}")))
}

/// The line (from 1) of byte `offset` in `text`.
fn line_at(text: &str, offset: usize) -> usize {
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// A parser's message in a user's words: "expected u16" says which numbers are meant.
fn plain_words(message: &str) -> String {
    [
        ("expected u16", "expected a whole number from 0 to 65535"),
        (
            "expected u32",
            "expected a whole number from 0 to 4294967295",
        ),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected usize", "expected a whole number, 0 or more"),
    ]
    .iter()
    .fold(message.to_owned(), |text, (from, to)| {
        text.replace(from, to)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::signature::SecretArg;
    use std::io::Write;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults() {
        let (config, warnings) = ListenConfig::resolve(&ListenArgs::default(), no_env).unwrap();
        assert_eq!(config.addr().to_string(), "127.0.0.1:8765");
        assert_eq!(
            config.limits,
            Limits {
                capacity: 10_000,
                max_bytes: 256 << 20
            }
        );
        assert_eq!(config.max_body, 25 << 20);
        assert_eq!(config.in_flight_limit(), 64 << 20);
        assert_eq!(config.header_timeout, Duration::from_secs(10));
        assert_eq!(config.idle_timeout, Duration::from_secs(60));
        assert_eq!(config.max_headers, 100);
        assert!(warnings.is_empty());
    }

    fn config_file(text: &str) -> tempfile_path::TempPath {
        let path = tempfile_path::TempPath::new("toml");
        std::fs::File::create(&path.0)
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        path
    }

    /// A file in the system temp folder that is removed when dropped.
    mod tempfile_path {
        pub struct TempPath(pub std::path::PathBuf);
        impl TempPath {
            pub fn new(ext: &str) -> TempPath {
                use std::sync::atomic::{AtomicU32, Ordering};
                static N: AtomicU32 = AtomicU32::new(0);
                let n = N.fetch_add(1, Ordering::Relaxed);
                let name = format!("hookscope-test-{}-{n}.{ext}", std::process::id());
                TempPath(std::env::temp_dir().join(name))
            }
        }
        impl Drop for TempPath {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    #[test]
    fn file_then_env_then_flags() {
        let file = config_file(
            "port = 9000\ncapacity = 50\nmax_pinned = 3\nmax_bytes = \"1MiB\"\nmax_body = 4096\n\
             max_headers = 500\nforward_to = \"http://127.0.0.1:3000/app\"\nforward_timeout = \"2s\"\n\
             status = 202\ndelay = 250\nfail_first = 2\nrate_limit = 50\nidle_timeout = \"2m\"\n\
             [secrets]\nwms = [\"from-file\", \"second\"]\nprism = \"p\"\n",
        );
        let args = ListenArgs {
            config: Some(file.0.clone()),
            capacity: Some(7),
            secret: vec![SecretArg::parse("github=gh").unwrap()],
            ..ListenArgs::default()
        };
        let env = |name: &str| (name == "HOOKSCOPE_SECRET_WMS").then(|| "env1, ,env2,".to_string());
        let (config, warnings) = ListenConfig::resolve(&args, env).unwrap();
        assert_eq!(config.port, 9000);
        assert_eq!(
            config.limits,
            Limits {
                capacity: 7,
                max_bytes: 1 << 20
            }
        );
        assert_eq!(config.max_pinned, 3);
        assert_eq!(config.max_body, 4096);
        assert_eq!(config.max_headers, 500);
        let answer = &config.answer;
        assert_eq!(
            answer.forward.as_ref().map(ToString::to_string).as_deref(),
            Some("http://127.0.0.1:3000/app")
        );
        assert_eq!(answer.forward_timeout, Duration::from_secs(2));
        assert_eq!(
            (answer.status, answer.fail_first, answer.rate_limit),
            (202, 2, Some(50))
        );
        assert_eq!(answer.delay, Duration::from_millis(250));
        assert_eq!(config.idle_timeout, Duration::from_secs(120));
        let wms: Vec<&str> = config
            .secrets
            .for_scheme(SignatureScheme::Wms)
            .iter()
            .map(Secret::expose)
            .collect();
        assert_eq!(wms, ["from-file", "second", "env1", "env2"]);
        assert_eq!(config.secrets.for_scheme(SignatureScheme::Github).len(), 1);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("process list"));
    }

    /// The one-line error `resolve` gives for these flags.
    fn resolve_error(args: &ListenArgs) -> String {
        ListenConfig::resolve(args, no_env).unwrap_err().to_string()
    }

    /// The error `resolve` gives for a config file holding `text`.
    fn file_error(text: &str) -> String {
        let file = config_file(text);
        resolve_error(&ListenArgs {
            config: Some(file.0.clone()),
            ..ListenArgs::default()
        })
    }

    #[test]
    fn file_errors_name_the_line() {
        let err = file_error("port = 8000\ncapacity = \"many\"\n");
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains('\n'), "{err}");

        let err = file_error("prot = 8000\n");
        assert!(err.contains("prot"), "{err}");

        let err = file_error("[secrets]\nacme = \"x\"\n");
        assert!(err.contains("acme"), "{err}");

        let err = resolve_error(&ListenArgs {
            config: Some("/nonexistent/h.toml".into()),
            ..ListenArgs::default()
        });
        assert!(err.contains("cannot read config file"), "{err}");

        // The file goes through the same range check as the flag.
        let err = file_error("max_headers = 0\n");
        assert!(
            err.contains("max-headers must be between 1 and 10000"),
            "{err}"
        );
    }

    #[test]
    fn inconsistent_limits_and_public_binds() {
        let args = ListenArgs {
            max_body: Some(2 << 20),
            max_bytes: Some(1 << 20),
            ..Default::default()
        };
        let err = resolve_error(&args);
        assert!(
            err.contains("max-body (2 MiB) is larger than max-bytes (1 MiB)"),
            "{err}"
        );

        let args = ListenArgs {
            max_body: Some(2 << 20),
            max_in_flight: Some(1 << 20),
            ..Default::default()
        };
        let err = resolve_error(&args);
        assert!(
            err.contains("max-in-flight (1 MiB) is smaller than max-body (2 MiB)"),
            "{err}"
        );
        // Unset, the bound on bodies in flight grows with a larger max-body.
        let args = ListenArgs {
            max_body: Some(100 << 20),
            ..Default::default()
        };
        let (config, _) = ListenConfig::resolve(&args, no_env).unwrap();
        assert_eq!(config.in_flight_limit(), 100 << 20);

        let args = ListenArgs {
            bind: Some("0.0.0.0".parse().unwrap()),
            ..Default::default()
        };
        let (_, warnings) = ListenConfig::resolve(&args, no_env).unwrap();
        assert!(warnings[0].contains("not on loopback"));
        for loopback in ["::1", "::ffff:127.0.0.1", "127.1.2.3"] {
            let args = ListenArgs {
                bind: Some(loopback.parse().unwrap()),
                ..Default::default()
            };
            let (_, warnings) = ListenConfig::resolve(&args, no_env).unwrap();
            assert!(warnings.is_empty(), "{loopback}: {warnings:?}");
        }
        let args = ListenArgs {
            bind: Some("::ffff:192.168.1.10".parse().unwrap()),
            ..Default::default()
        };
        let (_, warnings) = ListenConfig::resolve(&args, no_env).unwrap();
        assert!(warnings[0].contains("not on loopback"));
    }

    /// Values checked after the file is read (sizes, durations, targets, secrets) are named
    /// with the line they are written on too, and numbers out of range in plain words.
    #[test]
    fn values_checked_after_reading_name_their_line() {
        let cases = [
            (
                "port = 1\nmax_body = \"10 parsecs\"\n",
                ", line 2: max_body:",
            ),
            ("\n\nmax_bytes = \"lots\"\n", ", line 3: max_bytes:"),
            ("max_in_flight = \"x\"\n", ", line 1: max_in_flight:"),
            (
                "port = 1\nidle_timeout = \"soon\"\n",
                ", line 2: idle_timeout:",
            ),
            (
                "\nforward_to = \"http://127.0.0.1:99999\"\n",
                ", line 2: forward_to:",
            ),
            ("forward_timeout = \"x\"\n", ", line 1: forward_timeout:"),
            ("port = 1\nstatus = 99\n", ", line 2: status:"),
            ("\nrate_limit = 0\n", ", line 2: rate_limit:"),
            (
                "port = 1\n[secrets]\nacme = \"x\"\n",
                ", line 3: [secrets] has an unknown",
            ),
            (
                "[secrets]\nwms = \"ok\"\nprism = \"\"\n",
                ", line 3: the prism secret",
            ),
            ("port = 99999\n", "expected a whole number from 0 to 65535"),
        ];
        for (text, says) in cases {
            let err = file_error(text);
            assert!(err.contains(says), "{text:?}: {err}");
            assert!(!err.contains("u16"), "{err}");
        }
    }

    #[test]
    fn answer_rules_are_read_in_order_and_checked() {
        let file = config_file(
            "[[answer]]\nname = \"prismatic\"\nwhen = \"path:/prismatic/*\"\nstatus = 400\n\
             content_type = \"application/json\"\nheaders = { \"X-A\" = \"{{uuid}}\" }\n\
             body = '{\"a\":\"{{json.a}}\"}'\ndelay = \"2s\"\nfail_first = 2\n\n\
             [[answer]]\nwhen = \"provider:video\"\nforward_to = \"http://127.0.0.1:4000\"\ndelay = 10\n",
        );
        let (config, _) = ListenConfig::resolve(
            &ListenArgs {
                config: Some(file.0.clone()),
                ..ListenArgs::default()
            },
            no_env,
        )
        .unwrap();
        let rules = &config.answer.rules;
        assert_eq!(rules.len(), 2);
        assert_eq!(&*rules[0].name, "prismatic");
        assert_eq!(rules[0].status, Some(400));
        assert_eq!(rules[0].headers[0].0, "x-a");
        assert_eq!(rules[0].delay, Some(Duration::from_secs(2)));
        assert_eq!(rules[0].fail_first, Some(2));
        assert_eq!(&*rules[1].name, "rule 2");
        assert_eq!(rules[1].when_text, "provider:video");
        assert_eq!(rules[1].delay, Some(Duration::from_millis(10)));
        assert!(rules[1].forward.is_some());
    }

    #[test]
    fn bad_answer_rules_name_the_rule_and_line() {
        for (text, says) in [
            (
                "[[answer]]\nwhen = \"gap\"\n",
                "line 2: answer rule 'rule 1': when: 'gap' is known only after the answer",
            ),
            (
                "[[answer]]\nname = \"a\"\nwhen = \"path:/a\"\nheaders = { \"Content-Length\" = \"3\" }\n",
                "line 4: answer rule 'a': headers: Content-Length is written by hookscope",
            ),
            (
                "[[answer]]\nwhen = \"path:/a\"\nstatus = 99\n",
                "line 3: answer rule 'rule 1': status:",
            ),
            (
                "[[answer]]\nwhen = \"path:/a\"\nforward_to = \"http://127.0.0.1:1\"\nbody = \"x\"\n",
                "answer rule 'rule 1': forward_to: a rule either routes",
            ),
            (
                "[[answer]]\nname = \"x\"\nwhen = \"path:/a\"\n[[answer]]\nname = \"x\"\nwhen = \"path:/b\"\n",
                "two answer rules are named 'x'",
            ),
            (
                "[[answer]]\nname = \"named\"\nwhen = \"path:/a\"\ndelay = \"soon\"\n",
                "line 4: answer rule 'named': delay:",
            ),
            (
                "port = 1\n[[answer]]\nstatus = 200\n",
                "answer rule 'rule 1': missing field `when`",
            ),
        ] {
            let err = file_error(text);
            assert!(err.contains(says), "{text:?}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn an_unknown_key_is_named_on_its_own_line() {
        let err = file_error("port = 8000\ncapcity = 5\n");
        assert!(err.contains(", line 2:"), "{err}");
        let err = file_error("capcity = 5\n");
        assert!(err.contains(", line 1:"), "{err}");
    }

    #[test]
    fn bad_secrets_name_their_scheme_and_source_but_not_the_secret() {
        for (text, says) in [
            (
                "[secrets]\nwms = \"\"\n",
                "the wms secret in [secrets] is empty",
            ),
            (
                "[secrets]\nwms = [\"SuperSecret\", \"\"]\n",
                "wms secret in [secrets] is empty",
            ),
            (
                "[secrets]\nstandard = \"whsec_Super$ecret\"\n",
                "standard secret in [secrets] starts with whsec_ but what follows is not base64",
            ),
            (
                "[secrets]\nstandard = \"whsec_\"\n",
                "has nothing after whsec_",
            ),
        ] {
            let err = file_error(text);
            assert!(err.contains(says), "{text}: {err}");
            assert!(!err.contains("Super"), "{err}");
        }
        // A Standard Webhooks secret without the prefix may be any text, and Stripe's
        // `whsec_` secrets are not base64 at all.
        let file = config_file("[secrets]\nstandard = \"plain text\"\nstripe = \"whsec_a$b\"\n");
        let args = ListenArgs {
            config: Some(file.0.clone()),
            ..ListenArgs::default()
        };
        assert!(ListenConfig::resolve(&args, no_env).is_ok());

        for (value, says) in [
            ("", "HOOKSCOPE_SECRET_WMS is set but holds no secret"),
            (" , ", "HOOKSCOPE_SECRET_WMS is set but holds no secret"),
        ] {
            let env = |name: &str| (name == "HOOKSCOPE_SECRET_WMS").then(|| value.to_string());
            let err = ListenConfig::resolve(&ListenArgs::default(), env)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{err}");
        }
        let env = |name: &str| {
            (name == "HOOKSCOPE_SECRET_STANDARD")
                .then(|| "whsec_C2FVsBQI, whsec_Super$".to_string())
        };
        let err = ListenConfig::resolve(&ListenArgs::default(), env)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the standard secret from HOOKSCOPE_SECRET_STANDARD starts with whsec_"),
            "{err}"
        );
        assert!(!err.contains("Super") && !err.contains("C2FV"), "{err}");
    }

    #[test]
    fn secret_variables_for_no_scheme_are_named() {
        let names = [
            "HOOKSCOPE_SECRET_WSM",
            "HOOKSCOPE_SECRET_WMS",
            "PATH",
            "HOOKSCOPE_CONFIG",
        ];
        let warnings = unknown_secret_variables(names.map(std::ffi::OsString::from));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("HOOKSCOPE_SECRET_WSM names no signature scheme"));
        assert!(unknown_secret_variables(Vec::new()).is_empty());
    }

    #[test]
    fn stuck_after_from_the_file_then_the_flag() {
        let (config, _) = ListenConfig::resolve(&ListenArgs::default(), no_env).unwrap();
        assert_eq!(config.stuck_after, Duration::from_secs(300));
        let file = config_file("stuck_after = \"10m\"\n");
        let args = ListenArgs {
            config: Some(file.0.clone()),
            ..ListenArgs::default()
        };
        let (config, _) = ListenConfig::resolve(&args, no_env).unwrap();
        assert_eq!(config.stuck_after, Duration::from_secs(600));
        let args = ListenArgs {
            config: Some(file.0.clone()),
            stuck_after: Some(Duration::from_secs(90)),
            ..ListenArgs::default()
        };
        let (config, _) = ListenConfig::resolve(&args, no_env).unwrap();
        assert_eq!(config.stuck_after, Duration::from_secs(90));
        let bad = config_file("stuck_after = \"soon\"\n");
        let args = ListenArgs {
            config: Some(bad.0.clone()),
            ..ListenArgs::default()
        };
        let error = ListenConfig::resolve(&args, no_env)
            .unwrap_err()
            .to_string();
        assert!(error.contains("stuck_after"), "{error}");
    }
}
