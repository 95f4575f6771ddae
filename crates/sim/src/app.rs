//! Shared state and the public routes: `/auth/token`, `/_ping`, `cluster_status`, `/ca`,
//! `/v2/*` (pass-through or RethinkDB mode).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::routing::{any, get};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue, Response, StatusCode, header};
use serde::Serialize;

use crate::cluster::{self, ClusterIdentity};
use crate::config::{Config, UserConfig};
use crate::msr;
use crate::proxy::Upstream;
use crate::rethink::{Record, Store};
use crate::scenario::{Balancing, Faults, MsrVersion, Scenario};
use crate::token::{self, Claims, Scope, TokenRejection, TokenSigner};
use crate::util::{self, JSON, TEXT_UTF8, bytes_response, errors_body, json_response};

/// The header nginx sets on the per-replica origins.
pub const REPLICA_HEADER: &str = "x-msr-sim-replica";

/// Most request-log entries kept.
pub const REQUEST_LOG_CAP: usize = 10_000;

/// RethinkDB mode settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RethinkMode {
    /// Serve the changefeed from PostgreSQL with UUID ids.
    pub enabled: bool,
    /// Hide records younger than this.
    pub blackout_secs: u64,
}

impl Default for RethinkMode {
    fn default() -> Self {
        RethinkMode {
            enabled: false,
            blackout_secs: 60,
        }
    }
}

/// What the `Authorization` header of a logged request looked like (never its value).
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    /// Sequence number.
    pub seq: u64,
    /// When it arrived (RFC 3339).
    pub time: String,
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// `X-Msr-Sim-Replica`, when present.
    pub replica: Option<String>,
    /// Whether an `Authorization` header was present.
    pub authorization: bool,
    /// Its scheme (`Basic`, `Bearer`, ... or `other`), never the credential.
    pub auth_scheme: Option<String>,
    /// Whether a `Cookie` header was present.
    pub cookie: bool,
    /// The status sent; `null` when the connection was reset or still in progress.
    pub status: Option<u16>,
    /// The fault applied, if any.
    pub fault: Option<String>,
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The configuration.
    pub config: Config,
    /// The token signer.
    pub signer: TokenSigner,
    /// Stable cluster ids.
    pub cluster: ClusterIdentity,
    /// The CA PEM served at `/ca`.
    pub ca_pem: Option<String>,
    /// Scenario.
    pub scenario: Mutex<Scenario>,
    /// Faults.
    pub faults: Mutex<Faults>,
    /// RethinkDB mode.
    pub rethink: Mutex<RethinkMode>,
    /// The public request log.
    pub requests: Mutex<VecDeque<LoggedRequest>>,
    /// Next request sequence number.
    pub next_seq: std::sync::atomic::AtomicU64,
    /// Round-robin counter for `/_ping`.
    pub lb_counter: AtomicUsize,
    /// notary's database.
    pub store: Store,
    /// Late records (held transactions).
    pub late: crate::late::Late,
    /// The notary upstream client.
    pub upstream: Option<Upstream>,
}

/// Lock a std mutex, recovering from poisoning (a panicked handler must not wedge the sim).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Shared state handle.
pub type Shared = Arc<AppState>;

impl AppState {
    /// The defaults `/reset` returns to.
    pub fn reset(&self) {
        *lock(&self.scenario) =
            Scenario::healthy(self.cluster.replica_ids.len(), self.config.token_ttl_secs);
        lock(&self.faults).clear();
        *lock(&self.rethink) = RethinkMode::default();
    }

    /// The user for a `Basic` header: `Ok(None)` anonymous, `Err(())` bad credentials.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Option<&UserConfig>, String> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let text = value
            .to_str()
            .map_err(|_| "malformed authorization header".to_owned())?;
        let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err("unsupported authorization scheme".to_owned());
        }
        let decoded = STANDARD
            .decode(rest.trim())
            .map_err(|_| "malformed basic credentials".to_owned())?;
        let decoded =
            String::from_utf8(decoded).map_err(|_| "malformed basic credentials".to_owned())?;
        let (name, secret) = decoded
            .split_once(':')
            .ok_or_else(|| "malformed basic credentials".to_owned())?;
        self.config
            .users
            .iter()
            .find(|u| {
                u.name == name
                    && (u.password == secret || u.access_tokens.iter().any(|t| t == secret))
            })
            .map(Some)
            .ok_or_else(|| "incorrect username or password".to_owned())
    }
}

