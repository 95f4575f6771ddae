//! The combined health report: per-replica pings, nginx and the cluster status, judged
//! together into one [`Verdict`] with the [`Reason`]s that led to it.
//!
//! # The rules
//!
//! Every finding becomes a [`Reason`] with a [`Severity`]. *Positive evidence* is a
//! replica that answered `/_ping` healthy, or a replica whose `replica_health` is `"OK"`
//! and whose last report is not stale.
//!
//! 1. **Down** when there is no positive evidence and either
//!    - every ping is unhealthy or unreachable, and at least one of them is unhealthy or a
//!      gateway error (502/504, or a 503 that is not MSR's answer: the load balancer is up
//!      but nothing behind it answers); or
//!    - the cluster status lists replicas and every one of them is unhealthy.
//!
//!    Pings that all got *no HTTP answer at all* are not enough for Down: from a browser
//!    that looks the same as a VPN that is off or an untrusted certificate, so the
//!    verdict is Unknown.
//! 2. Otherwise **Degraded** when any reason has severity [`Severity::Degraded`]:
//!    - a ping answered unhealthy, or a replica was unreachable while another is healthy;
//!    - a replica in `cluster_status` that is unhealthy, stale (last report older than
//!      the threshold), whose timestamp is an error text, or is read-only;
//!    - a critical RethinkDB issue, or a table that does not accept writes;
//!    - `cluster_status` answered 503 `STATUS_CHECK_FAILED`;
//!    - nginx dropped connections *between two samples* ([`NginxRates::dropped`]);
//!    - the job runner (admins): a dead worker, an expired heartbeat, jobs in `error` or
//!      `worker_dead` within the recent window, a job waiting past the waiting limit
//!      (see [`JobRunner::judge`]).
//! 3. Otherwise, when there is positive evidence:
//!    - **Healthy** if the cluster status was read as well;
//!    - **Unknown** if MSR refused the credentials (`cluster_status` answered 401: a
//!      wrong user name, password or token), with [`ReasonCode::SignInFailed`] first —
//!      a refused sign-in is never shown as healthy;
//!    - **Reachable** otherwise (no credentials, not an admin, or the cluster status
//!      could not be read), with [`ReasonCode::ClusterNotChecked`] first: MSR answers,
//!      but only pings (and maybe nginx) were seen. Neither green nor red.
//! 4. Otherwise **Unknown**: no data, or only answers that are not MSR's (401/302 from an
//!    SSO proxy, HTML, malformed bodies, no answer).
//!
//! [`HealthReport::coverage`] says what was read: pings, nginx, the cluster status, and
//! why the cluster status is missing.
//!
//! Informational reasons never change the verdict: garbage collection running, a
//! non-critical RethinkDB issue, tables with replicas not yet ready but writable, nginx
//! drops counted since nginx started (without a second sample they may be old), an nginx
//! restart between samples, `/nginx_status` not available to this user, `cluster_status`
//! or replica discovery not available to a non-admin, no metrics on this MSR (2.9), an
//! overdue cron, a short wait for a worker, and fields of the cluster status that were odd.
//! Reasons of severity [`Severity::Unknown`] (answers that are not MSR's, a replica
//! discovered from MSR's settings that cannot be reached from here, job-runner lists or
//! metrics that could not be read) do not change a Healthy or Degraded verdict either;
//! they are listed so the user sees what was not checked.
//!
//! When the verdict is Down, Unknown or Reachable, the first reason is a summary
//! ([`ReasonCode::AllReplicasDown`], [`ReasonCode::NoData`], [`ReasonCode::Inconclusive`],
//! [`ReasonCode::SignInFailed`] or [`ReasonCode::ClusterNotChecked`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::admin::{AdminError, JobRunner, JobRunnerSummary, MsrSettings};
use super::cluster::{
    ClusterStatus, ClusterStatusError, DEFAULT_STALE_AFTER, Issue, ReplicaCondition, ReplicaState,
};
use super::metrics::{MetricsOutcome, MetricsSummary};
use super::nginx::{NginxOutcome, NginxRates, NginxStatus};
use super::ping::{PingVerdict, UnknownWhy};
use crate::{Origin, Timestamp};

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub enum Verdict {
    /// Positive evidence, nothing wrong, and the cluster status was read.
    Healthy,
    /// MSR answers and nothing wrong was seen, but the cluster status was not read (no
    /// credentials, not an admin, or it could not be read): neither green nor red.
    Reachable,
    /// MSR answers, but something is wrong (see the reasons).
    Degraded,
    /// No replica is healthy and the evidence says MSR is down.
    Down,
    /// Not enough evidence either way.
    Unknown,
}

