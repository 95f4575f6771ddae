//! [`FeedSession`]: a [`Pager`] driven through the token flow of an [`Authenticator`].
//!
//! The pager builds bare feed requests; the authenticator attaches bearer tokens and
//! answers challenges. A session joins them so that a shell only moves bytes:
//!
//! 1. [`FeedSession::poll_request`]: the next request to send (a feed page, a token
//!    request, or a retry with a fresh token), tagged with a [`CallId`].
//! 2. Hand the answer to [`FeedSession::handle_response`], or report that none came with
//!    [`FeedSession::handle_failure`].
//! 3. Drain [`FeedSession::poll_event`]; wait until [`FeedSession::poll_timeout`].
//!
//! The [`Authenticator`] is passed into each call rather than owned, so that every view
//! of one MSR instance (health, several feeds) shares one token cache.

use std::collections::{BTreeMap, VecDeque};

use http::{Request, Response};

use super::pager::{Event, Failure, Pager, RequestId};
use crate::Timestamp;
use crate::auth::{AuthError, Authenticator, CallId, Step};

/// A pager plus the token-flow calls carrying its requests.
#[derive(Debug)]
pub struct FeedSession {
    pager: Pager,
    /// Which pager request each auth call carries.
    calls: BTreeMap<CallId, RequestId>,
    /// Requests the token flow asked for, not yet handed out.
    outgoing: VecDeque<(CallId, Request<Vec<u8>>)>,
    /// The token-flow failure behind the last [`Failure`] of the token flow, which the
    /// pager only sees as [`Failure::Unauthenticated`], [`Failure::NoAccess`] or
    /// [`Failure::Other`]; cleared when a page request gets an answer.
    last_auth_error: Option<AuthError>,
}

impl FeedSession {
    /// A session around `pager`.
    pub fn new(pager: Pager) -> Self {
        FeedSession {
            pager,
            calls: BTreeMap::new(),
            outgoing: VecDeque::new(),
            last_auth_error: None,
        }
    }

    /// The token-flow failure behind the pager's last token failure (a foreign realm, a
    /// rejected token, bad credentials, ...), until a page request gets an answer: what a
    /// shell reports instead of the pager's coarser [`Failure`].
    pub fn last_auth_error(&self) -> Option<&AuthError> {
        self.last_auth_error.as_ref()
    }

    /// The pager (progress, saved state, mode).
    pub fn pager(&self) -> &Pager {
        &self.pager
    }

    /// The pager, for user actions such as `request_older`, `retry_now` and `recover`.
    pub fn pager_mut(&mut self) -> &mut Pager {
        &mut self.pager
    }

    /// The next request to send, if any.
    pub fn poll_request(
        &mut self,
        auth: &mut Authenticator,
        now: Timestamp,
    ) -> Option<(CallId, Request<Vec<u8>>)> {
        if let Some(next) = self.outgoing.pop_front() {
            return Some(next);
        }
        // A pager request whose token flow ends at once (a failure before anything was
        // sent) is settled here; loop to give the pager its next chance.
        for _ in 0..4 {
            let (request_id, request) = self.pager.poll_request(now)?;
            let (call, step) = auth.start(request, now);
            self.calls.insert(call, request_id);
            self.settle(auth, call, step, now);
            if let Some(next) = self.outgoing.pop_front() {
                return Some(next);
            }
        }
        None
    }

    /// The HTTP answer to the request sent for `call`.
    pub fn handle_response(
        &mut self,
        auth: &mut Authenticator,
        call: CallId,
        now: Timestamp,
        response: Response<Vec<u8>>,
    ) {
        if !self.calls.contains_key(&call) {
            return;
        }
        let step = auth.handle(call, response, now);
        self.settle(auth, call, step, now);
    }

    /// No answer came for `call` (network error, timeout). `failure` must not contain
    /// secrets.
    pub fn handle_failure(
        &mut self,
        auth: &mut Authenticator,
        call: CallId,
        now: Timestamp,
        failure: Failure,
    ) {
        auth.fail(call);
        self.outgoing.retain(|(c, _)| *c != call);
        if let Some(request_id) = self.calls.remove(&call) {
            self.pager.handle_failure(request_id, now, failure);
        }
    }

