//! What an anomaly is: a stable code and the few values its sentence needs. The sentence for
//! people is composed only when an anomaly is shown or exported, so that handling a request
//! costs no formatting however many anomalies it has. Every code hookscope produces is here;
//! an anomaly read back from an export keeps the code and sentence it was written with.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::event::facts::{JobPhase, PrismJob, StateClass};
use crate::intern::SharedStr;

pub const MALFORMED_JSON: &str = "malformed_json";
pub const BODY_TOO_LARGE: &str = "body_too_large";
pub const BUSY: &str = "busy";
pub const LOG_WRITE_FAILED: &str = "log_write_failed";
pub const WMS_ASCII_MISMATCH: &str = "wms_ascii_mismatch";
pub const TEMPLATE_VALUE_MISSING: &str = "template_value_missing";
pub const ANSWER_TOO_SLOW: &str = "answer_too_slow";

pub const UNKNOWN_EVENT: &str = "unknown_event";
pub const SEVERITY_MISMATCH: &str = "severity_mismatch";
pub const STATE_MISMATCH: &str = "state_mismatch";
pub const UNKNOWN_STATE: &str = "unknown_state";
pub const MISSING_FIELD: &str = "missing_field";
pub const WRONG_TYPE: &str = "wrong_type";
pub const INVALID_VALUE: &str = "invalid_value";
pub const BODY_NOT_OBJECT: &str = "body_not_object";
pub const FAILURE_WITHOUT_ERROR: &str = "failure_without_error";
pub const ERROR_WITHOUT_FAILURE: &str = "error_without_failure";
pub const ERROR_FIELD_NAME: &str = "error_field_name";
pub const SIGNATURE_HEADER_MISMATCH: &str = "signature_header_mismatch";

pub const SEQUENCE_GAP: &str = "sequence_gap";
pub const SEQUENCE_LATE: &str = "sequence_late";
pub const SEQUENCE_DUPLICATE: &str = "sequence_duplicate";
pub const SEQUENCE_RESTART: &str = "sequence_restart";
pub const SEQUENCE_CONFLICT: &str = "sequence_conflict";
pub const SEQUENCE_UNTRACKED: &str = "sequence_untracked";
pub const TIMESTAMP_BACKWARDS: &str = "timestamp_backwards";

pub const ASSET_BEFORE_VALID: &str = "asset_before_valid";
pub const JOB_START_AFTER_END: &str = "job_start_after_end";
pub const JOB_REPEATED_TERMINAL: &str = "job_repeated_terminal";
pub const JOB_AFTER_TERMINAL: &str = "job_after_terminal";
pub const JOB_END_WITHOUT_START: &str = "job_end_without_start";

/// Every code hookscope produces, in the order above: what `anomaly:CODE` may name.
pub const CODES: [&str; 31] = [
    MALFORMED_JSON,
    BODY_TOO_LARGE,
    BUSY,
    LOG_WRITE_FAILED,
    WMS_ASCII_MISMATCH,
    TEMPLATE_VALUE_MISSING,
    ANSWER_TOO_SLOW,
    UNKNOWN_EVENT,
    SEVERITY_MISMATCH,
    STATE_MISMATCH,
    UNKNOWN_STATE,
    MISSING_FIELD,
    WRONG_TYPE,
    INVALID_VALUE,
    BODY_NOT_OBJECT,
    FAILURE_WITHOUT_ERROR,
    ERROR_WITHOUT_FAILURE,
    ERROR_FIELD_NAME,
    SIGNATURE_HEADER_MISMATCH,
    SEQUENCE_GAP,
    SEQUENCE_LATE,
    SEQUENCE_DUPLICATE,
    SEQUENCE_RESTART,
    SEQUENCE_CONFLICT,
    SEQUENCE_UNTRACKED,
    TIMESTAMP_BACKWARDS,
    ASSET_BEFORE_VALID,
    JOB_START_AFTER_END,
    JOB_REPEATED_TERMINAL,
    JOB_AFTER_TERMINAL,
    JOB_END_WITHOUT_START,
];

/// Something about an event that a person debugging the integration should know: one variant
/// per sentence, carrying what the sentence quotes. `code()` is short and stable, for filters
/// and scripts; `message()` is the sentence for people.
#[derive(Debug, Clone)]
pub enum Anomaly {
    /// Known only by its code and sentence: read back from an export.
    Text(Box<TextAnomaly>),

