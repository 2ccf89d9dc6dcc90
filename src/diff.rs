//! What differs between two captured events: the request line, the headers (added, removed,
//! changed), the body (a structural JSON diff by path, a line diff for text, the first
//! differing bytes for anything else) and what hookscope made of each (provider, kind,
//! severity, signature, anomalies, sequence), side by side. Pure: it reads two events and
//! returns data; how it is shown (masked, made safe) is the interface's business.
//!
//! Also here: which earlier event a conflict or a redelivery collides with (`Partner`).

use std::fmt::Write as _;

use serde_json::Value;

use crate::event::{CapturedEvent, SequenceStatus};

/// Changes listed at most per part; what is beyond is counted (`EventDiff::*_more`).
pub const MAX_CHANGES: usize = 2_000;
/// Lines compared by the longest-common-subsequence table at most (product of both sides,
/// after common head and tail are set aside); beyond, the middle is shown as replaced.
const MAX_LCS_CELLS: usize = 4_000_000;

/// One value's fate between the two events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added(String),
    Removed(String),
    Changed { old: String, new: String },
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A change at one place in a JSON body. Values are compact JSON (strings keep their quotes,
/// so a type change reads `55 → "55"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonChange {
    pub path: Vec<Step>,
    pub change: Change,
}

impl JsonChange {
    /// The path as written: `payload.snr`, `items[2]`, `["a.b"]`; the root is `(body)`.
    pub fn path_text(&self) -> String {
        path_text(&self.path)
    }
}

/// `payload.snr`, `items[2].id`, `["odd key"]`; the whole body is `(body)`.
pub fn path_text(path: &[Step]) -> String {
    if path.is_empty() {
        return "(body)".to_owned();
    }
    let mut out = String::new();
    for step in path {
        match step {
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
            Step::Key(key) => {
                let plain = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '$');
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                } else {
                    let quoted = serde_json::to_string(key).unwrap_or_default();
                    let _ = write!(out, "[{quoted}]");
                }
            }
        }
    }
    out
}

/// One line of a line diff, numbered on its side (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineChange {
    Removed {
        line: usize,
        text: String,
    },
    Added {
        line: usize,
        text: String,
    },
    /// Lines alike on both sides, left out of the listing.
    Same {
        count: usize,
    },
}

/// How the bodies differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyDiff {
    /// Byte for byte the same.
    Identical { size: usize },
    /// Both are JSON: the changes by path (empty when they differ only in spacing or key order).
    Json {
        changes: Vec<JsonChange>,
        more: usize,
    },
    /// Both are text: the lines removed and added, with runs of equal lines counted.
    Text { lines: Vec<LineChange>, more: usize },
    /// Bytes: where they first differ and for how long (aligned), and each size.
    Binary {
        offset: usize,
        length: usize,
        left_size: usize,
        right_size: usize,
    },
}

/// A header's fate, by name (compared ignoring case; repeated headers are joined with `, `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderChange {
    pub name: String,
    pub change: Change,
}

/// One fact about each event, side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facet {
    pub label: &'static str,
    pub left: String,
    pub right: String,
}

impl Facet {
    pub fn differs(&self) -> bool {
        self.left != self.right
    }
}

/// Everything that differs between `left` (the earlier or marked event) and `right`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDiff {
    /// Method, path and query, each only when it differs.
    pub request: Vec<(&'static str, Change)>,
    pub headers: Vec<HeaderChange>,
    pub body: BodyDiff,
    /// Either body was cut at `--max-body`: the diff covers the bytes kept.
    pub truncated: bool,
    /// Every analysis fact, whether it differs or not.
    pub facets: Vec<Facet>,
}

impl EventDiff {
    pub fn new(left: &CapturedEvent, right: &CapturedEvent) -> EventDiff {
        EventDiff {
            request: request(left, right),
            headers: headers(left, right),
            body: body(&left.body, &right.body),
            truncated: left.truncated || right.truncated,
            facets: facets(left, right),
        }
    }

    /// Whether the two requests are the same in line, headers and body.
    pub fn same_request(&self) -> bool {
        self.request.is_empty()
            && self.headers.is_empty()
            && matches!(self.body, BodyDiff::Identical { .. })
    }
}

