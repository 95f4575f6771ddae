//! Header names, values and the header list of a request or response.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use super::Error;

/// `Accept`.
pub const ACCEPT: HeaderName = HeaderName::from_static("accept");
/// `Authorization`.
pub const AUTHORIZATION: HeaderName = HeaderName::from_static("authorization");
/// `Content-Length`.
pub const CONTENT_LENGTH: HeaderName = HeaderName::from_static("content-length");
/// `Content-Type`.
pub const CONTENT_TYPE: HeaderName = HeaderName::from_static("content-type");
/// `Date`.
pub const DATE: HeaderName = HeaderName::from_static("date");
/// `Location`.
pub const LOCATION: HeaderName = HeaderName::from_static("location");
/// `Retry-After`.
pub const RETRY_AFTER: HeaderName = HeaderName::from_static("retry-after");
/// `WWW-Authenticate`.
pub const WWW_AUTHENTICATE: HeaderName = HeaderName::from_static("www-authenticate");

/// A header name: an RFC 9110 token, kept in lower case.
#[derive(Clone, PartialEq, Eq)]
pub struct HeaderName(Cow<'static, str>);

impl HeaderName {
    /// A name from a constant.
    ///
    /// # Panics
    /// When `name` is empty or not a lower-case token (a programming error; the
    /// constants of this module are all valid).
    pub const fn from_static(name: &'static str) -> Self {
        let bytes = name.as_bytes();
        assert!(!bytes.is_empty(), "empty header name");
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            assert!(
                is_token(b) && !b.is_ascii_uppercase(),
                "not a lower-case header name"
            );
            i += 1;
        }
        HeaderName(Cow::Borrowed(name))
    }

    /// A name from bytes, lower-cased.
    ///
    /// # Errors
    /// [`Error::HeaderName`] when `name` is empty, longer than 65 535 bytes or not a
    /// token.
    pub fn from_bytes(name: &[u8]) -> Result<Self, Error> {
        if name.is_empty()
            || name.len() > usize::from(u16::MAX)
            || !name.iter().all(|&b| is_token(b))
        {
            return Err(Error::HeaderName);
        }
        let lower = name.to_ascii_lowercase();
        String::from_utf8(lower)
            .map(|text| HeaderName(Cow::Owned(text)))
            .map_err(|_| Error::HeaderName)
    }

    /// The name, lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for HeaderName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl FromStr for HeaderName {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        HeaderName::from_bytes(s.as_bytes())
    }
}

impl TryFrom<&str> for HeaderName {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Error> {
        HeaderName::from_bytes(s.as_bytes())
    }
}

impl TryFrom<&String> for HeaderName {
    type Error = Error;

    fn try_from(s: &String) -> Result<Self, Error> {
        HeaderName::from_bytes(s.as_bytes())
    }
}

impl TryFrom<String> for HeaderName {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Error> {
        HeaderName::from_bytes(s.as_bytes())
    }
}

impl PartialEq<str> for HeaderName {
    /// Case-insensitive, like header names.
    fn eq(&self, other: &str) -> bool {
        self.as_str().eq_ignore_ascii_case(other)
    }
}

impl PartialEq<&str> for HeaderName {
    /// Case-insensitive, like header names.
    fn eq(&self, other: &&str) -> bool {
        self.as_str().eq_ignore_ascii_case(other)
    }
}

impl fmt::Debug for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `tchar` of RFC 9110 §5.6.2.
const fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// A header value: bytes without control characters (tab allowed), optionally marked
/// sensitive.
///
/// A sensitive value (credentials, tokens) prints as `Sensitive` in `Debug`, so requests
/// can be logged. Equality compares the bytes only.
#[derive(Clone)]
pub struct HeaderValue {
    bytes: Vec<u8>,
    sensitive: bool,
}

impl HeaderValue {
    /// A value from a constant.
    ///
    /// # Panics
    /// When `value` holds a control character (a programming error).
    pub fn from_static(value: &'static str) -> Self {
        assert!(
            value.bytes().all(is_valid),
            "control character in a header value"
        );
        HeaderValue {
            bytes: value.as_bytes().to_vec(),
            sensitive: false,
        }
    }

    /// A value from text.
    ///
    /// # Errors
    /// [`Error::HeaderValue`] when `value` holds a control character other than tab.
    #[allow(clippy::should_implement_trait)] // as in the `http` crate; `FromStr` is implemented too
    pub fn from_str(value: &str) -> Result<Self, Error> {
        HeaderValue::from_bytes(value.as_bytes())
    }

