//! Health checks: `/_ping`, `/nginx_status`, `cluster_status` and the combined report.
//!
//! Each endpoint has a request builder (plain [`http::Request<Vec<u8>>`] values) and a
//! parser of the [`http::Response<Vec<u8>>`] the shell got back (msr-api.md §1–3):
//!
//! - [`ping`]: `GET /_ping` on one replica, no auth → [`PingVerdict`].
//! - [`nginx`]: `GET /nginx_status` → [`NginxOutcome`]; two [`NginxSample`]s give [`NginxRates`].
//! - [`cluster`]: `GET /api/v0/meta/cluster_status` (admin, HTTP basic) → [`ClusterStatus`],
//!   and per-replica [`ReplicaState`]s derived with a `now` and a staleness threshold.
//! - [`admin`]: `/api/v0/meta/settings` (replica discovery) and the job runner's workers,
//!   jobs and crons (admin, HTTP basic) → [`MsrSettings`], [`JobRunnerSummary`].
//! - [`metrics`]: `/api/v0/admin/metrics` (MSR 3.1+) → [`MetricsSummary`].
//! - [`report`]: all of the above combined into one [`HealthReport`] with an overall
//!   [`Verdict`] and the [`Reason`]s that led to it.
//!
//! None of the parsers panics on server data; a body that is not what MSR sends is an
//! "unknown" verdict or a typed error carrying a short excerpt of what arrived.

pub mod admin;
pub mod check;
pub mod cluster;
pub mod metrics;
pub mod nginx;
pub mod ping;
pub mod report;
mod stored;

pub use admin::{
    AdminError, CronRun, FailedJob, JobRunner, JobRunnerSummary, MsrSettings, ReplicaAddress,
    WaitingJob,
};
pub use check::{Discovery, HealthCheck, HealthTargets, LOAD_BALANCER_LABEL, Probe};
pub use cluster::{
    ClusterStatus, ClusterStatusError, Issue, ReplicaCondition, ReplicaState, ReplicaTimestamp,
    RethinkSystemTables, ServerStatus, TableStatus, cluster_status_request, parse_cluster_status,
};
pub use metrics::{MetricsOutcome, MetricsSample, MetricsSummary};
pub use nginx::{
    NginxOutcome, NginxParseError, NginxRates, NginxSample, NginxStatus, nginx_status_request,
    parse_nginx_status, rates,
};
pub use ping::{PingVerdict, UnknownWhy, parse_ping, ping_request};
pub use report::{
    ClusterStatusMissing, Coverage, DiscoveredReplica, HealthInput, HealthReport, Reason,
    ReasonCode, ReplicaDiscovery, Severity, Verdict,
};

use http::header::{ACCEPT, HeaderValue};
use http::{Request, Uri};

/// A body-less `GET` of `uri` with an `Accept` header; never fails.
fn get(uri: Uri, accept: &'static str) -> Request<Vec<u8>> {
    let mut request = Request::new(Vec::new());
    *request.uri_mut() = uri;
    request
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static(accept));
    request
}
