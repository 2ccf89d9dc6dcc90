//! Re-sending captured events: to the user's app while developing, or anywhere else. Headers and
//! body go as captured (minus hop-by-hop and length headers, which belong to the original
//! connection); signatures can be renewed with a secret for the schemes hookscope can sign.

use chrono::{DateTime, Utc};

use crate::capture::forward::HOP_BY_HOP;
use crate::decode::signature::{self, Secrets};
use crate::event::{CapturedEvent, SignatureScheme};
use crate::sender::Delivery;

/// Headers not to copy besides the hop-by-hop ones: they are recomputed for the new request.
const RECOMPUTED: [&str; 2] = ["host", "content-length"];

/// Why an event was not replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// Only the first bytes of its body were kept.
    Truncated { id: u64 },
}

/// The headers each scheme signs with, to be replaced when re-signing.
fn signature_headers(scheme: SignatureScheme) -> &'static [&'static str] {
    match scheme {
        SignatureScheme::Wms => &["x-wms-content-mac"],
        SignatureScheme::Prism => &["x-prism-signature"],
        SignatureScheme::Github => &["x-hub-signature-256"],
        SignatureScheme::Stripe => &["stripe-signature"],
        SignatureScheme::Standard => &[
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
            "svix-id",
            "svix-timestamp",
            "svix-signature",
        ],
        SignatureScheme::Shopify => &["x-shopify-hmac-sha256"],
        SignatureScheme::Slack => &["x-slack-signature", "x-slack-request-timestamp"],
    }
}

/// Turns captured events into deliveries. With `resign`, an event signed with a scheme that has
/// a secret there gets a fresh signature (and timestamp) instead of its captured one.
pub fn deliveries<'a>(
    events: impl IntoIterator<Item = &'a CapturedEvent>,
    resign: &Secrets,
    now: DateTime<Utc>,
) -> (Vec<Delivery>, Vec<Skipped>) {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for event in events {
        if event.truncated {
            skipped.push(Skipped::Truncated { id: event.id });
            continue;
        }
        let mut headers: Vec<(String, String)> = event
            .headers
            .iter()
            .filter(|(name, _)| {
                !RECOMPUTED
                    .iter()
                    .chain(HOP_BY_HOP.iter())
                    .any(|n| n.as_bytes().eq_ignore_ascii_case(name))
            })
            .map(|(name, value)| {
                (
                    String::from_utf8_lossy(name).into_owned(),
                    String::from_utf8_lossy(value).into_owned(),
                )
            })
            .collect();
        if let Some(scheme) = event.analysis.signature.scheme
            && let Some(secret) = resign.for_scheme(scheme).first()
        {
            let replaced = signature_headers(scheme);
            headers.retain(|(name, _)| !replaced.iter().any(|r| r.eq_ignore_ascii_case(name)));
            let message_id = format!("msg_replay_{}", event.id);
            for (name, value) in signature::sign(
                scheme,
                secret.expose(),
                &event.body,
                now.timestamp(),
                &message_id,
            ) {
                headers.push((name.to_string(), value));
            }
        }
        let mut path = event.path.to_string();
        if let Some(query) = &event.query {
            path.push('?');
            path.push_str(query);
        }
        out.push(Delivery {
            label: format!("#{}", event.id),
            method: event.method.to_string(),
            path,
            headers,
            body: event.body.clone(),
            retries: false,
        });
    }
    (out, skipped)
}

