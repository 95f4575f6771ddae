//! The metrics: a `prometheus-client` [`Collector`] that encodes the instances' last
//! snapshots on each scrape (so series of replicas that went away disappear with them).

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use super::poller::{Shared, Snapshot, lock};

/// The verdict states always present in `msr_lens_verdict` (a newer core's own names are
/// added when they occur).
pub const VERDICT_STATES: [&str; 5] = ["healthy", "degraded", "down", "unknown", "reachable"];

/// Ping states in `msr_lens_ping_state`.
const PING_STATES: [&str; 3] = ["healthy", "unhealthy", "unknown"];

/// Whether a verdict means MSR answers (`msr_lens_up`).
pub fn is_up(verdict: &str) -> bool {
    !matches!(verdict, "down" | "unknown")
}

type Labels = Vec<(&'static str, String)>;

/// The collector over every instance's snapshot.
#[derive(Debug)]
pub struct Snapshots(pub Vec<Shared>);

struct Rows<'a> {
    encoder: DescriptorEncoder<'a>,
}

impl Rows<'_> {
    fn family(
        &mut self,
        name: &str,
        help: &str,
        kind: MetricType,
        rows: Vec<(Labels, f64)>,
    ) -> fmt::Result {
        let mut metric = self.encoder.encode_descriptor(name, help, None, kind)?;
        for (labels, value) in rows {
            let mut row = metric.encode_family(&labels)?;
            match kind {
                MetricType::Counter => row.encode_counter::<NoLabelSet, _, f64>(&value, None)?,
                _ => row.encode_gauge(&value)?,
            }
        }
        Ok(())
    }
}

fn inst(s: &Snapshot) -> Labels {
    vec![("instance", s.name.clone())]
}

