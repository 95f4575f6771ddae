//! Turning the core's results into a [`Snapshot`] with specific, human messages.
//!
//! Pure functions (no I/O): `services::check` feeds them what the network returned.

use msr_lens_core::auth::AuthError;
use msr_lens_core::changefeed::{Page, PageError};
use msr_lens_core::error::BodyShape;
use msr_lens_core::health::{
    ClusterStatusError, HealthReport, PingVerdict, ReplicaCondition, UnknownWhy,
};
use msr_lens_core::{ApiError, ErrorKind, Timestamp};

use crate::model::{
    Instance, IssueView, NginxView, PingView, Problem, ReasonView, ReplicaView, Snapshot,
    TrustEvent, TrustView,
};

/// What reading the trust changefeed gave.
#[derive(Debug, Clone, PartialEq)]
pub enum TrustOutcome {
    /// The latest events, in server order (oldest first).
    Events(Vec<TrustEvent>),
    /// Why it could not be read.
    Failed(Problem),
}

/// The text of a serde enum value (`"notAdmin"` → `notAdmin`).
fn enum_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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

/// Build the snapshot of one check.
pub fn build(
    instance: &Instance,
    has_secret: bool,
    report: &HealthReport,
    cluster_error: Option<&ClusterStatusError>,
    trust: Option<TrustOutcome>,
) -> Snapshot {
    let mut problems = Vec::new();
    let pings: Vec<PingView> = report
        .pings
        .iter()
        .map(|p| {
            let (state, detail) = match &p.verdict {
                PingVerdict::Healthy => ("healthy", String::new()),
                PingVerdict::Unhealthy { reason } => ("unhealthy", reason.clone()),
                PingVerdict::Unknown {
                    status: 0,
                    why,
                    excerpt,
                } => ("unknown", format!("{}: {excerpt}", why.describe())),
                PingVerdict::Unknown { status, why, .. } => {
                    ("unknown", format!("HTTP {status}: {}", why.describe()))
                }
            };
            PingView {
                label: p.label.clone(),
                state: state.to_string(),
                detail,
            }
        })
        .collect();
    let unknown_why = |w: UnknownWhy| {
        report
            .pings
            .iter()
            .any(|p| matches!(p.verdict, PingVerdict::Unknown { why, .. } if why == w))
    };
    let all_no_answer = !report.pings.is_empty()
        && report.pings.iter().all(|p| {
            matches!(
                p.verdict,
                PingVerdict::Unknown {
                    why: UnknownWhy::NoAnswer,
                    ..
                }
            )
        });
    if all_no_answer {
        problems.push(problem(
            "connection",
            "unreachable",
            format!(
                "could not reach {}: the network or VPN, a TLS certificate this browser does not trust (get MSR's CA at {}/ca), or a missing site permission (grant it in the options)",
                instance.origin, instance.origin
            ),
        ));
    } else if unknown_why(UnknownWhy::Html) || unknown_why(UnknownWhy::Redirected) {
        problems.push(problem(
            "connection",
            "loginPage",
            "MSR answered with a login page: a single sign-on proxy sits in front of MSR and this browser is not signed in to it",
        ));
    } else if unknown_why(UnknownWhy::AuthRequired) {
        problems.push(problem(
            "connection",
            "proxyAuth",
            "a proxy in front of MSR asks for credentials even for the health check",
        ));
    }
    if let Some(error) = cluster_error {
        let p = cluster_problem(instance, has_secret, error);
        if !problems
            .iter()
            .any(|q| q.kind == p.kind && p.kind == "loginPage")
        {
            problems.push(p);
        }
    }

    let replicas = report
        .replicas
        .iter()
        .map(|r| {
            let mut reasons = Vec::new();
            let mut stale = false;
            let mut raw = None;
            for c in &r.conditions {
                match c {
                    ReplicaCondition::Unhealthy { reason } => reasons.push(reason.clone()),
                    ReplicaCondition::HealthUnknown => {
                        reasons.push("no health entry in cluster status".into())
                    }
                    ReplicaCondition::Stale { age_secs, .. } => {
                        stale = true;
                        reasons.push(format!(
                            "reported health too long ago ({})",
                            crate::format::age(*age_secs)
                        ));
                    }
                    ReplicaCondition::TimestampUnknown { raw: text } => {
                        raw = Some(text.clone());
                        reasons.push(text.clone());
                    }
                    ReplicaCondition::ReadOnly => reasons.push("read-only mode".into()),
                    _ => {}
                }
            }
            ReplicaView {
                id: r.id.clone(),
                ok: r.is_ok(),
                healthy: r.health.as_deref() == Some("OK"),
                last_seen: r
                    .last_seen
                    .as_ref()
                    .and_then(|t| t.at)
                    .map(|t| t.as_millis()),
                last_seen_raw: raw,
                stale,
                read_only: r.read_only == Some(true),
                reason: reasons.join("; "),
            }
        })
        .collect::<Vec<_>>();
    let issues: Vec<IssueView> = report
        .issues
        .iter()
        .map(|i| IssueView {
            id: i.id.clone().unwrap_or_default(),
            kind: i.kind.clone().unwrap_or_default(),
            critical: i.critical,
            description: i.description.clone().unwrap_or_default(),
        })
        .collect();
    let nginx = report.nginx.map(|n| NginxView {
        at: report.checked_at.as_millis(),
        active: n.active,
        accepts: n.accepts,
        handled: n.handled,
        requests: n.requests,
        reading: n.reading,
        writing: n.writing,
        waiting: n.waiting,
        requests_per_sec: report.nginx_rates.map(|r| r.requests_per_sec),
        dropped: report.nginx_rates.map(|r| r.dropped),
    });
    let bad_pings = pings.iter().filter(|p| p.state != "healthy").count();
    let bad_replicas = replicas.iter().filter(|r| !r.ok).count();
    let critical = issues.iter().filter(|i| i.critical).count();
    let attention = u32::try_from(bad_pings.max(bad_replicas) + critical).unwrap_or(u32::MAX);

    let mut trust_view = TrustView::default();
    match trust {
        Some(TrustOutcome::Events(mut events)) => {
            events.reverse();
            trust_view.events = events;
            trust_view.read = true;
        }
        Some(TrustOutcome::Failed(p)) => problems.push(p),
        None => {}
    }

    Snapshot {
        instance_id: instance.id.clone(),
        checked_at: report.checked_at.as_millis(),
        verdict: enum_text(&report.verdict),
        attention,
        reasons: report
            .reasons
            .iter()
            .map(|r| ReasonView {
                severity: enum_text(&r.severity),
                code: enum_text(&r.code),
                subject: r.subject.clone(),
                message: r.message.clone(),
            })
            .collect(),
        pings,
        cluster_read: !report.replicas.is_empty() || cluster_error.is_none() && has_secret,
        replicas,
        issues,
        gc_running: report.gc_running,
        nginx,
        problems,
        trust: trust_view,
        pending_trust: false,
    }
}

