//! Matching events against a parsed query: one at a time with `Filter::matches`, or many with
//! a `Matcher`, which prepares its text searches once and remembers its verdicts on shared
//! strings from one event to the next.

use super::query::{Filter, Glob, StatusPattern, Term, Test};
use super::text::{TextSearch, Verdicts, find_ignore_ascii_case, text_matches};
use crate::event::{CapturedEvent, SequenceStatus};

impl Filter {
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
            (Test::Session(glob), _) => analysis
                .subject
                .session_id
                .as_ref()
                .is_some_and(|id| known.get_or_insert(id, |id| glob.matches(id))),
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

impl Test {
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
                .is_some_and(|id| glob.matches(id)),
            Test::Scan(glob) => [&analysis.subject.scan_id, &analysis.subject.video_id]
                .into_iter()
                .flatten()
                .any(|id| glob.matches(id)),
            Test::Type(glob) => analysis.kind.as_deref().is_some_and(|k| glob.matches(k)),
            Test::Status(list) => list.iter().any(|p| p.matches(event.response.status)),
            Test::ForwardError => event.response.forward_failed(),
            Test::Answer(list) => list.contains(&event.response.answered_by()),
            Test::Gap => analysis
                .sequence
                .as_ref()
                .is_some_and(|s| s.status == SequenceStatus::Gap),
            Test::AnyAnomaly => !analysis.anomalies.is_empty(),
            Test::Anomaly(glob) => analysis.anomalies.iter().any(|a| glob.matches(a.code())),
            Test::Retry => analysis.redelivery.is_some(),
            Test::Pinned => event.pinned,
            Test::Edited => event.edited(),
            Test::Path(glob) => glob.matches(&event.path),
            Test::Method(list) => list.iter().any(|m| event.method.eq_ignore_ascii_case(m)),
            Test::Body(list) => list.contains(&analysis.body_kind),
            Test::Header { name, value } => event.headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case(name.as_bytes())
                    && value.as_ref().is_none_or(|glob| glob.matches_bytes(v))
            }),
            Test::Rule(glob) => event.response.rule().is_some_and(|name| glob.matches(name)),
            Test::Text(needle) => text_matches(event, needle),
        }
    }
}

impl StatusPattern {
    fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Class(class) => status / 100 == class,
            StatusPattern::Exact(code) => status == code,
        }
    }
}

impl Glob {
    /// Compared ignoring ASCII case, without allocating (it runs once per stored event).
    pub(super) fn matches(&self, text: &str) -> bool {
        self.matches_bytes(text.as_bytes())
    }

