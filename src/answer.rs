//! What hookscope answers: the configured status and body, a failure mode to watch a sender's
//! retries, a rate limit, or the user's app behind `--forward-to`. The mode can change while
//! running (the interface cycles it); every event records the answer it got.
//!
//! Answer rules (`rules`) pick a different answer for the requests their query matches, with
//! bodies and header values from `template`; the mode chosen with `m` overrides them.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

pub mod rules;
pub mod target;
pub mod template;

use std::sync::Arc;

pub use crate::event::AnswerMode;
use crate::event::CapturedEvent;
pub use rules::AnswerRule;
pub use target::ForwardTarget;
use template::percent_decode;

/// The answer settings given on the command line or in the config file.
#[derive(Debug, Clone)]
pub struct AnswerSettings {
    /// Status of a normal answer (200 unless `--status`).
    pub status: u16,
    /// Body of a normal answer; `None` means `{"received":true,"id":N}`.
    pub body: Option<String>,
    /// Wait before answering.
    pub delay: Duration,
    /// Answer 503 to the first N deliveries of each distinct body.
    pub fail_first: u32,
    /// Answer 429 above this many requests in any one second.
    pub rate_limit: Option<u32>,
    pub forward: Option<ForwardTarget>,
    pub forward_timeout: Duration,
    /// Answer rules, first match wins (`[[answer]]` in the config file).
    pub rules: Vec<Arc<AnswerRule>>,
    /// What the answer profile (`--answer-as`) says of its sender, for the header: how it
    /// treats an answer (`Prism re-sends a non-2xx …`).
    pub note: Option<String>,
}

impl Default for AnswerSettings {
    fn default() -> Self {
        AnswerSettings {
            status: 200,
            body: None,
            delay: Duration::ZERO,
            fail_first: 0,
            rate_limit: None,
            forward: None,
            forward_timeout: Duration::from_secs(10),
            rules: Vec::new(),
            note: None,
        }
    }
}

/// How long the slow mode waits at least: long enough to trip a sender's timeout (Prism's
/// video API asks for an answer within 5 s).
pub const SLOW_DELAY: Duration = Duration::from_secs(6);

/// The modes in the order `m` cycles through them.
const MODES: [AnswerMode; 6] = AnswerMode::ALL;

fn mode_index(mode: AnswerMode) -> u8 {
    MODES.iter().position(|m| *m == mode).unwrap_or(0) as u8
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Local {
        status: u16,
        body: LocalBody,
        delay: Duration,
    },
    Forward {
        target: ForwardTarget,
        delay: Duration,
    },
}

/// The body of a local answer; the default one needs the event's id, known once it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalBody {
    /// `{"received":true,"id":N}`.
    Received,
    /// `--body` as given.
    Custom(String),
    /// The value of a `challenge` / `hub.challenge` query parameter, echoed as text (endpoint
    /// verification by GET).
    Challenge(String),
    /// A JSON error object, with the reason.
    Error(String),
    /// The status, content type, headers and body of an answer rule, its templates rendered for
    /// the request (without a body of its own, the configured one).
    Rule(Arc<AnswerRule>),
}

/// What [`AnswerPolicy::choose`] picked for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub decision: Decision,
    /// The answer mode that shaped the answer.
    pub mode: AnswerMode,
    /// The rule that produced the answer, when one did (not when a mode chosen with `m`
    /// forced a status over it, nor when the rate limit answered).
    pub rule: Option<Arc<AnswerRule>>,
}

/// What comes between an answer and the reason hookscope chose it, in [`AnswerPolicy::describe`]:
/// a narrow header keeps only what is before it.
pub const REASON_SEPARATOR: &str = " · ";

/// A mode hookscope chose itself: why, and until when.
struct ModeNote {
    mode: AnswerMode,
    why: &'static str,
    until: Instant,
}

/// Most distinct bodies remembered for `--fail-first`; the table is reset when full.
const FAIL_FIRST_TABLE: usize = 100_000;

/// Most paths whose rate a rule's `above_rate` follows at once.
const PER_PATH_TABLE: usize = 10_000;

