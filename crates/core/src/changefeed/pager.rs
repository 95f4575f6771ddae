//! The changefeed pager: a sans-IO state machine that walks a notary changefeed.
//!
//! See the [module documentation](super) for the drive loop and `docs/design.md` for the
//! cursor rules and the state diagram.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;

use http::{HeaderMap, Request, Response, header};
use serde::{Deserialize, Serialize};

use super::record::{Page, PageError, Record};
use super::request::{
    ChangeId, Cursor, DEFAULT_PAGE_SIZE, Feed, MAX_PAGE_SIZE, PageRequest, clamp_page_size,
};
use crate::error::ErrorKind;
use crate::{Origin, Timestamp};

/// The longest wait a server's `Retry-After` can impose, in milliseconds (one hour).
const MAX_RETRY_AFTER_MS: i64 = 3_600_000;

/// Identifies one request handed out by [`Pager::poll_request`]. A response or failure
/// reported with any other ID (a late answer to a timed-out request, a duplicate) is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestId(u64);

impl RequestId {
    /// The number (unique per pager, also across [`Pager::save`] / [`Pager::resume`]).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// How the pager walks the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Oldest → newest until caught up, then [`Event::CaughtUp`] and stop.
    Backfill,
    /// The latest page, then older pages on demand ([`Pager::request_older`]) until
    /// [`Event::ReachedStart`]. Never polls for newer records.
    NewestFirst,
    /// Read up to the newest record, then poll forward from the newest seen ID every
    /// [`PagerConfig::poll_interval_ms`], backing off after errors.
    Follow(FollowFrom),
}

/// Where [`Mode::Follow`] begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FollowFrom {
    /// Backfill from the first record, then follow.
    Start,
    /// The latest page, then follow; older pages on demand as in [`Mode::NewestFirst`].
    Latest,
}

/// Tuning of a [`Pager`]. Durations are milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PagerConfig {
    /// Records per page, clamped to `1..=`[`MAX_PAGE_SIZE`]. Default 100.
    pub page_size: u32,
    /// Follow mode: wait between polls once caught up. Default 30 s.
    pub poll_interval_ms: i64,
    /// First wait after an error; doubled after each further error in a row. Default 1 s.
    pub backoff_initial_ms: i64,
    /// The longest wait after errors. Default 5 min.
    pub backoff_max_ms: i64,
    /// A request with no answer after this long is failed as [`Failure::Timeout`] by
    /// [`Pager::poll_request`]; `None` leaves timeouts to the shell. Default 60 s.
    pub request_timeout_ms: Option<i64>,
    /// How many recently emitted record IDs are remembered so that a record the server
    /// repeats is not emitted twice. Default 4096.
    pub dedup_window: usize,
    /// A `500 UNKNOWN` on an ID cursor is retried this many times in a row (it may be a
    /// transient failure) before it is reported as [`Event::CursorVanished`] (MSR's
    /// RethinkDB storage answers an unknown ID that way). Default 3.
    pub vanish_after: u32,
    /// The overlap window, in records: once caught up (each follow poll, and one last read
    /// at the end of a backfill) the pager re-reads up to this many records behind its
    /// forward cursor, in the same request as the newer ones, so that a record that
    /// became visible late (a PostgreSQL id committed out of order, a RethinkDB
    /// `created_at` from a replica with a slow clock) is still emitted, once, with
    /// `late: true`. 0 turns the window off. Default 1000.
    pub overlap_records: u32,
    /// The overlap window, in time: only records the pager first read within this span
    /// (by the `now` it was given) are re-read; `None` re-reads `overlap_records` records
    /// every time. Default 180 000 (3 min: a record up to about
    /// `overlap_ms - poll_interval_ms` late is found).
    pub overlap_ms: Option<i64>,
}

impl Default for PagerConfig {
    fn default() -> Self {
        PagerConfig {
            page_size: DEFAULT_PAGE_SIZE,
            poll_interval_ms: 30_000,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 300_000,
            request_timeout_ms: Some(60_000),
            dedup_window: 4096,
            vanish_after: 3,
            overlap_records: 1000,
            overlap_ms: Some(180_000),
        }
    }
}

/// What the shell (or the auth glue around it) reports instead of a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The request never got an answer: DNS, TLS, connection refused or reset, CORS.
    #[error("network error: {0}")]
    Network(String),
    /// No answer in time.
    #[error("the request timed out")]
    Timeout,
    /// The credentials were refused (the token service said 401).
    #[error("the credentials were refused: {0}")]
    Unauthenticated(String),
    /// Signed in, but the token grants no access to this feed: a clear answer, not a fault.
    #[error("no access: {0}")]
    NoAccess(String),
    /// Anything else the shell could not turn into a response.
    #[error("{0}")]
    Other(String),
}

/// Why a page could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// The server answered, but not with a page.
    #[error(transparent)]
    Page(PageError),
    /// There was no answer to read.
    #[error(transparent)]
    Failure(Failure),
}

impl FeedError {
    /// A stable lower-camel-case name for JavaScript: an [`ErrorKind`] name for answers,
    /// `network`, `timeout`, `unauthenticated`, `noAccess` or `other` for failures.
    pub fn kind_str(&self) -> &'static str {
        match self {
            FeedError::Page(error) => error.kind().as_str(),
            FeedError::Failure(Failure::Network(_)) => "network",
            FeedError::Failure(Failure::Timeout) => "timeout",
            FeedError::Failure(Failure::Unauthenticated(_)) => "unauthenticated",
            FeedError::Failure(Failure::NoAccess(_)) => "noAccess",
            FeedError::Failure(Failure::Other(_)) => "other",
        }
    }
}

/// Where a batch of records goes relative to everything emitted before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Placement {
    /// After everything emitted so far (the records are newer).
    Append,
    /// Before everything emitted so far (an older page in newest-first order).
    Prepend,
}

/// How to continue after [`Event::CursorVanished`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Recovery {
    /// Ask again with the same cursor (offered when the answer was a `500`, which may have
    /// been a transient failure).
    Retry,
    /// Forget everything ([`Event::Reset`]) and read the feed again from its first record
    /// (newest-first, which never reads forward, restarts from the latest page instead).
    RestartFromStart,
    /// Continue from the latest page, skipping what lies between. Records already emitted
    /// stay valid; when the vanished cursor was the older end of a newest-first view, the
    /// view restarts ([`Event::Reset`]) from the latest page.
    JumpToLatest,
}

/// Something the application should know; drained with [`Pager::poll_event`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// New records, in server order (oldest → newest within the batch).
    Records {
        /// The records, never empty.
        records: Vec<Record>,
        /// Where they go relative to the records emitted before.
        placement: Placement,
        /// The records arrived late: in server order they lie before records emitted
        /// earlier (a PostgreSQL id that committed after a larger one, a RethinkDB
        /// `created_at` behind the cursor), and the overlap window found them
        /// ([`PagerConfig::overlap_records`]). Always [`Placement::Append`]: a live view
        /// shows them as they arrive (or sorts them in by time).
        late: bool,
    },
    /// Backfill or follow reached the newest record the server shows (MSR's RethinkDB
    /// storage hides the last 60 s). Emitted each time the pager gets there after being
    /// behind; in [`Mode::Backfill`] it is the last event.
    CaughtUp,
    /// There is nothing older than the oldest record emitted.
    ReachedStart,
    /// The token grants no access to this feed. The pager waits for [`Pager::retry_now`].
    NoAccess {
        /// The feed that was refused.
        feed: Feed,
        /// What the auth layer or the server said.
        message: String,
    },
    /// A request failed. With `retry_at` the pager retries by itself at that time;
    /// without, it waits for [`Pager::retry_now`] (bad credentials, an HTML login page, a
    /// malformed record, a 4xx).
    Error {
        /// What went wrong.
        error: FeedError,
        /// When the pager will try again on its own.
        retry_at: Option<Timestamp>,
    },
    /// The record behind `cursor` is gone (400 `INVALID_PARAMETERS`, or `500 UNKNOWN` on
    /// RethinkDB). The pager waits for [`Pager::recover`] with one of `choices`.
    CursorVanished {
        /// The cursor that no longer works.
        cursor: Cursor,
        /// The recoveries that make sense here.
        choices: Vec<Recovery>,
    },
    /// Everything emitted so far is void (after [`Recovery::RestartFromStart`] or a
    /// newest-first [`Recovery::JumpToLatest`]): clear the view.
    Reset,
    /// Counters after a page or an error.
    Progress(Progress),
}

/// What the pager is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "state")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[cfg_attr(feature = "tsify", tsify(type_prefix = "Feed"))]
pub enum Status {
    /// A request can be sent now.
    Ready,
    /// A request is in flight.
    Fetching,
    /// The next request is due at `until` (follow poll or backoff).
    Waiting {
        /// When.
        #[cfg_attr(feature = "tsify", tsify(type = "Timestamp"))]
        until: Timestamp,
    },
    /// Nothing to do until [`Pager::request_older`] (newest-first).
    Idle,
    /// Backfill finished, or newest-first reached the start.
    Done,
    /// Waiting for [`Pager::retry_now`] or [`Pager::recover`].
    Halted {
        /// Why.
        #[cfg_attr(feature = "tsify", tsify(type = "FeedHalt"))]
        reason: Halt,
    },
}

