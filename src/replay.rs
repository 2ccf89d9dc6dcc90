//! Re-sending captured events: to the user's app while developing, or anywhere else. Headers and
//! body go as captured (minus hop-by-hop and length headers, which belong to the original
//! connection); signatures can be renewed with a secret for the schemes hookscope can sign.

use chrono::{DateTime, Utc};

use crate::capture::forward::HOP_BY_HOP;
use crate::decode::signature::{self, Secrets};
use crate::event::{CapturedEvent, EDITED_HEADER, RESENT_FROM_HEADER, SignatureScheme};
use crate::export::http_text::HttpMessage;
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
        if let Some(query) = event.query() {
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

/// An edited request (`E`, `hookscope send`) and how to send it.
#[derive(Debug, Clone, Copy)]
pub struct Resend<'a> {
    /// The id of the event it was made from: the listener that receives it links the two.
    pub from: Option<u64>,
    pub edited: bool,
    /// Sign it afresh over the bytes sent, with this scheme and secret, instead of sending the
    /// signature headers the text holds.
    pub resign: Option<(SignatureScheme, &'a str)>,
}

/// The scheme whose signature headers the message carries, if any.
pub fn scheme_of(message: &HttpMessage) -> Option<SignatureScheme> {
    SignatureScheme::ALL.into_iter().find(|&scheme| {
        signature_headers(scheme)
            .iter()
            .any(|name| message.header(name).is_some())
    })
}

/// The delivery of an edited request: its headers as written, less those that belong to one
/// connection or follow from the body; with `resign`, a fresh signature (and timestamp) over
/// the body in place of the old one; with `from`, hookscope's re-send mark.
pub fn edited_delivery(message: &HttpMessage, resend: Resend<'_>, now: DateTime<Utc>) -> Delivery {
    let mut headers: Vec<(String, String)> = message
        .headers
        .iter()
        .filter(|(name, _)| {
            !RECOMPUTED
                .iter()
                .chain(HOP_BY_HOP.iter())
                .chain([RESENT_FROM_HEADER, EDITED_HEADER].iter())
                .any(|n| n.eq_ignore_ascii_case(name))
        })
        .cloned()
        .collect();
    if let Some((scheme, secret)) = resend.resign {
        // Standard Webhooks signs its message id too: the id the text carries is kept.
        let message_id = message
            .header("webhook-id")
            .or_else(|| message.header("svix-id"))
            .map_or_else(
                || format!("msg_resent_{}", resend.from.unwrap_or(0)),
                str::to_owned,
            );
        let replaced = signature_headers(scheme);
        headers.retain(|(name, _)| !replaced.iter().any(|r| r.eq_ignore_ascii_case(name)));
        for (name, value) in
            signature::sign(scheme, secret, &message.body, now.timestamp(), &message_id)
        {
            headers.push((name.to_string(), value));
        }
    }
    if let Some(from) = resend.from {
        headers.push((RESENT_FROM_HEADER.to_owned(), from.to_string()));
        if resend.edited {
            headers.push((EDITED_HEADER.to_owned(), "1".to_owned()));
        }
    }
    Delivery {
        label: resend
            .from
            .map_or_else(|| "edited request".to_owned(), |id| format!("#{id} edited")),
        method: message.method.clone(),
        path: message.target.clone(),
        headers,
        body: bytes::Bytes::from(message.body.clone()),
        retries: false,
    }
}

/// `hookscope send FILE.http`: reads the HTTP text `bytes` (of `file`), signs it afresh when a
/// secret fits, sends it to `target` and says what came back. The scheme re-signed is the
/// first given with `--resign` (`explicit`), else the one whose headers the file carries when
/// the environment has its secret. A file written by `hookscope export-http` names its event
/// (`X-Hookscope-Resent-From`); it is sent as an edited re-send of that event.
pub async fn send_file(
    file: &std::path::Path,
    bytes: &[u8],
    target: &str,
    explicit: Option<SignatureScheme>,
    secrets: &Secrets,
) -> anyhow::Result<crate::sender::Summary> {
    let message = HttpMessage::parse(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: {}",
            file.display(),
            crate::sanitize::escape(&e.to_string())
        )
    })?;
    let from = message
        .header(RESENT_FROM_HEADER)
        .and_then(|v| v.trim().parse::<u64>().ok());
    let scheme = explicit.or_else(|| scheme_of(&message));
    let resign = scheme.and_then(|scheme| {
        secrets
            .for_scheme(scheme)
            .first()
            .map(|secret| (scheme, secret.expose()))
    });
    let delivery = edited_delivery(
        &message,
        Resend {
            from,
            edited: from.is_some(),
            resign,
        },
        Utc::now(),
    );
    let signed = match (resign, scheme) {
        (Some((scheme, _)), _) => format!(", signed afresh ({})", scheme.as_str()),
        (None, Some(scheme)) => format!(
            ", {} signature as written (no secret to sign afresh)",
            scheme.as_str()
        ),
        (None, None) => String::new(),
    };
    eprintln!(
        "hookscope: sending {} {} from {} to {target}{signed}",
        crate::sanitize::escape(&message.method),
        crate::sanitize::escape(&message.target),
        file.display()
    );
    let summary = crate::sender::send(
        target,
        vec![delivery],
        None,
        crate::sender::stderr_progress(1),
    )
    .await;
    eprintln!("hookscope: {summary}");
    if summary.failed == summary.sent {
        anyhow::bail!("no answer from {target}: is anything listening there?");
    }
    Ok(summary)
}

/// `hookscope export-http`: the event numbered `id` of the export `bytes` (of `file`) as HTTP
/// text, marked as a re-send of that event (`X-Hookscope-Resent-From`).
pub fn event_as_http(file: &std::path::Path, bytes: &[u8], id: u64) -> anyhow::Result<Vec<u8>> {
    let imported =
        crate::export::import(bytes).map_err(|e| anyhow::anyhow!(e.about(file.display())))?;
    let event = imported
        .events
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| anyhow::anyhow!("{} holds no event #{id}", file.display()))?;
    let mut message = HttpMessage::from_event(event).map_err(|e| anyhow::anyhow!(e))?;
    message
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case(RESENT_FROM_HEADER));
    message
        .headers
        .push(("X-Hookscope-Resent-From".to_owned(), id.to_string()));
    Ok(message.write())
}

/// The deliveries of the export `bytes` (of `file`) that `filter` lets through, with the line
/// that introduces the replay. Warns on stderr about damaged lines.
fn prepare(
    file: &std::path::Path,
    target: &str,
    filter: Option<&crate::filter::Filter>,
    resign: &Secrets,
    bytes: &[u8],
) -> anyhow::Result<(Vec<Delivery>, String)> {
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
    Ok((deliveries, intro))
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
    let (deliveries, intro) = prepare(file, target, filter, resign, bytes)?;
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

/// `hookscope replay` with chaos flags: the (filtered) events go through [`crate::chaos::run`]
/// (shuffled, dropped, duplicated, delayed, re-sent as `settings` say). Returns the report:
/// whether every event sent ended in the expected status.
pub async fn run_chaos(
    file: &std::path::Path,
    target: &str,
    filter: Option<&crate::filter::Filter>,
    resign: &Secrets,
    bytes: &[u8],
    settings: &crate::chaos::Settings,
) -> anyhow::Result<crate::chaos::report::Report> {
    let (deliveries, intro) = prepare(file, target, filter, resign, bytes)?;
    eprintln!("{intro}");
    crate::chaos::run(target, deliveries, settings).await
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
