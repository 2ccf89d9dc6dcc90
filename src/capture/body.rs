//! Reading a request body within the limits: keep the first `max_body` bytes, count the rest,
//! give up on clients that stall or vanish, and keep the bytes of all bodies being read at once
//! under one bound ([`InFlight`]), so that many large bodies arriving together cannot take more
//! memory than the settings allow.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt;
use http_body_util::BodyExt;
use hyper::body::Body;

use crate::alloc::slab;

/// How much of a body to read and keep.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Bytes kept; a longer body is truncated to this and answered 413.
    pub max_body: u64,
    /// Bytes read and thrown away past `max_body` so the client can read its 413 cleanly;
    /// beyond this the connection is closed instead.
    pub drain_limit: u64,
    /// Longest wait for the next piece of body.
    pub idle: Duration,
}

impl BodyLimits {
    pub fn new(max_body: u64, idle: Duration) -> BodyLimits {
        BodyLimits {
            max_body,
            drain_limit: max_body.saturating_mul(4).max(1 << 20),
            idle,
        }
    }
}

/// The bound on the bytes of all bodies being read at once, shared by every connection.
///
/// A request takes its share before it allocates (a declared length all at once, a chunked body
/// as its buffer grows) and gives it back once its event is recorded; from then on the store
/// counts those bytes against `--max-bytes`. One atomic add per request with a body, and one
/// subtract: no lock.
#[derive(Debug)]
pub struct InFlight {
    held: AtomicU64,
    limit: u64,
}

impl InFlight {
    pub fn new(limit: u64) -> InFlight {
        InFlight {
            held: AtomicU64::new(0),
            limit,
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Bytes held by requests now.
    pub fn held(&self) -> u64 {
        self.held.load(Ordering::Relaxed)
    }

    /// A share of nothing yet, which grows with [`Held::cover`].
    pub fn hold(&self) -> Held<'_> {
        Held {
            in_flight: self,
            bytes: 0,
        }
    }

    /// Takes back a share set aside with [`Held::into_bytes`].
    pub fn adopt(&self, bytes: u64) -> Held<'_> {
        Held {
            in_flight: self,
            bytes,
        }
    }

    fn take(&self, bytes: u64) -> bool {
        // Add first and undo when over: one atomic operation in the usual case. The sum may
        // pass the limit for an instant; the memory never does, since nothing is allocated
        // for a refused share.
        let before = self.held.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > self.limit {
            self.held.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// One request's share of the [`InFlight`] bound, given back when dropped (also when the
/// request's task is dropped midway because its client went away).
#[derive(Debug)]
pub struct Held<'a> {
    in_flight: &'a InFlight,
    bytes: u64,
}

impl Held<'_> {
    /// Grows the share to `total` bytes; `false` when the bound does not allow it (the share
    /// is then unchanged).
    pub fn cover(&mut self, total: u64) -> bool {
        if total <= self.bytes {
            return true;
        }
        if !self.in_flight.take(total - self.bytes) {
            return false;
        }
        self.bytes = total;
        true
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Sets the share aside without giving it back, to be taken up with [`InFlight::adopt`]
    /// by whoever carries the body on (a task of its own).
    pub fn into_bytes(self) -> u64 {
        let bytes = self.bytes;
        std::mem::forget(self);
        bytes
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.in_flight.held.fetch_sub(self.bytes, Ordering::Relaxed);
        }
    }
}

/// A body as read.
#[derive(Debug)]
pub struct BodyRead {
    /// The bytes kept, in an allocation of their own (not a slice of a connection buffer).
    pub bytes: Bytes,
    /// Declared length when there was one, otherwise the bytes counted.
    pub size: u64,
    /// The body was over the limit: only its first bytes are kept.
    pub truncated: bool,
    /// Every byte of the body was read, so the connection can be reused.
    pub complete: bool,
    /// Reading stopped (or never started) because the bodies in flight had reached their bound:
    /// only the bytes read before are kept, and the request is to be answered 503.
    pub busy: bool,
}

/// Why a body could not be read: the request cannot become an event.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the client sent no body data for {0:?}")]
    Stalled(Duration),
    #[error("the body ended early: {0}")]
    Broken(String),
}