/// Why the pager stopped on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[cfg_attr(feature = "tsify", tsify(type_prefix = "Feed"))]
pub enum Halt {
    /// The credentials were refused.
    Unauthenticated,
    /// The token grants no access to the feed.
    NoAccess,
    /// An error that retrying on a timer will not fix.
    Error,
    /// The cursor's record is gone.
    CursorVanished,
}

/// Observable progress of a pager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(
    feature = "tsify",
    derive(tsify_next::Tsify),
    tsify(missing_as_null, hashmap_as_object)
)]
#[cfg_attr(feature = "tsify", tsify(type_prefix = "Feed"))]
pub struct Progress {
    /// What the pager is doing.
    #[cfg_attr(feature = "tsify", tsify(type = "FeedStatus"))]
    pub status: Status,
    /// Records emitted in [`Event::Records`] since the start (or the last reset).
    pub records_emitted: u64,
    /// Answers applied since the pager was created: every page read, with records or
    /// empty — each follow poll, older and overlap reads alike — carried over a save and
    /// resume, not zeroed by a reset (a duplicated or stale answer is ignored, not
    /// counted). Not a count of pages that brought records.
    pub pages: u64,
    /// The forward cursor: the newest record seen.
    #[cfg_attr(feature = "tsify", tsify(type = "ChangeId | null"))]
    pub newest: Option<ChangeId>,
    /// The backward cursor: the oldest record seen.
    #[cfg_attr(feature = "tsify", tsify(type = "ChangeId | null"))]
    pub oldest: Option<ChangeId>,
    /// Whether backfill/follow is at the newest record the server shows.
    pub caught_up: bool,
    /// Whether there is nothing older than `oldest`.
    pub reached_start: bool,
    /// Failed requests since the start.
    pub errors: u64,
    /// Failed requests in a row.
    pub consecutive_errors: u32,
    /// Records the server sent again that were not emitted again (the overlap window's
    /// re-read records included).
    pub duplicates_skipped: u64,
    /// Records emitted with `late: true` since the start (or the last reset).
    pub late_records: u64,
    /// Responses and failures ignored because their request ID was not the one in flight.
    pub stale_ignored: u64,
    /// When the last page was applied.
    #[cfg_attr(feature = "tsify", tsify(type = "Timestamp | null"))]
    pub last_page_at: Option<Timestamp>,
}

/// A pager's position, for [`Pager::resume`] (serde: store it as JSON anywhere).
///
/// It holds no record contents, only cursors, recent IDs (for de-duplication) and counters.
/// A request in flight is not saved: the resumed pager asks again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedState {
    format: u32,
    feed: Feed,
    mode: Mode,
    begin: Begin,
    started: bool,
    newest: Option<ChangeId>,
    oldest: Option<ChangeId>,
    reached_start: bool,
    recent_ids: Vec<ChangeId>,
    next_request_id: u64,
    records_emitted: u64,
    pages: u64,
    /// The origin the position is on (`scheme://host[:port]`), so that it is never resumed
    /// against another MSR; `None` in states saved before it was recorded.
    #[serde(default)]
    origin: Option<String>,
    /// The overlap tail: the newest records read forward, in server order, with when each
    /// was first read; empty in states saved before the overlap window existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tail: Vec<TailEntry>,
    /// Whether `tail` begins at the feed's first record.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    tail_at_start: bool,
}

/// One record of the overlap tail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TailEntry {
    id: ChangeId,
    /// When the pager first read it (the caller's clock).
    seen_at: Timestamp,
}

/// Why [`Pager::resume`] refused a saved position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// The position was saved on another origin: its cursors are IDs of another server.
    #[error("the saved position is of {saved}, not of {origin}")]
    OtherOrigin {
        /// The origin the position was saved on.
        saved: String,
        /// The origin it was to be resumed on.
        origin: String,
    },
}

impl SavedState {
    /// The position of a walk of `feed` in `mode` that has just seen record `anchor` and
    /// nothing else: forward from it, or (`backward`) from the latest page with older
    /// pages read backward from it. Resumed, a pager continues after (or before) `anchor`.
    pub fn anchored(feed: Feed, mode: Mode, anchor: ChangeId, backward: bool) -> SavedState {
        SavedState {
            format: 1,
            feed,
            mode,
            begin: if backward {
                Begin::Latest
            } else {
                Begin::Start
            },
            started: true,
            oldest: backward.then(|| anchor.clone()),
            newest: Some(anchor),
            reached_start: false,
            recent_ids: Vec::new(),
            next_request_id: 1,
            records_emitted: 0,
            pages: 0,
            origin: None,
            tail: Vec::new(),
            tail_at_start: false,
        }
    }

    /// The origin the position was saved on (`None` in states saved before it was
    /// recorded, and in [`anchored`](SavedState::anchored) ones).
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The feed being read.
    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }
}

/// The first page of a (re)started walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Begin {
    Start,
    Latest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// `After(newest)`, or `Start` when nothing was seen.
    Forward,
    /// `Latest`.
    Latest,
    /// `Before(oldest)`.
    Older,
}

#[derive(Debug, Clone)]
struct InFlight {
    id: RequestId,
    purpose: Purpose,
    request: PageRequest,
    deadline: Option<Timestamp>,
    /// A forward read that re-reads the overlap window.
    overlap: bool,
}

#[derive(Debug, Clone)]
struct Vanished {
    purpose: Purpose,
}

/// Recently emitted IDs, oldest first, bounded.
#[derive(Debug, Clone)]
struct Window {
    capacity: usize,
    order: VecDeque<ChangeId>,
    set: HashSet<ChangeId>,
}

impl Window {
    fn new(capacity: usize) -> Self {
        Window {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            set: HashSet::new(),
        }
    }

    /// Remember `id`; false when it was already there.
    fn insert(&mut self, id: &ChangeId) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() >= self.capacity
            && let Some(evicted) = self.order.pop_front()
        {
            self.set.remove(&evicted);
        }
        self.order.push_back(id.clone());
        self.set.insert(id.clone());
        true
    }

    fn clear(&mut self) {
        self.order.clear();
        self.set.clear();
    }
}

/// How an error is handled.
enum Class {
    Vanished { retry_offered: bool },
    Transient { at_least_ms: i64 },
    Unauthenticated,
    NoAccess(String),
    Fatal,
}

/// A sans-IO changefeed pager.
///
/// It hands out one request at a time ([`poll_request`](Pager::poll_request)), consumes
/// the answer ([`handle_response`](Pager::handle_response) or
/// [`handle_failure`](Pager::handle_failure)) and reports [`Event`]s
/// ([`poll_event`](Pager::poll_event)); [`poll_timeout`](Pager::poll_timeout) says when to
/// call `poll_request` again. Guarantees:
/// - every record is emitted once, in server order (the record a cursor names is never
///   emitted again, whatever the window holds; other records the server repeats within
///   [`PagerConfig::dedup_window`] IDs are skipped);
/// - at most one request is in flight; an answer with another [`RequestId`] is ignored;
/// - a failed, malformed or HTML answer never moves a cursor;
/// - IDs are never compared, only handed back to the server.
#[derive(Debug, Clone)]
pub struct Pager {
    origin: Origin,
    feed: Feed,
    mode: Mode,
    config: PagerConfig,
    begin: Begin,
    started: bool,
    newest: Option<ChangeId>,
    oldest: Option<ChangeId>,
    caught_up: bool,
    reached_start: bool,
    older_wanted: bool,
    in_flight: Option<InFlight>,
    next_poll_at: Option<Timestamp>,
    retry_at: Option<Timestamp>,
    halt: Option<Halt>,
    vanished: Option<Vanished>,
    consecutive_errors: u32,
    unknown_streak: u32,
    next_request_id: u64,
    last_now: Timestamp,
    window: Window,
    /// The newest records read forward, in server order (bounded by
    /// `overlap_records + 1`: the window and the record before it).
    tail: VecDeque<TailEntry>,
    /// `tail` begins at the feed's first record.
    tail_at_start: bool,
    /// Backfill: the page that caught up was read; one overlap read is still to come.
    confirm: bool,
    events: VecDeque<Event>,
    records_emitted: u64,
    pages: u64,
    errors: u64,
    duplicates_skipped: u64,
    late_records: u64,
    stale_ignored: u64,
    last_page_at: Option<Timestamp>,
}

