//! Request headers as received, in one exact-size allocation per event.
//!
//! The block starts with the number of headers; then, per header, a one-byte code and what the
//! code does not already say:
//!
//! - `0`: a name of its own — its length and bytes — then the value's length and bytes;
//! - a [known name](known_name): the value's length and bytes;
//! - a [known header](known_header) (name and value both common, such as
//!   `content-type: application/json`): nothing more;
//! - a [learned header](learned_header): nothing more either. Some headers carry the same value
//!   on nearly every request — a listener has one address (`host`), a sender one user agent —
//!   so the first [`LEARNED_SLOTS`] distinct values of those met are kept for the life of the
//!   process, as HTTP/2's HPACK keeps a dynamic table, and cost one byte per request after.
//!
//! Lengths are LEB128 (one byte below 128). Names match the table byte for byte, so a name sent
//! as `Content-Type` stays `Content-Type`; values are never altered.

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use crate::alloc::slab;

use std::sync::{Mutex, OnceLock};

/// Header names common in webhook traffic, stored as one byte. Codes are part of no file format
/// (the block lives in memory only), so the list may change freely; each code must be unique and
/// lie in 1..=127.
macro_rules! known_names {
    ($($code:literal => $name:literal,)*) => {
        fn name_code(name: &[u8]) -> Option<u8> {
            match name {
                $($name => Some($code),)*
                _ => None,
            }
        }

        /// The name a code from 1 to 127 stands for.
        fn known_name(code: u8) -> Option<&'static [u8]> {
            match code {
                $($code => Some($name),)*
                _ => None,
            }
        }

        #[cfg(test)]
        const KNOWN_NAMES: &[(u8, &[u8])] = &[$(($code, $name)),*];
    };
}

known_names! {
    1 => b"host",
    2 => b"user-agent",
    3 => b"accept",
    4 => b"accept-encoding",
    5 => b"accept-language",
    6 => b"content-type",
    7 => b"content-length",
    8 => b"content-encoding",
    9 => b"connection",
    10 => b"transfer-encoding",
    11 => b"expect",
    12 => b"date",
    13 => b"authorization",
    14 => b"cache-control",
    15 => b"pragma",
    16 => b"origin",
    17 => b"referer",
    18 => b"cookie",
    19 => b"traceparent",
    20 => b"tracestate",
    21 => b"x-forwarded-for",
    22 => b"x-forwarded-proto",
    23 => b"x-forwarded-host",
    24 => b"x-forwarded-port",
    25 => b"x-real-ip",
    26 => b"x-request-id",
    27 => b"x-amzn-trace-id",
    28 => b"via",
    29 => b"forwarded",
    30 => b"x-wms-content-mac",
    31 => b"x-prism-signature",
    32 => b"x-hub-signature",
    33 => b"x-hub-signature-256",
    34 => b"x-github-event",
    35 => b"x-github-delivery",
    36 => b"x-github-hook-id",
    37 => b"x-github-hook-installation-target-id",
    38 => b"x-github-hook-installation-target-type",
    39 => b"stripe-signature",
    40 => b"webhook-id",
    41 => b"webhook-timestamp",
    42 => b"webhook-signature",
    43 => b"svix-id",
    44 => b"svix-timestamp",
    45 => b"svix-signature",
    46 => b"x-shopify-hmac-sha256",
    47 => b"x-shopify-topic",
    48 => b"x-shopify-shop-domain",
    49 => b"x-shopify-webhook-id",
    50 => b"x-shopify-api-version",
    51 => b"x-shopify-triggered-at",
    52 => b"x-shopify-event-id",
    53 => b"x-slack-signature",
    54 => b"x-slack-request-timestamp",
    55 => b"x-slack-retry-num",
    56 => b"x-slack-retry-reason",
    57 => b"upgrade",
    58 => b"te",
}

