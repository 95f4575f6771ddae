//! `/auth/token`: grants per user type, JWT shape, bad credentials, anonymous.

use http::StatusCode;
use serde_json::{Value, json};

use super::*;

const WORDPRESS: &str = "repository:127.0.0.1:8443/library/wordpress:pull,push";
const NGINX: &str = "repository:127.0.0.1:8443/library/nginx:push,pull";
const API_443: &str = "repository:127.0.0.1:443/engineering/api:pull";
const SECRET: &str = "repository:127.0.0.1:8443/secret/vault:pull";
const CATALOG: &str = "registry:catalog:*";

fn access(payload: &Value) -> Vec<Value> {
    payload["access"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn admin_gets_everything_requested() {
    let sim = start_default().await;
    let r = sim
        .token(
            Some(("admin", "admin-password")),
            &[WORDPRESS, SECRET, CATALOG],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body = r.json();
    let token = body["token"].as_str().unwrap();
    assert_eq!(body["access_token"].as_str(), Some(token));
    assert_eq!(body["expires_in"], json!(300), "expires_in is a number");
    let issued = body["issued_at"].as_str().unwrap();
    assert!(
        issued.ends_with('Z') && issued.contains('.'),
        "RFC 3339 with fraction: {issued}"
    );

    let (header, payload) = jwt_parts(token);
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["x5c"].as_array().map(Vec::len), Some(1));
    assert_eq!(payload["iss"], "msr-lens-sim");
    assert_eq!(payload["sub"], "admin");
    assert_eq!(payload["aud"], json!("dtr"), "aud is a string");
    let iat = payload["iat"].as_i64().unwrap();
    assert_eq!(payload["exp"].as_i64().unwrap() - iat, 300);
    assert_eq!(payload["nbf"].as_i64(), Some(iat));
    assert!(payload["jti"].as_str().is_some_and(|j| j.len() >= 16));
    assert_eq!(
        access(&payload),
        vec![
            json!({"type":"repository","name":"127.0.0.1:8443/library/wordpress","actions":["pull","push"]}),
            json!({"type":"repository","name":"127.0.0.1:8443/secret/vault","actions":["pull"]}),
            json!({"type":"registry","name":"catalog","actions":["*"]}),
        ]
    );
    // A second token has a different jti.
    let again = sim.jwt(Some(("admin", "admin-password")), &[CATALOG]).await;
    assert_ne!(jwt_parts(&again).1["jti"], payload["jti"]);
}

#[tokio::test]
async fn dev_gets_the_intersection_of_requested_and_granted() {
    let sim = start_default().await;
    let token = sim
        .jwt(
            Some(("dev", "dev-password")),
            &[WORDPRESS, NGINX, API_443, SECRET, CATALOG],
        )
        .await;
    let (_, payload) = jwt_parts(&token);
    assert_eq!(payload["sub"], "dev");
    assert_eq!(
        access(&payload),
        vec![
            json!({"type":"repository","name":"127.0.0.1:8443/library/wordpress","actions":["pull"]}),
            json!({"type":"repository","name":"127.0.0.1:8443/library/nginx","actions":["push","pull"]}),
            json!({"type":"repository","name":"127.0.0.1:443/engineering/api","actions":["pull"]}),
        ],
        "no push on a pull-only repo, nothing on ungranted repos, no catalog"
    );
}

#[tokio::test]
async fn access_token_works_in_place_of_the_password() {
    let sim = start_default().await;
    let token = sim.jwt(Some(("dev", "dev-token-1234")), &[WORDPRESS]).await;
    let (_, payload) = jwt_parts(&token);
    assert_eq!(payload["sub"], "dev");
    assert_eq!(access(&payload).len(), 1);
}

#[tokio::test]
async fn user_without_grants_gets_a_token_with_no_access() {
    let sim = start_default().await;
    let token = sim
        .jwt(Some(("nobody", "nobody-password")), &[WORDPRESS, CATALOG])
        .await;
    let (_, payload) = jwt_parts(&token);
    assert_eq!(payload["sub"], "nobody");
    assert_eq!(payload["access"], json!([]));
}

#[tokio::test]
async fn anonymous_gets_a_token_with_no_access() {
    let sim = start_default().await;
    let r = sim.token(None, &[WORDPRESS, CATALOG]).await;
    assert_eq!(r.status, StatusCode::OK);
    let (_, payload) = jwt_parts(r.json()["token"].as_str().unwrap());
    assert_eq!(payload["sub"], "");
    assert_eq!(payload["access"], json!([]));
}

#[tokio::test]
async fn unknown_and_malformed_scopes_grant_nothing_but_succeed() {
    let sim = start_default().await;
    let token = sim
        .jwt(
            Some(("admin", "admin-password")),
            &["foo:bar:baz", "garbage", "registry:other:*"],
        )
        .await;
    assert_eq!(jwt_parts(&token).1["access"], json!([]));
}

#[tokio::test]
async fn bad_credentials_are_refused_with_a_basic_challenge() {
    let sim = start_default().await;
    for (user, secret) in [
        ("dev", "wrong"),
        ("ghost", "dev-password"),
        ("admin", "dev-password"),
    ] {
        let r = sim.token(Some((user, secret)), &[WORDPRESS]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.header("www-authenticate"),
            Some("Basic realm=\"127.0.0.1:8443\"")
        );
        let body = r.json();
        assert!(
            body["details"].as_str().is_some_and(|d| !d.is_empty()),
            "{body}"
        );
        assert_eq!(body.as_object().map(|o| o.len()), Some(1));
    }
    let r = sim
        .get(
            "/auth/token?service=dtr",
            &[("authorization", "Basic %%%notbase64")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn token_lifetime_follows_the_scenario() {
    let sim = start_default().await;
    sim.scenario(json!({"token_ttl_secs": 5})).await;
    let r = sim
        .token(Some(("admin", "admin-password")), &[CATALOG])
        .await;
    let body = r.json();
    assert_eq!(body["expires_in"], json!(5));
    let (_, payload) = jwt_parts(body["token"].as_str().unwrap());
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        5
    );
    let r = sim
        .admin_post("/scenario", json!({"token_ttl_secs": 0}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn rsa_and_sec1_keys_sign_verifiable_tokens() {
    for (key, alg) in [("rsa", "RS256"), ("ec-sec1", "ES256")] {
        let sim = start(config(key)).await;
        let token = sim.jwt(Some(("admin", "admin-password")), &[CATALOG]).await;
        let (header, _) = jwt_parts(&token);
        assert_eq!(header["alg"], alg);
        let claims = sim
            .running
            .state
            .signer
            .verify(
                &token,
                "msr-lens-sim",
                "dtr",
                time::OffsetDateTime::now_utc().unix_timestamp(),
            )
            .expect("own token verifies");
        assert_eq!(claims.sub, "admin");
    }
}

#[tokio::test]
async fn mismatched_key_and_cert_are_refused_at_start() {
    let mut c = config("ec");
    c.token_cert = fixture("rsa-signer.crt");
    let err = msr_lens_sim::start(c).await.expect_err("mismatch");
    assert!(err.to_string().contains("certificate"), "{err}");
}
