//! [`SmallMap`]: an ordered map for a handful of entries, kept as a sorted `Vec`; and
//! [`CallMap`]: calls in flight by [`CallId`].
//!
//! The token cache and the cluster status's replica maps hold a few entries each, the
//! authenticator's and a feed session's calls in flight fewer still. A `BTreeMap` per
//! key/value type costs kilobytes of WebAssembly; a sorted `Vec` gives the same answers
//! and the same (ascending key) iteration order with a fraction of the code.

use crate::auth::CallId;
use std::borrow::Borrow;
use std::fmt;

/// A map from `K` to `V` as a `Vec` of pairs sorted by key, with no duplicate keys.
///
/// Behaves like `BTreeMap` for the operations it has (lookups are a binary search,
/// inserts and removes shift the tail): meant for tens of entries, not thousands.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SmallMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K: Ord, V> SmallMap<K, V> {
    /// An empty map.
    pub(crate) const fn new() -> Self {
        SmallMap {
            entries: Vec::new(),
        }
    }

    /// The map of `entries`, which must be sorted by key with no key twice.
    pub(crate) fn from_sorted(entries: Vec<(K, V)>) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        SmallMap { entries }
    }

    /// Where `key` is (`Ok`) or would go (`Err`). Like `BTreeMap`, a key is looked up
    /// by any borrowed form of it (a `String` key by `&str`).
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value for `key`.
    pub(crate) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// Whether `key` has a value.
    pub(crate) fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Set the value for `key`, returning the old one. An existing key is kept (as
    /// `BTreeMap::insert` does).
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find::<K>(&key) {
            Ok(i) => self
                .entries
                .get_mut(i)
                .map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Remove `key`, returning its value.
    pub(crate) fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        Some(self.entries.remove(i).1)
    }

    /// Keep only the entries for which `keep` is true, visited in key order.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// The entries in ascending key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// How many entries there are.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no entry.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Remove every entry.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap {
            entries: Vec::new(),
        }
    }
}

/// A map from [`CallId`] to `V` for calls in flight: keys and values in two parallel
/// `Vec`s, in no particular order (it is never iterated), looked up by a linear scan
/// of the keys that is the same code for every `V`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CallMap<V> {
    keys: Vec<CallId>,
    values: Vec<V>,
}

/// Where `key` is in `keys`.
#[inline(never)]
fn position(keys: &[CallId], key: CallId) -> Option<usize> {
    keys.iter().position(|k| *k == key)
}

impl<V> CallMap<V> {
    /// An empty map.
    pub(crate) const fn new() -> Self {
        CallMap {
            keys: Vec::new(),
            values: Vec::new(),
        }
    }

    /// The value for `key`.
    pub(crate) fn get(&self, key: CallId) -> Option<&V> {
        self.values.get(position(&self.keys, key)?)
    }

    /// Whether `key` has a value.
    pub(crate) fn contains_key(&self, key: CallId) -> bool {
        position(&self.keys, key).is_some()
    }

    /// Set the value for `key`, replacing any old one.
    pub(crate) fn insert(&mut self, key: CallId, value: V) {
        match position(&self.keys, key).and_then(|i| self.values.get_mut(i)) {
            Some(old) => *old = value,
            None => {
                self.keys.push(key);
                self.values.push(value);
            }
        }
    }

    /// Remove `key`, returning its value.
    pub(crate) fn remove(&mut self, key: CallId) -> Option<V> {
        let i = position(&self.keys, key)?;
        self.keys.swap_remove(i);
        Some(self.values.swap_remove(i))
    }

    /// How many entries there are.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

/// Formatted as a map.
impl<V: fmt::Debug> fmt::Debug for CallMap<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.keys.iter().zip(&self.values))
            .finish()
    }
}