/// Whole headers common in webhook traffic, stored as one byte. Same rules as the names, with
/// codes in 128..=191.
macro_rules! known_headers {
    ($($code:literal => ($name:literal, $value:literal),)*) => {
        fn header_code(name: &[u8], value: &[u8]) -> Option<u8> {
            match (name, value) {
                $(($name, $value) => Some($code),)*
                _ => None,
            }
        }

        /// The name and value a code from 128 to 255 stands for.
        fn known_header(code: u8) -> Option<(&'static [u8], &'static [u8])> {
            match code {
                $($code => Some(($name, $value)),)*
                _ => None,
            }
        }

        #[cfg(test)]
        const KNOWN_HEADERS: &[(u8, &[u8], &[u8])] = &[$(($code, $name, $value)),*];
    };
}

known_headers! {
    128 => (b"content-type", b"application/json"),
    129 => (b"content-type", b"application/json; charset=utf-8"),
    130 => (b"content-type", b"application/json; charset=UTF-8"),
    131 => (b"content-type", b"application/x-www-form-urlencoded"),
    132 => (b"content-type", b"text/plain"),
    133 => (b"content-type", b"text/plain; charset=utf-8"),
    134 => (b"accept", b"*/*"),
    135 => (b"accept", b"application/json"),
    136 => (b"accept-encoding", b"gzip"),
    137 => (b"accept-encoding", b"gzip, deflate"),
    138 => (b"accept-encoding", b"gzip, deflate, br"),
    139 => (b"accept-encoding", b"gzip, br"),
    140 => (b"connection", b"keep-alive"),
    141 => (b"connection", b"close"),
    142 => (b"expect", b"100-continue"),
    143 => (b"transfer-encoding", b"chunked"),
    144 => (b"x-forwarded-proto", b"https"),
    145 => (b"x-forwarded-proto", b"http"),
    146 => (b"cache-control", b"no-cache"),
    147 => (b"x-github-hook-installation-target-type", b"repository"),
    148 => (b"x-github-hook-installation-target-type", b"organization"),
}

/// The code of a name written in any case (known names are lower case).
fn name_code_ignoring_case(name: &[u8]) -> Option<u8> {
    if !name.iter().any(u8::is_ascii_uppercase) {
        return name_code(name);
    }
    let mut lower = [0u8; 64];
    let lower = lower.get_mut(..name.len())?;
    for (to, from) in lower.iter_mut().zip(name) {
        *to = from.to_ascii_lowercase();
    }
    name_code(lower)
}

/// Code of a header whose name has no code.
const LITERAL: u8 = 0;
/// Codes from here on stand for a whole header.
const FIRST_HEADER_CODE: u8 = 128;
/// Codes from here on stand for a learned header.
const FIRST_LEARNED_CODE: u8 = 192;
/// Most values learned, over the life of the process.
pub const LEARNED_SLOTS: usize = 64;
/// Longest value learned: the table stays below 16 KiB whatever arrives.
const MAX_LEARNED_VALUE: usize = 200;

/// Names whose values are learned: the ones a given sender or listener repeats on every request.
/// Each has a [known name](known_name), so only values are ever copied.
const LEARNABLE: [&[u8]; 9] = [
    b"host",
    b"user-agent",
    b"accept",
    b"accept-encoding",
    b"content-type",
    b"x-forwarded-proto",
    b"x-forwarded-host",
    b"x-shopify-shop-domain",
    b"x-shopify-api-version",
];

/// The learned headers, filled in order and never emptied, so that a code once given always
/// means the same header; a header's encoding never changes once it has been met.
static LEARNED: [OnceLock<(&'static [u8], &'static [u8])>; LEARNED_SLOTS] =
    [const { OnceLock::new() }; LEARNED_SLOTS];
/// Taken only to fill a slot.
static LEARNING: Mutex<()> = Mutex::new(());