/// Reads `body`, which declared `declared` bytes (if it did), growing `held` to cover the bytes
/// it keeps before it allocates them.
pub async fn read<B>(
    mut body: B,
    declared: Option<u64>,
    limits: BodyLimits,
    held: &mut Held<'_>,
) -> Result<BodyRead, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let keep_limit = usize::try_from(limits.max_body).unwrap_or(usize::MAX);
    let mut kept = BytesMut::new();
    let mut single: Option<Bytes> = None;
    let mut counted: u64 = 0;
    if let Some(len) = declared
        && !held.cover(len.min(limits.max_body))
    {
        // Refused before reading a byte: the sender learns at once, and retries later.
        return Ok(BodyRead {
            bytes: Bytes::new(),
            size: len,
            truncated: true,
            complete: false,
            busy: true,
        });
    }
    let declared_over = declared.is_some_and(|len| len > limits.max_body);
    if declared_over && declared.is_some_and(|len| len > limits.drain_limit) {
        // Not worth draining: keep what the limit lets in, then close.
        return read_until(body, keep_limit, limits)
            .await
            .map(|bytes| BodyRead {
                size: declared.unwrap_or(bytes.len() as u64),
                bytes,
                truncated: true,
                complete: false,
                busy: false,
            });
    }
    let expected = declared.map_or(0, |d| d.min(keep_limit as u64) as usize);
    loop {
        let frame = match next_frame(&mut body, limits.idle).await {
            Err(_) => return Err(BodyError::Stalled(limits.idle)),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(BodyError::Broken(e.to_string())),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        }; // trailers
        counted += data.len() as u64;
        let room = keep_limit.saturating_sub(kept.len() + single.as_ref().map_or(0, Bytes::len));
        if room == 0 {
            if counted > limits.drain_limit {
                return Ok(finish(
                    single,
                    kept,
                    declared.unwrap_or(counted),
                    true,
                    false,
                ));
            }
            continue;
        }
        let data = if data.len() > room {
            data.slice(..room)
        } else {
            data
        };
        let covered = match single.take() {
            None if kept.is_empty() => {
                let covered = held.cover(data.len() as u64);
                if covered {
                    single = Some(data);
                }
                covered
            }
            None => {
                let covered = grow(&mut kept, data.len(), expected, keep_limit, held);
                if covered {
                    kept.extend_from_slice(&data);
                }
                covered
            }
            Some(first) => {
                let covered = grow(
                    &mut kept,
                    first.len() + data.len(),
                    expected,
                    keep_limit,
                    held,
                );
                if covered {
                    kept.extend_from_slice(&first);
                    kept.extend_from_slice(&data);
                } else {
                    single = Some(first);
                }
                covered
            }
        };
        if !covered {
            // Only a body of unknown length gets here: a declared one took its share up front.
            let mut read = finish(single, kept, declared.unwrap_or(counted), true, false);
            read.busy = true;
            return Ok(read);
        }
    }
    let truncated = counted > limits.max_body;
    Ok(finish(
        single,
        kept,
        if truncated {
            declared.unwrap_or(counted)
        } else {
            counted
        },
        truncated,
        true,
    ))
}

/// Makes room in `kept` for `additional` more bytes, growing `held` to cover the new capacity
/// before allocating it: at least the `expected` (declared) length, otherwise doubling, never
/// past `keep_limit`. `false`, with nothing allocated, when the bound does not allow it.
fn grow(
    kept: &mut BytesMut,
    additional: usize,
    expected: usize,
    keep_limit: usize,
    held: &mut Held<'_>,
) -> bool {
    let needed = kept.len() + additional;
    if needed <= kept.capacity() {
        return true;
    }
    let target = expected
        .max(kept.capacity().saturating_mul(2))
        .min(keep_limit)
        .max(needed);
    if !held.cover(target as u64) {
        return false;
    }
    // A new allocation of exactly `target` bytes: `reserve` may round up past what was covered.
    let mut bigger = BytesMut::with_capacity(target);
    bigger.extend_from_slice(kept);
    *kept = bigger;
    true
}

/// The next frame of `body`, or `Err` when none came within `idle`. A frame already there
/// (as a small body usually is, read with its head) is taken without arming a timer: no clock
/// read, no timer registered and removed.
async fn next_frame<B>(
    body: &mut B,
    idle: Duration,
) -> Result<Option<Result<hyper::body::Frame<Bytes>, B::Error>>, tokio::time::error::Elapsed>
where
    B: Body<Data = Bytes> + Unpin,
{
    // A pending `frame()` holds nothing: dropping it loses no data.
    if let Some(ready) = body.frame().now_or_never() {
        return Ok(ready);
    }
    tokio::time::timeout(idle, body.frame()).await
}

