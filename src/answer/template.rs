//! Templates in the bodies and header values of answer rules: `{{id}}`, `{{uuid}}`, `{{now}}`,
//! `{{path}}`, `{{path.last}}`, `{{query.NAME}}`, `{{header.NAME}}`, `{{json.PATH}}`,
//! `{{xml.PATH}}` and `{{base64 …}}` of
//! any of them or of a quoted text. A template is parsed once, when the rules are loaded; on
//! each request its values are looked up, never evaluated: what a request carries is copied in
//! as text, and the output is cut at [`MAX_OUTPUT`] bytes.
//!
//! The capture id is known only once the event is stored, so rendering leaves its places
//! marked ([`Rendered::with_id`] fills them in then).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;

use crate::event::HeaderList;

/// Most bytes one rendered template may take; the rest is cut (a body or a header value built
/// from a large request stays bounded).
pub const MAX_OUTPUT: usize = 64 * 1024;

/// A parsed template: text and the values to put between it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Value { source: Source, base64: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Id,
    Uuid,
    Now,
    /// The request path, or its last segment (`path.last`: an endpoint's id).
    Path {
        last: bool,
    },
    Query(String),
    /// Lower-cased.
    Header(String),
    Json(Vec<String>),
    Xml(Vec<String>),
    /// A quoted text, for `{{base64 "…"}}`.
    Literal(String),
}

/// Why a template could not be read, in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(String);

impl Template {
    /// Reads `text`, where `{{…}}` marks a value.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(|| {
                TemplateError(format!(
                    "'{{{{' without a closing '}}}}' in {:?}",
                    cut_for_message(&rest[open..])
                ))
            })?;
            parts.push(Part::parse(after[..close].trim())?);
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// hookscope's default receipt, `{"received":true,"id":N}`, as a template.
    pub fn receipt() -> Template {
        Template {
            parts: vec![
                Part::Text("{\"received\":true,\"id\":".into()),
                Part::Value {
                    source: Source::Id,
                    base64: false,
                },
                Part::Text("}".into()),
            ],
        }
    }

    /// A template of plain text (nothing in it is read as a value).
    pub fn text(text: &str) -> Template {
        Template {
            parts: vec![Part::Text(text.to_owned())],
        }
    }

    /// True when the template has no values, only text.
    pub fn is_plain(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// Renders the template for one request. Values the request does not have render empty and
    /// are listed in `missing` (as written, e.g. `json.a.b`).
    pub fn render(&self, request: &mut RequestValues<'_>) -> Rendered {
        let mut out = Rendered::default();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push(text),
                Part::Value { source, base64 } => match source {
                    Source::Id => out.ids.push((out.text.len(), *base64)),
                    source => match request.value(source) {
                        Some(value) if *base64 => out.push(&BASE64.encode(value.as_bytes())),
                        Some(value) => out.push(&value),
                        None => out.missing.push(source.to_string()),
                    },
                },
            }
        }
        out
    }
}

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

impl Part {
    fn parse(inner: &str) -> Result<Part, TemplateError> {
        if let Some(arg) = inner.strip_prefix("base64") {
            // `{{base64}}` and `{{base64x}}` name nothing: the argument follows a space.
            if !arg.starts_with(char::is_whitespace) || arg.trim().is_empty() {
                return Err(unknown(inner));
            }
            let arg = arg.trim();
            let source = match arg.strip_prefix('"').and_then(|a| a.strip_suffix('"')) {
                Some(literal) => Source::Literal(literal.to_owned()),
                None => Source::parse(arg)?,
            };
            return Ok(Part::Value {
                source,
                base64: true,
            });
        }
        Ok(Part::Value {
            source: Source::parse(inner)?,
            base64: false,
        })
    }
}

fn unknown(inner: &str) -> TemplateError {
    TemplateError(format!(
        "{{{{{}}}}} is not a template value: use id, uuid, now, query.NAME, header.NAME, \
         json.PATH, xml.PATH or base64 followed by one of them or a \"quoted text\"",
        cut_for_message(inner)
    ))
}

