//! The fetch transport against the fake MSR of `npm/test/fake-msr.mjs`, in Node.js and (with
//! `WASM_BINDGEN_USE_BROWSER=1`) in headless Chromium. `scripts/wasm-test.sh` starts the
//! fake server and sets `MSR_LENS_FAKE_MSR` (its origin) and `MSR_LENS_FAKE_REPLICA` (another
//! origin) at build time.

#![cfg(target_arch = "wasm32")]

use http::header::{AUTHORIZATION, HeaderValue};
use http::{Request, StatusCode};
use msr_lens_core::Origin;
use msr_lens_transport::TransportError;
use msr_lens_transport::wasm::{FetchClient, FetchConfig, now, sleep};
use wasm_bindgen_test::wasm_bindgen_test;

const SECRET: &str = "c2VjcmV0LXNob3VsZC1uZXZlci1sZWFr";

fn fake() -> &'static str {
    match option_env!("MSR_LENS_FAKE_MSR") {
        Some(value) => value,
        None => panic!("MSR_LENS_FAKE_MSR is not set: run these tests with scripts/wasm-test.sh"),
    }
}

fn replica() -> &'static str {
    match option_env!("MSR_LENS_FAKE_REPLICA") {
        Some(value) => value,
        None => {
            panic!("MSR_LENS_FAKE_REPLICA is not set: run these tests with scripts/wasm-test.sh")
        }
    }
}

fn client(timeout_ms: u32, max_body_bytes: usize) -> FetchClient {
    FetchClient::new(FetchConfig {
        origin: Origin::parse(fake()).unwrap(),
        timeout_ms,
        max_body_bytes,
    })
}

fn get(url: &str) -> Request<Vec<u8>> {
    Request::get(url).body(Vec::new()).unwrap()
}

fn with_secret(mut request: Request<Vec<u8>>) -> Request<Vec<u8>> {
    request.headers_mut().insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Basic {SECRET}")).unwrap(),
    );
    request
}

#[wasm_bindgen_test]
async fn error_statuses_are_responses() {
    let response = client(5_000, 1 << 20)
        .execute(get(&format!("{}/test/status?code=503", fake())))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(String::from_utf8_lossy(response.body()).contains("UNKNOWN"));
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/json"
    );
}

#[wasm_bindgen_test]
async fn challenges_reach_the_core() {
    let response = client(5_000, 1 << 20)
        .execute(get(&format!(
            "{}/v2/_trust/changefeed?change_id=0&records=1",
            fake()
        )))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers().get("www-authenticate").unwrap();
    assert!(challenge.to_str().unwrap().starts_with("Bearer realm="));
}

#[wasm_bindgen_test]
async fn redirects_are_not_followed() {
    let response = client(5_000, 1 << 20)
        .execute(get(&format!("{}/test/redirect", fake())))
        .await
        .unwrap();
    // Node.js shows the redirect; a browser hides it (an opaque redirect), reported as 302.
    assert_eq!(response.status(), StatusCode::FOUND);
    assert!(response.body().is_empty());
}

#[wasm_bindgen_test]
async fn credentials_go_to_the_origin_only() {
    let echo = client(5_000, 1 << 20)
        .execute(with_secret(get(&format!("{}/test/echo", fake()))))
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(echo.body()).contains(SECRET));

    let error = client(5_000, 1 << 20)
        .execute(with_secret(get(&format!("{}/_ping", replica()))))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Refused(_)), "{error:?}");
    assert!(!error.to_string().contains(SECRET));

    // Without credentials another origin (a replica) is fine.
    let ping = client(5_000, 1 << 20)
        .execute(get(&format!("{}/_ping", replica())))
        .await
        .unwrap();
    assert_eq!(ping.status(), StatusCode::OK);
}

#[wasm_bindgen_test]
async fn a_silent_server_times_out() {
    let error = client(300, 1 << 20)
        .execute(get(&format!("{}/test/slow", fake())))
        .await
        .unwrap_err();
    assert_eq!(error, TransportError::Timeout { millis: 300 });
    assert_eq!(error.kind(), "timeout");
}

#[wasm_bindgen_test]
async fn the_size_cap_holds_with_and_without_content_length() {
    let small = client(5_000, 10_000)
        .execute(get(&format!("{}/test/big?n=10000", fake())))
        .await
        .unwrap();
    assert_eq!(small.body().len(), 10_000);

    let declared = client(5_000, 10_000)
        .execute(get(&format!("{}/test/big?n=10001", fake())))
        .await
        .unwrap_err();
    assert_eq!(declared, TransportError::TooLarge { limit: 10_000 });

    let streamed = client(5_000, 50_000)
        .execute(get(&format!("{}/test/stream-big?n=400000", fake())))
        .await
        .unwrap_err();
    assert_eq!(streamed, TransportError::TooLarge { limit: 50_000 });
}

#[wasm_bindgen_test]
async fn no_answer_is_a_network_error_without_secrets() {
    let closed = FetchClient::new(FetchConfig::new(
        Origin::parse("http://127.0.0.1:9").unwrap(),
    ));
    let error = closed
        .execute(with_secret(get("http://127.0.0.1:9/_ping")))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), "network", "{error:?}");
    assert!(!error.to_string().contains(SECRET));
}

#[wasm_bindgen_test]
async fn sleep_and_now_move_forward() {
    let before = now();
    sleep(20).await.unwrap();
    assert!(now() > before);
}
