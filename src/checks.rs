//! Checks on live traffic, for CI: `--expect QUERY` passes once an event matches it, `--forbid
//! QUERY` fails the run at the first event that matches it. Every stored event is looked at once,
//! in capture order, as it is recorded (so eviction cannot hide one); what a run concluded is
//! [`Checks::verdict`], and [`report`] writes it as JUnit XML or JSON.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::event::{CapturedEvent, Provider, SignatureVerdict};
use crate::filter::Filter;
use crate::sanitize;

pub mod report;

/// How long a run with checks waits, when `--timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether a check wants a match or forbids one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Expect,
    Forbid,
}

impl CheckKind {
    /// The flag's name without dashes: `expect`, `forbid`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Expect => "expect",
            CheckKind::Forbid => "forbid",
        }
    }
}

/// One check: its kind and its query, as given and parsed.
#[derive(Debug, Clone)]
pub struct Check {
    pub kind: CheckKind,
    pub query: String,
    filter: Filter,
}

/// A bad query, named with the flag that gave it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--{flag} '{query}': {reason}")]
pub struct CheckError {
    pub flag: &'static str,
    pub query: String,
    pub reason: String,
}

impl Check {
    pub fn parse(kind: CheckKind, query: &str) -> Result<Check, CheckError> {
        let filter = Filter::parse(query).map_err(|e| CheckError {
            flag: kind.as_str(),
            query: query.to_owned(),
            reason: e.to_string(),
        })?;
        if filter.is_empty() {
            return Err(CheckError {
                flag: kind.as_str(),
                query: query.to_owned(),
                reason: "an empty query matches every event; name what to look for".to_owned(),
            });
        }
        Ok(Check {
            kind,
            query: query.to_owned(),
            filter,
        })
    }
}

/// The first event a check matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Matched {
    pub id: u64,
    /// `wms INTERMEDIATE_RESULTS, X-WMS-Content-MAC does not match`: safe to print.
    pub summary: String,
    /// How long after the start of the run it came.
    pub after: Duration,
}

/// Where a run with checks stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Some expectation has not matched yet (or, with none, the run goes on until its timeout).
    Waiting,
    /// Every expectation matched and nothing forbidden came (so far).
    Met,
    /// A forbidden event came: the index of its check.
    Forbidden(usize),
}

struct State {
    matched: Vec<Option<Matched>>,
    seen: u64,
    /// The first forbidden check that matched.
    forbidden: Option<usize>,
}

/// The checks of a run and what they have seen.
pub struct Checks {
    checks: Vec<Check>,
    pub timeout: Duration,
    pub settle: Duration,
    started: Instant,
    state: Mutex<State>,
    /// Bumped whenever a check matches for the first time.
    news: watch::Sender<u64>,
}

impl Checks {
    pub fn new(checks: Vec<Check>, timeout: Duration, settle: Duration) -> Checks {
        let matched = vec![None; checks.len()];
        Checks {
            checks,
            timeout,
            settle,
            started: Instant::now(),
            state: Mutex::new(State {
                matched,
                seen: 0,
                forbidden: None,
            }),
            news: watch::channel(0).0,
        }
    }

    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Looks at one stored event (called in capture order).
    pub fn observe(&self, event: &CapturedEvent) {
        let mut state = self.lock();
        state.seen += 1;
        let mut news = false;
        for (i, check) in self.checks.iter().enumerate() {
            if state.matched[i].is_some() || !check.filter.matches(event) {
                continue;
            }
            state.matched[i] = Some(Matched {
                id: event.id,
                summary: summary(event),
                after: self.started.elapsed(),
            });
            if check.kind == CheckKind::Forbid && state.forbidden.is_none() {
                state.forbidden = Some(i);
            }
            news = true;
        }
        drop(state);
        if news {
            self.news.send_modify(|n| *n += 1);
        }
    }

    /// Where the run stands now.
    pub fn verdict(&self) -> Verdict {
        let state = self.lock();
        if let Some(i) = state.forbidden {
            return Verdict::Forbidden(i);
        }
        let expects: Vec<usize> = self.expectations().collect();
        if !expects.is_empty() && expects.iter().all(|&i| state.matched[i].is_some()) {
            Verdict::Met
        } else {
            Verdict::Waiting
        }
    }

