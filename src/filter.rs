//! Event filters: the query language of the interface's `/` prompt, parsed once and matched
//! against events. Pure and independent of the interface, so any command that selects events
//! (an export or a replay of "only these") can take the same query.
//!
//! A query is a list of terms separated by spaces, all of which must match (AND):
//!
//! | term | matches |
//! |---|---|
//! | `sev:error` (`info`, `warn`, `error`; `warn,error` for either) | the severity |
//! | `sig:invalid` (`valid`, `invalid`, `missing`, `unsigned`, `no_secret`, `malformed`, `stale`) |
//! the signature verdict |
//! | `provider:wms` (`prism`, `prism_video` or `video`, `generic`) | the detected sender |
//! | `session:ID` | the WMS session id (`*` is a wildcard) |
//! | `scan:ID` | the Prism scan id or video id (`*` is a wildcard) |
//! | `type:scan.*` | the event name (`*` is a wildcard) |
//! | `status:5xx`, `status:413`, `status:4xx,5xx` | the status hookscope answered |
//! | `gap` | WMS events that found sequence numbers missing |
//! | anything else | text in the method, path, query, event name, ids, anomaly codes or body |
//!
//! A term prefixed with `-` is negated (`-sev:info`). Quotes keep spaces in free text
//! (`"page unloaded"`). Matching ignores case.

use std::fmt;

use crate::event::{CapturedEvent, Provider, SequenceStatus, Severity, SignatureVerdict};

/// A parsed query. The empty query matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    terms: Vec<Term>,
}

/// One condition of a query, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    negated: bool,
    test: Test,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Test {
    Severity(Vec<Severity>),
    Signature(Vec<SignatureVerdict>),
    Provider(Vec<Provider>),
    Session(Glob),
    Scan(Glob),
    Type(Glob),
    Status(Vec<StatusPattern>),
    Gap,
    /// Lower-cased text searched for in the event's text fields and body.
    Text(String),
}

/// `5xx` (a class) or `413` (one status).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StatusPattern {
    Class(u16),
    Exact(u16),
}

/// A case-insensitive pattern where `*` stands for any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Glob {
    /// The lower-cased pattern split at each `*`.
    pieces: Vec<String>,
}

/// Why a query could not be parsed, in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(String);

/// The keys a query understands, for hints next to the prompt.
pub const KEYS: [&str; 8] = [
    "sev:",
    "sig:",
    "provider:",
    "session:",
    "scan:",
    "type:",
    "status:",
    "gap",
];

impl Filter {
    /// Parses a query. Unknown `key:value` words are free text, so searching for `a:b` works.
    pub fn parse(query: &str) -> Result<Filter, FilterError> {
        let mut terms = Vec::new();
        for word in split_words(query) {
            let (negated, word) = match word.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest.to_owned()),
                _ => (false, word),
            };
            terms.push(Term {
                negated,
                test: Test::parse(&word)?,
            });
        }
        Ok(Filter { terms })
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

    pub fn matches(&self, event: &CapturedEvent) -> bool {
        self.terms
            .iter()
            .all(|term| term.test.matches(event) != term.negated)
    }
}

impl fmt::Display for Filter {
    /// The query in canonical form (the way it would be typed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, term) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if term.negated {
                f.write_str("-")?;
            }
            write!(f, "{}", term.test)?;
        }
        Ok(())
    }
}

/// Splits at whitespace, keeping double-quoted runs together (without the quotes).
fn split_words(query: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut has_word = false;
    for c in query.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                has_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if has_word {
                    words.push(std::mem::take(&mut current));
                    has_word = false;
                }
            }
            c => {
                current.push(c);
                has_word = true;
            }
        }
    }
    if has_word && !current.is_empty() {
        words.push(current);
    }
    words.retain(|w| !w.is_empty());
    words
}