    /// A value from bytes (bytes 0x80 and above are allowed, as obsolete text).
    ///
    /// # Errors
    /// [`Error::HeaderValue`] when `value` holds a control character other than tab.
    pub fn from_bytes(value: &[u8]) -> Result<Self, Error> {
        if !value.iter().all(|&b| is_valid(b)) {
            return Err(Error::HeaderValue);
        }
        Ok(HeaderValue {
            bytes: value.to_vec(),
            sensitive: false,
        })
    }

    /// The value as text.
    ///
    /// # Errors
    /// [`Error::HeaderValue`] unless every byte is visible ASCII, space or tab.
    pub fn to_str(&self) -> Result<&str, Error> {
        if !self.bytes.iter().all(|&b| is_visible_ascii(b)) {
            return Err(Error::HeaderValue);
        }
        std::str::from_utf8(&self.bytes).map_err(|_| Error::HeaderValue)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Mark the value as sensitive (or not): a sensitive value is hidden from `Debug`.
    pub fn set_sensitive(&mut self, sensitive: bool) {
        self.sensitive = sensitive;
    }

    /// Whether the value is sensitive.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }
}

impl FromStr for HeaderValue {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        HeaderValue::from_bytes(s.as_bytes())
    }
}

impl TryFrom<&str> for HeaderValue {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Error> {
        HeaderValue::from_bytes(s.as_bytes())
    }
}

impl TryFrom<&String> for HeaderValue {
    type Error = Error;

    fn try_from(s: &String) -> Result<Self, Error> {
        HeaderValue::from_bytes(s.as_bytes())
    }
}

impl TryFrom<String> for HeaderValue {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Error> {
        HeaderValue::from_bytes(s.as_bytes())
    }
}

impl TryFrom<&[u8]> for HeaderValue {
    type Error = Error;

    fn try_from(bytes: &[u8]) -> Result<Self, Error> {
        HeaderValue::from_bytes(bytes)
    }
}

impl PartialEq for HeaderValue {
    fn eq(&self, other: &HeaderValue) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for HeaderValue {}

impl PartialEq<str> for HeaderValue {
    fn eq(&self, other: &str) -> bool {
        self.bytes == other.as_bytes()
    }
}

impl PartialEq<&str> for HeaderValue {
    fn eq(&self, other: &&str) -> bool {
        self.bytes == other.as_bytes()
    }
}

impl PartialEq<[u8]> for HeaderValue {
    fn eq(&self, other: &[u8]) -> bool {
        self.bytes == other
    }
}

impl fmt::Debug for HeaderValue {
    /// `Sensitive` for a sensitive value; else the value quoted, with `"` escaped and
    /// bytes that are not visible ASCII as `\xNN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sensitive {
            return f.write_str("Sensitive");
        }
        f.write_str("\"")?;
        for &b in &self.bytes {
            if b == b'"' {
                f.write_str("\\\"")?;
            } else if is_visible_ascii(b) {
                fmt::Write::write_char(f, char::from(b))?;
            } else {
                write!(f, "\\x{b:x}")?;
            }
        }
        f.write_str("\"")
    }
}

/// Allowed in a value: anything but control characters (tab is allowed).
fn is_valid(b: u8) -> bool {
    b >= 32 && b != 127 || b == b'\t'
}

/// Text: visible ASCII, space and tab.
fn is_visible_ascii(b: u8) -> bool {
    (32..127).contains(&b) || b == b'\t'
}

/// The headers of a request or response: `(name, value)` pairs in order, names looked
/// up without regard to case. A name may occur several times.
#[derive(Clone, Default)]
pub struct HeaderMap {
    entries: Vec<(HeaderName, HeaderValue)>,
}

impl HeaderMap {
    /// No headers.
    pub fn new() -> Self {
        HeaderMap::default()
    }

    /// How many values there are (a name with two values counts twice).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first value of `name`, if any.
    pub fn get<K: AsRef<str>>(&self, name: K) -> Option<&HeaderValue> {
        self.position(name.as_ref())
            .and_then(|i| self.entries.get(i))
            .map(|(_, value)| value)
    }

    /// Every value of `name`, in order.
    pub fn get_all<K: AsRef<str>>(&self, name: K) -> impl Iterator<Item = &HeaderValue> {
        self.entries
            .iter()
            .filter(move |(n, _)| n.as_str().eq_ignore_ascii_case(name.as_ref()))
            .map(|(_, value)| value)
    }

    /// Whether `name` has a value.
    pub fn contains_key<K: AsRef<str>>(&self, name: K) -> bool {
        self.position(name.as_ref()).is_some()
    }

    /// Set `name` to `value` alone, in the place of its first value; returns the
    /// previous first value.
    pub fn insert(&mut self, name: HeaderName, value: HeaderValue) -> Option<HeaderValue> {
        let Some(first) = self.position(name.as_str()) else {
            self.entries.push((name, value));
            return None;
        };
        let previous = self
            .entries
            .get_mut(first)
            .map(|(_, old)| std::mem::replace(old, value));
        let mut i = 0;
        self.entries.retain(|(n, _)| {
            i += 1;
            i - 1 <= first || n != &name
        });
        previous
    }

