//! The challenge → token → retry-once flow (msr-api.md §5).
//!
//! Two layers:
//! - [`Call`], a typestate for one request: `Call<Start>` → `Call<Challenged>` →
//!   `Call<Authorized>`; every transition consumes the call, so a request cannot be
//!   retried twice or with a token for another call.
//! - [`Authenticator`], the facade the rest of the product drives. It runs many calls at
//!   once (each with a small [`CallId`]), keeps the [`TokenCache`], remembers which
//!   challenge each path family got so that later requests carry a token from the start,
//!   and refreshes a token that is about to expire before using it.
//!
//! The outcomes are kept apart: bad credentials ([`AuthError::BadCredentials`]), signed
//! in but no access ([`AuthError::NoAccess`], read from the token's `access` claim or
//! from `insufficient_scope` after the retry), and a failing token service
//! ([`AuthError::TokenService`]). Any other answer of the resource — success or not —
//! is handed back as [`Step::Done`] for the caller to read or normalise.
//!
//! # States of one call
//! ```text
//!                 start(request)
//!                      │ family challenged before?
//!        ┌─────────────┼──────────────────────────────┐
//!        │ no          │ token cached, fresh          │ token due for refresh
//!        ▼             ▼                              ▼
//!   Sent(plain)   Sent(with cached token)      Refreshing ── token ──► Sent(with new token)
//!        │             │                              └─ 401/5xx/HTML ──► Failed
//!        └──────┬──────┘
//!               │ answer
//!     not a Bearer 401 ──────────────────────────────────► Done(response)
//!     Bearer 401 (invalid_token on a cached token: drop it from the cache)
//!               ▼
//!         Fetching (GET <realm>?service&scope..., basic auth only on the origin)
//!               │ realm on another origin ──────────────► Failed(ForeignRealm)
//!               │ 401 ──────────────────────────────────► Failed(BadCredentials)
//!               │ 5xx / HTML / not a token ─────────────► Failed(TokenService)
//!               │ token's `access` lacks the scope ─────► Failed(NoAccess)
//!               ▼
//!         Retried (request + Bearer token, once)
//!               │ 401 insufficient_scope ───────────────► Failed(NoAccess)
//!               │ other Bearer 401 ─────────────────────► Failed(TokenRejected)
//!               └ anything else ────────────────────────► Done(response)
//! ```
//!
//! # Driving the authenticator
//! 1. [`Authenticator::start`] a request (absolute URI on the origin) at `now`.
//! 2. While the step is [`Step::Send`], send that request and hand its response to
//!    [`Authenticator::handle`] (or a network failure to [`Authenticator::fail`]).
//! 3. [`Step::Done`] is the resource's final response; [`Step::Failed`] ends the call
//!    with an [`AuthError`].
//!
//! ```
//! use http::{Request, Response, StatusCode};
//! use msr_lens_core::auth::{Authenticator, Credentials, Step};
//! use msr_lens_core::{Origin, Timestamp};
//!
//! let origin = Origin::parse("https://msr.example.org").unwrap();
//! let mut auth = Authenticator::new(origin, Some(Credentials::access_token("ci", "tok")));
//! let now = Timestamp::from_secs(1_800_000_000);
//! let request = Request::get("https://msr.example.org/v2/_trust/changefeed?change_id=0&records=10")
//!     .body(Vec::new())
//!     .unwrap();
//!
//! // Canned answers of the server, in the order the requests go out.
//! let mut answers = vec![
//!     Response::builder()
//!         .status(StatusCode::UNAUTHORIZED)
//!         .header(
//!             "www-authenticate",
//!             r#"Bearer realm="https://msr.example.org/auth/token",service="dtr",scope="registry:catalog:*""#,
//!         )
//!         .body(br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.to_vec())
//!         .unwrap(),
//!     Response::new(br#"{"token":"opaque-token","expires_in":300}"#.to_vec()),
//!     Response::new(br#"{"count":0,"records":null}"#.to_vec()),
//! ]
//! .into_iter();
//!
//! let (call, mut step) = auth.start(request, now);
//! let mut sent = Vec::new();
//! let final_response = loop {
//!     match step {
//!         Step::Send(request) => {
//!             sent.push(request.uri().path().to_string());
//!             step = auth.handle(call, answers.next().unwrap(), now);
//!         }
//!         Step::Done(response) => break response,
//!         other => panic!("unexpected {other:?}"),
//!     }
//! };
//! assert_eq!(final_response.status(), StatusCode::OK);
//! assert_eq!(sent, ["/v2/_trust/changefeed", "/auth/token", "/v2/_trust/changefeed"]);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use http::header::AUTHORIZATION;
use http::{Request, Response, StatusCode};

