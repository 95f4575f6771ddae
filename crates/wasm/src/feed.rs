//! `Changefeed`: a changefeed walk for JavaScript, page by page or as an async iterator.
//!
//! The walk is the core's [`FeedSession`] (pager + token flow); this file only moves its
//! requests over fetch, sleeps until its timers, and turns its events into promise
//! results:
//!
//! - records → a page (`nextPage()`) or the next record (`next()`);
//! - caught up (backfill) / reached the start (newest first) → the end (`null`, `done`);
//! - an error the pager retries by itself → wait and retry, up to `maxRetries` in a row;
//! - an error that needs the caller (bad credentials, no access, a body that is not a
//!   page, a vanished cursor) → a rejected promise; the next call tries again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise};
use msr_lens_core::auth::AuthError;
use msr_lens_core::changefeed::{Event, Failure, FeedSession, Mode, Placement, Record, Recovery};
use msr_lens_transport::TransportError;
use msr_lens_transport::wasm::{clear_timeout, now, set_timeout};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

use crate::client::{Shared, to_js};
use crate::error::LensError;
use crate::options::FeedOptions;
use crate::records;

/// How many times in a row the pager may be polled without sending a request or
/// producing an event before the walk is declared stuck (a guard against a busy loop).
const MAX_IDLE_SPINS: u32 = 64;

/// A changefeed walk. Async-iterable: `for await (const record of feed) { ... }`.
#[wasm_bindgen]
pub struct Changefeed {
    state: Rc<FeedState>,
}

struct FeedState {
    shared: Rc<Shared>,
    session: RefCell<FeedSession>,
    follow: bool,
    newest_first: bool,
    max_retries: u32,
    /// The current page's records (a JS array) and how many of them `next()` has handed
    /// out.
    buffer: RefCell<Option<(Array, u32)>>,
    done: Cell<bool>,
    closed: Cell<bool>,
    busy: Cell<bool>,
    /// The last call ended on an error: cut the pager's wait short on the next one.
    retry: Cell<bool>,
    last_transport_kind: Cell<Option<&'static str>>,
    /// The pending sleep: its timer handle and the function that ends it early.
    sleeping: RefCell<Option<(JsValue, Resolve)>>,
}

/// A promise's `resolve`, typed as `future_to_promise` types it: `Promise::new_typed` with
/// this type shares the executor glue (and the `Promise` import) with every async method.
type Resolve = Function<fn(JsValue) -> wasm_bindgen::sys::Undefined>;

/// One page of `nextPage()`: records in server order (oldest → newest), and whether they
/// come after (`append`) or before (`prepend`) the records seen so far.
struct Batch {
    records: Vec<Record>,
    placement: Placement,
    late: bool,
}

impl Changefeed {
    pub(crate) fn new(shared: Rc<Shared>, options: FeedOptions) -> Result<Self, LensError> {
        let follow = options.follow;
        let max_retries = options.max_retries;
        let pager = options.pager(shared.config.origin())?;
        // What `FeedOptions::newest_first` says, read from the pager built from them.
        let newest_first = pager.mode() == Mode::NewestFirst;
        Ok(Changefeed {
            state: Rc::new(FeedState {
                shared,
                session: RefCell::new(FeedSession::new(pager)),
                follow,
                newest_first,
                max_retries,
                buffer: RefCell::new(None),
                done: Cell::new(false),
                closed: Cell::new(false),
                busy: Cell::new(false),
                retry: Cell::new(false),
                last_transport_kind: Cell::new(None),
                sleeping: RefCell::new(None),
            }),
        })
    }
}

#[wasm_bindgen]
impl Changefeed {
    /// The next page, or `null` when the walk is over (a backfill caught up, a
    /// newest-first walk reached the oldest record, or `close()` was called). A
    /// `follow()` walk waits for new records. One call at a time.
    #[wasm_bindgen(js_name = nextPage, unchecked_return_type = "Promise<ChangePage | null>")]
    pub fn next_page(&self) -> Promise {
        future_to_promise(advance(self.state.clone(), true))
    }

    /// The async-iterator protocol: the next record. Records come oldest → newest, or
    /// newest → oldest for a walk `from: "latest"` or `{ before }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<ChangeRecord, undefined>>")]
    pub fn next(&self) -> Promise {
        future_to_promise(advance(self.state.clone(), false))
    }

