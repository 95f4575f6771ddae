//! MSR's other admin-only endpoints on the public port (msr-api.md §10): settings with the
//! replica addresses, the job runner's workers, jobs and crons, and MSR 3.1's Prometheus
//! metrics. Shapes follow DTR's own documentation (docker/docs
//! `ee/dtr/admin/manage-jobs/*.md`): the lists come wrapped (`{"workers":[...]}`), jobs
//! newest first with `retriesLeft`/`retriesTotal`, crons with a six-field `schedule`.
//!
//! Everything is computed from the real clock on each request, so ages mean something:
//! periodic jobs fall on fixed UTC slots of the past 24 hours (stable ids), counters grow
//! with the time since start.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::cluster::ClusterIdentity;
use crate::config::Config;
use crate::scenario::{ListShape, OK, Scenario};
use crate::util::rfc3339_nano;

/// How far back the job history reaches.
const JOB_WINDOW_SECS: i64 = 24 * 3600;

/// How long before `jobs_failing` was switched on failed jobs start to show: longer than
/// `scan_check`'s period plus its run (600 + 25 s), so at least one finished failed job is
/// always in the last 14 minutes, whenever the switch is thrown.
const FAILING_LEAD_SECS: i64 = 840;

/// One periodic kind of job.
struct Periodic {
    action: &'static str,
    /// Every `period` seconds, at `offset` seconds into the period (UTC, from the epoch).
    period: i64,
    offset: i64,
    /// How long one run takes, seconds.
    duration: i64,
    /// `Some((schedule, retries))` for crons (listed by `/api/v0/crons`).
    cron: Option<(&'static str, u32)>,
    /// The capacity the job needs (`capacityMap`), if any.
    capacity: Option<&'static str>,
}

const PERIODIC: &[Periodic] = &[
    Periodic {
        action: "webhook",
        period: 180,
        offset: 17,
        duration: 1,
        cron: None,
        capacity: None,
    },
    Periodic {
        action: "scan_check",
        period: 600,
        offset: 130,
        duration: 25,
        cron: None,
        capacity: Some("scanCheck"),
    },
    Periodic {
        action: "poll_mirror",
        period: 900,
        offset: 0,
        duration: 4,
        cron: Some(("0 */15 * * * *", 0)),
        capacity: None,
    },
    Periodic {
        action: "onlinegc",
        period: 86_400,
        offset: 2 * 3600,
        duration: 340,
        cron: Some(("0 0 2 * * *", 0)),
        capacity: Some("onlinegc"),
    },
    Periodic {
        action: "update_vuln_db",
        period: 86_400,
        offset: 3 * 3600,
        duration: 95,
        cron: Some(("0 0 3 * * *", 0)),
        capacity: None,
    },
    Periodic {
        action: "license_update",
        period: 86_400,
        offset: 3 * 3600 + 54 * 60 + 57,
        duration: 2,
        cron: Some(("57 54 3 * * *", 2)),
        capacity: None,
    },
    Periodic {
        action: "onlinegc_joblogs",
        period: 86_400,
        offset: 4 * 3600,
        duration: 12,
        cron: Some(("0 0 4 * * *", 0)),
        capacity: Some("onlinegc"),
    },
];

/// What each worker can run at once.
const WORKER_CAPACITY: &[(&str, u32)] = &[("onlinegc", 1), ("scan", 1), ("scanCheck", 1)];

/// Every job status DTR's job runner uses.
pub const JOB_STATUSES: &[&str] = &[
    "waiting",
    "running",
    "done",
    "error",
    "cancel_request",
    "cancel",
    "deleted",
    "worker_dead",
    "worker_shutdown",
    "worker_resurrection",
];

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn stable_id(parts: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, parts.as_bytes())
}

/// A time to the millisecond, formatted like DTR's job timestamps.
fn millis(t: OffsetDateTime) -> String {
    let ms = t.unix_timestamp_nanos() / 1_000_000;
    rfc3339_nano(OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000).unwrap_or(t))
}

/// A time to the second.
fn seconds(t: OffsetDateTime) -> String {
    rfc3339_nano(at(t.unix_timestamp()))
}

