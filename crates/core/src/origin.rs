//! The MSR origin the user configured: scheme, host and port, nothing else.
//!
//! Credentials are only ever attached to requests for this origin (or to a token realm
//! on it); [`Origin::same_origin`] is the check every shell uses.

use std::fmt;
use std::str::FromStr;

use crate::http::{Uri, check_authority, host_of, port_of};
use crate::text::{Message, concat, display_message, push_u64};

/// Why a configured origin was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// The text is not a URI at all.
    Invalid(String),
    /// Only `http` and `https` are supported.
    Scheme,
    /// An origin needs a host.
    NoHost,
    /// User names or passwords in the URL would leak into logs and history.
    UserInfo,
    /// An origin has no path, query or fragment.
    Path,
    /// The port is not a number from 1 to 65535.
    Port,
}

impl Message for OriginError {
    fn push_message(&self, out: &mut String) {
        let text = match self {
            OriginError::Invalid(why) => {
                out.push_str("not a valid URL: ");
                why
            }
            OriginError::Scheme => "unsupported scheme (use https:// or http://)",
            OriginError::NoHost => "the URL has no host",
            OriginError::UserInfo => {
                "credentials in the URL are not allowed; enter them separately"
            }
            OriginError::Path => "an origin has no path or query: use only scheme://host[:port]",
            OriginError::Port => "the port is not a number from 1 to 65535",
        };
        out.push_str(text);
    }
}

display_message!(OriginError);

/// Why [`Origin::url`] refused a path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// The path does not start with `/`.
    #[error("a request path must start with `/`")]
    NotAPath,
    /// The path holds a `#` (a fragment is never sent: the request would go elsewhere).
    #[error("a request path cannot hold `#`")]
    Fragment,
    /// The path holds characters that are not allowed in a URI.
    #[error("not a valid request path: {0}")]
    Invalid(String),
    /// The URI would not be on the origin.
    #[error("the request path leaves the origin")]
    OtherOrigin,
}

/// Check what follows the host in `authority`: nothing, or `:` and a port that is empty
/// (RFC 3986: the scheme's default) or digits for 1..=65535. `http::Uri` reads `x:99999`,
/// `x:abc` and `x:+8443` as valid authorities with no or another port, and `[]x` as the
/// host `[]`; an origin rejects them, so that a mistyped port never silently becomes the
/// default one.
fn check_port(authority: &str) -> Result<(), OriginError> {
    let host_port = crate::search::after_last(authority, b'@');
    let rest = host_port
        .get(host_of(host_port).len()..)
        .unwrap_or(host_port);
    let Some(port) = rest.strip_prefix(':') else {
        return if rest.is_empty() {
            Ok(())
        } else {
            Err(OriginError::Invalid(concat(&[
                "unexpected `",
                rest,
                "` after the host",
            ])))
        };
    };
    let valid = port.is_empty()
        || (port.bytes().all(|b| b.is_ascii_digit())
            && crate::search::parse_u16(port).is_some_and(|p| p != 0));
    if valid {
        Ok(())
    } else {
        Err(OriginError::Port)
    }
}

/// A `scheme://host[:port]` origin, normalised (lower-case host, default port dropped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// `https` (else `http`).
    https: bool,
    /// `host[:port]`, the port only when it is not the scheme's default.
    authority: String,
}

