//! The WebAssembly transport: `fetch` from whatever global scope the module runs in.
//!
//! It works the same in a page (`window`), in a worker or an extension service worker (no
//! `window`) and in Node.js ≥ 20, because it never names `window`: `fetch`, `setTimeout`
//! and `clearTimeout` are read from [`js_sys::global()`].
//!
//! - [`FetchClient::execute`] sends a core [`http::Request<Vec<u8>>`] and returns the whole
//!   [`http::Response<Vec<u8>>`]: every HTTP status is a response, never an error.
//! - A timeout per request (an `AbortController` that also stops the body download).
//! - A response-size cap, checked against `Content-Length` and again while streaming.
//! - Credentials go only to the configured [`Origin`](msr_lens_core::Origin): a request carrying `Authorization`
//!   for another origin is refused before anything is sent. Cookies are never sent
//!   (`credentials: "omit"`), which also keeps browsers from showing their own login
//!   dialog on a `401` with `WWW-Authenticate: Basic`.
//! - Redirects are not followed (`redirect: "manual"`): an SSO redirect must be seen, and
//!   credentials must not follow it elsewhere. A browser hides the target of a manual
//!   redirect (an "opaque redirect"); it is reported as a body-less `302` so the core
//!   classifies it as a redirect.
//! - Error messages never contain credentials or tokens, nor the request URL.
//!
//! [`now`] and [`sleep`] give the shells the clock and timer the sans-IO core leaves out.

mod fetch;

pub use fetch::{FetchClient, FetchConfig};

use js_sys::{Function, Promise, Reflect};
use msr_lens_core::Timestamp;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::TransportError;

/// The current time from `Date.now()`.
pub fn now() -> Timestamp {
    // `Date.now()` is an integral number of milliseconds well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    Timestamp::from_millis(js_sys::Date::now() as i64)
}

/// Wait `millis` milliseconds with the global `setTimeout`.
pub async fn sleep(millis: u32) -> Result<(), TransportError> {
    let set_timeout = global_function("setTimeout")?;
    let mut callback = Some(move |resolve: Function, _reject: Function| {
        let _ = set_timeout.call2(&JsValue::UNDEFINED, &resolve, &JsValue::from(millis));
    });
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(start) = callback.take() {
            start(resolve, reject);
        }
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| TransportError::Other("setTimeout failed".into()))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The global `setTimeout(handler, millis)` (looked up in the global scope when
    /// called, like every function of [`global_function`]); its timer handle.
    #[wasm_bindgen(catch, js_name = setTimeout)]
    pub fn set_timeout(handler: &JsValue, millis: f64) -> Result<JsValue, JsValue>;

    /// The global `fetch(request)`: its promise of a `Response` (a `TypeError` when
    /// there is no `fetch` in the global scope).
    #[wasm_bindgen(catch, js_name = fetch)]
    pub fn fetch(request: &web_sys::Request) -> Result<JsValue, JsValue>;

    /// The global `clearTimeout(handle)`.
    #[wasm_bindgen(catch, js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue) -> Result<(), JsValue>;
}

/// A function of the global scope (`fetch`, `setTimeout`, ...).
///
/// # Errors
///
/// [`TransportError::Other`] when the global scope has no such function.
pub fn global_function(name: &str) -> Result<Function, TransportError> {
    Reflect::get(&js_sys::global(), &JsValue::from_str(name))
        .ok()
        .and_then(|value| value.dyn_into::<Function>().ok())
        .ok_or_else(|| {
            TransportError::Other(format!("this JavaScript environment has no {name}()"))
        })
}