pub struct AnswerPolicy {
    settings: AnswerSettings,
    mode: AtomicU8,
    /// Why hookscope itself chose the mode, and until when (the demo's retry demonstration).
    note: Mutex<Option<ModeNote>>,
    deliveries: Mutex<HashMap<u64, u32>>,
    recent: Mutex<VecDeque<Instant>>,
    /// The last second's requests per rule and path, for rules with `above_rate`, keyed by a
    /// hash of both (seeded per process: the paths come from the network).
    per_path: Mutex<HashMap<u64, VecDeque<Instant>>>,
    path_keys: std::collections::hash_map::RandomState,
}

impl AnswerPolicy {
    pub fn new(settings: AnswerSettings) -> AnswerPolicy {
        AnswerPolicy {
            settings,
            mode: AtomicU8::new(0),
            note: Mutex::new(None),
            deliveries: Mutex::new(HashMap::new()),
            recent: Mutex::new(VecDeque::new()),
            per_path: Mutex::new(HashMap::new()),
            path_keys: Default::default(),
        }
    }

    pub fn settings(&self) -> &AnswerSettings {
        &self.settings
    }

    pub fn mode(&self) -> AnswerMode {
        MODES[usize::from(self.mode.load(Ordering::Relaxed)) % MODES.len()]
    }

    /// Sets the mode (as `m` does); any reason given with [`AnswerPolicy::set_mode_until`]
    /// goes with the mode it was given for.
    pub fn set_mode(&self, mode: AnswerMode) {
        *self.note.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.mode.store(mode_index(mode), Ordering::Relaxed);
    }

    /// Sets a mode for a reason of hookscope's own, which the header gives with the seconds
    /// left until `until`; whoever set it sets the mode back then. The reason goes as soon as
    /// the mode changes.
    pub fn set_mode_until(&self, mode: AnswerMode, why: &'static str, until: Instant) {
        self.set_mode(mode);
        *self.note.lock().unwrap_or_else(|p| p.into_inner()) = Some(ModeNote { mode, why, until });
    }

    /// Moves to the next mode (skipping `Local` when nothing is forwarded) and returns it.
    pub fn cycle_mode(&self) -> AnswerMode {
        let mut next = self.mode();
        loop {
            next = MODES[(usize::from(mode_index(next)) + 1) % MODES.len()];
            if next != AnswerMode::Local || self.forwards() {
                break;
            }
        }
        self.set_mode(next);
        next
    }

    /// Whether anything may be forwarded: `--forward-to`, or a rule's route.
    pub fn forwards(&self) -> bool {
        self.settings.forward.is_some() || self.settings.rules.iter().any(|r| r.forward.is_some())
    }

    /// The answer rules, in the order they are tried.
    pub fn rules(&self) -> &[Arc<AnswerRule>] {
        &self.settings.rules
    }

    /// A short description for the header: `answer 200`, `forward → http://…`, `answer 503`…,
    /// with the reason when hookscope chose the mode itself (`answer 503 · demo: …, 6 s left`).
    pub fn describe(&self) -> String {
        let mut base = self.describe_mode();
        if !self.settings.rules.is_empty() {
            // A comma, not the separator: the rule count stays when a narrow header drops the
            // reason.
            base = format!("{base}, rules {}", self.settings.rules.len());
        }
        let note = self.note.lock().unwrap_or_else(|p| p.into_inner());
        match (note.as_ref(), &self.settings.note) {
            (Some(note), _) if note.mode == self.mode() => {
                let left = note.until.saturating_duration_since(Instant::now());
                let seconds = left.as_millis().div_ceil(1000);
                format!("{base}{REASON_SEPARATOR}{}, {seconds} s left", note.why)
            }
            (_, Some(profile)) => format!("{base}{REASON_SEPARATOR}{profile}"),
            _ => base,
        }
    }

    fn describe_mode(&self) -> String {
        let normal = || match &self.settings.forward {
            Some(target) => format!("forward → {target}"),
            None => format!("answer {}", self.settings.status),
        };
        match self.mode() {
            AnswerMode::Configured => normal(),
            AnswerMode::Status500 => "answer 500".into(),
            AnswerMode::Status503 => "answer 503".into(),
            AnswerMode::Status429 => "answer 429".into(),
            AnswerMode::Slow => format!("{} after {} s", normal(), self.slow_delay().as_secs()),
            AnswerMode::Local => format!("answer {} (forward off)", self.settings.status),
        }
    }

    fn slow_delay(&self) -> Duration {
        self.settings.delay.max(SLOW_DELAY)
    }