impl Origin {
    /// Parse an origin such as `https://msr.example.org` or `https://127.0.0.1:8443/`.
    ///
    /// What is accepted is what `http::Uri` accepts as an absolute `http(s)` URI without
    /// user info, path or query; as there, a fragment is ignored. A port that is not a
    /// number from 1 to 65535 is an error ([`OriginError::Port`]).
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let text = text.trim();
        let trimmed = text.strip_suffix('/').unwrap_or(text);
        let uri: Uri = trimmed
            .parse()
            .map_err(|e: crate::http::Error| OriginError::Invalid(e.as_str().to_owned()))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(OriginError::Scheme),
        };
        let authority = uri.authority().ok_or(OriginError::NoHost)?;
        if crate::search::find_byte(authority, b'@').is_some() {
            return Err(OriginError::UserInfo);
        }
        let host = host_of(authority);
        if host.is_empty() {
            return Err(OriginError::NoHost);
        }
        if uri.path() != "/" || uri.query().is_some() {
            return Err(OriginError::Path);
        }
        check_port(authority)?;
        let default_port = if https { 443 } else { 80 };
        let host = host.to_ascii_lowercase();
        let authority = match port_of(authority) {
            Some(port) if port != default_port => {
                let mut authority = host;
                authority.push(':');
                push_u64(&mut authority, u64::from(port));
                authority
            }
            _ => host,
        };
        // What is left can still be malformed (`x[:1]` leaves `x[`).
        check_authority(&authority).map_err(|e| OriginError::Invalid(e.as_str().to_owned()))?;
        Ok(Origin { https, authority })
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        if self.https { "https" } else { "http" }
    }

    /// The host without the port.
    pub fn host(&self) -> &str {
        host_of(&self.authority)
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        port_of(&self.authority).unwrap_or(if self.https { 443 } else { 80 })
    }

    /// `host[:port]` as it appears in the URL (default port omitted).
    ///
    /// This is also how MSR spells the registry host in a GUN (`<host>/<ns>/<repo>`).
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// An absolute URI on this origin for `path_and_query` (`/path[?query]`).
    ///
    /// Refused ([`UrlError`]) rather than repaired: a path that does not start with `/`
    /// (it would change the authority: `@evil.example`), one with a `#` (the fragment would
    /// be dropped, and the request would go to a shorter path), one with characters that
    /// are not allowed in a URI, and anything that would not be on this origin. Paths
    /// built from server or user text must percent-encode it first (as
    /// [`Feed::path`](crate::changefeed::Feed::path) does).
    pub fn url(&self, path_and_query: &str) -> Result<Uri, UrlError> {
        if !path_and_query.starts_with('/') {
            return Err(UrlError::NotAPath);
        }
        if path_and_query.contains('#') {
            return Err(UrlError::Fragment);
        }
        let mut text = self.to_text();
        text.push_str(path_and_query);
        let uri: Uri = text
            .parse()
            .map_err(|e: crate::http::Error| UrlError::Invalid(e.as_str().to_owned()))?;
        if !self.same_origin(&uri) {
            return Err(UrlError::OtherOrigin);
        }
        Ok(uri)
    }

    /// Whether `uri` points at this same origin (scheme, host and port all equal).
    ///
    /// Shells call this before attaching credentials to any request.
    pub fn same_origin(&self, uri: &Uri) -> bool {
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return false;
        };
        if crate::search::find_byte(authority, b'@').is_some() || check_port(authority).is_err() {
            return false;
        }
        let default_port = if scheme == "https" { 443 } else { 80 };
        scheme == self.scheme()
            && host_of(authority).eq_ignore_ascii_case(self.host())
            && port_of(authority).unwrap_or(default_port) == self.port()
    }
}

