//! Prism timelines: one per scan id (a lane for each pipeline job) and one per video id (a single
//! lane), with start, end, duration, final state and error per lane, and the anomalies of a job's
//! life: an end without a start, a start after the end, repeated or contradicting endings, and
//! asset jobs running before the scan's capture data was valid.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::display_id;
use crate::event::Anomaly;
use crate::event::anomaly::Outcome;
use crate::event::facts::{JobError, JobPhase, PrismFacts, PrismJob, VideoFacts};

/// Anomalies kept per timeline for its view (the latest); every one stays on its event.
pub const MAX_TIMELINE_ANOMALIES: usize = 32;

/// What a timeline follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// A Prism scan (`payload.scanId`): capture data, asset and Hosted API jobs.
    Scan,
    /// A Prism video generation (`data.id`).
    Video,
}

impl TimelineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::Scan => "scan",
            TimelineKind::Video => "video",
        }
    }
}

/// Where a lane's job stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneOutcome {
    /// No event of this job yet.
    #[default]
    NotSeen,
    /// Started (or, for a video, seen) and not ended.
    Running,
    Succeeded,
    Failed,
}

impl LaneOutcome {
    pub fn is_terminal(self) -> bool {
        matches!(self, LaneOutcome::Succeeded | LaneOutcome::Failed)
    }
}

/// `error` / `notificationError` of the event that gave a lane its error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneError {
    pub id: Option<i64>,
    pub code: Option<String>,
    pub message: Option<String>,
}

impl From<&JobError> for LaneError {
    fn from(e: &JobError) -> Self {
        LaneError {
            id: e.id,
            code: e.code.clone(),
            message: e.message.clone(),
        }
    }
}

/// One job of a scan, or a video generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    /// The event-type prefix: `capture_data.validation`, `body.creation`…, or `video`.
    pub job: String,
    /// The `.started` event; for a video, its first event (videos send no start).
    pub started_at: Option<DateTime<Utc>>,
    /// The first `.succeeded` / `.failed` (video: `completed` / `failed`) event.
    pub ended_at: Option<DateTime<Utc>>,
    pub outcome: LaneOutcome,
    /// The latest `state` (video: `status`) while running; the final one once ended.
    pub state: Option<String>,
    pub error: Option<LaneError>,
    /// Events of this job, redeliveries included.
    pub events: u32,
    /// The job's first event came before the scan's capture data was valid (asset jobs only).
    pub before_capture_valid: bool,
}

impl Lane {
    fn new(job: &str) -> Lane {
        Lane {
            job: job.to_owned(),
            started_at: None,
            ended_at: None,
            outcome: LaneOutcome::NotSeen,
            state: None,
            error: None,
            events: 0,
            before_capture_valid: false,
        }
    }

    /// From start to end, when both are known and in that order.
    pub fn duration(&self) -> Option<Duration> {
        (self.ended_at? - self.started_at?).to_std().ok()
    }

    /// The job this lane follows.
    pub fn prism_job(&self) -> Option<PrismJob> {
        PrismJob::SCAN_JOBS
            .into_iter()
            .chain([PrismJob::Video])
            .find(|j| j.as_str() == self.job)
    }
}

/// The summary of one scan or video.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub kind: TimelineKind,
    /// The scan or video id (ids over 256 characters are shortened for display).
    pub id: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub events: u64,
    /// Scans: one lane per `PrismJob::SCAN_JOBS`, in that order. Videos: one `video` lane.
    pub lanes: Vec<Lane>,
    /// When `capture_data.validation.succeeded` or the `SCAN_CAPTURE_DATA_VALID` state was seen.
    pub capture_valid_at: Option<DateTime<Utc>>,
    /// Events of undocumented types (no lane to put them on).
    pub other_events: u64,
    /// The latest event type.
    pub last_event: Option<String>,
    /// The latest [`MAX_TIMELINE_ANOMALIES`] anomalies found on this timeline.
    pub anomalies: VecDeque<Anomaly>,
    pub anomaly_count: u64,
}