fn with(s: &Snapshot, more: &[(&'static str, &str)]) -> Labels {
    let mut labels = inst(s);
    labels.extend(more.iter().map(|(k, v)| (*k, (*v).to_string())));
    labels
}

fn bool_value(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

impl Collector for Snapshots {
    fn encode(&self, encoder: DescriptorEncoder) -> fmt::Result {
        let snaps: Vec<Snapshot> = self.0.iter().map(|s| lock(s).clone()).collect();
        let checked: Vec<&Snapshot> = snaps.iter().filter(|s| s.verdict.is_some()).collect();
        let mut out = Rows { encoder };
        let each = |f: &dyn Fn(&Snapshot) -> Vec<(Labels, f64)>| -> Vec<(Labels, f64)> {
            checked.iter().flat_map(|s| f(s)).collect()
        };
        use MetricType::{Counter, Gauge};

        out.family(
            "msr_lens_up",
            "1 when MSR answered the last check (verdict healthy, degraded or reachable), 0 when down or unknown.",
            Gauge,
            each(&|s| vec![(inst(s), bool_value(s.verdict.as_deref().is_some_and(is_up)))]),
        )?;
        out.family(
            "msr_lens_verdict",
            "The last health verdict, one-hot by state.",
            Gauge,
            each(&|s| {
                let verdict = s.verdict.as_deref().unwrap_or("unknown");
                let mut states: Vec<&str> = VERDICT_STATES.to_vec();
                if !states.contains(&verdict) {
                    states.push(verdict);
                }
                states
                    .into_iter()
                    .map(|state| (with(s, &[("state", state)]), bool_value(state == verdict)))
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_check_duration_seconds",
            "How long the last health check took.",
            Gauge,
            each(&|s| vec![(inst(s), s.check_seconds)]),
        )?;
        out.family(
            "msr_lens_last_check_timestamp_seconds",
            "When the last health check finished (Unix time).",
            Gauge,
            each(&|s| vec![(inst(s), s.checked_at)]),
        )?;
        out.family(
            "msr_lens_checks",
            "Health checks done since the exporter started (one per interval, whatever the scrape rate).",
            Counter,
            each(&|s| vec![(inst(s), s.checks as f64)]),
        )?;
        out.family(
            "msr_lens_ping_state",
            "Each replica's /_ping answer in the last check, one-hot by state.",
            Gauge,
            each(&|s| {
                s.pings
                    .iter()
                    .flat_map(|(label, state)| {
                        PING_STATES.iter().map(move |candidate| {
                            (
                                with(s, &[("replica", label.as_str()), ("state", *candidate)]),
                                bool_value(candidate == state),
                            )
                        })
                    })
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_replica_healthy",
            "1 when cluster_status reports the replica's health as OK.",
            Gauge,
            each(&|s| {
                s.replicas
                    .iter()
                    .filter_map(|r| {
                        r.healthy
                            .map(|h| (with(s, &[("replica", r.id.as_str())]), bool_value(h)))
                    })
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_replica_last_report_age_seconds",
            "Seconds since the replica last reported to cluster_status.",
            Gauge,
            each(&|s| {
                s.replicas
                    .iter()
                    .filter_map(|r| {
                        r.last_report_age
                            .map(|age| (with(s, &[("replica", r.id.as_str())]), age))
                    })
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_replica_stale",
            "1 when the replica's last report is older than the staleness threshold.",
            Gauge,
            each(&|s| {
                s.replicas
                    .iter()
                    .map(|r| (with(s, &[("replica", r.id.as_str())]), bool_value(r.stale)))
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_replica_read_only",
            "1 when the replica is read-only.",
            Gauge,
            each(&|s| {
                s.replicas
                    .iter()
                    .filter_map(|r| {
                        r.read_only
                            .map(|ro| (with(s, &[("replica", r.id.as_str())]), bool_value(ro)))
                    })
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_gc_running",
            "1 while garbage collection runs (only when cluster_status was read).",
            Gauge,
            each(&|s| {
                if s.cluster_read {
                    vec![(inst(s), bool_value(s.gc_running))]
                } else {
                    Vec::new()
                }
            }),
        )?;
        out.family(
            "msr_lens_issues",
            "Current RethinkDB issues by criticality (only when cluster_status was read).",
            Gauge,
            each(&|s| {
                if s.cluster_read {
                    vec![
                        (with(s, &[("criticality", "critical")]), s.issues.0 as f64),
                        (with(s, &[("criticality", "other")]), s.issues.1 as f64),
                    ]
                } else {
                    Vec::new()
                }
            }),
        )?;
        out.family(
            "msr_lens_nginx_connections",
            "nginx's active client connections.",
            Gauge,
            each(&|s| {
                s.nginx
                    .map(|(active, _)| (inst(s), active as f64))
                    .into_iter()
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_nginx_requests",
            "Requests nginx has handled since it started (resets when nginx restarts).",
            Counter,
            each(&|s| {
                s.nginx
                    .map(|(_, requests)| (inst(s), requests as f64))
                    .into_iter()
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_trust_records",
            "Trust changefeed records by category, counted from the first record.",
            Counter,
            each(&|s| {
                // Nothing until the feed has been read (credentials refused: no series,
                // rather than a count of zero that looks like an empty feed).
                if !s.feed_on || (!s.feed_caught_up && s.records_by_category.is_empty()) {
                    return Vec::new();
                }
                let mut rows: Vec<(Labels, f64)> = ["update", "deletion"]
                    .iter()
                    .filter(|c| !s.records_by_category.contains_key(**c))
                    .map(|c| (with(s, &[("category", *c)]), 0.0))
                    .collect();
                rows.extend(
                    s.records_by_category
                        .iter()
                        .map(|(c, n)| (with(s, &[("category", c.as_str())]), *n as f64)),
                );
                rows
            }),
        )?;
        out.family(
            "msr_lens_trust_namespace_records",
            "Trust changefeed records by repository namespace, counted from the first record.",
            Counter,
            each(&|s| {
                s.records_by_namespace
                    .iter()
                    .map(|(ns, n)| (with(s, &[("namespace", ns.as_str())]), *n as f64))
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_trust_last_deletion_timestamp_seconds",
            "When the newest trust deletion seen was recorded (Unix time).",
            Gauge,
            each(&|s| s.last_deletion.map(|t| (inst(s), t)).into_iter().collect()),
        )?;
        out.family(
            "msr_lens_trust_feed_caught_up",
            "1 once the followed changefeed has reached the newest record notary shows.",
            Gauge,
            each(&|s| {
                if s.feed_on {
                    vec![(inst(s), bool_value(s.feed_caught_up))]
                } else {
                    Vec::new()
                }
            }),
        )?;
        out.family(
            "msr_lens_last_poll_error",
            "1 for each error of the last poll, by source (cluster, nginx, ping, feed) and kind.",
            Gauge,
            each(&|s| {
                s.errors
                    .iter()
                    .map(|(source, kind)| {
                        (
                            with(s, &[("source", *source), ("kind", kind.as_str())]),
                            1.0,
                        )
                    })
                    .collect()
            }),
        )?;
        out.family(
            "msr_lens_poll_errors",
            "Poll errors since the exporter started, by source and kind.",
            Counter,
            each(&|s| {
                s.errors_total
                    .iter()
                    .map(|((source, kind), n)| {
                        (
                            with(s, &[("source", *source), ("kind", kind.as_str())]),
                            *n as f64,
                        )
                    })
                    .collect()
            }),
        )?;
        Ok(())
    }
}

/// A registry with the collector.
pub fn registry(snapshots: Vec<Shared>) -> Registry {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Snapshots(snapshots)));
    registry
}

/// The OpenMetrics `Content-Type`.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `registry` as OpenMetrics text (what Prometheus asks for), or in the Prometheus text
/// format 0.0.4 for other clients (curl, `promtool check metrics`). Returns the text and
/// its `Content-Type`.
pub fn render(
    registry: &Registry,
    openmetrics: bool,
) -> Result<(String, &'static str), fmt::Error> {
    let mut text = String::new();
    if openmetrics {
        prometheus_client::encoding::text::encode(&mut text, registry)?;
        Ok((text, OPENMETRICS))
    } else {
        prometheus_client::encoding::prometheus_text::encode(&mut text, registry)?;
        Ok((
            text,
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        ))
    }
}
