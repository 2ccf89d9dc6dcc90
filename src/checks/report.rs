//! The report of a run with checks (`--report FILE`): JUnit XML when the file ends in `.xml`
//! (one test case per check, a failure naming the event), JSON otherwise.

use std::path::Path;

use serde::Serialize;

use super::{CheckKind, Checks, End};

/// Writes the report of `checks` to `path`, in the form its name asks for.
pub fn write(path: &Path, checks: &Checks, ended: End) -> std::io::Result<()> {
    let xml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
    let text = if xml {
        junit(checks, ended)
    } else {
        let mut text =
            serde_json::to_string_pretty(&json(checks, ended)).map_err(std::io::Error::other)?;
        text.push('\n');
        text
    };
    std::fs::write(path, text.as_bytes())
}

/// One check as the reports give it.
#[derive(Debug, Serialize)]
pub struct CheckOutcome {
    pub kind: &'static str,
    pub query: String,
    /// `met`, `unmet`, `clear` (a forbidden query nothing matched) or `violated`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EventRef>,
}

#[derive(Debug, Serialize)]
pub struct EventRef {
    pub id: u64,
    pub summary: String,
    pub after_s: f64,
}

#[derive(Debug, Serialize)]
pub struct JsonReport {
    /// `passed` or `failed`.
    pub result: &'static str,
    /// Why it failed, the line printed on stderr.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `decided`, `timed_out` or `stopped`.
    pub ended: &'static str,
    pub duration_s: f64,
    pub events_seen: u64,
    pub checks: Vec<CheckOutcome>,
}

fn outcomes(checks: &Checks) -> Vec<CheckOutcome> {
    checks
        .checks()
        .iter()
        .enumerate()
        .map(|(i, check)| {
            let matched = checks.matched(i);
            let state = match (check.kind, matched.is_some()) {
                (CheckKind::Expect, true) => "met",
                (CheckKind::Expect, false) => "unmet",
                (CheckKind::Forbid, false) => "clear",
                (CheckKind::Forbid, true) => "violated",
            };
            CheckOutcome {
                kind: check.kind.as_str(),
                query: check.query.clone(),
                state,
                event: matched.map(|m| EventRef {
                    id: m.id,
                    summary: m.summary,
                    after_s: round_ms(m.after.as_secs_f64()),
                }),
            }
        })
        .collect()
}

fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// The report as JSON.
pub fn json(checks: &Checks, ended: End) -> JsonReport {
    let reason = checks.failure(ended);
    JsonReport {
        result: if reason.is_none() { "passed" } else { "failed" },
        reason,
        ended: match ended {
            End::Decided => "decided",
            End::TimedOut => "timed_out",
            End::Stopped => "stopped",
        },
        duration_s: round_ms(checks.elapsed().as_secs_f64()),
        events_seen: checks.seen(),
        checks: outcomes(checks),
    }
}

/// The report as JUnit XML: a suite `hookscope`, a test case per check named by its flag and
/// query; an unmet expectation or a violated prohibition is a `<failure>`.
pub fn junit(checks: &Checks, ended: End) -> String {
    let outcomes = outcomes(checks);
    let failed = |o: &CheckOutcome| matches!(o.state, "violated" | "unmet");
    let failures = outcomes.iter().filter(|o| failed(o)).count();
    let time = format!("{:.3}", checks.elapsed().as_secs_f64());
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"hookscope\" tests=\"{}\" failures=\"{failures}\" time=\"{time}\">\n",
        outcomes.len()
    ));
    xml.push_str(&format!(
        "  <testsuite name=\"hookscope checks\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{time}\">\n",
        outcomes.len()
    ));
    let reason = checks.failure(ended);
    for outcome in &outcomes {
        let name = format!("{} {}", outcome.kind, outcome.query);
        let at = outcome
            .event
            .as_ref()
            .map_or(String::new(), |e| format!("{:.3}", e.after_s));
        xml.push_str(&format!(
            "    <testcase classname=\"hookscope.{}\" name=\"{}\"{}",
            outcome.kind,
            crate::sanitize::xml(&name),
            if at.is_empty() {
                String::new()
            } else {
                format!(" time=\"{at}\"")
            }
        ));
        let event = outcome
            .event
            .as_ref()
            .map(|e| format!("#{}: {}", e.id, e.summary));
        match outcome.state {
            "violated" => {
                let message = format!("forbidden query matched {}", event.unwrap_or_default());
                xml.push_str(&format!(
                    ">\n      <failure type=\"forbidden\" message=\"{}\"/>\n    </testcase>\n",
                    crate::sanitize::xml(&message)
                ));
            }
            "unmet" => {
                let message = reason
                    .clone()
                    .unwrap_or_else(|| "no event matched".to_owned());
                xml.push_str(&format!(
                    ">\n      <failure type=\"unmet\" message=\"{}\"/>\n    </testcase>\n",
                    crate::sanitize::xml(&message)
                ));
            }
            _ => match event {
                Some(event) => xml.push_str(&format!(
                    ">\n      <system-out>matched {}</system-out>\n    </testcase>\n",
                    crate::sanitize::xml(&event)
                )),
                None => xml.push_str("/>\n"),
            },
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}
