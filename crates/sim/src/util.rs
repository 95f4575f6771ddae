//! Small helpers shared by the handlers: Go-compatible formatting and responses.

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;
use time::{OffsetDateTime, PrimitiveDateTime};

/// The current time.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Format like Go's `time.RFC3339Nano` in UTC: fraction with trailing zeros trimmed
/// (absent when zero), `Z` suffix.
pub fn rfc3339_nano(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format_parts(t.date(), t.time())
}

/// Format a database timestamp (taken as UTC) like [`rfc3339_nano`].
pub fn rfc3339_nano_primitive(t: PrimitiveDateTime) -> String {
    format_parts(t.date(), t.time())
}

fn format_parts(date: time::Date, time: time::Time) -> String {
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        time.hour(),
        time.minute(),
        time.second()
    );
    let nanos = time.nanosecond();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Go's `strconv.Quote` for the strings that appear in notary's error details.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Why a value is not an int32 in Go's `strconv.ParseInt(s, 10, 32)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GoParseError {
    /// `invalid syntax`.
    Syntax,
    /// `value out of range`.
    Range,
}

/// Go's `strconv.ParseInt(s, 10, 32)`.
pub fn go_parse_int32(s: &str) -> Result<i32, GoParseError> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GoParseError::Syntax);
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        value = value * 10 + i64::from(b - b'0');
        if value > i64::from(i32::MAX) + 1 {
            return Err(GoParseError::Range);
        }
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).map_err(|_| GoParseError::Range)
}

/// A JSON response with an explicit content type.
pub fn json_response<T: Serialize>(
    status: StatusCode,
    content_type: &str,
    value: &T,
) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    bytes_response(status, content_type, body)
}

/// A notary-server error response: `application/json; charset=utf-8` and, like Go's
/// `json.Encoder`, a trailing newline.
pub fn notary_error<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let mut body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    body.push(b'\n');
    bytes_response(status, JSON_UTF8, body)
}

/// A response with a body and a content type.
pub fn bytes_response(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Body>,
) -> Response<Body> {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// `application/json`.
pub const JSON: &str = "application/json";
/// What notary's error responses carry.
pub const JSON_UTF8: &str = "application/json; charset=utf-8";
/// What notary's changefeed 200 carries (Go's content sniffing).
pub const TEXT_UTF8: &str = "text/plain; charset=utf-8";

/// One entry of a `{"errors":[...]}` body, fields in the order Go writes them.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEntry<D: Serialize> {
    /// Error code.
    pub code: &'static str,
    /// Message.
    pub message: &'static str,
    /// Detail.
    pub detail: D,
}

/// `{"errors":[entry]}`.
#[derive(Debug, Clone, Serialize)]
pub struct Errors<D: Serialize> {
    /// The entries.
    pub errors: Vec<ErrorEntry<D>>,
}

/// `{"errors":[{"code","message","detail"}]}` as one value.
pub fn errors_body<D: Serialize>(
    code: &'static str,
    message: &'static str,
    detail: D,
) -> Errors<D> {
    Errors {
        errors: vec![ErrorEntry {
            code,
            message,
            detail,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int32_like_go() {
        assert_eq!(go_parse_int32("10"), Ok(10));
        assert_eq!(go_parse_int32("+2"), Ok(2));
        assert_eq!(go_parse_int32("-2147483648"), Ok(i32::MIN));
        assert_eq!(go_parse_int32("2147483647"), Ok(i32::MAX));
        assert_eq!(go_parse_int32("2147483648"), Err(GoParseError::Range));
        assert_eq!(go_parse_int32("-2147483649"), Err(GoParseError::Range));
        assert_eq!(
            go_parse_int32("99999999999999999999999"),
            Err(GoParseError::Range)
        );
        assert_eq!(go_parse_int32(""), Err(GoParseError::Syntax));
        assert_eq!(go_parse_int32(" 2"), Err(GoParseError::Syntax));
        assert_eq!(go_parse_int32("-"), Err(GoParseError::Syntax));
        assert_eq!(go_parse_int32("1.5"), Err(GoParseError::Syntax));
    }

    #[test]
    fn rfc3339_trims_zeros() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_120_000_000).unwrap();
        assert_eq!(rfc3339_nano(t), "2023-11-14T22:13:20.12Z");
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        assert_eq!(rfc3339_nano(t), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn quote_like_go() {
        assert_eq!(go_quote(" 2"), "\" 2\"");
        assert_eq!(go_quote("a\"b"), "\"a\\\"b\"");
    }
}
