//! hookscope: a terminal webhook inspector.
//!
//! The flow is one way: socket → `capture` → `decode` → `ingest` (analysis, `store`, log) →
//! output (the terminal `ui`, or headless lines), with `export` beside the store and `filter`
//! selecting events for both. `ARCHITECTURE.md` walks one request through these modules and
//! gives the rule of which may import which (checked by `tests/architecture.rs`).

pub mod alloc;
pub mod analysis;
pub mod answer;
pub mod capture;
pub mod chaos;
pub mod checks;
pub mod cli;
pub mod config;
pub mod decode;
pub mod diff;
pub mod event;
pub mod export;
pub mod files;
pub mod filter;
pub mod headless;
pub mod ingest;
pub mod intern;
pub mod listen;
pub mod replay;
pub mod sanitize;
pub mod sender;
pub mod simulate;
pub mod store;
pub mod ui;
pub mod words;