/// How much one finding weighs. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub enum Severity {
    /// Worth showing; does not change the verdict.
    Info,
    /// Something could not be checked.
    Unknown,
    /// Makes the verdict at least Degraded.
    Degraded,
    /// Part of a Down verdict.
    Down,
}

/// What a reason is about: a stable code for programs (the JS `code`).
// Deserializing a code this build does not know fails: a reader of stored reports that
// must load those of a newer version reads the code as "this or text" (as the browser
// extension's views do, crates/ui/src/model.rs `Known`). A plain comment: not in the
// package's TypeScript declarations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub enum ReasonCode {
    /// Summary: no replica is healthy and the evidence says MSR is down.
    AllReplicasDown,
    /// Summary: no input gave any data.
    NoData,
    /// Summary: data arrived, but none of it says whether MSR is healthy.
    Inconclusive,
    /// Summary of [`Verdict::Reachable`]: MSR answers, the cluster status was not read.
    ClusterNotChecked,
    /// Summary: an Unknown verdict caused by credentials MSR refused (HTTP 401).
    SignInFailed,
    /// A replica's `/_ping` reported it unhealthy.
    PingUnhealthy,
    /// A replica's `/_ping` got no answer or a gateway error.
    PingUnreachable,
    /// A replica's `/_ping` answer was not MSR's (SSO, HTML, odd status, malformed).
    PingUnknown,
    /// `replica_health` is not `"OK"`.
    ReplicaUnhealthy,
    /// A replica listed in `cluster_status` has no `replica_health` entry.
    ReplicaHealthUnknown,
    /// A replica's last report is older than the threshold.
    ReplicaStale,
    /// A replica's `replica_timestamp` is an error text, not a time.
    ReplicaTimestampUnknown,
    /// A replica is read-only.
    ReplicaReadOnly,
    /// A critical RethinkDB issue.
    CriticalIssue,
    /// A non-critical RethinkDB issue.
    Issue,
    /// Tables that do not accept writes.
    TablesNotWritable,
    /// Tables whose replicas are not all ready (still writable).
    TablesReplicasNotReady,
    /// Garbage collection is running.
    GcRunning,
    /// `cluster_status` needs credentials (401).
    ClusterNotSignedIn,
    /// `cluster_status` is for admins only (403).
    ClusterNotAdmin,
    /// `cluster_status` answered 503 `STATUS_CHECK_FAILED`.
    ClusterCheckFailed,
    /// `cluster_status` failed otherwise (proxy error, HTML, not a JSON object).
    ClusterUnavailable,
    /// Some `cluster_status` fields were odd and skipped.
    ClusterWarnings,
    /// nginx dropped connections between two samples.
    NginxDropping,
    /// nginx has dropped connections since it started.
    NginxDroppedSinceStart,
    /// nginx restarted between two samples.
    NginxRestarted,
    /// `/nginx_status` is not available to this user (401/403/404).
    NginxNotAvailable,
    /// `/nginx_status` failed or was unreadable.
    NginxUnavailable,
    /// Replicas were not discovered: the settings are for admins only.
    ReplicasNotDiscovered,
    /// `/api/v0/meta/settings` failed otherwise.
    SettingsUnavailable,
    /// A job-runner worker is dead.
    WorkerDead,
    /// A running worker's heartbeat expired.
    WorkerHeartbeatExpired,
    /// Jobs in `error` or `worker_dead` within the recent window.
    JobsFailing,
    /// The oldest job waiting for a worker (Degraded past the waiting limit).
    JobWaiting,
    /// A cron's next run lies in the past.
    CronOverdue,
    /// Workers, jobs or crons could not be read.
    JobRunnerUnavailable,
    /// No metrics endpoint on this MSR (404: MSR 2.9).
    MetricsNotAvailable,
    /// The metrics could not be read.
    MetricsUnavailable,
}

/// One finding that explains the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Reason {
    /// How much it weighs.
    pub severity: Severity,
    /// A stable code.
    pub code: ReasonCode,
    /// What it is about: a ping label, a replica id, a table, an issue id.
    pub subject: Option<String>,
    /// A sentence for people.
    pub message: String,
}

/// One replica's ping in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PingEntry {
    /// The label the user gave the replica (its host name, for instance).
    pub label: String,
    /// The verdict (flattened into this object when serialized).
    #[serde(flatten)]
    pub verdict: PingVerdict,
}

