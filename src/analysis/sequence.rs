//! WMS sessions: where each event sits in its session's sequence (from 0, +1 per event), and the
//! running summary of a session — counts, missing ranges, SNR, phase, live warnings and how it
//! ended. Everything here is bounded per session, whatever the sender does.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::display_id;
use super::lru::U64Map;
use crate::event::anomaly::Backwards;
use crate::event::facts::WmsFacts;
use crate::event::{Anomaly, SequenceInfo, SequenceStatus};

/// Sequence numbers remembered per session for duplicate/conflict checks; older ones are forgotten
/// (and counted) first.
pub const MAX_TRACKED_SEQS: usize = 100_000;
/// Separate missing ranges remembered per session; the lowest go first.
pub const MAX_MISSING_RANGES: usize = 10_000;
/// Numbers listed in one event's `SequenceInfo.missing`; a larger gap is listed up to this many
/// and told in full by its anomaly.
pub const MAX_LISTED_MISSING: usize = 1_000;
/// SNR readings kept per session (the latest).
pub const SNR_HISTORY: usize = 512;
/// Distinct measurement ids kept per session.
pub const MAX_MEASUREMENT_IDS: usize = 16;
/// Out-of-order marks (late, duplicate, conflict…) kept per session (the latest).
pub const MAX_MARKS: usize = 256;
/// Steps of the event trail kept per session (the latest).
pub const MAX_TRAIL: usize = 64;
/// Sequence numbers of bad signatures kept per session (the latest); all are counted.
pub const MAX_BAD_SIGNATURE_SEQS: usize = 16;
/// Delivery lags the median is taken over: the session's latest, so that the median follows a
/// sender whose queue grows or drains, at a bounded cost per event.
pub const LAG_SAMPLE: usize = 64;

/// Inclusive range of sequence numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqRange {
    pub first: u64,
    pub last: u64,
}

impl SeqRange {
    /// How many numbers the range holds (saturating: `0..=u64::MAX` does not fit a u64).
    pub fn count(&self) -> u64 {
        (self.last - self.first).saturating_add(1)
    }
}

impl fmt::Display for SeqRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

/// The numbers below a session's highest that never arrived, as disjoint ranges. Stored as ranges
/// so that a session first seen at 1,000,000 (or `u64::MAX`) costs one entry, not a million.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<SeqRange>", into = "Vec<SeqRange>")]
pub struct MissingRanges {
    /// first → last, inclusive, disjoint.
    ranges: BTreeMap<u64, u64>,
    count: u64,
}

impl MissingRanges {
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// How many numbers are missing (saturating).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Ranges in ascending order.
    pub fn ranges(&self) -> impl DoubleEndedIterator<Item = SeqRange> + '_ {
        self.ranges
            .iter()
            .map(|(&first, &last)| SeqRange { first, last })
    }

    pub fn range_count(&self) -> usize {
        self.ranges.len()
    }

    /// The missing range holding `seq`, if `seq` is missing.
    pub fn find(&self, seq: u64) -> Option<SeqRange> {
        let (&first, &last) = self.ranges.range(..=seq).next_back()?;
        (seq <= last).then_some(SeqRange { first, last })
    }

    pub fn contains(&self, seq: u64) -> bool {
        self.find(seq).is_some()
    }

    fn add(&mut self, range: SeqRange) {
        self.ranges.insert(range.first, range.last);
        self.count = self.count.saturating_add(range.count());
    }

    /// Marks `seq` as arrived; returns the range it was missing from.
    fn fill(&mut self, seq: u64) -> Option<SeqRange> {
        let range = self.find(seq)?;
        self.ranges.remove(&range.first);
        if range.first < seq {
            self.ranges.insert(range.first, seq - 1);
        }
        if seq < range.last {
            self.ranges.insert(seq + 1, range.last);
        }
        self.count = self.count.saturating_sub(1);
        Some(range)
    }

    fn drop_lowest(&mut self) -> Option<SeqRange> {
        let (first, last) = self.ranges.pop_first()?;
        let range = SeqRange { first, last };
        self.count = self.count.saturating_sub(range.count());
        Some(range)
    }

    fn clear(&mut self) {
        self.ranges.clear();
        self.count = 0;
    }
}

