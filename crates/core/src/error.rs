//! One normaliser for every error MSR and its proxies send (msr-api.md §7).
//!
//! Four body shapes reach a client — `{"errors":[{code,message,detail}]}` (registry, notary,
//! `/api/v0` 403/503), a bare `{code,message}` (`/api/v0` 401), `{"details":"..."}` (the token
//! service) — plus text or HTML from a proxy or an SSO login page. [`ApiError::from_parts`]
//! maps all of them to one [`ApiError`] with a stable [`ErrorKind`], the status, the
//! server's code and message when it sent them, and a short excerpt of the body.

use std::fmt;

use crate::http::{HeaderMap, Response, StatusCode, header};

use crate::json::Json;
use crate::json_out::ToJson;
use crate::text::{Message, display_message, push_u64};

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
    pub detail: Option<Json>,
    /// The body shape it came in.
    pub shape: BodyShape,
    /// A short single-line excerpt of the body (at most [`EXCERPT_CHARS`] characters).
    pub excerpt: String,
}

/// How many characters of a body an excerpt keeps.
pub const EXCERPT_CHARS: usize = 160;

/// The server's code, message and detail in an error body, and the body's shape.
///
/// Read by hand from one [`Json`] value rather than with derived `Deserialize` impls: this
/// keeps serde's typed machinery out of the npm package's WebAssembly. It reads what those
/// impls read (the test `error_fields_agree_with_derived_readers` compares them), but a
/// repeated key is not an error here: the last value wins.
type ErrorFields<'a> = (
    BodyShape,
    Option<&'a Json>,
    Option<&'a Json>,
    Option<&'a Json>,
);

type EntryFields<'a> = (Option<&'a Json>, Option<&'a Json>, Option<&'a Json>);

fn error_fields(value: &Json) -> Option<ErrorFields<'_>> {
    // A struct is an object with its fields by name, or an array with them in order.
    let field = |name: &str| match value {
        Json::Object(object) => object.get(name),
        Json::Array(items) if items.len() == 1 => items.first(),
        _ => None,
    };
    // `{"errors":[entry, ...]}`.
    if let Some(Json::Array(entries)) = field("errors") {
        // Every entry must be one; the first one's fields are kept.
        if entries.iter().all(|entry| entry_fields(entry).is_some()) {
            let (code, message, detail) =
                entries.first().and_then(entry_fields).unwrap_or_default();
            return Some((BodyShape::ErrorList, code, message, detail));
        }
    }
    // A bare entry with a code or a message.
    if let Some((code, message, detail)) = entry_fields(value)
        && (code.is_some() || message.is_some())
    {
        return Some((BodyShape::Bare, code, message, detail));
    }
    // `{"details": any}`.
    Some((BodyShape::Details, None, field("details"), None)).filter(|f| f.2.is_some())
}

/// `{code, message, detail}`, each optional, `null` as absent.
fn entry_fields(value: &Json) -> Option<EntryFields<'_>> {
    fn present(value: Option<&Json>) -> Option<&Json> {
        value.filter(|v| !v.is_null())
    }
    match value {
        Json::Object(object) => Some((
            present(object.get("code")),
            present(object.get("message")),
            present(object.get("detail")),
        )),
        Json::Array(items) if items.len() <= 3 => Some((
            present(items.first()),
            present(items.get(1)),
            present(items.get(2)),
        )),
        _ => None,
    }
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
        if let Ok(value) = Json::parse(body)
            && let Some((shape, code, message, detail)) = error_fields(&value)
        {
            error.shape = shape;
            error.code = code.map(json_text);
            error.message = message.map(json_text);
            error.detail = detail.cloned();
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

    /// Whether this is the notary/registry `UNAUTHORIZED` or MSR `NOT_AUTHENTICATED` code.
    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

impl Message for ApiError {
    fn push_message(&self, out: &mut String) {
        out.push_str("HTTP ");
        push_u64(out, u64::from(self.status));
        out.push_str(" (");
        out.push_str(self.kind.as_str());
        out.push(')');
        if let Some(code) = &self.code {
            out.push(' ');
            out.push_str(code);
        }
        let tail = match (&self.message, self.shape) {
            (Some(message), _) => message,
            (None, BodyShape::Html) => "an HTML page, not the API",
            (None, _) => &self.excerpt,
        };
        if !tail.is_empty() || self.message.is_some() {
            out.push_str(": ");
            out.push_str(tail);
        }
    }
}

display_message!(ApiError);

impl std::error::Error for ApiError {}

/// Whether a response is an HTML page: by content type, or by its first bytes when the
/// content type is missing or generic.
pub fn looks_like_html(headers: &HeaderMap, body: &[u8]) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Compared byte-wise without case: no lower-cased copies, no substring searcher.
    if content_type
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"html"))
    {
        return true;
    }
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head = body.get(start..).unwrap_or_default();
    [b"<!doctype html".as_slice(), b"<html", b"<head"]
        .iter()
        .any(|prefix| {
            head.get(..prefix.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
        })
}

