//! Where each delivery belongs for `--order sequence`, read from its body the way the listener
//! reads it: a WMS event by its session and `sequence`; a Prism scan event by its scan and its
//! job's place in the documents' order.

use crate::decode::signature::Secrets;
use crate::decode::{self, RequestView};
use crate::event::HeaderList;
use crate::event::facts::{Facts, JobPhase, PrismJob};
use crate::sender::Delivery;

use super::plan::OrderKey;

/// The rank of a Prism scan event: the jobs in the order the documents give them (capture data
/// validation first — asset jobs "after capture data has successfully validated" — then body,
/// fitted body and measurements as listed, then the Hosted API's scan processing and body shape
/// prediction), and in each job its `started` event before its `succeeded` or `failed` one.
fn prism_rank(job: PrismJob, phase: JobPhase) -> Option<u64> {
    let place = PrismJob::SCAN_JOBS.iter().position(|&j| j == job)? as u64;
    Some(place * 2 + u64::from(phase.is_terminal()))
}

/// The key of one delivery: none for events that have no place in a sequence.
pub fn order_key(delivery: &Delivery) -> Option<OrderKey> {
    let headers = HeaderList::from_pairs(
        delivery
            .headers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
    );
    let path = delivery.path.split('?').next().unwrap_or_default();
    let request = RequestView {
        method: &delivery.method,
        path,
        headers: &headers,
        body: &delivery.body,
        truncated: false,
    };
    let decoded = decode::analyse(&request, &Secrets::default(), chrono::Utc::now());
    match decoded.facts {
        Facts::Wms(wms) => wms.sequence.map(|rank| OrderKey {
            group: format!("wms {}", wms.session_id),
            rank,
        }),
        Facts::Prism(prism) => {
            let (job, phase) = prism.job?;
            prism_rank(job, phase).map(|rank| OrderKey {
                group: format!("scan {}", prism.scan_id),
                rank,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn delivery(path: &str, body: &str) -> Delivery {
        Delivery {
            label: String::new(),
            method: "POST".into(),
            path: path.into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::copy_from_slice(body.as_bytes()),
            retries: false,
        }
    }

    #[test]
    fn wms_events_rank_by_sequence_and_prism_events_by_job() {
        let wms = delivery(
            "/hooks/wms",
            r#"{"timestamp":1,"sessionId":"s1","sequence":7,"event":"WMS_LOADED","severity":"INFO","payload":{}}"#,
        );
        assert_eq!(
            order_key(&wms),
            Some(OrderKey {
                group: "wms s1".into(),
                rank: 7
            })
        );
        let rank = |event: &str| {
            let body = format!(
                r#"{{"eventType":"{event}","payload":{{"scanId":"x","state":"ASSET_PROCESSING"}}}}"#
            );
            order_key(&delivery("/hooks/prism", &body)).map(|k| (k.group, k.rank))
        };
        let ranks: Vec<u64> = [
            "capture_data.validation.started",
            "capture_data.validation.succeeded",
            "body.creation.started",
            "body.creation.failed",
            "fitted_body.creation.started",
            "measurements.creation.succeeded",
            "scan.processing.started",
        ]
        .iter()
        .map(|e| rank(e).expect(e).1)
        .collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
        assert_eq!(rank("body.creation.started").unwrap().0, "scan x");
        assert_eq!(order_key(&delivery("/x", r#"{"a":1}"#)), None);
    }
}