    /// Add `value` to the values of `name`; returns whether `name` had a value before.
    pub fn append(&mut self, name: HeaderName, value: HeaderValue) -> bool {
        let had = self.contains_key(name.as_str());
        self.entries.push((name, value));
        had
    }

    /// Remove every value of `name`; returns the first.
    pub fn remove<K: AsRef<str>>(&mut self, name: K) -> Option<HeaderValue> {
        let name = name.as_ref();
        let first = self.position(name)?;
        let (_, value) = self.entries.remove(first);
        self.entries
            .retain(|(n, _)| !n.as_str().eq_ignore_ascii_case(name));
        Some(value)
    }

    /// Every `(name, value)` pair, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            entries: self.entries.iter(),
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
    }
}

impl<K: AsRef<str>> std::ops::Index<K> for HeaderMap {
    type Output = HeaderValue;

    /// The first value of `name`.
    ///
    /// # Panics
    /// When there is none (use [`HeaderMap::get`] on data from a server).
    fn index(&self, name: K) -> &HeaderValue {
        match self.get(name) {
            Some(value) => value,
            None => panic!("no header of that name"),
        }
    }
}

impl fmt::Debug for HeaderMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a HeaderMap {
    type Item = (&'a HeaderName, &'a HeaderValue);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The pairs of a [`HeaderMap`], in order.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    entries: std::slice::Iter<'a, (HeaderName, HeaderValue)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a HeaderName, &'a HeaderValue);

    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next().map(|(name, value)| (name, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn value(text: &str) -> HeaderValue {
        HeaderValue::from_str(text).unwrap()
    }

    #[test]
    fn names_are_lower_case_tokens() {
        assert_eq!(
            HeaderName::from_bytes(b"WWW-Authenticate").unwrap(),
            WWW_AUTHENTICATE
        );
        assert_eq!(
            "Content-Type".parse::<HeaderName>().unwrap().as_str(),
            "content-type"
        );
        for bad in ["", "a b", "a:b", "é", "a\n", "(x)"] {
            assert_eq!(bad.parse::<HeaderName>(), Err(Error::HeaderName), "{bad:?}");
        }
        assert_eq!(AUTHORIZATION, "Authorization");
        assert_eq!(
            format!("{AUTHORIZATION} {AUTHORIZATION:?}"),
            "authorization \"authorization\""
        );
    }

    #[test]
    fn values_reject_controls_and_read_as_text_only_when_visible_ascii() {
        assert!(HeaderValue::from_str("a\tb c").is_ok());
        for bad in ["a\nb", "a\rb", "\0", "\u{7f}"] {
            assert_eq!(
                HeaderValue::from_str(bad),
                Err(Error::HeaderValue),
                "{bad:?}"
            );
        }
        let high = HeaderValue::from_bytes(b"caf\xc3\xa9 \xff").unwrap();
        assert_eq!(high.to_str(), Err(Error::HeaderValue));
        assert_eq!(high.as_bytes(), b"caf\xc3\xa9 \xff");
        assert_eq!(format!("{high:?}"), r#""caf\xc3\xa9 \xff""#);
        assert_eq!(value("text/html").to_str(), Ok("text/html"));
        let mut secret = value("Basic c2VjcmV0");
        secret.set_sensitive(true);
        assert_eq!(format!("{secret:?}"), "Sensitive");
        assert_eq!(secret, value("Basic c2VjcmV0"));
        assert_eq!(secret, "Basic c2VjcmV0");
        assert!(value("").is_empty());
    }

    #[test]
    fn map_lookups_ignore_case_and_insert_replaces_every_value() {
        let mut map = HeaderMap::new();
        assert!(!map.append(WWW_AUTHENTICATE, value("Basic realm=\"a\"")));
        map.append(CONTENT_TYPE, value("text/plain"));
        assert!(map.append(
            "WWW-Authenticate".parse().unwrap(),
            value("Bearer realm=\"b\"")
        ));
        assert_eq!(map.len(), 3);
        assert_eq!(map.get("Www-Authenticate").unwrap(), "Basic realm=\"a\"");
        let all: Vec<_> = map
            .get_all(WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(all, ["Basic realm=\"a\"", "Bearer realm=\"b\""]);
        assert!(map.contains_key("CONTENT-TYPE"));
        assert!(!map.contains_key(AUTHORIZATION));

        let old = map.insert(WWW_AUTHENTICATE, value("Negotiate"));
        assert_eq!(old.unwrap(), "Basic realm=\"a\"");
        let pairs: Vec<_> = map
            .iter()
            .map(|(n, v)| format!("{n}={}", v.to_str().unwrap()))
            .collect();
        assert_eq!(
            pairs,
            ["www-authenticate=Negotiate", "content-type=text/plain"]
        );
        assert_eq!(map.insert(ACCEPT, value("*/*")), None);
        assert_eq!(map.len(), 3);

        map.append(ACCEPT, value("text/html"));
        assert_eq!(map.remove("accept").unwrap(), "*/*");
        assert!(!map.contains_key(ACCEPT));
        assert_eq!(map.remove(ACCEPT), None);
        assert_eq!(
            format!("{map:?}"),
            r#"{"www-authenticate": "Negotiate", "content-type": "text/plain"}"#
        );
        assert_eq!((&map).into_iter().count(), 2);
    }

    /// Bytes drawn mostly from the edges of what names and values allow.
    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            prop::sample::select(&b"aZ09-_!#$%&'*+.^`|~\"(),/:;<=>?@[]{} \t\r\n\0\x7f"[..]),
            any::<u8>(),
        ];
        prop::collection::vec(byte, 0..12)
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(usize, Vec<u8>),
        Append(usize, Vec<u8>),
        Remove(usize),
    }

    const NAMES: [&str; 4] = ["accept", "www-authenticate", "x-a", "authorization"];

    fn ops() -> impl Strategy<Value = Vec<Op>> {
        let value = prop::collection::vec(b'a'..=b'e', 0..3);
        let op = prop_oneof![
            (0..NAMES.len(), value.clone()).prop_map(|(n, v)| Op::Insert(n, v)),
            (0..NAMES.len(), value).prop_map(|(n, v)| Op::Append(n, v)),
            (0..NAMES.len()).prop_map(Op::Remove),
        ];
        prop::collection::vec(op, 0..16)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn names_and_values_are_read_like_the_http_crate(raw in bytes(), sensitive: bool) {
            let ours = HeaderName::from_bytes(&raw);
            let theirs = ::http::HeaderName::from_bytes(&raw);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "name {:?}", raw);
            if let (Ok(a), Ok(b)) = (ours, theirs) {
                prop_assert_eq!(a.as_str(), b.as_str());
            }
            let ours = HeaderValue::from_bytes(&raw);
            let theirs = ::http::HeaderValue::from_bytes(&raw);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "value {:?}", raw);
            if let (Ok(mut a), Ok(mut b)) = (ours, theirs) {
                prop_assert_eq!(a.to_str().ok(), b.to_str().ok());
                a.set_sensitive(sensitive);
                b.set_sensitive(sensitive);
                prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
            }
            if let Ok(text) = std::str::from_utf8(&raw) {
                prop_assert_eq!(
                    HeaderValue::from_str(text).is_ok(),
                    ::http::HeaderValue::from_str(text).is_ok()
                );
            }
        }

        #[test]
        fn the_map_behaves_like_the_http_crate(ops in ops()) {
            let mut ours = HeaderMap::new();
            let mut theirs = ::http::HeaderMap::new();
            for op in ops {
                match op {
                    Op::Insert(n, v) => {
                        let a = ours.insert(
                            HeaderName::from_static(NAMES[n]),
                            HeaderValue::from_bytes(&v).unwrap(),
                        );
                        let b = theirs.insert(NAMES[n], ::http::HeaderValue::from_bytes(&v).unwrap());
                        prop_assert_eq!(a.map(|a| a.bytes), b.map(|b| b.as_bytes().to_vec()));
                    }
                    Op::Append(n, v) => {
                        let a = ours.append(
                            HeaderName::from_static(NAMES[n]),
                            HeaderValue::from_bytes(&v).unwrap(),
                        );
                        let b = theirs.append(NAMES[n], ::http::HeaderValue::from_bytes(&v).unwrap());
                        prop_assert_eq!(a, b);
                    }
                    Op::Remove(n) => {
                        let a = ours.remove(NAMES[n].to_ascii_uppercase());
                        let b = theirs.remove(NAMES[n]);
                        prop_assert_eq!(a.map(|a| a.bytes), b.map(|b| b.as_bytes().to_vec()));
                    }
                }
                prop_assert_eq!(ours.len(), theirs.len());
                for name in NAMES {
                    let a: Vec<_> = ours.get_all(name).map(HeaderValue::as_bytes).collect();
                    let b: Vec<_> = theirs.get_all(name).iter().map(|v| v.as_bytes()).collect();
                    prop_assert_eq!(a, b);
                    prop_assert_eq!(ours.contains_key(name), theirs.contains_key(name));
                    prop_assert_eq!(
                        ours.get(name).map(HeaderValue::as_bytes),
                        theirs.get(name).map(|v| v.as_bytes())
                    );
                }
            }
        }
    }
}
