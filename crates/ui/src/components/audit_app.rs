//! The trust audit explorer: every record of the notary changefeed of one instance, in a
//! virtualized list (only the visible rows are in the DOM, reachable by keyboard) with
//! filters, a timeline (records per day or hour; click or drag to filter by date), verify,
//! export and shareable links: the filters and the open record are written to the page's
//! hash (`audit.html#repo=...&q=...&record=...`), which opens the same view.
//!
//! Filters run over the records loaded; while the history is partial the view says so
//! ("no match in the newest N of at most M records", [`scope`]) and offers to load
//! everything.
//!
//! Records live in a Rust-side [`Store`]; the feeds are driven by the audit [`engine`]
//! and kept in IndexedDB ([`persist`]) so reopening only fetches what is new. The
//! [`Host`] property says where the view runs (the extension, or embedded in a portal as
//! `<msr-lens-audit>`) and gives it its instance and credentials.
//!
//! Storage never loses or mixes records silently: writes are chained and the first one that
//! fails stops storing (the ledger goes back to what is stored, the view says so), a
//! failed load stores nothing over what could not be read, and an embedded view shows
//! stored records only once MSR accepted the credentials ([`Host::verify_first`]).

use std::collections::HashMap;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use msr_lens_core::changefeed::{Event, Feed, Gun, Placement, Progress, SavedState};
use msr_lens_core::{Origin, Timestamp};

use crate::audit::engine::{self, Engine, Shared, Verified, Writes};
use crate::audit::host::{AuditProps, Host, hash_of};
use crate::audit::persist::{self, Ledger, ViewState};
use crate::audit::scope;
use crate::audit::store::{
    CategoryFilter, DAY_MS, Filter, Kind, RegistryHost, Scale, Selection, Store, Timeline,
    repository_of,
};
use crate::components::audit_list::{
    ROW_HEIGHT, RowClick, RowKey, VirtualList, row_click, row_key,
};
use crate::format::ago;
use crate::model::Instance;
use crate::services::{check, storage};

/// Rows per export chunk.
const EXPORT_CHUNK: usize = 5_000;

/// A deep link to a record not held reads at most this many older pages (of
/// [`engine::PAGE_SIZE`] records) before asking whether to read further: a link must not
/// make a victim's browser read the whole audit log with their credentials.
pub const SEEK_PAGES: u32 = 10;

/// How long an export's object URL lives after the download started, in milliseconds.
const REVOKE_AFTER_MS: i32 = 1_000;

/// Messages of the audit view.
pub enum Msg {
    /// The instance and its secret.
    Ready(Option<Instance>, Option<String>),
    /// What IndexedDB held: the records, the ledger of stored pages and the saved state;
    /// or why it could not be read.
    Restored(Box<Result<Restored, String>>),
    /// A storage write succeeded; the ledger as it was planned for it.
    Stored(Box<Ledger>),
    /// A storage write failed (and every write chained after it).
    StoreFailed(String),
    /// Read further for a deep-linked record (past [`SEEK_PAGES`]).
    KeepSeeking,
    /// Stop looking for a deep-linked record.
    StopSeeking,
    /// An event of feed `usize`.
    Feed(usize, Event),
    /// The list scrolled.
    Scroll,
    /// A filter field changed (`field`, value).
    Set(&'static str, String),
    /// Start "load everything".
    LoadAll,
    /// Pause it.
    Pause,
    /// Load the next older page.
    Older,
    /// Show one record's details.
    Select(String),
    /// Verify the record with this id.
    Verify(String),
    /// The verification of a record finished.
    Verified(String, Result<Verified, String>),
    /// Copy text to the clipboard.
    Copy(String),
    /// Export the current selection (`true`: JSON, else CSV).
    Export(bool),
    /// Format the next chunk of the export.
    ExportStep,
    /// The export finished.
    Exported(Result<usize, String>),
    /// Repositories field (non-admins).
    Repos(String),
    /// Read the repositories typed.
    ApplyRepos,
    /// Forget stored records and start again.
    Clear,
    /// Retry after an error.
    Retry,
    /// The oldest record's time (for the ETA) and ID (for the scope banner).
    FirstAt(Option<i64>, Option<String>),
    /// A key on a row (index in the selection).
    RowKey(RowKey, usize),
    /// The pointer went down on timeline bucket `usize` (a drag starts).
    TimelineDown(usize),
    /// The pointer moved to bucket `usize` while dragging.
    TimelineMove(usize),
    /// The pointer went up on bucket `usize`: filter by the dates dragged over.
    TimelineUp(usize),
    /// A key on the timeline.
    TimelineKey(String),
    /// Clear the date filter.
    ClearDates,
    /// Show the whole history of one repository (`namespace/name`).
    History(String),
    /// Close the record's details.
    CloseRecord,
    /// Copy a link to this view (filters and open record).
    CopyLink,
}

/// What was read from storage: the records, the ledger of stored pages, the saved state.
pub type Restored = (Store, Ledger, Option<ViewState>);

/// One feed's state as shown.
#[derive(Debug, Clone, Default)]
struct FeedView {
    label: String,
    progress: Option<Progress>,
    error: Option<String>,
    no_access: Option<String>,
}

#[derive(Debug, Clone)]
enum Verify {
    Running,
    Done(Result<Verified, String>),
}

/// The audit page root.
pub struct AuditApp {
    instance: Option<Instance>,
    secret: Option<String>,
    origin: Option<Origin>,
    store: Store,
    /// The IndexedDB key of this view's records ([`persist::store_key`]).
    key: Option<String>,
    /// The pages kept in IndexedDB (bounded), as planned by the writes begun.
    ledger: Ledger,
    /// The ledger as of the last write that succeeded: what is on disk.
    stored_ledger: Ledger,
    /// The last storage write begun: the next one waits for it (and fails with it).
    last_write: Option<js_sys::Promise>,
    /// Storage failed (a write, or reading what was stored): nothing more is stored in
    /// this view, so what is stored stays consistent.
    store_error: Option<String>,
    /// MSR accepted the credentials (a page arrived), or the host shows stored records
    /// at once: until then stored records are neither shown nor written over.
    verified: bool,
    filter: Filter,
    raw: HashMap<&'static str, String>,
    selection: Selection,
    /// The registry host the view names once and its rows leave out (see
    /// [`Store::registry_host`]); `None`: rows show full GUNs.
    registry_host: Option<RegistryHost>,
    timeline: Timeline,
    /// The timeline buckets being dragged over (start, current).
    drag: Option<(usize, usize)>,
    /// The timeline bucket picked by keyboard.
    tl_cursor: Option<usize>,
    /// The timeline's plot: pointer positions are read against it (Yew delegates events,
    /// so an event's `currentTarget` is not the element it was declared on).
    tl_plot: NodeRef,
    filter_ms: f64,
    list: VirtualList,
    engine: Option<Shared>,
    /// Storage writes begun and not finished: every engine holds its requests while too
    /// many are pending, so closing the tab loses at most the last page or two.
    writes: Writes,
    feeds: Vec<FeedView>,
    repos: Vec<String>,
    repos_input: String,
    global_denied: Option<String>,
    /// A load of older records running since (time, records then, older pages then).
    backfill_from: Option<(f64, usize, u64)>,
    /// Older pages read in this view (a load, "Load older", seeking a deep link).
    older_pages: u64,
    /// "Load everything" was paused in this view: its button resumes it.
    paused: bool,
    first_at: Option<i64>,
    /// The ID of the log's first record (global feed), once read.
    first_id: Option<String>,
    /// The first record is being asked for ([`AuditApp::ask_first`]).
    first_asking: bool,
    selected: Option<String>,
    verify: HashMap<String, Verify>,
    export: Option<ExportJob>,
    last_export_ms: f64,
    notice: Option<String>,
    error: Option<String>,
    loading: bool,
    restored: usize,
    scroll_to: Option<String>,
    seeking: bool,
    /// Older pages read while seeking a deep-linked record; `None`: no bound (the user
    /// chose to read further).
    seek_pages: Option<u32>,
    /// The seek stopped at [`SEEK_PAGES`]: ask whether to read further.
    seek_asked: bool,
}

fn parse_day(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    Timestamp::parse_rfc3339(&format!("{t}T00:00:00Z")).map(Timestamp::as_millis)
}

fn day_text(day: i64) -> String {
    Timestamp::from_millis(day * DAY_MS)
        .to_rfc3339()
        .get(..10)
        .unwrap_or("")
        .to_string()
}

impl AuditApp {
    fn reselect(&mut self) {
        if !self.verified {
            // Stored records wait until MSR accepted the credentials.
            self.selection = Selection::default();
            self.timeline = Timeline::default();
            self.registry_host = None;
            return;
        }
        let origin = self
            .origin
            .as_ref()
            .map(|o| RegistryHost::of_origin(o.authority(), o.host(), o.port()));
        self.registry_host = self.store.registry_host(origin.as_ref());
        let start = storage::date_now();
        let before = self.timeline.buckets.len();
        self.selection = self.store.select(&self.filter);
        self.timeline = self.store.timeline(&self.selection);
        self.filter_ms = storage::date_now() - start;
        if self.timeline.buckets.len() != before {
            self.tl_cursor = None;
            self.drag = None;
        }
    }