    MalformedJson,
    BodyTooLarge,
    Busy,
    LogWriteFailed {
        error: Box<str>,
        answered: u16,
        planned: u16,
    },
    WmsAsciiMismatch {
        header: &'static str,
    },
    /// A template of the answer rule named a value the request does not have (as written in
    /// the rule, e.g. `json.notification.challenge`); it was answered empty there.
    TemplateValueMissing {
        rule: SharedStr,
        source: Box<str>,
    },
    /// Answered later than the answer rule's `warn_after` (a sender's documented deadline).
    AnswerTooSlow {
        took_ms: u32,
        limit_ms: u32,
        rule: SharedStr,
    },

    MissingField {
        field: Field,
    },
    /// The value itself is never quoted: it may be a credential.
    WrongType {
        field: Field,
        found: JsonType,
        expected: Expected,
    },
    EmptyString {
        field: Field,
    },
    NotWholeInRange {
        field: Field,
    },
    BodyNotObject {
        signed: Signed,
        found: BodyFound,
    },
    ShapedButWmsHeader {
        provider: &'static str,
        header: &'static &'static str,
    },
    WmsWithPrismHeader {
        header: &'static &'static str,
    },

    WmsUnknownEvent {
        name: Quoted,
        near: Option<&'static &'static str>,
    },
    WmsSeverityWord {
        word: Quoted,
    },
    WmsSeverityWordOf {
        word: Quoted,
        event: &'static &'static str,
        documented: Level,
    },
    WmsSeverityMismatch {
        event: &'static &'static str,
        documented: Level,
        declared: Level,
    },
    NotWholeSequence {
        under: Under,
        number: serde_json::Number,
    },
    TimestampMilliseconds,
    TimestampNegative,
    WmsVisibility {
        state: Quoted,
    },

    PrismUnknownEvent {
        name: Quoted,
        job: Option<PrismJob>,
    },
    PrismUnknownState {
        state: Quoted,
    },
    PrismForeignState {
        state: Quoted,
        job: PrismJob,
        owner: Option<PrismJob>,
    },
    PrismStateMismatch {
        phase: JobPhase,
        state: &'static &'static str,
        states: &'static [(&'static str, StateClass)],
    },
    FailureWithoutError {
        field: ErrorField,
    },
    ErrorFieldName {
        found: ErrorField,
        job: Option<PrismJob>,
        documented: ErrorField,
    },
    ErrorWithoutFailure {
        phase: JobPhase,
        field: ErrorField,
    },

    VideoUnknownEvent {
        name: Quoted,
    },
    VideoTimestamp {
        text: Quoted,
    },
    VideoUnknownStatus {
        status: Quoted,
    },
    VideoStateMismatch {
        event: &'static &'static str,
        status: Quoted,
    },
    VideoCompletedWithError,

    SequenceStartedLate {
        seq: u64,
    },
    SequenceJump {
        highest: u64,
        seq: u64,
    },
    SequenceLate {
        seq: u64,
        highest: u64,
        still_missing: u64,
    },
    SequenceDuplicate {
        seq: u64,
    },
    SequenceRestart {
        highest: u64,
    },
    SequenceConflict {
        seq: u64,
    },
    SequenceUntracked {
        seq: u64,
        remembered: u64,
    },
    /// Boxed: four numbers would make every anomaly larger, and this one is rare.
    TimestampBackwards(Box<Backwards>),

    AssetBeforeValid {
        job: PrismJob,
        phase: JobPhase,
        scan: SharedStr,
    },
    JobStartAfterEnd {
        event: SharedStr,
        outcome: Outcome,
        end: DateTime<Utc>,
    },
    JobRepeatedTerminal {
        job: PrismJob,
        event: SharedStr,
        outcome: Outcome,
        end: DateTime<Utc>,
    },
    JobAfterTerminal {
        job: PrismJob,
        event: SharedStr,
        outcome: Outcome,
        end: DateTime<Utc>,
    },
    JobEndWithoutStart {
        job: PrismJob,
        event: SharedStr,
    },
}