use crate::Timestamp;
use crate::auth::cache::{IssuedToken, TokenCache};
use crate::auth::challenge::{BearerChallenge, BearerError, bearer_challenge};
use crate::auth::credentials::Credentials;
use crate::auth::error::AuthError;
use crate::auth::jwt::Grants;
use crate::auth::scope::Scope;
use crate::auth::token::{BearerToken, TokenRequest, TokenResponse};
use crate::error::ApiError;
use crate::origin::Origin;

/// How many path families the authenticator remembers a challenge for.
const FAMILY_CAPACITY: usize = 256;

/// One request going through the token flow, in state `S`.
#[derive(Debug)]
pub struct Call<S> {
    request: Request<Vec<u8>>,
    state: S,
}

/// First attempt: the request as given, possibly with a cached token attached.
#[derive(Debug)]
pub struct Start {
    attached: Option<(TokenRequest, BearerToken)>,
}

/// The resource answered 401 with a `Bearer` challenge; a token is to be fetched.
#[derive(Debug)]
pub struct Challenged {
    challenge: BearerChallenge,
    token_request: TokenRequest,
    rejected: Option<TokenRequest>,
}

/// A fresh token was issued; the request is retried once with it.
#[derive(Debug)]
pub struct Authorized {
    challenge: BearerChallenge,
    token_request: TokenRequest,
    token: IssuedToken,
}

/// What the first answer of a call leads to.
#[derive(Debug)]
pub enum Started {
    /// Not a `Bearer` 401: the resource's answer, final.
    Done(Response<Vec<u8>>),
    /// A `Bearer` challenge: fetch a token next.
    Challenged(Box<Call<Challenged>>),
    /// A 401 whose challenge could not be understood.
    Failed(AuthError),
}

impl<S> Call<S> {
    /// The request as handed in (without any token the flow attached).
    pub fn original_request(&self) -> &Request<Vec<u8>> {
        &self.request
    }
}

impl Call<Start> {
    /// Begin a call for `request`.
    pub fn new(request: Request<Vec<u8>>) -> Self {
        Call {
            request,
            state: Start { attached: None },
        }
    }

    /// Attach a token obtained earlier for `key` to the first attempt. If the server
    /// answers `invalid_token`, [`Call::<Challenged>::rejected_token`] names `key`.
    pub fn with_token(self, key: TokenRequest, token: BearerToken) -> Self {
        Call {
            request: self.request,
            state: Start {
                attached: Some((key, token)),
            },
        }
    }

    /// The request to send now.
    pub fn request(&self) -> Request<Vec<u8>> {
        let mut request = clone_request(&self.request);
        if let Some((_, token)) = &self.state.attached {
            request
                .headers_mut()
                .insert(AUTHORIZATION, token.header_value());
        }
        request
    }