/// The public router (faults and the request log are applied around it by the server).
pub fn public_router(state: Shared) -> Router {
    Router::new()
        .route("/_ping", get(ping))
        .route("/auth/token", get(auth_token))
        .route("/api/v0/meta/cluster_status", get(cluster_status))
        .route("/api/v0/meta/settings", get(settings))
        .route("/api/v0/workers", get(workers))
        .route("/api/v0/jobs", get(jobs))
        .route("/api/v0/crons", get(crons))
        .route("/api/v0/admin/metrics", get(metrics))
        .route("/ca", get(ca))
        .route("/v2", any(v2))
        .route("/v2/", any(v2))
        .route("/v2/{*rest}", any(v2))
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> Response<Body> {
    bytes_response(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        "404 page not found\n",
    )
}

/// The `X-Msr-Sim-Replica` header names no replica of this cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown replica")]
pub struct UnknownReplica;

/// Which replica a request is for: the header (index or id), else the balancer's pick.
pub fn replica_of(state: &AppState, headers: &HeaderMap) -> Result<usize, UnknownReplica> {
    let n = state.cluster.replica_ids.len();
    match headers.get(REPLICA_HEADER).and_then(|v| v.to_str().ok()) {
        Some(v) => {
            let v = v.trim();
            v.parse::<usize>()
                .ok()
                .filter(|i| *i < n)
                .or_else(|| state.cluster.replica_ids.iter().position(|id| id == v))
                .ok_or(UnknownReplica)
        }
        None => {
            let balancing = lock(&state.scenario).ping_balancing;
            Ok(match balancing {
                Balancing::First => 0,
                Balancing::RoundRobin => {
                    state.lb_counter.fetch_add(1, Ordering::Relaxed) % n.max(1)
                }
            })
        }
    }
}

async fn ping(State(state): State<Shared>, headers: HeaderMap) -> Response<Body> {
    let Ok(replica) = replica_of(&state, &headers) else {
        return bytes_response(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "unknown replica\n",
        );
    };
    let (healthy, body) = cluster::ping(&lock(&state.scenario), replica);
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(status, JSON, &body)
}

#[derive(Serialize)]
struct TokenResponse {
    token: String,
    access_token: String,
    expires_in: u64,
    issued_at: String,
}

#[derive(Serialize)]
struct Details {
    details: String,
}

async fn auth_token(State(state): State<Shared>, request: Request) -> Response<Body> {
    let query = request.uri().query().unwrap_or("");
    let mut service = None;
    let mut scopes = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "service" if service.is_none() => service = Some(v.into_owned()),
            "scope" => scopes.extend(v.split(' ').filter_map(Scope::parse)),
            _ => {}
        }
    }
    let user = match state.authenticate(request.headers()) {
        Ok(user) => user,
        Err(details) => {
            let mut resp = json_response(StatusCode::UNAUTHORIZED, JSON, &Details { details });
            let challenge = format!(
                "Basic realm={}",
                util::go_quote(&state.config.registry_host)
            );
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            return resp;
        }
    };
    let access = token::grant(user, &state.config.registry_host, &scopes);
    let ttl = lock(&state.scenario).token_ttl_secs;
    let now = util::now();
    let iat = now.unix_timestamp();
    let claims = Claims {
        iss: state.config.issuer.clone(),
        sub: user.map(|u| u.name.clone()).unwrap_or_default(),
        aud: service.unwrap_or_else(|| state.config.service.clone()),
        exp: iat.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX / 2)),
        nbf: iat,
        iat,
        jti: uuid::Uuid::new_v4().simple().to_string(),
        access,
    };
    match state.signer.sign(&claims) {
        Ok(jwt) => json_response(
            StatusCode::OK,
            JSON,
            &TokenResponse {
                token: jwt.clone(),
                access_token: jwt,
                expires_in: ttl,
                issued_at: util::rfc3339_nano(now),
            },
        ),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            JSON,
            &Details {
                details: format!("cannot sign token: {e}"),
            },
        ),
    }
}

#[derive(Serialize)]
struct Bare {
    code: &'static str,
    message: &'static str,
}

/// The `/api/v0` admin check: no or bad credentials (also a non-Basic scheme) -> 401 with
/// the bare body; not an admin -> 403 with the errors array.
fn require_admin(state: &AppState, headers: &HeaderMap) -> Result<(), Box<Response<Body>>> {
    let user = state.authenticate(headers).ok().flatten();
    let Some(user) = user else {
        return Err(Box::new(json_response(
            StatusCode::UNAUTHORIZED,
            JSON,
            &Bare {
                code: "NOT_AUTHENTICATED",
                message: "The client is not authenticated.",
            },
        )));
    };
    if !user.admin {
        return Err(Box::new(json_response(
            StatusCode::FORBIDDEN,
            JSON,
            &errors_body(
                "NOT_AUTHORIZED",
                "The client is not authorized.",
                format!("user {} is not an administrator", user.name),
            ),
        )));
    }
    Ok(())
}