/// Keeps up to `limit` bytes and stops reading.
async fn read_until<B>(mut body: B, limit: usize, limits: BodyLimits) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    // The caller took a share of `limit` bytes for the declared length: one allocation of it.
    let mut kept = BytesMut::new();
    while kept.len() < limit {
        match next_frame(&mut body, limits.idle).await {
            Err(_) => return Err(BodyError::Stalled(limits.idle)),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(BodyError::Broken(e.to_string())),
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    if kept.capacity() == 0 {
                        kept.reserve(limit);
                    }
                    let room = limit - kept.len();
                    kept.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
        }
    }
    Ok(slab::keep(&kept))
}

fn finish(
    single: Option<Bytes>,
    kept: BytesMut,
    size: u64,
    truncated: bool,
    complete: bool,
) -> BodyRead {
    // Copied to where stored bodies live: a slice of the connection's read buffer would keep
    // the whole buffer alive for as long as the event is stored. A large body read into an
    // allocation of exactly its size keeps that one.
    let bytes = match single {
        Some(only) => slab::keep(&only),
        None if kept.len() > slab::PACKED_UP_TO && kept.len() == kept.capacity() => kept.freeze(),
        None => slab::keep(&kept),
    };
    BodyRead {
        bytes,
        size,
        truncated,
        complete,
        busy: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use hyper::body::Frame;

    fn limits(max_body: u64) -> BodyLimits {
        BodyLimits::new(max_body, Duration::from_millis(200))
    }

    /// Reads with no bound on the bodies in flight.
    async fn read_all<B>(
        body: B,
        declared: Option<u64>,
        limits: BodyLimits,
    ) -> Result<BodyRead, BodyError>
    where
        B: Body<Data = Bytes> + Unpin,
        B::Error: std::fmt::Display,
    {
        let unbounded = InFlight::new(u64::MAX);
        read(body, declared, limits, &mut unbounded.hold()).await
    }

    fn chunks(parts: &[&'static [u8]]) -> frames::Iter {
        frames::Iter(
            parts
                .iter()
                .map(|p| Ok(Frame::data(Bytes::from_static(p))))
                .collect(),
        )
    }

    /// A body made of a list of frames, delivered one per poll.
    mod frames {
        use super::*;
        use std::collections::VecDeque;
        use std::pin::Pin;
        use std::task::{Context, Poll};

        pub struct Iter(pub VecDeque<Result<Frame<Bytes>, std::io::Error>>);

        impl hyper::body::Body for Iter {
            type Data = Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                mut self: Pin<&mut Self>,
                _: &mut Context<'_>,
            ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
                Poll::Ready(self.0.pop_front())
            }
        }
    }

    #[tokio::test]
    async fn whole_bodies_are_kept() {
        let read = read_all(Full::new(Bytes::from_static(b"hello")), Some(5), limits(10))
            .await
            .unwrap();
        assert_eq!(&read.bytes[..], b"hello");
        assert_eq!((read.size, read.truncated, read.complete), (5, false, true));

        let read = read_all(chunks(&[b"ab", b"cd", b"e"]), None, limits(10))
            .await
            .unwrap();
        assert_eq!(&read.bytes[..], b"abcde");
        assert_eq!(read.size, 5);
    }

    #[tokio::test]
    async fn long_bodies_keep_their_first_bytes_and_real_size() {
        let read = read_all(chunks(&[b"0123", b"4567", b"89"]), None, limits(6))
            .await
            .unwrap();
        assert_eq!(&read.bytes[..], b"012345");
        assert_eq!((read.size, read.truncated, read.complete), (10, true, true));

        let read = read_all(
            Full::new(Bytes::from_static(b"0123456789")),
            Some(10),
            limits(4),
        )
        .await
        .unwrap();
        assert_eq!(&read.bytes[..], b"0123");
        assert!(read.truncated);
    }

    #[tokio::test]
    async fn huge_declared_bodies_are_not_drained() {
        let limits = BodyLimits {
            max_body: 4,
            drain_limit: 8,
            idle: Duration::from_millis(200),
        };
        let read = read_all(
            Full::new(Bytes::from_static(b"0123456789")),
            Some(1000),
            limits,
        )
        .await
        .unwrap();
        assert_eq!(&read.bytes[..], b"0123");
        assert_eq!(
            (read.size, read.truncated, read.complete),
            (1000, true, false)
        );
    }

    /// A stored event holds its body for as long as it is buffered: the bytes kept are never a
    /// slice of a buffer they were read from (a connection's read buffer would stay alive with
    /// them). Small bodies are packed side by side (see [`slab`]); a large one fills an
    /// allocation of exactly its length.
    #[tokio::test]
    async fn kept_bytes_carry_no_buffer_they_were_read_from() {
        /// Frames, declared length, limits.
        type Case = (&'static [&'static [u8]], Option<u64>, BodyLimits);
        let cases: [Case; 5] = [
            (&[b"hello"], Some(5), limits(10)),
            (&[b"ab", b"cd", b"e"], None, limits(10)),
            (&[b"ab", b"cd", b"e"], Some(5), limits(10)),
            (&[b"0123", b"4567", b"89"], None, limits(6)),
            (
                &[b"0123", b"4567", b"89"],
                Some(1000),
                BodyLimits {
                    max_body: 6,
                    drain_limit: 8,
                    idle: Duration::from_millis(200),
                },
            ),
        ];
        let mut previous: Option<Bytes> = None;
        for (parts, declared, limits) in cases {
            let read = read_all(chunks(parts), declared, limits).await.unwrap();
            let kept = read.bytes.as_ptr_range();
            for part in parts {
                let part = part.as_ptr_range();
                assert!(
                    kept.end <= part.start || kept.start >= part.end,
                    "{parts:?}: a slice of a frame"
                );
            }
            // Packed: right after the body kept before it.
            if let Some(previous) = &previous {
                assert_eq!(previous.as_ptr_range().end, kept.start, "{parts:?}");
            }
            previous = Some(read.bytes);
        }

        static HALF: [u8; slab::PACKED_UP_TO] = [b'x'; slab::PACKED_UP_TO];
        static TWO: [&[u8]; 2] = [&HALF, &HALF];
        static THREE: [&[u8]; 3] = [&HALF, &HALF, &HALF];
        let large: [Case; 3] = [
            (&TWO, None, limits(1 << 20)),
            (&TWO, Some(2 * HALF.len() as u64), limits(1 << 20)),
            (&THREE, None, limits(5 * 1024)),
        ];
        for (parts, declared, limits) in large {
            let read = read_all(chunks(parts), declared, limits).await.unwrap();
            let len = read.bytes.len();
            assert!(len > slab::PACKED_UP_TO);
            let kept = read.bytes.try_into_mut().expect("the only reference");
            assert_eq!(
                kept.capacity(),
                len,
                "{} frames, declared {declared:?}",
                parts.len()
            );
        }
    }

    #[tokio::test]
    async fn a_declared_body_over_the_bound_is_refused_before_it_is_read() {
        let in_flight = InFlight::new(100);
        let mut first = in_flight.hold();
        assert!(first.cover(60));
        let mut held = in_flight.hold();
        let body = Full::new(Bytes::from_static(&[b'x'; 50]));
        let read = super::read(body, Some(50), limits(1000), &mut held)
            .await
            .unwrap();
        assert!(read.busy && read.truncated && !read.complete);
        assert_eq!((read.bytes.len(), read.size), (0, 50));
        assert_eq!((held.bytes(), in_flight.held()), (0, 60));

        // Once the other body is done, the same request fits.
        drop(first);
        let body = Full::new(Bytes::from_static(&[b'x'; 50]));
        let read = super::read(body, Some(50), limits(1000), &mut held)
            .await
            .unwrap();
        assert!(!read.busy && read.complete);
        assert_eq!(read.bytes.len(), 50);
        assert_eq!(in_flight.held(), 50);
        drop(held);
        assert_eq!(in_flight.held(), 0);
    }

    #[tokio::test]
    async fn a_body_of_unknown_length_stops_where_the_bound_is_reached() {
        let in_flight = InFlight::new(10);
        let mut held = in_flight.hold();
        let body = chunks(&[b"0123", b"4567", b"89ab"]);
        let read = super::read(body, None, limits(100), &mut held)
            .await
            .unwrap();
        assert!(read.busy && read.truncated && !read.complete);
        assert_eq!(&read.bytes[..], b"01234567");
        assert_eq!(read.size, 12);
        // The share covers the buffer that was allocated, never more than the bound.
        assert_eq!(held.bytes(), 8);
        let moved = held.into_bytes();
        assert_eq!(in_flight.held(), 8);
        drop(in_flight.adopt(moved));
        assert_eq!(in_flight.held(), 0);
    }

    #[tokio::test]
    async fn broken_bodies_are_errors() {
        let mut frames = chunks(&[b"ab"]);
        frames.0.push_back(Err(std::io::Error::other("reset")));
        let err = read_all(frames, Some(10), limits(100)).await.unwrap_err();
        assert!(matches!(err, BodyError::Broken(_)), "{err}");
    }
}
