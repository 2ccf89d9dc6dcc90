//! Body shape and vendor decoding over any bytes: the first line is the `Content-Type` (any
//! bytes, possibly not UTF-8), the rest the body. Every input is tried as a whole and as a body
//! cut short by the size limit, signed with a wrong MAC for both vendors that sign.
#![no_main]

use chrono::{TimeZone, Utc};
use hookscope::decode::signature::{Secret, Secrets};
use hookscope::decode::{self, RequestView};
use hookscope::event::{BodyKind, HeaderList, SignatureScheme};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (content_type, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"application/json"[..], data),
    };
    let mut secrets = Secrets::default();
    secrets.add(SignatureScheme::Wms, Secret::new("macSecret"));
    secrets.add(SignatureScheme::Prism, Secret::new("prism-secret"));
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
    let mac = b"hmac-sha256=1f46bc1cc5a45591b9ebfc09e5baa3965b5e46c4ebabf380826e2b62950ea07b";
    let header_sets = [
        HeaderList::from_pairs([(&b"content-type"[..], content_type)]),
        HeaderList::from_pairs([
            (&b"content-type"[..], content_type),
            (&b"x-wms-content-mac"[..], &mac[..]),
            (&b"x-prism-signature"[..], &mac[12..]),
        ]),
    ];
    for headers in &header_sets {
        for truncated in [false, true] {
            let decoded = decode::analyse(
                &RequestView {
                    method: "POST",
                    path: "/hook",
                    headers,
                    body,
                    truncated,
                },
                &secrets,
                now,
            );
            let analysis = decoded.analysis;
            // Parts are listed for multipart bodies only, and lie within the body.
            if analysis.body_kind != BodyKind::Multipart {
                assert!(analysis.parts.is_empty());
            }
            for part in &analysis.parts {
                assert!(part.offset.saturating_add(part.size) <= body.len() as u64);
            }
            if body.is_empty() {
                assert_eq!(analysis.body_kind, BodyKind::Empty);
            }
        }
    }
});