    /// Decides the answer for one request, and names the answer mode that shaped it
    /// ([`AnswerMode::Configured`] when none did: a limit or `--fail-first` come first).
    /// `body_key` identifies the body (a hash) for `--fail-first`, computed only when that is on;
    /// `query` is the raw query string.
    pub fn decide(
        &self,
        query: Option<&str>,
        body_key: impl FnOnce() -> u64,
        now: Instant,
    ) -> (Decision, AnswerMode) {
        let choice = self.choose_with(None, query, body_key, now);
        (choice.decision, choice.mode)
    }

    /// As [`AnswerPolicy::decide`], for a request decoded on arrival (not yet analysed across
    /// events, not stored): the first answer rule that matches it shapes the answer.
    pub fn choose(
        &self,
        request: &CapturedEvent,
        body_key: impl FnOnce() -> u64,
        now: Instant,
    ) -> Choice {
        let rule = self
            .settings
            .rules
            .iter()
            .enumerate()
            .find(|(index, rule)| {
                rule.matches(request)
                    && rule
                        .above_rate
                        .is_none_or(|limit| !self.admit_path(*index, &request.path, limit, now))
            });
        self.choose_with(rule.map(|(_, rule)| rule), request.query(), body_key, now)
    }

    fn choose_with(
        &self,
        rule: Option<&Arc<AnswerRule>>,
        query: Option<&str>,
        body_key: impl FnOnce() -> u64,
        now: Instant,
    ) -> Choice {
        let plain = |decision, mode| Choice {
            decision,
            mode,
            rule: None,
        };
        if let Some(limit) = self.settings.rate_limit
            && !self.admit(limit, now)
        {
            let decision = Decision::Local {
                status: 429,
                body: LocalBody::Error(format!(
                    "rate limit exceeded: more than {limit} requests in one second"
                )),
                delay: Duration::ZERO,
            };
            return plain(decision, AnswerMode::Configured);
        }
        let named = rule.cloned();
        let delay = rule
            .and_then(|rule| rule.delay)
            .unwrap_or(self.settings.delay);
        let fail_first = rule
            .and_then(|rule| rule.fail_first)
            .unwrap_or(self.settings.fail_first);
        if fail_first > 0 {
            // Each rule counts its own deliveries of a body.
            let salt = rule.map_or(0, |rule| Arc::as_ptr(rule) as u64);
            let delivery = self.count_delivery(body_key() ^ salt);
            if delivery <= fail_first {
                let decision = Decision::Local {
                    status: 503,
                    body: LocalBody::Error(format!(
                        "failing delivery {delivery} of {fail_first} of this body on purpose (--fail-first)"
                    )),
                    delay,
                };
                return Choice {
                    decision,
                    mode: AnswerMode::Configured,
                    rule: named,
                };
            }
        }
        let forced = |status: u16| Decision::Local {
            status,
            body: LocalBody::Error(format!("answering {status} on purpose (answer mode)")),
            delay: Duration::ZERO,
        };
        let mode = self.mode();
        let decision = match mode {
            AnswerMode::Status500 => return plain(forced(500), mode),
            AnswerMode::Status503 => return plain(forced(503), mode),
            AnswerMode::Status429 => return plain(forced(429), mode),
            AnswerMode::Configured => self.normal(rule, query, delay, true),
            AnswerMode::Slow => self.normal(rule, query, delay.max(SLOW_DELAY), true),
            AnswerMode::Local => self.normal(rule, query, delay, false),
        };
        Choice {
            decision,
            mode,
            rule: named,
        }
    }

    fn normal(
        &self,
        rule: Option<&Arc<AnswerRule>>,
        query: Option<&str>,
        delay: Duration,
        forward: bool,
    ) -> Decision {
        // A rule's route first; a rule that says what to answer answers itself; else the
        // settings' forward target.
        let target = match rule {
            Some(rule) if rule.forward.is_some() => rule.forward.as_ref(),
            Some(rule) if rule.answers_itself() => None,
            _ => self.settings.forward.as_ref(),
        };
        if forward && let Some(target) = target {
            return Decision::Forward {
                target: target.clone(),
                delay,
            };
        }
        let status = rule
            .and_then(|rule| rule.status)
            .unwrap_or(self.settings.status);
        let body = match (rule, &self.settings.body, query.and_then(challenge)) {
            (Some(rule), _, _)
                if rule.body.is_some()
                    || rule.content_type.is_some()
                    || !rule.headers.is_empty() =>
            {
                LocalBody::Rule(Arc::clone(rule))
            }
            (_, Some(custom), _) => LocalBody::Custom(custom.clone()),
            (_, None, Some(challenge)) => LocalBody::Challenge(challenge),
            (_, None, None) => LocalBody::Received,
        };
        Decision::Local {
            status,
            body,
            delay,
        }
    }

