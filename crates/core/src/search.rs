//! Substring search without `core::str`'s two-way searcher, and integer parsing without
//! another instance of `core`'s generic parser.
//!
//! `str::find(&str)`, `contains(&str)` and `split(&str)` each pull in the standard
//! library's `StrSearcher` (a two-way matcher, about 2 KB of WebAssembly). Everything this
//! crate searches is a short header value or path, where a plain scan is as fast; these
//! helpers give the same answers (property-tested against `str::find`).

/// The byte index of the first occurrence of `needle` in `haystack`, as `haystack.find(needle)`.
#[inline(never)]
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    // A match of valid UTF-8 in valid UTF-8 always starts on a character boundary.
    find_bytes(haystack.as_bytes(), needle.as_bytes())
}

/// Whether `needle` occurs in `haystack`, as `haystack.contains(needle)`.
pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

/// The index of the first occurrence of `needle` in `haystack` (`Some(0)` for an empty
/// `needle`).
pub fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The byte index of the first `byte` (ASCII) in `text`, as `text.find(char::from(byte))`,
/// without `core`'s character searcher.
pub fn find_byte(text: &str, byte: u8) -> Option<usize> {
    text.bytes().position(|b| b == byte)
}

/// The pieces of `text` between occurrences of `byte` (ASCII), as
/// `text.split(char::from(byte))`, without `core`'s character searcher.
pub fn split_byte(text: &str, byte: u8) -> SplitByte<'_> {
    SplitByte {
        rest: Some(text),
        byte,
    }
}

/// The iterator of [`split_byte`].
#[derive(Debug, Clone)]
pub struct SplitByte<'a> {
    rest: Option<&'a str>,
    byte: u8,
}

impl<'a> Iterator for SplitByte<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match find_byte(rest, self.byte) {
            // An ASCII byte is a whole character: both sides are on boundaries.
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// The byte index of the last `byte` (ASCII) in `text`, as `text.rfind(char::from(byte))`,
/// without `core`'s reverse character searcher.
pub fn rfind_byte(text: &str, byte: u8) -> Option<usize> {
    text.bytes().rposition(|b| b == byte)
}

/// What follows the last `byte` (ASCII) in `text`, or all of `text` when there is none:
/// `text.rsplit(char::from(byte)).next()`.
pub fn after_last(text: &str, byte: u8) -> &str {
    match rfind_byte(text, byte) {
        // An ASCII byte is a whole character: the rest starts on a boundary.
        Some(i) => text.get(i + 1..).unwrap_or(text),
        None => text,
    }
}

/// `text.parse::<u16>().ok()` (an optional `+`, then ASCII digits), without another
/// instance of `core`'s generic integer parser (property-tested against it).
pub fn parse_u16(text: &str) -> Option<u16> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() {
        return None;
    }
    let mut value: u16 = 0;
    for byte in digits.bytes() {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u16::from(digit))?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    /// Every string of up to five characters over an alphabet that makes partial and
    /// overlapping matches (and a multi-byte character), against `str::contains`.
    #[test]
    fn contains_agrees_with_str_contains() {
        const ALPHABET: [char; 8] = ['C', 'E', 'R', 'T', 'S', '_', 'L', 'é'];
        const NEEDLES: [&str; 8] = ["CERT", "SELF_SIGNED", "ERR_TLS", "C", "CC", "TT", "é", ""];
        let mut texts = vec![String::new()];
        let mut frontier = texts.clone();
        for _ in 0..5 {
            let mut longer = Vec::new();
            for text in &frontier {
                for c in ALPHABET {
                    let mut next = text.clone();
                    next.push(c);
                    longer.push(next);
                }
            }
            texts.extend(longer.iter().cloned());
            frontier = longer;
        }
        let mut checked = 0;
        texts.push("DEPTH_ZERO_SELF_SIGNED_CERT".to_string());
        texts.push("UNABLE_TO_GET_ISSUER_CERT_LOCALLY".to_string());
        for text in &texts {
            for needle in NEEDLES {
                assert_eq!(
                    super::contains(text, needle),
                    text.contains(needle),
                    "{text:?} {needle:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edge_cases_match_std() {
        for (h, n) in [
            ("", ""),
            ("", "a"),
            ("a", ""),
            ("abc", "abc"),
            ("ab", "abc"),
            ("aaab", "aab"),
            ("é/_trust/x", "/_trust/"),
            ("Bearer error=\"insufficient_scope\"", "insufficient_scope"),
            ("text/HTML", "html"),
        ] {
            assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
            assert_eq!(contains(h, n), h.contains(n), "{h:?} {n:?}");
        }
    }

    #[test]
    fn parse_u16_edges() {
        for text in [
            "", "+", "-", "0", "-0", "+0", "+80", "++1", "65535", "65536", "99999", "1 ", "١",
        ] {
            assert_eq!(parse_u16(text), text.parse::<u16>().ok(), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn parse_u16_is_str_parse(text in "[+-]?[0-9]{0,7}|[+-]?6553[0-9]|[ +0-9a-]{0,4}|\\PC{0,6}") {
            prop_assert_eq!(parse_u16(&text), text.parse::<u16>().ok());
        }

        #[test]
        fn forward_byte_search_is_std(h in "[ab:@/.,é]{0,24}|\\PC{0,12}") {
            for byte in [b':', b'@', b'/', b'.', b',', b'a'] {
                let c = char::from(byte);
                prop_assert_eq!(find_byte(&h, byte), h.find(c));
                prop_assert_eq!(split_byte(&h, byte).collect::<Vec<_>>(), h.split(c).collect::<Vec<_>>());
            }
        }

        #[test]
        fn reverse_byte_search_is_std(h in "[ab:@/é]{0,24}|\\PC{0,12}") {
            for byte in [b':', b'@', b'/', b'a'] {
                let c = char::from(byte);
                prop_assert_eq!(rfind_byte(&h, byte), h.rfind(c));
                prop_assert_eq!(Some(after_last(&h, byte)), h.rsplit(c).next());
            }
        }

        #[test]
        fn find_is_str_find(h in "[ab/_é]{0,24}", n in "[ab/_é]{0,4}") {
            prop_assert_eq!(find(&h, &n), h.find(n.as_str()));
            prop_assert_eq!(contains(&h, &n), h.contains(n.as_str()));
        }

        #[test]
        fn find_is_str_find_on_any_text(h in any::<String>(), start in 0usize..64, len in 0usize..8) {
            // Needles cut from the haystack (found) and arbitrary ones (mostly not found).
            let chars: Vec<char> = h.chars().collect();
            let start = start.min(chars.len());
            let end = (start + len).min(chars.len());
            let n: String = chars[start..end].iter().collect();
            prop_assert_eq!(find(&h, &n), h.find(n.as_str()));
            let other: String = n.chars().rev().collect();
            prop_assert_eq!(find(&h, &other), h.find(other.as_str()));
        }
    }
}
