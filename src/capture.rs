//! The HTTP edge: accepts any request (HTTP/1.1 and h2c), captures it, answers it. The listener,
//! its connections, body limits and forwarding live here; what to answer is the answer policy's
//! ([`crate::answer`]), what happens to an event once captured (analysis, store, log) the
//! ingest stage's ([`crate::ingest`]).
//!
//! Flow per request: read the body within the limits → decode (no lock held) → decide the
//! answer → hand the event to the [`Recorder`] (analysis, store, log) → answer. Knows nothing of
//! the terminal interface.
//!
//! Memory is bounded whatever clients send: a body takes its share of the bound on bodies in
//! flight ([`InFlight`]) before it is read and keeps it until its event is recorded, when the
//! store starts counting it against `--max-bytes`.

pub mod body;
pub mod conn;
pub mod forward;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::answer::template::{Rendered, RequestValues};
use crate::answer::{AnswerMode, AnswerPolicy, AnswerRule, Choice, Decision, LocalBody};
use crate::config::{DEFAULT_MAX_HEADERS, ListenConfig};
use crate::decode::signature::Secrets;
use crate::decode::{self, RequestView};
use crate::event::facts::Facts;
use crate::event::{
    self, Anomaly, CapturedEvent, ForwardInfo, HeaderList, HttpVersion, ResponseInfo, Sent,
    Severity,
};
use crate::ingest::Recorder;
use crate::store::Store;
use body::{BodyLimits, BodyRead, InFlight};
use conn::{ConnState, TapIo};
use forward::{ForwardError, Forwarded, Forwarder, HopMark, Outgoing};
use std::hash::{Hash, Hasher};

/// How long in-flight requests may take to finish once shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Why the listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error(
        "port {port} on {ip} is already in use; pick another with --port, or --port 0 for any free one"
    )]
    InUse { ip: std::net::IpAddr, port: u16 },
    // The reason is part of the sentence and deliberately not a `source`: callers print the
    // whole chain (`{:#}`), which would give it twice.
    #[error("cannot listen on {addr}: {reason}")]
    Other {
        addr: SocketAddr,
        reason: std::io::Error,
    },
}

struct Shared {
    recorder: Arc<Recorder>,
    secrets: Secrets,
    policy: Arc<AnswerPolicy>,
    forwarder: Forwarder,
    body_limits: BodyLimits,
    in_flight: Arc<InFlight>,
    header_timeout: Duration,
    idle_timeout: Duration,
    max_headers: usize,
}

/// A bound listener, ready to run.
pub struct Listener {
    tcp: TcpListener,
    shared: Arc<Shared>,
}

