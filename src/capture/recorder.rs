//! Where a finished event goes: into the store and, when asked, onto the JSON Lines log —
//! written before the answer leaves, so the log never misses an answered request.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use crate::config::JsonlTarget;
use crate::event::CapturedEvent;
use crate::export;
use crate::store::Store;

enum JsonlSink {
    Stdout,
    File(File),
}

impl JsonlSink {
    fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        match self {
            // One write of a whole line: the kernel has it (and a crash cannot lose it) as soon
            // as the call returns.
            JsonlSink::File(file) => file.write_all(line),
            JsonlSink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(line)?;
                out.flush()
            }
        }
    }
}

pub struct Recorder {
    store: Arc<Store>,
    jsonl: Option<Mutex<JsonlSink>>,
    jsonl_error: OnceLock<String>,
}

impl Recorder {
    pub fn new(store: Arc<Store>, jsonl: Option<&JsonlTarget>) -> io::Result<Recorder> {
        let jsonl = match jsonl {
            None => None,
            Some(JsonlTarget::Stdout) => Some(JsonlSink::Stdout),
            Some(JsonlTarget::File(path)) => Some(JsonlSink::File(open_append(path)?)),
        };
        Ok(Recorder {
            store,
            jsonl: jsonl.map(Mutex::new),
            jsonl_error: OnceLock::new(),
        })
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Stores `event` (which gets its id here) and logs it.
    pub fn record(&self, event: CapturedEvent) -> Arc<CapturedEvent> {
        let Some(jsonl) = &self.jsonl else {
            return self.store.push(event);
        };
        // Holding the log's lock across the push keeps the log in id order.
        let mut sink = jsonl.lock().unwrap_or_else(|p| p.into_inner());
        let stored = self.store.push(event);
        if let Err(e) = sink.write_line(&export::event_line(&stored)) {
            let _ = self
                .jsonl_error
                .set(format!("writing the JSON Lines log failed: {e}"));
        }
        stored
    }

    /// The first error met while writing the log, if any.
    pub fn jsonl_error(&self) -> Option<&str> {
        self.jsonl_error.get().map(String::as_str)
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot open the JSON Lines log {}: {e}", path.display()),
            )
        })
}