/// A short, single-line, lossy-UTF-8 excerpt of a body, for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let head = body.get(..EXCERPT_CHARS * 4).unwrap_or(body);
    let mut out = String::new();
    let mut count = 0;
    let mut last_space = true;
    // The characters of `String::from_utf8_lossy(head)`: each invalid sequence is one
    // U+FFFD. Read valid run by valid run, without the lossy copy.
    let mut rest = head;
    'runs: loop {
        let (valid, invalid) = match std::str::from_utf8(rest) {
            Ok(text) => (text, None),
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                let skip = e.error_len().unwrap_or(after.len());
                rest = after.get(skip..).unwrap_or_default();
                (
                    std::str::from_utf8(valid).unwrap_or_default(),
                    Some(char::REPLACEMENT_CHARACTER),
                )
            }
        };
        for c in valid.chars().chain(invalid) {
            if count >= EXCERPT_CHARS {
                out.push('…');
                break 'runs;
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
        if invalid.is_none() {
            break;
        }
    }
    // Whitespace became single spaces, so at most one trails.
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn json_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_json(),
    }
}

/// A success response whose body could not be parsed as the expected model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The JSON path where parsing failed (`.` for the root).
    pub path: String,
    /// What was wrong there.
    pub message: String,
    /// A short excerpt of the body.
    pub excerpt: String,
}

impl Message for ParseError {
    fn push_message(&self, out: &mut String) {
        out.push_str("unexpected response body at `");
        out.push_str(&self.path);
        out.push_str("`: ");
        out.push_str(&self.message);
        out.push_str(" (body starts: ");
        out.push_str(&self.excerpt);
        out.push(')');
    }
}

