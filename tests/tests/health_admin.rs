//! Health beyond the pings against the running stand-in (issue 15): replicas discovered
//! from MSR's settings are pinged (seen in msr-sim's request log), a dead worker, failing
//! jobs and MSR 2.9's missing metrics each give their reason, and a non-admin gets today's
//! check with a plain note. Also: coverage and the never-green-when-half-blind verdicts.

use msr_lens_core::health::{ClusterStatusMissing, Discovery, ReasonCode, Severity, Verdict};
use msr_lens_tests::{Secret, Stack};
use msr_lens_transport::native::MsrClient;
use serde_json::{Value, json};

/// A client for `user` without configured replicas (so discovery decides what is pinged).
fn unconfigured(stack: &Stack, user: Option<(&str, Secret)>, discovery: Discovery) -> MsrClient {
    let mut config = stack.config(user);
    config.replicas.clear();
    config.discovery = discovery;
    MsrClient::new(config).expect("client")
}

/// The replica (msr-sim's `X-Msr-Sim-Replica`) of every `/_ping` in the request log.
fn pinged_replicas(requests: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = requests
        .iter()
        .filter(|r| r["path"] == "/_ping")
        .filter_map(|r| r["replica"].as_str().map(str::to_string))
        .collect();
    out.sort();
    out
}

fn replica_ids(stack: &Stack) -> Vec<String> {
    stack.admin_get("/state")["replica_ids"]
        .as_array()
        .expect("replica ids")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn an_admin_check_pings_every_replica_the_settings_list() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.take_requests();
    let report = unconfigured(&stack, Some(("admin", Secret::Token)), Discovery::Ping).health();
    assert_eq!(report.verdict, Verdict::Healthy, "{:#?}", report.reasons);
    let ids = replica_ids(&stack);
    let discovery = report.discovery.as_ref().expect("settings read");
    let listed: Vec<&str> = discovery.replicas.iter().map(|r| r.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(listed, sorted);
    assert!(discovery.replicas.iter().all(|r| r.pinged));
    // The pings reached each replica's own port (the stand-in tags them with its index).
    let pinged = pinged_replicas(&stack.take_requests());
    assert_eq!(pinged, ["0", "1", "2"], "request log");
    // One ping per discovered replica plus the load balancer's.
    assert_eq!(report.pings.len(), 4);
    for id in &ids {
        let ping = report
            .pings
            .iter()
            .find(|p| &p.label == id)
            .expect("ping of a discovered replica");
        assert!(ping.verdict.is_healthy());
    }
    assert!(report.coverage.settings && report.coverage.job_runner && report.coverage.metrics);
    let jobs = report.job_runner.as_ref().expect("job runner read");
    assert_eq!(jobs.workers.len(), 3);
    assert!(jobs.failed_recently.is_empty());
    assert!(!jobs.next_crons.is_empty());
    let metrics = report.metrics.as_ref().expect("metrics read");
    assert!(metrics.repositories.unwrap_or(0.0) > 0.0);
    assert!(metrics.pulls_total.unwrap_or(0.0) > 0.0);

    // "list": the replicas are in the report, nothing more is pinged.
    let report = unconfigured(&stack, Some(("admin", Secret::Token)), Discovery::List).health();
    assert_eq!(report.discovery.expect("settings read").replicas.len(), 3);
    let pinged = pinged_replicas(&stack.take_requests());
    assert!(
        pinged.len() <= 1,
        "only the load balancer's ping: {pinged:?}"
    );
}

#[test]
fn configured_replicas_override_discovery() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.take_requests();
    let mut config = stack.config(Some(("admin", Secret::Token)));
    config.replicas.truncate(1);
    let report = MsrClient::new(config).expect("client").health();
    assert_eq!(report.pings.len(), 1);
    let discovery = report.discovery.expect("settings still read");
    assert!(discovery.replicas.iter().all(|r| !r.pinged));
    assert_eq!(pinged_replicas(&stack.take_requests()), ["0"]);
}