impl From<Vec<SeqRange>> for MissingRanges {
    fn from(list: Vec<SeqRange>) -> Self {
        let mut missing = MissingRanges::default();
        for range in list.into_iter().filter(|r| r.first <= r.last) {
            missing.add(range);
        }
        missing
    }
}

impl From<MissingRanges> for Vec<SeqRange> {
    fn from(missing: MissingRanges) -> Self {
        missing.ranges().collect()
    }
}

/// Compact, for tables: `3-4, 9`.
impl fmt::Display for MissingRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, range) in self.ranges().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{range}")?;
        }
        Ok(())
    }
}

/// How many events of a session got each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub first: u64,
    pub in_order: u64,
    pub gap: u64,
    pub late: u64,
    pub duplicate: u64,
    pub conflict: u64,
    pub restart: u64,
}

impl StatusCounts {
    fn add(&mut self, status: SequenceStatus) {
        let slot = match status {
            SequenceStatus::First => &mut self.first,
            SequenceStatus::InOrder => &mut self.in_order,
            SequenceStatus::Gap => &mut self.gap,
            SequenceStatus::Late => &mut self.late,
            SequenceStatus::Duplicate => &mut self.duplicate,
            SequenceStatus::Conflict => &mut self.conflict,
            SequenceStatus::Restart => &mut self.restart,
        };
        *slot += 1;
    }

    /// Events that carried a sequence number.
    pub fn total(&self) -> u64 {
        self.first
            + self.in_order
            + self.gap
            + self.late
            + self.duplicate
            + self.conflict
            + self.restart
    }
}

/// Where a running session is, from the documented event order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionPhase {
    /// `WMS_LOADED`, `CONFIGURATION_LOADED`.
    #[default]
    Loading,
    /// Camera permission and start.
    Camera,
    /// Measurement started or created, intermediate results flowing.
    Measuring,
    /// `SCAN_COMPLETED`: waiting for the final results.
    WaitingForResults,
    /// `REDIRECTING_TO_CALLBACK`.
    Redirecting,
}

impl SessionPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionPhase::Loading => "loading",
            SessionPhase::Camera => "camera",
            SessionPhase::Measuring => "measuring",
            SessionPhase::WaitingForResults => "waiting for results",
            SessionPhase::Redirecting => "redirecting",
        }
    }
}

/// Why a session is over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionEnd {
    /// `RESULTS_RECEIVED`: the one good ending.
    ResultsReceived,
    /// `MEASUREMENT_CANCELED`.
    Cancelled,
    ConstraintViolation,
    LowSnr,
    /// `CAMERA_PERMISSION_DENIED`.
    CameraDenied,
    PageUnloaded,
    /// `WEBSOCKET_RECONNECTION_FAILED`.
    WebsocketFailed,
    ApiError,
    /// `GENERAL_ERROR` (e.g. `CAMERA_START_ERROR`).
    GeneralError,
    /// `REDIRECTING_TO_CALLBACK` with no earlier ending.
    Redirected,
}

