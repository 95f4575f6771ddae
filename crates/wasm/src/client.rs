//! `MsrClient`: the JavaScript entry point.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use http::{Request, Response, StatusCode};
use js_sys::Promise;
use msr_lens_core::auth::{Authenticator, Scope, Step, TokenRequest};
use msr_lens_core::health::cluster::CLUSTER_STATUS_PATH;
use msr_lens_core::health::{
    HealthCheck, MetricsSample, NginxOutcome, NginxSample, Probe, cluster_status_request,
    nginx_status_request, parse_cluster_status, parse_nginx_status, parse_ping, ping_request,
};
use msr_lens_core::{ApiError, ErrorKind, Timestamp};
use msr_lens_transport::TransportError;
use msr_lens_transport::wasm::{FetchClient, FetchConfig, now};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// A method's work as one boxed future.
pub(crate) type Job =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>;

/// `job` as a promise: one `future_to_promise` instance (and one task spawner) for every
/// async method rather than one per method.
#[inline(never)]
pub(crate) fn promise(job: Job) -> Promise {
    future_to_promise(job)
}

use crate::error::{LensError, not_an_object, prefixed};
use crate::feed::Changefeed;
use crate::join::join_all;
use crate::options::{ClientConfig, FeedOptions, gun};
use crate::outputs::{ClusterStatusWithReplicas, GrantsInfo, RepositoryAccess, TokenInfo};
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

impl Shared {}

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
        self.call(JsValue::UNDEFINED, Method::Ping)
    }

    /// `GET /nginx_status`: nginx's connection counters. Rejects with `forbidden`,
    /// `unauthenticated` or `notFound` when the page is not available to you.
    #[wasm_bindgen(js_name = nginxStatus, unchecked_return_type = "Promise<NginxStatus>")]
    pub fn nginx_status(&self) -> Promise {
        self.call(JsValue::UNDEFINED, Method::Nginx)
    }

    /// `GET /api/v0/meta/cluster_status` (MSR admins only), with the derived state of
    /// every replica. Rejects with `unauthenticated` (no or bad credentials),
    /// `forbidden` (not an admin), `unavailable` (MSR's own check failed), ...
    #[wasm_bindgen(js_name = clusterStatus, unchecked_return_type = "Promise<ClusterStatus>")]
    pub fn cluster_status(&self) -> Promise {
        self.call(JsValue::UNDEFINED, Method::Cluster)
    }

    /// One whole health check, every probe in parallel: `/_ping` of each replica (or of
    /// the origin), `/nginx_status`, and with credentials `cluster_status` and the
    /// settings; for an admin then a second round: `/_ping` of every replica the
    /// settings list (unless `replicas` are given, or `discoverReplicas` says otherwise),
    /// the job runner's workers, jobs and crons, and the MSR 3.1 metrics.
    /// Never rejects for what MSR answers; the report explains it. Request rates come
    /// from the previous `health()` of this client, or from `options.previousNginx` (an
    /// earlier report's `nginx` with `at: report.checkedAt`, e.g. one a service worker
    /// stored before it was stopped), which takes precedence.
    #[wasm_bindgen(unchecked_return_type = "Promise<HealthReport>")]
    pub fn health(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "HealthOptions")] options: Option<JsValue>,
    ) -> Promise {
        let shared = self.shared.clone();
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let previous = options_json("health options", &options, true)
            .and_then(|json| crate::options::health_options(&json));
        promise(Box::pin(async move {
            let mut check = plan_health(&shared, previous?);
            let fetch = &shared.fetch;
            // Round after round (an admin's check has a second one: the discovered
            // replicas, the job runner, the metrics), every probe of a round at once.
            loop {
                let requests = check.requests();
                if requests.is_empty() {
                    break;
                }
                // The transport's futures themselves, each stamped with `now()` when it
                // ends (no async block around each: one state machine less per probe).
                let probes = requests
                    .into_iter()
                    .map(|(probe, request)| (probe, fetch.execute(request)));
                record_round(&mut check, join_all(probes, now).await);
            }
            finish_health(&shared, check)
        }))
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
        self.call(scopes, Method::Token)
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
        self.call(repositories.unwrap_or(JsValue::UNDEFINED), Method::Grants)
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
        self.feed(&options.unwrap_or(JsValue::UNDEFINED), false)
    }

    /// Follow the changefeed live: records published from now on (or from `from`), as
    /// they appear. Polls every `pollIntervalMs` (default 30 s) once caught up; runs until
    /// `close()` or a `break` out of `for await`.
    #[wasm_bindgen(unchecked_return_type = "Changefeed")]
    pub fn follow(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "FollowOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        self.feed(&options.unwrap_or(JsValue::UNDEFINED), true)
    }
}

impl MsrClient {
    /// `method_call` for `what` as a promise: one copy of the future's setup for the five
    /// methods that send one kind of request.
    #[inline(never)]
    fn call(&self, input: JsValue, what: Method) -> Promise {
        promise(Box::pin(method_call(self.shared.clone(), input, what)))
    }