#[test]
fn a_non_admin_keeps_todays_check_with_a_plain_note() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.take_requests();
    let report = unconfigured(&stack, Some(("dev", Secret::Token)), Discovery::Ping).health();
    assert_eq!(report.verdict, Verdict::Reachable, "{:#?}", report.reasons);
    assert_eq!(
        report.coverage.cluster_status_missing,
        Some(ClusterStatusMissing::NotAdmin)
    );
    let note = report
        .reasons_with(ReasonCode::ReplicasNotDiscovered)
        .next()
        .expect("the plain note");
    assert_eq!(note.severity, Severity::Info);
    assert!(note.message.contains("admins only"), "{}", note.message);
    assert!(report.discovery.is_none() && report.job_runner.is_none() && report.metrics.is_none());
    // Nothing more was asked of MSR for a non-admin: no job runner, no metrics.
    let paths: Vec<String> = stack
        .take_requests()
        .iter()
        .filter_map(|r| r["path"].as_str().map(str::to_string))
        .collect();
    assert!(
        paths.iter().all(|p| !p.starts_with("/api/v0/workers")
            && !p.starts_with("/api/v0/jobs")
            && !p.starts_with("/api/v0/admin/metrics")),
        "{paths:?}"
    );
}

#[test]
fn a_wrong_password_is_unknown_and_anonymous_is_reachable() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let report = stack.client(Some(("admin", Secret::Wrong))).health();
    assert_eq!(report.verdict, Verdict::Unknown, "{:#?}", report.reasons);
    assert_eq!(report.reasons[0].code, ReasonCode::SignInFailed);
    let report = stack.client(None).health();
    assert_eq!(report.verdict, Verdict::Reachable, "{:#?}", report.reasons);
    assert_eq!(report.coverage.summary, "pings + nginx");
}

#[test]
fn a_dead_worker_failing_jobs_and_missing_metrics_each_give_their_reason() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let admin = || stack.client(Some(("admin", Secret::Token)));

    stack.admin_post("/scenario", &json!({"workers": {"1": {"status": "dead"}}}));
    let report = admin().health();
    assert_eq!(report.verdict, Verdict::Degraded, "{:#?}", report.reasons);
    let dead = report
        .reasons_with(ReasonCode::WorkerDead)
        .next()
        .expect("dead worker");
    assert_eq!(
        dead.subject.as_deref(),
        Some(replica_ids(&stack)[1].as_str())
    );

    stack.admin_post("/reset", &json!({}));
    stack.admin_post(
        "/scenario",
        &json!({"workers": {"2": {"heartbeat_expired_secs": 600}}, "admin_lists": "bare"}),
    );
    let report = admin().health();
    assert_eq!(report.verdict, Verdict::Degraded, "{:#?}", report.reasons);
    let expired = report
        .reasons_with(ReasonCode::WorkerHeartbeatExpired)
        .next()
        .expect("expired heartbeat (bare lists read too)");
    assert!(
        expired.message.contains("10 min ago"),
        "{}",
        expired.message
    );

    stack.admin_post("/reset", &json!({}));
    stack.admin_post("/scenario", &json!({"jobs_failing": true}));
    let report = admin().health();
    assert_eq!(report.verdict, Verdict::Degraded, "{:#?}", report.reasons);
    let failing = report
        .reasons_with(ReasonCode::JobsFailing)
        .next()
        .expect("failing jobs");
    assert!(
        failing.message.contains("scan_check (error)"),
        "{}",
        failing.message
    );
    assert!(!report.job_runner.expect("read").failed_recently.is_empty());

    stack.admin_post("/reset", &json!({}));
    stack.admin_post("/scenario", &json!({"waiting_job_age_secs": 3600}));
    let report = admin().health();
    let waiting = report
        .reasons_with(ReasonCode::JobWaiting)
        .next()
        .expect("waiting job");
    assert_eq!(waiting.severity, Severity::Degraded);
    assert!(waiting.message.contains("60 min"), "{}", waiting.message);

    stack.admin_post("/reset", &json!({}));
    stack.admin_post("/scenario", &json!({"msr_version": "2.9"}));
    let report = admin().health();
    assert_eq!(report.verdict, Verdict::Healthy, "{:#?}", report.reasons);
    let note = report
        .reasons_with(ReasonCode::MetricsNotAvailable)
        .next()
        .expect("metrics absent");
    assert_eq!(note.severity, Severity::Info);
    assert!(note.message.contains("MSR 2.9"), "{}", note.message);
    assert!(report.metrics.is_none() && !report.coverage.metrics);
}
