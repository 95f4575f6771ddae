//! Late changefeed records against real parts: a private PostgreSQL 15 with notary's
//! schema and the real notary-server on it (SQL storage) for ids committed out of order,
//! and msr-sim's RethinkDB mode for a record written by a replica with a slow clock.
//! Skipped, with the reason printed, when PostgreSQL 15 or notary-server is missing.

use std::path::Path;
use std::time::Duration;

use http::StatusCode;
use serde_json::{Value, json};

use super::notary::{NOTARY, start_notary_with};
use super::pg::Postgres;
use super::*;

const GUN_A: &str = "127.0.0.1:8443/library/late";
const GUN_B: &str = "127.0.0.1:8443/library/early";

/// `(ID, GUN, Version)` of a changefeed page.
fn page(r: &Resp) -> Vec<(String, String, i64)> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|rec| {
            (
                rec["ID"].as_str().unwrap_or_default().to_owned(),
                rec["GUN"].as_str().unwrap_or_default().to_owned(),
                rec["Version"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

fn ids(records: &[(String, String, i64)]) -> Vec<&str> {
    records.iter().map(|r| r.0.as_str()).collect()
}

async fn feed(sim: &Sim, bearer: &str, change_id: &str) -> Vec<(String, String, i64)> {
    page(
        &sim.get(
            &format!("/v2/_trust/changefeed?change_id={change_id}&records=100"),
            &[("authorization", bearer)],
        )
        .await,
    )
}

async fn admin_bearer(sim: &Sim) -> String {
    let jwt = sim
        .jwt(Some(("admin", "admin-password")), &["registry:catalog:*"])
        .await;
    format!("Bearer {jwt}")
}

#[tokio::test]
async fn postgres_ids_commit_out_of_order_and_notary_serves_the_late_one_behind_the_cursor() {
    if !Path::new(NOTARY).exists() {
        eprintln!("skipped: {NOTARY} is not installed (apt-get install notary)");
        return;
    }
    let Some(pg) = Postgres::start("ooo").await.expect("postgres starts") else {
        eprintln!("skipped: PostgreSQL 15 is not installed (apt-get install postgresql-15)");
        return;
    };
    let mut cfg = config("ec");
    let notary = start_notary_with(
        &cfg.token_cert,
        json!({"backend": "postgres", "db_url": pg.notary_db_url()}),
    )
    .await
    .expect("notary-server starts on PostgreSQL");
    cfg.notary_upstream = Some(notary.url.clone());
    cfg.postgres_url = Some(pg.url());
    let sim = start(cfg).await;
    let bearer = admin_bearer(&sim).await;
    assert!(feed(&sim, &bearer, "0").await.is_empty());

    // Transaction A holds N, B commits N+1 (and N+2).
    let r = sim
        .admin_post(
            "/late/begin",
            json!({
                "held": {"gun": GUN_A, "version": 1},
                "committed": [{"gun": GUN_B, "version": 1}, {"gun": GUN_B, "version": 2}],
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let begun = r.json();
    let handle = begun["handle"].as_str().unwrap().to_owned();
    let held = begun["held"]["id"].as_str().unwrap().to_owned();
    let committed: Vec<String> = begun["committed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let n: i64 = held.parse().unwrap();
    assert_eq!(
        committed,
        vec![(n + 1).to_string(), (n + 2).to_string()],
        "A got its id first"
    );
    assert_eq!(begun["held"]["sha256"].as_str().unwrap().len(), 64);
    let open = sim.admin_get("/late").await.json();
    assert_eq!(open["open"][0]["handle"], handle);

    // notary-server (SQL storage) serves N+1 and N+2 while N is invisible; a follower
    // takes N+2 as its cursor.
    let before = feed(&sim, &bearer, "0").await;
    assert_eq!(
        ids(&before),
        vec![committed[0].as_str(), committed[1].as_str()]
    );
    let cursor = committed[1].clone();
    assert!(feed(&sim, &bearer, &cursor).await.is_empty());

    let r = sim
        .admin_post("/late/commit", json!({"handle": handle}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["record"]["id"], held.as_str());

    // Now N is served, in id order before N+1 — and a forward poll from the cursor never
    // returns it: it is a late record.
    let after = feed(&sim, &bearer, "0").await;
    assert_eq!(
        after,
        vec![
            (held.clone(), GUN_A.to_owned(), 1),
            (committed[0].clone(), GUN_B.to_owned(), 1),
            (committed[1].clone(), GUN_B.to_owned(), 2),
        ]
    );
    assert!(feed(&sim, &bearer, &cursor).await.is_empty());
    let truth = sim.admin_get("/truth/changefeed").await.json();
    assert_eq!(truth["count"], 3);
    assert_eq!(
        sim.admin_post("/late/commit", json!({"handle": handle}))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a handle commits once"
    );

    // Rolled back: the id is burnt, the record never appears.
    let r = sim
        .admin_post("/late/begin", json!({"held": {"gun": GUN_A, "version": 2}}))
        .await;
    let handle = r.json()["handle"].as_str().unwrap().to_owned();
    let r = sim
        .admin_post("/late/rollback", json!({"handle": handle}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(feed(&sim, &bearer, "0").await.len(), 3);

    // hold_ms: committed by msr-sim itself; wait for it to become visible.
    let r = sim
        .admin_post(
            "/late/begin",
            json!({"held": {"gun": GUN_A, "category": "deletion"}, "hold_ms": 300}),
        )
        .await;
    let late_id = r.json()["held"]["id"].as_str().unwrap().to_owned();
    let mut seen = false;
    for _ in 0..200 {
        if ids(&feed(&sim, &bearer, "0").await).contains(&late_id.as_str()) {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen, "hold_ms commits the held record");
    let deletion = feed(&sim, &bearer, "0").await;
    assert_eq!(deletion.last(), Some(&(late_id, GUN_A.to_owned(), 0)));

    // /reset rolls back whatever is still open.
    sim.admin_post("/late/begin", json!({"held": {"gun": GUN_A, "version": 3}}))
        .await;
    let r = sim.admin_post("/reset", json!({})).await;
    assert_eq!(r.json()["late_rolled_back"], 1);
    assert_eq!(sim.admin_get("/late").await.json()["open"], json!([]));

    // Bad requests change nothing.
    for bad in [
        json!({"held": {"gun": GUN_A}}),
        json!({"held": {"gun": GUN_A, "version": 1, "sha256": "nothex"}}),
        json!({"held": {"gun": GUN_A, "version": 1}, "extra": 1}),
    ] {
        let r = sim.admin_post("/late/begin", bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
    }
    assert_eq!(feed(&sim, &bearer, "0").await.len(), 4);
    drop(notary);
}

#[tokio::test]
async fn rethink_mode_hides_a_slow_clocks_record_behind_a_passed_cursor() {
    let Some(pg) = Postgres::start("skew").await.expect("postgres starts") else {
        eprintln!("skipped: PostgreSQL 15 is not installed (apt-get install postgresql-15)");
        return;
    };
    let mut cfg = config("ec");
    cfg.postgres_url = Some(pg.url());
    let sim = start(cfg).await;
    let r = sim
        .admin_post("/rethink", json!({"enabled": true, "blackout_secs": 0}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let bearer = admin_bearer(&sim).await;

    let mut made = Vec::new();
    for version in 1..=3 {
        let r = sim
            .admin_post(
                "/late/skewed",
                json!({"gun": GUN_B, "version": version, "skew_secs": 0}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        made.push(r.json());
    }
    let first = feed(&sim, &bearer, "0").await;
    let uuids: Vec<&str> = made.iter().map(|m| m["uuid"].as_str().unwrap()).collect();
    assert_eq!(ids(&first), uuids);
    let cursor = uuids[2].to_owned();

    // A replica whose clock is two minutes slow writes the newest record (highest SQL id)
    // with an old created_at.
    let r = sim
        .admin_post(
            "/late/skewed",
            json!({"gun": GUN_A, "version": 7, "skew_secs": 120}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let skewed: Value = r.json();
    let skewed_uuid = skewed["uuid"].as_str().unwrap().to_owned();
    let skewed_id: i64 = skewed["id"].as_str().unwrap().parse().unwrap();
    let newest_id: i64 = made[2]["id"].as_str().unwrap().parse().unwrap();
    assert!(skewed_id > newest_id);

    // Keyset paging from the cursor does not return it; a full read has it first.
    assert!(feed(&sim, &bearer, &cursor).await.is_empty());
    let all = feed(&sim, &bearer, "0").await;
    assert_eq!(all.len(), 4);
    assert_eq!(all[0], (skewed_uuid, GUN_A.to_owned(), 7));
    let truth = sim.admin_get("/truth/changefeed").await.json();
    assert_eq!(truth["records"][3]["id"], skewed["id"]);

    // With the real 60 s blackout a 30 s-slow record stays hidden, a 120 s-slow one shows.
    sim.admin_post("/rethink", json!({"enabled": true, "blackout_secs": 60}))
        .await;
    let hidden = sim
        .admin_post(
            "/late/skewed",
            json!({"gun": GUN_A, "version": 8, "skew_secs": 30}),
        )
        .await
        .json();
    let visible = feed(&sim, &bearer, "0").await;
    assert!(!ids(&visible).contains(&hidden["uuid"].as_str().unwrap()));
    assert!(ids(&visible).contains(&all[0].0.as_str()));

    let r = sim
        .admin_post(
            "/late/skewed",
            json!({"gun": GUN_A, "version": 1, "skew_secs": -1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn late_records_without_a_database_say_so() {
    let sim = start_default().await;
    let r = sim
        .admin_post("/late/begin", json!({"held": {"gun": GUN_A, "version": 1}}))
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.json()["error"].as_str().unwrap().contains("postgres_url"));
    let r = sim
        .admin_post("/late/commit", json!({"handle": "late-9"}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
