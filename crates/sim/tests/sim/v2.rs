//! `/v2/*` pass-through against a small in-process upstream that echoes what it got.

use axum::body::Bytes as AxumBytes;
use axum::extract::Request;
use axum::response::IntoResponse;
use http::{HeaderMap, Method, StatusCode};
use serde_json::json;

use super::*;

async fn echo(req: Request) -> impl IntoResponse {
    let (parts, body) = req.into_parts();
    let body: AxumBytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let seen = json!({
        "method": parts.method.as_str(),
        "uri": parts.uri.to_string(),
        "authorization": parts.headers.get("authorization").and_then(|v| v.to_str().ok()),
        "x_custom": parts.headers.get("x-custom").and_then(|v| v.to_str().ok()),
        "body": String::from_utf8_lossy(&body),
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        "application/json; charset=utf-8".parse().unwrap(),
    );
    headers.insert(
        "www-authenticate",
        "Bearer realm=\"https://x/auth/token\",service=\"dtr\",scope=\"repository:a/b:pull,push\""
            .parse()
            .unwrap(),
    );
    headers.insert("x-upstream", "yes".parse().unwrap());
    (StatusCode::UNAUTHORIZED, headers, seen.to_string())
}

async fn start_upstream() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(echo);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn requests_and_responses_pass_through_verbatim() {
    let upstream = start_upstream().await;
    let mut c = config("ec");
    c.notary_upstream = Some(upstream);
    let sim = start(c).await;
    let url = format!(
        "{}/v2/127.0.0.1:8443/library/wordpress/_trust/tuf/?x=1&y=%2B2",
        sim.public
    );
    let r = sim
        .send(
            Method::POST,
            &url,
            &[("authorization", "Bearer abc"), ("x-custom", "kept")],
            "payload-bytes",
        )
        .await
        .unwrap();
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            "Bearer realm=\"https://x/auth/token\",service=\"dtr\",scope=\"repository:a/b:pull,push\""
        )
    );
    assert_eq!(r.header("x-upstream"), Some("yes"));
    let seen = r.json();
    assert_eq!(seen["method"], "POST");
    assert_eq!(
        seen["uri"],
        "/v2/127.0.0.1:8443/library/wordpress/_trust/tuf/?x=1&y=%2B2"
    );
    assert_eq!(seen["authorization"], "Bearer abc");
    assert_eq!(seen["x_custom"], "kept");
    assert_eq!(seen["body"], "payload-bytes");

    // Faults apply to /v2/ too.
    sim.fault(json!({"kind":"status","status":503,"paths":["/v2/"],"count":1}))
        .await;
    assert_eq!(
        sim.get("/v2/", &[]).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(sim.get("/v2/", &[]).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unreachable_upstream_is_a_502() {
    let mut c = config("ec");
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    c.notary_upstream = Some(format!("http://127.0.0.1:{port}"));
    let sim = start(c).await;
    assert_eq!(sim.get("/v2/", &[]).await.status, StatusCode::BAD_GATEWAY);
}