/// Formatted as a map, like `BTreeMap`.
impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for SmallMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k, v)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{CallMap, SmallMap};
    use crate::auth::CallId;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u16),
        Remove(u8),
        Get(u8),
        Retain(u8),
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        // Keys from a small range so that inserts hit existing keys and removes hit.
        prop_oneof![
            6 => (0u8..24, any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
            3 => (0u8..24).prop_map(Op::Remove),
            2 => (0u8..24).prop_map(Op::Get),
            1 => (2u8..5).prop_map(Op::Retain),
            1 => Just(Op::Clear),
        ]
    }

    fn same(small: &SmallMap<u8, u16>, btree: &BTreeMap<u8, u16>) -> bool {
        small.len() == btree.len()
            && small.is_empty() == btree.is_empty()
            && small.iter().eq(btree.iter())
            && format!("{small:?}") == format!("{btree:?}")
    }

    #[test]
    fn behaves_like_a_btreemap() {
        proptest!(ProptestConfig::with_cases(5_000), |(ops in prop::collection::vec(op(), 0..80))| {
            let mut small = SmallMap::new();
            let mut btree = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => prop_assert_eq!(small.insert(k, v), btree.insert(k, v)),
                    Op::Remove(k) => prop_assert_eq!(small.remove(&k), btree.remove(&k)),
                    Op::Get(k) => {
                        prop_assert_eq!(small.get(&k), btree.get(&k));
                        prop_assert_eq!(small.contains_key(&k), btree.contains_key(&k));
                    }
                    Op::Retain(m) => {
                        // The closure sees the same entries in the same order, and may
                        // change the values it keeps.
                        let mut seen_small = Vec::new();
                        small.retain(|k, v| {
                            seen_small.push((*k, *v));
                            *v = v.wrapping_add(1);
                            k % m != 0
                        });
                        let mut seen_btree = Vec::new();
                        btree.retain(|k, v| {
                            seen_btree.push((*k, *v));
                            *v = v.wrapping_add(1);
                            k % m != 0
                        });
                        prop_assert_eq!(seen_small, seen_btree);
                    }
                    Op::Clear => {
                        small.clear();
                        btree.clear();
                    }
                }
                prop_assert!(same(&small, &btree), "{:?} vs {:?}", small, btree);
            }
            let cloned = small.clone();
            prop_assert!(same(&cloned, &btree));
        });
    }

    #[test]
    fn a_call_map_behaves_like_a_btreemap() {
        proptest!(ProptestConfig::with_cases(3_000), |(ops in prop::collection::vec(op(), 0..80))| {
            let mut calls = CallMap::new();
            let mut btree = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        calls.insert(CallId::from_raw(k.into()), v);
                        btree.insert(k, v);
                    }
                    Op::Remove(k) => {
                        prop_assert_eq!(calls.remove(CallId::from_raw(k.into())), btree.remove(&k));
                    }
                    Op::Get(k) | Op::Retain(k) => {
                        let id = CallId::from_raw(k.into());
                        prop_assert_eq!(calls.get(id), btree.get(&k));
                        prop_assert_eq!(calls.contains_key(id), btree.contains_key(&k));
                    }
                    Op::Clear => {}
                }
                prop_assert_eq!(calls.len(), btree.len());
            }
            for k in 0..24u8 {
                prop_assert_eq!(calls.get(CallId::from_raw(k.into())), btree.get(&k));
            }
        });
    }

    #[test]
    fn an_existing_key_is_kept_on_insert() {
        // Keys equal by `Ord` but distinguishable: the first one stays, as in BTreeMap.
        #[derive(Debug, Clone, Copy)]
        struct Key(u8, &'static str);
        impl PartialEq for Key {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }
        impl Eq for Key {}
        impl PartialOrd for Key {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for Key {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.0.cmp(&other.0)
            }
        }
        let mut small = SmallMap::new();
        let mut btree = BTreeMap::new();
        for (key, value) in [(Key(1, "first"), 1), (Key(1, "second"), 2)] {
            small.insert(key, value);
            btree.insert(key, value);
        }
        let small: Vec<_> = small.iter().map(|(k, v)| (k.1, *v)).collect();
        let btree: Vec<_> = btree.iter().map(|(k, v)| (k.1, *v)).collect();
        assert_eq!(small, [("first", 2)]);
        assert_eq!(small, btree);
        assert!(SmallMap::<u8, u8>::default().is_empty());
    }
}
