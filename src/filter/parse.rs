//! Reading a query: words split at whitespace (double quotes keep a run together), each
//! word made a term, a value that does not fit its key told in one sentence; and the
//! canonical form, which reads back to the same filter.

use std::fmt;

use super::query::{Filter, FilterError, Glob, StatusPattern, Term, Test};
use crate::event::{AnsweredBy, BodyKind, Provider, Severity, SignatureVerdict, anomaly};

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
        if word.eq_ignore_ascii_case("anomaly") {
            return Ok(Test::AnyAnomaly);
        }
        if word.eq_ignore_ascii_case("retry") {
            return Ok(Test::Retry);
        }
        if word.eq_ignore_ascii_case("pinned") {
            return Ok(Test::Pinned);
        }
        if word.eq_ignore_ascii_case("edited") {
            return Ok(Test::Edited);
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
                | "anomaly"
                | "forward"
                | "answer"
                | "path"
                | "method"
                | "body"
                | "header"
                | "rule"
        );
        if !known {
            return Ok(Test::Text(word.to_lowercase()));
        }
        if value.is_empty() {
            return Err(FilterError(format!("'{key}:' needs a value")));
        }
        // A path and a header value are matched ignoring case; the value's own case is kept
        // for the messages.
        let original = value;
        let value = value.to_ascii_lowercase();
        let list = || value.split(',').filter(|v| !v.is_empty());
        // A list of commas only (`sev:,`) would match nothing without a word.
        let listed = matches!(
            key.as_str(),
            "sev"
                | "severity"
                | "sig"
                | "signature"
                | "provider"
                | "status"
                | "answer"
                | "method"
                | "body"
        );
        if listed && list().next().is_none() {
            return Err(FilterError(format!("'{key}:' needs a value")));
        }
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
                        "invalid" => Ok(SignatureVerdict::Invalid),
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
            "anomaly" => Test::Anomaly(anomaly_code(&value)?),
            "status" => Test::Status(list().map(StatusPattern::parse).collect::<Result<_, _>>()?),
            "forward" => match value.as_str() {
                "error" | "failed" => Test::ForwardError,
                _ => {
                    return Err(FilterError(format!(
                        "forward:{value} is not understood: use forward:error"
                    )));
                }
            },
            "answer" => Test::Answer(
                list()
                    .map(|v| match v {
                        "app" => Ok(AnsweredBy::App),
                        "local" | "hookscope" => Ok(AnsweredBy::Hookscope),
                        _ => Err(FilterError(format!(
                            "answer:{v} is not who answered: use app or local"
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "path" => {
                if !value.starts_with('/') && !value.starts_with('*') {
                    return Err(FilterError(format!(
                        "path:{original} must start with / (or *), e.g. path:/hooks/*"
                    )));
                }
                Test::Path(Glob::new(&value))
            }
            "method" => Test::Method(
                list()
                    .map(|v| {
                        if v.bytes().all(|b| b.is_ascii_alphabetic()) {
                            Ok(v.to_ascii_uppercase())
                        } else {
                            Err(FilterError(format!(
                                "method:{v} is not a method: use e.g. method:post or method:get,head"
                            )))
                        }
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "body" => Test::Body(
                list()
                    .map(|v| {
                        BodyKind::ALL
                            .into_iter()
                            .find(|kind| kind.as_str() == v || (v == "malformed" && *kind == BodyKind::MalformedJson))
                            .ok_or_else(|| {
                                FilterError(format!(
                                    "body:{v} is not a body kind: use empty, json, malformed_json, \
                                     form, text, multipart or binary"
                                ))
                            })
                    })
                    .collect::<Result<_, _>>()?,
            ),
            "header" => {
                let (name, pattern) = match value.split_once('=') {
                    Some((name, pattern)) => (name, Some(pattern)),
                    None => (value.as_str(), None),
                };
                if name.is_empty() || !name.bytes().all(is_token) {
                    return Err(FilterError(format!(
                        "header:{original}: give a header name, e.g. header:x-wms-content-mac or \
                         header:user-agent=curl/*"
                    )));
                }
                Test::Header {
                    name: name.to_owned(),
                    value: pattern.map(Glob::new),
                }
            }
            "rule" => Test::Rule(Glob::new(&value)),
            _ => unreachable!("every known key is handled above"),
        })
    }
}

/// A character allowed in a header name (RFC 9110's `tchar`).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `anomaly:VALUE`: a code hookscope produces, or a pattern that matches at least one; else
/// the error names the nearest codes, so that a typo is not a filter that matches nothing.
fn anomaly_code(value: &str) -> Result<Glob, FilterError> {
    let glob = Glob::new(value);
    if value.contains(',') {
        return Err(FilterError(format!(
            "anomaly:{value}: one code or pattern per term, e.g. anomaly:sequence_*"
        )));
    }
    if anomaly::CODES.iter().any(|code| glob.matches(code)) {
        return Ok(glob);
    }
    if value.contains('*') {
        return Err(FilterError(format!(
            "anomaly:{value} matches no anomaly code (docs/vendors.md lists them)"
        )));
    }
    let distance = |code: &str| edit_distance(value.as_bytes(), code.as_bytes());
    let nearest = anomaly::CODES
        .iter()
        .map(|c| distance(c))
        .min()
        .unwrap_or(0);
    let names: Vec<&str> = anomaly::CODES
        .iter()
        .copied()
        .filter(|code| distance(code) == nearest)
        .take(3)
        .collect();
    let names = match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    let starting = anomaly::CODES
        .iter()
        .filter(|code| code.starts_with(value))
        .count();
    let all = if starting > 1 {
        format!(" ({value}* takes all {starting})")
    } else {
        String::new()
    };
    Err(FilterError(format!(
        "anomaly:{value} is not an anomaly code: did you mean {names}?{all}"
    )))
}

/// Levenshtein distance: the fewest insertions, deletions and substitutions from `a` to `b`.
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &x) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(x != y))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
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
            Test::ForwardError => f.write_str("forward:error"),
            Test::Answer(list) => join(f, "answer", list, |a| a.as_str().to_owned()),
            Test::Gap => f.write_str("gap"),
            Test::AnyAnomaly => f.write_str("anomaly"),
            Test::Anomaly(glob) => write!(f, "anomaly:{glob}"),
            Test::Retry => f.write_str("retry"),
            Test::Pinned => f.write_str("pinned"),
            Test::Edited => f.write_str("edited"),
            Test::Path(glob) => write!(f, "path:{glob}"),
            Test::Method(list) => join(f, "method", list, |m| m.to_ascii_lowercase()),
            Test::Body(list) => join(f, "body", list, |k| k.as_str().to_owned()),
            Test::Header { name, value: None } => write!(f, "header:{name}"),
            Test::Header {
                name,
                value: Some(glob),
            } => write!(f, "header:{name}={glob}"),
            Test::Rule(glob) => write!(f, "rule:{glob}"),
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
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pieces.join("*"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ("sig:bad", "not a verdict"),
            ("sev:eror", "not a severity"),
            ("forward:ok", "use forward:error"),
            ("answer:maybe", "use app or local"),
            (
                "anomaly:bogus",
                "anomaly:bogus is not an anomaly code: did you mean busy?",
            ),
            (
                "anomaly:sequence_gapp",
                "not an anomaly code: did you mean sequence_gap?",
            ),
            ("anomaly:sequence", "(sequence* takes all 6)"),
            ("anomaly:bogus*", "matches no anomaly code"),
            ("anomaly:busy,sequence_gap", "one code or pattern per term"),
            ("sev:,", "'sev:' needs a value"),
            ("status:,,", "'status:' needs a value"),
            ("provider:,", "needs a value"),
            ("path:hooks", "must start with /"),
            ("method:po-st", "not a method"),
            ("method:,", "needs a value"),
            ("body:xml", "not a body kind"),
            ("header:=x", "give a header name"),
            ("\"header:a b\"", "give a header name"),
        ] {
            let error = Filter::parse(query).unwrap_err();
            assert!(error.to_string().contains(says), "{query}: {error}");
        }
    }

    #[test]
    fn every_anomaly_code_and_pattern_of_codes_parses() {
        for code in anomaly::CODES {
            assert!(Filter::parse(&format!("anomaly:{code}")).is_ok(), "{code}");
            assert!(Filter::parse(&format!("-ANOMALY:{code}")).is_ok(), "{code}");
        }
        for pattern in [
            "anomaly:*",
            "anomaly:job_*",
            "anomaly:*_gap",
            "anomaly:seq*late",
        ] {
            assert!(Filter::parse(pattern).is_ok(), "{pattern}");
        }
        assert_eq!(edit_distance(b"kitten", b"sitting"), 3);
        assert_eq!(edit_distance(b"", b"abc"), 3);
        assert_eq!(edit_distance(b"abc", b"abc"), 0);
    }

    #[test]
    fn canonical_form_reads_back_the_same() {
        for query in [
            "sev:warn,error -sig:valid type:scan.* status:5xx gap \"two words\" x",
            "provider:video,wms session:a*b scan:gen_* status:413 -\"page hidden\"",
            "anomaly anomaly:sequence_* -retry pinned",
            "forward:error -answer:app answer:local,app",
            "path:/prismatic/* method:post,put body:malformed_json,json",
            "header:x-wms-content-mac -header:user-agent=curl/*",
        ] {
            let filter = Filter::parse(query).unwrap();
            assert_eq!(Filter::parse(&filter.to_string()).unwrap(), filter);
        }
        assert_eq!(
            Filter::parse("SEV:Error  status:413").unwrap().to_string(),
            "sev:error status:413"
        );
        assert_eq!(
            Filter::parse("FORWARD:failed answer:hookscope")
                .unwrap()
                .to_string(),
            "forward:error answer:local"
        );
    }
}
