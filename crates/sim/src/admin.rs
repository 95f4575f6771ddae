//! The admin API (loopback only): scenario and fault control, RethinkDB mode, ground
//! truth and the public request log. Documented in the crate README.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::routing::{delete, get, post};
use http::{Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use crate::app::{RethinkMode, Shared, lock};
use crate::late::{BeginSpec, LateError, SkewedSpec};
use crate::scenario::{FaultSpec, ScenarioPatch};
use crate::util::{JSON, bytes_response, json_response};

/// The admin router.
pub fn admin_router(state: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/state", get(get_state))
        .route("/scenario", post(post_scenario))
        .route("/fault", post(post_fault).delete(delete_faults))
        .route("/fault/{id}", delete(delete_fault))
        .route("/rethink", post(post_rethink))
        .route("/reset", post(post_reset))
        .route("/truth/changefeed", get(truth_changefeed))
        .route("/requests", get(get_requests))
        .route("/late", get(get_late))
        .route("/late/begin", post(late_begin))
        .route("/late/commit", post(late_commit))
        .route("/late/rollback", post(late_rollback))
        .route("/late/skewed", post(late_skewed))
        .with_state(state)
}

fn bad_request(message: impl std::fmt::Display) -> Response<Body> {
    json_response(
        StatusCode::BAD_REQUEST,
        JSON,
        &json!({"error": message.to_string()}),
    )
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response<Body>>> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Box::new(bad_request(e)))
}

async fn healthz() -> Response<Body> {
    bytes_response(StatusCode::OK, "text/plain; charset=utf-8", "ok")
}

fn state_json(state: &Shared) -> serde_json::Value {
    let c = &state.config;
    json!({
        "replica_ids": state.cluster.replica_ids,
        "scenario": *lock(&state.scenario),
        "faults": lock(&state.faults).active,
        "rethink": *lock(&state.rethink),
        "requests_logged": lock(&state.requests).len(),
        "config": {
            "external_origin": c.external_origin,
            "registry_host": c.registry_host,
            "service": c.service,
            "issuer": c.issuer,
            "token_alg": format!("{:?}", state.signer.algorithm()),
            "token_ttl_secs": c.token_ttl_secs,
            "notary_upstream": c.notary_upstream,
            "postgres": c.postgres_url.is_some(),
            "users": c.users.iter().map(|u| json!({"name": u.name, "admin": u.admin})).collect::<Vec<_>>(),
        },
    })
}

async fn get_state(State(state): State<Shared>) -> Response<Body> {
    json_response(StatusCode::OK, JSON, &state_json(&state))
}

async fn post_scenario(State(state): State<Shared>, body: Bytes) -> Response<Body> {
    let patch: ScenarioPatch = match parse_json(&body) {
        Ok(p) => p,
        Err(resp) => return *resp,
    };
    let result = lock(&state.scenario).apply(patch, &state.cluster.replica_ids, crate::util::now());
    match result {
        Ok(()) => json_response(StatusCode::OK, JSON, &*lock(&state.scenario)),
        Err(e) => bad_request(e),
    }
}

async fn post_fault(State(state): State<Shared>, body: Bytes) -> Response<Body> {
    let spec: FaultSpec = match parse_json(&body) {
        Ok(s) => s,
        Err(resp) => return *resp,
    };
    if let Err(e) = spec.validate() {
        return bad_request(e);
    }
    let id = lock(&state.faults).add(spec);
    json_response(StatusCode::OK, JSON, &json!({"id": id}))
}

async fn delete_faults(State(state): State<Shared>) -> Response<Body> {
    let n = lock(&state.faults).clear();
    json_response(StatusCode::OK, JSON, &json!({"cleared": n}))
}

