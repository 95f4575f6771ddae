//! Scenario (what the simulated cluster reports) and faults (what the public port does
//! to responses), both changed at run time through the admin API.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

use crate::util::rfc3339_nano;

/// The healthy replica verdict.
pub const OK: &str = "OK";

/// How `/_ping` without `X-Msr-Sim-Replica` picks the replica "behind the load balancer".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Balancing {
    /// Always replica 0 (the default: deterministic).
    #[default]
    First,
    /// Each request goes to the next replica.
    RoundRobin,
}

/// What one replica reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplicaScenario {
    /// `"OK"` or the reason it is unhealthy (passed through verbatim).
    pub health: String,
    /// How long ago it last reported, seconds (0 = now).
    pub stale_secs: u64,
    /// Read-only mode.
    pub readonly: bool,
    /// When set, `replica_timestamp` holds this text instead of a time.
    pub timestamp_error: Option<String>,
}

impl Default for ReplicaScenario {
    fn default() -> Self {
        ReplicaScenario {
            health: OK.to_owned(),
            stale_secs: 0,
            readonly: false,
            timestamp_error: None,
        }
    }
}

/// A RethinkDB `current_issues` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// Issue id.
    pub id: String,
    /// Issue type, e.g. `table_availability`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Critical issues make the cluster unhealthy.
    pub critical: bool,
    /// Type-specific details.
    pub info: serde_json::Value,
    /// Human text (passed through verbatim, may hold markup).
    pub description: String,
}

/// Which MSR generation the stand-in plays (msr-api.md §9, §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MsrVersion {
    /// MSR 2.9: no `/api/v0/admin/metrics` (404).
    #[serde(rename = "2.9")]
    V2_9,
    /// MSR 3.1: Prometheus metrics at `/api/v0/admin/metrics` (the default).
    #[default]
    #[serde(rename = "3.1")]
    V3_1,
}

/// How `/api/v0/workers`, `/jobs` and `/crons` wrap their lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListShape {
    /// `{"workers":[...]}`, `{"jobs":[...]}`, `{"crons":[...]}` as in DTR's own docs (default).
    #[default]
    Wrapped,
    /// Bare arrays `[...]` for workers and crons (as msr-api.md §10 has them); jobs stay
    /// wrapped.
    Bare,
}

/// What one job-runner worker (one per replica) reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct WorkerScenario {
    /// Declared `dead` by the other replicas since then.
    #[serde(serialize_with = "ser_time_opt")]
    pub dead_since: Option<OffsetDateTime>,
    /// Still `running`, but its `heartbeatExpiration` lies this many seconds in the past.
    pub heartbeat_expired_secs: Option<u64>,
}

fn ser_time_opt<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&rfc3339_nano(*t)),
        None => s.serialize_none(),
    }
}

/// Everything the cluster reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// One entry per replica, in replica order.
    pub replicas: Vec<ReplicaScenario>,
    /// Non-empty while garbage collection runs.
    pub gc_lock_holder: String,
    /// RethinkDB current issues.
    pub current_issues: Vec<Issue>,
    /// Latency added to every public response, milliseconds.
    pub latency_ms: u64,
    /// `expires_in` of new tokens.
    pub token_ttl_secs: u64,
    /// When set, `cluster_status` fails with 503 `STATUS_CHECK_FAILED` and this detail.
    pub status_check_failure: Option<String>,
    /// How `/_ping` without a replica header picks a replica.
    pub ping_balancing: Balancing,
    /// One entry per replica's job-runner worker, in replica order.
    pub workers: Vec<WorkerScenario>,
    /// Since then `scan_check` jobs end in `error` and `webhook` jobs in `worker_dead`
    /// (from ten minutes before that time on, so failures exist at once).
    #[serde(serialize_with = "ser_time_opt")]
    pub jobs_failing_since: Option<OffsetDateTime>,
    /// A job stuck in `waiting` since then.
    #[serde(serialize_with = "ser_time_opt")]
    pub waiting_job_since: Option<OffsetDateTime>,
    /// MSR 2.9 (no metrics) or 3.1.
    pub msr_version: MsrVersion,
    /// How the job-runner lists are wrapped.
    pub admin_lists: ListShape,
}

