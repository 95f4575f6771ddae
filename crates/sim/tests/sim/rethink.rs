//! RethinkDB mode without PostgreSQL: the bearer checks and parameter errors happen
//! exactly like notary's before storage is touched (the paging itself is unit-tested in
//! `rethink.rs` and covered against PostgreSQL by the stack's tests).

use http::StatusCode;
use serde_json::json;

use super::*;

const GLOBAL: &str = "/v2/_trust/changefeed?change_id=0&records=10";
const WORDPRESS: &str =
    "/v2/127.0.0.1:8443/library/wordpress/_trust/changefeed?change_id=0&records=10";
const CATALOG_CHALLENGE: &str = "Bearer realm=\"https://127.0.0.1:8443/auth/token\",service=\"dtr\",scope=\"registry:catalog:*\"";

async fn rethink_sim() -> Sim {
    let sim = start_default().await;
    let r = sim
        .admin_post("/rethink", json!({"enabled": true, "blackout_secs": 60}))
        .await;
    assert_eq!(r.json(), json!({"enabled": true, "blackout_secs": 60}));
    sim
}

fn catalog_body() -> serde_json::Value {
    json!({"errors":[{"code":"UNAUTHORIZED","message":"authentication required",
        "detail":[{"Type":"registry","Class":"","Name":"catalog","Action":"*"}]}]})
}

#[tokio::test]
async fn no_token_gets_notarys_challenge() {
    let sim = rethink_sim().await;
    for auth in [
        None,
        Some("Basic YWRtaW46eA=="),
        Some("Bearer"),
        Some("Bearer  two  spaces"),
    ] {
        let headers: Vec<(&str, &str)> =
            auth.map(|a| vec![("authorization", a)]).unwrap_or_default();
        let r = sim.get(GLOBAL, &headers).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.header("www-authenticate"),
            Some(CATALOG_CHALLENGE),
            "{auth:?}"
        );
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(r.json(), catalog_body());
        assert!(r.body.ends_with(b"}\n"), "Go's encoder newline");
    }
}

#[tokio::test]
async fn bad_tokens_are_invalid_and_wrong_scopes_insufficient() {
    let sim = rethink_sim().await;
    let r = sim
        .get(GLOBAL, &[("authorization", "Bearer not.a.jwt")])
        .await;
    assert_eq!(
        r.header("www-authenticate").map(str::to_owned),
        Some(format!("{CATALOG_CHALLENGE},error=\"invalid_token\""))
    );

    // A token signed by a different key (the RSA fixture) is invalid.
    let other = start(config("rsa")).await;
    let foreign = other
        .jwt(Some(("admin", "admin-password")), &["registry:catalog:*"])
        .await;
    let r = sim
        .get(GLOBAL, &[("authorization", &format!("Bearer {foreign}"))])
        .await;
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .ends_with(",error=\"invalid_token\"")
    );

    // A token for another audience is invalid.
    let r = sim
        .get(
            "/auth/token?service=other&scope=registry:catalog:*",
            &[("authorization", &basic("admin", "admin-password"))],
        )
        .await;
    let other_aud = r.json()["token"].as_str().unwrap().to_owned();
    let r = sim
        .get(GLOBAL, &[("authorization", &format!("Bearer {other_aud}"))])
        .await;
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .ends_with(",error=\"invalid_token\"")
    );

    // The dev user has no catalog access: insufficient scope.
    let dev = sim
        .jwt(
            Some(("dev", "dev-password")),
            &[
                "registry:catalog:*",
                "repository:127.0.0.1:8443/library/wordpress:pull",
            ],
        )
        .await;
    let r = sim
        .get(GLOBAL, &[("authorization", &format!("Bearer {dev}"))])
        .await;
    assert_eq!(
        r.header("www-authenticate").map(str::to_owned),
        Some(format!("{CATALOG_CHALLENGE},error=\"insufficient_scope\""))
    );

    // A catalog token does not open a per-repository feed.
    let admin_catalog = sim
        .jwt(Some(("admin", "admin-password")), &["registry:catalog:*"])
        .await;
    let r = sim
        .get(
            WORDPRESS,
            &[("authorization", &format!("Bearer {admin_catalog}"))],
        )
        .await;
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            "Bearer realm=\"https://127.0.0.1:8443/auth/token\",service=\"dtr\",scope=\"repository:127.0.0.1:8443/library/wordpress:pull\",error=\"insufficient_scope\""
        )
    );
    assert_eq!(
        r.json()["errors"][0]["detail"],
        json!([{"Type":"repository","Class":"","Name":"127.0.0.1:8443/library/wordpress","Action":"pull"}])
    );
}

#[tokio::test]
async fn parameters_are_checked_after_auth_and_storage_errors_are_unknown() {
    let sim = rethink_sim().await;
    let token = sim
        .jwt(Some(("admin", "admin-password")), &["registry:catalog:*"])
        .await;
    let bearer = format!("Bearer {token}");
    for (query, detail) in [
        (
            "change_id=0&records=abc",
            "invalid records parameter: strconv.ParseInt: parsing \"abc\": invalid syntax",
        ),
        (
            "change_id=0",
            "invalid records parameter: strconv.ParseInt: parsing \"\": invalid syntax",
        ),
        (
            "change_id=0&records=+2",
            "invalid records parameter: strconv.ParseInt: parsing \" 2\": invalid syntax",
        ),
        (
            "change_id=0&records=2147483648",
            "invalid records parameter: strconv.ParseInt: parsing \"2147483648\": value out of range",
        ),
    ] {
        let r = sim
            .get(
                &format!("/v2/_trust/changefeed?{query}"),
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            r.json(),
            json!({"errors":[{"code":"INVALID_PARAMETERS","message":"The parameters provided are not valid.","detail":detail}]})
        );
    }
    // Valid parameters, but no database: 500 UNKNOWN.
    let r = sim.get(GLOBAL, &[("authorization", &bearer)]).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        r.json(),
        json!({"errors":[{"code":"UNKNOWN","message":"unknown error","detail":{}}]})
    );
    // Without a token, auth still comes first.
    let r = sim.get("/v2/_trust/changefeed?records=abc", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[test]
fn rethink_ids_are_stable_uuids() {
    let a = msr_lens_sim::rethink_id(1);
    assert_eq!(a, msr_lens_sim::rethink_id(1));
    assert_ne!(a, msr_lens_sim::rethink_id(2));
    assert_eq!(a.len(), 36);
    assert_eq!(a.matches('-').count(), 4);
}