async fn delete_fault(State(state): State<Shared>, Path(id): Path<u64>) -> Response<Body> {
    if lock(&state.faults).remove(id) {
        json_response(StatusCode::OK, JSON, &json!({"cleared": 1}))
    } else {
        json_response(
            StatusCode::NOT_FOUND,
            JSON,
            &json!({"error": "no such fault"}),
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RethinkPatch {
    enabled: bool,
    #[serde(default)]
    blackout_secs: Option<u64>,
}

async fn post_rethink(State(state): State<Shared>, body: Bytes) -> Response<Body> {
    let patch: RethinkPatch = match parse_json(&body) {
        Ok(p) => p,
        Err(resp) => return *resp,
    };
    let mut mode = lock(&state.rethink);
    *mode = RethinkMode {
        enabled: patch.enabled,
        blackout_secs: patch.blackout_secs.unwrap_or(60),
    };
    json_response(StatusCode::OK, JSON, &*mode)
}

async fn post_reset(State(state): State<Shared>) -> Response<Body> {
    state.reset();
    let rolled_back = state.late.rollback_all().await;
    let mut body = state_json(&state);
    body["late_rolled_back"] = json!(rolled_back);
    json_response(StatusCode::OK, JSON, &body)
}

#[derive(Deserialize)]
struct TruthQuery {
    gun: Option<String>,
}

async fn truth_changefeed(
    State(state): State<Shared>,
    Query(q): Query<TruthQuery>,
) -> Response<Body> {
    let result = state
        .store
        .with_snapshot(|snap| {
            let records: Vec<serde_json::Value> = snap
                .by_id(q.gun.as_deref())
                .into_iter()
                .map(|r| {
                    json!({
                        "id": r.id.to_string(),
                        "uuid": r.uuid,
                        "created_at": r.created_at_text(),
                        "gun": r.gun,
                        "version": r.version,
                        "sha256": r.sha256,
                        "category": r.category,
                    })
                })
                .collect();
            json!({
                "count": records.len(),
                "db_now": snap.db_now.map(crate::util::rfc3339_nano_primitive),
                "records": records,
            })
        })
        .await;
    match result {
        Ok(v) => json_response(StatusCode::OK, JSON, &v),
        Err(e) => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            JSON,
            &json!({"error": e.to_string()}),
        ),
    }
}

#[derive(Deserialize)]
struct RequestsQuery {
    clear: Option<String>,
}

async fn get_requests(
    State(state): State<Shared>,
    Query(q): Query<RequestsQuery>,
) -> Response<Body> {
    let mut log = lock(&state.requests);
    let entries: Vec<_> = log.iter().cloned().collect();
    if matches!(q.clear.as_deref(), Some("1" | "true")) {
        log.clear();
    }
    drop(log);
    json_response(StatusCode::OK, JSON, &json!({"requests": entries}))
}

fn late_error(e: &LateError) -> Response<Body> {
    let status = match e {
        LateError::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
        LateError::Invalid(_) => StatusCode::BAD_REQUEST,
        LateError::TooMany => StatusCode::CONFLICT,
        LateError::UnknownHandle(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    json_response(status, JSON, &json!({"error": e.to_string()}))
}

async fn get_late(State(state): State<Shared>) -> Response<Body> {
    let open: Vec<serde_json::Value> = state
        .late
        .open()
        .await
        .into_iter()
        .map(|(handle, record)| json!({"handle": handle, "held": record}))
        .collect();
    json_response(StatusCode::OK, JSON, &json!({"open": open}))
}

async fn late_begin(State(state): State<Shared>, body: Bytes) -> Response<Body> {
    let spec: BeginSpec = match parse_json(&body) {
        Ok(s) => s,
        Err(resp) => return *resp,
    };
    match state.late.begin(&spec).await {
        Ok((handle, held, committed)) => {
            if let Some(ms) = spec.hold_ms {
                let (state, handle) = (state.clone(), handle.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                    // Already committed or rolled back by hand: nothing to do.
                    let _ = state.late.finish(&handle, true).await;
                });
            }
            json_response(
                StatusCode::OK,
                JSON,
                &json!({"handle": handle, "held": held, "committed": committed}),
            )
        }
        Err(e) => late_error(&e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HandleBody {
    handle: String,
}

async fn late_finish(state: &Shared, body: &Bytes, commit: bool) -> Response<Body> {
    let h: HandleBody = match parse_json(body) {
        Ok(h) => h,
        Err(resp) => return *resp,
    };
    match state.late.finish(&h.handle, commit).await {
        Ok(record) => json_response(
            StatusCode::OK,
            JSON,
            &json!({"handle": h.handle, "committed": commit, "record": record}),
        ),
        Err(e) => late_error(&e),
    }
}

async fn late_commit(State(state): State<Shared>, body: Bytes) -> Response<Body> {
    late_finish(&state, &body, true).await
}

async fn late_rollback(State(state): State<Shared>, body: Bytes) -> Response<Body> {
    late_finish(&state, &body, false).await
}

async fn late_skewed(State(state): State<Shared>, body: Bytes) -> Response<Body> {
    let spec: SkewedSpec = match parse_json(&body) {
        Ok(s) => s,
        Err(resp) => return *resp,
    };
    match state.late.skewed(&spec).await {
        Ok(record) => json_response(StatusCode::OK, JSON, &record),
        Err(e) => late_error(&e),
    }
}