impl Scenario {
    /// A healthy cluster.
    pub fn healthy(replicas: usize, token_ttl_secs: u64) -> Scenario {
        Scenario {
            replicas: vec![ReplicaScenario::default(); replicas],
            gc_lock_holder: String::new(),
            current_issues: Vec::new(),
            latency_ms: 0,
            token_ttl_secs,
            status_check_failure: None,
            ping_balancing: Balancing::First,
            workers: vec![WorkerScenario::default(); replicas],
            jobs_failing_since: None,
            waiting_job_since: None,
            msr_version: MsrVersion::default(),
            admin_lists: ListShape::default(),
        }
    }

    /// Apply a patch at `now`; `replica_ids` maps ids to indices. Checks everything before
    /// changing anything.
    pub fn apply(
        &mut self,
        patch: ScenarioPatch,
        replica_ids: &[String],
        now: OffsetDateTime,
    ) -> Result<(), String> {
        let mut next = self.clone();
        let index_of = |key: &str| {
            key.parse::<usize>()
                .ok()
                .filter(|i| *i < replica_ids.len())
                .or_else(|| replica_ids.iter().position(|id| id == key))
                .ok_or_else(|| format!("unknown replica {key:?}"))
        };
        if let Some(replicas) = patch.replicas {
            for (key, rp) in replicas {
                let index = index_of(&key)?;
                let Some(r) = next.replicas.get_mut(index) else {
                    return Err(format!("unknown replica {key:?}"));
                };
                if let Some(healthy) = rp.healthy {
                    if healthy {
                        r.health = OK.to_owned();
                    } else if rp.health.is_none() {
                        r.health = "Replica is unhealthy".to_owned();
                    }
                }
                if let Some(h) = rp.health {
                    r.health = h;
                }
                if let Some(s) = rp.stale_secs {
                    r.stale_secs = s;
                }
                if let Some(ro) = rp.readonly {
                    r.readonly = ro;
                }
                if let Some(te) = rp.timestamp_error {
                    r.timestamp_error = te;
                }
            }
        }
        if let Some(running) = patch.gc_running {
            next.gc_lock_holder = if running {
                replica_ids
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "gc".to_owned())
            } else {
                String::new()
            };
        }
        if let Some(holder) = patch.gc_lock_holder {
            next.gc_lock_holder = holder;
        }
        if let Some(issues) = patch.current_issues {
            next.current_issues = issues
                .into_iter()
                .enumerate()
                .map(|(i, p)| Issue {
                    id: p.id.unwrap_or_else(|| issue_id(i)),
                    kind: p.kind.unwrap_or_else(|| "table_availability".to_owned()),
                    critical: p.critical,
                    info: p.info.unwrap_or_else(|| serde_json::json!({})),
                    description: p.description,
                })
                .collect();
        }
        if let Some(ms) = patch.latency_ms {
            next.latency_ms = ms;
        }
        if let Some(ttl) = patch.token_ttl_secs {
            if ttl == 0 {
                return Err("token_ttl_secs must be > 0".to_owned());
            }
            next.token_ttl_secs = ttl;
        }
        if let Some(f) = patch.status_check_failure {
            next.status_check_failure = f;
        }
        if let Some(b) = patch.ping_balancing {
            next.ping_balancing = b;
        }
        if let Some(workers) = patch.workers {
            for (key, wp) in workers {
                let index = index_of(&key)?;
                let Some(w) = next.workers.get_mut(index) else {
                    return Err(format!("unknown replica {key:?}"));
                };
                match wp.status {
                    Some(WorkerStatus::Dead) => {
                        w.dead_since.get_or_insert(now);
                    }
                    Some(WorkerStatus::Running) => *w = WorkerScenario::default(),
                    None => {}
                }
                if let Some(secs) = wp.dead_secs {
                    let since = i64::try_from(secs)
                        .ok()
                        .and_then(|s| now.checked_sub(time::Duration::seconds(s)))
                        .ok_or_else(|| format!("dead_secs {secs} is too far back"))?;
                    w.dead_since = Some(since);
                }
                if let Some(expired) = wp.heartbeat_expired_secs {
                    w.heartbeat_expired_secs = expired;
                }
            }
        }
        if let Some(failing) = patch.jobs_failing {
            next.jobs_failing_since = match (failing, next.jobs_failing_since) {
                (true, Some(since)) => Some(since),
                (true, None) => Some(now),
                (false, _) => None,
            };
        }
        if let Some(age) = patch.waiting_job_age_secs {
            next.waiting_job_since = age.map(|secs| {
                now - time::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 2))
            });
        }
        if let Some(v) = patch.msr_version {
            next.msr_version = v;
        }
        if let Some(shape) = patch.admin_lists {
            next.admin_lists = shape;
        }
        *self = next;
        Ok(())
    }
}