async fn cluster_status(State(state): State<Shared>, headers: HeaderMap) -> Response<Body> {
    if let Err(resp) = require_admin(&state, &headers) {
        return *resp;
    }
    let scenario = lock(&state.scenario).clone();
    if let Some(detail) = scenario.status_check_failure {
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            JSON,
            &errors_body(
                "STATUS_CHECK_FAILED",
                "Failed to check the status of the cluster.",
                detail,
            ),
        );
    }
    json_response(
        StatusCode::OK,
        JSON,
        &state.cluster.cluster_status(&scenario, util::now()),
    )
}

async fn settings(State(state): State<Shared>, headers: HeaderMap) -> Response<Body> {
    if let Err(resp) = require_admin(&state, &headers) {
        return *resp;
    }
    let Ok(replica) = replica_of(&state, &headers) else {
        return not_found().await;
    };
    json_response(
        StatusCode::OK,
        JSON,
        &msr::settings(&state.config, &state.cluster, replica),
    )
}

async fn workers(State(state): State<Shared>, headers: HeaderMap) -> Response<Body> {
    if let Err(resp) = require_admin(&state, &headers) {
        return *resp;
    }
    let scenario = lock(&state.scenario).clone();
    let list = msr::workers(&state.cluster, &scenario, util::now());
    json_response(
        StatusCode::OK,
        JSON,
        &msr::list("workers", list, scenario.admin_lists),
    )
}

async fn jobs(State(state): State<Shared>, request: Request) -> Response<Body> {
    if let Err(resp) = require_admin(&state, request.headers()) {
        return *resp;
    }
    let query = match msr::JobQuery::parse(request.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(detail) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                JSON,
                &errors_body(
                    "INVALID_PARAMETERS",
                    "The parameters provided are not valid.",
                    detail,
                ),
            );
        }
    };
    let scenario = lock(&state.scenario).clone();
    let jobs = query.apply(msr::jobs(&state.cluster, &scenario, util::now()));
    json_response(StatusCode::OK, JSON, &serde_json::json!({ "jobs": jobs }))
}

async fn crons(State(state): State<Shared>, headers: HeaderMap) -> Response<Body> {
    if let Err(resp) = require_admin(&state, &headers) {
        return *resp;
    }
    let shape = lock(&state.scenario).admin_lists;
    json_response(
        StatusCode::OK,
        JSON,
        &msr::list("crons", msr::crons(util::now()), shape),
    )
}

async fn metrics(State(state): State<Shared>, headers: HeaderMap) -> Response<Body> {
    let scenario = lock(&state.scenario).clone();
    if scenario.msr_version == MsrVersion::V2_9 {
        // MSR 2.9 has no such route.
        return not_found().await;
    }
    if let Err(resp) = require_admin(&state, &headers) {
        return *resp;
    }
    match msr::metrics(
        &state.cluster,
        &scenario,
        state.cluster.started,
        util::now(),
    ) {
        // What Go's promhttp (MSR's server) sends for the text format.
        Ok(body) => bytes_response(
            StatusCode::OK,
            "text/plain; version=0.0.4; charset=utf-8",
            body,
        ),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            JSON,
            &errors_body("UNKNOWN", "unknown error", e.to_string()),
        ),
    }
}

async fn ca(State(state): State<Shared>) -> Response<Body> {
    match &state.ca_pem {
        Some(pem) => bytes_response(StatusCode::OK, "text/plain; charset=utf-8", pem.clone()),
        None => not_found().await,
    }
}

/// The GUN of a changefeed path, `Some(None)` for the global feed, `None` otherwise
/// (gorilla mux: `/v2/{gun:[^*]+}/_trust/changefeed` and `/v2/_trust/changefeed`).
pub fn changefeed_route(decoded_path: &str) -> Option<Option<&str>> {
    if decoded_path == "/v2/_trust/changefeed" {
        return Some(None);
    }
    let gun = decoded_path
        .strip_prefix("/v2/")?
        .strip_suffix("/_trust/changefeed")?;
    if gun.is_empty() || gun.contains('*') {
        return None;
    }
    Some(Some(gun))
}

