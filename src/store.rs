//! The bounded ring buffer of captured events and its counters.
//!
//! Events are looked up by their key: where they stand in the store's order, counted from 1 and
//! never reused (eviction and clearing move the first key on). A captured event's key is its id.
//! An imported event keeps the file's id as data, which may repeat or be anything from 0 to
//! `u64::MAX` (two runs appended to one log), and its key is its place in the file.
//!
//! Pinned events (`pinned` set, at most [`Store::max_pins`] of them) are never evicted by the
//! limits: when eviction reaches a pinned event at the front, it is moved aside, keeping its key,
//! to a short list of pinned events older than the ring's first, which lookups, scans and
//! windows see before the ring, in key order. They still count toward `capacity` and
//! `max_bytes`, so the oldest unpinned events go in their place. Keys stay positions in the
//! order of arrival, now with holes where events were evicted between pins. An event set aside
//! that is unpinned goes at once (it is older than anything the limits keep); so does the
//! oldest pin when pins alone fill the buffer, or when one pin too many is set.
//!
//! Writers (request tasks) hold the lock only to assign an id and push a finished event; readers
//! copy out the few `Arc`s they need (a visible window, a batch for export) and let go, or look
//! at one batch in place under a shared lock ([`Store::read_from`]), so a reader walking a
//! million events never holds capture up for more than one batch. Readers do not wait for each
//! other. The filtered scans the interface runs over the whole store (`select_batch`, and
//! `select_in_parallel` on several cores when far behind) are such readers.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::event::CapturedEvent;
use crate::filter::{Filter, Matcher};

/// Most events a filtered scan reads per batch (and per lock, for keyed filter terms).
pub const SCAN_BATCH: usize = 4096;

/// Events searched for free text per shared lock: searching bodies takes longer per event than
/// keyed terms, so fewer at a time keep capture's wait short (tens of µs).
const TEXT_BATCH: usize = 512;

/// Most threads a parallel scan uses.
const MAX_SCAN_THREADS: usize = 4;

/// Most events pinned at once unless told otherwise (`--max-pinned`).
pub const DEFAULT_MAX_PINNED: usize = 1000;

/// What [`Store::toggle_pin`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinChange {
    /// The event is pinned now; `released` is the id of the oldest pin let go to stay within
    /// the most pins allowed (its event still stored, or evicted when it was kept by its pin
    /// alone).
    Pinned { released: Option<u64> },
    /// The event is no longer pinned; `evicted` when it was kept by its pin alone and has gone.
    Unpinned { evicted: bool },
    /// No event with this key is stored.
    Missing,
    /// Pins are off: `--max-pinned 0`, or a capacity of one event.
    Disabled,
}

/// The stored copies of one event that hookscope re-sent ([`Store::resends_of`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resends {
    /// How many are stored.
    pub count: usize,
    /// The newest of them, oldest first.
    pub newest: Vec<Resend>,
}

/// One stored re-sent copy: its store key, its id, whether it was edited first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resend {
    pub key: u64,
    pub id: u64,
    pub edited: bool,
}

/// The four counters; `received = stored + evicted + rejected` holds in every snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Requests that reached the listener: every event plus every rejection.
    pub received: u64,
    /// Events in the buffer now.
    pub stored: u64,
    /// Events pushed out of the buffer to make room (or cleared).
    pub evicted: u64,
    /// Requests that could not become an event: broken HTTP, header timeouts, clients that
    /// disconnected or stalled mid-body.
    pub rejected: u64,
}

impl Stats {
    pub fn balanced(&self) -> bool {
        self.received == self.stored + self.evicted + self.rejected
    }
}

/// Limits of the buffer: whichever is reached first evicts the oldest events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most events held (at least 1).
    pub capacity: usize,
    /// Most bytes held over all events: bodies, request heads and the app's answers (what
    /// [`CapturedEvent::held_bytes`] counts).
    pub max_bytes: u64,
}

#[derive(Debug)]
struct Ring {
    events: VecDeque<Arc<CapturedEvent>>,
    /// [`CapturedEvent::held_bytes`] of the stored events: what `max_bytes` bounds.
    held_bytes: u64,
    /// Key of `events[0]`; the keys of the rest follow one by one.
    first_key: u64,
    /// Pinned events older than `events[0]`, oldest first, and their keys (all below
    /// `first_key`, ascending): kept by their pins where eviction would have removed them.
    aside: Vec<Arc<CapturedEvent>>,
    aside_keys: Vec<u64>,
    /// Keys of every pinned event, in `aside` or in `events`.
    pins: BTreeSet<u64>,
    /// The part of `held_bytes` that is bodies.
    body_bytes: u64,
    /// The keys of the stored events hookscope re-sent, ascending, by the id they were re-sent
    /// from: kept as events arrive and leave, so the event re-sent finds its copies without a
    /// scan. Only re-sent events have an entry.
    resends: HashMap<u64, VecDeque<u64>>,
    next_id: u64,
    stats: Stats,
}

impl Ring {
    /// Events stored: those set aside and those in the ring.
    fn len(&self) -> usize {
        self.aside.len() + self.events.len()
    }
}

/// The shared event store. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct Store {
    ring: RwLock<Ring>,
    limits: Limits,
    /// Most events pinned at once.
    max_pins: usize,
    /// Bumped after every change, so that readers can wait for news without polling.
    changes: watch::Sender<u64>,
}

impl Store {
    pub fn new(limits: Limits) -> Store {
        let limits = Limits {
            capacity: limits.capacity.max(1),
            ..limits
        };
        Store {
            ring: RwLock::new(Ring {
                events: VecDeque::with_capacity(limits.capacity.min(64 * 1024)),
                held_bytes: 0,
                first_key: 1,
                aside: Vec::new(),
                aside_keys: Vec::new(),
                pins: BTreeSet::new(),
                body_bytes: 0,
                resends: HashMap::new(),
                next_id: 1,
                stats: Stats::default(),
            }),
            limits,
            max_pins: DEFAULT_MAX_PINNED,
            changes: watch::Sender::new(0),
        }
    }

