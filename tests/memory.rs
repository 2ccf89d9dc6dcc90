//! Memory bounds over real sockets: header bytes count toward `--max-bytes`, the bytes of all
//! bodies being read at once stay under `--max-in-flight`, past which requests are answered 503
//! and captured as such, and memory comes back down after a burst of large bodies.

mod common;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use hookscope::capture::Listener;
use hookscope::capture::body::InFlight;
use hookscope::config::ListenConfig;
use hookscope::ingest::Recorder;
use hookscope::store::{Limits, Store};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// The allocator of the hookscope binary, so that what this process keeps after a burst is what
/// hookscope would keep.
#[global_allocator]
static ALLOCATOR: hookscope::alloc::Allocator = hookscope::alloc::Allocator;

/// A listener like `common::start`, which also hands out its bound on bodies in flight.
struct Server {
    addr: SocketAddr,
    store: Arc<Store>,
    in_flight: Arc<InFlight>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn start_server(config: ListenConfig) -> Server {
    let store = Arc::new(Store::new(config.limits));
    let recorder = Arc::new(Recorder::new(Arc::clone(&store), None).unwrap());
    let listener = Listener::bind(&config, recorder).await.unwrap();
    let addr = listener.local_addr();
    let in_flight = listener.in_flight();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(listener.run(async move {
        let _ = stopped.await;
    }));
    Server {
        addr,
        store,
        in_flight,
        stop,
        task,
    }
}

impl Server {
    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(LIMIT, self.task)
            .await
            .expect("listener stops")
            .unwrap();
    }
}

/// Waits (a bounded time) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let wait = async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(LIMIT, wait)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting until {what}"));
}

/// Connects and sends a POST head declaring `length` bytes (chunked when `None`), with a
/// `connection: close` so that the answer ends with the connection.
async fn open_post(addr: SocketAddr, path: &str, length: Option<usize>) -> TcpStream {
    let framing = match length {
        Some(n) => format!("content-length: {n}"),
        None => "transfer-encoding: chunked".to_string(),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\nconnection: close\r\n\
         {framing}\r\n\r\n"
    );
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

fn status_of(answer: &str) -> &str {
    answer.split(' ').nth(1).unwrap_or("none")
}

async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, future).await.expect("in time")
}

#[tokio::test]
async fn header_bytes_count_toward_max_bytes_and_eviction_stays_exact() {
    const MAX_BYTES: u64 = 64 * 1024;
    let server = start_server(ListenConfig {
        limits: Limits {
            capacity: 1000,
            max_bytes: MAX_BYTES,
        },
        max_body: 1024,
        ..config()
    })
    .await;
    // Eight headers of 1 KiB each and a tiny body: the headers are what takes the memory.
    let pad = vec![b'h'; 1024];
    let names: Vec<String> = (0..8).map(|i| format!("x-pad-{i}")).collect();
    let headers: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &pad[..])).collect();
    for i in 1..=20 {
        let answer = send(server.addr, "POST", &format!("/h/{i}"), &headers, b"{}").await;
        assert_eq!(answer.status, 200);
    }
    // And a client that goes away mid-body, which cannot become an event.
    let mut gone = open_post(server.addr, "/gone", Some(100)).await;
    gone.write_all(b"only part").await.unwrap();
    drop(gone);
    bounded(async {
        let mut changes = server.store.subscribe();
        while server.store.stats().received < 21 {
            let _ = changes.changed().await;
        }
    })
    .await;

    let stats = server.store.stats();
    assert!(stats.balanced(), "{stats:?}");
    assert_eq!((stats.received, stats.rejected), (21, 1));
    // Over 8 KiB of headers each: no more than seven fit in 64 KiB, and no fewer than six.
    assert!((6..=7).contains(&stats.stored), "{stats:?}");
    assert_eq!(stats.evicted, 20 - stats.stored);

    let events = server.store.snapshot();
    assert_eq!(events.len() as u64, stats.stored);
    assert_eq!(events.last().map(|e| e.id), Some(20), "the newest are kept");
    assert!(events.iter().all(|e| e.held_bytes() > 8 * 1024));
    // The store's account is exactly what its events hold, after every eviction.
    let held: u64 = events.iter().map(|e| e.held_bytes()).sum();
    assert_eq!(server.store.held_bytes(), held);
    assert!(held <= MAX_BYTES, "{held}");
    assert_eq!(server.store.body_bytes(), 2 * stats.stored);

    // Clearing gives the whole account back.
    server.store.clear();
    assert_eq!(server.store.held_bytes(), 0);
    assert!(server.store.stats().balanced());
    server.stop().await;
}

