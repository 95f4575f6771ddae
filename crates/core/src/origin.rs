//! The MSR origin the user configured: scheme, host and port, nothing else.
//!
//! Credentials are only ever attached to requests for this origin (or to a token realm
//! on it); [`Origin::same_origin`] is the check every shell uses.

use std::fmt;
use std::str::FromStr;

use http::Uri;
use http::uri::{Authority, Scheme};

/// What is percent-encoded in a query value: everything but RFC 3986 "unreserved"
/// characters, as Go's `url.QueryEscape` does for the docker and notary clients.
pub(crate) const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Why a configured origin was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginError {
    /// The text is not a URI at all.
    #[error("not a valid URL: {0}")]
    Invalid(String),
    /// Only `http` and `https` are supported.
    #[error("unsupported scheme (use https:// or http://)")]
    Scheme,
    /// An origin needs a host.
    #[error("the URL has no host")]
    NoHost,
    /// User names or passwords in the URL would leak into logs and history.
    #[error("credentials in the URL are not allowed; enter them separately")]
    UserInfo,
    /// An origin has no path, query or fragment.
    #[error("an origin has no path or query: use only scheme://host[:port]")]
    Path,
    /// The port is not a number from 1 to 65535.
    #[error("the port is not a number from 1 to 65535")]
    Port,
}

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
fn check_port(authority: &Authority) -> Result<(), OriginError> {
    let rest = authority
        .as_str()
        .get(authority.host().len()..)
        .unwrap_or_default();
    match rest.strip_prefix(':') {
        None if rest.is_empty() => Ok(()),
        None => Err(OriginError::Invalid(format!(
            "unexpected `{rest}` after the host"
        ))),
        Some(port)
            if port.is_empty()
                || (port.bytes().all(|b| b.is_ascii_digit())
                    && port.parse::<u16>().is_ok_and(|p| p != 0)) =>
        {
            Ok(())
        }
        Some(_) => Err(OriginError::Port),
    }
}

/// A `scheme://host[:port]` origin, normalised (lower-case host, default port dropped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    scheme: Scheme,
    authority: Authority,
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
            .map_err(|e: http::uri::InvalidUri| OriginError::Invalid(e.to_string()))?;
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
        // A DNS name is at most 253 characters (an IPv6 literal far less): a longer host
        // is no server's, and would leave requests built on it no room under `http`'s URI
        // length limit.
        if authority.host().len() > 255 {
            return Err(OriginError::Invalid(
                "the host name is longer than 255 characters".to_string(),
            ));
        }
        let path_and_query = uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
        if !(path_and_query.is_empty() || path_and_query == "/") {
            return Err(OriginError::Path);
        }
        check_port(&authority)?;
        let default_port = if scheme == Scheme::HTTPS { 443 } else { 80 };
        let host = authority.host().to_ascii_lowercase();
        let normal = match authority.port_u16() {
            Some(port) if port != default_port => format!("{host}:{port}"),
            _ => host,
        };
        let authority =
            Authority::from_str(&normal).map_err(|e| OriginError::Invalid(e.to_string()))?;
        Ok(Origin { scheme, authority })
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &str {
        self.scheme.as_str()
    }

    /// The host without the port.
    pub fn host(&self) -> &str {
        self.authority.host()
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.authority
            .port_u16()
            .unwrap_or(if self.scheme == Scheme::HTTPS {
                443
            } else {
                80
            })
    }

    /// `host[:port]` as it appears in the URL (default port omitted).
    ///
    /// This is also how MSR spells the registry host in a GUN (`<host>/<ns>/<repo>`).
    pub fn authority(&self) -> &str {
        self.authority.as_str()
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
        let uri: Uri = format!("{}://{}{}", self.scheme, self.authority, path_and_query)
            .parse()
            .map_err(|e: http::uri::InvalidUri| UrlError::Invalid(e.to_string()))?;
        if !self.same_origin(&uri) {
            return Err(UrlError::OtherOrigin);
        }
        Ok(uri)
    }

    /// Whether `uri` points at this same origin (scheme, host and port all equal).
    ///
    /// Shells call this before attaching credentials to any request.
    pub fn same_origin(&self, uri: &Uri) -> bool {
        let Some(scheme) = uri.scheme() else {
            return false;
        };
        let Some(authority) = uri.authority() else {
            return false;
        };
        if authority.as_str().contains('@') || check_port(authority).is_err() {
            return false;
        }
        let default_port = if *scheme == Scheme::HTTPS { 443 } else { 80 };
        *scheme == self.scheme
            && authority.host().eq_ignore_ascii_case(self.host())
            && authority.port_u16().unwrap_or(default_port) == self.port()
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority)
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
        // `http::Uri` reads `[]8443` as the host `[]` followed by text: not an origin.
        assert_eq!(
            Origin::parse("https://[]8443"),
            Err(OriginError::Invalid(
                "unexpected `8443` after the host".into()
            ))
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
}