    /// Read the answer to [`Call::<Start>::request`].
    ///
    /// A 401 with a `Bearer` challenge leads to [`Started::Challenged`] — also when a
    /// token was attached, because a token reused for a new request may lack the scope
    /// it needs. Any other answer, including a 401 without a challenge or with only a
    /// `Basic` one, is [`Started::Done`].
    pub fn handle_response(self, response: Response<Vec<u8>>) -> Started {
        if response.status() != StatusCode::UNAUTHORIZED {
            return Started::Done(response);
        }
        let challenge = match bearer_challenge(response.headers()) {
            Ok(Some(challenge)) => challenge,
            Ok(None) => return Started::Done(response),
            Err(e) => return Started::Failed(AuthError::Challenge(e)),
        };
        let rejected = match (&challenge.error, self.state.attached) {
            (Some(BearerError::InvalidToken), Some((key, _))) => Some(key),
            _ => None,
        };
        Started::Challenged(Box::new(Call {
            request: self.request,
            state: Challenged {
                token_request: TokenRequest::from_challenge(&challenge),
                challenge,
                rejected,
            },
        }))
    }
}

impl Call<Challenged> {
    /// The challenge the resource sent.
    pub fn challenge(&self) -> &BearerChallenge {
        &self.state.challenge
    }

    /// What to ask the token service for: exactly the challenge's realm, service and
    /// scopes.
    pub fn token_request(&self) -> &TokenRequest {
        &self.state.token_request
    }

    /// The key of a token that was attached and answered with `invalid_token`: drop it
    /// from the cache.
    pub fn rejected_token(&self) -> Option<&TokenRequest> {
        self.state.rejected.as_ref()
    }

    /// The HTTP request for the token service. See [`TokenRequest::to_http`]: a realm on
    /// another origin is refused and nothing is built.
    pub fn to_http(
        &self,
        origin: &Origin,
        credentials: Option<&Credentials>,
    ) -> Result<Request<Vec<u8>>, AuthError> {
        self.state.token_request.to_http(origin, credentials)
    }

    /// Read the token service's answer received at `now`; see [`Call::<Challenged>::authorize`].
    pub fn handle_token_response(
        self,
        response: &Response<Vec<u8>>,
        now: Timestamp,
    ) -> Result<Call<Authorized>, AuthError> {
        let issued = IssuedToken::new(TokenResponse::from_response(response)?, now);
        self.authorize(issued)
    }

    /// Use an issued token for the retry.
    ///
    /// # Errors
    /// [`AuthError::NoAccess`] when the token's `access` claim does not grant a scope of
    /// the challenge (no retry is made: the answer is known). A token whose claims cannot
    /// be read is tried anyway; the resource decides.
    pub fn authorize(self, token: IssuedToken) -> Result<Call<Authorized>, AuthError> {
        let denied = self
            .state
            .challenge
            .scopes
            .iter()
            .find(|scope| token.allows(scope) == Some(false));
        if let Some(scope) = denied {
            return Err(no_access(Some(scope.clone()), &token));
        }
        Ok(Call {
            request: self.request,
            state: Authorized {
                challenge: self.state.challenge,
                token_request: self.state.token_request,
                token,
            },
        })
    }
}

impl Call<Authorized> {
    /// The token used for the retry.
    pub fn token(&self) -> &IssuedToken {
        &self.state.token
    }

    /// The cache key of that token.
    pub fn token_request(&self) -> &TokenRequest {
        &self.state.token_request
    }

    /// The retry: the original request with `Authorization: Bearer <token>`.
    pub fn request(&self) -> Request<Vec<u8>> {
        let mut request = clone_request(&self.request);
        request
            .headers_mut()
            .insert(AUTHORIZATION, self.state.token.token().header_value());
        request
    }

