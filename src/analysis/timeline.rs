//! Prism timelines: one per scan id (a lane for each pipeline job) and one per video id (a single
//! lane), with start, end, duration, final state and error per lane, and the anomalies of a job's
//! life: an end without a start, a start after the end, repeated or contradicting endings, and
//! asset jobs running before the scan's capture data was valid. Also what a glance at a scan
//! needs beyond the pipeline: the re-sends of each job's events and when they came (to hold
//! against the documented retry schedule), a lane whose event type and state disagree, and a
//! job that started and has not ended for too long (`stuck`).

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::display_id;
use crate::event::anomaly::Outcome;
use crate::event::facts::{JobError, JobPhase, PrismFacts, PrismJob, VideoFacts};
use crate::event::{Anomaly, Redelivery};

/// Anomalies kept per timeline for its view (the latest); every one stays on its event.
pub const MAX_TIMELINE_ANOMALIES: usize = 32;

/// Re-send times kept per re-sent body: the three of the documented schedule and one more, to
/// show a sender that did not stop.
pub const MAX_RETRY_DELAYS: usize = 4;

/// A job started this long ago without an ending makes its scan `stuck`. Neither Prism document
/// gives a job's duration (the pipeline notification document says only that a `started` event
/// "is sent when a job starts and one of the latter two is sent when the job finishes"), so this
/// is hookscope's own default (`--stuck-after` changes it): well past the 35 s over which the Hosted API guide's sender may
/// still be re-sending a failed ending ("immediately upon failure, then again after 5 and then
/// 30 seconds"), and long for a pipeline job.
pub const STUCK_AFTER: Duration = Duration::from_secs(300);

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

/// A body of a job that was sent again (the same body: see `analysis::redelivery`), and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Retried {
    /// Its event type, e.g. `body.creation.failed`.
    pub event: String,
    /// Id of its first delivery.
    pub first_id: u64,
    /// Re-sends of it seen so far.
    pub resends: u32,
    /// When the first [`MAX_RETRY_DELAYS`] re-sends came, in milliseconds after the first
    /// delivery.
    pub delays_ms: Vec<f64>,
    /// When the latest re-send came, in milliseconds after the first delivery: how long the
    /// sender kept retrying.
    pub span_ms: f64,
}

impl Retried {
    /// How long the sender kept retrying.
    pub fn span(&self) -> Duration {
        Duration::from_secs_f64(self.span_ms.max(0.0) / 1000.0)
    }

    /// The time between each re-send and the delivery before it, in seconds, for the re-sends
    /// whose times are kept.
    pub fn gaps_s(&self) -> impl Iterator<Item = f64> + '_ {
        let mut previous = 0.0;
        self.delays_ms.iter().map(move |&d| {
            let gap = (d - previous).max(0.0) / 1000.0;
            previous = d;
            gap
        })
    }
}

/// An event whose documented state contradicts its type (`fitted_body.creation.succeeded` with
/// `ASSET_FAILED`), the one that gave its lane its outcome and state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contradiction {
    /// The event type, e.g. `fitted_body.creation.succeeded`.
    pub event: String,
    /// Its state, e.g. `ASSET_FAILED`.
    pub state: String,
}

impl Contradiction {
    /// What the event type says: `succeeded`, `failed`, `started`, `completed`.
    pub fn phase_word(&self) -> &str {
        self.event.rsplit('.').next().unwrap_or(&self.event)
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
    /// Re-sends of this job's events (included in `events`); they change nothing else.
    #[serde(default)]
    pub resent: u32,
    /// The body of this job re-sent most recently, and when its re-sends came (boxed: most
    /// lanes have none, and a timeline has six lanes).
    #[serde(default)]
    pub retried: Option<Box<Retried>>,
    /// Set while the event that gave the lane its outcome and state contradicts itself.
    #[serde(default)]
    pub contradiction: Option<Box<Contradiction>>,
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
            resent: 0,
            retried: None,
            contradiction: None,
        }
    }

    /// Counts a re-send of one of this job's bodies and keeps its time.
    fn resend(&mut self, event: &str, redelivery: &Redelivery) {
        self.resent = self.resent.saturating_add(1);
        let same = |t: &Retried| {
            redelivery.retry > 1 && t.first_id == redelivery.first_id && t.event == event
        };
        let retried = match &mut self.retried {
            Some(t) if same(t) => t,
            other => other.insert(Box::new(Retried {
                event: event.to_owned(),
                first_id: redelivery.first_id,
                resends: 0,
                delays_ms: Vec::with_capacity(MAX_RETRY_DELAYS),
                span_ms: 0.0,
            })),
        };
        retried.resends = retried.resends.saturating_add(1);
        if retried.delays_ms.len() < MAX_RETRY_DELAYS {
            retried.delays_ms.push(redelivery.delay_ms);
        }
        retried.span_ms = retried.span_ms.max(redelivery.delay_ms);
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
    /// Re-sends among `events` (on a lane or not).
    #[serde(default)]
    pub resent: u64,
}

