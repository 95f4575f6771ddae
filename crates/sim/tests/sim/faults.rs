//! Faults on the public port.

use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;

/// Send a raw request and read until the server closes; returns what arrived.
async fn raw_get(sim: &Sim, path: &str) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(sim.running.public_addr)
        .await
        .expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
        .await
        .expect("server closes the connection");
    out
}

#[tokio::test]
async fn status_faults_use_proxy_like_bodies() {
    let sim = start_default().await;
    sim.fault(json!({"kind":"status","status":500,"paths":["/_ping"],"count":1}))
        .await;
    let r = sim.get("/_ping", &[]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.json()["errors"][0]["code"], "UNKNOWN");

    for status in [502u16, 503] {
        sim.fault(json!({"kind":"status","status":status,"count":1}))
            .await;
        let r = sim.get("/api/v0/meta/cluster_status", &[]).await;
        assert_eq!(r.status.as_u16(), status);
        assert_eq!(r.header("content-type"), Some("text/html"));
        assert!(
            r.text().contains(&format!("<title>{status} ")),
            "{}",
            r.text()
        );
    }
    // Count reached: back to normal.
    assert_eq!(sim.get("/_ping", &[]).await.status, StatusCode::OK);

    sim.fault(json!({"kind":"status","status":429,"body":"{\"slow\":\"down\"}","content_type":"application/json","count":1}))
        .await;
    let r = sim.get("/_ping", &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json(), json!({"slow":"down"}));
}

#[tokio::test]
async fn html_login_page_with_200() {
    let sim = start_default().await;
    sim.fault(json!({"kind":"html_login","paths":["/api/"]}))
        .await;
    let r = sim.get("/api/v0/meta/cluster_status", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text().contains("<form"));
    // Other paths are untouched.
    assert_eq!(
        sim.get("/_ping", &[]).await.json(),
        json!({"Error":"","Healthy":true})
    );
}

#[tokio::test]
async fn truncated_and_malformed_json() {
    let sim = start_default().await;
    let full = sim.get("/_ping", &[]).await;

    sim.fault(json!({"kind":"truncated_json","count":1})).await;
    let r = sim.get("/_ping", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.is_empty() && r.body.len() < full.body.len());
    assert!(full.body.starts_with(&r.body), "a prefix of the real body");
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );

    sim.fault(json!({"kind":"malformed_json","count":1})).await;
    let r = sim.get("/_ping", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.len(), full.body.len());
    assert!(serde_json::from_slice::<serde_json::Value>(&r.body).is_err());
}

#[tokio::test]
async fn reset_closes_without_a_response() {
    let sim = start_default().await;
    sim.fault(json!({"kind":"reset","paths":["/_ping"],"count":1}))
        .await;
    assert!(raw_get(&sim, "/_ping").await.is_empty(), "no bytes at all");
    let after = raw_get(&sim, "/_ping").await;
    assert!(after.starts_with(b"HTTP/1.1 200"), "count 1: cleared");

    sim.fault(json!({"kind":"reset","paths":["/_ping"],"count":1}))
        .await;
    let err = sim
        .send(http::Method::GET, &format!("{}/_ping", sim.public), &[], "")
        .await
        .expect_err("client sees a transport error");
    assert!(!err.is_empty());
}

#[tokio::test]
async fn reset_after_headers_cuts_the_body() {
    let sim = start_default().await;
    sim.fault(json!({"kind":"reset","after_headers":true,"count":1}))
        .await;
    let got = raw_get(&sim, "/_ping").await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("Content-Length: 27"), "{text}");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    assert!(body.len() < 27, "body cut short: {body:?}");
}

#[tokio::test]
async fn latency_is_added() {
    let sim = start_default().await;
    sim.fault(json!({"kind":"latency","latency_ms":300,"paths":["/_ping"],"count":1}))
        .await;
    let t = Instant::now();
    assert_eq!(sim.get("/_ping", &[]).await.status, StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "at least the added latency"
    );

    sim.scenario(json!({"latency_ms": 200})).await;
    let t = Instant::now();
    sim.get("/ca", &[]).await;
    assert!(t.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn faults_can_target_one_replica_and_be_deleted() {
    let sim = start_default().await;
    let id = sim
        .fault(json!({"kind":"status","status":502,"paths":["/_ping"],"replicas":[2]}))
        .await;
    assert_eq!(
        sim.get("/_ping", &[("x-msr-sim-replica", "1")])
            .await
            .status,
        StatusCode::OK
    );
    for _ in 0..2 {
        let r = sim.get("/_ping", &[("x-msr-sim-replica", "2")]).await;
        assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    }
    let state = sim.admin_get("/state").await.json();
    assert_eq!(state["faults"][0]["applied"], 2);
    let r = sim
        .send(
            http::Method::DELETE,
            &format!("{}/fault/{id}", sim.admin),
            &[("content-type", "application/json")],
            "",
        )
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        sim.get("/_ping", &[("x-msr-sim-replica", "2")])
            .await
            .status,
        StatusCode::OK
    );

    sim.fault(json!({"kind":"html_login"})).await;
    sim.fault(json!({"kind":"reset"})).await;
    let r = sim
        .send(
            http::Method::DELETE,
            &format!("{}/fault", sim.admin),
            &[("content-type", "application/json")],
            "",
        )
        .await
        .unwrap();
    assert_eq!(r.json(), json!({"cleared": 2}));
    assert_eq!(sim.get("/_ping", &[]).await.status, StatusCode::OK);
}

#[tokio::test]
async fn invalid_faults_are_refused() {
    let sim = start_default().await;
    for bad in [
        json!({"kind":"status"}),
        json!({"kind":"status","status":200}),
        json!({"kind":"latency"}),
        json!({"kind":"nope"}),
        json!({"kind":"reset","count":0}),
        json!({"kind":"reset","typo":1}),
    ] {
        let r = sim.admin_post("/fault", bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.json()["error"].is_string());
    }
    assert_eq!(sim.admin_get("/state").await.json()["faults"], json!([]));
}
