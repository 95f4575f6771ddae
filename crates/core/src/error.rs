//! One normaliser for every error MSR and its proxies send (msr-api.md §7).
//!
//! Four body shapes reach a client — `{"errors":[{code,message,detail}]}` (registry, notary,
//! `/api/v0` 403/503), a bare `{code,message}` (`/api/v0` 401), `{"details":"..."}` (the token
//! service) — plus text or HTML from a proxy or an SSO login page. [`ApiError::from_parts`]
//! maps all of them to one [`ApiError`] with a stable [`ErrorKind`], the status, the
//! server's code and message when it sent them, and a short excerpt of the body.

use std::fmt;

use http::{HeaderMap, Response, StatusCode, header};
use serde::Deserialize;

/// What kind of failure an error response is, independent of the body shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 401: no or invalid credentials / token.
    Unauthenticated,
    /// 403: authenticated, but not allowed (for example not an MSR admin).
    Forbidden,
    /// 404: the resource or route does not exist.
    NotFound,
    /// 400 and other 4xx not listed here: the request was rejected.
    BadRequest,
    /// 429: too many requests.
    RateLimited,
    /// 502, 503, 504: a proxy or the service is unavailable.
    Unavailable,
    /// Any other 5xx.
    ServerError,
    /// A success status with a body that is not what the API sends (an HTML login page,
    /// truncated or malformed JSON), or a status no MSR API uses (1xx, 3xx).
    UnexpectedBody,
}

impl ErrorKind {
    /// A stable lower-camel-case name, used as the `kind` of JavaScript errors.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "notFound",
            ErrorKind::BadRequest => "badRequest",
            ErrorKind::RateLimited => "rateLimited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::ServerError => "serverError",
            ErrorKind::UnexpectedBody => "badResponse",
        }
    }

    /// The kind for an HTTP status that is not a success.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            502..=504 => ErrorKind::Unavailable,
            400..=499 => ErrorKind::BadRequest,
            500..=599 => ErrorKind::ServerError,
            _ => ErrorKind::UnexpectedBody,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which body shape the error arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyShape {
    /// `{"errors":[{"code","message","detail"}]}`.
    ErrorList,
    /// `{"code","message"}`.
    Bare,
    /// `{"details":"..."}` from the token service.
    Details,
    /// An HTML page (proxy error page, SSO login page).
    Html,
    /// Anything else: plain text, other JSON, empty.
    Other,
}

/// A normalised error answer from MSR, notary, the token service or a proxy in front.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// The HTTP status.
    pub status: u16,
    /// The server's error code (`NOT_AUTHENTICATED`, `INVALID_PARAMETERS`, ...), if any.
    pub code: Option<String>,
    /// The server's message, if any.
    pub message: Option<String>,
    /// The first error's `detail` (any JSON), if any.
    pub detail: Option<serde_json::Value>,
    /// The body shape it came in.
    pub shape: BodyShape,
    /// A short single-line excerpt of the body (at most [`EXCERPT_CHARS`] characters).
    pub excerpt: String,
}

/// How many characters of a body an excerpt keeps.
pub const EXCERPT_CHARS: usize = 160;

#[derive(Deserialize)]
struct ErrorListBody {
    errors: Vec<ErrorEntry>,
}

#[derive(Deserialize)]
struct ErrorEntry {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    detail: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct DetailsBody {
    details: serde_json::Value,
}

impl ApiError {
    /// Normalise an error response. `status` is taken as given; a success status with
    /// an HTML body is reported as [`ErrorKind::UnexpectedBody`].
    pub fn from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let excerpt = excerpt(body);
        let kind = if status.is_success() {
            ErrorKind::UnexpectedBody
        } else {
            ErrorKind::for_status(status)
        };
        let mut error = ApiError {
            kind,
            status: status.as_u16(),
            code: None,
            message: None,
            detail: None,
            shape: BodyShape::Other,
            excerpt,
        };
        if looks_like_html(headers, body) {
            error.shape = BodyShape::Html;
            return error;
        }
        if let Ok(list) = serde_json::from_slice::<ErrorListBody>(body) {
            error.shape = BodyShape::ErrorList;
            if let Some(first) = list.errors.into_iter().next() {
                error.code = first.code.as_ref().map(json_text);
                error.message = first.message.as_ref().map(json_text);
                error.detail = first.detail;
            }
            return error;
        }
        if let Ok(bare) = serde_json::from_slice::<ErrorEntry>(body)
            && (bare.code.is_some() || bare.message.is_some())
        {
            error.shape = BodyShape::Bare;
            error.code = bare.code.as_ref().map(json_text);
            error.message = bare.message.as_ref().map(json_text);
            error.detail = bare.detail;
            return error;
        }
        if let Ok(details) = serde_json::from_slice::<DetailsBody>(body) {
            error.shape = BodyShape::Details;
            error.message = Some(json_text(&details.details));
            return error;
        }
        error
    }

