//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3, msr-api.md §5).
//!
//! One header value may hold several challenges, and a response may carry several
//! header values. Parameters are separated by commas outside quoted strings only
//! (`scope="repository:x:pull,push"` holds a comma), quoted strings may contain
//! backslash escapes, and schemes and parameter names are case-insensitive. The
//! grammar is parsed by the `http-auth` crate; this module turns its output into
//! typed [`Bearer`](BearerChallenge) and [`Basic`](BasicChallenge) challenges.

use std::fmt;

use http::HeaderMap;
use http::header::WWW_AUTHENTICATE;

use crate::auth::scope::{Scope, ScopeError};
use crate::error::excerpt;

/// Why a `WWW-Authenticate` header could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// The header value is not visible ASCII text.
    #[error("the www-authenticate header is not ascii text")]
    NotText,
    /// The header value does not follow the challenge grammar.
    #[error("malformed www-authenticate header: {0}")]
    Syntax(String),
    /// A `Bearer` challenge has no `realm`, so there is no token service to ask.
    #[error("bearer challenge without a realm")]
    MissingRealm,
    /// The `scope` parameter of a `Bearer` challenge is not a list of scopes.
    #[error("bad scope in bearer challenge: {0}")]
    Scope(#[from] ScopeError),
}

/// The `error` parameter of a `Bearer` challenge (RFC 6750 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BearerError {
    /// `invalid_request`: the request was malformed.
    InvalidRequest,
    /// `invalid_token`: the token is expired, revoked, badly signed or for another service.
    InvalidToken,
    /// `insufficient_scope`: the token is valid but does not grant the scope asked.
    InsufficientScope,
    /// Any other code, kept verbatim.
    Other(String),
}

impl BearerError {
    fn parse(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "invalid_request" => BearerError::InvalidRequest,
            "invalid_token" => BearerError::InvalidToken,
            "insufficient_scope" => BearerError::InsufficientScope,
            _ => BearerError::Other(text.to_string()),
        }
    }

    /// The code as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            BearerError::InvalidRequest => "invalid_request",
            BearerError::InvalidToken => "invalid_token",
            BearerError::InsufficientScope => "insufficient_scope",
            BearerError::Other(code) => code,
        }
    }
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `Bearer` challenge: where to get a token and for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerChallenge {
    /// The token service URL (`https://<msr>/auth/token`), as sent.
    pub realm: String,
    /// The `service` parameter (`dtr` on MSR), if any.
    pub service: Option<String>,
    /// The scopes asked for (empty when the challenge has no `scope`).
    pub scopes: Vec<Scope>,
    /// The `error` parameter, if any.
    pub error: Option<BearerError>,
    /// The `error_description` parameter, if any.
    pub error_description: Option<String>,
}

/// A `Basic` challenge (the token service on bad credentials, `/api/v0`, proxies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicChallenge {
    /// The `realm` parameter, if any.
    pub realm: Option<String>,
}

/// A challenge in a scheme this crate does not act on, kept for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherChallenge {
    /// The scheme as sent.
    pub scheme: String,
    /// The parameters: lower-case names, unescaped values.
    pub params: Vec<(String, String)>,
}

/// One challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Bearer`: fetch a token from the realm.
    Bearer(BearerChallenge),
    /// `Basic`: send a user name and password.
    Basic(BasicChallenge),
    /// Any other scheme.
    Other(OtherChallenge),
}

impl Challenge {
    /// The challenge if it is a `Bearer` one.
    pub fn as_bearer(&self) -> Option<&BearerChallenge> {
        match self {
            Challenge::Bearer(bearer) => Some(bearer),
            _ => None,
        }
    }

