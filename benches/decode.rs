//! Decoding one request as the listener does for every event: body shape, vendor detection and
//! classification, conformance and the signature check, per kind of traffic.

mod support;

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use hookscope::decode::{self, RequestView, signature};
use hookscope::event::{CapturedEvent, Provider, SignatureVerdict};
use hookscope::sender::Delivery;

fn view(event: &CapturedEvent) -> RequestView<'_> {
    RequestView {
        method: &event.method,
        path: &event.path,
        headers: &event.headers,
        body: &event.body,
        truncated: event.truncated,
    }
}

/// A WMS body departing from the documents six ways (sequence, event name, severity word,
/// timestamp in milliseconds, a payload field's type, another vendor's signature header): what
/// a misconfigured sender costs per event.
fn nonconformant_wms() -> Delivery {
    let body = br#"{"timestamp":1689684577000,"sessionId":"ryueiwoqfh910fu3rpqruvfiu","sequence":-1,"event":"MEASUREMENT_CANCELLED","severity":"LOUD","payload":{"measurementId":5}}"#;
    let mut delivery = support::wms_delivery(Bytes::from_static(body));
    delivery
        .headers
        .push(("X-Prism-Signature".to_owned(), "00".to_owned()));
    delivery
}

fn decode_per_event(c: &mut Criterion) {
    let secrets = support::secrets();
    let now = support::now();
    let cases = [
        (
            "wms_signed",
            support::delivery("/hooks/wms", |d| {
                d.header("x-wms-content-mac").is_some()
                    && d.body.windows(20).any(|w| w == b"INTERMEDIATE_RESULTS")
            }),
        ),
        (
            "wms_signed_600b",
            support::wms_delivery(support::wms_body(7, 42, 93)),
        ),
        (
            "prism_scan",
            support::delivery("/hooks/prism", |d| {
                d.body.windows(22).any(|w| w == b"body.creation.succeede")
            }),
        ),
        (
            "prism_video_signed",
            support::delivery("/webhooks/prism", |d| {
                d.header("x-prism-signature").is_some()
            }),
        ),
        (
            "generic_json",
            support::delivery("/trigger/SW5zdGFuY2VGbG93", |d| d.method == "POST"),
        ),
        ("binary", support::delivery("/trigger/binary", |_| true)),
        ("wms_nonconformant", nonconformant_wms()),
    ];
    let mut group = c.benchmark_group("decode");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);
    for (name, delivery) in &cases {
        let event = support::request_event(delivery, now);
        // Each case must decode as what it is meant to measure.
        let decoded = decode::analyse(&view(&event), &secrets, now);
        let expected = match *name {
            "wms_signed" | "wms_signed_600b" | "wms_nonconformant" => Provider::Wms,
            "prism_scan" => Provider::Prism,
            "prism_video_signed" => Provider::PrismVideo,
            _ => Provider::Generic,
        };
        assert_eq!(decoded.analysis.provider, expected, "{name}");
        if *name == "wms_nonconformant" {
            assert_eq!(decoded.analysis.anomalies.len(), 6, "{name}");
        }
        group.bench_function(*name, |b| {
            b.iter(|| decode::analyse(black_box(&view(&event)), &secrets, now))
        });
    }
    // The load script's hostile mix, 20 requests per iteration: every kind of trouble in its
    // proportion (see `support::hostile`).
    let hostile: Vec<CapturedEvent> = support::hostile(20)
        .iter()
        .map(|delivery| support::request_event(delivery, now))
        .collect();
    let kinds: Vec<_> = hostile
        .iter()
        .map(|event| decode::analyse(&view(event), &secrets, now).analysis)
        .collect();
    assert!(
        kinds
            .iter()
            .any(|a| a.anomalies.iter().any(|x| x.code() == "unknown_event"))
    );
    assert!(
        kinds
            .iter()
            .any(|a| a.signature.verdict == SignatureVerdict::Invalid)
    );
    group.throughput(criterion::Throughput::Elements(hostile.len() as u64));
    group.bench_function("hostile_mix", |b| {
        b.iter(|| {
            for event in &hostile {
                black_box(decode::analyse(black_box(&view(event)), &secrets, now));
            }
        })
    });
    group.finish();

    // The HMAC alone, for its share of the WMS figure.
    let event = support::request_event(&support::wms_delivery(support::wms_body(7, 42, 93)), now);
    let mut group = c.benchmark_group("signature");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50);
    group.bench_function("verify_wms_600b", |b| {
        b.iter(|| {
            signature::verify(
                black_box(&event.headers),
                black_box(&event.body),
                Provider::Wms,
                &secrets,
                now,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, decode_per_event);
criterion_main!(benches);
