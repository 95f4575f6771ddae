//! [`MsrClient`]: the small blocking API the integration tests, the demo and the
//! benchmarks share. All protocol logic lives in `msr-lens-core`; this file only moves
//! bytes and reads the clock.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use http::{Request, Response};
use msr_lens_core::auth::{
    AuthError, Authenticator, CallId, Credentials, IssuedToken, Scope, Step, TokenRequest,
};
use msr_lens_core::health::{
    ClusterStatus, ClusterStatusError, Discovery, HealthCheck, HealthReport, HealthTargets,
    MetricsSample, NginxSample, cluster_status_request, parse_cluster_status,
};
use msr_lens_core::{ApiError, Origin, Timestamp};

use super::http_client::{HttpClient, HttpConfig};
use crate::TransportError;

/// A clock for the client; tests hand in a controllable one.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        let millis = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp::from_millis(millis)
    })
}

/// Everything an [`MsrClient`] needs to know.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The MSR origin.
    pub origin: Origin,
    /// Per-replica origins with a label each (empty: ping the origin only).
    pub replicas: Vec<(String, Origin)>,
    /// The user's credentials (`None`: anonymous).
    pub credentials: Option<Credentials>,
    /// What to do with the replicas MSR's settings list (admins): ping them (default),
    /// list them only, or not read the settings.
    pub discovery: Discovery,
    /// The token service's `service` name (MSR: `dtr`).
    pub service: String,
    /// HTTP settings: timeout, size cap, CA.
    pub http: HttpConfig,
}

impl ClientConfig {
    /// A configuration for `origin` with defaults: no replicas, anonymous, service `dtr`.
    pub fn new(origin: Origin) -> Self {
        ClientConfig {
            origin,
            replicas: Vec::new(),
            credentials: None,
            discovery: Discovery::default(),
            service: "dtr".to_string(),
            http: HttpConfig::default(),
        }
    }
}

/// Why an [`MsrClient`] call failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// No HTTP answer.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The token flow ended the call (bad credentials, no access, token service down).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// MSR answered with an error.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// `cluster_status` failed (not signed in, not an admin, check failed, bad body).
    #[error(transparent)]
    ClusterStatus(#[from] ClusterStatusError),
}

impl ClientError {
    /// A stable kind name, matching the JavaScript error kinds.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientError::Transport(e) => e.kind(),
            ClientError::Auth(e) => e.kind(),
            ClientError::Api(e) => e.kind.as_str(),
            ClientError::ClusterStatus(e) => match e.api_error() {
                Some(api) => api.kind.as_str(),
                None => "badResponse",
            },
        }
    }
}

