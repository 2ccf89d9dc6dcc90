//! Verdicts and the notes that explain them: what one check concludes, how a timestamp's age
//! is said, and the few words notes share. No scheme is named here.

use crate::event::{Anomaly, Signature, SignatureScheme, SignatureVerdict};

/// How far a signed timestamp may be from the receive time, either way (Stripe, Standard
/// Webhooks and Slack all document five minutes).
pub const TIMESTAMP_TOLERANCE_SECS: u64 = 300;

/// Result of checking one request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignatureCheck {
    pub signature: Signature,
    pub anomalies: Vec<Anomaly>,
}

/// A verdict and its explanation, before the final full stop.
pub(super) struct Outcome {
    pub(super) verdict: SignatureVerdict,
    pub(super) note: String,
    pub(super) anomalies: Vec<Anomaly>,
}

impl Outcome {
    pub(super) fn new(verdict: SignatureVerdict, note: String) -> Outcome {
        Outcome {
            verdict,
            note,
            anomalies: Vec::new(),
        }
    }

    pub(super) fn finish(mut self, scheme: Option<SignatureScheme>) -> SignatureCheck {
        self.note.push('.');
        SignatureCheck {
            signature: Signature {
                scheme,
                verdict: self.verdict,
                note: Some(crate::intern::intern(&self.note)),
            },
            anomalies: self.anomalies,
        }
    }
}

/// Why a header cannot be checked, decided before any secret is used.
pub(super) struct Rejection {
    pub(super) verdict: SignatureVerdict,
    pub(super) note: String,
}

pub(super) fn malformed(note: String) -> Rejection {
    Rejection {
        verdict: SignatureVerdict::Malformed,
        note,
    }
}

/// "42 s old", "7325 s (about 2 h) old", "90 s in the future".
pub(super) fn describe_age(age: i64) -> String {
    let seconds = age.unsigned_abs();
    let rough = match seconds {
        0..120 => String::new(),
        120..7_200 => format!(" (about {} min)", seconds / 60),
        7_200..172_800 => format!(" (about {} h)", seconds / 3_600),
        _ => format!(" (about {} days)", seconds / 86_400),
    };
    if age >= 0 {
        format!("{seconds} s{rough} old")
    } else {
        format!("{seconds} s{rough} in the future")
    }
}

/// The parts one after another, with room for the full stop a note ends with.
pub(super) fn joined(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|part| part.len()).sum::<usize>() + 1);
    for part in parts {
        text.push_str(part);
    }
    text
}

pub(super) fn plural_y(count: usize) -> &'static str {
    if count == 1 { "y" } else { "ies" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_age_reads_in_seconds_with_a_rough_unit() {
        assert_eq!(describe_age(45), "45 s old");
        assert_eq!(describe_age(-90), "90 s in the future");
        assert_eq!(describe_age(301), "301 s (about 5 min) old");
        assert_eq!(describe_age(90_000), "90000 s (about 25 h) old");
        assert_eq!(
            describe_age(i64::MIN),
            "9223372036854775808 s (about 106751991167300 days) in the future"
        );
    }
}
