//! `MsrClient`: the JavaScript entry point.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_util::future::join_all;
use http::{Request, Response, StatusCode};
use js_sys::Promise;
use msr_lens_core::auth::{Authenticator, IssuedToken, Scope, Step, TokenRequest};
use msr_lens_core::health::cluster::CLUSTER_STATUS_PATH;
use msr_lens_core::health::{
    HealthCheck, MetricsSample, NginxOutcome, NginxSample, cluster_status_request,
    nginx_status_request, parse_cluster_status, parse_nginx_status, parse_ping, ping_request,
};
use msr_lens_core::{ApiError, ErrorKind};
use msr_lens_transport::wasm::{FetchClient, FetchConfig, now};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::error::{LensError, not_an_object, prefixed};
use crate::feed::Changefeed;
use crate::options::{
    ChangefeedOptions, ClientConfig, FeedOptions, FollowOptions, HealthOptions, MsrClientOptions,
    gun, read,
};
use crate::outputs::{ClusterStatus, GrantsInfo, RepositoryAccess, TokenInfo};
use crate::records;

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
    /// The token flow and token cache shared by every call of this client.
    pub(crate) auth: RefCell<Authenticator>,
    /// The nginx sample of the previous `health()`, for request rates.
    nginx: Cell<Option<NginxSample>>,
    /// The metrics sample of the previous `health()`, for pulls and pushes per minute.
    metrics: Cell<Option<MetricsSample>>,
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
        let options: MsrClientOptions = options_from("MsrClient options", options)?;
        let config = ClientConfig::new(options)?;
        let auth = Authenticator::new(config.origin().clone(), config.targets.credentials.clone());
        let fetch = FetchClient::new(FetchConfig {
            origin: config.origin().clone(),
            timeout_ms: config.timeout_ms,
            max_body_bytes: config.max_body_bytes,
        });
        Ok(MsrClient {
            shared: Rc::new(Shared {
                config,
                fetch,
                auth: RefCell::new(auth),
                nginx: Cell::new(None),
                metrics: Cell::new(None),
            }),
        })
    }

    /// The configured origin, normalised (`https://host[:port]`).
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.shared.config.origin().to_string()
    }

    /// `GET /_ping` on the origin: what the replica that answered says about itself.
    /// A 503 "unhealthy" is a result, not an error; the promise rejects only when no
    /// HTTP answer came (`network`, `timeout`, ...).
    #[wasm_bindgen(unchecked_return_type = "Promise<PingVerdict>")]
    pub fn ping(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let response = send(&shared, ping_request(shared.config.origin())).await?;
            to_js(&parse_ping(&response))
        })
    }

    /// `GET /nginx_status`: nginx's connection counters. Rejects with `forbidden`,
    /// `unauthenticated` or `notFound` when the page is not available to you.
    #[wasm_bindgen(js_name = nginxStatus, unchecked_return_type = "Promise<NginxStatus>")]
    pub fn nginx_status(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let response = send(&shared, nginx_status_request(shared.config.origin())).await?;
            nginx_answer(&response)
        })
    }

    /// `GET /api/v0/meta/cluster_status` (MSR admins only), with the derived state of
    /// every replica. Rejects with `unauthenticated` (no or bad credentials),
    /// `forbidden` (not an admin), `unavailable` (MSR's own check failed), ...
    #[wasm_bindgen(js_name = clusterStatus, unchecked_return_type = "Promise<ClusterStatus>")]
    pub fn cluster_status(&self) -> Promise {
        let shared = self.shared.clone();
        future_to_promise(async move {
            let origin = shared.config.origin();
            let request = match &shared.config.targets.credentials {
                Some(credentials) => cluster_status_request(origin, credentials),
                // Without credentials the request goes out anonymously (the same `GET` and
                // `Accept` header, no `Authorization`): MSR's own 401 says what is missing.
                None => Request::get(
                    origin
                        .url(CLUSTER_STATUS_PATH)
                        .expect("a constant path is a valid URI on the origin"),
                )
                .header(http::header::ACCEPT, "application/json")
                .body(Vec::new())
                .expect("a GET with a constant header is a valid request"),
            };
            let response = send(&shared, request).await?;
            let status = parse_cluster_status(&response).map_err(LensError::from)?;
            let replicas = status.replica_states(now(), shared.config.targets.stale_after);
            to_js(&ClusterStatus { status, replicas })
        })
    }

    /// One whole health check, every probe in parallel: `/_ping` of each replica (or of
    /// the origin), `/nginx_status`, and with credentials `cluster_status` and the
    /// settings; for an admin then a second round: `/_ping` of every replica the
    /// settings list (unless `replicas` are given, or `discoverReplicas` says otherwise),
    /// the job runner's workers, jobs and crons, and the MSR 3.1 metrics.
    /// Never rejects for what MSR answers; the report explains it. Request rates come
    /// from the previous `health()` of this client, or from `options.previousNginx` (an
    /// earlier report's `nginx` with `at: report.checkedAt`, e.g. one a service worker
    /// stored before it was stopped), which takes precedence; pulls and pushes per minute
    /// likewise from `options.previousMetrics` (an earlier report's `metrics.sample`).
    #[wasm_bindgen(unchecked_return_type = "Promise<HealthReport>")]
    pub fn health(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "HealthOptions")] options: Option<JsValue>,
    ) -> Promise {
        let shared = self.shared.clone();
        let options = optional_options::<HealthOptions>("health options", options);
        future_to_promise(async move {
            let options = options?;
            let previous = options.previous().or(shared.nginx.get());
            let mut check = HealthCheck::new(&shared.config.targets, previous)
                .with_previous_metrics(options.previous_metrics().or(shared.metrics.get()));
            let fetch = &shared.fetch;
            // Round after round (an admin's check has a second one: the discovered
            // replicas, the job runner, the metrics), every probe of a round at once.
            loop {
                let requests = check.requests();
                if requests.is_empty() {
                    break;
                }
                let probes = requests.into_iter().map(|(probe, request)| async move {
                    let result = fetch.execute(request).await;
                    (probe, result, now())
                });
                for (probe, result, at) in join_all(probes).await {
                    match result {
                        Ok(response) => check.record(&probe, &response, at),
                        Err(error) => check.record_failure(&probe, &error.to_string()),
                    }
                }
            }
            let (report, sample) = check.finish(now());
            shared.nginx.set(sample);
            if let Some(metrics) = &report.metrics {
                shared.metrics.set(Some(metrics.sample));
            }
            to_js(&report)
        })
    }

    /// A registry token for exactly `scopes` (`"repository:<gun>:pull"`,
    /// `"registry:catalog:*"`, ...), from the token service on the origin. Cached tokens
    /// are reused until shortly before they expire. The token is returned whatever it
    /// grants: read `grants`. Rejects with `unauthenticated` for bad credentials.
    #[wasm_bindgen(unchecked_return_type = "Promise<TokenInfo>")]
    pub fn token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | string[]")] scopes: JsValue,
    ) -> Promise {
        let shared = self.shared.clone();
        let scopes = parse_scopes(scopes);
        future_to_promise(async move {
            let token = fetch_token(&shared, &scopes?).await?;
            to_js(&TokenInfo {
                token: token.token().secret().to_owned(),
                issued_at: token.start().as_millis(),
                expires_at: token.expires_at().as_millis(),
                refresh_at: token.refresh_at().as_millis(),
                subject: subject(&token),
                grants: token
                    .grants()
                    .map(|g| g.as_slice().to_vec())
                    .unwrap_or_default(),
            })
        })
    }

    /// What may I see? Asks the token service for the global audit log
    /// (`registry:catalog:*`, admins only) and for pull and push on each of
    /// `repositories` (`namespace/repo` or a full GUN), and reads what the token grants.
    /// "No access" is an answer here, not an error.
    #[wasm_bindgen(unchecked_return_type = "Promise<GrantsInfo>")]
    pub fn grants(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string[]")] repositories: Option<JsValue>,
    ) -> Promise {
        let shared = self.shared.clone();
        let names = match repositories {
            Some(value) if !value.is_undefined() && !value.is_null() => {
                Vec::<String>::deserialize(serde_wasm_bindgen::Deserializer::from(value))
                    .map_err(|_| LensError::invalid("repositories must be an array of strings"))
            }
            _ => Ok(Vec::new()),
        };
        future_to_promise(async move {
            let names = names?;
            let origin = shared.config.origin();
            let guns = names
                .iter()
                .map(|name| gun(name, origin))
                .collect::<Result<Vec<_>, _>>()?;
            let scopes: Vec<Scope> = std::iter::once(Scope::catalog_all())
                .chain(
                    guns.iter()
                        .map(|gun| Scope::new("repository", gun.as_str(), ["pull", "push"])),
                )
                .collect();
            let token = fetch_token(&shared, &scopes).await?;
            let granted = token.grants().cloned().unwrap_or_default();
            let allows =
                |gun: &str, action: &str| granted.allows(&Scope::new("repository", gun, [action]));
            let repositories = names
                .into_iter()
                .zip(&guns)
                .map(|(repository, gun)| RepositoryAccess {
                    repository,
                    gun: gun.as_str().to_owned(),
                    pull: allows(gun.as_str(), "pull"),
                    push: allows(gun.as_str(), "push"),
                })
                .collect();
            let subject = subject(&token);
            to_js(&GrantsInfo {
                signed_in: subject.is_some(),
                subject,
                global_audit_log: granted.allows(&Scope::catalog_all()),
                repositories,
                grants: granted.as_slice().to_vec(),
            })
        })
    }

    /// Walk the notary trust changefeed: `for await (const record of feed)`, or page by
    /// page with `nextPage()`. `from` is `"start"` (oldest first, default), `"latest"`
    /// (newest first, older pages on demand), `{ after: id }` or `{ before: id }`.
    /// Without `repository` it reads the global feed (MSR admins only).
    #[wasm_bindgen(unchecked_return_type = "Changefeed")]
    pub fn changefeed(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ChangefeedOptions")] options: Option<
            JsValue,
        >,
    ) -> Result<JsValue, JsValue> {
        let options: ChangefeedOptions = optional_options("changefeed options", options)?;
        let options = FeedOptions::new(options, None, self.shared.config.origin(), false)?;
        self.walk(options)
    }

    /// Follow the changefeed live: records published from now on (or from `from`), as
    /// they appear. Polls every `pollIntervalMs` (default 30 s) once caught up; runs until
    /// `close()` or a `break` out of `for await`.
    #[wasm_bindgen(unchecked_return_type = "Changefeed")]
    pub fn follow(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "FollowOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let options: FollowOptions = optional_options("follow options", options)?;
        let poll = options.poll_interval_ms;
        let options = FeedOptions::new(options.into(), poll, self.shared.config.origin(), true)?;
        self.walk(options)
    }
}

