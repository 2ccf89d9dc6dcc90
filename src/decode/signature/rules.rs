//! The row type of the scheme table: everything the checking and signing code varies on from
//! one scheme to another.

use super::claim::Claim;
use super::mac::{KeyForm, Signer};
use super::verdict::{Outcome, Rejection};
use crate::event::{HeaderList, Provider, SignatureScheme};

/// What one scheme is: where its signature travels, how it is read, what it covers and how a
/// sender makes it.
pub(super) struct Rules {
    pub(super) scheme: SignatureScheme,
    /// The names its signature header is looked for under, preferred first; notes name the
    /// first when the header is missing.
    pub(super) headers: &'static [&'static str],
    /// What its MAC covers, as said in notes.
    pub(super) covers: &'static str,
    /// How a secret becomes its HMAC key.
    pub(super) key: KeyForm,
    /// Reads the signature header's text (named as found) and any header it is computed with.
    pub(super) parse: fn(&'static str, &str, &HeaderList) -> Result<Claim, Rejection>,
    /// The headers a sender adds.
    pub(super) sign: fn(&Signer<'_>) -> Vec<(&'static str, String)>,
    /// Set when senders may have signed the body folded to ASCII.
    pub(super) folds: Option<Folds>,
    /// Senders that always sign this way, so that a request of theirs without the header is
    /// `missing` when a secret is set.
    pub(super) senders: &'static [Provider],
}

/// For a scheme whose senders may sign the body folded to ASCII: the folded forms are tried
/// after the bytes sent, and a match of the bytes sent of a non-ASCII body is remarked on.
pub(super) struct Folds {
    /// Adds to the outcome of such a raw match; given the header's name.
    pub(super) on_raw_match: fn(&'static str, &mut Outcome),
}
