//! Signing as a sender of each scheme would, for the simulator, replay re-signing and tests.

use super::mac::Signer;
use super::schemes::rules;
use crate::event::SignatureScheme;

/// The headers a sender of `scheme` would add for `body` (for the simulator, replay re-signing and
/// tests).
/// `timestamp` is Unix seconds (used by stripe, standard, slack); `message_id` by standard.
pub fn sign(
    scheme: SignatureScheme,
    secret: &str,
    body: &[u8],
    timestamp: i64,
    message_id: &str,
) -> Vec<(&'static str, String)> {
    let rules = rules(scheme);
    (rules.sign)(&Signer::new(rules.key, secret, body, timestamp, message_id))
}