/// Everything the report is built from. All parts are optional.
#[derive(Debug, Clone)]
pub struct HealthInput {
    /// Per-replica pings: a label (host name, "load balancer", ...) and the verdict.
    pub pings: Vec<(String, PingVerdict)>,
    /// The latest `/nginx_status` outcome.
    pub nginx: Option<NginxOutcome>,
    /// Rates between the two latest nginx samples.
    pub nginx_rates: Option<NginxRates>,
    /// The `cluster_status` outcome.
    pub cluster: Option<Result<ClusterStatus, ClusterStatusError>>,
    /// Whether `cluster_status` was asked for (credentials were given). With `cluster`
    /// still `None` it got no HTTP answer; without it there were no credentials.
    pub cluster_requested: bool,
    /// How old a replica's last report may be before it counts as stale.
    pub stale_after: Duration,
    /// The `/api/v0/meta/settings` outcome (replica discovery).
    pub settings: Option<Result<MsrSettings, AdminError>>,
    /// The pings (by label) that went to replicas discovered from the settings, with
    /// the origin pinged. Such a replica out of reach from here is not evidence of
    /// trouble (its host may resolve only inside the cluster); `cluster_status` is.
    pub discovered: Vec<(String, Origin)>,
    /// Workers, jobs and crons as read, with the window and waiting limit.
    pub job_runner: JobRunner,
    /// The `/api/v0/admin/metrics` outcome.
    pub metrics: Option<MetricsOutcome>,
}

impl Default for HealthInput {
    fn default() -> Self {
        HealthInput {
            pings: Vec::new(),
            nginx: None,
            nginx_rates: None,
            cluster: None,
            cluster_requested: false,
            stale_after: DEFAULT_STALE_AFTER,
            settings: None,
            discovered: Vec::new(),
            job_runner: JobRunner::new(),
            metrics: None,
        }
    }
}

/// What a check read, so a verdict can say how much it is based on. Serialized as
/// `{pings, nginx, clusterStatus, clusterStatusMissing, settings, jobRunner, metrics,
/// summary}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct Coverage {
    /// At least one replica gave MSR's own `/_ping` answer (healthy or unhealthy).
    pub pings: bool,
    /// `/nginx_status` was read.
    pub nginx: bool,
    /// `cluster_status` was read (replica health, RethinkDB issues, tables, GC).
    pub cluster_status: bool,
    /// Why `cluster_status` was not read; `None` when it was.
    pub cluster_status_missing: Option<ClusterStatusMissing>,
    /// `/api/v0/meta/settings` was read (the replicas were discovered).
    pub settings: bool,
    /// Workers, jobs and crons were all read.
    pub job_runner: bool,
    /// `/api/v0/admin/metrics` was read.
    pub metrics: bool,
    /// The parts read, for people: `"pings only"`, `"pings + nginx"`,
    /// `"pings + nginx + cluster status + job runner + metrics"`, ..., or `"nothing"`.
    pub summary: String,
}

/// Why the cluster status was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub enum ClusterStatusMissing {
    /// No credentials were given, so it was not asked for.
    NoCredentials,
    /// MSR refused the credentials (401): a wrong user name, password or token.
    SignInFailed,
    /// Signed in, but not an MSR admin (403).
    NotAdmin,
    /// MSR answered 503 `STATUS_CHECK_FAILED`: it could not query its own backend.
    CheckFailed,
    /// No answer, or an answer that is not MSR's (a proxy's error or login page, a body
    /// that is not JSON).
    Unavailable,
}

impl Coverage {
    fn of(input: &HealthInput) -> Coverage {
        let pings = input
            .pings
            .iter()
            .any(|(_, v)| v.is_healthy() || v.is_unhealthy());
        let nginx = matches!(input.nginx, Some(NginxOutcome::Available(_)));
        let cluster_status_missing = match &input.cluster {
            Some(Ok(_)) => None,
            Some(Err(ClusterStatusError::NotAuthenticated(_))) => {
                Some(ClusterStatusMissing::SignInFailed)
            }
            Some(Err(ClusterStatusError::NotAdmin(_))) => Some(ClusterStatusMissing::NotAdmin),
            Some(Err(ClusterStatusError::CheckFailed(_))) => {
                Some(ClusterStatusMissing::CheckFailed)
            }
            Some(Err(_)) => Some(ClusterStatusMissing::Unavailable),
            None if input.cluster_requested => Some(ClusterStatusMissing::Unavailable),
            None => Some(ClusterStatusMissing::NoCredentials),
        };
        let cluster_status = cluster_status_missing.is_none();
        let settings = matches!(input.settings, Some(Ok(_)));
        let job_runner = input.job_runner.is_read();
        let metrics = matches!(input.metrics, Some(MetricsOutcome::Available(_)));
        let parts: Vec<&str> = [
            (pings, "pings"),
            (nginx, "nginx"),
            (cluster_status, "cluster status"),
            (job_runner, "job runner"),
            (metrics, "metrics"),
        ]
        .into_iter()
        .filter_map(|(read, name)| read.then_some(name))
        .collect();
        let summary = match parts.as_slice() {
            [] => "nothing".to_string(),
            [one] => format!("{one} only"),
            more => more.join(" + "),
        };
        Coverage {
            pings,
            nginx,
            cluster_status,
            cluster_status_missing,
            settings,
            job_runner,
            metrics,
            summary,
        }
    }
}

