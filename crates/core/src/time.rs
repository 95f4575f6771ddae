//! Time as a value: the core never reads a clock.
//!
//! Every function that needs "now" takes a [`Timestamp`] handed in by the shell
//! (`Date.now()` in JavaScript, `SystemTime::now()` natively).

use std::fmt;

/// A point in time: milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// A timestamp from milliseconds since the Unix epoch.
    pub const fn from_millis(millis: i64) -> Self {
        Timestamp(millis)
    }

    /// A timestamp from whole seconds since the Unix epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded towards negative infinity).
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// This timestamp moved forward by `millis` (saturating).
    pub const fn add_millis(self, millis: i64) -> Self {
        Timestamp(self.0.saturating_add(millis))
    }

    /// This timestamp moved forward by `secs` seconds (saturating).
    pub const fn add_secs(self, secs: i64) -> Self {
        self.add_millis(secs.saturating_mul(1000))
    }

    /// Milliseconds from `earlier` to `self` (negative when `earlier` is later).
    pub const fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// Parse an RFC 3339 date-time (any precision, any offset) into a timestamp.
    ///
    /// Returns `None` when the text is not RFC 3339 or is out of range; callers keep
    /// the raw text in that case.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        if let Some(fast) = parse_utc_rfc3339(text.as_bytes()) {
            return Some(fast);
        }
        Timestamp::parse_rfc3339_general(text)
    }

    /// [`Timestamp::parse_rfc3339`] through the `time` crate: every form RFC 3339 allows.
    fn parse_rfc3339_general(text: &str) -> Option<Self> {
        let parsed = time::OffsetDateTime::parse(
            text.trim(),
            &time::format_description::well_known::Rfc3339,
        )
        .ok()?;
        let millis = parsed.unix_timestamp_nanos().div_euclid(1_000_000);
        i64::try_from(millis).ok().map(Timestamp)
    }

    /// Format as RFC 3339 in UTC with millisecond precision, e.g. `2026-11-26T12:49:38.190Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(dt) => {
                let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
                let (h, mi, s, ms) = (dt.hour(), dt.minute(), dt.second(), dt.millisecond());
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
            }
            Err(_) => format!("@{}ms", self.0),
        }
    }
}

/// The fast path of [`Timestamp::parse_rfc3339`]: the form servers send,
/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, with every field in range. Anything else (another
/// separator or offset, surrounding whitespace, a leap second, an invalid date) is `None`
/// and left to the `time` crate, so both paths agree wherever this one answers.
fn parse_utc_rfc3339(text: &[u8]) -> Option<Timestamp> {
    let digits = |from: usize, len: usize| -> Option<i64> {
        let mut value = 0i64;
        for &b in text.get(from..from + len)? {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
        }
        Some(value)
    };
    let literal = |at: usize, want: u8| text.get(at) == Some(&want);
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(at, want)| literal(at, want)) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // The fraction: any number of digits, truncated to milliseconds.
    let mut at = 19;
    let mut millis = 0;
    if literal(at, b'.') {
        at += 1;
        let start = at;
        while let Some(b) = text.get(at).filter(|b| b.is_ascii_digit()) {
            if at - start < 3 {
                millis = millis * 10 + i64::from(b - b'0');
            }
            at += 1;
        }
        match at - start {
            0 => return None,
            1 => millis *= 100,
            2 => millis *= 10,
            _ => {}
        }
    }
    if at + 1 != text.len() || !(literal(at, b'Z') || literal(at, b'z')) {
        return None;
    }
    // Days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second;
    Some(Timestamp(secs * 1_000 + millis))
}

/// Serialized as a number: milliseconds since the Unix epoch (what JavaScript's `Date`
/// takes).
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        i64::deserialize(deserializer).map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nanosecond_and_microsecond_precision() {
        let ns = Timestamp::parse_rfc3339("2026-11-26T12:49:38.190589884Z").unwrap();
        let us = Timestamp::parse_rfc3339("2026-11-26T12:49:38.190589Z").unwrap();
        assert_eq!(ns, us);
        assert_eq!(ns.as_millis() % 1000, 190);
        assert_eq!(ns.to_rfc3339(), "2026-11-26T12:49:38.190Z");
    }

    #[test]
    fn parses_offsets_and_rejects_garbage() {
        let a = Timestamp::parse_rfc3339("2026-11-26T13:49:38+01:00").unwrap();
        let b = Timestamp::parse_rfc3339("2026-11-26T12:49:38Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            Timestamp::parse_rfc3339("Failed to get timestamp of replica"),
            None
        );
        assert_eq!(Timestamp::parse_rfc3339(""), None);
    }

    #[test]
    fn fast_path_agrees_with_the_time_crate() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let same = |text: &str| {
            let general = Timestamp::parse_rfc3339_general(text);
            if let Some(fast) = parse_utc_rfc3339(text.as_bytes()) {
                assert_eq!(Some(fast), general, "{text}");
            }
            assert_eq!(Timestamp::parse_rfc3339(text), general, "{text}");
        };
        for text in [
            "2026-11-26T12:49:38.190589884Z",
            "2026-11-26T12:49:38Z",
            "2026-11-26t12:49:38z",
            "2024-02-29T23:59:59.9Z",
            "2023-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2000-02-29T00:00:00.12Z",
            "1969-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999999Z",
            "2026-11-26T12:49:60Z",
            "2026-12-31T23:59:60Z",
            "2026-11-26T24:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-11-00T00:00:00Z",
            "2026-11-26T12:49:38.Z",
            "2026-11-26T12:49:38Z ",
            " 2026-11-26T12:49:38Z",
            "2026-11-26 12:49:38Z",
            "2026-11-26T12:49:38+00:00",
            "2026-11-26T12:49:38",
            "+026-11-26T12:49:38Z",
            "2026-11-26T12:49:38ZZ",
        ] {
            same(text);
        }
        let fields = (
            0i64..=9999,
            0u32..=13,
            0u32..=32,
            0u32..=24,
            0u32..=60,
            0u32..=60,
            prop::option::of("[0-9]{0,12}"),
            prop::sample::select(vec!["Z", "z", "+01:30", "-00:00", "", "Zx"]),
        );
        let mut runner = TestRunner::new(Config::with_cases(4000));
        runner
            .run(&fields, |(y, mo, d, h, mi, s, fraction, offset)| {
                let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
                same(&format!(
                    "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{offset}"
                ));
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn serializes_as_epoch_millis_for_javascript() {
        let t = Timestamp::from_millis(1_795_700_000_123);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1795700000123");
        let back: Timestamp = serde_json::from_str("1795700000123").unwrap();
        assert_eq!(back, t);
        assert!(serde_json::from_str::<Timestamp>("\"2026\"").is_err());
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Timestamp::from_millis(i64::MAX);
        assert_eq!(t.add_secs(10), t);
        assert_eq!(
            Timestamp::from_secs(2).millis_since(Timestamp::from_secs(1)),
            1000
        );
        assert_eq!(Timestamp::from_millis(-1).as_secs(), -1);
    }
}
