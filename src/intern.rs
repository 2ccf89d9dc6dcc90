//! Shared copies of the strings that repeat across events — event names, session and scan ids,
//! signature notes, methods and paths — so that a buffer of a million events holds each of them
//! once per thread, not once per event.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::hash::Hash;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Most strings remembered per thread; past it the table starts over (ids of old sessions need
/// not stay shared forever).
const CAPACITY: usize = 8192;

/// Longest string [`intern`] shares. Longer ones get a copy of their own: they rarely repeat
/// (paths with tokens in them), and the table must not hold megabytes.
pub const MAX_SHARED_BYTES: usize = 256;

/// Every request looks a few strings up: a hasher much quicker than SipHash on short keys,
/// still seeded at random per process, since the keys come from the network.
type Table = HashSet<SharedStr, foldhash::fast::RandomState>;

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// An immutable string that events share, behind one thin pointer: an event field costs 8
/// bytes where `Arc<str>` would take 16. Compares, hashes and orders as the text it holds.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedStr(Arc<Box<str>>);

impl SharedStr {
    /// A copy of `text` of its own, not shared through the table (see [`intern`]).
    pub fn new(text: &str) -> SharedStr {
        SharedStr(Arc::new(Box::from(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both are the same shared copy, not merely equal.
    pub fn ptr_eq(a: &SharedStr, b: &SharedStr) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// The address of the shared copy: equal for two handles exactly when [`SharedStr::ptr_eq`].
    pub fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(text: &str) -> SharedStr {
        intern(text)
    }
}

impl From<String> for SharedStr {
    fn from(text: String) -> SharedStr {
        intern(&text)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self.0, f)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self.0, f)
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        **self.0 == *other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        **self.0 == **other
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

/// Read back shared, like the strings capture interns.
impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = SharedStr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<SharedStr, E> {
                Ok(intern(text))
            }
        }
        deserializer.deserialize_str(Visit)
    }
}

/// A shared copy of `text`; one of its own when it is longer than [`MAX_SHARED_BYTES`].
pub fn intern(text: &str) -> SharedStr {
    if text.len() > MAX_SHARED_BYTES {
        return SharedStr::new(text);
    }
    TABLE.with(|table| {
        share(&mut table.borrow_mut(), text, CAPACITY, || {
            SharedStr::new(text)
        })
    })
}

/// The copy of `key` that `table` shares, made with `make` and remembered when the table has
/// none. Past `capacity` copies the table starts over: what was shared stays valid, only no
/// longer found. The tables of shared strings and of shared subject ids work so.
pub(crate) fn share<T, Q>(
    table: &mut HashSet<T, foldhash::fast::RandomState>,
    key: &Q,
    capacity: usize,
    make: impl FnOnce() -> T,
) -> T
where
    T: Borrow<Q> + Hash + Eq + Clone,
    Q: Hash + Eq + ?Sized,
{
    if let Some(shared) = table.get(key) {
        return shared.clone();
    }
    if table.len() >= capacity {
        table.clear();
    }
    let shared = make();
    table.insert(shared.clone());
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_allocation() {
        let a = intern("INTERMEDIATE_RESULTS");
        let b = intern(&String::from("INTERMEDIATE_RESULTS"));
        assert!(SharedStr::ptr_eq(&a, &b));
        assert_eq!(&*intern("x"), "x");
        let c: SharedStr = "INTERMEDIATE_RESULTS".into();
        assert!(SharedStr::ptr_eq(&a, &c));
        assert_eq!(a.address(), c.address());
        assert_ne!(a.address(), intern("x").address());
    }

    #[test]
    fn the_table_stays_bounded() {
        for i in 0..(CAPACITY + 10) {
            intern(&format!("id-{i}"));
        }
        TABLE.with(|t| assert!(t.borrow().len() <= CAPACITY));
    }

    #[test]
    fn long_strings_are_not_kept_by_the_table() {
        let long = "p".repeat(MAX_SHARED_BYTES + 1);
        let a = intern(&long);
        let b = intern(&long);
        assert_eq!(a, b);
        assert!(!SharedStr::ptr_eq(&a, &b));
        TABLE.with(|t| assert!(t.borrow().get(long.as_str()).is_none()));
    }

    #[test]
    fn one_pointer_wide_and_read_back_as_text() {
        assert_eq!(std::mem::size_of::<Option<SharedStr>>(), 8);
        let id: SharedStr = "s1".into();
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""s1""#);
        let back: SharedStr = serde_json::from_str(r#""s1""#).unwrap();
        assert!(SharedStr::ptr_eq(&id, &back));
        assert_eq!(format!("{id} {id:?}"), r#"s1 "s1""#);
    }
}