/// An anomaly as written in an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextAnomaly {
    pub code: String,
    pub message: String,
}

/// Sequence `seq`'s timestamp against the nearest remembered number `other` below (`later`
/// false: `seq`'s is earlier) or above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backwards {
    pub seq: u64,
    pub timestamp: i64,
    pub other: u64,
    pub other_timestamp: i64,
    pub later: bool,
}

impl Anomaly {
    /// An anomaly known by its code and sentence alone.
    pub fn text(code: impl Into<String>, message: impl Into<String>) -> Anomaly {
        Anomaly::Text(Box::new(TextAnomaly {
            code: code.into(),
            message: message.into(),
        }))
    }

    pub fn code(&self) -> &str {
        match self {
            Anomaly::Text(text) => &text.code,
            Anomaly::MalformedJson => MALFORMED_JSON,
            Anomaly::BodyTooLarge => BODY_TOO_LARGE,
            Anomaly::Busy => BUSY,
            Anomaly::LogWriteFailed { .. } => LOG_WRITE_FAILED,
            Anomaly::WmsAsciiMismatch { .. } => WMS_ASCII_MISMATCH,
            Anomaly::TemplateValueMissing { .. } => TEMPLATE_VALUE_MISSING,
            Anomaly::AnswerTooSlow { .. } => ANSWER_TOO_SLOW,
            Anomaly::MissingField { .. } => MISSING_FIELD,
            Anomaly::WrongType { .. } => WRONG_TYPE,
            Anomaly::EmptyString { .. }
            | Anomaly::NotWholeInRange { .. }
            | Anomaly::WmsSeverityWord { .. }
            | Anomaly::WmsSeverityWordOf { .. }
            | Anomaly::NotWholeSequence { .. }
            | Anomaly::TimestampMilliseconds
            | Anomaly::TimestampNegative
            | Anomaly::VideoTimestamp { .. } => INVALID_VALUE,
            Anomaly::BodyNotObject { .. } => BODY_NOT_OBJECT,
            Anomaly::ShapedButWmsHeader { .. } | Anomaly::WmsWithPrismHeader { .. } => {
                SIGNATURE_HEADER_MISMATCH
            }
            Anomaly::WmsUnknownEvent { .. }
            | Anomaly::PrismUnknownEvent { .. }
            | Anomaly::VideoUnknownEvent { .. } => UNKNOWN_EVENT,
            Anomaly::WmsSeverityMismatch { .. } => SEVERITY_MISMATCH,
            Anomaly::WmsVisibility { .. }
            | Anomaly::PrismUnknownState { .. }
            | Anomaly::PrismForeignState { .. }
            | Anomaly::VideoUnknownStatus { .. } => UNKNOWN_STATE,
            Anomaly::PrismStateMismatch { .. } | Anomaly::VideoStateMismatch { .. } => {
                STATE_MISMATCH
            }
            Anomaly::FailureWithoutError { .. } => FAILURE_WITHOUT_ERROR,
            Anomaly::ErrorFieldName { .. } => ERROR_FIELD_NAME,
            Anomaly::ErrorWithoutFailure { .. } | Anomaly::VideoCompletedWithError => {
                ERROR_WITHOUT_FAILURE
            }
            Anomaly::SequenceStartedLate { .. } | Anomaly::SequenceJump { .. } => SEQUENCE_GAP,
            Anomaly::SequenceLate { .. } => SEQUENCE_LATE,
            Anomaly::SequenceDuplicate { .. } => SEQUENCE_DUPLICATE,
            Anomaly::SequenceRestart { .. } => SEQUENCE_RESTART,
            Anomaly::SequenceConflict { .. } => SEQUENCE_CONFLICT,
            Anomaly::SequenceUntracked { .. } => SEQUENCE_UNTRACKED,
            Anomaly::TimestampBackwards(_) => TIMESTAMP_BACKWARDS,
            Anomaly::AssetBeforeValid { .. } => ASSET_BEFORE_VALID,
            Anomaly::JobStartAfterEnd { .. } => JOB_START_AFTER_END,
            Anomaly::JobRepeatedTerminal { .. } => JOB_REPEATED_TERMINAL,
            Anomaly::JobAfterTerminal { .. } => JOB_AFTER_TERMINAL,
            Anomaly::JobEndWithoutStart { .. } => JOB_END_WITHOUT_START,
        }
    }

