//! Time as a value: the core never reads a clock.
//!
//! Every function that needs "now" takes a [`Timestamp`] handed in by the shell
//! (`Date.now()` in JavaScript, `SystemTime::now()` natively).

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A point in time: milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
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

    /// Parse an RFC 3339 date-time (any precision, any offset) into a timestamp, with
    /// the `time` crate.
    ///
    /// Returns `None` when the text is not RFC 3339 or is out of range; callers keep
    /// the raw text in that case.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let parsed = OffsetDateTime::parse(text.trim(), &Rfc3339).ok()?;
        let millis = parsed.unix_timestamp_nanos().div_euclid(1_000_000);
        i64::try_from(millis).ok().map(Timestamp)
    }

    /// Format as RFC 3339 in UTC with millisecond precision, e.g. `2026-11-26T12:49:38.190Z`.
    /// Outside the years -9999 to 9999: `@<millis>ms`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(dt) => {
                let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
                let (h, mi, s, ms) = (dt.hour(), dt.minute(), dt.second(), dt.millisecond());
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
            }
            Err(_) => format!("@{}ms", self.0),
        }
    }
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
    fn accepts_what_rfc_3339_allows_and_nothing_else() {
        for (text, millis) in [
            ("2026-11-26t12:49:38z", Some(1_795_697_378_000)),
            ("2026-11-26 12:49:38Z", Some(1_795_697_378_000)),
            (" 2026-11-26T12:49:38.9Z\n", Some(1_795_697_378_900)),
            ("2026-11-26T12:49:38-00:00", Some(1_795_697_378_000)),
            ("2024-02-29T23:59:59.9Z", Some(1_709_251_199_900)),
            ("2026-12-31T23:59:60Z", Some(1_798_761_599_999)),
            ("2023-02-29T00:00:00Z", None),
            ("2026-11-26T24:00:00Z", None),
            ("2026-11-26T12:49:38.Z", None),
            ("2026-11-26T12:49:38", None),
            ("2026-11-26T12:49:38+0100", None),
            ("+026-11-26T12:49:38Z", None),
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(text).map(Timestamp::as_millis),
                millis,
                "{text:?}"
            );
        }
    }

    #[test]
    fn formats_utc_with_milliseconds_in_the_time_crate_range() {
        assert_eq!(Timestamp::EPOCH.to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp::from_millis(-1).to_rfc3339(),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp::from_millis(253_402_300_799_999).to_rfc3339(),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp::from_millis(253_402_300_800_000).to_rfc3339(),
            "@253402300800000ms"
        );
        assert_eq!(
            Timestamp::from_millis(i64::MIN).to_string(),
            format!("@{}ms", i64::MIN)
        );
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
