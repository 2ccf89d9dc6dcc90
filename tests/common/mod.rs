//! Helpers for the integration tests: a real listener on 127.0.0.1:0 and real HTTP clients.
#![allow(dead_code)] // each test binary uses its own subset

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hookscope::capture::Listener;
use hookscope::config::ListenConfig;
use hookscope::ingest::Recorder;
use hookscope::store::Store;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Every wait in these tests is bounded by this.
pub const LIMIT: Duration = Duration::from_secs(20);

pub struct TestServer {
    pub addr: SocketAddr,
    pub store: Arc<Store>,
    /// The answer policy, whose mode a test may change as `m` does.
    pub policy: Arc<hookscope::answer::AnswerPolicy>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Settings for tests: any free port on loopback, short timeouts.
pub fn config() -> ListenConfig {
    ListenConfig {
        port: 0,
        header_timeout: Duration::from_millis(500),
        ..ListenConfig::default()
    }
}

pub async fn start(config: ListenConfig) -> TestServer {
    let store = Arc::new(Store::new(config.limits).with_max_pinned(config.max_pinned));
    let recorder = Arc::new(Recorder::new(Arc::clone(&store), config.jsonl.as_ref()).unwrap());
    let listener = Listener::bind(&config, recorder).await.unwrap();
    let addr = listener.local_addr();
    let policy = listener.policy();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(listener.run(async move {
        let _ = stopped.await;
    }));
    TestServer {
        addr,
        store,
        policy,
        stop: Some(stop),
        task,
    }
}

impl TestServer {
    /// Stops accepting, lets requests in flight finish, and waits for the listener to return.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(LIMIT, &mut self.task)
            .await
            .expect("listener stops")
            .unwrap();
    }

    /// Waits until the counters say `received` requests have been seen.
    pub async fn wait_received(&self, received: u64) {
        let wait = async {
            let mut changes = self.store.subscribe();
            while self.store.stats().received < received {
                let _ = changes.changed().await;
            }
        };
        tokio::time::timeout(LIMIT, wait)
            .await
            .expect("requests counted in time");
    }
}

/// An answer as a client saw it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the answer is JSON")
    }
}

/// Sends one request with hyper's HTTP/1.1 client, headers in the order given.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> Answer {
    let (status, _, body) = send_full(addr, method, target, headers, body).await;
    Answer { status, body }
}

pub async fn post(addr: SocketAddr, target: &str, content_type: &str, body: &[u8]) -> Answer {
    send(
        addr,
        "POST",
        target,
        &[("content-type", content_type.as_bytes())],
        body,
    )
    .await
}

/// Sends one request over HTTP/2 without TLS (prior knowledge).
pub async fn send_h2(addr: SocketAddr, target: &str, body: &[u8]) -> Answer {
    let exchange = async {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let request = Request::builder()
            .method("POST")
            .uri(format!("http://{addr}{target}"))
            .body(Full::new(Bytes::copy_from_slice(body)))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer { status, body }
    };
    tokio::time::timeout(LIMIT, exchange)
        .await
        .expect("answer in time")
}

/// Writes raw bytes and reads until the server closes the connection (or `LIMIT`).
pub async fn raw(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    read_to_close(&mut stream).await
}

pub async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(LIMIT, stream.read_to_end(&mut out))
        .await
        .expect("server closes in time");
    String::from_utf8_lossy(&out).into_owned()
}

/// The export of everything stored, parsed.
pub fn export_json(store: &Store) -> serde_json::Value {
    let events = store.snapshot();
    let mut out = Vec::new();
    hookscope::export::write_export(
        &mut out,
        store.stats(),
        chrono::Utc::now(),
        events.iter().map(|e| e.as_ref()),
    )
    .unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// A request as the user's app received it.
#[derive(Debug, Clone)]
pub struct AppRequest {
    pub method: String,
    pub uri: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Bytes,
}

impl AppRequest {
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// A stand-in for the user's app: records what it receives, answers `status` with `body` and an
/// `x-app: yes` header after `delay`.
pub struct TestApp {
    pub addr: SocketAddr,
    pub received: Arc<std::sync::Mutex<Vec<AppRequest>>>,
    task: JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn start_app(status: u16, answer: &'static str, delay: Duration) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = Arc::clone(&log);
            let service =
                hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                    let log = Arc::clone(&log);
                    async move {
                        let (parts, body) = request.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        log.lock().unwrap().push(AppRequest {
                            method: parts.method.to_string(),
                            uri: parts.uri.to_string(),
                            headers: parts
                                .headers
                                .iter()
                                .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                                .collect(),
                            body,
                        });
                        tokio::time::sleep(delay).await;
                        let response = hyper::Response::builder()
                            .status(status)
                            .header("x-app", "yes")
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from_static(answer.as_bytes())))
                            .unwrap();
                        Ok::<_, std::convert::Infallible>(response)
                    }
                });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    TestApp {
        addr,
        received,
        task,
    }
}

/// Sends one request and returns the answer with its headers.
pub async fn send_full(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &[u8])],
    body: &[u8],
) -> (u16, hyper::HeaderMap, Bytes) {
    let exchange = async {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        let mut request = Request::builder()
            .method(method)
            .uri(target)
            .header("host", addr.to_string());
        for (name, value) in headers {
            request = request.header(
                *name,
                hyper::header::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body)))
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body)
    };
    tokio::time::timeout(LIMIT, exchange)
        .await
        .expect("answer in time")
}
