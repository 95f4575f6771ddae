//! `GET /_ping`: one replica's own health check, no authentication (msr-api.md §1).
//!
//! MSR answers `{"Error":"","Healthy":true}` with 200 when the replica is healthy and
//! `{"Error":"<first failing check>","Healthy":false}` with 503 when it is not. The
//! [`parse_ping`] rules, in order:
//!
//! 1. **The status decides first.** Only 200 and 503 can be MSR's answer; anything else
//!    (401/407 or a redirect from an SSO proxy, 502/504 from a load balancer, 404, ...) is
//!    [`PingVerdict::Unknown`], never unhealthy: something other than the replica answered.
//! 2. An HTML page is never MSR's answer (an SSO login page at 200, a proxy's 503 page).
//! 3. The body must be a JSON object with a boolean `Healthy` (or `Health`, an old
//!    spelling; any letter case). Otherwise the answer is unknown — but a 503 that is not
//!    MSR's JSON is reported as a gateway answer (a load balancer with no healthy upstream).
//! 4. 200 with `Healthy: true` is [`PingVerdict::Healthy`]; 503 with MSR's JSON is
//!    [`PingVerdict::Unhealthy`] with the `Error` text as the reason.
//! 5. Contradictions — 200 with `Healthy: false`, or 503 with `Healthy: true` — are
//!    [`PingVerdict::Unhealthy`]: the real server never sends them, and a monitor must
//!    not hide an explicit "not healthy" from the replica itself. The reason is the
//!    `Error` text, or a sentence naming the contradiction when `Error` is empty.
//!
//! Behind a load balancer `/_ping` checks whichever replica answered; per-replica
//! monitoring needs one origin per replica, each passed to [`ping_request`].

use http::{Request, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::Origin;
use crate::error::{excerpt, looks_like_html};

/// The path of the ping endpoint.
pub const PING_PATH: &str = "/_ping";

/// What one replica's `/_ping` answer says about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub enum PingVerdict {
    /// The replica answered 200 with `Healthy: true`.
    Healthy,
    /// The replica itself reported that it is unhealthy.
    Unhealthy {
        /// The first failing check, as MSR words it (e.g. `Rethinkdb has issues: [...]`).
        reason: String,
    },
    /// The answer did not come from the replica's health check, or could not be read.
    Unknown {
        /// The HTTP status, or 0 when there was no HTTP answer at all.
        status: u16,
        /// A short excerpt of the body (or the shell's error message when `status` is 0).
        excerpt: String,
        /// Why the answer is not a verdict.
        why: UnknownWhy,
    },
}

/// Why a `/_ping` answer gave no verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub enum UnknownWhy {
    /// No HTTP answer reached the shell (network, DNS, TLS trust, CORS). See
    /// [`PingVerdict::no_answer`].
    NoAnswer,
    /// 502 or 504, or a 503 that is not MSR's JSON: a proxy or load balancer in front of
    /// the replica could not reach it.
    Gateway,
    /// 401 or 407: a proxy in front of MSR asks for credentials (`/_ping` needs none).
    AuthRequired,
    /// A 3xx redirect, typically to an SSO login page or from `http` to `https`.
    Redirected,
    /// An HTML page where MSR answers JSON (an SSO login page, a proxy's page).
    Html,
    /// A 200 or 503 whose body is not a JSON object with a boolean `Healthy`.
    NotPingJson,
    /// Any other status (404, 500, 204, ...): not an answer of MSR's health check.
    UnexpectedStatus,
}

impl UnknownWhy {
    /// A short human explanation.
    pub fn describe(self) -> &'static str {
        match self {
            UnknownWhy::NoAnswer => {
                "no answer (network, TLS certificate trust, or the host is down)"
            }
            UnknownWhy::Gateway => "a proxy or load balancer could not reach the replica",
            UnknownWhy::AuthRequired => "a proxy in front of MSR asks for credentials",
            UnknownWhy::Redirected => "redirected (an SSO login or another URL)",
            UnknownWhy::Html => "an HTML page, not MSR's health check",
            UnknownWhy::NotPingJson => "not MSR's /_ping JSON",
            UnknownWhy::UnexpectedStatus => "a status MSR's health check does not send",
        }
    }
}

impl PingVerdict {
    /// The verdict for a ping that got no HTTP answer at all; the shell passes its
    /// transport error message (status 0, [`UnknownWhy::NoAnswer`]).
    pub fn no_answer(message: impl Into<String>) -> Self {
        PingVerdict::Unknown {
            status: 0,
            excerpt: excerpt(message.into().as_bytes()),
            why: UnknownWhy::NoAnswer,
        }
    }

    /// Whether the replica answered healthy.
    pub fn is_healthy(&self) -> bool {
        matches!(self, PingVerdict::Healthy)
    }

    /// Whether the replica reported itself unhealthy.
    pub fn is_unhealthy(&self) -> bool {
        matches!(self, PingVerdict::Unhealthy { .. })
    }