/// `GET /api/v0/meta/settings` as seen by `replica` (the one that answered).
pub fn settings(config: &Config, ident: &ClusterIdentity, replica: usize) -> Value {
    let replica_settings: serde_json::Map<String, Value> = ident
        .replica_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let (node, http, https) = config.replica_endpoints.get(i).map_or_else(
                || (format!("10.0.0.{}", i + 2), 80, 443),
                |e| (e.node.clone(), e.http_port, e.https_port),
            );
            (
                id.clone(),
                json!({"HTTPPort": http, "HTTPSPort": https, "node": node}),
            )
        })
        .collect();
    json!({
        "dtrHost": config.registry_host,
        "replicaID": ident.replica_ids.get(replica),
        "replicaSettings": replica_settings,
        "readOnlyRegistry": false,
        "scanningEnabled": true,
        "scanningSyncOnline": true,
        "scanningEnableAutoRecheck": false,
        "createRepositoryOnPush": false,
        "logProtocol": "internal",
        "logHost": "",
        "logLevel": "INFO",
        "jobHistoryCompactionEnabled": true,
        "jobHistoryToKeep": 10,
        "jobHistoryMaxAge": "720h",
        "repoEventsHistoryCompactionEnabled": false,
        "disableBackupWarning": false,
        "reportAnalytics": false,
        "anonymizeAnalytics": false,
        "httpProxy": "",
        "httpsProxy": "",
        "noProxy": "",
    })
}

/// One job-runner worker.
#[derive(Debug, Clone, Serialize)]
pub struct Worker {
    /// The replica id.
    pub id: String,
    /// `running` or `dead`.
    pub status: &'static str,
    /// What it can run at once.
    #[serde(rename = "capacityMap")]
    pub capacity_map: BTreeMap<&'static str, u32>,
    /// Until when its last heartbeat counts.
    #[serde(rename = "heartbeatExpiration")]
    pub heartbeat_expiration: String,
}

/// `GET /api/v0/workers`: one worker per replica.
pub fn workers(ident: &ClusterIdentity, sc: &Scenario, now: OffsetDateTime) -> Vec<Worker> {
    // Heartbeats are renewed every 10 s and count for 20 s.
    let renewed = at(now.unix_timestamp().div_euclid(10) * 10);
    ident
        .replica_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let w = sc.workers.get(i).copied().unwrap_or_default();
            let (status, expiration) = match (w.dead_since, w.heartbeat_expired_secs) {
                (Some(dead), _) => ("dead", dead - Duration::seconds(5)),
                (None, Some(secs)) => (
                    "running",
                    now - Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 2)),
                ),
                (None, None) => ("running", renewed + Duration::seconds(20)),
            };
            Worker {
                id: id.clone(),
                status,
                capacity_map: WORKER_CAPACITY.iter().copied().collect(),
                heartbeat_expiration: seconds(expiration),
            }
        })
        .collect()
}

/// One job, in DTR's shape.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    /// Job id (a UUID).
    pub id: String,
    /// The job it retries (itself for a first run).
    #[serde(rename = "retryFromID")]
    pub retry_from_id: String,
    /// The worker (replica id) that claimed it; empty while waiting.
    #[serde(rename = "workerID")]
    pub worker_id: String,
    /// One of [`JOB_STATUSES`].
    pub status: &'static str,
    /// When it was scheduled.
    #[serde(rename = "scheduledAt")]
    pub scheduled_at: String,
    /// When its status last changed.
    #[serde(rename = "lastUpdated")]
    pub last_updated: String,
    /// The kind of job.
    pub action: &'static str,
    /// Retries left.
    #[serde(rename = "retriesLeft")]
    pub retries_left: u32,
    /// Retries configured.
    #[serde(rename = "retriesTotal")]
    pub retries_total: u32,
    /// Capacity it needs.
    #[serde(rename = "capacityMap")]
    pub capacity_map: Option<BTreeMap<&'static str, u32>>,
    /// Job parameters.
    pub parameters: Option<Value>,
    /// Deadline (a duration; empty = none).
    pub deadline: &'static str,
    /// Stop timeout (a duration; empty = none).
    #[serde(rename = "stopTimeout")]
    pub stop_timeout: &'static str,
    #[serde(skip)]
    sort_key: i128,
}