#[tokio::test]
async fn bodies_in_flight_past_the_bound_are_answered_503_and_captured() {
    const KIB: usize = 1024;
    let server = start_server(ListenConfig {
        max_body: 128 * KIB as u64,
        max_in_flight: Some(256 * KIB as u64),
        ..config()
    })
    .await;
    let body: Vec<u8> = (0..100 * KIB).map(|i| b'a' + (i % 26) as u8).collect();

    // Two senders declare 100 KiB each, send half and wait: 200 KiB of the 256 are taken.
    let mut slow = Vec::new();
    for i in 0..2 {
        let mut stream = open_post(server.addr, &format!("/slow/{i}"), Some(body.len())).await;
        stream.write_all(&body[..50 * KIB]).await.unwrap();
        slow.push(stream);
    }
    until("both slow bodies hold their share", || {
        server.in_flight.held() == 200 * KIB as u64
    })
    .await;

    // A third does not fit: refused at once, before its body is read.
    let mut third = open_post(server.addr, "/third", Some(body.len())).await;
    third.write_all(&body[..10 * KIB]).await.unwrap();
    let answer = read_to_close(&mut third).await;
    assert_eq!(status_of(&answer), "503", "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("retry-after: 1"),
        "{answer}"
    );
    assert!(
        answer.contains("too many bodies being read at once"),
        "{answer}"
    );

    // A small body still fits beside the two.
    assert_eq!(
        post(server.addr, "/small", "text/plain", b"ok")
            .await
            .status,
        200
    );

    // The slow ones finish and are answered as usual; then their share is back.
    for mut stream in slow {
        stream.write_all(&body[50 * KIB..]).await.unwrap();
        let answer = read_to_close(&mut stream).await;
        assert_eq!(status_of(&answer), "200", "{answer}");
    }
    until("every share is given back", || server.in_flight.held() == 0).await;
    // Now the third's body fits.
    assert_eq!(
        post(server.addr, "/third", "text/plain", &body)
            .await
            .status,
        200
    );

    let export = export_json(&server.store);
    assert_eq!(
        export["stats"],
        serde_json::json!({"received": 5, "stored": 5, "evicted": 0, "rejected": 0})
    );
    let events = export["events"].as_array().unwrap();
    let refused = events
        .iter()
        .find(|e| e["response"]["status"] == 503)
        .expect("the refused request is an event");
    assert_eq!(refused["path"], "/third");
    assert_eq!(refused["body_size"], 100 * KIB);
    assert_eq!(refused["truncated"], true);
    assert_eq!(refused["body"], "");
    assert_eq!(refused["anomalies"][0]["code"], "busy");
    assert_eq!(refused["anomalies"].as_array().unwrap().len(), 1);
    let slow: Vec<_> = events
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/slow/"))
        .collect();
    assert_eq!(slow.len(), 2);
    for slow in slow {
        assert_eq!(slow["response"]["status"], 200);
        assert_eq!(slow["body"].as_str().unwrap().as_bytes(), &body[..]);
    }
    assert_eq!(server.in_flight.held(), 0);
    server.stop().await;
}