fn request(left: &CapturedEvent, right: &CapturedEvent) -> Vec<(&'static str, Change)> {
    let mut out = Vec::new();
    let mut compare = |label, old: Option<&str>, new: Option<&str>| {
        if let Some(change) = change_of(old, new) {
            out.push((label, change));
        }
    };
    compare("method", Some(&left.method), Some(&right.method));
    compare("path", Some(&left.path), Some(&right.path));
    compare("query", left.query(), right.query());
    out
}

fn change_of(old: Option<&str>, new: Option<&str>) -> Option<Change> {
    match (old, new) {
        (Some(a), Some(b)) if a == b => None,
        (Some(a), Some(b)) => Some(Change::Changed {
            old: a.to_owned(),
            new: b.to_owned(),
        }),
        (Some(a), None) => Some(Change::Removed(a.to_owned())),
        (None, Some(b)) => Some(Change::Added(b.to_owned())),
        (None, None) => None,
    }
}

/// Headers by lower-cased name, in the order of first appearance, values joined.
fn header_map(event: &CapturedEvent) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (name, value) in event.headers.iter() {
        let name = String::from_utf8_lossy(name).to_ascii_lowercase();
        let value = String::from_utf8_lossy(value);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, joined)) => {
                joined.push_str(", ");
                joined.push_str(&value);
            }
            None => out.push((name, value.into_owned())),
        }
    }
    out
}

fn headers(left: &CapturedEvent, right: &CapturedEvent) -> Vec<HeaderChange> {
    let a = header_map(left);
    let b = header_map(right);
    let mut out = Vec::new();
    for (name, old) in &a {
        let new = b.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        if let Some(change) = change_of(Some(old), new) {
            out.push(HeaderChange {
                name: name.clone(),
                change,
            });
        }
    }
    for (name, new) in &b {
        if !a.iter().any(|(n, _)| n == name) {
            out.push(HeaderChange {
                name: name.clone(),
                change: Change::Added(new.clone()),
            });
        }
    }
    out
}

/// How two bodies differ: as JSON when both parse, as text lines when both are UTF-8, else as
/// bytes.
pub fn body(left: &[u8], right: &[u8]) -> BodyDiff {
    if left == right {
        return BodyDiff::Identical { size: left.len() };
    }
    let parsed = |bytes: &[u8]| {
        (!bytes.iter().all(u8::is_ascii_whitespace))
            .then(|| serde_json::from_slice::<Value>(bytes).ok())
            .flatten()
    };
    if let (Some(a), Some(b)) = (parsed(left), parsed(right)) {
        let mut changes = Vec::new();
        let mut more = 0;
        json(&a, &b, &mut Vec::new(), &mut changes, &mut more);
        return BodyDiff::Json { changes, more };
    }
    if let (Ok(a), Ok(b)) = (std::str::from_utf8(left), std::str::from_utf8(right)) {
        let (lines, more) = text(a, b);
        return BodyDiff::Text { lines, more };
    }
    binary(left, right)
}

