//! Signing secrets: the secret type that never prints itself and keeps its keyed HMAC state,
//! the secrets known per scheme, and `SCHEME=SECRET` as written on a command line.

use std::collections::BTreeMap;
use std::fmt;

use super::mac::KeyCache;
use super::schemes::rules;
use crate::event::SignatureScheme;

/// A signing secret. Never printed: its `Debug` and `Display` show only its length.
#[derive(Clone)]
pub struct Secret {
    text: String,
    /// The HMAC state keyed with this secret, made on first use: checking a signature then
    /// hashes only the message, not the key as well.
    key: KeyCache,
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret {
            text: value.into(),
            key: KeyCache::default(),
        }
    }

    pub fn expose(&self) -> &str {
        &self.text
    }

    pub(super) fn key_cache(&self) -> &KeyCache {
        &self.key
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.text == other.text
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} chars>)", self.text.chars().count())
    }
}

/// Every secret known, per scheme; several per scheme during a rotation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets(BTreeMap<&'static str, (SignatureScheme, Vec<Secret>)>);

impl Secrets {
    pub fn add(&mut self, scheme: SignatureScheme, secret: Secret) {
        let entry = self
            .0
            .entry(scheme.as_str())
            .or_insert_with(|| (scheme, Vec::new()));
        if !entry.1.contains(&secret) {
            entry.1.push(secret);
        }
    }

    /// Adds secrets given as `--secret` flags; returns the warning to print, if any.
    pub fn add_from_args(&mut self, args: &[SecretArg]) -> Option<String> {
        for arg in args {
            self.add(arg.scheme, arg.secret.clone());
        }
        (!args.is_empty()).then(|| {
            "a secret given with --secret is visible to other users in the process list; \
             prefer HOOKSCOPE_SECRET_<SCHEME> or [secrets] in the config file"
                .to_string()
        })
    }

    pub fn for_scheme(&self, scheme: SignatureScheme) -> &[Secret] {
        self.0
            .get(scheme.as_str())
            .map_or(&[], |(_, secrets)| secrets.as_slice())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Schemes with at least one secret, and how many.
    pub fn summary(&self) -> Vec<(SignatureScheme, usize)> {
        self.0
            .values()
            .map(|(scheme, secrets)| (*scheme, secrets.len()))
            .collect()
    }
}

/// `--secret SCHEME=SECRET` as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretArg {
    pub scheme: SignatureScheme,
    pub secret: Secret,
}

impl SecretArg {
    /// Reads `SCHEME=SECRET`. The error never quotes the secret, nor text that may be part of
    /// one: it names the scheme, or quotes what stands before `=` only when that looks like a
    /// misspelt scheme name (a base64 secret ends in `=`, so `whsec_…==` has a `=` too).
    pub fn parse(text: &str) -> Result<SecretArg, String> {
        let (scheme, secret) = text
            .split_once('=')
            .ok_or_else(|| "expected SCHEME=SECRET, e.g. wms=…".to_string())?;
        let scheme = SignatureScheme::parse(scheme).ok_or_else(|| {
            let name = scheme.trim();
            if looks_like_a_name(name) {
                format!(
                    "unknown signature scheme '{name}'; known: {}",
                    scheme_names()
                )
            } else {
                format!(
                    "what stands before the first '=' is not a signature scheme; expected \
                     SCHEME=SECRET with SCHEME one of {}",
                    scheme_names()
                )
            }
        })?;
        check_secret(scheme, secret)
            .map_err(|why| format!("the {} secret {why}", scheme.as_str()))?;
        Ok(SecretArg {
            scheme,
            secret: Secret::new(secret),
        })
    }
}

/// Whether text found before a `=` reads as a (perhaps misspelt) scheme name, safe to quote,
/// rather than as the start of a secret.
fn looks_like_a_name(text: &str) -> bool {
    (1..=12).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `text` with everything after its first `=` replaced by `…` (and what is before it too,
/// unless it reads as a name): for quoting a command-line argument that may be `SCHEME=SECRET`
/// given without `--secret`. Text without `=`, or with nothing after it, is returned as it is.
pub fn redact_assignment(text: &str) -> String {
    match text.split_once('=') {
        Some((before, after)) if !after.is_empty() => {
            let before = before.trim_start_matches('-');
            if looks_like_a_name(before) {
                format!("{}=…", &text[..text.len() - after.len() - 1])
            } else {
                "…=…".to_string()
            }
        }
        _ => text.to_string(),
    }
}

/// Why `secret` cannot be a secret of `scheme`, said without quoting it: completes a sentence
/// such as "the standard secret from HOOKSCOPE_SECRET_STANDARD …".
pub fn check_secret(scheme: SignatureScheme, secret: &str) -> Result<(), &'static str> {
    if secret.is_empty() {
        return Err("is empty");
    }
    rules(scheme).key.refusal(secret).map_or(Ok(()), Err)
}

/// The schemes' names, for messages that list them.
pub fn scheme_names() -> String {
    SignatureScheme::ALL.map(|s| s.as_str()).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_args_name_their_scheme_but_not_the_secret() {
        for (arg, says) in [
            ("bogus=SuperSecret", "unknown signature scheme 'bogus'"),
            ("wms=", "the wms secret is empty"),
            ("standard=whsec_Super$ecret", "not base64"),
            ("standard whsec_SuperSecret==", "not a signature scheme"),
            ("SuperSecret", "expected SCHEME=SECRET"),
        ] {
            let err = SecretArg::parse(arg).unwrap_err();
            assert!(err.contains(says), "{arg}: {err}");
            assert!(!err.contains("Super"), "{err}");
        }
    }

    #[test]
    fn stray_assignments_are_quoted_without_their_value() {
        assert_eq!(redact_assignment("wms=SuperSecret"), "wms=…");
        assert_eq!(
            redact_assignment("--secrets=wms=SuperSecret"),
            "--secrets=…"
        );
        assert_eq!(redact_assignment("standard:whsec_Super=="), "…=…");
        assert_eq!(redact_assignment("open"), "open");
        assert_eq!(redact_assignment("wms="), "wms=");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let arg = SecretArg::parse("stripe=whsec_topsecret").unwrap();
        assert!(!format!("{arg:?}").contains("topsecret"));
        let mut secrets = Secrets::default();
        secrets.add(arg.scheme, arg.secret);
        assert!(!format!("{secrets:?}").contains("topsecret"));
    }
}