    /// Normalise an error response.
    pub fn from_response(response: &Response<Vec<u8>>) -> Self {
        ApiError::from_parts(response.status(), response.headers(), response.body())
    }

    /// An error for a success response whose body could not be read as the API's JSON.
    pub fn unexpected_body(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let mut error = ApiError::from_parts(status, headers, body);
        error.kind = ErrorKind::UnexpectedBody;
        error
    }

    /// The first error's `detail` as one short line of text (at most [`EXCERPT_CHARS`]
    /// characters, as [`excerpt`] makes them): a JSON string as it is, anything else as
    /// compact JSON; `None` when there is none (absent, `null`, `""`, `{}`, `[]`).
    pub fn detail_text(&self) -> Option<String> {
        let text = match self.detail.as_ref()? {
            serde_json::Value::Null => return None,
            serde_json::Value::Object(map) if map.is_empty() => return None,
            serde_json::Value::Array(list) if list.is_empty() => return None,
            serde_json::Value::String(s) => excerpt(s.as_bytes()),
            other => excerpt(other.to_string().as_bytes()),
        };
        (!text.is_empty()).then_some(text)
    }

    /// Whether this is the notary/registry `UNAUTHORIZED` or MSR `NOT_AUTHENTICATED` code.
    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} ({})", self.status, self.kind)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        match (&self.message, self.shape) {
            (Some(message), _) => write!(f, ": {message}"),
            (None, BodyShape::Html) => write!(f, ": an HTML page, not the API"),
            (None, _) if !self.excerpt.is_empty() => write!(f, ": {}", self.excerpt),
            (None, _) => Ok(()),
        }
    }
}

impl std::error::Error for ApiError {}

/// Whether a response is an HTML page: by content type, or by its first bytes when the
/// content type is missing or generic.
pub fn looks_like_html(headers: &HeaderMap, body: &[u8]) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.contains("html") {
        return true;
    }
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head: Vec<u8> = body[start..]
        .iter()
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<head")
}

/// A short, single-line, lossy-UTF-8 excerpt of a body, for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_CHARS * 4)]);
    let mut out = String::new();
    let mut count = 0;
    let mut last_space = true;
    for c in text.chars() {
        if count >= EXCERPT_CHARS {
            out.push('…');
            break;
        }
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
                count += 1;
            }
            last_space = true;
        } else {
            out.push(c);
            count += 1;
            last_space = false;
        }
    }
    out.trim_end().to_string()
}

/// How a JSON value's type reads in a parse warning: "a string", "an array", ...
pub(crate) fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A success response whose body could not be parsed as the expected model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected response body at `{path}`: {message} (body starts: {excerpt})")]
pub struct ParseError {
    /// The JSON path where parsing failed (`.` for the root).
    pub path: String,
    /// What was wrong there.
    pub message: String,
    /// A short excerpt of the body.
    pub excerpt: String,
}