impl Listener {
    /// Binds the configured address. The recorder decides where events go.
    pub async fn bind(
        config: &ListenConfig,
        recorder: Arc<Recorder>,
    ) -> Result<Listener, BindError> {
        let addr = config.addr();
        let tcp = TcpListener::bind(addr).await.map_err(|source| {
            if source.kind() == std::io::ErrorKind::AddrInUse {
                BindError::InUse {
                    ip: addr.ip(),
                    port: addr.port(),
                }
            } else {
                BindError::Other {
                    addr,
                    reason: source,
                }
            }
        })?;
        let shared = Shared {
            recorder,
            secrets: config.secrets.clone(),
            policy: Arc::new(AnswerPolicy::new(config.answer.clone())),
            forwarder: Forwarder::new(config.answer.forward_timeout, HopMark::new()),
            body_limits: BodyLimits::new(config.max_body, config.header_timeout),
            in_flight: Arc::new(InFlight::new(config.in_flight_limit())),
            header_timeout: config.header_timeout,
            idle_timeout: config.idle_timeout,
            max_headers: config.max_headers,
        };
        Ok(Listener {
            tcp,
            shared: Arc::new(shared),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        // A bound socket always has a local address.
        self.tcp
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn store(&self) -> &Arc<Store> {
        self.shared.recorder.store()
    }

    /// The bound on bodies in flight, which also tells how many bytes they hold now.
    pub fn in_flight(&self) -> Arc<InFlight> {
        Arc::clone(&self.shared.in_flight)
    }

    /// Where events go; also holds the analysis state (sessions, timelines).
    pub fn recorder(&self) -> Arc<Recorder> {
        Arc::clone(&self.shared.recorder)
    }

    /// The answer policy, whose mode can be switched while the listener runs.
    pub fn policy(&self) -> Arc<AnswerPolicy> {
        Arc::clone(&self.shared.policy)
    }

    /// Serves until `shutdown` completes, then stops accepting, lets requests in flight finish
    /// (up to ten seconds) and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // No header read timeout of hyper's: it arms a timer for every request (a clock read,
        // an allocation, a timer registered and removed). Each connection's own ticker below
        // ends heads that take too long instead.
        let mut http1 = builder.http1();
        // hyper keeps room for its default allowance on the stack. Any other allowance, even the
        // same number, makes it prepare that many slots on the heap for every request, so it is
        // only set when it differs. Past the allowance hyper answers 431 (counted as rejected).
        if self.shared.max_headers != DEFAULT_MAX_HEADERS {
            http1.max_headers(self.shared.max_headers);
        }
        builder.http2().timer(TokioTimer::new());
        let builder = Arc::new(builder);
        // Every connection holds a receiver until it ends: shutdown waits for all of them.
        let (notices, _) = watch::channel(Notice::default());
        let mut shutdown = std::pin::pin!(shutdown);
        let mut backoff = ACCEPT_BACKOFF_MIN;
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, remote)) => {
                        backoff = ACCEPT_BACKOFF_MIN;
                        self.serve_connection(&builder, &notices, stream, remote);
                    }
                    // That one client gave up before it was accepted: nothing to wait for.
                    Err(error) if is_connection_error(&error) => {}
                    // Out of file descriptors (EMFILE, ENFILE) or kernel memory. The waiting
                    // client stays in the backlog; idle connections are asked to make room and
                    // accepting is retried after a pause that grows while the shortage lasts,
                    // so the loop neither spins nor stops.
                    Err(_) => {
                        notices.send_modify(|notice| notice.shed += 1);
                        tokio::select! {
                            () = tokio::time::sleep(backoff) => {}
                            () = &mut shutdown => break,
                        }
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    }
                },
                () = &mut shutdown => break,
            }
        }
        drop(self.tcp);
        notices.send_modify(|notice| notice.stopping = true);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, notices.closed()).await;
    }

    fn serve_connection(
        &self,
        builder: &Arc<auto::Builder<TokioExecutor>>,
        notices: &watch::Sender<Notice>,
        stream: TcpStream,
        remote: SocketAddr,
    ) {
        let _ = stream.set_nodelay(true);
        let state = Arc::new(ConnState::default());
        let io = TokioIo::new(TapIo::new(stream, Arc::clone(&state)));
        let shared = Arc::clone(&self.shared);
        let service_state = Arc::clone(&state);
        let service = service_fn(move |request| {
            handle(
                request,
                Arc::clone(&shared),
                Arc::clone(&service_state),
                remote,
            )
        });
        let connection = builder.serve_connection(io, service).into_owned();
        let notices = notices.subscribe();
        let store = Arc::clone(self.store());
        let header_timeout = self.shared.header_timeout;
        let idle_timeout = self.shared.idle_timeout;
        tokio::spawn(async move {
            let mut notices = notices;
            let mut connection = std::pin::pin!(connection);
            // hyper's header timeout starts once it knows the protocol; this one also covers a
            // client that connects and never completes a first request.
            let first_request = tokio::time::sleep(header_timeout);
            let mut first_request = std::pin::pin!(first_request);
            let mut watching_first = true;
            // hyper closes neither protocol's idle connections by itself, nor (as configured)
            // HTTP/1 heads that never finish. Both are looked at four times per timeout rather
            // than tracked per request, which would cost a clock read and a timer each time: a
            // connection closes between one and one and a half timeouts after its last request,
            // or after the head under way began. While closing, the same timer bounds the wait
            // for the client.
            let step = (idle_timeout.min(header_timeout) / 4).max(Duration::from_millis(1));
            let timer = tokio::time::sleep(step);
            let mut timer = std::pin::pin!(timer);
            let mut seen = state.activity();
            let mut quiet_since = tokio::time::Instant::now();
            // When a head was first seen under way, and the activity count then.
            let mut head_since: Option<(tokio::time::Instant, u64)> = None;
            let mut phase = Phase::Open;
            let result = loop {
                tokio::select! {
                    // The connection first: a request that has arrived is under way (in flight)
                    // before any notice is looked at.
                    biased;
                    result = &mut connection => break result,
                    () = &mut first_request, if watching_first => {
                        watching_first = false;
                        if state.requests.load(Ordering::Relaxed) == 0 {
                            if state.take_uncounted_failure() {
                                store.reject();
                            }
                            return; // dropping the connection closes it
                        }
                    }
                    () = &mut timer, if phase != Phase::Stopping => {
                        let now = tokio::time::Instant::now();
                        if phase == Phase::Closing {
                            // The client did not finish closing in time (an HTTP/2 client that
                            // never acknowledges GOAWAY, a head that never completes).
                            if state.take_uncounted_failure() {
                                store.reject();
                            }
                            return;
                        }
                        let activity = state.activity();
                        // An HTTP/1 head under way: bytes arrived since the last request was
                        // read, and no request is being handled (its head is not complete yet).
                        // On HTTP/2 such bytes are as likely a ping or a window update; its
                        // streams are hyper's to time.
                        let http2 = state.http2.load(Ordering::Relaxed);
                        let head = phase == Phase::Open
                            && !http2
                            && state.pending_bytes.load(Ordering::Relaxed)
                            && state.in_flight() == 0;
                        match head_since {
                            Some((since, at)) if head && at == activity => {
                                if now.duration_since(since) >= header_timeout {
                                    // As hyper would: the connection ends, the request counts
                                    // as rejected.
                                    if state.take_uncounted_failure() {
                                        store.reject();
                                    }
                                    return;
                                }
                            }
                            _ => head_since = head.then_some((now, activity)),
                        }
                        // An HTTP/1 connection waiting for its next request closes at the
                        // header timeout, as hyper's own would close it.
                        let idle_limit = if http2 {
                            idle_timeout
                        } else {
                            idle_timeout.min(header_timeout)
                        };
                        if activity != seen || state.in_flight() > 0 || head {
                            seen = activity;
                            quiet_since = now;
                        } else if now.duration_since(quiet_since) >= idle_limit {
                            phase = Phase::Closing;
                            connection.as_mut().graceful_shutdown();
                            timer.as_mut().reset(now + CLOSE_GRACE);
                            continue;
                        }
                        timer.as_mut().reset(now + step);
                    }
                    changed = notices.changed(), if phase == Phase::Open => {
                        let stopping = changed.is_err() || notices.borrow_and_update().stopping;
                        if stopping {
                            // Requests in flight finish; the listener bounds the wait.
                            phase = Phase::Stopping;
                            connection.as_mut().graceful_shutdown();
                        } else {
                            // Descriptors ran out: a connection with nothing in flight for a
                            // moment makes room for a new client. One accepted a moment ago
                            // is left to send its request: it may be the client the room was
                            // made for.
                            let now = tokio::time::Instant::now();
                            if state.in_flight() == 0
                                && state.activity() == seen
                                && now.duration_since(quiet_since) >= SHED_AFTER
                            {
                                phase = Phase::Closing;
                                connection.as_mut().graceful_shutdown();
                                timer.as_mut().reset(now + CLOSE_GRACE);
                            }
                        }
                    }
                }
            };
            if let Err(error) = result
                && is_request_failure(error.as_ref())
                && state.take_uncounted_failure()
            {
                store.reject();
            }
        });
    }
}

