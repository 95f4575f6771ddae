//! MSR's other admin endpoints (msr-api.md §10): where the replicas are, and how the job
//! runner is doing.
//!
//! - `GET /api/v0/meta/settings` → [`MsrSettings`]: `dtrHost`, `replicaID` (the replica
//!   that answered) and `replicaSettings` (`{<replica id>: {HTTPPort, HTTPSPort, node}}`),
//!   enough to ping every replica directly.
//! - `GET /api/v0/workers` → [`Worker`]s (`status` running/dead, `heartbeatExpiration`).
//! - `GET /api/v0/jobs?action=any&worker=any&running=any` → [`Job`]s, newest first.
//! - `GET /api/v0/crons` → [`Cron`]s (`nextRun`).
//!
//! All are admin-only with HTTP basic auth, like `cluster_status`. Lists come wrapped
//! (`{"workers":[...]}`, as DTR's documentation shows them) or bare (`[...]`); both are
//! read. Entries are read field by field: an entry whose fields have odd types keeps
//! what could be read, and times that are not RFC 3339 keep their raw text.
//!
//! [`JobRunner::judge`] turns the three lists into a summary and [`Reason`]s, given a
//! `now` from the caller (the core has no clock) and a window for "recent" failures.

use std::collections::BTreeMap;
use std::time::Duration;

use http::{Request, Response, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::report::{Reason, ReasonCode, Severity};
use crate::auth::Credentials;
use crate::error::{ApiError, ParseError, excerpt, looks_like_html};
use crate::{Origin, Timestamp};

/// `GET /api/v0/meta/settings`.
pub const SETTINGS_PATH: &str = "/api/v0/meta/settings";
/// `GET /api/v0/workers`.
pub const WORKERS_PATH: &str = "/api/v0/workers";
/// `GET /api/v0/jobs` (the query is added by [`jobs_request`]).
pub const JOBS_PATH: &str = "/api/v0/jobs";
/// `GET /api/v0/crons`.
pub const CRONS_PATH: &str = "/api/v0/crons";

/// How many jobs (newest first) a health check reads by default.
pub const DEFAULT_JOBS_LIMIT: usize = 100;
/// The most jobs one read asks for ([`jobs_request`] clamps its limit to `1..=` this).
pub const MAX_JOBS_LIMIT: usize = 10_000;
/// How far back a failed job counts as recent by default: one hour.
pub const DEFAULT_JOBS_WINDOW: Duration = Duration::from_secs(3600);
/// How long a job may wait for a worker before it is a problem by default: 15 minutes.
pub const DEFAULT_WAITING_LIMIT: Duration = Duration::from_secs(15 * 60);
/// How many upcoming cron runs the summary keeps.
pub const NEXT_CRONS: usize = 5;

/// A `GET` of an admin endpoint with HTTP basic auth.
pub fn admin_request(
    base: &Origin,
    path_and_query: &str,
    credentials: &Credentials,
) -> Request<Vec<u8>> {
    let uri = base
        .url(path_and_query)
        .expect("a constant admin path is a valid URI on the origin");
    let mut request = super::get(uri, "application/json");
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, credentials.basic_header());
    request
}

/// How many jobs a read asking for `limit` gets ([`jobs_request`] sends this): `limit`
/// within `1..=`[`MAX_JOBS_LIMIT`]. [`JobRunner::jobs_limit`] must be the same number.
pub fn jobs_limit(limit: usize) -> usize {
    limit.clamp(1, MAX_JOBS_LIMIT)
}

/// `GET /api/v0/jobs?action=any&worker=any&running=any&start=0&limit=<limit>`, the limit
/// as [`jobs_limit`] makes it.
pub fn jobs_request(base: &Origin, credentials: &Credentials, limit: usize) -> Request<Vec<u8>> {
    let limit = jobs_limit(limit);
    admin_request(
        base,
        &format!("{JOBS_PATH}?action=any&worker=any&running=any&start=0&limit={limit}"),
        credentials,
    )
}

