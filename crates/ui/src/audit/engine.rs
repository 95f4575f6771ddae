//! Drives one or more changefeed [`FeedSession`]s in the page over `fetch`, sharing one
//! [`Authenticator`] (the wasm twin of `msr-lens-transport`'s native `FeedStream`).
//!
//! The view starts every feed in [`Mode::Follow`]`(`[`FollowFrom::Latest`]`)`: the newest
//! page first, older pages on demand ([`Engine::request_older`], or all of them with
//! [`Engine::set_backfill`]), and new records polled forward from the newest ID seen.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Promise;
use msr_lens_core::Origin;
use msr_lens_core::auth::{Authenticator, Credentials};
use msr_lens_core::changefeed::{
    Event, Failure, Feed, FeedSession, FollowFrom, Gun, Mode, Pager, PagerConfig, SavedState,
};
use wasm_bindgen_futures::JsFuture;

use crate::services::http::{FetchError, send};
use crate::services::storage::now;

/// Per-request timeout, milliseconds.
pub const TIMEOUT_MS: i32 = 20_000;
/// Records per page (big pages: fewer round trips for a backfill).
pub const PAGE_SIZE: u32 = 1000;
/// Follow mode: the wait between polls once caught up.
pub const POLL_MS: i64 = 5_000;

/// Storage writes (pages and saved positions) that may be pending before the engine holds
/// its next request: what is shown never runs more than about one page ahead of what is
/// stored, however slow the disk (each page is two writes: its records and the positions).
pub const MAX_WRITES_IN_FLIGHT: u32 = 4;

/// The count of storage writes begun and not yet finished, shared by the view (which begins
/// them) and the engine (which holds its requests while [`MAX_WRITES_IN_FLIGHT`] are
/// pending). Kept by the view across engine restarts: an old engine's writes still count.
#[derive(Debug, Clone, Default)]
pub struct Writes(Rc<Cell<u32>>);

impl Writes {
    /// A write begins; it counts as pending until the ticket is dropped (when the write
    /// finished or failed).
    pub fn begin(&self) -> WriteTicket {
        self.0.set(self.0.get().saturating_add(1));
        WriteTicket(self.0.clone())
    }

    /// Writes pending.
    pub fn pending(&self) -> u32 {
        self.0.get()
    }

    /// Too many writes are pending to send another request.
    pub fn full(&self) -> bool {
        self.pending() >= MAX_WRITES_IN_FLIGHT
    }
}

/// One pending write of [`Writes`].
#[derive(Debug)]
pub struct WriteTicket(Rc<Cell<u32>>);

impl Drop for WriteTicket {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// The pager configuration the view uses.
pub fn config() -> PagerConfig {
    PagerConfig {
        page_size: PAGE_SIZE,
        poll_interval_ms: POLL_MS,
        ..PagerConfig::default()
    }
}

/// One feed being read.
#[derive(Debug)]
pub struct FeedState {
    /// The session.
    pub session: FeedSession,
    /// An older page was asked for and has not arrived.
    pub older_pending: bool,
}

/// Every feed of the view, the token cache and counters.
#[derive(Debug)]
pub struct Engine {
    auth: Authenticator,
    allowed: Vec<Origin>,
    /// The feeds.
    pub feeds: Vec<FeedState>,
    backfill: bool,
    stopped: bool,
    /// HTTP requests sent (pages, tokens, retries).
    pub requests: u64,
    /// The view's pending storage writes (no request is sent while they are [`Writes::full`]).
    writes: Writes,
}

/// Shared handle of an engine.
pub type Shared = Rc<RefCell<Engine>>;

impl Engine {
    /// An engine for `feeds` on `origin`, each resumed from its saved state if given.
    pub fn new(
        origin: Origin,
        credentials: Option<Credentials>,
        feeds: Vec<(Feed, Option<SavedState>)>,
    ) -> Self {
        let feeds = feeds
            .into_iter()
            .map(|(feed, saved)| {
                // A position of another feed, or saved on another origin (refused by
                // `Pager::resume`), is not resumed: that feed starts again from the newest page.
                let resumed = saved
                    .filter(|saved| saved.feed() == &feed)
                    .and_then(|saved| Pager::resume(origin.clone(), saved, config()).ok());
                let pager = resumed.unwrap_or_else(|| {
                    Pager::new(
                        origin.clone(),
                        feed,
                        Mode::Follow(FollowFrom::Latest),
                        config(),
                    )
                });
                FeedState {
                    session: FeedSession::new(pager),
                    older_pending: false,
                }
            })
            .collect();
        Engine {
            auth: Authenticator::new(origin.clone(), credentials),
            allowed: vec![origin],
            feeds,
            backfill: false,
            stopped: false,
            requests: 0,
            writes: Writes::default(),
        }
    }

