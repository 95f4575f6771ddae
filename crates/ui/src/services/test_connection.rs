//! "Test connection" on the options page: each check separately (reachable, TLS trusted,
//! `/_ping`, credentials, token, admin, trust feed access).

use http::StatusCode;
use msr_lens_core::ApiError;
use msr_lens_core::auth::{Authenticator, Scope, Step, TokenRequest};
use msr_lens_core::changefeed::Cursor;
use msr_lens_core::health::parse_ping;
use msr_lens_core::health::{PingVerdict, parse_cluster_status, ping_request};

use crate::model::{CheckLine, Instance, SecretKind};
use crate::services::check::{TIMEOUT_MS, credentials, origins, trust_feed};
use crate::services::http::send;
use crate::services::storage::now;
use crate::snapshot::{TrustOutcome, trust_auth_problem};

fn line(name: &str, outcome: &str, detail: impl Into<String>) -> CheckLine {
    CheckLine {
        name: name.to_string(),
        outcome: outcome.to_string(),
        detail: detail.into(),
    }
}

/// "Test connection": each check separately, in order.
pub async fn test_connection(instance: &Instance, secret: Option<&str>) -> Vec<CheckLine> {
    let mut lines = Vec::new();
    let (origin, _) = match origins(instance) {
        Ok(o) => o,
        Err(message) => return vec![line("address", "fail", message)],
    };
    let allowed = [origin.clone()];
    let https = origin.scheme() == "https";
    let ping = send(ping_request(&origin), &allowed, TIMEOUT_MS).await;
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
            lines.push(line(
                "reachable",
                "fail",
                format!(
                    "{e}: nothing answered at {} — check the address, the network/VPN and the site permission",
                    origin.authority()
                ),
            ));
            // Not "fail": nothing answered, so no certificate was seen, and a page is not
            // told whether the connection or the certificate failed.
            lines.push(line(
                "TLS trusted",
                "skip",
                if https {
                    format!(
                        "not known: no answer came, so no certificate was seen. Open {origin}/_ping in a tab: a certificate warning means this browser does not trust MSR's certificate (install MSR's CA from {origin}/ca); “refused” or “timed out” means nothing listens there or the network blocks it"
                    )
                } else {
                    "plain http".into()
                },
            ));
            lines.push(line("/_ping", "skip", "not reachable"));
            return lines;
        }
    }
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
    let token = match step {
        Step::Send(request) => match send(request, &allowed, TIMEOUT_MS).await {
            Ok(response) => auth.handle(call, response, now()),
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
    match send(request, &allowed, TIMEOUT_MS).await {
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
        Err(e) => lines.push(line("admin", "fail", e.to_string())),
    }
    // Trust feed access.
    match trust_feed(instance, &origin, Some(creds), Cursor::Latest, 1).await {
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

fn kind_word(instance: &Instance) -> &'static str {
    match instance.secret_kind {
        SecretKind::Token => "access token",
        SecretKind::Password => "password",
    }
}
