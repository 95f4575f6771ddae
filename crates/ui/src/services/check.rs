//! The network helpers of the options and audit pages: an instance's origins and
//! credentials, and trust changefeed pages through the core's [`Authenticator`]
//! ("Test connection", the audit view). The background worker's health check is the
//! `msr-lens` npm package (`extension/check.js`), not this module.

use http::{Request, Response};
use msr_lens_core::Origin;
use msr_lens_core::auth::{Authenticator, Credentials, Step};
use msr_lens_core::changefeed::{Cursor, Feed, Page, PageRequest};

use crate::model::{Instance, SecretKind};
use crate::services::http::{FetchError, send};
use crate::services::storage::now;
use crate::snapshot::{TrustOutcome, page_problem, trust_auth_problem, trust_events_of};

/// Per-request timeout, milliseconds (the audit view's trust pages; "Test connection"
/// reads [`crate::services::storage::check_timeout_ms`]).
pub const TIMEOUT_MS: i32 = crate::services::storage::DEFAULT_TIMEOUT_MS as i32;

/// The parsed origins of an instance: the main one first, then the replicas.
pub fn origins(instance: &Instance) -> Result<(Origin, Vec<(String, Origin)>), String> {
    let origin = Origin::parse(&instance.origin)
        .map_err(|e| format!("the MSR address “{}” is not valid: {e}", instance.origin))?;
    let mut replicas = Vec::new();
    for text in instance.replicas.iter().filter(|r| !r.trim().is_empty()) {
        let replica = Origin::parse(text)
            .map_err(|e| format!("the replica address “{text}” is not valid: {e}"))?;
        replicas.push((replica.authority().to_string(), replica));
    }
    Ok((origin, replicas))
}

/// The credentials of an instance with this secret, if both parts are there.
pub fn credentials(instance: &Instance, secret: Option<&str>) -> Option<Credentials> {
    let secret = secret.filter(|s| !s.is_empty())?;
    if instance.username.is_empty() {
        return None;
    }
    Some(match instance.secret_kind {
        SecretKind::Token => Credentials::access_token(instance.username.clone(), secret),
        SecretKind::Password => Credentials::password(instance.username.clone(), secret),
    })
}

/// Drive one request through the authenticator to its final response.
async fn authed(
    auth: &mut Authenticator,
    allowed: &[Origin],
    request: Request<Vec<u8>>,
    timeout_ms: i32,
) -> Result<Response<Vec<u8>>, AuthedError> {
    let (call, mut step) = auth.start(request, now());
    loop {
        match step {
            Step::Send(request) => match send(request, allowed, timeout_ms).await {
                Ok(response) => step = auth.handle(call, response, now()),
                Err(e) => {
                    auth.fail(call);
                    return Err(AuthedError::Fetch(e));
                }
            },
            Step::Done(response) => return Ok(response),
            Step::Failed(e) => return Err(AuthedError::Auth(e)),
            Step::Token(_) | Step::Ignored => {
                return Err(AuthedError::Fetch(FetchError::Network(
                    "token flow ended early".into(),
                )));
            }
        }
    }
}

enum AuthedError {
    Fetch(FetchError),
    Auth(msr_lens_core::auth::AuthError),
}

/// Read `records` trust events from `cursor` (e.g. [`Cursor::Before`] the oldest one
/// shown, for "load older"), in server order (oldest first).
pub async fn trust_page(
    instance: &Instance,
    secret: Option<&str>,
    cursor: Cursor,
    records: u32,
) -> TrustOutcome {
    match origins(instance) {
        Ok((origin, _)) => {
            trust_feed(
                instance,
                &origin,
                credentials(instance, secret),
                cursor,
                records,
                TIMEOUT_MS,
            )
            .await
        }
        Err(message) => TrustOutcome::Failed(crate::model::Problem {
            area: "config".into(),
            kind: "config".into(),
            message,
        }),
    }
}

/// Read one page of the global trust feed, each request waiting at most `timeout_ms`.
pub(crate) async fn trust_feed(
    instance: &Instance,
    origin: &Origin,
    credentials: Option<Credentials>,
    cursor: Cursor,
    records: u32,
    timeout_ms: i32,
) -> TrustOutcome {
    let mut auth = Authenticator::new(origin.clone(), credentials);
    let request = PageRequest::new(Feed::Global, cursor, records).to_http(origin);
    let allowed = [origin.clone()];
    match authed(&mut auth, &allowed, request, timeout_ms).await {
        Ok(response) => match Page::parse(&response) {
            Ok(page) => TrustOutcome::Events(trust_events_of(page, origin.authority())),
            Err(e) => TrustOutcome::Failed(page_problem(&e)),
        },
        Err(AuthedError::Auth(e)) => TrustOutcome::Failed(trust_auth_problem(instance, &e)),
        Err(AuthedError::Fetch(e)) => TrustOutcome::Failed(crate::model::Problem {
            area: "trust".into(),
            kind: "unreachable".into(),
            message: match e {
                // The words of the worker's checks (extension/snapshot.js).
                FetchError::Timeout => format!(
                    "the trust audit log could not be read: {}",
                    crate::format::time_limit(timeout_ms.unsigned_abs())
                ),
                e => format!("the trust audit log could not be read: {e}"),
            },
        }),
    }
}
