//! "Test connection" on the options page: each check separately (reachable, TLS trusted,
//! `/_ping`, credentials, token, admin, trust feed access).

use http::StatusCode;
use msr_lens_core::auth::{Authenticator, Scope, Step, TokenRequest};
use msr_lens_core::changefeed::Cursor;
use msr_lens_core::health::parse_ping;
use msr_lens_core::health::{PingVerdict, parse_cluster_status, ping_request};
use msr_lens_core::{ApiError, NetworkFailure, Origin};

use crate::format::time_limit;
use crate::model::{CheckLine, Instance, SecretKind};
use crate::services::check::{credentials, origins, trust_feed};
use crate::services::http::{FetchError, send};
use crate::services::net_errors::{BrowserError, NetErrors};
use crate::services::storage::{check_timeout_ms, now};
use crate::snapshot::{TrustOutcome, trust_auth_problem};

fn line(name: &str, outcome: &str, detail: impl Into<String>) -> CheckLine {
    CheckLine {
        name: name.to_string(),
        outcome: outcome.to_string(),
        detail: detail.into(),
    }
}

/// "Test connection": each check separately, in order, each request waiting at most the
/// checks' time limit ([`check_timeout_ms`]).
pub async fn test_connection(instance: &Instance, secret: Option<&str>) -> Vec<CheckLine> {
    let mut lines = Vec::new();
    let (origin, _) = match origins(instance) {
        Ok(o) => o,
        Err(message) => return vec![line("address", "fail", message)],
    };
    let limit = check_timeout_ms().await;
    let timeout_ms = i32::try_from(limit).unwrap_or(i32::MAX);
    let allowed = [origin.clone()];
    let https = origin.scheme() == "https";
    let request = ping_request(&origin);
    let ping_url = request.uri().to_string();
    // Listen for the browser's own error before sending: a failed fetch alone does not
    // tell an untrusted certificate from a port where nothing listens.
    let watch = NetErrors::watch(&origin).await;
    let ping = send(request, &allowed, timeout_ms).await;
    match &ping {
        Ok(r) => {
            lines.push(line(
                "reachable",
                "pass",
                format!(
                    "{} answered (HTTP {})",
                    origin.authority(),
                    r.status().as_u16()
                ),
            ));
            lines.push(if https {
                line(
                    "TLS trusted",
                    "pass",
                    "this browser trusts MSR's certificate",
                )
            } else {
                line(
                    "TLS trusted",
                    "warn",
                    "plain http: credentials travel unencrypted",
                )
            });
            match parse_ping(r) {
                PingVerdict::Healthy => lines.push(line("/_ping", "pass", "healthy")),
                PingVerdict::Unhealthy { reason } => {
                    lines.push(line("/_ping", "fail", format!("unhealthy: {reason}")))
                }
                PingVerdict::Unknown { status, why, .. } => lines.push(line(
                    "/_ping",
                    "fail",
                    format!("HTTP {status}: {}", why.describe()),
                )),
            }
        }
        Err(e) => {
            let browser = match e {
                FetchError::Network(_) => watch.error_of(&ping_url).await,
                _ => None,
            };
            lines.extend(no_answer_lines(&origin, e, browser.as_ref(), limit));
            return lines;
        }
    }
    drop(watch);
    let Some(creds) = credentials(instance, secret) else {
        for name in ["credentials", "admin", "token", "trust feed access"] {
            lines.push(line(name, "skip", "no user name or secret given"));
        }
        return lines;
    };
    // Credentials and the token: ask the token service for the catalog scope.
    let mut auth = Authenticator::new(origin.clone(), Some(creds.clone()));
    let realm = format!("{origin}/auth/token");
    let key = TokenRequest::new(realm, Some("dtr".into()), &[Scope::catalog_all()]);
    let (call, step) = auth.start_token(key, now());
    let mut token_timed_out = false;
    let token = match step {
        Step::Send(request) => match send(request, &allowed, timeout_ms).await {
            Ok(response) => auth.handle(call, response, now()),
            Err(FetchError::Timeout) => {
                token_timed_out = true;
                Step::Ignored
            }
            Err(e) => Step::Failed(msr_lens_core::auth::AuthError::TokenService(Box::new(
                ApiError::unexpected_body(
                    StatusCode::BAD_GATEWAY,
                    &http::HeaderMap::new(),
                    e.to_string().as_bytes(),
                ),
            ))),
        },
        other => other,
    };
    match token {
        _ if token_timed_out => {
            lines.push(line(
                "credentials",
                "fail",
                format!("the token service could not be read: {}", time_limit(limit)),
            ));
            lines.push(line(
                "token",
                "skip",
                "no token without an answer from the token service",
            ));
        }
        Step::Token(issued) => {
            lines.push(line(
                "credentials",
                "pass",
                format!(
                    "MSR accepted {} and the {}",
                    creds.username(),
                    kind_word(instance)
                ),
            ));
            let grants = issued.grants().map(|g| g.to_string()).unwrap_or_default();
            lines.push(line(
                "token",
                "pass",
                if grants.is_empty() {
                    "token issued; it grants nothing global".to_string()
                } else {
                    format!("token issued; grants {grants}")
                },
            ));
        }
        Step::Failed(e) => {
            let p = trust_auth_problem(instance, &e);
            lines.push(line("credentials", "fail", p.message));
            lines.push(line("token", "skip", "no token without valid credentials"));
        }
        _ => lines.push(line(
            "credentials",
            "fail",
            "the token service gave no answer",
        )),
    }
    // Admin: cluster_status.
    let request = msr_lens_core::health::cluster_status_request(&origin, &creds);
    match send(request, &allowed, timeout_ms).await {
        Ok(response) => match parse_cluster_status(&response) {
            Ok(status) => lines.push(line(
                "admin",
                "pass",
                format!(
                    "cluster status readable ({} replicas)",
                    status.replica_ids().len()
                ),
            )),
            Err(e) => {
                let p = crate::snapshot::cluster_problem(instance, true, &e);
                lines.push(line("admin", "fail", p.message));
            }
        },
        Err(FetchError::Timeout) => lines.push(line(
            "admin",
            "fail",
            format!("cluster status could not be read: {}", time_limit(limit)),
        )),
        Err(e) => lines.push(line("admin", "fail", e.to_string())),
    }
    // Trust feed access.
    match trust_feed(
        instance,
        &origin,
        Some(creds),
        Cursor::Latest,
        1,
        timeout_ms,
    )
    .await
    {
        TrustOutcome::Events(events) => lines.push(line(
            "trust feed access",
            "pass",
            match events.first() {
                Some(e) => format!("latest: {} v{} ({})", e.repository, e.version, e.category),
                None => "readable, no records yet".to_string(),
            },
        )),
        TrustOutcome::Failed(p) => lines.push(line("trust feed access", "fail", p.message)),
    }
    lines
}

