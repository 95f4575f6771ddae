//! The token service (`GET /auth/token`, msr-api.md §4): the request and the answer.

use std::fmt;

use http::header::{ACCEPT, AUTHORIZATION};
use http::{HeaderValue, Method, Request, Response, StatusCode, Uri};
use percent_encoding::utf8_percent_encode;
use serde_json::Value;

use crate::Timestamp;
use crate::auth::challenge::BearerChallenge;
use crate::auth::credentials::Credentials;
use crate::auth::error::AuthError;
use crate::auth::scope::Scope;
use crate::error::{ApiError, ParseError};
use crate::origin::Origin;

/// A token lives at least this long, and this long when the answer does not say
/// (distribution `docs/spec/auth/token.md`).
pub const MIN_TOKEN_SECS: u64 = 60;

use crate::origin::QUERY_VALUE;

/// A bearer token. `Debug` and `Display` never show it; read it with
/// [`BearerToken::secret`] only where it is sent.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BearerToken(String);

impl BearerToken {
    /// Wrap a token. `None` when it is empty or cannot be sent in an HTTP header
    /// (whitespace, control or non-ASCII characters).
    pub fn new(token: impl Into<String>) -> Option<Self> {
        let token = token.into();
        let usable = !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic());
        usable.then_some(BearerToken(token))
    }

    /// The token itself. Call only where it is sent.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The `Authorization: Bearer ...` header value, marked sensitive so that `http`'s
    /// `Debug` output hides it.
    pub fn header_value(&self) -> HeaderValue {
        // `new` admits only visible ASCII, which is always a valid header value.
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

impl fmt::Display for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted bearer token>")
    }
}

/// What to ask a token service for: realm, service and scopes.
///
/// Scopes are kept canonical (actions sorted and de-duplicated, scopes sorted and
/// de-duplicated), so a `TokenRequest` is also the key of the token cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenRequest {
    realm: String,
    service: Option<String>,
    scopes: Vec<Scope>,
}

impl TokenRequest {
    /// A request for `scopes` from the token service at `realm`.
    pub fn new(realm: impl Into<String>, service: Option<String>, scopes: &[Scope]) -> Self {
        let mut scopes: Vec<Scope> = scopes.iter().map(Scope::canonical).collect();
        scopes.sort();
        scopes.dedup();
        TokenRequest {
            realm: realm.into(),
            service,
            scopes,
        }
    }

    /// The request a `Bearer` challenge asks for: exactly its realm, service and scopes.
    pub fn from_challenge(challenge: &BearerChallenge) -> Self {
        TokenRequest::new(
            challenge.realm.clone(),
            challenge.service.clone(),
            &challenge.scopes,
        )
    }

    /// The token service URL.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The `service` parameter.
    pub fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// The scopes, canonical.
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// Build `GET <realm>?service=<svc>&scope=<s1>&scope=<s2>[&account=<user>]`.
    ///
    /// With credentials, HTTP basic auth is attached (and `account`, like the docker and
    /// notary clients). Without, the request is anonymous: MSR still issues a token,
    /// with no access.
    ///
    /// # Errors
    /// [`AuthError::BadRealm`] when the realm is not an absolute `http(s)` URL;
    /// [`AuthError::ForeignRealm`] when it is not on `origin` — whether or not there
    /// are credentials, nothing is built for another origin.
    pub fn to_http(
        &self,
        origin: &Origin,
        credentials: Option<&Credentials>,
    ) -> Result<Request<Vec<u8>>, AuthError> {
        let bad_realm = || AuthError::BadRealm {
            realm: self.realm.clone(),
        };
        let realm: Uri = self.realm.parse().map_err(|_| bad_realm())?;
        let absolute =
            matches!(realm.scheme_str(), Some("http" | "https")) && realm.authority().is_some();
        if !absolute || self.realm.contains('#') {
            return Err(bad_realm());
        }
        if !origin.same_origin(&realm) {
            return Err(AuthError::ForeignRealm {
                realm: self.realm.clone(),
            });
        }
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(service) = &self.service {
            params.push(("service", service.clone()));
        }
        for scope in &self.scopes {
            params.push(("scope", scope.to_string()));
        }
        if let Some(credentials) = credentials {
            params.push(("account", credentials.username().to_string()));
        }
        let mut url = self.realm.clone();
        let mut sep = match realm.query() {
            None => "?",
            Some("") => "",
            Some(_) => "&",
        };
        for (key, value) in &params {
            url.push_str(sep);
            sep = "&";
            url.push_str(key);
            url.push('=');
            url.extend(utf8_percent_encode(value, QUERY_VALUE));
        }
        let uri: Uri = url.parse().map_err(|_| bad_realm())?;
        let mut request = Request::new(Vec::new());
        *request.method_mut() = Method::GET;
        *request.uri_mut() = uri;
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(credentials) = credentials {
            request
                .headers_mut()
                .insert(AUTHORIZATION, credentials.basic_header());
        }
        Ok(request)
    }
}

