//! Turning the core's results into specific, human messages, for "Test connection" and
//! the audit view.
//!
//! Pure functions (no I/O): `services::check` feeds them what the network returned. The
//! background worker's snapshot is worded by `extension/snapshot.js` in the same words.

use msr_lens_core::auth::AuthError;
use msr_lens_core::changefeed::{Page, PageError};
use msr_lens_core::error::BodyShape;
use msr_lens_core::health::ClusterStatusError;
use msr_lens_core::{ApiError, ErrorKind};

use crate::model::{Instance, Problem, TrustEvent};

/// What reading the trust changefeed gave.
#[derive(Debug, Clone, PartialEq)]
pub enum TrustOutcome {
    /// The latest events, in server order (oldest first).
    Events(Vec<TrustEvent>),
    /// Why it could not be read.
    Failed(Problem),
}

fn problem(area: &str, kind: &str, message: impl Into<String>) -> Problem {
    Problem {
        area: area.to_string(),
        kind: kind.to_string(),
        message: message.into(),
    }
}

/// Who the user is, for messages.
fn account(instance: &Instance) -> String {
    if instance.username.is_empty() {
        "anonymous".to_string()
    } else {
        format!("“{}”", instance.username)
    }
}

fn secret_word(instance: &Instance) -> &'static str {
    match instance.secret_kind {
        crate::model::SecretKind::Token => "access token",
        crate::model::SecretKind::Password => "password",
    }
}

/// A problem for an HTTP error that is not specific to one endpoint.
pub fn api_problem(area: &str, what: &str, error: &ApiError) -> Problem {
    if error.shape == BodyShape::Html && error.status < 400 {
        return problem(
            area,
            "loginPage",
            format!(
                "MSR answered {what} with a login page (HTTP {}): a single sign-on proxy sits in front of MSR and this browser is not signed in to it",
                error.status
            ),
        );
    }
    let (kind, text) = match error.kind {
        ErrorKind::Unavailable => (
            "unavailable",
            format!(
                "MSR is unavailable for {what}: HTTP {} from MSR or its load balancer",
                error.status
            ),
        ),
        ErrorKind::ServerError => (
            "serverError",
            format!(
                "MSR failed on {what} (HTTP {}){}",
                error.status,
                detail(error)
            ),
        ),
        ErrorKind::RateLimited => (
            "rateLimited",
            format!("MSR is rate limiting {what} (HTTP 429); retrying later"),
        ),
        ErrorKind::NotFound => (
            "notFound",
            format!("{what} does not exist on this server (HTTP 404): is it MSR 2.9 / 3.x?"),
        ),
        ErrorKind::UnexpectedBody => (
            "badResponse",
            format!(
                "MSR answered {what} with something it never sends (HTTP {}): {}",
                error.status, error.excerpt
            ),
        ),
        ErrorKind::Forbidden => (
            "noAccess",
            format!("no access to {what} (HTTP 403){}", detail(error)),
        ),
        ErrorKind::Unauthenticated => (
            "notSignedIn",
            format!("{what} needs you to sign in (HTTP 401)"),
        ),
        _ => (
            "badRequest",
            format!(
                "MSR rejected {what} (HTTP {}){}",
                error.status,
                detail(error)
            ),
        ),
    };
    problem(area, kind, text)
}

fn detail(error: &ApiError) -> String {
    match (&error.code, &error.message) {
        (Some(code), Some(message)) => format!(": {code} — {message}"),
        (None, Some(message)) => format!(": {message}"),
        (Some(code), None) => format!(": {code}"),
        (None, None) if !error.excerpt.is_empty() => format!(": {}", error.excerpt),
        _ => String::new(),
    }
}

/// The problem a `cluster_status` failure is, in words for this instance's user.
pub fn cluster_problem(
    instance: &Instance,
    has_secret: bool,
    error: &ClusterStatusError,
) -> Problem {
    match error {
        ClusterStatusError::NotAuthenticated(_) if has_secret && !instance.username.is_empty() => {
            problem(
                "cluster",
                "wrongPassword",
                format!(
                    "MSR did not accept the user name {} with this {}: check them in the options",
                    account(instance),
                    secret_word(instance)
                ),
            )
        }
        ClusterStatusError::NotAuthenticated(_) => problem(
            "cluster",
            "notSignedIn",
            "not signed in: cluster status (replicas, issues, garbage collection) needs an MSR admin account — add one in the options",
        ),
        ClusterStatusError::NotAdmin(_) => problem(
            "cluster",
            "notAdmin",
            format!(
                "signed in as {}, but this account is not an MSR admin — cluster status needs admin",
                account(instance)
            ),
        ),
        ClusterStatusError::CheckFailed(e) => problem(
            "cluster",
            "checkFailed",
            format!(
                "MSR could not read its own cluster status (STATUS_CHECK_FAILED){}",
                detail(e)
            ),
        ),
        ClusterStatusError::Http(e) => api_problem("cluster", "cluster status", e),
        ClusterStatusError::Body(e) => problem(
            "cluster",
            "badResponse",
            format!("MSR's cluster status could not be read: {}", e.message),
        ),
        _ => problem("cluster", "badResponse", error.to_string()),
    }
}