    /// This store, allowing at most `max_pinned` pinned events (fewer than its capacity, so
    /// that a new event always finds room).
    pub fn with_max_pinned(mut self, max_pinned: usize) -> Store {
        self.max_pins = max_pinned;
        self
    }

    /// Most events pinned at once: `--max-pinned`, and always fewer than the capacity.
    pub fn max_pins(&self) -> usize {
        self.max_pins.min(self.limits.capacity - 1)
    }

    /// A store filled from an export, in the file's order: the events get keys 1, 2, 3… and
    /// keep the file's ids as data (repeated, 0 or `u64::MAX` alike), so that export → import →
    /// export gives the file back. The counters are the file's where they add up with what was
    /// loaded; ids captured afterwards follow the file's highest.
    pub fn from_events(limits: Limits, events: Vec<CapturedEvent>, stats: Stats) -> Store {
        let store = Store::new(limits);
        {
            let mut ring = store.write();
            ring.next_id = events
                .iter()
                .map(|e| e.id)
                .max()
                .map_or(1, |id| id.saturating_add(1));
            // Bodies and heads are bounded by memory, far below `u64::MAX` bytes.
            ring.held_bytes = events.iter().map(|e| e.held_bytes()).sum();
            ring.body_bytes = events.iter().map(|e| e.body.len() as u64).sum();
            ring.events = events.into_iter().map(Arc::new).collect();
            let resent: Vec<(u64, u64)> = (1..)
                .zip(&ring.events)
                .filter_map(|(key, e)| Some((e.resent_from()?.get(), key)))
                .collect();
            for (from, key) in resent {
                ring.resends.entry(from).or_default().push_back(key);
            }
            let loaded = ring.events.len() as u64;
            ring.stats.stored = loaded;
            ring.pins = (1..)
                .zip(&ring.events)
                .filter(|(_, e)| e.pinned)
                .map(|(key, _)| key)
                .collect();
            while ring.pins.len() > store.max_pins() {
                // A file with more pins than allowed here: the oldest are let go.
                if let Some(key) = ring.pins.pop_first() {
                    Self::unpin(&mut ring, key);
                }
            }
            let limits = store.limits;
            Self::make_room(&mut ring, |ring| {
                ring.len() > limits.capacity || ring.held_bytes > limits.max_bytes
            });
            let stored = ring.len() as u64;
            let evicted_here = loaded - stored;
            ring.stats = Self::imported_stats(stats, stored, evicted_here);
        }
        store
    }