/// A token service's answer, read tolerantly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// The token (`access_token`, else `token`).
    pub token: BearerToken,
    /// Seconds the token lives: `expires_in` as a number or numeric string; 60 when
    /// missing or unreadable; never below 60.
    pub expires_in: u64,
    /// `issued_at`, when present and RFC 3339.
    pub issued_at: Option<Timestamp>,
}

impl TokenResponse {
    /// Read a token service's answer.
    ///
    /// # Errors
    /// 401 → [`AuthError::BadCredentials`]; any other non-2xx, an HTML page or a body
    /// without a usable token → [`AuthError::TokenService`]. Excerpts of token service
    /// bodies have token-like runs redacted.
    pub fn from_response(response: &Response<Vec<u8>>) -> Result<Self, AuthError> {
        let status = response.status();
        let body = response.body();
        if status == StatusCode::UNAUTHORIZED {
            return Err(AuthError::BadCredentials(Box::new(redacted(
                ApiError::from_response(response),
            ))));
        }
        if !status.is_success() {
            return Err(AuthError::TokenService(Box::new(redacted(
                ApiError::from_response(response),
            ))));
        }
        TokenResponse::parse_body(body).map_err(|_| {
            AuthError::TokenService(Box::new(redacted(ApiError::unexpected_body(
                status,
                response.headers(),
                body,
            ))))
        })
    }

    /// Read the JSON body of a successful answer.
    ///
    /// Accepts `token` or `access_token` (`access_token` wins when both are usable, as in
    /// the docker client); `expires_in` as a number (integer or float) or a numeric
    /// string, else 60, never below 60; `issued_at` as RFC 3339, else `None`. Unknown
    /// fields are ignored.
    pub fn parse_body(body: &[u8]) -> Result<Self, ParseError> {
        let value: Value = ParseError::parse_json(body).map_err(|mut e| {
            e.message = redact(&e.message);
            e.excerpt = redact(&e.excerpt);
            e
        })?;
        let fail = |path: &str, message: &str| ParseError {
            path: path.to_string(),
            message: message.to_string(),
            excerpt: redact(&crate::error::excerpt(body)),
        };
        let Value::Object(map) = value else {
            return Err(fail(".", "expected a json object"));
        };
        let token_at = |key: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .and_then(|t| BearerToken::new(t.trim()))
        };
        let token = token_at("access_token")
            .or_else(|| token_at("token"))
            .ok_or_else(|| fail("token", "no usable `token` or `access_token`"))?;
        let expires_in = map
            .get("expires_in")
            .and_then(|v| match v {
                Value::Number(n) => n
                    .as_u64()
                    .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
                Value::String(s) => s.trim().parse::<u64>().ok(),
                _ => None,
            })
            .unwrap_or(MIN_TOKEN_SECS)
            .max(MIN_TOKEN_SECS);
        let issued_at = map
            .get("issued_at")
            .and_then(Value::as_str)
            .and_then(Timestamp::parse_rfc3339);
        Ok(TokenResponse {
            token,
            expires_in,
            issued_at,
        })
    }
}

/// The same error with token-like runs removed from its excerpt.
fn redacted(mut error: ApiError) -> ApiError {
    error.excerpt = redact(&error.excerpt);
    error
}

