//! Checking one request: finding the signature header of each scheme present, reading the
//! first one's claim, and the verdict when none came. Schemes are known only through their
//! table rows.

use chrono::{DateTime, Utc};

use super::claim::header_text;
use super::compare::compare;
use super::rules::Rules;
use super::schemes::{ALL_HEADER_NAMES, HEADER_NAMES, SCHEMES, rules};
use super::secret::{Secret, Secrets};
use super::verdict::{Outcome, SignatureCheck, TIMESTAMP_TOLERANCE_SECS, describe_age};
use crate::event::{HeaderList, Provider, SignatureScheme, SignatureVerdict};

/// Verifies over the raw body bytes as received, constant-time, with every secret of the scheme
/// (rotation: valid if any matches). `now` is for the timestamped schemes' 300 s tolerance.
pub fn verify(
    headers: &HeaderList,
    body: &[u8],
    provider: Provider,
    secrets: &Secrets,
    now: DateTime<Utc>,
) -> SignatureCheck {
    let mut present = signature_headers(headers);
    let Some((rules, name, value)) = present.next() else {
        return without_signature_header(provider, secrets);
    };
    let mut outcome = check_header(
        rules,
        name,
        value,
        headers,
        body,
        secrets.for_scheme(rules.scheme),
        now,
    );
    // Nothing is allocated here unless a second scheme's header came too.
    let others: Vec<&str> = present.map(|(_, other, _)| other).collect();
    if !others.is_empty() {
        outcome.note.push_str(&format!(
            "; {} also came but only {name} was checked, as its scheme comes first",
            others.join(" and ")
        ));
    }
    outcome.finish(Some(rules.scheme))
}

/// The signature header of each scheme present in the request, in the order schemes are
/// checked, with the name it was found under (the first of each name, in one pass). A scheme
/// with several names counts once, under the name it prefers among those that came.
fn signature_headers(
    headers: &HeaderList,
) -> impl Iterator<Item = (&'static Rules, &'static str, &[u8])> {
    let mut found: [Option<&[u8]>; HEADER_NAMES] = [None; HEADER_NAMES];
    for (name, value) in headers {
        for (slot, wanted) in found.iter_mut().zip(ALL_HEADER_NAMES) {
            if slot.is_none() && name.eq_ignore_ascii_case(wanted.as_bytes()) {
                *slot = Some(value);
            }
        }
    }
    let mut first_slot = 0;
    SCHEMES.iter().filter_map(move |rules| {
        let slots = &found[first_slot..first_slot + rules.headers.len()];
        first_slot += rules.headers.len();
        rules
            .headers
            .iter()
            .zip(slots)
            .find_map(|(name, value)| Some((rules, *name, (*value)?)))
    })
}

fn without_signature_header(provider: Provider, secrets: &Secrets) -> SignatureCheck {
    let signs_for = SCHEMES
        .iter()
        .find(|rules| rules.senders.contains(&provider));
    let scheme = match (provider, signs_for) {
        (_, Some(rules)) => rules.scheme,
        // The scan and Hosted API documents describe no signature, so its absence says nothing.
        (Provider::Prism, None) => {
            return Outcome::new(
                SignatureVerdict::Unsigned,
                "No signature header came; Prism's scan and Hosted API webhooks document none"
                    .into(),
            )
            .finish(None);
        }
        // A sender no scheme is known for: expected to sign only if a single scheme has secrets.
        (_, None) => {
            let configured: Vec<SignatureScheme> = SignatureScheme::ALL
                .into_iter()
                .filter(|&scheme| !secrets.for_scheme(scheme).is_empty())
                .collect();
            match configured.as_slice() {
                [only] => *only,
                [] => {
                    return Outcome::new(
                        SignatureVerdict::Unsigned,
                        "No signature header of a known scheme came and no secret is set".into(),
                    )
                    .finish(None);
                }
                several => {
                    let names: Vec<&str> = several.iter().map(|s| s.as_str()).collect();
                    return Outcome::new(
                        SignatureVerdict::Unsigned,
                        format!(
                            "No signature header of a known scheme came; secrets are set for {}, \
                             so no single scheme is expected from an unrecognised sender",
                            names.join(", ")
                        ),
                    )
                    .finish(None);
                }
            }
        }
    };
    let count = secrets.for_scheme(scheme).len();
    let name = rules(scheme).headers[0];
    let outcome = if count == 0 {
        Outcome::new(
            SignatureVerdict::Unsigned,
            format!(
                "No {name} header came and no {} secret is set",
                scheme.as_str()
            ),
        )
    } else {
        Outcome::new(
            SignatureVerdict::Missing,
            format!(
                "No {name} header came although {} {} secret{} set",
                count,
                scheme.as_str(),
                if count == 1 { " is" } else { "s are" }
            ),
        )
    };
    outcome.finish(Some(scheme))
}

fn check_header(
    rules: &Rules,
    name: &'static str,
    value: &[u8],
    headers: &HeaderList,
    body: &[u8],
    secrets: &[Secret],
    now: DateTime<Utc>,
) -> Outcome {
    let claim = match header_text(name, value).and_then(|text| (rules.parse)(name, text, headers)) {
        Ok(claim) => claim,
        Err(rejection) => return Outcome::new(rejection.verdict, rejection.note),
    };
    let age = claim
        .timestamp
        .map(|signed| now.timestamp().saturating_sub(signed));
    let stale_age = age.filter(|age| age.unsigned_abs() > TIMESTAMP_TOLERANCE_SECS);
    let mut outcome = if secrets.is_empty() {
        let mut note = format!(
            "{name} came but no {} secret is set to check it with",
            rules.scheme.as_str()
        );
        if let Some(age) = stale_age {
            note.push_str(&format!(
                "; its timestamp is {}, outside the {TIMESTAMP_TOLERANCE_SECS} s tolerance",
                describe_age(age)
            ));
        }
        Outcome::new(SignatureVerdict::NoSecret, note)
    } else {
        compare(rules, name, &claim, body, secrets, age, stale_age)
    };
    for skipped in &claim.skipped {
        outcome.note.push_str("; ");
        outcome.note.push_str(skipped);
    }
    outcome
}