fn capacity(name: Option<&'static str>) -> Option<BTreeMap<&'static str, u32>> {
    name.map(|n| std::iter::once((n, 1)).collect())
}

/// The job history of the last 24 hours, newest first.
pub fn jobs(ident: &ClusterIdentity, sc: &Scenario, now: OffsetDateTime) -> Vec<Job> {
    let now_unix = now.unix_timestamp();
    let ids = &ident.replica_ids;
    let dead_since = |i: usize| sc.workers.get(i).and_then(|w| w.dead_since);
    let mut out = Vec::new();
    for p in PERIODIC {
        let last = (now_unix - p.offset).div_euclid(p.period) * p.period + p.offset;
        let mut slot = last;
        while slot > now_unix - JOB_WINDOW_SECS {
            let id = stable_id(&format!("msr-lens-sim:job:{}:{slot}", p.action));
            // A deterministic 0..1000 ms jitter from the id.
            let jitter = i64::from(u16::from_be_bytes([id.as_bytes()[0], id.as_bytes()[1]]) % 1000);
            let scheduled = at(slot) + Duration::milliseconds(jitter);
            let end =
                scheduled + Duration::seconds(p.duration) + Duration::milliseconds(jitter / 3);
            let alive: Vec<usize> = (0..ids.len())
                .filter(|i| dead_since(*i).is_none_or(|d| d > scheduled))
                .collect();
            let slot_index = usize::try_from(slot.div_euclid(p.period)).unwrap_or_default();
            let worker = alive.get(slot_index % alive.len().max(1)).copied();
            let failing = sc
                .jobs_failing_since
                .is_some_and(|f| scheduled >= f - Duration::seconds(FAILING_LEAD_SECS));
            let (status, updated) = match worker {
                None => ("waiting", scheduled),
                Some(w) => match dead_since(w) {
                    Some(d) if d <= end && d <= now => {
                        ("worker_dead", (d + Duration::seconds(10)).min(now))
                    }
                    _ if now < end => ("running", now),
                    _ if failing && p.action == "scan_check" => ("error", end),
                    _ if failing && p.action == "webhook" => ("worker_dead", end),
                    _ => ("done", end),
                },
            };
            let retries = p.cron.map_or(0, |(_, r)| r);
            out.push(Job {
                id: id.to_string(),
                retry_from_id: id.to_string(),
                worker_id: worker.and_then(|w| ids.get(w).cloned()).unwrap_or_default(),
                status,
                scheduled_at: millis(scheduled),
                last_updated: millis(updated),
                action: p.action,
                retries_left: if status == "error" { 0 } else { retries },
                retries_total: retries,
                capacity_map: capacity(p.capacity),
                parameters: (p.action == "webhook")
                    .then(|| json!({"webhookID": stable_id("msr-lens-sim:webhook").to_string()})),
                deadline: "",
                stop_timeout: "",
                sort_key: scheduled.unix_timestamp_nanos(),
            });
            slot -= p.period;
        }
    }
    for (i, id) in ids.iter().enumerate() {
        if let Some(dead) = dead_since(i) {
            // The job it was running when it died.
            let scheduled = dead - Duration::seconds(20);
            let job_id = stable_id(&format!(
                "msr-lens-sim:dead-job:{id}:{}",
                dead.unix_timestamp()
            ));
            out.push(Job {
                id: job_id.to_string(),
                retry_from_id: job_id.to_string(),
                worker_id: id.clone(),
                status: "worker_dead",
                scheduled_at: millis(scheduled),
                last_updated: millis((dead + Duration::seconds(10)).min(now)),
                action: "scan_check_single",
                retries_left: 0,
                retries_total: 0,
                capacity_map: capacity(Some("scan")),
                parameters: Some(json!({"SHA256SUM": format!("{:x}{:x}", job_id.as_u128(), stable_id(id).as_u128())})),
                deadline: "",
                stop_timeout: "",
                sort_key: scheduled.unix_timestamp_nanos(),
            });
        }
    }
    if let Some(since) = sc.waiting_job_since {
        let job_id = stable_id(&format!("msr-lens-sim:waiting:{}", since.unix_timestamp()));
        out.push(Job {
            id: job_id.to_string(),
            retry_from_id: job_id.to_string(),
            worker_id: String::new(),
            status: "waiting",
            scheduled_at: millis(since),
            last_updated: millis(since),
            action: "scan_check_all",
            retries_left: 0,
            retries_total: 0,
            capacity_map: capacity(Some("scan")),
            parameters: None,
            deadline: "",
            stop_timeout: "",
            sort_key: since.unix_timestamp_nanos(),
        });
    }
    out.sort_by(|a, b| b.sort_key.cmp(&a.sort_key).then_with(|| a.id.cmp(&b.id)));
    out
}

/// The filters and paging of `GET /api/v0/jobs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobQuery {
    /// `any` or one action.
    pub action: Option<String>,
    /// `any` or one worker id.
    pub worker: Option<String>,
    /// `any` (None), running only (`true`) or not running (`false`).
    pub running: Option<bool>,
    /// How many to skip.
    pub start: usize,
    /// How many to return.
    pub limit: usize,
}

