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
//! `cargo run --release --example memory_per_event`

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
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}
#[global_allocator]
static A: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// The signed bodies, built before counting starts.
fn inputs(n: u64) -> Vec<(String, String)> {
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
            (body, mac)
        })
        .collect()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new("k"));
    let limits = BodyLimits::new(1 << 20, std::time::Duration::from_secs(5));
    let in_flight = InFlight::new(u64::MAX);
    let remote: SocketAddr = ([127, 0, 0, 1], 54321).into();
    let n = 20_000u64;
    let inputs = inputs(n);

    let before = live();
    // A buffer just large enough, so that it is full at the end, as in a long capture.
    let store = Arc::new(Store::new(Limits {
        capacity: n as usize,
        max_bytes: 1 << 40,
    }));
    let recorder = Recorder::new(Arc::clone(&store), None).expect("no log, nothing to open");
    let (mut body_bytes, mut header_bytes) = (0isize, 0isize);
    for (text, mac) in &inputs {
        let len = text.len().to_string();
        let headers = HeaderList::from_pairs([
            (&b"host"[..], &b"127.0.0.1:18765"[..]),
            (b"content-type", b"application/json"),
            (b"x-wms-content-mac", mac.as_bytes()),
            (b"content-length", len.as_bytes()),
        ]);
        // The block's own allocation (the values learned once for all events count as shared).
        header_bytes += headers.heap_size() as isize;
        // The body goes through the listener's reader, which decides how the kept bytes are
        // allocated; the incoming frame is freed once read.
        let at = live();
        let frame = Bytes::copy_from_slice(text.as_bytes());
        let read = runtime
            .block_on(body::read(
                http_body_util::Full::new(frame),
                Some(text.len() as u64),
                limits,
                &mut in_flight.hold(),
            ))
            .expect("a complete body");
        body_bytes += live() - at;
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

    let per = |bytes: isize| bytes as f64 / n as f64;
    let struct_size = std::mem::size_of::<CapturedEvent>();
    // An `Arc` allocation holds two counters before the value.
    let arc_size = struct_size + 2 * std::mem::size_of::<usize>();
    let owned = events - body_bytes - header_bytes - arc_size as isize * n as isize;
    let body_lengths: usize = inputs.iter().map(|(text, _)| text.len()).sum();
    let spare = body_bytes - body_lengths as isize;
    println!(
        "bytes held per signed WMS event ({:.1}-byte bodies on average), {n} events buffered:",
        per(body_lengths as isize)
    );
    println!("  {:>7.1}  total", per(total));
    println!(
        "  {:>7.1}  body ({})",
        per(body_bytes),
        if spare == 0 {
            "exact-size allocations".to_owned()
        } else {
            format!("{:.1} bytes of it spare capacity", per(spare))
        }
    );
    println!("  {:>7.1}  header block", per(header_bytes));
    println!(
        "  {:>7.1}  event struct in its Arc ({struct_size} + {} counters)",
        arc_size as f64,
        arc_size - struct_size
    );
    println!(
        "  {:>7.1}  other heap owned by the event (analysis, addresses, names)",
        per(owned)
    );
    println!(
        "  {:>7.1}  analysis state (sessions, redelivery table)",
        per(analysis_state)
    );
    println!("  {:>7.1}  store ring (one pointer per event)", per(ring));
    println!(
        "  {:>7.1}  shared strings, learned header values and other",
        per(rest)
    );
}