#[tokio::test]
async fn a_chunked_body_stops_where_the_bound_is_reached() {
    const KIB: usize = 1024;
    let server = start_server(ListenConfig {
        max_body: 128 * KIB as u64,
        max_in_flight: Some(128 * KIB as u64),
        ..config()
    })
    .await;
    // One sender holds 100 KiB of the 128 with a declared body it has not finished.
    let mut holder = open_post(server.addr, "/holder", Some(100 * KIB)).await;
    holder.write_all(b"started").await.unwrap();
    until("the holder's share is taken", || {
        server.in_flight.held() == 100 * KIB as u64
    })
    .await;

    // A chunked body of unknown length grows until its buffer no longer fits beside it.
    let chunk = vec![b'c'; 16 * KIB];
    let mut chunked = open_post(server.addr, "/chunked", None).await;
    let mut sent = 0;
    let answer = bounded(async {
        loop {
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if chunked.write_all(&frame).await.is_err() || sent >= 64 {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        read_to_close(&mut chunked).await
    })
    .await;
    assert_eq!(status_of(&answer), "503", "{answer}");
    assert!(sent < 64, "the listener kept reading");
    assert!(server.in_flight.held() <= 128 * KIB as u64);

    holder.write_all(&vec![b'h'; 100 * KIB - 7]).await.unwrap();
    let answer = read_to_close(&mut holder).await;
    assert_eq!(status_of(&answer), "200", "{answer}");
    until("every share is given back", || server.in_flight.held() == 0).await;

    let events = server.store.snapshot();
    let cut = events
        .iter()
        .find(|e| &*e.path == "/chunked")
        .expect("the refused request is an event");
    assert_eq!(cut.response.status, 503);
    assert!(cut.truncated);
    // What was kept is the start of what was sent, and less than the room that was left.
    assert!(
        !cut.body.is_empty() && cut.body.len() <= 28 * KIB,
        "{}",
        cut.body.len()
    );
    assert!(cut.body.iter().all(|&b| b == b'c'));
    assert!(cut.body_size() >= cut.body.len() as u64);
    assert_eq!(cut.analysis.anomalies[0].code(), "busy");
    assert!(server.store.stats().balanced());
    server.stop().await;
}

/// Resident memory of this process, in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn memory_comes_back_down_after_a_burst_of_large_bodies() {
    const MIB: usize = 1 << 20;
    let server = start_server(ListenConfig {
        max_body: 8 * MIB as u64,
        max_in_flight: Some(64 * MIB as u64),
        ..config()
    })
    .await;
    let body = vec![b'B'; 3 * MIB + MIB / 2];
    let before = resident_kib();

    // Eight senders declare 4 MiB each, send 3.5 MiB and stop there.
    let mut senders = Vec::new();
    for i in 0..8 {
        let mut stream = open_post(server.addr, &format!("/burst/{i}"), Some(4 * MIB)).await;
        stream.write_all(&body).await.unwrap();
        senders.push(stream);
    }
    until("the bodies are read", || {
        resident_kib() >= before + 24 * 1024 && server.in_flight.held() == 32 * MIB as u64
    })
    .await;
    let during = resident_kib();

    // They go away: the requests are rejected and their buffers freed.
    drop(senders);
    until("the shares are given back", || server.in_flight.held() == 0).await;
    // A request gives its share back after its buffers are freed: the memory is back already,
    // not after an allocator's delay (a second and more, and never in an idle process).
    let after = resident_kib();
    assert!(
        after <= before + 8 * 1024,
        "{before} kB, {during} kB, then {after} kB"
    );
    let stats = server.store.stats();
    assert_eq!((stats.rejected, stats.stored), (8, 0), "{stats:?}");
    assert!(during >= before + 24 * 1024, "{before} kB, {during} kB");
    server.stop().await;
}

#[tokio::test]
async fn the_bound_holds_over_http2_too() {
    let server = start_server(ListenConfig {
        max_body: 4096,
        max_in_flight: Some(4096),
        ..config()
    })
    .await;
    // An HTTP/1 sender holds 4000 of the 4096 bytes.
    let mut holder = open_post(server.addr, "/holder", Some(4000)).await;
    holder.write_all(b"{").await.unwrap();
    until("the holder's share is taken", || {
        server.in_flight.held() == 4000
    })
    .await;

    let body = [b'2'; 600];
    let answer = send_h2(server.addr, "/h2", &body).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json()["error"],
        "too many bodies being read at once; retry later"
    );

    holder.write_all(&[b' '; 3999]).await.unwrap();
    assert_eq!(status_of(&read_to_close(&mut holder).await), "200");
    until("every share is given back", || server.in_flight.held() == 0).await;
    assert_eq!(send_h2(server.addr, "/h2", &body).await.status, 200);

    let events = server.store.snapshot();
    let refused = events.iter().find(|e| e.response.status == 503).unwrap();
    assert_eq!(&*refused.path, "/h2");
    assert_eq!(refused.analysis.anomalies[0].code(), "busy");
    assert!(server.store.stats().balanced());
    server.stop().await;
}