/// The structural difference of two JSON values, by path: objects by key (added, removed,
/// changed), arrays by index (a longer side's tail elements added or removed), anything else
/// (a scalar, or a value whose type changed) as one change.
pub fn json(
    left: &Value,
    right: &Value,
    path: &mut Vec<Step>,
    out: &mut Vec<JsonChange>,
    more: &mut usize,
) {
    let push = |path: &[Step], change: Change, out: &mut Vec<JsonChange>, more: &mut usize| {
        if out.len() < MAX_CHANGES {
            out.push(JsonChange {
                path: path.to_vec(),
                change,
            });
        } else {
            *more += 1;
        }
    };
    match (left, right) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, old) in a {
                path.push(Step::Key(key.clone()));
                match b.get(key) {
                    Some(new) => json(old, new, path, out, more),
                    None => push(path, Change::Removed(compact(old)), out, more),
                }
                path.pop();
            }
            for (key, new) in b {
                if !a.contains_key(key) {
                    path.push(Step::Key(key.clone()));
                    push(path, Change::Added(compact(new)), out, more);
                    path.pop();
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                path.push(Step::Index(i));
                match (a.get(i), b.get(i)) {
                    (Some(old), Some(new)) => json(old, new, path, out, more),
                    (Some(old), None) => push(path, Change::Removed(compact(old)), out, more),
                    (None, Some(new)) => push(path, Change::Added(compact(new)), out, more),
                    (None, None) => {}
                }
                path.pop();
            }
        }
        (a, b) if a == b => {}
        (a, b) => push(
            path,
            Change::Changed {
                old: compact(a),
                new: compact(b),
            },
            out,
            more,
        ),
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The lines removed from `left` and added in `right` (a longest common subsequence of lines),
/// with runs of equal lines counted; and how many changed lines were left out past
/// `MAX_CHANGES`.
pub fn text(left: &str, right: &str) -> (Vec<LineChange>, usize) {
    let a: Vec<&str> = left.lines().collect();
    let b: Vec<&str> = right.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (mid_a, mid_b) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    // What becomes of each line of the middle, in order.
    enum Op {
        Keep,
        Remove(usize),
        Add(usize),
    }
    let mut ops = Vec::new();
    if mid_a.len().saturating_mul(mid_b.len()) <= MAX_LCS_CELLS {
        let (n, m) = (mid_a.len(), mid_b.len());
        // lcs[i][j]: the longest common subsequence of mid_a[i..] and mid_b[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if mid_a[i] == mid_b[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && mid_a[i] == mid_b[j] {
                ops.push(Op::Keep);
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                // Removals before additions, as a reader expects `- old` above `+ new`.
                ops.push(Op::Remove(i));
                i += 1;
            } else {
                ops.push(Op::Add(j));
                j += 1;
            }
        }
    } else {
        ops.extend((0..mid_a.len()).map(Op::Remove));
        ops.extend((0..mid_b.len()).map(Op::Add));
    }
    let mut lines = Vec::new();
    let mut more = 0;
    let mut same = head;
    let mut push = |lines: &mut Vec<LineChange>, same: &mut usize, change: LineChange| {
        if lines.len() >= MAX_CHANGES {
            more += 1;
            return;
        }
        if *same > 0 {
            lines.push(LineChange::Same { count: *same });
            *same = 0;
        }
        lines.push(change);
    };
    for op in ops {
        match op {
            Op::Keep => same += 1,
            Op::Remove(i) => push(
                &mut lines,
                &mut same,
                LineChange::Removed {
                    line: head + i + 1,
                    text: mid_a[i].to_owned(),
                },
            ),
            Op::Add(j) => push(
                &mut lines,
                &mut same,
                LineChange::Added {
                    line: head + j + 1,
                    text: mid_b[j].to_owned(),
                },
            ),
        }
    }
    same += tail;
    if same > 0 && lines.len() < MAX_CHANGES {
        lines.push(LineChange::Same { count: same });
    }
    (lines, more)
}

/// Where two byte strings first differ, and for how many bytes (compared at the same offsets;
/// where one ends first, the rest of the other).
pub fn binary(left: &[u8], right: &[u8]) -> BodyDiff {
    let offset = left.iter().zip(right).take_while(|(a, b)| a == b).count();
    let shorter = left.len().min(right.len());
    let length = if offset == shorter {
        left.len().max(right.len()) - shorter
    } else {
        left[offset..shorter]
            .iter()
            .zip(&right[offset..shorter])
            .take_while(|(a, b)| a != b)
            .count()
    };
    BodyDiff::Binary {
        offset,
        length,
        left_size: left.len(),
        right_size: right.len(),
    }
}

impl BodyDiff {
    /// For bytes, where the bodies part and how long each is, as one sentence:
    /// `bodies differ from byte 2 (0x02) on; left 5 bytes, right 6 bytes`. Offsets are written
    /// in hex too, with as many digits as the longer body needs, so that offsets of one diff
    /// line up. `None` for the other kinds of diff.
    pub fn bytes_sentence(&self) -> Option<String> {
        let BodyDiff::Binary {
            offset,
            length,
            left_size,
            right_size,
        } = *self
        else {
            return None;
        };
        let digits = hex_digits(left_size.max(right_size));
        let at = |n: usize| format!("byte {n} (0x{n:0digits$x})");
        let shorter = left_size.min(right_size);
        let sizes = format!(
            "left {}, right {}",
            crate::words::count(left_size as u64, "byte"),
            crate::words::count(right_size as u64, "byte")
        );
        let short_side = if left_size < right_size {
            "left"
        } else {
            "right"
        };
        let what = if offset == shorter && shorter == 0 {
            format!("the {short_side} body is empty")
        } else if offset == shorter {
            format!(
                "bodies agree up to {}, where the {short_side} one ends",
                at(offset)
            )
        } else if offset + length < shorter && length > 1 {
            let last = offset + length - 1;
            format!(
                "bodies first differ at bytes {offset}-{last} (0x{offset:0digits$x}-0x{last:0digits$x}), then agree again"
            )
        } else if offset + length < shorter {
            format!("bodies first differ at {}, then agree again", at(offset))
        } else {
            format!("bodies differ from {} on", at(offset))
        };
        Some(format!("{what}; {sizes}"))
    }
}