    /// The filters and the open record as `key=value` pairs of a link (the names the view
    /// reads in [`Component::create`]).
    fn link_params(&self) -> Vec<(&'static str, String)> {
        let f = &self.filter;
        let raw = |k: &str| self.raw.get(k).cloned().unwrap_or_default();
        let category = match f.category {
            CategoryFilter::All => String::new(),
            CategoryFilter::Updates => "update".into(),
            CategoryFilter::Deletions => "deletion".into(),
        };
        [
            ("repo", f.prefix.clone()),
            ("repository", f.repository.clone()),
            ("contains", f.contains.clone()),
            ("ns", f.namespace.clone()),
            ("category", category),
            ("from", raw("from")),
            ("to", raw("to")),
            ("version", raw("version")),
            ("q", f.text.clone()),
            ("record", self.selected.clone().unwrap_or_default()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
    }

    /// Write the filters and the open record to the page's hash (replacing the history
    /// entry, so Back leaves the view), unless the host does not want it; the URL it wrote.
    fn write_url(&self, ctx: &Context<Self>) -> Option<String> {
        if !ctx.props().host.writes_links() {
            return None;
        }
        let window = web_sys::window()?;
        let location = window.location();
        let path = location.pathname().ok()?;
        let mut search = location.search().ok().unwrap_or_default();
        if let (Host::Extension, Some(instance), true) =
            (&ctx.props().host, &self.instance, search.is_empty())
        {
            // A link names the instance it shows.
            search = format!("?{}", hash_of(&[("id", instance.id.clone())]));
        }
        let hash = hash_of(&self.link_params());
        let url = if hash.is_empty() {
            format!("{path}{search}")
        } else {
            format!("{path}{search}#{hash}")
        };
        let current = format!(
            "{path}{}{}",
            location.search().ok().unwrap_or_default(),
            location.hash().ok().unwrap_or_default()
        );
        if current != url {
            let _ = window.history().ok()?.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&url),
            );
        }
        location.href().ok()
    }

    /// Filter by the dates of timeline buckets `a..=b` (UTC days; an hour's day).
    fn filter_buckets(&mut self, a: usize, b: usize) {
        let (a, b) = (a.min(b), a.max(b));
        let (Some(first), Some(last)) =
            (self.timeline.buckets.get(a), self.timeline.buckets.get(b))
        else {
            return;
        };
        let from = day_text(first.start.div_euclid(DAY_MS));
        let to = day_text((last.end - 1).div_euclid(DAY_MS));
        self.filter.from = parse_day(&from);
        self.filter.to = parse_day(&to).map(|t| t + DAY_MS);
        self.raw.insert("from", from);
        self.raw.insert("to", to);
        self.reselect();
        self.list.scroll_to(0.0);
        self.list.set_active(None, false);
    }

    /// What is known of the whole history for the scope banner (see [`scope`]): the
    /// records loaded and, over the global feed alone, the IDs that bound the rest (its
    /// pager's cursors: the oldest and newest record read).
    fn loaded(&self) -> scope::Loaded<'_> {
        let progress = match self.feeds.as_slice() {
            [one] if self.repos.is_empty() => one.progress.as_ref(),
            _ => None,
        };
        scope::Loaded {
            count: self.shown(),
            oldest: progress
                .and_then(|p| p.oldest.as_ref())
                .map(|id| id.as_str()),
            newest: progress
                .and_then(|p| p.newest.as_ref())
                .map(|id| id.as_str()),
            first: self.first_id.as_deref(),
        }
    }

    /// Records that may be shown (none before the credentials are verified).
    fn shown(&self) -> usize {
        if self.verified { self.store.len() } else { 0 }
    }

    fn view_state(&self) -> ViewState {
        let feeds = self
            .engine
            .as_ref()
            .map(|e| e.borrow().save())
            .unwrap_or_default();
        ViewState {
            // Past the storage bound, older reading resumes at the oldest record stored.
            feeds: self.ledger.adjust(feeds),
            repos: self.repos.clone(),
            backfill: self.engine.as_ref().is_some_and(|e| e.borrow().backfill()),
            stored: self.ledger.stored(),
            trimmed: self.ledger.trimmed(),
        }
    }

    fn feeds_for(&self, origin: &Origin) -> Vec<(Feed, String)> {
        if self.repos.is_empty() {
            return vec![(Feed::Global, "all repositories (global feed)".into())];
        }
        let mut feeds = Vec::new();
        let spellings = [
            origin.authority().to_string(),
            format!("{}:443", origin.host()),
        ];
        for repo in &self.repos {
            for (i, host) in spellings.iter().enumerate() {
                if i == 1 && spellings.first() == Some(host) {
                    continue;
                }
                if let Ok(gun) = Gun::new(format!("{host}/{repo}")) {
                    let label = gun.as_str().to_string();
                    feeds.push((Feed::Repository(gun), label));
                }
            }
        }
        feeds
    }

    /// (Re)start the engine on the current feeds, resuming `saved` positions.
    fn start(&mut self, ctx: &Context<Self>, saved: Vec<SavedState>) {
        if let Some(old) = self.engine.take() {
            old.borrow_mut().stop();
        }
        let Some(instance) = self.instance.clone() else {
            return;
        };
        let Some(origin) = self.origin.clone() else {
            return;
        };
        let feeds = self.feeds_for(&origin);
        self.store.set_merged(feeds.len() > 1);
        self.feeds = feeds
            .iter()
            .map(|(_, label)| FeedView {
                label: label.clone(),
                ..FeedView::default()
            })
            .collect();
        let mut saved = saved.into_iter();
        let feeds = feeds
            .into_iter()
            .map(|(feed, _)| (feed, saved.next()))
            .collect();
        let credentials = check::credentials(&instance, self.secret.as_deref());
        let engine: Shared = std::rc::Rc::new(std::cell::RefCell::new(
            Engine::new(origin, credentials, feeds).with_writes(self.writes.clone()),
        ));
        // Resumed feeds know their position at once (e.g. "all records loaded").
        for (view, feed) in self.feeds.iter_mut().zip(engine.borrow().feeds.iter()) {
            view.progress = Some(feed.session.pager().progress());
        }
        self.engine = Some(engine.clone());
        let link = ctx.link().clone();
        spawn_local(engine::run(engine, move |i, event| {
            link.send_message(Msg::Feed(i, event))
        }));
        self.ask_first(ctx);
    }

    /// Ask for the log's first record (its time and ID: the scope banner's bound and the
    /// backfill bar), once per view while it is not known and no answer is awaited. A
    /// failed ask (a timeout on a busy MSR) is asked again when the next page arrives.
    fn ask_first(&mut self, ctx: &Context<Self>) {
        if !self.repos.is_empty() || self.first_asking || self.first_id.is_some() {
            return;
        }
        let Some(instance) = self.instance.clone() else {
            return;
        };
        self.first_asking = true;
        {
            let link = ctx.link().clone();
            let secret = self.secret.clone();
            spawn_local(async move {
                let (at, id) = match check::trust_page(
                    &instance,
                    secret.as_deref(),
                    msr_lens_core::changefeed::Cursor::Start,
                    1,
                )
                .await
                {
                    crate::snapshot::TrustOutcome::Events(events) => events
                        .first()
                        .map_or((None, None), |e| (e.created_at, Some(e.id.clone()))),
                    crate::snapshot::TrustOutcome::Failed(_) => (None, None),
                };
                link.send_message(Msg::FirstAt(at, id));
            });
        }
    }