/// A timeline at a glance, for the list of scans.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TimelineStatus<'a> {
    /// A job failed (the first such lane).
    Failed(&'a Lane),
    /// No job failed, but one's event type and state disagree (the first such lane).
    Contradicted(&'a Lane),
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
            resent: 0,
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
        } else if let Some(lane) = self.lanes.iter().find(|l| l.contradiction.is_some()) {
            TimelineStatus::Contradicted(lane)
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

    /// The job that has run longest without an ending, when that is `after` or more at `now`,
    /// and for how long. A job seen only by its ending (or a video's first event) has no start
    /// to count from.
    pub fn stuck(&self, now: DateTime<Utc>, after: Duration) -> Option<(&Lane, Duration)> {
        self.lanes
            .iter()
            .filter(|l| l.outcome == LaneOutcome::Running)
            .filter_map(|l| Some((l, (now - l.started_at?).to_std().ok()?)))
            .filter(|(_, running)| *running >= after)
            .max_by_key(|(_, running)| *running)
    }

    /// The lane whose re-sent body kept its sender retrying longest, with that body.
    pub fn retried(&self) -> Option<(&Lane, &Retried)> {
        self.lanes
            .iter()
            .filter_map(|l| Some((l, l.retried.as_deref()?)))
            .max_by(|a, b| a.1.span_ms.total_cmp(&b.1.span_ms))
    }

    /// From the first event to the last.
    pub fn span(&self) -> Duration {
        (self.last_seen - self.first_seen)
            .to_std()
            .unwrap_or(Duration::ZERO)
    }

    fn seen(&mut self, at: DateTime<Utc>, event: &str, resent: bool) {
        self.events += 1;
        if resent {
            self.resent += 1;
        }
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

    /// Takes one scan event. A redelivery (the same body again) is counted, and its time kept
    /// on its lane, but changes nothing else: the event it repeats was already applied, and
    /// re-sends after a failed answer are the documented behaviour, not a pipeline anomaly.
    pub(crate) fn observe_prism(
        &mut self,
        facts: &PrismFacts,
        at: DateTime<Utc>,
        redelivery: Option<&Redelivery>,
        anomalies: &mut Vec<Anomaly>,
    ) {
        self.seen(at, &facts.event_type, redelivery.is_some());
        let lane = facts.job.and_then(|(job, phase)| {
            let i = PrismJob::SCAN_JOBS.iter().position(|&j| j == job)?;
            Some((i, job, phase))
        });
        let Some((i, job, phase)) = lane else {
            self.other_events += 1;
            return;
        };
        self.lanes[i].events = self.lanes[i].events.saturating_add(1);
        if let Some(redelivery) = redelivery {
            self.lanes[i].resend(&facts.event_type, redelivery);
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
            Reported {
                state: facts.state.as_deref(),
                error: facts.error.as_ref(),
                contradicts: facts.state_contradicts,
            },
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
        redelivery: Option<&Redelivery>,
        anomalies: &mut Vec<Anomaly>,
    ) {
        self.seen(at, &facts.event, redelivery.is_some());
        let Some(lane) = self.lanes.first_mut() else {
            return;
        };
        lane.events = lane.events.saturating_add(1);
        if let Some(redelivery) = redelivery {
            lane.resend(&facts.event, redelivery);
            return;
        }
        // A video announces no start: its lane begins at its first event.
        if lane.started_at.is_none() && lane.outcome == LaneOutcome::NotSeen {
            lane.started_at = Some(at);
        }
        self.apply(
            0,
            facts.phase,
            Reported {
                state: facts.status.as_deref(),
                error: facts.error.as_ref(),
                contradicts: facts.state_contradicts,
            },
            at,
            &facts.event,
            anomalies,
        );
    }

    fn apply(
        &mut self,
        i: usize,
        phase: Option<JobPhase>,
        reported: Reported<'_>,
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
                set_state(lane, &reported, event);
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
                set_state(lane, &reported, event);
                found
            }
            (None, None) => {
                lane.outcome = LaneOutcome::Running;
                set_state(lane, &reported, event);
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

/// What an event says of its job besides its type.
struct Reported<'a> {
    state: Option<&'a str>,
    error: Option<&'a JobError>,
    /// The state is documented and contradicts the type.
    contradicts: bool,
}

/// The lane takes the state, error and (dis)agreement of the event `event` that moved it.
fn set_state(lane: &mut Lane, reported: &Reported<'_>, event: &str) {
    if let Some(state) = reported.state
        && lane.state.as_deref() != Some(state)
    {
        lane.state = Some(state.to_owned());
    }
    if let Some(error) = reported.error {
        lane.error = Some(error.into());
    }
    lane.contradiction = match (reported.contradicts, reported.state) {
        (true, Some(state)) => Some(Box::new(Contradiction {
            event: event.to_owned(),
            state: state.to_owned(),
        })),
        _ => None,
    };
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
