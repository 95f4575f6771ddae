//! How the report's parts that the browser extension stores in its snapshots (see
//! `crates/ui/src/model.rs`) are read back: the same camelCase fields, each with a default,
//! so a snapshot stored by an older extension (which kept only some of them) still loads.
//!
//! Private shadows used through `#[serde(from = ...)]`: the public types keep their
//! serialized shape, and their TypeScript declarations (tsify) keep every field required.

use serde::Deserialize;

use super::admin;
use super::metrics::{self, KeySeries, MetricsSample};
use super::report;
use crate::Timestamp;

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct FailedJob {
    id: String,
    action: String,
    status: String,
    worker_id: String,
    at: Timestamp,
}

impl From<FailedJob> for admin::FailedJob {
    fn from(j: FailedJob) -> Self {
        admin::FailedJob {
            id: j.id,
            action: j.action,
            status: j.status,
            worker_id: j.worker_id,
            at: j.at,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct WaitingJob {
    id: String,
    action: String,
    scheduled_at: Timestamp,
    age_secs: u64,
    age_is_lower_bound: bool,
}

impl From<WaitingJob> for admin::WaitingJob {
    fn from(j: WaitingJob) -> Self {
        admin::WaitingJob {
            id: j.id,
            action: j.action,
            scheduled_at: j.scheduled_at,
            age_secs: j.age_secs,
            age_is_lower_bound: j.age_is_lower_bound,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct DiscoveredReplica {
    id: String,
    node: String,
    http_port: Option<u16>,
    https_port: Option<u16>,
    https_url: Option<String>,
    http_url: Option<String>,
    ping_url: Option<String>,
    pinged: bool,
}

impl From<DiscoveredReplica> for report::DiscoveredReplica {
    fn from(r: DiscoveredReplica) -> Self {
        report::DiscoveredReplica {
            id: r.id,
            node: r.node,
            http_port: r.http_port,
            https_port: r.https_port,
            https_url: r.https_url,
            http_url: r.http_url,
            ping_url: r.ping_url,
            pinged: r.pinged,
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct MetricsSummary {
    samples: usize,
    repositories: Option<f64>,
    pulls_total: Option<f64>,
    pushes_total: Option<f64>,
    pulls_per_min: Option<f64>,
    pushes_per_min: Option<f64>,
    key_series: Vec<KeySeries>,
    sample: MetricsSample,
}

impl From<MetricsSummary> for metrics::MetricsSummary {
    fn from(m: MetricsSummary) -> Self {
        metrics::MetricsSummary {
            samples: m.samples,
            repositories: m.repositories,
            pulls_total: m.pulls_total,
            pushes_total: m.pushes_total,
            pulls_per_min: m.pulls_per_min,
            pushes_per_min: m.pushes_per_min,
            key_series: m.key_series,
            sample: m.sample,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DiscoveredReplica, MetricsSummary, ReplicaDiscovery};
    use super::admin::{CronRun, FailedJob, WaitingJob};
    use crate::Timestamp;

    #[test]
    fn what_the_package_serializes_reads_back_the_same() {
        let job = FailedJob {
            id: "j".into(),
            action: "scan".into(),
            status: "error".into(),
            worker_id: "w".into(),
            at: Timestamp::from_millis(5),
        };
        let json = serde_json::to_string(&job).unwrap();
        assert_eq!(serde_json::from_str::<FailedJob>(&json).unwrap(), job);
        let waiting = WaitingJob {
            id: "q".into(),
            action: "gc".into(),
            scheduled_at: Timestamp::from_millis(1),
            age_secs: 2,
            age_is_lower_bound: true,
        };
        let json = serde_json::to_string(&waiting).unwrap();
        assert!(json.contains(r#""ageIsLowerBound":true"#), "{json}");
        assert_eq!(serde_json::from_str::<WaitingJob>(&json).unwrap(), waiting);
        let discovery: ReplicaDiscovery = serde_json::from_str(
            r#"{"dtrHost":"h","replicaId":"r1","replicas":[{"id":"r1","node":"n","httpPort":80,
                "httpsPort":443,"httpsUrl":"https://n","httpUrl":"http://n","pingUrl":"https://n","pinged":true}]}"#,
        )
        .unwrap();
        assert!(discovery.replicas[0].pinged);
        assert_eq!(
            serde_json::to_value(&discovery).unwrap()["replicas"][0]["httpPort"],
            80
        );
    }

    #[test]
    fn older_snapshots_with_fewer_fields_still_load() {
        let job: FailedJob = serde_json::from_str(r#"{"id":"j","action":"scan","at":7}"#).unwrap();
        assert_eq!((job.status.as_str(), job.at.as_millis()), ("", 7));
        let waiting: WaitingJob =
            serde_json::from_str(r#"{"action":"onlinegc","ageSecs":700}"#).unwrap();
        assert_eq!(waiting.age_secs, 700);
        assert!(!waiting.age_is_lower_bound);
        let cron: CronRun = serde_json::from_str(r#"{"action":"gc","at":9}"#).unwrap();
        assert_eq!(cron.at.as_millis(), 9);
        let replica: DiscoveredReplica =
            serde_json::from_str(r#"{"id":"r1","pingUrl":"https://n:8443"}"#).unwrap();
        assert_eq!(replica.ping_url.as_deref(), Some("https://n:8443"));
        assert!(!replica.pinged);
        // A non-finite total was stored as null (JSON has no NaN).
        let metrics: MetricsSummary = serde_json::from_str(
            r#"{"repositories":82,"pullsPerMin":null,"keySeries":[{"name":"x","kind":"gauge","total":null,"samples":1}]}"#,
        )
        .unwrap();
        assert_eq!(metrics.repositories, Some(82.0));
        assert_eq!(metrics.pulls_per_min, None);
        assert!(metrics.key_series[0].total.is_nan());
    }
}