/// The "reachable", "TLS trusted" and "/_ping" lines when `/_ping` got no answer: that it
/// ran into the time limit (`limit_ms`; the browser then only says the request was
/// cancelled), what the browser said (`browser`, from `webRequest`) when it said
/// something, else that it is not known whether the certificate or the connection failed.
fn no_answer_lines(
    origin: &Origin,
    error: &FetchError,
    browser: Option<&BrowserError>,
    limit_ms: u32,
) -> Vec<CheckLine> {
    let at = origin.authority();
    let https = origin.scheme() == "https";
    if *error == FetchError::Timeout {
        return vec![
            line(
                "reachable",
                "fail",
                format!("could not reach {at}: {}", time_limit(limit_ms)),
            ),
            line(
                "TLS trusted",
                "skip",
                if https {
                    "not known: nothing answered in time, so no certificate was judged"
                } else {
                    "plain http"
                },
            ),
            line("/_ping", "skip", "not reachable"),
        ];
    }
    let nothing_answered_tls = || {
        line(
            "TLS trusted",
            "skip",
            if https {
                "nothing answered, so no certificate was seen"
            } else {
                "plain http"
            },
        )
    };
    let Some(BrowserError { code, failure }) = browser else {
        return unknown_lines(origin, error, None);
    };
    let (reachable, tls, ping) = match failure {
        f if f.is_certificate() => (
            line(
                "reachable",
                "pass",
                format!("{at} answered, but this browser refused its certificate"),
            ),
            line(
                "TLS trusted",
                "fail",
                match f {
                    NetworkFailure::CertificateUntrusted => format!(
                        "this browser does not trust MSR's certificate ({code}) — install MSR's CA from {origin}/ca"
                    ),
                    NetworkFailure::CertificateExpired => format!(
                        "MSR's certificate has expired or is not valid yet ({code}) — renew it, or check this computer's clock"
                    ),
                    NetworkFailure::CertificateNameMismatch => format!(
                        "MSR's certificate is not issued for {} ({code}) — use the name it was issued for",
                        origin.host()
                    ),
                    _ => format!("{f} ({code})"),
                },
            ),
            "not reached: the certificate was refused",
        ),
        NetworkFailure::TlsHandshake => (
            line(
                "reachable",
                "pass",
                format!("{at} answered, but the TLS handshake failed"),
            ),
            line("TLS trusted", "fail", format!("{failure} ({code})")),
            "not reached: the TLS handshake failed",
        ),
        NetworkFailure::Reset => (
            line(
                "reachable",
                "fail",
                format!("{at} accepted the connection but closed it without an answer ({code})"),
            ),
            line(
                "TLS trusted",
                "skip",
                if https {
                    "not known: the connection closed before a certificate was judged"
                } else {
                    "plain http"
                },
            ),
            "not reachable",
        ),
        NetworkFailure::Refused => (
            line(
                "reachable",
                "fail",
                format!(
                    "nothing listens at {at} (connection refused: {code}) — check the address and the port"
                ),
            ),
            nothing_answered_tls(),
            "not reachable",
        ),
        NetworkFailure::NameNotResolved => (
            line(
                "reachable",
                "fail",
                format!(
                    "the name {} does not resolve ({code}) — check the address, DNS and the VPN",
                    origin.host()
                ),
            ),
            nothing_answered_tls(),
            "not reachable",
        ),
        NetworkFailure::TimedOut => (
            line(
                "reachable",
                "fail",
                format!(
                    "no answer from {at}: the connection timed out ({code}) — a firewall, the VPN or a wrong address"
                ),
            ),
            nothing_answered_tls(),
            "not reachable",
        ),
        NetworkFailure::Unreachable => (
            line(
                "reachable",
                "fail",
                format!(
                    "{at} is unreachable from this network ({code}) — check the network and the VPN"
                ),
            ),
            nothing_answered_tls(),
            "not reachable",
        ),
        _ => return unknown_lines(origin, error, Some(code)),
    };
    vec![reachable, tls, line("/_ping", "skip", ping)]
}