impl Origin {
    /// `scheme://host[:port]`, as `Display` writes it (without `core::fmt`).
    pub fn to_text(&self) -> String {
        concat(&[self.scheme(), "://", &self.authority])
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl FromStr for Origin {
    type Err = OriginError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Origin::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn normalises_case_default_port_and_slash() {
        let o = Origin::parse("HTTPS://MSR.Example.org:443/").unwrap();
        assert_eq!(o.to_string(), "https://msr.example.org");
        assert_eq!(o.port(), 443);
        let o = Origin::parse("https://127.0.0.1:8443").unwrap();
        assert_eq!(o.authority(), "127.0.0.1:8443");
        assert_eq!(
            o.url("/_ping").unwrap().to_string(),
            "https://127.0.0.1:8443/_ping"
        );
    }

    #[test]
    fn rejects_what_is_not_an_origin() {
        assert_eq!(Origin::parse("ftp://x"), Err(OriginError::Scheme));
        assert_eq!(Origin::parse("msr.example.org"), Err(OriginError::Scheme));
        assert_eq!(
            Origin::parse("https://u:p@x.org"),
            Err(OriginError::UserInfo)
        );
        assert_eq!(Origin::parse("https://x.org/api"), Err(OriginError::Path));
        assert_eq!(Origin::parse("https://x.org/?a=1"), Err(OriginError::Path));
        assert!(Origin::parse("https://").is_err());
        for port in ["99999", "abc", "+8443", "0", "65536", "-1"] {
            let text = format!("https://msr.example.org:{port}");
            assert_eq!(Origin::parse(&text), Err(OriginError::Port), "{text}");
        }
        assert_eq!(
            Origin::parse("https://[::1]:8443").unwrap().port(),
            8443,
            "an IPv6 host's colons are not a port"
        );
        assert_eq!(
            Origin::parse("https://x:").unwrap().to_string(),
            "https://x"
        );
    }

    #[test]
    fn url_refuses_paths_it_would_have_to_repair() {
        let o = Origin::parse("https://msr.example.org").unwrap();
        assert_eq!(
            o.url("/v2/msr.example.org/ns/r%3Fx/_trust/changefeed?records=1")
                .unwrap()
                .path(),
            "/v2/msr.example.org/ns/r%3Fx/_trust/changefeed"
        );
        assert_eq!(o.url("@evil.example/"), Err(UrlError::NotAPath));
        assert_eq!(o.url(""), Err(UrlError::NotAPath));
        assert_eq!(
            o.url("/v2/h/ns/repo#x/_trust/tuf/timestamp.json"),
            Err(UrlError::Fragment)
        );
        for bad in ["/a b", "/a\nb", "/a\x7fb"] {
            assert!(
                matches!(o.url(bad), Err(UrlError::Invalid(_))),
                "{bad:?}: {:?}",
                o.url(bad)
            );
        }
        assert!(
            UrlError::NotAPath.to_string().contains("start with `/`"),
            "{}",
            UrlError::NotAPath
        );
    }

    #[test]
    fn a_request_with_a_bad_port_is_never_same_origin() {
        let o = Origin::parse("https://msr.example.org").unwrap();
        for text in [
            "https://msr.example.org:abc/",
            "https://msr.example.org:+443/",
        ] {
            let uri: Uri = text.parse().unwrap();
            assert!(!o.same_origin(&uri), "{text}");
        }
    }

    #[test]
    fn same_origin_checks_scheme_host_and_port() {
        let o = Origin::parse("https://msr.example.org").unwrap();
        let yes: Uri = "https://MSR.example.org:443/auth/token?x=1"
            .parse()
            .unwrap();
        assert!(o.same_origin(&yes));
        for no in [
            "http://msr.example.org/auth/token",
            "https://msr.example.org:8443/",
            "https://evil.example.org/",
            "https://msr.example.org.evil.org/",
            "https://msr.example.org@evil.org/",
            "/relative",
        ] {
            let uri: Uri = no.parse().unwrap();
            assert!(!o.same_origin(&uri), "{no}");
        }
    }

    /// `Origin::parse` as it was written on `http::Uri`: `(display, host, port)` or the
    /// error.
    fn parse_with_http(text: &str) -> Result<(String, String, u16), OriginError> {
        use ::http::uri::{Authority, Scheme};
        let text = text.trim();
        let trimmed = text.strip_suffix('/').unwrap_or(text);
        let uri: ::http::Uri = trimmed
            .parse()
            .map_err(|e: ::http::uri::InvalidUri| OriginError::Invalid(e.to_string()))?;
        let scheme = uri.scheme().cloned().ok_or(OriginError::Scheme)?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(OriginError::Scheme);
        }
        let authority = uri.authority().cloned().ok_or(OriginError::NoHost)?;
        if authority.as_str().contains('@') {
            return Err(OriginError::UserInfo);
        }
        if authority.host().is_empty() {
            return Err(OriginError::NoHost);
        }
        let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
        if !(path_and_query.is_empty() || path_and_query == "/") {
            return Err(OriginError::Path);
        }
        // The one rule added since: after the host only `:` and a port of 1..=65535 in
        // digits (or empty).
        let rest = authority
            .as_str()
            .get(authority.host().len()..)
            .unwrap_or("");
        match rest.strip_prefix(':') {
            None if !rest.is_empty() => {
                return Err(OriginError::Invalid(format!(
                    "unexpected `{rest}` after the host"
                )));
            }
            Some(port) if !oracle_port_ok(port) => return Err(OriginError::Port),
            _ => {}
        }
        let default_port = if scheme == Scheme::HTTPS { 443 } else { 80 };
        let host = authority.host().to_ascii_lowercase();
        let normal = match authority.port_u16() {
            Some(port) if port != default_port => format!("{host}:{port}"),
            _ => host,
        };
        let authority =
            Authority::from_str(&normal).map_err(|e| OriginError::Invalid(e.to_string()))?;
        let port = authority.port_u16().unwrap_or(default_port);
        Ok((
            format!("{scheme}://{authority}"),
            authority.host().to_string(),
            port,
        ))
    }

    /// The port rule added since the `http::Uri` version, written out again for the oracle.
    fn oracle_port_ok(port: &str) -> bool {
        port.is_empty()
            || (port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|p| p != 0))
    }

