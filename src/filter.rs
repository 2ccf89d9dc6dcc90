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

use crate::intern::SharedStr;
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

    /// True when `event` passes every term. For one event at a time; to match many, a
    /// [`Matcher`] from [`Filter::matcher`] is much faster.
    pub fn matches(&self, event: &CapturedEvent) -> bool {
        self.terms
            .iter()
            .all(|term| term.test.matches(event) != term.negated)
    }

    /// This filter made ready to match many events: text searchers built once, and the verdicts
    /// on shared strings (event names, session and scan ids) remembered, so that each distinct
    /// string is looked at once however many events carry it.
    pub fn matcher(&self) -> Matcher<'_> {
        Matcher {
            terms: self.terms.iter().map(CompiledTerm::new).collect(),
        }
    }
}

/// A [`Filter`] prepared for matching many events (see [`Filter::matcher`]). It gives the same
/// answers as [`Filter::matches`]. One per thread: it keeps state between events.
pub struct Matcher<'f> {
    terms: Vec<CompiledTerm<'f>>,
}

impl Matcher<'_> {
    /// True when `event` passes every term of the filter.
    pub fn matches(&mut self, event: &CapturedEvent) -> bool {
        self.terms
            .iter_mut()
            .all(|term| term.matches(event) != term.negated)
    }

    /// The events that pass, in order, as numbers counted from `first` for the first of
    /// `events` (the store's keys): what calling `matches` on each would select, faster over
    /// many events.
    pub fn select<'e, E>(&mut self, first: u64, events: &'e [E]) -> Vec<u64>
    where
        E: std::ops::Deref<Target = CapturedEvent> + 'e,
    {
        let mut keys = Vec::new();
        let numbered = (first..).zip(events);
        if self.terms.iter().all(|term| term.is_plain()) {
            // Nothing to remember between events: the terms are tested as `Filter::matches`
            // tests them.
            let terms = &self.terms;
            keys.extend(
                numbered
                    .filter(|(_, e)| terms.iter().all(|t| t.test.matches(e) != t.negated))
                    .map(|(key, _)| key),
            );
            return keys;
        }
        keys.extend(
            numbered
                .filter(|(_, e)| self.matches(e))
                .map(|(key, _)| key),
        );
        keys
    }
}

/// One term of a [`Matcher`].
struct CompiledTerm<'f> {
    negated: bool,
    test: &'f Test,
    /// Verdicts already reached on shared strings, for globs and free text.
    known: Verdicts,
    /// For free text: the search, ready to run.
    text: Option<TextSearch>,
}

impl<'f> CompiledTerm<'f> {
    fn new(term: &'f Term) -> CompiledTerm<'f> {
        let text = match &term.test {
            Test::Text(needle) => Some(TextSearch::new(needle)),
            _ => None,
        };
        CompiledTerm {
            negated: term.negated,
            test: &term.test,
            known: Verdicts::default(),
            text,
        }
    }

    /// True when the term keeps nothing between events (no glob, no free text).
    fn is_plain(&self) -> bool {
        !matches!(
            self.test,
            Test::Session(_) | Test::Scan(_) | Test::Type(_) | Test::Text(_)
        )
    }

    fn matches(&mut self, event: &CapturedEvent) -> bool {
        let analysis = &event.analysis;
        let known = &mut self.known;
        match (self.test, &mut self.text) {
            (Test::Session(glob), _) => {
                analysis
                    .subject
                    .session_id
                    .as_ref()
                    .is_some_and(|id| known.get_or_insert(id, |id| glob.matches(id)))
                    || analysis
                        .sequence
                        .as_ref()
                        .is_some_and(|s| known.get_or_insert(&s.session_id, |id| glob.matches(id)))
            }
            (Test::Scan(glob), _) => [&analysis.subject.scan_id, &analysis.subject.video_id]
                .into_iter()
                .flatten()
                .any(|id| known.get_or_insert(id, |id| glob.matches(id))),
            (Test::Type(glob), _) => analysis
                .kind
                .as_ref()
                .is_some_and(|kind| known.get_or_insert(kind, |kind| glob.matches(kind))),
            (Test::Text(_), Some(search)) => search.matches(event, known),
            (test, _) => test.matches(event),
        }
    }
}

/// Verdicts on shared strings (`SharedStr`), keyed by the string's address: events carry the
/// same interned event names and ids over and over, so most look-ups are hits. A small
/// direct-mapped table; each entry holds a reference to its string, so that an address cannot
/// be freed and reused for another string while the verdict is remembered.
#[derive(Default)]
struct Verdicts {
    slots: Vec<Option<(SharedStr, bool)>>,
}

impl Verdicts {
    /// Number of entries (a power of two).
    const SLOTS: usize = 1024;

