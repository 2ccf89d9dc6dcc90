//! Incremental analysis across events: WMS session sequences, Prism scan and video timelines,
//! and redeliveries of the same body.
//!
//! The [`Analyzer`] sees every event once, in capture order, before the store keeps it
//! ([`Analyzer::observe`]) and right after it got its id ([`Analyzer::stored`]). Each call is O(1)
//! amortised: state lives in hash maps keyed by 64-bit hashes of the ids, bounded by
//! [`AnalysisLimits`] (least recently seen dropped first, and counted). Nothing refers back to the
//! stored events, so the summaries outlive the events' eviction from the ring buffer.

mod common;
mod hash;
mod lru;
pub mod redelivery;
pub mod sequence;
pub mod timeline;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::event::facts::Facts;
use crate::event::{CapturedEvent, SignatureVerdict};
use hash::hash_bytes;
use lru::Lru;
use redelivery::Redeliveries;
use sequence::SessionState;

pub use common::MAX_ID_BYTES;
pub use sequence::{
    DeliveryLag, MissingRanges, SeqMark, SeqRange, SessionEnd, SessionEnding, SessionPhase,
    SessionSummary, SessionWarnings, SnrSeries, StatusCounts, TrailStep,
};
pub use timeline::{
    Contradiction, Lane, LaneError, LaneOutcome, Retried, STUCK_AFTER, Timeline, TimelineKind,
    TimelineStatus,
};

/// How much the analysis may remember.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnalysisLimits {
    /// WMS sessions followed at once.
    pub max_sessions: usize,
    /// Scan and video timelines followed at once.
    pub max_scans: usize,
    /// A body sent again within this time of its first delivery is a redelivery.
    pub redelivery_window: Duration,
}

impl Default for AnalysisLimits {
    fn default() -> Self {
        AnalysisLimits {
            max_sessions: 10_000,
            max_scans: 10_000,
            redelivery_window: Duration::from_secs(120),
        }
    }
}

/// What the analysis holds and what it had to let go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisCounters {
    pub sessions: usize,
    /// Sessions forgotten (least recently seen first) to stay within `max_sessions`.
    pub sessions_dropped: u64,
    /// Scan and video timelines.
    pub timelines: usize,
    pub timelines_dropped: u64,
    /// First deliveries remembered for redelivery matching.
    pub deliveries: usize,
    /// First deliveries forgotten before the window ended (see `MAX_REDELIVERY_ENTRIES`).
    pub deliveries_dropped: u64,
}

/// Every summary at one moment, for the export file and for reading it back.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalysisSnapshot {
    /// Most recently seen first.
    pub sessions: Vec<SessionSummary>,
    /// Most recently seen first.
    pub timelines: Vec<Timeline>,
    pub counters: AnalysisCounters,
}

/// Follows sessions, timelines and redeliveries as events arrive.
pub struct Analyzer {
    sessions: Lru<SessionState>,
    timelines: Lru<Timeline>,
    redeliveries: Redeliveries,
}

impl Analyzer {
    pub fn new(limits: AnalysisLimits) -> Analyzer {
        Analyzer {
            sessions: Lru::new(limits.max_sessions),
            timelines: Lru::new(limits.max_scans),
            redeliveries: Redeliveries::new(limits.redelivery_window),
        }
    }

    /// Takes one event in capture order, before it is stored (its id is not known yet). Sets
    /// `analysis.sequence` (WMS) and `analysis.redelivery`, and appends anomalies.
    pub fn observe(&mut self, event: &mut CapturedEvent, facts: &Facts) {
        let body_hash = hash_bytes(0, &event.body);
        let redelivery = self.redeliveries.observe(event, body_hash);
        let repeated = redelivery.is_some();
        event.analysis.redelivery = redelivery.map(Box::new);
        let at = event.received_at;
        // The analysers append to a plain `Vec`; the event keeps a thin list.
        let mut found = event.analysis.anomalies.take_vec();
        let anomalies = &mut found;
        match facts {
            Facts::None => {}
            Facts::Wms(wms) => {
                let state = self.sessions.touch(id_key(b'w', &wms.session_id), || {
                    SessionState::new(&wms.session_id, at)
                });
                let bad_signature = matches!(
                    event.analysis.signature.verdict,
                    SignatureVerdict::Invalid
                        | SignatureVerdict::Malformed
                        | SignatureVerdict::Stale
                );
                event.analysis.sequence =
                    state.observe(wms, body_hash, at, repeated, bad_signature, anomalies);
                // A sequence is told by its subject's session (the decoder set it from the
                // same field; this keeps the two one even for events made otherwise).
                let subject = &event.analysis.subject;
                if event.analysis.sequence.is_some()
                    && subject.session_id.as_deref() != Some(wms.session_id.as_str())
                {
                    event.analysis.subject.session_id =
                        Some(crate::intern::intern(&wms.session_id));
                }
            }
            Facts::Prism(prism) => {
                self.timelines
                    .touch(id_key(b's', &prism.scan_id), || {
                        Timeline::new_scan(&prism.scan_id, at)
                    })
                    .observe_prism(prism, at, event.analysis.redelivery.as_deref(), anomalies);
            }
            Facts::Video(video) => {
                self.timelines
                    .touch(id_key(b'v', &video.video_id), || {
                        Timeline::new_video(&video.video_id, at)
                    })
                    .observe_video(video, at, event.analysis.redelivery.as_deref(), anomalies);
            }
        }
        event.analysis.anomalies = found.into();
    }

