//! Redeliveries: the same non-empty body sent again by the same provider to the same method and
//! path within the window is re-send #n of the first delivery, linked to the answer hookscope gave
//! the delivery before it, and for Prism compared with the documented retry schedule.
//!
//! Only a 64-bit hash of (provider, method, path, body) is kept per first delivery, never the
//! body; entries leave the table once older than the window, oldest first. A first delivery
//! costs 32 bytes in the table (times as microseconds since the epoch); what a re-send adds sits
//! in a second, small table.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};

use super::hash::hash_bytes;
use super::lru::U64Map;
use crate::event::{CapturedEvent, Provider, Redelivery};

/// First deliveries remembered at most, whatever the window: at a sustained 60,000 distinct
/// bodies a second the window alone would hold millions.
pub const MAX_REDELIVERY_ENTRIES: usize = 200_000;

/// The Prism documents: after a non-2xx answer or a failed connection, three re-sends —
/// immediately, then after 5 s, then after 30 s.
pub const PRISM_SCHEDULE_S: [f64; 3] = [0.0, 5.0, 30.0];

/// The delivery key: which sender, where, what.
pub(crate) fn key(provider: Provider, method: &str, path: &str, body_hash: u64) -> u64 {
    // Each step folds in its length, so ("PO", "ST/") and ("POST", "/") differ.
    let h = hash_bytes(body_hash, provider.as_str().as_bytes());
    let h = hash_bytes(h, method.as_bytes());
    hash_bytes(h, path.as_bytes())
}

/// Everything known of one delivery key, as the logic reads and updates it. Times are
/// microseconds since the epoch, the precision events are captured with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Entry {
    first_at: i64,
    /// 0 until the store has numbered the first delivery.
    first_id: u64,
    /// When hookscope answered the first delivery: a sender's "upon failure" starts there.
    first_answered_at: i64,
    /// Re-sends seen so far.
    retries: u32,
    /// The latest delivery: id (0 while unknown), status hookscope gave it (0 while unknown),
    /// and when that answer went out.
    prev_id: u64,
    prev_status: u16,
    prev_answered_at: i64,
}

/// How an entry is kept while its latest delivery is its first (no re-send yet, as for nearly
/// every body), in 24 bytes: the time from the first delivery to its answer (microseconds, up to
/// 2⁴⁸ − 1, almost nine years) shares a word with the latest delivery's status.
#[derive(Clone, Copy)]
struct First {
    first_at: i64,
    first_id: u64,
    answer_and_status: u64,
}

const MAX_ANSWER_MICROS: i64 = (1 << 48) - 1;

impl First {
    fn new(first_at: i64, first_id: u64, first_answered_at: i64, status: u16) -> First {
        let answer = first_answered_at
            .saturating_sub(first_at)
            .clamp(0, MAX_ANSWER_MICROS) as u64;
        First {
            first_at,
            first_id,
            answer_and_status: (answer << 16) | u64::from(status),
        }
    }

    fn first_answered_at(self) -> i64 {
        self.first_at
            .saturating_add((self.answer_and_status >> 16) as i64)
    }

    fn status(self) -> u16 {
        self.answer_and_status as u16
    }
}

/// What an entry adds once its latest delivery is another than the first.
#[derive(Clone, Copy)]
struct Later {
    retries: u32,
    prev_id: u64,
    prev_status: u16,
    prev_answered_at: i64,
}

/// Microseconds since the epoch (a `DateTime` always fits).
fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// The delivery most recently observed, so that `stored` can find its key without hashing the
/// body again: recognised by the body's buffer (shared, not copied, by the store) and its time.
struct Pending {
    body_ptr: usize,
    body_len: usize,
    received_at: DateTime<Utc>,
    key: u64,
}

pub(crate) struct Redeliveries {
    window: TimeDelta,
    /// Every remembered key, with what its first delivery was.
    table: U64Map<First>,
    /// The keys whose latest delivery is a re-send, with what it was.
    later: U64Map<Later>,
    /// First deliveries in arrival order (microseconds, key), for expiry.
    order: VecDeque<(i64, u64)>,
    dropped: u64,
    pending: Option<Pending>,
}

