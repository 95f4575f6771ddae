//! URIs as requests carry them: absolute (`https://host:port/path?query`), a path
//! (`/path?query`), or an authority alone (`host:port`).
//!
//! The parser accepts exactly what `http::Uri::from_str` (http 1.x) accepts, reports the
//! same errors, and splits and prints the same way (a fragment is dropped, an absolute
//! URI's empty path becomes `/`, `http`/`https` schemes are lower-cased); the tests
//! check this against the `http` crate on generated text.

use std::fmt;
use std::str::FromStr;

use super::Error;

/// The longest URI accepted, in bytes.
const MAX_LEN: usize = u16::MAX as usize - 1;
/// The longest scheme accepted, in bytes.
const MAX_SCHEME_LEN: usize = 64;

/// A parsed URI.
///
/// Equality ignores the case of the scheme and the authority, like `http::Uri`.
#[derive(Clone)]
pub struct Uri {
    /// The URI as displayed: `[scheme://][authority][path][?query]`.
    text: String,
    /// `text[..scheme_end]` is the scheme, when there is one.
    scheme_end: Option<usize>,
    /// `text[authority.0..authority.1]` is the authority (empty when there is none).
    authority: (usize, usize),
    /// The path is `text[authority.1..path_end]`; `?query` follows, if any.
    path_end: usize,
}

impl Uri {
    /// The URI as text, as `Display` writes it (without `core::fmt`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The scheme (`http` and `https` in lower case, any other as written).
    pub fn scheme_str(&self) -> Option<&str> {
        self.scheme_end.and_then(|end| self.text.get(..end))
    }

    /// The authority: `[userinfo@]host[:port]`.
    pub fn authority(&self) -> Option<&str> {
        let (start, end) = self.authority;
        self.text.get(start..end).filter(|a| !a.is_empty())
    }

    /// The host of the authority (an IPv6 literal with its brackets).
    pub fn host(&self) -> Option<&str> {
        self.authority().map(host_of)
    }

    /// The port of the authority, when it is a number that fits in a `u16`.
    pub fn port_u16(&self) -> Option<u16> {
        self.authority().and_then(port_of)
    }

    /// The path: `/` for an absolute URI without one, empty for an authority alone.
    pub fn path(&self) -> &str {
        self.text.get(self.authority.1..self.path_end).unwrap_or("")
    }

    /// The query without its `?`.
    pub fn query(&self) -> Option<&str> {
        self.text
            .get(self.path_end..)
            .and_then(|rest| rest.strip_prefix('?'))
    }

    /// The path and the query as a request line carries them (`/path?query`); `None`
    /// for an authority alone.
    ///
    /// Unlike `http::Uri`, which gives `?q` for `https://host?q`, this is always
    /// [`Uri::path`] followed by `?` and [`Uri::query`].
    pub fn path_and_query(&self) -> Option<&str> {
        if self.scheme_end.is_none() && self.authority.1 > 0 {
            return None;
        }
        self.text.get(self.authority.1..)
    }

    /// `scheme://authority/`, for an origin known to be valid.
    #[cfg(test)]
    pub(crate) fn root(scheme: &str, authority: &str) -> Uri {
        let text = crate::text::concat(&[scheme, "://", authority, "/"]);
        let authority_start = scheme.len() + 3;
        let authority_end = authority_start + authority.len();
        Uri {
            scheme_end: Some(scheme.len()),
            authority: (authority_start, authority_end),
            path_end: authority_end + 1,
            text,
        }
    }

    fn parse(s: &str) -> Result<Uri, Error> {
        let bytes = s.as_bytes();
        if bytes.len() > MAX_LEN {
            return Err(Error::UriTooLong);
        }
        match bytes {
            [] => Err(Error::UriEmpty),
            [b'/' | b'*'] => Ok(Uri::path_only(s, None)),
            [_] => {
                if authority_end(bytes)? != 1 {
                    return Err(Error::UriChar);
                }
                Ok(Uri::authority_only(s))
            }
            [b'/', ..] => {
                let (end, query) = scan_path_and_query(bytes)?;
                Ok(Uri::path_only(s.get(..end).unwrap_or(s), query))
            }
            _ => Uri::parse_full(s),
        }
    }