    /// The async-iterator protocol: stop (`break` out of `for await` calls this).
    #[wasm_bindgen(
        js_name = "return",
        unchecked_return_type = "Promise<IteratorResult<ChangeRecord, undefined>>"
    )]
    pub fn return_(&self) -> Promise {
        self.close();
        Promise::resolve(&end(false))
    }

    /// Stop the walk: a pending `nextPage()`/`next()` that is waiting for the next poll
    /// resolves with the end at once, and no further request is sent.
    pub fn close(&self) {
        self.state.closed.set(true);
        self.state.buffer.borrow_mut().take();
        self.state.wake();
    }

    /// Counters, cursors and status of the walk.
    #[wasm_bindgen(unchecked_return_type = "FeedProgress")]
    pub fn progress(&self) -> Result<JsValue, JsValue> {
        to_js(&self.state.session.borrow().pager().progress())
    }

    /// The walk's position as text, for `changefeed({ resume })` / `follow({ resume })`
    /// later (for instance after a page reload). Holds record IDs, never credentials.
    pub fn save(&self) -> Result<String, JsValue> {
        serde_json::to_string(&self.state.session.borrow().pager().save())
            .map_err(|e| LensError::new("internal", format!("JSON encoding failed: {e}")).into())
    }

    /// After a rejection of kind `cursorVanished` (the record the walk was anchored on is
    /// gone, as after a purge): `"retry"`, `"restartFromStart"` or `"jumpToLatest"`.
    pub fn recover(
        &self,
        #[wasm_bindgen(
            unchecked_param_type = "\"retry\" | \"restartFromStart\" | \"jumpToLatest\""
        )]
        choice: String,
    ) -> Result<(), JsValue> {
        let recovery = match choice.as_str() {
            "retry" => Recovery::Retry,
            "restartFromStart" => Recovery::RestartFromStart,
            "jumpToLatest" => Recovery::JumpToLatest,
            _ => {
                return Err(LensError::invalid(
                    "recover(): use \"retry\", \"restartFromStart\" or \"jumpToLatest\"",
                )
                .into());
            }
        };
        self.state
            .session
            .borrow_mut()
            .pager_mut()
            .recover(recovery);
        self.state.retry.set(false);
        self.state.done.set(false);
        Ok(())
    }
}

/// What `nextPage()` (`page`) or `next()` resolves to at the end of the walk.
fn end(page: bool) -> JsValue {
    if page {
        JsValue::NULL
    } else {
        iterator_result(true, &JsValue::UNDEFINED)
    }
}

/// `nextPage()` (`page`) or `next()`: one async body for both, which also drives the
/// session until it yields records or the walk ends (no nested future for that).
async fn advance(state: Rc<FeedState>, page: bool) -> Result<JsValue, JsValue> {
    let _guard = state.enter()?;
    loop {
        if !page && let Some(record) = state.buffered() {
            return Ok(iterator_result(false, &record));
        }
        let batch = 'drive: {
            if state.closed.get() || state.done.get() {
                return Ok(end(page));
            }
            if state.retry.replace(false) {
                state.session.borrow_mut().pager_mut().retry_now();
            }
            if state.newest_first {
                // Each call of a newest-first walk wants one more (older) page; before the
                // first page this only marks the next one as wanted.
                state.session.borrow_mut().pager_mut().request_older();
            }
            let mut errors = 0u32;
            let mut idle = 0u32;
            loop {
                loop {
                    let event = state.session.borrow_mut().poll_event();
                    let Some(event) = event else { break };
                    idle = 0;
                    match event {
                        Event::Records {
                            records,
                            placement,
                            late,
                        } if !records.is_empty() => {
                            break 'drive Batch {
                                records,
                                placement,
                                late,
                            };
                        }
                        Event::CaughtUp if !state.follow => {
                            state.done.set(true);
                            return Ok(end(page));
                        }
                        Event::ReachedStart if state.newest_first => {
                            state.done.set(true);
                            return Ok(end(page));
                        }
                        Event::NoAccess { message, .. } => {
                            state.retry.set(true);
                            return Err(JsValue::from(LensError::new("noAccess", message)));
                        }
                        Event::Error { error, retry_at } => {
                            errors += 1;
                            if retry_at.is_none() || errors > state.max_retries {
                                state.retry.set(true);
                                let auth_kind = state
                                    .session
                                    .borrow()
                                    .last_auth_error()
                                    .map(AuthError::kind);
                                return Err(JsValue::from(LensError::feed(
                                    &error,
                                    state.last_transport_kind.get(),
                                    auth_kind,
                                )));
                            }
                        }
                        Event::CursorVanished { cursor, .. } => {
                            let message = format!(
                                "changefeed: the record the walk is anchored on is gone ({cursor}); call recover()"
                            );
                            return Err(JsValue::from(LensError::new("cursorVanished", message)));
                        }
                        _ => {}
                    }
                }
                if state.closed.get() {
                    return Ok(end(page));
                }
                let next = {
                    let mut auth = state.shared.auth.borrow_mut();
                    state.session.borrow_mut().poll_request(&mut auth, now())
                };
                if let Some((call, request)) = next {
                    idle = 0;
                    let result = state.shared.fetch.execute(request).await;
                    let mut auth = state.shared.auth.borrow_mut();
                    let mut session = state.session.borrow_mut();
                    match result {
                        Ok(response) => session.handle_response(&mut auth, call, now(), response),
                        Err(error) => {
                            state.last_transport_kind.set(Some(error.kind()));
                            session.handle_failure(&mut auth, call, now(), failure(error));
                        }
                    }
                    continue;
                }
                let wake = state.session.borrow().poll_timeout();
                let Some(wake) = wake else {
                    // Nothing left to do: a backfill that ended without saying so, a halted
                    // pager, or newest-first waiting for `request_older`.
                    state.done.set(!state.newest_first);
                    return Ok(end(page));
                };
                let wait = wake.millis_since(now());
                if wait > 0 {
                    // Sleep with the global `setTimeout` (here, not in an async fn of its own:
                    // one state machine less); `close()` ends it early. setTimeout's limit is
                    // 2^31-1 ms; the pager never asks for more than an hour.
                    #[allow(clippy::cast_precision_loss)]
                    let delay = wait.clamp(1, 3_600_000) as f64;
                    let promise = Promise::new_typed(&mut |resolve: Resolve, _reject| {
                        if let Ok(handle) = set_timeout(resolve.as_ref(), delay) {
                            *state.sleeping.borrow_mut() = Some((handle, resolve));
                        } else {
                            let _ = resolve.call0(&JsValue::UNDEFINED);
                        }
                    });
                    let _ = JsFuture::from(promise).await;
                    state.sleeping.borrow_mut().take();
                } else {
                    idle += 1;
                    if idle > MAX_IDLE_SPINS {
                        return Err(JsValue::from(LensError::new(
                            "internal",
                            "changefeed: the pager neither sent a request nor waited",
                        )));
                    }
                }
            }
        };
        let records = records::to_js(&batch.records);
        if batch.late {
            for record in records.iter() {
                record.unchecked_ref::<Fields>().set_late(true);
            }
        }
        if page {
            let page = Object::new();
            let fields: &Fields = page.unchecked_ref();
            fields.set_records(&records);
            fields.set_placement(match batch.placement {
                Placement::Append => "append",
                Placement::Prepend => "prepend",
            });
            fields.set_late(batch.late);
            return Ok(page.into());
        }
        *state.buffer.borrow_mut() = Some((records, 0));
    }
}

