//! The `--jsonl` log: one line per event, appended in id order, and how writing it goes.
//!
//! Lines are queued as events are stored and written in batches: whoever needs a line written
//! takes every line queued so far, so under load one write carries many lines. A line that
//! cannot be written (a full disk, a closed pipe) is not retried; the ids it concerned are
//! handed to the caller, which decides what their senders are told. Every later batch tries the
//! log again, so a log that recovers (space freed) takes the next events as usual; a line cut
//! off by a failure, or found so when an existing log is opened, is ended first, so that the
//! next starts on its own line.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::line;
use crate::event::CapturedEvent;

/// Where `--jsonl` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonlTarget {
    Stdout,
    File(PathBuf),
}

enum JsonlSink {
    Stdout,
    File(File),
    /// Any writer, for tests that make writes fail and recover at will.
    #[cfg(test)]
    Test(Box<dyn Write + Send>),
}

impl JsonlSink {
    /// Writes whole lines; on failure, says how many of their bytes got out before it.
    fn write_lines(&mut self, lines: &[u8]) -> Result<(), (usize, io::Error)> {
        match self {
            // Whole lines in as few calls as the kernel allows: it has them (and a crash of this
            // process cannot lose them) as soon as each returns.
            JsonlSink::File(file) => write_counted(file, lines),
            // Standard output buffers, so what got out before a failure is unknown: nothing is
            // counted as written (a line twice in the output rather than an answered one missing).
            JsonlSink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(lines)
                    .and_then(|()| out.flush())
                    .map_err(|e| (0, e))
            }
            #[cfg(test)]
            JsonlSink::Test(out) => write_counted(out, lines),
        }
    }
}

/// `write_all`, but telling how far it got when it fails.
fn write_counted(out: &mut impl Write, bytes: &[u8]) -> Result<(), (usize, io::Error)> {
    let mut done = 0;
    while done < bytes.len() {
        match out.write(&bytes[done..]) {
            Ok(0) => return Err((done, io::ErrorKind::WriteZero.into())),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err((done, e)),
        }
    }
    Ok(())
}

/// The JSON Lines log: lines queued in id order, and the file they go to.
pub struct JsonlLog {
    queued: Mutex<Queued>,
    /// Held while writing, so that batches reach the file in order.
    writer: Mutex<Writer>,
    /// The id of the last event whose line is written (or whose write failed).
    written: AtomicU64,
    /// Set at the first failed write; until then no answer needs to look at `health`.
    any_failed: AtomicBool,
    health: Mutex<Health>,
}

#[derive(Default)]
struct Queued {
    lines: Vec<u8>,
    /// The ids of the first and the last event in `lines` (consecutive: ids are given out and
    /// lines queued under the same lock).
    first: u64,
    last: u64,
}

struct Writer {
    sink: JsonlSink,
    /// The buffer that changes places with the queue on each write, so neither reallocates.
    spare: Vec<u8>,
    /// The log ends in the middle of a line (cut off by a failed write, or found so on
    /// opening): the next write ends it first.
    mid_line: bool,
}

/// How writing the log went, for the interface and the headless output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogHealth {
    /// The latest write failed: requests are answered 503 until a write succeeds again.
    pub failing: bool,
    /// Events whose line is not in the log (each was answered 503).
    pub not_logged: u64,
    /// The latest error, as a sentence.
    pub error: Option<String>,
}

#[derive(Default)]
struct Health {
    /// Ids of events whose line could not be written: ascending, disjoint ranges, adjacent ones
    /// merged (a log that stays full is one range).
    failed: Vec<(u64, u64)>,
    state: LogHealth,
}

impl Health {
    fn add_failed(&mut self, first: u64, last: u64) {
        match self.failed.last_mut() {
            Some(range) if range.1.checked_add(1) == Some(first) => range.1 = last,
            _ => self.failed.push((first, last)),
        }
        self.state.not_logged += last - first + 1;
    }

