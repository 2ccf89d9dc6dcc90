//! Inputs shared by the benchmarks, built from the simulator's vendor traffic: requests as the
//! listener sees them, events as the store keeps them, and stores filled to a given size.
//! Everything is built once per benchmark binary; the measured code only clones `Arc`s.
#![allow(dead_code)] // each benchmark binary uses its own subset

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use hookscope::decode::signature::{Secret, Secrets};
use hookscope::decode::{self, RequestView};
use hookscope::event::build::EventBuilder;
use hookscope::event::facts::Facts;
use hookscope::event::{CapturedEvent, HeaderList, ResponseInfo, SignatureScheme};
use hookscope::ingest::Recorder;
use hookscope::sender::Delivery;
use hookscope::simulate::{self, Scenario};
use hookscope::store::{Limits, Store};

pub const WMS_SECRET: &str = "bench-wms-secret";
pub const PRISM_SECRET: &str = "bench-prism-secret";

/// A fixed receive time, so signed timestamps and analysis windows are the same on every run.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap()
}

/// The secrets the simulator signs with, as the listener would be configured.
pub fn secrets() -> Secrets {
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new(WMS_SECRET));
    secrets.add(SignatureScheme::Prism, Secret::new(PRISM_SECRET));
    secrets
}

/// Every delivery of every simulator scenario, signed where the vendor signs.
pub fn deliveries() -> Vec<Delivery> {
    simulate::deliveries(&Scenario::ALL, &secrets(), now())
}

/// The first delivery sent to `path` whose body satisfies `pick`.
pub fn delivery(path: &str, pick: impl Fn(&Delivery) -> bool) -> Delivery {
    deliveries()
        .into_iter()
        .find(|d| d.path == path && pick(d))
        .unwrap_or_else(|| panic!("the simulator sends nothing to {path}"))
}

/// A delivery as the listener receives it: header names lower-cased (HTTP/1), not yet decoded.
pub fn request_event(delivery: &Delivery, received_at: DateTime<Utc>) -> CapturedEvent {
    let lowered: Vec<(String, &str)> = delivery
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.as_str()))
        .chain([
            ("host".to_owned(), "127.0.0.1:8765"),
            ("content-length".to_owned(), ""),
        ])
        .collect();
    let length = delivery.body.len().to_string();
    let headers = HeaderList::from_pairs(lowered.iter().map(|(n, v)| {
        let value = if n == "content-length" {
            length.as_bytes()
        } else {
            v.as_bytes()
        };
        (n.as_bytes(), value)
    }));
    let event = match delivery.path.split_once('?') {
        Some((path, query)) => EventBuilder::new(0).path(path).query(query),
        None => EventBuilder::new(0).path(delivery.path.as_str()),
    };
    event
        .received_at(received_at)
        .remote_addr("127.0.0.1:53122")
        .method(delivery.method.as_str())
        .headers(headers)
        .body(delivery.body.clone())
        .response(ResponseInfo::local(200, 0.05))
        .build()
}

/// Decodes an event the way the listener does, returning the vendor facts for the analysis.
pub fn decode(event: &mut CapturedEvent, secrets: &Secrets) -> Facts {
    let decoded = decode::analyse(
        &RequestView {
            method: &event.method,
            path: &event.path,
            headers: &event.headers,
            body: &event.body,
            truncated: event.truncated,
        },
        secrets,
        event.received_at,
    );
    event.analysis = decoded.analysis;
    decoded.facts
}

/// A signed WMS `INTERMEDIATE_RESULTS` body of about 600 bytes, the load test's shape.
pub fn wms_body(session: usize, seq: u64, snr: u32) -> Bytes {
    let body = serde_json::json!({
        "timestamp": 1_763_800_000 + seq as i64,
        "sessionId": format!("load-session-{session:04}-ryueiwoqfh910fu3rpqruvfiu"),
        "sequence": seq,
        "event": "INTERMEDIATE_RESULTS",
        "severity": "INFO",
        "payload": {
            "measurementId": format!("fbfbec8f-cb05-4288-99e5-{session:012}"),
            "snr": snr,
            "sequence": seq,
            "details": "x".repeat(330),
        },
    });
    Bytes::from(body.to_string())
}

/// A WMS delivery of `body`, signed with the WMS secret.
pub fn wms_delivery(body: Bytes) -> Delivery {
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    for (name, value) in
        decode::signature::sign(SignatureScheme::Wms, WMS_SECRET, &body, 0, "unused")
    {
        headers.push((name.to_owned(), value));
    }
    Delivery {
        label: "wms".into(),
        method: "POST".into(),
        path: "/hooks/wms".into(),
        headers,
        body,
        retries: false,
    }
}