    fn feed(&self, options: &JsValue, follow: bool) -> Result<JsValue, JsValue> {
        let what = if follow {
            "follow options"
        } else {
            "changefeed options"
        };
        let json = options_json(what, options, true)?;
        let options = FeedOptions::from_json(&json, self.shared.config.origin(), follow)?;
        let feed = Changefeed::new(self.shared.clone(), options)?;
        Ok(records::async_iterable(feed.into()))
    }
}

/// The methods that send requests (other than `health()` and the changefeed's).
#[derive(Clone, Copy)]
enum Method {
    Ping,
    Nginx,
    Cluster,
    /// `token(scopes)`: `input` is the scopes.
    Token,
    /// `grants(repositories)`: `input` is the repositories.
    Grants,
}

/// `ping()`, `nginxStatus()`, `clusterStatus()`, `token()` or `grants()`: one async body
/// for all of them (a token call also runs the token flow here: no nested future).
async fn method_call(shared: Rc<Shared>, input: JsValue, what: Method) -> Result<JsValue, JsValue> {
    let origin = shared.config.origin();
    let request = match (what, &shared.config.targets.credentials) {
        (Method::Token | Method::Grants, _) => {
            let grants = matches!(what, Method::Grants);
            let mut names = Vec::new();
            let mut guns = Vec::new();
            let scopes = if grants {
                if !(input.is_undefined() || input.is_null()) {
                    names = string_list("repositories", &input)?;
                }
                for name in &names {
                    guns.push(gun(name, shared.config.origin())?);
                }
                // `Scope::catalog_all()` first, built like the other scopes (one `Scope::new`).
                let mut scopes = Vec::with_capacity(guns.len() + 1);
                scopes.push(scope("registry", "catalog", &["*"]));
                for gun in &guns {
                    scopes.push(scope("repository", gun.as_str(), &["pull", "push"]));
                }
                scopes
            } else {
                parse_scopes(&input)?
            };

            // A token for exactly `scopes` from the origin's token service: send every
            // `Step::Send` of the call until it reaches a final step (the authenticator is
            // borrowed only between awaits).
            // The origin's text and the path (what `origin.url(..)` parses into a `Uri`).
            let realm = format!("{origin}/auth/token");
            let request = TokenRequest::new(realm, Some(shared.config.service.clone()), &scopes);
            let (call, mut step) = shared.auth.borrow_mut().start_token(request, now());
            while let Step::Send(request) = step {
                match shared.fetch.execute(request).await {
                    Ok(response) => step = shared.auth.borrow_mut().handle(call, response, now()),
                    Err(error) => {
                        shared.auth.borrow_mut().fail(call);
                        return Err(LensError::from(error).into());
                    }
                }
            }
            let token = match step {
                Step::Token(token) => token,
                Step::Failed(error) => return Err(LensError::from(error).into()),
                Step::Done(response) => {
                    return Err(LensError::api("token", &ApiError::from_response(&response)).into());
                }
                _ => {
                    return Err(
                        LensError::new("internal", "the token flow ended unexpectedly").into(),
                    );
                }
            };

            let subject = token
                .claims()
                .and_then(|c| c.subject.as_deref())
                .filter(|s| !s.is_empty());
            if !grants {
                return to_js(&TokenInfo {
                    token: token.token().secret(),
                    issued_at: token.start().as_millis(),
                    expires_at: token.expires_at().as_millis(),
                    refresh_at: token.refresh_at().as_millis(),
                    subject,
                    grants: token.grants().map(|g| g.as_slice()).unwrap_or(&[]),
                });
            }
            let none = msr_lens_core::auth::Grants::default();
            let granted = token.grants().unwrap_or(&none);
            let mut repositories = Vec::with_capacity(guns.len());
            for (name, gun) in names.iter().zip(&guns) {
                repositories.push(RepositoryAccess {
                    repository: name,
                    gun: gun.as_str(),
                    pull: granted.allows(&scope("repository", gun.as_str(), &["pull"])),
                    push: granted.allows(&scope("repository", gun.as_str(), &["push"])),
                });
            }
            return to_js(&GrantsInfo {
                signed_in: subject.is_some(),
                subject,
                // The first scope asked for is the catalog's.
                global_audit_log: scopes
                    .first()
                    .is_some_and(|catalog| granted.allows(catalog)),
                repositories,
                grants: granted.as_slice(),
            });
        }
        (Method::Ping, _) => ping_request(origin),
        (Method::Nginx, _) => nginx_status_request(origin),
        (Method::Cluster, Some(credentials)) => cluster_status_request(origin, credentials),
        // Without credentials the cluster status request goes out anonymously (the same
        // `GET` and `Accept` header, no `Authorization`): MSR's own 401 says what is
        // missing.
        (Method::Cluster, None) => {
            let mut request = Request::new(Vec::new());
            *request.uri_mut() = origin
                .url(CLUSTER_STATUS_PATH)
                .expect("a constant path is a valid URI on the origin");
            request.headers_mut().insert(
                http::header::ACCEPT,
                http::HeaderValue::from_static("application/json"),
            );
            request
        }
    };
    let response = shared
        .fetch
        .execute(request)
        .await
        .map_err(LensError::from)?;
    match what {
        // A 503 "unhealthy" is a result, not an error.
        Method::Ping => to_js(&parse_ping(&response)),
        Method::Nginx => nginx_answer(&response),
        // `clusterStatus()` (a token call has returned above).
        _ => {
            let status = parse_cluster_status(&response).map_err(LensError::from)?;
            let replicas = status.replica_states(now(), shared.config.targets.stale_after);
            to_js(&ClusterStatusWithReplicas { status, replicas })
        }
    }
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

/// One probe's outcome: its answer or transport failure, and when it came.
type ProbeResult = (Probe, Result<Response<Vec<u8>>, TransportError>, Timestamp);

/// The health check `health()` runs: `previous` (the caller's), else this client's last
/// nginx sample. (Not `#[inline(never)]`: letting LLVM inline it into the async body is
/// smaller.)
fn plan_health(shared: &Shared, previous: Option<NginxSample>) -> HealthCheck {
    HealthCheck::new(&shared.config.targets, previous.or(shared.nginx.get()))
        .with_previous_metrics(shared.metrics.get())
}

/// Record every probe's outcome of one round.
fn record_round(check: &mut HealthCheck, results: impl Iterator<Item = ProbeResult>) {
    for (probe, result, at) in results {
        match result {
            Ok(response) => check.record(&probe, &response, at),
            Err(error) => check.record_failure(&probe, &error.to_string()),
        }
    }
}

/// Build the report and keep the samples for the next check. (Not `#[inline(never)]`:
/// letting LLVM inline it into the async body is smaller.)
fn finish_health(shared: &Shared, check: HealthCheck) -> Result<JsValue, JsValue> {
    let (report, sample) = check.finish(now());
    shared.nginx.set(sample);
    if let Some(metrics) = &report.metrics {
        shared.metrics.set(Some(metrics.sample));
    }
    to_js(&report)
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

/// Whether `value` is an error of this package (an `Error` named `MsrLensError` with a
/// `kind`).
#[wasm_bindgen(js_name = isMsrLensError, unchecked_return_type = "value is MsrLensError")]
pub fn is_msr_lens_error(
    #[wasm_bindgen(unchecked_param_type = "unknown")] value: JsValue,
) -> JsValue {
    let is = value.is_instance_of::<js_sys::Error>()
        && value
            .unchecked_ref::<js_sys::Error>()
            .name()
            .as_string()
            .is_some_and(|n| n == "MsrLensError");
    JsValue::from_bool(is)
}

/// The package version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_string()
}

/// A scope from its parts: every scope `grants()` builds goes through this one instance
/// of the generic [`Scope::new`].
#[inline(never)]
fn scope(resource_type: &str, name: &str, actions: &[&str]) -> Scope {
    Scope::new(resource_type, name, actions.iter().copied())
}

fn parse_scopes(value: &JsValue) -> Result<Vec<Scope>, LensError> {
    let list;
    let text = value.as_string();
    let texts: Vec<&str> = match &text {
        Some(text) => text.split_whitespace().collect(),
        None => {
            list = string_list("scopes", value)?;
            list.iter().map(String::as_str).collect()
        }
    };
    if texts.is_empty() {
        return Err(LensError::invalid("scopes: give at least one scope"));
    }
    let mut scopes = Vec::with_capacity(texts.len());
    for text in texts {
        match Scope::parse(text) {
            Ok(scope) => scopes.push(scope),
            Err(e) => return Err(LensError::invalid(prefixed("scopes: ", &e))),
        }
    }
    Ok(scopes)
}

fn string_list(what: &str, value: &JsValue) -> Result<Vec<String>, LensError> {
    // One error path for "not an array" and "an element that is not a string".
    'strings: {
        if !js_sys::Array::is_array(value) {
            break 'strings;
        }
        let array: &js_sys::Array = value.unchecked_ref();
        let mut list = Vec::new();
        for index in 0..array.length() {
            let Some(text) = array.get(index).as_string() else {
                break 'strings;
            };
            list.push(text);
        }
        return Ok(list);
    }
    Err(LensError::invalid(format!(
        "{what} must be an array of strings"
    )))
}

/// A value as a plain JS value: its `serde_json` text through `JSON.parse`.
pub(crate) fn to_js(value: &impl serde::Serialize) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|e| LensError::new("internal", format!("JSON encoding failed: {e}")))?;
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
        return Err(not_an_object(what));
    }
    js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| not_an_object(what))
}
