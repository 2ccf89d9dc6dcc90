//! Allocations the listener makes per request: the real listener on 127.0.0.1:0, signed WMS
//! bodies from the load script's pool sent one after another on one keep-alive connection, and
//! the allocator's calls counted while they are served.
//!
//! `cargo run --release --example allocs_per_request -- POOL [REQUESTS] [--jsonl | --bare]`
//!
//! `--bare` counts a bare hyper server instead, serving as `examples/bare_hyper.rs` does (HTTP/1
//! only, the body read, a small JSON answer): the yardstick's own allocations.
//!
//! POOL is a file from `scripts/make_bodies.py load-test-secret N clean|hostile`. The client
//! writes each request from a buffer built beforehand and reads each answer into a fixed buffer,
//! so that what is counted is the listener's (its worker threads and, with `--jsonl`, its log
//! writer). The first quarter of the requests warms the listener up and is not counted.

use std::alloc::{GlobalAlloc, Layout};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hookscope::capture::Listener;
use hookscope::config::ListenConfig;
use hookscope::decode::signature::{Secret, Secrets};
use hookscope::event::SignatureScheme;
use hookscope::ingest::Recorder;
use hookscope::store::Store;

mod support;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);
/// Allocations of 4 KiB or more, and their bytes.
static LARGE: AtomicU64 = AtomicU64::new(0);
static LARGE_BYTES: AtomicU64 = AtomicU64::new(0);

fn count(size: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    ALLOCATED_BYTES.fetch_add(size as u64, Ordering::Relaxed);
    if size >= 4096 {
        LARGE.fetch_add(1, Ordering::Relaxed);
        LARGE_BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

/// hookscope's allocator, with its calls counted.
struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { hookscope::alloc::Allocator.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { hookscope::alloc::Allocator.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { hookscope::alloc::Allocator.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// The requests of the pool, each ready to write: `"<mac>\t<body>"` per line.
fn requests(path: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let tab = line.iter().position(|&b| b == b'\t')?;
            let (mac, body) = (&line[..tab], &line[tab + 1..]);
            let mut request = format!(
                "POST /hooks/wms HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
                 x-wms-content-mac: {}\r\ncontent-length: {}\r\n\r\n",
                String::from_utf8_lossy(mac),
                body.len()
            )
            .into_bytes();
            request.extend_from_slice(body);
            Some(request)
        })
        .collect()
}

/// Reads one answer (head and `content-length` body) into `buffer`, allocating nothing.
fn read_answer(stream: &mut TcpStream, buffer: &mut [u8]) {
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buffer[filled..]).expect("an answer");
        assert!(n > 0, "the listener closed the connection");
        filled += n;
        let Some(end) = buffer[..filled].windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = std::str::from_utf8(&buffer[..end]).expect("a UTF-8 head");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .expect("a content-length");
        if filled >= end + 4 + length {
            assert_eq!(filled, end + 4 + length, "one answer at a time");
            return;
        }
    }
}

/// The counters: allocations, bytes, large allocations, their bytes.
fn counters() -> [u64; 4] {
    [&ALLOCATIONS, &ALLOCATED_BYTES, &LARGE, &LARGE_BYTES].map(|c| c.load(Ordering::Relaxed))
}

/// Sends `total` requests, and gives what the counters grew by from request `counted_from` on.
fn send_all(addr: SocketAddr, requests: &[Vec<u8>], total: usize, counted_from: usize) -> [u64; 4] {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buffer = vec![0u8; 64 * 1024];
    let mut start = [0; 4];
    for (index, request) in requests.iter().cycle().take(total).enumerate() {
        if index == counted_from {
            start = counters();
        }
        stream.write_all(request).expect("send");
        read_answer(&mut stream, &mut buffer);
    }
    let end = counters();
    std::array::from_fn(|i| end[i] - start[i])
}

/// A bare HTTP/1 hyper server on loopback, serving until the process ends.
async fn bare_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let service = hyper::service::service_fn(support::bare_answer);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    addr
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let jsonl = args.iter().any(|a| a == "--jsonl");
    let bare = args.iter().any(|a| a == "--bare");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let Some(pool) = positional.first() else {
        eprintln!("usage: allocs_per_request POOL [REQUESTS] [--jsonl | --bare]");
        std::process::exit(2);
    };
    let count: usize = positional
        .get(1)
        .map_or(20_000, |n| n.parse().expect("REQUESTS is a number"));
    let requests = requests(pool);
    assert!(!requests.is_empty(), "{pool}: no '<mac>\\t<body>' lines");

    let log = std::env::temp_dir().join(format!("allocs-per-request-{}.jsonl", std::process::id()));
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new("load-test-secret"));
    let mut config = ListenConfig {
        port: 0,
        secrets,
        headless: true,
        ..ListenConfig::default()
    };
    if jsonl {
        config.jsonl = Some(hookscope::export::jsonl::JsonlTarget::File(log.clone()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let counted_from = count / 4;
    let [calls, bytes, large, large_bytes] = runtime.block_on(async {
        if bare {
            let addr = bare_server().await;
            return tokio::task::spawn_blocking(move || {
                send_all(addr, &requests, count, counted_from)
            })
            .await
            .expect("the client finishes");
        }
        let store = Arc::new(Store::new(config.limits));
        let recorder =
            Arc::new(Recorder::new(store, config.jsonl.as_ref()).expect("the log opens"));
        let listener = Listener::bind(&config, recorder)
            .await
            .expect("the listener binds");
        let addr = listener.local_addr();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn(listener.run(async move {
            let _ = stopped.await;
        }));
        let result =
            tokio::task::spawn_blocking(move || send_all(addr, &requests, count, counted_from))
                .await
                .expect("the client finishes");
        let _ = stop.send(());
        let _ = served.await;
        result
    });
    let _ = std::fs::remove_file(&log);
    let counted = (count - count / 4) as f64;
    println!(
        "{:.1} allocations and {:.0} bytes allocated per request ({} requests counted, {}, {})",
        calls as f64 / counted,
        bytes as f64 / counted,
        counted,
        pool,
        match (bare, jsonl) {
            (true, _) => "bare hyper",
            (false, true) => "hookscope with --jsonl",
            (false, false) => "hookscope, no log",
        }
    );
    println!(
        "  of which {:.2} allocations of 4 KiB or more, {:.0} bytes",
        large as f64 / counted,
        large_bytes as f64 / counted
    );
}
