//! Relaying a captured request to the user's app (`--forward-to`) and bringing its answer back.
//! Headers and body go as received, minus hop-by-hop headers, plus `X-Forwarded-*` and this
//! instance's hop mark in `Via`, by which a request that comes back (a forward loop) is known.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::answer::ForwardTarget;

/// This listener's name in the `Via` header (RFC 9110 section 7.6.3) of the requests it
/// relays: `hookscope-` and 16 random hex digits, different for every listener, so that two
/// instances relaying to each other each see only their own mark come back.
#[derive(Debug, Clone)]
pub struct HopMark {
    name: String,
    /// The `Via` entries added, one per protocol version received, made once.
    via_http10: HeaderValue,
    via_http11: HeaderValue,
    via_http2: HeaderValue,
}

impl HopMark {
    pub fn new() -> HopMark {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        // `RandomState` is seeded from the operating system's randomness; the clock and a
        // counter set apart listeners of one process.
        static MADE: AtomicU64 = AtomicU64::new(0);
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(MADE.fetch_add(1, Ordering::Relaxed));
        hasher.write_u32(std::process::id());
        if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            hasher.write_u128(since.as_nanos());
        }
        HopMark::named(format!("hookscope-{:016x}", hasher.finish()))
    }

    fn named(name: String) -> HopMark {
        let via = |version: &str| {
            HeaderValue::from_str(&format!("{version} {name}"))
                .unwrap_or_else(|_| HeaderValue::from_static("1.1 hookscope"))
        };
        HopMark {
            via_http10: via("1.0"),
            via_http11: via("1.1"),
            via_http2: via("2"),
            name,
        }
    }

    /// The name, e.g. `hookscope-5f0c…`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether these request headers show that this listener relayed the request before.
    pub fn is_on(&self, headers: &HeaderMap) -> bool {
        headers
            .get_all(header::VIA)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            // An entry is `protocol received-by [comment]`.
            .any(|entry| entry.split_whitespace().nth(1) == Some(self.name.as_str()))
    }

    fn via(&self, version: http::Version) -> HeaderValue {
        match version {
            http::Version::HTTP_09 | http::Version::HTTP_10 => self.via_http10.clone(),
            http::Version::HTTP_2 | http::Version::HTTP_3 => self.via_http2.clone(),
            _ => self.via_http11.clone(),
        }
    }
}

impl Default for HopMark {
    fn default() -> HopMark {
        HopMark::new()
    }
}

/// The app's answer.
#[derive(Debug)]
pub struct Forwarded {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    #[error("the app did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the app could not be reached: {0}")]
    Unreachable(String),
    #[error("the app's answer was broken: {0}")]
    Broken(String),
}

impl ForwardError {
    /// The status the sender gets instead of the app's answer.
    pub fn status(&self) -> u16 {
        match self {
            ForwardError::Timeout(_) => 504,
            ForwardError::Unreachable(_) | ForwardError::Broken(_) => 502,
        }
    }
}

/// Why the app could not be reached, in words: the socket's reason when there is one
/// (`connection refused: nothing listens at 127.0.0.1:3000`), else the error's own chain.
fn unreachable_words(error: &(dyn std::error::Error + 'static), authority: &str) -> String {
    use std::io::ErrorKind;
    let mut source = Some(error);
    while let Some(inner) = source {
        if let Some(io) = inner.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                ErrorKind::ConnectionRefused => {
                    format!("connection refused: nothing listens at {authority}")
                }
                ErrorKind::TimedOut => format!("connecting to {authority} timed out"),
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof => {
                    "the app closed the connection before answering".to_owned()
                }
                _ => format!("{authority}: {}", without_os_code(&io.to_string())),
            };
        }
        if let Some(hyper) = inner.downcast_ref::<hyper::Error>()
            && hyper.is_incomplete_message()
        {
            return "the app closed the connection before answering".to_owned();
        }
        source = inner.source();
    }
    let mut words = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        words = format!("{words}: {inner}");
        source = inner.source();
    }
    words
}

/// An OS error's text without its ` (os error N)` tail.
fn without_os_code(text: &str) -> &str {
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => &text[..at],
        _ => text,
    }
}