    /// Store a page (within the storage bound: the ledger says which older pages go) and
    /// the view state, chained after the write before. Nothing is stored once storage
    /// failed, nor before the credentials are verified.
    fn persist(
        &mut self,
        ctx: &Context<Self>,
        older: bool,
        records: &[msr_lens_core::changefeed::Record],
    ) {
        if self.store_error.is_some() || !self.verified {
            return;
        }
        let Some(key) = self.key.clone() else {
            return;
        };
        let plan = match records.first() {
            Some(first) => self
                .ledger
                .plan(older, records.len(), first.id.as_str(), &first.gun),
            None => self.ledger.plan(older, 0, "", ""),
        };
        let stored = if plan.key.is_some() { records } else { &[] };
        let planned = Box::new(self.ledger.clone());
        let state = self.view_state();
        let write = match persist::put(self.last_write.clone(), &key, older, stored, plan, &state) {
            Ok(write) => write,
            Err(e) => return self.storage_failed(e),
        };
        self.last_write = Some(write.clone());
        let ticket = self.writes.begin();
        let link = ctx.link().clone();
        spawn_local(async move {
            let result = persist::settled(write).await;
            drop(ticket);
            link.send_message(match result {
                Ok(()) => Msg::Stored(planned),
                Err(e) => Msg::StoreFailed(e),
            });
        });
    }

    /// A storage write failed: stop storing, and go back to the ledger of what is stored
    /// (the saved positions on disk are those of the last write that succeeded, which
    /// match the pages stored with them).
    fn storage_failed(&mut self, error: String) {
        if self.store_error.is_none() {
            self.store_error = Some(format!(
                "Storing on this device failed ({error}): records read from now on are not kept here. What is stored stays as it was; reopening the view reads the rest from MSR again."
            ));
            self.ledger = self.stored_ledger.clone();
        }
    }

    /// What the storage bound did, in plain words.
    fn bound_line(&self) -> String {
        let stored = self.ledger.stored();
        let bound = self.ledger.bound();
        let not_kept = self.shown().saturating_sub(stored);
        let mut line = format!(
            "Storage is bounded to {bound} records: this device keeps only the newest {stored}, older ones were dropped from it"
        );
        if not_kept > 0 {
            line.push_str(&format!(
                " ({not_kept} of the records shown are not stored)"
            ));
        }
        line.push_str(". They are read from MSR again when you scroll to them or load everything.");
        line
    }

    fn complete(&self) -> bool {
        !self.feeds.is_empty()
            && self.feeds.iter().all(|f| {
                f.no_access.is_some() || f.progress.as_ref().is_some_and(|p| p.reached_start)
            })
    }

    fn on_feed(&mut self, ctx: &Context<Self>, i: usize, event: Event) -> bool {
        match event {
            Event::Records {
                records, placement, ..
            } => {
                // A page arrived: MSR accepted the credentials.
                self.verified = true;
                self.ask_first(ctx);
                let older = placement == Placement::Prepend;
                self.older_pages += u64::from(older);
                let added = if older {
                    self.store.prepend(&records)
                } else {
                    self.store.append(&records)
                };
                if added > 0 && !older && self.list.scroll_top() > ROW_HEIGHT {
                    // Keep the rows being read in place when new ones land on top.
                    self.list
                        .scroll_to(self.list.scroll_top() + ROW_HEIGHT * added as f64);
                }
                self.loading = false;
                self.persist(ctx, older, &records);
                self.reselect();
                if let Some(id) = self.scroll_to.clone() {
                    self.reveal(&id);
                }
                if self.seeking && self.scroll_to.is_none() {
                    // The deep-linked record is on screen: stop reading older pages.
                    self.stop_seeking();
                } else if self.seeking && older {
                    // Not yet: past the bound, ask before reading further.
                    if let Some(pages) = self.seek_pages.as_mut() {
                        *pages += 1;
                        if *pages >= SEEK_PAGES {
                            self.stop_seeking();
                            self.seek_asked = true;
                        }
                    }
                }
            }
            Event::Progress(p) => {
                if let Some(f) = self.feeds.get_mut(i) {
                    // The pager reports its progress right after an error too: keep the
                    // error (e.g. refused credentials) until a page arrives.
                    if p.consecutive_errors == 0 {
                        f.error = None;
                    }
                    f.progress = Some(p);
                }
                // Saved positions move with every page (also when nothing was new).
                self.persist(ctx, false, &[]);
            }
            Event::NoAccess { feed, message } => {
                if feed == Feed::Global {
                    self.global_denied = Some(message);
                    if let Some(e) = self.engine.take() {
                        e.borrow_mut().stop();
                    }
                    let wanted: Vec<String> = ctx
                        .props()
                        .host
                        .hash_params()
                        .into_iter()
                        .filter(|(k, _)| k == "repo" || k == "repository")
                        .map(|(_, v)| v)
                        .collect();
                    if !wanted.is_empty() {
                        self.repos_input = wanted.join(", ");
                        self.repos = wanted;
                        self.start(ctx, Vec::new());
                    } else {
                        self.feeds.clear();
                    }
                } else if let Some(f) = self.feeds.get_mut(i) {
                    f.no_access = Some(message);
                }
                self.loading = false;
            }
            Event::Error { error, retry_at } => {
                if let Some(f) = self.feeds.get_mut(i) {
                    f.error = Some(match retry_at {
                        Some(at) => format!(
                            "{error} — retrying in {} s",
                            (at.millis_since(storage::now()) / 1000).max(0)
                        ),
                        None => error.to_string(),
                    });
                }
                self.loading = false;
            }
            Event::CursorVanished { cursor, .. } => {
                if let Some(f) = self.feeds.get_mut(i) {
                    f.error = Some(format!(
                        "the record {} is gone from the server; choose Retry or Clear",
                        cursor.id().map(|c| c.as_str()).unwrap_or("?")
                    ));
                }
            }
            Event::Reset => {
                self.store.clear();
                self.reselect();
            }
            Event::CaughtUp | Event::ReachedStart => {
                // A page arrived (maybe an empty one): MSR accepted the credentials.
                if !self.verified {
                    self.verified = true;
                    self.reselect();
                    if let Some(id) = self.scroll_to.clone() {
                        self.reveal(&id);
                    }
                }
                self.loading = false;
                if self.seeking && self.complete() {
                    self.seeking = false;
                    if let Some(id) = self.scroll_to.take() {
                        self.notice = Some(format!("record {id} is not in this view"));
                    }
                }
            }
            _ => {}
        }
        true
    }

    /// Stop reading older pages for a deep-linked record.
    fn stop_seeking(&mut self) {
        self.seeking = false;
        if let Some(e) = &self.engine {
            e.borrow_mut().set_backfill(false);
        }
        self.backfill_from = None;
    }

    /// Scroll the list to the record `id` and select it, if it is in the selection.
    fn reveal(&mut self, id: &str) {
        let found = self
            .selection
            .positions
            .iter()
            .position(|&p| self.store.get(p as usize).is_some_and(|r| &*r.id == id));
        if let Some(index) = found {
            self.selected = Some(id.to_string());
            self.scroll_to = None;
            self.list.set_active(Some(index), false);
            self.list
                .scroll_to((index as f64 * ROW_HEIGHT - self.list.view_height() / 3.0).max(0.0));
        }
    }

    /// The progress line ([`scope::progress`]): the records, and while older records
    /// load, what this load read.
    fn progress_line(&self) -> String {
        let records = self.shown();
        // Only while there is something left to read: a finished load says how much it
        // read, not "ETA 0 s".
        let load = self.backfill_from.filter(|_| !self.complete()).map(
            |(started, at_start, pages_at_start)| {
                let secs = ((storage::date_now() - started) / 1000.0).max(0.001);
                let per_sec = records.saturating_sub(at_start) as f64 / secs;
                scope::Load {
                    pages: self.older_pages.saturating_sub(pages_at_start),
                    per_sec,
                    eta: self.eta(per_sec),
                }
            },
        );
        scope::progress(records, load)
    }

    /// The share of the history loaded ([`scope::Loaded::done`]): from the changefeed IDs
    /// over the global feed once its first record is read, else from the time span (the
    /// first record's time), else not known.
    fn done(&self) -> Option<scope::Done> {
        let times = || {
            let first = self.first_at?;
            let (oldest, newest) = self.store.time_span()?;
            Some(scope::Times {
                first,
                oldest,
                newest,
            })
        };
        self.loaded().done(self.complete(), times)
    }

    fn eta(&self, per_sec: f64) -> Option<String> {
        self.done()?.eta(self.shown(), per_sec)
    }