/// The code of a learned header, learning it if there is room.
fn learned_code(name: &[u8], value: &[u8]) -> Option<u8> {
    if value.len() > MAX_LEARNED_VALUE || !LEARNABLE.contains(&name) {
        return None;
    }
    let find = || {
        for (i, slot) in LEARNED.iter().enumerate() {
            match slot.get() {
                Some(&(n, v)) if n == name && v == value => return Ok(i),
                Some(_) => {}
                None => return Err(Some(i)),
            }
        }
        Err(None)
    };
    match find() {
        Ok(i) => return learned_slot_code(i),
        // Full: nothing more is learned, ever.
        Err(None) => return None,
        Err(Some(_)) => {}
    }
    let _filling = LEARNING.lock().unwrap_or_else(|p| p.into_inner());
    // Another thread may have filled slots meanwhile, this header's included.
    let free = match find() {
        Ok(i) => return learned_slot_code(i),
        Err(free) => free?,
    };
    let name = known_name(name_code(name)?)?;
    // Kept for the life of the process: at most LEARNED_SLOTS values, each bounded.
    let value: &'static [u8] = Box::leak(Box::from(value));
    // The slot is free and only filled under the lock.
    let _ = LEARNED[free].set((name, value));
    learned_slot_code(free)
}

fn learned_slot_code(slot: usize) -> Option<u8> {
    u8::try_from(slot)
        .ok()
        .and_then(|i| FIRST_LEARNED_CODE.checked_add(i))
}

/// The name and value a code from 192 to 255 stands for, once learned.
fn learned_header(code: u8) -> Option<(&'static [u8], &'static [u8])> {
    let slot = usize::from(code.checked_sub(FIRST_LEARNED_CODE)?);
    LEARNED.get(slot)?.get().copied()
}

/// Request headers in arrival order, duplicates kept, names and values as received, in one
/// block of exact size (see the module documentation for the layout): an allocation of its own,
/// or for a captured request, packed with the bodies ([`HeaderList::packed`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    block: Bytes,
}

/// How many headers are gathered on the stack while a block is written; more go to the heap.
const ON_STACK: usize = 16;

/// A header, and how it is written into the block.
type Planned<'a> = (&'a [u8], &'a [u8], Encoded);

/// A block about to be written: every header and how it is written, and the size it takes.
struct Plan<'a> {
    stack: [Planned<'a>; ON_STACK],
    heap: Vec<Planned<'a>>,
    count: usize,
    size: usize,
}

impl<'a> Plan<'a> {
    /// Looks each header up once (learning a value is done here), so that the block is sized
    /// first and allocated once.
    fn new(pairs: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Plan<'a> {
        let mut plan = Plan {
            stack: [(&[], &[], Encoded::Literal); ON_STACK],
            heap: Vec::new(),
            count: 0,
            size: 0,
        };
        for (name, value) in pairs {
            let how = Encoded::of(name, value);
            plan.size += how.size(name, value);
            match plan.stack.get_mut(plan.count) {
                Some(slot) => *slot = (name, value, how),
                None => plan.heap.push((name, value, how)),
            }
            plan.count += 1;
        }
        if plan.count > 0 {
            plan.size += leb128_len(plan.count);
        }
        plan
    }

    /// Writes the block: exactly `self.size` bytes.
    fn write(&self, block: &mut BytesMut) {
        push_leb128(block, self.count);
        let planned = self.stack[..self.count.min(ON_STACK)]
            .iter()
            .chain(&self.heap);
        for &(name, value, how) in planned {
            match how {
                Encoded::Header(code) => block.put_u8(code),
                Encoded::Name(code) => {
                    block.put_u8(code);
                    push_leb128(block, value.len());
                    block.put_slice(value);
                }
                Encoded::Literal => {
                    block.put_u8(LITERAL);
                    push_leb128(block, name.len());
                    block.put_slice(name);
                    push_leb128(block, value.len());
                    block.put_slice(value);
                }
            }
        }
    }
}