/// Why an admin endpoint gave nothing to read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// 401: no or refused credentials.
    #[error("not signed in ({0})")]
    NotAuthenticated(ApiError),
    /// 403: signed in, but not an MSR admin.
    #[error("signed in, but not an MSR admin")]
    NotAdmin(ApiError),
    /// 404: this MSR has no such endpoint (MSR 2.9 has no metrics).
    #[error("not available on this MSR (HTTP 404)")]
    NotFound(ApiError),
    /// Any other error status, or an HTML page (a login page) with a success status.
    #[error("{0}")]
    Http(ApiError),
    /// A success status whose body is not what MSR sends.
    #[error("{0}")]
    Body(ParseError),
    /// No HTTP answer (network error, timeout, TLS failure).
    #[error("no answer: {0}")]
    NoAnswer(String),
}

/// The body of a successful, non-HTML answer; the error otherwise.
pub(crate) fn admin_body(response: &Response<Vec<u8>>) -> Result<&[u8], AdminError> {
    let status = response.status();
    if !status.is_success() {
        let error = ApiError::from_response(response);
        return Err(match status.as_u16() {
            401 => AdminError::NotAuthenticated(error),
            403 => AdminError::NotAdmin(error),
            404 => AdminError::NotFound(error),
            _ => AdminError::Http(error),
        });
    }
    if looks_like_html(response.headers(), response.body()) {
        return Err(AdminError::Http(ApiError::unexpected_body(
            status,
            response.headers(),
            response.body(),
        )));
    }
    Ok(response.body())
}

fn body_error(body: &[u8], path: &str, message: String) -> AdminError {
    AdminError::Body(ParseError {
        path: path.to_string(),
        message,
        excerpt: excerpt(body),
    })
}

/// The entries of a list that comes wrapped (`{"<key>": [...]}`) or bare (`[...]`).
fn list(body: &[u8], key: &str) -> Result<Vec<Map<String, Value>>, AdminError> {
    let value: Value = ParseError::parse_json(body).map_err(AdminError::Body)?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove(key) {
            Some(Value::Array(items)) => items,
            Some(Value::Null) => Vec::new(),
            _ => {
                return Err(body_error(
                    body,
                    ".",
                    format!("expected an array or an object with a `{key}` array"),
                ));
            }
        },
        other => {
            return Err(body_error(
                body,
                ".",
                format!(
                    "expected an array or an object with a `{key}` array, found {}",
                    crate::error::json_kind(&other)
                ),
            ));
        }
    };
    // Entries that are not objects are skipped: nothing in them can be read.
    Ok(items
        .into_iter()
        .filter_map(|item| match item {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .collect())
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn port(map: &Map<String, Value>, key: &str) -> Option<u16> {
    match map.get(key)? {
        Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|p| *p != 0)
}

/// A time field: its value as a timestamp when it is RFC 3339, and the raw text.
/// Go's zero time (`0001-01-01T00:00:00Z`) means "never" and reads as `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct When {
    /// Epoch milliseconds, when the text is an RFC 3339 time after the year 1.
    pub at: Option<Timestamp>,
    /// The text as MSR sent it.
    pub raw: String,
}

fn when(map: &Map<String, Value>, key: &str) -> Option<When> {
    let raw = text(map, key)?;
    let at = Timestamp::parse_rfc3339(&raw).filter(|t| t.as_secs() > -62_135_596_800 + 86_400);
    Some(When { at, raw })
}

// ---------------------------------------------------------------- settings

/// One replica as `replicaSettings` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaAddress {
    /// The replica id (the key of `replicaSettings`; the ids of `cluster_status`).
    pub id: String,
    /// The node's host name or address.
    pub node: String,
    /// The replica's own HTTP port (`/_ping` answers there too).
    pub http_port: Option<u16>,
    /// The replica's own HTTPS port.
    pub https_port: Option<u16>,
}

impl ReplicaAddress {
    /// The origin to ping this replica at: `https://node:HTTPSPort`, or with `http`
    /// `http://node:HTTPPort`. `None` when the port is missing or the node is not a
    /// usable host.
    pub fn origin(&self, http: bool) -> Option<Origin> {
        let (scheme, port) = if http {
            ("http", self.http_port?)
        } else {
            ("https", self.https_port?)
        };
        let node = self.node.trim();
        if node.is_empty() || node.contains(['/', '@', '?', '#', ' ']) {
            return None;
        }
        let host = if node.contains(':') && !node.starts_with('[') {
            format!("[{node}]")
        } else {
            node.to_string()
        };
        Origin::parse(&format!("{scheme}://{host}:{port}")).ok()
    }
}

