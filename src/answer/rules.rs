//! Answer rules (`[[answer]]` in the config file): a filter query over what is known when a
//! request arrives, and the answer to give the requests it matches. The first rule that
//! matches decides; a request no rule matches gets the settings' answer.

use std::time::Duration;

use super::target::ForwardTarget;
use super::template::Template;
use crate::event::{CapturedEvent, SharedStr};
use crate::filter::Filter;

/// One rule, checked when loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRule {
    /// As given, or `rule N` (N counted from 1 in the file).
    pub name: SharedStr,
    /// The query as written, for the help.
    pub when_text: String,
    pub when: Filter,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// Header names as given, their values templates.
    pub headers: Vec<(String, Template)>,
    pub body: Option<Template>,
    pub delay: Option<Duration>,
    pub fail_first: Option<u32>,
    /// A route: these requests go to this app.
    pub forward: Option<ForwardTarget>,
    /// The rule applies only to requests beyond this many in one second to the same path (of
    /// those it matches): a per-endpoint rate limit, as Prismatic's triggers have.
    pub above_rate: Option<u32>,
    /// An answer slower than this is noted on its event (`answer_too_slow`): a sender's
    /// documented deadline, such as Prism video's "within 5 seconds".
    pub warn_after: Option<Duration>,
}

impl AnswerRule {
    /// True when the rule says what to answer itself (status, content type, headers or body),
    /// so that it answers locally even when `--forward-to` is set.
    pub fn answers_itself(&self) -> bool {
        self.status.is_some()
            || self.content_type.is_some()
            || !self.headers.is_empty()
            || self.body.is_some()
    }

    pub fn matches(&self, request: &CapturedEvent) -> bool {
        self.when.matches(request)
    }
}

/// Why a rule cannot be used, in one sentence (the config file adds where it is).
pub fn check_when(query: &str) -> Result<Filter, String> {
    let filter = Filter::parse(query).map_err(|e| format!("when: {e}"))?;
    if let Some((term, why)) = filter.needs_answer() {
        return Err(format!(
            "when: '{term}' is known only after the answer, so it cannot choose one ({why})"
        ));
    }
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_known_only_after_the_answer_are_refused() {
        for (query, term) in [
            ("path:/x status:5xx", "status:5xx"),
            ("answer:app", "answer:app"),
            ("forward:error", "forward:error"),
            ("gap", "gap"),
            ("-retry", "-retry"),
            ("pinned", "pinned"),
            ("rule:a*", "rule:a*"),
        ] {
            let err = check_when(query).unwrap_err();
            assert!(err.contains(&format!("'{term}'")), "{query}: {err}");
            assert!(err.contains("known only after the answer"), "{err}");
        }
        let err = check_when("sev:bogus").unwrap_err();
        assert!(err.starts_with("when: sev:bogus"), "{err}");
        assert!(check_when("path:/prismatic/* body:malformed_json provider:prism").is_ok());
    }
}