/// What the accept loop tells every connection.
#[derive(Debug, Clone, Copy, Default)]
struct Notice {
    /// The listener is stopping: finish what is in flight and close.
    stopping: bool,
    /// Bumped each time accepting fails for want of descriptors: connections with no request
    /// in flight close to make room.
    shed: u64,
}

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    /// Asked to close (idle, or making room); dropped if the client takes longer than
    /// `CLOSE_GRACE`.
    Closing,
    /// The listener is stopping; its own grace bounds the wait.
    Stopping,
}

/// How long a connection asked to close may take to do so cleanly (an HTTP/2 GOAWAY
/// acknowledged) before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// How long a connection must have had nothing in flight to be closed when descriptors run
/// out.
const SHED_AFTER: Duration = Duration::from_millis(250);

/// Pauses between attempts to accept while descriptors are short: from a few milliseconds,
/// doubling up to a fifth of a second.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(5);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_millis(200);

/// Accept errors that concern one client only, not the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::ConnectionAborted
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionRefused
            | ErrorKind::Interrupted
            | ErrorKind::WouldBlock
    )
}

/// Errors that mean a request was started but never completed: broken HTTP, a head that never
/// finished, a client that went away mid-request. Resets after a complete exchange are not.
fn is_request_failure(error: &(dyn std::error::Error + 'static)) -> bool {
    match error.downcast_ref::<hyper::Error>() {
        Some(e) => {
            e.is_parse() || e.is_parse_too_large() || e.is_timeout() || e.is_incomplete_message()
        }
        // Errors from the protocol detection before hyper takes over (an early EOF).
        None => true,
    }
}

async fn handle(
    request: Request<Incoming>,
    shared: Arc<Shared>,
    state: Arc<ConnState>,
    remote: SocketAddr,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let received_at = CapturedEvent::now();
    let started = Instant::now();
    let _in_flight = state.begin();
    let (mut parts, body) = request.into_parts();
    if parts.version == http::Version::HTTP_2 {
        state.http2.store(true, Ordering::Relaxed);
    }
    let resent = Resent::take(&mut parts.headers, remote);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());

    // A client that asks before sending a body too large gets its 413 at once: hyper would
    // answer `100 Continue` as soon as the body is read. The header is only looked at for
    // such bodies, so other requests pay nothing.
    let refused_unread = declared.is_some_and(|len| len > shared.body_limits.max_body)
        && parts
            .headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let mut held = shared.in_flight.hold();
    let read = if refused_unread {
        drop(body);
        Ok(BodyRead {
            bytes: Bytes::new(),
            size: declared.unwrap_or(0),
            truncated: true,
            complete: false,
            busy: false,
        })
    } else {
        body::read(body, declared, shared.body_limits, &mut held).await
    };
    let read = match read {
        Ok(read) => read,
        Err(error) => {
            // The request never completed: it is counted, not stored, and the connection ends.
            state.failure_counted.store(true, Ordering::Relaxed);
            shared.recorder.store().reject();
            let message = serde_json::json!({ "error": error.to_string() }).to_string();
            return Ok(json_response(
                StatusCode::BAD_REQUEST,
                message,
                closes(parts.version),
            ));
        }
    };
    state.request_read();
    let BodyRead {
        bytes,
        size,
        truncated,
        complete,
        busy,
    } = read;

    // Packed with the body: the store keeps both for as long as the event.
    let headers = HeaderList::packed(
        parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes())),
    );
    let path = parts.uri.path();
    let method = parts.method.as_str();
    let decoded = decode::analyse(
        &RequestView {
            method,
            path,
            headers: &headers,
            body: &bytes,
            truncated,
        },
        &shared.secrets,
        received_at,
    );
    let close = !complete && closes(parts.version);
    let facts = decoded.facts;
    let mut analysis = decoded.analysis;
    if busy {
        // Decoding judges a cut body alike whichever limit cut it; which one did is the
        // listener's to say.
        let anomaly = Anomaly::Busy;
        match analysis
            .anomalies
            .iter_mut()
            .find(|a| matches!(a, Anomaly::BodyTooLarge))
        {
            Some(cut) => *cut = anomaly,
            None => analysis.anomalies.push(anomaly),
        }
    }
    let mut event = CapturedEvent::new(received_at, method.into(), path.into(), headers, bytes);
    event.remote_addr = remote.into();
    event.http_version = match parts.version {
        http::Version::HTTP_10 | http::Version::HTTP_09 => HttpVersion::Http10,
        http::Version::HTTP_2 | http::Version::HTTP_3 => HttpVersion::Http2,
        _ => HttpVersion::Http11,
    };
    if let Some(query) = parts.uri.query() {
        event.set_query(Some(query.into()));
    }
    event.set_body_size(size);
    event.truncated = truncated;
    if resent.from.is_some() {
        event.set_resent(resent.from, resent.edited);
    }
    event.analysis = analysis;

    if busy {
        let limit = shared.in_flight.limit();
        return Ok(conclude(
            &shared,
            event,
            &facts,
            Answer::Busy { limit },
            AnswerMode::Configured,
            None,
            started,
            close,
        )
        .await);
    }
    if truncated {
        let limit = shared.body_limits.max_body;
        return Ok(conclude(
            &shared,
            event,
            &facts,
            Answer::TooLarge { limit },
            AnswerMode::Configured,
            None,
            started,
            close,
        )
        .await);
    }
    // A request this listener relayed earlier has come back: relaying it again would go round
    // for ever. Only a listener that forwards can have marked anything.
    if shared.policy.forwards() && shared.forwarder.mark().is_on(&parts.headers) {
        return Ok(conclude(
            &shared,
            event,
            &facts,
            Answer::Loop,
            AnswerMode::Configured,
            None,
            started,
            close,
        )
        .await);
    }
    let body_key = || {
        let mut hasher = std::hash::DefaultHasher::new();
        event.body.hash(&mut hasher);
        hasher.finish()
    };
    let Choice {
        decision,
        mode,
        rule,
    } = shared.policy.choose(&event, body_key, Instant::now());
    match decision {
        // The common case answers without waiting: nothing can interrupt it between capture
        // and answer.
        Decision::Local {
            status,
            body,
            delay,
        } if delay.is_zero() => Ok(conclude(
            &shared,
            event,
            &facts,
            Answer::Local { status, body },
            mode,
            rule,
            started,
            close,
        )
        .await),
        decision => {
            // Waiting (a delay, the app) happens in a task of its own, so that a sender that
            // hangs up meanwhile cannot cancel the capture: the event is recorded regardless.
            let request_headers = parts.headers;
            let method = parts.method;
            let held = held.into_bytes();
            let task = tokio::spawn(async move {
                let _held = shared.in_flight.adopt(held);
                let answer = match decision {
                    Decision::Local {
                        status,
                        body,
                        delay,
                    } => {
                        tokio::time::sleep(delay).await;
                        Answer::Local { status, body }
                    }
                    Decision::Forward { target, delay } => {
                        tokio::time::sleep(delay).await;
                        let result = shared
                            .forwarder
                            .forward(
                                &target,
                                Outgoing {
                                    method: &method,
                                    path: &event.path,
                                    query: event.query(),
                                    headers: &request_headers,
                                    body: event.body.clone(),
                                    remote,
                                    version: parts.version,
                                },
                            )
                            .await;
                        let url = target.url_for(&event.path, event.query());
                        Answer::Forwarded { url, result }
                    }
                };
                conclude(&shared, event, &facts, answer, mode, rule, started, close).await
            });
            Ok(task.await.unwrap_or_else(|_| {
                json_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    r#"{"error":"internal error"}"#.into(),
                    true,
                )
            }))
        }
    }
}

