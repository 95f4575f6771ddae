//! Plain HTTP values: the requests the core builds and the responses it reads.
//!
//! A small stand-in for the part of the [`http`](https://docs.rs/http) crate MSR Lens uses,
//! with the same names and method signatures (`Request::get(uri).body(..)`,
//! `response.status()`, `headers().get(header::AUTHORIZATION)`, ...), so that code written
//! against one reads the same against the other. What it leaves out keeps the npm
//! package's WebAssembly small: headers are a list with case-insensitive lookup (no
//! hashing, no table of known names), bodies are bytes, there are no extensions and no
//! HTTP version.
//!
//! - [`Request`] and [`Response`]: method/URI or status, [`HeaderMap`], body.
//! - [`Uri`]: parses exactly what `http::Uri` parses from a string, with the same errors.
//! - [`HeaderValue`]s can be marked sensitive ([`HeaderValue::set_sensitive`]): their
//!   `Debug` output is `Sensitive`, so a logged request never shows its credentials.
//!
//! Shells convert at their edge: the native client to the `http` crate for `ureq`, the
//! browser client to `fetch`.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

pub mod header;
mod uri;

pub use header::{HeaderMap, HeaderName, HeaderValue};
pub use uri::Uri;
pub(crate) use uri::{check_authority, host_of, port_of};

/// Why an HTTP value was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A URI holds a character that is not allowed where it appears.
    UriChar,
    /// A URI's authority (`host[:port]`) is malformed.
    UriAuthority,
    /// A URI is neither absolute, nor a path, nor an authority.
    UriFormat,
    /// A URI is longer than 65 534 bytes.
    UriTooLong,
    /// A URI is empty.
    UriEmpty,
    /// A URI's scheme is longer than 64 bytes.
    UriSchemeTooLong,
    /// A header name is empty or not an RFC 9110 token.
    HeaderName,
    /// A header value holds a control character, or is not visible ASCII where text is
    /// asked for.
    HeaderValue,
    /// A status code is not in `100..=999`.
    StatusCode,
    /// A method this module does not know.
    Method,
}

