//! The page scanner: the fast path of [`Page::parse_parts`](super::Page::parse_parts).
//!
//! A changefeed page as notary writes it — `{"count":N,"records":[{...},...]}` with the six
//! record fields, strings without escapes — is read byte by byte straight into
//! [`RecordView`]s that borrow from the body: no JSON tree, no allocation per record.
//!
//! The scanner accepts a strict subset of what the general parser accepts. It declines
//! (returns `None`) on anything else: an escape in a string, an unknown or repeated key, a
//! float, a wrong type, a missing `ID` or `GUN`, a reserved ID, trailing bytes, invalid
//! JSON. The general parser then decides, with its errors and JSON paths, so the scanner
//! never changes a result, only how fast it is reached.
//!
//! Why it is hand-written: it replaces `serde_json` (a [`serde_json::Value`] tree, then
//! [`Record::from_json`](super::Record::from_json) per record) on the one hot path of the
//! product — every changefeed page of a backfill, and `parseChangefeedPage` in the npm
//! package. On a 1000-record page (203 KB) it takes 0.47 ms against 2.2 ms for the
//! `serde_json` path (native, release, median of 200; 2-core shared Debian 12 VM), and the
//! package parses the page at 0.85× the speed of `JSON.parse` (median of 5 runs of
//! `node scripts/bench-npm.mjs`, spread 0.81–0.91×, same machine). `serde_json` stays its
//! fallback and oracle: the tests in `record.rs` check that both give the same page or the
//! same error on every body they try.

use super::record::{Category, Record};
use super::request::ChangeId;
use crate::Timestamp;

/// One changefeed record, borrowed from the page body: the fields of a [`Record`], read
/// with the same tolerance rules (see [`Record`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordView<'a> {
    /// The record ID (a valid [`ChangeId`]).
    pub id: &'a str,
    /// `CreatedAt` parsed, millisecond precision; `None` when missing or not RFC 3339.
    pub created_at: Option<Timestamp>,
    /// `CreatedAt` exactly as sent (empty when missing).
    pub created_at_raw: &'a str,
    /// The repository: `<host>/<namespace>/<repo>`.
    pub gun: &'a str,
    /// The timestamp.json version; 0 when missing.
    pub version: i64,
    /// The sha256, trimmed; `None` when missing or blank.
    pub sha256: Option<&'a str>,
    /// The category name as sent; empty when missing.
    pub category: &'a str,
}

impl RecordView<'_> {
    /// The owned [`Record`]; `None` when the ID is not a valid [`ChangeId`] (never for a
    /// view from [`Page::scan`](super::Page::scan)).
    pub fn to_record(&self) -> Option<Record> {
        Some(Record {
            id: ChangeId::new(self.id).ok()?,
            created_at: self.created_at,
            created_at_raw: self.created_at_raw.to_string(),
            gun: self.gun.to_string(),
            version: self.version,
            sha256: self.sha256.map(str::to_string),
            category: Category::parse(self.category),
        })
    }
}

impl Record {
    /// This record as a [`RecordView`].
    pub fn view(&self) -> RecordView<'_> {
        RecordView {
            id: self.id.as_str(),
            created_at: self.created_at,
            created_at_raw: &self.created_at_raw,
            gun: &self.gun,
            version: self.version,
            sha256: self.sha256.as_deref(),
            category: self.category.as_str(),
        }
    }
}

/// What a scanned page says besides its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSummary {
    /// How many records the page holds.
    pub records: usize,
    /// The server's `count`, when it sent a number.
    pub count: Option<u64>,
    /// Whether `records` was `null` rather than an array.
    pub null_records: bool,
}

/// Scan `body`, calling `each` for every record in order. `None`: the body needs the
/// general parser (`each` may have been called for some records before the scanner gave
/// up; discard what it collected).
pub(super) fn scan<'a>(
    body: &'a [u8],
    mut each: impl FnMut(RecordView<'a>),
) -> Option<PageSummary> {
    // Outside strings only ASCII is valid JSON, so a body that is not UTF-8 is not a page;
    // checking it once here lets every string be sliced out of it without a check of its
    // own.
    let text = std::str::from_utf8(body).ok()?;
    let mut s = Scanner { text, body, at: 0 };
    let mut summary = PageSummary {
        records: 0,
        count: None,
        null_records: false,
    };
    let (mut seen_count, mut seen_records) = (false, false);
    s.expect(b'{')?;
    if !s.eat(b'}') {
        loop {
            match s.string()? {
                "count" if !seen_count => {
                    seen_count = true;
                    s.expect(b':')?;
                    if !s.null() {
                        summary.count = Some(s.integer()?.parse().ok()?);
                    }
                }
                "records" if !seen_records => {
                    seen_records = true;
                    s.expect(b':')?;
                    if s.null() {
                        summary.null_records = true;
                    } else {
                        s.expect(b'[')?;
                        if !s.eat(b']') {
                            loop {
                                each(s.record()?);
                                summary.records += 1;
                                if s.eat(b']') {
                                    break;
                                }
                                s.expect(b',')?;
                            }
                        }
                    }
                }
                _ => return None,
            }
            if s.eat(b'}') {
                break;
            }
            s.expect(b',')?;
        }
    }
    s.skip_whitespace();
    (seen_records && s.at == body.len()).then_some(summary)
}