    /// As [`Glob::matches`], over bytes (a header value need not be UTF-8).
    pub(super) fn matches_bytes(&self, text: &[u8]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use crate::event::{
        Analysis, Anomaly, Provider, ResponseInfo, SequenceInfo, Severity, Signature,
        SignatureScheme, SignatureVerdict, Subject, SubjectIds,
    };
    use crate::intern::SharedStr;
    use bytes::Bytes;
    use chrono::{TimeZone, Utc};

    fn event() -> CapturedEvent {
        EventBuilder::new(1)
            .received_at(Utc.with_ymd_and_hms(2026, 11, 22, 14, 2, 11).unwrap())
            .path("/hooks/wms")
            .query("tenant=Acme&t=a:b")
            .body(Bytes::from_static(
                br#"{"sessionId":"ryueiwoqfh910fu3","event":"PAGE_UNLOADED","payload":{}}"#,
            ))
            .body_size(60)
            .analysis(Analysis {
                provider: Provider::Wms,
                kind: Some("PAGE_UNLOADED".into()),
                severity: Severity::Warn,
                signature: Signature {
                    scheme: Some(SignatureScheme::Wms),
                    verdict: SignatureVerdict::Invalid,
                    note: None,
                },
                sequence: Some(SequenceInfo {
                    seq: 5,
                    status: SequenceStatus::Gap,
                    missing: vec![3, 4].into(),
                }),
                subject: Subject::shared(SubjectIds {
                    session_id: Some("ryueiwoqfh910fu3".into()),
                    ..SubjectIds::default()
                }),
                anomalies: vec![Anomaly::text("sequence_gap", "Events 3-4 never arrived.")].into(),
                ..Analysis::default()
            })
            .response(ResponseInfo::local(503, 0.2))
            .build()
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
            "anomaly",
            "anomaly:sequence_gap",
            "anomaly:SEQUENCE_*",
            "anomaly:*_gap",
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
            "anomaly:sequence_late",
            "anomaly:malformed_json",
            "retry",
            "pinned",
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
    fn retries_pins_and_events_without_anomalies() {
        let mut e = event();
        assert!(!Filter::parse("retry").unwrap().matches(&e));
        e.analysis.redelivery = Some(Box::new(crate::event::Redelivery {
            retry: 1,
            first_id: 1,
            delay_ms: 5.0,
            previous_id: 1,
            previous_status: 503,
            schedule: None,
        }));
        e.pinned = true;
        e.analysis.anomalies = Vec::new().into();
        for (query, yes) in [
            ("retry", true),
            ("pinned", true),
            ("-pinned", false),
            ("anomaly", false),
            ("-anomaly", true),
            ("anomaly:*", false),
        ] {
            assert_eq!(both(query, &e), yes, "{query}");
        }
    }

    #[test]
    fn edited_matches_edited_resends_only() {
        let edited = crate::event::build::EventBuilder::new(2)
            .resent(1, true)
            .build();
        let resent = crate::event::build::EventBuilder::new(3)
            .resent(1, false)
            .build();
        assert!(both("edited", &edited) && both("EDITED", &edited));
        assert!(!both("edited", &resent) && !both("edited", &event()));
        assert!(both("-edited", &resent));
        assert_eq!(Filter::parse("Edited").unwrap().to_string(), "edited");
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

    /// The terms answer rules need: what is known when the request arrives.
    #[test]
    fn path_method_body_kind_and_headers() {
        let mut event = event();
        event.method = "POST".into();
        event.headers = crate::event::HeaderList::from_pairs([
            (&b"User-Agent"[..], &b"curl/8.1"[..]),
            (&b"X-Bin"[..], &b"\xff\xfeok"[..]),
        ]);
        event.analysis.body_kind = crate::event::BodyKind::MalformedJson;
        for (query, want) in [
            ("path:/hooks/*", true),
            ("path:/HOOKS/WMS", true),
            ("path:/hooks", false),
            ("path:*/wms", true),
            ("method:post", true),
            ("method:get,head", false),
            ("body:malformed_json", true),
            ("body:malformed", true),
            ("body:json", false),
            ("header:user-agent", true),
            ("header:USER-AGENT=curl/*", true),
            ("header:user-agent=wget*", false),
            ("header:x-missing", false),
            ("header:x-bin=*ok", true),
            ("-header:x-missing path:/hooks/wms method:post", true),
        ] {
            let filter = Filter::parse(query).unwrap();
            assert_eq!(filter.matches(&event), want, "{query}");
            assert_eq!(
                !filter.matcher().select(1, &[&event]).is_empty(),
                want,
                "{query}"
            );
        }
    }

    #[test]
    fn who_answered_and_failed_forwards() {
        use crate::event::ForwardInfo;
        let forwarded = |error: Option<&str>| {
            let mut event = event();
            event.response = ResponseInfo::with_forward(
                502,
                1.0,
                ForwardInfo {
                    forwarded_to: Some("http://127.0.0.1:3000/".into()),
                    error: error.map(Into::into),
                    ..ForwardInfo::default()
                },
            );
            event
        };
        let failed = forwarded(Some("the app could not be reached: connection refused"));
        let answered = forwarded(None);
        let local = event();
        // A loop is refused locally without a forward: not a failed forward.
        let mut looped = event();
        looped.response = ResponseInfo::with_forward(
            508,
            1.0,
            ForwardInfo {
                error: Some("forward loop".into()),
                ..ForwardInfo::default()
            },
        );
        for (query, want) in [
            ("forward:error", [true, false, false, false]),
            ("-forward:error", [false, true, true, true]),
            ("answer:app", [false, true, false, false]),
            ("answer:local", [true, false, true, true]),
            ("answer:app,local", [true, true, true, true]),
            ("answer:local forward:error", [true, false, false, false]),
        ] {
            let got = [&failed, &answered, &local, &looped].map(|e| both(query, e));
            assert_eq!(got, want, "{query}");
        }
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
                e.set_query(query);
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

    #[test]
    fn body_search_handles_invalid_utf8_and_short_bodies() {
        let mut e = event();
        e.body = Bytes::from_static(b"\xff\xfeHELLO\x00");
        assert!(Filter::parse("hello").unwrap().matches(&e));
        e.body = Bytes::from_static(b"a");
        assert!(!Filter::parse("zzzzzz").unwrap().matches(&e));
    }
}