fn cut_for_message(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

impl Source {
    fn parse(inner: &str) -> Result<Source, TemplateError> {
        let path = |rest: &str| -> Result<Vec<String>, TemplateError> {
            let steps: Vec<String> = rest.split('.').map(str::to_owned).collect();
            if steps.iter().any(String::is_empty) {
                return Err(TemplateError(format!(
                    "{{{{{}}}}}: a path is names separated by dots, e.g. json.data.id",
                    cut_for_message(inner)
                )));
            }
            Ok(steps)
        };
        let named = |rest: &str| -> Result<String, TemplateError> {
            if rest.is_empty() || rest.contains(char::is_whitespace) {
                return Err(unknown(inner));
            }
            Ok(rest.to_owned())
        };
        Ok(match inner {
            "id" => Source::Id,
            "uuid" => Source::Uuid,
            "now" => Source::Now,
            "path" => Source::Path { last: false },
            "path.last" => Source::Path { last: true },
            _ => match inner.split_once('.') {
                Some(("query", rest)) => Source::Query(named(rest)?),
                Some(("header", rest)) => Source::Header(named(rest)?.to_ascii_lowercase()),
                Some(("json", rest)) => Source::Json(path(rest)?),
                Some(("xml", rest)) => Source::Xml(path(rest)?),
                _ => return Err(unknown(inner)),
            },
        })
    }
}

impl fmt::Display for Source {
    /// As written in a template.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Id => f.write_str("id"),
            Source::Uuid => f.write_str("uuid"),
            Source::Now => f.write_str("now"),
            Source::Path { last: false } => f.write_str("path"),
            Source::Path { last: true } => f.write_str("path.last"),
            Source::Query(name) => write!(f, "query.{name}"),
            Source::Header(name) => write!(f, "header.{name}"),
            Source::Json(path) => write!(f, "json.{}", path.join(".")),
            Source::Xml(path) => write!(f, "xml.{}", path.join(".")),
            Source::Literal(text) => write!(f, "{text:?}"),
        }
    }
}

/// A template rendered for one request, the capture id still to come.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rendered {
    text: String,
    /// Where the id goes (byte offsets into `text`, in order), and whether as base64.
    ids: Vec<(usize, bool)>,
    /// The values the request did not have.
    pub missing: Vec<String>,
    /// Whether the output was cut at [`MAX_OUTPUT`].
    pub cut: bool,
}

impl Rendered {
    fn push(&mut self, text: &str) {
        let room = MAX_OUTPUT.saturating_sub(self.text.len());
        if text.len() <= room {
            self.text.push_str(text);
            return;
        }
        let mut end = room;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.text.push_str(&text[..end]);
        self.cut = true;
    }

    /// Whether the capture id is still to be put in.
    pub fn needs_id(&self) -> bool {
        !self.ids.is_empty()
    }

    /// The text with the capture id `id` in its places.
    pub fn with_id(&self, id: u64) -> String {
        if self.ids.is_empty() {
            return self.text.clone();
        }
        let digits = itoa::Buffer::new().format(id).to_owned();
        let encoded = BASE64.encode(digits.as_bytes());
        let mut out = String::with_capacity(self.text.len() + self.ids.len() * encoded.len());
        let mut from = 0;
        for &(at, base64) in &self.ids {
            out.push_str(&self.text[from..at]);
            out.push_str(if base64 { &encoded } else { &digits });
            from = at;
        }
        out.push_str(&self.text[from..]);
        out
    }
}

/// What templates may read of one request; the body is parsed (as JSON or XML) at most once,
/// when a template first asks for it.
pub struct RequestValues<'a> {
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a HeaderList,
    body: &'a [u8],
    json: Option<Option<serde_json::Value>>,
    xml: Option<Option<roxmltree::Document<'a>>>,
}

impl<'a> RequestValues<'a> {
    pub fn new(
        path: &'a str,
        query: Option<&'a str>,
        headers: &'a HeaderList,
        body: &'a [u8],
    ) -> Self {
        RequestValues {
            path,
            query,
            headers,
            body,
            json: None,
            xml: None,
        }
    }

    fn value(&mut self, source: &Source) -> Option<String> {
        match source {
            Source::Id => None,
            Source::Uuid => Some(uuid_v4()),
            Source::Now => {
                Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            }
            Source::Literal(text) => Some(text.clone()),
            Source::Path { last: false } => Some(self.path.to_owned()),
            Source::Path { last: true } => self
                .path
                .rsplit('/')
                .find(|segment| !segment.is_empty())
                .map(str::to_owned),
            Source::Query(name) => self.query.and_then(|query| query_value(query, name)),
            Source::Header(name) => self
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
                .map(|(_, value)| String::from_utf8_lossy(value).into_owned()),
            Source::Json(path) => {
                let body = self.body;
                let json = self
                    .json
                    .get_or_insert_with(|| serde_json::from_slice(body).ok())
                    .as_ref()?;
                let mut at = json;
                for step in path {
                    at = match at {
                        serde_json::Value::Object(map) => map.get(step)?,
                        serde_json::Value::Array(list) => list.get(step.parse::<usize>().ok()?)?,
                        _ => return None,
                    };
                }
                match at {
                    serde_json::Value::String(text) => Some(text.clone()),
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                }
            }
            Source::Xml(path) => {
                let body = self.body;
                let document = self
                    .xml
                    .get_or_insert_with(|| {
                        let text = std::str::from_utf8(body).ok()?;
                        roxmltree::Document::parse(text).ok()
                    })
                    .as_ref()?;
                xml_value(document, path)
            }
        }
    }
}