fn issue_id(i: usize) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("msr-lens-sim:issue:{i}").as_bytes(),
    )
    .to_string()
}

/// Deserialize a field that distinguishes "absent" (outer `None`) from `null`.
fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// `POST /scenario` body: every field optional; present fields are set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioPatch {
    /// Per replica, keyed by index (`"0"`) or replica id.
    #[serde(default)]
    pub replicas: Option<BTreeMap<String, ReplicaPatch>>,
    /// `true` sets `gc_lock_holder` to replica 0's id, `false` clears it.
    #[serde(default)]
    pub gc_running: Option<bool>,
    /// Sets `gc_lock_holder` verbatim.
    #[serde(default)]
    pub gc_lock_holder: Option<String>,
    /// Replaces the current issues.
    #[serde(default)]
    pub current_issues: Option<Vec<IssuePatch>>,
    /// Latency added to every public response.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// `expires_in` of new tokens.
    #[serde(default)]
    pub token_ttl_secs: Option<u64>,
    /// A string makes `cluster_status` fail (503); `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    pub status_check_failure: Option<Option<String>>,
    /// `first` or `round_robin`.
    #[serde(default)]
    pub ping_balancing: Option<Balancing>,
    /// Per job-runner worker, keyed by replica index or id.
    #[serde(default)]
    pub workers: Option<BTreeMap<String, WorkerPatch>>,
    /// `true`: recent `scan_check` jobs fail (`error`) and `webhook` jobs end `worker_dead`.
    #[serde(default)]
    pub jobs_failing: Option<bool>,
    /// A job waiting for this many seconds; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    pub waiting_job_age_secs: Option<Option<u64>>,
    /// `"2.9"` (no metrics) or `"3.1"`.
    #[serde(default)]
    pub msr_version: Option<MsrVersion>,
    /// `wrapped` or `bare`.
    #[serde(default)]
    pub admin_lists: Option<ListShape>,
}

/// A worker's status as the scenario sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerStatus {
    /// Healthy (clears `dead` and an expired heartbeat).
    Running,
    /// Declared dead by the other replicas.
    Dead,
}

/// One worker's patch.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerPatch {
    /// `running` or `dead`.
    #[serde(default)]
    pub status: Option<WorkerStatus>,
    /// The heartbeat expired this many seconds ago; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    pub heartbeat_expired_secs: Option<Option<u64>>,
    /// Dead since this many seconds ago (as `status: dead`, declared that long ago).
    #[serde(default)]
    pub dead_secs: Option<u64>,
}

/// One replica's patch.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaPatch {
    /// `"OK"` or the reason.
    #[serde(default)]
    pub health: Option<String>,
    /// Shorthand: `true` = `"OK"`, `false` = a generic reason unless `health` is given.
    #[serde(default)]
    pub healthy: Option<bool>,
    /// Seconds since the last report.
    #[serde(default)]
    pub stale_secs: Option<u64>,
    /// Read-only mode.
    #[serde(default)]
    pub readonly: Option<bool>,
    /// Text in place of the timestamp; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    pub timestamp_error: Option<Option<String>>,
}