impl MsrClient {
    /// A changefeed walk, async-iterable from JavaScript.
    fn walk(&self, options: FeedOptions) -> Result<JsValue, JsValue> {
        let feed = Changefeed::new(self.shared.clone(), options)?;
        Ok(records::async_iterable(feed.into()))
    }
}

/// Send `request`; a transport failure (no HTTP answer) is the error.
async fn send(shared: &Shared, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, LensError> {
    shared.fetch.execute(request).await.map_err(LensError::from)
}

/// A token for exactly `scopes` from the origin's token service: every `Step::Send` of
/// the flow is sent until it reaches a final step (the authenticator is borrowed only
/// between awaits).
async fn fetch_token(shared: &Shared, scopes: &[Scope]) -> Result<IssuedToken, LensError> {
    let realm = format!("{}/auth/token", shared.config.origin());
    let request = TokenRequest::new(realm, Some(shared.config.service.clone()), scopes);
    let (call, mut step) = shared.auth.borrow_mut().start_token(request, now());
    while let Step::Send(request) = step {
        match shared.fetch.execute(request).await {
            Ok(response) => step = shared.auth.borrow_mut().handle(call, response, now()),
            Err(error) => {
                shared.auth.borrow_mut().fail(call);
                return Err(error.into());
            }
        }
    }
    match step {
        Step::Token(token) => Ok(token),
        Step::Failed(error) => Err(error.into()),
        Step::Done(response) => Err(LensError::api("token", &ApiError::from_response(&response))),
        _ => Err(LensError::new(
            "internal",
            "the token flow ended unexpectedly",
        )),
    }
}

/// The account a token was issued to, if it names one.
fn subject(token: &IssuedToken) -> Option<String> {
    token
        .claims()
        .and_then(|c| c.subject.clone())
        .filter(|s| !s.is_empty())
}

/// What `nginxStatus()` resolves to (or rejects with) for `response`.
fn nginx_answer(response: &Response<Vec<u8>>) -> Result<JsValue, JsValue> {
    match parse_nginx_status(response) {
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
            message: format!("/nginx_status is not stub_status output: {error} ({excerpt})"),
        }
        .into()),
        _ => Err(LensError::new("badResponse", "/nginx_status: unexpected answer").into()),
    }
}