    /// Parse all challenges of one header value.
    ///
    /// An empty or blank value is an empty list. Any syntax error makes the whole value
    /// an error: a half-understood challenge list is not acted upon.
    pub fn parse_list(value: &str) -> Result<Vec<Challenge>, ChallengeError> {
        let value = normalise_whitespace(value);
        let mut out = Vec::new();
        if value.is_empty() {
            return Ok(out);
        }
        for parsed in http_auth::parser::ChallengeParser::new(&value) {
            let parsed =
                parsed.map_err(|e| ChallengeError::Syntax(excerpt(e.to_string().as_bytes())))?;
            let params: Vec<(String, String)> = parsed
                .params
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_unescaped()))
                .collect();
            out.push(Challenge::from_parts(parsed.scheme, params)?);
        }
        Ok(out)
    }

    /// Parse every `WWW-Authenticate` value of a response, in order.
    ///
    /// No header is an empty list. A value that cannot be parsed is skipped when another
    /// value parses (a proxy may add its own oddly formatted challenge); when no value
    /// parses, the first error is returned.
    pub fn from_headers(headers: &HeaderMap) -> Result<Vec<Challenge>, ChallengeError> {
        let mut out = Vec::new();
        let mut first_error = None;
        let mut any_ok = false;
        for value in headers.get_all(WWW_AUTHENTICATE) {
            let parsed = std::str::from_utf8(value.as_bytes())
                .map_err(|_| ChallengeError::NotText)
                .and_then(Challenge::parse_list);
            match parsed {
                Ok(list) => {
                    any_ok = true;
                    out.extend(list);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) if !any_ok => Err(e),
            _ => Ok(out),
        }
    }

    fn from_parts(
        scheme: &str,
        params: Vec<(String, String)>,
    ) -> Result<Challenge, ChallengeError> {
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        if scheme.eq_ignore_ascii_case("bearer") {
            let realm = param("realm")
                .filter(|r| !r.trim().is_empty())
                .ok_or(ChallengeError::MissingRealm)?;
            let scopes = match param("scope") {
                Some(text) => Scope::parse_list(&text)?,
                None => Vec::new(),
            };
            return Ok(Challenge::Bearer(BearerChallenge {
                realm: realm.trim().to_string(),
                service: param("service"),
                scopes,
                error: param("error").map(|e| BearerError::parse(&e)),
                error_description: param("error_description"),
            }));
        }
        if scheme.eq_ignore_ascii_case("basic") {
            return Ok(Challenge::Basic(BasicChallenge {
                realm: param("realm"),
            }));
        }
        Ok(Challenge::Other(OtherChallenge {
            scheme: scheme.to_string(),
            params,
        }))
    }
}

/// Trim the value and collapse every run of spaces and tabs outside quoted strings into
/// one space. Outside quotes, whitespace only separates (RFC 9110 OWS/BWS and the
/// `1*SP` after the scheme), and the grammar parser accepts exactly one space there.
fn normalise_whitespace(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut in_quotes = false;
    let mut escaped = false;
    let mut pending_space = false;
    for c in value.trim_matches([' ', '\t']).chars() {
        if in_quotes {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
            }
            continue;
        }
        if c == ' ' || c == '\t' {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if c == '"' {
            in_quotes = true;
        }
        out.push(c);
    }
    out
}