impl SessionEnd {
    /// Short word for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionEnd::ResultsReceived => "results",
            SessionEnd::Cancelled => "cancelled",
            SessionEnd::ConstraintViolation => "constraint",
            SessionEnd::LowSnr => "low SNR",
            SessionEnd::CameraDenied => "camera denied",
            SessionEnd::PageUnloaded => "page unloaded",
            SessionEnd::WebsocketFailed => "websocket failed",
            SessionEnd::ApiError => "API error",
            SessionEnd::GeneralError => "error",
            SessionEnd::Redirected => "redirected",
        }
    }

    pub fn is_success(self) -> bool {
        self == SessionEnd::ResultsReceived
    }

    fn from_event(event: &str) -> Option<SessionEnd> {
        Some(match event {
            "RESULTS_RECEIVED" => SessionEnd::ResultsReceived,
            "MEASUREMENT_CANCELED" => SessionEnd::Cancelled,
            "CONSTRAINT_VIOLATION" => SessionEnd::ConstraintViolation,
            "LOW_SNR" => SessionEnd::LowSnr,
            "CAMERA_PERMISSION_DENIED" => SessionEnd::CameraDenied,
            "PAGE_UNLOADED" => SessionEnd::PageUnloaded,
            "WEBSOCKET_RECONNECTION_FAILED" => SessionEnd::WebsocketFailed,
            "API_ERROR" => SessionEnd::ApiError,
            "GENERAL_ERROR" => SessionEnd::GeneralError,
            "REDIRECTING_TO_CALLBACK" => SessionEnd::Redirected,
            _ => return None,
        })
    }
}

/// The event that ended a session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionEnding {
    pub reason: SessionEnd,
    pub seq: Option<u64>,
    pub at: DateTime<Utc>,
    /// `payload.details` or the API error code, when given.
    pub detail: Option<String>,
}

/// What a person watching a running session wants to see at a glance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionWarnings {
    /// The latest `PAGE_VISIBILITY_CHANGE` said `HIDDEN`.
    pub page_hidden: bool,
    /// `WEBSOCKET_DISCONNECTED` (or a failed reconnection) with no `WEBSOCKET_RECONNECTED` since.
    pub websocket_down: bool,
    /// The last readings each lower than the one before (see [`SnrSeries::is_falling`]).
    pub snr_falling: bool,
}

impl SessionWarnings {
    pub fn any(&self) -> bool {
        self.page_hidden || self.websocket_down || self.snr_falling
    }
}

/// The SNR of `INTERMEDIATE_RESULTS`, in arrival order, the latest [`SNR_HISTORY`] kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SnrSeries {
    pub values: VecDeque<f64>,
    /// Readings seen, including those no longer kept.
    pub count: u64,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl SnrSeries {
    /// Drops in a row that make the SNR "falling": three, so one noisy reading is not enough.
    pub const FALLING_STEPS: usize = 3;

    fn push(&mut self, snr: f64) {
        if !snr.is_finite() {
            return;
        }
        if self.values.len() == SNR_HISTORY {
            self.values.pop_front();
        }
        self.values.push_back(snr);
        self.count += 1;
        self.min = Some(self.min.map_or(snr, |m| m.min(snr)));
        self.max = Some(self.max.map_or(snr, |m| m.max(snr)));
    }

    pub fn last(&self) -> Option<f64> {
        self.values.back().copied()
    }

    /// Whether each of the last [`Self::FALLING_STEPS`] readings was lower than the one before.
    pub fn is_falling(&self) -> bool {
        let n = self.values.len();
        n > Self::FALLING_STEPS
            && (n - Self::FALLING_STEPS..n).all(|i| self.values[i] < self.values[i - 1])
    }
}

/// A sequence number that did not arrive in order, for drawing the sequence bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeqMark {
    pub seq: u64,
    pub status: SequenceStatus,
}

/// How late a session's events arrive: receive time minus the body's `timestamp` (whole
/// seconds, so each lag is known to a second; a negative lag is a sender's clock ahead of ours).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLag {
    /// The median of the latest [`LAG_SAMPLE`] lags, in milliseconds.
    pub median_ms: i64,
    /// The smallest and largest lag of all the session's events.
    pub min_ms: i64,
    pub max_ms: i64,
    /// Events the lag was measured on (repeats of a delivered body are not: their lag is the
    /// sender's retry delay).
    pub count: u64,
}

