//! What the fuzz targets share: turning fuzzer bytes into the HTTP answers the core reads,
//! and the checks that more than one target makes.
//!
//! An input of a response-reading target is a raw HTTP/1.1 answer as the golden fixtures
//! hold them (`HTTP/1.1 401 Unauthorized`, header lines, a blank line, the body), so the
//! fixtures seed the fuzzer as they are and it mutates the status, the headers and the
//! body together. An input that does not start with `HTTP/` is a body answered with 200
//! and no headers.

use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Response, StatusCode};
use msr_lens_core::changefeed::{Page, Record};

/// Separates the answers of a multi-answer input (the `auth_flow` target).
pub const ANSWER_SEPARATOR: &[u8] = b"\n#~#~#\n";

/// Read `data` as an HTTP answer (see the crate docs). Never fails: a header line that is
/// not a valid header is dropped, a status that is not a number in 100..=999 is 200.
pub fn response(data: &[u8]) -> Response<Vec<u8>> {
    let Some(rest) = data.strip_prefix(b"HTTP/") else {
        return Response::new(data.to_vec());
    };
    let (status_line, mut rest) = split_line(rest);
    let status = status_line
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|code| std::str::from_utf8(code).ok())
        .and_then(|code| code.trim().parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    let mut headers = HeaderMap::new();
    loop {
        if rest.is_empty() {
            break;
        }
        let (line, after) = split_line(rest);
        rest = after;
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = HeaderName::from_bytes(line[..colon].trim_ascii());
        let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (name, value) {
            headers.append(name, value);
        }
    }
    let mut response = Response::new(rest.to_vec());
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// The line before the first `\n` (without a trailing `\r`) and what follows it.
fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(end) => {
            let line = &data[..end];
            (line.strip_suffix(b"\r").unwrap_or(line), &data[end + 1..])
        }
        None => (data, &[]),
    }
}

/// Split a multi-answer input at [`ANSWER_SEPARATOR`].
pub fn answers(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(at) = rest
        .windows(ANSWER_SEPARATOR.len())
        .position(|w| w == ANSWER_SEPARATOR)
    {
        out.push(&rest[..at]);
        rest = &rest[at + ANSWER_SEPARATOR.len()..];
    }
    out.push(rest);
    out
}

/// The changefeed page scanner (the fast path) and the general `serde_json` parser agree
/// on `body` as a 200 answer: when the scanner reads a page, the general parser reads the
/// same page (records, `count`, `null` records); the product's parser answers exactly as
/// the general one does, records and errors alike.
pub fn check_page_parsers_agree(body: &[u8]) {
    let headers = HeaderMap::new();
    let general = Page::parse_general(StatusCode::OK, &headers, body);
    let product = Page::parse_parts(StatusCode::OK, &headers, body);
    assert_eq!(
        product, general,
        "the product parser and the general parser differ"
    );
    let mut views = Vec::new();
    if let Some(summary) = Page::scan(body, |view| views.push(view)) {
        let page = match &general {
            Ok(page) => page,
            Err(error) => panic!("the scanner read a page the general parser rejects: {error}"),
        };
        assert_eq!(
            summary.records,
            views.len(),
            "scanner summary vs its records"
        );
        assert_eq!(summary.count, page.count, "count");
        assert_eq!(summary.null_records, page.null_records, "null records");
        let records: Vec<Record> = views
            .iter()
            .map(|view| view.to_record().expect("a scanned record has a valid ID"))
            .collect();
        assert_eq!(records, page.records, "scanner records vs general records");
        for (record, view) in page.records.iter().zip(&views) {
            assert_eq!(&record.view(), view, "Record::view vs the scanned view");
        }
    }
}
