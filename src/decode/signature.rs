//! Webhook signatures: which scheme signed a request, whether its signature holds against the
//! configured secrets, and the headers a sender of each scheme would add (for the simulator and
//! for re-signing replays). The secrets themselves, and their parsing from flags, live here too.
//!
//! Checks run over the body bytes exactly as received and compare in constant time
//! (`Mac::verify_slice`), base64 schemes included. Notes explain a verdict without ever quoting a
//! secret or the MAC a secret would produce.
//!
//! Each scheme is one file (`wms.rs`, `prism.rs`, `github.rs`, `stripe.rs`, `standard.rs`,
//! `shopify.rs`, `slack.rs`) holding its `RULES`, a row of the type in `rules.rs`: its header
//! names, how its header is parsed into a claim, what its MAC covers, how its key is made, how
//! a sender signs, whether ASCII-folded bodies are tried, and which senders always use it.
//! `schemes.rs` is the table of those rows. The shared machinery knows schemes only through
//! them: `check.rs` finds and reads the headers, `compare.rs` compares in constant time,
//! `verdict.rs` words the outcome, `mac.rs` makes keys, `secret.rs` holds the secrets.
//!
//! To add a scheme: add its variant to `SignatureScheme` (and to `ALL`) in `event.rs`; write
//! its file here after the nearest existing one (a parse function, a sign function and its
//! `RULES`) and declare it below; put its `RULES` in the table in `schemes.rs` at the
//! variant's position. Nothing else changes: the tests in `tests.rs` that run over every
//! scheme (round trip, changed body, wrong secret, rotation, no secret, missing header) then
//! cover it too; its published test vector and own cases go in `tests/<scheme>.rs`.

mod check;
mod claim;
mod compare;
mod fold;
mod github;
mod mac;
mod prism;
mod rules;
mod schemes;
mod secret;
mod shopify;
mod sign;
mod slack;
mod stamp;
mod standard;
mod stripe;
mod tag;
mod verdict;
mod wms;

#[cfg(test)]
mod tests;

pub use check::verify;
pub use secret::{Secret, SecretArg, Secrets, check_secret, redact_assignment, scheme_names};
pub use sign::sign;
pub use tag::is_base64;
pub use verdict::{SignatureCheck, TIMESTAMP_TOLERANCE_SECS};