    /// The sentence for people, composed now.
    pub fn message(&self) -> String {
        match self {
            Anomaly::Text(text) => text.message.clone(),
            other => other.to_string(),
        }
    }
}

/// Writes the sentence (`message()`).
impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anomaly::Text(text) => f.write_str(&text.message),
            Anomaly::MalformedJson => {
                f.write_str("The body is meant to be JSON but does not parse; it is kept as sent.")
            }
            Anomaly::BodyTooLarge => f.write_str(
                "The body was over the size limit: answered 413, only its first bytes kept.",
            ),
            Anomaly::AnswerTooSlow {
                took_ms,
                limit_ms,
                rule,
            } => write!(
                f,
                "Answered after {:.1} s; rule '{rule}' expects an answer within {:.1} s (the \
                 sender may give up and count the delivery as failed).",
                f64::from(*took_ms) / 1000.0,
                f64::from(*limit_ms) / 1000.0
            ),
            Anomaly::TemplateValueMissing { rule, source } => write!(
                f,
                "The answer of rule '{rule}' asks for {{{{{source}}}}}, which this request does \
                 not have: it was answered empty there."
            ),
            Anomaly::Busy => f.write_str(
                "Too many bodies were being read at once (over --max-in-flight): answered \
                 503 so that the sender retries; only the bytes read before are kept.",
            ),
            Anomaly::LogWriteFailed {
                error,
                answered,
                planned,
            } => write!(
                f,
                "The JSON Lines log could not be written ({error}): the sender was answered \
                 {answered} instead of {planned}, so that it sends the event again."
            ),
            Anomaly::WmsAsciiMismatch { header } => write!(
                f,
                "{header} matches the raw body bytes, but the vendor's sample \
                 recipient code (which hashes the body as 'ascii') would reject \
                 this event because the body has non-ASCII characters."
            ),
            Anomaly::MissingField { field } => write!(f, "`{field}` is missing."),
            Anomaly::WrongType {
                field,
                found,
                expected,
            } => write!(
                f,
                "`{field}` is {}, expected {}.",
                found.as_str(),
                expected.as_str()
            ),
            Anomaly::EmptyString { field } => write!(f, "`{field}` is an empty string."),
            Anomaly::NotWholeInRange { field } => {
                write!(f, "`{field}` is not a whole number in range.")
            }
            Anomaly::BodyNotObject { signed, found } => {
                write!(f, "Signed like {} but the body is ", signed.provider())?;
                match found {
                    BodyFound::Json(json) => f.write_str(json.as_str())?,
                    BodyFound::Kind(kind) => write!(f, "a body of kind {kind}")?,
                }
                write!(
                    f,
                    ", not a JSON object: {} are all missing.",
                    signed.body_fields()
                )
            }
            Anomaly::ShapedButWmsHeader { provider, header } => write!(
                f,
                "The body is shaped as {provider} but the request carries {header}."
            ),
            Anomaly::WmsWithPrismHeader { header } => {
                write!(f, "The request is WMS but carries {header}.")
            }
            Anomaly::WmsUnknownEvent { name, near } => match near {
                Some(near) => write!(
                    f,
                    "{name} is not a documented WMS event; did the sender mean {near}?"
                ),
                None => write!(f, "{name} is not one of the 21 documented WMS events."),
            },
            Anomaly::WmsSeverityWord { word } => write!(
                f,
                "`severity` {word} is not INFO, WARN or ERROR; WARN is used."
            ),
            Anomaly::WmsSeverityWordOf {
                word,
                event,
                documented,
            } => write!(
                f,
                "`severity` {word} is not INFO, WARN or ERROR; the documented {} of {event} is \
                 used.",
                documented.as_str()
            ),
            Anomaly::WmsSeverityMismatch {
                event,
                documented,
                declared,
            } => write!(
                f,
                "{event} is documented as {} but came as {}.",
                documented.as_str(),
                declared.as_str()
            ),
            Anomaly::NotWholeSequence { under, number } => write!(
                f,
                "`{}sequence` is {number}, not a non-negative whole number.",
                under.prefix()
            ),
            Anomaly::TimestampMilliseconds => f.write_str(
                "`timestamp` is too large for Unix seconds; it looks like milliseconds.",
            ),
            Anomaly::TimestampNegative => {
                f.write_str("`timestamp` is negative, before 1970: not a plausible send time.")
            }
            Anomaly::WmsVisibility { state } => {
                write!(f, "`payload.state` {state} is neither VISIBLE nor HIDDEN.")
            }
            Anomaly::PrismUnknownEvent { name, job } => match job {
                Some(job) => write!(
                    f,
                    "{name} is not a documented Prism event: {} events end in .started, \
                     .succeeded or .failed.",
                    job.as_str()
                ),
                None => write!(f, "{name} is not a documented Prism event type."),
            },
            Anomaly::PrismUnknownState { state } => {
                write!(f, "{state} is not a documented Prism state.")
            }
            Anomaly::PrismForeignState { state, job, owner } => {
                write!(
                    f,
                    "{state} is not a documented state of {} events",
                    job.as_str()
                )?;
                if let Some(owner) = owner {
                    write!(f, " (it belongs to {} events)", owner.as_str())?;
                }
                f.write_str(".")
            }
            Anomaly::PrismStateMismatch {
                phase,
                state,
                states,
            } => {
                write!(
                    f,
                    "A {} event carries {state}; its documented states are ",
                    phase_word(*phase)
                )?;
                let fitting = states.iter().filter(|(_, class)| class.fits(*phase));
                for (i, (name, _)) in fitting.enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    f.write_str(name)?;
                }
                f.write_str(".")
            }
            Anomaly::FailureWithoutError { field } => write!(
                f,
                "The job failed but `payload.{}` does not say why.",
                field.as_str()
            ),
            Anomaly::ErrorFieldName {
                found,
                job,
                documented,
            } => write!(
                f,
                "The error is in `payload.{}`; {} events document `payload.{}`.",
                found.as_str(),
                job.map_or("these", PrismJob::as_str),
                documented.as_str()
            ),
            Anomaly::ErrorWithoutFailure { phase, field } => write!(
                f,
                "A {} event carries `payload.{}`, which belongs to failures.",
                phase_word(*phase),
                field.as_str()
            ),
            Anomaly::VideoUnknownEvent { name } => write!(
                f,
                "{name} is not a documented video event (video.completed, video.failed)."
            ),
            Anomaly::VideoTimestamp { text } => {
                write!(f, "`timestamp` {text} is not an RFC 3339 time.")
            }
            Anomaly::VideoUnknownStatus { status } => write!(
                f,
                "`data.status` {status} is not a documented video status."
            ),
            Anomaly::VideoStateMismatch { event, status } => {
                write!(f, "A {event} event carries status {status}.")
            }
            Anomaly::VideoCompletedWithError => {
                f.write_str("A video.completed event carries `data.error`.")
            }
            Anomaly::SequenceStartedLate { seq } => {
                let missing = *seq;
                write!(f, "The session was first seen at sequence {seq}, so ")?;
                write_range(f, 0, seq - 1)?;
                write!(
                    f,
                    " ({}) {} missing; hookscope may have started late, after the session \
                     began.",
                    crate::words::count(missing, "event"),
                    if missing == 1 { "is" } else { "are" }
                )
            }
            Anomaly::SequenceJump { highest, seq } => {
                write!(f, "The sequence jumped from {highest} to {seq}: ")?;
                write_range(f, highest + 1, seq - 1)?;
                write!(
                    f,
                    " missing ({}).",
                    crate::words::count(seq - 1 - highest, "event")
                )
            }
            Anomaly::SequenceLate {
                seq,
                highest,
                still_missing,
            } => write!(
                f,
                "Sequence {seq} arrived late, after {highest}: it fills a gap ({still_missing} \
                 still missing)."
            ),
            Anomaly::SequenceDuplicate { seq } => write!(
                f,
                "Sequence {seq} came again with the same body: a redelivery."
            ),
            Anomaly::SequenceRestart { highest } => write!(
                f,
                "The sequence started again at 0 after reaching {highest}: the session began \
                 again under the same id."
            ),
            Anomaly::SequenceConflict { seq } => write!(
                f,
                "Sequence {seq} came again with a different body: two events share one number."
            ),
            Anomaly::SequenceUntracked { seq, remembered } => write!(
                f,
                "Sequence {seq} came again, but it is too old to compare bodies (only the \
                 latest {remembered} numbers are remembered); counted as a duplicate."
            ),
            Anomaly::TimestampBackwards(b) => write!(
                f,
                "Sequence {} has timestamp {}, {} than sequence {}'s {}.",
                b.seq,
                b.timestamp,
                if b.later { "later" } else { "earlier" },
                b.other,
                b.other_timestamp
            ),
            Anomaly::AssetBeforeValid { job, phase, scan } => {
                let what = match phase {
                    JobPhase::Started => "started",
                    JobPhase::Succeeded => "succeeded",
                    JobPhase::Failed => "failed",
                };
                write!(
                    f,
                    "{} {what} before capture data was valid for scan {scan} (no \
                     capture_data.validation.succeeded yet).",
                    job.as_str()
                )
            }
            Anomaly::JobStartAfterEnd {
                event,
                outcome,
                end,
            } => write!(
                f,
                "{event} arrived after the job had already ended ({} at {}).",
                outcome.as_str(),
                end.format("%H:%M:%S%.3f")
            ),
            Anomaly::JobRepeatedTerminal {
                job,
                event,
                outcome,
                end,
            } => write!(
                f,
                "{} ended again ({event}); it had already {} at {}.",
                job.as_str(),
                outcome.as_str(),
                end.format("%H:%M:%S%.3f")
            ),
            Anomaly::JobAfterTerminal {
                job,
                event,
                outcome,
                end,
            } => write!(
                f,
                "{event} came after {} had already ended ({} at {}).",
                job.as_str(),
                outcome.as_str(),
                end.format("%H:%M:%S%.3f")
            ),
            Anomaly::JobEndWithoutStart { job, event } => write!(
                f,
                "{event} came with no {}.started before it.",
                job.as_str()
            ),
        }
    }
}

