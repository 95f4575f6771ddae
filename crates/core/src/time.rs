//! Time as a value: the core never reads a clock.
//!
//! Every function that needs "now" takes a [`Timestamp`] handed in by the shell
//! (`Date.now()` in JavaScript, `SystemTime::now()` natively).

use std::fmt;

use crate::text::{push_digits, push_i64};

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
        parse_rfc3339(text.trim().as_bytes()).map(Timestamp)
    }

    /// Format as RFC 3339 in UTC with millisecond precision, e.g. `2026-11-26T12:49:38.190Z`.
    /// Outside the years -9999 to 9999: `@<millis>ms`.
    pub fn to_rfc3339(self) -> String {
        let mut out = String::new();
        self.push_rfc3339(&mut out);
        out
    }

    /// Append [`Timestamp::to_rfc3339`] to `out`.
    pub fn push_rfc3339(self, out: &mut String) {
        let secs = self.0.div_euclid(1000);
        let ms = self.0.rem_euclid(1000);
        let (days, time) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, mo, d) = civil_from_days(days);
        if !(-9999..=9999).contains(&y) {
            out.push('@');
            push_i64(out, self.0);
            out.push_str("ms");
            return;
        }
        let (h, mi, s) = (time / 3600, time / 60 % 60, time % 60);
        // `{y:04}`: the sign, then digits up to a width of four with the sign.
        let year_width = if y < 0 { 3 } else { 4 };
        if y < 0 {
            out.push('-');
        }
        // Every part is in range and non-negative here (the year's sign is written).
        for (value, width, after) in [
            (y.unsigned_abs(), year_width, '-'),
            (mo.unsigned_abs(), 2, '-'),
            (d.unsigned_abs(), 2, 'T'),
            (h.unsigned_abs(), 2, ':'),
            (mi.unsigned_abs(), 2, ':'),
            (s.unsigned_abs(), 2, '.'),
            (ms.unsigned_abs(), 3, 'Z'),
        ] {
            push_digits(out, value, width);
            out.push(after);
        }
    }
}

// RFC 3339 by hand, as the `time` crate reads it (its `Rfc3339` description, which this
// replaced to keep the `time` crate out of the npm package; the tests compare both):
// `YYYY-MM-DD`, any one byte as the separator, `hh:mm:ss`, an optional fraction of any
// length (nanoseconds kept), `Z`/`z` or `±hh:mm` (hours up to 23). A leap second (`:60`)
// reads as the nanosecond before the next second, and only where one can occur: the last
// second of a month, UTC.