/// A run of one event name in arrival order: `INTERMEDIATE_RESULTS ×39`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrailStep {
    pub event: String,
    pub count: u32,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// Everything known about one WMS session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionSummary {
    /// The `sessionId` (ids over 256 characters are shortened for display).
    pub session_id: String,
    /// Events of this session, with or without a usable sequence number.
    pub events: u64,
    pub counts: StatusCounts,
    /// Highest sequence number since the last restart.
    pub highest: Option<u64>,
    pub missing: MissingRanges,
    /// Sequence numbers (and missing ranges) no longer remembered, to keep memory bounded.
    pub forgotten: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Name of the latest event in sequence order (arrival order for events without a number).
    pub last_event: Option<String>,
    /// Distinct `measurementId`s, the first [`MAX_MEASUREMENT_IDS`].
    pub measurement_ids: Vec<String>,
    pub snr: SnrSeries,
    pub phase: SessionPhase,
    /// Set by the first ending event in sequence order; none while the session runs.
    pub ended: Option<SessionEnding>,
    pub warnings: SessionWarnings,
    /// Latest out-of-order numbers (gap ends, late fills, duplicates, conflicts, restarts).
    pub marks: VecDeque<SeqMark>,
    /// Event names in arrival order, repeated names folded, the latest [`MAX_TRAIL`] runs.
    pub trail: VecDeque<TrailStep>,
    /// Trail runs no longer kept.
    pub trail_dropped: u64,
    /// Events whose timestamp went backwards in sequence order.
    pub timestamps_backwards: u64,
    /// Deliveries whose signature did not verify (invalid, malformed or stale), repeats included.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bad_signatures: u64,
    /// Their sequence numbers in arrival order, the latest [`MAX_BAD_SIGNATURE_SEQS`] (events
    /// without a number are only counted).
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    pub bad_signature_seqs: VecDeque<u64>,
    /// None until an event with a `timestamp` arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_lag: Option<DeliveryLag>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SessionSummary {
    fn new(session_id: &str, at: DateTime<Utc>) -> SessionSummary {
        SessionSummary {
            session_id: display_id(session_id),
            events: 0,
            counts: StatusCounts::default(),
            highest: None,
            missing: MissingRanges::default(),
            forgotten: 0,
            first_seen: at,
            last_seen: at,
            last_event: None,
            measurement_ids: Vec::new(),
            snr: SnrSeries::default(),
            phase: SessionPhase::default(),
            ended: None,
            warnings: SessionWarnings::default(),
            marks: VecDeque::new(),
            trail: VecDeque::new(),
            trail_dropped: 0,
            timestamps_backwards: 0,
            bad_signatures: 0,
            bad_signature_seqs: VecDeque::new(),
            delivery_lag: None,
        }
    }

    pub fn is_finished(&self) -> bool {
        self.ended.is_some()
    }

    /// How long since the last event, for "no event for N s" — none once the session ended.
    pub fn idle_for(&self, now: DateTime<Utc>) -> Option<Duration> {
        if self.is_finished() {
            return None;
        }
        Some((now - self.last_seen).to_std().unwrap_or(Duration::ZERO))
    }

    pub fn duplicates(&self) -> u64 {
        self.counts.duplicate
    }

    pub fn late_fills(&self) -> u64 {
        self.counts.late
    }

    /// The numbers that got `status` (late, duplicate, conflict…), oldest first, of the latest
    /// [`MAX_MARKS`] out-of-order arrivals since the last restart.
    pub fn marked(&self, status: SequenceStatus) -> impl DoubleEndedIterator<Item = u64> + '_ {
        self.marks
            .iter()
            .filter(move |m| m.status == status)
            .map(|m| m.seq)
    }

    /// Wall time from the first to the last event.
    pub fn span(&self) -> Duration {
        (self.last_seen - self.first_seen)
            .to_std()
            .unwrap_or(Duration::ZERO)
    }
}

/// What is remembered of a sequence number already seen, in 16 bytes: the body's hash in the
/// low 63 bits with whether there is a timestamp in the top one, and the timestamp.
#[derive(Clone, Copy)]
struct Seen {
    tagged_body: u64,
    timestamp: i64,
}