/// The load script's hostile mix (`scripts/make_bodies.py hostile`), as deliveries: of each
/// 20, 8 carry an event name the WMS document does not list (4 near misses of a documented
/// one, 4 unlike any), 4 are redeliveries of the body before, 2 have a wrong MAC, 1 is
/// malformed JSON, 1 is binary; the rest are documented names. Sessions are first seen far
/// above sequence 0.
pub fn hostile(count: usize) -> Vec<Delivery> {
    const NEAR_MISSES: [&str; 4] = [
        "INTERMEDIATE_RESULT",
        "intermediate_results",
        "MEASUREMENT_COMPLETE",
        "CHUNK_RECIEVED",
    ];
    const UNLIKE: [&str; 4] = ["FOO_BAR", "heartbeat.v2", "X", "SESSION_PAUSED_BY_OPERATOR"];
    let mut out: Vec<Delivery> = Vec::with_capacity(count);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..count {
        let session = i % 50;
        let seq = 1_000 + (i / 50) as u64;
        let named = |event: &str| {
            let mut body: serde_json::Value =
                serde_json::from_slice(&wms_body(session, seq, 40 + (i % 60) as u32)).unwrap();
            body["event"] = event.into();
            Bytes::from(body.to_string())
        };
        let delivery = match i % 20 {
            0..=3 => wms_delivery(named(NEAR_MISSES[i % 4])),
            4..=7 => wms_delivery(named(UNLIKE[i % 4])),
            8..=11 if !out.is_empty() => out[out.len() - 1].clone(),
            12 | 13 => {
                let mut delivery = wms_delivery(wms_body(session, seq, 50));
                for (_, value) in &mut delivery.headers {
                    if value.starts_with("hmac-sha256=") {
                        *value = format!("hmac-sha256={}", "0".repeat(64));
                    }
                }
                delivery
            }
            14 => {
                let mut text = wms_body(session, seq, 51).to_vec();
                text.truncate(text.len() / 2);
                wms_delivery(Bytes::from(text))
            }
            15 => {
                let bytes: Vec<u8> = (0..600).map(|_| random() as u8).collect();
                wms_delivery(Bytes::from(bytes))
            }
            _ => wms_delivery(wms_body(session, seq, 52)),
        };
        out.push(delivery);
    }
    out
}

/// The hostile mix decoded in order, ready for the analysis.
pub fn hostile_stream(count: usize) -> Vec<(CapturedEvent, Facts)> {
    let secrets = secrets();
    let mut at = now() - TimeDelta::seconds(60);
    hostile(count)
        .iter()
        .map(|delivery| {
            at += TimeDelta::microseconds(250);
            let mut event = request_event(delivery, at);
            let facts = decode(&mut event, &secrets);
            (event, facts)
        })
        .collect()
}

/// A capture-ordered stream of decoded events, as a busy listener would see it: `sessions`
/// WMS sessions running at once (interleaved, with a duplicate and a late event now and then),
/// and the simulator's Prism scans, videos and generic requests mixed in between.
pub fn interleaved(sessions: usize, per_session: u64) -> Vec<(CapturedEvent, Facts)> {
    let secrets = secrets();
    let others: Vec<Delivery> = deliveries()
        .into_iter()
        .filter(|d| d.path != "/hooks/wms")
        .collect();
    let mut order: Vec<(usize, u64)> = Vec::new();
    for seq in 0..per_session {
        for session in 0..sessions {
            order.push((session, seq));
        }
    }
    // A fixed shuffle within small windows: sessions advance unevenly, as real ones do.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for chunk in order.chunks_mut(sessions.max(2)) {
        for i in (1..chunk.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.swap(i, (state % (i as u64 + 1)) as usize);
        }
    }
    let mut stream = Vec::with_capacity(order.len() + order.len() / 8);
    let mut at = now() - TimeDelta::seconds(60);
    let mut push = |delivery: &Delivery, stream: &mut Vec<(CapturedEvent, Facts)>| {
        at += TimeDelta::microseconds(250);
        let mut event = request_event(delivery, at);
        let facts = decode(&mut event, &secrets);
        stream.push((event, facts));
    };
    let mut late = Vec::new();
    for (i, &(session, seq)) in order.iter().enumerate() {
        let delivery = wms_delivery(wms_body(session, seq, 40 + (i as u32 * 7) % 60));
        if i % 97 == 13 {
            // Held back: delivered a little later, after its successors (a gap, then a fill).
            late.push(delivery);
            continue;
        }
        push(&delivery, &mut stream);
        if i % 61 == 7 {
            // Sent twice: a duplicate, and a redelivery of the same body.
            push(&delivery, &mut stream);
        }
        if i % 8 == 3 {
            push(&others[i / 8 % others.len()], &mut stream);
        }
        if i % 50 == 49 {
            for delivery in late.drain(..) {
                push(&delivery, &mut stream);
            }
        }
    }
    for delivery in late.drain(..) {
        push(&delivery, &mut stream);
    }
    stream
}

/// Events as the store keeps them: the interleaved stream recorded through the real recorder
/// (analysis, ids, answers).
pub fn recorded_events(sessions: usize, per_session: u64) -> Vec<CapturedEvent> {
    let store = Arc::new(Store::new(Limits {
        capacity: usize::MAX,
        max_bytes: u64::MAX,
    }));
    let recorder = Recorder::new(Arc::clone(&store), None).expect("no log to open");
    for (event, facts) in interleaved(sessions, per_session) {
        recorder.record(event, &facts);
    }
    store
        .snapshot()
        .iter()
        .map(|event| CapturedEvent::clone(event))
        .collect()
}

/// The analysis summaries of `interleaved(sessions, per_session)`: with 10,000 sessions, as
/// many as the analysis follows, the largest `analysis` an export can carry of them.
pub fn analysis_of(sessions: usize, per_session: u64) -> hookscope::analysis::AnalysisSnapshot {
    let store = Arc::new(Store::new(Limits {
        capacity: 1,
        max_bytes: u64::MAX,
    }));
    let recorder = Recorder::new(store, None).expect("no log to open");
    for (event, facts) in interleaved(sessions, per_session) {
        recorder.record(event, &facts);
    }
    recorder.analysis_snapshot()
}

/// A store holding `count` events, cloned in turn from `events` (bodies shared), with room for
/// exactly `count`.
pub fn full_store(events: &[CapturedEvent], count: usize) -> Arc<Store> {
    let store = Arc::new(Store::new(Limits {
        capacity: count,
        max_bytes: u64::MAX,
    }));
    for event in events.iter().cycle().take(count) {
        store.push(event.clone());
    }
    store
}