    /// Hold requests while `writes` (the view's storage writes) are [`Writes::full`].
    pub fn with_writes(mut self, writes: Writes) -> Self {
        self.writes = writes;
        self
    }

    /// Load the next older page of every feed that has not reached its start.
    pub fn request_older(&mut self) {
        for feed in &mut self.feeds {
            let progress = feed.session.pager().progress();
            // Before the first page there is no cursor to go back from: the backfill
            // continues when that page arrives (`after_event`).
            if !progress.reached_start && !feed.older_pending && progress.newest.is_some() {
                feed.older_pending = true;
                feed.session.pager_mut().request_older();
            }
        }
    }

    /// "Load everything": keep loading older pages until every feed reached its start.
    pub fn set_backfill(&mut self, on: bool) {
        self.backfill = on;
        if on {
            self.request_older();
        }
    }

    /// Whether "load everything" is running.
    pub fn backfill(&self) -> bool {
        self.backfill
    }

    /// Every feed reached its start.
    pub fn complete(&self) -> bool {
        self.feeds
            .iter()
            .all(|f| f.session.pager().progress().reached_start)
    }

    /// Try again now (after an error that halted a feed, or to poll at once).
    pub fn retry_now(&mut self) {
        for feed in &mut self.feeds {
            feed.session.pager_mut().retry_now();
        }
    }

    /// Stop the drive loop for good (the view is going away or restarting).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// The saved positions of all feeds.
    pub fn save(&self) -> Vec<SavedState> {
        self.feeds
            .iter()
            .map(|f| f.session.pager().save())
            .collect()
    }

    /// The origin read.
    pub fn origin(&self) -> Option<&Origin> {
        self.allowed.first()
    }