    /// The verdict on `text`, computed by `decide` the first time this string is seen.
    fn get_or_insert(&mut self, text: &SharedStr, decide: impl FnOnce(&str) -> bool) -> bool {
        if self.slots.is_empty() {
            self.slots = vec![None; Self::SLOTS];
        }
        let address = text.address();
        // Fibonacci hashing of the address; allocations are at least 8-byte aligned.
        let hash = (address >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let index = hash >> (usize::BITS - Self::SLOTS.trailing_zeros());
        let Some(slot) = self.slots.get_mut(index) else {
            return decide(text);
        };
        match slot {
            Some((seen, verdict)) if SharedStr::ptr_eq(seen, text) => *verdict,
            _ => {
                let verdict = decide(text);
                *slot = Some((text.clone(), verdict));
                verdict
            }
        }
    }
}

/// Free text prepared for searching many haystacks: the same matches as
/// `contains_ignore_ascii_case`, found faster. Each haystack is folded in windows — every
/// byte with bit `0x20` set, which lower-cases ASCII letters in one instruction per 16 bytes —
/// and searched with a SIMD substring search for the needle folded the same way. Folding
/// also merges a few pairs of other bytes (`_` and DEL, for instance), so each hit is checked
/// against the haystack itself before it counts.
struct TextSearch {
    /// The needle, ASCII lower-case.
    needle: Vec<u8>,
    /// The needle's rarest byte in the haystacks searched so far, and its offset: a match can
    /// only start where that byte, in either case, lies that far ahead. `None` until enough
    /// bytes have been seen to tell, and when even the rarest byte is common.
    rare: Option<(usize, u8)>,
    /// How often each byte (ASCII lower-cased) occurred in the first haystacks searched.
    counts: Box<[u32; 256]>,
    /// Bytes counted so far, up to `SAMPLE`.
    sampled: usize,
    /// A search for the folded needle.
    finder: memchr::memmem::Finder<'static>,
    /// The verdict for each provider's name.
    providers: [bool; 4],
    /// Room for one folded window of a haystack.
    window: Box<[u8; TextSearch::WINDOW]>,
}

/// The bit that tells a lower-case ASCII letter from its capital.
const CASE_BIT: u8 = 0x20;

impl TextSearch {
    /// Bytes folded and searched at a time. Consecutive windows overlap by the needle's length
    /// less one, so a match across a window's edge is found in the next window.
    const WINDOW: usize = 4096;
    /// Bytes of haystack counted before the rarest byte of the needle is chosen.
    const SAMPLE: usize = 64 * 1024;

    fn new(needle: &str) -> TextSearch {
        let needle = needle.as_bytes().to_ascii_lowercase();
        let folded: Vec<u8> = needle.iter().map(|&b| b | CASE_BIT).collect();
        let finder = memchr::memmem::Finder::new(&folded).into_owned();
        let providers = [
            Provider::Wms,
            Provider::Prism,
            Provider::PrismVideo,
            Provider::Generic,
        ]
        .map(|p| contains_ignore_ascii_case(p.as_str().as_bytes(), &needle));
        TextSearch {
            needle,
            rare: None,
            counts: Box::new([0; 256]),
            sampled: 0,
            finder,
            providers,
            window: Box::new([0; TextSearch::WINDOW]),
        }
    }

    /// What `text_matches` answers, with the verdicts on shared strings remembered in `known`.
    /// The cheap fields come first; the body last. For the shared strings (method, path,
    /// query, event name, ids) the verdict is looked up by the string's address before its
    /// text is read: most events share them, and a verdict found spares reading the string,
    /// which over a million events is mostly a cache miss.
    fn matches(&mut self, event: &CapturedEvent, known: &mut Verdicts) -> bool {
        let analysis = &event.analysis;
        let subject = &analysis.subject;
        let provider = match analysis.provider {
            Provider::Wms => self.providers[0],
            Provider::Prism => self.providers[1],
            Provider::PrismVideo => self.providers[2],
            Provider::Generic => self.providers[3],
        };
        let needle = &self.needle;
        provider
            || [
                Some(&event.method),
                Some(&event.path),
                event.query.as_ref(),
                analysis.kind.as_ref(),
                subject.session_id.as_ref(),
                subject.measurement_id.as_ref(),
                subject.scan_id.as_ref(),
                subject.video_id.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|shared| {
                known.get_or_insert(shared, |text| {
                    contains_ignore_ascii_case(text.as_bytes(), needle)
                })
            })
            || analysis.anomalies.iter().any(|a| {
                self.contains(a.code().as_bytes()) || self.contains(a.message().as_bytes())
            })
            || self.contains(&event.body)
    }