impl ClusterStatusMissing {
    /// Why, as a phrase for people.
    pub fn describe(self) -> &'static str {
        match self {
            ClusterStatusMissing::NoCredentials => {
                "no credentials were given (it needs an MSR admin account)"
            }
            ClusterStatusMissing::SignInFailed => "MSR did not accept the user name and secret",
            ClusterStatusMissing::NotAdmin => "the account is not an MSR admin",
            ClusterStatusMissing::CheckFailed => "MSR could not query its own backend",
            ClusterStatusMissing::Unavailable => "it could not be read",
        }
    }
}

/// The replicas MSR's settings list.
// Deserializable: the browser extension stores it in its snapshots and reads it back, also
// from older snapshots that kept only each replica's `id` and `pingUrl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct ReplicaDiscovery {
    /// `dtrHost`: the address MSR is reached at.
    pub dtr_host: Option<String>,
    /// `replicaID`: the replica that answered.
    pub replica_id: Option<String>,
    /// Every replica listed, sorted by id.
    pub replicas: Vec<DiscoveredReplica>,
}

/// One replica from the settings.
// Deserializable like `ReplicaDiscovery` (see `super::stored`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "super::stored::DiscoveredReplica")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct DiscoveredReplica {
    /// The replica id (as in `cluster_status`).
    pub id: String,
    /// The node's host name or address.
    pub node: String,
    /// Its own HTTP port.
    pub http_port: Option<u16>,
    /// Its own HTTPS port.
    pub https_port: Option<u16>,
    /// `https://node:HTTPSPort`, when usable.
    pub https_url: Option<String>,
    /// `http://node:HTTPPort`, when usable.
    pub http_url: Option<String>,
    /// The origin its `/_ping` was asked at (`pinged`), else its HTTPS origin.
    pub ping_url: Option<String>,
    /// Whether this check pinged it (not when replicas are configured by hand, or
    /// discovery only lists).
    pub pinged: bool,
}

/// The combined report, serializable for JavaScript (camelCase names; times are epoch
/// milliseconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
pub struct HealthReport {
    /// The overall verdict, by the rules in the [module docs](self).
    pub verdict: Verdict,
    /// Why, most severe first (a summary first for Down, Unknown and Reachable).
    pub reasons: Vec<Reason>,
    /// The `now` the report was built with.
    pub checked_at: Timestamp,
    /// Every ping, in input order.
    pub pings: Vec<PingEntry>,
    /// Replica states from `cluster_status` (empty without it).
    pub replicas: Vec<ReplicaState>,
    /// RethinkDB issues from `cluster_status`.
    pub issues: Vec<Issue>,
    /// Whether garbage collection is running.
    pub gc_running: bool,
    /// The latest nginx status, when read.
    pub nginx: Option<NginxStatus>,
    /// nginx rates, when two samples were given.
    pub nginx_rates: Option<NginxRates>,
    /// What the verdict is based on.
    pub coverage: Coverage,
    /// The replicas MSR's settings list (admins).
    pub discovery: Option<ReplicaDiscovery>,
    /// The job runner: workers, recent failures, waiting jobs, next cron runs (admins).
    pub job_runner: Option<JobRunnerSummary>,
    /// MSR 3.1 metrics: repositories, pulls and pushes (admins; absent on 2.9).
    pub metrics: Option<MetricsSummary>,
}

