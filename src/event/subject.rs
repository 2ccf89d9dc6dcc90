//! The ids an event is about, shared between the events that carry the same ones.
//!
//! Every event of a WMS session names the same session (and often the same measurement), every
//! event of a Prism scan the same scan: the ids are kept once per thread, as [`intern`] keeps
//! strings, and an event holds one pointer to them — none when its body names no id.
//!
//! [`intern`]: crate::intern::intern

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::intern::{SharedStr, share};

/// Most id sets remembered per thread; past it the table starts over, as the string table does.
const CAPACITY: usize = 4096;

type Table = HashSet<Arc<SubjectIds>, foldhash::fast::RandomState>;

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// The ids named in an event's body.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct SubjectIds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SharedStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement_id: Option<SharedStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_id: Option<SharedStr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_id: Option<SharedStr>,
}

/// No ids: what an event without a subject reads as.
static NONE: SubjectIds = SubjectIds {
    session_id: None,
    measurement_id: None,
    scan_id: None,
    video_id: None,
};

impl SubjectIds {
    pub fn is_empty(&self) -> bool {
        *self == NONE
    }
}

/// An event's [`SubjectIds`], behind one pointer. Reads as the ids (`subject.session_id`);
/// writing a field gives this event a copy of its own.
#[derive(Clone, Default)]
pub struct Subject(Option<Arc<SubjectIds>>);

impl Subject {
    /// These ids, shared with the events of this thread that carry the same ones.
    pub fn shared(ids: SubjectIds) -> Subject {
        if ids.is_empty() {
            return Subject(None);
        }
        TABLE.with(|table| match table.try_borrow_mut() {
            Ok(mut table) => Subject(Some(share(&mut table, &ids, CAPACITY, || {
                Arc::new(ids.clone())
            }))),
            Err(_) => Subject(Some(Arc::new(ids))),
        })
    }

    /// Whether both hold the same shared ids (or both none), not merely equal ones.
    pub fn ptr_eq(a: &Subject, b: &Subject) -> bool {
        match (&a.0, &b.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl From<SubjectIds> for Subject {
    fn from(ids: SubjectIds) -> Subject {
        Subject::shared(ids)
    }
}

impl Deref for Subject {
    type Target = SubjectIds;

    fn deref(&self) -> &SubjectIds {
        self.0.as_deref().unwrap_or(&NONE)
    }
}

impl DerefMut for Subject {
    fn deref_mut(&mut self) -> &mut SubjectIds {
        Arc::make_mut(self.0.get_or_insert_with(Default::default))
    }
}

impl PartialEq for Subject {
    fn eq(&self, other: &Subject) -> bool {
        Subject::ptr_eq(self, other) || **self == **other
    }
}

impl Eq for Subject {}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

/// Read back shared, like the subjects capture makes.
impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SubjectIds::deserialize(deserializer).map(Subject::shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str) -> SubjectIds {
        SubjectIds {
            session_id: Some(id.into()),
            measurement_id: Some("m-1".into()),
            ..SubjectIds::default()
        }
    }

    #[test]
    fn one_pointer_wide_and_shared_between_equal_ids() {
        assert_eq!(std::mem::size_of::<Subject>(), 8);
        let a = Subject::shared(session("s-1"));
        let b = Subject::from(session(&String::from("s-1")));
        assert!(Subject::ptr_eq(&a, &b));
        assert_eq!(a.session_id.as_deref(), Some("s-1"));
        assert!(!Subject::ptr_eq(&a, &Subject::shared(session("s-2"))));
        // No ids: no allocation, and the same as the default.
        let none = Subject::shared(SubjectIds::default());
        assert!(none.0.is_none());
        assert_eq!(none, Subject::default());
    }

    #[test]
    fn writing_a_field_leaves_the_shared_ids_alone() {
        let a = Subject::shared(session("s-1"));
        let mut b = a.clone();
        b.scan_id = Some("scan-1".into());
        assert_eq!(a.scan_id, None);
        assert_eq!(b.scan_id.as_deref(), Some("scan-1"));
        assert_ne!(a, b);
        // Equal ids compare equal, shared or not.
        let mut c = Subject::shared(SubjectIds::default());
        c.session_id = Some("s-1".into());
        c.measurement_id = Some("m-1".into());
        assert!(!Subject::ptr_eq(&a, &c));
        assert_eq!(a, c);
        // Set to none again, it equals no subject at all.
        let mut d = Subject::shared(SubjectIds::default());
        d.video_id = Some("v".into());
        d.video_id = None;
        assert_eq!(d, Subject::default());
    }

    #[test]
    fn written_and_read_as_the_ids_only() {
        let a = Subject::shared(session("s-1"));
        let text = serde_json::to_string(&a).unwrap();
        assert_eq!(text, r#"{"session_id":"s-1","measurement_id":"m-1"}"#);
        let back: Subject = serde_json::from_str(&text).unwrap();
        assert!(Subject::ptr_eq(&a, &back));
        let empty: Subject = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, Subject::default());
        assert_eq!(format!("{a:?}"), format!("{:?}", session("s-1")));
    }

    #[test]
    fn the_table_stays_bounded() {
        for i in 0..(CAPACITY + 10) {
            Subject::shared(session(&format!("s-{i}")));
        }
        TABLE.with(|t| assert!(t.borrow().len() <= CAPACITY));
    }
}