    /// True when the needle occurs in `haystack`, ignoring ASCII case. Candidates are the
    /// places of the needle's rarest byte, found with `memchr` without copying anything; when
    /// they turn out to be frequent in this haystack, the rest of it is folded and searched.
    fn contains(&mut self, haystack: &[u8]) -> bool {
        let n = self.needle.len();
        if n == 0 || n > haystack.len() {
            return n == 0;
        }
        if self.sampled < Self::SAMPLE {
            self.learn(haystack);
            return self.contains_folded(haystack);
        }
        let Some((offset, byte)) = self.rare else {
            return self.contains_folded(haystack);
        };
        let (lower, upper) = (byte.to_ascii_lowercase(), byte.to_ascii_uppercase());
        // Where the rare byte lies for every possible start.
        let places = &haystack[offset..=haystack.len() - n + offset];
        let mut budget = 4 + haystack.len() / 64;
        let mut from = 0;
        while let Some(found) = places
            .get(from..)
            .and_then(|rest| memchr::memchr2(lower, upper, rest))
        {
            let start = from + found;
            if haystack[start..start + n].eq_ignore_ascii_case(&self.needle) {
                return true;
            }
            from = start + 1;
            budget -= 1;
            if budget == 0 {
                // Every start up to `start` has been ruled out.
                return self.contains_folded(&haystack[from..]);
            }
        }
        false
    }

    /// Counts the bytes of the first haystacks; once there are enough, picks the needle's
    /// rarest byte among them, if it is rare enough to be worth looking for first.
    fn learn(&mut self, haystack: &[u8]) {
        for &byte in haystack {
            let count = &mut self.counts[usize::from(byte.to_ascii_lowercase())];
            *count = count.saturating_add(1);
        }
        self.sampled += haystack.len();
        if self.sampled < Self::SAMPLE {
            return;
        }
        self.rare = self
            .needle
            .iter()
            .enumerate()
            .min_by_key(|&(_, &byte)| self.counts[usize::from(byte)])
            // At most one candidate in 32 bytes, on average.
            .filter(|&(_, &byte)| {
                (self.counts[usize::from(byte)] as usize).saturating_mul(32) <= self.sampled
            })
            .map(|(offset, &byte)| (offset, byte));
    }