/// The answer, before it is written down.
enum Answer {
    TooLarge {
        limit: u64,
    },
    /// The bodies in flight were at their bound (`limit` bytes).
    Busy {
        limit: u64,
    },
    Local {
        status: u16,
        body: LocalBody,
    },
    Forwarded {
        url: String,
        result: Result<Forwarded, ForwardError>,
    },
    /// The request carries this listener's hop mark: `508 Loop Detected`, never forwarded.
    Loop,
}

/// Why a request that came back is not forwarded, for the event and the sender.
const LOOP_ERROR: &str = "forward loop: this request was already relayed by this hookscope \
     (its mark is in the Via header), so it is answered here and not forwarded again";

/// A JSON object the id of the event goes last in, `{…,"id":N}`: the text before the id, to
/// which `"id":N}` is added once the event is stored and has its id.
fn json_before_id(fields: serde_json::Value) -> String {
    let mut text = fields.to_string();
    text.pop();
    if text.len() > 1 {
        text.push(',');
    }
    text
}

/// What an answer of hookscope's own carries, known before the event is stored.
struct LocalSent {
    content_type: &'static str,
    /// The body, or for `then_id` the text before `"id":N}` (shared with the event).
    body: Bytes,
    then_id: bool,
    retry_after: bool,
}

impl LocalSent {
    fn body_for(&self, id: u64) -> Bytes {
        if self.then_id {
            let id = itoa::Buffer::new().format(id).to_owned();
            [&self.body[..], b"\"id\":", id.as_bytes(), b"}"]
                .concat()
                .into()
        } else {
            self.body.clone()
        }
    }
}