impl Pager {
    /// A pager for `feed` on `origin`.
    pub fn new(origin: Origin, feed: Feed, mode: Mode, config: PagerConfig) -> Self {
        let begin = match mode {
            Mode::Backfill | Mode::Follow(FollowFrom::Start) => Begin::Start,
            Mode::NewestFirst | Mode::Follow(FollowFrom::Latest) => Begin::Latest,
        };
        let config = PagerConfig {
            page_size: clamp_page_size(config.page_size),
            overlap_records: config.overlap_records.min(MAX_PAGE_SIZE),
            ..config
        };
        Pager {
            origin,
            feed,
            mode,
            window: Window::new(config.dedup_window),
            config,
            begin,
            started: false,
            newest: None,
            oldest: None,
            caught_up: false,
            reached_start: begin == Begin::Start,
            older_wanted: false,
            in_flight: None,
            next_poll_at: None,
            retry_at: None,
            halt: None,
            vanished: None,
            consecutive_errors: 0,
            unknown_streak: 0,
            next_request_id: 1,
            last_now: Timestamp::EPOCH,
            tail: VecDeque::new(),
            tail_at_start: false,
            confirm: false,
            events: VecDeque::new(),
            records_emitted: 0,
            pages: 0,
            errors: 0,
            duplicates_skipped: 0,
            late_records: 0,
            stale_ignored: 0,
            last_page_at: None,
        }
    }

    /// A pager that continues where [`save`](Pager::save) left off. Backfill and follow
    /// check for newer records first (a finished backfill reads what appeared since);
    /// newest-first waits for [`request_older`](Pager::request_older).
    ///
    /// A position saved on another origin is refused ([`ResumeError::OtherOrigin`]): its
    /// cursors are record IDs of another server (and the records read so far are that
    /// server's). A state without an origin (saved before it was recorded) is accepted.
    pub fn resume(
        origin: Origin,
        saved: SavedState,
        config: PagerConfig,
    ) -> Result<Self, ResumeError> {
        if let Some(text) = &saved.origin
            && Origin::parse(text).as_ref() != Ok(&origin)
        {
            return Err(ResumeError::OtherOrigin {
                saved: text.clone(),
                origin: origin.to_string(),
            });
        }
        let mut pager = Pager::new(origin, saved.feed, saved.mode, config);
        pager.begin = saved.begin;
        pager.started = saved.started;
        pager.newest = saved.newest;
        pager.oldest = saved.oldest;
        pager.reached_start = saved.reached_start;
        for id in &saved.recent_ids {
            pager.window.insert(id);
        }
        // A state saved before the overlap window existed has no tail: the first forward
        // page starts one, anchored on the saved cursor.
        pager.tail = saved.tail.into();
        pager.tail_at_start = saved.tail_at_start && !pager.tail.is_empty();
        pager.trim_tail();
        pager.next_request_id = saved.next_request_id.max(1);
        pager.records_emitted = saved.records_emitted;
        pager.pages = saved.pages;
        Ok(pager)
    }

    /// The position, for [`resume`](Pager::resume).
    pub fn save(&self) -> SavedState {
        SavedState {
            format: 1,
            feed: self.feed.clone(),
            mode: self.mode,
            begin: self.begin,
            started: self.started,
            newest: self.newest.clone(),
            oldest: self.oldest.clone(),
            reached_start: self.reached_start,
            recent_ids: self.window.order.iter().cloned().collect(),
            next_request_id: self.next_request_id,
            records_emitted: self.records_emitted,
            pages: self.pages,
            origin: Some(self.origin.to_string()),
            tail: self.tail.iter().cloned().collect(),
            tail_at_start: self.tail_at_start,
        }
    }

    /// The feed being read.
    pub fn feed(&self) -> &Feed {
        &self.feed
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The next request to send, if one is due at `now`. The request has no
    /// `Authorization` header: the auth layer adds it, runs the token flow on a 401 and
    /// retries; report the final answer with the same [`RequestId`].
    ///
    /// Also fails the request in flight as [`Failure::Timeout`] once
    /// [`PagerConfig::request_timeout_ms`] has passed.
    pub fn poll_request(&mut self, now: Timestamp) -> Option<(RequestId, Request<Vec<u8>>)> {
        self.observe(now);
        if let Some(flight) = &self.in_flight {
            match flight.deadline {
                Some(deadline) if now >= deadline => {
                    let id = flight.id;
                    self.handle_failure(id, now, Failure::Timeout);
                }
                _ => return None,
            }
        }
        let purpose = self.next_purpose()?;
        if self.gate(purpose).is_some_and(|gate| now < gate) {
            return None;
        }
        let mut size = self.config.page_size;
        let mut overlap = false;
        let cursor = match purpose {
            Purpose::Forward => match self.overlap_window(now).filter(|_| self.overlap_due()) {
                // One request reads the window and what follows it.
                Some((cursor, window)) => {
                    size = size.saturating_add(window);
                    overlap = true;
                    cursor
                }
                None => self.newest.clone().map_or(Cursor::Start, Cursor::After),
            },
            Purpose::Latest => Cursor::Latest,
            Purpose::Older => Cursor::Before(self.oldest.clone()?),
        };
        let request = PageRequest::new(self.feed.clone(), cursor, size);
        let id = RequestId(self.next_request_id);
        self.next_request_id = self.next_request_id.saturating_add(1);
        let http = request.to_http(&self.origin);
        self.in_flight = Some(InFlight {
            id,
            purpose,
            request,
            deadline: self
                .config
                .request_timeout_ms
                .map(|ms| now.add_millis(ms.max(0))),
            overlap,
        });
        Some((id, http))
    }

    /// The answer to request `id`. Ignored unless `id` is the request in flight.
    pub fn handle_response(&mut self, id: RequestId, now: Timestamp, response: Response<Vec<u8>>) {
        self.observe(now);
        let Some(flight) = self.take_flight(id) else {
            return;
        };
        match Page::parse(&response) {
            Ok(page) => self.apply_page(flight, page, now),
            Err(error) => {
                let class = self.classify_answer(&flight, &error, response.headers());
                self.apply_error(flight, FeedError::Page(error), class, now);
            }
        }
    }

    /// Request `id` got no answer. Ignored unless `id` is the request in flight.
    pub fn handle_failure(&mut self, id: RequestId, now: Timestamp, failure: Failure) {
        self.observe(now);
        let Some(flight) = self.take_flight(id) else {
            return;
        };
        let class = match &failure {
            Failure::Unauthenticated(_) => Class::Unauthenticated,
            Failure::NoAccess(message) => Class::NoAccess(message.clone()),
            Failure::Network(_) | Failure::Timeout | Failure::Other(_) => {
                Class::Transient { at_least_ms: 0 }
            }
        };
        self.apply_error(flight, FeedError::Failure(failure), class, now);
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`poll_request`](Pager::poll_request) again: the in-flight request's
    /// deadline, the next poll or retry time, or the last `now` seen when a request is due
    /// immediately. `None`: nothing will happen until a response, [`request_older`],
    /// [`retry_now`] or [`recover`].
    ///
    /// [`request_older`]: Pager::request_older
    /// [`retry_now`]: Pager::retry_now
    /// [`recover`]: Pager::recover
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        if let Some(flight) = &self.in_flight {
            return flight.deadline;
        }
        let purpose = self.next_purpose()?;
        Some(
            self.gate(purpose)
                .map_or(self.last_now, |gate| gate.max(self.last_now)),
        )
    }

    /// Newest-first (and follow from latest): load the next older page. Does nothing once
    /// the start is reached; one page per call.
    pub fn request_older(&mut self) {
        if !self.reached_start {
            self.older_wanted = true;
        }
    }

    /// Try again now: after an error that halted the pager (bad credentials, no access,
    /// an HTML page, a malformed record), or to cut a backoff or poll wait short. After
    /// [`Event::CursorVanished`] it is [`Recovery::Retry`].
    pub fn retry_now(&mut self) {
        if self.halt == Some(Halt::CursorVanished) {
            self.recover(Recovery::Retry);
            return;
        }
        self.halt = None;
        self.retry_at = None;
        self.next_poll_at = None;
    }

    /// Continue after [`Event::CursorVanished`]. Ignored in any other state.
    pub fn recover(&mut self, recovery: Recovery) {
        let Some(vanished) = self.vanished.take() else {
            return;
        };
        self.halt = None;
        self.retry_at = None;
        self.unknown_streak = 0;
        let older_end = vanished.purpose == Purpose::Older;
        match recovery {
            Recovery::Retry => {}
            Recovery::RestartFromStart if self.mode != Mode::NewestFirst => {
                self.reset(Begin::Start);
            }
            Recovery::JumpToLatest if !older_end => {
                self.begin = Begin::Latest;
                self.started = false;
                self.caught_up = false;
            }
            Recovery::RestartFromStart | Recovery::JumpToLatest => self.reset(Begin::Latest),
        }
    }

    /// Counters, cursors and status.
    pub fn progress(&self) -> Progress {
        Progress {
            status: self.status(),
            records_emitted: self.records_emitted,
            pages: self.pages,
            newest: self.newest.clone(),
            oldest: self.oldest.clone(),
            caught_up: self.caught_up,
            reached_start: self.reached_start,
            errors: self.errors,
            consecutive_errors: self.consecutive_errors,
            duplicates_skipped: self.duplicates_skipped,
            late_records: self.late_records,
            stale_ignored: self.stale_ignored,
            last_page_at: self.last_page_at,
        }
    }

    fn status(&self) -> Status {
        if let Some(reason) = self.halt {
            return Status::Halted { reason };
        }
        if self.in_flight.is_some() {
            return Status::Fetching;
        }
        match self.next_purpose() {
            Some(purpose) => match self.gate(purpose) {
                Some(until) if until > self.last_now => Status::Waiting { until },
                _ => Status::Ready,
            },
            None if self.mode == Mode::NewestFirst && !self.reached_start => Status::Idle,
            None => Status::Done,
        }
    }

