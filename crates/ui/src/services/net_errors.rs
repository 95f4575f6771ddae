//! The browser's own error for a request that got no answer (`net_errors.js`:
//! `webRequest.onErrorOccurred`, with the `webRequest` permission and the host grant).
//! A page's fetch only learns "failed"; the event says whether the certificate was refused
//! or nothing listens, and [`NetworkFailure::classify`] reads it.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use msr_lens_core::{NetworkFailure, Origin};

/// How long to wait for the error event once the fetch has rejected: it may arrive just
/// after, or never (no permission, another browser).
pub const GRACE_MS: u32 = 1_000;

#[wasm_bindgen(module = "/src/services/net_errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = watchNetErrors)]
    fn watch_net_errors(origin: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = netErrorFor)]
    fn net_error_for(watcher: &JsValue, url: &str, grace_ms: u32) -> js_sys::Promise;
    #[wasm_bindgen(js_name = stopNetErrors)]
    fn stop_net_errors(watcher: &JsValue);
}

/// What the browser said about a request: its error string and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserError {
    /// The string as the browser gave it (`net::ERR_CERT_AUTHORITY_INVALID`).
    pub code: String,
    /// What it means.
    pub failure: NetworkFailure,
}

impl BrowserError {
    /// Read a browser error string.
    pub fn new(code: &str) -> Self {
        BrowserError {
            code: code.trim().to_string(),
            failure: NetworkFailure::classify(code),
        }
    }
}

/// Listening for the errors of one origin's requests; stops listening when dropped.
pub struct NetErrors(Option<JsValue>);

impl NetErrors {
    /// Start listening (before sending the request to watch). Without `webRequest` the
    /// watcher hears nothing and [`NetErrors::error_of`] answers `None`.
    pub async fn watch(origin: &Origin) -> Self {
        let watcher = JsFuture::from(watch_net_errors(&origin.to_string()))
            .await
            .ok()
            .filter(|w| w.is_object());
        NetErrors(watcher)
    }

    /// The browser's error for `url`, waiting at most [`GRACE_MS`] for it.
    pub async fn error_of(&self, url: &str) -> Option<BrowserError> {
        let watcher = self.0.as_ref()?;
        let error = JsFuture::from(net_error_for(watcher, url, GRACE_MS))
            .await
            .ok()?
            .as_string()?;
        Some(BrowserError::new(&error))
    }
}

impl Drop for NetErrors {
    fn drop(&mut self) {
        if let Some(watcher) = &self.0 {
            stop_net_errors(watcher);
        }
    }
}