/// One current issue in a patch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuePatch {
    /// Optional id (generated otherwise).
    #[serde(default)]
    pub id: Option<String>,
    /// Issue type (default `table_availability`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Critical?
    #[serde(default)]
    pub critical: bool,
    /// Text (verbatim).
    pub description: String,
    /// Type-specific details (default `{}`).
    #[serde(default)]
    pub info: Option<serde_json::Value>,
}

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with `status` (500/502/503/...) and a proxy-like body.
    Status,
    /// Answer 200 with an HTML login page (an SSO proxy).
    HtmlLogin,
    /// The real response with its body cut in half.
    TruncatedJson,
    /// The real response with its body made invalid JSON.
    MalformedJson,
    /// Close the connection without a response (or mid-body with `after_headers`).
    Reset,
    /// Add `latency_ms` before the real response.
    Latency,
}

/// `POST /fault` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// What to do.
    pub kind: FaultKind,
    /// For `status`: the status code (400..=599).
    #[serde(default)]
    pub status: Option<u16>,
    /// Path prefixes it applies to; empty = every public path.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Apply this many times, then clear; absent = until `DELETE /fault`.
    #[serde(default)]
    pub count: Option<u32>,
    /// For `latency`.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Only requests for these replica indices (`X-Msr-Sim-Replica`); absent = all.
    #[serde(default)]
    pub replicas: Option<Vec<usize>>,
    /// For `reset`: send the status line and headers, then abort mid-body.
    #[serde(default)]
    pub after_headers: bool,
    /// For `status`: a body instead of the default one.
    #[serde(default)]
    pub body: Option<String>,
    /// For `status`: the content type of `body`.
    #[serde(default)]
    pub content_type: Option<String>,
}

impl FaultSpec {
    /// Check the fields the kind needs.
    pub fn validate(&self) -> Result<(), String> {
        match self.kind {
            FaultKind::Status => match self.status {
                Some(s) if (400..=599).contains(&s) => {}
                _ => return Err("kind \"status\" needs \"status\" in 400..=599".to_owned()),
            },
            FaultKind::Latency if self.latency_ms.is_none() => {
                return Err("kind \"latency\" needs \"latency_ms\"".to_owned());
            }
            _ => {}
        }
        if self.count == Some(0) {
            return Err("\"count\" must be > 0".to_owned());
        }
        Ok(())
    }

    /// Whether it applies to a request for `path` (and replica).
    pub fn matches(&self, path: &str, replica: Option<usize>) -> bool {
        let path_ok =
            self.paths.is_empty() || self.paths.iter().any(|p| path.starts_with(p.as_str()));
        let replica_ok = match &self.replicas {
            None => true,
            Some(list) => replica.is_some_and(|r| list.contains(&r)),
        };
        path_ok && replica_ok
    }
}

/// An installed fault.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveFault {
    /// Id for `DELETE /fault/{id}`.
    pub id: u64,
    /// Times left; `None` = unlimited.
    pub remaining: Option<u32>,
    /// Times applied so far.
    pub applied: u64,
    /// The fault.
    #[serde(flatten)]
    pub spec: FaultSpec,
}

/// The installed faults.
#[derive(Debug, Default, Serialize)]
pub struct Faults {
    next_id: u64,
    /// In installation order.
    pub active: Vec<ActiveFault>,
}

/// What the faults decided for one request.
#[derive(Debug, Default)]
pub struct FaultDecision {
    /// Total added latency from `latency` faults.
    pub latency_ms: u64,
    /// The first matching non-latency fault.
    pub terminal: Option<FaultSpec>,
}