    /// Sliding one-second window: admits the request if fewer than `limit` were admitted in
    /// the last second.
    fn admit(&self, limit: u32, now: Instant) -> bool {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        admit_within_a_second(&mut recent, limit, now)
    }

    /// As [`AnswerPolicy::admit`], for one rule's requests to one path: admits the request if
    /// fewer than `limit` of them were admitted in the last second.
    fn admit_path(&self, rule: usize, path: &str, limit: u32, now: Instant) -> bool {
        use std::hash::{BuildHasher, Hasher};
        let key = {
            let mut hasher = self.path_keys.build_hasher();
            hasher.write_usize(rule);
            hasher.write(path.as_bytes());
            hasher.finish()
        };
        let mut windows = self.per_path.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= PER_PATH_TABLE && !windows.contains_key(&key) {
            // Paths quiet for a second hold nothing worth keeping.
            windows.retain(|_, w| {
                w.back()
                    .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(1))
            });
            if windows.len() >= PER_PATH_TABLE {
                windows.clear();
            }
        }
        admit_within_a_second(windows.entry(key).or_default(), limit, now)
    }

    /// Counts a delivery of a body and returns its number (1 for the first).
    fn count_delivery(&self, body_key: u64) -> u32 {
        let mut deliveries = self.deliveries.lock().unwrap_or_else(|p| p.into_inner());
        if deliveries.len() >= FAIL_FIRST_TABLE && !deliveries.contains_key(&body_key) {
            deliveries.clear();
        }
        let count = deliveries.entry(body_key).or_insert(0);
        *count = count.saturating_add(1);
        *count
    }
}

/// A sliding one-second window of admitted requests: forgets those older than a second, then
/// admits one at `now` if fewer than `limit` remain.
fn admit_within_a_second(recent: &mut VecDeque<Instant>, limit: u32, now: Instant) -> bool {
    while recent
        .front()
        .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
    {
        recent.pop_front();
    }
    if recent.len() >= limit as usize {
        return false;
    }
    recent.push_back(now);
    true
}

