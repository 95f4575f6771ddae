//! `MsrClient`: the JavaScript entry point.

use std::cell::Cell;
use std::rc::Rc;

use futures_util::future::join_all;
use http::{Request, Response, StatusCode};
use js_sys::Promise;
use msr_lens_core::ErrorKind;
use msr_lens_core::health::{
    ClusterStatus, HealthCheck, NginxOutcome, NginxSample, ReplicaState, cluster_status_request,
    nginx_status_request, parse_cluster_status, parse_nginx_status, parse_ping, ping_request,
};
use msr_lens_transport::wasm::{FetchClient, FetchConfig, now};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::error::LensError;
use crate::options::ClientConfig;

/// A client for one MSR origin.
///
/// ```js
/// const msr = new MsrClient({ baseUrl: 'https://msr.example.org', username: 'ci', secret: token });
/// const report = await msr.health();
/// ```
#[wasm_bindgen]
pub struct MsrClient {
    shared: Rc<Shared>,
}

/// What every call of one client shares.
pub(crate) struct Shared {
    pub(crate) config: ClientConfig,
    pub(crate) fetch: FetchClient,
    /// The nginx sample of the previous `health()`, for request rates.
    nginx: Cell<Option<NginxSample>>,
}

impl Shared {
    /// Send one request; a transport failure becomes a [`LensError`].
    pub(crate) async fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, LensError> {
        self.fetch.execute(request).await.map_err(LensError::from)
    }
}

#[wasm_bindgen]
impl MsrClient {
    /// A client for `options.baseUrl`. Throws an `MsrLensError` of kind
    /// `invalidArgument` for unusable options (an unknown key, a URL with a path,
    /// a user name without a secret, ...).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "MsrClientOptions")] options: JsValue,
    ) -> Result<MsrClient, JsValue> {
        let json = options_json("MsrClient options", &options, false)?;
        let config = ClientConfig::from_json(&json)?;
        let fetch = FetchClient::new(FetchConfig {
            origin: config.origin.clone(),
            timeout_ms: config.timeout_ms,
            max_body_bytes: config.max_body_bytes,
        });
        Ok(MsrClient {
            shared: Rc::new(Shared {
                config,
                fetch,
                nginx: Cell::new(None),
            }),
        })
    }

    /// The configured origin, normalised (`https://host[:port]`).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.shared.config.origin.to_string()
    }

    /// `GET /_ping` on the origin: what the replica that answered says about itself.
    /// A 503 "unhealthy" is a result, not an error; the promise rejects only when no
    /// HTTP answer came (`network`, `timeout`, ...).
    #[wasm_bindgen(unchecked_return_type = "Promise<PingVerdict>")]
    pub fn ping(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let response = shared.send(ping_request(&shared.config.origin)).await?;
            to_js(&parse_ping(&response))
        })
    }

    /// `GET /nginx_status`: nginx's connection counters. Rejects with `forbidden`,
    /// `unauthenticated` or `notFound` when the page is not available to you.
    #[wasm_bindgen(js_name = nginxStatus, unchecked_return_type = "Promise<NginxStatus>")]
    pub fn nginx_status(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let response = shared
                .send(nginx_status_request(&shared.config.origin))
                .await?;
            match parse_nginx_status(&response) {
                NginxOutcome::Available(status) => to_js(&status),
                NginxOutcome::NotAvailable { status } => {
                    let kind = StatusCode::from_u16(status)
                        .map(ErrorKind::for_status)
                        .unwrap_or(ErrorKind::UnexpectedBody);
                    Err(LensError {
                        kind: kind.as_str(),
                        status: Some(status),
                        code: None,
                        message: format!("/nginx_status is not available to you (HTTP {status})"),
                    }
                    .into())
                }
                NginxOutcome::Error(error) => Err(LensError::api("/nginx_status", &error).into()),
                NginxOutcome::Invalid { error, excerpt } => Err(LensError {
                    kind: "badResponse",
                    status: Some(response.status().as_u16()),
                    code: None,
                    message: format!(
                        "/nginx_status is not stub_status output: {error} ({excerpt})"
                    ),
                }
                .into()),
                _ => Err(LensError::new("badResponse", "/nginx_status: unexpected answer").into()),
            }
        })
    }

    /// `GET /api/v0/meta/cluster_status` (MSR admins only), with the derived state of
    /// every replica. Rejects with `unauthenticated` (no or bad credentials),
    /// `forbidden` (not an admin), `unavailable` (MSR's own check failed), ...
    #[wasm_bindgen(js_name = clusterStatus, unchecked_return_type = "Promise<ClusterStatus>")]
    pub fn cluster_status(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let Some(credentials) = &shared.config.credentials else {
                return Err(LensError::new(
                    "unauthenticated",
                    "the cluster status needs MSR admin credentials (username and secret)",
                )
                .into());
            };
            let response = shared
                .send(cluster_status_request(&shared.config.origin, credentials))
                .await?;
            let status = parse_cluster_status(&response).map_err(LensError::from)?;
            let replicas = status.replica_states(now(), shared.config.stale_after);
            to_js(&ClusterStatusWithReplicas { status, replicas })
        })
    }

    /// One whole health check, every probe in parallel: `/_ping` of each replica (or of
    /// the origin), `/nginx_status`, and `cluster_status` when credentials are set.
    /// Never rejects for what MSR answers; the report explains it. Request rates come
    /// from the previous `health()` of this client.
    #[wasm_bindgen(unchecked_return_type = "Promise<HealthReport>")]
    pub fn health(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let mut check = HealthCheck::new(&shared.config.health_targets(), shared.nginx.get());
            let probes = check.requests().into_iter().map(|(probe, request)| {
                let fetch = shared.fetch.clone();
                async move {
                    let result = fetch.execute(request).await;
                    (probe, result, now())
                }
            });
            for (probe, result, at) in join_all(probes).await {
                match result {
                    Ok(response) => check.record(&probe, &response, at),
                    Err(error) => check.record_failure(&probe, &error.to_string()),
                }
            }
            let (report, sample) = check.finish(now());
            shared.nginx.set(sample);
            to_js(&report)
        })
    }
}

/// The cluster status with the replica states derived from it.
#[derive(Serialize)]
struct ClusterStatusWithReplicas {
    #[serde(flatten)]
    status: ClusterStatus,
    replicas: Vec<ReplicaState>,
}

/// A serializable value as a plain JS value (through JSON, which is both smaller and
/// faster here than walking the value field by field across the boundary).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|e| LensError::new("internal", format!("cannot serialize: {e}")))?;
    js_sys::JSON::parse(&json).map_err(|_| LensError::new("internal", "JSON.parse failed").into())
}

/// A JS options object as JSON text; `undefined`/`null` is `{}` when `optional`.
pub(crate) fn options_json(
    what: &str,
    value: &JsValue,
    optional: bool,
) -> Result<String, LensError> {
    if optional && (value.is_undefined() || value.is_null()) {
        return Ok("{}".to_string());
    }
    if !value.is_object() || js_sys::Array::is_array(value) {
        return Err(LensError::invalid(format!("{what} must be a plain object")));
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| LensError::invalid(format!("{what} must be a plain object")))
}
