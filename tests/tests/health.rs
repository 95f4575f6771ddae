//! Health against the running stand-in: the healthy cluster, each replica fault, staleness,
//! GC, current issues, the three account types on `cluster_status`, and nginx counters.

use msr_lens_core::health::{
    ClusterStatusError, PingVerdict, ReasonCode, ReplicaCondition, Verdict,
};
use msr_lens_tests::{Secret, Stack};
use serde_json::json;

#[test]
fn a_healthy_cluster_is_healthy_everywhere() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let report = stack.client(Some(("admin", Secret::Token))).health();
    assert_eq!(report.verdict, Verdict::Healthy, "{:#?}", report.reasons);
    assert_eq!(report.pings.len(), 3);
    assert!(
        report
            .pings
            .iter()
            .all(|p| p.verdict == PingVerdict::Healthy)
    );
    assert_eq!(report.replicas.len(), 3);
    assert!(
        report.replicas.iter().all(|r| r.is_ok()),
        "{:#?}",
        report.replicas
    );
    assert!(!report.gc_running);
    assert!(report.issues.is_empty());
    let nginx = report.nginx.expect("nginx status");
    assert!(nginx.requests >= nginx.accepts && nginx.accepts >= 1);
    // The replica ids in the report are the stand-in's.
    let state = stack.admin_get("/state");
    let mut ids: Vec<&str> = state["replica_ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    ids.sort();
    let mut seen: Vec<&str> = report.replicas.iter().map(|r| r.id.as_str()).collect();
    seen.sort();
    assert_eq!(ids, seen);
}

#[test]
fn an_unhealthy_replica_degrades_the_cluster_and_names_the_reason() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let reason = "Rethinkdb has issues: [table dtr2.tags is not ready]";
    stack.admin_post("/scenario", &json!({"replicas": {"1": {"health": reason}}}));
    let report = stack.client(Some(("admin", Secret::Password))).health();
    assert_eq!(report.verdict, Verdict::Degraded, "{:#?}", report.reasons);
    assert_eq!(
        report.pings[1].verdict,
        PingVerdict::Unhealthy {
            reason: reason.to_string()
        }
    );
    assert!(report.pings[0].verdict.is_healthy() && report.pings[2].verdict.is_healthy());
    let unhealthy: Vec<_> = report
        .replicas
        .iter()
        .filter_map(|r| r.unhealthy_reason())
        .collect();
    assert_eq!(unhealthy, [reason]);
}

#[test]
fn all_replicas_unhealthy_is_down() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post(
        "/scenario",
        &json!({"replicas": {"0": {"healthy": false}, "1": {"healthy": false}, "2": {"healthy": false}}}),
    );
    let report = stack.client(None).health();
    assert_eq!(report.verdict, Verdict::Down, "{:#?}", report.reasons);
    assert!(report.pings.iter().all(|p| p.verdict.is_unhealthy()));
}

#[test]
fn stale_and_read_only_replicas_are_reported_with_their_age() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post(
        "/scenario",
        &json!({"replicas": {"0": {"stale_secs": 900}, "2": {"readonly": true}}}),
    );
    let report = stack.client(Some(("admin", Secret::Token))).health();
    assert_eq!(report.verdict, Verdict::Degraded, "{:#?}", report.reasons);
    let ids: Vec<String> = stack.admin_get("/state")["replica_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let by_id = |id: &str| report.replicas.iter().find(|r| r.id == id).unwrap();
    let stale = by_id(&ids[0]);
    assert!(stale.is_stale());
    let age = stale
        .conditions
        .iter()
        .find_map(|c| match c {
            ReplicaCondition::Stale { age_secs, .. } => Some(*age_secs),
            _ => None,
        })
        .unwrap();
    assert!((890..=1000).contains(&age), "age {age}");
    assert!(by_id(&ids[2]).is_read_only());
    assert!(!by_id(&ids[1]).is_stale() && !by_id(&ids[1]).is_read_only());
}

#[test]
fn gc_and_current_issues_show_with_their_criticality() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post(
        "/scenario",
        &json!({
            "gc_running": true,
            "current_issues": [
                {"critical": true, "description": "Table dtr2.manifests has no primary", "type": "table_availability"},
                {"critical": false, "description": "Server dtr_rethinkdb_x is slow", "type": "log_write_error"}
            ]
        }),
    );
    let report = stack.client(Some(("admin", Secret::Token))).health();
    assert!(report.gc_running);
    assert_eq!(report.issues.len(), 2);
    assert_eq!(report.issues.iter().filter(|i| i.critical).count(), 1);
    assert_eq!(report.verdict, Verdict::Degraded);
    assert!(report.reasons_with(ReasonCode::CriticalIssue).count() >= 1);
}

#[test]
fn cluster_status_answers_each_account_type_as_msr_does() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let admin = stack
        .client(Some(("admin", Secret::Password)))
        .cluster_status();
    assert_eq!(
        admin
            .expect("admin sees cluster status")
            .replica_ids()
            .len(),
        3
    );
    let admin_token = stack
        .client(Some(("admin", Secret::Token)))
        .cluster_status();
    assert!(admin_token.is_ok());

    match stack
        .client(Some(("dev", Secret::Password)))
        .cluster_status()
    {
        Err(msr_lens_transport::native::ClientError::ClusterStatus(
            ClusterStatusError::NotAdmin(e),
        )) => {
            assert_eq!(e.status, 403);
            assert!(e.is_code("NOT_AUTHORIZED"));
        }
        other => panic!("dev: {other:?}"),
    }
    for user in [Some(("admin", Secret::Wrong)), None] {
        match stack.client(user).cluster_status() {
            Err(msr_lens_transport::native::ClientError::ClusterStatus(
                ClusterStatusError::NotAuthenticated(e),
            )) => {
                assert_eq!(e.status, 401);
                assert!(e.is_code("NOT_AUTHENTICATED"));
            }
            other => panic!("{user:?}: {other:?}"),
        }
    }
}

#[test]
fn a_failing_status_check_is_reported_not_mistaken_for_no_access() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    stack.admin_post(
        "/scenario",
        &json!({"status_check_failure": "rethinkdb: connection refused"}),
    );
    match stack
        .client(Some(("admin", Secret::Token)))
        .cluster_status()
    {
        Err(msr_lens_transport::native::ClientError::ClusterStatus(
            ClusterStatusError::CheckFailed(e),
        )) => assert_eq!(e.status, 503),
        other => panic!("{other:?}"),
    }
}

#[test]
fn nginx_rates_move_when_load_is_applied() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let client = stack.client(None);
    let first = client.health();
    let before = first.nginx.expect("nginx").requests;
    // Load: 40 pings through nginx.
    for _ in 0..40 {
        let request = msr_lens_core::health::ping_request(&stack.origin);
        client.execute(request).expect("ping");
    }
    let second = client.health();
    let after = second.nginx.expect("nginx").requests;
    assert!(after >= before + 40, "{before} -> {after}");
    let rates = second.nginx_rates.expect("rates between two samples");
    assert!(rates.requests_per_sec > 0.0);
    assert!(!rates.reset);
}
