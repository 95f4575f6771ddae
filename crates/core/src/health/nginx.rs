//! `GET /nginx_status`: nginx `stub_status` of MSR's front end (msr-api.md §2).
//!
//! ```text
//! Active connections: 291
//! server accepts handled requests
//!  16630948 16630948 31070465
//! Reading: 6 Writing: 179 Waiting: 106
//! ```
//!
//! The text is read by tokens, not by exact bytes: any whitespace (spaces, tabs, CRLF,
//! trailing spaces) between tokens is fine, labels match in any letter case, and extra
//! columns after `server accepts handled requests` are ignored. `accepts`, `handled` and
//! `requests` are counters since nginx started; the rest are gauges. Two samples give
//! [`rates`], with counter resets (an nginx restart) detected rather than reported as
//! negative rates.
//!
//! Whether MSR restricts this path is not documented: a 401, 403 or 404 is
//! [`NginxOutcome::NotAvailable`] ("not available to you"), not a failure of MSR.

use std::fmt;
use std::num::IntErrorKind;
use std::str::FromStr;

use http::{Request, Response};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, excerpt, looks_like_html};
use crate::{Origin, Timestamp};

/// The path of the nginx status page.
pub const NGINX_STATUS_PATH: &str = "/nginx_status";

/// The seven numbers of nginx `stub_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct NginxStatus {
    /// Open client connections, including waiting ones (gauge).
    pub active: u64,
    /// Connections accepted since nginx started (counter).
    pub accepts: u64,
    /// Connections handled since nginx started (counter); below `accepts` when nginx
    /// dropped connections (its `worker_connections` limit).
    pub handled: u64,
    /// Client requests since nginx started (counter).
    pub requests: u64,
    /// Connections where nginx is reading the request header (gauge).
    pub reading: u64,
    /// Connections where nginx is writing the response (gauge).
    pub writing: u64,
    /// Idle keep-alive connections (gauge).
    pub waiting: u64,
}

/// Why a `/nginx_status` body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NginxParseError {
    /// The body is not UTF-8 text.
    #[error("the body is not text (invalid UTF-8)")]
    NotText,
    /// A label or its number is missing.
    #[error("`{field}` is missing")]
    Missing {
        /// Which of the seven numbers.
        field: &'static str,
    },
    /// The token where a number belongs is not a non-negative integer.
    #[error("`{field}` is not a number: {token:?}")]
    NotANumber {
        /// Which of the seven numbers.
        field: &'static str,
        /// The offending token (at most 40 characters).
        token: String,
    },
    /// The number does not fit in 64 bits.
    #[error("`{field}` is too large: {token}")]
    Overflow {
        /// Which of the seven numbers.
        field: &'static str,
        /// The offending token (at most 40 characters).
        token: String,
    },
}

/// What a `/nginx_status` answer means for the user.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NginxOutcome {
    /// The status page, read.
    Available(NginxStatus),
    /// 401, 403 or 404: the page is not available to this user or from this network.
    /// Not a failure of MSR.
    NotAvailable {
        /// The HTTP status.
        status: u16,
    },
    /// Any other error status, or an HTML page (an SSO login page) with a success status.
    Error(ApiError),
    /// A success status whose text is not `stub_status` output.
    Invalid {
        /// What was wrong.
        error: NginxParseError,
        /// A short excerpt of the body.
        excerpt: String,
    },
}

/// One reading of the status page and when the shell took it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NginxSample {
    /// When the answer arrived.
    pub at: Timestamp,
    /// What it said.
    pub status: NginxStatus,
}

/// Rates between two samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct NginxRates {
    /// Client requests per second.
    pub requests_per_sec: f64,
    /// Accepted connections per second.
    pub accepts_per_sec: f64,
    /// Connections dropped during the interval (new `accepts - handled`).
    pub dropped: u64,
    /// The interval in milliseconds (always positive).
    pub elapsed_ms: i64,
    /// A counter went down between the samples: nginx restarted. The rates then count
    /// from zero at the restart (like Prometheus' `rate()`), so they are a lower bound.
    pub reset: bool,
}

impl NginxStatus {
    /// Read `stub_status` text by tokens.
    pub fn parse(body: &[u8]) -> Result<Self, NginxParseError> {
        let text = std::str::from_utf8(body).map_err(|_| NginxParseError::NotText)?;
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let after = |label: &str| {
            tokens
                .iter()
                .position(|t| t.eq_ignore_ascii_case(label))
                .map(|i| i + 1)
        };
        let number_at = |field: &'static str, index: Option<usize>| {
            let token = index
                .and_then(|i| tokens.get(i))
                .ok_or(NginxParseError::Missing { field })?;
            number(field, token)
        };
        // "server accepts handled requests [more columns]" then as many numbers.
        let server = after("server").ok_or(NginxParseError::Missing { field: "accepts" })?;
        let columns: Vec<&str> = tokens
            .iter()
            .skip(server)
            .take_while(|t| {
                !t.ends_with(':') && !t.starts_with(|c: char| c.is_ascii_digit() || c == '-')
            })
            .copied()
            .collect();
        let column = |field: &'static str| {
            let index = columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(field))
                .map(|i| server + columns.len() + i);
            number_at(field, index)
        };
        Ok(NginxStatus {
            active: number_at("active", after("connections:"))?,
            accepts: column("accepts")?,
            handled: column("handled")?,
            requests: column("requests")?,
            reading: number_at("reading", after("reading:"))?,
            writing: number_at("writing", after("writing:"))?,
            waiting: number_at("waiting", after("waiting:"))?,
        })
    }

    /// Connections nginx dropped since it started: `accepts - handled` (0 if negative).
    pub fn dropped(&self) -> u64 {
        self.accepts.saturating_sub(self.handled)
    }
}