/// Replace runs of 24 or more base64/JWT characters (a token, or part of one) with
/// `<redacted>`, so that an error about a token answer never carries the token.
pub(crate) fn redact(text: &str) -> String {
    const MIN_RUN: usize = 24;
    let is_token_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '/' | '=');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= MIN_RUN {
            out.push_str("<redacted>");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_token_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::parse("https://127.0.0.1:8443").unwrap()
    }

    fn response(status: u16, content_type: &str, body: &str) -> Response<Vec<u8>> {
        let mut r = Response::new(body.as_bytes().to_vec());
        *r.status_mut() = StatusCode::from_u16(status).unwrap();
        if !content_type.is_empty() {
            r.headers_mut()
                .insert(http::header::CONTENT_TYPE, content_type.parse().unwrap());
        }
        r
    }

    #[test]
    fn request_url_is_percent_encoded_with_one_scope_param_each() {
        let req = TokenRequest::new(
            "https://127.0.0.1:8443/auth/token",
            Some("dtr".into()),
            &[
                Scope::repository_pull("127.0.0.1:8443/ns/repo"),
                Scope::catalog_all(),
            ],
        );
        let creds = Credentials::password("ad min", "p@ss");
        let http = req.to_http(&origin(), Some(&creds)).unwrap();
        assert_eq!(http.method(), Method::GET);
        assert_eq!(
            http.uri().to_string(),
            "https://127.0.0.1:8443/auth/token?service=dtr&scope=registry%3Acatalog%3A%2A&scope=repository%3A127.0.0.1%3A8443%2Fns%2Frepo%3Apull&account=ad%20min"
        );
        let auth = http.headers().get(AUTHORIZATION).unwrap();
        assert!(auth.is_sensitive());
        assert_eq!(auth, &creds.basic_header());
        assert!(!format!("{http:?}").contains("cEBzcw"));
    }

    #[test]
    fn anonymous_request_has_no_authorization_and_no_account() {
        let req = TokenRequest::new("https://127.0.0.1:8443/auth/token?x=1", None, &[]);
        let http = req.to_http(&origin(), None).unwrap();
        assert_eq!(
            http.uri().to_string(),
            "https://127.0.0.1:8443/auth/token?x=1"
        );
        assert!(http.headers().get(AUTHORIZATION).is_none());
        let req = TokenRequest::new(
            "https://127.0.0.1:8443/auth/token?",
            Some("a&b=c".into()),
            &[],
        );
        assert_eq!(
            req.to_http(&origin(), None).unwrap().uri().to_string(),
            "https://127.0.0.1:8443/auth/token?service=a%26b%3Dc"
        );
    }

    #[test]
    fn foreign_and_bad_realms_are_refused() {
        let creds = Credentials::password("admin", "secret");
        for realm in [
            "https://evil.example.org/auth/token",
            "http://127.0.0.1:8443/auth/token",
            "https://127.0.0.1:9999/auth/token",
            "https://127.0.0.1:8443@evil.example.org/auth/token",
        ] {
            let err = TokenRequest::new(realm, None, &[])
                .to_http(&origin(), Some(&creds))
                .unwrap_err();
            assert!(
                matches!(err, AuthError::ForeignRealm { .. }),
                "{realm}: {err:?}"
            );
            assert_eq!(err.kind(), "foreignRealm");
            assert!(!err.to_string().contains("secret"));
        }
        for realm in [
            "/auth/token",
            "",
            "auth",
            "ftp://127.0.0.1:8443/x",
            "https://127.0.0.1:8443/a#frag",
            "https://127.0.0.1:8443/ a",
        ] {
            let err = TokenRequest::new(realm, None, &[])
                .to_http(&origin(), Some(&creds))
                .unwrap_err();
            assert!(
                matches!(err, AuthError::BadRealm { .. }),
                "{realm}: {err:?}"
            );
        }
    }

    #[test]
    fn cache_key_is_canonical() {
        let a = TokenRequest::new(
            "r",
            None,
            &[
                Scope::parse("repository:x:push,pull").unwrap(),
                Scope::catalog_all(),
            ],
        );
        let b = TokenRequest::new(
            "r",
            None,
            &[
                Scope::catalog_all(),
                Scope::parse("repository:x:pull,push,pull").unwrap(),
                Scope::catalog_all(),
            ],
        );
        assert_eq!(a, b);
        assert_eq!(a.scopes().len(), 2);
    }

    #[test]
    fn tolerant_response_parser() {
        let t = TokenResponse::parse_body(
            br#"{"token":"aaa","access_token":"aaa","expires_in":300,"issued_at":"2026-11-26T12:00:00.123456789Z"}"#,
        )
        .unwrap();
        assert_eq!(t.token.secret(), "aaa");
        assert_eq!(t.expires_in, 300);
        assert_eq!(
            t.issued_at,
            Timestamp::parse_rfc3339("2026-11-26T12:00:00.123Z")
        );
        for (body, secs) in [
            (r#"{"token":"t","expires_in":"300"}"#, 300),
            (r#"{"token":"t","expires_in":" 120 "}"#, 120),
            (r#"{"token":"t"}"#, 60),
            (r#"{"token":"t","expires_in":null}"#, 60),
            (r#"{"token":"t","expires_in":10}"#, 60),
            (r#"{"token":"t","expires_in":-5}"#, 60),
            (r#"{"token":"t","expires_in":"soon"}"#, 60),
            (r#"{"token":"t","expires_in":120.9}"#, 120),
            (r#"{"token":"t","expires_in":1e300}"#, u64::MAX),
            (
                r#"{"token":"t","expires_in":99999999999999999999999}"#,
                u64::MAX,
            ),
            (r#"{"token":"t","expires_in":[1]}"#, 60),
        ] {
            assert_eq!(
                TokenResponse::parse_body(body.as_bytes())
                    .unwrap()
                    .expires_in,
                secs,
                "{body}"
            );
        }
        let t = TokenResponse::parse_body(
            br#"{"access_token":"a","token":"t","issued_at":"yesterday"}"#,
        )
        .unwrap();
        assert_eq!(t.token.secret(), "a");
        assert_eq!(t.issued_at, None);
        let t =
            TokenResponse::parse_body(br#"{"access_token":"","token":"t","issued_at":5}"#).unwrap();
        assert_eq!(t.token.secret(), "t");
    }

    #[test]
    fn unusable_bodies_are_errors() {
        for body in [
            "",
            "null",
            "[]",
            r#"{"expires_in":300}"#,
            r#"{"token":""}"#,
            r#"{"token":"has space"}"#,
            r#"{"token":"line\nbreak"}"#,
            r#"{"token":"ünï"}"#,
            r#"{"token":7}"#,
            "<html>login</html>",
            r#"{"token":"t"} trailing"#,
        ] {
            assert!(
                TokenResponse::parse_body(body.as_bytes()).is_err(),
                "{body}"
            );
        }
        assert!(TokenResponse::parse_body(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn statuses_map_to_typed_errors() {
        let e = TokenResponse::from_response(&response(
            401,
            "application/json",
            r#"{"details":"incorrect username or password"}"#,
        ))
        .unwrap_err();
        assert_eq!(e.kind(), "unauthenticated");
        assert_eq!(
            e.api_error().unwrap().message.as_deref(),
            Some("incorrect username or password")
        );
        let e = TokenResponse::from_response(&response(503, "text/html", "<html>down</html>"))
            .unwrap_err();
        assert!(matches!(e, AuthError::TokenService(_)));
        assert_eq!(e.kind(), "unavailable");
        let e = TokenResponse::from_response(&response(500, "", "oops")).unwrap_err();
        assert_eq!(e.kind(), "serverError");
        let e = TokenResponse::from_response(&response(
            200,
            "text/html",
            "<!doctype html><html>Sign in</html>",
        ))
        .unwrap_err();
        assert_eq!(e.kind(), "badResponse");
        let ok = TokenResponse::from_response(&response(200, "text/plain", r#"{"token":"x.y.z"}"#))
            .unwrap();
        assert_eq!(ok.token.secret(), "x.y.z");
    }

    #[test]
    fn errors_never_carry_the_token() {
        let secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let body = format!(r#"{{"token":"{secret}","expires_in":300"#); // truncated
        let e =
            TokenResponse::from_response(&response(200, "application/json", &body)).unwrap_err();
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("eyJzdWIiOiJhbGljZSJ9"), "{shown}");
        assert!(shown.contains("<redacted>"));
        let e = TokenResponse::parse_body(format!(r#"{{"token":"{secret}"}} x"#).as_bytes())
            .unwrap_err();
        assert!(!format!("{e}").contains("eyJzdWIiOiJhbGljZSJ9"));
    }

    #[test]
    fn bearer_token_is_redacted() {
        let t = BearerToken::new("s3cr3t-token").unwrap();
        assert_eq!(format!("{t:?}"), "BearerToken(<redacted>)");
        assert!(!t.to_string().contains("s3cr3t"));
        assert_eq!(t.secret(), "s3cr3t-token");
        assert!(t.header_value().is_sensitive());
        assert_eq!(t.header_value(), "Bearer s3cr3t-token");
        assert!(BearerToken::new("").is_none());
        assert!(BearerToken::new("a b").is_none());
    }

    #[test]
    fn redact_keeps_short_words() {
        assert_eq!(
            redact("token: abcdefghijklmnopqrstuvwxyz0123 end"),
            "token: <redacted> end"
        );
        assert_eq!(redact("short words stay"), "short words stay");
    }
}