/// Milliseconds since the epoch of an RFC 3339 date-time.
fn parse_rfc3339(text: &[u8]) -> Option<i64> {
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
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if !separators.iter().all(|&(at, want)| literal(at, want)) || text.len() < 19 {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, mut second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let mut at = 19;
    let mut nanos = 0;
    if literal(at, b'.') {
        at += 1;
        let start = at;
        while let Some(b) = text.get(at).filter(|b| b.is_ascii_digit()) {
            if at - start < 9 {
                nanos = nanos * 10 + i64::from(b - b'0');
            }
            at += 1;
        }
        match at - start {
            0 => return None,
            n @ 1..9 => nanos *= 10i64.pow(9 - u32::try_from(n).ok()?),
            _ => {}
        }
    }
    let offset_secs = match text.get(at) {
        Some(b'Z' | b'z') => {
            at += 1;
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            let (hours, minutes) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
            if !literal(at + 3, b':') || hours > 23 || minutes > 59 {
                return None;
            }
            at += 6;
            let secs = hours * 3600 + minutes * 60;
            if sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    if at != text.len() {
        return None;
    }
    let leap_second = second == 60;
    if leap_second {
        second = 59;
        nanos = 999_999_999;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    let utc = local - offset_secs;
    if leap_second {
        let (y, m, d) = civil_from_days(utc.div_euclid(86_400));
        if utc.rem_euclid(86_400) != 86_399 || d != days_in_month(y, m) {
            return None;
        }
    }
    Some(utc * 1000 + nanos / 1_000_000)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day since 1970-01-01: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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

    /// `to_rfc3339` as it was written with `format!`: its oracle.
    fn to_rfc3339_by_format(t: Timestamp) -> String {
        let secs = t.0.div_euclid(1000);
        let ms = t.0.rem_euclid(1000);
        let (days, time) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, mo, d) = civil_from_days(days);
        if !(-9999..=9999).contains(&y) {
            return format!("@{}ms", t.0);
        }
        let (h, mi, s) = (time / 3600, time / 60 % 60, time % 60);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
    }

    #[test]
    fn to_rfc3339_agrees_with_format() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        // Years around 0, -999, -9999 and 9999, and any i64.
        let year_ms = 31_556_952_000i64;
        let strategy = prop_oneof![
            any::<i64>(),
            -10_001 * year_ms..10_001 * year_ms,
            -3000 * year_ms..-900 * year_ms,
            -63_000_000_000_000i64..-61_000_000_000_000,
        ];
        let mut runner = TestRunner::new(Config::with_cases(20_000));
        runner
            .run(&strategy, |millis| {
                let t = Timestamp(millis);
                prop_assert_eq!(t.to_rfc3339(), to_rfc3339_by_format(t));
                Ok(())
            })
            .unwrap();
        for millis in [
            0,
            -1,
            i64::MIN,
            i64::MAX,
            -62_167_219_200_001,
            -62_167_219_200_000,
        ] {
            let t = Timestamp(millis);
            assert_eq!(t.to_rfc3339(), to_rfc3339_by_format(t));
        }
    }

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

    /// What the `time` crate reads (the implementation this module replaced).
    fn time_crate(text: &str) -> Option<Timestamp> {
        let parsed = time::OffsetDateTime::parse(
            text.trim(),
            &time::format_description::well_known::Rfc3339,
        )
        .ok()?;
        let millis = parsed.unix_timestamp_nanos().div_euclid(1_000_000);
        i64::try_from(millis).ok().map(Timestamp)
    }

    /// What the `time` crate writes.
    fn time_crate_format(t: Timestamp) -> String {
        let nanos = i128::from(t.0) * 1_000_000;
        match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(dt) => {
                let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
                let (h, mi, s, ms) = (dt.hour(), dt.minute(), dt.second(), dt.millisecond());
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
            }
            Err(_) => format!("@{}ms", t.0),
        }
    }

    #[test]
    fn parses_as_the_time_crate_does() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let same =
            |text: &str| assert_eq!(Timestamp::parse_rfc3339(text), time_crate(text), "{text}");
        for text in [
            "2026-11-26T12:49:38.190589884Z",
            "2026-11-26T12:49:38Z",
            "2026-11-26t12:49:38z",
            "2026-11-26 12:49:38Z",
            "2026-11-26é12:49:38Z",
            "2024-02-29T23:59:59.9Z",
            "2023-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2000-02-29T00:00:00.12Z",
            "1969-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00Z",
            "0000-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59.999999999999Z",
            "9999-12-31T23:59:59-23:59",
            "2026-11-26T12:49:60Z",
            "2026-12-31T23:59:60Z",
            "2026-12-31T23:59:60.5Z",
            "2026-06-30T23:59:60Z",
            "2027-01-01T00:59:60+01:00",
            "2026-12-31T22:59:60-01:00",
            "2026-11-26T24:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-11-00T00:00:00Z",
            "2026-11-26T12:49:38.Z",
            "2026-11-26T12:49:38Z ",
            " \u{3000}2026-11-26T12:49:38Z\n",
            "2026-11-26T12:49:38+00:00",
            "2026-11-26T12:49:38-00:00",
            "2026-11-26T12:49:38+24:00",
            "2026-11-26T12:49:38+01:60",
            "2026-11-26T12:49:38+0100",
            "2026-11-26T12:49:38+01:00:00",
            "2026-11-26T12:49:38",
            "+026-11-26T12:49:38Z",
            "2026-11-26T12:49:38ZZ",
            "",
            "Failed to get timestamp of replica",
        ] {
            same(text);
        }
        let fields = (
            0i64..=9999,
            0u32..=13,
            0u32..=32,
            0u32..=24,
            0u32..=60,
            prop_oneof![Just(59u32), Just(60), 0u32..=61],
            prop::option::of("[0-9]{0,12}"),
            prop_oneof![
                prop::sample::select(vec!["Z", "z", "", "Zx", "+", "-00:00"])
                    .prop_map(str::to_string),
                (prop::sample::select(vec!['+', '-']), 0u32..=25, 0u32..=61)
                    .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
            ],
            prop::sample::select(vec!['T', 't', ' ', '_']),
        );
        let mut runner = TestRunner::new(Config::with_cases(20_000));
        runner
            .run(&fields, |(y, mo, d, h, mi, s, fraction, offset, sep)| {
                let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
                same(&format!(
                    "{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}{fraction}{offset}"
                ));
                Ok(())
            })
            .unwrap();
        // Leap seconds, where they may and may not occur.
        for y in [1999i64, 2000, 2024] {
            for mo in 1..=12u32 {
                for d in [28u32, 29, 30, 31] {
                    for offset in ["Z", "+01:00", "-01:30"] {
                        for h in [0, 22, 23] {
                            same(&format!("{y:04}-{mo:02}-{d:02}T{h:02}:59:60{offset}"));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn formats_as_the_time_crate_does() {
        use proptest::prelude::*;
        for millis in [0, -1, 1, 999, -1000, 1_795_697_378_190, i64::MAX, i64::MIN] {
            let t = Timestamp::from_millis(millis);
            assert_eq!(t.to_rfc3339(), time_crate_format(t), "{millis}");
        }
        let limits = [-377_705_116_800_000i64, 253_402_300_799_999];
        for limit in limits {
            for delta in [-1, 0, 1] {
                let t = Timestamp::from_millis(limit + delta);
                assert_eq!(t.to_rfc3339(), time_crate_format(t), "{}", t.0);
            }
        }
        proptest!(|(millis in -400_000_000_000_000i64..400_000_000_000_000)| {
            let t = Timestamp::from_millis(millis);
            prop_assert_eq!(t.to_rfc3339(), time_crate_format(t));
        });
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