/// A range of sequence numbers as the sequence analysis writes it: `4`, or `2-3`.
fn write_range(f: &mut fmt::Formatter<'_>, first: u64, last: u64) -> fmt::Result {
    if first == last {
        write!(f, "{first}")
    } else {
        write!(f, "{first}-{last}")
    }
}

fn phase_word(phase: JobPhase) -> &'static str {
    match phase {
        JobPhase::Started => ".started",
        JobPhase::Succeeded => ".succeeded",
        JobPhase::Failed => ".failed",
    }
}

/// Two anomalies are the same when they say the same: one read back from an export equals the
/// one it was written from.
impl PartialEq for Anomaly {
    fn eq(&self, other: &Anomaly) -> bool {
        self.code() == other.code() && self.message() == other.message()
    }
}

impl Eq for Anomaly {}

impl Serialize for Anomaly {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Anomaly", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.message())?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for Anomaly {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        TextAnomaly::deserialize(deserializer).map(|text| Anomaly::Text(Box::new(text)))
    }
}

/// A field of a vendor body, written as its path: `payload.scanId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub under: Under,
    pub name: &'static str,
}

impl Field {
    pub const fn top(name: &'static str) -> Field {
        Field {
            under: Under::Top,
            name,
        }
    }

    pub const fn payload(name: &'static str) -> Field {
        Field {
            under: Under::Payload,
            name,
        }
    }