impl Faults {
    /// Install a fault; returns its id.
    pub fn add(&mut self, spec: FaultSpec) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.active.push(ActiveFault {
            id,
            remaining: spec.count,
            applied: 0,
            spec,
        });
        id
    }

    /// Remove all; returns how many.
    pub fn clear(&mut self) -> usize {
        let n = self.active.len();
        self.active.clear();
        n
    }

    /// Remove one by id.
    pub fn remove(&mut self, id: u64) -> bool {
        let before = self.active.len();
        self.active.retain(|f| f.id != id);
        before != self.active.len()
    }

    /// Decide for one request, counting down the faults applied.
    pub fn decide(&mut self, path: &str, replica: Option<usize>) -> FaultDecision {
        let mut decision = FaultDecision::default();
        for fault in &mut self.active {
            if !fault.spec.matches(path, replica) {
                continue;
            }
            let applies = match fault.spec.kind {
                FaultKind::Latency => {
                    decision.latency_ms += fault.spec.latency_ms.unwrap_or(0);
                    true
                }
                _ if decision.terminal.is_none() => {
                    decision.terminal = Some(fault.spec.clone());
                    true
                }
                _ => false,
            };
            if applies {
                fault.applied += 1;
                if let Some(n) = fault.remaining.as_mut() {
                    *n = n.saturating_sub(1);
                }
            }
        }
        self.active.retain(|f| f.remaining != Some(0));
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: FaultKind, paths: &[&str], count: Option<u32>) -> FaultSpec {
        FaultSpec {
            kind,
            status: Some(503),
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            count,
            latency_ms: Some(5),
            replicas: None,
            after_headers: false,
            body: None,
            content_type: None,
        }
    }

    #[test]
    fn counted_fault_clears_itself() {
        let mut f = Faults::default();
        f.add(spec(FaultKind::Status, &["/_ping"], Some(2)));
        assert!(f.decide("/auth/token", None).terminal.is_none());
        assert!(f.decide("/_ping", None).terminal.is_some());
        assert!(f.decide("/_ping", None).terminal.is_some());
        assert!(f.decide("/_ping", None).terminal.is_none());
        assert!(f.active.is_empty());
    }

    #[test]
    fn latency_adds_and_first_terminal_wins() {
        let mut f = Faults::default();
        f.add(spec(FaultKind::Latency, &[], None));
        f.add(spec(FaultKind::Latency, &[], None));
        f.add(spec(FaultKind::HtmlLogin, &[], None));
        f.add(spec(FaultKind::Reset, &[], None));
        let d = f.decide("/x", None);
        assert_eq!(d.latency_ms, 10);
        assert_eq!(d.terminal.map(|t| t.kind), Some(FaultKind::HtmlLogin));
    }

    #[test]
    fn a_worker_dead_for_a_while() {
        let ids = vec!["aaaaaaaaaaaa".to_owned(), "bbbbbbbbbbbb".to_owned()];
        let mut s = Scenario::healthy(2, 300);
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(1);
        let patch: ScenarioPatch =
            serde_json::from_str(r#"{"workers":{"1":{"dead_secs":3600}}}"#).unwrap();
        s.apply(patch, &ids, now).unwrap();
        assert_eq!(s.workers[0].dead_since, None);
        assert_eq!(
            s.workers[1].dead_since,
            Some(now - time::Duration::seconds(3600))
        );
        let far: ScenarioPatch =
            serde_json::from_str(r#"{"workers":{"0":{"dead_secs":18446744073709551615}}}"#)
                .unwrap();
        assert!(s.apply(far, &ids, now).is_err());
    }

    #[test]
    fn scenario_patch_by_index_and_id() {
        let ids = vec!["aaaaaaaaaaaa".to_owned(), "bbbbbbbbbbbb".to_owned()];
        let mut s = Scenario::healthy(2, 300);
        let patch: ScenarioPatch = serde_json::from_str(
            r#"{"replicas":{"1":{"health":"down"},"aaaaaaaaaaaa":{"readonly":true}}}"#,
        )
        .unwrap();
        s.apply(patch, &ids, OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(s.replicas[1].health, "down");
        assert!(s.replicas[0].readonly);
        let bad: ScenarioPatch = serde_json::from_str(r#"{"replicas":{"7":{}}}"#).unwrap();
        assert!(s.apply(bad, &ids, OffsetDateTime::UNIX_EPOCH).is_err());
        let clear: ScenarioPatch =
            serde_json::from_str(r#"{"replicas":{"0":{"timestamp_error":"x"}}}"#).unwrap();
        s.apply(clear, &ids, OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(s.replicas[0].timestamp_error.as_deref(), Some("x"));
        let clear: ScenarioPatch =
            serde_json::from_str(r#"{"replicas":{"0":{"timestamp_error":null}}}"#).unwrap();
        s.apply(clear, &ids, OffsetDateTime::UNIX_EPOCH).unwrap();
        assert_eq!(s.replicas[0].timestamp_error, None);
    }
}
