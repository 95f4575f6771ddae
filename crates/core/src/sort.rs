//! A small stable sort for the few short lists the core sorts (scope actions, the scopes
//! of a token request, the reasons of a health report).
//!
//! `slice::sort` brings a few kilobytes of code per element type (driftsort, quicksort,
//! sorting networks) into the npm package's WebAssembly; for lists of a handful of
//! entries insertion sort is as fast and a few dozen bytes.

/// Sort `items` stably, `less(a, b)` meaning `a` goes before `b`. Insertion sort:
/// quadratic, for short lists only.
pub(crate) fn sort_by<T>(items: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && less(&items[j], &items[j - 1]) {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_the_standard_stable_sort(items in prop::collection::vec((0u8..4, any::<u16>()), 0..40)) {
            let mut want = items.clone();
            want.sort_by_key(|&(key, _)| key);
            let mut got = items;
            super::sort_by(&mut got, |a, b| a.0 < b.0);
            prop_assert_eq!(got, want);
        }
    }
}
