//! `/_ping` per replica and `/api/v0/meta/cluster_status` with the real bodies.

use http::StatusCode;
use serde_json::json;

use super::*;

const STATUS: &str = "/api/v0/meta/cluster_status";

#[tokio::test]
async fn cluster_status_refuses_anonymous_and_bad_credentials_with_the_bare_body() {
    let sim = start_default().await;
    let bare = json!({"code":"NOT_AUTHENTICATED","message":"The client is not authenticated."});
    let wrong = basic("admin", "wrong");
    let bearer = "Bearer abc.def.ghi";
    for headers in [
        vec![],
        vec![("authorization", wrong.as_str())],
        vec![("authorization", bearer)],
    ] {
        let r = sim.get(STATUS, &headers).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json(), bare);
    }
}

#[tokio::test]
async fn cluster_status_forbids_non_admins() {
    let sim = start_default().await;
    for (user, secret) in [("dev", "dev-password"), ("nobody", "nobody-password")] {
        let auth = basic(user, secret);
        let r = sim.get(STATUS, &[("authorization", &auth)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let body = r.json();
        let errors = body["errors"].as_array().expect("errors array");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0]["code"], "NOT_AUTHORIZED");
        assert_eq!(errors[0]["message"], "The client is not authorized.");
        assert!(errors[0]["detail"].is_string());
    }
}

#[tokio::test]
async fn cluster_status_for_admin_has_the_real_shape() {
    let sim = start_default().await;
    let ids = sim.replica_ids();
    assert_eq!(ids.len(), 3);
    for (user, secret) in [("admin", "admin-password"), ("admin", "admin-token-1234")] {
        let auth = basic(user, secret);
        let r = sim.get(STATUS, &[("authorization", &auth)]).await;
        assert_eq!(r.status, StatusCode::OK);
        let v = r.json();
        let tables = &v["rethink_system_tables"];
        for key in [
            "current_issues",
            "server_status",
            "table_status",
            "cluster_config",
            "db_config",
            "table_config",
            "stats",
        ] {
            assert!(tables[key].is_array(), "{key} is an array");
        }
        let names: Vec<&str> = tables["server_status"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["name"].as_str())
            .collect();
        let expected: Vec<String> = ids.iter().map(|id| format!("dtr_rethinkdb_{id}")).collect();
        assert_eq!(names, expected);
        for id in &ids {
            assert_eq!(id.len(), 12);
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
            assert_eq!(v["replica_health"][id], "OK");
            assert_eq!(v["replica_readonly"][id], false);
            let ts = v["replica_timestamp"][id].as_str().unwrap();
            assert!(
                time::OffsetDateTime::parse(ts, &time::format_description::well_known::Rfc3339)
                    .is_ok(),
                "{ts}"
            );
        }
        assert_eq!(v["gc_lock_holder"], "");
        assert!(
            tables["table_status"][0]["status"]["all_replicas_ready"]
                .as_bool()
                .unwrap()
        );
    }
    // Ids are stable within a run.
    let auth = basic("admin", "admin-password");
    let again = sim.get(STATUS, &[("authorization", &auth)]).await.json();
    assert_eq!(
        again["replica_health"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>(),
        {
            let mut sorted = ids.clone();
            sorted.sort();
            sorted
        }
    );
}

#[tokio::test]
async fn cluster_status_reflects_the_scenario() {
    let sim = start_default().await;
    let ids = sim.replica_ids();
    let payload = "<img src=x onerror=alert(1)>";
    sim.scenario(json!({
        "replicas": {
            "0": {"health": format!("Rethinkdb has issues: {payload}")},
            "1": {"stale_secs": 600, "readonly": true},
            (ids[2].clone()): {"timestamp_error": "Failed to get timestamp of replica x: context deadline exceeded"},
        },
        "gc_running": true,
        "current_issues": [{"critical": true, "description": format!("<script>alert('xss')</script>"), "type": "table_availability"}],
    }))
    .await;
    let auth = basic("admin", "admin-password");
    let before = time::OffsetDateTime::now_utc();
    let v = sim.get(STATUS, &[("authorization", &auth)]).await.json();
    assert_eq!(
        v["replica_health"][&ids[0]],
        format!("Rethinkdb has issues: {payload}")
    );
    assert_eq!(v["replica_health"][&ids[1]], "OK");
    assert_eq!(v["replica_readonly"][&ids[1]], true);
    let stale = v["replica_timestamp"][&ids[1]].as_str().unwrap();
    let stale =
        time::OffsetDateTime::parse(stale, &time::format_description::well_known::Rfc3339).unwrap();
    assert!(
        before - stale >= time::Duration::seconds(599),
        "stale by about 600 s"
    );
    assert_eq!(
        v["replica_timestamp"][&ids[2]],
        "Failed to get timestamp of replica x: context deadline exceeded"
    );
    assert_eq!(v["gc_lock_holder"], json!(ids[0]));
    let issues = v["rethink_system_tables"]["current_issues"]
        .as_array()
        .unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0]["critical"], true);
    assert_eq!(issues[0]["description"], "<script>alert('xss')</script>");
    assert!(issues[0]["id"].is_string() && issues[0]["info"].is_object());

    sim.scenario(json!({"status_check_failure": "rethinkdb: connection refused"}))
        .await;
    let r = sim.get(STATUS, &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["errors"][0]["code"], "STATUS_CHECK_FAILED");

    let r = sim.admin_post("/reset", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = sim.get(STATUS, &[("authorization", &auth)]).await.json();
    assert!(ids.iter().all(|id| v["replica_health"][id] == "OK"));
    assert_eq!(v["gc_lock_holder"], "");
}

#[tokio::test]
async fn ping_answers_per_replica() {
    let sim = start_default().await;
    sim.scenario(json!({"replicas": {"1": {"health": "Notary unhealthy: connection refused"}}}))
        .await;
    for (replica, healthy) in [("0", true), ("1", false), ("2", true)] {
        let r = sim.get("/_ping", &[("x-msr-sim-replica", replica)]).await;
        if healthy {
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(r.json(), json!({"Error":"","Healthy":true}));
        } else {
            assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(
                r.json(),
                json!({"Error":"Notary unhealthy: connection refused","Healthy":false})
            );
        }
    }
    // By replica id too, and ?cached=1 is accepted.
    let id1 = sim.replica_ids()[1].clone();
    let r = sim
        .get("/_ping?cached=1", &[("x-msr-sim-replica", &id1)])
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    // Unknown replica.
    let r = sim.get("/_ping", &[("x-msr-sim-replica", "9")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn ping_without_header_goes_to_the_first_replica_or_round_robin() {
    let sim = start_default().await;
    sim.scenario(json!({"replicas": {"0": {"healthy": false}}}))
        .await;
    for _ in 0..3 {
        assert_eq!(
            sim.get("/_ping", &[]).await.status,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
    sim.scenario(json!({"ping_balancing": "round_robin"})).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(sim.get("/_ping", &[]).await.status.as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 503).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        4,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn ca_and_not_harbor() {
    let sim = start_default().await;
    let r = sim.get("/ca", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(
        sim.get("/api/v2.0/ping", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        sim.get("/api/v2.0/health", &[]).await.status,
        StatusCode::NOT_FOUND
    );
}
