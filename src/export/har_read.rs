//! Reading HAR 1.2 back: the files hookscope writes with `--export-on-exit x.har` and those of
//! browser dev tools, mitmproxy and other HTTP tools.
//!
//! HAR keeps only the request and its answer, so each entry's analysis is found again as on
//! capture: its body is decoded (vendor, kind, severity, signature with the secrets given,
//! checked at the entry's own start time), then the entries pass through the stateful analysis
//! in order (sequences, timelines, redeliveries).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;

use crate::analysis::{AnalysisLimits, Analyzer};
use crate::decode::signature::Secrets;
use crate::decode::{self, RequestView};
use crate::event::{
    CapturedEvent, ForwardInfo, HeaderList, HttpVersion, Provider, RemoteAddr, ResponseInfo, Sent,
    Severity,
};
use crate::intern::intern;

/// The start of every reason a HAR is refused with.
pub const NOT_A_HAR: &str = "not a HAR 1.2 file";

#[derive(Deserialize)]
struct HarIn {
    log: LogIn,
}

#[derive(Deserialize)]
struct LogIn {
    entries: Vec<EntryIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryIn {
    started_date_time: String,
    #[serde(default)]
    time: Option<f64>,
    request: RequestIn,
    #[serde(default)]
    response: Option<ResponseIn>,
    /// Written by hookscope: the capture number and the sender's address.
    #[serde(default, rename = "_id")]
    id: Option<u64>,
    #[serde(default, rename = "_remoteAddress")]
    remote_address: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn {
    method: String,
    url: String,
    #[serde(default)]
    http_version: String,
    #[serde(default)]
    headers: Vec<NameValueIn>,
    #[serde(default)]
    post_data: Option<PostDataIn>,
}

#[derive(Deserialize)]
struct NameValueIn {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct PostDataIn {
    #[serde(default)]
    text: String,
    #[serde(default)]
    encoding: Option<String>,
    /// URL-encoded parameters, which the spec lets a writer give instead of `text`.
    #[serde(default)]
    params: Vec<ParamIn>,
}

#[derive(Deserialize)]
struct ParamIn {
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct ResponseIn {
    #[serde(default)]
    status: i64,
    #[serde(default)]
    headers: Vec<NameValueIn>,
    #[serde(default)]
    content: Option<ContentIn>,
    /// Written by hookscope: where the request was relayed, and why the answer is not the app's.
    #[serde(default, rename = "_forwardedTo")]
    forwarded_to: Option<String>,
    #[serde(default, rename = "_error")]
    error: Option<String>,
    #[serde(default, rename = "_answerMode")]
    answer_mode: Option<String>,
    #[serde(default, rename = "_rule")]
    rule: Option<String>,
}

#[derive(Deserialize)]
struct ContentIn {
    #[serde(default)]
    size: i64,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

/// The answer an entry records: its status and time and, where the file has them, its headers
/// and body (as sent, so shown like an answer captured live) and hookscope's forwarding notes.
fn entry_response(response: Option<ResponseIn>, latency_ms: f64) -> Result<ResponseInfo, String> {
    let Some(response) = response else {
        return Ok(ResponseInfo::local(0, latency_ms));
    };
    let status = u16::try_from(response.status).unwrap_or(0);
    let body = match &response.content {
        Some(ContentIn {
            text: Some(text),
            encoding,
            ..
        }) => match encoding.as_deref() {
            Some("base64") => BASE64
                .decode(text.trim())
                .map_err(|e| format!("response content: bad base64: {e}"))?,
            _ => text.clone().into_bytes(),
        },
        _ => Vec::new(),
    };
    let recorded =
        !response.headers.is_empty() || response.content.as_ref().is_some_and(|c| c.text.is_some());
    let body_size = match &response.content {
        Some(content) if content.size > 0 => (content.size as u64).max(body.len() as u64),
        _ => body.len() as u64,
    };
    let headers = HeaderList::from_pairs(
        response
            .headers
            .iter()
            .map(|h| (h.name.as_bytes(), h.value.as_bytes())),
    );
    let mut info = ResponseInfo::with_forward(
        status,
        latency_ms,
        ForwardInfo {
            forwarded_to: response.forwarded_to.map(Into::into),
            error: response.error.map(Into::into),
            headers,
            body: Bytes::from(body),
            body_size: if recorded { body_size } else { 0 },
            rule: response.rule.as_deref().map(crate::intern::intern),
            ..ForwardInfo::default()
        },
    );
    if recorded {
        info.sent = Sent::Held;
    }
    info.mode = response
        .answer_mode
        .as_deref()
        .and_then(crate::event::AnswerMode::from_name)
        .unwrap_or_default();
    Ok(info)
}

/// Whether `bytes` is a JSON object whose first key is `log`, as every HAR writer lays it out.
pub fn looks_like_har(bytes: &[u8]) -> bool {
    let rest = bytes.trim_ascii_start();
    let rest = rest.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(rest);
    rest.strip_prefix(b"{")
        .is_some_and(|rest| rest.trim_ascii_start().starts_with(b"\"log\""))
}

/// Whether `bytes` is a JSON object with `log.entries`, whatever the order of its keys.
pub fn is_har(bytes: &[u8]) -> bool {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Probe {
        log: ProbeLog,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct ProbeLog {
        entries: serde::de::IgnoredAny,
    }
    serde_json::from_slice::<Probe>(bytes).is_ok()
}

/// The events of a HAR document, in the order of its entries. A reason starts with
/// [`NOT_A_HAR`].
pub fn read_har(bytes: &[u8], secrets: &Secrets) -> Result<Vec<CapturedEvent>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let har: HarIn = serde_json::from_slice(bytes).map_err(|e| format!("{NOT_A_HAR}: {e}"))?;
    let mut analyzer = Analyzer::new(AnalysisLimits::default());
    let mut events = Vec::with_capacity(har.log.entries.len());
    for (index, entry) in har.log.entries.into_iter().enumerate() {
        let number = index + 1;
        let (mut event, facts) = entry_event(entry, number as u64, secrets)
            .map_err(|why| format!("{NOT_A_HAR}: entry {number}: {why}"))?;
        // As on capture: what the stateful analysis finds about a non-WMS event is worth a
        // warning (a WMS event's severity is the body's own word).
        let before = event.analysis.anomalies.len();
        analyzer.observe(&mut event, &facts);
        if event.analysis.anomalies.len() > before && event.analysis.provider != Provider::Wms {
            event.analysis.severity = event.analysis.severity.max(Severity::Warn);
        }
        analyzer.stored(&event);
        events.push(event);
    }
    Ok(events)
}

/// The path and the query (without `?`) of a HAR URL: absolute (`http://host/p?q`) or, as
/// some tools write, a bare path. A fragment is no part of a request.
fn path_and_query(url: &str) -> (&str, Option<&str>) {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let after_scheme = match url.find("://") {
        Some(at)
            if url[..at]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            let rest = &url[at + 3..];
            rest.find(['/', '?']).map_or("", |start| &rest[start..])
        }
        _ => url,
    };
    let (path, query) = match after_scheme.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (after_scheme, None),
    };
    (if path.is_empty() { "/" } else { path }, query)
}

fn http_version(text: &str) -> HttpVersion {
    let version = text.trim().to_ascii_lowercase();
    match version.as_str() {
        "http/1.0" => HttpVersion::Http10,
        "http/2" | "http/2.0" | "h2" | "h2c" => HttpVersion::Http2,
        _ => HttpVersion::Http11,
    }
}

fn entry_event(
    entry: EntryIn,
    number: u64,
    secrets: &Secrets,
) -> Result<(CapturedEvent, crate::event::facts::Facts), String> {
    let received_at = DateTime::parse_from_rfc3339(entry.started_date_time.trim())
        .map_err(|e| format!("startedDateTime '{}': {e}", entry.started_date_time))?
        .with_timezone(&Utc)
        .trunc_subsecs(6);
    let request = entry.request;
    let method = request.method.trim();
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("'{}' is not a method", request.method));
    }
    let (path, query) = path_and_query(&request.url);
    // HTTP/2 pseudo-headers (`:authority`) that browsers list are not headers of the request.
    let headers = HeaderList::from_pairs(
        request
            .headers
            .iter()
            .filter(|h| !h.name.starts_with(':'))
            .map(|h| (h.name.as_bytes(), h.value.as_bytes())),
    );
    let body = match request.post_data {
        None => Bytes::new(),
        Some(post) => match post.encoding.as_deref() {
            Some(encoding) if encoding.eq_ignore_ascii_case("base64") => Bytes::from(
                BASE64
                    .decode(post.text.trim())
                    .map_err(|e| format!("postData.text: bad base64: {e}"))?
                    .into_boxed_slice(),
            ),
            Some(other) if !other.is_empty() => {
                return Err(format!("postData.encoding '{other}' is not base64"));
            }
            _ if post.text.is_empty() && !post.params.is_empty() => {
                // As the writer gave them: `name=value` pairs joined by `&`.
                let pairs: Vec<String> = post
                    .params
                    .iter()
                    .map(|p| format!("{}={}", p.name, p.value))
                    .collect();
                Bytes::from(pairs.join("&").into_bytes().into_boxed_slice())
            }
            _ => Bytes::from(post.text.into_bytes().into_boxed_slice()),
        },
    };
    let decoded = decode::analyse(
        &RequestView {
            method,
            path,
            headers: &headers,
            body: &body,
            truncated: false,
        },
        secrets,
        received_at,
    );
    let latency_ms = entry
        .time
        .filter(|t| t.is_finite() && *t >= 0.0)
        .unwrap_or(0.0);
    let response = entry_response(entry.response, latency_ms)?;
    let mut event = CapturedEvent::new(received_at, intern(method), intern(path), headers, body);
    event.id = entry.id.unwrap_or(number);
    event.remote_addr = RemoteAddr::from(entry.remote_address.as_deref().unwrap_or(""));
    event.http_version = http_version(&request.http_version);
    event.set_query(query.map(intern));
    event.analysis = decoded.analysis;
    event.response = response;
    Ok((event, decoded.facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_come_back_with_who_gave_them() {
        use crate::event::build::EventBuilder;
        let app = EventBuilder::new(1)
            .response(ResponseInfo::with_forward(
                500,
                12.5,
                ForwardInfo {
                    forwarded_to: Some("http://127.0.0.1:3000/hook".into()),
                    headers: HeaderList::from_pairs([
                        (&b"content-type"[..], &b"application/json"[..]),
                        (&b"x-app"[..], &b"yes"[..]),
                    ]),
                    body: Bytes::from_static(br#"{"error":"boom"}"#),
                    body_size: 16,
                    ..ForwardInfo::default()
                },
            ))
            .build();
        let down = EventBuilder::new(2)
            .response(ResponseInfo::with_forward(
                502,
                1.0,
                ForwardInfo {
                    forwarded_to: Some("http://127.0.0.1:3000/hook".into()),
                    error: Some("the app could not be reached: connection refused".into()),
                    headers: HeaderList::from_pairs([(
                        &b"content-type"[..],
                        &b"application/json"[..],
                    )]),
                    body: Bytes::from_static(br#"{"error":"bad gateway"}"#),
                    body_size: 23,
                    ..ForwardInfo::default()
                },
            ))
            .build();
        let mut down = down;
        down.response.mode = crate::event::AnswerMode::Local;
        let mut har = Vec::new();
        crate::export::har::write_har(&mut har, [&app, &down]).unwrap();
        let back = read_har(&har, &Secrets::default()).unwrap();
        assert_eq!(back.len(), 2);
        for (read, written) in back.iter().zip([&app, &down]) {
            let (r, w) = (&read.response, &written.response);
            assert_eq!(r.status, w.status);
            assert_eq!(r.forwarded_to(), w.forwarded_to());
            assert_eq!(r.error(), w.error());
            assert_eq!(r.answered_by(), w.answered_by());
            assert_eq!(r.mode, w.mode);
            let (rp, wp) = (
                r.sent_parts(read.id).unwrap(),
                w.sent_parts(written.id).unwrap(),
            );
            assert_eq!(rp.headers, wp.headers);
            assert_eq!(rp.body, wp.body);
        }
        assert_eq!(back[0].response.answered_by().as_str(), "app");
        assert_eq!(back[1].response.answered_by().as_str(), "local");
        // A browser's entry: headers and content, no hookscope notes.
        let browser = br#"{"log":{"entries":[{"startedDateTime":"2026-01-02T03:04:05Z","time":3,"request":{"method":"GET","url":"http://h/a","headers":[]},"response":{"status":201,"headers":[{"name":"Content-Type","value":"text/plain"}],"content":{"size":2,"mimeType":"text/plain","text":"b2s=","encoding":"base64"}}}]}}"#;
        let events = read_har(browser, &Secrets::default()).unwrap();
        let parts = events[0].response.sent_parts(events[0].id).unwrap();
        assert_eq!(&parts.body[..], b"ok");
        assert_eq!(parts.headers.get_str("content-type"), Some("text/plain"));
        assert_eq!(events[0].response.status, 201);
    }

    #[test]
    fn urls_give_their_path_and_query() {
        assert_eq!(
            path_and_query("https://example.test:8443/a/b?x=1&y#frag"),
            ("/a/b", Some("x=1&y"))
        );
        assert_eq!(path_and_query("http://example.test"), ("/", None));
        assert_eq!(path_and_query("http://example.test?q"), ("/", Some("q")));
        assert_eq!(path_and_query("/bare?q=1"), ("/bare", Some("q=1")));
        assert_eq!(path_and_query(""), ("/", None));
        assert_eq!(path_and_query("/p?"), ("/p", Some("")));
    }

    #[test]
    fn versions_are_read_as_tools_write_them() {
        assert_eq!(http_version("HTTP/1.0"), HttpVersion::Http10);
        assert_eq!(http_version("http/2.0"), HttpVersion::Http2);
        assert_eq!(http_version("h2"), HttpVersion::Http2);
        assert_eq!(http_version(""), HttpVersion::Http11);
        assert_eq!(http_version("HTTP/1.1"), HttpVersion::Http11);
    }

    #[test]
    fn documents_are_told_by_their_log() {
        assert!(looks_like_har(b"\n{\n  \"log\": {}}"));
        assert!(!looks_like_har(b"{\"format\":\"hookscope\"}"));
        assert!(is_har(
            b"{\"x\":1,\"log\":{\"version\":\"1.2\",\"entries\":[]}}"
        ));
        assert!(!is_har(b"{\"log\":{}}"));
        assert!(!is_har(b"[]"));
    }

    #[test]
    fn posted_params_without_text_become_a_form_body() {
        let har = br#"{"log":{"entries":[{"startedDateTime":"2026-01-02T03:04:05Z","request":{"method":"POST","url":"http://h/f","headers":[{"name":"Content-Type","value":"application/x-www-form-urlencoded"}],"postData":{"mimeType":"application/x-www-form-urlencoded","params":[{"name":"a","value":"1"},{"name":"b","value":"x%20y"}]}}}]}}"#;
        let events = read_har(har, &Secrets::default()).unwrap();
        assert_eq!(&events[0].body[..], b"a=1&b=x%20y");
        assert_eq!(events[0].body_size(), 11);
    }

    #[test]
    fn damaged_entries_are_refused_naming_the_entry() {
        let secrets = Secrets::default();
        let har = |entry: &str| {
            format!(
                "{{\"log\":{{\"entries\":[{{\"startedDateTime\":\"2026-01-02T03:04:05Z\",\"request\":{{\"method\":\"GET\",\"url\":\"/\"}}}},{entry}]}}}}"
            )
        };
        let why = read_har(
            har(r#"{"startedDateTime":"yesterday","request":{"method":"GET","url":"/"}}"#)
                .as_bytes(),
            &secrets,
        )
        .unwrap_err();
        assert!(
            why.starts_with("not a HAR 1.2 file: entry 2: startedDateTime 'yesterday'"),
            "{why}"
        );
        let why = read_har(
            har(r#"{"startedDateTime":"2026-01-02T03:04:05Z","request":{"method":"POST","url":"/","postData":{"text":"%%","encoding":"base64"}}}"#)
                .as_bytes(),
            &secrets,
        )
        .unwrap_err();
        assert!(why.contains("entry 2: postData.text: bad base64"), "{why}");
        let why = read_har(b"{\"log\":{\"entries\":[1]}}", &secrets).unwrap_err();
        assert!(why.starts_with(NOT_A_HAR), "{why}");
    }
}