    fn export(&mut self, ctx: &Context<Self>, json: bool) {
        let name = format!(
            "msr-trust-audit-{}.{}",
            self.instance
                .as_ref()
                .map(|i| i.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"))
                .unwrap_or_default(),
            if json { "json" } else { "csv" }
        );
        self.export = Some(ExportJob {
            positions: self.selection.positions.clone(),
            next: 0,
            json,
            parts: js_sys::Array::new(),
            name,
            started: storage::date_now(),
        });
        ctx.link().send_message(Msg::ExportStep);
    }

    /// Format one chunk of the export, then yield to the browser before the next one.
    fn export_step(&mut self, ctx: &Context<Self>) -> bool {
        let Some(job) = self.export.as_mut() else {
            return false;
        };
        let chunk = job
            .positions
            .get(job.next..(job.next + EXPORT_CHUNK).min(job.positions.len()))
            .unwrap_or(&[]);
        let mut text = String::with_capacity(chunk.len() * 160);
        if job.next == 0 {
            if job.json {
                text.push_str("[\n");
            } else {
                msr_lens_core::export::push_csv_row(&mut text, msr_lens_core::export::CSV_COLUMNS);
            }
        }
        for (k, &p) in chunk.iter().enumerate() {
            let Some(row) = self.store.get(p as usize) else {
                continue;
            };
            if job.json {
                if job.next + k > 0 {
                    text.push_str(",\n");
                }
                text.push_str(&self.store.json_value(row).to_string());
            } else {
                self.store.csv_line(row, &mut text);
            }
        }
        job.next += chunk.len();
        let finished = job.next >= job.positions.len();
        if finished && job.json {
            text.push_str("\n]\n");
        }
        job.parts.push(&wasm_bindgen::JsValue::from_str(&text));
        if finished {
            let result = download(&job.parts, &job.name, job.json).map(|()| job.positions.len());
            self.last_export_ms = storage::date_now() - job.started;
            self.export = None;
            ctx.link().send_message(Msg::Exported(result));
        } else {
            let link = ctx.link().clone();
            spawn_local(async move {
                engine::sleep(0).await;
                link.send_message(Msg::ExportStep);
            });
        }
        false
    }
}

/// An export being built chunk by chunk.
struct ExportJob {
    positions: Vec<u32>,
    next: usize,
    json: bool,
    parts: js_sys::Array,
    name: String,
    started: f64,
}

/// Hand the export to the browser as a download; its object URL is revoked once the
/// download started (a moment after the click).
fn download(parts: &js_sys::Array, name: &str, json: bool) -> Result<(), String> {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(if json { "application/json" } else { "text/csv" });
    let blob = web_sys::Blob::new_with_str_sequence_and_options(parts, &options)
        .map_err(|e| crate::services::js_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|e| crate::services::js_text(&e))?;
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| crate::services::js_text(&e))?
        .dyn_into()
        .map_err(|_| "no anchor".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // The click started the download, which reads the Blob through the URL; a browser may
    // still resolve it right after the click, so the URL goes a moment later.
    spawn_local(async move {
        engine::sleep(REVOKE_AFTER_MS).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    Ok(())
}

impl Component for AuditApp {
    type Message = Msg;
    type Properties = AuditProps;

    fn create(ctx: &Context<Self>) -> Self {
        let params = ctx.props().host.hash_params();
        let mut filter = Filter::default();
        let mut raw = HashMap::new();
        let mut scroll_to = None;
        for (k, v) in &params {
            match k.as_str() {
                "repo" => filter.prefix = v.clone(),
                "repository" => filter.repository = v.clone(),
                "contains" => filter.contains = v.clone(),
                "ns" => filter.namespace = v.clone(),
                "q" => filter.text = v.clone(),
                "category" => {
                    filter.category = match v.as_str() {
                        "deletion" => CategoryFilter::Deletions,
                        "update" => CategoryFilter::Updates,
                        _ => CategoryFilter::All,
                    }
                }
                "from" => {
                    filter.from = parse_day(v);
                    raw.insert("from", v.clone());
                }
                "to" => {
                    filter.to = parse_day(v).map(|t| t + DAY_MS);
                    raw.insert("to", v.clone());
                }
                "version" => {
                    filter.version = v.parse().ok();
                    raw.insert("version", v.clone());
                }
                "record" => scroll_to = Some(v.clone()),
                _ => {}
            }
        }
        let link = ctx.link().clone();
        let host: Host = ctx.props().host.clone();
        spawn_local(async move {
            let connection = host.connect().await;
            link.send_message(Msg::Ready(connection.instance, connection.secret));
        });
        AuditApp {
            instance: None,
            secret: None,
            origin: None,
            store: Store::new(),
            key: None,
            ledger: Ledger::default(),
            stored_ledger: Ledger::default(),
            last_write: None,
            store_error: None,
            verified: !ctx.props().host.verify_first(),
            filter,
            raw,
            selection: Selection::default(),
            registry_host: None,
            timeline: Timeline::default(),
            drag: None,
            tl_cursor: None,
            tl_plot: NodeRef::default(),
            filter_ms: 0.0,
            list: VirtualList::new(),
            engine: None,
            writes: Writes::default(),
            feeds: Vec::new(),
            repos: Vec::new(),
            repos_input: String::new(),
            global_denied: None,
            backfill_from: None,
            older_pages: 0,
            paused: false,
            first_at: None,
            first_id: None,
            first_asking: false,
            selected: None,
            verify: HashMap::new(),
            export: None,
            last_export_ms: 0.0,
            notice: None,
            error: None,
            loading: true,
            restored: 0,
            scroll_to,
            seeking: false,
            seek_pages: Some(0),
            seek_asked: false,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Ready(instance, secret) => {
                let Some(instance) = instance else {
                    self.loading = false;
                    self.error = Some(ctx.props().host.missing_instance().into());
                    return true;
                };
                match Origin::parse(&instance.origin) {
                    Ok(o) => self.origin = Some(o),
                    Err(e) => {
                        self.loading = false;
                        self.error = Some(format!("the MSR address is not valid: {e}"));
                        return true;
                    }
                }
                let key = persist::store_key(&instance);
                self.key = Some(key.clone());
                self.instance = Some(instance);
                self.secret = secret;
                // Stored records first (instant), then the feeds from their saved positions.
                let link = ctx.link().clone();
                let mut store = std::mem::take(&mut self.store);
                let mut ledger = Ledger::new(persist::max_stored());
                spawn_local(async move {
                    let loaded = persist::load(&key, &mut store, &mut ledger)
                        .await
                        .map(|state| (store, ledger, state));
                    link.send_message(Msg::Restored(Box::new(loaded)));
                });
                true
            }
            Msg::Restored(boxed) => {
                let (store, ledger, state) = match *boxed {
                    Ok(loaded) => {
                        // What is on disk now: storing may (again) go on from here.
                        self.store_error = None;
                        loaded
                    }
                    Err(e) => {
                        // Read everything from MSR and store nothing: a fresh ledger would
                        // write over the pages that could not be read.
                        self.store_error = Some(format!(
                            "The records stored on this device could not be read ({e}), so this view stores nothing (\u{201c}Clear stored records\u{201d} starts storage again)."
                        ));
                        (Store::new(), Ledger::new(persist::max_stored()), None)
                    }
                };
                self.store = store;
                self.stored_ledger = ledger.clone();
                self.ledger = ledger;
                self.restored = self.store.len();
                let state = state.unwrap_or_default();
                let saved = if self.store.is_empty() {
                    Vec::new()
                } else {
                    state.feeds
                };
                self.repos = ctx.props().host.repositories().unwrap_or(state.repos);
                self.repos_input = self.repos.join(", ");
                self.reselect();
                if let Some(id) = self.scroll_to.clone() {
                    self.reveal(&id);
                }
                self.start(ctx, saved);
                // A deep link to a record not held yet: read older pages until it shows (at
                // most SEEK_PAGES before asking).
                self.seeking = self.scroll_to.is_some() && !state.backfill;
                self.seek_pages = Some(0);
                self.seek_asked = false;
                if (state.backfill || self.seeking)
                    && let Some(e) = &self.engine
                {
                    e.borrow_mut().set_backfill(true);
                    self.backfill_from =
                        Some((storage::date_now(), self.store.len(), self.older_pages));
                }
                true
            }
            Msg::Feed(i, event) => self.on_feed(ctx, i, event),
            Msg::Scroll => {
                let mut rerender = false;
                if self.list.on_scroll() {
                    let total = self.selection.positions.len() as f64 * ROW_HEIGHT;
                    if self.list.scroll_top() + self.list.view_height() * 2.0 >= total
                        && !self.complete()
                        && !self.loading
                    {
                        if let Some(e) = &self.engine {
                            e.borrow_mut().request_older();
                        }
                        self.loading = true;
                        rerender = true;
                    }
                }
                self.paint();
                rerender
            }
            Msg::Set(field, value) => {
                match field {
                    "prefix" => self.filter.prefix = value,
                    "repository" => self.filter.repository = value,
                    "contains" => self.filter.contains = value,
                    "ns" => self.filter.namespace = value,
                    "q" => self.filter.text = value,
                    "category" => {
                        self.filter.category = match value.as_str() {
                            "deletion" => CategoryFilter::Deletions,
                            "update" => CategoryFilter::Updates,
                            _ => CategoryFilter::All,
                        }
                    }
                    "from" => {
                        self.filter.from = parse_day(&value);
                        self.raw.insert("from", value);
                    }
                    "to" => {
                        self.filter.to = parse_day(&value).map(|t| t + DAY_MS);
                        self.raw.insert("to", value);
                    }
                    "version" => {
                        self.filter.version = value.trim().parse().ok();
                        self.raw.insert("version", value);
                    }
                    _ => {}
                }
                self.reselect();
                self.list.scroll_to(0.0);
                self.list.set_active(None, false);
                self.write_url(ctx);
                true
            }
            Msg::LoadAll => {
                self.paused = false;
                if let Some(e) = &self.engine {
                    e.borrow_mut().set_backfill(true);
                    self.backfill_from =
                        Some((storage::date_now(), self.store.len(), self.older_pages));
                    self.persist(ctx, false, &[]);
                }
                true
            }
            Msg::Pause => {
                if let Some(e) = &self.engine {
                    e.borrow_mut().set_backfill(false);
                }
                self.paused = true;
                self.backfill_from = None;
                self.persist(ctx, false, &[]);
                true
            }
            Msg::Older => {
                if let Some(e) = &self.engine {
                    e.borrow_mut().request_older();
                    self.loading = true;
                }
                true
            }
            Msg::Select(id) => {
                if id.is_empty() {
                    return false;
                }
                let index = self
                    .selection
                    .positions
                    .iter()
                    .position(|&p| self.store.get(p as usize).is_some_and(|r| *r.id == *id));
                if index.is_some() {
                    self.list.set_active(index, false);
                }
                self.selected = Some(id);
                self.write_url(ctx);
                true
            }
            Msg::RowKey(key, index) => {
                let n = self.selection.positions.len();
                if n == 0 {
                    return false;
                }
                let last = n - 1;
                let next = match key {
                    RowKey::Move(by) => {
                        let i = i64::try_from(index).unwrap_or(0).saturating_add(by);
                        usize::try_from(i.max(0)).unwrap_or(0).min(last)
                    }
                    RowKey::First => 0,
                    RowKey::Last => last,
                    RowKey::Open => {
                        let id = self
                            .selection
                            .positions
                            .get(index)
                            .and_then(|&p| self.store.get(p as usize))
                            .map(|r| r.id.to_string());
                        if let Some(id) = id {
                            ctx.link().send_message(Msg::Select(id));
                        }
                        return false;
                    }
                };
                self.list.set_active(Some(next), true);
                self.paint();
                false
            }
            Msg::TimelineDown(i) => {
                self.drag = Some((i, i));
                self.tl_cursor = Some(i);
                true
            }
            Msg::TimelineMove(i) => match self.drag {
                Some((a, b)) if b != i => {
                    self.drag = Some((a, i));
                    true
                }
                _ => false,
            },
            Msg::TimelineUp(i) => {
                let Some((a, _)) = self.drag.take() else {
                    return false;
                };
                self.filter_buckets(a, i);
                self.write_url(ctx);
                true
            }
            Msg::TimelineKey(key) => {
                let n = self.timeline.buckets.len();
                if n == 0 {
                    return false;
                }
                let cursor = self.tl_cursor.unwrap_or(n - 1).min(n - 1);
                match key.as_str() {
                    "ArrowLeft" | "ArrowDown" => self.tl_cursor = Some(cursor.saturating_sub(1)),
                    "ArrowRight" | "ArrowUp" => self.tl_cursor = Some((cursor + 1).min(n - 1)),
                    "Home" => self.tl_cursor = Some(0),
                    "End" => self.tl_cursor = Some(n - 1),
                    "Enter" | " " => {
                        self.filter_buckets(cursor, cursor);
                        self.write_url(ctx);
                    }
                    "Escape" => ctx.link().send_message(Msg::ClearDates),
                    _ => return false,
                }
                true
            }
            Msg::ClearDates => {
                self.filter.from = None;
                self.filter.to = None;
                self.raw.remove("from");
                self.raw.remove("to");
                self.reselect();
                self.list.scroll_to(0.0);
                self.list.set_active(None, false);
                self.write_url(ctx);
                true
            }
            Msg::History(repo) => {
                self.filter = Filter {
                    repository: repo,
                    ..Filter::default()
                };
                self.raw.clear();
                self.reselect();
                self.list.set_active(None, false);
                if let Some(id) = self.selected.clone() {
                    self.reveal(&id);
                }
                self.write_url(ctx);
                true
            }
            Msg::CloseRecord => {
                self.selected = None;
                self.write_url(ctx);
                true
            }
            Msg::CopyLink => {
                if let Some(url) = self
                    .write_url(ctx)
                    .or_else(|| web_sys::window().and_then(|w| w.location().href().ok()))
                    && let Some(w) = web_sys::window()
                {
                    let _ = w.navigator().clipboard().write_text(&url);
                    self.notice = Some("link copied".into());
                }
                true
            }
            Msg::Verify(id) => {
                let found = self
                    .store
                    .rows()
                    .find(|r| *r.id == *id)
                    .map(|r| (self.store.gun(r).to_string(), r.sha256.to_string()));
                if let (Some((gun, sha)), Some(e)) = (found, self.engine.clone()) {
                    self.verify.insert(id.clone(), Verify::Running);
                    let link = ctx.link().clone();
                    spawn_local(async move {
                        let result = engine::verify(&e, &gun, &sha).await;
                        link.send_message(Msg::Verified(id, result));
                    });
                }
                true
            }
            Msg::Verified(id, result) => {
                self.verify.insert(id, Verify::Done(result));
                true
            }
            Msg::Copy(text) => {
                if let Some(w) = web_sys::window() {
                    let _ = w.navigator().clipboard().write_text(&text);
                }
                self.notice = Some("SHA256 copied".into());
                true
            }
            Msg::Export(json) => {
                self.export(ctx, json);
                true
            }
            Msg::ExportStep => self.export_step(ctx),
            Msg::Exported(result) => {
                match result {
                    Ok(n) => {
                        self.notice = Some(format!(
                            "exported {n} records in {} ms",
                            self.last_export_ms as i64
                        ))
                    }
                    Err(e) => self.error = Some(format!("the export failed: {e}")),
                }
                true
            }
            Msg::Repos(text) => {
                self.repos_input = text;
                false
            }
            Msg::ApplyRepos => {
                self.repos = self
                    .repos_input
                    .split([',', ' ', '\n'])
                    .map(|s| s.trim().trim_matches('/').to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                self.store.clear();
                self.ledger = Ledger::new(persist::max_stored());
                self.stored_ledger = self.ledger.clone();
                self.reselect();
                if let Some(key) = self.key.clone() {
                    // After the writes begun; the writes of the new feeds wait for it.
                    let clear = persist::clear(self.last_write.take(), &key);
                    self.last_write = Some(clear);
                }
                self.start(ctx, Vec::new());
                true
            }
            Msg::Clear => {
                if let Some(e) = self.engine.take() {
                    e.borrow_mut().stop();
                }
                self.store.clear();
                self.backfill_from = None;
                self.paused = false;
                self.reselect();
                let link = ctx.link().clone();
                let repos = self.repos.clone();
                if let Some(key) = self.key.clone() {
                    let clear = persist::clear(self.last_write.take(), &key);
                    self.last_write = Some(clear.clone());
                    spawn_local(async move {
                        let restored = persist::settled(clear).await.map(|()| {
                            let state = ViewState {
                                repos,
                                ..ViewState::default()
                            };
                            (
                                Store::new(),
                                Ledger::new(persist::max_stored()),
                                Some(state),
                            )
                        });
                        link.send_message(Msg::Restored(Box::new(restored)));
                    });
                }
                self.notice = Some("stored records cleared".into());
                true
            }
            Msg::Stored(ledger) => {
                if self.store_error.is_none() {
                    self.stored_ledger = *ledger;
                }
                false
            }
            Msg::StoreFailed(error) => {
                self.storage_failed(error);
                true
            }
            Msg::KeepSeeking => {
                self.seek_asked = false;
                self.seek_pages = None;
                self.seeking = self.scroll_to.is_some();
                if let Some(e) = &self.engine {
                    e.borrow_mut().set_backfill(true);
                    self.backfill_from =
                        Some((storage::date_now(), self.store.len(), self.older_pages));
                }
                true
            }
            Msg::StopSeeking => {
                self.seek_asked = false;
                if let Some(id) = self.scroll_to.take() {
                    self.notice = Some(format!("stopped looking for record {id}"));
                }
                true
            }
            Msg::Retry => {
                if let Some(e) = &self.engine {
                    e.borrow_mut().retry_now();
                }
                true
            }
            Msg::FirstAt(at, id) => {
                self.first_asking = false;
                self.first_at = at.or(self.first_at);
                self.first_id = id.or(self.first_id.take());
                true
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let set = |field: &'static str| {
            link.callback(move |e: InputEvent| {
                let value = e
                    .target_dyn_into::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default();
                Msg::Set(field, value)
            })
        };
        let on_category = link.callback(|e: web_sys::Event| {
            Msg::Set(
                "category",
                e.target_dyn_into::<HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default(),
            )
        });
        let on_ns = link.callback(|e: web_sys::Event| {
            Msg::Set(
                "ns",
                e.target_dyn_into::<HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default(),
            )
        });
        let backfilling = self.engine.as_ref().is_some_and(|e| e.borrow().backfill());
        let complete = self.complete();
        let total = self.selection.positions.len();
        let done = self.done();
        html! {
        <main class="audit audit-x">
            <h1>{ "Trust audit log" }{ self.instance.as_ref().map(|i| format!(" — {}", i.name)).unwrap_or_default() }</h1>
            if let Some(host) = &self.registry_host {
                // Named once here: the rows show `namespace/name`.
                <p class="muted registry-host" data-testid="registry-host">{ "Repositories on " }<strong>{ host.shown().to_string() }</strong></p>
            }
            if let Some(error) = &self.error {
                <p role="alert" class="problem">{ error.clone() }</p>
            }
            if let Some(error) = &self.store_error {
                <p role="alert" class="problem" data-testid="storage-error">{ error.clone() }</p>
            }
            if self.seek_asked {
                <section role="alert" class="problem" data-testid="seek-limit">
                    <p>{ format!(
                        "Record {} is not among the newest records read ({} older pages of up to {} records). Reading further reads the audit log from MSR until it is found.",
                        self.scroll_to.clone().unwrap_or_default(),
                        SEEK_PAGES,
                        crate::audit::engine::PAGE_SIZE,
                    ) }</p>
                    <button type="button" onclick={link.callback(|_| Msg::KeepSeeking)}>{ "Keep looking" }</button>
                    <button type="button" onclick={link.callback(|_| Msg::StopSeeking)}>{ "Stop" }</button>
                </section>
            }
            if let Some(denied) = &self.global_denied {
                <section class="problem" data-testid="non-admin">
                    <p>{ "This account can read the trust history only of repositories it can pull: the log of all repositories is for MSR admins." }</p>
                    <p class="muted">{ format!("MSR said: {denied}") }</p>
                    <label for="repos">{ "Repositories (namespace/name, comma-separated)" }</label>
                    <input id="repos" value={self.repos_input.clone()}
                        oninput={link.callback(|e: InputEvent| Msg::Repos(e.target_dyn_into::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()))} />
                    <button type="button" onclick={link.callback(|_| Msg::ApplyRepos)}>{ "Show" }</button>
                </section>
            }
            <section class="feeds" aria-label="feeds">
                <p class="muted" data-testid="follow">
                    { "Following: new records appear at the top as MSR publishes them. MSR's storage shows a record about 60 s after the push (the newest minute is held back), so a fresh signature takes a minute to appear." }
                </p>
                <p class="muted" data-testid="meaning">
                    { "An " }<strong>{ "update" }</strong>{ " is a timestamp update (a publish or a server re-sign): notary also writes one when it re-signs an expired server-managed timestamp, with no one pushing. A " }
                    <strong>{ "deletion" }</strong>{ " removed a repository's trust data. Cosign signatures (MSR 2.10+) are not in notary's log and do not show here." }
                </p>
                <ul class="feed-list">
                { for self.feeds.iter().map(|f| html! {
                    <li>
                        { f.label.clone() }{ ": " }
                        { match (&f.no_access, &f.error, &f.progress) {
                            (Some(m), _, _) => format!("no access ({m})"),
                            (_, Some(e), _) => e.clone(),
                            (_, _, Some(p)) if p.reached_start => "complete, following".to_string(),
                            (_, _, Some(p)) if p.caught_up => "up to date, following".to_string(),
                            _ => "loading…".to_string(),
                        } }
                    </li>
                }) }
                </ul>
                if self.feeds.iter().any(|f| f.error.is_some()) {
                    <button type="button" onclick={link.callback(|_| Msg::Retry)}>{ "Retry" }</button>
                }
            </section>
            <section class="backfill" aria-label="load everything">
                if complete {
                    <span data-testid="complete">{ "All records loaded" }</span>
                } else if backfilling {
                    <button type="button" onclick={link.callback(|_| Msg::Pause)}>{ "Pause" }</button>
                } else {
                    <button type="button" onclick={link.callback(|_| Msg::LoadAll)}>
                        { if self.paused { "Resume loading everything" } else { "Load everything" } }
                    </button>
                    <button type="button" onclick={link.callback(|_| Msg::Older)} disabled={self.loading}>{ "Load older" }</button>
                }
                // No estimate: no value (an indeterminate bar), not 0.
                <progress max="1" value={done.map(|d| d.fraction.to_string())} aria-valuetext={done.map(|d| d.text())} aria-label="backfill progress" data-testid="backfill" data-basis={done.map(|d| d.basis.name())}></progress>
                <span data-testid="progress">{ self.progress_line() }</span>
                if self.restored > 0 && self.verified {
                    <span class="muted">{ format!(" · {} from this device's storage", self.restored) }</span>
                }
                if self.ledger.trimmed() && self.verified {
                    <span class="muted" role="status" data-testid="bound" data-stored={self.ledger.stored().to_string()}>
                        { self.bound_line() }
                    </span>
                }
                <button type="button" class="link" onclick={link.callback(|_| Msg::Clear)} disabled={!self.verified}>{ "Clear stored records" }</button>
            </section>
            <section class="filters" aria-label="filters">
                <label for="f-prefix">{ "Repository starts with" }</label>
                <input id="f-prefix" type="search" value={self.filter.prefix.clone()} oninput={set("prefix")} />
                if !self.filter.repository.is_empty() {
                    <span class="repo-filter" data-testid="repo-filter">
                        { "Repository " }<strong>{ self.filter.repository.clone() }</strong>{ " only " }
                        <button type="button" class="link" aria-label={format!("Show every repository, not only {}", self.filter.repository)}
                            onclick={link.callback(|_| Msg::Set("repository", String::new()))}>{ "(show all)" }</button>
                    </span>
                }
                <label for="f-contains">{ "contains" }</label>
                <input id="f-contains" type="search" value={self.filter.contains.clone()} oninput={set("contains")} />
                <label for="f-ns">{ "Namespace" }</label>
                <select id="f-ns" onchange={on_ns}>
                    <option value="" selected={self.filter.namespace.is_empty()}>{ "all" }</option>
                    { for self.selection.namespaces.iter().take(200).map(|(ns, n)| html! {
                        <option value={ns.clone()} selected={self.filter.namespace == *ns}>{ format!("{ns} ({n})") }</option>
                    }) }
                    if !self.filter.namespace.is_empty() && !self.selection.namespaces.iter().any(|(n, _)| *n == self.filter.namespace) {
                        <option value={self.filter.namespace.clone()} selected=true>{ self.filter.namespace.clone() }</option>
                    }
                </select>
                <label for="f-category">{ "Change" }</label>
                <select id="f-category" onchange={on_category}>
                    <option value="" selected={self.filter.category == CategoryFilter::All}>{ "all" }</option>
                    <option value="update" selected={self.filter.category == CategoryFilter::Updates}>{ "timestamp updates" }</option>
                    <option value="deletion" selected={self.filter.category == CategoryFilter::Deletions}>{ "deletions" }</option>
                </select>
                <label for="f-from">{ "From" }</label>
                <input id="f-from" type="date" value={self.raw.get("from").cloned().unwrap_or_default()} oninput={set("from")} />
                <label for="f-to">{ "to" }</label>
                <input id="f-to" type="date" value={self.raw.get("to").cloned().unwrap_or_default()} oninput={set("to")} />
                <label for="f-version">{ "Version" }</label>
                <input id="f-version" type="number" min="0" value={self.raw.get("version").cloned().unwrap_or_default()} oninput={set("version")} />
                <label for="f-q">{ "Search" }</label>
                <input id="f-q" type="search" placeholder="repository, SHA256, ID…" value={self.filter.text.clone()} oninput={set("q")} />
            </section>
            { self.scope(ctx, complete, backfilling, total) }
            <section class="summary" aria-label="counts">
                <span data-testid="counts" data-total={total.to_string()} data-filter-ms={format!("{:.1}", self.filter_ms)}>
                    { format!("{total} of {} {}records · {} timestamp updates · {} deletions",
                        self.shown(),
                        if complete || self.shown() == 0 { "" } else { "loaded " },
                        self.selection.updates,
                        self.selection.deletions) }
                </span>
                if ctx.props().host.writes_links() {
                    <button type="button" data-testid="copy-link" onclick={link.callback(|_| Msg::CopyLink)}>{ "Copy link" }</button>
                }
                <button type="button" onclick={link.callback(|_| Msg::Export(false))} disabled={self.export.is_some()}>{ "Export CSV" }</button>
                <button type="button" onclick={link.callback(|_| Msg::Export(true))} disabled={self.export.is_some()}>{ "Export JSON" }</button>
                if let Some(n) = &self.notice {
                    <span class="muted" role="status">{ n.clone() }</span>
                }
            </section>
            { self.timeline_view(ctx) }
            { self.list.view(
                self.registry_host.as_ref().map(RegistryHost::shown),
                link.callback(|_| Msg::Scroll),
                link.callback(|e| match row_click(e) {
                    RowClick::Copy(text) => Msg::Copy(text),
                    RowClick::Select(id) => Msg::Select(id),
                }),
                link.batch_callback(|e: KeyboardEvent| row_key(&e).map(|(key, i)| Msg::RowKey(key, i))),
                html! {
                    if complete && total > 0 {
                        <p class="muted" data-testid="start">{ "no older records" }</p>
                    }
                },
            ) }
            { self.detail(ctx) }
        </main>
        }
    }

    fn destroy(&mut self, _ctx: &Context<Self>) {
        // An embedded view is unmounted when the portal signs out: stop reading.
        if let Some(e) = self.engine.take() {
            e.borrow_mut().stop();
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, first_render: bool) {
        if first_render {
            self.list.on_scroll();
        }
        self.paint();
    }
}

impl AuditApp {
    fn detail(&self, ctx: &Context<Self>) -> Html {
        let Some(id) = &self.selected else {
            return html! {};
        };
        let Some(row) = self.store.rows().find(|r| *r.id == **id) else {
            return html! {};
        };
        let link = ctx.link();
        let on_verify = {
            let id = id.clone();
            link.callback(move |_| Msg::Verify(id.clone()))
        };
        let deletion = row.kind == Kind::Deletion;
        let now = storage::date_now() as i64;
        let when = |row: &crate::audit::store::Row| {
            if row.at == i64::MIN {
                row.created.to_string()
            } else {
                format!(
                    "{} ({})",
                    Timestamp::from_millis(row.at).to_rfc3339(),
                    ago(row.at, now)
                )
            }
        };
        let gun = self.store.gun(row).to_string();
        let repo = repository_of(&gun).to_string();
        let on_history = {
            let repo = repo.clone();
            link.callback(move |_| Msg::History(repo.clone()))
        };
        let meaning = match row.kind {
            Kind::Update => " — a timestamp update (a publish or a server re-sign)",
            Kind::Deletion => " — the repository's trust data was deleted",
            Kind::Other => "",
        };
        let before = deletion
            .then(|| self.store.last_update_before(row))
            .flatten();
        let on_keydown = link
            .batch_callback(|e: KeyboardEvent| (e.key() == "Escape").then_some(Msg::CloseRecord));
        html! {
            <aside class={classes!("record", deletion.then_some("deletion"))} data-testid="record" data-record={id.clone()} aria-label="record" onkeydown={on_keydown}>
                <h2 class="record-gun">{ gun.clone() }</h2>
                <dl>
                    <dt>{ "Record" }</dt><dd>{ id.clone() }</dd>
                    <dt>{ "Change" }</dt><dd>{ row.category().to_string() }<span class="muted">{ meaning }</span></dd>
                    <dt>{ "Version" }</dt><dd>{ if deletion { "— (a deletion has none)".to_string() } else { row.version.to_string() } }</dd>
                    <dt>{ "Time" }</dt><dd>{ when(row) }</dd>
                    <dt>{ "SHA256" }</dt>
                    <dd>
                        if deletion {
                            <span class="muted">{ "none — a deletion leaves no timestamp.json" }</span>
                        } else {
                            <code>{ row.sha256.to_string() }</code>
                        }
                    </dd>
                    if deletion {
                        <dt>{ "Before it" }</dt>
                        <dd data-testid="last-version">
                            { match before {
                                Some(b) => {
                                    let open = {
                                        let id = b.id.to_string();
                                        link.callback(move |_| Msg::Select(id.clone()))
                                    };
                                    html! { <>
                                        { format!("the last version was {}, published {} (record ", b.version, when(b)) }
                                        <button type="button" class="link" onclick={open}>{ b.id.to_string() }</button>
                                        { format!(", SHA256 {}…)", b.sha256.get(..12).unwrap_or(&b.sha256)) }
                                    </> }
                                }
                                None => html! { <span class="muted">{
                                    if self.complete() {
                                        "no earlier version of this repository is in the log".to_string()
                                    } else {
                                        format!("no earlier version among the {} records loaded — load older records to see it", self.shown())
                                    }
                                }</span> },
                            } }
                        </dd>
                    }
                </dl>
                <div class="record-actions">
                    if !deletion {
                        <button type="button" onclick={on_verify}>{ "Verify" }</button>
                    }
                    <button type="button" class="link" data-testid="repo-history" onclick={on_history}>{ format!("This repository's history ({repo})") }</button>
                    <button type="button" onclick={link.callback(|_| Msg::CloseRecord)}>{ "Close" }</button>
                </div>
                { match self.verify.get(id) {
                    Some(Verify::Running) => html! { <p role="status">{ "verifying…" }</p> },
                    Some(Verify::Done(Ok(v))) => html! {
                        <p role="status" data-testid="verified" data-match={v.matches.to_string()}>
                            { if v.matches { "✔ checksum matches: " } else { "✘ checksum differs: " } }
                            { format!("sha256 of timestamp.json is {}; timestamp version {}, expires {}",
                                v.sha256,
                                v.version.map(|n| n.to_string()).unwrap_or_else(|| "?".into()),
                                v.expires.clone().unwrap_or_else(|| "?".into())) }
                        </p>
                    },
                    Some(Verify::Done(Err(e))) => html! { <p role="alert" class="problem" data-testid="verify-error">{ e.clone() }</p> },
                    None => html! {},
                } }
            </aside>
        }
    }

    /// What a filter over a partial history found, and the way to search the rest.
    fn scope(&self, ctx: &Context<Self>, complete: bool, backfilling: bool, total: usize) -> Html {
        let loaded = self.shown();
        if complete || self.filter.is_empty() || loaded == 0 {
            return html! {};
        }
        let text = self.loaded().sentence(total);
        html! {
            <section class="scope" role="status" data-testid="scope" aria-label="filter scope">
                <span>{ text }</span>
                if backfilling {
                    <span class="muted">{ " Loading older records… " }{ self.progress_line() }</span>
                } else {
                    <button type="button" data-testid="scope-load" onclick={ctx.link().callback(|_| Msg::LoadAll)}>{ "Load everything" }</button>
                }
            </section>
        }
    }

    /// The timeline: records of the selection per day (per hour over a short span, per few
    /// days over a long one), empty ones included, deletions stacked on updates, a log
    /// scale when one bucket dwarfs the others; click or drag sets the date filter.
    fn timeline_view(&self, ctx: &Context<Self>) -> Html {
        const W: usize = 10;
        const H: f64 = 60.0;
        let t = &self.timeline;
        let n = t.buckets.len();
        if n == 0 {
            return html! {};
        }
        let link = ctx.link();
        let max = t.max();
        let scale = t.scale();
        let step = t.buckets.first().map_or(DAY_MS, |b| b.end - b.start);
        let unit = if t.hourly {
            "hour".to_string()
        } else if step == DAY_MS {
            "day".to_string()
        } else {
            format!("{} days", step / DAY_MS)
        };
        let label = |start: i64, long: bool| {
            let text = Timestamp::from_millis(start).to_rfc3339();
            match (t.hourly, long) {
                (true, true) => format!(
                    "{} {}",
                    text.get(..10).unwrap_or(""),
                    text.get(11..16).unwrap_or("")
                ),
                (true, false) => text.get(11..16).unwrap_or("").to_string(),
                (false, true) => text.get(..10).unwrap_or("").to_string(),
                (false, false) => text.get(5..10).unwrap_or("").to_string(),
            }
        };
        let describe = |i: usize| {
            t.buckets.get(i).map_or(String::new(), |b| {
                format!(
                    "{}: {} timestamp updates, {} deletions",
                    label(b.start, true),
                    b.changes,
                    b.deletions
                )
            })
        };
        let picked = self
            .drag
            .map(|(a, b)| (a.min(b), a.max(b)))
            .or(self.tl_cursor.map(|c| (c, c)));
        let plot = self.tl_plot.clone();
        let down = link.batch_callback(move |e: PointerEvent| {
            if e.button() != 0 {
                return None;
            }
            if let Some(el) = plot.cast::<Element>() {
                let _ = el.set_pointer_capture(e.pointer_id());
            }
            bucket_at(&plot, n, &e).map(Msg::TimelineDown)
        });
        let dragging = self.drag.is_some();
        let plot = self.tl_plot.clone();
        let moved = link.batch_callback(move |e: PointerEvent| {
            if dragging {
                bucket_at(&plot, n, &e).map(Msg::TimelineMove)
            } else {
                None
            }
        });
        let plot = self.tl_plot.clone();
        let up = link
            .batch_callback(move |e: PointerEvent| bucket_at(&plot, n, &e).map(Msg::TimelineUp));
        let key = link.batch_callback(|e: KeyboardEvent| {
            let k = e.key();
            let handled = matches!(
                k.as_str(),
                "ArrowLeft"
                    | "ArrowRight"
                    | "ArrowUp"
                    | "ArrowDown"
                    | "Home"
                    | "End"
                    | "Enter"
                    | " "
                    | "Escape"
            );
            handled.then(|| {
                e.prevent_default();
                Msg::TimelineKey(k)
            })
        });
        // Up to ~8 axis labels, evenly spaced.
        let every = n.div_ceil(8).max(1);
        let ticks: Vec<usize> = (0..n).step_by(every).collect();
        let mid = (scale == Scale::Log && max > 3)
            .then(|| ((f64::from(max)).ln_1p() * 0.5).exp_m1().round() as u32);
        let dates_set = self.filter.from.is_some() || self.filter.to.is_some();
        let first = t
            .buckets
            .first()
            .map(|b| label(b.start, true))
            .unwrap_or_default();
        let last = t
            .buckets
            .last()
            .map(|b| label(b.start, true))
            .unwrap_or_default();
        html! {
            <figure class="timeline" data-testid="timeline" data-buckets={n.to_string()} data-unit={unit.clone()}
                data-scale={if scale == Scale::Log { "log" } else { "linear" }} data-max={max.to_string()}>
                <figcaption>
                    <span>{ format!("Records per {unit} (UTC), {first} to {last}") }</span>
                    <span class="tl-key"><span class="swatch tl-change"></span>{ "timestamp updates" }</span>
                    <span class="tl-key"><span class="swatch tl-deletion"></span>{ "deletions" }</span>
                    if scale == Scale::Log {
                        <span class="muted" data-testid="log-scale">{ "log scale: one busy period would flatten the rest" }</span>
                    }
                    <span class="muted">{ "click or drag to filter by date" }</span>
                    if dates_set {
                        <button type="button" class="link" onclick={link.callback(|_| Msg::ClearDates)}>{ "Clear dates" }</button>
                    }
                </figcaption>
                <div class="tl-body">
                    <div class="tl-y" aria-hidden="true">
                        <span>{ max.to_string() }</span>
                        <span>{ mid.map(|m| m.to_string()).unwrap_or_default() }</span>
                        <span>{ "0" }</span>
                    </div>
                    <div class="tl-plot" ref={self.tl_plot.clone()} tabindex="0" role="slider"
                        aria-label={format!("Timeline, records per {unit}: arrow keys pick one, Enter filters by its date, Escape clears the dates")}
                        aria-valuemin="0" aria-valuemax={(n - 1).to_string()}
                        aria-valuenow={picked.map_or(n - 1, |p| p.0).to_string()}
                        aria-valuetext={describe(picked.map_or(n - 1, |p| p.0))}
                        onpointerdown={down} onpointermove={moved} onpointerup={up} onkeydown={key}>
                        <svg class="tl-svg" viewBox={format!("0 0 {} {H}", n * W)} preserveAspectRatio="none" aria-hidden="true">
                            if let Some((a, b)) = picked {
                                <rect class="tl-pick" x={(a * W).to_string()} y="0" width={((b - a + 1) * W).to_string()} height={H.to_string()}></rect>
                            }
                            { for t.buckets.iter().enumerate().map(|(i, b)| {
                                let x = i * W + 1;
                                let total = b.total();
                                let mut ht = Timeline::height(total, max, scale) * H;
                                if total > 0 {
                                    ht = ht.max(2.0);
                                }
                                let hd = if b.deletions > 0 {
                                    (ht * f64::from(b.deletions) / f64::from(total)).max(2.0).min(ht)
                                } else {
                                    0.0
                                };
                                let hc = ht - hd;
                                html! {
                                    <g class="tl-bucket" data-start={label(b.start, true)} data-total={total.to_string()} data-deletions={b.deletions.to_string()}>
                                        <rect class="tl-hit" x={(i * W).to_string()} y="0" width={W.to_string()} height={H.to_string()}>
                                            <title>{ describe(i) }</title>
                                        </rect>
                                        if hc > 0.0 {
                                            <rect class="tl-change" x={x.to_string()} y={format!("{:.1}", H - ht)} width={(W - 2).to_string()} height={format!("{hc:.1}")}></rect>
                                        }
                                        if hd > 0.0 {
                                            <rect class="tl-deletion" x={x.to_string()} y={format!("{:.1}", H - hd)} width={(W - 2).to_string()} height={format!("{hd:.1}")}></rect>
                                        }
                                    </g>
                                }
                            }) }
                        </svg>
                        <div class="tl-x" aria-hidden="true">
                            { for ticks.iter().map(|&i| {
                                let left = (i as f64 + 0.5) / n as f64 * 100.0;
                                let text = t.buckets.get(i).map(|b| label(b.start, i == 0)).unwrap_or_default();
                                html! { <span style={format!("left: {left:.2}%")}>{ text }</span> }
                            }) }
                        </div>
                    </div>
                </div>
                <p class="sr-only" aria-live="polite">{ picked.map(|p| describe(p.0)).unwrap_or_default() }</p>
            </figure>
        }
    }
}

/// The timeline bucket (of `n`) under the pointer of `e`, from its position across `plot`.
fn bucket_at(plot: &NodeRef, n: usize, e: &PointerEvent) -> Option<usize> {
    let el = plot.cast::<Element>()?;
    let r = el.get_bounding_client_rect();
    if r.width() <= 0.0 || n == 0 {
        return None;
    }
    let x = (f64::from(e.client_x()) - r.left()) / r.width();
    Some(((x * n as f64).floor().max(0.0) as usize).min(n - 1))
}

impl AuditApp {
    /// Put the visible rows of the selection into the list.
    fn paint(&mut self) {
        self.list.paint(
            &self.store,
            self.registry_host.as_ref(),
            &self.selection.positions,
            self.selected.as_deref(),
        );
    }
}