    /// Takes the id the store gave an event and the answer it got, so that later deliveries of
    /// the same body can link to it.
    pub fn stored(&mut self, event: &CapturedEvent) {
        self.redeliveries
            .stored(event, || hash_bytes(0, &event.body));
    }

    /// Takes a different answer than the one `event` was stored with (its log line failed, so
    /// its sender got 503), so that a re-send links to the answer really given.
    pub fn answered_instead(&mut self, event: &CapturedEvent, status: u16) {
        self.redeliveries.answered_instead(event, status);
    }

    /// WMS sessions, most recently seen first.
    pub fn sessions(&self) -> impl Iterator<Item = &SessionSummary> + '_ {
        self.sessions.iter().map(|s| &s.summary)
    }

    pub fn session(&self, session_id: &str) -> Option<&SessionSummary> {
        self.sessions
            .get(id_key(b'w', session_id))
            .map(|s| &s.summary)
    }

    /// Scan and video timelines, most recently seen first.
    pub fn timelines(&self) -> impl Iterator<Item = &Timeline> + '_ {
        self.timelines.iter()
    }

    pub fn timeline(&self, kind: TimelineKind, id: &str) -> Option<&Timeline> {
        let tag = match kind {
            TimelineKind::Scan => b's',
            TimelineKind::Video => b'v',
        };
        self.timelines.get(id_key(tag, id))
    }

    pub fn scan(&self, scan_id: &str) -> Option<&Timeline> {
        self.timeline(TimelineKind::Scan, scan_id)
    }

    pub fn video(&self, video_id: &str) -> Option<&Timeline> {
        self.timeline(TimelineKind::Video, video_id)
    }

    pub fn counters(&self) -> AnalysisCounters {
        AnalysisCounters {
            sessions: self.sessions.len(),
            sessions_dropped: self.sessions.dropped(),
            timelines: self.timelines.len(),
            timelines_dropped: self.timelines.dropped(),
            deliveries: self.redeliveries.len(),
            deliveries_dropped: self.redeliveries.dropped(),
        }
    }

    /// A copy of every summary (O(sessions + timelines): for export, not per event).
    pub fn snapshot(&self) -> AnalysisSnapshot {
        AnalysisSnapshot {
            sessions: self.sessions().cloned().collect(),
            timelines: self.timelines().cloned().collect(),
            counters: self.counters(),
        }
    }

    /// A copy of the summaries that `events` belong to (their sessions, scans and videos, most
    /// recently seen first), for an export of only some events; the counters are the whole
    /// analysis's.
    pub fn snapshot_of<'a>(
        &self,
        events: impl IntoIterator<Item = &'a CapturedEvent>,
    ) -> AnalysisSnapshot {
        // The summaries wanted, by address: an export may hold many events of one.
        let mut wanted = std::collections::HashSet::new();
        for event in events {
            let subject = &event.analysis.subject;
            let session = subject
                .session_id
                .as_deref()
                .and_then(|id| self.session(id));
            wanted.extend(session.map(|s| std::ptr::from_ref(s).addr()));
            let scan = subject.scan_id.as_deref().and_then(|id| self.scan(id));
            let video = subject.video_id.as_deref().and_then(|id| self.video(id));
            for timeline in [scan, video].into_iter().flatten() {
                wanted.insert(std::ptr::from_ref(timeline).addr());
            }
        }
        let wanted = |summary: usize| wanted.contains(&summary);
        // In the order of the whole snapshot.
        AnalysisSnapshot {
            sessions: self
                .sessions()
                .filter(|s| wanted(std::ptr::from_ref(*s).addr()))
                .cloned()
                .collect(),
            timelines: self
                .timelines()
                .filter(|t| wanted(std::ptr::from_ref(*t).addr()))
                .cloned()
                .collect(),
            counters: self.counters(),
        }
    }

    /// Forgets everything (the buffer was cleared); the dropped counters keep counting.
    pub fn clear(&mut self) {
        self.sessions.clear();
        self.timelines.clear();
        self.redeliveries.clear();
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(AnalysisLimits::default())
    }
}

/// Map key of an id, tagged by kind so a session, a scan and a video may share an id. A 64-bit
/// hash: a lookup never allocates and a huge id costs what a short one does; two of 10,000 ids
/// colliding has a chance around 10⁻¹¹.
fn id_key(tag: u8, id: &str) -> u64 {
    hash_bytes(u64::from(tag), id.as_bytes())
}

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;