struct Scanner<'a> {
    /// The body as text (the same bytes as `body`).
    text: &'a str,
    body: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    // The helpers are `inline(always)`: the package's WebAssembly is built for size
    // (`opt-level = "z"`), which would otherwise keep them as calls in the per-byte loops.

    #[inline(always)]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.body.get(self.at) {
            self.at += 1;
        }
    }

    /// Consume `byte` (after whitespace) if it comes next.
    #[inline(always)]
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        match self.body.get(self.at) {
            Some(&next) if next == byte => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    #[inline(always)]
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// `null`, consumed when it comes next.
    #[inline(always)]
    fn null(&mut self) -> bool {
        self.skip_whitespace();
        let null = matches!(self.body.get(self.at..), Some([b'n', b'u', b'l', b'l', ..]));
        if null {
            self.at += 4;
        }
        null
    }

    /// The byte range of a string without escapes or control characters, quotes
    /// excluded.
    #[inline(always)]
    fn string_range(&mut self) -> Option<(usize, usize)> {
        self.expect(b'"')?;
        let start = self.at;
        let mut end = start;
        // Eight bytes at a time while none of them is a quote, a backslash or a control
        // character, then byte by byte.
        while let Some(&[a, b, c, d, e, f, g, h]) = self.body.get(end..end + 8) {
            if has_special(u64::from_le_bytes([a, b, c, d, e, f, g, h])) {
                break;
            }
            end += 8;
        }
        loop {
            match *self.body.get(end)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => end += 1,
            }
        }
        self.at = end + 1;
        Some((start, end))
    }

    /// A string without escapes or control characters.
    #[inline(always)]
    fn string(&mut self) -> Option<&'a str> {
        let (start, end) = self.string_range()?;
        self.text.get(start..end)
    }

    /// A JSON integer (`-?(0|[1-9][0-9]*)`, not the start of a float), as written; `-0`
    /// is declined (serde_json reads it as a float).
    fn integer(&mut self) -> Option<&'a str> {
        self.skip_whitespace();
        let start = self.at;
        let negative = matches!(self.body.get(self.at), Some(b'-'));
        if negative {
            self.at += 1;
        }
        let digits = self.at;
        while let Some(b'0'..=b'9') = self.body.get(self.at) {
            self.at += 1;
        }
        let zero_first = matches!(self.body.get(digits), Some(b'0'));
        let leading_zero = zero_first && self.at > digits + 1;
        let negative_zero = zero_first && negative;
        let float = matches!(self.body.get(self.at), Some(b'.' | b'e' | b'E'));
        if self.at == digits || leading_zero || negative_zero || float {
            return None;
        }
        self.text.get(start..self.at)
    }

    /// One record: an object with some of the six fields, each at most once.
    fn record(&mut self) -> Option<RecordView<'a>> {
        const ID: u8 = 1;
        const CREATED_AT: u8 = 2;
        const GUN: u8 = 4;
        const VERSION: u8 = 8;
        const SHA256: u8 = 16;
        const CATEGORY: u8 = 32;
        let (mut id, mut created_at, mut gun, mut sha256, mut category) =
            (None, None, None, None, None);
        let mut version = 0;
        let mut seen = 0u8;
        self.expect(b'{')?;
        if !self.eat(b'}') {
            loop {
                let (start, end) = self.string_range()?;
                // The six names have six different lengths.
                let (field, name): (u8, &[u8]) = match end - start {
                    2 => (ID, b"ID"),
                    3 => (GUN, b"GUN"),
                    6 => (SHA256, b"SHA256"),
                    7 => (VERSION, b"Version"),
                    8 => (CATEGORY, b"Category"),
                    9 => (CREATED_AT, b"CreatedAt"),
                    _ => return None,
                };
                if self.body.get(start..end)? != name || seen & field != 0 {
                    return None;
                }
                seen |= field;
                self.expect(b':')?;
                if self.null() {
                    // A null field counts as missing.
                } else if field == VERSION {
                    version = self.integer()?.parse().ok()?;
                } else if field == ID && !matches!(self.body.get(self.at), Some(b'"')) {
                    // An integer ID: a positive u64, kept as its decimal text.
                    let text = self.integer()?;
                    text.parse::<u64>().ok()?;
                    id = Some(text);
                } else {
                    let text = Some(self.string()?);
                    match field {
                        ID => id = text,
                        CREATED_AT => created_at = text,
                        GUN => gun = text,
                        SHA256 => sha256 = text,
                        _ => category = text,
                    }
                }
                if self.eat(b'}') {
                    break;
                }
                self.expect(b',')?;
            }
        }
        let id = id?;
        if !ChangeId::is_valid(id) {
            return None;
        }
        let created_at_raw = created_at.unwrap_or("");
        Some(RecordView {
            id,
            created_at: Timestamp::parse_rfc3339(created_at_raw),
            created_at_raw,
            gun: gun?,
            version,
            sha256: sha256.map(str::trim).filter(|s| !s.is_empty()),
            category: category.unwrap_or(""),
        })
    }
}

/// Whether one of the eight bytes of `word` is `"`, `\\` or below 0x20 (the classic
/// "has a zero byte" bit trick, applied three times).
#[inline(always)]
fn has_special(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    quote | backslash | control != 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn has_special_finds_every_special_byte_in_any_position() {
        for fill in [b'a', 0xff, 0x80, b'!', b'~'] {
            for position in 0..8 {
                for byte in 0..=255u8 {
                    let mut word = [fill; 8];
                    word[position] = byte;
                    let special = byte == b'"' || byte == b'\\' || byte < 0x20;
                    assert_eq!(
                        super::has_special(u64::from_le_bytes(word)),
                        special,
                        "{word:?}"
                    );
                }
            }
        }
    }
}