/// The value of a `challenge` or `hub.challenge` query parameter (percent-decoded).
fn challenge(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        matches!(name, "challenge" | "hub.challenge").then(|| percent_decode(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(settings: AnswerSettings) -> AnswerPolicy {
        AnswerPolicy::new(settings)
    }

    #[test]
    fn normal_answers_and_challenges() {
        let p = policy(AnswerSettings::default());
        let now = Instant::now();
        assert_eq!(
            p.decide(None, || 1, now).0,
            Decision::Local {
                status: 200,
                body: LocalBody::Received,
                delay: Duration::ZERO
            }
        );
        assert_eq!(
            p.decide(Some("mode=x&hub.challenge=a%20b%2"), || 1, now).0,
            Decision::Local {
                status: 200,
                body: LocalBody::Challenge("a b%2".into()),
                delay: Duration::ZERO
            }
        );
        let p = policy(AnswerSettings {
            status: 202,
            body: Some("ok".into()),
            ..AnswerSettings::default()
        });
        assert_eq!(
            p.decide(Some("challenge=x"), || 1, now).0,
            Decision::Local {
                status: 202,
                body: LocalBody::Custom("ok".into()),
                delay: Duration::ZERO
            }
        );
    }

    #[test]
    fn fail_first_counts_each_body() {
        let p = policy(AnswerSettings {
            fail_first: 2,
            ..AnswerSettings::default()
        });
        let now = Instant::now();
        let status = |d: Decision| match d {
            Decision::Local { status, .. } => status,
            Decision::Forward { .. } => 0,
        };
        assert_eq!(status(p.decide(None, || 7, now).0), 503);
        assert_eq!(status(p.decide(None, || 8, now).0), 503);
        assert_eq!(status(p.decide(None, || 7, now).0), 503);
        assert_eq!(status(p.decide(None, || 7, now).0), 200);
        assert_eq!(status(p.decide(None, || 8, now).0), 503);
        assert_eq!(status(p.decide(None, || 8, now).0), 200);
        // `--fail-first` comes before a mode: the mode did not shape that answer.
        p.set_mode(AnswerMode::Slow);
        assert_eq!(
            p.decide(None, || 9, now),
            (
                Decision::Local {
                    status: 503,
                    body: LocalBody::Error(
                        "failing delivery 1 of 2 of this body on purpose (--fail-first)".into()
                    ),
                    delay: Duration::ZERO,
                },
                AnswerMode::Configured
            )
        );
    }

    #[test]
    fn rate_limit_is_a_sliding_second() {
        let p = policy(AnswerSettings {
            rate_limit: Some(3),
            ..AnswerSettings::default()
        });
        let start = Instant::now();
        let status = |d: Decision| match d {
            Decision::Local { status, .. } => status,
            Decision::Forward { .. } => 0,
        };
        let at = |ms| start + Duration::from_millis(ms);
        let answers: Vec<u16> = [0, 100, 200, 300, 999, 1000, 1001, 1100]
            .iter()
            .map(|&ms| status(p.decide(None, || 1, at(ms)).0))
            .collect();
        assert_eq!(answers, [200, 200, 200, 429, 429, 200, 429, 200]);
    }

    #[test]
    fn modes_cycle_and_override() {
        let p = policy(AnswerSettings::default());
        assert_eq!(p.describe(), "answer 200");
        let seen: Vec<AnswerMode> = (0..5).map(|_| p.cycle_mode()).collect();
        // Without a forward target the "forward off" mode is skipped.
        assert_eq!(
            seen,
            [
                AnswerMode::Status500,
                AnswerMode::Status503,
                AnswerMode::Status429,
                AnswerMode::Slow,
                AnswerMode::Configured
            ]
        );
        p.set_mode(AnswerMode::Status503);
        let (decision, mode) = p.decide(None, || 1, Instant::now());
        assert!(matches!(decision, Decision::Local { status: 503, .. }));
        assert_eq!(
            mode,
            AnswerMode::Status503,
            "the mode that shaped it is named"
        );
        p.set_mode(AnswerMode::Slow);
        assert!(matches!(
            p.decide(None, || 1, Instant::now()).0,
            Decision::Local { status: 200, delay, .. } if delay == SLOW_DELAY
        ));
        assert_eq!(p.describe(), "answer 200 after 6 s");
    }

    #[test]
    fn a_mode_hookscope_chose_says_why_until_it_changes() {
        let p = policy(AnswerSettings::default());
        let until = Instant::now() + Duration::from_millis(6_500);
        p.set_mode_until(AnswerMode::Status503, "demo: Prism's retries", until);
        assert_eq!(p.mode(), AnswerMode::Status503);
        let said = p.describe();
        assert!(
            said == "answer 503 · demo: Prism's retries, 7 s left"
                || said == "answer 503 · demo: Prism's retries, 6 s left",
            "{said}"
        );
        // `m` moves on: the reason was for the mode it came with.
        p.cycle_mode();
        assert_eq!(p.describe(), "answer 429");
        p.set_mode(AnswerMode::Status503);
        assert_eq!(p.describe(), "answer 503");
    }

    fn rule(name: &str, when: &str, edit: impl FnOnce(&mut AnswerRule)) -> Arc<AnswerRule> {
        let mut rule = AnswerRule {
            name: crate::event::SharedStr::new(name),
            when_text: when.into(),
            when: rules::check_when(when).unwrap(),
            status: None,
            content_type: None,
            headers: Vec::new(),
            body: None,
            delay: None,
            fail_first: None,
            forward: None,
            above_rate: None,
            warn_after: None,
        };
        edit(&mut rule);
        Arc::new(rule)
    }

    #[test]
    fn the_first_matching_rule_answers_and_m_overrides_it() {
        use crate::event::build::EventBuilder;
        let app: ForwardTarget = "http://127.0.0.1:4000".parse().unwrap();
        let p = policy(AnswerSettings {
            rules: vec![
                rule("teapot", "path:/tea*", |r| r.status = Some(418)),
                rule("route", "path:/app/*", |r| r.forward = Some(app.clone())),
                rule("never", "path:/tea", |r| r.status = Some(500)),
                rule("twice", "path:/flaky", |r| r.fail_first = Some(1)),
            ],
            ..AnswerSettings::default()
        });
        assert_eq!(p.describe(), "answer 200, rules 4");
        let now = Instant::now();
        let at = |path: &str| EventBuilder::new(0).path(path).build();
        let choice = p.choose(&at("/tea"), || 1, now);
        assert!(matches!(
            choice.decision,
            Decision::Local {
                status: 418,
                body: LocalBody::Received,
                ..
            }
        ));
        assert_eq!(choice.rule.as_ref().map(|r| &*r.name), Some("teapot"));
        let choice = p.choose(&at("/app/x"), || 1, now);
        assert!(matches!(choice.decision, Decision::Forward { .. }));
        assert_eq!(choice.rule.as_ref().map(|r| &*r.name), Some("route"));
        let choice = p.choose(&at("/other"), || 1, now);
        assert_eq!(choice.rule, None);
        assert!(matches!(
            choice.decision,
            Decision::Local { status: 200, .. }
        ));
        // A rule's fail_first counts its own deliveries.
        let statuses: Vec<u16> = (0..2)
            .map(|_| match p.choose(&at("/flaky"), || 5, now).decision {
                Decision::Local { status, .. } => status,
                Decision::Forward { .. } => 0,
            })
            .collect();
        assert_eq!(statuses, [503, 200]);

        // A route is forwarding: `m` offers to switch it off, and then hookscope answers.
        let seen: Vec<AnswerMode> = (0..6).map(|_| p.cycle_mode()).collect();
        assert!(seen.contains(&AnswerMode::Local));
        p.set_mode(AnswerMode::Local);
        let choice = p.choose(&at("/app/x"), || 1, now);
        assert!(matches!(
            choice.decision,
            Decision::Local { status: 200, .. }
        ));
        // Slow waits whatever the rule says; a forced status is no rule's answer.
        p.set_mode(AnswerMode::Slow);
        let choice = p.choose(&at("/tea"), || 1, now);
        assert!(
            matches!(choice.decision, Decision::Local { status: 418, delay, .. } if delay == SLOW_DELAY)
        );
        p.set_mode(AnswerMode::Status500);
        let choice = p.choose(&at("/tea"), || 1, now);
        assert!(matches!(
            choice.decision,
            Decision::Local { status: 500, .. }
        ));
        assert_eq!(choice.rule, None);
    }

    #[test]
    fn a_rule_above_a_rate_applies_per_path_beyond_it() {
        use crate::event::build::EventBuilder;
        let p = policy(AnswerSettings {
            rules: vec![rule("throttle", "", |r| {
                r.above_rate = Some(2);
                r.status = Some(429);
            })],
            ..AnswerSettings::default()
        });
        let start = Instant::now();
        let status = |path: &str, ms: u64| {
            let event = EventBuilder::new(0).path(path).build();
            match p
                .choose(&event, || 1, start + Duration::from_millis(ms))
                .decision
            {
                Decision::Local { status, .. } => status,
                Decision::Forward { .. } => 0,
            }
        };
        let a: Vec<u16> = [0, 10, 20].iter().map(|&ms| status("/a", ms)).collect();
        assert_eq!(a, [200, 200, 429]);
        assert_eq!(status("/b", 30), 200, "another path has its own count");
        assert_eq!(status("/a", 1000), 200, "a second later");
    }

    #[test]
    fn forwarding_and_switching_it_off() {
        let target: ForwardTarget = "http://127.0.0.1:3000/app".parse().unwrap();
        let p = policy(AnswerSettings {
            forward: Some(target.clone()),
            ..AnswerSettings::default()
        });
        assert!(matches!(
            p.decide(None, || 1, Instant::now()).0,
            Decision::Forward { .. }
        ));
        assert_eq!(p.describe(), "forward → http://127.0.0.1:3000/app");
        p.set_mode(AnswerMode::Local);
        assert!(matches!(
            p.decide(None, || 1, Instant::now()).0,
            Decision::Local { status: 200, .. }
        ));
        assert_eq!(p.describe(), "answer 200 (forward off)");
    }
}
