//! A builder of captured events for tests, benchmarks and tools. Every field starts at a plain
//! value — a `POST /` from `127.0.0.1:1` over HTTP/1.1, no headers, an empty body, no analysis,
//! answered 200 locally, received now — so that a test names only what it is about. The
//! listener and the importer fill their events in directly instead: they set every field
//! anyway, and the request path keeps no builder in between.

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::{
    Analysis, BodyKind, CapturedEvent, HeaderList, HttpVersion, Provider, RemoteAddr, ResponseInfo,
    Severity, SharedStr, Signature,
};

/// A [`CapturedEvent`] under construction:
/// `EventBuilder::new(1).path("/hook").header("content-type", "application/json")
/// .body("{}").build()`.
#[derive(Debug, Clone)]
#[must_use]
pub struct EventBuilder {
    event: CapturedEvent,
    /// Headers given one at a time, appended after `event.headers` when built.
    more_headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// The size given with [`EventBuilder::body_size`]; otherwise the body's length.
    body_size: Option<u64>,
}

impl EventBuilder {
    /// An event numbered `id` with every other field at its plain value (see the module).
    pub fn new(id: u64) -> EventBuilder {
        EventBuilder {
            event: CapturedEvent {
                id,
                remote_addr: "127.0.0.1:1".into(),
                response: ResponseInfo::local(200, 0.0),
                ..CapturedEvent::new(
                    CapturedEvent::now(),
                    "POST".into(),
                    "/".into(),
                    HeaderList::default(),
                    Bytes::new(),
                )
            },
            more_headers: Vec::new(),
            body_size: None,
        }
    }

    pub fn received_at(mut self, at: DateTime<Utc>) -> EventBuilder {
        self.event.received_at = at;
        self
    }

    pub fn remote_addr(mut self, addr: impl Into<RemoteAddr>) -> EventBuilder {
        self.event.remote_addr = addr.into();
        self
    }

    pub fn http_version(mut self, version: HttpVersion) -> EventBuilder {
        self.event.http_version = version;
        self
    }

    pub fn method(mut self, method: impl Into<SharedStr>) -> EventBuilder {
        self.event.method = method.into();
        self
    }

    /// The path without the query.
    pub fn path(mut self, path: impl Into<SharedStr>) -> EventBuilder {
        self.event.path = path.into();
        self
    }

    /// The query string without the `?` (by default the request has none).
    pub fn query(mut self, query: impl Into<SharedStr>) -> EventBuilder {
        self.event.set_query(Some(query.into()));
        self
    }

    /// One more header, after those given before.
    pub fn header(mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> EventBuilder {
        self.more_headers
            .push((name.as_ref().to_vec(), value.as_ref().to_vec()));
        self
    }

    /// These headers in place of any given before.
    pub fn headers(mut self, headers: HeaderList) -> EventBuilder {
        self.event.headers = headers;
        self.more_headers.clear();
        self
    }

    /// The body kept; the size the request carried is its length unless
    /// [`EventBuilder::body_size`] says otherwise.
    pub fn body(mut self, body: impl Into<Bytes>) -> EventBuilder {
        self.event.body = body.into();
        self
    }

    /// The size the request carried, when it differs from the body kept.
    pub fn body_size(mut self, size: u64) -> EventBuilder {
        self.body_size = Some(size);
        self
    }

    pub fn truncated(mut self, truncated: bool) -> EventBuilder {
        self.event.truncated = truncated;
        self
    }

    /// The whole analysis, in place of anything set on it before.
    /// Marks the event as hookscope's re-send of event `from`, edited or not.
    pub fn resent(mut self, from: u64, edited: bool) -> EventBuilder {
        self.event
            .set_resent(std::num::NonZeroU64::new(from), edited);
        self
    }

    pub fn analysis(mut self, analysis: Analysis) -> EventBuilder {
        self.event.analysis = analysis;
        self
    }

    pub fn provider(mut self, provider: Provider) -> EventBuilder {
        self.event.analysis.provider = provider;
        self
    }

    /// The event name.
    pub fn kind(mut self, kind: impl Into<SharedStr>) -> EventBuilder {
        self.event.analysis.kind = Some(kind.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> EventBuilder {
        self.event.analysis.severity = severity;
        self
    }

    pub fn body_kind(mut self, kind: BodyKind) -> EventBuilder {
        self.event.analysis.body_kind = kind;
        self
    }

    pub fn signature(mut self, signature: Signature) -> EventBuilder {
        self.event.analysis.signature = signature;
        self
    }

    pub fn response(mut self, response: ResponseInfo) -> EventBuilder {
        self.event.response = response;
        self
    }

    pub fn build(self) -> CapturedEvent {
        let EventBuilder {
            mut event,
            more_headers,
            body_size,
        } = self;
        if !more_headers.is_empty() {
            let given = event.headers.iter();
            let more = more_headers.iter().map(|(n, v)| (&n[..], &v[..]));
            event.headers = HeaderList::from_pairs(given.chain(more));
        }
        if let Some(size) = body_size {
            event.set_body_size(size);
        }
        event
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_fields_keep_their_plain_values() {
        let event = EventBuilder::new(4).build();
        assert_eq!(event.id, 4);
        assert_eq!(&*event.method, "POST");
        assert_eq!(&*event.path, "/");
        assert_eq!(event.remote_addr.to_string(), "127.0.0.1:1");
        assert_eq!(event.query(), None);
        assert!(event.headers.is_empty());
        assert!(event.body.is_empty());
        assert_eq!(event.body_size(), 0);
        assert_eq!(event.response, ResponseInfo::local(200, 0.0));
        assert_eq!(event.analysis, Analysis::default());
    }

    #[test]
    fn headers_keep_their_order_and_the_body_its_size() {
        let event = EventBuilder::new(1)
            .headers(HeaderList::from_pairs([(&b"host"[..], &b"a.test"[..])]))
            .header("x-dup", "one")
            .header(b"x-dup", b"two")
            .body("{}")
            .build();
        let headers: Vec<(&[u8], &[u8])> = event.headers.iter().collect();
        assert_eq!(
            headers,
            [
                (&b"host"[..], &b"a.test"[..]),
                (b"x-dup", b"one"),
                (b"x-dup", b"two"),
            ]
        );
        assert_eq!(event.body_size(), 2);
        let cut = EventBuilder::new(1)
            .body_size(70_000)
            .body("{")
            .truncated(true)
            .build();
        assert_eq!((cut.body_size(), cut.truncated), (70_000, true));
    }
}
