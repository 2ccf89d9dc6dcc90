//! A fixed-capacity map that forgets its least recently used entry first, O(1) per operation.
//!
//! Keys are 64-bit hashes of the ids (session, scan, video), so a lookup never allocates and an
//! id of any length costs the same. Slots live in one `Vec` threaded by a doubly linked list in
//! recency order; when the map is full the oldest slot is reused in place, so the storage never
//! grows past the capacity and never has holes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const NIL: usize = usize::MAX;

/// A hasher for keys that are already well mixed 64-bit values (hashes) or plain integers:
/// one multiplication spreads the bits over the whole word, which hashbrown's tag bytes need.
#[derive(Default, Clone, Copy)]
pub(crate) struct U64Hasher(u64);

impl Hasher for U64Hasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached through `Hash` impls other than u64's; kept correct, not fast.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
}

pub(crate) type U64Map<V> = HashMap<u64, V, BuildHasherDefault<U64Hasher>>;

struct Slot<V> {
    key: u64,
    value: V,
    /// Towards the most recently used end.
    newer: usize,
    /// Towards the least recently used end.
    older: usize,
}

pub(crate) struct Lru<V> {
    index: U64Map<usize>,
    slots: Vec<Slot<V>>,
    newest: usize,
    oldest: usize,
    capacity: usize,
    dropped: u64,
}

impl<V> Lru<V> {
    pub(crate) fn new(capacity: usize) -> Lru<V> {
        Lru {
            index: U64Map::default(),
            slots: Vec::new(),
            newest: NIL,
            oldest: NIL,
            // A map that can hold nothing would drop every entry the moment it is made.
            capacity: capacity.max(1),
            dropped: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Entries forgotten to make room.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    pub(crate) fn get(&self, key: u64) -> Option<&V> {
        self.index.get(&key).map(|&i| &self.slots[i].value)
    }

    /// The entry for `key`, made by `make` when absent, now the most recently used. When the map
    /// is full, the least recently used entry is dropped (and counted) to make room.
    pub(crate) fn touch(&mut self, key: u64, make: impl FnOnce() -> V) -> &mut V {
        if let Some(&i) = self.index.get(&key) {
            self.unlink(i);
            self.push_newest(i);
            return &mut self.slots[i].value;
        }
        let i = if self.slots.len() < self.capacity {
            self.slots.push(Slot {
                key,
                value: make(),
                newer: NIL,
                older: NIL,
            });
            self.slots.len() - 1
        } else {
            let i = self.oldest;
            self.unlink(i);
            let old_key = self.slots[i].key;
            self.index.remove(&old_key);
            self.slots[i].key = key;
            self.slots[i].value = make();
            self.dropped += 1;
            i
        };
        self.index.insert(key, i);
        self.push_newest(i);
        &mut self.slots[i].value
    }

    /// Values from the most recently used to the least.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &V> + '_ {
        let mut at = self.newest;
        std::iter::from_fn(move || {
            if at == NIL {
                return None;
            }
            let slot = &self.slots[at];
            at = slot.older;
            Some(&slot.value)
        })
    }

    pub(crate) fn clear(&mut self) {
        self.index.clear();
        self.slots.clear();
        self.newest = NIL;
        self.oldest = NIL;
    }

    fn unlink(&mut self, i: usize) {
        let (newer, older) = (self.slots[i].newer, self.slots[i].older);
        if newer == NIL {
            self.newest = older;
        } else {
            self.slots[newer].older = older;
        }
        if older == NIL {
            self.oldest = newer;
        } else {
            self.slots[older].newer = newer;
        }
        self.slots[i].newer = NIL;
        self.slots[i].older = NIL;
    }

    fn push_newest(&mut self, i: usize) {
        self.slots[i].older = self.newest;
        self.slots[i].newer = NIL;
        if self.newest != NIL {
            self.slots[self.newest].newer = i;
        }
        self.newest = i;
        if self.oldest == NIL {
            self.oldest = i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_least_recently_used_and_counts_it() {
        let mut lru = Lru::new(3);
        for k in 1..=3u64 {
            *lru.touch(k, || 0) += k;
        }
        // Using 1 makes 2 the oldest.
        lru.touch(1, || 100);
        lru.touch(4, || 4);
        assert_eq!(lru.len(), 3);
        assert_eq!(lru.dropped(), 1);
        assert!(lru.get(2).is_none());
        assert_eq!(lru.get(1), Some(&1));
        assert_eq!(lru.iter().copied().collect::<Vec<_>>(), vec![4, 1, 3]);
        lru.touch(5, || 5);
        lru.touch(6, || 6);
        assert_eq!(lru.iter().copied().collect::<Vec<_>>(), vec![6, 5, 4]);
        assert_eq!(lru.dropped(), 3);
    }

    #[test]
    fn capacity_zero_still_keeps_the_latest() {
        let mut lru = Lru::new(0);
        lru.touch(1, || 'a');
        lru.touch(2, || 'b');
        assert_eq!(lru.iter().collect::<Vec<_>>(), vec![&'b']);
        assert_eq!(lru.dropped(), 1);
        lru.clear();
        assert_eq!(lru.len(), 0);
        assert_eq!(lru.iter().count(), 0);
    }
}