/// Add the trust part to a health snapshot (a config problem is not repeated).
pub fn with_trust(mut snapshot: Snapshot, trust: TrustOutcome) -> Snapshot {
    snapshot.problems.retain(|p| p.area != "trust");
    snapshot.trust = TrustView::default();
    match trust {
        TrustOutcome::Events(mut events) => {
            events.reverse();
            snapshot.trust.events = events;
            snapshot.trust.read = true;
        }
        TrustOutcome::Failed(p) if p.area == "config" => {}
        TrustOutcome::Failed(p) => snapshot.problems.push(p),
    }
    snapshot
}

/// A snapshot for an instance whose configuration cannot be checked at all.
pub fn config_problem(instance: &Instance, message: impl Into<String>, now: Timestamp) -> Snapshot {
    Snapshot {
        instance_id: instance.id.clone(),
        checked_at: now.as_millis(),
        verdict: "unknown".into(),
        problems: vec![problem("config", "config", message)],
        ..Snapshot::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Response;
    use msr_lens_core::health::{HealthInput, parse_cluster_status, parse_ping};

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

    #[test]
    fn unreachable_pings_give_a_connection_problem_and_trust_is_newest_first() {
        let input = HealthInput {
            pings: vec![("lb".into(), PingVerdict::no_answer("Failed to fetch"))],
            ..HealthInput::default()
        };
        let report = HealthReport::build(&input, Timestamp::from_secs(1_800_000_000));
        let events = vec![
            TrustEvent {
                id: "1".into(),
                ..TrustEvent::default()
            },
            TrustEvent {
                id: "2".into(),
                ..TrustEvent::default()
            },
        ];
        let snap = build(
            &instance(""),
            false,
            &report,
            None,
            Some(TrustOutcome::Events(events)),
        );
        assert_eq!(snap.verdict, "unknown");
        assert_eq!(snap.problems[0].kind, "unreachable");
        assert_eq!(snap.trust.events[0].id, "2");
        assert_eq!(snap.attention, 1);
    }

    #[test]
    fn healthy_ping_and_html_ping() {
        let input = HealthInput {
            pings: vec![
                (
                    "a".into(),
                    parse_ping(&resp(200, r#"{"Error":"","Healthy":true}"#)),
                ),
                (
                    "b".into(),
                    parse_ping(
                        &Response::builder()
                            .status(200)
                            .header("content-type", "text/html")
                            .body(b"<html>sign in</html>".to_vec())
                            .unwrap(),
                    ),
                ),
            ],
            ..HealthInput::default()
        };
        let report = HealthReport::build(&input, Timestamp::from_secs(1_800_000_000));
        let snap = build(&instance(""), false, &report, None, None);
        assert_eq!(snap.verdict, "healthy");
        assert_eq!(snap.pings[0].state, "healthy");
        assert!(snap.problems.iter().any(|p| p.kind == "loginPage"));
    }

    #[test]
    fn with_trust_replaces_trust_problems_and_skips_config_ones() {
        let base = Snapshot {
            problems: vec![
                problem("trust", "noAccess", "old"),
                problem("cluster", "notAdmin", "x"),
            ],
            ..Snapshot::default()
        };
        let failed = with_trust(
            base.clone(),
            TrustOutcome::Failed(problem("trust", "wrongPassword", "new")),
        );
        let kinds: Vec<_> = failed.problems.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["notAdmin", "wrongPassword"]);
        let config = with_trust(
            base.clone(),
            TrustOutcome::Failed(problem("config", "config", "bad")),
        );
        assert_eq!(config.problems.len(), 1);
        let events = with_trust(base, TrustOutcome::Events(vec![TrustEvent::default()]));
        assert!(events.trust.read);
        assert_eq!(events.problems.len(), 1);
    }
}