/// The headers and body of hookscope's own answer, `None` for the default receipt.
fn local_sent(answer: &Answer, body_size: u64) -> Option<LocalSent> {
    let json = |fields: serde_json::Value| LocalSent {
        content_type: "application/json",
        body: json_before_id(fields).into(),
        then_id: true,
        retry_after: false,
    };
    Some(match answer {
        Answer::TooLarge { limit } => json(serde_json::json!({
            "error": "body too large",
            "limit": limit,
            "body_size": body_size,
        })),
        Answer::Loop => json(serde_json::json!({ "error": LOOP_ERROR })),
        Answer::Busy { limit } => LocalSent {
            retry_after: true,
            ..json(serde_json::json!({
                "error": "too many bodies being read at once; retry later",
                "limit": limit,
            }))
        },
        Answer::Local { body, .. } => match body {
            LocalBody::Received => return None,
            LocalBody::Custom(text) => {
                let is_json = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
                LocalSent {
                    content_type: if is_json {
                        "application/json"
                    } else {
                        "text/plain; charset=utf-8"
                    },
                    body: Bytes::copy_from_slice(text.as_bytes()),
                    then_id: false,
                    retry_after: false,
                }
            }
            LocalBody::Challenge(text) => LocalSent {
                content_type: "text/plain; charset=utf-8",
                body: Bytes::copy_from_slice(text.as_bytes()),
                then_id: false,
                retry_after: false,
            },
            LocalBody::Error(reason) => json(serde_json::json!({ "error": reason })),
            // Rendered for the request in `conclude`.
            LocalBody::Rule(_) => return None,
        },
        Answer::Forwarded {
            result: Err(error),
            url,
        } => json(serde_json::json!({
            "error": format!("forwarding to {url} failed: {error}"),
        })),
        Answer::Forwarded { result: Ok(_), .. } => return None,
    })
}