    pub const fn data(name: &'static str) -> Field {
        Field {
            under: Under::Data,
            name,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.under.prefix())?;
        f.write_str(self.name)
    }
}

/// The object a field sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Under {
    Top,
    Payload,
    Data,
    PayloadError,
    PayloadNotificationError,
}

impl Under {
    pub fn prefix(self) -> &'static str {
        match self {
            Under::Top => "",
            Under::Payload => "payload.",
            Under::Data => "data.",
            Under::PayloadError => "payload.error.",
            Under::PayloadNotificationError => "payload.notificationError.",
        }
    }
}

/// The two names of a Prism error object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorField {
    Error,
    NotificationError,
}

impl ErrorField {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorField::Error => "error",
            ErrorField::NotificationError => "notificationError",
        }
    }

    /// The object holding this error's own fields.
    pub fn under(self) -> Under {
        match self {
            ErrorField::Error => Under::PayloadError,
            ErrorField::NotificationError => Under::PayloadNotificationError,
        }
    }
}

/// The JSON type of a value, with its article, as messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Bool => "a boolean",
            JsonType::Number => "a number",
            JsonType::String => "a string",
            JsonType::Array => "an array",
            JsonType::Object => "an object",
        }
    }
}

/// What a field should have been.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    String,
    Object,
    Number,
    WholeNumber,
    UnixSeconds,
    ErrorObject,
}