const HAS_TIMESTAMP: u64 = 1 << 63;

impl Seen {
    fn new(body: u64, timestamp: Option<i64>) -> Seen {
        let tag = if timestamp.is_some() {
            HAS_TIMESTAMP
        } else {
            0
        };
        Seen {
            tagged_body: (body & !HAS_TIMESTAMP) | tag,
            timestamp: timestamp.unwrap_or(0),
        }
    }

    /// Whether `body` hashes like the body seen (63 bits of the hash compared).
    fn same_body(self, body: u64) -> bool {
        self.tagged_body & !HAS_TIMESTAMP == body & !HAS_TIMESTAMP
    }

    fn timestamp(self) -> Option<i64> {
        (self.tagged_body & HAS_TIMESTAMP != 0).then_some(self.timestamp)
    }
}

/// A session's summary plus the bookkeeping that only the analysis needs.
pub(crate) struct SessionState {
    pub(crate) summary: SessionSummary,
    seen: U64Map<Seen>,
    /// Numbers in `seen`, oldest first, so the oldest can be forgotten in O(1).
    seen_order: VecDeque<u64>,
    /// Sequence numbers of the events that last set these fields: an event older in sequence
    /// order (a late one) must not overwrite what a newer one said.
    last_event_seq: Option<u64>,
    visibility_seq: Option<u64>,
    websocket_seq: Option<u64>,
    /// The latest [`LAG_SAMPLE`] delivery lags (ms), oldest first.
    lags: VecDeque<i64>,
}

/// Whether an event numbered `seq` is at least as new as the one numbered `mark`. Events without
/// a number count as newest: arrival order is all there is for them.
fn at_or_after(mark: Option<u64>, seq: Option<u64>) -> bool {
    match (mark, seq) {
        (Some(mark), Some(seq)) => seq >= mark,
        _ => true,
    }
}

impl SessionState {
    pub(crate) fn new(session_id: &str, at: DateTime<Utc>) -> SessionState {
        SessionState {
            summary: SessionSummary::new(session_id, at),
            seen: U64Map::default(),
            seen_order: VecDeque::new(),
            last_event_seq: None,
            visibility_seq: None,
            websocket_seq: None,
            lags: VecDeque::new(),
        }
    }

    /// Takes one event of this session: returns where it sits in the sequence (when it has a
    /// number) and appends what looks wrong to `anomalies`. `redelivery` says the same body came
    /// recently (what tells a repeat when there is no number to compare); `bad_signature` that
    /// its signature did not verify.
    pub(crate) fn observe(
        &mut self,
        facts: &WmsFacts,
        body_hash: u64,
        at: DateTime<Utc>,
        redelivery: bool,
        bad_signature: bool,
        anomalies: &mut Vec<Anomaly>,
    ) -> Option<SequenceInfo> {
        let summary = &mut self.summary;
        summary.events += 1;
        if at > summary.last_seen {
            summary.last_seen = at;
        }
        if at < summary.first_seen {
            summary.first_seen = at;
        }
        let info = facts.sequence.map(|seq| {
            let (status, missing) = self.place(seq, body_hash, facts.timestamp, anomalies);
            SequenceInfo {
                seq,
                status,
                missing: missing.into(),
            }
        });
        if bad_signature {
            let summary = &mut self.summary;
            summary.bad_signatures = summary.bad_signatures.saturating_add(1);
            if let Some(seq) = facts.sequence {
                if summary.bad_signature_seqs.len() == MAX_BAD_SIGNATURE_SEQS {
                    summary.bad_signature_seqs.pop_front();
                }
                summary.bad_signature_seqs.push_back(seq);
            }
        }
        // A redelivered event says nothing new: counting its SNR, trail or lag again would lie.
        let repeat = match &info {
            Some(info) => info.status == SequenceStatus::Duplicate,
            None => redelivery,
        };
        if !repeat {
            self.follow(facts, at);
            if let Some(timestamp) = facts.timestamp {
                self.measure_lag(at, timestamp);
            }
        }
        info
    }