/// What `/api/v0/meta/settings` says about where MSR runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MsrSettings {
    /// `dtrHost`: the address MSR is reached at (its load balancer).
    pub dtr_host: Option<String>,
    /// `replicaID`: the replica that answered.
    pub replica_id: Option<String>,
    /// `replicaSettings`, sorted by replica id.
    pub replicas: Vec<ReplicaAddress>,
    /// Entries of `replicaSettings` that were skipped (not an object, no node).
    pub skipped: Vec<String>,
}

/// Read a settings answer.
pub fn parse_settings(response: &Response<Vec<u8>>) -> Result<MsrSettings, AdminError> {
    let body = admin_body(response)?;
    let value: Value = ParseError::parse_json(body).map_err(AdminError::Body)?;
    let Value::Object(map) = value else {
        return Err(body_error(
            body,
            ".",
            format!(
                "expected a JSON object, found {}",
                crate::error::json_kind(&value)
            ),
        ));
    };
    let mut settings = MsrSettings {
        dtr_host: text(&map, "dtrHost").filter(|s| !s.is_empty()),
        replica_id: text(&map, "replicaID").filter(|s| !s.is_empty()),
        ..MsrSettings::default()
    };
    if let Some(Value::Object(replicas)) = map.get("replicaSettings") {
        for (id, entry) in replicas {
            match entry {
                Value::Object(e) => match text(e, "node").filter(|n| !n.trim().is_empty()) {
                    Some(node) => settings.replicas.push(ReplicaAddress {
                        id: id.clone(),
                        node,
                        http_port: port(e, "HTTPPort"),
                        https_port: port(e, "HTTPSPort"),
                    }),
                    None => settings.skipped.push(format!("{id}: no node")),
                },
                _ => settings.skipped.push(format!("{id}: not an object")),
            }
        }
    }
    settings.replicas.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(settings)
}

// ---------------------------------------------------------------- job runner

/// One job-runner worker (one per replica).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Worker {
    /// The worker id (the replica id).
    pub id: String,
    /// `running` or `dead` (other values kept as sent).
    pub status: String,
    /// Until when its last heartbeat counts.
    pub heartbeat_expiration: Option<When>,
    /// What it can run at once, per capacity.
    pub capacity_map: BTreeMap<String, u64>,
}

/// One job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// The job id.
    pub id: String,
    /// What it does (`onlinegc`, `scan_check`, `webhook`, ...).
    pub action: String,
    /// The worker that claimed it; empty while waiting.
    pub worker_id: String,
    /// `waiting`, `running`, `done`, `error`, `cancel_request`, `cancel`, `deleted`,
    /// `worker_dead`, `worker_shutdown`, `worker_resurrection`.
    pub status: String,
    /// When it was scheduled.
    pub scheduled_at: Option<When>,
    /// When its status last changed.
    pub last_updated: Option<When>,
}

/// One cron (a periodic job).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cron {
    /// The cron id.
    pub id: String,
    /// The job it starts.
    pub action: String,
    /// Its schedule (six fields, seconds first).
    pub schedule: String,
    /// When it runs next.
    pub next_run: Option<When>,
}

/// Read a workers answer (wrapped or bare).
pub fn parse_workers(response: &Response<Vec<u8>>) -> Result<Vec<Worker>, AdminError> {
    let body = admin_body(response)?;
    Ok(list(body, "workers")?
        .iter()
        .map(|w| Worker {
            id: text(w, "id").unwrap_or_default(),
            status: text(w, "status").unwrap_or_default(),
            heartbeat_expiration: when(w, "heartbeatExpiration"),
            capacity_map: match w.get("capacityMap") {
                Some(Value::Object(m)) => m
                    .iter()
                    .filter_map(|(k, v)| v.as_u64().map(|n| (k.clone(), n)))
                    .collect(),
                _ => BTreeMap::new(),
            },
        })
        .collect())
}