/// The lines when it is not known why nothing answered (no or an unrecognised browser
/// error): a page is not told whether the connection or the certificate failed.
fn unknown_lines(origin: &Origin, error: &FetchError, code: Option<&str>) -> Vec<CheckLine> {
    let said = code.map(|c| format!(" ({c})")).unwrap_or_default();
    vec![
        line(
            "reachable",
            "fail",
            format!(
                "{error}{said}: nothing answered at {} — check the address, the network/VPN and the site permission",
                origin.authority()
            ),
        ),
        // Not "fail": nothing answered, so no certificate was seen.
        line(
            "TLS trusted",
            "skip",
            if origin.scheme() == "https" {
                format!(
                    "not known: no answer came, so no certificate was seen. Open {origin}/_ping in a tab: a certificate warning means this browser does not trust MSR's certificate (install MSR's CA from {origin}/ca); “refused” or “timed out” means nothing listens there or the network blocks it"
                )
            } else {
                "plain http".into()
            },
        ),
        line("/_ping", "skip", "not reachable"),
    ]
}

fn kind_word(instance: &Instance) -> &'static str {
    match instance.secret_kind {
        SecretKind::Token => "access token",
        SecretKind::Password => "password",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(lines: &[CheckLine]) -> Vec<(&str, &str)> {
        lines
            .iter()
            .map(|l| (l.name.as_str(), l.outcome.as_str()))
            .collect()
    }

    fn network() -> FetchError {
        FetchError::Network("TypeError: Failed to fetch".into())
    }

    #[test]
    fn what_the_browser_said_decides_the_lines() {
        let origin = Origin::parse("https://msr.example.com:8443").unwrap();
        // (browser error, reachable, TLS trusted, words in the reachable and TLS lines)
        let cases = [
            (
                "net::ERR_CONNECTION_REFUSED",
                "fail",
                "skip",
                "nothing listens at msr.example.com:8443 (connection refused",
                "nothing answered, so no certificate was seen",
            ),
            (
                "NS_ERROR_CONNECTION_REFUSED",
                "fail",
                "skip",
                "nothing listens at msr.example.com:8443",
                "nothing answered",
            ),
            (
                "net::ERR_CERT_AUTHORITY_INVALID",
                "pass",
                "fail",
                "msr.example.com:8443 answered, but this browser refused its certificate",
                "this browser does not trust MSR's certificate (net::ERR_CERT_AUTHORITY_INVALID) — install MSR's CA from https://msr.example.com:8443/ca",
            ),
            (
                "Peer's Certificate issuer is not recognized.",
                "pass",
                "fail",
                "refused its certificate",
                "(Peer's Certificate issuer is not recognized.) — install MSR's CA",
            ),
            (
                "net::ERR_CERT_DATE_INVALID",
                "pass",
                "fail",
                "refused its certificate",
                "has expired or is not valid yet (net::ERR_CERT_DATE_INVALID)",
            ),
            (
                "net::ERR_CERT_COMMON_NAME_INVALID",
                "pass",
                "fail",
                "refused its certificate",
                "not issued for msr.example.com (net::ERR_CERT_COMMON_NAME_INVALID)",
            ),
            (
                "net::ERR_CERT_REVOKED",
                "pass",
                "fail",
                "refused its certificate",
                "(revoked, weak or malformed) (net::ERR_CERT_REVOKED)",
            ),
            (
                "net::ERR_SSL_PROTOCOL_ERROR",
                "pass",
                "fail",
                "answered, but the TLS handshake failed",
                "the port may not speak https",
            ),
            (
                "net::ERR_NAME_NOT_RESOLVED",
                "fail",
                "skip",
                "the name msr.example.com does not resolve (net::ERR_NAME_NOT_RESOLVED)",
                "nothing answered",
            ),
            (
                "net::ERR_CONNECTION_TIMED_OUT",
                "fail",
                "skip",
                "the connection timed out (net::ERR_CONNECTION_TIMED_OUT)",
                "nothing answered",
            ),
            (
                "net::ERR_ADDRESS_UNREACHABLE",
                "fail",
                "skip",
                "unreachable from this network (net::ERR_ADDRESS_UNREACHABLE)",
                "nothing answered",
            ),
            (
                "net::ERR_CONNECTION_RESET",
                "fail",
                "skip",
                "closed it without an answer (net::ERR_CONNECTION_RESET)",
                "not known: the connection closed",
            ),
            (
                "net::ERR_FAILED",
                "fail",
                "skip",
                "(net::ERR_FAILED): nothing answered at msr.example.com:8443",
                "not known: no answer came",
            ),
        ];
        for (code, reachable, tls, reachable_words, tls_words) in cases {
            let browser = BrowserError::new(code);
            let lines = no_answer_lines(&origin, &network(), Some(&browser), 10_000);
            assert_eq!(
                outcomes(&lines),
                [
                    ("reachable", reachable),
                    ("TLS trusted", tls),
                    ("/_ping", "skip")
                ],
                "{code}"
            );
            assert!(
                lines[0].detail.contains(reachable_words),
                "{code}: {}",
                lines[0].detail
            );
            assert!(
                lines[1].detail.contains(tls_words),
                "{code}: {}",
                lines[1].detail
            );
        }
    }

    #[test]
    fn without_the_browser_error_it_stays_not_known() {
        let origin = Origin::parse("https://msr.example.com").unwrap();
        let lines = no_answer_lines(&origin, &network(), None, 10_000);
        assert_eq!(
            outcomes(&lines),
            [
                ("reachable", "fail"),
                ("TLS trusted", "skip"),
                ("/_ping", "skip")
            ]
        );
        assert!(
            lines[0]
                .detail
                .contains("nothing answered at msr.example.com")
        );
        assert!(lines[1].detail.starts_with("not known: no answer came"));
    }

    #[test]
    fn the_time_limit_is_said_as_such() {
        let origin = Origin::parse("https://msr.example.com:8443").unwrap();
        // The browser names the request the time limit stopped only as cancelled.
        let browser = BrowserError::new("net::ERR_ABORTED");
        for browser in [None, Some(&browser)] {
            let lines = no_answer_lines(&origin, &FetchError::Timeout, browser, 1_500);
            assert_eq!(
                outcomes(&lines),
                [
                    ("reachable", "fail"),
                    ("TLS trusted", "skip"),
                    ("/_ping", "skip")
                ]
            );
            assert_eq!(
                lines[0].detail,
                "could not reach msr.example.com:8443: no answer within 1.5 s (the check's time limit)"
            );
        }
    }

    #[test]
    fn plain_http_has_no_certificate_to_judge() {
        let origin = Origin::parse("http://127.0.0.1:9").unwrap();
        let browser = BrowserError::new("net::ERR_CONNECTION_REFUSED");
        let lines = no_answer_lines(&origin, &network(), Some(&browser), 10_000);
        assert_eq!(lines[1].outcome, "skip");
        assert_eq!(lines[1].detail, "plain http");
    }
}