impl HealthReport {
    /// Judge `input` at `now` (used for replica staleness).
    ///
    /// ```
    /// use http::{Response, StatusCode};
    /// use msr_lens_core::Timestamp;
    /// use msr_lens_core::health::{HealthInput, HealthReport, ReasonCode, Verdict, parse_ping};
    ///
    /// let healthy = Response::new(br#"{"Error":"","Healthy":true}"#.to_vec());
    /// let mut sick = Response::new(br#"{"Error":"Notary unhealthy","Healthy":false}"#.to_vec());
    /// *sick.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    /// let input = HealthInput {
    ///     pings: vec![
    ///         ("replica-1".into(), parse_ping(&healthy)),
    ///         ("replica-2".into(), parse_ping(&sick)),
    ///     ],
    ///     ..HealthInput::default()
    /// };
    /// let report = HealthReport::build(&input, Timestamp::from_secs(1_772_446_500));
    /// assert_eq!(report.verdict, Verdict::Degraded);
    /// assert_eq!(report.reasons[0].code, ReasonCode::PingUnhealthy);
    /// assert_eq!(report.reasons[0].subject.as_deref(), Some("replica-2"));
    /// ```
    pub fn build(input: &HealthInput, now: Timestamp) -> HealthReport {
        let replicas = match &input.cluster {
            Some(Ok(cluster)) => cluster.replica_states(now, input.stale_after),
            _ => Vec::new(),
        };
        let replica_alive = |r: &ReplicaState| r.health.as_deref() == Some("OK") && !r.is_stale();
        let positive =
            input.pings.iter().any(|(_, v)| v.is_healthy()) || replicas.iter().any(replica_alive);

        let coverage = Coverage::of(input);
        let mut reasons = Vec::new();
        ping_reasons(input, positive, &mut reasons);
        match &input.cluster {
            Some(Ok(cluster)) => cluster_reasons(cluster, &replicas, &mut reasons),
            Some(Err(error)) => reasons.push(cluster_error_reason(error)),
            None => {}
        }
        nginx_reasons(input, &mut reasons);
        settings_reasons(input, &mut reasons);
        let (job_runner, job_reasons) = input.job_runner.judge(now);
        reasons.extend(job_reasons);
        let metrics = metrics_reasons(input, &mut reasons);

        let pings_down = !input.pings.is_empty()
            && input
                .pings
                .iter()
                .all(|(_, v)| v.is_unhealthy() || v.is_unreachable())
            && input.pings.iter().any(|(_, v)| {
                v.is_unhealthy()
                    || matches!(
                        v,
                        PingVerdict::Unknown {
                            why: UnknownWhy::Gateway,
                            ..
                        }
                    )
            });
        let cluster_down =
            !replicas.is_empty() && replicas.iter().all(|r| r.unhealthy_reason().is_some());

        let verdict = if !positive && (pings_down || cluster_down) {
            for reason in &mut reasons {
                if matches!(
                    reason.code,
                    ReasonCode::PingUnhealthy
                        | ReasonCode::PingUnreachable
                        | ReasonCode::ReplicaUnhealthy
                ) {
                    reason.severity = Severity::Down;
                }
            }
            let message = match (pings_down, cluster_down) {
                (true, true) => {
                    "no replica is healthy: every ping failed and cluster_status lists every replica as unhealthy"
                }
                (true, false) => {
                    "no replica is healthy: every ping answered unhealthy or could not reach its replica"
                }
                _ => "no replica is healthy: cluster_status lists every replica as unhealthy",
            };
            reasons.insert(
                0,
                summary(Severity::Down, ReasonCode::AllReplicasDown, message),
            );
            Verdict::Down
        } else if reasons.iter().any(|r| r.severity >= Severity::Degraded) {
            Verdict::Degraded
        } else if positive && coverage.cluster_status {
            Verdict::Healthy
        } else if positive
            && coverage.cluster_status_missing == Some(ClusterStatusMissing::SignInFailed)
        {
            // Never green on a refused sign-in: the user thinks the tool sees everything.
            reasons.insert(
                0,
                summary(
                    Severity::Unknown,
                    ReasonCode::SignInFailed,
                    &format!(
                        "cannot sign in: {} (cluster_status answered HTTP 401); MSR answers, but its cluster status was not checked",
                        ClusterStatusMissing::SignInFailed.describe()
                    ),
                ),
            );
            Verdict::Unknown
        } else if positive {
            let why = coverage
                .cluster_status_missing
                .unwrap_or(ClusterStatusMissing::Unavailable);
            reasons.insert(
                0,
                summary(
                    Severity::Unknown,
                    ReasonCode::ClusterNotChecked,
                    &format!("reachable — cluster status not checked: {}", why.describe()),
                ),
            );
            Verdict::Reachable
        } else {
            let no_data = input.pings.is_empty()
                && input.nginx.is_none()
                && input.nginx_rates.is_none()
                && input.cluster.is_none();
            let (code, message) = if no_data {
                (ReasonCode::NoData, "nothing was checked yet")
            } else if input.pings.iter().all(|(_, v)| {
                matches!(
                    v,
                    PingVerdict::Unknown {
                        why: UnknownWhy::NoAnswer,
                        ..
                    }
                )
            }) && !input.pings.is_empty()
            {
                (
                    ReasonCode::Inconclusive,
                    "no replica could be reached from here: the network, TLS certificate trust, or MSR itself",
                )
            } else {
                (
                    ReasonCode::Inconclusive,
                    "no answer says whether MSR is healthy",
                )
            };
            reasons.insert(0, summary(Severity::Unknown, code, message));
            Verdict::Unknown
        };
        // Most severe first; the sort is stable, so input order holds within a severity.
        reasons.sort_by_key(|r| std::cmp::Reverse(r.severity));

        let (issues, gc_running) = match &input.cluster {
            Some(Ok(cluster)) => (cluster.issues().cloned().collect(), cluster.gc_running()),
            _ => (Vec::new(), false),
        };
        let nginx = match &input.nginx {
            Some(NginxOutcome::Available(status)) => Some(*status),
            _ => None,
        };
        HealthReport {
            verdict,
            reasons,
            checked_at: now,
            pings: input
                .pings
                .iter()
                .map(|(label, verdict)| PingEntry {
                    label: label.clone(),
                    verdict: verdict.clone(),
                })
                .collect(),
            replicas,
            issues,
            gc_running,
            nginx,
            nginx_rates: input.nginx_rates,
            coverage,
            discovery: discovery(input),
            job_runner,
            metrics,
        }
    }