/// An answer rule's answer rendered for one request, the capture id still to come.
struct RuleSent {
    /// The rule's `content_type`; without one, told from the body.
    content_type: Option<String>,
    headers: Vec<(String, Rendered)>,
    body: Rendered,
}

impl RuleSent {
    /// Renders `rule`'s templates for `event`; the values the request does not have are noted
    /// on it as anomalies. Without a body of its own the rule answers the configured one.
    fn render(rule: &AnswerRule, configured: Option<&str>, event: &mut CapturedEvent) -> RuleSent {
        let mut values =
            RequestValues::new(&event.path, event.query(), &event.headers, &event.body);
        let default_body;
        let body = match (&rule.body, configured) {
            (Some(body), _) => body,
            (None, Some(text)) => {
                default_body = crate::answer::template::Template::text(text);
                &default_body
            }
            (None, None) => {
                default_body = crate::answer::template::Template::receipt();
                &default_body
            }
        };
        let body = body.render(&mut values);
        let headers: Vec<(String, Rendered)> = rule
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), value.render(&mut values)))
            .collect();
        let missing: Vec<String> = body
            .missing
            .iter()
            .chain(headers.iter().flat_map(|(_, value)| &value.missing))
            .cloned()
            .collect();
        for source in missing {
            event
                .analysis
                .anomalies
                .push(Anomaly::TemplateValueMissing {
                    rule: rule.name.clone(),
                    source: source.into(),
                });
            event.analysis.severity = event.analysis.severity.max(Severity::Warn);
        }
        RuleSent {
            content_type: rule.content_type.clone(),
            headers,
            body,
        }
    }

    fn needs_id(&self) -> bool {
        self.body.needs_id() || self.headers.iter().any(|(_, value)| value.needs_id())
    }

    /// The headers and body sent for the event `id`.
    fn assemble(&self, id: u64) -> (HeaderList, Bytes) {
        let body = self.body.with_id(id);
        let content_type = match &self.content_type {
            Some(given) => given.clone(),
            None if serde_json::from_str::<serde::de::IgnoredAny>(&body).is_ok() => {
                "application/json".into()
            }
            None => "text/plain; charset=utf-8".into(),
        };
        let mut pairs: Vec<(&[u8], Vec<u8>)> = Vec::with_capacity(self.headers.len() + 1);
        if !self
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        {
            pairs.push((b"content-type", content_type.into_bytes()));
        }
        for (name, value) in &self.headers {
            // A value copied from the request cannot break the answer's head.
            let value: Vec<u8> = value
                .with_id(id)
                .into_bytes()
                .into_iter()
                .map(|b| {
                    if (b < 0x20 && b != b'\t') || b == 0x7f {
                        b' '
                    } else {
                        b
                    }
                })
                .collect();
            pairs.push((name.as_bytes(), value));
        }
        let headers = HeaderList::from_pairs(pairs.iter().map(|(n, v)| (*n, v.as_slice())));
        (headers, Bytes::from(body))
    }
}

