//! HAR 1.2 output, for opening a capture in browser dev tools and other HTTP tools.
//!
//! HAR has no place for hookscope's analysis, so this is a one-way export; the native format is
//! the one that reads back. Bodies that are not UTF-8 are written base64 with
//! `"encoding": "base64"` (as HAR does for response content).

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;

use super::line::format_time;
use crate::event::CapturedEvent;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    started_date_time: String,
    time: f64,
    request: Request,
    response: Response,
    cache: Empty,
    timings: Timings,
    #[serde(rename = "_id")]
    id: u64,
    #[serde(rename = "_remoteAddress")]
    remote_address: String,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    method: String,
    url: String,
    http_version: &'static str,
    cookies: [Empty; 0],
    headers: Vec<NameValue>,
    query_string: Vec<NameValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_data: Option<PostData>,
    headers_size: i64,
    body_size: u64,
}

#[derive(Serialize)]
struct NameValue {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostData {
    mime_type: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Response {
    status: u16,
    status_text: String,
    http_version: &'static str,
    cookies: [Empty; 0],
    headers: Vec<NameValue>,
    content: Content,
    #[serde(rename = "redirectURL")]
    redirect_url: &'static str,
    headers_size: i64,
    body_size: i64,
    /// hookscope's own: where the request was relayed (`--forward-to`), and why the answer is
    /// not the app's, so that `open` tells who answered.
    #[serde(rename = "_forwardedTo", skip_serializing_if = "Option::is_none")]
    forwarded_to: Option<String>,
    #[serde(rename = "_error", skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The answer mode chosen with `m` that shaped the answer, when not the configured one.
    #[serde(rename = "_answerMode", skip_serializing_if = "Option::is_none")]
    answer_mode: Option<&'static str>,
    /// The answer rule that produced the answer, when one did.
    #[serde(rename = "_rule", skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    size: i64,
    mime_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
}

#[derive(Serialize)]
struct Timings {
    send: f64,
    wait: f64,
    receive: f64,
}

fn entry(event: &CapturedEvent) -> Entry {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let headers: Vec<NameValue> = event
        .headers
        .iter()
        .map(|(name, value)| NameValue {
            name: text(name),
            value: text(value),
        })
        .collect();
    let host = event.headers.get_str("host").unwrap_or("localhost");
    let mut url = format!("http://{host}{}", event.path);
    if let Some(query) = event.query() {
        url.push('?');
        url.push_str(query);
    }
    let query_string = event
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            NameValue {
                name: name.to_owned(),
                value: value.to_owned(),
            }
        })
        .collect();
    let post_data = (!event.body.is_empty()).then(|| {
        let mime_type = event
            .headers
            .get_str("content-type")
            .unwrap_or("")
            .to_owned();
        match std::str::from_utf8(&event.body) {
            Ok(body) => PostData {
                mime_type,
                text: body.to_owned(),
                encoding: None,
            },
            Err(_) => PostData {
                mime_type,
                text: BASE64.encode(&event.body),
                encoding: Some("base64"),
            },
        }
    });
    let status = event.response.status;
    let status_text = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
        .to_owned();
    // The answer as sent, when recorded; an older file's event has only its status.
    let (response_headers, content, response_body_size) = match event.response.sent_parts(event.id)
    {
        Some(parts) => {
            let headers: Vec<NameValue> = parts
                .headers
                .iter()
                .map(|(name, value)| NameValue {
                    name: text(name),
                    value: text(value),
                })
                .collect();
            let mime_type = parts
                .headers
                .get_str("content-type")
                .unwrap_or("")
                .to_owned();
            let (body_text, encoding) = match std::str::from_utf8(&parts.body) {
                Ok(body) => (body.to_owned(), None),
                Err(_) => (BASE64.encode(&parts.body), Some("base64")),
            };
            let size = i64::try_from(parts.body_size).unwrap_or(i64::MAX);
            (
                headers,
                Content {
                    size,
                    mime_type,
                    text: Some(body_text),
                    encoding,
                },
                size,
            )
        }
        None => (
            Vec::new(),
            Content {
                size: -1,
                mime_type: String::new(),
                text: None,
                encoding: None,
            },
            -1,
        ),
    };
    Entry {
        started_date_time: format_time(&event.received_at),
        time: event.response.latency_ms(),
        request: Request {
            method: event.method.to_string(),
            url,
            http_version: event.http_version.as_str(),
            cookies: [],
            headers,
            query_string,
            post_data,
            headers_size: -1,
            body_size: event.body_size(),
        },
        response: Response {
            status,
            status_text,
            http_version: event.http_version.as_str(),
            cookies: [],
            headers: response_headers,
            content,
            redirect_url: "",
            headers_size: -1,
            body_size: response_body_size,
            forwarded_to: event.response.forwarded_to().map(str::to_owned),
            error: event.response.error().map(str::to_owned),
            answer_mode: (event.response.mode != crate::event::AnswerMode::Configured)
                .then(|| event.response.mode.as_str()),
            rule: event.response.rule().map(str::to_owned),
        },
        cache: Empty {},
        timings: Timings {
            send: 0.0,
            wait: event.response.latency_ms(),
            receive: 0.0,
        },
        id: event.id,
        remote_address: event.remote_addr.to_string(),
    }
}

/// Writes the events as a HAR 1.2 document.
pub fn write_har<'a, W, I>(out: &mut W, events: I) -> io::Result<()>
where
    W: Write,
    I: IntoIterator<Item = &'a CapturedEvent>,
{
    out.write_all(
        format!(
            "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"hookscope\",\"version\":\"{}\"}},\"entries\":[",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    )?;
    for (i, event) in events.into_iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &entry(event)).map_err(io::Error::from)?;
    }
    out.write_all(b"\n]}}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ResponseInfo;
    use crate::event::build::EventBuilder;
    use bytes::Bytes;

    #[test]
    fn har_entries_carry_the_request() {
        let event = EventBuilder::new(3)
            .remote_addr("127.0.0.1:9")
            .path("/hook")
            .query("a=1&b")
            .header("host", "example.test:8765")
            .header("content-type", "application/octet-stream")
            .body(Bytes::from_static(b"\xff\x00"))
            .response(ResponseInfo::local(413, 1.5))
            .build();
        let mut out = Vec::new();
        write_har(&mut out, [&event]).unwrap();
        let har: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(har["log"]["version"], "1.2");
        let entry = &har["log"]["entries"][0];
        assert_eq!(
            entry["request"]["url"],
            "http://example.test:8765/hook?a=1&b"
        );
        assert_eq!(entry["request"]["queryString"][1]["name"], "b");
        assert_eq!(entry["request"]["postData"]["text"], "/wA=");
        assert_eq!(entry["request"]["postData"]["encoding"], "base64");
        assert_eq!(entry["response"]["status"], 413);
        assert_eq!(entry["response"]["statusText"], "Payload Too Large");
        assert_eq!(entry["_id"], 3);
    }
}
