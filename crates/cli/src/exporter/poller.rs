//! One background thread per instance: a health check every interval and the global trust
//! changefeed followed (one poll per interval once caught up). Scrapes read the last
//! [`Snapshot`]; they never cause a request to MSR.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use msr_lens_core::changefeed::{
    Category, Event, Feed, FollowFrom, Mode, PagerConfig, Record, Status,
};
use msr_lens_core::health::{HealthReport, PingVerdict, ReplicaCondition};

use crate::config::Instance;
use crate::health::verdict_name;

/// Records per changefeed request while catching up. Each thread's page in flight (the
/// body, about 200 bytes a record, then the parsed records, several copies of them while
/// the pager sorts them out) is what the exporter's memory is made of: glibc keeps each
/// thread's peak in that thread's arena, so the resident size is about instances × the
/// largest page. 5000 made that about 7 MiB an instance (docs/design.md, "The command line
/// and the exporter"); 1000 costs five times the requests while catching up (101 instead
/// of 21 for 100 000 records, once per start) and nothing once caught up.
pub const FEED_PAGE_SIZE: u32 = 1000;

/// One replica as `cluster_status` describes it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplicaSnap {
    /// The replica ID.
    pub id: String,
    /// `replica_health` is `OK` (`None`: no entry).
    pub healthy: Option<bool>,
    /// Seconds since its last report (`None`: no usable timestamp).
    pub last_report_age: Option<f64>,
    /// Whether it is read-only (`None`: not listed).
    pub read_only: Option<bool>,
    /// Whether its last report is older than the staleness threshold.
    pub stale: bool,
}