impl Error {
    /// The message, as `Display` writes it (without `core::fmt`).
    pub fn as_str(self) -> &'static str {
        match self {
            Error::UriChar => "invalid uri character",
            Error::UriAuthority => "invalid authority",
            Error::UriFormat => "invalid format",
            Error::UriTooLong => "uri too long",
            Error::UriEmpty => "empty string",
            Error::UriSchemeTooLong => "scheme too long",
            Error::HeaderName => "invalid header name",
            Error::HeaderValue => "invalid header value",
            Error::StatusCode => "invalid status code",
            Error::Method => "invalid http method",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for Error {}

impl From<Infallible> for Error {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

/// An HTTP method: only the ones MSR Lens and its tests send.
#[derive(Clone, PartialEq, Eq)]
pub struct Method(&'static str);

impl Method {
    /// `GET`.
    pub const GET: Method = Method("GET");
    /// `HEAD`.
    pub const HEAD: Method = Method("HEAD");
    /// `POST`.
    pub const POST: Method = Method("POST");
    /// `PUT`.
    pub const PUT: Method = Method("PUT");
    /// `DELETE`.
    pub const DELETE: Method = Method("DELETE");
    /// `PATCH`.
    pub const PATCH: Method = Method("PATCH");
    /// `OPTIONS`.
    pub const OPTIONS: Method = Method("OPTIONS");

    /// The method as sent (upper case).
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl Default for Method {
    fn default() -> Self {
        Method::GET
    }
}

impl FromStr for Method {
    type Err = Error;

    /// Methods are case-sensitive, as in HTTP: `get` is not `GET`.
    fn from_str(s: &str) -> Result<Self, Error> {
        [
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::OPTIONS,
        ]
        .into_iter()
        .find(|m| m.0 == s)
        .ok_or(Error::Method)
    }
}

impl TryFrom<&str> for Method {
    type Error = Error;

    fn try_from(s: &str) -> Result<Self, Error> {
        s.parse()
    }
}

impl PartialEq<Method> for &Method {
    fn eq(&self, other: &Method) -> bool {
        self.0 == other.0
    }
}

impl PartialEq<&Method> for Method {
    fn eq(&self, other: &&Method) -> bool {
        self.0 == other.0
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// An HTTP status code, `100..=999`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusCode(u16);

impl StatusCode {
    /// 200 OK.
    pub const OK: StatusCode = StatusCode(200);
    /// 204 No Content.
    pub const NO_CONTENT: StatusCode = StatusCode(204);
    /// 301 Moved Permanently.
    pub const MOVED_PERMANENTLY: StatusCode = StatusCode(301);
    /// 302 Found.
    pub const FOUND: StatusCode = StatusCode(302);
    /// 400 Bad Request.
    pub const BAD_REQUEST: StatusCode = StatusCode(400);
    /// 401 Unauthorized.
    pub const UNAUTHORIZED: StatusCode = StatusCode(401);
    /// 403 Forbidden.
    pub const FORBIDDEN: StatusCode = StatusCode(403);
    /// 404 Not Found.
    pub const NOT_FOUND: StatusCode = StatusCode(404);
    /// 429 Too Many Requests.
    pub const TOO_MANY_REQUESTS: StatusCode = StatusCode(429);
    /// 500 Internal Server Error.
    pub const INTERNAL_SERVER_ERROR: StatusCode = StatusCode(500);
    /// 502 Bad Gateway.
    pub const BAD_GATEWAY: StatusCode = StatusCode(502);
    /// 503 Service Unavailable.
    pub const SERVICE_UNAVAILABLE: StatusCode = StatusCode(503);
    /// 504 Gateway Timeout.
    pub const GATEWAY_TIMEOUT: StatusCode = StatusCode(504);

    /// The status `code`, if it is in `100..=999`.
    pub fn from_u16(code: u16) -> Result<StatusCode, Error> {
        if (100..1000).contains(&code) {
            Ok(StatusCode(code))
        } else {
            Err(Error::StatusCode)
        }
    }

    /// The number.
    pub fn as_u16(&self) -> u16 {
        self.0
    }

    /// `1xx`.
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.0)
    }

    /// `2xx`.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.0)
    }

    /// `3xx`.
    pub fn is_redirection(&self) -> bool {
        (300..400).contains(&self.0)
    }

    /// `4xx`.
    pub fn is_client_error(&self) -> bool {
        (400..500).contains(&self.0)
    }

    /// `5xx`.
    pub fn is_server_error(&self) -> bool {
        (500..600).contains(&self.0)
    }
}

impl Default for StatusCode {
    fn default() -> Self {
        StatusCode::OK
    }
}

impl TryFrom<u16> for StatusCode {
    type Error = Error;

    fn try_from(code: u16) -> Result<Self, Error> {
        StatusCode::from_u16(code)
    }
}

impl PartialEq<u16> for StatusCode {
    fn eq(&self, other: &u16) -> bool {
        self.0 == *other
    }
}

impl fmt::Debug for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The number only (the `http` crate adds the reason phrase).
impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        crate::text::push_u64(&mut text, u64::from(self.0));
        f.write_str(&text)
    }
}

/// An HTTP request: method, URI, headers and a body (bytes, unless a test says otherwise).
///
/// `Debug` shows sensitive header values as `Sensitive`.
#[derive(Clone, Default)]
pub struct Request<B = Vec<u8>> {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: B,
}

impl Request<()> {
    /// A builder, starting from `GET /` without headers.
    pub fn builder() -> request::Builder {
        request::Builder::new()
    }

    /// A builder for `GET uri`.
    pub fn get<T>(uri: T) -> request::Builder
    where
        T: TryInto<Uri>,
        Error: From<T::Error>,
    {
        request::Builder::new().uri(uri)
    }
}

impl<B> Request<B> {
    /// `GET /` without headers, with `body`.
    pub fn new(body: B) -> Self {
        Request {
            method: Method::GET,
            uri: Uri::default(),
            headers: HeaderMap::new(),
            body,
        }
    }

    /// A request from its parts and a body.
    pub fn from_parts(parts: request::Parts, body: B) -> Self {
        Request {
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            body,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The method, to change it.
    pub fn method_mut(&mut self) -> &mut Method {
        &mut self.method
    }

    /// The URI.
    pub fn uri(&self) -> &Uri {
        &self.uri
    }

    /// The URI, to change it.
    pub fn uri_mut(&mut self) -> &mut Uri {
        &mut self.uri
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, to change them.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &B {
        &self.body
    }

    /// The body, to change it.
    pub fn body_mut(&mut self) -> &mut B {
        &mut self.body
    }

    /// The body, consuming the request.
    pub fn into_body(self) -> B {
        self.body
    }

    /// The parts and the body.
    pub fn into_parts(self) -> (request::Parts, B) {
        let parts = request::Parts {
            method: self.method,
            uri: self.uri,
            headers: self.headers,
        };
        (parts, self.body)
    }
}

impl<B: fmt::Debug> fmt::Debug for Request<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// The request builder and a request's parts.
pub mod request {
    use super::{Error, HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};

    /// A request without its body.
    #[derive(Debug, Clone, Default)]
    #[non_exhaustive]
    pub struct Parts {
        /// The method.
        pub method: Method,
        /// The URI.
        pub uri: Uri,
        /// The headers.
        pub headers: HeaderMap,
    }

    /// Builds a [`Request`]; the first invalid part is reported by [`Builder::body`].
    #[derive(Debug)]
    pub struct Builder {
        parts: Result<Parts, Error>,
    }

    impl Default for Builder {
        fn default() -> Self {
            Builder::new()
        }
    }

    impl Builder {
        /// `GET /` without headers.
        pub fn new() -> Self {
            Builder {
                parts: Ok(Parts::default()),
            }
        }

        /// Set the method (a [`Method`] or its name).
        pub fn method<T>(self, method: T) -> Self
        where
            T: TryInto<Method>,
            Error: From<T::Error>,
        {
            self.and_then(|parts| {
                parts.method = method.try_into()?;
                Ok(())
            })
        }

        /// Set the URI (a [`Uri`] or its text).
        pub fn uri<T>(self, uri: T) -> Self
        where
            T: TryInto<Uri>,
            Error: From<T::Error>,
        {
            self.and_then(|parts| {
                parts.uri = uri.try_into()?;
                Ok(())
            })
        }

        /// Append a header.
        pub fn header<K, V>(self, name: K, value: V) -> Self
        where
            K: TryInto<HeaderName>,
            V: TryInto<HeaderValue>,
            Error: From<K::Error> + From<V::Error>,
        {
            self.and_then(|parts| {
                parts.headers.append(name.try_into()?, value.try_into()?);
                Ok(())
            })
        }

        /// The request with `body`, or the first error met while building.
        pub fn body<B>(self, body: B) -> Result<Request<B>, Error> {
            Ok(Request::from_parts(self.parts?, body))
        }

        fn and_then(self, f: impl FnOnce(&mut Parts) -> Result<(), Error>) -> Self {
            let parts = self
                .parts
                .and_then(|mut parts| f(&mut parts).map(|()| parts));
            Builder { parts }
        }
    }
}

/// An HTTP response: status, headers and a body (bytes, unless a test says otherwise).
#[derive(Clone, Default)]
pub struct Response<B = Vec<u8>> {
    status: StatusCode,
    headers: HeaderMap,
    body: B,
}

impl Response<()> {
    /// A builder, starting from `200` without headers.
    pub fn builder() -> response::Builder {
        response::Builder::new()
    }
}

impl<B> Response<B> {
    /// `200` without headers, with `body`.
    pub fn new(body: B) -> Self {
        Response {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body,
        }
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The status, to change it.
    pub fn status_mut(&mut self) -> &mut StatusCode {
        &mut self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The headers, to change them.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &B {
        &self.body
    }

    /// The body, to change it.
    pub fn body_mut(&mut self) -> &mut B {
        &mut self.body
    }

    /// The body, consuming the response.
    pub fn into_body(self) -> B {
        self.body
    }
}

impl<B: fmt::Debug> fmt::Debug for Response<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .finish()
    }
}

/// The response builder.
pub mod response {
    use super::{Error, HeaderMap, HeaderName, HeaderValue, Response, StatusCode};

    /// Builds a [`Response`]; the first invalid part is reported by [`Builder::body`].
    #[derive(Debug)]
    pub struct Builder {
        parts: Result<(StatusCode, HeaderMap), Error>,
    }

    impl Default for Builder {
        fn default() -> Self {
            Builder::new()
        }
    }

    impl Builder {
        /// `200` without headers.
        pub fn new() -> Self {
            Builder {
                parts: Ok((StatusCode::OK, HeaderMap::new())),
            }
        }

        /// Set the status (a [`StatusCode`] or a number).
        pub fn status<T>(self, status: T) -> Self
        where
            T: TryInto<StatusCode>,
            Error: From<T::Error>,
        {
            let parts = self.parts.and_then(|(_, headers)| {
                let status = status.try_into()?;
                Ok((status, headers))
            });
            Builder { parts }
        }

        /// Append a header.
        pub fn header<K, V>(self, name: K, value: V) -> Self
        where
            K: TryInto<HeaderName>,
            V: TryInto<HeaderValue>,
            Error: From<K::Error> + From<V::Error>,
        {
            let parts = self.parts.and_then(|(status, mut headers)| {
                headers.append(name.try_into()?, value.try_into()?);
                Ok((status, headers))
            });
            Builder { parts }
        }

        /// The response with `body`, or the first error met while building.
        pub fn body<B>(self, body: B) -> Result<Response<B>, Error> {
            let (status, headers) = self.parts?;
            Ok(Response {
                status,
                headers,
                body,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{BearerToken, Credentials};

    #[test]
    fn builders_keep_what_they_are_given_and_report_the_first_error() {
        let request = Request::builder()
            .method("POST")
            .uri("https://msr.example.org/api/v0/x?a=1")
            .header("Content-Type", "application/json")
            .header(header::ACCEPT, "application/json")
            .body(b"{}".to_vec())
            .unwrap();
        assert_eq!(request.method(), &Method::POST);
        assert_eq!(request.uri().path(), "/api/v0/x");
        assert_eq!(request.uri().query(), Some("a=1"));
        assert_eq!(
            request.headers().get("content-type").unwrap(),
            "application/json"
        );
        assert_eq!(request.headers().len(), 2);
        assert_eq!(request.body(), b"{}");

        assert_eq!(
            Request::get("https://x/ a").body(()).unwrap_err(),
            Error::UriChar
        );
        assert_eq!(
            Request::builder().method("get").body(()).unwrap_err(),
            Error::Method
        );
        assert_eq!(
            Request::builder()
                .header("bad name", "x")
                .uri("nope nope")
                .body(())
                .unwrap_err(),
            Error::HeaderName
        );
        assert_eq!(
            Response::builder().status(1000).body(()).unwrap_err(),
            Error::StatusCode
        );
        assert_eq!(
            Response::builder()
                .header("x", "line\nbreak")
                .body(())
                .unwrap_err(),
            Error::HeaderValue
        );
        let response = Response::builder()
            .status(StatusCode::UNAUTHORIZED)
            .header("WWW-Authenticate", "Basic")
            .header("www-authenticate", "Bearer realm=\"x\"")
            .body(Vec::<u8>::new())
            .unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers().get_all(header::WWW_AUTHENTICATE).count(),
            2
        );
    }

    #[test]
    fn statuses_and_methods() {
        assert!(StatusCode::from_u16(99).is_err());
        assert!(StatusCode::from_u16(100).is_ok());
        assert!(StatusCode::from_u16(999).is_ok());
        let s = StatusCode::from_u16(503).unwrap();
        assert!(s.is_server_error() && !s.is_success() && !s.is_client_error());
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(format!("{s} {s:?}"), "503 503");
        assert!(StatusCode::FOUND.is_redirection());
        assert!(StatusCode::OK.is_success());
        assert!(StatusCode::from_u16(101).unwrap().is_informational());
        for m in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
            assert_eq!(m.parse::<Method>().unwrap().as_str(), m);
        }
        assert!("CONNECT".parse::<Method>().is_err());
        assert_eq!(Request::new(()).method(), &Method::GET);
        assert_eq!(Request::new(()).uri().to_string(), "/");
        assert_eq!(Response::new(()).status(), StatusCode::OK);
    }

    #[test]
    fn debug_of_a_request_never_shows_credentials() {
        let credentials = Credentials::password("admin", "hunter2-very-secret");
        let token = BearerToken::new("eyJ0b2tlbi1zZWNyZXQ").unwrap();
        let mut request = Request::get("https://msr.example.org/_ping")
            .header("x-trace", "visible \"quoted\" é")
            .body(Vec::<u8>::new())
            .unwrap();
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, credentials.basic_header());
        request
            .headers_mut()
            .append(header::AUTHORIZATION, token.header_value());
        let shown = format!("{request:?} {:?}", request.clone().into_parts().0);
        let basic = credentials.basic_header();
        let encoded = basic.to_str().unwrap().trim_start_matches("Basic ");
        assert!(!shown.contains(encoded), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("eyJ0b2tlbi1zZWNyZXQ"), "{shown}");
        assert_eq!(shown.matches("\"authorization\": Sensitive").count(), 4);
        assert!(
            shown.contains(r#""x-trace": "visible \"quoted\" \xc3\xa9""#),
            "{shown}"
        );
        assert!(
            shown.contains("uri: https://msr.example.org/_ping"),
            "{shown}"
        );
        assert!(shown.contains("method: GET"), "{shown}");

        let mut response = Response::new(Vec::<u8>::new());
        response
            .headers_mut()
            .insert(header::AUTHORIZATION, token.header_value());
        assert!(!format!("{response:?}").contains("eyJ0b2tlbi1zZWNyZXQ"));
        // Sensitivity survives a clone and is per value.
        let copy = response.headers().clone();
        assert!(copy.get(header::AUTHORIZATION).unwrap().is_sensitive());
    }
}