impl HeaderList {
    /// The list of these headers, in this order, in an allocation of its own.
    pub fn from_pairs<'a, I>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let plan = Plan::new(pairs);
        if plan.count == 0 {
            return HeaderList::default();
        }
        // Filled to its capacity: frozen, it stays one allocation of exactly that size.
        let mut block = BytesMut::with_capacity(plan.size);
        plan.write(&mut block);
        debug_assert_eq!(block.len(), plan.size);
        HeaderList {
            block: block.freeze(),
        }
    }

    /// As [`HeaderList::from_pairs`], the block packed with the bodies of captured requests
    /// ([`slab`]): for the headers of a request the store is to keep.
    pub fn packed<'a, I>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let plan = Plan::new(pairs);
        HeaderList {
            block: slab::keep_with(plan.size, |block| plan.write(block)),
        }
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        read_leb128(&self.block).map_or(0, |(count, _)| count)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Name and value of every header, in order. Names are ASCII (the HTTP parser ensures it);
    /// values are raw bytes and need not be UTF-8.
    pub fn iter(&self) -> Iter<'_> {
        match read_leb128(&self.block) {
            Some((count, used)) => Iter {
                rest: &self.block[used..],
                remaining: count,
            },
            None => Iter {
                rest: &[],
                remaining: 0,
            },
        }
    }

    /// The first value of a header, compared case-insensitively.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let wanted = name.as_bytes();
        // Decoding looks headers up by name many times per request: coded names are compared by
        // their code, and a name with no code can only be among the literal ones.
        let wanted_code = name_code_ignoring_case(wanted);
        let mut headers = self.iter();
        while headers.remaining > 0 {
            headers.remaining -= 1;
            let (&code, rest) = headers.rest.split_first()?;
            headers.rest = rest;
            if code >= FIRST_HEADER_CODE {
                if wanted_code.is_some() {
                    let (name, value) = if code >= FIRST_LEARNED_CODE {
                        learned_header(code)?
                    } else {
                        known_header(code)?
                    };
                    if name.eq_ignore_ascii_case(wanted) {
                        return Some(value);
                    }
                }
                continue;
            }
            let matches = if code == LITERAL {
                headers.take_sized()?.eq_ignore_ascii_case(wanted)
            } else {
                Some(code) == wanted_code
            };
            let value = headers.take_sized()?;
            if matches {
                return Some(value);
            }
        }
        None
    }

    /// The first value of a header as text, when it is UTF-8.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Bytes held on the heap, for memory accounting.
    pub fn heap_size(&self) -> usize {
        self.block.len()
    }
}

impl fmt::Debug for HeaderList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.iter()
                    .map(|(n, v)| (String::from_utf8_lossy(n), String::from_utf8_lossy(v))),
            )
            .finish()
    }
}

impl<'a> IntoIterator for &'a HeaderList {
    type Item = (&'a [u8], &'a [u8]);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// How one header is written into the block.
#[derive(Clone, Copy)]
enum Encoded {
    Header(u8),
    Name(u8),
    Literal,
}

impl Encoded {
    fn of(name: &[u8], value: &[u8]) -> Encoded {
        // Known and learned headers all have known names: other names need no further look.
        let Some(name_code) = name_code(name) else {
            return Encoded::Literal;
        };
        match header_code(name, value).or_else(|| learned_code(name, value)) {
            Some(code) => Encoded::Header(code),
            None => Encoded::Name(name_code),
        }
    }

    fn size(self, name: &[u8], value: &[u8]) -> usize {
        let value_size = leb128_len(value.len()) + value.len();
        match self {
            Encoded::Header(_) => 1,
            Encoded::Name(_) => 1 + value_size,
            Encoded::Literal => 1 + leb128_len(name.len()) + name.len() + value_size,
        }
    }
}

/// The headers of a [`HeaderList`], in order.
#[derive(Clone)]
pub struct Iter<'a> {
    rest: &'a [u8],
    remaining: usize,
}

impl<'a> Iter<'a> {
    /// Splits `len` bytes off the front of the rest.
    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.rest.len() {
            return None;
        }
        let (taken, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(taken)
    }