/// A blocking client for one MSR instance.
pub struct MsrClient {
    config: ClientConfig,
    http: HttpClient,
    auth: Mutex<Authenticator>,
    nginx_previous: Mutex<Option<NginxSample>>,
    metrics_previous: Mutex<Option<MetricsSample>>,
    clock: Clock,
}

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MsrClient {
    /// A client with the system clock.
    pub fn new(config: ClientConfig) -> Result<Self, ClientError> {
        MsrClient::with_clock(config, system_clock())
    }

    /// A client with the given clock.
    pub fn with_clock(config: ClientConfig, clock: Clock) -> Result<Self, ClientError> {
        let http = HttpClient::new(config.http.clone())?;
        let auth = Authenticator::new(config.origin.clone(), config.credentials.clone());
        Ok(MsrClient {
            config,
            http,
            auth: Mutex::new(auth),
            nginx_previous: Mutex::new(None),
            metrics_previous: Mutex::new(None),
            clock,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The current time by this client's clock.
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Send one request as it is (no token flow). Refuses a request carrying an
    /// `Authorization` header to any other origin.
    pub fn execute(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        if request.headers().contains_key(http::header::AUTHORIZATION)
            && !self.config.origin.same_origin(request.uri())
        {
            return Err(TransportError::Refused(
                "credentials may only go to the configured origin".into(),
            ));
        }
        self.http.execute(request)
    }

    /// One whole health check: every replica's `/_ping`, `/nginx_status` and (with
    /// credentials) `cluster_status`, sent in parallel, combined into one report.
    pub fn health(&self) -> HealthReport {
        let targets = HealthTargets {
            replicas: self.config.replicas.clone(),
            credentials: self.config.credentials.clone(),
            discovery: self.config.discovery,
            ..HealthTargets::new(self.config.origin.clone())
        };
        let previous = *lock(&self.nginx_previous);
        let mut check = HealthCheck::new(&targets, previous)
            .with_previous_metrics(*lock(&self.metrics_previous));
        // Round after round (an admin's check has a second one), each round in parallel.
        loop {
            let requests = check.requests();
            if requests.is_empty() {
                break;
            }
            let answers: Vec<_> = std::thread::scope(|scope| {
                let handles: Vec<_> = requests
                    .into_iter()
                    .map(|(probe, request)| {
                        scope.spawn(move || {
                            let answer = self.execute(request);
                            (probe, answer, self.now())
                        })
                    })
                    .collect();
                handles.into_iter().filter_map(|h| h.join().ok()).collect()
            });
            for (probe, answer, at) in answers {
                match answer {
                    Ok(response) => check.record(&probe, &response, at),
                    Err(error) => check.record_failure(&probe, &error.to_string()),
                }
            }
        }
        let (report, sample) = check.finish(self.now());
        *lock(&self.nginx_previous) = sample;
        if let Some(metrics) = &report.metrics {
            *lock(&self.metrics_previous) = Some(metrics.sample);
        }
        report
    }

    /// `cluster_status` (admin only, HTTP basic auth).
    pub fn cluster_status(&self) -> Result<ClusterStatus, ClientError> {
        let credentials = self.config.credentials.as_ref();
        let anonymous = Credentials::password("", "");
        let mut request =
            cluster_status_request(&self.config.origin, credentials.unwrap_or(&anonymous));
        if credentials.is_none() {
            request.headers_mut().remove(http::header::AUTHORIZATION);
        }
        let response = self.execute(request)?;
        Ok(parse_cluster_status(&response)?)
    }

    /// Send `request` through the token flow (challenge → token → retry once).
    /// Returns the resource's final response, success or not.
    pub fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, ClientError> {
        let (call, step) = lock(&self.auth).start(request, self.now());
        match self.drive(call, step)? {
            Step::Done(response) => Ok(response),
            _ => Err(unexpected_end()),
        }
    }

    /// A token for exactly `scopes` from the origin's token service (`/auth/token`).
    pub fn token(&self, scopes: &[Scope]) -> Result<IssuedToken, ClientError> {
        let realm = format!("{}/auth/token", self.config.origin);
        let request = TokenRequest::new(realm, Some(self.config.service.clone()), scopes);
        let (call, step) = lock(&self.auth).start_token(request, self.now());
        match self.drive(call, step)? {
            Step::Token(token) => Ok(token),
            Step::Done(response) => Err(ApiError::from_response(&response).into()),
            _ => Err(unexpected_end()),
        }
    }

    /// Send every `Step::Send` of `call` until it reaches a final step; a failed call is
    /// an error, other final steps are returned.
    fn drive(&self, call: CallId, mut step: Step) -> Result<Step, ClientError> {
        while let Step::Send(request) = step {
            match self.execute(request) {
                Ok(response) => step = lock(&self.auth).handle(call, response, self.now()),
                Err(error) => {
                    lock(&self.auth).fail(call);
                    return Err(error.into());
                }
            }
        }
        match step {
            Step::Failed(error) => Err(error.into()),
            other => Ok(other),
        }
    }

    /// The authenticator shared by every call of this client (token cache, grants).
    pub fn authenticator(&self) -> MutexGuard<'_, Authenticator> {
        lock(&self.auth)
    }
}

fn unexpected_end() -> ClientError {
    ClientError::Transport(TransportError::Other(
        "the token flow ended unexpectedly".into(),
    ))
}