/// Default `limit` of `GET /api/v0/jobs` (the stand-in's choice).
pub const DEFAULT_JOB_LIMIT: usize = 10;
/// Largest `limit` accepted.
pub const MAX_JOB_LIMIT: usize = 10_000;

impl JobQuery {
    /// Parse the query string; `Err` names the bad parameter.
    pub fn parse(query: &str) -> Result<JobQuery, String> {
        let mut q = JobQuery {
            action: None,
            worker: None,
            running: None,
            start: 0,
            limit: DEFAULT_JOB_LIMIT,
        };
        let number = |k: &str, v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("{k} must be a non-negative integer, got {v:?}"))
        };
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "action" => q.action = (v != "any" && !v.is_empty()).then(|| v.into_owned()),
                "worker" => q.worker = (v != "any" && !v.is_empty()).then(|| v.into_owned()),
                "running" => {
                    q.running = match v.as_ref() {
                        "any" | "" => None,
                        "true" => Some(true),
                        "false" => Some(false),
                        other => {
                            return Err(format!(
                                "running must be any, true or false, got {other:?}"
                            ));
                        }
                    };
                }
                "start" => q.start = number("start", &v)?,
                "limit" => {
                    q.limit = number("limit", &v)?;
                    if q.limit == 0 || q.limit > MAX_JOB_LIMIT {
                        return Err(format!("limit must be 1..={MAX_JOB_LIMIT}, got {v:?}"));
                    }
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// Filter and page `jobs` (newest first).
    pub fn apply(&self, jobs: Vec<Job>) -> Vec<Job> {
        jobs.into_iter()
            .filter(|j| self.action.as_deref().is_none_or(|a| j.action == a))
            .filter(|j| self.worker.as_deref().is_none_or(|w| j.worker_id == w))
            .filter(|j| self.running.is_none_or(|r| (j.status == "running") == r))
            .skip(self.start)
            .take(self.limit)
            .collect()
    }
}

/// `GET /api/v0/crons`, with the next run of each after `now`.
pub fn crons(now: OffsetDateTime) -> Vec<Value> {
    let now_unix = now.unix_timestamp();
    PERIODIC
        .iter()
        .filter_map(|p| {
            let (schedule, retries) = p.cron?;
            let next = (now_unix - p.offset).div_euclid(p.period) * p.period + p.offset + p.period;
            Some(json!({
                "id": stable_id(&format!("msr-lens-sim:cron:{}", p.action)).to_string(),
                "action": p.action,
                "schedule": schedule,
                "retries": retries,
                "capacityMap": capacity(p.capacity),
                "parameters": null,
                "deadline": "",
                "stopTimeout": "",
                "nextRun": seconds(at(next)),
            }))
        })
        .collect()
}

/// A list of workers/crons in the scenario's shape.
pub fn list<T: Serialize>(key: &str, items: Vec<T>, shape: ListShape) -> Value {
    let items = serde_json::to_value(items).unwrap_or_else(|_| json!([]));
    match shape {
        ListShape::Wrapped => json!({ key: items }),
        ListShape::Bare => items,
    }
}

/// Repositories per namespace (fixed; the namespaces of `stack load` and `stack seed`).
const NAMESPACES: &[(&str, i64, u64, u64)] = &[
    // (namespace, repositories, pulls per hour, pushes per hour)
    ("library", 22, 5400, 90),
    ("engineering", 18, 2600, 140),
    ("security", 6, 700, 12),
    ("platform", 11, 1900, 35),
    ("data", 9, 800, 20),
    ("payments", 5, 450, 9),
    ("mobile", 7, 600, 25),
    ("ml", 4, 300, 6),
];