    /// The reasons with a given code.
    pub fn reasons_with(&self, code: ReasonCode) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(move |r| r.code == code)
    }
}

fn summary(severity: Severity, code: ReasonCode, message: &str) -> Reason {
    Reason {
        severity,
        code,
        subject: None,
        message: message.to_string(),
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

fn ping_reasons(input: &HealthInput, positive: bool, out: &mut Vec<Reason>) {
    for (label, verdict) in &input.pings {
        let discovered = input
            .discovered
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, origin)| origin);
        if let (
            Some(origin),
            PingVerdict::Unknown {
                why: UnknownWhy::NoAnswer,
                excerpt,
                ..
            },
        ) = (discovered, verdict)
        {
            // A replica found in MSR's settings that does not answer from here: its
            // host may resolve only inside the cluster. Said, but not held against MSR.
            out.push(reason(
                Severity::Unknown,
                ReasonCode::PingUnreachable,
                label,
                format!(
                    "replica {label} at {origin} could not be reached from here (a host name only the cluster resolves, a firewall, TLS trust, or no permission for it): {excerpt}"
                ),
            ));
            continue;
        }
        match verdict {
            PingVerdict::Healthy => {}
            PingVerdict::Unhealthy { reason: why } => out.push(reason(
                Severity::Degraded,
                ReasonCode::PingUnhealthy,
                label,
                format!("replica {label} reports unhealthy: {why}"),
            )),
            PingVerdict::Unknown {
                status,
                excerpt,
                why,
            } => {
                let unreachable = matches!(why, UnknownWhy::NoAnswer | UnknownWhy::Gateway);
                let (severity, code) = match (unreachable, positive) {
                    (true, true) => (Severity::Degraded, ReasonCode::PingUnreachable),
                    (true, false) => (Severity::Unknown, ReasonCode::PingUnreachable),
                    (false, _) => (Severity::Unknown, ReasonCode::PingUnknown),
                };
                let what = why.describe();
                let message = match (*status, excerpt.is_empty()) {
                    (0, true) => format!("replica {label}: {what}"),
                    (0, false) => format!("replica {label}: {what}: {excerpt}"),
                    (status, _) => format!("replica {label}: HTTP {status}, {what}"),
                };
                out.push(reason(severity, code, label, message));
            }
        }
    }
}

