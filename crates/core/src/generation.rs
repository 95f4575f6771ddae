//! MSR generation detection from the answers of `/_ping` and `/api/v2.0/ping`
//! (msr-api.md §9).
//!
//! - **MSR 2.9 / 3.x** (and DTR) answer `/_ping` with the JSON
//!   `{"Error":"...","Healthy":true|false}` (200 or 503). An unhealthy MSR is still MSR.
//! - **MSR 4.x is Harbor-based**: it has no `/_ping`, no `cluster_status` and no notary
//!   (Harbor removed it in 2.9), so there is no trust audit log. Harbor's
//!   `GET /api/v2.0/ping` answers `Pong` as `text/plain`, without authentication
//!   (goharbor/harbor `src/server/v2.0/handler/ping.go`). Its health is at
//!   `/api/v2.0/health` and its audit log at `/api/v2.0/auditlog-exts`.
//! - **Not an MSR** when both endpoints answered, and neither answer could be MSR's:
//!   404/405, or a success whose non-HTML body is not the expected one.
//! - **Unknown** otherwise: an answer is missing, or one came from something in front of
//!   MSR (401/407 or a redirect from an SSO proxy, an HTML login page, 5xx from a proxy).
//!   A plain 404 at `/_ping` alone proves nothing: Harbor has no `/_ping` either.

use std::fmt;

use http::{Request, Response};
use serde::Serialize;

use crate::Origin;
use crate::error::{excerpt, looks_like_html};
use crate::health::ping::PingBody;

/// The path of Harbor's (MSR 4's) ping endpoint.
pub const V2_PING_PATH: &str = "/api/v2.0/ping";

/// Which generation of MSR an origin serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "generation", rename_all = "camelCase")]
pub enum Generation {
    /// MSR 2.9 / 3.x (or DTR): `/_ping`, `cluster_status` and the notary trust audit
    /// log are available.
    Msr2or3,
    /// MSR 4.x (Harbor-based, or plain Harbor): no notary trust audit log and no
    /// `cluster_status`; this tool's MSR 2/3 checks do not apply.
    Msr4Harbor,
    /// The origin answered, but not as any MSR does.
    NotMsr {
        /// What was seen.
        why: String,
    },
    /// Not enough evidence (an answer missing, or one from a proxy in front of MSR).
    Unknown {
        /// What was seen.
        why: String,
    },
}

impl Generation {
    /// Whether the notary trust audit log (changefeed) exists on this generation.
    pub fn has_trust_audit(&self) -> bool {
        matches!(self, Generation::Msr2or3)
    }

    /// Whether `/api/v0/meta/cluster_status` exists on this generation.
    pub fn has_cluster_status(&self) -> bool {
        matches!(self, Generation::Msr2or3)
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Generation::Msr2or3 => f.write_str("MSR 2.x/3.x"),
            Generation::Msr4Harbor => f.write_str(
                "MSR 4 (Harbor-based): no notary trust audit log and no cluster_status; \
                 use Harbor's /api/v2.0/health and audit log instead",
            ),
            Generation::NotMsr { why } => write!(f, "not an MSR: {why}"),
            Generation::Unknown { why } => write!(f, "unknown: {why}"),
        }
    }
}

/// The `GET /_ping` request (the same as [`crate::health::ping_request`]).
pub fn ping_request(base: &Origin) -> Request<Vec<u8>> {
    crate::health::ping_request(base)
}

/// The `GET /api/v2.0/ping` request (Harbor; no credentials needed).
pub fn v2_ping_request(base: &Origin) -> Request<Vec<u8>> {
    let mut request = crate::health::ping_request(base);
    *request.uri_mut() = base
        .url(V2_PING_PATH)
        .expect("a constant path is a valid URI on the origin");
    request.headers_mut().insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("text/plain"),
    );
    request
}

/// What one answer says.
enum Evidence {
    /// It is the answer this generation gives.
    Match,
    /// It cannot be this generation's answer (404/405, or an unrelated body).
    Mismatch(String),
    /// It says nothing (missing, proxy, SSO, HTML, 5xx).
    Nothing(String),
}

/// Tell the generation from the answers to [`ping_request`] and [`v2_ping_request`]
/// (either may be missing), by the rules in the [module docs](self).
pub fn detect_generation(
    ping: Option<&Response<Vec<u8>>>,
    v2_ping: Option<&Response<Vec<u8>>>,
) -> Generation {
    let ping = classify(ping, "/_ping", |status, body| {
        matches!(status, 200 | 503) && PingBody::read(body).is_some_and(|b| b.healthy.is_some())
    });
    let v2 = classify(v2_ping, V2_PING_PATH, |status, body| {
        status == 200 && is_pong(body)
    });
    match (ping, v2) {
        (Evidence::Match, _) => Generation::Msr2or3,
        (_, Evidence::Match) => Generation::Msr4Harbor,
        (Evidence::Mismatch(a), Evidence::Mismatch(b)) => Generation::NotMsr {
            why: format!("{a}; {b}"),
        },
        (Evidence::Nothing(a), Evidence::Nothing(b))
        | (Evidence::Nothing(a), Evidence::Mismatch(b))
        | (Evidence::Mismatch(a), Evidence::Nothing(b)) => Generation::Unknown {
            why: format!("{a}; {b}"),
        },
    }
}

fn classify(
    response: Option<&Response<Vec<u8>>>,
    path: &str,
    matches: impl Fn(u16, &[u8]) -> bool,
) -> Evidence {
    let Some(response) = response else {
        return Evidence::Nothing(format!("no answer from {path}"));
    };
    let status = response.status().as_u16();
    let body = response.body();
    if matches(status, body) {
        return Evidence::Match;
    }
    let html = looks_like_html(response.headers(), body);
    match status {
        404 | 405 => Evidence::Mismatch(format!("{path} answered {status}")),
        200..=299 if !html => {
            Evidence::Mismatch(format!("{path} answered {status} with {:?}", excerpt(body)))
        }
        200..=299 => Evidence::Nothing(format!(
            "{path} answered {status} with an HTML page (an SSO login or a web app)"
        )),
        _ => Evidence::Nothing(format!("{path} answered {status}")),
    }
}

/// Harbor's `Pong`: plain text, or a JSON string (`"Pong"`), any case, any whitespace.
fn is_pong(body: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    text.eq_ignore_ascii_case("pong")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let origin = Origin::parse("https://msr.example.org").unwrap();
        assert_eq!(
            v2_ping_request(&origin).uri().to_string(),
            "https://msr.example.org/api/v2.0/ping"
        );
        assert_eq!(
            ping_request(&origin).uri().to_string(),
            "https://msr.example.org/_ping"
        );
    }

    #[test]
    fn pong_spellings() {
        for ok in ["Pong", "pong\n", " \"Pong\" "] {
            assert!(is_pong(ok.as_bytes()), "{ok}");
        }
        for no in ["", "Ping", "\"Pong", "{\"Pong\":1}", "Pong Pong"] {
            assert!(!is_pong(no.as_bytes()), "{no}");
        }
    }
}