/// The problem a token-flow failure on the trust feed is.
pub fn trust_auth_problem(instance: &Instance, error: &AuthError) -> Problem {
    match error {
        AuthError::BadCredentials(_) if instance.username.is_empty() => problem(
            "trust",
            "notSignedIn",
            "not signed in: the trust audit log needs an MSR admin account — add one in the options",
        ),
        AuthError::BadCredentials(_) => problem(
            "trust",
            "wrongPassword",
            format!(
                "wrong user name or {}: MSR's token service rejected {}",
                secret_word(instance),
                account(instance)
            ),
        ),
        AuthError::NoAccess { subject, .. } => {
            let anonymous = subject.as_deref().is_none_or(str::is_empty);
            if anonymous {
                problem(
                    "trust",
                    "notSignedIn",
                    "not signed in: the trust audit log needs an MSR admin account — add one in the options",
                )
            } else {
                problem(
                    "trust",
                    "noAccess",
                    format!(
                        "signed in as {}, but this account has no access to the trust audit log (it needs an MSR admin)",
                        account(instance)
                    ),
                )
            }
        }
        AuthError::TokenService(e) => {
            let mut p = api_problem("trust", "the token request", e);
            if p.kind != "loginPage" {
                p.message = format!("MSR's token service failed: {}", p.message);
            }
            p
        }
        AuthError::TokenRejected(_) => problem(
            "trust",
            "tokenRejected",
            "notary rejected a token MSR had just issued (clock skew or a signing misconfiguration on the server)",
        ),
        AuthError::ForeignRealm { realm } => problem(
            "trust",
            "foreignRealm",
            format!(
                "the server asked for credentials at another address ({realm}); nothing was sent there"
            ),
        ),
        other => problem("trust", other.kind(), other.to_string()),
    }
}

/// The records of a changefeed page as trust events (server order); `registry_host` is
/// stripped from GUNs for display.
pub fn trust_events_of(page: Page, registry_host: &str) -> Vec<TrustEvent> {
    page.records
        .into_iter()
        .map(|r| TrustEvent {
            id: r.id.as_str().to_string(),
            repository: strip_host(&r.gun, registry_host),
            created_at: r.created_at.map(|t| t.as_millis()),
            created_raw: r.created_at_raw,
            gun: r.gun,
            version: r.version,
            category: r.category.as_str().to_string(),
            sha256: r.sha256.unwrap_or_default(),
        })
        .collect()
}

/// The problem a changefeed page error is.
pub fn page_problem(error: &PageError) -> Problem {
    match error.api() {
        Some(api) => api_problem("trust", "the trust audit log", api),
        None => problem(
            "trust",
            "badResponse",
            format!(
                "the trust audit log answered something that is not a changefeed page: {error}"
            ),
        ),
    }
}

fn strip_host(gun: &str, host: &str) -> String {
    if host.is_empty() {
        return gun.to_string();
    }
    let bare = host.split(':').next().unwrap_or(host);
    for prefix in [host.to_string(), format!("{bare}:443"), bare.to_string()] {
        if let Some(rest) = gun.strip_prefix(&prefix).and_then(|r| r.strip_prefix('/')) {
            return rest.to_string();
        }
    }
    gun.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Response;
    use msr_lens_core::health::parse_cluster_status;

    fn resp(status: u16, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn instance(user: &str) -> Instance {
        Instance {
            id: "i1".into(),
            origin: "https://msr.example.org".into(),
            username: user.into(),
            ..Instance::default()
        }
    }

    #[test]
    fn cluster_errors_become_specific_messages() {
        let forbidden = resp(
            403,
            r#"{"errors":[{"code":"NOT_AUTHORIZED","message":"The client is not authorized."}]}"#,
        );
        let Err(err) = parse_cluster_status(&forbidden) else {
            panic!("403 parsed")
        };
        let p = cluster_problem(&instance("dev"), true, &err);
        assert_eq!(p.kind, "notAdmin");
        assert!(
            p.message
                .contains("not an MSR admin — cluster status needs admin"),
            "{}",
            p.message
        );
        assert!(p.message.contains("dev"));

        let unauth = resp(
            401,
            r#"{"code":"NOT_AUTHENTICATED","message":"The client is not authenticated."}"#,
        );
        let Err(err) = parse_cluster_status(&unauth) else {
            panic!("401 parsed")
        };
        assert_eq!(
            cluster_problem(&instance("admin"), true, &err).kind,
            "wrongPassword"
        );
        assert_eq!(
            cluster_problem(&instance(""), false, &err).kind,
            "notSignedIn"
        );

        let html = Response::builder()
            .status(200)
            .header("content-type", "text/html")
            .body(b"<html><form>login</form></html>".to_vec())
            .unwrap();
        let Err(err) = parse_cluster_status(&html) else {
            panic!("html parsed")
        };
        let p = cluster_problem(&instance("admin"), true, &err);
        assert_eq!(p.kind, "loginPage", "{p:?}");
        assert!(p.message.contains("login page"));
    }

    #[test]
    fn changefeed_records_are_read_and_hosts_stripped() {
        let page = |body: &[u8]| Page::parse(&Response::new(body.to_vec()));
        let body = br#"{"count":2,"records":[
            {"ID":"1","CreatedAt":"2026-11-26T14:12:10.424852Z","GUN":"127.0.0.1:8443/platform/base","Version":1,"SHA256":"ab","Category":"update"},
            {"ID":"2","CreatedAt":"bad","GUN":"127.0.0.1:443/lib/x","Version":0,"SHA256":"   ","Category":"deletion"}]}"#;
        let events = trust_events_of(page(body).unwrap(), "127.0.0.1:8443");
        assert_eq!(events[0].repository, "platform/base");
        assert_eq!(events[1].repository, "lib/x");
        assert!(events[0].created_at.is_some());
        assert_eq!(events[1].created_at, None);
        assert_eq!(events[1].sha256, "");
        assert_eq!(
            trust_events_of(page(br#"{"count":0,"records":null}"#).unwrap(), "h"),
            vec![]
        );
        let html = Response::builder()
            .header("content-type", "text/html")
            .body(b"<html><form>sign in</form></html>".to_vec())
            .unwrap();
        let err = Page::parse(&html).unwrap_err();
        assert_eq!(page_problem(&err).kind, "loginPage");
    }
}