    /// The next event of the pager.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.pager.poll_event()
    }

    /// When to call [`FeedSession::poll_request`] again (`None`: nothing to wait for).
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.pager.poll_timeout()
    }

    fn settle(&mut self, auth: &mut Authenticator, call: CallId, step: Step, now: Timestamp) {
        let Some(&request_id) = self.calls.get(&call) else {
            return;
        };
        match step {
            Step::Send(request) => self.outgoing.push_back((call, request)),
            Step::Done(response) => {
                self.calls.remove(&call);
                self.last_auth_error = None;
                self.pager.handle_response(request_id, now, response);
            }
            Step::Failed(error) => {
                self.calls.remove(&call);
                self.pager
                    .handle_failure(request_id, now, failure_for(&error));
                self.last_auth_error = Some(error);
            }
            Step::Token(_) | Step::Ignored => {
                self.calls.remove(&call);
                auth.fail(call);
                self.pager.handle_failure(
                    request_id,
                    now,
                    Failure::Other("the token flow ended unexpectedly".into()),
                );
            }
        }
    }
}

/// What the pager should make of a token-flow failure: retry when the token service is
/// down, halt (and say why) when the user must act.
pub fn failure_for(error: &AuthError) -> Failure {
    match error {
        AuthError::NoAccess { .. } => Failure::NoAccess(error.to_string()),
        AuthError::TokenService(_) => Failure::Other(error.to_string()),
        _ => Failure::Unauthenticated(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Origin;
    use crate::auth::Credentials;
    use crate::changefeed::{Feed, Mode, PagerConfig};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const REALM: &str = "https://msr.example.org/auth/token";

    fn jwt(access: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"admin","exp":1900000000,"access":{access}}}"#
        ));
        format!("{header}.{payload}.c2ln")
    }

    /// A canned MSR: notary wants a catalog token; the token service grants `access`.
    fn answer(request: &Request<Vec<u8>>, access: &str) -> Response<Vec<u8>> {
        let uri = request.uri().to_string();
        if uri.starts_with(REALM) {
            let body = format!(r#"{{"token":"{}","expires_in":300}}"#, jwt(access));
            return Response::new(body.into_bytes());
        }
        if !request.headers().contains_key("authorization") {
            return Response::builder()
                .status(401)
                .header(
                    "www-authenticate",
                    format!(r#"Bearer realm="{REALM}",service="dtr",scope="registry:catalog:*""#),
                )
                .body(br#"{"errors":[{"code":"UNAUTHORIZED"}]}"#.to_vec())
                .unwrap();
        }
        let record = r#"{"ID":"1","CreatedAt":"2026-11-26T12:49:38.19Z","GUN":"msr.example.org/a/b","Version":1,"SHA256":"","Category":"update"}"#;
        Response::new(format!(r#"{{"count":1,"records":[{record}]}}"#).into_bytes())
    }

    fn run(access: &str) -> (Vec<String>, Vec<Event>) {
        let origin = Origin::parse("https://msr.example.org").unwrap();
        let mut auth = Authenticator::new(origin.clone(), Some(Credentials::password("a", "b")));
        let pager = Pager::new(origin, Feed::Global, Mode::Backfill, PagerConfig::default());
        let mut session = FeedSession::new(pager);
        let now = Timestamp::from_secs(1_800_000_000);
        let mut sent = Vec::new();
        let mut events = Vec::new();
        while let Some((call, request)) = session.poll_request(&mut auth, now) {
            sent.push(request.uri().to_string());
            let response = answer(&request, access);
            session.handle_response(&mut auth, call, now, response);
            events.extend(std::iter::from_fn(|| session.poll_event()));
            assert!(sent.len() < 20, "runaway: {sent:?}");
        }
        (sent, events)
    }

    #[test]
    fn a_page_goes_through_challenge_token_and_retry() {
        let (sent, events) = run(r#"[{"type":"registry","name":"catalog","actions":["*"]}]"#);
        // page (401) -> token -> the same page again with the token; one short page,
        // then the backfill's last read over the overlap window (with the same token)
        // means caught up.
        assert_eq!(sent.len(), 4, "{sent:?}");
        assert!(sent[1].starts_with(REALM));
        assert_eq!(sent[0], sent[2]);
        assert!(sent[3].ends_with("change_id=0&records=101"), "{sent:?}");
        let records: usize = events
            .iter()
            .map(|e| match e {
                Event::Records { records, .. } => records.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(records, 1);
        assert!(events.iter().any(|e| matches!(e, Event::CaughtUp)));
    }

    #[test]
    fn a_token_without_the_scope_is_a_no_access_event() {
        let (sent, events) = run("[]");
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert!(
            events.iter().any(|e| matches!(e, Event::NoAccess { .. })),
            "{events:?}"
        );
        assert!(!events.iter().any(|e| matches!(e, Event::Records { .. })));
    }
}