/// Largest app answer relayed back.
const MAX_APP_BODY: usize = 16 << 20;

/// Headers that belong to one connection, not to the request (RFC 9110 section 7.6.1).
pub const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Removes hop-by-hop headers, including those the `Connection` header names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// The request to relay, as received.
pub struct Outgoing<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: Bytes,
    pub remote: SocketAddr,
    /// The protocol version the request arrived with, named in `Via`.
    pub version: http::Version,
}

/// A pooled keep-alive client for the app.
pub struct Forwarder {
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
    mark: HopMark,
}

impl Forwarder {
    pub fn new(timeout: Duration, mark: HopMark) -> Forwarder {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Forwarder {
            client,
            timeout,
            mark,
        }
    }

    /// The mark this forwarder puts on what it relays.
    pub fn mark(&self) -> &HopMark {
        &self.mark
    }

    /// Relays one request and returns the app's answer.
    pub async fn forward(
        &self,
        target: &ForwardTarget,
        outgoing: Outgoing<'_>,
    ) -> Result<Forwarded, ForwardError> {
        let Outgoing {
            method,
            path,
            query,
            headers,
            body,
            remote,
            version,
        } = outgoing;
        let url = target.url_for(path, query);
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&url)
            .body(Full::new(body))
            .map_err(|e| {
                ForwardError::Unreachable(format!("cannot build a request for {url}: {e}"))
            })?;
        let out = request.headers_mut();
        *out = headers.clone();
        strip_hop_by_hop(out);
        let original_host = out.remove(header::HOST);
        if let Ok(host) = HeaderValue::from_str(target.authority()) {
            out.insert(header::HOST, host);
        }
        if let Some(host) = original_host {
            out.entry("x-forwarded-host").or_insert(host);
        }
        let forwarded_for = match out.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(chain) => format!("{chain}, {}", remote.ip()),
            None => remote.ip().to_string(),
        };
        if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
            out.insert("x-forwarded-for", value);
        }
        out.entry("x-forwarded-proto")
            .or_insert(HeaderValue::from_static("http"));
        // Appended after any earlier hops, as a proxy does.
        out.append(header::VIA, self.mark.via(version));

        let authority = target.authority();
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| ForwardError::Unreachable(unreachable_words(&e, authority)))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_APP_BODY)
                .collect()
                .await
                .map_err(|e| ForwardError::Broken(e.to_string()))?
                .to_bytes();
            let mut headers = parts.headers;
            strip_hop_by_hop(&mut headers);
            headers.remove(header::CONTENT_LENGTH);
            Ok(Forwarded {
                status: parts.status.as_u16(),
                headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(ForwardError::Timeout(self.timeout)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_marks_name_one_listener() {
        let (a, b) = (HopMark::new(), HopMark::new());
        assert_ne!(a.name(), b.name());
        assert!(a.name().starts_with("hookscope-") && a.name().len() == 26);
        let mut headers = HeaderMap::new();
        assert!(!a.is_on(&headers));
        headers.append(header::VIA, HeaderValue::from_static("1.1 proxy (nginx)"));
        headers.append(header::VIA, b.via(http::Version::HTTP_2));
        assert!(b.is_on(&headers) && !a.is_on(&headers));
        // In a list, with a comment, after other hops; a name only as a comment is not a hop.
        let listed = format!("1.0 edge, 1.1 {} (hookscope), 2 cdn", a.name());
        headers.insert(header::VIA, HeaderValue::from_str(&listed).unwrap());
        assert!(a.is_on(&headers));
        let comment = format!("1.1 proxy ({})", a.name());
        headers.insert(header::VIA, HeaderValue::from_str(&comment).unwrap());
        assert!(!a.is_on(&headers));
    }

    #[test]
    fn hop_by_hop_headers_are_dropped() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "connection",
            HeaderValue::from_static("keep-alive, x-private"),
        );
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        headers.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        headers.insert(
            "x-wms-content-mac",
            HeaderValue::from_static("hmac-sha256=ab"),
        );
        strip_hop_by_hop(&mut headers);
        let names: Vec<&str> = headers.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["x-wms-content-mac"]);
    }
}