    fn after_event(&mut self, feed: usize, event: &Event) {
        if let (Event::Records { placement, .. }, Some(f)) = (event, self.feeds.get_mut(feed))
            && *placement == msr_lens_core::changefeed::Placement::Prepend
        {
            f.older_pending = false;
        }
        if matches!(event, Event::ReachedStart)
            && let Some(f) = self.feeds.get_mut(feed)
        {
            f.older_pending = false;
        }
        if self.backfill {
            if self.complete() {
                self.backfill = false;
            } else if let Some(f) = self.feeds.get_mut(feed)
                && !f.older_pending
                && matches!(event, Event::Records { .. } | Event::ReachedStart)
                && !f.session.pager().progress().reached_start
            {
                f.older_pending = true;
                f.session.pager_mut().request_older();
            }
        }
    }
}

/// The wait between checks of the storage writes while requests are held.
pub const WRITE_WAIT_MS: i32 = 5;

/// Wait `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Run `engine` until [`Engine::stop`]: send what the sessions ask for, hand every event
/// to `on_event` (feed index, event), wait for the pagers' timers (at most 250 ms, so user
/// actions are picked up quickly). While the view's storage writes are
/// [`Writes::full`] no request is sent (checked every [`WRITE_WAIT_MS`]).
pub async fn run(engine: Shared, on_event: impl Fn(usize, Event)) {
    loop {
        if engine.borrow().stopped {
            return;
        }
        let mut sent = false;
        let mut held = false;
        let count = engine.borrow().feeds.len();
        for i in 0..count {
            let next = {
                let mut e = engine.borrow_mut();
                let e = &mut *e;
                let Some(feed) = e.feeds.get_mut(i) else {
                    continue;
                };
                if e.writes.full() {
                    held = true;
                    None
                } else {
                    feed.session
                        .poll_request(&mut e.auth, now())
                        .map(|r| (r, e.allowed.clone()))
                }
            };
            if let Some(((call, request), allowed)) = next {
                sent = true;
                engine.borrow_mut().requests += 1;
                let answer = send(request, &allowed, TIMEOUT_MS).await;
                let mut e = engine.borrow_mut();
                let e = &mut *e;
                if e.stopped {
                    return;
                }
                let Some(feed) = e.feeds.get_mut(i) else {
                    continue;
                };
                match answer {
                    Ok(response) => {
                        feed.session
                            .handle_response(&mut e.auth, call, now(), response)
                    }
                    Err(error) => {
                        let failure = match error {
                            FetchError::Timeout => Failure::Timeout,
                            other => Failure::Network(other.to_string()),
                        };
                        feed.session
                            .handle_failure(&mut e.auth, call, now(), failure);
                    }
                }
            }
            // Drain events one at a time so that `on_event` may borrow the engine.
            loop {
                let event = {
                    let mut e = engine.borrow_mut();
                    let Some(event) = e.feeds.get_mut(i).and_then(|f| f.session.poll_event())
                    else {
                        break;
                    };
                    e.after_event(i, &event);
                    event
                };
                on_event(i, event);
            }
        }
        if held && !sent {
            sleep(WRITE_WAIT_MS).await;
        } else if !sent {
            let wait = {
                let e = engine.borrow();
                let at = now();
                e.feeds
                    .iter()
                    .filter_map(|f| f.session.poll_timeout())
                    .map(|t| t.millis_since(at))
                    .min()
                    .unwrap_or(250)
                    .clamp(0, 250)
            };
            sleep(i32::try_from(wait).unwrap_or(250).max(1)).await;
        }
    }
}

/// What the timestamp behind a record says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The sha256 of the body, hex.
    pub sha256: String,
    /// It equals the record's SHA256.
    pub matches: bool,
    /// `signed.version` of the timestamp.
    pub version: Option<i64>,
    /// `signed.expires` of the timestamp.
    pub expires: Option<String>,
}

/// The path of a record's `timestamp.json`: `/v2/<gun>/_trust/tuf/timestamp.<sha256>.json`.
///
/// The GUN and the checksum are server text: the GUN must be a valid core [`Gun`] (no
/// empty, `.` or `..` segment) made only of the characters of a registry repository name
/// with its host (letters, digits, `.`, `_`, `-`, `:`, `/`, `[`, `]`), so that no `?`,
/// `#`, `%`, space or control character can turn the path into another request; its
/// segments are then percent-encoded exactly as [`Feed::path`] encodes a feed's. The
/// checksum must be hex.
pub fn timestamp_path(gun: &str, sha256: &str) -> Result<String, String> {
    if sha256.is_empty() || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("this record has no checksum to verify (a deletion)".into());
    }
    let repository_name = gun
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-_:/[]".contains(&b));
    let gun = Gun::new(gun)
        .ok()
        .filter(|_| repository_name)
        .ok_or_else(|| format!("the record's repository {gun:?} is not a repository name"))?;
    // `/v2/<gun, encoded>/_trust/changefeed` → `/v2/<gun, encoded>/_trust/`.
    let feed = Feed::Repository(gun).path();
    let trust = feed
        .strip_suffix("changefeed")
        .ok_or("the feed path has changed shape")?;
    Ok(format!("{trust}tuf/timestamp.{sha256}.json"))
}