    fn observe(&mut self, now: Timestamp) {
        self.last_now = self.last_now.max(now);
    }

    fn take_flight(&mut self, id: RequestId) -> Option<InFlight> {
        if self
            .in_flight
            .as_ref()
            .is_some_and(|flight| flight.id == id)
        {
            return self.in_flight.take();
        }
        self.stale_ignored += 1;
        None
    }

    fn next_purpose(&self) -> Option<Purpose> {
        if self.halt.is_some() || self.in_flight.is_some() {
            return None;
        }
        if !self.started {
            return Some(match self.begin {
                Begin::Start => Purpose::Forward,
                Begin::Latest => Purpose::Latest,
            });
        }
        if self.older_wanted && !self.reached_start && self.oldest.is_some() {
            return Some(Purpose::Older);
        }
        match self.mode {
            Mode::Backfill if !self.caught_up => Some(Purpose::Forward),
            Mode::Follow(_) => Some(Purpose::Forward),
            Mode::Backfill | Mode::NewestFirst => None,
        }
    }

    /// The earliest time a request for `purpose` may be sent, if it is not "now".
    fn gate(&self, purpose: Purpose) -> Option<Timestamp> {
        let poll = match (purpose, self.mode) {
            (Purpose::Forward, Mode::Follow(_)) if self.caught_up => self.next_poll_at,
            _ => None,
        };
        match (self.retry_at, poll) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    fn reset(&mut self, begin: Begin) {
        self.events.push_back(Event::Reset);
        self.begin = begin;
        self.started = false;
        self.newest = None;
        self.oldest = None;
        self.caught_up = false;
        self.reached_start = begin == Begin::Start;
        self.older_wanted = false;
        self.next_poll_at = None;
        self.window.clear();
        self.tail.clear();
        self.tail_at_start = false;
        self.confirm = false;
        self.records_emitted = 0;
        self.late_records = 0;
    }

    fn apply_page(&mut self, flight: InFlight, page: Page, now: Timestamp) {
        let asked = usize::try_from(flight.request.page_size()).unwrap_or(usize::MAX);
        let short = page.records.len() < asked;
        let first = page.records.first().map(|r| r.id.clone());
        let last = page.records.last().map(|r| r.id.clone());
        let total = page.records.len();
        // An older page that ends where the tail begins extends the tail backward, so the
        // window can reach behind the first page of a walk that began at the latest one.
        let older: Vec<ChangeId> = match flight.purpose {
            Purpose::Older => page.records.iter().map(|r| r.id.clone()).collect(),
            Purpose::Forward | Purpose::Latest => Vec::new(),
        };
        let fresh = self.sort_out(&flight, page.records, !short, now);
        let emitted = fresh.len();
        self.duplicates_skipped += (total - emitted) as u64;
        self.consecutive_errors = 0;
        self.unknown_streak = 0;
        self.retry_at = None;
        self.pages += 1;
        self.last_page_at = Some(now);
        self.records_emitted += emitted as u64;
        let follow = matches!(self.mode, Mode::Follow(_));
        match flight.purpose {
            Purpose::Forward => {
                // A full page moves on when it ends elsewhere or brought something new (an
                // overlap read full of late records may end on the same record).
                let moved = (last.is_some() && last != self.newest) || emitted > 0;
                if let Some(last) = last {
                    self.newest = Some(last);
                }
                self.started = true;
                self.emit(fresh, Placement::Append);
                // A full page that does not move the cursor would loop: treat it as caught up.
                if short || !moved {
                    if self.mode == Mode::Backfill
                        && !self.confirm
                        && !flight.overlap
                        && self.overlap_window(now).is_some()
                    {
                        // The end of a backfill: one more read, over the window.
                        self.confirm = true;
                    } else {
                        self.confirm = false;
                        self.arrive(now, follow);
                    }
                } else {
                    self.confirm = false;
                    self.caught_up = false;
                }
            }
            Purpose::Latest => {
                let was_empty = self.oldest.is_none() && self.newest.is_none();
                if let Some(last) = last {
                    self.newest = Some(last);
                }
                if self.oldest.is_none() {
                    self.oldest = first;
                }
                self.started = true;
                self.emit(fresh, Placement::Append);
                if was_empty && short && !self.reached_start {
                    self.reached_start = true;
                    self.events.push_back(Event::ReachedStart);
                }
                if was_empty && short {
                    self.tail_at_start = !self.tail.is_empty();
                }
                if self.mode != Mode::NewestFirst {
                    self.arrive(now, follow);
                }
            }
            Purpose::Older => {
                self.older_wanted = false;
                let moved = first.is_some() && first != self.oldest;
                let joins = self.tail.front().map(|e| &e.id) == self.oldest.as_ref();
                if let Some(first) = first {
                    self.oldest = Some(first);
                }
                self.emit(fresh, Placement::Prepend);
                let start = short || !moved;
                if start {
                    self.reached_start = true;
                    self.events.push_back(Event::ReachedStart);
                }
                if joins {
                    // First read now: inside the window like any record read now (a late
                    // record may have become visible behind the walk going backward, too).
                    for id in older.into_iter().rev() {
                        if !self.tail.iter().any(|e| e.id == id) {
                            self.tail.push_front(TailEntry { id, seen_at: now });
                        }
                    }
                    self.tail_at_start = start;
                    self.trim_tail();
                }
            }
        }
        self.events.push_back(Event::Progress(self.progress()));
    }

    /// The records of a page that were never emitted, each with whether it arrived late;
    /// remembers them, and (forward and latest pages) rebuilds the overlap tail from the
    /// page, which lists the server's current order.
    fn sort_out(
        &mut self,
        flight: &InFlight,
        records: Vec<Record>,
        full: bool,
        now: Timestamp,
    ) -> Vec<(Record, bool)> {
        let cursor = flight.request.cursor();
        // The cursor's own record (a server that treats the bound as inclusive) was emitted
        // before: drop it by ID, not through the window, which may have evicted it (an
        // older page lists it last, after records whose insertion evicts the oldest IDs).
        let bound = cursor.id();
        let rebuild = flight.purpose != Purpose::Older;
        let seen_at: HashMap<&ChangeId, Timestamp> = if rebuild {
            self.tail.iter().map(|e| (&e.id, e.seen_at)).collect()
        } else {
            HashMap::new()
        };
        // Emitted before this page: the bound, the tail (whatever the window forgot), or
        // the de-duplication window (a repeat within this page is not "before").
        let mut page_fresh: HashSet<&ChangeId> = HashSet::new();
        let mut known_before = Vec::with_capacity(records.len());
        let mut is_fresh = Vec::with_capacity(records.len());
        for record in &records {
            let id = &record.id;
            let (fresh, known) = if Some(id) == bound || seen_at.contains_key(id) {
                (false, true)
            } else if self.window.insert(id) {
                page_fresh.insert(id);
                (true, false)
            } else {
                (false, !page_fresh.contains(id))
            };
            is_fresh.push(fresh);
            known_before.push(known);
        }
        // Late: never emitted, yet a record after it in server order was emitted before —
        // in this page, or beyond it when the page ends before the old newest record.
        let forward = flight.purpose == Purpose::Forward;
        let window_behind = match cursor {
            Cursor::Start => !self.tail.is_empty(),
            Cursor::After(id) => self
                .tail
                .iter()
                .position(|e| &e.id == id)
                .is_some_and(|k| k + 1 < self.tail.len()),
            Cursor::Latest | Cursor::Before(_) => false,
        };
        let newest_listed = self
            .tail
            .back()
            .is_some_and(|e| records.iter().any(|r| r.id == e.id));
        let mut late = vec![false; records.len()];
        let mut known_after = forward && window_behind && !newest_listed;
        for i in (0..records.len()).rev() {
            late[i] = forward && is_fresh[i] && known_after;
            known_after |= known_before[i];
        }
        if rebuild && !records.is_empty() {
            let mut tail = VecDeque::new();
            let mut at_start = false;
            // Where the old tail's records after the cursor begin (none: the old tail is
            // not known to follow the cursor).
            let mut after = self.tail.len();
            match cursor {
                Cursor::Start => {
                    at_start = true;
                    after = 0;
                }
                Cursor::After(id) => {
                    let anchor = self.tail.iter().position(|e| &e.id == id);
                    tail.extend(self.tail.iter().take(anchor.map_or(0, |k| k + 1)).cloned());
                    at_start = anchor.is_some() && self.tail_at_start;
                    match anchor {
                        Some(k) => after = k + 1,
                        // A cursor the tail does not hold (a resumed or anchored walk):
                        // read at an unknown time, so never inside a time-bounded window.
                        None => tail.push_back(TailEntry {
                            id: id.clone(),
                            seen_at: Timestamp::EPOCH,
                        }),
                    }
                }
                Cursor::Latest | Cursor::Before(_) => {}
            }
            let mut listed: HashSet<&ChangeId> = tail.iter().map(|e| &e.id).collect();
            let mut added = Vec::new();
            for record in &records {
                if listed.insert(&record.id) {
                    added.push(TailEntry {
                        id: record.id.clone(),
                        seen_at: seen_at.get(&record.id).copied().unwrap_or(now),
                    });
                }
            }
            // A full page that ends before records read earlier (late records crowding
            // the window): those lie after it, in the order known; the next page reads on
            // from the page's end and must not emit them again.
            if full {
                for entry in self.tail.iter().skip(after) {
                    if listed.insert(&entry.id) {
                        added.push(entry.clone());
                    }
                }
            }
            drop(listed);
            tail.extend(added);
            self.tail = tail;
            self.tail_at_start = at_start;
            self.trim_tail();
        }
        records
            .into_iter()
            .zip(is_fresh)
            .zip(late)
            .filter_map(|((record, fresh), late)| fresh.then_some((record, late)))
            .collect()
    }

    /// Keep the tail to the window and the record before it.
    fn trim_tail(&mut self) {
        let keep = usize::try_from(self.config.overlap_records)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        while self.tail.len() > keep {
            self.tail.pop_front();
            self.tail_at_start = false;
        }
    }

    /// Whether the next forward read re-reads the overlap window: once caught up in follow
    /// mode, and for the last read of a backfill.
    fn overlap_due(&self) -> bool {
        match self.mode {
            Mode::Follow(_) => self.caught_up,
            Mode::Backfill => self.confirm,
            Mode::NewestFirst => false,
        }
    }

    /// The overlap window at `now`: the cursor just behind it and its length in records;
    /// `None` when it is empty.
    fn overlap_window(&self, now: Timestamp) -> Option<(Cursor, u32)> {
        let max = usize::try_from(self.config.overlap_records).unwrap_or(usize::MAX);
        if max == 0 || self.tail.is_empty() {
            return None;
        }
        let len = self.tail.len();
        let mut start = len.saturating_sub(max);
        if let Some(span) = self.config.overlap_ms {
            let cutoff = now.add_millis(-span.max(0));
            let recent = self.tail.iter().position(|e| e.seen_at >= cutoff);
            start = start.max(recent.unwrap_or(len));
        }
        let cursor = if start > 0 {
            Cursor::After(self.tail[start - 1].id.clone())
        } else if self.tail_at_start {
            Cursor::Start
        } else {
            // Nothing known before the tail: its first record anchors the window.
            start = 1;
            Cursor::After(self.tail[0].id.clone())
        };
        let window = u32::try_from(len.saturating_sub(start)).unwrap_or(u32::MAX);
        (window > 0).then_some((cursor, window))
    }

    /// How many record IDs the pager remembers: the de-duplication window plus the overlap
    /// tail, never more than `dedup_window + overlap_records + 1`.
    pub fn remembered_ids(&self) -> usize {
        self.window.order.len() + self.tail.len()
    }

    fn arrive(&mut self, now: Timestamp, follow: bool) {
        if !self.caught_up {
            self.caught_up = true;
            self.events.push_back(Event::CaughtUp);
        }
        if follow {
            self.next_poll_at = Some(now.add_millis(self.config.poll_interval_ms.max(0)));
        }
    }

    /// Emit records in page order, one batch per run of late or on-time records.
    fn emit(&mut self, records: Vec<(Record, bool)>, placement: Placement) {
        let mut batch: Vec<Record> = Vec::new();
        let mut batch_late = false;
        for (record, late) in records {
            if late != batch_late && !batch.is_empty() {
                self.push_records(std::mem::take(&mut batch), placement, batch_late);
            }
            batch_late = late;
            batch.push(record);
        }
        self.push_records(batch, placement, batch_late);
    }

    fn push_records(&mut self, records: Vec<Record>, placement: Placement, late: bool) {
        if !records.is_empty() {
            if late {
                self.late_records += records.len() as u64;
            }
            self.events.push_back(Event::Records {
                records,
                placement,
                late,
            });
        }
    }

    fn classify_answer(
        &mut self,
        flight: &InFlight,
        error: &PageError,
        headers: &HeaderMap,
    ) -> Class {
        let Some(api) = error.api() else {
            return Class::Fatal;
        };
        let on_id = flight.request.cursor().id().is_some();
        if on_id && api.status == 500 && api.is_code("UNKNOWN") {
            self.unknown_streak += 1;
            if self.unknown_streak >= self.config.vanish_after {
                return Class::Vanished {
                    retry_offered: true,
                };
            }
            return Class::Transient { at_least_ms: 0 };
        }
        self.unknown_streak = 0;
        if on_id && api.status == 400 && api.is_code("INVALID_PARAMETERS") {
            return Class::Vanished {
                retry_offered: false,
            };
        }
        match api.kind {
            ErrorKind::Unauthenticated => {
                let challenge = headers
                    .get(header::WWW_AUTHENTICATE)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or("");
                if challenge.contains("insufficient_scope") {
                    Class::NoAccess(format!(
                        "the token does not grant {}",
                        self.feed.required_scope()
                    ))
                } else {
                    Class::Unauthenticated
                }
            }
            ErrorKind::Forbidden => Class::NoAccess(api.to_string()),
            ErrorKind::ServerError | ErrorKind::Unavailable | ErrorKind::RateLimited => {
                Class::Transient {
                    at_least_ms: retry_after_ms(headers),
                }
            }
            _ => Class::Fatal,
        }
    }

    fn apply_error(&mut self, flight: InFlight, error: FeedError, class: Class, now: Timestamp) {
        self.errors += 1;
        self.consecutive_errors = self.consecutive_errors.saturating_add(1);
        if !matches!(error, FeedError::Page(_)) {
            self.unknown_streak = 0;
        }
        match class {
            Class::Vanished { retry_offered } => {
                self.halt = Some(Halt::CursorVanished);
                self.vanished = Some(Vanished {
                    purpose: flight.purpose,
                });
                let mut choices = Vec::new();
                if retry_offered {
                    choices.push(Recovery::Retry);
                }
                if flight.purpose != Purpose::Older {
                    choices.push(Recovery::RestartFromStart);
                }
                choices.push(Recovery::JumpToLatest);
                self.events.push_back(Event::CursorVanished {
                    cursor: flight.request.cursor().clone(),
                    choices,
                });
            }
            Class::Transient { at_least_ms } => {
                let retry_at = now.add_millis(self.backoff_ms().max(at_least_ms));
                self.retry_at = Some(retry_at);
                self.events.push_back(Event::Error {
                    error,
                    retry_at: Some(retry_at),
                });
            }
            Class::Unauthenticated => {
                self.halt = Some(Halt::Unauthenticated);
                self.events.push_back(Event::Error {
                    error,
                    retry_at: None,
                });
            }
            Class::NoAccess(message) => {
                self.halt = Some(Halt::NoAccess);
                let message = match error {
                    FeedError::Failure(Failure::NoAccess(text)) => text,
                    _ => message,
                };
                self.events.push_back(Event::NoAccess {
                    feed: self.feed.clone(),
                    message,
                });
            }
            Class::Fatal => {
                self.halt = Some(Halt::Error);
                self.events.push_back(Event::Error {
                    error,
                    retry_at: None,
                });
            }
        }
        self.events.push_back(Event::Progress(self.progress()));
    }

    /// The wait after the current run of consecutive errors (at least 1).
    fn backoff_ms(&self) -> i64 {
        let doublings = self.consecutive_errors.saturating_sub(1).min(40);
        let initial = self.config.backoff_initial_ms.max(0);
        initial
            .saturating_mul(1_i64 << doublings)
            .min(self.config.backoff_max_ms.max(initial))
    }
}

/// `Retry-After: <seconds>` in milliseconds, capped; 0 when absent or an HTTP date.
fn retry_after_ms(headers: &HeaderMap) -> i64 {
    headers
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<i64>().ok())
        .map_or(0, |secs| {
            secs.saturating_mul(1000).clamp(0, MAX_RETRY_AFTER_MS)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp::from_secs(1_800_000_000);

    fn origin() -> Origin {
        Origin::parse("https://msr.example.org").unwrap()
    }

    fn config(page_size: u32) -> PagerConfig {
        PagerConfig {
            page_size,
            poll_interval_ms: 10_000,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 8_000,
            request_timeout_ms: Some(30_000),
            dedup_window: 100,
            vanish_after: 3,
            overlap_records: 0,
            overlap_ms: None,
        }
    }

    fn pager(mode: Mode, page_size: u32) -> Pager {
        Pager::new(origin(), Feed::Global, mode, config(page_size))
    }

    fn body(ids: &[&str]) -> String {
        let records: Vec<String> = ids
            .iter()
            .map(|id| {
                format!(
                    r#"{{"ID":"{id}","CreatedAt":"2026-11-26T12:49:38.1Z","GUN":"h/n/r","Version":1,"SHA256":"ab","Category":"update"}}"#
                )
            })
            .collect();
        format!(
            r#"{{"count":{},"records":[{}]}}"#,
            ids.len(),
            records.join(",")
        )
    }

    fn response(status: u16, content_type: &str, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, content_type)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    fn ok(ids: &[&str]) -> Response<Vec<u8>> {
        response(200, "text/plain; charset=utf-8", &body(ids))
    }

    fn error(status: u16, code: &str) -> Response<Vec<u8>> {
        let body = format!(r#"{{"errors":[{{"code":"{code}","message":"m","detail":{{}}}}]}}"#);
        response(status, "application/json; charset=utf-8", &body)
    }

    /// Poll one request and return its id and `change_id=..&records=..` query.
    fn next(p: &mut Pager, now: Timestamp) -> (RequestId, String) {
        let (id, request) = p.poll_request(now).expect("a request is due");
        assert!(request.headers().get(header::AUTHORIZATION).is_none());
        let query = request.uri().query().unwrap_or_default().to_string();
        (id, query)
    }

    /// Events without the Progress noise, records as `+1,2` (append) / `<1,2` (prepend).
    fn events(p: &mut Pager) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(event) = p.poll_event() {
            out.push(match event {
                Event::Records {
                    records,
                    placement,
                    late,
                } => {
                    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
                    let sign = match (placement, late) {
                        (Placement::Append, false) => "+",
                        (Placement::Append, true) => "late+",
                        (Placement::Prepend, _) => "<",
                    };
                    format!("{sign}{}", ids.join(","))
                }
                Event::CaughtUp => "caught-up".into(),
                Event::ReachedStart => "start".into(),
                Event::NoAccess { message, .. } => format!("no-access {message}"),
                Event::Error { error, retry_at } => format!(
                    "error {} retry {}",
                    error.kind_str(),
                    retry_at.map_or("none".into(), |t| (t.millis_since(T0) / 1000).to_string())
                ),
                Event::CursorVanished { cursor, choices } => {
                    format!("vanished {cursor} {choices:?}")
                }
                Event::Reset => "reset".into(),
                Event::Progress(_) => continue,
            });
        }
        out
    }

    #[test]
    fn backfill_transcript() {
        let mut p = pager(Mode::Backfill, 2);
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=0&records=2");
        assert!(p.poll_request(T0).is_none(), "only one request in flight");
        assert_eq!(p.progress().status, Status::Fetching);
        p.handle_response(id, T0, ok(&["1", "2"]));
        assert_eq!(events(&mut p), ["+1,2"]);
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=2&records=2");
        p.handle_response(id, T0, ok(&["3"]));
        assert_eq!(events(&mut p), ["+3", "caught-up"]);
        assert!(p.poll_request(T0.add_secs(3600)).is_none());
        assert_eq!(p.poll_timeout(), None);
        let progress = p.progress();
        assert_eq!(progress.status, Status::Done);
        assert_eq!((progress.records_emitted, progress.pages), (3, 2));
        assert_eq!(progress.newest.as_ref().map(ChangeId::as_str), Some("3"));
    }

    #[test]
    fn newest_first_transcript() {
        let mut p = pager(Mode::NewestFirst, 3);
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=-1&records=-3");
        p.handle_response(id, T0, ok(&["9", "10", "11"]));
        assert_eq!(events(&mut p), ["+9,10,11"]);
        assert_eq!(p.progress().status, Status::Idle);
        assert!(p.poll_request(T0).is_none());
        assert_eq!(p.poll_timeout(), None);
        p.request_older();
        p.request_older(); // a second call while one page is pending: still one page
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=9&records=-3");
        p.handle_response(id, T0, ok(&["6", "7", "8"]));
        assert_eq!(events(&mut p), ["<6,7,8"]);
        assert!(p.poll_request(T0).is_none());
        p.request_older();
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=6&records=-3");
        p.handle_response(id, T0, ok(&["5"]));
        assert_eq!(events(&mut p), ["<5", "start"]);
        p.request_older();
        assert!(p.poll_request(T0).is_none());
        assert_eq!(p.progress().status, Status::Done);
    }

    #[test]
    fn newest_first_on_a_short_feed_reaches_the_start_at_once() {
        let mut p = pager(Mode::NewestFirst, 5);
        let (id, _) = next(&mut p, T0);
        p.handle_response(
            id,
            T0,
            response(200, "text/plain", r#"{"count":0,"records":null}"#),
        );
        assert_eq!(events(&mut p), ["start"]);
        p.request_older();
        assert!(p.poll_request(T0).is_none());
    }

    #[test]
    fn follow_polls_on_schedule_and_backs_off() {
        let mut p = pager(Mode::Follow(FollowFrom::Start), 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1"]));
        assert_eq!(events(&mut p), ["+1", "caught-up"]);
        assert_eq!(p.poll_timeout(), Some(T0.add_secs(10)));
        assert_eq!(
            p.progress().status,
            Status::Waiting {
                until: T0.add_secs(10)
            }
        );
        assert!(p.poll_request(T0.add_secs(9)).is_none());
        let t = T0.add_secs(10);
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=1&records=2");
        p.handle_response(id, t, error(503, "UNAVAILABLE"));
        assert_eq!(events(&mut p), ["error unavailable retry 11"]);
        for expected in [13, 17, 25, 33] {
            let t = p.poll_timeout().unwrap();
            let (id, _) = next(&mut p, t);
            p.handle_failure(id, t, Failure::Network("reset".into()));
            assert_eq!(events(&mut p), [format!("error network retry {expected}")]);
        }
        assert_eq!(p.progress().consecutive_errors, 5);
        let t = p.poll_timeout().unwrap();
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=1&records=2", "errors never move the cursor");
        p.handle_response(id, t, ok(&["2", "3"]));
        assert_eq!(events(&mut p), ["+2,3"]);
        assert_eq!(p.progress().consecutive_errors, 0);
        // A full page: the next one is due at once.
        assert_eq!(p.poll_timeout(), Some(t));
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=3&records=2");
        p.handle_response(id, t, ok(&[]));
        assert_eq!(events(&mut p), ["caught-up"]);
    }

    #[test]
    fn follow_from_latest_also_loads_older_on_demand() {
        let mut p = pager(Mode::Follow(FollowFrom::Latest), 2);
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=-1&records=-2");
        p.handle_response(id, T0, ok(&["4", "5"]));
        assert_eq!(events(&mut p), ["+4,5", "caught-up"]);
        p.request_older();
        let (id, q) = next(&mut p, T0);
        assert_eq!(
            q, "change_id=4&records=-2",
            "older pages are not gated by the poll timer"
        );
        p.handle_response(id, T0, ok(&["3"]));
        assert_eq!(events(&mut p), ["<3", "start"]);
        let t = p.poll_timeout().unwrap();
        assert_eq!(t, T0.add_secs(10));
        let (_, q) = next(&mut p, t);
        assert_eq!(q, "change_id=5&records=2");
    }

    #[test]
    fn stale_and_duplicate_answers_are_ignored() {
        let mut p = pager(Mode::Backfill, 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(RequestId(id.get() + 7), T0, ok(&["x", "y"]));
        p.handle_failure(RequestId(0), T0, Failure::Timeout);
        assert!(events(&mut p).is_empty());
        assert_eq!(p.progress().stale_ignored, 2);
        p.handle_response(id, T0, ok(&["1", "2"]));
        p.handle_response(id, T0, ok(&["1", "2"]));
        assert_eq!(events(&mut p), ["+1,2"]);
        assert_eq!(p.progress().stale_ignored, 3);
    }

    #[test]
    fn request_timeout_fails_the_flight_and_late_answers_are_stale() {
        let mut p = pager(Mode::Backfill, 2);
        let (old, _) = next(&mut p, T0);
        assert_eq!(p.poll_timeout(), Some(T0.add_secs(30)));
        assert!(p.poll_request(T0.add_secs(29)).is_none());
        assert!(p.poll_request(T0.add_secs(30)).is_none());
        assert_eq!(events(&mut p), ["error timeout retry 31"]);
        let (id, q) = next(&mut p, T0.add_secs(31));
        assert_eq!(q, "change_id=0&records=2");
        p.handle_response(old, T0.add_secs(32), ok(&["1", "2"]));
        assert!(events(&mut p).is_empty());
        p.handle_response(id, T0.add_secs(32), ok(&["1"]));
        assert_eq!(events(&mut p), ["+1", "caught-up"]);
    }

    #[test]
    fn duplicates_from_the_server_are_skipped() {
        let mut p = pager(Mode::Follow(FollowFrom::Start), 3);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1", "2", "2"]));
        assert_eq!(events(&mut p), ["+1,2"]);
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=2&records=3");
        p.handle_response(id, T0, ok(&["2", "3"]));
        assert_eq!(events(&mut p), ["+3", "caught-up"]);
        assert_eq!(p.progress().duplicates_skipped, 2);
    }

    #[test]
    fn a_full_page_that_does_not_move_the_cursor_does_not_loop() {
        let mut p = pager(Mode::Backfill, 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1", "2"]));
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1", "2"]));
        assert_eq!(events(&mut p), ["+1,2", "caught-up"]);
        assert!(p.poll_request(T0).is_none());
    }

    #[test]
    fn html_and_malformed_pages_halt_without_moving_the_cursor() {
        let mut p = pager(Mode::Follow(FollowFrom::Start), 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1", "2"]));
        events(&mut p);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, response(200, "text/html", "<html>Sign in</html>"));
        assert_eq!(events(&mut p), ["error badResponse retry none"]);
        assert_eq!(
            p.progress().status,
            Status::Halted {
                reason: Halt::Error
            }
        );
        assert!(p.poll_request(T0.add_secs(3600)).is_none());
        assert_eq!(p.poll_timeout(), None);
        p.retry_now();
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=2&records=2");
        let bad =
            r#"{"count":2,"records":[{"ID":"3","GUN":"g"},{"ID":"4","GUN":"g","Version":"x"}]}"#;
        p.handle_response(id, T0, response(200, "text/plain", bad));
        let Some(Event::Error {
            error: FeedError::Page(PageError::Record { index, .. }),
            retry_at: None,
        }) = p.poll_event()
        else {
            panic!("expected a record error");
        };
        assert_eq!(index, 1);
        events(&mut p);
        assert_eq!(
            p.progress().newest.as_ref().map(ChangeId::as_str),
            Some("2")
        );
        p.retry_now();
        let (_, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=2&records=2");
    }

    #[test]
    fn auth_outcomes() {
        let mut p = pager(Mode::Backfill, 2);
        let (id, _) = next(&mut p, T0);
        p.handle_failure(id, T0, Failure::Unauthenticated("bad password".into()));
        assert_eq!(events(&mut p), ["error unauthenticated retry none"]);
        assert_eq!(
            p.progress().status,
            Status::Halted {
                reason: Halt::Unauthenticated
            }
        );
        assert!(p.poll_request(T0).is_none());
        p.retry_now();
        let (id, _) = next(&mut p, T0);
        p.handle_failure(id, T0, Failure::NoAccess("not an admin".into()));
        assert_eq!(events(&mut p), ["no-access not an admin"]);
        p.retry_now();
        let (id, _) = next(&mut p, T0);
        let mut answer = error(401, "UNAUTHORIZED");
        answer.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            r#"Bearer realm="https://h/auth/token",service="dtr",scope="registry:catalog:*",error="insufficient_scope""#
                .parse()
                .unwrap(),
        );
        p.handle_response(id, T0, answer);
        assert_eq!(
            events(&mut p),
            ["no-access the token does not grant registry:catalog:*"]
        );
        p.retry_now();
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, error(401, "UNAUTHORIZED"));
        assert_eq!(events(&mut p), ["error unauthenticated retry none"]);
        p.retry_now();
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, error(404, "METADATA_NOT_FOUND"));
        assert_eq!(events(&mut p), ["error notFound retry none"]);
        assert_eq!(p.progress().errors, 5);
    }

    #[test]
    fn rate_limit_honours_retry_after() {
        let mut p = pager(Mode::Backfill, 2);
        let (id, _) = next(&mut p, T0);
        let mut answer = error(429, "TOOMANYREQUESTS");
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, "120".parse().unwrap());
        p.handle_response(id, T0, answer);
        assert_eq!(events(&mut p), ["error rateLimited retry 120"]);
    }

    #[test]
    fn vanished_cursor_400_offers_restart_or_jump() {
        let mut p = pager(Mode::Follow(FollowFrom::Start), 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1", "2"]));
        events(&mut p);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, error(400, "INVALID_PARAMETERS"));
        assert_eq!(
            events(&mut p),
            ["vanished after 2 [RestartFromStart, JumpToLatest]"]
        );
        assert!(p.poll_request(T0).is_none());
        let mut jump = p.clone();
        jump.recover(Recovery::JumpToLatest);
        let (id, q) = next(&mut jump, T0);
        assert_eq!(q, "change_id=-1&records=-2");
        jump.handle_response(id, T0, ok(&["2", "7"]));
        assert_eq!(events(&mut jump), ["+7", "caught-up"]);
        let (_, q) = next(&mut jump, T0.add_secs(10));
        assert_eq!(q, "change_id=7&records=2");

        p.recover(Recovery::RestartFromStart);
        assert_eq!(events(&mut p), ["reset"]);
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=0&records=2");
        p.handle_response(id, T0, ok(&["1", "2"]));
        assert_eq!(
            events(&mut p),
            ["+1,2"],
            "after a reset, records are emitted again"
        );
    }

    #[test]
    fn unknown_500_on_an_id_is_retried_then_reported_as_vanished() {
        let mut p = pager(Mode::NewestFirst, 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["a", "b"]));
        events(&mut p);
        p.request_older();
        let mut t = T0;
        for _ in 0..2 {
            let (id, q) = next(&mut p, t);
            assert_eq!(q, "change_id=a&records=-2");
            p.handle_response(id, t, error(500, "UNKNOWN"));
            assert!(events(&mut p)[0].starts_with("error serverError retry"));
            t = p.poll_timeout().unwrap();
        }
        let (id, _) = next(&mut p, t);
        p.handle_response(id, t, error(500, "UNKNOWN"));
        assert_eq!(events(&mut p), ["vanished before a [Retry, JumpToLatest]"]);
        p.recover(Recovery::Retry);
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=a&records=-2");
        p.handle_response(id, t, error(500, "UNKNOWN"));
        assert!(
            events(&mut p)[0].starts_with("error serverError"),
            "retry restarts the count"
        );
        // JumpToLatest at the older end of a newest-first view restarts the view.
        let mut q = p.clone();
        for _ in 0..2 {
            let t = q.poll_timeout().unwrap();
            let (id, _) = next(&mut q, t);
            q.handle_response(id, t, error(500, "UNKNOWN"));
        }
        events(&mut q);
        q.recover(Recovery::JumpToLatest);
        assert_eq!(events(&mut q), ["reset"]);
        let (_, query) = next(&mut q, t.add_secs(100));
        assert_eq!(query, "change_id=-1&records=-2");
    }

    #[test]
    fn a_500_on_start_or_latest_is_not_a_vanished_cursor() {
        let mut p = pager(Mode::Backfill, 2);
        for _ in 0..5 {
            let t = p.poll_timeout().unwrap();
            let (id, q) = next(&mut p, t);
            assert_eq!(q, "change_id=0&records=2");
            p.handle_response(id, t, error(500, "UNKNOWN"));
            assert!(events(&mut p)[0].starts_with("error serverError retry"));
        }
    }

    #[test]
    fn the_cursor_record_is_never_emitted_again_even_once_the_window_forgot_it() {
        let small = PagerConfig {
            dedup_window: 3,
            ..config(3)
        };
        let mut p = Pager::new(
            origin(),
            Feed::Global,
            Mode::Follow(FollowFrom::Latest),
            small,
        );
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["4", "5", "6"]));
        assert_eq!(events(&mut p), ["+4,5,6", "caught-up"]);
        // Resumed, the window holds 4, 5, 6; the older page lists its cursor (4) last, after
        // two records whose insertion evicts 4 from the window.
        let mut p = Pager::resume(origin(), p.save(), p.config.clone()).unwrap();
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=6&records=3");
        p.handle_response(id, T0, ok(&["6"]));
        assert_eq!(events(&mut p), ["caught-up"]);
        p.request_older();
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=4&records=-3");
        p.handle_response(id, T0, ok(&["2", "3", "4"]));
        assert_eq!(events(&mut p), ["<2,3"]);
        p.request_older();
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=2&records=-3");
        p.handle_response(id, T0, ok(&["1", "2"]));
        assert_eq!(events(&mut p), ["<1", "start"]);
        assert_eq!(p.progress().records_emitted, 6);
        assert_eq!(p.progress().duplicates_skipped, 3);
    }