    fn expectations(&self) -> impl Iterator<Item = usize> + '_ {
        self.checks
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == CheckKind::Expect)
            .map(|(i, _)| i)
    }

    /// The first event check `i` matched.
    pub fn matched(&self, i: usize) -> Option<Matched> {
        self.lock().matched.get(i).cloned().flatten()
    }

    /// How many events were looked at.
    pub fn seen(&self) -> u64 {
        self.lock().seen
    }

    /// Since the run started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// For the header: `checks 1/2` while waiting, `checks ✓ 2/2`, `✗ forbid 'gap' #7`.
    pub fn short_state(&self) -> String {
        let expects: Vec<usize> = self.expectations().collect();
        let met = expects
            .iter()
            .filter(|&&i| self.matched(i).is_some())
            .count();
        match self.verdict() {
            Verdict::Forbidden(i) => {
                let id = self.matched(i).map_or(0, |m| m.id);
                format!(
                    "✗ forbidden '{}' #{id}",
                    sanitize::escape(&self.checks[i].query)
                )
            }
            Verdict::Met => format!("checks ✓ {met}/{}", expects.len()),
            Verdict::Waiting if expects.is_empty() => {
                format!("checks: {} forbidden, none seen", self.checks.len())
            }
            Verdict::Waiting => format!("checks {met}/{}", expects.len()),
        }
    }

    /// The line that says why a run failed, or `None` when it passed; `ended` says how the run
    /// ended, for the words of an unmet expectation.
    pub fn failure(&self, ended: End) -> Option<String> {
        match self.verdict() {
            Verdict::Forbidden(i) => {
                let matched = self.matched(i)?;
                Some(format!(
                    "forbidden '{}' matched #{}: {}",
                    sanitize::escape(&self.checks[i].query),
                    matched.id,
                    matched.summary
                ))
            }
            Verdict::Met => None,
            Verdict::Waiting => {
                let unmet: Vec<String> = self
                    .expectations()
                    .filter(|&i| self.matched(i).is_none())
                    .map(|i| format!("'{}'", sanitize::escape(&self.checks[i].query)))
                    .collect();
                if unmet.is_empty() {
                    // Only forbidden checks, none of which matched: the run passed.
                    return None;
                }
                let when = match ended {
                    End::TimedOut => format!("timed out after {}", seconds(self.timeout)),
                    End::Stopped | End::Decided => {
                        format!("stopped after {}", seconds(self.elapsed()))
                    }
                };
                let seen = crate::words::count(self.seen(), "event");
                Some(format!(
                    "{when} with {} unmet: {} ({seen} seen)",
                    crate::words::count_as(unmet.len() as u64, "expectation", "expectations"),
                    unmet.join(", ")
                ))
            }
        }
    }

    /// Completes when the run should end: at the first forbidden event, once every expectation
    /// has matched and `settle` has passed with nothing forbidden, or at the timeout.
    pub async fn conclusion(&self) -> End {
        let mut news = self.news.subscribe();
        let deadline = tokio::time::Instant::from_std(self.started + self.timeout);
        let mut settle_until: Option<tokio::time::Instant> = None;
        loop {
            match self.verdict() {
                Verdict::Forbidden(_) => return End::Decided,
                Verdict::Met => {
                    let until = *settle_until
                        .get_or_insert_with(|| tokio::time::Instant::now() + self.settle);
                    if tokio::time::Instant::now() >= until {
                        return End::Decided;
                    }
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        _ = news.changed() => {}
                    }
                    continue;
                }
                Verdict::Waiting => {}
            }
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => return End::TimedOut,
                changed = news.changed() => {
                    if changed.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            }
        }
    }
}

/// How a run with checks ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// By its verdict: met (after the settle time) or forbidden.
    Decided,
    TimedOut,
    /// Quit, Ctrl-C or SIGTERM before either.
    Stopped,
}

/// `90 s`, `1.5 s`.
fn seconds(duration: Duration) -> String {
    let s = duration.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// What an event is and what is wrong with it, in a few words safe to print:
/// `wms INTERMEDIATE_RESULTS, X-WMS-Content-MAC does not match`.
pub fn summary(event: &CapturedEvent) -> String {
    let analysis = &event.analysis;
    let mut text = match (&analysis.provider, &analysis.kind) {
        (Provider::Generic, _) | (_, None) => format!("{} {}", event.method, event.path),
        (provider, Some(kind)) => format!("{} {kind}", provider.as_str()),
    };
    let problem = match analysis.signature.verdict {
        SignatureVerdict::Valid | SignatureVerdict::Unsigned => None,
        _ => analysis.signature.note.as_deref().map(str::to_owned),
    }
    .or_else(|| analysis.anomalies.first().map(|a| a.message()))
    .or_else(|| event.response.error().map(str::to_owned));
    if let Some(problem) = problem {
        text.push_str(", ");
        text.push_str(&problem);
    }
    sanitize::escape(&text).into_owned()
}

#[cfg(test)]
mod tests;