impl Test {
    fn parse(word: &str) -> Result<Test, FilterError> {
        if word.eq_ignore_ascii_case("gap") {
            return Ok(Test::Gap);
        }
        let Some((key, value)) = word.split_once(':') else {
            return Ok(Test::Text(word.to_lowercase()));
        };
        let key = key.to_ascii_lowercase();
        let known = matches!(
            key.as_str(),
            "sev"
                | "severity"
                | "sig"
                | "signature"
                | "provider"
                | "session"
                | "scan"
                | "type"
                | "status"
        );
        if !known {
            return Ok(Test::Text(word.to_lowercase()));
        }
        if value.is_empty() {
            return Err(FilterError(format!("'{key}:' needs a value")));
        }
        let value = value.to_ascii_lowercase();
        let list = || value.split(',').filter(|v| !v.is_empty());
        Ok(match key.as_str() {
            "sev" | "severity" => Test::Severity(
                list()
                    .map(|v| match v {
                        "info" => Ok(Severity::Info),
                        "warn" | "warning" => Ok(Severity::Warn),
                        "error" | "err" => Ok(Severity::Error),
                        _ => Err(FilterError(format!(
                            "sev:{v} is not a severity: use info, warn or error"
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "sig" | "signature" => Test::Signature(
                list()
                    .map(|v| match v {
                        "valid" | "ok" => Ok(SignatureVerdict::Valid),
                        "invalid" | "bad" => Ok(SignatureVerdict::Invalid),
                        "missing" => Ok(SignatureVerdict::Missing),
                        "unsigned" | "none" => Ok(SignatureVerdict::Unsigned),
                        "no_secret" | "nosecret" => Ok(SignatureVerdict::NoSecret),
                        "malformed" => Ok(SignatureVerdict::Malformed),
                        "stale" => Ok(SignatureVerdict::Stale),
                        _ => Err(FilterError(format!(
                            "sig:{v} is not a verdict: use valid, invalid, missing, unsigned, \
                             no_secret, malformed or stale"
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "provider" => Test::Provider(
                list()
                    .map(|v| match v {
                        "wms" => Ok(Provider::Wms),
                        "prism" => Ok(Provider::Prism),
                        "prism_video" | "video" => Ok(Provider::PrismVideo),
                        "generic" | "other" => Ok(Provider::Generic),
                        _ => Err(FilterError(format!(
                            "provider:{v} is not a provider: use wms, prism, video or generic"
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "session" => Test::Session(Glob::new(&value)),
            "scan" => Test::Scan(Glob::new(&value)),
            "type" => Test::Type(Glob::new(&value)),
            "status" => Test::Status(list().map(StatusPattern::parse).collect::<Result<_, _>>()?),
            _ => unreachable!("every known key is handled above"),
        })
    }

    fn matches(&self, event: &CapturedEvent) -> bool {
        let analysis = &event.analysis;
        match self {
            Test::Severity(list) => list.contains(&analysis.severity),
            Test::Signature(list) => list.contains(&analysis.signature.verdict),
            Test::Provider(list) => list.contains(&analysis.provider),
            Test::Session(glob) => analysis
                .subject
                .session_id
                .as_deref()
                .into_iter()
                .chain(analysis.sequence.as_ref().map(|s| &*s.session_id))
                .any(|id| glob.matches(id)),
            Test::Scan(glob) => [&analysis.subject.scan_id, &analysis.subject.video_id]
                .into_iter()
                .flatten()
                .any(|id| glob.matches(id)),
            Test::Type(glob) => analysis.kind.as_deref().is_some_and(|k| glob.matches(k)),
            Test::Status(list) => list.iter().any(|p| p.matches(event.response.status)),
            Test::Gap => analysis
                .sequence
                .as_ref()
                .is_some_and(|s| s.status == SequenceStatus::Gap),
            Test::Text(needle) => text_matches(event, needle),
        }
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn join<T>(
            f: &mut fmt::Formatter<'_>,
            key: &str,
            list: &[T],
            name: impl Fn(&T) -> String,
        ) -> fmt::Result {
            let names: Vec<String> = list.iter().map(name).collect();
            write!(f, "{key}:{}", names.join(","))
        }
        match self {
            Test::Severity(list) => join(f, "sev", list, |s| s.as_str().to_owned()),
            Test::Signature(list) => join(f, "sig", list, |v| verdict_name(*v).to_owned()),
            Test::Provider(list) => join(f, "provider", list, |p| p.as_str().to_owned()),
            Test::Session(glob) => write!(f, "session:{glob}"),
            Test::Scan(glob) => write!(f, "scan:{glob}"),
            Test::Type(glob) => write!(f, "type:{glob}"),
            Test::Status(list) => join(f, "status", list, |p| match p {
                StatusPattern::Class(c) => format!("{c}xx"),
                StatusPattern::Exact(s) => s.to_string(),
            }),
            Test::Gap => f.write_str("gap"),
            Test::Text(text) if text.contains(char::is_whitespace) => write!(f, "\"{text}\""),
            Test::Text(text) => f.write_str(text),
        }
    }
}

/// The word a query uses for a verdict.
pub fn verdict_name(verdict: SignatureVerdict) -> &'static str {
    match verdict {
        SignatureVerdict::Valid => "valid",
        SignatureVerdict::Invalid => "invalid",
        SignatureVerdict::Missing => "missing",
        SignatureVerdict::Unsigned => "unsigned",
        SignatureVerdict::NoSecret => "no_secret",
        SignatureVerdict::Malformed => "malformed",
        SignatureVerdict::Stale => "stale",
    }
}

impl StatusPattern {
    fn parse(text: &str) -> Result<StatusPattern, FilterError> {
        let bad = || {
            FilterError(format!(
                "status:{text} is not a status: use a code such as 413 or a class such as 5xx"
            ))
        };
        if let Some(class) = text.strip_suffix("xx") {
            let class: u16 = class.parse().map_err(|_| bad())?;
            return if (1..=5).contains(&class) {
                Ok(StatusPattern::Class(class))
            } else {
                Err(bad())
            };
        }
        let code: u16 = text.parse().map_err(|_| bad())?;
        if (100..=599).contains(&code) {
            Ok(StatusPattern::Exact(code))
        } else {
            Err(bad())
        }
    }

    fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Class(class) => status / 100 == class,
            StatusPattern::Exact(code) => status == code,
        }
    }
}

impl Glob {
    fn new(pattern: &str) -> Glob {
        Glob {
            pieces: pattern
                .to_lowercase()
                .split('*')
                .map(str::to_owned)
                .collect(),
        }
    }

    /// Compared ignoring ASCII case, without allocating (it runs once per stored event).
    fn matches(&self, text: &str) -> bool {
        let text = text.as_bytes();
        let [first, middle @ .., last] = self.pieces.as_slice() else {
            // One piece: no wildcard, the whole text must be equal.
            return self
                .pieces
                .first()
                .is_some_and(|p| text.eq_ignore_ascii_case(p.as_bytes()));
        };
        let (first, last) = (first.as_bytes(), last.as_bytes());
        if text.len() < first.len() || !text[..first.len()].eq_ignore_ascii_case(first) {
            return false;
        }
        let mut rest = &text[first.len()..];
        for piece in middle {
            match find_ignore_ascii_case(rest, piece.as_bytes()) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        rest.len() >= last.len() && rest[rest.len() - last.len()..].eq_ignore_ascii_case(last)
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pieces.join("*"))
    }
}

/// Free text: searched in what a person would remember about an event.
fn text_matches(event: &CapturedEvent, needle: &str) -> bool {
    let analysis = &event.analysis;
    let subject = &analysis.subject;
    let fields = [
        Some(&*event.method),
        Some(&*event.path),
        event.query.as_deref(),
        Some(analysis.provider.as_str()),
        analysis.kind.as_deref(),
        subject.session_id.as_deref(),
        subject.measurement_id.as_deref(),
        subject.scan_id.as_deref(),
        subject.video_id.as_deref(),
    ];
    // Compared without allocating: a filter runs over every stored event on each keystroke.
    let needle = needle.as_bytes();
    fields
        .into_iter()
        .flatten()
        .any(|field| contains_ignore_ascii_case(field.as_bytes(), needle))
        || analysis.anomalies.iter().any(|a| {
            contains_ignore_ascii_case(a.code.as_bytes(), needle)
                || contains_ignore_ascii_case(a.message.as_bytes(), needle)
        })
        || contains_ignore_ascii_case(&event.body, needle)
}

/// Byte search ignoring ASCII case (the needle is already lower-case). Bodies are bytes, not
/// necessarily UTF-8, so they are searched without decoding.
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    find_ignore_ascii_case(haystack, needle).is_some()
}

/// Where `needle` first occurs in `haystack`, ignoring ASCII case. Candidates are found with
/// `memchr` on both cases of the first byte, which keeps a search over a million bodies fast.
fn find_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    if needle.len() > haystack.len() {
        return None;
    }
    let starts = &haystack[..=haystack.len() - needle.len()];
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        starts,
    )
    .find(|&at| haystack[at + 1..at + needle.len()].eq_ignore_ascii_case(rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{
        Analysis, Anomaly, HeaderList, HttpVersion, ResponseInfo, SequenceInfo, Signature,
        SignatureScheme, Subject,
    };
    use bytes::Bytes;
    use chrono::{TimeZone, Utc};

    fn event() -> CapturedEvent {
        CapturedEvent {
            id: 1,
            received_at: Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 11).unwrap(),
            remote_addr: "127.0.0.1:1".into(),
            http_version: HttpVersion::Http11,
            method: "POST".into(),
            path: "/hooks/wms".into(),
            query: Some("tenant=Acme&t=a:b".into()),
            headers: HeaderList::default(),
            body: Bytes::from_static(
                br#"{"sessionId":"ryueiwoqfh910fu3","event":"PAGE_UNLOADED","payload":{}}"#,
            ),
            body_size: 60,
            truncated: false,
            analysis: Analysis {
                provider: Provider::Wms,
                kind: Some("PAGE_UNLOADED".into()),
                severity: Severity::Warn,
                signature: Signature {
                    scheme: Some(SignatureScheme::Wms),
                    verdict: SignatureVerdict::Invalid,
                    note: None,
                },
                sequence: Some(SequenceInfo {
                    session_id: "ryueiwoqfh910fu3".into(),
                    seq: 5,
                    status: SequenceStatus::Gap,
                    missing: vec![3, 4].into(),
                }),
                subject: Subject {
                    session_id: Some("ryueiwoqfh910fu3".into()),
                    ..Subject::default()
                },
                anomalies: vec![Anomaly {
                    code: "sequence_gap".into(),
                    message: "Events 3-4 never arrived.".into(),
                }]
                .into(),
                ..Analysis::default()
            },
            response: ResponseInfo::local(503, 0.2),
        }
    }

    fn matches(query: &str) -> bool {
        Filter::parse(query)
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .matches(&event())
    }

    #[test]
    fn empty_query_matches_everything() {
        let filter = Filter::parse("   ").unwrap();
        assert!(filter.is_empty());
        assert!(filter.matches(&event()));
    }

    #[test]
    fn keyed_terms() {
        for yes in [
            "sev:warn",
            "sev:info,warn",
            "SEV:WARN",
            "sig:invalid",
            "sig:valid,invalid",
            "provider:wms",
            "session:ryueiwoqfh910fu3",
            "session:ryue*",
            "session:*fu3",
            "session:r*9*3",
            "type:page_*",
            "type:PAGE_UNLOADED",
            "status:5xx",
            "status:503",
            "status:2xx,503",
            "gap",
        ] {
            assert!(matches(yes), "{yes} should match");
        }
        for no in [
            "sev:error",
            "sig:valid",
            "provider:prism",
            "session:ryue",
            "session:x*",
            "scan:*",
            "type:scan.*",
            "status:4xx",
            "status:500",
        ] {
            assert!(!matches(no), "{no} should not match");
        }
    }

    #[test]
    fn free_text_searches_fields_and_body() {
        assert!(matches("unloaded"));
        assert!(matches("acme")); // the query string, ignoring case
        assert!(matches("sessionid")); // a key that only the body has
        assert!(matches("sequence_gap")); // an anomaly code
        assert!(matches("never arrived"));
        assert!(!matches("nowhere"));
        // Unknown keys are plain text.
        assert!(matches("t=a:b"));
        assert!(!matches("t=a:c"));
    }

    #[test]
    fn terms_combine_with_and_and_negation() {
        assert!(matches("sev:warn gap provider:wms"));
        assert!(!matches("sev:warn gap provider:prism"));
        assert!(matches("-sev:info"));
        assert!(!matches("-gap"));
        assert!(matches("\"never arrived\" status:503"));
    }

    #[test]
    fn scan_matches_scan_and_video_ids() {
        let mut e = event();
        e.analysis.subject.video_id = Some("gen_abc123xyz".into());
        assert!(Filter::parse("scan:gen_*").unwrap().matches(&e));
        e.analysis.subject.video_id = None;
        e.analysis.subject.scan_id = Some("scan-7f3a9c".into());
        assert!(Filter::parse("scan:scan-7f3a9c").unwrap().matches(&e));
    }

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

    #[test]
    fn bad_values_are_explained() {
        for (query, says) in [
            ("sev:fatal", "use info, warn or error"),
            ("sig:maybe", "not a verdict"),
            ("provider:acme", "not a provider"),
            ("status:9xx", "not a status"),
            ("status:abc", "not a status"),
            ("status:42", "not a status"),
            ("type:", "needs a value"),
        ] {
            let error = Filter::parse(query).unwrap_err();
            assert!(error.to_string().contains(says), "{query}: {error}");
        }
    }

    #[test]
    fn canonical_form_reads_back_the_same() {
        for query in [
            "sev:warn,error -sig:valid type:scan.* status:5xx gap \"two words\" x",
            "provider:video,wms session:a*b scan:gen_* status:413 -\"page hidden\"",
        ] {
            let filter = Filter::parse(query).unwrap();
            assert_eq!(Filter::parse(&filter.to_string()).unwrap(), filter);
        }
        assert_eq!(
            Filter::parse("SEV:Error  status:413").unwrap().to_string(),
            "sev:error status:413"
        );
    }

    #[test]
    fn body_search_handles_invalid_utf8_and_short_bodies() {
        let mut e = event();
        e.body = Bytes::from_static(b"\xff\xfeHELLO\x00");
        assert!(Filter::parse("hello").unwrap().matches(&e));
        e.body = Bytes::from_static(b"a");
        assert!(!Filter::parse("zzzzzz").unwrap().matches(&e));
        assert_eq!(find_ignore_ascii_case(b"xxABdab", b"abc"), None);
        assert_eq!(find_ignore_ascii_case(b"xxABcabc", b"abc"), Some(2));
        assert_eq!(find_ignore_ascii_case(b"abC", b"abc"), Some(0));
        assert_eq!(find_ignore_ascii_case(b"ab", b"abc"), None);
        assert_eq!(find_ignore_ascii_case(b"1-2", b"-2"), Some(1));
    }
}