    /// Whether nothing between the shell and the replica could reach it: no answer at all,
    /// or a gateway error from a proxy in front of it.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            PingVerdict::Unknown {
                why: UnknownWhy::NoAnswer | UnknownWhy::Gateway,
                ..
            }
        )
    }
}

/// The `GET /_ping` request for one replica (or the load-balanced origin). No credentials.
pub fn ping_request(base: &Origin) -> Request<Vec<u8>> {
    let uri = base
        .url(PING_PATH)
        .expect("a constant path is a valid URI on the origin");
    super::get(uri, "application/json")
}

/// MSR's `/_ping` body, read leniently: `healthy` from `Healthy` / `Health` (any case),
/// `error` from `Error`. `None` when the body is not a JSON object carrying either key.
pub(crate) struct PingBody {
    pub(crate) healthy: Option<bool>,
    pub(crate) error: Option<String>,
}

impl PingBody {
    /// Read a body as MSR's ping JSON; `None` when it is not.
    pub(crate) fn read(body: &[u8]) -> Option<PingBody> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return None;
        };
        let lookup = |names: &[&str]| {
            names.iter().find_map(|name| map.get(*name)).or_else(|| {
                map.iter()
                    .find(|(key, _)| names.iter().any(|n| key.eq_ignore_ascii_case(n)))
                    .map(|(_, value)| value)
            })
        };
        let healthy = lookup(&["Healthy", "Health"]).and_then(Value::as_bool);
        let error = match lookup(&["Error"]) {
            Some(Value::String(text)) => Some(text.trim().to_string()),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        if healthy.is_none() && error.is_none() {
            return None;
        }
        Some(PingBody { healthy, error })
    }
}

/// Read a `/_ping` answer into a verdict by the rules in the [module docs](self).
pub fn parse_ping(response: &Response<Vec<u8>>) -> PingVerdict {
    let status = response.status();
    let body = response.body();
    let unknown = |why| PingVerdict::Unknown {
        status: status.as_u16(),
        excerpt: excerpt(body),
        why,
    };
    let code = status.as_u16();
    match code {
        200 | 503 => {}
        401 | 407 => return unknown(UnknownWhy::AuthRequired),
        300..=399 => return unknown(UnknownWhy::Redirected),
        502 | 504 => return unknown(UnknownWhy::Gateway),
        _ => return unknown(UnknownWhy::UnexpectedStatus),
    }
    let unavailable = status == StatusCode::SERVICE_UNAVAILABLE;
    if looks_like_html(response.headers(), body) {
        return unknown(if unavailable {
            UnknownWhy::Gateway
        } else {
            UnknownWhy::Html
        });
    }
    let Some(ping) = PingBody::read(body) else {
        return unknown(if unavailable {
            UnknownWhy::Gateway
        } else {
            UnknownWhy::NotPingJson
        });
    };
    let error = ping.error.filter(|e| !e.is_empty());
    match (unavailable, ping.healthy) {
        (false, Some(true)) => PingVerdict::Healthy,
        (false, Some(false)) => PingVerdict::Unhealthy {
            reason: error.unwrap_or_else(|| {
                "the replica answered 200 but reported \"Healthy\": false".to_string()
            }),
        },
        (false, None) => unknown(UnknownWhy::NotPingJson),
        (true, Some(true)) => PingVerdict::Unhealthy {
            reason: error.unwrap_or_else(|| {
                "the replica answered 503 (unavailable) although its body says healthy".to_string()
            }),
        },
        (true, _) => PingVerdict::Unhealthy {
            reason: error.unwrap_or_else(|| {
                "the replica reported itself unhealthy without a reason".to_string()
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> Response<Vec<u8>> {
        let mut r = Response::new(body.as_bytes().to_vec());
        *r.status_mut() = StatusCode::from_u16(status).unwrap();
        r
    }

    #[test]
    fn request_is_a_plain_get_without_credentials() {
        let origin = Origin::parse("https://replica-1.example.org:8443").unwrap();
        let r = ping_request(&origin);
        assert_eq!(r.method(), http::Method::GET);
        assert_eq!(
            r.uri().to_string(),
            "https://replica-1.example.org:8443/_ping"
        );
        assert!(r.headers().get(http::header::AUTHORIZATION).is_none());
        assert!(r.body().is_empty());
    }

    #[test]
    fn the_two_real_answers() {
        assert_eq!(
            parse_ping(&resp(200, r#"{"Error":"","Healthy":true}"#)),
            PingVerdict::Healthy
        );
        assert_eq!(
            parse_ping(&resp(
                503,
                r#"{"Error":"Notary unhealthy: dial tcp 10.0.0.4:4443: connection refused","Healthy":false}"#
            )),
            PingVerdict::Unhealthy {
                reason: "Notary unhealthy: dial tcp 10.0.0.4:4443: connection refused".into()
            }
        );
    }

    #[test]
    fn no_answer_is_unreachable() {
        let v = PingVerdict::no_answer("TypeError: Failed to fetch");
        assert!(v.is_unreachable());
        assert!(matches!(v, PingVerdict::Unknown { status: 0, .. }));
    }
}