    fn path_only(path_and_query: &str, query: Option<usize>) -> Uri {
        Uri {
            text: path_and_query.to_string(),
            scheme_end: None,
            authority: (0, 0),
            path_end: query.unwrap_or(path_and_query.len()),
        }
    }

    fn authority_only(authority: &str) -> Uri {
        Uri {
            text: authority.to_string(),
            scheme_end: None,
            authority: (0, authority.len()),
            path_end: authority.len(),
        }
    }

    fn parse_full(s: &str) -> Result<Uri, Error> {
        let (scheme, rest) = split_scheme(s)?;
        let end = authority_end(rest.as_bytes())?;
        let Some(scheme) = scheme else {
            if end != rest.len() {
                return Err(Error::UriFormat);
            }
            return Ok(Uri::authority_only(rest));
        };
        if end == 0 {
            return Err(Error::UriFormat);
        }
        let authority = rest.get(..end).unwrap_or("");
        let tail = rest.get(end..).unwrap_or("");
        let (tail_end, query) = if tail.is_empty() {
            (0, None)
        } else {
            scan_path_and_query(tail.as_bytes())?
        };
        let tail = tail.get(..tail_end).unwrap_or("");
        let (path, query) = match query {
            Some(q) => (tail.get(..q).unwrap_or(""), tail.get(q..).unwrap_or("")),
            None => (tail, ""),
        };
        let path = if path.is_empty() { "/" } else { path };
        let authority_start = scheme.len() + 3;
        let authority_end = authority_start + authority.len();
        Ok(Uri {
            text: [scheme, "://", authority, path, query].concat(),
            scheme_end: Some(scheme.len()),
            authority: (authority_start, authority_end),
            path_end: authority_end + path.len(),
        })
    }
}

impl Default for Uri {
    /// `/`.
    fn default() -> Self {
        Uri::path_only("/", None)
    }
}

impl PartialEq for Uri {
    fn eq(&self, other: &Uri) -> bool {
        let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (a, b) => a == b,
        };
        same(self.scheme_str(), other.scheme_str())
            && same(self.authority(), other.authority())
            && self.path() == other.path()
            && self.query() == other.query()
    }
}

impl Eq for Uri {}

impl PartialEq<str> for Uri {
    /// Whether `other` is this URI as displayed.
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Uri {
    /// Whether `other` is this URI as displayed.
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl FromStr for Uri {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Uri::parse(s)
    }
}

impl TryFrom<&str> for Uri {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Error> {
        Uri::parse(s)
    }
}

impl TryFrom<&String> for Uri {
    type Error = Error;

