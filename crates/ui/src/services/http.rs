//! A minimal `fetch` for `http::Request<Vec<u8>>` values, usable in extension pages and
//! in the service worker (it calls the global `fetch`, not `window.fetch`).
//!
//! Stand-in until the wasm side of `msr-lens-transport` lands: no cookies
//! (`credentials: "omit"`), no cache, no redirects followed (an opaque redirect becomes a
//! 302 so the core sees "redirected"), a timeout, a body size cap, and a request is
//! refused unless its origin is one the caller allowed.

use http::header::{CONTENT_TYPE, DATE, HeaderValue, LOCATION, WWW_AUTHENTICATE};
use http::{Request, Response};
use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::js_text;
use web_sys::{
    AbortController, Headers, RequestCache, RequestCredentials, RequestInit, RequestRedirect,
};

use msr_lens_core::Origin;

/// The largest body read, in bytes (a cluster status of a big cluster stays far below).
pub const MAX_BODY: u32 = 8 * 1024 * 1024;

/// Why no HTTP answer arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The request's origin is not one of the allowed origins; nothing was sent.
    Refused,
    /// No answer within the timeout.
    Timeout,
    /// The browser gave no answer: network, DNS, TLS trust, or missing host permission.
    Network(String),
    /// The body was larger than [`MAX_BODY`].
    TooLarge,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Refused => f.write_str("refused: not a configured origin"),
            FetchError::Timeout => f.write_str("no answer within the timeout"),
            FetchError::Network(m) => write!(f, "no answer: {m}"),
            FetchError::TooLarge => f.write_str("the answer was too large"),
        }
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &str, init: &RequestInit) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Send `request` if its origin is one of `allowed`, waiting at most `timeout_ms`.
pub async fn send(
    request: Request<Vec<u8>>,
    allowed: &[Origin],
    timeout_ms: i32,
) -> Result<Response<Vec<u8>>, FetchError> {
    if !allowed.iter().any(|o| o.same_origin(request.uri())) {
        return Err(FetchError::Refused);
    }
    let init = RequestInit::new();
    init.set_method(request.method().as_str());
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_redirect(RequestRedirect::Manual);
    let headers = Headers::new().map_err(|e| FetchError::Network(js_text(&e)))?;
    for (name, value) in request.headers() {
        if let Ok(value) = value.to_str() {
            headers
                .append(name.as_str(), value)
                .map_err(|e| FetchError::Network(js_text(&e)))?;
        }
    }
    init.set_headers(&headers);
    if !request.body().is_empty() {
        let body = Uint8Array::from(request.body().as_slice());
        init.set_body(&body);
    }
    let controller = AbortController::new().map_err(|e| FetchError::Network(js_text(&e)))?;
    init.set_signal(Some(&controller.signal()));
    let abort = Closure::once_into_js({
        let controller = controller.clone();
        move || controller.abort()
    });
    let timer = set_timeout(abort.unchecked_ref(), timeout_ms);
    let result = read(global_fetch(&request.uri().to_string(), &init), &controller).await;
    clear_timeout(&timer);
    result
}

async fn read(
    pending: Promise,
    controller: &AbortController,
) -> Result<Response<Vec<u8>>, FetchError> {
    let answer = JsFuture::from(pending).await.map_err(|e| {
        if controller.signal().aborted() {
            FetchError::Timeout
        } else {
            FetchError::Network(js_text(&e))
        }
    })?;
    let answer: web_sys::Response = answer
        .dyn_into()
        .map_err(|_| FetchError::Network("not a response".into()))?;
    if answer.type_() == web_sys::ResponseType::Opaqueredirect {
        return Response::builder()
            .status(302)
            .body(Vec::new())
            .map_err(|e| FetchError::Network(e.to_string()));
    }
    let mut builder = Response::builder().status(answer.status());
    // Only the headers the core reads, by constant name (parsing arbitrary header names
    // costs 12 KB of wasm).
    let headers = answer.headers();
    for name in [CONTENT_TYPE, WWW_AUTHENTICATE, LOCATION, DATE] {
        if let Ok(Some(value)) = headers.get(name.as_str())
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            builder = builder.header(name, value);
        }
    }
    let buffer = answer
        .array_buffer()
        .map_err(|e| FetchError::Network(js_text(&e)))?;
    let buffer = JsFuture::from(buffer).await.map_err(|e| {
        if controller.signal().aborted() {
            FetchError::Timeout
        } else {
            FetchError::Network(js_text(&e))
        }
    })?;
    let bytes = Uint8Array::new(&buffer);
    if bytes.length() > MAX_BODY {
        return Err(FetchError::TooLarge);
    }
    builder
        .body(bytes.to_vec())
        .map_err(|e| FetchError::Network(e.to_string()))
}