impl ParseError {
    /// Deserialize `body` as JSON into `T`, keeping the JSON path of a failure.
    pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ParseError> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| ParseError {
            path: e.path().to_string(),
            message: e.inner().to_string(),
            excerpt: excerpt(body),
        })?;
        de.end().map_err(|e| ParseError {
            path: ".".to_string(),
            message: e.to_string(),
            excerpt: excerpt(body),
        })?;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, content_type: &str, body: &str) -> ApiError {
        let mut headers = HeaderMap::new();
        if !content_type.is_empty() {
            headers.insert(header::CONTENT_TYPE, content_type.parse().unwrap());
        }
        ApiError::from_parts(
            StatusCode::from_u16(status).unwrap(),
            &headers,
            body.as_bytes(),
        )
    }

    #[test]
    fn detail_as_one_short_line() {
        let detail = |d: &str| {
            err(
                503,
                "application/json",
                &format!(r#"{{"errors":[{{"code":"X","message":"m","detail":{d}}}]}}"#),
            )
            .detail_text()
        };
        assert_eq!(
            detail(r#""rethinkdb: connection refused""#).as_deref(),
            Some("rethinkdb: connection refused")
        );
        assert_eq!(detail(r#"" two\nlines ""#).as_deref(), Some("two lines"));
        assert_eq!(
            detail(r#"{"table":"tags","errno":5}"#).as_deref(),
            Some(r#"{"errno":5,"table":"tags"}"#)
        );
        let long = detail(&format!(r#""{}""#, "x".repeat(500))).unwrap();
        assert_eq!(
            long.chars().count(),
            EXCERPT_CHARS + 1,
            "cut with an ellipsis"
        );
        for none in ["null", r#""""#, r#""  ""#, "{}", "[]"] {
            assert_eq!(detail(none), None, "{none}");
        }
        assert_eq!(err(503, "application/json", "{}").detail_text(), None);
    }

    #[test]
    fn error_list_shape() {
        let e = err(
            400,
            "application/json; charset=utf-8",
            r#"{"errors":[{"code":"INVALID_PARAMETERS","message":"The parameters provided are not valid.","detail":{}}]}"#,
        );
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert_eq!(e.shape, BodyShape::ErrorList);
        assert!(e.is_code("INVALID_PARAMETERS"));
        assert_eq!(e.detail, Some(serde_json::json!({})));
        assert_eq!(e.detail_text(), None);
        // Codes and messages that are not strings are kept as their JSON text.
        let e = err(
            403,
            "application/json",
            r#"{"errors":[{"code":7,"message":{"b":[1.50,"x"],"a":null},"detail":"d"}]}"#,
        );
        assert_eq!(e.code.as_deref(), Some("7"));
        assert_eq!(e.message.as_deref(), Some(r#"{"a":null,"b":[1.5,"x"]}"#));
        assert_eq!(e.detail, Some(serde_json::json!("d")));
    }

    #[test]
    fn bare_and_details_shapes() {
        let e = err(
            401,
            "application/json",
            r#"{"code":"NOT_AUTHENTICATED","message":"The client is not authenticated."}"#,
        );
        assert_eq!(
            (e.kind, e.shape),
            (ErrorKind::Unauthenticated, BodyShape::Bare)
        );
        assert_eq!(
            e.message.as_deref(),
            Some("The client is not authenticated.")
        );
        let e = err(
            401,
            "application/json",
            r#"{"details":"incorrect username or password"}"#,
        );
        assert_eq!(e.shape, BodyShape::Details);
        assert_eq!(e.message.as_deref(), Some("incorrect username or password"));
    }

    #[test]
    fn html_with_200_is_unexpected_body() {
        let e = err(
            200,
            "",
            "\n  <!DOCTYPE html><html><title>Sign in</title></html>",
        );
        assert_eq!(
            (e.kind, e.shape),
            (ErrorKind::UnexpectedBody, BodyShape::Html)
        );
        assert!(e.to_string().contains("HTML page"));
        let e = err(502, "text/html", "<h1>Bad Gateway</h1>");
        assert_eq!(e.kind, ErrorKind::Unavailable);
    }

    #[test]
    fn kinds_by_status() {
        for (status, kind) in [
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (429, ErrorKind::RateLimited),
            (503, ErrorKind::Unavailable),
            (500, ErrorKind::ServerError),
            (418, ErrorKind::BadRequest),
            (302, ErrorKind::UnexpectedBody),
        ] {
            assert_eq!(err(status, "text/plain", "x").kind, kind, "{status}");
        }
    }

    #[test]
    fn excerpt_is_short_single_line_and_lossy() {
        let mut body = b"line one\n\n\tline two ".to_vec();
        body.extend_from_slice(&[0xff, 0xfe]);
        body.extend(std::iter::repeat_n(b'x', 1000));
        let e = excerpt(&body);
        assert!(e.starts_with("line one line two \u{fffd}\u{fffd}x"));
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(excerpt(b""), "");
    }

    #[test]
    fn parse_json_keeps_path() {
        #[derive(Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            a: Vec<u32>,
        }
        let e = ParseError::parse_json::<T>(br#"{"a":[1,"x"]}"#).unwrap_err();
        assert_eq!(e.path, "a[1]");
        assert!(ParseError::parse_json::<T>(br#"{"a":[1]} trailing"#).is_err());
    }
}
