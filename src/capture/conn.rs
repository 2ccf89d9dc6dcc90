//! Per-connection bookkeeping: whether the client has sent bytes that have not yet become a
//! request, so that a connection closed mid-request counts as rejected and an idle keep-alive
//! connection closed by its timeout does not; and how many requests are being handled, so that
//! a connection with none for the idle timeout (or when descriptors run out) can be closed.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Debug, Default)]
pub struct ConnState {
    /// Requests whose head was parsed.
    pub requests: AtomicU64,
    /// Requests whose handler has ended (answered, or dropped with its client).
    pub finished: AtomicU64,
    /// Bytes arrived since the last request was fully read.
    pub pending_bytes: AtomicBool,
    /// The request handler already counted this connection's failure.
    pub failure_counted: AtomicBool,
    /// The connection speaks HTTP/2 (known from its first request).
    pub http2: AtomicBool,
}

impl ConnState {
    /// Counts a request as started; it is in flight until the guard is dropped, however the
    /// handler ends.
    pub fn begin(&self) -> InFlight<'_> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> u64 {
        // Read `finished` first: `requests` can only have grown since, so the difference never
        // underestimates what is in flight.
        let finished = self.finished.load(Ordering::Relaxed);
        self.requests
            .load(Ordering::Relaxed)
            .saturating_sub(finished)
    }

    /// A number that changes whenever a request starts or ends.
    pub fn activity(&self) -> u64 {
        self.requests
            .load(Ordering::Relaxed)
            .wrapping_add(self.finished.load(Ordering::Relaxed))
    }

    /// Called once a request (head and body) has been read completely.
    pub fn request_read(&self) {
        self.pending_bytes.store(false, Ordering::Relaxed);
    }

    /// Whether a connection that ended with an error left a request unfinished that nobody
    /// has counted yet. Answers `true` at most once.
    pub fn take_uncounted_failure(&self) -> bool {
        self.pending_bytes.load(Ordering::Relaxed)
            && !self.failure_counted.swap(true, Ordering::Relaxed)
    }
}

/// A request in flight on its connection; see [`ConnState::begin`].
pub struct InFlight<'a>(&'a ConnState);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::Relaxed);
    }
}

/// A stream that notes when bytes arrive.
pub struct TapIo<S> {
    inner: S,
    state: std::sync::Arc<ConnState>,
}

impl<S> TapIo<S> {
    pub fn new(inner: S, state: std::sync::Arc<ConnState>) -> TapIo<S> {
        TapIo { inner, state }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for TapIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.state.pending_bytes.store(true, Ordering::Relaxed);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for TapIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
