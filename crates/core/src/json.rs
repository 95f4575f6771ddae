//! A small JSON reader: every JSON body and option text the core reads goes through
//! [`Json::parse`].
//!
//! It reads what `serde_json::from_slice::<serde_json::Value>` reads, with the same values
//! and the same errors, and fails where it fails:
//!
//! - Integers are kept exactly up to `u64::MAX` ([`Json::U64`]) and down to `i64::MIN`
//!   ([`Json::I64`], negative only); any other number is an `f64` ([`Json::F64`]) computed
//!   as serde_json computes it (without its `float_roundtrip` feature), and a number too
//!   large for an `f64` is an error.
//! - Strings must be valid UTF-8; escapes are decoded, `\u` surrogate pairs joined, and a
//!   lone surrogate is an error.
//! - Nesting deeper than 127 arrays or objects is an error (serde_json's recursion limit),
//!   so hostile input cannot overflow the stack; anything but whitespace after the value is
//!   an error.
//! - An error has serde_json's message (`expected value at line 1 column 5`) and the JSON
//!   path where it happened as `serde_path_to_error` writes it (`errors[0].code`, `.` for
//!   the top level, `?` for an object key that could not be read).
//!
//! Objects keep their entries in document order ([`JsonObject::entries`]); a repeated key
//! is kept, but every lookup sees its last value, and ordered views
//! ([`JsonObject::iter`], [`fmt::Display`], `Serialize`, [`ToJson`]) list each key once,
//! sorted, as serde_json's `Map` does. The tests compare the reader with serde_json and
//! serde_path_to_error on generated and mutated texts and on the golden fixtures.

use std::fmt;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::error::{ParseError, excerpt};
use crate::json_out::ToJson;
use crate::text::push_u64;

/// A JSON value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Json {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer from 0 to `u64::MAX`.
    U64(u64),
    /// A negative integer down to `i64::MIN`.
    I64(i64),
    /// Any other number (a fraction, an exponent, `-0`, an integer beyond 64 bits); finite.
    F64(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object.
    Object(JsonObject),
}

/// A JSON object: its entries in document order, a repeated key read as its last value.
#[derive(Debug, Clone, Default)]
pub struct JsonObject {
    entries: Vec<(String, Json)>,
}