    /// `Origin::same_origin` as it was written on `http::Uri`.
    fn same_origin_with_http(origin: &Origin, uri: &::http::Uri) -> bool {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return false;
        };
        if authority.as_str().contains('@') {
            return false;
        }
        let rest = authority
            .as_str()
            .get(authority.host().len()..)
            .unwrap_or("");
        let port_ok = match rest.strip_prefix(':') {
            None => rest.is_empty(),
            Some(port) => oracle_port_ok(port),
        };
        if !port_ok {
            return false;
        }
        let default_port = if *scheme == ::http::uri::Scheme::HTTPS {
            443
        } else {
            80
        };
        let mine = if origin.scheme() == "https" {
            ::http::uri::Scheme::HTTPS
        } else {
            ::http::uri::Scheme::HTTP
        };
        *scheme == mine
            && authority.host().eq_ignore_ascii_case(origin.host())
            && authority.port_u16().unwrap_or(default_port) == origin.port()
    }

    fn check_against_http(text: &str) {
        let ours = Origin::parse(text).map(|o| (o.to_string(), o.host().to_string(), o.port()));
        assert_eq!(ours, parse_with_http(text), "{text:?}");
        if let Ok(origin) = Origin::parse(text) {
            assert_eq!(Origin::parse(&origin.to_string()).as_ref(), Ok(&origin));
            assert_eq!(origin.url("/").unwrap().to_string(), format!("{origin}/"));
        }
    }

    const PIECES: &[&str] = &[
        "https://",
        "http://",
        "HTTPS://",
        "ftp://",
        "://",
        "/",
        "?",
        "#",
        "@",
        ":",
        "[",
        "]",
        "%",
        "::1",
        "8443",
        ":443",
        ":80",
        ":+8443",
        ":99999",
        ":abc",
        "MSR.Example.org",
        "127.0.0.1",
        "x",
        "é",
        " ",
        "u:p",
        "-",
        ".",
        "_",
        "~",
    ];

    fn pieces() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..8).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn parses_like_it_did_on_the_http_crate(text in pieces()) {
            check_against_http(&text);
        }

        #[test]
        fn same_origin_like_it_did_on_the_http_crate(
            origin in prop::sample::select(&[
                "https://msr.example.org", "http://msr.example.org", "https://127.0.0.1:8443",
                "https://[::1]:8443", "http://x:443",
            ][..]),
            text in pieces(),
        ) {
            let origin = Origin::parse(origin).unwrap();
            let ours = text.parse::<Uri>();
            let theirs = text.parse::<::http::Uri>();
            prop_assert_eq!(ours.is_ok(), theirs.is_ok());
            if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
                prop_assert_eq!(
                    origin.same_origin(&ours),
                    same_origin_with_http(&origin, &theirs),
                    "{} on {}", text, origin
                );
            }
        }
    }

    #[test]
    fn edge_cases_parse_like_they_did_on_the_http_crate() {
        for text in [
            "",
            " ",
            "/",
            "https://",
            "https:///",
            "https://x",
            " https://x/ ",
            "https://x//",
            "https://x#frag",
            "https://x/#frag",
            "https://x?",
            "https://x:99999",
            "https://x:abc",
            "https://x:+8443",
            "https://x:",
            "https://:8443",
            "https://[::1]",
            "https://[::1]:443",
            "HTTP://X:80/",
            "http://x:443",
            "https://x.org.",
            "https://a%20b",
            "https://u@x",
            "https://x/a",
            "msr.example.org",
            "msr.example.org/x",
            "ftp://x",
            "://x",
            "https://é",
            "https://MSR.Example.org[::1]",
            "http://x[:+8443]",
        ] {
            check_against_http(text);
        }
    }
}