/// The response that carries the headers and body held in `forward`.
fn held_response(
    status: StatusCode,
    forward: Option<&ForwardInfo>,
    close: bool,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(
        forward.map(|f| f.body.clone()).unwrap_or_default(),
    ));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in forward.map(|f| f.headers.iter()).into_iter().flatten() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    if close {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Records the event with its answer (store, analysis, log) and builds the HTTP response, which
/// is ready once the event is on the log (503 instead when the log could not take it).
#[allow(clippy::too_many_arguments)]
async fn conclude(
    shared: &Shared,
    mut event: CapturedEvent,
    facts: &Facts,
    answer: Answer,
    mode: AnswerMode,
    rule: Option<Arc<AnswerRule>>,
    started: Instant,
    close: bool,
) -> Response<Full<Bytes>> {
    let latency_ms = started.elapsed().as_micros() as f64 / 1000.0;
    let status = match &answer {
        Answer::TooLarge { .. } => 413,
        Answer::Loop => 508,
        Answer::Busy { .. } => 503,
        Answer::Local { status, .. } => *status,
        Answer::Forwarded {
            result: Ok(app), ..
        } => app.status,
        Answer::Forwarded { result: Err(e), .. } => e.status(),
    };
    let sent = local_sent(&answer, event.body_size());
    let mut forward = ForwardInfo::default();
    match &answer {
        Answer::Forwarded { url, result } => {
            forward.forwarded_to = Some(url.as_str().into());
            match result {
                Ok(app) => {
                    // The app's answer is kept as request bodies are: its first `--max-body`
                    // bytes, counted in `--max-bytes` with the event.
                    let keep = app.body.len().min(shared.body_limits.max_body as usize);
                    forward.headers = HeaderList::from_pairs(
                        app.headers
                            .iter()
                            .map(|(name, value)| (name.as_str().as_bytes(), value.as_bytes())),
                    );
                    forward.body = app.body.slice(..keep);
                    forward.body_size = app.body.len() as u64;
                }
                Err(error) => forward.error = Some(error.to_string().into()),
            }
        }
        Answer::Loop => forward.error = Some(LOOP_ERROR.into()),
        _ => {}
    }
    event.response = match &sent {
        None if matches!(answer, Answer::Forwarded { .. }) => {
            let mut response = ResponseInfo::with_forward(status, latency_ms, forward);
            // The app's answer is recorded even when it had no headers and no body.
            response.sent = Sent::Held;
            response
        }
        None => ResponseInfo::receipt(status, latency_ms),
        Some(sent) => {
            forward.headers = if sent.retry_after {
                HeaderList::from_pairs([
                    (&b"content-type"[..], sent.content_type.as_bytes()),
                    (&b"retry-after"[..], &b"1"[..]),
                ])
            } else {
                HeaderList::from_pairs([(&b"content-type"[..], sent.content_type.as_bytes())])
            };
            forward.body = sent.body.clone();
            forward.body_size = forward.body.len() as u64;
            let mut response = ResponseInfo::with_forward(status, latency_ms, forward);
            if sent.then_id {
                response.sent = Sent::HeldThenId;
            }
            response
        }
    };
    let rule_sent = match &answer {
        Answer::Local {
            body: LocalBody::Rule(rule),
            ..
        } => Some(RuleSent::render(
            rule,
            shared.policy.settings().body.as_deref(),
            &mut event,
        )),
        _ => None,
    };
    if let Some(rule_sent) = &rule_sent
        && !rule_sent.needs_id()
    {
        let (headers, body) = rule_sent.assemble(0);
        event.response = ResponseInfo::with_forward(
            status,
            latency_ms,
            ForwardInfo {
                headers,
                body_size: body.len() as u64,
                body,
                ..ForwardInfo::default()
            },
        );
        event.response.sent = Sent::Held;
    }
    event.response.mode = mode;
    if let Some(rule) = rule {
        if let Some(limit) = rule.warn_after
            && latency_ms > limit.as_secs_f64() * 1000.0
        {
            event.analysis.anomalies.push(Anomaly::AnswerTooSlow {
                took_ms: latency_ms.min(f64::from(u32::MAX)) as u32,
                limit_ms: u32::try_from(limit.as_millis()).unwrap_or(u32::MAX),
                rule: rule.name.clone(),
            });
            event.analysis.severity = event.analysis.severity.max(Severity::Warn);
        }
        event.response.forward.get_or_insert_with(Box::default).rule = Some(rule.name.clone());
    }
    let stored = match &rule_sent {
        // The capture id is in the answer: it is put in as the event is stored.
        Some(rule_sent) if rule_sent.needs_id() => {
            shared.recorder.record_finishing(event, facts, |event| {
                let (headers, body) = rule_sent.assemble(event.id);
                let forward = event.response.forward.get_or_insert_with(Box::default);
                forward.headers = headers;
                forward.body_size = body.len() as u64;
                forward.body = body;
                event.response.sent = Sent::Held;
            })
        }
        _ => shared.recorder.record(event, facts),
    };
    if !shared.recorder.logged(stored.id).await {
        // The promise is that an answered request is in the log: without its line, the sender
        // is asked to try again (the stored event says 503 already).
        let body = serde_json::json!({
            "error": "hookscope could not write this request to its log; send it again",
            "id": stored.id,
        });
        return json_response(StatusCode::SERVICE_UNAVAILABLE, body.to_string(), close);
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    match (answer, sent) {
        (
            Answer::Forwarded {
                result: Ok(app), ..
            },
            _,
        ) => {
            let mut response = Response::new(Full::new(app.body));
            *response.status_mut() = status;
            *response.headers_mut() = app.headers;
            if close {
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
        (
            Answer::Local {
                body: LocalBody::Rule(_),
                ..
            },
            _,
        ) => held_response(status, stored.response.forward.as_deref(), close),
        (_, Some(sent)) => {
            let mut response =
                bytes_response(status, sent.body_for(stored.id), sent.content_type, close);
            if sent.retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            response
        }
        (_, None) => text_response(
            status,
            event::receipt_body(stored.id),
            event::RECEIPT_CONTENT_TYPE,
            close,
        ),
    }
}

/// `Connection: close` only exists before HTTP/2.
fn closes(version: http::Version) -> bool {
    version < http::Version::HTTP_2
}

fn json_response(status: StatusCode, body: String, close: bool) -> Response<Full<Bytes>> {
    text_response(status, body, "application/json", close)
}

fn text_response(
    status: StatusCode,
    body: String,
    content_type: &'static str,
    close: bool,
) -> Response<Full<Bytes>> {
    bytes_response(status, Bytes::from(body), content_type, close)
}

fn bytes_response(
    status: StatusCode,
    body: Bytes,
    content_type: &'static str,
    close: bool,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if close {
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// hookscope's mark on its own re-sends, taken off the request before anything looks at it, so
/// the event stores the request as its sender made it (and a signature over it still checks).
/// Honoured from loopback senders only: from elsewhere the headers are stored like any other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Resent {
    from: Option<std::num::NonZeroU64>,
    edited: bool,
}

impl Resent {
    fn take(headers: &mut http::HeaderMap, remote: SocketAddr) -> Resent {
        if !remote.ip().is_loopback() {
            return Resent::default();
        }
        let from = headers
            .remove(crate::event::RESENT_FROM_HEADER)
            .and_then(|v| v.to_str().ok()?.trim().parse().ok());
        let edited = headers
            .remove(crate::event::EDITED_HEADER)
            .is_some_and(|v| v.as_bytes() == b"1");
        Resent {
            from,
            edited: edited && from.is_some(),
        }
    }
}