/// Parse a changefeed page (`{"count":N,"records":[...]}`) as notary sends it, with the
/// same tolerance as the client: `records` may be `null`, `SHA256` padding is trimmed,
/// `createdAt` is epoch milliseconds or `null` (`createdAtRaw` keeps the text). Rejects a
/// body that is not a page with an `MsrLensError` of kind `badResponse`.
#[wasm_bindgen(js_name = parseChangefeedPage, unchecked_return_type = "ChangeRecord[]")]
pub fn parse_changefeed_page(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] body: JsValue,
) -> Result<JsValue, JsValue> {
    let bytes = if let Some(text) = body.as_string() {
        text.into_bytes()
    } else if let Some(array) = body.dyn_ref::<js_sys::Uint8Array>() {
        array.to_vec()
    } else {
        return Err(
            LensError::invalid("parseChangefeedPage takes a Uint8Array or a string").into(),
        );
    };
    let columns = records::RecordColumns::from_page_body(&bytes).map_err(|e| LensError {
        kind: e.kind().as_str(),
        status: None,
        code: None,
        message: prefixed("changefeed page: ", &e),
    })?;
    Ok(records::columns_to_js(&columns).into())
}

/// What a browser's network error string names: `webRequest.onErrorOccurred`'s `error`
/// (Chromium's `net::ERR_CERT_AUTHORITY_INVALID`, `net::ERR_CONNECTION_REFUSED`; Firefox's
/// `NS_ERROR_*` or its English NSS certificate message). A string not recognised is kind
/// `other`, its sentence quoting it.
#[wasm_bindgen(js_name = classifyNetworkError, unchecked_return_type = "ClassifiedNetworkError")]
pub fn classify_network_error(error: &str) -> Result<JsValue, JsValue> {
    to_js(&crate::outputs::ClassifiedNetworkError::of(error))
}

