//! Memory per buffered event, counted exactly: every byte allocated while 20,000 signed
//! 600-byte WMS events go through decoding, analysis and the store, and is still held after.
//! Deterministic, unlike RSS.
//!
//! `cargo run --release --example memory_per_event`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
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
fn main() {
    use hookscope::config::{Secret, Secrets};
    use hookscope::event::*;
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new("k"));
    let store = Arc::new(hookscope::store::Store::new(hookscope::store::Limits {
        capacity: 1_000_000,
        max_bytes: 1 << 40,
    }));
    let recorder = hookscope::capture::recorder::Recorder::new(store.clone(), None).unwrap();
    let n = 20_000u64;
    let mut inputs = Vec::new();
    for i in 0..n {
        let session = i % 50;
        let seq = i / 50;
        let body = format!(
            r#"{{"timestamp":{},"sessionId":"load-session-{session:04}-ryueiwoqfh910fu3rpqruvfiu","sequence":{seq},"event":"INTERMEDIATE_RESULTS","severity":"INFO","payload":{{"measurementId":"fbfbec8f-cb05-4288-99e5-{session:012}","snr":{},"sequence":{seq},"details":"{}"}}}}"#,
            1763800000 + i,
            40 + i % 60,
            "x".repeat(330)
        );
        let mac =
            hookscope::decode::signature::sign(SignatureScheme::Wms, "k", body.as_bytes(), 0, "")
                [0]
            .1
            .clone();
        inputs.push((body, mac));
    }
    let before = LIVE.load(Ordering::Relaxed);
    let (mut bodies, mut hb) = (0usize, 0usize);
    for (body, mac) in &inputs {
        let len = body.len().to_string();
        let headers = HeaderList::from_pairs(vec![
            (&b"host"[..], &b"127.0.0.1:18765"[..]),
            (b"content-type", b"application/json"),
            (b"x-wms-content-mac", mac.as_bytes()),
            (b"content-length", len.as_bytes()),
        ]);
        hb += headers.heap_size();
        bodies += body.len();
        let decoded = hookscope::decode::analyse(
            &hookscope::decode::RequestView {
                method: "POST",
                path: "/hooks/wms",
                headers: &headers,
                body: body.as_bytes(),
                truncated: false,
            },
            &secrets,
            chrono::Utc::now(),
        );
        let event = CapturedEvent {
            id: 0,
            received_at: CapturedEvent::now(),
            remote_addr: "127.0.0.1:54321".into(),
            http_version: HttpVersion::Http11,
            method: "POST".into(),
            path: "/hooks/wms".into(),
            query: None,
            headers,
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
            body_size: body.len() as u64,
            truncated: false,
            analysis: decoded.analysis,
            response: ResponseInfo::local(200, 0.05),
        };
        recorder.record(event, &decoded.facts);
    }
    let after = LIVE.load(Ordering::Relaxed);
    println!(
        "bytes held per event: {:.0} (body {:.0}, header block {:.0}, event struct {})",
        (after - before) as f64 / n as f64,
        bodies as f64 / n as f64,
        hb as f64 / n as f64,
        std::mem::size_of::<CapturedEvent>()
    );
}