async fn v2(State(state): State<Shared>, request: Request) -> Response<Body> {
    let mode = *lock(&state.rethink);
    if mode.enabled && request.method() == http::Method::GET {
        let decoded = percent_encoding::percent_decode_str(request.uri().path())
            .decode_utf8_lossy()
            .into_owned();
        if let Some(gun) = changefeed_route(&decoded) {
            let authorization = request
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let query = request.uri().query().unwrap_or("").to_owned();
            let gun = gun.map(str::to_owned);
            drop(request);
            return rethink_changefeed(
                &state,
                authorization.as_deref(),
                &query,
                gun.as_deref(),
                mode,
            )
            .await;
        }
    }
    match &state.upstream {
        Some(up) => up.forward(request).await,
        None => bytes_response(
            StatusCode::BAD_GATEWAY,
            "text/plain; charset=utf-8",
            "msr-sim: notary_upstream is not configured\n",
        ),
    }
}

#[derive(Serialize)]
struct AccessDetail<'a> {
    #[serde(rename = "Type")]
    kind: &'a str,
    #[serde(rename = "Class")]
    class: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Action")]
    action: &'a str,
}

#[derive(Serialize)]
struct Page<'a> {
    count: usize,
    records: Vec<Record<'a>>,
}

async fn rethink_changefeed(
    state: &AppState,
    authorization: Option<&str>,
    query: &str,
    gun: Option<&str>,
    mode: RethinkMode,
) -> Response<Body> {
    let required = match gun {
        None => ("registry", "catalog", "*"),
        Some(g) => ("repository", g, "pull"),
    };
    let now = util::now();
    let verdict = token::authorize_bearer(
        &state.signer,
        authorization,
        &state.config.issuer,
        &state.config.service,
        now.unix_timestamp(),
        required,
    );
    if let Err(rejection) = verdict {
        let mut challenge = format!(
            "Bearer realm={},service={},scope={}",
            util::go_quote(&format!(
                "{}/auth/token",
                state.config.external_origin.trim_end_matches('/')
            )),
            util::go_quote(&state.config.service),
            util::go_quote(&format!("{}:{}:{}", required.0, required.1, required.2)),
        );
        match rejection {
            TokenRejection::Invalid => challenge.push_str(",error=\"invalid_token\""),
            TokenRejection::InsufficientScope => {
                challenge.push_str(",error=\"insufficient_scope\"")
            }
            _ => {}
        }
        let body = errors_body(
            "UNAUTHORIZED",
            "authentication required",
            vec![AccessDetail {
                kind: required.0,
                class: "",
                name: required.1,
                action: required.2,
            }],
        );
        let mut resp = util::notary_error(StatusCode::UNAUTHORIZED, &body);
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        return resp;
    }

    let mut records_param = None;
    let mut change_id = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "records" if records_param.is_none() => records_param = Some(v.into_owned()),
            "change_id" if change_id.is_none() => change_id = Some(v.into_owned()),
            _ => {}
        }
    }
    let records_text = records_param.unwrap_or_default();
    let records = match util::go_parse_int32(&records_text) {
        Ok(0) => 100,
        Ok(n) => n,
        Err(e) => {
            let why = match e {
                util::GoParseError::Syntax => "invalid syntax",
                util::GoParseError::Range => "value out of range",
            };
            let detail = format!(
                "invalid records parameter: strconv.ParseInt: parsing {}: {why}",
                util::go_quote(&records_text)
            );
            return util::notary_error(
                StatusCode::BAD_REQUEST,
                &errors_body(
                    "INVALID_PARAMETERS",
                    "The parameters provided are not valid.",
                    detail,
                ),
            );
        }
    };
    let change_id = change_id.unwrap_or_default();
    let blackout = i64::try_from(mode.blackout_secs).unwrap_or(i64::MAX / 2);
    let result = state
        .store
        .with_snapshot(|snap| {
            let threshold = snap
                .db_now
                .and_then(|t| t.checked_sub(time::Duration::seconds(blackout)));
            snap.page(&change_id, records, gun, threshold).map(|rows| {
                serde_json::to_vec(&Page {
                    count: rows.len(),
                    records: rows.into_iter().map(Record::from).collect(),
                })
            })
        })
        .await;
    match result {
        Ok(Ok(Ok(body))) => bytes_response(StatusCode::OK, TEXT_UTF8, body),
        Ok(Ok(Err(e))) => {
            eprintln!("msr-sim: rethink changefeed: cannot encode page: {e}");
            unknown_error()
        }
        Ok(Err(_unknown_id)) => unknown_error(),
        Err(e) => {
            eprintln!("msr-sim: rethink changefeed: {e}");
            unknown_error()
        }
    }
}

fn unknown_error() -> Response<Body> {
    util::notary_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &errors_body("UNKNOWN", "unknown error", serde_json::json!({})),
    )
}
