//! Where the bodies of stored events live: small ones side by side in chunks of
//! [`CHUNK`] bytes, each chunk freed when the last body in it goes.
//!
//! A body in an allocation of its own pays the allocator's rounding to its size class (a
//! 580-byte body takes a 640-byte block) and its share of half-used pages. The store lets
//! events go in arrival order, so bodies that arrived together also leave together: packed one
//! after another in a chunk, they cost their own length and nothing more, and the chunk goes
//! back whole once the ring has moved past it. Each worker thread fills a chunk of its own, so
//! copying a body in takes no lock.
//!
//! A body larger than [`PACKED_UP_TO`] gets an allocation of its own (exact, or pages of its own
//! from [`crate::alloc`] when very large): one such body kept for long would otherwise keep a
//! whole chunk of others' bytes alive, and it gains nothing from packing. The header blocks of
//! captured requests ([`crate::event::HeaderList::packed`]) are packed the same way.
//!
//! Only what the store keeps belongs here: anything kept for the life of the process would keep
//! its whole chunk with it. The same holds, within bounds, for an event kept past its turn (a
//! pinned one, or one a view still holds): its chunk stays until it goes, at most 64 KiB each.

use std::cell::RefCell;

use bytes::{Bytes, BytesMut};

/// The size of a chunk: about a hundred 600-byte bodies.
pub const CHUNK: usize = 64 * 1024;

/// Bodies up to this length are packed into chunks.
pub const PACKED_UP_TO: usize = 4 * 1024;

thread_local! {
    /// The chunk this thread is filling: its capacity is the room left.
    static FILLING: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// `bytes`, copied to where stored bodies live (see the module documentation).
pub fn keep(bytes: &[u8]) -> Bytes {
    keep_with(bytes.len(), |out| out.extend_from_slice(bytes))
}

/// `len` bytes written by `write`, where stored bodies live. `write` must write exactly `len`
/// bytes.
pub fn keep_with(len: usize, write: impl FnOnce(&mut BytesMut)) -> Bytes {
    if len == 0 {
        return Bytes::new();
    }
    let mut write = Some(write);
    if len <= PACKED_UP_TO {
        let packed = FILLING.try_with(|filling| {
            let mut filling = filling.try_borrow_mut().ok()?;
            if filling.capacity() < len {
                // What is left of the old chunk stays with the bodies already in it.
                *filling = BytesMut::with_capacity(CHUNK);
            }
            (write.take()?)(&mut filling);
            debug_assert_eq!(filling.len(), len);
            Some(filling.split().freeze())
        });
        if let Ok(Some(packed)) = packed {
            return packed;
        }
    }
    // Large, or the thread is exiting: an allocation of exactly its size.
    let mut own = BytesMut::with_capacity(len);
    if let Some(write) = write {
        write(&mut own);
    }
    own.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_bodies_share_a_chunk_and_keep_their_bytes() {
        let a = keep(b"first body");
        let b = keep(b"second");
        assert_eq!((&a[..], &b[..]), (&b"first body"[..], &b"second"[..]));
        // Side by side in one chunk: the second starts where the first ends.
        assert_eq!(a.as_ptr().wrapping_add(a.len()), b.as_ptr());
        // Neither can grow into the other.
        let a = a.try_into_mut().unwrap_err();
        drop(b);
        assert_eq!(&a[..], b"first body");
    }

    #[test]
    fn a_full_chunk_is_followed_by_a_new_one() {
        let body = [7u8; PACKED_UP_TO];
        let kept: Vec<Bytes> = (0..CHUNK / PACKED_UP_TO + 2).map(|_| keep(&body)).collect();
        assert!(kept.iter().all(|b| b[..] == body[..]));
        // Some neighbour does not follow its predecessor: a chunk ended there.
        let breaks = kept
            .windows(2)
            .filter(|w| w[0].as_ptr().wrapping_add(w[0].len()) != w[1].as_ptr())
            .count();
        assert!(breaks >= 1, "{breaks}");
    }

    #[test]
    fn large_and_empty_bodies_are_not_packed() {
        let large = vec![1u8; PACKED_UP_TO + 1];
        let kept = keep(&large);
        assert_eq!(kept[..], large[..]);
        // The only reference to an allocation of exactly its size.
        let kept = kept.try_into_mut().expect("an allocation of its own");
        assert_eq!(kept.capacity(), large.len());
        assert!(keep(b"").is_empty());
    }
}