/// Read a jobs answer (`{"jobs":[...]}` or bare).
pub fn parse_jobs(response: &Response<Vec<u8>>) -> Result<Vec<Job>, AdminError> {
    let body = admin_body(response)?;
    Ok(list(body, "jobs")?
        .iter()
        .map(|j| Job {
            id: text(j, "id").unwrap_or_default(),
            action: text(j, "action").unwrap_or_default(),
            worker_id: text(j, "workerID").unwrap_or_default(),
            status: text(j, "status").unwrap_or_default(),
            scheduled_at: when(j, "scheduledAt"),
            last_updated: when(j, "lastUpdated"),
        })
        .collect())
}

/// Read a crons answer (wrapped or bare).
pub fn parse_crons(response: &Response<Vec<u8>>) -> Result<Vec<Cron>, AdminError> {
    let body = admin_body(response)?;
    Ok(list(body, "crons")?
        .iter()
        .map(|c| Cron {
            id: text(c, "id").unwrap_or_default(),
            action: text(c, "action").unwrap_or_default(),
            schedule: text(c, "schedule").unwrap_or_default(),
            next_run: when(c, "nextRun"),
        })
        .collect())
}

/// A job that failed recently, in the summary.
// Deserializable: the browser extension stores it in its snapshots and reads it back, also
// from older snapshots that kept only `id`, `action` and `at` (see `super::stored`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "super::stored::FailedJob")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct FailedJob {
    /// The job id.
    pub id: String,
    /// What it did.
    pub action: String,
    /// `error` or `worker_dead`.
    pub status: String,
    /// The worker it ran on.
    pub worker_id: String,
    /// When it failed (its last update).
    pub at: Timestamp,
}

/// The oldest job still waiting for a worker.
// Deserializable: the browser extension stores it in its snapshots and reads it back, also
// from older snapshots that kept only `action` and `ageSecs` (see `super::stored`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "super::stored::WaitingJob")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct WaitingJob {
    /// The job id.
    pub id: String,
    /// What it will do.
    pub action: String,
    /// When it was scheduled.
    pub scheduled_at: Timestamp,
    /// How long it has waited, in seconds.
    pub age_secs: u64,
    /// Whether the job waiting longest may have waited longer than this: the jobs were
    /// read newest first, the list was full (as many as asked for) and its oldest job is
    /// this one, still waiting, so older jobs beyond the list may be waiting too.
    /// `age_secs` is then "at least".
    pub age_is_lower_bound: bool,
}

/// An upcoming cron run.
// Deserializable: the browser extension stores it in its snapshots and reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct CronRun {
    /// The job it starts.
    pub action: String,
    /// When.
    pub at: Timestamp,
}

/// The job runner at a glance: what [`JobRunner::judge`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct JobRunnerSummary {
    /// Every worker as read.
    pub workers: Vec<Worker>,
    /// How many jobs were read (the newest ones; at most the request's limit).
    pub jobs_read: usize,
    /// The window of "recent", in seconds.
    pub window_secs: u64,
    /// Jobs in `error` or `worker_dead` whose last update is within the window, newest first.
    pub failed_recently: Vec<FailedJob>,
    /// The oldest waiting job among those read (see [`WaitingJob::age_is_lower_bound`]).
    pub oldest_waiting: Option<WaitingJob>,
    /// How many of the jobs read are waiting.
    pub waiting: usize,
    /// How many of the jobs read are running.
    pub running: usize,
    /// The next cron runs, soonest first (at most [`NEXT_CRONS`]).
    pub next_crons: Vec<CronRun>,
}

/// The three job-runner lists, each as read (or `None` when not read).
#[derive(Debug, Clone, Default)]
pub struct JobRunner {
    /// `/api/v0/workers`.
    pub workers: Option<Result<Vec<Worker>, AdminError>>,
    /// `/api/v0/jobs`.
    pub jobs: Option<Result<Vec<Job>, AdminError>>,
    /// `/api/v0/crons`.
    pub crons: Option<Result<Vec<Cron>, AdminError>>,
    /// Failures within this window count as recent.
    pub window: Duration,
    /// A job waiting longer than this is a problem.
    pub waiting_limit: Duration,
    /// How many jobs the read asked for (the newest ones): a list this long may have older
    /// jobs behind it. 0 when unknown (the list is then taken as the whole history).
    pub jobs_limit: usize,
}