/// `hookscope replay`: reads the export `bytes` (of the file `file`, read with
/// [`crate::files::read_file`]), sends the (filtered) events to `target` with progress on
/// stderr, and returns the summary. Fails when nothing answered at all.
pub async fn run(
    file: &std::path::Path,
    target: &str,
    filter: Option<&crate::filter::Filter>,
    rate: Option<f64>,
    resign: &Secrets,
    bytes: &[u8],
) -> anyhow::Result<crate::sender::Summary> {
    let imported =
        crate::export::import(bytes).map_err(|e| anyhow::anyhow!(e.about(file.display())))?;
    if imported.skipped.lines > 0 {
        eprintln!(
            "hookscope: warning: {}: {}",
            file.display(),
            crate::sanitize::escape(&imported.skipped.to_string())
        );
    }
    let total = imported.events.len();
    let chosen: Vec<&CapturedEvent> = imported
        .events
        .iter()
        .filter(|e| filter.is_none_or(|f| f.matches(e)))
        .collect();
    let (deliveries, skipped) = deliveries(chosen.iter().copied(), resign, Utc::now());
    let mut intro = format!(
        "hookscope: replaying {} of {} from {} to {target}",
        deliveries.len(),
        crate::words::count(total as u64, "event"),
        file.display()
    );
    if let Some(filter) = filter {
        intro.push_str(&format!(" (filter: {filter})"));
    }
    if !skipped.is_empty() {
        intro.push_str(&format!(
            "; {} skipped: only the first bytes of their bodies were kept",
            skipped.len()
        ));
    }
    eprintln!("{intro}");
    if deliveries.is_empty() {
        return Ok(crate::sender::Summary::default());
    }
    let count = deliveries.len();
    let summary = crate::sender::send(
        target,
        deliveries,
        rate,
        crate::sender::stderr_progress(count),
    )
    .await;
    eprintln!("hookscope: {summary}");
    if summary.failed == summary.sent {
        anyhow::bail!("no event got an answer from {target}: is anything listening there?");
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::signature::Secret;
    use crate::event::build::EventBuilder;
    use crate::event::{HeaderList, Provider, ResponseInfo, Signature, SignatureVerdict};
    use bytes::Bytes;

    fn event(id: u64, truncated: bool) -> CapturedEvent {
        EventBuilder::new(id)
            .path("/hooks/wms")
            .query("a=1")
            .header("host", "old.test:8765")
            .header("content-length", "8")
            .header("content-type", "application/json")
            .header("x-wms-content-mac", "hmac-sha256=00")
            .body(Bytes::from_static(b"{\"a\":1}"))
            .body_size(8)
            .truncated(truncated)
            .provider(Provider::Wms)
            .signature(Signature {
                scheme: Some(SignatureScheme::Wms),
                verdict: SignatureVerdict::Invalid,
                note: None,
            })
            .response(ResponseInfo::local(200, 0.1))
            .build()
    }

    #[test]
    fn events_become_deliveries_without_connection_headers() {
        let (sent, skipped) = deliveries(
            [&event(1, false), &event(2, true)],
            &Secrets::default(),
            Utc::now(),
        );
        assert_eq!(skipped, [Skipped::Truncated { id: 2 }]);
        assert_eq!(sent.len(), 1);
        let d = &sent[0];
        assert_eq!(
            (d.method.as_str(), d.path.as_str(), d.label.as_str()),
            ("POST", "/hooks/wms?a=1", "#1")
        );
        assert!(d.header("host").is_none() && d.header("content-length").is_none());
        assert_eq!(d.header("x-wms-content-mac"), Some("hmac-sha256=00"));
        assert_eq!(&d.body[..], b"{\"a\":1}");
    }

    #[test]
    fn resigning_replaces_the_signature() {
        let mut secrets = Secrets::default();
        secrets.add(SignatureScheme::Wms, Secret::new("macSecret"));
        let (sent, _) = deliveries([&event(1, false)], &secrets, Utc::now());
        let headers: Vec<&str> = sent[0].headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            headers
                .iter()
                .filter(|n| n.eq_ignore_ascii_case("x-wms-content-mac"))
                .count(),
            1
        );
        let list = HeaderList::from_pairs(
            sent[0]
                .headers
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        );
        let check = signature::verify(&list, &sent[0].body, Provider::Wms, &secrets, Utc::now());
        assert_eq!(check.signature.verdict, SignatureVerdict::Valid);
    }
}
