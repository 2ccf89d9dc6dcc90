//! Sending requests: the simulator's vendor traffic and replays of captured events go through
//! here — a pooled client, pacing, Prism's retry schedule, and a summary of the answers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// One request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// What it is, for progress output (a scenario name, an event id).
    pub label: String,
    pub method: String,
    /// Path and query, appended to the target URL.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Re-send on a non-2xx answer or a connection failure, on Prism's documented schedule.
    pub retries: bool,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The delays of Prism's re-sends after a failed delivery, each counted from the send before it.
/// Prism's Hosted API webhook guide ("Webhook Overview"): "If a webhook event fails (i.e. the
/// endpoint returns a status not in the 200s or the connection fails), the Prism server will
/// attempt to re-send the event three times—immediately upon failure, then again after 5 and
/// then 30 seconds. After that it will stop."
pub const PRISM_RETRY_SCHEDULE: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(30),
];

/// What happened to the deliveries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub sent: u64,
    /// Re-sends made on Prism's schedule (included in `sent`).
    pub retried: u64,
    /// Answers by status class: 2xx, 3xx, 4xx, 5xx.
    pub by_class: [u64; 4],
    /// Deliveries that got no answer (connection refused, timeout…).
    pub failed: u64,
}

impl Summary {
    fn record(&mut self, result: &Result<u16, String>) {
        self.sent += 1;
        match result {
            Ok(status) if (200..600).contains(status) => {
                self.by_class[usize::from(status / 100 - 2)] += 1;
            }
            _ => self.failed += 1,
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} sent", self.sent)?;
        if self.retried > 0 {
            write!(f, " ({})", crate::words::count(self.retried, "re-send"))?;
        }
        for (class, count) in self.by_class.iter().enumerate() {
            if *count > 0 {
                write!(f, ", {count} × {}xx", class + 2)?;
            }
        }
        if self.failed > 0 {
            write!(f, ", {} without an answer", self.failed)?;
        }
        Ok(())
    }
}

/// Told of every answer (or failure) as it comes, re-sends included.
pub type Progress = Arc<dyn Fn(&Delivery, &Result<u16, String>) + Send + Sync>;

/// Sends the deliveries to `target` (`http://host:port[/base]`), at most `rate` per second
/// (`None`: as fast as answers come). Deliveries marked `retries` are re-sent on Prism's
/// schedule after a failure, in the background; `send` returns when those are done too.
pub async fn send(
    target: &str,
    deliveries: Vec<Delivery>,
    rate: Option<f64>,
    progress: Progress,
) -> Summary {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let base = target.trim_end_matches('/').to_string();
    let pause = rate.map(|r| Duration::from_secs_f64(1.0 / r.max(0.01)));
    let summary = Arc::new(Mutex::new(Summary::default()));
    let mut retries = Vec::new();
    for delivery in deliveries {
        let result = status_of(&client, &base, &delivery).await;
        lock(&summary).record(&result);
        progress(&delivery, &result);
        if delivery.retries && !matches!(result, Ok(200..=299)) {
            let (client, base, summary, progress) = (
                client.clone(),
                base.clone(),
                Arc::clone(&summary),
                Arc::clone(&progress),
            );
            retries.push(tokio::spawn(async move {
                for delay in PRISM_RETRY_SCHEDULE {
                    tokio::time::sleep(delay).await;
                    let result = status_of(&client, &base, &delivery).await;
                    {
                        let mut summary = lock(&summary);
                        summary.record(&result);
                        summary.retried += 1;
                    }
                    progress(&delivery, &result);
                    if matches!(result, Ok(200..=299)) {
                        break;
                    }
                }
            }));
        }
        if let Some(pause) = pause {
            tokio::time::sleep(pause).await;
        }
    }
    for task in retries {
        let _ = task.await;
    }
    lock(&summary).clone()
}

fn lock(summary: &Mutex<Summary>) -> std::sync::MutexGuard<'_, Summary> {
    summary.lock().unwrap_or_else(|p| p.into_inner())
}

/// The pooled plain-HTTP client the senders use.
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// One request and its answer, timed: what a chaos run reports of each send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The status, or why there was none.
    pub result: Result<u16, String>,
    /// From sending the request to the end of the answer's body.
    pub latency: Duration,
    /// The size of the answer's body (0 without an answer).
    pub body_len: usize,
}

/// Sends `delivery` to `base` and times the answer.
pub async fn exchange(client: &HttpClient, base: &str, delivery: &Delivery) -> Exchange {
    let started = std::time::Instant::now();
    let answer = send_one(client, base, delivery).await;
    let latency = started.elapsed();
    match answer {
        Ok((status, body)) => Exchange {
            result: Ok(status),
            latency,
            body_len: body.len(),
        },
        Err(error) => Exchange {
            result: Err(error),
            latency,
            body_len: 0,
        },
    }
}

async fn status_of(
    client: &Client<HttpConnector, Full<Bytes>>,
    base: &str,
    delivery: &Delivery,
) -> Result<u16, String> {
    send_one(client, base, delivery)
        .await
        .map(|(status, _)| status)
}

async fn send_one(
    client: &Client<HttpConnector, Full<Bytes>>,
    base: &str,
    delivery: &Delivery,
) -> Result<(u16, Bytes), String> {
    let mut request = hyper::Request::builder()
        .method(delivery.method.as_str())
        .uri(format!("{base}{}", delivery.path));
    for (name, value) in &delivery.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let request = request
        .body(Full::new(delivery.body.clone()))
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(Duration::from_secs(15), client.request(request))
        .await
        .map_err(|_| "no answer within 15 s".to_string())?
        .map_err(|e| {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                message = format!("{message}: {inner}");
                source = inner.source();
            }
            message
        })?;
    let status = response.status().as_u16();
    let body =
        match tokio::time::timeout(Duration::from_secs(15), response.into_body().collect()).await {
            Ok(Ok(body)) => body.to_bytes(),
            _ => Bytes::new(),
        };
    Ok((status, body))
}

/// Progress on stderr: a bar redrawn in place on a terminal, one line per answer otherwise.
pub fn stderr_progress(total: usize) -> Progress {
    use std::io::{IsTerminal, Write};
    let tty = std::io::stderr().is_terminal();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    Arc::new(move |delivery: &Delivery, result: &Result<u16, String>| {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let answer = match result {
            Ok(status) => status.to_string(),
            Err(error) => format!("no answer: {error}"),
        };
        let mut err = std::io::stderr().lock();
        if tty {
            let width = 30;
            let filled = (n.min(total) * width).checked_div(total).unwrap_or(width);
            let _ = write!(
                err,
                "\r\x1b[2K[{}{}] {n}/{total}  {} {} → {answer}",
                "█".repeat(filled),
                "·".repeat(width - filled),
                delivery.method,
                crate::sanitize::escape(&delivery.label),
            );
            if n >= total {
                let _ = writeln!(err);
            }
        } else {
            let _ = writeln!(
                err,
                "{n}/{total} {} {} {} → {answer}",
                crate::sanitize::escape(&delivery.label),
                delivery.method,
                crate::sanitize::escape(&delivery.path),
            );
        }
    })
}
