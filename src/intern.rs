//! Shared copies of the strings that repeat across events — event names, session and scan ids,
//! signature notes — so that a buffer of a million events holds each of them once per thread,
//! not once per event.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

/// Most strings remembered per thread; past it the table starts over (ids of old sessions need
/// not stay shared forever).
const CAPACITY: usize = 8192;

thread_local! {
    static TABLE: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// A shared copy of `text`.
pub fn intern(text: &str) -> Arc<str> {
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        if let Some(shared) = table.get(text) {
            return Arc::clone(shared);
        }
        if table.len() >= CAPACITY {
            table.clear();
        }
        let shared: Arc<str> = Arc::from(text);
        table.insert(Arc::clone(&shared));
        shared
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_allocation() {
        let a = intern("INTERMEDIATE_RESULTS");
        let b = intern(&String::from("INTERMEDIATE_RESULTS"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*intern("x"), "x");
    }

    #[test]
    fn the_table_stays_bounded() {
        for i in 0..(CAPACITY + 10) {
            intern(&format!("id-{i}"));
        }
        TABLE.with(|t| assert!(t.borrow().len() <= CAPACITY));
    }
}
