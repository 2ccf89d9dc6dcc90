//! The parsed form of a query: its terms and what each one tests, shared by the parser that
//! builds them and the matchers that read them, and what can be told from the terms alone
//! (whether a query is empty, searches text, or narrows the previous one).

use crate::event::{AnsweredBy, BodyKind, Provider, Severity, SignatureVerdict};

/// A parsed query. The empty query matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub(super) terms: Vec<Term>,
}

/// One condition of a query, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Term {
    pub(super) negated: bool,
    pub(super) test: Test,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Test {
    Severity(Vec<Severity>),
    Signature(Vec<SignatureVerdict>),
    Provider(Vec<Provider>),
    Session(Glob),
    Scan(Glob),
    Type(Glob),
    Status(Vec<StatusPattern>),
    /// `forward:error`: forwarding to the app failed (unreachable, too slow, broken answer).
    ForwardError,
    /// `answer:app`, `answer:local`: who answered the sender.
    Answer(Vec<AnsweredBy>),
    Gap,
    /// The event has at least one anomaly.
    AnyAnomaly,
    /// One of the event's anomaly codes matches.
    Anomaly(Glob),
    /// The event is a redelivery of a body received before.
    Retry,
    /// The user pinned the event.
    Pinned,
    /// Re-sent by hookscope after an edit (`E`, `hookscope send`).
    Edited,
    /// `path:/hooks/*`: the request path (without the query).
    Path(Glob),
    /// `method:post,put`: the request method (kept upper-case).
    Method(Vec<String>),
    /// `body:json,malformed_json`: what the body turned out to be.
    Body(Vec<BodyKind>),
    /// `header:NAME` (present) or `header:NAME=GLOB` (a value of it matches).
    Header {
        /// Lower-cased.
        name: String,
        value: Option<Glob>,
    },
    /// `rule:NAME`: the answer rule that produced the answer (`*` is a wildcard).
    Rule(Glob),
    /// Lower-cased text searched for in the event's text fields and body.
    Text(String),
}

/// `5xx` (a class) or `413` (one status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StatusPattern {
    Class(u16),
    Exact(u16),
}

/// A case-insensitive pattern where `*` stands for any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Glob {
    /// The lower-cased pattern split at each `*`.
    pub(super) pieces: Vec<String>,
}

/// Why a query could not be parsed, in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub(super) String);

/// The keys a query understands, for hints next to the prompt.
pub const KEYS: [&str; 19] = [
    "sev:",
    "sig:",
    "provider:",
    "session:",
    "scan:",
    "type:",
    "status:",
    "forward:error",
    "answer:",
    "gap",
    "anomaly:",
    "retry",
    "pinned",
    "edited",
    "path:",
    "method:",
    "body:",
    "header:",
    "rule:",
];

impl Filter {
    /// The first term that tests what is only known once a request is answered (its status,
    /// who answered, the analysis across events, a user's pin), with why: such a query cannot
    /// choose an answer. `None` when every term is known on arrival.
    pub fn needs_answer(&self) -> Option<(String, &'static str)> {
        self.terms.iter().find_map(|term| {
            let why = match term.test {
                Test::Status(_) => "the status is what the rule decides",
                Test::Answer(_) | Test::ForwardError => {
                    "who answered is known only once the answer is given"
                }
                Test::Rule(_) => "the rule is what is being chosen",
                Test::Gap | Test::Retry => {
                    "it comes from the analysis across events, after the answer is chosen"
                }
                Test::Pinned => "a pin is set in the interface after capture",
                _ => return None,
            };
            let mut word = term.test.to_string();
            if term.negated {
                word.insert(0, '-');
            }
            Some((word, why))
        })
    }

    /// True when the query has free text, whose search reads bodies and costs far more per
    /// event than the keyed terms do.
    pub fn searches_text(&self) -> bool {
        self.terms.iter().any(|t| matches!(t.test, Test::Text(_)))
    }

    /// True when the query has no terms (everything matches).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// True when every event this filter matches is also matched by `previous` — the user typed
    /// on: a term was added, or the last free-text term grew. The matches of `previous` can then
    /// be narrowed instead of searching everything again.
    pub fn narrows(&self, previous: &Filter) -> bool {
        let old = &previous.terms;
        let new = &self.terms;
        if new.len() < old.len() {
            return false;
        }
        if new[..old.len()] == old[..] {
            return true;
        }
        let n = old.len();
        if new.len() != n || n == 0 || new[..n - 1] != old[..n - 1] {
            return false;
        }
        match (&old[n - 1], &new[n - 1]) {
            (
                Term {
                    negated: false,
                    test: Test::Text(before),
                },
                Term {
                    negated: false,
                    test: Test::Text(after),
                },
            ) => after.contains(before.as_str()),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_on_narrows() {
        let narrows = |before: &str, after: &str| {
            Filter::parse(after)
                .unwrap()
                .narrows(&Filter::parse(before).unwrap())
        };
        assert!(narrows("", "sev:error"));
        assert!(narrows("mea", "meas"));
        assert!(narrows("sev:error mea", "sev:error meas"));
        assert!(narrows("sev:error", "sev:error gap"));
        assert!(!narrows("meas", "mea"));
        assert!(
            !narrows("type:sca", "type:scan"),
            "an exact match is not narrower"
        );
        assert!(
            !narrows("-mea", "-meas"),
            "a negated text widens as it grows"
        );
        assert!(!narrows("sev:error gap", "sev:error"));
    }
}