/// Fetch `GET /v2/<gun>/_trust/tuf/timestamp.<sha256>.json` ([`timestamp_path`]) through
/// the token flow (pull scope) and compare the body's sha256 with `sha256`.
pub async fn verify(engine: &Shared, gun: &str, sha256: &str) -> Result<Verified, String> {
    let path = timestamp_path(gun, sha256)?;
    let (request, allowed) = {
        let e = engine.borrow();
        let origin = e.origin().ok_or("no MSR origin")?;
        let mut request = http::Request::new(Vec::new());
        *request.uri_mut() = origin.url(&path).map_err(|e| e.to_string())?;
        (request, e.allowed.clone())
    };
    let (call, mut step) = engine.borrow_mut().auth.start(request, now());
    let response = loop {
        match step {
            msr_lens_core::auth::Step::Send(request) => {
                match send(request, &allowed, TIMEOUT_MS).await {
                    Ok(response) => step = engine.borrow_mut().auth.handle(call, response, now()),
                    Err(e) => {
                        engine.borrow_mut().auth.fail(call);
                        return Err(format!("notary could not be reached: {e}"));
                    }
                }
            }
            msr_lens_core::auth::Step::Done(response) => break response,
            msr_lens_core::auth::Step::Failed(e) => return Err(format!("no access: {e}")),
            _ => return Err("the token flow ended early".into()),
        }
    };
    if !response.status().is_success() {
        return Err(verify_failure(response.status().as_u16(), sha256));
    }
    let body = response.body();
    let digest = sha256_hex(body).await?;
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let signed = json.get("signed");
    Ok(Verified {
        matches: digest.eq_ignore_ascii_case(sha256),
        sha256: digest,
        version: signed
            .and_then(|s| s.get("version"))
            .and_then(|v| v.as_i64()),
        expires: signed
            .and_then(|s| s.get("expires"))
            .and_then(|v| v.as_str())
            .map(str::to_string),
    })
}

/// Why a verify got HTTP `status` instead of the timestamp, in plain words: a 404 means
/// notary no longer stores that version's timestamp (a deletion removes a repository's
/// trust data; re-initialising it starts a new history).
pub fn verify_failure(status: u16, sha256: &str) -> String {
    let file = format!("timestamp.{}.json", sha256.get(..12).unwrap_or(sha256));
    if status == 404 {
        format!(
            "notary answered HTTP 404 for {file}: this version's timestamp is no longer stored — the repository was deleted or re-initialised since this record."
        )
    } else {
        format!("notary answered HTTP {status} for {file}")
    }
}