impl Redeliveries {
    pub(crate) fn new(window: std::time::Duration) -> Redeliveries {
        Redeliveries {
            window: TimeDelta::from_std(window).unwrap_or(TimeDelta::MAX),
            table: U64Map::default(),
            later: U64Map::default(),
            order: VecDeque::new(),
            dropped: 0,
            pending: None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// First deliveries forgotten before their window ended, to bound memory.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    pub(crate) fn clear(&mut self) {
        self.table.clear();
        self.later.clear();
        self.order.clear();
        self.pending = None;
    }

    fn within(&self, since: i64, at: i64) -> bool {
        since_micros(since, at) <= self.window
    }

    fn load(&self, key: u64) -> Option<Entry> {
        let first = *self.table.get(&key)?;
        let later = self.later.get(&key).copied().unwrap_or(Later {
            retries: 0,
            prev_id: first.first_id,
            prev_status: first.status(),
            prev_answered_at: first.first_answered_at(),
        });
        Some(Entry {
            first_at: first.first_at,
            first_id: first.first_id,
            first_answered_at: first.first_answered_at(),
            retries: later.retries,
            prev_id: later.prev_id,
            prev_status: later.prev_status,
            prev_answered_at: later.prev_answered_at,
        })
    }

    fn save(&mut self, key: u64, e: Entry) {
        let first = First::new(e.first_at, e.first_id, e.first_answered_at, e.prev_status);
        self.table.insert(key, first);
        if e.retries == 0
            && e.prev_id == e.first_id
            && e.prev_answered_at == first.first_answered_at()
        {
            self.later.remove(&key);
        } else {
            self.later.insert(
                key,
                Later {
                    retries: e.retries,
                    prev_id: e.prev_id,
                    prev_status: e.prev_status,
                    prev_answered_at: e.prev_answered_at,
                },
            );
        }
    }

    fn remove(&mut self, key: u64) {
        self.table.remove(&key);
        self.later.remove(&key);
    }

    /// Forgets first deliveries older than the window (amortised O(1): each is queued once).
    fn expire(&mut self, now: i64) {
        while let Some(&(at, key)) = self.order.front() {
            if self.within(at, now) {
                break;
            }
            self.order.pop_front();
            self.forget(at, key);
        }
    }

    /// Removes the entry made at `at`, unless a newer first delivery of the same key replaced it.
    fn forget(&mut self, at: i64, key: u64) {
        if self.table.get(&key).is_some_and(|e| e.first_at == at) {
            self.remove(key);
        }
    }

    /// Looks at one delivery before it is stored: a re-send gets its `Redelivery`, a first
    /// delivery is remembered.
    pub(crate) fn observe(&mut self, event: &CapturedEvent, body_hash: u64) -> Option<Redelivery> {
        if event.body.is_empty() {
            return None;
        }
        let at = event.received_at;
        let provider = event.analysis.provider;
        let key = key(provider, &event.method, &event.path, body_hash);
        self.pending = Some(Pending {
            body_ptr: event.body.as_ptr() as usize,
            body_len: event.body.len(),
            received_at: at,
            key,
        });
        let at = micros(at);
        self.expire(at);
        if let Some(mut e) = self.load(key)
            && self.within(e.first_at, at)
        {
            e.retries = e.retries.saturating_add(1);
            let schedule = matches!(provider, Provider::Prism | Provider::PrismVideo).then(|| {
                schedule_note(
                    e.retries,
                    seconds(since_micros(e.prev_answered_at, at)),
                    seconds(since_micros(e.first_answered_at, at)),
                    e.prev_status,
                )
            });
            let redelivery = Redelivery {
                retry: e.retries,
                first_id: e.first_id,
                delay_ms: millis(at.saturating_sub(e.first_at).max(0)),
                previous_id: e.prev_id,
                previous_status: e.prev_status,
                schedule: schedule.map(String::into_boxed_str),
            };
            // Until the store numbers this delivery, it is the latest with an unknown answer.
            e.prev_answered_at = at;
            self.save(key, e);
            return Some(redelivery);
        }
        self.save(
            key,
            Entry {
                first_at: at,
                first_id: 0,
                first_answered_at: at,
                retries: 0,
                prev_id: 0,
                prev_status: 0,
                prev_answered_at: at,
            },
        );
        self.order.push_back((at, key));
        if self.order.len() > MAX_REDELIVERY_ENTRIES
            && let Some((old_at, old_key)) = self.order.pop_front()
        {
            self.forget(old_at, old_key);
            self.dropped += 1;
        }
        None
    }

    /// Learns the id and answer of a delivery the store just numbered.
    pub(crate) fn stored(&mut self, event: &CapturedEvent, body_hash: impl FnOnce() -> u64) {
        if event.body.is_empty() {
            return;
        }
        let key = match self.pending.take() {
            Some(p)
                if p.body_ptr == event.body.as_ptr() as usize
                    && p.body_len == event.body.len()
                    && p.received_at == event.received_at =>
            {
                p.key
            }
            _ => key(
                event.analysis.provider,
                &event.method,
                &event.path,
                body_hash(),
            ),
        };
        let Some(mut e) = self.load(key) else {
            return;
        };
        let received_at = micros(event.received_at);
        let answered_at = received_at.saturating_add(i64::from(event.response.latency_us()));
        let latest = match &event.analysis.redelivery {
            None if e.first_at == received_at => {
                e.first_id = event.id;
                e.first_answered_at = answered_at;
                // A re-send observed before this one was numbered keeps its own place.
                e.prev_id == 0 && e.retries == 0
            }
            None => false,
            Some(r) => r.retry == e.retries,
        };
        if latest {
            e.prev_id = event.id;
            e.prev_status = event.response.status;
            e.prev_answered_at = answered_at;
        }
        self.save(key, e);
    }

    /// Corrects the answer of an already stored delivery, when it is the latest of its body.
    pub(crate) fn answered_instead(&mut self, event: &CapturedEvent, status: u16) {
        if event.body.is_empty() {
            return;
        }
        let body_hash = hash_bytes(0, &event.body);
        let key = key(
            event.analysis.provider,
            &event.method,
            &event.path,
            body_hash,
        );
        if let Some(mut e) = self.load(key)
            && e.prev_id == event.id
        {
            e.prev_status = status;
            self.save(key, e);
        }
    }
}

/// The time from `since` to `at`, both in microseconds since the epoch.
fn since_micros(since: i64, at: i64) -> TimeDelta {
    TimeDelta::microseconds(at.saturating_sub(since))
}

/// Whole microseconds as milliseconds, in one division, as the listener measures latencies: the
/// nearest `f64` to a number with at most three decimals is written back by an export as that
/// number and read again as the same `f64`. Going through seconds first (`µs / 1e6 * 1000`)
/// can land one bit off, written as `1.2630000000000001`, which a reader rounds to `1.263`.
fn millis(micros: i64) -> f64 {
    micros as f64 / 1000.0
}

fn seconds(d: TimeDelta) -> f64 {
    d.num_microseconds()
        .map_or(d.num_seconds() as f64, |us| us as f64 / 1e6)
}

/// How far from the documented time a re-send may come and still fit: a second of network and
/// scheduling slack plus a tenth of the interval. Tight enough to tell +30 s after the previous
/// attempt from +30 s after the first failure (5 s apart).
fn tolerance(expected: f64) -> f64 {
    1.0 + expected * 0.1
}

/// Whether re-send #`retry` came when the Prism schedule says, `since_previous` seconds after
/// the delivery before it and `since_first` after the first: the first re-send immediately, the
/// second and third at +5 s and +30 s counted from the previous attempt or from the first
/// failure (the document can be read either way; see [`schedule_note`]). `None` for a re-send
/// past the documented three.
pub fn fits_prism_schedule(retry: u32, since_previous: f64, since_first: f64) -> Option<bool> {
    let expected = *PRISM_SCHEDULE_S.get(usize::try_from(retry.checked_sub(1)?).ok()?)?;
    let near = |seen: f64| (seen - expected).abs() <= tolerance(expected);
    Some(near(since_previous) || (retry > 1 && near(since_first)))
}

/// One sentence comparing re-send #`retry` with the Prism schedule. The document says "three
/// times—immediately upon failure, then again after 5 and then 30 seconds", which can count from
/// the previous attempt or from the first failure; both readings are checked and the one that
/// fits is named. Times count from hookscope's answer, which is when the sender learns it failed.
fn schedule_note(
    retry: u32,
    since_previous: f64,
    since_first: f64,
    previous_status: u16,
) -> String {
    let mut note = String::new();
    if (200..300).contains(&previous_status) {
        note.push_str(&format!(
            "The previous delivery was answered {previous_status}; the documented sender re-sends \
             only after a non-2xx answer or a failed connection. "
        ));
    }
    let answer = match previous_status {
        0 => "the previous delivery".to_owned(),
        s => format!("the previous answer ({s})"),
    };
    let Some(&expected) = usize::try_from(retry - 1)
        .ok()
        .and_then(|i| PRISM_SCHEDULE_S.get(i))
    else {
        note.push_str(&format!(
            "Re-send #{retry}, {since_first:.1} s after the first failure: the documented sender \
             stops after three re-sends."
        ));
        return note;
    };
    if retry == 1 {
        if (since_previous - expected).abs() <= tolerance(expected) {
            note.push_str(&format!(
                "Re-send #1 came {since_previous:.1} s after {answer}: fits the documented \
                 immediate re-send."
            ));
        } else {
            note.push_str(&format!(
                "Re-send #1 came {since_previous:.1} s after {answer}; the documented first \
                 re-send is immediate."
            ));
        }
        return note;
    }
    let from_previous = (since_previous - expected).abs() <= tolerance(expected);
    let from_first = (since_first - expected).abs() <= tolerance(expected);
    let reading = match (from_previous, from_first) {
        (true, true) => {
            format!(
                "fits the documented +{expected:.0} s, counted from the previous attempt or the first failure alike"
            )
        }
        (true, false) => {
            format!("fits the documented +{expected:.0} s counted from the previous attempt")
        }
        (false, true) => {
            format!("fits the documented +{expected:.0} s counted from the first failure")
        }
        (false, false) => format!(
            "does not fit the documented +{expected:.0} s, counted from the previous attempt or \
             from the first failure"
        ),
    };
    note.push_str(&format!(
        "Re-send #{retry} came {since_previous:.1} s after {answer} ({since_first:.1} s after \
         the first failure): {reading}."
    ));
    note
}

#[cfg(test)]
mod tests;