    fn is_failed(&self, id: u64) -> bool {
        let after = self.failed.partition_point(|&(first, _)| first <= id);
        after > 0 && self.failed[after - 1].1 >= id
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Drop for JsonlLog {
    fn drop(&mut self) {
        self.write_through(u64::MAX, |_, _, _| {});
    }
}

/// Past this, a buffer left behind by a burst is let go rather than kept for the next batch.
const KEEP_BUFFER: usize = 1 << 20;

impl JsonlLog {
    /// A log on standard output.
    pub fn stdout() -> JsonlLog {
        JsonlLog::new(JsonlSink::Stdout, false)
    }

    /// A log appended to the file at `path` (created if missing).
    pub fn append_to(path: &Path) -> io::Result<JsonlLog> {
        let (file, mid_line) = open_append(path)?;
        Ok(JsonlLog::new(JsonlSink::File(file), mid_line))
    }

    /// A log to any writer, for tests that make writes fail and recover at will.
    #[cfg(test)]
    pub(crate) fn to_writer(out: Box<dyn Write + Send>) -> JsonlLog {
        JsonlLog::new(JsonlSink::Test(out), false)
    }

    fn new(sink: JsonlSink, mid_line: bool) -> JsonlLog {
        JsonlLog {
            queued: Mutex::new(Queued::default()),
            writer: Mutex::new(Writer {
                sink,
                spare: Vec::new(),
                mid_line,
            }),
            written: AtomicU64::new(0),
            any_failed: AtomicBool::new(false),
            health: Mutex::new(Health::default()),
        }
    }

    /// Queues the line of `event`; events must come in id order.
    pub fn queue(&self, event: &CapturedEvent) {
        let mut queued = lock(&self.queued);
        if queued.lines.is_empty() {
            queued.first = event.id;
        }
        // Writing into a Vec cannot fail.
        let _ = line::push_event(&mut queued.lines, event);
        queued.lines.push(b'\n');
        queued.last = event.id;
    }

    /// Whether the write that carries event `id`'s line is over (whatever its outcome).
    pub fn is_written(&self, id: u64) -> bool {
        self.written.load(Ordering::Acquire) >= id
    }

    /// Whether the line of event `id`, once its write is over, is in the log.
    pub fn line_written(&self, id: u64) -> bool {
        !self.any_failed.load(Ordering::Acquire) || !lock(&self.health).is_failed(id)
    }

    /// Makes sure the line of event `id` is written: writes everything queued unless another
    /// caller's write already carried it. The ids of lines that could not be written go to
    /// `failed` (first, last, why) before any caller learns that the write is over.
    pub fn write_through(&self, id: u64, failed: impl FnOnce(u64, u64, &str)) {
        let mut writer = lock(&self.writer);
        if self.is_written(id) {
            return;
        }
        let Writer {
            sink,
            spare,
            mid_line,
        } = &mut *writer;
        spare.clear();
        let (first, last) = {
            let mut queued = lock(&self.queued);
            std::mem::swap(&mut queued.lines, spare);
            (queued.first, queued.last)
        };
        if !spare.is_empty() {
            // A line left unfinished is ended first, so that this batch starts on a line of its
            // own (the fragment stays behind as a line that does not parse).
            let ended = if *mid_line {
                sink.write_lines(b"\n").map(|()| *mid_line = false)
            } else {
                Ok(())
            };
            match ended.and_then(|()| sink.write_lines(spare)) {
                Ok(()) => {
                    if self.any_failed.load(Ordering::Relaxed) {
                        lock(&self.health).state.failing = false;
                    }
                }
                Err((done, error)) => {
                    let done = if *mid_line { 0 } else { done };
                    let whole = spare[..done].iter().filter(|&&b| b == b'\n').count() as u64;
                    *mid_line |= done > 0 && spare[done - 1] != b'\n';
                    let reason = error.to_string();
                    let first_failed = first + whole;
                    if first_failed <= last {
                        {
                            let mut health = lock(&self.health);
                            health.add_failed(first_failed, last);
                            health.state.failing = true;
                            health.state.error =
                                Some(format!("writing the JSON Lines log failed: {reason}"));
                        }
                        self.any_failed.store(true, Ordering::Release);
                        failed(first_failed, last, &reason);
                    }
                }
            }
        }
        if spare.capacity() > KEEP_BUFFER {
            *spare = Vec::new();
        }
        self.written.store(last, Ordering::Release);
    }

    /// The id up to which every event's write is over.
    pub fn settled(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    pub fn health(&self) -> LogHealth {
        lock(&self.health).state.clone()
    }
}

/// Opens the log for appending, and tells whether it ends in the middle of a line (the last
/// line of an earlier run was cut off), so that the first write can end that line first.
fn open_append(path: &Path) -> io::Result<(File, bool)> {
    let named = |e: io::Error| {
        io::Error::new(
            e.kind(),
            format!("cannot open the JSON Lines log {}: {e}", path.display()),
        )
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(named)?;
    // Only a regular file has a last byte to look at (not a pipe or a device); a log that can
    // be appended to but not read is taken as it is.
    let mid_line = file.metadata().is_ok_and(|m| m.is_file() && m.len() > 0)
        && ends_mid_line(path).unwrap_or(false);
    Ok((file, mid_line))
}

fn ends_mid_line(path: &Path) -> io::Result<bool> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}