impl FromStr for NginxStatus {
    type Err = NginxParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NginxStatus::parse(s.as_bytes())
    }
}

impl fmt::Display for NginxStatus {
    /// The `stub_status` text, as nginx writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Active connections: {} \nserver accepts handled requests\n {} {} {} \nReading: {} Writing: {} Waiting: {} \n",
            self.active,
            self.accepts,
            self.handled,
            self.requests,
            self.reading,
            self.writing,
            self.waiting
        )
    }
}

fn number(field: &'static str, token: &str) -> Result<u64, NginxParseError> {
    token.parse::<u64>().map_err(|e| {
        let token: String = token.chars().take(40).collect();
        match e.kind() {
            IntErrorKind::PosOverflow => NginxParseError::Overflow { field, token },
            _ => NginxParseError::NotANumber { field, token },
        }
    })
}

impl NginxSample {
    /// A sample of `status` taken at `at`.
    pub fn new(at: Timestamp, status: NginxStatus) -> Self {
        NginxSample { at, status }
    }
}

/// The `GET /nginx_status` request. No credentials: whether MSR wants any here is not
/// documented, and a refusal is reported as [`NginxOutcome::NotAvailable`].
pub fn nginx_status_request(base: &Origin) -> Request<Vec<u8>> {
    let uri = base
        .url(NGINX_STATUS_PATH)
        .expect("a constant path is a valid URI on the origin");
    super::get(uri, "text/plain")
}

/// Read a `/nginx_status` answer.
pub fn parse_nginx_status(response: &Response<Vec<u8>>) -> NginxOutcome {
    let status = response.status();
    if matches!(status.as_u16(), 401 | 403 | 404) {
        return NginxOutcome::NotAvailable {
            status: status.as_u16(),
        };
    }
    if !status.is_success() {
        return NginxOutcome::Error(ApiError::from_response(response));
    }
    if looks_like_html(response.headers(), response.body()) {
        return NginxOutcome::Error(ApiError::unexpected_body(
            status,
            response.headers(),
            response.body(),
        ));
    }
    match NginxStatus::parse(response.body()) {
        Ok(parsed) => NginxOutcome::Available(parsed),
        Err(error) => NginxOutcome::Invalid {
            error,
            excerpt: excerpt(response.body()),
        },
    }
}

/// Rates from `prev` to `next`; `None` when `next` is not later than `prev` (the same
/// instant or samples out of order), since no rate can be computed.
///
/// A counter that went down means nginx restarted in between (`reset: true`); the deltas
/// are then the new counter values, as if counting from zero at the restart.
pub fn rates(prev: &NginxSample, next: &NginxSample) -> Option<NginxRates> {
    let elapsed_ms = next.at.millis_since(prev.at);
    if elapsed_ms <= 0 {
        return None;
    }
    let (p, n) = (&prev.status, &next.status);
    let reset = n.accepts < p.accepts || n.handled < p.handled || n.requests < p.requests;
    let (accepts, handled, requests) = if reset {
        (n.accepts, n.handled, n.requests)
    } else {
        (
            n.accepts - p.accepts,
            n.handled - p.handled,
            n.requests - p.requests,
        )
    };
    let secs = elapsed_ms as f64 / 1000.0;
    Some(NginxRates {
        requests_per_sec: requests as f64 / secs,
        accepts_per_sec: accepts as f64 / secs,
        dropped: accepts.saturating_sub(handled),
        elapsed_ms,
        reset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \nReading: 6 Writing: 179 Waiting: 106 \n";

    #[test]
    fn parses_the_spec_example_and_round_trips() {
        let s: NginxStatus = SPEC.parse().unwrap();
        assert_eq!(
            s,
            NginxStatus {
                active: 291,
                accepts: 16630948,
                handled: 16630948,
                requests: 31070465,
                reading: 6,
                writing: 179,
                waiting: 106,
            }
        );
        assert_eq!(s.to_string(), SPEC);
        assert_eq!(s.dropped(), 0);
    }

    #[test]
    fn reset_uses_the_new_counters() {
        let a = NginxSample::new(
            Timestamp::from_secs(100),
            NginxStatus {
                accepts: 1000,
                handled: 1000,
                requests: 5000,
                ..Default::default()
            },
        );
        let b = NginxSample::new(
            Timestamp::from_secs(110),
            NginxStatus {
                accepts: 20,
                handled: 18,
                requests: 50,
                ..Default::default()
            },
        );
        let r = rates(&a, &b).unwrap();
        assert!(r.reset);
        assert_eq!(r.requests_per_sec, 5.0);
        assert_eq!(r.accepts_per_sec, 2.0);
        assert_eq!(r.dropped, 2);
    }
}