/// sha256 of `bytes` with WebCrypto, as lower-case hex.
async fn sha256_hex(bytes: &[u8]) -> Result<String, String> {
    use js_sys::{Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .map_err(|e| crate::services::js_text(&e))?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .map_err(|e| crate::services::js_text(&e))?;
    let digest: js_sys::Function = Reflect::get(&subtle, &JsValue::from_str("digest"))
        .map_err(|e| crate::services::js_text(&e))?
        .dyn_into()
        .map_err(|_| "WebCrypto is not available".to_string())?;
    let data = Uint8Array::from(bytes);
    let promise: Promise = digest
        .call2(&subtle, &JsValue::from_str("SHA-256"), &data)
        .map_err(|e| crate::services::js_text(&e))?
        .dyn_into()
        .map_err(|_| "WebCrypto gave no promise".to_string())?;
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|e| crate::services::js_text(&e))?;
    let out = Uint8Array::new(&buffer).to_vec();
    Ok(out.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_hold_requests_until_enough_have_finished() {
        let writes = Writes::default();
        let shared = writes.clone();
        let mut tickets: Vec<WriteTicket> = (0..MAX_WRITES_IN_FLIGHT - 1)
            .map(|_| writes.begin())
            .collect();
        assert!(!shared.full(), "{} pending", shared.pending());
        tickets.push(shared.begin());
        assert!(writes.full());
        assert_eq!(writes.pending(), MAX_WRITES_IN_FLIGHT);
        // A finished (or failed) write is one less pending, from either handle.
        drop(tickets.pop());
        assert!(!writes.full());
        drop(tickets);
        assert_eq!(shared.pending(), 0);
    }

    const SHA: &str = "8a0c4b8c5ee9c3bc05f3c8a3d4a5b8c9a1b2c3d4e5f60718293a4b5c6d7e8f90";

    #[test]
    fn a_verify_404_is_explained() {
        let text = verify_failure(404, SHA);
        assert!(text.contains("HTTP 404"), "{text}");
        assert!(
            text.contains("this version's timestamp is no longer stored — the repository was deleted or re-initialised"),
            "{text}"
        );
        let other = verify_failure(503, SHA);
        assert!(
            other.contains("HTTP 503") && !other.contains("deleted"),
            "{other}"
        );
    }

    #[test]
    fn verify_reads_the_timestamp_of_a_valid_gun_only() {
        assert_eq!(
            timestamp_path("127.0.0.1:8443/library/nginx", SHA),
            Ok(format!(
                "/v2/127.0.0.1:8443/library/nginx/_trust/tuf/timestamp.{SHA}.json"
            ))
        );
        assert_eq!(
            timestamp_path("[::1]:8443/ns/repo", SHA),
            Ok(format!(
                "/v2/%5B::1%5D:8443/ns/repo/_trust/tuf/timestamp.{SHA}.json"
            ))
        );
        // Server text that would make another request of it is refused.
        for gun in [
            "msr.example.org/../../v2/_trust/changefeed?records=-10000&x=",
            "msr.example.org/ns/..",
            "msr.example.org/ns/./repo",
            "msr.example.org/ns/repo?change_id=0",
            "msr.example.org/ns/repo#",
            "msr.example.org/ns/repo%2F..",
            "msr.example.org/ns/repo x",
            "msr.example.org/ns/repo\n",
            "msr.example.org//repo",
            "/ns/repo",
            "",
        ] {
            let refused = timestamp_path(gun, SHA);
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|e| e.contains("not a repository name")),
                "{gun:?}: {refused:?}"
            );
        }
        // A deletion has no checksum; a checksum is hex.
        assert!(timestamp_path("h/ns/repo", "").is_err());
        assert!(timestamp_path("h/ns/repo", "ab/../x").is_err());
        // Every accepted path is a request on the origin, never its root.
        let origin = Origin::parse("https://msr.example.org").unwrap();
        let path = timestamp_path("msr.example.org/ns/repo", SHA).unwrap();
        assert_eq!(origin.url(&path).unwrap().path(), path);
    }

    #[test]
    fn a_position_saved_on_another_origin_starts_the_feed_again() {
        let a = Origin::parse("https://msr-a.example.com").unwrap();
        let b = Origin::parse("https://msr-b.example.com").unwrap();
        let saved = Pager::resume(
            a.clone(),
            SavedState::anchored(
                Feed::Global,
                Mode::Follow(FollowFrom::Latest),
                msr_lens_core::changefeed::ChangeId::new("41").unwrap(),
                true,
            ),
            config(),
        )
        .unwrap()
        .save();
        let on_a = Engine::new(a, None, vec![(Feed::Global, Some(saved.clone()))]);
        assert_eq!(on_a.save()[0].origin(), Some("https://msr-a.example.com"));
        assert!(on_a.feeds[0].session.pager().progress().newest.is_some());
        let on_b = Engine::new(b, None, vec![(Feed::Global, Some(saved))]);
        assert_eq!(on_b.feeds[0].session.pager().progress().newest, None);
        assert_eq!(on_b.save()[0].origin(), Some("https://msr-b.example.com"));
    }

    #[test]
    fn an_engine_counts_the_writes_it_was_given() {
        let origin = Origin::parse("https://msr.example.com").unwrap();
        let writes = Writes::default();
        let engine =
            Engine::new(origin, None, vec![(Feed::Global, None)]).with_writes(writes.clone());
        let tickets: Vec<WriteTicket> = (0..MAX_WRITES_IN_FLIGHT).map(|_| writes.begin()).collect();
        assert!(engine.writes.full());
        drop(tickets);
        assert!(!engine.writes.full());
    }
}