    /// Takes one delivery lag into the sample and the summary: O([`LAG_SAMPLE`]) with no
    /// allocation once the sample is full (the median is selected in a copy on the stack).
    fn measure_lag(&mut self, at: DateTime<Utc>, timestamp: i64) {
        let lag = at
            .timestamp_millis()
            .saturating_sub(timestamp.saturating_mul(1000));
        if self.lags.len() == LAG_SAMPLE {
            self.lags.pop_front();
        }
        self.lags.push_back(lag);
        let mut sample = [0i64; LAG_SAMPLE];
        let n = self.lags.len();
        for (slot, &lag) in sample.iter_mut().zip(&self.lags) {
            *slot = lag;
        }
        let sample = &mut sample[..n];
        let (_, &mut upper, _) = sample.select_nth_unstable(n / 2);
        let median = if n % 2 == 1 {
            upper
        } else {
            let lower = sample[..n / 2].iter().copied().max().unwrap_or(upper);
            // The mean of the two middle lags, without overflow.
            lower / 2 + upper / 2 + (lower % 2 + upper % 2) / 2
        };
        let summary = &mut self.summary;
        summary.delivery_lag = Some(match summary.delivery_lag {
            None => DeliveryLag {
                median_ms: median,
                min_ms: lag,
                max_ms: lag,
                count: 1,
            },
            Some(old) => DeliveryLag {
                median_ms: median,
                min_ms: old.min_ms.min(lag),
                max_ms: old.max_ms.max(lag),
                count: old.count.saturating_add(1),
            },
        });
    }

    /// Sequence status of `seq`; updates highest, missing ranges and remembered bodies.
    fn place(
        &mut self,
        seq: u64,
        body: u64,
        timestamp: Option<i64>,
        anomalies: &mut Vec<Anomaly>,
    ) -> (SequenceStatus, Vec<u64>) {
        let seen = Seen::new(body, timestamp);
        let mut missing = Vec::new();
        let status = match self.summary.highest {
            None => {
                self.summary.highest = Some(seq);
                self.remember(seq, seen);
                if seq == 0 {
                    SequenceStatus::First
                } else {
                    let gap = SeqRange {
                        first: 0,
                        last: seq - 1,
                    };
                    missing = self.add_missing(gap);
                    anomalies.push(Anomaly::SequenceStartedLate { seq });
                    SequenceStatus::Gap
                }
            }
            Some(highest) if seq > highest => {
                self.summary.highest = Some(seq);
                let before = self.seen.get(&highest).copied();
                self.remember(seq, seen);
                self.check_time(
                    seq,
                    timestamp,
                    before.map(|s| (highest, s)),
                    None,
                    anomalies,
                );
                if seq == highest + 1 {
                    SequenceStatus::InOrder
                } else {
                    let gap = SeqRange {
                        first: highest + 1,
                        last: seq - 1,
                    };
                    missing = self.add_missing(gap);
                    anomalies.push(Anomaly::SequenceJump { highest, seq });
                    SequenceStatus::Gap
                }
            }
            Some(highest) => {
                if let Some(range) = self.summary.missing.fill(seq) {
                    let before = range
                        .first
                        .checked_sub(1)
                        .and_then(|n| self.seen.get(&n).map(|s| (n, *s)));
                    let after = range
                        .last
                        .checked_add(1)
                        .and_then(|n| self.seen.get(&n).map(|s| (n, *s)));
                    self.remember(seq, seen);
                    self.check_time(seq, timestamp, before, after, anomalies);
                    anomalies.push(Anomaly::SequenceLate {
                        seq,
                        highest,
                        still_missing: self.summary.missing.count(),
                    });
                    SequenceStatus::Late
                } else {
                    match self.seen.get(&seq).copied() {
                        Some(prev) if prev.same_body(body) => {
                            anomalies.push(Anomaly::SequenceDuplicate { seq });
                            SequenceStatus::Duplicate
                        }
                        _ if seq == 0 && highest > 0 => {
                            self.restart();
                            self.summary.highest = Some(0);
                            self.remember(0, seen);
                            anomalies.push(Anomaly::SequenceRestart { highest });
                            SequenceStatus::Restart
                        }
                        Some(_) => {
                            let before = seq
                                .checked_sub(1)
                                .and_then(|n| self.seen.get(&n).map(|s| (n, *s)));
                            let after = seq
                                .checked_add(1)
                                .and_then(|n| self.seen.get(&n).map(|s| (n, *s)));
                            self.check_time(seq, timestamp, before, after, anomalies);
                            anomalies.push(Anomaly::SequenceConflict { seq });
                            SequenceStatus::Conflict
                        }
                        None => {
                            // Below the highest, not missing, not remembered: it arrived once and
                            // was forgotten to bound memory, so this can only be a repeat.
                            anomalies.push(Anomaly::SequenceUntracked {
                                seq,
                                remembered: MAX_TRACKED_SEQS as u64,
                            });
                            SequenceStatus::Duplicate
                        }
                    }
                }
            }
        };
        self.summary.counts.add(status);
        if !matches!(status, SequenceStatus::First | SequenceStatus::InOrder) {
            if self.summary.marks.len() == MAX_MARKS {
                self.summary.marks.pop_front();
            }
            self.summary.marks.push_back(SeqMark { seq, status });
        }
        (status, missing)
    }