    /// Read the answer to the retry. There is no second retry.
    ///
    /// # Errors
    /// A 401 with `error="insufficient_scope"` → [`AuthError::NoAccess`]; a 401 with any
    /// other `Bearer` challenge → [`AuthError::TokenRejected`]; an unreadable challenge →
    /// [`AuthError::Challenge`]. Anything else is the resource's answer.
    pub fn handle_response(
        self,
        response: Response<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, AuthError> {
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let challenge = match bearer_challenge(response.headers())? {
            Some(challenge) => challenge,
            None => return Ok(response),
        };
        if challenge.error == Some(BearerError::InsufficientScope) {
            let token = &self.state.token;
            let scope = challenge
                .scopes
                .iter()
                .find(|s| token.allows(s) != Some(true))
                .or(challenge.scopes.first())
                .or(self.state.challenge.scopes.first())
                .cloned();
            return Err(no_access(scope, token));
        }
        Err(AuthError::TokenRejected(Box::new(ApiError::from_response(
            &response,
        ))))
    }
}

fn no_access(scope: Option<Scope>, token: &IssuedToken) -> AuthError {
    AuthError::NoAccess {
        scope,
        granted: token.grants().cloned().unwrap_or_default(),
        subject: token.claims().and_then(|c| c.subject.clone()),
    }
}

fn clone_request(request: &Request<Vec<u8>>) -> Request<Vec<u8>> {
    let mut out = Request::new(request.body().clone());
    *out.method_mut() = request.method().clone();
    *out.uri_mut() = request.uri().clone();
    *out.version_mut() = request.version();
    *out.headers_mut() = request.headers().clone();
    out
}

/// Identifies one call of an [`Authenticator`]; cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(u64);

impl CallId {
    /// The number behind the id (unique per authenticator).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "call {}", self.0)
    }
}

/// What to do next for a call.
#[derive(Debug)]
pub enum Step {
    /// Send this request, then hand its response to [`Authenticator::handle`].
    Send(Request<Vec<u8>>),
    /// The resource's final response: a success, or an error for the caller to
    /// normalise (with [`ApiError::from_response`]).
    Done(Response<Vec<u8>>),
    /// The token asked for with [`Authenticator::start_token`].
    Token(IssuedToken),
    /// The token flow ended the call.
    Failed(AuthError),
    /// The call id is unknown or the call is already finished: nothing changed.
    Ignored,
}

#[derive(Debug)]
enum Phase {
    /// A remembered challenge's token is being refreshed before the first attempt.
    Refreshing {
        call: Call<Start>,
        key: TokenRequest,
    },
    /// The first attempt is out.
    Sent(Call<Start>),
    /// The token request after a challenge is out.
    Fetching(Box<Call<Challenged>>),
    /// The retry is out.
    Retried(Box<Call<Authorized>>),
    /// A token request of [`Authenticator::start_token`] is out.
    TokenOnly(TokenRequest),
}

/// Runs the token flow for every request to one MSR origin.
///
/// Sans-IO: it emits `http` requests and consumes responses; the caller sends them and
/// passes `now`. Credentials are sent only to a token service on the origin. Two calls
/// challenged at once each fetch their own token; both end up in the cache.
#[derive(Debug)]
pub struct Authenticator {
    origin: Origin,
    credentials: Option<Credentials>,
    cache: TokenCache,
    families: BTreeMap<String, TokenRequest>,
    /// Calls in flight, with the credentials epoch they started in.
    calls: BTreeMap<CallId, (u64, Phase)>,
    next_call: u64,
    /// Bumped when the credentials change: tokens of older calls are not cached.
    epoch: u64,
}

impl Authenticator {
    /// An authenticator for `origin`, anonymous when `credentials` is `None`.
    pub fn new(origin: Origin, credentials: Option<Credentials>) -> Self {
        Authenticator {
            origin,
            credentials,
            cache: TokenCache::new(),
            families: BTreeMap::new(),
            calls: BTreeMap::new(),
            next_call: 1,
            epoch: 0,
        }
    }