    fn try_from(s: &String) -> Result<Self, Error> {
        Uri::parse(s)
    }
}

impl TryFrom<String> for Uri {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Error> {
        Uri::parse(&s)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The host of an authority: after any `userinfo@`, before any `:port`; an IPv6 literal
/// keeps its brackets.
pub(crate) fn host_of(authority: &str) -> &str {
    let host_port = crate::search::after_last(authority, b'@');
    if host_port.starts_with('[') {
        match crate::search::find_byte(host_port, b']') {
            Some(i) => host_port.get(..=i).unwrap_or(host_port),
            None => host_port,
        }
    } else {
        let end = crate::search::find_byte(host_port, b':').unwrap_or(host_port.len());
        host_port.get(..end).unwrap_or(host_port)
    }
}

/// The number after the authority's last `:`, if it is a `u16`.
pub(crate) fn port_of(authority: &str) -> Option<u16> {
    let colon = crate::search::rfind_byte(authority, b':')?;
    crate::search::parse_u16(authority.get(colon + 1..)?)
}

/// Check that `authority` is an authority and nothing else (as `http::uri::Authority`
/// parses it).
pub(crate) fn check_authority(authority: &str) -> Result<(), Error> {
    if authority_end(authority.as_bytes())? != authority.len() {
        return Err(Error::UriChar);
    }
    Ok(())
}

/// Split `scheme://` off `s`: `http` and `https` in any case, or any other scheme made of
/// scheme characters (then it is kept as written).
fn split_scheme(s: &str) -> Result<(Option<&str>, &str), Error> {
    let bytes = s.as_bytes();
    let prefix = |p: &[u8]| {
        bytes
            .get(..p.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(p))
    };
    if prefix(b"http://") {
        return Ok((Some("http"), s.get(7..).unwrap_or("")));
    }
    if prefix(b"https://") {
        return Ok((Some("https"), s.get(8..).unwrap_or("")));
    }
    if bytes.len() > 3 {
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b':' => {
                    if bytes.get(i + 1..i + 3) != Some(&b"//"[..]) {
                        break;
                    }
                    if i > MAX_SCHEME_LEN {
                        return Err(Error::UriSchemeTooLong);
                    }
                    return Ok((s.get(..i), s.get(i + 3..).unwrap_or("")));
                }
                b'+' | b'-' | b'.' | b'~' => {}
                b if b.is_ascii_alphanumeric() => {}
                _ => break,
            }
        }
    }
    Ok((None, s))
}

/// Where the authority at the start of `s` ends (at the first `/`, `?` or `#`), after
/// checking its characters, brackets, colons, `@` and `%`.
fn authority_end(s: &[u8]) -> Result<usize, Error> {
    if s.is_empty() {
        return Err(Error::UriEmpty);
    }
    let mut colons = 0u32;
    let mut open = false;
    let mut close = false;
    let mut percent = false;
    let mut end = s.len();
    let mut at = s.len();
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'/' | b'?' | b'#' => {
                end = i;
                break;
            }
            // Allowed in userinfo and in an IPv6 zone; anywhere else it is refused below.
            b'%' => percent = true,
            b':' => {
                if colons >= 8 {
                    return Err(Error::UriAuthority);
                }
                colons += 1;
            }
            b'[' => {
                if percent || open {
                    return Err(Error::UriAuthority);
                }
                open = true;
            }
            b']' => {
                if !open || close {
                    return Err(Error::UriAuthority);
                }
                close = true;
                colons = 0;
                percent = false;
            }
            b'@' => {
                at = i;
                colons = 0;
                percent = false;
            }
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b'-' | b'.' | b';'
            | b'=' | b'_' | b'~' => {}
            b if b.is_ascii_alphanumeric() => {}
            _ => return Err(Error::UriChar),
        }
    }
    let empty_after_at = end > 0 && at == end - 1;
    if open != close || colons > 1 || empty_after_at || percent {
        return Err(Error::UriAuthority);
    }
    Ok(end)
}

