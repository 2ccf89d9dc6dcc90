//! A list that costs one pointer while empty.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thin_vec::ThinVec;

/// A list for the fields of an event that are usually empty (anomalies, multipart parts,
/// missing sequence numbers): 8 bytes in the event where a `Vec` takes 24, nothing allocated
/// while empty, and its items, when there are any, in one allocation of exact size behind a
/// 16-byte header (length and capacity). Reads as a slice.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ThinList<T>(ThinVec<T>);

impl<T> ThinList<T> {
    /// An empty list (no allocation).
    pub fn new() -> ThinList<T> {
        ThinList(ThinVec::new())
    }

    /// Appends an item, growing by exactly one.
    pub fn push(&mut self, item: T) {
        self.0.reserve_exact(1);
        self.0.push(item);
    }

    /// Empties the list, freeing its items.
    pub fn clear(&mut self) {
        self.0 = ThinVec::new();
    }

    /// The items as a `Vec`, leaving the list empty.
    pub fn take_vec(&mut self) -> Vec<T> {
        std::mem::take(&mut self.0).into_iter().collect()
    }

    pub fn as_slice(&self) -> &[T] {
        self.0.as_slice()
    }
}

impl<T> Default for ThinList<T> {
    fn default() -> Self {
        ThinList::new()
    }
}

impl<T> From<Vec<T>> for ThinList<T> {
    fn from(items: Vec<T>) -> ThinList<T> {
        let mut list = ThinVec::with_capacity(items.len());
        list.extend(items);
        ThinList(list)
    }
}

impl<T> From<ThinList<T>> for Vec<T> {
    fn from(mut list: ThinList<T>) -> Vec<T> {
        list.take_vec()
    }
}

impl<T> FromIterator<T> for ThinList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        ThinList::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T> Extend<T> for ThinList<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        let mut iter = iter.into_iter().peekable();
        if iter.peek().is_none() {
            return;
        }
        let mut items = self.take_vec();
        items.extend(iter);
        *self = ThinList::from(items);
    }
}

impl<T> Deref for ThinList<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> DerefMut for ThinList<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.0.as_mut_slice()
    }
}

impl<'a, T> IntoIterator for &'a ThinList<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<T> IntoIterator for ThinList<T> {
    type Item = T;
    type IntoIter = thin_vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for ThinList<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: PartialEq> PartialEq<[T]> for ThinList<T> {
    fn eq(&self, other: &[T]) -> bool {
        self.as_slice() == other
    }
}

impl<T: PartialEq, const N: usize> PartialEq<[T; N]> for ThinList<T> {
    fn eq(&self, other: &[T; N]) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: fmt::Debug> fmt::Debug for ThinList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: Serialize> Serialize for ThinList<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ThinList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<T>::deserialize(deserializer).map(ThinList::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pointer_wide_and_empty_without_allocating() {
        assert_eq!(std::mem::size_of::<ThinList<u64>>(), 8);
        let empty: ThinList<u64> = Vec::new().into();
        assert_eq!(empty, ThinList::new());
        assert!(empty.is_empty());
        let mut pushed = ThinList::new();
        pushed.push(1u64);
        pushed.push(2);
        let mut taken = pushed.clone();
        assert_eq!(taken.take_vec(), vec![1, 2]);
        assert_eq!(taken, ThinList::new());
        assert_eq!(pushed, vec![1, 2]);
        assert_eq!(pushed.first(), Some(&1));
    }

    #[test]
    fn items_take_one_allocation_of_exact_size() {
        let list: ThinList<[u8; 32]> = vec![[1; 32]].into();
        assert_eq!(list.0.capacity(), 1);
        let mut pushed = list.clone();
        pushed.push([2; 32]);
        assert_eq!(pushed.0.capacity(), 2);
    }

    #[test]
    fn equal_lists_are_equal_however_built() {
        let mut grown: ThinList<u64> = ThinList::new();
        grown.extend([3, 4]);
        let collected: ThinList<u64> = [3, 4].into_iter().collect();
        assert_eq!(grown, collected);
        let mut emptied = grown.clone();
        emptied.clear();
        emptied.extend(std::iter::empty());
        assert_eq!(emptied, ThinList::default());
        assert_eq!(format!("{grown:?}"), "[3, 4]");
    }

    #[test]
    fn written_and_read_as_a_plain_list() {
        let list: ThinList<u64> = vec![3, 4].into();
        assert_eq!(serde_json::to_string(&list).unwrap(), "[3,4]");
        assert_eq!(
            serde_json::from_str::<ThinList<u64>>("[3,4]").unwrap(),
            list
        );
        assert_eq!(
            serde_json::from_str::<ThinList<u64>>("[]").unwrap(),
            ThinList::new()
        );
        assert_eq!(
            serde_json::to_string(&ThinList::<u64>::new()).unwrap(),
            "[]"
        );
    }
}