    /// `contains`, by folding `haystack` in windows and searching for the folded needle.
    fn contains_folded(&mut self, haystack: &[u8]) -> bool {
        let n = self.needle.len();
        if n > haystack.len() {
            return false;
        }
        if n == 0 || n > Self::WINDOW / 2 {
            // Rare enough (an empty or very long needle) for the plain search.
            return contains_ignore_ascii_case(haystack, &self.needle);
        }
        let step = Self::WINDOW - (n - 1);
        let mut start = 0;
        loop {
            let end = haystack.len().min(start + Self::WINDOW);
            let Some(part) = haystack.get(start..end) else {
                return false;
            };
            let folded = &mut self.window[..part.len()];
            for (to, &from) in folded.iter_mut().zip(part) {
                *to = from | CASE_BIT;
            }
            let mut from = 0;
            while let Some(at) = folded.get(from..).and_then(|rest| self.finder.find(rest)) {
                let at = from + at;
                if part
                    .get(at..at + n)
                    .is_some_and(|hit| hit.eq_ignore_ascii_case(&self.needle))
                {
                    return true;
                }
                from = at + 1;
            }
            if end == haystack.len() {
                return false;
            }
            start += step;
        }
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
            Test::Signature(list) => join(f, "sig", list, |v| v.as_str().to_owned()),
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
            contains_ignore_ascii_case(a.code().as_bytes(), needle)
                || contains_ignore_ascii_case(a.message().as_bytes(), needle)
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
                anomalies: vec![Anomaly::text("sequence_gap", "Events 3-4 never arrived.")].into(),
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

    /// What `Filter::matches` and a `Matcher` answer, which must agree.
    fn both(query: &str, event: &CapturedEvent) -> bool {
        let filter = Filter::parse(query).unwrap_or_else(|e| panic!("{query}: {e}"));
        let plain = filter.matches(event);
        let mut matcher = filter.matcher();
        assert_eq!(matcher.matches(event), plain, "{query} on one event");
        // Twice, so that remembered verdicts are used.
        assert_eq!(matcher.matches(event), plain, "{query} remembered");
        let events = [event.clone(), event.clone()];
        let selected = matcher.select(10, &events.iter().collect::<Vec<_>>());
        assert_eq!(
            selected,
            if plain { vec![10, 11] } else { vec![] },
            "{query} selected"
        );
        plain
    }

    #[test]
    fn a_matcher_answers_as_the_filter_does() {
        let queries = [
            "",
            "sev:warn",
            "sev:error",
            "-sig:valid",
            "provider:wms",
            "session:ryue*",
            "session:*FU3",
            "session:x*",
            "-session:r*9*3",
            "type:page_*",
            "type:scan.*",
            "scan:*",
            "status:5xx",
            "gap",
            "unloaded",
            "ACME",
            "sessionid",
            "sequence_gap",
            "\"never arrived\"",
            "nowhere",
            "t=a:b",
            "wms",
            "generic",
            "post",
            "-measurementid",
            "ryueiwoqfh910fu3 sev:warn",
        ];
        let mut other = event();
        other.analysis.provider = Provider::Generic;
        other.analysis.kind = None;
        other.analysis.subject.scan_id = Some("scan-7F3A9C".into());
        other.analysis.anomalies = Default::default();
        other.body = Bytes::from_static(b"\xff\x00MeasurementId\x7f_");
        for event in [event(), other] {
            for query in queries {
                both(query, &event);
            }
        }
        let mut e = event();
        e.analysis.subject.scan_id = Some("scan-7F3A9C".into());
        assert!(both("scan:scan-7f*", &e));
        assert!(both("generic", &{
            let mut g = event();
            g.analysis.provider = Provider::Generic;
            g
        }));
    }

    #[test]
    fn remembered_verdicts_follow_each_shared_string() {
        // More distinct ids than the table has entries, each shared by two events, in an
        // order that makes entries be replaced.
        let ids: Vec<SharedStr> = (0..3000)
            .map(|i| SharedStr::new(&format!("s-{i}")))
            .collect();
        // A glob, and free text (whose verdicts on shared strings are looked up before the
        // string is read).
        for (query, expect) in [
            (
                "session:s-1*",
                (|id: &str| id.starts_with("s-1")) as fn(&str) -> bool,
            ),
            ("s-17", |id: &str| id.contains("s-17")),
        ] {
            let filter = Filter::parse(query).unwrap();
            let mut matcher = filter.matcher();
            for round in 0..2 {
                for id in &ids {
                    let mut e = event();
                    e.body = Bytes::from_static(b"{}");
                    e.analysis.sequence = None;
                    e.analysis.subject.session_id = Some(id.clone());
                    assert_eq!(filter.matches(&e), expect(id), "{query} {id}");
                    assert_eq!(
                        matcher.matches(&e),
                        expect(id),
                        "{query} {id}, round {round}"
                    );
                }
            }
        }
    }

    #[test]
    fn text_in_the_method_path_and_query_is_found_by_a_matcher() {
        // Queries of their own (not shared) and shared ones, alternating, searched by one
        // matcher, which must agree with the filter on each.
        let filter = Filter::parse("tenant=acme").unwrap();
        let mut matcher = filter.matcher();
        for round in 0..3 {
            for (query, path, yes) in [
                (Some(SharedStr::new("Tenant=ACME")), "/a", true),
                (Some(SharedStr::new("tenant=other")), "/b", false),
                (Some("tenant=acme&x=1".into()), "/c", true),
                (None, "/tenant=acme", true),
                (None, "/d", false),
            ] {
                let mut e = event();
                e.body = Bytes::from_static(b"{}");
                e.query = query;
                e.path = SharedStr::new(path);
                assert_eq!(filter.matches(&e), yes, "{path}");
                assert_eq!(matcher.matches(&e), yes, "{path}, round {round}");
            }
        }
    }

    #[test]
    fn free_text_ignores_ascii_case_only() {
        let mut e = event();
        e.body = Bytes::from("naïve CAFé Kelvin".as_bytes().to_vec());
        // The query is lower-cased as text; the body is compared ignoring ASCII case only, so
        // a capital letter outside ASCII in the body matches only itself.
        assert!(both("café", &e));
        assert!(both("CAFÉ", &e));
        assert!(both("NAÏVE", &e), "'Ï' lower-cases to the 'ï' of the body");
        e.body = Bytes::from("CAFÉ".as_bytes().to_vec());
        assert!(!both("café", &e));
        // The Kelvin sign lower-cases to an ASCII 'k'.
        e.body = Bytes::from_static(b"KELVIN");
        assert!(both("\u{212A}elvin", &e));
        // Folding merges '_' with DEL and '@' with '`'; those are not matches.
        e.body = Bytes::from_static(b"a\x7fb `x");
        assert!(!both("a_b", &e));
        assert!(!both("@x", &e));
        e.body = Bytes::from_static(b"a_b @X");
        assert!(both("A_B", &e));
        assert!(both("@x", &e));
    }

    /// A search that has already counted bytes where the needle's bytes never occur, so that
    /// it looks for the rarest of them first.
    fn warmed(needle: &str) -> TextSearch {
        let mut search = TextSearch::new(needle);
        search.learn(&vec![b'.'; TextSearch::SAMPLE]);
        assert!(search.rare.is_some(), "{needle}");
        search
    }

    #[test]
    fn text_search_finds_matches_across_window_edges() {
        let window = TextSearch::WINDOW;
        let mut search = TextSearch::new("needle-x");
        let mut prefiltered = warmed("needle-x");
        for at in [
            0,
            1,
            window - 8,
            window - 7,
            window - 4,
            window - 1,
            window,
            2 * window - 5,
        ] {
            let mut haystack = vec![b'n'; 3 * window];
            haystack[at..at + 8].copy_from_slice(b"NeEdLe-X");
            assert!(search.contains(&haystack), "at {at}");
            assert!(prefiltered.contains(&haystack), "prefiltered, at {at}");
            haystack[at + 7] = b'y';
            assert!(!search.contains(&haystack), "broken at {at}");
            assert!(
                !prefiltered.contains(&haystack),
                "prefiltered, broken at {at}"
            );
        }
        // A needle longer than half a window is searched without windows.
        let long = "ab".repeat(window / 2 + 1);
        let mut search = TextSearch::new(&long);
        let mut haystack = b"x".repeat(window);
        haystack.extend_from_slice(long.to_uppercase().as_bytes());
        assert!(search.contains(&haystack));
        assert!(!search.contains(&haystack[1..haystack.len() - 1]));
    }

    #[test]
    fn common_needle_bytes_are_not_looked_for_first() {
        let mut search = TextSearch::new("ab");
        search.learn(&b"ab.".repeat(TextSearch::SAMPLE / 3 + 1));
        assert_eq!(search.rare, None);
        let mut search = TextSearch::new("a-q");
        search.learn(&b"aaaa-".repeat(TextSearch::SAMPLE / 5 + 1));
        assert_eq!(search.rare, Some((2, b'q')));
        assert!(search.contains(b"xxA-Qxx"));
        assert!(!search.contains(b"xxA-xQx"));
    }

    #[test]
    fn frequent_rare_bytes_hand_over_to_the_folded_search() {
        let mut search = warmed("qz");
        // Hundreds of candidates for either byte before the match, in both cases.
        let mut haystack = b"qQzZ".repeat(300);
        assert!(
            search.contains(&haystack),
            "qZ occurs inside the pattern already"
        );
        haystack = b"qqQQ".repeat(300);
        assert!(!search.contains(&haystack));
        haystack.extend_from_slice(b"Qz");
        assert!(search.contains(&haystack));
        haystack.truncate(haystack.len() - 1);
        assert!(!search.contains(&haystack));
    }

    proptest::proptest! {
        #[test]
        fn text_search_agrees_with_the_plain_search(
            haystack in proptest::collection::vec(
                proptest::sample::select(b"aAbB_\x7f@`-\xc3\xa9\x89\x00 ".to_vec()),
                0..9000,
            ),
            needle in proptest::collection::vec(
                proptest::sample::select(b"abB_\x7f@-\xc3\xa9".to_vec()),
                1..6,
            ),
        ) {
            let needle = String::from_utf8_lossy(&needle).to_lowercase();
            let expected = contains_ignore_ascii_case(&haystack, needle.as_bytes());
            let mut search = TextSearch::new(&needle);
            proptest::prop_assert_eq!(search.contains(&haystack), expected);
            let mut prefiltered = warmed(&needle);
            proptest::prop_assert_eq!(prefiltered.contains(&haystack), expected);
        }
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
