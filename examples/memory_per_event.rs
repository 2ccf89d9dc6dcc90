//! Memory per buffered event, counted exactly: every byte allocated while 20,000 signed
//! 600-byte WMS events go through body reading, decoding, analysis and the store, and is still
//! held after. Deterministic, unlike RSS (and blind to the allocator's own rounding and
//! headers, which RSS includes).
//!
//! The breakdown comes from taking the state apart afterwards and counting what each step
//! frees: clearing the store frees the events (bodies, header blocks, the event structs and what
//! they own alone), dropping the recorder frees the analysis state (sessions, the redelivery
//! table), dropping the store frees its ring of pointers. What is left is shared and
//! thread-local (the table of shared strings).
//!
//! With a pool from `scripts/make_bodies.py` (one "<mac>\t<body>" per line), the events are
//! that pool's bodies, delivered in turn and again once the pool is through, as the load script
//! sends them (so most are redeliveries, and the hostile mix carries its anomalies):
//!
//! `cargo run --release --example memory_per_event [POOL EVENTS CAPACITY]`
//!
//! The signing secret is the load script's. Last comes a census of the allocations still held,
//! by size: the allocator rounds each up to its size class, which RSS sees and this count not.

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};

use bytes::Bytes;
use hookscope::capture::body::{self, BodyLimits, InFlight};
use hookscope::decode::signature::{Secret, Secrets};
use hookscope::decode::{self, RequestView};
use hookscope::event::build::EventBuilder;
use hookscope::event::*;
use hookscope::ingest::Recorder;
use hookscope::store::{Limits, Store};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
/// Allocations held, by size (the last slot counts every larger one).
const CENSUS_SIZES: usize = 8193;
static CENSUS: [AtomicIsize; CENSUS_SIZES] = [const { AtomicIsize::new(0) }; CENSUS_SIZES];
/// Bytes of the allocations counted in the last slot.
static LARGE_BYTES: AtomicIsize = AtomicIsize::new(0);
fn census(size: usize, change: isize) {
    CENSUS[size.min(CENSUS_SIZES - 1)].fetch_add(change, Ordering::Relaxed);
    if size >= CENSUS_SIZES - 1 {
        LARGE_BYTES.fetch_add(change * size as isize, Ordering::Relaxed);
    }
}
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        census(l.size(), 1);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        census(l.size(), -1);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        census(l.size(), -1);
        census(n, 1);
        unsafe { System.realloc(p, l, n) }
    }
}

/// The allocations held now, by size.
fn census_now() -> Vec<isize> {
    CENSUS
        .iter()
        .map(|count| count.load(Ordering::Relaxed))
        .collect()
}

/// The allocations made since `before` and still held: (size, count), largest share of bytes
/// first.
fn census_since(before: &[isize]) -> Vec<(usize, isize)> {
    let mut held: Vec<(usize, isize)> = census_now()
        .iter()
        .zip(before)
        .enumerate()
        .map(|(size, (now, then))| (size, now - then))
        .filter(|&(_, count)| count > 0)
        .collect();
    held.sort_by_key(|&(size, count)| std::cmp::Reverse(size as isize * count));
    held
}