/// The text of the element at `path` (the root's name first), e.g. `notification.challenge`.
fn xml_value(document: &roxmltree::Document<'_>, path: &[String]) -> Option<String> {
    let (first, rest) = path.split_first()?;
    let mut node = document.root_element();
    if node.tag_name().name() != first {
        return None;
    }
    for step in rest {
        node = node
            .children()
            .find(|child| child.is_element() && child.tag_name().name() == step)?;
    }
    let text: String = node
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    Some(text.trim().to_owned())
}

/// The first value of query parameter `name`, percent-decoded.
fn query_value(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

/// `text` with `%XX` escapes decoded and `+` read as a space (a query string's value).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && hex.iter().all(u8::is_ascii_hexdigit)
        {
            let digit = |h: u8| (h as char).to_digit(16).unwrap_or(0) as u8;
            out.push(digit(hex[0]) << 4 | digit(hex[1]));
            i += 3;
            continue;
        }
        out.push(if byte == b'+' { b' ' } else { byte });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A version 4 UUID: unique within the process (a counter) and unpredictable across
/// processes (hashed with the process's random key). Not for secrets.
fn uuid_v4() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static KEYS: std::sync::OnceLock<std::collections::hash_map::RandomState> =
        std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(Default::default);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let half = |salt: u64| {
        let mut hasher = keys.build_hasher();
        hasher.write_u64(salt);
        hasher.write_u64(n);
        hasher.finish()
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&half(1).to_be_bytes());
    bytes[8..].copy_from_slice(&half(2).to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(
        template: &str,
        query: Option<&str>,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Rendered {
        let headers =
            HeaderList::from_pairs(headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
        Template::parse(template)
            .unwrap()
            .render(&mut RequestValues::new(
                "/trigger/example==",
                query,
                &headers,
                body.as_bytes(),
            ))
    }

    #[test]
    fn each_source_renders() {
        let out = render(
            "{{query.flow}}|{{header.X-Flow}}|{{json.data.items.1}}|{{json.n}}|{{base64 \"ab\"}}",
            Some("a=1&flow=x%20y"),
            &[("x-flow", "h")],
            r#"{"data":{"items":["a","b"]},"n":3}"#,
        );
        assert_eq!(out.with_id(1), "x y|h|b|3|YWI=");
        let out = render("{{path}} {{path.last}}", None, &[], "");
        assert_eq!(out.with_id(1), "/trigger/example== example==");
        assert!(out.missing.is_empty());

        // The XML example of the Prismatic trigger document.
        let xml =
            "<notification>\n  <challenge>2d8c3b2e-1a7f-4a8e-9e5b</challenge>\n</notification>";
        let out = render("{{xml.notification.challenge}}", None, &[], xml);
        assert_eq!(out.with_id(1), "2d8c3b2e-1a7f-4a8e-9e5b");
    }

    #[test]
    fn the_id_is_put_in_once_known() {
        let out = render(r#"{"id":{{id}},"b":"{{base64 id}}"}"#, None, &[], "");
        assert!(out.needs_id());
        assert_eq!(out.with_id(42), r#"{"id":42,"b":"NDI="}"#);
    }

    #[test]
    fn missing_values_render_empty_and_are_listed() {
        let out = render(
            "[{{json.a.b}}][{{xml.x.y}}][{{query.q}}][{{header.h}}]",
            None,
            &[],
            "{}",
        );
        assert_eq!(out.with_id(1), "[][][][]");
        assert_eq!(out.missing, ["json.a.b", "xml.x.y", "query.q", "header.h"]);
    }

    #[test]
    fn uuids_are_version_4_and_differ() {
        let a = render("{{uuid}}", None, &[], "").with_id(1);
        let b = render("{{uuid}}", None, &[], "").with_id(1);
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        let now = render("{{now}}", None, &[], "").with_id(1);
        assert!(chrono::DateTime::parse_from_rfc3339(&now).is_ok(), "{now}");
    }

    #[test]
    fn nothing_is_evaluated_and_output_is_bounded() {
        // A value that looks like a template is copied as text, never read again.
        let out = render("{{json.a}}", None, &[], r#"{"a":"{{uuid}}"}"#);
        assert_eq!(out.with_id(1), "{{uuid}}");
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(MAX_OUTPUT * 2));
        let out = render("{{json.a}}{{json.a}}", None, &[], &big);
        assert_eq!(out.with_id(1).len(), MAX_OUTPUT);
        assert!(out.cut);
    }

    #[test]
    fn bad_templates_say_why() {
        for (text, says) in [
            ("{{nope}}", "is not a template value"),
            ("{{json.}}", "names separated by dots"),
            ("a {{id", "without a closing"),
            ("{{base64}}", "is not a template value"),
            ("{{base64x}}", "is not a template value"),
            ("{{query.}}", "is not a template value"),
        ] {
            let err = Template::parse(text).unwrap_err().to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
        assert!(Template::parse("plain").unwrap().is_plain());
    }
}