    #[test]
    fn an_anchored_walk_does_not_emit_its_anchor() {
        let anchor = ChangeId::new("7").unwrap();
        let forward = SavedState::anchored(Feed::Global, Mode::Backfill, anchor.clone(), false);
        let mut p = Pager::resume(origin(), forward, config(3)).unwrap();
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=7&records=3");
        p.handle_response(id, T0, ok(&["7", "8"]));
        assert_eq!(events(&mut p), ["+8", "caught-up"]);
        let backward = SavedState::anchored(Feed::Global, Mode::NewestFirst, anchor, true);
        let mut p = Pager::resume(origin(), backward, config(3)).unwrap();
        p.request_older();
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=7&records=-3");
        p.handle_response(id, T0, ok(&["5", "6", "7"]));
        assert_eq!(events(&mut p), ["<5,6"]);
    }

    #[test]
    fn save_and_resume() {
        let mut p = pager(Mode::Backfill, 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1", "2"]));
        events(&mut p);
        let (in_flight, _) = next(&mut p, T0);
        let json = serde_json::to_string(&p.save()).unwrap();
        let saved: SavedState = serde_json::from_str(&json).unwrap();
        assert_eq!(saved, p.save());
        let mut r = Pager::resume(origin(), saved, config(2)).unwrap();
        r.handle_response(in_flight, T0, ok(&["3"]));
        assert!(
            events(&mut r).is_empty(),
            "the old pager's request is stale"
        );
        let (id, q) = next(&mut r, T0);
        assert_eq!(q, "change_id=2&records=2");
        assert!(id.get() > in_flight.get());
        r.handle_response(id, T0, ok(&["2", "3"]));
        assert_eq!(events(&mut r), ["+3"], "recent IDs survive the resume");
        let (id, q) = next(&mut r, T0);
        assert_eq!(q, "change_id=3&records=2");
        r.handle_response(id, T0, ok(&[]));
        assert_eq!(events(&mut r), ["caught-up"]);
        assert_eq!(r.progress().records_emitted, 3);
        // A finished backfill resumes by checking for newer records.
        let mut again = Pager::resume(origin(), r.save(), config(2)).unwrap();
        let (_, q) = next(&mut again, T0);
        assert_eq!(q, "change_id=3&records=2");
        // A tampered state with a reserved id does not load.
        let bad = json.replace(r#""newest":"2""#, r#""newest":"0""#);
        assert_ne!(bad, json);
        assert!(serde_json::from_str::<SavedState>(&bad).is_err());
    }

    #[test]
    fn a_position_saved_on_another_origin_is_refused() {
        let mut p = pager(Mode::Backfill, 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1", "2"]));
        events(&mut p);
        let saved = p.save();
        assert_eq!(saved.origin(), Some(origin().to_string().as_str()));
        let other = Origin::parse("https://other.example.org").unwrap();
        assert_eq!(
            Pager::resume(other, saved.clone(), config(2)).err(),
            Some(ResumeError::OtherOrigin {
                saved: origin().to_string(),
                origin: "https://other.example.org".into(),
            })
        );
        // The same origin spelled differently is the same origin.
        let spelled = Origin::parse(&format!("{}:443/", origin().to_string().to_uppercase()));
        assert!(Pager::resume(spelled.unwrap(), saved.clone(), config(2)).is_ok());
        // A state saved before the origin was recorded still resumes.
        let mut value = serde_json::to_value(&saved).unwrap();
        value.as_object_mut().unwrap().remove("origin");
        let old: SavedState = serde_json::from_value(value).unwrap();
        assert_eq!(old.origin(), None);
        let other = Origin::parse("https://other.example.org").unwrap();
        let (_, q) = next(&mut Pager::resume(other, old, config(2)).unwrap(), T0);
        assert_eq!(q, "change_id=2&records=2");
    }

    #[test]
    fn progress_serializes_for_javascript() {
        let mut p = pager(Mode::Follow(FollowFrom::Start), 2);
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1"]));
        let json = serde_json::to_value(p.progress()).unwrap();
        assert_eq!(
            json["status"],
            serde_json::json!({"state": "waiting", "until": T0.add_secs(10).as_millis()})
        );
        assert_eq!(json["newest"], "1");
        assert_eq!(json["lastPageAt"], T0.as_millis());
        let config: PagerConfig = serde_json::from_str(r#"{"pageSize":50}"#).unwrap();
        assert_eq!((config.page_size, config.poll_interval_ms), (50, 30_000));
    }

    fn overlapping(page_size: u32, records: u32, ms: Option<i64>) -> PagerConfig {
        PagerConfig {
            overlap_records: records,
            overlap_ms: ms,
            ..config(page_size)
        }
    }

    #[test]
    fn follow_rereads_the_window_in_the_same_request_and_flags_late_records() {
        let mut p = Pager::new(
            origin(),
            Feed::Global,
            Mode::Follow(FollowFrom::Start),
            overlapping(3, 2, None),
        );
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=0&records=3");
        p.handle_response(id, T0, ok(&["a", "b", "c"]));
        assert_eq!(events(&mut p), ["+a,b,c"]);
        // Catching up: plain forward reads.
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=c&records=3");
        p.handle_response(id, T0, ok(&["e"]));
        assert_eq!(events(&mut p), ["+e", "caught-up"]);
        // Caught up: the poll re-reads the last 2 records (c, e) behind the cursor, in
        // one request of 2 + 3 records; d became visible late, f is new.
        let t = T0.add_secs(10);
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=b&records=5");
        p.handle_response(id, t, ok(&["c", "d", "e", "f"]));
        assert_eq!(events(&mut p), ["late+d", "+f"]);
        let progress = p.progress();
        assert_eq!(progress.late_records, 1);
        assert_eq!(progress.duplicates_skipped, 2);
        assert_eq!(progress.newest.as_ref().map(ChangeId::as_str), Some("f"));
        // The window follows the tail in server order: e, f.
        let t = t.add_secs(10);
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=d&records=5");
        // A failed overlap read moves nothing; the retry asks the same.
        p.handle_response(id, t, error(503, "UNAVAILABLE"));
        assert_eq!(events(&mut p), ["error unavailable retry 21"]);
        assert_eq!(p.progress().newest, progress.newest);
        let t = p.poll_timeout().unwrap();
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=d&records=5");
        // A full overlap page (late records crowding out the window): read on at once.
        p.handle_response(id, t, ok(&["d2", "d3", "d4", "e", "f"]));
        assert_eq!(events(&mut p), ["late+d2,d3,d4"]);
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=f&records=3");
        p.handle_response(id, t, ok(&[]));
        assert_eq!(events(&mut p), ["caught-up"]);
        assert!(p.remembered_ids() <= 100 + 2 + 1);
    }

    #[test]
    fn the_time_span_bounds_the_window() {
        let mut p = Pager::new(
            origin(),
            Feed::Global,
            Mode::Follow(FollowFrom::Latest),
            overlapping(2, 50, Some(60_000)),
        );
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=-1&records=-2");
        p.handle_response(id, T0, ok(&["4", "5"]));
        assert_eq!(events(&mut p), ["+4,5", "caught-up"]);
        // The latest page has nothing known before it: its first record anchors the window.
        let t = T0.add_secs(10);
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=4&records=3");
        p.handle_response(id, t, ok(&["5", "6"]));
        assert_eq!(events(&mut p), ["+6"]);
        // 65 s later, 4 and 5 fell out of the 60 s span; 6 (read at +10 s) did not.
        let t = T0.add_secs(65);
        let (id, q) = next(&mut p, t);
        assert_eq!(q, "change_id=5&records=3");
        p.handle_response(id, t, ok(&["6"]));
        assert!(events(&mut p).is_empty());
        // Nothing read within the span: a plain poll.
        let t = T0.add_secs(200);
        let (_, q) = next(&mut p, t);
        assert_eq!(q, "change_id=6&records=2");
    }

    #[test]
    fn a_backfill_ends_with_one_read_over_the_window() {
        let mut p = Pager::new(
            origin(),
            Feed::Global,
            Mode::Backfill,
            overlapping(2, 3, None),
        );
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1", "2"]));
        let (id, q) = next(&mut p, T0);
        assert_eq!(q, "change_id=2&records=2");
        p.handle_response(id, T0, ok(&["4"]));
        assert_eq!(events(&mut p), ["+1,2", "+4"], "not caught up yet");
        let (id, q) = next(&mut p, T0);
        assert_eq!(
            q, "change_id=0&records=5",
            "the window reaches back to the start"
        );
        p.handle_response(id, T0, ok(&["1", "2", "3", "4"]));
        assert_eq!(events(&mut p), ["late+3", "caught-up"]);
        assert!(p.poll_request(T0).is_none());
        assert_eq!(p.progress().status, Status::Done);
        // Resumed, a finished backfill checks for newer records, then the window again.
        let mut r = Pager::resume(origin(), p.save(), overlapping(2, 3, None)).unwrap();
        let (id, q) = next(&mut r, T0);
        assert_eq!(q, "change_id=4&records=2");
        r.handle_response(id, T0, ok(&[]));
        let (id, q) = next(&mut r, T0);
        assert_eq!(q, "change_id=1&records=5");
        r.handle_response(id, T0, ok(&["2", "3", "4"]));
        assert_eq!(events(&mut r), ["caught-up"]);
        assert_eq!(r.progress().records_emitted, 4);
    }

    #[test]
    fn a_state_saved_before_the_window_existed_resumes() {
        let mut p = Pager::new(
            origin(),
            Feed::Global,
            Mode::Follow(FollowFrom::Start),
            overlapping(2, 3, None),
        );
        let (id, _) = next(&mut p, T0);
        p.handle_response(id, T0, ok(&["1"]));
        events(&mut p);
        let mut value = serde_json::to_value(p.save()).unwrap();
        assert!(value.get("tail").is_some());
        let old = value.as_object_mut().unwrap();
        old.remove("tail");
        old.remove("tailAtStart");
        let old: SavedState = serde_json::from_value(value).unwrap();
        let mut r = Pager::resume(origin(), old, overlapping(2, 3, None)).unwrap();
        let (id, q) = next(&mut r, T0);
        assert_eq!(q, "change_id=1&records=2");
        r.handle_response(id, T0, ok(&["2"]));
        assert_eq!(events(&mut r), ["+2", "caught-up"]);
        // Its cursor anchors the window from now on.
        let (_, q) = next(&mut r, T0.add_secs(10));
        assert_eq!(q, "change_id=1&records=3");
    }

    #[test]
    fn page_size_is_clamped() {
        let mut p = pager(Mode::Backfill, 0);
        assert_eq!(next(&mut p, T0).1, "change_id=0&records=1");
        let mut p = pager(Mode::NewestFirst, u32::MAX);
        assert_eq!(next(&mut p, T0).1, "change_id=-1&records=-10000");
    }
}