/// The load script's pool: (body, mac) per line.
fn pool(path: &str) -> Vec<(Vec<u8>, String)> {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let tab = line.iter().position(|&b| b == b'\t')?;
            let mac = String::from_utf8(line[..tab].to_vec()).ok()?;
            Some((line[tab + 1..].to_vec(), mac))
        })
        .collect()
}
#[global_allocator]
static A: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// The signed bodies, built before counting starts.
fn inputs(n: u64) -> Vec<(Vec<u8>, String)> {
    (0..n)
        .map(|i| {
            let session = i % 50;
            let seq = i / 50;
            let body = format!(
                r#"{{"timestamp":{},"sessionId":"load-session-{session:04}-ryueiwoqfh910fu3rpqruvfiu","sequence":{seq},"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{{"measurementId":"fbfbec8f-cb05-4288-99e5-{session:012}","snr":{},"sequence":{seq},"details":"{}"}}}}"#,
                1763800000 + i,
                40 + i % 60,
                "x".repeat(330)
            );
            let mac =
                decode::signature::sign(SignatureScheme::Wms, "k", body.as_bytes(), 0, "")[0]
                    .1
                    .clone();
            (body.into_bytes(), mac)
        })
        .collect()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut secrets = Secrets::default();
    let limits = BodyLimits::new(1 << 20, std::time::Duration::from_secs(5));
    let in_flight = InFlight::new(u64::MAX);
    let remote: SocketAddr = ([127, 0, 0, 1], 54321).into();
    let (inputs, n, capacity) = match args.as_slice() {
        [] => {
            secrets.add(SignatureScheme::Wms, Secret::new("k"));
            (inputs(20_000), 20_000u64, 20_000usize)
        }
        [path, events, capacity] => {
            secrets.add(SignatureScheme::Wms, Secret::new("load-test-secret"));
            let events = events.parse().expect("EVENTS: a number");
            let capacity = capacity.parse().expect("CAPACITY: a number");
            (pool(path), events, capacity)
        }
        _ => {
            eprintln!("usage: memory_per_event [POOL EVENTS CAPACITY]");
            std::process::exit(2);
        }
    };

    let before = live();
    let census_before = census_now();
    let large_before = LARGE_BYTES.load(Ordering::Relaxed);
    // A buffer just large enough, so that it is full at the end, as in a long capture.
    let store = Arc::new(Store::new(Limits {
        capacity,
        max_bytes: 1 << 40,
    }));
    let recorder = Recorder::new(Arc::clone(&store), None).expect("no log, nothing to open");
    // Bodies and header blocks, packed together in chunks.
    let mut packed_bytes = 0isize;
    for (text, mac) in inputs.iter().cycle().take(n as usize) {
        let len = text.len().to_string();
        let at = live();
        // As the listener keeps them: packed with the bodies.
        let headers = HeaderList::packed([
            (&b"host"[..], &b"127.0.0.1:18765"[..]),
            (b"content-type", b"application/json"),
            (b"x-wms-content-mac", mac.as_bytes()),
            (b"content-length", len.as_bytes()),
        ]);
        // The body goes through the listener's reader, which decides how the kept bytes are
        // allocated; the incoming frame is freed once read.
        let frame = Bytes::copy_from_slice(text);
        let read = runtime
            .block_on(body::read(
                http_body_util::Full::new(frame),
                Some(text.len() as u64),
                limits,
                &mut in_flight.hold(),
            ))
            .expect("a complete body");
        packed_bytes += live() - at;
        let decoded = decode::analyse(
            &RequestView {
                method: "POST",
                path: "/hooks/wms",
                headers: &headers,
                body: &read.bytes,
                truncated: read.truncated,
            },
            &secrets,
            chrono::Utc::now(),
        );
        let event = EventBuilder::new(0)
            .remote_addr(remote)
            .path("/hooks/wms")
            .headers(headers)
            .body(read.bytes)
            .body_size(read.size)
            .truncated(read.truncated)
            .analysis(decoded.analysis)
            .response(ResponseInfo::local(200, 0.05))
            .build();
        recorder.record(event, &decoded.facts);
    }
    let total = live() - before;
    let held = census_since(&census_before);
    let large = LARGE_BYTES.load(Ordering::Relaxed) - large_before;

    // Take it apart, counting what each step frees.
    let at = live();
    store.clear();
    let events = at - live();
    let at = live();
    drop(recorder);
    let analysis_state = at - live();
    let at = live();
    drop(store);
    let ring = at - live();
    let rest = total - events - analysis_state - ring;

    let stored = n.min(capacity as u64);
    let per = |bytes: isize| bytes as f64 / stored as f64;
    let struct_size = std::mem::size_of::<CapturedEvent>();
    // An `Arc` allocation holds two counters before the value.
    let arc_size = struct_size + 2 * std::mem::size_of::<usize>();
    let body_lengths: usize = inputs.iter().map(|(text, _)| text.len()).sum();
    println!(
        "bytes held per signed WMS event ({:.1}-byte bodies on average), {stored} events buffered \
         of {n}:",
        body_lengths as f64 / inputs.len() as f64
    );
    println!("  {:>7.1}  total", per(total));
    if n as usize == capacity {
        // The chunk this thread is still filling stays with the thread when the store is
        // cleared: it counts in `packed_bytes`, not in what clearing freed.
        let still_filling = hookscope::alloc::slab::CHUNK as isize;
        let owned = events + still_filling - packed_bytes - arc_size as isize * n as isize;
        println!(
            "  {:>7.1}  body and header block, packed in chunks",
            per(packed_bytes)
        );
        println!(
            "  {:>7.1}  event struct in its Arc ({struct_size} + {} counters)",
            arc_size as f64,
            arc_size - struct_size
        );
        println!(
            "  {:>7.1}  other heap owned by the event (analysis, addresses, names)",
            // Rounded as shown, so that a few bytes below zero (the filling chunk's own
            // bookkeeping) read as 0.0, not -0.0.
            (per(owned) * 10.0).round() / 10.0 + 0.0
        );
    } else {
        println!(
            "  {:>7.1}  the events (bodies, header blocks, structs, what they own)",
            per(events)
        );
    }
    println!(
        "  {:>7.1}  analysis state (sessions, redelivery table)",
        per(analysis_state)
    );
    println!("  {:>7.1}  store ring (one pointer per event)", per(ring));
    println!(
        "  {:>7.1}  shared strings, learned header values and other",
        per(rest)
    );
    println!("allocations held before taking it apart, by size (bytes per event: size × count):");
    let mut held: Vec<(isize, String)> = held
        .iter()
        .map(|&(size, count)| {
            if size == CENSUS_SIZES - 1 {
                (large, format!("{count} of {size} bytes or more"))
            } else {
                (size as isize * count, format!("{count} × {size}"))
            }
        })
        .collect();
    held.sort_by_key(|&(bytes, _)| std::cmp::Reverse(bytes));
    for (bytes, what) in held.iter().take(12) {
        println!("  {:>7.1}  {what}", per(*bytes));
    }
}