impl Expected {
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::String => "a string",
            Expected::Object => "an object",
            Expected::Number => "a number",
            Expected::WholeNumber => "a non-negative whole number",
            Expected::UnixSeconds => "a number of Unix seconds",
            Expected::ErrorObject => "an object {id, code, message}",
        }
    }
}

/// A vendor named by its signature header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    Wms,
    PrismVideo,
}

impl Signed {
    /// The provider's name, as `Provider::as_str` spells it.
    pub fn provider(self) -> &'static str {
        match self {
            Signed::Wms => "wms",
            Signed::PrismVideo => "prism_video",
        }
    }

    /// The top-level fields the vendor documents for its body.
    pub fn body_fields(self) -> &'static str {
        match self {
            Signed::Wms => "timestamp, sessionId, sequence, event and severity",
            Signed::PrismVideo => "event, timestamp and data",
        }
    }
}

/// What a body that is not a JSON object is instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFound {
    Json(JsonType),
    /// A body kind's name, for a body that is not JSON.
    Kind(&'static str),
}

/// A WMS severity word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// Where a job's lane stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    Running,
    NotSeen,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Running => "running",
            Outcome::NotSeen => "not seen",
        }
    }
}

/// A value from the body, quoted when shown: escaped, and cut short so that one odd body
/// cannot make an anomaly list unreadable. Only what the quote can show is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted(Box<str>);

/// Characters of a body value a message quotes.
const MAX_QUOTED_CHARS: usize = 60;

impl Quoted {
    pub fn new(text: &str) -> Quoted {
        // One character past the cut is kept, so that the quote still knows it was cut.
        let kept = match text.char_indices().nth(MAX_QUOTED_CHARS + 1) {
            Some((end, _)) => &text[..end],
            None => text,
        };
        Quoted(kept.into())
    }
}

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = &*self.0;
        match text.char_indices().nth(MAX_QUOTED_CHARS) {
            Some((cut, _)) => write!(f, "{:?}…", &text[..cut]),
            None => write!(f, "{text:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once() {
        // Each `pub const NAME: &str = "code";` of this file is a code, and `CODES` holds them.
        let source = include_str!("anomaly.rs");
        let declared: Vec<&str> = source
            .lines()
            .filter_map(|line| line.strip_prefix("pub const "))
            .filter_map(|rest| rest.split_once(": &str = \""))
            .filter_map(|(_, value)| value.strip_suffix("\";"))
            .collect();
        assert_eq!(declared.len(), CODES.len());
        for code in &declared {
            assert_eq!(CODES.iter().filter(|c| *c == code).count(), 1, "{code}");
        }
    }

    #[test]
    fn an_anomaly_stays_small() {
        assert!(
            std::mem::size_of::<Anomaly>() <= 32,
            "{}",
            std::mem::size_of::<Anomaly>()
        );
    }

    #[test]
    fn quotes_escape_and_cut() {
        assert_eq!(Quoted::new("a\"b").to_string(), "\"a\\\"b\"");
        assert_eq!(Quoted::new("\u{1b}[2J").to_string(), "\"\\u{1b}[2J\"");
        let long = "é".repeat(100);
        let quoted = Quoted::new(&long).to_string();
        assert!(quoted.ends_with('…'));
        assert_eq!(quoted.chars().filter(|c| *c == 'é').count(), 60);
        let exact = "é".repeat(60);
        assert!(!Quoted::new(&exact).to_string().ends_with('…'));
    }

    #[test]
    fn text_anomalies_keep_their_code_and_sentence() {
        let read = Anomaly::text("anything", "As written.");
        assert_eq!(read.code(), "anything");
        assert_eq!(read.message(), "As written.");
        assert_eq!(Anomaly::text(BUSY, Anomaly::Busy.message()), Anomaly::Busy);
    }
}
