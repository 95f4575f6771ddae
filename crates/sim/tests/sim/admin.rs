//! The admin API: a separate listener, state, scenario checks, the request log.

use http::StatusCode;
use serde_json::json;

use super::*;

#[tokio::test]
async fn admin_is_a_separate_listener() {
    let sim = start_default().await;
    assert_ne!(sim.running.public_addr, sim.running.admin_addr);
    let r = sim.admin_get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text(), "ok");
    // Admin routes are not on the public port, public routes not on the admin port.
    assert_eq!(sim.get("/healthz", &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(sim.get("/state", &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(sim.admin_get("/_ping").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn state_shows_ids_scenario_and_users_without_secrets() {
    let sim = start_default().await;
    let r = sim.admin_get("/state").await;
    let text = r.text();
    let v = r.json();
    assert_eq!(v["replica_ids"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["scenario"]["token_ttl_secs"], 300);
    assert_eq!(v["rethink"], json!({"enabled": false, "blackout_secs": 60}));
    assert_eq!(v["config"]["token_alg"], "ES256");
    assert!(!text.contains("admin-password") && !text.contains("token-1234"));
}

#[tokio::test]
async fn bad_scenario_patches_change_nothing() {
    let sim = start_default().await;
    for bad in [
        json!({"replicas": {"7": {"health": "x"}}}),
        json!({"replicas": {"0": {"bogus": 1}}}),
        json!({"unknown_field": true}),
        json!({"latency_ms": -1}),
    ] {
        let r = sim.admin_post("/scenario", bad.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let v = sim.admin_get("/state").await.json();
    assert!(
        v["scenario"]["replicas"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["health"] == "OK")
    );
    assert_eq!(v["scenario"]["latency_ms"], 0);
}

#[tokio::test]
async fn request_log_records_schemes_never_credentials() {
    let sim = start_default().await;
    let auth = basic("admin", "admin-password");
    sim.get(
        "/api/v0/meta/cluster_status?x=1",
        &[("authorization", &auth)],
    )
    .await;
    sim.get(
        "/_ping",
        &[("x-msr-sim-replica", "1"), ("cookie", "session=abc")],
    )
    .await;
    let jwt = sim.jwt(Some(("dev", "dev-token-1234")), &[]).await;
    let bearer = format!("Bearer {jwt}");
    sim.get("/v2/", &[("authorization", &bearer)]).await;
    sim.get("/_ping", &[("authorization", "sometokenwithoutscheme")])
        .await;

    let r = sim.admin_get("/requests?clear=1").await;
    let text = r.text();
    for secret in [
        "admin-password",
        "dev-token-1234",
        jwt.as_str(),
        "sometokenwithoutscheme",
        "session=abc",
    ] {
        assert!(!text.contains(secret), "the log never holds credentials");
    }
    let log = r.json()["requests"].as_array().cloned().unwrap();
    assert_eq!(log.len(), 5);
    assert_eq!(log[0]["path"], "/api/v0/meta/cluster_status?x=1");
    assert_eq!(log[0]["authorization"], true);
    assert_eq!(log[0]["auth_scheme"], "Basic");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["replica"], "1");
    assert_eq!(log[1]["cookie"], true);
    assert_eq!(log[1]["authorization"], false);
    assert!(log[1]["auth_scheme"].is_null());
    assert_eq!(log[2]["auth_scheme"], "Basic");
    assert_eq!(log[3]["auth_scheme"], "Bearer");
    assert_eq!(log[3]["method"], "GET");
    assert_eq!(log[4]["auth_scheme"], "other");
    // Cleared.
    let r = sim.admin_get("/requests").await;
    assert_eq!(r.json()["requests"], json!([]));
}

#[tokio::test]
async fn truth_without_postgres_says_so() {
    let sim = start_default().await;
    let r = sim.admin_get("/truth/changefeed").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.json()["error"].as_str().unwrap().contains("postgres_url"));
}

#[tokio::test]
async fn the_binary_prints_the_ready_line_and_exits_nonzero_on_bad_config() {
    use std::io::{BufRead as _, BufReader};
    let dir = std::env::temp_dir().join(format!("msr-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = config("ec");
    let good = json!({
        "listen": "127.0.0.1:0", "admin_listen": "127.0.0.1:0",
        "external_origin": cfg.external_origin, "registry_host": cfg.registry_host,
        "service": "dtr", "issuer": "msr-lens-sim",
        "token_key": cfg.token_key, "token_cert": cfg.token_cert,
        "ca_cert": cfg.ca_cert,
        "users": [{"name": "admin", "password": "p", "access_tokens": [], "admin": true}],
    });
    let good_path = dir.join("good.json");
    std::fs::write(&good_path, good.to_string()).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_msr-sim"))
        .arg("--config")
        .arg(&good_path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn msr-sim");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let admin = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("admin="))
        .map(str::to_owned);
    assert!(
        line.starts_with("msr-sim ready public=127.0.0.1:"),
        "{line}"
    );
    let healthz = match &admin {
        Some(a) => sim_get_text(&format!("http://{a}/healthz")).await,
        None => String::new(),
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(healthz, "ok");

    let bad_path = dir.join("bad.json");
    let mut bad = good.clone();
    bad["replicas"] = json!(0);
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msr-sim"))
        .arg("--config")
        .arg(&bad_path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("replicas"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_msr-sim"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "no --config");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn sim_get_text(url: &str) -> String {
    let client: hyper_util::client::legacy::Client<_, http_body_util::Empty<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let Ok(resp) = client.get(url.parse().unwrap()).await else {
        return String::new();
    };
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test]
async fn the_admin_port_refuses_foreign_hosts_plain_text_and_missing_tokens() {
    let mut cfg = config("ec");
    cfg.admin_token = Some("a1b2c3d4e5f6a7b8c9d0".into());
    let sim = start(cfg).await;
    let port = sim.running.admin_addr.port();
    let base = format!("{}/a1b2c3d4e5f6a7b8c9d0", sim.admin);
    let json_ct = ("content-type", "application/json");
    let send = |method: http::Method,
                url: String,
                headers: Vec<(&'static str, String)>,
                body: &'static str| {
        let sim = &sim;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            sim.send(method, &url, &headers, body)
                .await
                .expect("admin request")
        }
    };

    // The readiness probe needs no token; everything else does.
    let r = send(
        http::Method::GET,
        format!("{}/healthz", sim.admin),
        vec![],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        http::Method::GET,
        format!("{}/state", sim.admin),
        vec![],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let r = send(
        http::Method::GET,
        format!("{}/a1b2c3d4e5f6a7b8c9d1/state", sim.admin),
        vec![],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(http::Method::GET, format!("{base}/state"), vec![], "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.text().contains("a1b2c3d4e5f6a7b8c9d0"),
        "/state never shows the token"
    );

    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own Host.
    for host in [
        format!("evil.example:{port}"),
        "127.0.0.1:1".to_owned(),
        format!("127.0.0.1.nip.io:{port}"),
    ] {
        let r = send(
            http::Method::GET,
            format!("{base}/state"),
            vec![("host", host.clone())],
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{host}");
        let r = send(
            http::Method::GET,
            format!("{}/healthz", sim.admin),
            vec![("host", host.clone())],
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{host}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
        format!("127.0.0.1:{port}"),
    ] {
        let r = send(
            http::Method::GET,
            format!("{base}/state"),
            vec![("host", host.clone())],
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
    }

    // A cross-site form or fetch can send text/plain (or nothing) without a preflight.
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let headers: Vec<(&'static str, String)> = ct
            .map(|c| vec![("content-type", c.to_owned())])
            .unwrap_or_default();
        let r = send(
            http::Method::POST,
            format!("{base}/scenario"),
            headers.clone(),
            r#"{"latency_ms":500}"#,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        let r = send(
            http::Method::POST,
            format!("{base}/reset"),
            headers.clone(),
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        let r = send(http::Method::DELETE, format!("{base}/fault"), headers, "").await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
    }
    let state = send(http::Method::GET, format!("{base}/state"), vec![], "")
        .await
        .json();
    assert_eq!(state["scenario"]["latency_ms"], 0, "nothing changed");
    let r = send(
        http::Method::POST,
        format!("{base}/scenario"),
        vec![(json_ct.0, json_ct.1.to_owned())],
        r#"{"latency_ms":5}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        http::Method::POST,
        format!("{base}/reset"),
        vec![("content-type", "application/json; charset=utf-8".to_owned())],
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}