/// The first `Bearer` challenge among a response's headers, if any.
///
/// `Ok(None)` when there is no header or no `Bearer` challenge (only `Basic`, say).
pub fn bearer_challenge(headers: &HeaderMap) -> Result<Option<BearerChallenge>, ChallengeError> {
    Ok(Challenge::from_headers(headers)?
        .into_iter()
        .find_map(|c| match c {
            Challenge::Bearer(bearer) => Some(bearer),
            _ => None,
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn bearer(value: &str) -> BearerChallenge {
        match Challenge::parse_list(value).unwrap().into_iter().next() {
            Some(Challenge::Bearer(b)) => b,
            other => panic!("not bearer: {other:?}"),
        }
    }

    #[test]
    fn msr_challenge_with_comma_inside_quotes() {
        let b = bearer(
            r#"Bearer realm="https://msr.example.org/auth/token",service="dtr",scope="repository:msr.example.org/ns/repo:pull,push",error="insufficient_scope""#,
        );
        assert_eq!(b.realm, "https://msr.example.org/auth/token");
        assert_eq!(b.service.as_deref(), Some("dtr"));
        assert_eq!(b.scopes.len(), 1);
        assert_eq!(b.scopes[0].actions(), ["pull", "push"]);
        assert_eq!(b.error, Some(BearerError::InsufficientScope));
    }

    #[test]
    fn case_insensitive_scheme_and_keys_and_spacing() {
        let b = bearer(
            r#"bEaReR   REALM = "https://x/auth" , Service=dtr, SCOPE="registry:catalog:* repository:127.0.0.1:8443/a/b:pull" ,Error=INVALID_TOKEN"#,
        );
        assert_eq!(b.realm, "https://x/auth");
        assert_eq!(b.service.as_deref(), Some("dtr"));
        assert_eq!(b.scopes.len(), 2);
        assert_eq!(b.scopes[1].name(), "127.0.0.1:8443/a/b");
        assert_eq!(b.error, Some(BearerError::InvalidToken));
    }

    #[test]
    fn escapes_are_unescaped() {
        let b =
            bearer(r#"Bearer realm="https://x/auth",error_description="say \"hi\", \\ then go""#);
        assert_eq!(
            b.error_description.as_deref(),
            Some(r#"say "hi", \ then go"#)
        );
    }

    #[test]
    fn several_challenges_in_one_value() {
        let list = Challenge::parse_list(
            r#"Basic realm="msr.example.org", Bearer realm="https://x/auth",service="dtr", Negotiate, Custom a=1, b="2""#,
        )
        .unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(
            list[0],
            Challenge::Basic(BasicChallenge {
                realm: Some("msr.example.org".into())
            })
        );
        assert!(list[1].as_bearer().is_some());
        assert_eq!(
            list[3],
            Challenge::Other(OtherChallenge {
                scheme: "Custom".into(),
                params: vec![("a".into(), "1".into()), ("b".into(), "2".into())]
            })
        );
    }

    #[test]
    fn several_header_values_and_a_garbage_one() {
        let mut headers = HeaderMap::new();
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"p\""),
        );
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Negotiate YIIabc=="),
        );
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"https://x/auth\",service=\"dtr\""),
        );
        let list = Challenge::from_headers(&headers).unwrap();
        assert_eq!(list.len(), 2);
        let b = bearer_challenge(&headers).unwrap().unwrap();
        assert_eq!(b.service.as_deref(), Some("dtr"));

        let mut only_garbage = HeaderMap::new();
        only_garbage.append(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm"));
        assert!(matches!(
            Challenge::from_headers(&only_garbage),
            Err(ChallengeError::Syntax(_))
        ));
        assert_eq!(bearer_challenge(&HeaderMap::new()), Ok(None));
        let mut basic_only = HeaderMap::new();
        basic_only.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"x\""),
        );
        assert_eq!(bearer_challenge(&basic_only), Ok(None));
    }

    #[test]
    fn non_ascii_header_bytes_are_an_error() {
        let mut headers = HeaderMap::new();
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_bytes(b"Bearer realm=\"https://x/\xff\"").unwrap(),
        );
        assert!(Challenge::from_headers(&headers).is_err());
        assert!(Challenge::parse_list("Bearer realm=\"https://x/ü\"").is_err());
    }

    #[test]
    fn hostile_values_are_typed_errors() {
        for value in [
            "Bearer realm=\"unterminated",
            "Bearer realm=\"x\\",
            "Bearer realm=\"x\" junk",
            "Bearer =x",
            "Bearer realm=,",
            "\"quoted\" scheme",
            "Bearer realm=\"https://x\",scope=\"repository:nope\"",
            "Bearer service=\"dtr\"",
            "Bearer realm=\"  \"",
        ] {
            assert!(Challenge::parse_list(value).is_err(), "{value}");
        }
        assert_eq!(Challenge::parse_list("").unwrap(), vec![]);
        assert_eq!(Challenge::parse_list("   ").unwrap(), vec![]);
        let long = format!("Bearer realm=\"{}", "x".repeat(100_000));
        let err = Challenge::parse_list(&long).unwrap_err().to_string();
        assert!(err.len() < 400);
    }

    #[test]
    fn whitespace_outside_quotes_is_collapsed() {
        assert_eq!(
            normalise_whitespace(" \tBearer \t realm = \"a  \\\"  b\" ,\tx=1 \t"),
            "Bearer realm = \"a  \\\"  b\" , x=1"
        );
        let b = bearer("Bearer\trealm=\"https://x/  y\"  ");
        assert_eq!(b.realm, "https://x/  y");
    }

    #[test]
    fn duplicate_parameters_first_wins() {
        let b = bearer(r#"Bearer realm="https://a/",realm="https://evil/""#);
        assert_eq!(b.realm, "https://a/");
    }
}