fn cluster_reasons(cluster: &ClusterStatus, replicas: &[ReplicaState], out: &mut Vec<Reason>) {
    for replica in replicas {
        let id = replica.id.as_str();
        for condition in &replica.conditions {
            let (severity, code, message) = match condition {
                ReplicaCondition::Ok => continue,
                ReplicaCondition::Unhealthy { reason } => (
                    Severity::Degraded,
                    ReasonCode::ReplicaUnhealthy,
                    format!("replica {id} is unhealthy: {reason}"),
                ),
                ReplicaCondition::HealthUnknown => (
                    Severity::Unknown,
                    ReasonCode::ReplicaHealthUnknown,
                    format!("replica {id} has no health entry in cluster_status"),
                ),
                ReplicaCondition::Stale {
                    last_seen,
                    age_secs,
                } => (
                    Severity::Degraded,
                    ReasonCode::ReplicaStale,
                    format!(
                        "replica {id} reported health too long ago: {last_seen} ({} min ago)",
                        age_secs / 60
                    ),
                ),
                ReplicaCondition::TimestampUnknown { raw } => (
                    Severity::Degraded,
                    ReasonCode::ReplicaTimestampUnknown,
                    format!("replica {id} has no usable report time: {raw}"),
                ),
                ReplicaCondition::ReadOnly => (
                    Severity::Degraded,
                    ReasonCode::ReplicaReadOnly,
                    format!("replica {id} is read-only"),
                ),
            };
            out.push(reason(severity, code, id, message));
        }
    }
    for issue in cluster.issues() {
        let subject = issue
            .id
            .clone()
            .or_else(|| issue.kind.clone())
            .unwrap_or_default();
        let text = issue
            .description
            .as_deref()
            .or(issue.kind.as_deref())
            .unwrap_or("(no description)");
        let (severity, code, label) = if issue.critical {
            (Severity::Degraded, ReasonCode::CriticalIssue, "critical")
        } else {
            (Severity::Info, ReasonCode::Issue, "non-critical")
        };
        out.push(reason(
            severity,
            code,
            &subject,
            format!("{label} RethinkDB issue: {text}"),
        ));
    }
    let (not_writable, not_ready): (Vec<_>, Vec<_>) = cluster
        .tables_not_ready()
        .partition(|t| t.ready_for_writes == Some(false));
    for (tables, severity, code, what) in [
        (
            not_writable,
            Severity::Degraded,
            ReasonCode::TablesNotWritable,
            "do not accept writes",
        ),
        (
            not_ready,
            Severity::Info,
            ReasonCode::TablesReplicasNotReady,
            "have replicas that are not ready",
        ),
    ] {
        if tables.is_empty() {
            continue;
        }
        let names: Vec<String> = tables.iter().map(|t| t.full_name()).collect();
        out.push(reason(
            severity,
            code,
            &names.join(", "),
            format!("{} table(s) {what}: {}", names.len(), names.join(", ")),
        ));
    }
    if cluster.gc_running() {
        let holder = cluster.gc_lock_holder.as_deref().unwrap_or_default();
        out.push(reason(
            Severity::Info,
            ReasonCode::GcRunning,
            holder,
            format!("garbage collection is running (lock held by {holder})"),
        ));
    }
    if let Some(first) = cluster.warnings.first() {
        out.push(Reason {
            severity: Severity::Info,
            code: ReasonCode::ClusterWarnings,
            subject: None,
            message: format!(
                "{} odd field(s) in cluster_status were skipped, e.g. {first}",
                cluster.warnings.len()
            ),
        });
    }
}

fn cluster_error_reason(error: &ClusterStatusError) -> Reason {
    let (severity, code) = match error {
        ClusterStatusError::NotAuthenticated(_) => {
            (Severity::Unknown, ReasonCode::ClusterNotSignedIn)
        }
        ClusterStatusError::NotAdmin(_) => (Severity::Info, ReasonCode::ClusterNotAdmin),
        ClusterStatusError::CheckFailed(_) => (Severity::Degraded, ReasonCode::ClusterCheckFailed),
        _ => (Severity::Unknown, ReasonCode::ClusterUnavailable),
    };
    Reason {
        severity,
        code,
        subject: None,
        message: format!("cluster_status: {error}"),
    }
}

fn nginx_reasons(input: &HealthInput, out: &mut Vec<Reason>) {
    const SUBJECT: &str = "nginx";
    let dropping = input.nginx_rates.is_some_and(|r| r.dropped > 0);
    if let Some(rates) = &input.nginx_rates {
        if rates.dropped > 0 {
            out.push(reason(
                Severity::Degraded,
                ReasonCode::NginxDropping,
                SUBJECT,
                format!(
                    "nginx dropped {} connection(s) in the last {} s (worker_connections limit?)",
                    rates.dropped,
                    rates.elapsed_ms / 1000
                ),
            ));
        }
        if rates.reset {
            out.push(reason(
                Severity::Info,
                ReasonCode::NginxRestarted,
                SUBJECT,
                "nginx restarted between the two samples; rates count from the restart".to_string(),
            ));
        }
    }
    match &input.nginx {
        Some(NginxOutcome::Available(status)) if status.dropped() > 0 && !dropping => {
            out.push(reason(
                Severity::Info,
                ReasonCode::NginxDroppedSinceStart,
                SUBJECT,
                format!(
                    "nginx has dropped {} connection(s) since it started",
                    status.dropped()
                ),
            ));
        }
        Some(NginxOutcome::NotAvailable { status }) => out.push(reason(
            Severity::Info,
            ReasonCode::NginxNotAvailable,
            SUBJECT,
            format!("/nginx_status is not available to you (HTTP {status})"),
        )),
        Some(NginxOutcome::Error(error)) => out.push(reason(
            Severity::Unknown,
            ReasonCode::NginxUnavailable,
            SUBJECT,
            format!("/nginx_status: {error}"),
        )),
        Some(NginxOutcome::Invalid { error, .. }) => out.push(reason(
            Severity::Unknown,
            ReasonCode::NginxUnavailable,
            SUBJECT,
            format!("/nginx_status is not nginx stub_status output: {error}"),
        )),
        _ => {}
    }
}