    fn take_sized(&mut self) -> Option<&'a [u8]> {
        let (len, used) = read_leb128(self.rest)?;
        self.rest = &self.rest[used..];
        self.take(len)
    }

    fn next_header(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        let (&code, rest) = self.rest.split_first()?;
        self.rest = rest;
        if code >= FIRST_LEARNED_CODE {
            return learned_header(code);
        }
        if code >= FIRST_HEADER_CODE {
            return known_header(code);
        }
        let name = if code == LITERAL {
            self.take_sized()?
        } else {
            known_name(code)?
        };
        Some((name, self.take_sized()?))
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        match self.next_header() {
            Some(header) => {
                self.remaining -= 1;
                Some(header)
            }
            // Only a block this module did not write could end early; stop rather than panic.
            None => {
                self.remaining = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Iter<'_> {}

fn leb128_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

fn push_leb128(out: &mut BytesMut, mut n: usize) {
    while n >= 0x80 {
        out.put_u8((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.put_u8(n as u8);
}

/// The number at the start of `bytes` and how many bytes it took.
fn read_leb128(bytes: &[u8]) -> Option<(usize, usize)> {
    if let Some(&b) = bytes.first()
        && b < 0x80
    {
        return Some((usize::from(b), 1));
    }
    let mut n = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        let shift = 7 * i as u32;
        if shift >= usize::BITS {
            return None;
        }
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some((n, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(list: &HeaderList) -> Vec<(Vec<u8>, Vec<u8>)> {
        list.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect()
    }

    #[test]
    fn codes_are_unique_and_stand_for_their_text() {
        let mut seen = std::collections::HashSet::new();
        for &(code, name) in KNOWN_NAMES {
            assert!((1..FIRST_HEADER_CODE).contains(&code), "{code}");
            assert!(seen.insert(code), "{code} twice");
            assert_eq!(name_code(name), Some(code));
            assert_eq!(known_name(code), Some(name));
        }
        for &(code, name, value) in KNOWN_HEADERS {
            assert!(
                (FIRST_HEADER_CODE..FIRST_LEARNED_CODE).contains(&code),
                "{code}"
            );
            assert!(seen.insert(code), "{code} twice");
            assert_eq!(header_code(name, value), Some(code));
            assert_eq!(known_header(code), Some((name, value)));
            assert!(name_code(name).is_some(), "a known header has a known name");
        }
        for name in LEARNABLE {
            assert!(
                name_code(name).is_some(),
                "a learnable header has a known name"
            );
        }
    }

    #[test]
    fn headers_come_back_as_given() {
        let long = vec![b'v'; 300];
        let given: Vec<(&[u8], &[u8])> = vec![
            (b"host", b"127.0.0.1:8765"),
            (b"content-type", b"application/json"),
            (b"Content-Type", b"application/json"),
            (b"content-type", b"application/JSON"),
            (b"x-dup", b"one"),
            (b"x-dup", b"two"),
            (b"x-latin1", b"caf\xe9"),
            (b"x-empty", b""),
            (b"x-long", &long),
            (b"accept", b"*/*"),
        ];
        let list = HeaderList::from_pairs(given.iter().copied());
        assert_eq!(list.len(), given.len());
        assert_eq!(list.iter().len(), given.len());
        let back = pairs(&list);
        let expected: Vec<(Vec<u8>, Vec<u8>)> = given
            .iter()
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect();
        assert_eq!(back, expected);
        assert_eq!(list.get("CONTENT-TYPE"), Some(&b"application/json"[..]));
        assert_eq!(list.get("Host"), Some(&b"127.0.0.1:8765"[..]));
        assert_eq!(list.get("X-Dup"), Some(&b"one"[..]));
        assert_eq!(list.get("x-empty"), Some(&b""[..]));
        assert_eq!(list.get("Accept"), Some(&b"*/*"[..]));
        assert_eq!(list.get(&"x".repeat(80)), None);
        assert_eq!(list.get("x-dup"), Some(&b"one"[..]));
        assert_eq!(list.get_str("x-latin1"), None);
        assert_eq!(list.get("x-missing"), None);
        assert_eq!(list, HeaderList::from_pairs(given.iter().copied()));
    }

    #[test]
    fn common_headers_cost_a_byte_or_two_beyond_their_value() {
        let mac = [b'a'; 76];
        let list = HeaderList::from_pairs([
            (&b"x-wms-content-mac"[..], &mac[..]),
            (b"content-type", b"application/json"),
            (b"content-length", b"600"),
        ]);
        // Count, then the signature (code, length, 76 bytes), content-type (code),
        // content-length (code, length, 3 bytes).
        assert_eq!(list.heap_size(), 1 + (2 + 76) + 1 + (2 + 3));
    }

    #[test]
    fn learned_values_cost_one_byte_and_the_table_stays_bounded() {
        // Other tests learn values too (the table is the process's): only what holds whatever
        // they did is checked.
        let host = b"learned.example:1";
        let first = HeaderList::from_pairs([(&b"host"[..], &host[..])]);
        let again = HeaderList::from_pairs([(&b"host"[..], &host[..])]);
        assert_eq!(first, again, "a header's encoding never changes");
        assert_eq!(pairs(&again), vec![(b"host".to_vec(), host.to_vec())]);
        if let Some(code) = learned_code(b"host", host) {
            assert_eq!(first.heap_size(), 2);
            assert_eq!(learned_header(code), Some((&b"host"[..], &host[..])));
        }
        // Names that are not learnable and long values are never learned.
        assert_eq!(learned_code(b"x-request-id", b"1"), None);
        assert_eq!(learned_code(b"host", &[b'h'; MAX_LEARNED_VALUE + 1]), None);
        // Past the slots, values are stored in full and still read back.
        let hosts: Vec<String> = (0..LEARNED_SLOTS + 8)
            .map(|i| format!("filler-{i}.example"))
            .collect();
        for host in &hosts {
            let list = HeaderList::from_pairs([(&b"host"[..], host.as_bytes())]);
            assert_eq!(list.get_str("host"), Some(host.as_str()));
        }
        assert!(LEARNED.iter().all(|slot| slot.get().is_some()));
        assert_eq!(learned_code(b"host", b"never-seen.example"), None);
        assert_eq!(learned_header(FIRST_LEARNED_CODE - 1), None);
    }

    #[test]
    fn empty_lists_allocate_nothing() {
        let list = HeaderList::from_pairs([]);
        assert!(list.is_empty());
        assert_eq!(list.heap_size(), 0);
        assert_eq!(list.iter().next(), None);
        assert_eq!(list, HeaderList::default());
    }

    #[test]
    fn lengths_round_trip() {
        for n in [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 30, usize::MAX] {
            let mut out = BytesMut::new();
            push_leb128(&mut out, n);
            assert_eq!(out.len(), leb128_len(n));
            assert_eq!(read_leb128(&out), Some((n, out.len())));
        }
        assert_eq!(read_leb128(&[0x80]), None);
        assert_eq!(read_leb128(&[0xff; 11]), None);
    }

    #[test]
    fn a_cut_block_ends_the_walk_without_panicking() {
        let list = HeaderList::from_pairs([(&b"x-a"[..], &b"value"[..])]);
        for cut in 0..list.block.len() {
            let broken = HeaderList {
                block: list.block.slice(..cut),
            };
            assert!(broken.iter().count() <= 1);
        }
    }

    proptest! {
        #[test]
        fn any_headers_come_back_as_given(
            given in proptest::collection::vec(
                (
                    prop_oneof![
                        Just(b"content-type".to_vec()),
                        Just(b"Content-Type".to_vec()),
                        Just(b"host".to_vec()),
                        proptest::collection::vec(any::<u8>(), 0..20),
                    ],
                    prop_oneof![
                        Just(b"application/json".to_vec()),
                        proptest::collection::vec(any::<u8>(), 0..200),
                    ],
                ),
                // Past the 16 gathered on the stack too.
                0..48,
            )
        ) {
            let list = HeaderList::from_pairs(given.iter().map(|(n, v)| (&n[..], &v[..])));
            prop_assert_eq!(list.len(), given.len());
            // Packed with the bodies, the same block.
            let packed = HeaderList::packed(given.iter().map(|(n, v)| (&n[..], &v[..])));
            prop_assert_eq!(&packed, &list);
            // Lookups agree with a plain walk, whatever the case of the name asked for.
            for (name, _) in &given {
                if let Ok(name) = std::str::from_utf8(name) {
                    let walked = list
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
                        .map(|(_, v)| v);
                    prop_assert_eq!(list.get(name), walked);
                    prop_assert_eq!(list.get(&name.to_ascii_uppercase()), walked);
                }
            }
            prop_assert_eq!(pairs(&list), given);
        }
    }
}
