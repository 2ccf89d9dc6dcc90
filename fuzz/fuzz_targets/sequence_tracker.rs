//! The WMS sequence tracker fed any run of events: each 6-byte record of the input is one
//! event (session, sequence number, event name, timestamp, SNR, arrival gap, whether its body
//! repeats an earlier one). Small limits make sessions come and go.
#![no_main]

use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use hookscope::analysis::{AnalysisLimits, Analyzer};
use hookscope::event::facts::{Facts, WmsFacts};
use hookscope::event::build::EventBuilder;
use hookscope::event::{Provider, ResponseInfo};
use libfuzzer_sys::fuzz_target;

const EVENTS: [&str; 21] = [
    "WMS_LOADED",
    "CONFIGURATION_LOADED",
    "CAMERA_PERMISSION_GRANTED",
    "CAMERA_PERMISSION_DENIED",
    "CAMERA_STARTED",
    "MEASUREMENT_STARTED",
    "MEASUREMENT_CREATED",
    "INTERMEDIATE_RESULTS",
    "SCAN_COMPLETED",
    "RESULTS_RECEIVED",
    "REDIRECTING_TO_CALLBACK",
    "MEASUREMENT_CANCELED",
    "CONSTRAINT_VIOLATION",
    "PAGE_UNLOADED",
    "WEBSOCKET_DISCONNECTED",
    "WEBSOCKET_RECONNECTED",
    "WEBSOCKET_RECONNECTION_FAILED",
    "API_ERROR",
    "PAGE_VISIBILITY_CHANGE",
    "LOW_SNR",
    "GENERAL_ERROR",
];

fuzz_target!(|data: &[u8]| {
    let Some((&limits, records)) = data.split_first() else {
        return;
    };
    let mut analyzer = Analyzer::new(AnalysisLimits {
        max_sessions: 1 + usize::from(limits % 4),
        max_scans: 2,
        redelivery_window: Duration::from_secs(30),
    });
    let mut at = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
    for (index, record) in records.chunks_exact(6).enumerate() {
        let [who, seq_high, seq_low, name, snr, gap] = *record else {
            unreachable!("chunks of six")
        };
        let session = format!("session-{}", who % 8);
        let sequence = (who & 0x80 == 0)
            .then(|| u64::from(u16::from_be_bytes([seq_high, seq_low])) << (((who >> 5) & 3) * 16));
        let event = EVENTS[usize::from(name) % EVENTS.len()];
        let facts = WmsFacts {
            session_id: if who & 0x40 != 0 && who & 0x20 != 0 {
                String::new()
            } else {
                session
            },
            sequence,
            event: event.to_owned(),
            timestamp: Some(1_763_800_000 + i64::from(seq_low)),
            measurement_id: (name & 0x80 != 0).then(|| format!("m-{}", name % 3)),
            snr: (event == "INTERMEDIATE_RESULTS").then_some(f64::from(snr) - 20.0),
            visibility: (event == "PAGE_VISIBILITY_CHANGE")
                .then(|| if snr & 1 == 0 { "VISIBLE" } else { "HIDDEN" }.to_owned()),
            details: (event == "LOW_SNR").then(|| "LOW_SNR".to_owned()),
        };
        // The body: the same bytes again for a repeat, unique otherwise.
        let body = if gap & 0x80 != 0 {
            format!("{}:{:?}:{event}", facts.session_id, facts.sequence)
        } else {
            format!("{index}:{}:{:?}:{event}", facts.session_id, facts.sequence)
        };
        at += TimeDelta::milliseconds(i64::from(gap & 0x7f) * 250);
        let mut captured = EventBuilder::new(0)
            .received_at(at)
            .path("/hooks/wms")
            .body(body)
            .provider(Provider::Wms)
            .response(ResponseInfo::local(if snr == 0 { 500 } else { 200 }, 0.1))
            .build();
        analyzer.observe(&mut captured, &Facts::Wms(facts));
        captured.id = index as u64 + 1;
        analyzer.stored(&captured);
        if let Some(info) = &captured.analysis.sequence {
            assert!(info.missing.windows(2).all(|w| w[0] < w[1]), "{info:?}");
        }
    }
    let counters = analyzer.counters();
    assert!(counters.sessions <= 1 + usize::from(limits % 4));
    let snapshot = analyzer.snapshot();
    assert_eq!(snapshot.sessions.len(), counters.sessions);
});
