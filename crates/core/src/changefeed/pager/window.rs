//! [`Window`]: the pager's bounded set of recently emitted record IDs.

use std::collections::VecDeque;

use super::super::request::ChangeId;

/// Recently emitted IDs, oldest first, bounded.
///
/// A small open-addressing hash table (linear probing, at most half full) over the IDs in
/// `order`. A slot is `0` when empty, else `FULL | hash << 32 | seq`: 31 bits of the ID's
/// hash and the low 32 bits of its sequence number; the ID with sequence number `s` is
/// `order[s - first]`. The hash is fixed, not keyed: the IDs come from the user's own
/// registry, and the window is bounded. As fast as a `HashSet`, and much smaller in
/// WebAssembly.
#[derive(Debug, Clone)]
pub(super) struct Window {
    capacity: usize,
    /// The IDs, oldest first.
    pub(super) order: VecDeque<ChangeId>,
    /// The sequence number of `order[0]` (low 32 bits).
    first: u32,
    /// The table; its length is 0 or a power of two.
    slots: Vec<u64>,
}

/// The bit that marks a slot as full.
const FULL: u64 = 1 << 63;

impl Window {
    pub(super) fn new(capacity: usize) -> Self {
        Window {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            first: 0,
            slots: Vec::new(),
        }
    }

    /// Remember `id`; false when it was already there.
    pub(super) fn insert(&mut self, id: &ChangeId) -> bool {
        let hash = hash(id);
        if self.slot(id, hash).is_ok() {
            return false;
        }
        if self.order.len() >= self.capacity {
            self.evict();
        }
        if (self.order.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        #[allow(clippy::cast_possible_truncation)]
        let seq = self.first.wrapping_add(self.order.len() as u32);
        self.order.push_back(id.clone());
        self.put(hash, seq);
        true
    }

    pub(super) fn clear(&mut self) {
        self.order.clear();
        self.slots.fill(0);
    }

    /// `Ok(slot)` holding `id`, or `Err(slot)`: the empty slot where `id` would go.
    fn slot(&self, id: &ChangeId, hash: u32) -> Result<usize, usize> {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = hash as usize & mask;
        loop {
            match self.slots.get(i) {
                None | Some(0) => return Err(i),
                Some(&value)
                    if (value >> 32) as u32 == hash | 1 << 31 && self.id(value) == Some(id) =>
                {
                    return Ok(i);
                }
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    /// Fill the first empty slot of `hash`'s chain.
    fn put(&mut self, hash: u32, seq: u32) {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = hash as usize & mask;
        while let Some(slot) = self.slots.get_mut(i) {
            if *slot == 0 {
                *slot = FULL | u64::from(hash) << 32 | u64::from(seq);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// The ID of a slot's value.
    fn id(&self, value: u64) -> Option<&ChangeId> {
        #[allow(clippy::cast_possible_truncation)]
        let index = (value as u32).wrapping_sub(self.first);
        self.order.get(index as usize)
    }

    /// Forget the oldest ID (backward-shift deletion keeps every probe chain unbroken).
    fn evict(&mut self) {
        let Some(oldest) = self.order.front() else {
            return;
        };
        if let Ok(mut hole) = self.slot(oldest, hash(oldest)) {
            let mask = self.slots.len().wrapping_sub(1);
            let mut j = hole;
            loop {
                j = (j + 1) & mask;
                let value = self.slots.get(j).copied().unwrap_or(0);
                if value == 0 {
                    break;
                }
                let home = (value >> 32) as usize & mask;
                // The entry at `j` may move back to `hole` unless its home lies
                // (cyclically) after the hole.
                if j.wrapping_sub(home) & mask >= j.wrapping_sub(hole) & mask {
                    self.slots.swap(hole, j);
                    hole = j;
                }
            }
            if let Some(slot) = self.slots.get_mut(hole) {
                *slot = 0;
            }
        }
        self.order.pop_front();
        self.first = self.first.wrapping_add(1);
    }

    /// Double the table and insert every ID again.
    fn grow(&mut self) {
        let len = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; len]);
        for value in old {
            if value != 0 {
                #[allow(clippy::cast_possible_truncation)]
                self.put((value >> 32) as u32 & !(1 << 31), value as u32);
            }
        }
    }
}

/// 31 bits of FxHash's word-at-a-time mixing, finished with murmur3's avalanche so that
/// the low (bucket) bits depend on every byte.
fn hash(id: &ChangeId) -> u32 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = 0u64;
    for chunk in id.as_str().as_bytes().chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    #[allow(clippy::cast_possible_truncation)]
    let h = h as u32 & !(1 << 31);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The window as it was specified: a bounded FIFO with membership.
    struct Reference {
        capacity: usize,
        order: VecDeque<String>,
    }

    impl Reference {
        fn insert(&mut self, id: &str) -> bool {
            if self.order.iter().any(|x| x == id) {
                return false;
            }
            if self.order.len() >= self.capacity {
                self.order.pop_front();
            }
            self.order.push_back(id.to_string());
            true
        }
    }

    #[test]
    fn remembers_a_bounded_number_of_ids() {
        let mut w = Window::new(3);
        let id = |s: &str| ChangeId::new(s).unwrap();
        assert!(w.insert(&id("1")));
        assert!(!w.insert(&id("1")));
        assert!(w.insert(&id("2")));
        assert!(w.insert(&id("3")));
        assert!(w.insert(&id("4")));
        // "1" was evicted.
        assert!(w.insert(&id("1")));
        assert!(!w.insert(&id("3")));
        w.clear();
        assert!(w.order.is_empty());
        assert!(w.insert(&id("3")));
        let many: Vec<ChangeId> = (1..=10_000).map(|n| id(&n.to_string())).collect();
        let mut w = Window::new(4096);
        assert!(many.iter().all(|i| w.insert(i)));
        assert_eq!(w.order.len(), 4096);
        assert!(many[10_000 - 4096..].iter().all(|i| !w.insert(i)));
        assert!(w.insert(&many[0]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn behaves_as_a_bounded_fifo_set(
            capacity in 1usize..40,
            ops in prop::collection::vec((1u32..80, any::<bool>()), 0..300),
        ) {
            let mut window = Window::new(capacity);
            let mut reference = Reference { capacity, order: VecDeque::new() };
            for (n, clear) in ops {
                if clear && n % 17 == 0 {
                    window.clear();
                    reference.order.clear();
                    continue;
                }
                let id = ChangeId::new(n.to_string()).unwrap();
                prop_assert_eq!(window.insert(&id), reference.insert(id.as_str()));
                let got: Vec<&str> = window.order.iter().map(ChangeId::as_str).collect();
                prop_assert_eq!(got, reference.order.iter().map(String::as_str).collect::<Vec<_>>());
                prop_assert_eq!(window.slots.iter().filter(|&&v| v != 0).count(), window.order.len());
                prop_assert!(window.slots.len() >= 2 * window.order.len());
            }
        }
    }
}