fn age_text(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

fn secs_between(later: Timestamp, earlier: Timestamp) -> u64 {
    u64::try_from(later.millis_since(earlier).max(0) / 1000).unwrap_or(0)
}

impl JobRunner {
    /// An empty runner state with the default window and waiting limit.
    pub fn new() -> Self {
        JobRunner {
            window: DEFAULT_JOBS_WINDOW,
            waiting_limit: DEFAULT_WAITING_LIMIT,
            jobs_limit: DEFAULT_JOBS_LIMIT,
            ..JobRunner::default()
        }
    }

    /// Whether all three lists were read.
    pub fn is_read(&self) -> bool {
        matches!(self.workers, Some(Ok(_)))
            && matches!(self.jobs, Some(Ok(_)))
            && matches!(self.crons, Some(Ok(_)))
    }

    /// The summary (when anything was read) and the reasons, judged at `now`:
    ///
    /// - a dead worker, or a running worker whose heartbeat expired → Degraded;
    /// - jobs in `error` or `worker_dead` updated within the window → Degraded;
    /// - a job waiting longer than the waiting limit → Degraded; a shorter wait → Info
    ///   ("at least" when the list read was full and its oldest job is still waiting);
    /// - a cron whose next run is more than the waiting limit in the past → Info;
    /// - a list that could not be read → Unknown.
    pub fn judge(&self, now: Timestamp) -> (Option<JobRunnerSummary>, Vec<Reason>) {
        let mut reasons = Vec::new();
        for (name, error) in [
            (
                "workers",
                self.workers.as_ref().and_then(|r| r.as_ref().err()),
            ),
            ("jobs", self.jobs.as_ref().and_then(|r| r.as_ref().err())),
            ("crons", self.crons.as_ref().and_then(|r| r.as_ref().err())),
        ] {
            if let Some(error) = error {
                reasons.push(reason(
                    Severity::Unknown,
                    ReasonCode::JobRunnerUnavailable,
                    name,
                    format!("the job runner's {name} could not be read: {error}"),
                ));
            }
        }
        let workers = match &self.workers {
            Some(Ok(w)) => Some(w),
            _ => None,
        };
        let jobs = match &self.jobs {
            Some(Ok(j)) => Some(j),
            _ => None,
        };
        let crons = match &self.crons {
            Some(Ok(c)) => Some(c),
            _ => None,
        };
        if workers.is_none() && jobs.is_none() && crons.is_none() {
            return (None, reasons);
        }

        for w in workers.into_iter().flatten() {
            let expired = w
                .heartbeat_expiration
                .as_ref()
                .and_then(|h| h.at)
                .filter(|at| *at < now);
            if w.status == "dead" {
                reasons.push(reason(
                    Severity::Degraded,
                    ReasonCode::WorkerDead,
                    &w.id,
                    format!("job runner worker {} is dead: jobs are not run there", w.id),
                ));
            } else if let Some(at) = expired {
                reasons.push(reason(
                    Severity::Degraded,
                    ReasonCode::WorkerHeartbeatExpired,
                    &w.id,
                    format!(
                        "job runner worker {} missed its heartbeat: it expired {} ago",
                        w.id,
                        age_text(secs_between(now, at))
                    ),
                ));
            }
        }

        let window_start = now.add_millis(-i64::try_from(self.window.as_millis()).unwrap_or(0));
        let mut failed: Vec<FailedJob> = jobs
            .into_iter()
            .flatten()
            .filter(|j| j.status == "error" || j.status == "worker_dead")
            .filter_map(|j| {
                let at = j
                    .last_updated
                    .as_ref()
                    .and_then(|w| w.at)
                    .or_else(|| j.scheduled_at.as_ref().and_then(|w| w.at))?;
                (at >= window_start).then(|| FailedJob {
                    id: j.id.clone(),
                    action: j.action.clone(),
                    status: j.status.clone(),
                    worker_id: j.worker_id.clone(),
                    at,
                })
            })
            .collect();
        failed.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.id.cmp(&b.id)));
        if !failed.is_empty() {
            let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
            for f in &failed {
                *counts.entry((&f.action, &f.status)).or_default() += 1;
            }
            let parts: Vec<String> = counts
                .iter()
                .map(|((action, status), n)| format!("{n} {action} ({status})"))
                .collect();
            reasons.push(reason(
                Severity::Degraded,
                ReasonCode::JobsFailing,
                "jobs",
                format!(
                    "{} job(s) failed in the last {}: {}",
                    failed.len(),
                    age_text(self.window.as_secs()),
                    parts.join(", ")
                ),
            ));
        }

        let waiting_jobs: Vec<&Job> = jobs
            .into_iter()
            .flatten()
            .filter(|j| j.status == "waiting")
            .collect();
        // Read newest first and full: when the oldest job read is still waiting, older
        // ones beyond the list may be waiting too.
        let full = self.jobs_limit > 0 && jobs.is_some_and(|j| j.len() >= self.jobs_limit);
        let oldest_read = jobs
            .into_iter()
            .flatten()
            .filter_map(|j| j.scheduled_at.as_ref()?.at)
            .min();
        let oldest_waiting = waiting_jobs
            .iter()
            .filter_map(|j| {
                let at = j.scheduled_at.as_ref().and_then(|w| w.at)?;
                Some(WaitingJob {
                    id: j.id.clone(),
                    action: j.action.clone(),
                    scheduled_at: at,
                    age_secs: secs_between(now, at),
                    age_is_lower_bound: full && oldest_read.is_some_and(|oldest| at <= oldest),
                })
            })
            .min_by_key(|w| w.scheduled_at);
        if let Some(w) = &oldest_waiting {
            let long = w.age_secs >= self.waiting_limit.as_secs();
            let message = if w.age_is_lower_bound {
                format!(
                    "the oldest waiting job ({}) has waited at least {} for a worker: it is the oldest of the {} newest jobs read, and older ones may be waiting too",
                    w.action,
                    age_text(w.age_secs),
                    jobs.map_or(0, Vec::len)
                )
            } else {
                format!(
                    "the oldest waiting job ({}) has waited {} for a worker",
                    w.action,
                    age_text(w.age_secs)
                )
            };
            reasons.push(reason(
                if long {
                    Severity::Degraded
                } else {
                    Severity::Info
                },
                ReasonCode::JobWaiting,
                &w.id,
                message,
            ));
        }

        let mut next_crons: Vec<CronRun> = crons
            .into_iter()
            .flatten()
            .filter_map(|c| {
                Some(CronRun {
                    action: c.action.clone(),
                    at: c.next_run.as_ref()?.at?,
                })
            })
            .collect();
        next_crons.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.action.cmp(&b.action)));
        let overdue_before =
            now.add_millis(-i64::try_from(self.waiting_limit.as_millis()).unwrap_or(0));
        for c in next_crons.iter().filter(|c| c.at < overdue_before) {
            reasons.push(reason(
                Severity::Info,
                ReasonCode::CronOverdue,
                &c.action,
                format!(
                    "cron {} was due {} ago and has not run",
                    c.action,
                    age_text(secs_between(now, c.at))
                ),
            ));
        }
        next_crons.retain(|c| c.at >= now);
        next_crons.truncate(NEXT_CRONS);

        let summary = JobRunnerSummary {
            workers: workers.cloned().unwrap_or_default(),
            jobs_read: jobs.map_or(0, Vec::len),
            window_secs: self.window.as_secs(),
            failed_recently: failed,
            oldest_waiting,
            waiting: waiting_jobs.len(),
            running: jobs
                .into_iter()
                .flatten()
                .filter(|j| j.status == "running")
                .count(),
            next_crons,
        };
        (Some(summary), reasons)
    }
}

fn reason(severity: Severity, code: ReasonCode, subject: &str, message: String) -> Reason {
    Reason {
        severity,
        code,
        subject: Some(subject.to_string()),
        message,
    }
}