/// Marks a call in progress; calls do not overlap. Borrows the state the call holds (no
/// reference count of its own).
struct Busy<'a>(&'a FeedState);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.busy.set(false);
    }
}

impl FeedState {
    fn enter(&self) -> Result<Busy<'_>, LensError> {
        if self.busy.replace(true) {
            return Err(LensError::invalid(
                "another nextPage()/next() of this changefeed is still running; await it first",
            ));
        }
        Ok(Busy(self))
    }

    /// The next record of the current page for `next()`, in walk order (a page is in
    /// server order, oldest first: a newest-first walk hands it out from the end).
    fn buffered(&self) -> Option<JsValue> {
        let mut buffer = self.buffer.borrow_mut();
        let (array, taken) = buffer.as_mut()?;
        let len = array.length();
        if *taken >= len {
            *buffer = None;
            return None;
        }
        let index = if self.newest_first {
            len - 1 - *taken
        } else {
            *taken
        };
        *taken += 1;
        Some(array.get(index))
    }

    /// End a pending sleep now (and clear its timer, so Node.js can exit).
    fn wake(&self) {
        let Some((handle, resolve)) = self.sleeping.borrow_mut().take() else {
            return;
        };
        let _ = clear_timeout(&handle);
        let _ = resolve.call0(&JsValue::UNDEFINED);
    }
}

fn failure(error: TransportError) -> Failure {
    match error {
        TransportError::Timeout { .. } => Failure::Timeout,
        TransportError::Connect(_) | TransportError::Tls(_) | TransportError::Reset(_) => {
            Failure::Network(error.to_string())
        }
        other => Failure::Other(other.to_string()),
    }
}

fn iterator_result(done: bool, value: &JsValue) -> JsValue {
    let result = Object::new();
    let fields: &Fields = result.unchecked_ref();
    fields.set_done(done);
    fields.set_value(value);
    result.into()
}

#[wasm_bindgen]
extern "C" {
    /// A plain object the bindings fill in: its properties, set directly (no key strings
    /// cross the boundary).
    type Fields;

    #[wasm_bindgen(method, setter)]
    fn set_records(this: &Fields, records: &JsValue);

    #[wasm_bindgen(method, setter)]
    fn set_placement(this: &Fields, placement: &str);

    #[wasm_bindgen(method, setter)]
    fn set_late(this: &Fields, late: bool);

    #[wasm_bindgen(method, setter)]
    fn set_done(this: &Fields, done: bool);

    #[wasm_bindgen(method, setter)]
    fn set_value(this: &Fields, value: &JsValue);
}