/// Hex digits enough for any offset up to `size`: at least two, always an even number.
fn hex_digits(size: usize) -> usize {
    let mut digits = 2;
    while digits < 16 && (size >> (4 * digits)) > 0 {
        digits += 2;
    }
    digits
}

/// Reads one fact of an event as words.
type Read = fn(&CapturedEvent) -> String;

fn facets(left: &CapturedEvent, right: &CapturedEvent) -> Vec<Facet> {
    let rows: [(&'static str, Read); 10] = [
        ("id", |e| format!("#{}", e.id)),
        ("received", |e| {
            e.received_at.format("%H:%M:%S%.3f").to_string()
        }),
        ("provider", |e| e.analysis.provider.as_str().to_owned()),
        ("kind", |e| {
            e.analysis.kind.as_deref().unwrap_or("–").to_owned()
        }),
        ("severity", |e| e.analysis.severity.as_str().to_owned()),
        ("signature", |e| {
            let signature = &e.analysis.signature;
            match signature.scheme {
                Some(scheme) => format!("{} {}", scheme.as_str(), signature.verdict.as_str()),
                None => signature.verdict.as_str().to_owned(),
            }
        }),
        ("sequence", |e| match &e.analysis.sequence {
            Some(seq) => format!("{} {}", seq.seq, seq.status.as_str()),
            None => "–".to_owned(),
        }),
        ("redelivery", |e| match &e.analysis.redelivery {
            Some(r) => format!("retry #{} of #{}", r.retry, r.first_id),
            None => "–".to_owned(),
        }),
        ("anomalies", |e| {
            let codes: Vec<&str> = e.analysis.anomalies.iter().map(|a| a.code()).collect();
            if codes.is_empty() {
                "–".to_owned()
            } else {
                codes.join(", ")
            }
        }),
        ("answer", |e| e.response.status.to_string()),
    ];
    rows.iter()
        .map(|(label, read)| Facet {
            label,
            left: read(left),
            right: read(right),
        })
        .collect()
}

/// The earlier event a conflict or a redelivery collides with, as far as the event itself
/// tells: the same sequence number of the same session, or the delivery just before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Partner {
    /// A WMS conflict: the event that first came with this number in this session.
    Sequence { session_id: String, seq: u64 },
    /// A redelivery: the delivery just before, by id.
    Delivery { id: u64 },
}

impl Partner {
    /// The partner `event` has, if it is a conflict or a redelivery.
    pub fn of(event: &CapturedEvent) -> Option<Partner> {
        if let Some(info) = &event.analysis.sequence
            && info.status == SequenceStatus::Conflict
        {
            return Some(Partner::Sequence {
                session_id: event
                    .analysis
                    .subject
                    .session_id
                    .as_deref()
                    .unwrap_or_default()
                    .to_owned(),
                seq: info.seq,
            });
        }
        if let Some(r) = &event.analysis.redelivery {
            return Some(Partner::Delivery { id: r.previous_id });
        }
        None
    }

    /// Whether `candidate`, an event before the one this partner is of, is it. For a conflict,
    /// the event remembered for the number is one that was placed (not itself a conflict or a
    /// repeat); the nearest earlier such is the one compared against.
    pub fn is(&self, candidate: &CapturedEvent) -> bool {
        match self {
            Partner::Sequence { session_id, seq } => {
                let candidate_session = candidate.analysis.subject.session_id.as_deref();
                candidate.analysis.sequence.as_ref().is_some_and(|info| {
                    info.seq == *seq
                        && candidate_session.unwrap_or_default() == session_id
                        && !matches!(
                            info.status,
                            SequenceStatus::Conflict | SequenceStatus::Duplicate
                        )
                })
            }
            Partner::Delivery { id } => candidate.id == *id,
        }
    }
}

#[cfg(test)]
mod tests;
