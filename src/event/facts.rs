//! The vendor fields that analysis needs, pulled out of a body once by the decoders so that the
//! analysers (sequences, timelines) never parse JSON themselves.

use chrono::{DateTime, Utc};

/// What a decoder found in a recognised body.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Facts {
    /// Not a recognised vendor body (or not JSON).
    #[default]
    None,
    Wms(WmsFacts),
    Prism(PrismFacts),
    Video(VideoFacts),
}

/// A Nuralogix WMS event body: `{timestamp, sessionId, sequence, event, severity, payload}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WmsFacts {
    pub session_id: String,
    /// `sequence`, when it is a non-negative integer.
    pub sequence: Option<u64>,
    /// `event`, e.g. `INTERMEDIATE_RESULTS`.
    pub event: String,
    /// `timestamp`, Unix seconds.
    pub timestamp: Option<i64>,
    /// `payload.measurementId`.
    pub measurement_id: Option<String>,
    /// `payload.snr` of `INTERMEDIATE_RESULTS`.
    pub snr: Option<f64>,
    /// `payload.state` of `PAGE_VISIBILITY_CHANGE` (`VISIBLE` / `HIDDEN`).
    pub visibility: Option<String>,
    /// `payload.details` (`LOW_SNR`, `CAMERA_START_ERROR`…) or an API error code.
    pub details: Option<String>,
}

/// Which job of the Prism pipeline an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrismJob {
    CaptureDataValidation,
    BodyCreation,
    FittedBodyCreation,
    MeasurementsCreation,
    ScanProcessing,
    BodyShapePredictionProcessing,
    /// A Prism video generation (its id takes the place of the scan id).
    Video,
}

impl PrismJob {
    pub const SCAN_JOBS: [PrismJob; 6] = [
        PrismJob::CaptureDataValidation,
        PrismJob::BodyCreation,
        PrismJob::FittedBodyCreation,
        PrismJob::MeasurementsCreation,
        PrismJob::ScanProcessing,
        PrismJob::BodyShapePredictionProcessing,
    ];

    /// The event-type prefix, e.g. `fitted_body.creation`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrismJob::CaptureDataValidation => "capture_data.validation",
            PrismJob::BodyCreation => "body.creation",
            PrismJob::FittedBodyCreation => "fitted_body.creation",
            PrismJob::MeasurementsCreation => "measurements.creation",
            PrismJob::ScanProcessing => "scan.processing",
            PrismJob::BodyShapePredictionProcessing => "body_shape_prediction.processing",
            PrismJob::Video => "video",
        }
    }

    /// Asset jobs may only run once the capture data was valid.
    pub fn is_asset_job(self) -> bool {
        matches!(
            self,
            PrismJob::BodyCreation | PrismJob::FittedBodyCreation | PrismJob::MeasurementsCreation
        )
    }
}

/// Where in its job an event sits, from the event-type suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobPhase {
    Started,
    Succeeded,
    Failed,
}

impl JobPhase {
    pub fn is_terminal(self) -> bool {
        matches!(self, JobPhase::Succeeded | JobPhase::Failed)
    }
}

/// Where a documented Prism state sits in its job: what phase of event may carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateClass {
    Waiting,
    Running,
    Success,
    Failure,
}

impl StateClass {
    pub fn fits(self, phase: JobPhase) -> bool {
        match phase {
            JobPhase::Started => matches!(self, StateClass::Waiting | StateClass::Running),
            JobPhase::Succeeded => self == StateClass::Success,
            JobPhase::Failed => self == StateClass::Failure,
        }
    }
}

/// Prism's pipeline notification document, capture data event payloads: `state`.
/// `error` / `notificationError` of a Prism payload, or a video's error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobError {
    pub id: Option<i64>,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// A Prism scan, asset or Hosted API event: `{eventType, payload: {scanId, state, ...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrismFacts {
    pub scan_id: String,
    pub event_type: String,
    /// The job and phase, when the event type is a documented one.
    pub job: Option<(PrismJob, JobPhase)>,
    pub state: Option<String>,
    pub error: Option<JobError>,
    /// The state is a documented one that contradicts the event type's phase (a `.succeeded`
    /// event with `ASSET_FAILED`): the decoder's `state_mismatch`.
    pub state_contradicts: bool,
}

/// A Prism video event: `{event: "video.*", timestamp, data: {id, status, ...}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFacts {
    pub video_id: String,
    pub event: String,
    /// `video.completed` → Succeeded, `video.failed` → Failed; none for undocumented events.
    pub phase: Option<JobPhase>,
    pub status: Option<String>,
    pub timestamp: Option<DateTime<Utc>>,
    pub error: Option<JobError>,
    /// `data.status` is a documented one that contradicts the event (`video.completed` with
    /// `failed`): the decoder's `state_mismatch`.
    pub state_contradicts: bool,
}