/// Whether `value` is an error of this package (an `Error` named `MsrLensError` with a
/// `kind`).
#[wasm_bindgen(js_name = isMsrLensError, unchecked_return_type = "value is MsrLensError")]
pub fn is_msr_lens_error(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> JsValue {
    let is = value
        .dyn_ref::<js_sys::Error>()
        .and_then(|error| error.name().as_string())
        .is_some_and(|name| name == "MsrLensError");
    JsValue::from_bool(is)
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}

/// `token(scopes)`'s argument: one string of space-separated scopes, or a list.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScopesArgument {
    Text(String),
    List(Vec<String>),
}

fn parse_scopes(value: JsValue) -> Result<Vec<Scope>, LensError> {
    let texts = match ScopesArgument::deserialize(serde_wasm_bindgen::Deserializer::from(value)) {
        Ok(ScopesArgument::Text(text)) => text.split_whitespace().map(str::to_owned).collect(),
        Ok(ScopesArgument::List(list)) => list,
        Err(_) => return Err(LensError::invalid("scopes must be an array of strings")),
    };
    if texts.is_empty() {
        return Err(LensError::invalid("scopes: give at least one scope"));
    }
    texts
        .iter()
        .map(|text| Scope::parse(text).map_err(|e| LensError::invalid(prefixed("scopes: ", &e))))
        .collect()
}

/// A value as a plain JS value (objects, not `Map`s; `None` as `null`), as `JSON.parse`
/// of its `serde_json` text would give.
///
/// `serde-wasm-bindgen`'s JSON-compatible serializer refuses integers outside
/// ±(2^53 − 1), which MSR's free-form fields may hold (a counter or a nanosecond time in
/// `cluster_status`'s raw RethinkDB tables): one such number must not sink a whole health
/// report. Such a value goes through its JSON text and `JSON.parse` instead, which rounds
/// the number the way every JavaScript client of MSR would.
pub(crate) fn to_js(value: &impl serde::Serialize) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .or_else(|_| {
            let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
            js_sys::JSON::parse(&text).map_err(|_| "JSON.parse refused it".to_string())
        })
        .map_err(|e| LensError::new("internal", format!("serialization failed: {e}")).into())
}

/// The options object `what` from JavaScript.
///
/// The object is taken in whole (every key, through `serde-wasm-bindgen`) as a JSON value
/// first, then read into `T`: `serde-wasm-bindgen` reads a struct by looking up only the
/// fields it declares, so `deny_unknown_fields` would never see a mistyped key.
pub(crate) fn options_from<T: serde::de::DeserializeOwned>(
    what: &str,
    value: JsValue,
) -> Result<T, LensError> {
    if !value.is_object() || js_sys::Array::is_array(&value) {
        return Err(not_an_object(what));
    }
    let value: serde_json::Value =
        serde_wasm_bindgen::from_value(value).map_err(|_| not_an_object(what))?;
    read(what, value)
}

/// The optional options object `what`: `undefined` or `null` is `{}`.
pub(crate) fn optional_options<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    value: Option<JsValue>,
) -> Result<T, LensError> {
    match value {
        Some(value) if !value.is_undefined() && !value.is_null() => options_from(what, value),
        _ => Ok(T::default()),
    }
}