/// A timeline at a glance, for the list of scans.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TimelineStatus<'a> {
    /// A job failed (the first such lane).
    Failed(&'a Lane),
    /// A job is running (the first such lane).
    Running(&'a Lane),
    /// Every job seen has succeeded.
    Succeeded,
    /// Nothing on a lane yet (only undocumented events).
    Waiting,
}

impl Timeline {
    fn new(kind: TimelineKind, id: &str, at: DateTime<Utc>) -> Timeline {
        let lanes = match kind {
            TimelineKind::Scan => PrismJob::SCAN_JOBS
                .iter()
                .map(|j| Lane::new(j.as_str()))
                .collect(),
            TimelineKind::Video => vec![Lane::new(PrismJob::Video.as_str())],
        };
        Timeline {
            kind,
            id: display_id(id),
            first_seen: at,
            last_seen: at,
            events: 0,
            lanes,
            capture_valid_at: None,
            other_events: 0,
            last_event: None,
            anomalies: VecDeque::new(),
            anomaly_count: 0,
        }
    }

    pub(crate) fn new_scan(scan_id: &str, at: DateTime<Utc>) -> Timeline {
        Timeline::new(TimelineKind::Scan, scan_id, at)
    }

    pub(crate) fn new_video(video_id: &str, at: DateTime<Utc>) -> Timeline {
        Timeline::new(TimelineKind::Video, video_id, at)
    }

    pub fn lane(&self, job: PrismJob) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.job == job.as_str())
    }

    pub fn status(&self) -> TimelineStatus<'_> {
        if let Some(lane) = self.lanes.iter().find(|l| l.outcome == LaneOutcome::Failed) {
            TimelineStatus::Failed(lane)
        } else if let Some(lane) = self
            .lanes
            .iter()
            .find(|l| l.outcome == LaneOutcome::Running)
        {
            TimelineStatus::Running(lane)
        } else if self.lanes.iter().any(|l| l.outcome.is_terminal()) {
            TimelineStatus::Succeeded
        } else {
            TimelineStatus::Waiting
        }
    }

    /// From the first event to the last.
    pub fn span(&self) -> Duration {
        (self.last_seen - self.first_seen)
            .to_std()
            .unwrap_or(Duration::ZERO)
    }

    fn seen(&mut self, at: DateTime<Utc>, event: &str) {
        self.events += 1;
        if at > self.last_seen {
            self.last_seen = at;
        }
        if at < self.first_seen {
            self.first_seen = at;
        }
        if self.last_event.as_deref() != Some(event) {
            self.last_event = Some(event.to_owned());
        }
    }

    /// Takes one scan event. A redelivery (the same body again) is counted but changes nothing:
    /// the event it repeats was already applied, and re-sends after a failed answer are the
    /// documented behaviour, not a pipeline anomaly.
    pub(crate) fn observe_prism(
        &mut self,
        facts: &PrismFacts,
        at: DateTime<Utc>,
        redelivery: bool,
        anomalies: &mut Vec<Anomaly>,
    ) {
        self.seen(at, &facts.event_type);
        let lane = facts.job.and_then(|(job, phase)| {
            let i = PrismJob::SCAN_JOBS.iter().position(|&j| j == job)?;
            Some((i, job, phase))
        });
        let Some((i, job, phase)) = lane else {
            self.other_events += 1;
            return;
        };
        self.lanes[i].events = self.lanes[i].events.saturating_add(1);
        if redelivery {
            return;
        }
        let valid = facts.state.as_deref() == Some("SCAN_CAPTURE_DATA_VALID")
            || (job == PrismJob::CaptureDataValidation && phase == JobPhase::Succeeded);
        if valid && self.capture_valid_at.is_none() {
            self.capture_valid_at = Some(at);
        }
        if job.is_asset_job()
            && self.capture_valid_at.is_none()
            && self.lanes[i].outcome == LaneOutcome::NotSeen
        {
            self.lanes[i].before_capture_valid = true;
            let found = Anomaly::AssetBeforeValid {
                job,
                phase,
                scan: crate::intern::intern(&self.id),
            };
            self.note(anomalies, found);
        }
        self.apply(
            i,
            Some(phase),
            facts.state.as_deref(),
            facts.error.as_ref(),
            at,
            &facts.event_type,
            anomalies,
        );
    }

    /// Takes one video event; see [`Self::observe_prism`] for redeliveries.
    pub(crate) fn observe_video(
        &mut self,
        facts: &VideoFacts,
        at: DateTime<Utc>,
        redelivery: bool,
        anomalies: &mut Vec<Anomaly>,
    ) {
        self.seen(at, &facts.event);
        let Some(lane) = self.lanes.first_mut() else {
            return;
        };
        lane.events = lane.events.saturating_add(1);
        if redelivery {
            return;
        }
        // A video announces no start: its lane begins at its first event.
        if lane.started_at.is_none() && lane.outcome == LaneOutcome::NotSeen {
            lane.started_at = Some(at);
        }
        self.apply(
            0,
            facts.phase,
            facts.status.as_deref(),
            facts.error.as_ref(),
            at,
            &facts.event,
            anomalies,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        i: usize,
        phase: Option<JobPhase>,
        state: Option<&str>,
        error: Option<&JobError>,
        at: DateTime<Utc>,
        event: &str,
        anomalies: &mut Vec<Anomaly>,
    ) {
        let is_video = self.kind == TimelineKind::Video;
        // Lanes are made in this order (`Timeline::new`), so the index names the job.
        let job = if is_video {
            PrismJob::Video
        } else {
            PrismJob::SCAN_JOBS[i]
        };
        let lane = &mut self.lanes[i];
        let ended = lane.ended_at.map(|t| (t, lane.outcome));
        let found = match (phase, ended) {
            (Some(JobPhase::Started), Some((end, outcome))) => Some(Anomaly::JobStartAfterEnd {
                event: crate::intern::intern(event),
                outcome: outcome_word(outcome),
                end,
            }),
            (Some(JobPhase::Started), None) => {
                if lane.started_at.is_none() {
                    lane.started_at = Some(at);
                }
                lane.outcome = LaneOutcome::Running;
                set_state(lane, state, error);
                None
            }
            (Some(p), Some((end, outcome))) if outcome == terminal_outcome(p) => {
                Some(Anomaly::JobRepeatedTerminal {
                    job,
                    event: crate::intern::intern(event),
                    outcome: outcome_word(outcome),
                    end,
                })
            }
            (_, Some((end, outcome))) => Some(Anomaly::JobAfterTerminal {
                job,
                event: crate::intern::intern(event),
                outcome: outcome_word(outcome),
                end,
            }),
            (Some(p), None) => {
                let found =
                    (!is_video && lane.started_at.is_none()).then(|| Anomaly::JobEndWithoutStart {
                        job,
                        event: crate::intern::intern(event),
                    });
                lane.ended_at = Some(at);
                lane.outcome = terminal_outcome(p);
                set_state(lane, state, error);
                found
            }
            (None, None) => {
                lane.outcome = LaneOutcome::Running;
                set_state(lane, state, error);
                None
            }
        };
        if let Some(found) = found {
            self.note(anomalies, found);
        }
    }

    fn note(&mut self, anomalies: &mut Vec<Anomaly>, found: Anomaly) {
        if self.anomalies.len() == MAX_TIMELINE_ANOMALIES {
            self.anomalies.pop_front();
        }
        self.anomalies.push_back(found.clone());
        self.anomaly_count += 1;
        anomalies.push(found);
    }
}

fn set_state(lane: &mut Lane, state: Option<&str>, error: Option<&JobError>) {
    if let Some(state) = state
        && lane.state.as_deref() != Some(state)
    {
        lane.state = Some(state.to_owned());
    }
    if let Some(error) = error {
        lane.error = Some(error.into());
    }
}

fn terminal_outcome(phase: JobPhase) -> LaneOutcome {
    match phase {
        JobPhase::Started => LaneOutcome::Running,
        JobPhase::Succeeded => LaneOutcome::Succeeded,
        JobPhase::Failed => LaneOutcome::Failed,
    }
}

fn outcome_word(outcome: LaneOutcome) -> Outcome {
    match outcome {
        LaneOutcome::Succeeded => Outcome::Succeeded,
        LaneOutcome::Failed => Outcome::Failed,
        LaneOutcome::Running => Outcome::Running,
        LaneOutcome::NotSeen => Outcome::NotSeen,
    }
}

#[cfg(test)]
mod tests;
