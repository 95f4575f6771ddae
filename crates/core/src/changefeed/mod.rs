//! The notary trust changefeed (msr-api.md §6): request builder, record parser and the pager.
//!
//! - [`request`]: [`Feed`] (global or one repository), [`Cursor`] (start, latest, after
//!   or before an ID) and [`PageRequest`], which maps them to notary's
//!   `change_id`/`records` parameters — latest is `change_id=-1&records=-N`, never
//!   `change_id=1`, and never `change_id=0` with a negative `records`.
//! - [`record`]: [`Page`] and [`Record`]: a tolerant parser of notary's answers
//!   (`records` null or `[]`, `text/plain`, opaque IDs, raw `CreatedAt` kept, padded
//!   `SHA256` trimmed, unknown categories kept); an HTML page with status 200 is an error.
//! - [`pager`]: [`Pager`], the state machine that walks a feed: [`Mode::Backfill`],
//!   [`Mode::NewestFirst`] and [`Mode::Follow`].
//!
//! `docs/design.md` explains the cursor rules and shows the pager's state diagram.
//!
//! # Driving a pager
//!
//! The pager does no I/O and reads no clock. The shell drives it:
//!
//! 1. Call [`Pager::poll_request`]`(now)`. If it returns a request, send it. The request
//!    has no `Authorization` header: the auth layer adds the bearer token for
//!    [`Feed::required_scope`], runs the token flow on a 401 and retries once.
//! 2. Report the outcome with the same [`RequestId`]: [`Pager::handle_response`] for any
//!    HTTP answer (errors included), [`Pager::handle_failure`] when there is none
//!    ([`Failure::Network`], [`Failure::Timeout`], or what the auth layer concluded:
//!    [`Failure::Unauthenticated`], [`Failure::NoAccess`]).
//! 3. Drain [`Pager::poll_event`]: [`Event::Records`] (append or prepend; `late` when
//!    the overlap window found a record that became visible behind the cursor),
//!    [`Event::CaughtUp`], [`Event::ReachedStart`], [`Event::Error`] (with `retry_at`
//!    when the pager retries by itself), [`Event::NoAccess`],
//!    [`Event::CursorVanished`] (answer with [`Pager::recover`]), [`Event::Progress`].
//! 4. Wait until [`Pager::poll_timeout`] (or a user action: [`Pager::request_older`],
//!    [`Pager::retry_now`]) and go back to 1. `None` means there is nothing to wait for.
//!
//! ```
//! use msr_lens_core::changefeed::{Event, Feed, Mode, Pager, PagerConfig, Placement};
//! use msr_lens_core::{Origin, Timestamp};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let origin = Origin::parse("https://msr.example.org")?;
//! let config = PagerConfig { page_size: 2, overlap_records: 2, ..PagerConfig::default() };
//! let mut pager = Pager::new(origin, Feed::Global, Mode::Backfill, config);
//!
//! // Canned answers standing in for notary: a load balancer hiccup, three pages, and the
//! // backfill's last read, which re-reads the overlap window (here the last 2 records)
//! // and finds record 4: it became visible late, after record 5 was read.
//! let record = |id: &str| {
//!     format!(
//!         r#"{{"ID":"{id}","CreatedAt":"2026-11-26T12:49:38.19Z","GUN":"msr.example.org/library/nginx","Version":{id},"SHA256":"","Category":"update"}}"#
//!     )
//! };
//! let mut answers = vec![
//!     ("/v2/_trust/changefeed?change_id=0&records=2", 503, "<h1>503 Service Unavailable</h1>".to_string()),
//!     ("/v2/_trust/changefeed?change_id=0&records=2", 200,
//!         format!(r#"{{"count":2,"records":[{},{}]}}"#, record("1"), record("2"))),
//!     ("/v2/_trust/changefeed?change_id=2&records=2", 200,
//!         format!(r#"{{"count":2,"records":[{},{}]}}"#, record("3"), record("5"))),
//!     ("/v2/_trust/changefeed?change_id=5&records=2", 200, r#"{"count":0,"records":null}"#.to_string()),
//!     ("/v2/_trust/changefeed?change_id=2&records=4", 200,
//!         format!(r#"{{"count":3,"records":[{},{},{}]}}"#, record("3"), record("4"), record("5"))),
//! ]
//! .into_iter();
//!
//! let mut now = Timestamp::from_secs(1_800_000_000);
//! let mut ids = Vec::new();
//! let mut late = Vec::new();
//! let mut retries = 0;
//! let mut done = false;
//! while !done {
//!     // 1. The next request, if one is due.
//!     if let Some((id, request)) = pager.poll_request(now) {
//!         let (path, status, body) = answers.next().ok_or("unexpected request")?;
//!         assert_eq!(request.uri().path_and_query().map(|p| p.as_str()), Some(path));
//!         // 2. Its answer (here canned; a shell sends `request` over the network).
//!         let response = http::Response::builder()
//!             .status(status)
//!             .header("content-type", if status == 200 { "text/plain; charset=utf-8" } else { "text/html" })
//!             .body(body.into_bytes())?;
//!         pager.handle_response(id, now, response);
//!     }
//!     // 3. Events.
//!     while let Some(event) = pager.poll_event() {
//!         match event {
//!             Event::Records { records, placement, late: was_late } => {
//!                 assert_eq!(placement, Placement::Append);
//!                 let batch = records.into_iter().map(|r| r.id.to_string());
//!                 if was_late { late.extend(batch) } else { ids.extend(batch) }
//!             }
//!             Event::Error { retry_at: Some(_), .. } => retries += 1,
//!             Event::CaughtUp => done = true,
//!             _ => {}
//!         }
//!     }
//!     // 4. Wait (here: jump the clock) until the pager wants to be polled again.
//!     if let Some(at) = pager.poll_timeout() {
//!         now = now.max(at);
//!     }
//! }
//! assert_eq!(ids, ["1", "2", "3", "5"]);
//! assert_eq!(late, ["4"]);
//! assert_eq!(retries, 1);
//! assert!(pager.poll_request(now).is_none()); // a backfill stops once caught up
//! # Ok(())
//! # }
//! ```

pub mod pager;
pub mod record;
pub mod request;
mod scan;
pub mod session;

pub use pager::{
    Event, Failure, FeedError, FollowFrom, Halt, Mode, Pager, PagerConfig, Placement, Progress,
    Recovery, RequestId, ResumeError, SavedState, Status,
};
pub use record::{Category, Page, PageError, Record};
pub use request::{
    ChangeId, Cursor, CursorError, DEFAULT_PAGE_SIZE, Feed, Gun, MAX_PAGE_SIZE, PageRequest,
    clamp_page_size,
};
pub use scan::{PageSummary, RecordView};
pub use session::FeedSession;