/// `GET /api/v0/admin/metrics` (MSR 3.1): Prometheus text exposition format 0.0.4. The
/// series are the stand-in's own (names and labels chosen to be plausible): counters grow
/// with the time since `started`, gauges follow the scenario.
pub fn metrics(
    ident: &ClusterIdentity,
    sc: &Scenario,
    started: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<Vec<u8>, prometheus::Error> {
    use prometheus::{Encoder as _, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
    let registry = Registry::new();
    let elapsed_ms = u64::try_from((now - started).whole_milliseconds().max(0)).unwrap_or(0);

    let info = IntGaugeVec::new(
        Opts::new("msr_build_info", "MSR version of this stand-in (always 1)."),
        &["version", "stand_in"],
    )?;
    info.with_label_values(&["3.1", "msr-sim"]).set(1);
    registry.register(Box::new(info))?;

    let repos = IntGaugeVec::new(
        Opts::new("msr_repositories", "Repositories per namespace."),
        &["namespace"],
    )?;
    let pulls = IntCounterVec::new(
        Opts::new(
            "msr_pulls_total",
            "Image pulls (manifest GETs) per namespace.",
        ),
        &["namespace"],
    )?;
    let pushes = IntCounterVec::new(
        Opts::new(
            "msr_pushes_total",
            "Image pushes (manifest PUTs) per namespace.",
        ),
        &["namespace"],
    )?;
    for (ns, n, pulls_hour, pushes_hour) in NAMESPACES {
        repos.with_label_values(&[ns]).set(*n);
        // Counters start at a day's worth and grow at their hourly rate.
        pulls
            .with_label_values(&[ns])
            .inc_by(pulls_hour * 24 + pulls_hour * elapsed_ms / 3_600_000);
        pushes
            .with_label_values(&[ns])
            .inc_by(pushes_hour * 24 + pushes_hour * elapsed_ms / 3_600_000);
    }
    registry.register(Box::new(repos))?;
    registry.register(Box::new(pulls))?;
    registry.register(Box::new(pushes))?;

    let storage = IntGaugeVec::new(
        Opts::new(
            "msr_storage_used_bytes",
            "Bytes used in the storage backend.",
        ),
        &["kind"],
    )?;
    storage.with_label_values(&["blobs"]).set(412_316_860_416);
    storage.with_label_values(&["manifests"]).set(58_720_256);
    registry.register(Box::new(storage))?;

    let healthy = IntGauge::new(
        "msr_replicas_healthy",
        "Replicas whose health check passes.",
    )?;
    healthy.set(i64::try_from(sc.replicas.iter().filter(|r| r.health == OK).count()).unwrap_or(0));
    registry.register(Box::new(healthy))?;
    let replicas = IntGauge::new("msr_replicas", "Replicas in the cluster.")?;
    replicas.set(i64::try_from(ident.replica_ids.len()).unwrap_or(0));
    registry.register(Box::new(replicas))?;

    let by_status = IntGaugeVec::new(
        Opts::new("msr_jobs", "Jobs of the last 24 hours by status."),
        &["status"],
    )?;
    let history = jobs(ident, sc, now);
    for status in JOB_STATUSES {
        let n = history.iter().filter(|j| j.status == *status).count();
        by_status
            .with_label_values(&[status])
            .set(i64::try_from(n).unwrap_or(0));
    }
    registry.register(Box::new(by_status))?;

    let mut out = Vec::new();
    prometheus::TextEncoder::new().encode(&registry.gather(), &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::WorkerScenario;

    fn ident() -> ClusterIdentity {
        ClusterIdentity::new(
            3,
            &[
                "aaaaaaaaaaaa".into(),
                "bbbbbbbbbbbb".into(),
                "cccccccccccc".into(),
            ],
            OffsetDateTime::UNIX_EPOCH,
        )
    }

    const NOW: i64 = 1_790_000_000;

    #[test]
    fn history_is_stable_newest_first_and_in_the_window() {
        let (ident, sc) = (ident(), Scenario::healthy(3, 300));
        let a = jobs(&ident, &sc, at(NOW));
        let b = jobs(&ident, &sc, at(NOW + 1));
        assert!(a.len() > 100, "{}", a.len());
        assert_eq!(a.first().map(|j| &j.id), b.first().map(|j| &j.id));
        assert!(a.windows(2).all(|w| w[0].sort_key >= w[1].sort_key));
        assert!(
            a.iter()
                .all(|j| j.status == "done" || j.status == "running")
        );
        for action in [
            "webhook",
            "scan_check",
            "poll_mirror",
            "onlinegc",
            "license_update",
        ] {
            assert!(a.iter().any(|j| j.action == action), "{action}");
        }
        let workers: std::collections::BTreeSet<&str> =
            a.iter().map(|j| j.worker_id.as_str()).collect();
        assert_eq!(workers.len(), 3, "jobs spread over every worker");
    }

    #[test]
    fn a_dead_worker_gets_no_new_jobs_and_leaves_a_worker_dead_job() {
        let ident = ident();
        let mut sc = Scenario::healthy(3, 300);
        let died = at(NOW - 3600);
        sc.workers[1] = WorkerScenario {
            dead_since: Some(died),
            heartbeat_expired_secs: None,
        };
        let history = jobs(&ident, &sc, at(NOW));
        let died_nanos = died.unix_timestamp_nanos();
        assert!(
            history
                .iter()
                .filter(|j| j.sort_key > died_nanos)
                .all(|j| j.worker_id != "bbbbbbbbbbbb")
        );
        assert!(
            history
                .iter()
                .any(|j| j.worker_id == "bbbbbbbbbbbb" && j.status == "worker_dead")
        );
        let w = workers(&ident, &sc, at(NOW));
        assert_eq!(w[1].status, "dead");
        assert_eq!(w[0].status, "running");
    }

    #[test]
    fn failing_jobs_and_a_waiting_job() {
        let ident = ident();
        let mut sc = Scenario::healthy(3, 300);
        sc.jobs_failing_since = Some(at(NOW - 60));
        sc.waiting_job_since = Some(at(NOW - 7200));
        let history = jobs(&ident, &sc, at(NOW));
        let recent = NOW - 900;
        let recent: Vec<&Job> = history
            .iter()
            .filter(|j| j.sort_key >= i128::from(recent) * 1_000_000_000)
            .collect();
        assert!(recent.iter().any(|j| j.status == "error"));
        assert!(recent.iter().any(|j| j.status == "worker_dead"));
        let waiting: Vec<&Job> = history.iter().filter(|j| j.status == "waiting").collect();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].worker_id, "");
    }

    #[test]
    fn query_filters_and_pages() {
        let q = JobQuery::parse("action=webhook&worker=any&running=false&start=2&limit=3").unwrap();
        let history = jobs(&ident(), &Scenario::healthy(3, 300), at(NOW));
        let page = q.apply(history.clone());
        let all: Vec<&Job> = history
            .iter()
            .filter(|j| j.action == "webhook" && j.status != "running")
            .collect();
        assert_eq!(page.len(), 3);
        assert_eq!(page[0].id, all[2].id);
        assert!(JobQuery::parse("running=maybe").is_err());
        assert!(JobQuery::parse("limit=0").is_err());
        assert!(JobQuery::parse("start=-1").is_err());
        assert_eq!(JobQuery::parse("").unwrap().limit, DEFAULT_JOB_LIMIT);
    }

    #[test]
    fn crons_run_next_in_the_future() {
        let list = crons(at(NOW));
        assert_eq!(list.len(), 5);
        for c in &list {
            let next = OffsetDateTime::parse(
                c["nextRun"].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap();
            assert!(next > at(NOW), "{c}");
            assert!(next <= at(NOW + 86_400), "{c}");
        }
    }

    #[test]
    fn metrics_are_prometheus_text() {
        let text = metrics(
            &ident(),
            &Scenario::healthy(3, 300),
            at(NOW - 3600),
            at(NOW),
        )
        .unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("# TYPE msr_pulls_total counter"), "{text}");
        assert!(
            text.contains("msr_repositories{namespace=\"library\"} 22"),
            "{text}"
        );
        assert!(text.contains("msr_replicas_healthy 3"), "{text}");
    }
}