/// What the last poll of one instance found. Gauges show the last check; counters only
/// grow while the exporter runs.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// The `instance` label.
    pub name: String,
    /// Health checks finished.
    pub checks: u64,
    /// The last verdict's name (`None` before the first check).
    pub verdict: Option<String>,
    /// How long the last check took.
    pub check_seconds: f64,
    /// When the last check finished (Unix seconds).
    pub checked_at: f64,
    /// Per ping label: `healthy`, `unhealthy` or `unknown`.
    pub pings: Vec<(String, &'static str)>,
    /// Replicas from `cluster_status` (empty when it was not read).
    pub replicas: Vec<ReplicaSnap>,
    /// Whether `cluster_status` was read in the last check.
    pub cluster_read: bool,
    /// GC running (only meaningful when `cluster_read`).
    pub gc_running: bool,
    /// Critical and other RethinkDB issues (only meaningful when `cluster_read`).
    pub issues: (u64, u64),
    /// nginx: active connections and requests since nginx started.
    pub nginx: Option<(u64, u64)>,
    /// Trust records seen, by category.
    pub records_by_category: BTreeMap<String, u64>,
    /// Trust records seen, by repository namespace.
    pub records_by_namespace: BTreeMap<String, u64>,
    /// The newest deletion's time (Unix seconds).
    pub last_deletion: Option<f64>,
    /// Whether the feed has reached the newest record notary shows.
    pub feed_caught_up: bool,
    /// Whether the feed is followed at all (it needs credentials).
    pub feed_on: bool,
    /// Current errors: `(source, kind)` of the last check and of the feed.
    pub errors: Vec<(&'static str, String)>,
    /// Errors since the start, by `(source, kind)`.
    pub errors_total: BTreeMap<(&'static str, String), u64>,
    /// When the poller thread last did anything (for `/healthz`).
    pub heartbeat: Option<Instant>,
    /// The poll interval.
    pub interval: Duration,
}

/// A shared snapshot.
pub type Shared = Arc<Mutex<Snapshot>>;

/// Lock a snapshot (a poisoned lock still holds the last good values).
pub fn lock(shared: &Shared) -> MutexGuard<'_, Snapshot> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The serialised name of a serde-serialisable unit value (a reason code, a severity).
fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// The error kind a reason code stands for, if it says a part of MSR could not be read.
fn health_error_kind(code: &str) -> Option<&'static str> {
    Some(match code {
        "clusterNotSignedIn" | "signInFailed" => "unauthenticated",
        "clusterNotAdmin" => "noAccess",
        "clusterCheckFailed" => "checkFailed",
        "clusterUnavailable" => "unavailable",
        "nginxUnavailable" => "nginxUnavailable",
        _ => return None,
    })
}

/// Fold a health report into the snapshot.
/// `cluster_asked`: whether the check asked for `cluster_status` (it needs credentials).
pub fn apply_report(
    snap: &mut Snapshot,
    report: &HealthReport,
    took: Duration,
    cluster_asked: bool,
) {
    snap.checks += 1;
    snap.verdict = Some(verdict_name(report));
    snap.check_seconds = took.as_secs_f64();
    snap.checked_at = unix_now();
    snap.pings = report
        .pings
        .iter()
        .map(|p| {
            let state = match p.verdict {
                PingVerdict::Healthy => "healthy",
                PingVerdict::Unhealthy { .. } => "unhealthy",
                PingVerdict::Unknown { .. } => "unknown",
            };
            (p.label.clone(), state)
        })
        .collect();
    let now_ms = report.checked_at.as_millis();
    snap.replicas = report
        .replicas
        .iter()
        .map(|r| ReplicaSnap {
            id: r.id.clone(),
            healthy: r.health.as_deref().map(|h| h == "OK"),
            last_report_age: r
                .last_seen
                .as_ref()
                .and_then(|t| t.at)
                .map(|at| (now_ms.saturating_sub(at.as_millis())) as f64 / 1000.0),
            read_only: r.read_only,
            stale: r
                .conditions
                .iter()
                .any(|c| matches!(c, ReplicaCondition::Stale { .. })),
        })
        .collect();
    let codes: Vec<String> = report.reasons.iter().map(|r| serde_name(&r.code)).collect();
    snap.cluster_read = cluster_asked
        && !codes
            .iter()
            .any(|c| health_error_kind(c).is_some() && !c.starts_with("nginx"));
    snap.gc_running = report.gc_running;
    let critical = report.issues.iter().filter(|i| i.critical).count() as u64;
    snap.issues = (critical, report.issues.len() as u64 - critical);
    snap.nginx = report.nginx.as_ref().map(|n| (n.active, n.requests));
    snap.errors.retain(|(source, _)| *source == "feed");
    let mut seen = std::collections::BTreeSet::new();
    for code in &codes {
        if let Some(kind) = health_error_kind(code)
            && seen.insert(kind)
        {
            let source = if code.starts_with("nginx") {
                "nginx"
            } else {
                "cluster"
            };
            snap.errors.push((source, kind.to_string()));
            *snap
                .errors_total
                .entry((source, kind.to_string()))
                .or_default() += 1;
        }
    }
    if report
        .pings
        .iter()
        .all(|p| matches!(p.verdict, PingVerdict::Unknown { status: 0, .. }))
        && !report.pings.is_empty()
    {
        snap.errors.push(("ping", "network".into()));
        *snap
            .errors_total
            .entry(("ping", "network".into()))
            .or_default() += 1;
    }
}

/// The namespace of a GUN `<host>/<namespace>/<repo>` (the GUN itself when it has no `/`).
pub fn namespace(gun: &str) -> &str {
    let mut parts = gun.splitn(3, '/');
    let first = parts.next().unwrap_or(gun);
    match (parts.next(), parts.next()) {
        (Some(ns), Some(_)) => ns,
        (Some(repo), None) => repo,
        _ => first,
    }
}

/// Count records into the snapshot.
pub fn apply_records(snap: &mut Snapshot, records: &[Record]) {
    for r in records {
        *snap
            .records_by_category
            .entry(r.category.as_str().to_string())
            .or_default() += 1;
        *snap
            .records_by_namespace
            .entry(namespace(&r.gun).to_string())
            .or_default() += 1;
        if r.category == Category::Deletion
            && let Some(at) = r.created_at
        {
            let secs = at.as_millis() as f64 / 1000.0;
            if snap.last_deletion.is_none_or(|t| secs > t) {
                snap.last_deletion = Some(secs);
            }
        }
    }
}

fn feed_error(snap: &mut Snapshot, kind: String) {
    snap.errors.retain(|(source, _)| *source != "feed");
    *snap.errors_total.entry(("feed", kind.clone())).or_default() += 1;
    snap.errors.push(("feed", kind));
}

/// Poll `instance` forever, writing into `shared`.
pub fn run(instance: Instance, shared: Shared) {
    let interval = instance.interval;
    {
        let mut snap = lock(&shared);
        snap.name = instance.name.clone();
        snap.interval = interval;
        snap.heartbeat = Some(Instant::now());
    }
    let client = match instance.connect() {
        Ok(client) => client,
        Err(error) => {
            eprintln!("msr-lens exporter: {error}");
            let mut snap = lock(&shared);
            snap.errors = vec![("config", "config".to_string())];
            return;
        }
    };
    let feed_on = instance.feed;
    let cluster_asked = instance.client.credentials.is_some();
    lock(&shared).feed_on = feed_on;
    let config = PagerConfig {
        page_size: FEED_PAGE_SIZE,
        poll_interval_ms: i64::try_from(interval.as_millis()).unwrap_or(i64::MAX),
        ..PagerConfig::default()
    };
    let mut stream = client.changefeed(Feed::Global, Mode::Follow(FollowFrom::Start), config);
    let mut next = Instant::now();
    loop {
        let started = Instant::now();
        let report = client.health();
        {
            let mut snap = lock(&shared);
            apply_report(&mut snap, &report, started.elapsed(), cluster_asked);
            snap.heartbeat = Some(Instant::now());
        }
        next += interval;
        if next < Instant::now() {
            next = Instant::now() + interval;
        }
        if feed_on {
            // A feed halted on an error that needs a person (credentials refused, no
            // access, a vanished cursor) is retried once per interval.
            if matches!(
                stream.session().pager().progress().status,
                Status::Halted { .. }
            ) {
                stream.session().pager_mut().retry_now();
            }
            while let Some(event) = stream.next_event_until(Some(next)) {
                let mut snap = lock(&shared);
                snap.heartbeat = Some(Instant::now());
                match event {
                    Event::Records { records, .. } => {
                        apply_records(&mut snap, &records);
                        snap.errors.retain(|(source, _)| *source != "feed");
                    }
                    Event::CaughtUp => {
                        snap.feed_caught_up = true;
                        snap.errors.retain(|(source, _)| *source != "feed");
                    }
                    Event::Error { error, .. } => feed_error(&mut snap, error.kind_str().into()),
                    Event::NoAccess { .. } => feed_error(&mut snap, "noAccess".into()),
                    Event::CursorVanished { .. } => {
                        feed_error(&mut snap, "cursorVanished".into());
                    }
                    Event::Reset => {
                        snap.records_by_category.clear();
                        snap.records_by_namespace.clear();
                        snap.last_deletion = None;
                        snap.feed_caught_up = false;
                    }
                    _ => {}
                }
            }
        }
        let left = next.saturating_duration_since(Instant::now());
        if !left.is_zero() {
            std::thread::sleep(left);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces() {
        assert_eq!(namespace("msr.example.org/library/nginx"), "library");
        assert_eq!(namespace("msr.example.org:8443/a/b/c"), "a");
        assert_eq!(namespace("host/repo"), "repo");
        assert_eq!(namespace("odd"), "odd");
    }

    #[test]
    fn error_kinds_of_reasons() {
        assert_eq!(
            health_error_kind("clusterNotSignedIn"),
            Some("unauthenticated")
        );
        assert_eq!(health_error_kind("gcRunning"), None);
    }
}