display_message!(ParseError);

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// The derived readers `error_fields` replaced: the oracle of its differential test.
    mod derived {
        use super::Deserialize;

        #[derive(Deserialize)]
        pub struct ErrorListBody {
            pub errors: Vec<ErrorEntry>,
        }

        #[derive(Deserialize)]
        pub struct ErrorEntry {
            #[serde(default)]
            pub code: Option<serde_json::Value>,
            #[serde(default)]
            pub message: Option<serde_json::Value>,
            #[serde(default)]
            pub detail: Option<serde_json::Value>,
        }

        #[derive(Deserialize)]
        pub struct DetailsBody {
            pub details: serde_json::Value,
        }
    }

    type DerivedFields = (
        BodyShape,
        Option<serde_json::Value>,
        Option<serde_json::Value>,
        Option<serde_json::Value>,
    );

    /// `error_fields`, its values as serde_json's.
    fn fields(body: &[u8]) -> Option<DerivedFields> {
        let value = |v: Option<&Json>| v.map(|v| serde_json::to_value(v).unwrap());
        let parsed = Json::parse(body).ok()?;
        error_fields(&parsed).map(|(shape, code, message, detail)| {
            (shape, value(code), value(message), value(detail))
        })
    }

    fn derived_fields(body: &[u8]) -> Option<DerivedFields> {
        if let Ok(list) = serde_json::from_slice::<derived::ErrorListBody>(body) {
            return Some(match list.errors.into_iter().next() {
                Some(first) => (
                    BodyShape::ErrorList,
                    first.code,
                    first.message,
                    first.detail,
                ),
                None => (BodyShape::ErrorList, None, None, None),
            });
        }
        if let Ok(bare) = serde_json::from_slice::<derived::ErrorEntry>(body)
            && (bare.code.is_some() || bare.message.is_some())
        {
            return Some((BodyShape::Bare, bare.code, bare.message, bare.detail));
        }
        let details = serde_json::from_slice::<derived::DetailsBody>(body).ok()?;
        Some((BodyShape::Details, None, Some(details.details), None))
    }

    /// `error_fields` reads every body as the derived `Deserialize` impls did (bodies
    /// without repeated keys).
    #[test]
    fn error_fields_agree_with_derived_readers() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let scalar = prop::sample::select(vec![
            "null",
            "1",
            "-2.5",
            "true",
            r#""UNAUTHORIZED""#,
            r#""""#,
            "[]",
            r#"{"x":1}"#,
        ])
        .prop_map(str::to_string);
        let key = prop::sample::select(vec!["code", "message", "detail", "details", "errors", "x"]);
        let object = |value: BoxedStrategy<String>| {
            prop::collection::btree_map(key.clone(), value, 0..4).prop_map(|fields| {
                let fields: Vec<String> =
                    fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                format!("{{{}}}", fields.join(","))
            })
        };
        let array = |value: BoxedStrategy<String>| {
            prop::collection::vec(value, 0..5).prop_map(|items| format!("[{}]", items.join(",")))
        };
        let entry = prop_oneof![
            3 => object(scalar.clone().boxed()),
            1 => array(scalar.clone().boxed()),
            1 => scalar.clone(),
        ];
        let errors = prop_oneof![
            3 => prop::collection::vec(entry, 0..3).prop_map(|e| format!("[{}]", e.join(","))),
            1 => scalar.clone(),
        ];
        let value = prop_oneof![3 => scalar, 2 => errors].boxed();
        let body = prop_oneof![
            6 => object(value.clone()),
            2 => array(value),
            1 => Just("not json".to_string()),
            1 => Just("[1]".to_string()),
        ];
        let mut runner = TestRunner::new(Config::with_cases(3000));
        runner
            .run(&body, |body| {
                prop_assert_eq!(
                    fields(body.as_bytes()),
                    derived_fields(body.as_bytes()),
                    "{}",
                    body
                );
                Ok(())
            })
            .unwrap();
    }

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
    fn error_list_shape() {
        let e = err(
            400,
            "application/json; charset=utf-8",
            r#"{"errors":[{"code":"INVALID_PARAMETERS","message":"The parameters provided are not valid.","detail":{}}]}"#,
        );
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert_eq!(e.shape, BodyShape::ErrorList);
        assert!(e.is_code("INVALID_PARAMETERS"));
        assert_eq!(e.detail, Some(Json::Object(Default::default())));
        let e = err(
            403,
            "application/json",
            r#"{"errors":[{"code":7,"message":{"b":[1.50,"x"],"a":null},"detail":"d"}]}"#,
        );
        assert_eq!(e.code.as_deref(), Some("7"));
        assert_eq!(e.message.as_deref(), Some(r#"{"a":null,"b":[1.5,"x"]}"#));
        assert_eq!(e.detail, Some(Json::String("d".into())));
        // A float is written as its exact decimal (json_out's writer), not serde_json's
        // shortest text.
        let e = err(400, "", r#"{"code":0.1,"message":[2.5e-1]}"#);
        assert_eq!(
            e.code.as_deref(),
            Some("0.1000000000000000055511151231257827021181583404541015625")
        );
        assert_eq!(e.message.as_deref(), Some("[0.25]"));
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

    /// The lower-casing `looks_like_html` that the byte-wise one replaced: its oracle.
    fn looks_like_html_by_lowercasing(content_type: &str, body: &[u8]) -> bool {
        if content_type.to_ascii_lowercase().contains("html") {
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
        head.starts_with(b"<!doctype html")
            || head.starts_with(b"<html")
            || head.starts_with(b"<head")
    }

    #[test]
    fn looks_like_html_agrees_with_lowercasing() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let content_type = prop_oneof![
            "[ -~]{0,12}",
            "(text|application)/[xX]?[hHtTmMlLsSoOnN]{0,6}(; charset=utf-8)?",
        ];
        let body = prop_oneof![
            prop::collection::vec(any::<u8>(), 0..24),
            "[ \t\r\n]{0,3}<(!DoCtYpE HtMl|!doctype htm|html|HTML|HeAd|hea|htm|body)[ >a-z]{0,4}"
                .prop_map(String::into_bytes),
        ];
        let mut runner = TestRunner::new(Config::with_cases(5000));
        runner
            .run(&(content_type, body), |(content_type, body)| {
                let mut headers = HeaderMap::new();
                headers.insert(
                    header::CONTENT_TYPE,
                    crate::http::HeaderValue::from_str(&content_type).unwrap(),
                );
                prop_assert_eq!(
                    looks_like_html(&headers, &body),
                    looks_like_html_by_lowercasing(&content_type, &body)
                );
                prop_assert_eq!(
                    looks_like_html(&HeaderMap::new(), &body),
                    looks_like_html_by_lowercasing("", &body)
                );
                Ok(())
            })
            .unwrap();
    }

    /// The `excerpt` before it read UTF-8 run by run: its oracle.
    fn excerpt_by_lossy_copy(body: &[u8]) -> String {
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

    #[test]
    fn excerpt_agrees_with_the_lossy_copy() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        // Bytes that make odd UTF-8 (truncated and overlong sequences, stray
        // continuations, surrogates), whitespace and controls, and runs past both limits.
        let byte = prop::sample::select(vec![
            0u8, b' ', b'\n', b'\t', b'a', b'z', 0x7f, 0xe2, 0x80, 0x85, 0xa8, 0xc2, 0xc3, 0xa9,
            0xf0, 0x9f, 0x98, 0xff, 0xed, 0xa0,
        ]);
        let body = prop_oneof![
            prop::collection::vec(byte.clone(), 0..40),
            prop::collection::vec(byte, 150..700),
            prop::collection::vec(any::<u8>(), 0..700),
            "[a \u{85}\u{2028}\u{3000}\u{1F600}\t\r\né]{0,400}".prop_map(String::into_bytes),
        ];
        let mut runner = TestRunner::new(Config::with_cases(3000));
        runner
            .run(&body, |body| {
                prop_assert_eq!(excerpt(&body), excerpt_by_lossy_copy(&body));
                Ok(())
            })
            .unwrap();
    }
}
