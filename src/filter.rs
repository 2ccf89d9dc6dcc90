//! Event filters: the query language of the interface's `/` prompt, parsed once and matched
//! against events. Pure and independent of the interface, so any command that selects events
//! (an export or a replay of "only these") can take the same query.
//!
//! A query is a list of terms separated by spaces, all of which must match (AND):
//!
//! | term | matches |
//! |---|---|
//! | `sev:error` (`info`, `warn`, `error`; `warn,error` for either) | the severity |
//! | `sig:invalid` (`valid`, `invalid`, `missing`, `unsigned`, `no_secret`, `malformed`, `stale`) |
//! the signature verdict |
//! | `provider:wms` (`prism`, `prism_video` or `video`, `generic`) | the detected sender |
//! | `session:ID` | the WMS session id (`*` is a wildcard) |
//! | `scan:ID` | the Prism scan id or video id (`*` is a wildcard) |
//! | `type:scan.*` | the event name (`*` is a wildcard) |
//! | `status:5xx`, `status:413`, `status:4xx,5xx` | the status hookscope answered |
//! | `gap` | WMS events that found sequence numbers missing |
//! | `anomaly` | events with any anomaly |
//! | `anomaly:CODE` | an anomaly code (`*` is a wildcard) |
//! | `retry` | redeliveries of a body received before |
//! | `pinned` | events the user pinned |
//! | `rule:NAME` | the answer rule that produced the answer (`*` is a wildcard) |
//! | anything else | text in the method, path, query, event name, ids, anomaly codes or body |
//!
//! A term prefixed with `-` is negated (`-sev:info`). Quotes keep spaces in free text
//! (`"page unloaded"`). Matching ignores case.
//!
//! The query's types live in `query`; `parse` reads a query and writes its canonical form;
//! `matching` tests events against one, and `text` holds the free-text search it relies on.

mod matching;
mod parse;
mod query;
mod text;

pub use matching::Matcher;
pub use query::{Filter, FilterError, KEYS};
