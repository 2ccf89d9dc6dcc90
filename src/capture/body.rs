//! Reading a request body within the limits: keep the first `max_body` bytes, count the rest,
//! and give up on clients that stall or vanish.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Body;

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
}

/// Why a body could not be read: the request cannot become an event.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the client sent no body data for {0:?}")]
    Stalled(Duration),
    #[error("the body ended early: {0}")]
    Broken(String),
}

/// Reads `body`, which declared `declared` bytes (if it did).
pub async fn read<B>(
    mut body: B,
    declared: Option<u64>,
    limits: BodyLimits,
) -> Result<BodyRead, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let keep_limit = usize::try_from(limits.max_body).unwrap_or(usize::MAX);
    let mut kept = BytesMut::new();
    let mut single: Option<Bytes> = None;
    let mut counted: u64 = 0;
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
            });
    }
    loop {
        let frame = match tokio::time::timeout(limits.idle, body.frame()).await {
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
        match single.take() {
            None if kept.is_empty() => single = Some(data),
            None => kept.extend_from_slice(&data),
            Some(first) => {
                let expected = declared.map_or(0, |d| d.min(keep_limit as u64) as usize);
                kept.reserve(expected.max(first.len() + data.len()));
                kept.extend_from_slice(&first);
                kept.extend_from_slice(&data);
            }
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

/// Keeps up to `limit` bytes and stops reading.
async fn read_until<B>(mut body: B, limit: usize, limits: BodyLimits) -> Result<Bytes, BodyError>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    let mut kept = BytesMut::new();
    while kept.len() < limit {
        match tokio::time::timeout(limits.idle, body.frame()).await {
            Err(_) => return Err(BodyError::Stalled(limits.idle)),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(BodyError::Broken(e.to_string())),
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    let room = limit - kept.len();
                    kept.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
        }
    }
    Ok(Bytes::copy_from_slice(&kept))
}

fn finish(
    single: Option<Bytes>,
    kept: BytesMut,
    size: u64,
    truncated: bool,
    complete: bool,
) -> BodyRead {
    // Copy into an exact-size allocation: a slice of the connection's read buffer would keep
    // the whole buffer alive for as long as the event is stored.
    let bytes = match single {
        Some(only) => Bytes::copy_from_slice(&only),
        None if kept.len() == kept.capacity() => kept.freeze(),
        None => Bytes::copy_from_slice(&kept),
    };
    BodyRead {
        bytes,
        size,
        truncated,
        complete,
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
        let read = super::read(Full::new(Bytes::from_static(b"hello")), Some(5), limits(10))
            .await
            .unwrap();
        assert_eq!(&read.bytes[..], b"hello");
        assert_eq!((read.size, read.truncated, read.complete), (5, false, true));

        let read = super::read(chunks(&[b"ab", b"cd", b"e"]), None, limits(10))
            .await
            .unwrap();
        assert_eq!(&read.bytes[..], b"abcde");
        assert_eq!(read.size, 5);
    }

    #[tokio::test]
    async fn long_bodies_keep_their_first_bytes_and_real_size() {
        let read = super::read(chunks(&[b"0123", b"4567", b"89"]), None, limits(6))
            .await
            .unwrap();
        assert_eq!(&read.bytes[..], b"012345");
        assert_eq!((read.size, read.truncated, read.complete), (10, true, true));

        let read = super::read(
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
        let read = super::read(
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

    /// A stored event holds its body for as long as it is buffered: the bytes kept must fill
    /// their allocation, with no spare capacity and no larger buffer behind them.
    #[tokio::test]
    async fn kept_bytes_fill_their_allocation_exactly() {
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
        for (parts, declared, limits) in cases {
            let read = super::read(chunks(parts), declared, limits).await.unwrap();
            let len = read.bytes.len();
            let kept = read.bytes.try_into_mut().expect("the only reference");
            assert_eq!(kept.capacity(), len, "{parts:?} declared {declared:?}");
        }
    }

    #[tokio::test]
    async fn broken_bodies_are_errors() {
        let mut frames = chunks(&[b"ab"]);
        frames.0.push_back(Err(std::io::Error::other("reset")));
        let err = read(frames, Some(10), limits(100)).await.unwrap_err();
        assert!(matches!(err, BodyError::Broken(_)), "{err}");
    }
}