    /// The configured origin.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Replace the credentials (sign-in, sign-out). Cached tokens belonged to the old
    /// ones and are dropped; calls in flight continue with the new ones, and a token
    /// they receive for the old ones is used once but not cached.
    pub fn set_credentials(&mut self, credentials: Option<Credentials>) {
        self.credentials = credentials;
        self.cache.clear();
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// The token cache.
    pub fn cache(&self) -> &TokenCache {
        &self.cache
    }

    /// How many calls are in flight.
    pub fn in_flight(&self) -> usize {
        self.calls.len()
    }

    /// Begin one logical request: an absolute URI on the origin.
    ///
    /// If a request of the same path family was challenged before, its token is
    /// attached from the start — or, when that token is due for refresh, a new one is
    /// fetched first. A request that already has an `Authorization` header is sent as
    /// is on the first attempt. A request for another origin fails with
    /// [`AuthError::ForeignRequest`] and nothing is sent.
    ///
    /// Every call ends with [`Step::Done`], [`Step::Failed`] or [`Authenticator::fail`];
    /// a call that is simply abandoned stays in flight.
    pub fn start(&mut self, request: Request<Vec<u8>>, now: Timestamp) -> (CallId, Step) {
        let id = CallId(self.next_call);
        self.next_call = self.next_call.wrapping_add(1);
        if !self.origin.same_origin(request.uri()) {
            return (id, Step::Failed(AuthError::ForeignRequest));
        }
        let mut call = Call::new(request);
        let family = path_family(call.request.uri().path());
        let remembered = self.families.get(&family).cloned();
        if let (false, Some(key)) = (
            call.request.headers().contains_key(AUTHORIZATION),
            remembered,
        ) {
            if let Some(token) = self.cache.fresh(&key, now) {
                call = call.with_token(key.clone(), token.token().clone());
            } else if let Ok(token_request) = key.to_http(&self.origin, self.credentials.as_ref()) {
                self.calls
                    .insert(id, (self.epoch, Phase::Refreshing { call, key }));
                return (id, Step::Send(token_request));
            } else {
                self.families.remove(&family);
            }
        }
        (id, self.send_first(id, self.epoch, call))
    }

    /// Ask for a token for explicit scopes (the npm `token(scopes)` call).
    ///
    /// A cached token that is not due for refresh is returned at once as
    /// [`Step::Token`]; otherwise the token request is emitted. The token is returned
    /// whatever it grants: read [`IssuedToken::grants`].
    pub fn start_token(&mut self, request: TokenRequest, now: Timestamp) -> (CallId, Step) {
        let id = CallId(self.next_call);
        self.next_call = self.next_call.wrapping_add(1);
        if let Some(token) = self.cache.fresh(&request, now) {
            return (id, Step::Token(token.clone()));
        }
        match request.to_http(&self.origin, self.credentials.as_ref()) {
            Ok(http) => {
                self.calls
                    .insert(id, (self.epoch, Phase::TokenOnly(request)));
                (id, Step::Send(http))
            }
            Err(e) => (id, Step::Failed(e)),
        }
    }

    /// Hand back the response to the request last emitted by [`Step::Send`] for `call`,
    /// received at `now`. A response for an unknown or finished call is
    /// [`Step::Ignored`].
    pub fn handle(&mut self, call: CallId, response: Response<Vec<u8>>, now: Timestamp) -> Step {
        let Some((epoch, phase)) = self.calls.remove(&call) else {
            return Step::Ignored;
        };
        let current = epoch == self.epoch;
        match phase {
            Phase::Refreshing { call: first, key } => {
                match TokenResponse::from_response(&response) {
                    Ok(answer) => {
                        let issued = IssuedToken::new(answer, now);
                        let token = issued.token().clone();
                        if current {
                            self.cache.insert(key.clone(), issued, now);
                        }
                        self.send_first(call, epoch, first.with_token(key, token))
                    }
                    Err(e) => Step::Failed(e),
                }
            }
            Phase::Sent(first) => {
                let family = path_family(first.request.uri().path());
                match first.handle_response(response) {
                    Started::Done(response) => Step::Done(response),
                    Started::Failed(e) => Step::Failed(e),
                    Started::Challenged(challenged) => {
                        if let (true, Some(stale)) = (current, challenged.rejected_token()) {
                            self.cache.invalidate(stale);
                        }
                        self.remember(family, challenged.token_request().clone());
                        match challenged.to_http(&self.origin, self.credentials.as_ref()) {
                            Ok(token_request) => {
                                self.calls
                                    .insert(call, (epoch, Phase::Fetching(challenged)));
                                Step::Send(token_request)
                            }
                            Err(e) => Step::Failed(e),
                        }
                    }
                }
            }
            Phase::Fetching(challenged) => {
                let issued = match TokenResponse::from_response(&response) {
                    Ok(answer) => IssuedToken::new(answer, now),
                    Err(e) => return Step::Failed(e),
                };
                if current {
                    self.cache
                        .insert(challenged.token_request().clone(), issued.clone(), now);
                }
                match challenged.authorize(issued) {
                    Ok(authorized) => {
                        let retry = authorized.request();
                        self.calls
                            .insert(call, (epoch, Phase::Retried(Box::new(authorized))));
                        Step::Send(retry)
                    }
                    Err(e) => Step::Failed(e),
                }
            }
            Phase::Retried(authorized) => {
                let key = authorized.token_request().clone();
                match authorized.handle_response(response) {
                    Ok(response) => Step::Done(response),
                    Err(e) => {
                        if current && matches!(e, AuthError::TokenRejected(_)) {
                            self.cache.invalidate(&key);
                        }
                        Step::Failed(e)
                    }
                }
            }
            Phase::TokenOnly(key) => match TokenResponse::from_response(&response) {
                Ok(answer) => {
                    let issued = IssuedToken::new(answer, now);
                    if current {
                        self.cache.insert(key, issued.clone(), now);
                    }
                    Step::Token(issued)
                }
                Err(e) => Step::Failed(e),
            },
        }
    }

    /// Hand back a transport failure (network, timeout) for `call`: the call ends.
    /// Unknown or finished calls are ignored.
    pub fn fail(&mut self, call: CallId) {
        self.calls.remove(&call);
    }

    /// What the tokens that are not expired at `now` grant together.
    pub fn grants(&self, now: Timestamp) -> Grants {
        self.cache.grants(now)
    }

    /// Whether a token that is not expired at `now` grants `scope`.
    pub fn allows(&self, scope: &Scope, now: Timestamp) -> bool {
        self.grants(now).allows(scope)
    }

    fn send_first(&mut self, id: CallId, epoch: u64, call: Call<Start>) -> Step {
        let request = call.request();
        self.calls.insert(id, (epoch, Phase::Sent(call)));
        Step::Send(request)
    }

    fn remember(&mut self, family: String, key: TokenRequest) {
        if self.families.len() >= FAMILY_CAPACITY && !self.families.contains_key(&family) {
            self.families.clear();
        }
        self.families.insert(family, key);
    }
}

/// The part of a path whose requests need the same token: everything up to `/_trust`
/// for notary (`/v2/<gun>/_trust/...`, `/v2/_trust/changefeed`), else the path without
/// its last segment. A wrong guess costs one extra round trip, never a wrong answer.
fn path_family(path: &str) -> String {
    const TRUST: &str = "/_trust";
    if let Some(i) = path.find("/_trust/") {
        return path.get(..i + TRUST.len()).unwrap_or(path).to_string();
    }
    if path.ends_with(TRUST) {
        return path.to_string();
    }
    match path.rfind('/') {
        Some(i) if i > 0 => path.get(..i).unwrap_or(path).to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_families() {
        assert_eq!(path_family("/v2/_trust/changefeed"), "/v2/_trust");
        assert_eq!(
            path_family("/v2/msr.example.org/library/wordpress/_trust/changefeed"),
            "/v2/msr.example.org/library/wordpress/_trust"
        );
        assert_eq!(
            path_family("/v2/msr.example.org/a/b/_trust/tuf/timestamp.abc.json"),
            "/v2/msr.example.org/a/b/_trust"
        );
        assert_eq!(path_family("/v2/x/_trust"), "/v2/x/_trust");
        assert_eq!(
            path_family("/v2/ns/repo/manifests/latest"),
            "/v2/ns/repo/manifests"
        );
        assert_eq!(path_family("/v2/"), "/v2");
        assert_eq!(path_family("/_ping"), "/");
        assert_eq!(path_family(""), "/");
        assert_eq!(path_family("é/ü"), "é");
    }
}
