//! Reads the `.http` captures in `tests/fixtures/notary-0.7.0-memory/`.
//!
//! A capture file is a list of sections. Each starts with `### <METHOD> <path?query>` (a
//! request) or `=== <label>` (a labelled request whose line was not recorded), followed by
//! either a raw HTTP/1.1 response (status line, headers, blank line, body) or a curl error
//! line such as `curl: (52) Empty reply from server` (the server dropped the connection).

use http::{Response, StatusCode};

/// What a section's header line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// `### GET /v2/...`: the request line.
    Request {
        /// `GET`.
        method: String,
        /// `/v2/_trust/changefeed?change_id=0&records=100`.
        target: String,
    },
    /// `=== global, catalog:* :: ...`: a free-form label.
    Note(String),
}

/// One request and what came back.
#[derive(Debug)]
pub struct Section {
    /// The file it came from.
    pub file: &'static str,
    /// Its header line.
    pub label: Label,
    /// The response, or `None` when the server dropped the connection.
    pub response: Option<Response<Vec<u8>>>,
    /// The curl error line when there was no response.
    pub curl_error: Option<String>,
}

impl Section {
    /// The request target, when the section has a request line.
    pub fn target(&self) -> Option<&str> {
        match &self.label {
            Label::Request { target, .. } => Some(target),
            Label::Note(_) => None,
        }
    }

    /// A short name for assertion messages.
    pub fn name(&self) -> String {
        match &self.label {
            Label::Request { method, target } => format!("{}: {method} {target}", self.file),
            Label::Note(note) => format!("{}: === {note}", self.file),
        }
    }
}

/// Parse a capture file.
pub fn parse(file: &'static str, text: &str) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut current: Option<(Label, Vec<&str>)> = None;
    for line in text.lines() {
        let label = if let Some(rest) = line.strip_prefix("### ") {
            let (method, target) = rest.split_once(' ').expect("### METHOD target");
            Some(Label::Request {
                method: method.to_string(),
                target: target.trim().to_string(),
            })
        } else {
            line.strip_prefix("=== ")
                .map(|rest| Label::Note(rest.trim().to_string()))
        };
        match label {
            Some(label) => {
                if let Some((label, lines)) = current.take() {
                    sections.push(section(file, label, &lines));
                }
                current = Some((label, Vec::new()));
            }
            None => {
                if let Some((_, lines)) = current.as_mut() {
                    lines.push(line);
                }
            }
        }
    }
    if let Some((label, lines)) = current.take() {
        sections.push(section(file, label, &lines));
    }
    sections
}

fn section(file: &'static str, label: Label, lines: &[&str]) -> Section {
    let mut lines = lines.iter().copied().skip_while(|l| l.trim().is_empty());
    let first = lines.next().unwrap_or_default();
    if first.starts_with("curl:") {
        return Section {
            file,
            label,
            response: None,
            curl_error: Some(first.to_string()),
        };
    }
    let mut parts = first.splitn(3, ' ');
    assert_eq!(
        parts.next(),
        Some("HTTP/1.1"),
        "{file}: status line {first:?}"
    );
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let mut builder = Response::builder().status(StatusCode::from_u16(status).expect("status"));
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header line");
        builder = builder.header(name.trim(), value.trim());
    }
    let body: Vec<&str> = lines.collect();
    let body = body.join("\n").trim_end().to_string();
    Section {
        file,
        label,
        response: Some(builder.body(body.into_bytes()).expect("a response")),
        curl_error: None,
    }
}

/// Every capture file, parsed.
pub fn all() -> Vec<Section> {
    macro_rules! capture {
        ($name:literal) => {
            parse(
                $name,
                include_str!(concat!("../fixtures/notary-0.7.0-memory/", $name)),
            )
        };
    }
    [
        capture!("forward.http"),
        capture!("backward.http"),
        capture!("gun.http"),
        capture!("bad.http"),
        capture!("auth-tokens.http"),
        capture!("auth-notoken.http"),
    ]
    .into_iter()
    .flatten()
    .collect()
}
