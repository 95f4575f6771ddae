//! The other admin endpoints (settings, workers, jobs, crons, metrics) and their scenario
//! switches, over HTTP like a client sees them.

use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::*;

const ROUTES: [&str; 5] = [
    "/api/v0/meta/settings",
    "/api/v0/workers",
    "/api/v0/jobs?action=any&worker=any&running=any&start=0&limit=5",
    "/api/v0/crons",
    "/api/v0/admin/metrics",
];

fn admin() -> String {
    basic("admin", "admin-token-1234")
}

async fn get_json(sim: &Sim, path: &str) -> Value {
    let auth = admin();
    let r = sim.get(path, &[("authorization", &auth)]).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
    r.json()
}

fn time_of(v: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(v.as_str().unwrap_or_default(), &Rfc3339)
        .unwrap_or_else(|e| panic!("{v} is not RFC 3339: {e}"))
}

#[tokio::test]
async fn every_route_wants_an_admin_like_cluster_status() {
    let sim = start_default().await;
    let bare = json!({"code":"NOT_AUTHENTICATED","message":"The client is not authenticated."});
    let wrong = basic("admin", "wrong");
    let dev = basic("dev", "dev-password");
    for route in ROUTES {
        for headers in [vec![], vec![("authorization", wrong.as_str())]] {
            let r = sim.get(route, &headers).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{route}");
            assert_eq!(r.json(), bare, "{route}");
        }
        let r = sim.get(route, &[("authorization", &dev)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{route}");
        assert_eq!(r.json()["errors"][0]["code"], "NOT_AUTHORIZED", "{route}");
        let auth = basic("admin", "admin-password");
        assert_eq!(
            sim.get(route, &[("authorization", &auth)]).await.status,
            StatusCode::OK,
            "{route} with the password"
        );
    }
}

#[tokio::test]
async fn settings_list_every_replica_and_name_the_answering_one() {
    let mut cfg = config("ec");
    cfg.replica_endpoints = (0..3)
        .map(|i| msr_lens_sim::config::ReplicaEndpoint {
            node: "127.0.0.1".into(),
            http_port: 9447 + i,
            https_port: 9444 + i,
        })
        .collect();
    let sim = start(cfg).await;
    let ids = sim.replica_ids();
    let v = get_json(&sim, "/api/v0/meta/settings").await;
    assert_eq!(v["dtrHost"], REGISTRY_HOST);
    assert_eq!(
        v["replicaID"],
        ids[0].as_str(),
        "replica 0 behind the balancer"
    );
    let replicas = v["replicaSettings"].as_object().unwrap();
    assert_eq!(replicas.len(), 3);
    for (i, id) in ids.iter().enumerate() {
        let i = u16::try_from(i).unwrap();
        assert_eq!(
            replicas[id],
            json!({"HTTPPort": 9447 + i, "HTTPSPort": 9444 + i, "node": "127.0.0.1"})
        );
    }
    for key in ["readOnlyRegistry", "scanningEnabled"] {
        assert!(v[key].is_boolean(), "{key}");
    }
    assert!(v["logLevel"].is_string() && v["jobHistoryToKeep"].is_number());
    // Through a replica's own origin, that replica answers.
    let auth = admin();
    let r = sim
        .get(
            "/api/v0/meta/settings",
            &[("authorization", &auth), ("x-msr-sim-replica", "2")],
        )
        .await;
    assert_eq!(r.json()["replicaID"], ids[2].as_str());
    // Without configured endpoints: MSR's defaults, one node per replica.
    let plain = start_default().await;
    let v = get_json(&plain, "/api/v0/meta/settings").await;
    let first = &v["replicaSettings"][plain.replica_ids()[0].as_str()];
    assert_eq!(
        *first,
        json!({"HTTPPort": 80, "HTTPSPort": 443, "node": "10.0.0.2"})
    );
}

#[tokio::test]
async fn workers_follow_the_dead_and_expired_switches() {
    let sim = start_default().await;
    let ids = sim.replica_ids();
    let now = OffsetDateTime::now_utc();
    let v = get_json(&sim, "/api/v0/workers").await;
    let workers = v["workers"].as_array().expect("wrapped like DTR's docs");
    assert_eq!(workers.len(), 3);
    for (w, id) in workers.iter().zip(&ids) {
        assert_eq!(w["id"], id.as_str());
        assert_eq!(w["status"], "running");
        assert!(time_of(&w["heartbeatExpiration"]) > now - Duration::from_secs(1));
        assert!(w["capacityMap"]["scan"].is_number());
    }

    sim.scenario(json!({"workers": {"1": {"status": "dead"}, (ids[2].clone()): {"heartbeat_expired_secs": 300}}}))
        .await;
    let v = get_json(&sim, "/api/v0/workers").await;
    assert_eq!(v["workers"][0]["status"], "running");
    assert_eq!(v["workers"][1]["status"], "dead");
    assert!(time_of(&v["workers"][1]["heartbeatExpiration"]) < OffsetDateTime::now_utc());
    assert_eq!(v["workers"][2]["status"], "running");
    let expired = time_of(&v["workers"][2]["heartbeatExpiration"]);
    assert!(expired < OffsetDateTime::now_utc() - Duration::from_secs(290));
    // The dead worker's running job became worker_dead.
    let jobs = get_json(&sim, &format!("/api/v0/jobs?worker={}&limit=1000", ids[1])).await;
    assert!(
        jobs["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["status"] == "worker_dead")
    );

    sim.scenario(json!({"admin_lists": "bare"})).await;
    let bare = get_json(&sim, "/api/v0/workers").await;
    assert_eq!(bare.as_array().map(Vec::len), Some(3), "a bare array");
    assert!(get_json(&sim, "/api/v0/crons").await.is_array());
    assert!(get_json(&sim, "/api/v0/jobs").await["jobs"].is_array());

    let r = sim.admin_post("/reset", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = get_json(&sim, "/api/v0/workers").await;
    assert!(
        v["workers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["status"] == "running")
    );
}

#[tokio::test]
async fn jobs_use_the_real_vocabulary_filters_and_paging() {
    let sim = start_default().await;
    let statuses = [
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
    let all = get_json(&sim, "/api/v0/jobs?limit=10000").await["jobs"]
        .as_array()
        .cloned()
        .unwrap();
    assert!(all.len() > 100);
    let mut last = OffsetDateTime::now_utc() + Duration::from_secs(1);
    for j in &all {
        for key in [
            "id",
            "retryFromID",
            "workerID",
            "action",
            "status",
            "scheduledAt",
            "lastUpdated",
        ] {
            assert!(j[key].is_string(), "{key} in {j}");
        }
        assert!(j["retriesLeft"].is_number() && j["retriesTotal"].is_number());
        assert!(statuses.contains(&j["status"].as_str().unwrap()), "{j}");
        let at = time_of(&j["scheduledAt"]);
        assert!(at <= last, "newest first");
        last = at;
    }
    assert!(
        all.iter()
            .all(|j| j["status"] != "error" && j["status"] != "waiting")
    );
    // Default page, paging, filters.
    assert_eq!(
        get_json(&sim, "/api/v0/jobs").await["jobs"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    let job_ids = |v: &Value| -> Vec<String> {
        v["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // A new periodic job may be scheduled between two reads: read until one page lies
    // between two identical full lists.
    let mut paged = false;
    for _ in 0..5 {
        let before = job_ids(&get_json(&sim, "/api/v0/jobs?limit=10000").await);
        let page = job_ids(&get_json(&sim, "/api/v0/jobs?start=3&limit=4").await);
        let after = job_ids(&get_json(&sim, "/api/v0/jobs?limit=10000").await);
        if before == after {
            assert_eq!(page, before[3..7].to_vec());
            paged = true;
            break;
        }
    }
    assert!(paged, "the job list kept changing");
    let webhooks = get_json(&sim, "/api/v0/jobs?action=webhook&limit=10000").await;
    assert!(
        webhooks["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["action"] == "webhook")
    );
    let worker = all[0]["workerID"].as_str().unwrap().to_owned();
    let mine = get_json(&sim, &format!("/api/v0/jobs?worker={worker}&limit=10000")).await;
    assert!(
        mine["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["workerID"] == worker.as_str())
    );
    let idle = get_json(&sim, "/api/v0/jobs?running=false&limit=10000").await;
    assert!(
        idle["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["status"] != "running")
    );
    let auth = admin();
    for bad in ["running=maybe", "limit=0", "start=x"] {
        let r = sim
            .get(&format!("/api/v0/jobs?{bad}"), &[("authorization", &auth)])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["errors"][0]["code"], "INVALID_PARAMETERS");
    }

    // Failing jobs in the recent window, and an old waiting job.
    sim.scenario(json!({"jobs_failing": true, "waiting_job_age_secs": 5400}))
        .await;
    let recent = OffsetDateTime::now_utc() - Duration::from_secs(15 * 60);
    let jobs = get_json(&sim, "/api/v0/jobs?limit=10000").await["jobs"]
        .as_array()
        .cloned()
        .unwrap();
    let in_window: Vec<&Value> = jobs
        .iter()
        .filter(|j| time_of(&j["scheduledAt"]) >= recent)
        .collect();
    assert!(
        in_window.iter().any(|j| j["status"] == "error"),
        "an error job"
    );
    assert!(
        in_window.iter().any(|j| j["status"] == "worker_dead"),
        "a worker_dead job"
    );
    let waiting: Vec<&Value> = jobs.iter().filter(|j| j["status"] == "waiting").collect();
    assert_eq!(waiting.len(), 1);
    let age = OffsetDateTime::now_utc() - time_of(&waiting[0]["scheduledAt"]);
    assert!((5390..5410).contains(&age.whole_seconds()), "{age}");
    assert_eq!(waiting[0]["workerID"], "");
    sim.scenario(json!({"jobs_failing": false, "waiting_job_age_secs": null}))
        .await;
    let jobs = get_json(&sim, "/api/v0/jobs?limit=10000").await;
    assert!(
        jobs["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["status"] != "error" && j["status"] != "waiting")
    );
}

#[tokio::test]
async fn crons_have_a_next_run_in_the_future() {
    let sim = start_default().await;
    let v = get_json(&sim, "/api/v0/crons").await;
    let crons = v["crons"].as_array().unwrap();
    assert!(crons.len() >= 4);
    let now = OffsetDateTime::now_utc();
    for c in crons {
        assert!(c["id"].is_string() && c["action"].is_string());
        assert_eq!(c["schedule"].as_str().unwrap().split(' ').count(), 6, "{c}");
        let next = time_of(&c["nextRun"]);
        assert!(next > now - Duration::from_secs(1) && next <= now + Duration::from_secs(86_400));
    }
}

#[tokio::test]
async fn metrics_are_prometheus_text_on_3_1_and_absent_on_2_9() {
    let sim = start_default().await;
    let auth = admin();
    let r = sim
        .get("/api/v0/admin/metrics", &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text = r.text();
    for series in [
        "# TYPE msr_repositories gauge",
        "# TYPE msr_pulls_total counter",
        "# TYPE msr_pushes_total counter",
        "msr_pulls_total{namespace=\"library\"}",
        "msr_replicas_healthy 3",
    ] {
        assert!(text.contains(series), "{series} in\n{text}");
    }
    if std::path::Path::new("/usr/bin/promtool").exists() {
        use std::io::Write as _;
        let mut child = std::process::Command::new("/usr/bin/promtool")
            .args(["check", "metrics"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(r.body.as_ref())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "promtool check metrics: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    sim.scenario(json!({"replicas": {"1": {"healthy": false}}}))
        .await;
    let text = sim
        .get("/api/v0/admin/metrics", &[("authorization", &auth)])
        .await
        .text();
    assert!(text.contains("msr_replicas_healthy 2"), "{text}");

    sim.scenario(json!({"msr_version": "2.9"})).await;
    for headers in [vec![("authorization", auth.as_str())], vec![]] {
        let r = sim.get("/api/v0/admin/metrics", &headers).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.text(), "404 page not found\n");
    }
    let r = sim
        .admin_post("/scenario", json!({"msr_version": "4.0"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    sim.admin_post("/reset", json!({})).await;
    assert_eq!(
        sim.get("/api/v0/admin/metrics", &[("authorization", &auth)])
            .await
            .status,
        StatusCode::OK
    );
}