    /// Adds a gap, forgetting the lowest ranges when there are too many; returns the numbers to
    /// list on the event.
    fn add_missing(&mut self, gap: SeqRange) -> Vec<u64> {
        self.summary.missing.add(gap);
        while self.summary.missing.range_count() > MAX_MISSING_RANGES {
            if let Some(dropped) = self.summary.missing.drop_lowest() {
                self.summary.forgotten = self.summary.forgotten.saturating_add(dropped.count());
            }
        }
        (gap.first..=gap.last).take(MAX_LISTED_MISSING).collect()
    }

    fn remember(&mut self, seq: u64, seen: Seen) {
        if self.seen.insert(seq, seen).is_none() {
            self.seen_order.push_back(seq);
            if self.seen_order.len() > MAX_TRACKED_SEQS
                && let Some(old) = self.seen_order.pop_front()
            {
                self.seen.remove(&old);
                self.summary.forgotten = self.summary.forgotten.saturating_add(1);
            }
        }
    }

    /// Timestamps must not go backwards in sequence order: `seq` is compared with the nearest
    /// remembered numbers below and above it, whatever order they arrived in.
    fn check_time(
        &mut self,
        seq: u64,
        timestamp: Option<i64>,
        before: Option<(u64, Seen)>,
        after: Option<(u64, Seen)>,
        anomalies: &mut Vec<Anomaly>,
    ) {
        let Some(ts) = timestamp else { return };
        let (other, other_timestamp, later) = if let Some((n, t)) =
            before.and_then(|(n, s)| Some((n, s.timestamp()?)))
            && ts < t
        {
            (n, t, false)
        } else if let Some((n, t)) = after.and_then(|(n, s)| Some((n, s.timestamp()?)))
            && ts > t
        {
            (n, t, true)
        } else {
            return;
        };
        self.summary.timestamps_backwards += 1;
        anomalies.push(Anomaly::TimestampBackwards(Box::new(Backwards {
            seq,
            timestamp: ts,
            other,
            other_timestamp,
            later,
        })));
    }