    /// The counters of an imported store: the file's `evicted` (plus what did not fit here) and
    /// `rejected`, `stored` as loaded, `received` their sum. Counters from a file are any
    /// numbers at all; when they cannot add up, only what was loaded is counted.
    fn imported_stats(file: Stats, stored: u64, evicted_here: u64) -> Stats {
        let counted = file.evicted.checked_add(evicted_here).and_then(|evicted| {
            let received = stored.checked_add(evicted)?.checked_add(file.rejected)?;
            Some(Stats {
                received,
                stored,
                evicted,
                rejected: file.rejected,
            })
        });
        counted.unwrap_or(Stats {
            received: stored + evicted_here,
            stored,
            evicted: evicted_here,
            rejected: 0,
        })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    // A panic while holding the lock cannot leave the ring half-updated in a way that matters
    // to readers, so a poisoned lock is still used.
    fn read(&self) -> RwLockReadGuard<'_, Ring> {
        self.ring
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Ring> {
        self.ring
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the oldest event out of the count: an unpinned one at the front is evicted, a
    /// pinned one is set aside (and the next is tried); when only events set aside are left,
    /// the oldest of them is evicted, pin and all. Stops when `over` no longer holds or the
    /// store is empty. Each event is set aside at most once, so this is O(1) amortised.
    fn make_room(ring: &mut Ring, over: impl Fn(&Ring) -> bool) {
        while ring.len() > 0 && over(ring) {
            match ring.events.pop_front() {
                Some(front) if front.pinned => {
                    ring.aside_keys.push(ring.first_key);
                    ring.aside.push(front);
                    ring.first_key += 1;
                }
                Some(old) => {
                    let key = ring.first_key;
                    ring.first_key += 1;
                    Self::forget(ring, key, &old);
                }
                None => {
                    let old = ring.aside.remove(0);
                    let key = ring.aside_keys.remove(0);
                    ring.pins.remove(&key);
                    Self::forget(ring, key, &old);
                }
            }
        }
    }

    /// Counts the event with `key` taken out of the store as evicted.
    fn forget(ring: &mut Ring, key: u64, old: &CapturedEvent) {
        if let Some(from) = old.resent_from()
            && let Some(keys) = ring.resends.get_mut(&from.get())
        {
            // Events leave oldest first, so this is nearly always the front.
            if let Ok(i) = keys.binary_search(&key) {
                keys.remove(i);
            }
            if keys.is_empty() {
                ring.resends.remove(&from.get());
            }
        }
        ring.held_bytes -= old.held_bytes();
        ring.body_bytes -= old.body.len() as u64;
        ring.stats.evicted += 1;
        ring.stats.stored -= 1;
    }

    /// Clears the pin of the event with `key` (already out of `pins`); an event set aside goes,
    /// as eviction would have taken it. Returns whether it went.
    fn unpin(ring: &mut Ring, key: u64) -> bool {
        if key < ring.first_key {
            let Ok(i) = ring.aside_keys.binary_search(&key) else {
                return false;
            };
            let old = ring.aside.remove(i);
            ring.aside_keys.remove(i);
            Self::forget(ring, key, &old);
            return true;
        }
        if let Some(slot) = Self::index_in_ring(ring, key).and_then(|i| ring.events.get_mut(i)) {
            Arc::make_mut(slot).pinned = false;
        }
        false
    }

    fn index_in_ring(ring: &Ring, key: u64) -> Option<usize> {
        usize::try_from(key.checked_sub(ring.first_key)?).ok()
    }

    /// Pins the event with `key`, or unpins it when it is pinned (`b` in the interface).
    pub fn toggle_pin(&self, key: u64) -> PinChange {
        let max_pins = self.max_pins();
        let change = {
            let mut ring = self.write();
            let ring = &mut *ring;
            if ring.pins.contains(&key) {
                ring.pins.remove(&key);
                PinChange::Unpinned {
                    evicted: Self::unpin(ring, key),
                }
            } else if max_pins == 0 {
                PinChange::Disabled
            } else {
                let Some(slot) =
                    Self::index_in_ring(ring, key).and_then(|i| ring.events.get_mut(i))
                else {
                    // Events set aside are all pinned, so this one is not stored.
                    return PinChange::Missing;
                };
                Arc::make_mut(slot).pinned = true;
                ring.pins.insert(key);
                let mut released = None;
                if ring.pins.len() > max_pins
                    && let Some(oldest) = ring.pins.pop_first()
                {
                    released = Self::get_in(ring, oldest).map(|e| e.id);
                    Self::unpin(ring, oldest);
                }
                PinChange::Pinned { released }
            }
        };
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
        change
    }

    /// How many events are pinned.
    pub fn pinned(&self) -> usize {
        self.read().pins.len()
    }

    /// Drops from the front of `keys` (ascending store keys) those no longer stored, keeping
    /// the pinned events set aside among them: what a list of keys needs after eviction.
    pub fn forget_evicted(&self, keys: &mut VecDeque<u64>) {
        let ring = self.read();
        let below = keys.iter().take_while(|&&k| k < ring.first_key).count();
        if below == 0 {
            return;
        }
        let mut kept = 0;
        for i in 0..below {
            let key = keys[i];
            if ring.aside_keys.binary_search(&key).is_ok() {
                keys[kept] = key;
                kept += 1;
            }
        }
        keys.drain(kept..below);
    }

    /// Assigns the next id to `event`, stores it, evicts what no longer fits, and returns it.
    /// Its key is the id (in a store filled from a file, the next key after the file's).
    pub fn push(&self, event: CapturedEvent) -> Arc<CapturedEvent> {
        self.push_inner(event, None::<fn(&mut CapturedEvent)>)
    }

    /// As [`Store::push`], with `finish` run on the event once it has its id (an answer that
    /// carries the id is completed there); keep it short, it runs under the store's lock.
    pub fn push_finishing(
        &self,
        event: CapturedEvent,
        finish: impl FnOnce(&mut CapturedEvent),
    ) -> Arc<CapturedEvent> {
        self.push_inner(event, Some(finish))
    }

    fn push_inner(
        &self,
        mut event: CapturedEvent,
        finish: Option<impl FnOnce(&mut CapturedEvent)>,
    ) -> Arc<CapturedEvent> {
        // Measured before the lock is taken; eviction measures the same unchanged event again.
        let mut size = event.held_bytes();
        let body_size = event.body.len() as u64;
        let stored = {
            let mut ring = self.write();
            event.id = ring.next_id;
            // Only ids from a file come near the end of the range.
            ring.next_id = ring.next_id.saturating_add(1);
            if let Some(finish) = finish {
                finish(&mut event);
                // The answer was completed: measured again.
                size = event.held_bytes();
            }
            let limits = self.limits;
            Self::make_room(&mut ring, |ring| {
                ring.len() >= limits.capacity || ring.held_bytes + size > limits.max_bytes
            });
            let stored = Arc::new(event);
            if let Some(from) = stored.resent_from() {
                let key = ring.first_key + ring.events.len() as u64;
                ring.resends.entry(from.get()).or_default().push_back(key);
            }
            if ring.events.len() == ring.events.capacity() {
                // Doubling, but never past the capacity: a ring of 100,000 takes 100,000 slots,
                // not 131,072.
                let len = ring.events.len();
                let doubling = len.max(1);
                let room = match limits.capacity.checked_sub(len) {
                    Some(short) if short > 0 => short.min(doubling),
                    _ => doubling,
                };
                ring.events.reserve_exact(room);
            }
            ring.events.push_back(Arc::clone(&stored));
            ring.held_bytes += size;
            ring.body_bytes += body_size;
            ring.stats.received += 1;
            ring.stats.stored += 1;
            stored
        };
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
        stored
    }

    /// Counts a request that could not become an event.
    pub fn reject(&self) {
        {
            let mut ring = self.write();
            ring.stats.received += 1;
            ring.stats.rejected += 1;
        }
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Changes the stored events with keys in `keys` (those still stored; in a live store the
    /// keys are the ids): for the rare facts learnt after an event was stored, such as its log
    /// line failing. The byte counts follow whatever `change` does. Readers holding the old
    /// event keep it as it was.
    pub fn update_each(
        &self,
        keys: std::ops::RangeInclusive<u64>,
        mut change: impl FnMut(&mut CapturedEvent),
    ) {
        {
            let mut ring = self.write();
            let from = ring.aside_keys.partition_point(|&k| k < *keys.start());
            let to = ring.aside_keys.partition_point(|&k| k <= *keys.end());
            for i in from..to {
                let ring = &mut *ring;
                let slot = &mut ring.aside[i];
                let (held, body) = (slot.held_bytes(), slot.body.len() as u64);
                let event = Arc::make_mut(slot);
                change(event);
                ring.held_bytes = ring.held_bytes - held + event.held_bytes();
                ring.body_bytes = ring.body_bytes - body + event.body.len() as u64;
            }
            let start = Self::index_of(&ring, *keys.start());
            let end = Self::index_of(&ring, keys.end().saturating_add(1));
            for i in start..end {
                let ring = &mut *ring;
                let slot = &mut ring.events[i];
                let (held, body) = (slot.held_bytes(), slot.body.len() as u64);
                let event = Arc::make_mut(slot);
                change(event);
                ring.held_bytes = ring.held_bytes - held + event.held_bytes();
                ring.body_bytes = ring.body_bytes - body + event.body.len() as u64;
            }
        }
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Drops every stored event (they count as evicted); ids keep counting up.
    pub fn clear(&self) {
        {
            let mut ring = self.write();
            let n = ring.len() as u64;
            // Keys move on past the ring's last; those set aside are below its first.
            ring.first_key += ring.events.len() as u64;
            ring.events.clear();
            ring.aside.clear();
            ring.aside_keys.clear();
            ring.pins.clear();
            ring.resends.clear();
            ring.held_bytes = 0;
            ring.body_bytes = 0;
            ring.stats.evicted += n;
            ring.stats.stored = 0;
        }
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    pub fn stats(&self) -> Stats {
        self.read().stats
    }

    /// Bytes held now, as `max_bytes` counts them: bodies, request heads, the app's answers.
    pub fn held_bytes(&self) -> u64 {
        self.read().held_bytes
    }

    /// The part of [`Store::held_bytes`] that is bodies.
    pub fn body_bytes(&self) -> u64 {
        self.read().body_bytes
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keys of the oldest and newest stored events.
    pub fn key_range(&self) -> Option<(u64, u64)> {
        let ring = self.read();
        let last = match ring.events.len().checked_sub(1) {
            Some(last) => ring.first_key + last as u64,
            None => *ring.aside_keys.last()?,
        };
        let first = ring.aside_keys.first().copied().unwrap_or(ring.first_key);
        Some((first, last))
    }

    /// The stored events hookscope re-sent from the event with id `id` (`resent_from`) that came
    /// after the key `after` (the event re-sent: ids from a file may repeat), through the index
    /// kept as events arrive: how many there are, and the newest `last` of them, oldest first.
    pub fn resends_of(&self, id: u64, after: u64, last: usize) -> Resends {
        let ring = self.read();
        let Some(keys) = ring.resends.get(&id) else {
            return Resends::default();
        };
        let from = keys.partition_point(|&key| key <= after);
        let count = keys.len() - from;
        let newest = keys
            .range(from.max(keys.len().saturating_sub(last))..)
            .filter_map(|&key| {
                let event = Self::get_in(&ring, key)?;
                Some(Resend {
                    key,
                    id: event.id,
                    edited: event.edited(),
                })
            })
            .collect();
        Resends { count, newest }
    }

    /// The key of the first stored copy hookscope re-sent from the event with id `id` after the
    /// key `after`, through the index of re-sends.
    pub fn next_resend_of(&self, id: u64, after: u64) -> Option<u64> {
        let ring = self.read();
        let keys = ring.resends.get(&id)?;
        keys.get(keys.partition_point(|&key| key <= after)).copied()
    }

    /// The event with this key, if still stored.
    pub fn get(&self, key: u64) -> Option<Arc<CapturedEvent>> {
        Self::get_in(&self.read(), key).cloned()
    }

    fn get_in(ring: &Ring, key: u64) -> Option<&Arc<CapturedEvent>> {
        if key < ring.first_key {
            let i = ring.aside_keys.binary_search(&key).ok()?;
            return ring.aside.get(i);
        }
        ring.events.get(Self::index_in_ring(ring, key)?)
    }

    /// Position of the event with key `key`, or of the first after it when it is gone: keys
    /// follow one another, so this is a subtraction.
    fn index_of(ring: &Ring, key: u64) -> usize {
        usize::try_from(key.saturating_sub(ring.first_key))
            .unwrap_or(usize::MAX)
            .min(ring.events.len())
    }

    /// Up to `max` events with keys of at least `from`, oldest first.
    pub fn batch_from(&self, from: u64, max: usize) -> Vec<Arc<CapturedEvent>> {
        let mut events = Vec::new();
        self.read_from(from, max, |_, run| events.extend(run.iter().cloned()));
        events
    }

    /// Lends up to `max` events with keys of at least `from`, oldest first, to `read`, in place
    /// instead of copied out: one or two runs (as the ring holds them), each with the key of its
    /// first event, under a shared lock that holds capture up until `read` returns, so `max`
    /// should keep `read` short (the events view lends a few thousand events to keyed filter
    /// terms, a few hundred to a search through bodies). Returns the key of the last event lent,
    /// or `None` when there was none.
    pub fn read_from(
        &self,
        from: u64,
        max: usize,
        mut read: impl FnMut(u64, &[Arc<CapturedEvent>]),
    ) -> Option<u64> {
        let ring = self.read();
        // Pinned events set aside come first, each lent alone (their keys need not follow).
        let mut max = max;
        let mut last = None;
        let first_aside = ring.aside_keys.partition_point(|&k| k < from);
        for i in first_aside..ring.aside.len() {
            if max == 0 {
                return last;
            }
            read(ring.aside_keys[i], &ring.aside[i..=i]);
            last = Some(ring.aside_keys[i]);
            max -= 1;
        }
        let start = Self::index_of(&ring, from);
        let end = start.saturating_add(max).min(ring.events.len());
        if start >= end {
            return last;
        }
        // The ring's two runs, cut to `start..end`.
        let (front, back) = ring.events.as_slices();
        let split = front.len();
        let head = front
            .get(start.min(split)..end.min(split))
            .unwrap_or_default();
        let tail = back
            .get(start.saturating_sub(split)..end.saturating_sub(split))
            .unwrap_or_default();
        let first_key = ring.first_key + start as u64;
        if !head.is_empty() {
            read(first_key, head);
        }
        if !tail.is_empty() {
            read(first_key + head.len() as u64, tail);
        }
        Some(ring.first_key + end as u64 - 1)
    }

    /// Up to `count` events starting at position `offset` (0 = oldest stored): what a list view
    /// needs for its visible rows.
    pub fn window(&self, offset: usize, count: usize) -> Vec<Arc<CapturedEvent>> {
        let ring = self.read();
        let aside = ring.aside.get(offset..).unwrap_or_default();
        let offset = offset.saturating_sub(ring.aside.len());
        aside
            .iter()
            .chain(ring.events.range(offset.min(ring.events.len())..))
            .take(count)
            .cloned()
            .collect()
    }

    /// Every stored event, oldest first, copied out in batches so that capture is never held up
    /// for long. Events pushed meanwhile are included up to the moment the walk reaches them.
    pub fn snapshot(&self) -> Vec<Arc<CapturedEvent>> {
        const BATCH: usize = 4096;
        let mut out: Vec<Arc<CapturedEvent>> = Vec::with_capacity(self.len());
        let mut next = 0u64;
        loop {
            let mut lent = 0;
            let last = self.read_from(next, BATCH, |_, run| {
                lent += run.len();
                out.extend(run.iter().cloned());
            });
            match last {
                Some(last) if lent == BATCH && last < u64::MAX => next = last + 1,
                _ => break,
            }
        }
        out
    }

    /// Keys of the events of one batch read from key `from` on that pass the matcher's filter,
    /// the key of the last event read (none when there was none) and how many were read (at
    /// most `SCAN_BATCH`). Events from key `end` on are left out. Events are matched in place
    /// under the shared lock, which spares a reference count update on every event: keyed terms
    /// a whole batch per lock, free text (`text`, which searches bodies) `TEXT_BATCH` events
    /// per lock, so that capture is never held up for long.
    pub fn select_batch(
        &self,
        matcher: &mut Matcher<'_>,
        text: bool,
        from: u64,
        end: u64,
    ) -> (Vec<u64>, Option<u64>, usize) {
        let per_lock = if text { TEXT_BATCH } else { SCAN_BATCH };
        let mut keys = Vec::new();
        let mut last = None;
        let mut read = 0;
        let mut next = from;
        while read < SCAN_BATCH && next < end {
            let mut cut = false;
            let lent = self.read_from(next, per_lock.min(SCAN_BATCH - read), |first, run| {
                let within = usize::try_from(end.saturating_sub(first))
                    .map_or(run.len(), |n| n.min(run.len()));
                cut |= within < run.len();
                let run = run.get(..within).unwrap_or(run);
                if !run.is_empty() {
                    last = Some(first + run.len() as u64 - 1);
                }
                read += run.len();
                keys.extend(matcher.select(first, run));
            });
            match lent {
                Some(id) if !cut => next = id.saturating_add(1),
                _ => break,
            }
        }
        (keys, last, read)
    }

    /// Keys of the stored events from key `first` to key `last` that pass `filter`, in order,
    /// matched on up to four cores. The keys are cut into runs of `SCAN_BATCH`; each thread
    /// takes the next run not yet taken, reads its events (a short lock per run, as
    /// `select_batch` does) and matches them with a matcher of its own. Events evicted
    /// meanwhile are skipped, as a batch read would skip them.
    pub fn select_in_parallel(&self, filter: &Filter, first: u64, last: u64) -> Vec<u64> {
        let text = filter.searches_text();
        let batch = SCAN_BATCH as u64;
        let runs = (last.saturating_sub(first) / batch).saturating_add(1);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_SCAN_THREADS);
        let next = AtomicU64::new(0);
        let work = || {
            let mut matcher = filter.matcher();
            let mut found: Vec<(u64, Vec<u64>)> = Vec::new();
            loop {
                let run = next.fetch_add(1, Ordering::Relaxed);
                if run >= runs {
                    break;
                }
                let from = first.saturating_add(run.saturating_mul(batch));
                let end = from.saturating_add(batch).min(last.saturating_add(1));
                // At most `SCAN_BATCH` keys lie in `from..end`, so one batch holds all of them.
                let (keys, _, _) = self.select_batch(&mut matcher, text, from, end);
                found.push((run, keys));
            }
            found
        };
        let mut found = std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            let mut found = work();
            for helper in helpers {
                match helper.join() {
                    Ok(more) => found.extend(more),
                    // As if the matching had run on this thread.
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            found
        });
        found.sort_unstable_by_key(|&(run, _)| run);
        found.into_iter().flat_map(|(_, keys)| keys).collect()
    }

    /// A receiver that wakes whenever the store changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::build::EventBuilder;
    use proptest::prelude::*;

    pub(crate) fn event(body_len: usize) -> CapturedEvent {
        EventBuilder::new(0).body(vec![b'x'; body_len]).build()
    }

    /// An event with `header_len` bytes of header value besides its body.
    fn event_with_headers(body_len: usize, header_len: usize) -> CapturedEvent {
        EventBuilder::new(0)
            .header("x-pad", vec![b'h'; header_len])
            .body(vec![b'x'; body_len])
            .build()
    }

    /// An answer completed once the id is known is counted as completed, and eviction takes
    /// off exactly what was counted.
    #[test]
    fn an_answer_finished_with_the_id_is_counted_whole() {
        let store = Store::new(Limits {
            capacity: 2,
            max_bytes: 10_000,
        });
        let finish = |event: &mut CapturedEvent| {
            let id = event.id;
            let forward = event.response.forward.get_or_insert_with(Box::default);
            forward.body = bytes::Bytes::from(format!("{{\"id\":{id}}}").repeat(10));
        };
        let first = store.push_finishing(event(10), finish);
        assert_eq!(first.id, 1);
        assert_eq!(first.response.forward.as_ref().unwrap().body.len(), 80);
        assert_eq!(store.held_bytes(), first.held_bytes());
        store.push_finishing(event(10), finish);
        store.push(event(10));
        // The first was evicted: what is held is the two left.
        let held: u64 = store.snapshot().iter().map(|e| e.held_bytes()).sum();
        assert_eq!(store.held_bytes(), held);
    }

    #[test]
    fn header_bytes_count_toward_the_byte_limit() {
        let store = Store::new(Limits {
            capacity: 100,
            max_bytes: 1000,
        });
        for _ in 0..5 {
            store.push(event_with_headers(10, 300));
        }
        // Each event holds its 10-byte body, a 1-byte path and a header block of 310 bytes.
        assert_eq!(store.len(), 3);
        assert_eq!(store.held_bytes(), 3 * 321);
        assert_eq!(store.body_bytes(), 30);
        assert_eq!(store.stats().evicted, 2);
    }

    #[test]
    fn capacity_evicts_oldest_first() {
        let store = Store::new(Limits {
            capacity: 5,
            max_bytes: u64::MAX,
        });
        for _ in 0..12 {
            store.push(event(10));
        }
        let ids: Vec<u64> = store.snapshot().iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![8, 9, 10, 11, 12]);
        assert_eq!(
            store.stats(),
            Stats {
                received: 12,
                stored: 5,
                evicted: 7,
                rejected: 0
            }
        );
    }

    #[test]
    fn byte_limit_evicts_until_the_new_body_fits() {
        let store = Store::new(Limits {
            capacity: 100,
            max_bytes: 100,
        });
        for _ in 0..3 {
            store.push(event(40));
        }
        assert_eq!(store.len(), 2);
        assert_eq!(store.body_bytes(), 80);
        store.push(event(100));
        assert_eq!(store.len(), 1);
        assert_eq!(store.get(4).map(|e| e.body.len()), Some(100));
        assert!(store.get(3).is_none());
    }

    #[test]
    fn lookups_by_id_and_position() {
        let store = Store::new(Limits {
            capacity: 3,
            max_bytes: u64::MAX,
        });
        for _ in 0..5 {
            store.push(event(1));
        }
        assert_eq!(store.key_range(), Some((3, 5)));
        assert_eq!(store.get(4).map(|e| e.id), Some(4));
        assert!(store.get(2).is_none());
        assert!(store.get(6).is_none());
        assert_eq!(
            store
                .batch_from(0, 2)
                .iter()
                .map(|e| e.id)
                .collect::<Vec<_>>(),
            vec![3, 4]
        );
        assert_eq!(
            store.window(1, 10).iter().map(|e| e.id).collect::<Vec<_>>(),
            vec![4, 5]
        );
        assert!(store.window(7, 10).is_empty());
    }

    #[test]
    fn clear_counts_as_evicted_and_ids_continue() {
        let store = Store::new(Limits {
            capacity: 10,
            max_bytes: u64::MAX,
        });
        store.push(event(1));
        store.push(event(1));
        store.reject();
        store.clear();
        assert_eq!(
            store.stats(),
            Stats {
                received: 3,
                stored: 0,
                evicted: 2,
                rejected: 1
            }
        );
        assert_eq!(store.push(event(1)).id, 3);
    }

    /// Events with the given ids, told apart by their paths: `/0`, `/1`…
    fn numbered(ids: &[u64]) -> Vec<CapturedEvent> {
        ids.iter()
            .enumerate()
            .map(|(i, &id)| {
                let mut e = event(1);
                e.id = id;
                e.path = format!("/{i}").into();
                e
            })
            .collect()
    }

    #[test]
    fn imported_events_keep_their_ids_even_with_holes() {
        let events = numbered(&[9, 2, 5]);
        let stats = Stats {
            received: 10,
            stored: 3,
            evicted: 6,
            rejected: 1,
        };
        let store = Store::from_events(
            Limits {
                capacity: 10,
                max_bytes: u64::MAX,
            },
            events,
            stats,
        );
        // In the file's order, under keys 1 to 3.
        assert_eq!(store.get(3).map(|e| e.id), Some(5));
        assert!(store.get(4).is_none());
        assert_eq!(store.stats(), stats);
        assert_eq!(store.push(event(1)).id, 10);
        assert_eq!(store.get(4).map(|e| e.id), Some(10));
    }

    #[test]
    fn imported_ids_are_data_not_keys() {
        // Two runs appended to one log, ids 0 and the largest, and one id many times.
        let mut ids = vec![1, 2, 3, 1, 2, 3, 0, u64::MAX, 0, u64::MAX];
        ids.extend([7; 5000]);
        let events = numbered(&ids);
        let store = Store::from_events(
            Limits {
                capacity: usize::MAX,
                max_bytes: u64::MAX,
            },
            events.clone(),
            Stats::default(),
        );
        let n = events.len();
        assert_eq!(store.len(), n);
        assert_eq!(store.key_range(), Some((1, n as u64)));
        let snapshot: Vec<CapturedEvent> = store.snapshot().iter().map(|e| (**e).clone()).collect();
        assert_eq!(snapshot, events);
        for (key, event) in (1..).zip(&events) {
            assert_eq!(store.get(key).as_deref(), Some(event), "key {key}");
        }
        assert!(store.get(0).is_none() && store.get(n as u64 + 1).is_none());
        assert!(store.get(u64::MAX).is_none());
        let (lent, last) = lent(&store, 4, 3);
        assert_eq!(lent, vec![1, 2, 3]);
        assert_eq!(last, Some(6));
        // Ids captured afterwards cannot go past the largest, and keys stay apart anyway.
        let pushed = store.push(event(1));
        assert_eq!(pushed.id, u64::MAX);
        assert_eq!(
            store.get(n as u64 + 1).map(|e| e.path.clone()),
            Some(pushed.path.clone())
        );
    }

    #[test]
    fn imported_counters_that_cannot_add_up_count_what_was_loaded() {
        let limits = Limits {
            capacity: 3,
            max_bytes: u64::MAX,
        };
        let max = u64::MAX;
        for (file, expected) in [
            // Consistent: kept, plus the event that did not fit.
            ((9, 4, 4, 1), (9, 3, 5, 1)),
            // `received` is always their sum.
            ((max, 4, 4, 1), (9, 3, 5, 1)),
            ((0, 0, max - 5, 1), (max, 3, max - 4, 1)),
            // No sum fits: only what was loaded.
            ((max, max, max, max), (4, 3, 1, 0)),
            ((5, 2, max, 0), (4, 3, 1, 0)),
            ((5, 2, 3, max), (4, 3, 1, 0)),
            ((0, 0, max - 4, 1), (4, 3, 1, 0)),
        ] {
            let stats = |(received, stored, evicted, rejected)| Stats {
                received,
                stored,
                evicted,
                rejected,
            };
            let store = Store::from_events(limits, numbered(&[1, 2, 3, 4]), stats(file));
            assert_eq!(store.stats(), stats(expected), "{file:?}");
            assert!(store.stats().balanced());
        }
    }

    /// The ids `read_from` lends, in the order it lends them.
    fn lent(store: &Store, from: u64, max: usize) -> (Vec<u64>, Option<u64>) {
        let mut ids = Vec::new();
        let mut keys = Vec::new();
        let last = store.read_from(from, max, |first, run| {
            keys.extend(first..first + run.len() as u64);
            ids.extend(run.iter().map(|e| e.id));
        });
        // Each run is lent with the key of its first event.
        for (key, id) in keys.iter().zip(&ids) {
            assert_eq!(store.get(*key).map(|e| e.id), Some(*id));
        }
        assert_eq!(last, keys.last().copied());
        (ids, last)
    }

    #[test]
    fn read_from_lends_what_batch_from_copies() {
        let store = Store::new(Limits {
            capacity: 7,
            max_bytes: u64::MAX,
        });
        assert_eq!(lent(&store, 0, 10), (vec![], None));
        // Enough pushes for the ring to wrap around, so that events lie in two runs.
        for _ in 0..12 {
            store.push(event(1));
        }
        for (from, max) in [(0, 10), (6, 3), (8, 100), (12, 1), (13, 5), (9, 0)] {
            let copied: Vec<u64> = store.batch_from(from, max).iter().map(|e| e.id).collect();
            let (ids, last) = lent(&store, from, max);
            assert_eq!(ids, copied, "from {from}, at most {max}");
            assert_eq!(last, copied.last().copied(), "from {from}, at most {max}");
        }
    }

    #[test]
    fn pinned_events_survive_eviction_within_the_capacity() {
        let store = Store::new(Limits {
            capacity: 5,
            max_bytes: u64::MAX,
        });
        for i in 1..=50u64 {
            store.push(event(10));
            if i == 3 || i == 7 {
                assert_eq!(store.toggle_pin(i), PinChange::Pinned { released: None });
            }
        }
        let ids: Vec<u64> = store.snapshot().iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![3, 7, 48, 49, 50]);
        assert_eq!(
            store.stats(),
            Stats {
                received: 50,
                stored: 5,
                evicted: 45,
                rejected: 0
            }
        );
        assert_eq!(store.len(), 5);
        assert_eq!(store.key_range(), Some((3, 50)));
        assert_eq!(store.get(3).map(|e| e.pinned), Some(true));
        assert!(store.get(4).is_none() && store.get(47).is_none());
        assert_eq!(store.get(48).map(|e| e.id), Some(48));
        let window: Vec<u64> = store.window(1, 2).iter().map(|e| e.id).collect();
        assert_eq!(window, vec![7, 48]);
        let (lent, last) = lent(&store, 4, 3);
        assert_eq!((lent, last), (vec![7, 48, 49], Some(49)));
        let batch: Vec<u64> = store.batch_from(0, 10).iter().map(|e| e.id).collect();
        assert_eq!(batch, vec![3, 7, 48, 49, 50]);
        let mut keys: VecDeque<u64> = (1..=50).collect();
        store.forget_evicted(&mut keys);
        assert_eq!(keys, [3, 7, 48, 49, 50]);
        // Unpinned, an event kept only by its pin goes; one in the ring stays.
        assert_eq!(store.toggle_pin(48), PinChange::Pinned { released: None });
        assert_eq!(store.toggle_pin(3), PinChange::Unpinned { evicted: true });
        assert_eq!(store.toggle_pin(48), PinChange::Unpinned { evicted: false });
        assert_eq!(store.len(), 4);
        assert!(store.stats().balanced());
        assert_eq!(store.toggle_pin(3), PinChange::Missing);
    }

    #[test]
    fn one_pin_too_many_releases_the_oldest() {
        let store = Store::new(Limits {
            capacity: 4,
            max_bytes: u64::MAX,
        })
        .with_max_pinned(2);
        for _ in 0..4 {
            store.push(event(1));
        }
        store.toggle_pin(1);
        store.toggle_pin(2);
        assert_eq!(store.toggle_pin(3), PinChange::Pinned { released: Some(1) });
        assert_eq!(store.pinned(), 2);
        assert_eq!(store.get(1).map(|e| e.pinned), Some(false));
        // The capacity bounds pins too: one place is always left for a new event.
        let small = Store::new(Limits {
            capacity: 1,
            max_bytes: u64::MAX,
        });
        small.push(event(1));
        assert_eq!(small.toggle_pin(1), PinChange::Disabled);
    }

    #[test]
    fn pins_alone_over_the_byte_limit_give_way_oldest_first() {
        let store = Store::new(Limits {
            capacity: 10,
            max_bytes: 100,
        });
        store.push(event(40));
        store.push(event(40));
        store.toggle_pin(1);
        store.toggle_pin(2);
        store.push(event(90));
        let ids: Vec<u64> = store.snapshot().iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![3]);
        assert_eq!(store.pinned(), 0);
        assert!(store.stats().balanced());
    }

    #[test]
    fn imported_pins_are_kept_past_the_capacity() {
        let mut events = numbered(&[1, 2, 3, 4, 5, 6]);
        events[1].pinned = true;
        let store = Store::from_events(
            Limits {
                capacity: 3,
                max_bytes: u64::MAX,
            },
            events,
            Stats::default(),
        );
        let ids: Vec<u64> = store.snapshot().iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![2, 5, 6]);
        assert_eq!(store.pinned(), 1);
        assert_eq!(store.stats().evicted, 3);
    }

    #[test]
    fn resent_copies_are_found_from_the_event_they_came_from() {
        let store = Store::new(Limits {
            capacity: 4,
            max_bytes: u64::MAX,
        });
        let resent = |from: u64, edited: bool| {
            let mut e = event(1);
            e.set_resent(std::num::NonZeroU64::new(from), edited);
            e
        };
        store.push(event(1));
        store.push(resent(1, true));
        store.push(event(1));
        store.push(resent(1, false));
        let found = store.resends_of(1, 1, 8);
        assert_eq!(found.count, 2);
        assert_eq!(
            found.newest,
            vec![
                Resend {
                    key: 2,
                    id: 2,
                    edited: true
                },
                Resend {
                    key: 4,
                    id: 4,
                    edited: false
                }
            ]
        );
        // The newest few only, and only those after the key given.
        assert_eq!(store.resends_of(1, 1, 1).newest.len(), 1);
        assert_eq!(store.resends_of(1, 1, 1).count, 2);
        assert_eq!(store.resends_of(1, 3, 8).count, 1);
        assert_eq!(store.resends_of(3, 0, 8), Resends::default());
        assert_eq!(store.next_resend_of(1, 1), Some(2));
        assert_eq!(store.next_resend_of(1, 2), Some(4));
        assert_eq!(store.next_resend_of(1, 4), None);
        // Evicted copies leave the index; clearing empties it.
        store.push(event(1));
        store.push(event(1));
        assert_eq!(store.resends_of(1, 0, 8).count, 1);
        store.clear();
        assert_eq!(store.resends_of(1, 0, 8).count, 0);
        // A file's copies are indexed as it is read.
        let mut events = numbered(&[1, 2, 3]);
        events[2].set_resent(std::num::NonZeroU64::new(1), false);
        let opened = Store::from_events(
            Limits {
                capacity: 10,
                max_bytes: u64::MAX,
            },
            events,
            Stats::default(),
        );
        assert_eq!(opened.resends_of(1, 1, 8).newest[0].key, 3);
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Body and header value lengths.
        Push(usize, usize),
        Reject,
        Clear,
        /// Pins or unpins the event this many places from the newest.
        Pin(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (0usize..300, prop_oneof![Just(0usize), 1usize..400]).prop_map(|(b, h)| Op::Push(b, h)),
            2 => Just(Op::Reject),
            1 => Just(Op::Clear),
            3 => (0usize..25).prop_map(Op::Pin),
        ]
    }

    /// Every stored event's key and id, as `read_from` lends them.
    fn keyed(store: &Store) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        store.read_from(0, usize::MAX, |first, run| {
            out.extend((first..).zip(run.iter().map(|e| e.id)));
        });
        out
    }

    proptest! {
        #[test]
        fn counters_always_balance(
            capacity in 1usize..20,
            max_bytes in 300u64..2000,
            ops in proptest::collection::vec(op(), 0..200),
        ) {
            let store = Store::new(Limits { capacity, max_bytes });
            let mut pushed = 0u64;
            for op in ops {
                match op {
                    Op::Push(len, headers) => {
                        let mut event = event_with_headers(len, headers);
                        // Some are re-sent copies, of two events, for the index of re-sends.
                        event.set_resent(std::num::NonZeroU64::new((len % 3) as u64), false);
                        store.push(event);
                        pushed += 1;
                    }
                    Op::Reject => store.reject(),
                    Op::Clear => store.clear(),
                    Op::Pin(back) => {
                        if let Some(e) = store.snapshot().iter().rev().nth(back) {
                            let key = keyed(&store).into_iter().find(|(_, id)| *id == e.id).map(|(k, _)| k);
                            if let Some(key) = key {
                                store.toggle_pin(key);
                            }
                        }
                    }
                }
                let stats = store.stats();
                prop_assert!(stats.balanced(), "{stats:?}");
                prop_assert!(stats.stored as usize <= capacity);
                prop_assert!(store.body_bytes() <= max_bytes);
                // The account is exactly what the stored events hold, and within the limit
                // unless one event alone is over it (the newest is always kept).
                let events = store.snapshot();
                let held: u64 = events.iter().map(|e| e.held_bytes()).sum();
                prop_assert_eq!(store.held_bytes(), held);
                prop_assert!(held <= max_bytes || events.len() == 1);
                prop_assert_eq!(stats.stored as usize, store.len());
                prop_assert_eq!(stats.received - stats.rejected, pushed);
                // The newest event is always kept, ids stay ascending, contiguous after the
                // pinned events set aside, and a live store's keys are its ids.
                let ids: Vec<u64> = store.snapshot().iter().map(|e| e.id).collect();
                prop_assert!(ids.windows(2).all(|w| w[1] > w[0]));
                let unpinned_from = ids.iter().position(|id| store.get(*id).is_some_and(|e| !e.pinned)).unwrap_or(ids.len());
                prop_assert!(ids[unpinned_from..].windows(2).all(|w| w[1] == w[0] + 1));
                if let Some(&last) = ids.last() { prop_assert_eq!(last, pushed); }
                // The index of re-sends holds exactly the re-sent copies still stored.
                for from in [1, 2] {
                    let copies: Vec<u64> = events
                        .iter()
                        .filter(|e| e.resent_from().map(|n| n.get()) == Some(from))
                        .map(|e| e.id)
                        .collect();
                    let found = store.resends_of(from, 0, usize::MAX);
                    prop_assert_eq!(found.count, copies.len());
                    let ids: Vec<u64> = found.newest.iter().map(|r| r.id).collect();
                    prop_assert_eq!(ids, copies);
                }
                for (key, id) in keyed(&store) {
                    prop_assert_eq!(key, id);
                }
                let pinned = events.iter().filter(|e| e.pinned).count();
                prop_assert_eq!(pinned, store.pinned());
                prop_assert!(pinned < capacity.max(2));
            }
        }
    }
}