impl Json {
    /// Read a JSON text (a whole body: only whitespace may follow the value).
    ///
    /// # Errors
    /// A [`ParseError`] with the path, serde_json's message and an excerpt of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Json, ParseError> {
        let mut parser = Parser {
            bytes,
            index: 0,
            remaining_depth: 128,
        };
        let value = parser.value().and_then(|value| match parser.whitespace() {
            Some(_) => Err(parser.peek_error(Code::TrailingCharacters)),
            None => Ok(value),
        });
        value.map_err(|failure| ParseError {
            path: failure.path(),
            message: failure.message,
            excerpt: excerpt(bytes),
        })
    }

    /// How the value's type reads in a message: `null`, `a boolean`, `a number`,
    /// `a string`, `an array`, `an object`.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::U64(_) | Json::I64(_) | Json::F64(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(text) => Some(text),
            _ => None,
        }
    }

    /// The number as a `u64`, if it is an integer in its range.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::U64(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as an `i64`, if it is an integer in its range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::U64(n) => i64::try_from(*n).ok(),
            Json::I64(n) => Some(*n),
            _ => None,
        }
    }

    /// The number as an `f64` (integers rounded), if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::U64(n) => Some(*n as f64),
            Json::I64(n) => Some(*n as f64),
            Json::F64(f) => Some(*f),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&JsonObject> {
        match self {
            Json::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The value of `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.as_object()?.get(key)
    }
}

impl JsonObject {
    /// An empty object.
    pub fn new() -> Self {
        JsonObject::default()
    }

    /// Every entry in document order, a repeated key as often as it appeared.
    pub fn entries(&self) -> &[(String, Json)] {
        &self.entries
    }

    /// The value of `key` (its last value when repeated).
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == key)
    }

    /// Remove `key` (every occurrence) and return its last value.
    pub fn remove(&mut self, key: &str) -> Option<Json> {
        let last = self.entries.iter().rposition(|(k, _)| k == key)?;
        let value = self.entries.get_mut(last).map(|(_, v)| std::mem::take(v));
        self.entries.retain(|(k, _)| k != key);
        value
    }

    /// Set `key` to `value`, returning its previous value.
    pub fn insert(&mut self, key: String, value: Json) -> Option<Json> {
        let old = self.remove(&key);
        self.entries.push((key, value));
        old
    }

    /// How many distinct keys there are.
    pub fn len(&self) -> usize {
        self.order().len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Each key once (with its last value), sorted by key, like serde_json's `Map`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.order().into_iter().filter_map(|i| {
            let (key, value) = self.entries.get(i)?;
            Some((key.as_str(), value))
        })
    }

    /// The keys of [`JsonObject::iter`].
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(key, _)| key)
    }

    /// The entries of [`JsonObject::iter`], owned.
    pub fn into_sorted(self) -> Vec<(String, Json)> {
        let order = self.order();
        let mut entries = self.entries;
        let mut sorted = Vec::with_capacity(order.len());
        for i in order {
            if let Some(entry) = entries.get_mut(i) {
                sorted.push(std::mem::take(entry));
            }
        }
        sorted
    }

    /// The indices of [`JsonObject::iter`]: sorted by key (a heap sort by key and index,
    /// so stable: a few hundred bytes of WebAssembly, `n log n` on hostile objects), the
    /// last of each key.
    fn order(&self) -> Vec<usize> {
        let key = |i: usize| self.entries.get(i).map_or("", |(k, _)| k.as_str());
        // Heap sort by (key, index): a total order, so equal keys stay in document order.
        let less = |v: &[usize], a: usize, b: usize| match (v.get(a), v.get(b)) {
            (Some(&a), Some(&b)) => (key(a), a) < (key(b), b),
            _ => false,
        };
        let sift = |v: &mut [usize], mut root: usize| loop {
            let mut child = 2 * root + 1;
            if less(v, child, child + 1) {
                child += 1;
            }
            if !less(v, root, child) {
                break;
            }
            v.swap(root, child);
            root = child;
        };
        let n = self.entries.len();
        let mut order: Vec<usize> = Vec::with_capacity(n);
        for i in 0..n {
            order.push(i);
        }
        for root in (0..n / 2).rev() {
            sift(&mut order, root);
        }
        for end in (1..n).rev() {
            order.swap(0, end);
            if let Some(heap) = order.get_mut(..end) {
                sift(heap, 0);
            }
        }
        // Stable: of a run of equal keys the last in document order is the last in the run.
        let mut unique: Vec<usize> = Vec::with_capacity(n);
        for i in order {
            if let Some(previous) = unique.last_mut()
                && key(*previous) == key(i)
            {
                *previous = i;
            } else {
                unique.push(i);
            }
        }
        unique
    }
}

impl PartialEq for JsonObject {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl FromIterator<(String, Json)> for JsonObject {
    fn from_iter<I: IntoIterator<Item = (String, Json)>>(entries: I) -> Self {
        JsonObject {
            entries: entries.into_iter().collect(),
        }
    }
}

/// Compact JSON as [`crate::json_out`] writes it: what `serde_json::to_string` writes for
/// the same `serde_json::Value` (object keys sorted and once each), except that a float is
/// its exact decimal value (`0.1` as `0.1000000000000000055511151231257827021181583404541015625`),
/// which reads back as the same `f64`.
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

/// Serialized as the same `serde_json::Value` would be (object keys sorted, once each).
impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(flag) => serializer.serialize_bool(*flag),
            Json::U64(n) => serializer.serialize_u64(*n),
            Json::I64(n) => serializer.serialize_i64(*n),
            Json::F64(x) => serializer.serialize_f64(*x),
            Json::String(text) => serializer.serialize_str(text),
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(object) => object.serialize(serializer),
        }
    }
}

impl Serialize for JsonObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let order = self.order();
        let mut map = serializer.serialize_map(Some(order.len()))?;
        for (key, value) in order.into_iter().filter_map(|i| self.entries.get(i)) {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// What went wrong (serde_json's `ErrorCode`s that reading a value can raise).
#[derive(Debug, Clone, Copy)]
enum Code {
    EofWhileParsingList,
    EofWhileParsingObject,
    EofWhileParsingString,
    EofWhileParsingValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedSomeIdent,
    ExpectedSomeValue,
    InvalidEscape,
    InvalidNumber,
    NumberOutOfRange,
    InvalidUnicodeCodePoint,
    ControlCharacterWhileParsingString,
    KeyMustBeAString,
    LoneLeadingSurrogateInHexEscape,
    TrailingComma,
    TrailingCharacters,
    UnexpectedEndOfHexEscape,
    RecursionLimitExceeded,
}

impl Code {
    fn text(self) -> &'static str {
        match self {
            Code::EofWhileParsingList => "EOF while parsing a list",
            Code::EofWhileParsingObject => "EOF while parsing an object",
            Code::EofWhileParsingString => "EOF while parsing a string",
            Code::EofWhileParsingValue => "EOF while parsing a value",
            Code::ExpectedColon => "expected `:`",
            Code::ExpectedListCommaOrEnd => "expected `,` or `]`",
            Code::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            Code::ExpectedSomeIdent => "expected ident",
            Code::ExpectedSomeValue => "expected value",
            Code::InvalidEscape => "invalid escape",
            Code::InvalidNumber => "invalid number",
            Code::NumberOutOfRange => "number out of range",
            Code::InvalidUnicodeCodePoint => "invalid unicode code point",
            Code::ControlCharacterWhileParsingString => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Code::KeyMustBeAString => "key must be a string",
            Code::LoneLeadingSurrogateInHexEscape => "lone leading surrogate in hex escape",
            Code::TrailingComma => "trailing comma",
            Code::TrailingCharacters => "trailing characters",
            Code::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            Code::RecursionLimitExceeded => "recursion limit exceeded",
        }
    }
}

/// One step of an error's path.
#[derive(Debug)]
enum Segment {
    /// An array item.
    Index(usize),
    /// An object value.
    Key(String),
    /// An object key (or the place of one) that could not be read.
    Unknown,
}

/// A failure on its way out: the message, and the path collected innermost first as the
/// error passes each enclosing array and object.
#[derive(Debug)]
struct Failure {
    message: String,
    path: Vec<Segment>,
}

impl Failure {
    fn at(mut self, segment: Segment) -> Self {
        self.path.push(segment);
        self
    }

    /// The path as `serde_path_to_error::Path` displays it.
    fn path(&self) -> String {
        if self.path.is_empty() {
            return ".".to_string();
        }
        let mut out = String::new();
        for (i, segment) in self.path.iter().rev().enumerate() {
            if i > 0 && !matches!(segment, Segment::Index(_)) {
                out.push('.');
            }
            match segment {
                Segment::Index(index) => {
                    out.push('[');
                    push_u64(&mut out, *index as u64);
                    out.push(']');
                }
                Segment::Key(key) => out.push_str(key),
                Segment::Unknown => out.push('?'),
            }
        }
        out
    }
}

struct Parser<'a> {
    bytes: &'a [u8],
    index: usize,
    /// Arrays and objects that may still be opened (serde_json's recursion limit).
    remaining_depth: u8,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.index).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.index += 1;
        Some(byte)
    }

    /// An error about the byte just read (serde_json's `error`).
    fn error(&self, code: Code) -> Failure {
        self.fail(code, self.index, 0)
    }

    /// An error about the byte about to be read (serde_json's `peek_error`).
    fn peek_error(&self, code: Code) -> Failure {
        self.fail(code, (self.index + 1).min(self.bytes.len()), 0)
    }

    /// The error at byte `at`, its column moved `back` bytes to the left.
    fn fail(&self, code: Code, at: usize, back: usize) -> Failure {
        let head = self.bytes.get(..at).unwrap_or(self.bytes);
        let line_start = head.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let line = 1 + head
            .iter()
            .take(line_start)
            .filter(|&&b| b == b'\n')
            .count();
        let column = (at - line_start).saturating_sub(back);
        let mut message = String::from(code.text());
        message.push_str(" at line ");
        push_u64(&mut message, line as u64);
        message.push_str(" column ");
        push_u64(&mut message, column as u64);
        Failure {
            message,
            path: Vec::new(),
        }
    }

    /// Skip whitespace; the next byte, not consumed.
    fn whitespace(&mut self) -> Option<u8> {
        while let Some(byte) = self.peek() {
            if !matches!(byte, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(byte);
            }
            self.index += 1;
        }
        None
    }

    fn value(&mut self) -> Result<Json, Failure> {
        let Some(peek) = self.whitespace() else {
            return Err(self.peek_error(Code::EofWhileParsingValue));
        };
        match peek {
            b'n' => self.ident(b"null").map(|()| Json::Null),
            b't' => self.ident(b"true").map(|()| Json::Bool(true)),
            b'f' => self.ident(b"false").map(|()| Json::Bool(false)),
            b'-' => {
                self.index += 1;
                self.number(false)
            }
            b'0'..=b'9' => self.number(true),
            b'"' => {
                self.index += 1;
                self.string().map(Json::String)
            }
            b'[' | b'{' => {
                self.remaining_depth -= 1;
                if self.remaining_depth == 0 {
                    return Err(self.peek_error(Code::RecursionLimitExceeded));
                }
                self.index += 1;
                let value = if peek == b'[' {
                    self.array()
                } else {
                    self.object()
                };
                self.remaining_depth += 1;
                value
            }
            _ => Err(self.peek_error(Code::ExpectedSomeValue)),
        }
    }

    /// `null`, `true` or `false`, whose first byte was peeked.
    fn ident(&mut self, ident: &[u8]) -> Result<(), Failure> {
        self.index += 1;
        for expected in ident.iter().skip(1) {
            match self.next() {
                None => return Err(self.error(Code::EofWhileParsingValue)),
                Some(byte) if byte != *expected => {
                    return Err(self.error(Code::ExpectedSomeIdent));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The items after `[`, and the `]`.
    fn array(&mut self) -> Result<Json, Failure> {
        let mut items = Vec::new();
        loop {
            let Some(peek) = self.whitespace() else {
                return Err(self.peek_error(Code::EofWhileParsingList));
            };
            if peek == b']' {
                self.index += 1;
                return Ok(Json::Array(items));
            }
            if !items.is_empty() {
                if peek != b',' {
                    return Err(self.peek_error(Code::ExpectedListCommaOrEnd));
                }
                self.index += 1;
                match self.whitespace() {
                    Some(b']') => return Err(self.peek_error(Code::TrailingComma)),
                    Some(_) => {}
                    None => return Err(self.peek_error(Code::EofWhileParsingValue)),
                }
            }
            let index = items.len();
            items.push(
                self.value()
                    .map_err(|failure| failure.at(Segment::Index(index)))?,
            );
        }
    }

    /// The entries after `{`, and the `}`.
    fn object(&mut self) -> Result<Json, Failure> {
        let mut entries = Vec::new();
        loop {
            let key = self
                .key(entries.is_empty())
                .map_err(|failure| failure.at(Segment::Unknown))?;
            let Some(key) = key else {
                return Ok(Json::Object(JsonObject { entries }));
            };
            match self.whitespace() {
                Some(b':') => self.index += 1,
                Some(_) => return Err(self.peek_error(Code::ExpectedColon)),
                None => return Err(self.peek_error(Code::EofWhileParsingObject)),
            }
            match self.value() {
                Ok(value) => entries.push((key, value)),
                Err(failure) => return Err(failure.at(Segment::Key(key))),
            }
        }
    }

    /// The next key of an object, or `None` after its `}`.
    fn key(&mut self, first: bool) -> Result<Option<String>, Failure> {
        let Some(peek) = self.whitespace() else {
            return Err(self.peek_error(Code::EofWhileParsingObject));
        };
        if peek == b'}' {
            self.index += 1;
            return Ok(None);
        }
        if !first {
            if peek != b',' {
                return Err(self.peek_error(Code::ExpectedObjectCommaOrEnd));
            }
            self.index += 1;
            match self.whitespace() {
                Some(b'"') => {}
                Some(b'}') => return Err(self.peek_error(Code::TrailingComma)),
                Some(_) => return Err(self.peek_error(Code::KeyMustBeAString)),
                None => return Err(self.peek_error(Code::EofWhileParsingValue)),
            }
        } else if peek != b'"' {
            return Err(self.peek_error(Code::KeyMustBeAString));
        }
        self.index += 1;
        self.string().map(Some)
    }

    /// The rest of a string after its opening `"`.
    fn string(&mut self) -> Result<String, Failure> {
        let mut scratch: Vec<u8> = Vec::new();
        let mut start = self.index;
        loop {
            while self
                .peek()
                .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.index += 1;
            }
            let chunk = self.bytes.get(start..self.index).unwrap_or_default();
            match self.next() {
                None => return Err(self.error(Code::EofWhileParsingString)),
                Some(b'"') => {
                    let text = if scratch.is_empty() {
                        chunk.to_vec()
                    } else {
                        scratch.extend_from_slice(chunk);
                        scratch
                    };
                    let len = text.len();
                    // serde_json points back from after the closing quote by the bytes from
                    // the first invalid one to the end of the decoded text.
                    return String::from_utf8(text).map_err(|e| {
                        let back = len - e.utf8_error().valid_up_to();
                        self.fail(Code::InvalidUnicodeCodePoint, self.index, back)
                    });
                }
                Some(b'\\') => {
                    scratch.extend_from_slice(chunk);
                    self.escape(&mut scratch)?;
                    start = self.index;
                }
                Some(_) => return Err(self.error(Code::ControlCharacterWhileParsingString)),
            }
        }
    }

    /// An escape after its `\\`, decoded into `scratch`.
    fn escape(&mut self, scratch: &mut Vec<u8>) -> Result<(), Failure> {
        let byte = match self.next() {
            None => return Err(self.error(Code::EofWhileParsingString)),
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => b'\x08',
            Some(b'f') => b'\x0c',
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                let c = self.unicode_escape()?;
                scratch.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                return Ok(());
            }
            Some(_) => return Err(self.error(Code::InvalidEscape)),
        };
        scratch.push(byte);
        Ok(())
    }

    /// The character of a `\\u` escape (and of the `\\u` escape of its low surrogate).
    fn unicode_escape(&mut self) -> Result<char, Failure> {
        let high = self.hex_escape()?;
        if (0xDC00..=0xDFFF).contains(&high) {
            return Err(self.error(Code::LoneLeadingSurrogateInHexEscape));
        }
        if !(0xD800..=0xDBFF).contains(&high) {
            return char::from_u32(u32::from(high))
                .ok_or_else(|| self.error(Code::InvalidUnicodeCodePoint));
        }
        for expected in [b'\\', b'u'] {
            match self.next() {
                None => return Err(self.error(Code::EofWhileParsingString)),
                Some(byte) if byte != expected => {
                    return Err(self.error(Code::UnexpectedEndOfHexEscape));
                }
                Some(_) => {}
            }
        }
        let low = self.hex_escape()?;
        if !(0xDC00..=0xDFFF).contains(&low) {
            return Err(self.error(Code::LoneLeadingSurrogateInHexEscape));
        }
        let code = 0x1_0000 + ((u32::from(high) - 0xD800) << 10 | (u32::from(low) - 0xDC00));
        char::from_u32(code).ok_or_else(|| self.error(Code::InvalidUnicodeCodePoint))
    }

    /// Four hex digits.
    fn hex_escape(&mut self) -> Result<u16, Failure> {
        let Some(digits) = self.bytes.get(self.index..self.index + 4) else {
            self.index = self.bytes.len();
            return Err(self.error(Code::EofWhileParsingString));
        };
        self.index += 4;
        let mut value = 0u16;
        for &digit in digits {
            let nibble = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return Err(self.error(Code::InvalidEscape)),
            };
            value = value << 4 | u16::from(nibble);
        }
        Ok(value)
    }

    /// A number after its sign.
    fn number(&mut self, positive: bool) -> Result<Json, Failure> {
        let significand = match self.next() {
            None => return Err(self.error(Code::EofWhileParsingValue)),
            Some(b'0') => {
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.peek_error(Code::InvalidNumber));
                }
                0
            }
            Some(first @ b'1'..=b'9') => {
                let mut significand = u64::from(first - b'0');
                while let Some(byte @ b'0'..=b'9') = self.peek() {
                    let Some(next) = significand
                        .checked_mul(10)
                        .and_then(|s| s.checked_add(u64::from(byte - b'0')))
                    else {
                        return self.long_integer(positive, significand).map(Json::F64);
                    };
                    self.index += 1;
                    significand = next;
                }
                significand
            }
            Some(_) => return Err(self.error(Code::InvalidNumber)),
        };
        match self.peek() {
            Some(b'.') => self.decimal(positive, significand, 0).map(Json::F64),
            Some(b'e' | b'E') => self.exponent(positive, significand, 0).map(Json::F64),
            _ if positive => Ok(Json::U64(significand)),
            // `-0` and integers below `i64::MIN` are floats.
            _ => Ok(match 0i64.checked_sub_unsigned(significand) {
                Some(n) if n < 0 => Json::I64(n),
                _ => Json::F64(-(significand as f64)),
            }),
        }
    }

    /// The rest of an integer too long for a `u64`: its digits only scale the significand.
    fn long_integer(&mut self, positive: bool, significand: u64) -> Result<f64, Failure> {
        let mut exponent: i32 = 0;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.index += 1;
            exponent = exponent.saturating_add(1);
        }
        match self.peek() {
            Some(b'.') => self.decimal(positive, significand, exponent),
            Some(b'e' | b'E') => self.exponent(positive, significand, exponent),
            _ => self.float(positive, significand, exponent),
        }
    }

    /// The fraction at `.`.
    fn decimal(
        &mut self,
        positive: bool,
        mut significand: u64,
        exponent_before: i32,
    ) -> Result<f64, Failure> {
        self.index += 1;
        let mut exponent_after: i32 = 0;
        let mut overflowed = false;
        while let Some(byte @ b'0'..=b'9') = self.peek() {
            if !overflowed {
                match significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(u64::from(byte - b'0')))
                {
                    Some(next) => {
                        significand = next;
                        exponent_after -= 1;
                    }
                    // Further digits are ignored.
                    None => overflowed = true,
                }
            }
            self.index += 1;
        }
        if exponent_after == 0 && !overflowed {
            return Err(self.peek_error(match self.peek() {
                Some(_) => Code::InvalidNumber,
                None => Code::EofWhileParsingValue,
            }));
        }
        let exponent = exponent_before.saturating_add(exponent_after);
        match self.peek() {
            Some(b'e' | b'E') => self.exponent(positive, significand, exponent),
            _ => self.float(positive, significand, exponent),
        }
    }

    /// The exponent at `e`.
    fn exponent(
        &mut self,
        positive: bool,
        significand: u64,
        starting: i32,
    ) -> Result<f64, Failure> {
        self.index += 1;
        let positive_exponent = match self.peek() {
            Some(b'+') => {
                self.index += 1;
                true
            }
            Some(b'-') => {
                self.index += 1;
                false
            }
            _ => true,
        };
        let mut exponent: i32 = match self.next() {
            None => return Err(self.error(Code::EofWhileParsingValue)),
            Some(digit @ b'0'..=b'9') => i32::from(digit - b'0'),
            Some(_) => return Err(self.error(Code::InvalidNumber)),
        };
        while let Some(byte @ b'0'..=b'9') = self.peek() {
            self.index += 1;
            let Some(next) = exponent
                .checked_mul(10)
                .and_then(|e| e.checked_add(i32::from(byte - b'0')))
            else {
                // An exponent past `i32::MAX`: infinity is an error, zero is zero.
                if significand != 0 && positive_exponent {
                    return Err(self.error(Code::NumberOutOfRange));
                }
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.index += 1;
                }
                return Ok(if positive { 0.0 } else { -0.0 });
            };
            exponent = next;
        }
        let exponent = if positive_exponent {
            starting.saturating_add(exponent)
        } else {
            starting.saturating_sub(exponent)
        };
        self.float(positive, significand, exponent)
    }

    /// `significand * 10^exponent`, computed as serde_json computes it (one
    /// multiplication or division by a correctly rounded power of ten, so not always
    /// correctly rounded itself).
    fn float(&self, positive: bool, significand: u64, mut exponent: i32) -> Result<f64, Failure> {
        let mut f = significand as f64;
        loop {
            if let Some(power) = power_of_ten(exponent.unsigned_abs()) {
                if exponent >= 0 {
                    f *= power;
                    if f.is_infinite() {
                        return Err(self.error(Code::NumberOutOfRange));
                    }
                } else {
                    f /= power;
                }
                break;
            }
            if f == 0.0 {
                break;
            }
            if exponent >= 0 {
                return Err(self.error(Code::NumberOutOfRange));
            }
            f /= 1e308;
            exponent += 308;
        }
        Ok(if positive { f } else { -f })
    }
}