fn settings_reasons(input: &HealthInput, out: &mut Vec<Reason>) {
    let Some(Err(error)) = &input.settings else {
        return;
    };
    let configured = input.pings.len() - input.discovered.len();
    let what = if configured > 1 {
        "the configured addresses were"
    } else {
        "the configured address was"
    };
    match error {
        // The sign-in failure is said once, by the cluster status.
        AdminError::NotAuthenticated(_) => {}
        AdminError::NotAdmin(_) => out.push(summary(
            Severity::Info,
            ReasonCode::ReplicasNotDiscovered,
            &format!(
                "replicas were not discovered: MSR lists them to admins only, so only {what} pinged"
            ),
        )),
        other => out.push(summary(
            Severity::Unknown,
            ReasonCode::SettingsUnavailable,
            &format!("replicas could not be discovered: /api/v0/meta/settings: {other}"),
        )),
    }
}

fn metrics_reasons(input: &HealthInput, out: &mut Vec<Reason>) -> Option<MetricsSummary> {
    const SUBJECT: &str = "metrics";
    match &input.metrics {
        Some(MetricsOutcome::Available(summary)) => Some(summary.clone()),
        Some(MetricsOutcome::NotAvailable) => {
            out.push(reason(
                Severity::Info,
                ReasonCode::MetricsNotAvailable,
                SUBJECT,
                "metrics not available on this MSR: /api/v0/admin/metrics answered 404 (MSR 2.9 has none; they came with MSR 3.1)".to_string(),
            ));
            None
        }
        Some(MetricsOutcome::Error(error)) => {
            out.push(reason(
                Severity::Unknown,
                ReasonCode::MetricsUnavailable,
                SUBJECT,
                format!("the metrics could not be read: {error}"),
            ));
            None
        }
        None => None,
    }
}

fn discovery(input: &HealthInput) -> Option<ReplicaDiscovery> {
    let Some(Ok(settings)) = &input.settings else {
        return None;
    };
    let url = |o: Option<Origin>| o.map(|o| o.to_string());
    Some(ReplicaDiscovery {
        dtr_host: settings.dtr_host.clone(),
        replica_id: settings.replica_id.clone(),
        replicas: settings
            .replicas
            .iter()
            .map(|r| {
                let pinged = input.discovered.iter().find(|(id, _)| *id == r.id);
                DiscoveredReplica {
                    id: r.id.clone(),
                    node: r.node.clone(),
                    http_port: r.http_port,
                    https_port: r.https_port,
                    https_url: url(r.origin(false)),
                    http_url: url(r.origin(true)),
                    ping_url: pinged
                        .map(|(_, o)| o.to_string())
                        .or_else(|| url(r.origin(false))),
                    pinged: pinged.is_some(),
                }
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_grouped_by_writability_in_order() {
        let cluster = ClusterStatus::from_json(
            br#"{"rethink_system_tables":{"table_status":[
                {"db":"a","name":"x","status":{"all_replicas_ready":false,"ready_for_writes":true}},
                {"db":"b","name":"y","status":{"all_replicas_ready":false,"ready_for_writes":false}},
                {"name":"z","status":{"all_replicas_ready":false}},
                {"db":"c","name":"ok","status":{"all_replicas_ready":true,"ready_for_writes":true}},
                {"db":"d","status":{"ready_for_writes":false}}]}}"#,
        )
        .unwrap();
        let mut reasons = Vec::new();
        cluster_reasons(&cluster, &[], &mut reasons);
        let got: Vec<_> = reasons
            .iter()
            .map(|r| (r.severity, r.code, r.subject.as_deref(), r.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    Severity::Degraded,
                    ReasonCode::TablesNotWritable,
                    Some("b.y, d.?"),
                    "2 table(s) do not accept writes: b.y, d.?"
                ),
                (
                    Severity::Info,
                    ReasonCode::TablesReplicasNotReady,
                    Some("a.x, ?.z"),
                    "2 table(s) have replicas that are not ready: a.x, ?.z"
                ),
            ]
        );
    }
}
