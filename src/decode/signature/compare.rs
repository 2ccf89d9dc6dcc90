//! Comparing a claim with the secrets: every secret against every offered tag, in constant
//! time (`Mac::verify_slice`), over the body as sent and then any folded form its scheme asks
//! for; and the note that says which matched, or that none did.

use std::borrow::Cow;

use hmac::Mac;

use super::claim::Claim;
use super::fold::{BodyForm, node_ascii_fold, question_mark_fold};
use super::mac::{KeyForm, Keyed};
use super::rules::Rules;
use super::secret::Secret;
use super::tag::MAC_LEN;
use super::verdict::{Outcome, TIMESTAMP_TOLERANCE_SECS, describe_age, joined};
use crate::event::SignatureVerdict;

/// The keyed state for `secret` under `rules`' key form, from the secret's cache when it can.
fn keyed<'a>(rules: &Rules, secret: &'a Secret) -> Cow<'a, Keyed> {
    secret.key_cache().keyed(rules.key, secret.expose())
}

/// Whether folded forms of the body are tried after the bytes sent.
pub(super) fn tries_folded_forms(rules: &Rules, body: &[u8]) -> bool {
    rules.folds.is_some() && !body.is_ascii()
}

/// Where a match was found: which body form, which secret (0-based), which offered tag (0-based).
struct Match {
    form: BodyForm,
    secret: usize,
    tag: usize,
}

fn find_match(
    rules: &Rules,
    secrets: &[Secret],
    prefix: &[u8],
    body: &[u8],
    tags: &[[u8; MAC_LEN]],
) -> Option<Match> {
    let try_form = |form: BodyForm, bytes: &[u8]| {
        secrets.iter().enumerate().find_map(|(secret, key)| {
            let mut mac = keyed(rules, key).mac.clone();
            mac.update(prefix);
            mac.update(bytes);
            tags.iter()
                .position(|tag| mac.clone().verify_slice(tag).is_ok())
                .map(|tag| Match { form, secret, tag })
        })
    };
    // Every secret is tried on the bytes sent before any folded form, so a raw match always wins.
    try_form(BodyForm::Raw, body).or_else(|| {
        if !tries_folded_forms(rules, body) {
            return None;
        }
        try_form(BodyForm::NodeAscii, &node_ascii_fold(body))
            .or_else(|| try_form(BodyForm::QuestionMarks, &question_mark_fold(body)))
    })
}

pub(super) fn compare(
    rules: &Rules,
    name: &'static str,
    claim: &Claim,
    body: &[u8],
    secrets: &[Secret],
    age: Option<i64>,
    stale_age: Option<i64>,
) -> Outcome {
    let scheme = rules.scheme;
    let total = secrets.len();
    let covered = rules.covers;
    let found = find_match(rules, secrets, claim.prefix.as_bytes(), body, &claim.tags);
    let mut outcome = match found {
        Some(found) => {
            let mut numbers = itoa::Buffer::new();
            let which_secret = joined(&[
                "secret ",
                numbers.format(found.secret + 1),
                " of ",
                itoa::Buffer::new().format(total),
            ]);
            let which_entry = if claim.tags.len() > 1 {
                format!(" (entry {} of {})", found.tag + 1, claim.tags.len())
            } else {
                String::new()
            };
            if let Some(age) = stale_age {
                Outcome::new(
                    SignatureVerdict::Stale,
                    format!(
                        "{name}{which_entry} matches {covered} with {which_secret}, but its \
                         timestamp is {}, outside the {TIMESTAMP_TOLERANCE_SECS} s tolerance",
                        describe_age(age)
                    ),
                )
            } else {
                let mut outcome = matched(name, &which_entry, &which_secret, covered, found.form);
                if let Some(folds) = &rules.folds
                    && found.form == BodyForm::Raw
                    && !body.is_ascii()
                {
                    (folds.on_raw_match)(name, &mut outcome);
                }
                if let Some(age) = age {
                    outcome
                        .note
                        .push_str(&format!("; its timestamp is {}", describe_age(age)));
                }
                outcome
            }
        }
        None => {
            let offered = match claim.tags.len() {
                1 => name.to_string(),
                n => format!("none of the {n} entries of {name}"),
            };
            let against = if total == 1 {
                format!("the {} secret", scheme.as_str())
            } else {
                format!("any of the {total} {} secrets", scheme.as_str())
            };
            let verb = if claim.tags.len() == 1 {
                "does not match"
            } else {
                "matches"
            };
            let mut note = format!("{offered} {verb} {against} over {covered}");
            if tries_folded_forms(rules, body) {
                note.push_str(
                    ", nor over the body folded to ASCII by Node's 'ascii' encoding or by '?' \
                     replacement",
                );
            }
            if let Some(age) = stale_age {
                note.push_str(&format!(
                    "; its timestamp is also {}, outside the {TIMESTAMP_TOLERANCE_SECS} s \
                     tolerance",
                    describe_age(age)
                ));
            }
            Outcome::new(SignatureVerdict::Invalid, note)
        }
    };
    // Only a key decoded from base64 can be made otherwise than documented.
    let undecoded: Vec<String> = secrets
        .iter()
        .enumerate()
        .filter(|(_, secret)| {
            rules.key == KeyForm::WhsecBase64 && !keyed(rules, secret).decoded_as_documented
        })
        .map(|(index, _)| format!("{} of {total}", index + 1))
        .collect();
    if !undecoded.is_empty() {
        outcome.note.push_str(&format!(
            "; secret {} is not base64 after whsec_, so its text was used as the key",
            undecoded.join(" and ")
        ));
    }
    outcome
}

fn matched(
    name: &str,
    which_entry: &str,
    which_secret: &str,
    covered: &str,
    form: BodyForm,
) -> Outcome {
    let note = match form {
        // The common case, on every valid request: put together without the formatting machinery.
        BodyForm::Raw => joined(&[
            name,
            which_entry,
            " matches ",
            covered,
            " with ",
            which_secret,
        ]),
        BodyForm::NodeAscii => format!(
            "{name} matches the body folded the way Node's 'ascii' encoding does (low byte of \
             each UTF-16 unit), not the bytes sent, with {which_secret}: the sender signed the \
             ASCII-folded body"
        ),
        BodyForm::QuestionMarks => format!(
            "{name} matches the body with each non-ASCII character replaced by '?', not the \
             bytes sent, with {which_secret}: the sender signed the ASCII-folded body"
        ),
    };
    Outcome::new(SignatureVerdict::Valid, note)
}