/// Check a path and query starting at `/`, `?` or `#`: where it ends (a fragment is
/// dropped) and where its `?` is.
fn scan_path_and_query(s: &[u8]) -> Result<(usize, Option<usize>), Error> {
    for (i, &b) in s.iter().enumerate() {
        match b {
            b'#' => return Ok((i, None)),
            b'?' => {
                let rest = s.get(i + 1..).unwrap_or_default();
                for (j, &b) in rest.iter().enumerate() {
                    match b {
                        b'#' => return Ok((i + 1 + j, Some(i))),
                        0x21 | 0x24..=0x3B | 0x3D | 0x3F..=0x7E | 0x80..=0xFF => {}
                        _ => return Err(Error::UriChar),
                    }
                }
                return Ok((s.len(), Some(i)));
            }
            // As the `http` crate: what a path may hold unencoded, plus `"`, `{` and `}`
            // (sent as they are by some clients) and UTF-8.
            0x21
            | 0x24..=0x3B
            | 0x3D
            | 0x40..=0x5F
            | 0x61..=0x7A
            | 0x7C
            | 0x7E
            | b'"'
            | b'{'
            | b'}'
            | 0x80..=0xFF => {}
            _ => return Err(Error::UriChar),
        }
    }
    Ok((s.len(), None))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Our parse of `text` against `::http::Uri`'s: same acceptance, same error, same parts.
    fn check_against_http(text: &str) {
        let ours = text.parse::<Uri>();
        let theirs = text.parse::<::http::Uri>();
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.scheme_str(), b.scheme_str(), "scheme of {text:?}");
                assert_eq!(
                    a.authority(),
                    b.authority().map(|x| x.as_str()),
                    "authority of {text:?}"
                );
                assert_eq!(a.host(), b.host(), "host of {text:?}");
                assert_eq!(a.port_u16(), b.port_u16(), "port of {text:?}");
                assert_eq!(a.path(), b.path(), "path of {text:?}");
                assert_eq!(a.query(), b.query(), "query of {text:?}");
                assert_eq!(a.to_string(), b.to_string(), "display of {text:?}");
                let query = a.query().map(|q| format!("?{q}")).unwrap_or_default();
                let path_and_query = format!("{}{query}", a.path());
                assert_eq!(
                    a.path_and_query(),
                    b.path_and_query().map(|_| path_and_query.as_str()),
                    "path and query of {text:?}"
                );
                let again: Uri = a.to_string().parse().unwrap();
                assert_eq!(&again, a, "reparse of {text:?}");
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "error of {text:?}"),
            _ => panic!("{text:?}: ours {ours:?}, http {theirs:?}"),
        }
    }

    const PIECES: &[&str] = &[
        "http://",
        "https://",
        "HTTPS://",
        "hTtP://",
        "ftp://",
        "://",
        "a+b.c-d~://",
        "http:/",
        "/",
        "//",
        "?",
        "#",
        "@",
        ":",
        "[",
        "]",
        "%",
        "%25",
        "::1",
        "8443",
        ":443",
        ":+80",
        ":99999",
        "msr.example.org",
        "X",
        "a",
        "1",
        "é",
        " ",
        "\t",
        "\"",
        "{",
        "}",
        "|",
        "\\",
        "^",
        "`",
        "<",
        ">",
        "!",
        "$",
        "&",
        "'",
        "(",
        ")",
        "*",
        "+",
        ",",
        ";",
        "=",
        "~",
        "_",
        "-",
        ".",
        "\u{7f}",
        "\n",
        "\0",
    ];

    fn pieces() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..12).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn parses_like_the_http_crate(text in pieces()) {
            check_against_http(&text);
        }

        #[test]
        fn parses_arbitrary_text_like_the_http_crate(text in "\\PC{0,24}|[ -~]{0,40}") {
            check_against_http(&text);
        }
    }

    #[test]
    fn edge_cases_match_the_http_crate() {
        let long_scheme = format!("{}://x", "s".repeat(65));
        let max_scheme = format!("{}://x", "s".repeat(64));
        let too_long = format!("https://x/{}", "a".repeat(70_000));
        let at_limit = format!("/{}", "a".repeat(65_533));
        for text in [
            "",
            "/",
            "*",
            "x",
            "?",
            "#",
            "%",
            "@",
            ":",
            "[",
            "]",
            " ",
            "é",
            "//",
            "/*",
            "*/",
            "/a#b",
            "/a?b#c",
            "/a?",
            "/?#",
            "https://x",
            "https://x#f",
            "https://x?",
            "HTTP://X",
            "https://",
            "https:/",
            "https:///x",
            "https://u:p@h:1/p?q",
            "https://@h",
            "https://h@",
            "https://[::1]:8443/",
            "https://[::1",
            "https://::1]",
            "https://[fe80::1%25eth0]/",
            "https://a%20b",
            "https://a:b:c",
            "https://:80",
            "https://h:+80",
            "https://h:99999",
            "localhost:8080",
            "mailto:x@y",
            "a:b/c",
            "://x",
            "a://",
            "h.t-t+p~://x",
            "https://x/a b",
            "https://x/?a b",
            "https://x/ü?é",
            "https://x/{\"a\"}",
            "https://x/?`",
            "https://x/`",
            "https://x/\\^",
            "https://x/?\"",
            &long_scheme,
            &max_scheme,
            &too_long,
            &at_limit,
        ] {
            check_against_http(text);
        }
    }

    #[test]
    fn root_is_the_parse_of_its_text() {
        let root = Uri::root("https", "127.0.0.1:8443");
        let parsed: Uri = "https://127.0.0.1:8443/".parse().unwrap();
        assert_eq!(root, parsed);
        assert_eq!(root.to_string(), "https://127.0.0.1:8443/");
        assert_eq!(root.path(), "/");
        assert_eq!(root.port_u16(), Some(8443));
        assert_eq!(root, "https://127.0.0.1:8443/");
        let a: Uri = "HTTPS://MSR.example.org/x".parse().unwrap();
        let b: Uri = "https://msr.EXAMPLE.org/x".parse().unwrap();
        assert_eq!(a, b);
        let c: Uri = "https://msr.example.org/X".parse().unwrap();
        assert_ne!(a, c);
    }
}