/// `10^n` correctly rounded (the value of the literal `1e<n>`), for `n <= 308`.
///
/// Computed rather than tabled (a table is 2.5 KB of WebAssembly data): `10^n` is exact
/// up to `n = 22`, beyond that `5^n` is computed exactly in 32-bit limbs and rounded to
/// 53 bits, half to even.
fn power_of_ten(n: u32) -> Option<f64> {
    if n > 308 {
        return None;
    }
    if n <= 22 {
        return Some((0..n).fold(1.0, |f, _| f * 10.0));
    }
    // 5^308 < 2^716: 23 limbs, little-endian.
    let mut limbs = [0u32; 23];
    limbs[0] = 1;
    for _ in 0..n {
        let mut carry = 0u64;
        for limb in &mut limbs {
            let product = u64::from(*limb) * 5 + carry;
            *limb = product as u32;
            carry = product >> 32;
        }
    }
    let bit = |i: u32| {
        limbs
            .get((i / 32) as usize)
            .is_some_and(|limb| limb >> (i % 32) & 1 == 1)
    };
    let bits = (0..23 * 32).rev().find(|&i| bit(i)).map_or(0, |i| i + 1);
    // n > 22, so 5^n has more than 54 bits: the top 53, a round bit, a sticky rest.
    let mut mantissa = (bits - 53..bits)
        .rev()
        .fold(0u64, |m, i| m << 1 | u64::from(bit(i)));
    let round = bit(bits - 54);
    let sticky = (0..bits - 54).any(bit);
    let mut exponent = bits - 53 + n;
    if round && (sticky || mantissa & 1 == 1) {
        mantissa += 1;
        if mantissa == 1 << 53 {
            mantissa >>= 1;
            exponent += 1;
        }
    }
    // mantissa * 2^exponent with the mantissa in [2^52, 2^53).
    let biased = u64::from(exponent + 52 + 1023);
    Some(f64::from_bits(biased << 52 | (mantissa & ((1 << 52) - 1))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// What `ParseError::parse_json::<serde_json::Value>` answered before this reader:
    /// the value, or the path and message of the error.
    fn oracle(bytes: &[u8]) -> Result<serde_json::Value, (String, String)> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| (e.path().to_string(), e.inner().to_string()))?;
        de.end().map_err(|e| (".".to_string(), e.to_string()))?;
        Ok(value)
    }

    /// The reader agrees with the oracle on `bytes`: both accept with the same value, or
    /// both fail with the same path and message.
    ///
    /// The core's tests build serde_json with `float_roundtrip` (for `json_out`'s tests),
    /// which rounds floats correctly, while the reader reads them as serde_json does by
    /// default (as the npm package always did): a float may be a few units in the last
    /// place off here, and only a number too large for serde_json's default may fail alone.
    /// `floats_are_read_as_serde_json_reads_them` checks floats exactly.
    fn same(bytes: &[u8]) -> Result<(), TestCaseError> {
        let text = String::from_utf8_lossy(bytes);
        match (Json::parse(bytes), oracle(bytes)) {
            (Ok(ours), Ok(theirs)) => {
                let value = serde_json::to_value(&ours).unwrap();
                prop_assert!(
                    close(&value, &theirs),
                    "{text}: ours {value}, serde_json {theirs}"
                );
                // Written as serde_json writes the same value; floats as exact decimals
                // that read back as the same value.
                let written = ours.to_string();
                if has_float(&ours) {
                    let read: serde_json::Value = serde_json::from_str(&written).unwrap();
                    prop_assert_eq!(&read, &value, "{}", text);
                } else {
                    prop_assert_eq!(written, value.to_string(), "{}", text);
                }
            }
            (Err(ours), Err((path, message))) => {
                prop_assert_eq!(
                    (ours.path.as_str(), ours.message.as_str()),
                    (path.as_str(), message.as_str()),
                    "{}",
                    text
                );
                prop_assert_eq!(ours.excerpt, excerpt(bytes));
            }
            (Err(ours), Ok(_)) if ours.message.starts_with("number out of range") => {}
            (ours, theirs) => prop_assert!(false, "{text}: ours {ours:?}, serde_json {theirs:?}"),
        }
        Ok(())
    }

    fn has_float(value: &Json) -> bool {
        match value {
            Json::F64(_) => true,
            Json::Array(items) => items.iter().any(has_float),
            Json::Object(object) => object.entries().iter().any(|(_, v)| has_float(v)),
            _ => false,
        }
    }

    /// Equal, except that floats may be a few units in the last place apart.
    fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (a, b) {
            (Value::Number(x), Value::Number(y)) if x.is_f64() && y.is_f64() => {
                let (x, y) = (
                    x.as_f64().unwrap_or_default(),
                    y.as_f64().unwrap_or_default(),
                );
                x.to_bits().abs_diff(y.to_bits()) <= 4
                    || (x - y).abs() <= 1e-15 * x.abs().max(y.abs())
            }
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|((k, x), (l, y))| k == l && close(x, y))
            }
            _ => a == b,
        }
    }

    /// serde_json 1.0.154's number reader without `float_roundtrip` (`parse_integer`,
    /// `parse_number`, `parse_decimal`, `parse_exponent`, `parse_long_integer`,
    /// `parse_decimal_overflow`, `parse_exponent_overflow`, `f64_from_parts` of its
    /// `de.rs`), transcribed: the value of a number text, `None` for "number out of range".
    /// Only for texts that are one valid JSON number.
    fn serde_json_number(text: &[u8]) -> Option<Json> {
        let pow10 = |n: usize| (n <= 308).then(|| format!("1e{n}").parse::<f64>().unwrap());
        let from_parts = |positive: bool, significand: u64, mut exponent: i32| {
            let mut f = significand as f64;
            loop {
                match pow10(exponent.wrapping_abs() as usize) {
                    Some(pow) => {
                        if exponent >= 0 {
                            f *= pow;
                            if f.is_infinite() {
                                return None;
                            }
                        } else {
                            f /= pow;
                        }
                        break;
                    }
                    None => {
                        if f == 0.0 {
                            break;
                        }
                        if exponent >= 0 {
                            return None;
                        }
                        f /= 1e308;
                        exponent += 308;
                    }
                }
            }
            Some(if positive { f } else { -f })
        };
        let (positive, digits) = match text.strip_prefix(b"-") {
            Some(rest) => (false, rest),
            None => (true, text),
        };
        let mut at = 0;
        let peek = |at: usize| digits.get(at).copied().unwrap_or(0);
        // parse_integer: the significand while it fits, then only the exponent grows.
        let mut significand: u64 = 0;
        let mut exponent: i32 = 0;
        while peek(at).is_ascii_digit() {
            let digit = u64::from(peek(at) - b'0');
            at += 1;
            match significand
                .checked_mul(10)
                .and_then(|s| s.checked_add(digit))
            {
                Some(next) if exponent == 0 => significand = next,
                _ => exponent += 1,
            }
        }
        if peek(at) != b'.' && !matches!(peek(at), b'e' | b'E') {
            if exponent > 0 {
                return from_parts(positive, significand, exponent).map(Json::F64);
            }
            if positive {
                return Some(Json::U64(significand));
            }
            let neg = (significand as i64).wrapping_neg();
            return Some(if neg >= 0 {
                Json::F64(-(significand as f64))
            } else {
                Json::I64(neg)
            });
        }
        if peek(at) == b'.' {
            at += 1;
            let mut overflow = false;
            while peek(at).is_ascii_digit() {
                let digit = u64::from(peek(at) - b'0');
                at += 1;
                if overflow {
                    continue;
                }
                match significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(digit))
                {
                    Some(next) => {
                        significand = next;
                        exponent -= 1;
                    }
                    None => overflow = true,
                }
            }
        }
        if matches!(peek(at), b'e' | b'E') {
            at += 1;
            let positive_exp = match peek(at) {
                b'-' => {
                    at += 1;
                    false
                }
                b'+' => {
                    at += 1;
                    true
                }
                _ => true,
            };
            let mut exp: i32 = 0;
            while peek(at).is_ascii_digit() {
                let digit = i32::from(peek(at) - b'0');
                at += 1;
                match exp.checked_mul(10).and_then(|e| e.checked_add(digit)) {
                    Some(next) => exp = next,
                    None if significand != 0 && positive_exp => return None,
                    None => return Some(Json::F64(if positive { 0.0 } else { -0.0 })),
                }
            }
            exponent = if positive_exp {
                exponent.saturating_add(exp)
            } else {
                exponent.saturating_sub(exp)
            };
        }
        from_parts(positive, significand, exponent).map(Json::F64)
    }

    /// Number texts: exactly serde_json's default reading (values and "number out of
    /// range"); their other errors as the oracle's.
    fn same_number(text: &[u8]) -> Result<(), TestCaseError> {
        let shown = String::from_utf8_lossy(text);
        let digit = |i: usize| text.get(i).is_some_and(u8::is_ascii_digit);
        let mut i = usize::from(text.first() == Some(&b'-'));
        let mut valid = text.get(i) == Some(&b'0') || digit(i);
        let skip_digits = |i: &mut usize| {
            let start = *i;
            while digit(*i) {
                *i += 1;
            }
            *i > start
        };
        if text.get(i) == Some(&b'0') {
            i += 1;
        } else {
            skip_digits(&mut i);
        }
        if text.get(i) == Some(&b'.') {
            i += 1;
            valid &= skip_digits(&mut i);
        }
        if matches!(text.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(text.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            valid &= skip_digits(&mut i);
        }
        let valid = valid && i == text.len();
        if !valid {
            return same(text);
        }
        match (Json::parse(text), serde_json_number(text)) {
            (Ok(ours), Some(theirs)) => {
                let bits = |v: &Json| match v {
                    Json::F64(f) => format!("f{}", f.to_bits()),
                    other => format!("{other:?}"),
                };
                prop_assert_eq!(bits(&ours), bits(&theirs), "{}", shown);
            }
            (Err(ours), None) => {
                prop_assert!(
                    ours.message.starts_with("number out of range"),
                    "{shown}: {ours:?}"
                );
            }
            (ours, theirs) => prop_assert!(false, "{shown}: ours {ours:?}, serde_json {theirs:?}"),
        }
        Ok(())
    }

    #[test]
    fn floats_are_read_as_serde_json_reads_them() {
        let mut runner = TestRunner::new(Config::with_cases(20000));
        runner.run(&number(), |text| same_number(&text)).unwrap();
        for text in [
            "9007199254740993",
            "9007199254740993.0",
            "18446744073709551615",
            "18446744073709551616",
            "184467440737095516150",
            "18446744073709551615.5",
            "1844674407370955161.9",
            "184467440737095516161.5e-3",
            "-9223372036854775808",
            "-9223372036854775809",
            "-18446744073709551615",
            "-0",
            "-0.0",
            "0e999999999999",
            "1e999999999999",
            "-1e-999999999999",
            "1e2147483647",
            "1e2147483648",
            "0.1e-2147483648",
            "1e-2147483648",
            "1e308",
            "1e309",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "17976931348623157e292",
            "2.2250738585072014e-308",
            "4.9e-324",
            "2e-324",
            "1e-400",
            "0.3",
            "0.30000000000000004",
            "123456789012345678901234567890e-10",
            "3.14159265358979323846264338327950288",
            "0.000000000000000000000000000001e30",
        ] {
            same_number(text.as_bytes()).unwrap();
        }
    }

    #[test]
    fn powers_of_ten_are_the_literals() {
        for n in 0..=308 {
            let literal: f64 = format!("1e{n}").parse().unwrap();
            assert_eq!(
                power_of_ten(n).map(f64::to_bits),
                Some(literal.to_bits()),
                "{n}"
            );
        }
        assert_eq!(power_of_ten(309), None);
    }

    /// Every text of up to four bytes over two small alphabets: the error positions and
    /// paths of every early failure.
    #[test]
    fn agrees_on_every_short_text() {
        for alphabet in [&b"[]{}\":,01-.e\\ nu"[..], b"[{\"a:1,}]\n\xfft-"] {
            let mut texts: Vec<Vec<u8>> = vec![Vec::new()];
            for _ in 0..4 {
                let longer: Vec<Vec<u8>> = texts
                    .iter()
                    .filter(|t| t.len() == texts.last().map_or(0, Vec::len))
                    .flat_map(|t| {
                        alphabet.iter().map(move |&b| {
                            let mut t = t.clone();
                            t.push(b);
                            t
                        })
                    })
                    .collect();
                texts.extend(longer);
            }
            for text in &texts {
                same(text).unwrap();
            }
        }
    }

    #[test]
    fn agrees_on_known_texts() {
        let deep = |n: usize, open: &str, close: &str| open.repeat(n) + &close.repeat(n);
        let mut texts: Vec<String> = [
            "0",
            "-0",
            "-0.0",
            "1",
            "-1",
            "01",
            "1.",
            "1.e5",
            ".5",
            "-",
            "--1",
            "+1",
            "1e",
            "1e+",
            "1E-",
            "1e5",
            "1E+05",
            "1e-5",
            "0.1",
            "0.30000000000000004",
            "123.456e-789",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
            "1e308",
            "1e309",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "2.2250738585072014e-308",
            "4.9e-324",
            "2e-324",
            "1e-400",
            "0e999999999999",
            "1e999999999999",
            "1e-999999999999",
            "-1e999999999999",
            "0.000000000000000000000000000001e30",
            "1234567890123456789012345678901234567890.123456789e-20",
            "3.14159265358979323846264338327950288",
            "1e2147483647",
            "1e2147483648",
            "0.1e-2147483648",
            "1e-2147483648",
            "9007199254740993",
            "9007199254740993.0",
            "true",
            "false",
            "null",
            "nul",
            "nulx",
            "tru",
            "truex",
            "True",
            "",
            " ",
            "\n\n  x",
            "\"\"",
            "\"",
            "\"a",
            "\"\\",
            "\"\\u",
            "\"\\u00",
            "\"\\u0041\"",
            "\"\\u00e9\"",
            "\"\\uD83D\\uDE00\"",
            "\"\\ud83d\\ude00\"",
            "\"\\uD83D\"",
            "\"\\uDE00\"",
            "\"\\uD83Dx\"",
            "\"\\uD83D\\u0041\"",
            "\"\\uD83D\\n\"",
            "\"\\uD83D\\uD83D\"",
            "\"\\uD83D\\",
            "\"\\uD83D\\u",
            "\"\\uZZZZ\"",
            "\"\\x\"",
            "\"\\/\\b\\f\\n\\r\\t\"",
            "\"a\tb\"",
            "\"\u{7f}\"",
            "\"é😀\"",
            "[]",
            "[",
            "[1",
            "[1,",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[1]]",
            "[1] x",
            "{}",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "{\"a\":1,",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "{\"a\":1 \"b\":2}",
            "{\"a\":1,\"a\":2}",
            "{\"b\":1,\"a\":2,\"b\":3}",
            "{\"a\":{\"b\":[1,{\"c\":x}]}}",
            "[[[[]]],[[1,[2,{\"k\\u0041\":[3,-]}]]]]",
            "{\"\\uD800\":1}",
            "{\"a\":1}\n\n  x",
            "\u{feff}{}",
            "{\"a\":\"\u{1}\"}",
        ]
        .into_iter()
        .map(str::to_string)
        .collect();
        for n in [126, 127, 128, 129, 300] {
            texts.push(deep(n, "[", "]"));
            texts.push(deep(n, "{\"a\":", "}").replacen("}", "1}", 1));
            texts.push(deep(n, "[{\"k\":", "}]"));
        }
        for text in &texts {
            same(text.as_bytes()).unwrap();
        }
        for bytes in [
            &b"\"\xff\""[..],
            b"\"ab\xc3\"",
            b"\"\xed\xa0\x80\"",
            b"\"\xc0\x80\"",
            b"{\"a\":\"x\\n\xff\"}",
            b"[\"\\u00e9\xe9\"]",
            b"\xff",
            b"{\"\xfe\":1}",
        ] {
            same(bytes).unwrap();
        }
    }

    fn whitespace() -> impl Strategy<Value = &'static [u8]> {
        prop::sample::select(vec![&b""[..], b"", b"", b" ", b"\n", b"\t", b"\r\n  "])
    }

    fn number() -> BoxedStrategy<Vec<u8>> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            (any::<f64>(), any::<bool>()).prop_map(|(f, e)| if e {
                format!("{f:e}")
            } else {
                format!("{f}")
            }),
            "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][+-]?[0-9]{1,3})?",
            "-?[0-9]{0,3}\\.?[0-9]{0,3}[eE]?[+-]?[0-9]{0,3}",
            "[1-9][0-9]{15,40}(\\.[0-9]{0,30})?",
            "0\\.0{0,30}[1-9][0-9]{0,20}e-?[0-9]{1,3}",
        ]
        .prop_map(String::into_bytes)
        .boxed()
    }

    fn string() -> BoxedStrategy<Vec<u8>> {
        let piece = prop_oneof![
            12 => prop::sample::select(vec![
                &b"a"[..], b"Z", b"0", b" ", b".", b"\xc3\xa9", b"\xf0\x9f\x98\x80", b"\\\"",
                b"\\\\", b"\\/", b"\\b", b"\\f", b"\\n", b"\\r", b"\\t", b"\\u0041",
                b"\\u00e9", b"\\u001f", b"\\u0000", b"\\uD83D\\uDE00", b"\\ud83d\\ude00",
                b"\\u20AC", b"\x7f",
            ]),
            1 => prop::sample::select(vec![
                &b"\\uD800"[..], b"\\uDC00", b"\\uD800\\u0041", b"\\uD800x", b"\\uD800\\n",
                b"\\uD800\\uD800", b"\\u12", b"\\uZZZZ", b"\\x", b"\x01", b"\x1f", b"\xff",
                b"\xc3", b"\xed\xa0\x80", b"\xc0\x80", b"\n",
            ]),
        ];
        prop::collection::vec(piece, 0..8)
            .prop_map(|pieces| {
                let mut out = b"\"".to_vec();
                pieces.iter().for_each(|p| out.extend_from_slice(p));
                out.push(b'"');
                out
            })
            .boxed()
    }

    /// JSON texts, mostly valid, with random whitespace, repeated keys and odd numbers
    /// and strings.
    fn json_text() -> impl Strategy<Value = Vec<u8>> {
        let leaf = prop_oneof![
            1 => prop::sample::select(vec![&b"null"[..], b"true", b"false"]).prop_map(<[u8]>::to_vec),
            3 => number(),
            3 => string(),
        ];
        let key = prop_oneof![
            3 => prop::sample::select(vec![&b"\"a\""[..], b"\"b\"", b"\"\"", b"\"A\"", b"\"\\u0061\""])
                .prop_map(<[u8]>::to_vec),
            1 => string(),
        ];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            let item = (whitespace(), inner.clone(), whitespace());
            prop_oneof![
                prop::collection::vec(item, 0..6).prop_map(|items| {
                    let mut out = b"[".to_vec();
                    for (i, (a, v, b)) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(a);
                        out.extend_from_slice(v);
                        out.extend_from_slice(b);
                    }
                    out.push(b']');
                    out
                }),
                prop::collection::vec((key.clone(), whitespace(), inner), 0..6).prop_map(
                    |entries| {
                        let mut out = b"{".to_vec();
                        for (i, (k, ws, v)) in entries.iter().enumerate() {
                            if i > 0 {
                                out.push(b',');
                            }
                            out.extend_from_slice(ws);
                            out.extend_from_slice(k);
                            out.extend_from_slice(ws);
                            out.push(b':');
                            out.extend_from_slice(v);
                        }
                        out.push(b'}');
                        out
                    }
                ),
            ]
        })
        .prop_flat_map(|text| (whitespace(), Just(text), whitespace()))
        .prop_map(|(a, text, b)| [a, &text, b].concat())
    }

    #[test]
    fn agrees_on_generated_texts() {
        let mut runner = TestRunner::new(Config::with_cases(6000));
        runner.run(&json_text(), |text| same(&text)).unwrap();
    }

    /// Generated texts with a few bytes deleted, inserted, replaced or cut off.
    #[test]
    fn agrees_on_mutated_texts() {
        let edit = (
            0u8..4,
            any::<prop::sample::Index>(),
            prop::sample::select(b"[]{}\",:0123456789.eE+-\\u tnfalsr\n\xff\x01".to_vec()),
        );
        let mutated =
            (json_text(), prop::collection::vec(edit, 1..4)).prop_map(|(mut text, edits)| {
                for (kind, at, byte) in edits {
                    let at = at.index(text.len() + 1);
                    match kind {
                        0 if at < text.len() => {
                            text.remove(at);
                        }
                        1 => text.insert(at, byte),
                        2 if at < text.len() => text[at] = byte,
                        _ => text.truncate(at),
                    }
                }
                text
            });
        let mut runner = TestRunner::new(Config::with_cases(8000));
        runner.run(&mutated, |text| same(&text)).unwrap();
    }

    #[test]
    fn iteration_order_is_the_std_stable_sort_keeping_the_last_of_each_key() {
        let keys = prop::collection::vec("[a-d]{0,2}", 0..70);
        let mut runner = TestRunner::new(Config::with_cases(5000));
        runner
            .run(&keys, |keys| {
                let object: JsonObject = keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (k.clone(), Json::U64(i as u64)))
                    .collect();
                // The std way: a stable sort of the indices by key, then the last of each run.
                let mut want: Vec<usize> = (0..keys.len()).collect();
                want.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
                let mut unique: Vec<usize> = Vec::new();
                for i in want {
                    match unique.last_mut() {
                        Some(last) if keys[*last] == keys[i] => *last = i,
                        _ => unique.push(i),
                    }
                }
                prop_assert_eq!(object.order(), unique);
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn objects_keep_document_order_and_read_the_last_value() {
        let Json::Object(mut object) =
            Json::parse(br#"{"b":1,"a":2,"b":3,"c":{"x":null}}"#).unwrap()
        else {
            panic!("an object");
        };
        let keys: Vec<&str> = object.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "b", "c"]);
        assert_eq!(object.get("b"), Some(&Json::U64(3)));
        assert_eq!(object.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(object.len(), 3);
        assert_eq!(
            Json::Object(object.clone()).to_string(),
            r#"{"a":2,"b":3,"c":{"x":null}}"#
        );
        assert_eq!(object.remove("b"), Some(Json::U64(3)));
        assert!(!object.contains_key("b"));
        assert_eq!(
            object.insert("a".into(), Json::Bool(true)),
            Some(Json::U64(2))
        );
        assert_eq!(object.entries().len(), 2);
        let sorted = object.clone().into_sorted();
        assert_eq!(sorted.first().map(|(k, _)| k.as_str()), Some("a"));
        assert_eq!(
            Json::parse(br#"{"a":true,"c":{"x":null}}"#).unwrap(),
            Json::Object(object)
        );
    }

    #[test]
    fn numbers_keep_their_kind() {
        let read = |text: &str| Json::parse(text.as_bytes()).unwrap();
        assert_eq!(read("18446744073709551615"), Json::U64(u64::MAX));
        assert_eq!(read("-9223372036854775808"), Json::I64(i64::MIN));
        assert_eq!(read("-0").to_string(), "-0.0");
        assert_eq!(read("1e2"), Json::F64(100.0));
        assert_eq!(read("7").as_i64(), Some(7));
        assert_eq!(read("-7").as_u64(), None);
        assert_eq!(read("-7").as_f64(), Some(-7.0));
        assert_eq!(read("1.5").as_i64(), None);
        assert_eq!(read("[1]").kind(), "an array");
        assert_eq!(
            read(r#"{"a":[2]}"#).get("a"),
            Some(&Json::Array(vec![Json::U64(2)]))
        );
    }

    #[test]
    fn errors_name_the_path_and_position() {
        let error = |text: &str| {
            let e = Json::parse(text.as_bytes()).unwrap_err();
            (e.path, e.message)
        };
        let at = |path: &str, message: &str| (path.to_string(), message.to_string());
        assert_eq!(
            error(r#"{"errors":[{"code":x}]}"#),
            at("errors[0].code", "expected value at line 1 column 20")
        );
        assert_eq!(
            error("[1,\n 2"),
            at(".", "EOF while parsing a list at line 2 column 2")
        );
        assert_eq!(
            error(r#"{"a":1,}"#),
            at("?", "trailing comma at line 1 column 8")
        );
        assert_eq!(
            error(r#"{"a" 1}"#),
            at(".", "expected `:` at line 1 column 6")
        );
        assert_eq!(
            error("[1] 2"),
            at(".", "trailing characters at line 1 column 5")
        );
        assert_eq!(
            error(&format!("{}{}", "[".repeat(128), "]".repeat(128))),
            at(
                &"[0]".repeat(127),
                "recursion limit exceeded at line 1 column 128"
            )
        );
    }
}