    /// A new run under the same session id: the sequence and the run's state start over; the
    /// counts, trail and measurement ids keep the history.
    fn restart(&mut self) {
        self.seen.clear();
        self.seen_order.clear();
        let s = &mut self.summary;
        s.missing.clear();
        s.highest = None;
        s.marks.clear();
        s.snr = SnrSeries::default();
        s.phase = SessionPhase::default();
        s.ended = None;
        s.warnings = SessionWarnings::default();
        self.last_event_seq = None;
        self.visibility_seq = None;
        self.websocket_seq = None;
    }

    /// Phase, ending, warnings, SNR, measurement ids and trail from the event's name and payload.
    fn follow(&mut self, facts: &WmsFacts, at: DateTime<Utc>) {
        let seq = facts.sequence;
        let s = &mut self.summary;
        let event = facts.event.as_str();

        if at_or_after(self.last_event_seq, seq) {
            self.last_event_seq = seq;
            if s.last_event.as_deref() != Some(event) {
                s.last_event = Some(event.to_owned());
            }
        }
        if let Some(id) = &facts.measurement_id
            && !id.is_empty()
            && s.measurement_ids.len() < MAX_MEASUREMENT_IDS
            && !s.measurement_ids.iter().any(|m| m == id)
        {
            s.measurement_ids.push(id.clone());
        }

        let phase = match event {
            "WMS_LOADED" | "CONFIGURATION_LOADED" => Some(SessionPhase::Loading),
            "CAMERA_PERMISSION_GRANTED" | "CAMERA_PERMISSION_DENIED" | "CAMERA_STARTED" => {
                Some(SessionPhase::Camera)
            }
            "MEASUREMENT_STARTED" | "MEASUREMENT_CREATED" | "INTERMEDIATE_RESULTS" => {
                Some(SessionPhase::Measuring)
            }
            "SCAN_COMPLETED" | "RESULTS_RECEIVED" => Some(SessionPhase::WaitingForResults),
            "REDIRECTING_TO_CALLBACK" => Some(SessionPhase::Redirecting),
            _ => None,
        };
        // Phases only move forward, so a late event cannot send a session back.
        if let Some(phase) = phase {
            s.phase = s.phase.max(phase);
        }

        if let Some(reason) = SessionEnd::from_event(event) {
            let earlier = match &s.ended {
                None => true,
                Some(end) => match (seq, end.seq) {
                    (Some(new), Some(old)) => new < old,
                    _ => false,
                },
            };
            // The first ending in sequence order is the cause; what follows (a cancellation after
            // a constraint violation, the redirect, the page closing) is its consequence.
            if earlier {
                s.ended = Some(SessionEnding {
                    reason,
                    seq,
                    at,
                    detail: facts.details.clone(),
                });
            }
        }

        match event {
            "PAGE_VISIBILITY_CHANGE" if at_or_after(self.visibility_seq, seq) => {
                self.visibility_seq = seq;
                s.warnings.page_hidden = facts
                    .visibility
                    .as_deref()
                    .is_some_and(|v| v.eq_ignore_ascii_case("HIDDEN"));
            }
            "WEBSOCKET_DISCONNECTED"
            | "WEBSOCKET_RECONNECTED"
            | "WEBSOCKET_RECONNECTION_FAILED"
                if at_or_after(self.websocket_seq, seq) =>
            {
                self.websocket_seq = seq;
                s.warnings.websocket_down = event != "WEBSOCKET_RECONNECTED";
            }
            "INTERMEDIATE_RESULTS" => {
                if let Some(snr) = facts.snr {
                    s.snr.push(snr);
                    s.warnings.snr_falling = s.snr.is_falling();
                }
            }
            _ => {}
        }

        match s.trail.back_mut() {
            Some(step) if step.event == event => {
                step.count = step.count.saturating_add(1);
                step.last_at = at;
            }
            _ => {
                if s.trail.len() == MAX_TRAIL {
                    s.trail.pop_front();
                    s.trail_dropped += 1;
                }
                s.trail.push_back(TrailStep {
                    event: event.to_owned(),
                    count: 1,
                    first_at: at,
                    last_at: at,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
