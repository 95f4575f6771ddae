//! `fetch` with a timeout, a size cap, no redirects and credentials for one origin only.
//!
//! The request is built with gloo-net's [`RequestBuilder`] and sent with the global
//! `fetch` ([`super::fetch`]) rather than gloo-net's `send()`, whose error keeps only the
//! exception's name and message: Node.js tells a TLS failure apart only in the error's
//! `cause`, which [`describe_failure`] reads. The answer is read through gloo-net's
//! [`GlooResponse`], its body streamed here so the size cap holds while it arrives.
//!
//! A browser shows a page only the response headers CORS exposes; on the same origin (or
//! in an extension with host permissions) all of them are visible.

use gloo_net::http::{Headers, Request as GlooRequest, RequestBuilder, Response as GlooResponse};
use http::header::{self, AUTHORIZATION, CONTENT_LENGTH};
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use msr_lens_core::Origin;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, ReadableStreamDefaultReader, ReadableStreamReadResult,
    RequestCache, RequestCredentials, RequestRedirect, ResponseType,
};

use super::{clear_timeout, fetch, set_timeout};
use crate::{DEFAULT_MAX_BODY_BYTES, TransportError};

/// How the fetch client sends requests.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// The configured MSR origin: the only one that may receive credentials.
    pub origin: Origin,
    /// Whole-request timeout in milliseconds (until the last body byte).
    pub timeout_ms: u32,
    /// Largest accepted response body in bytes.
    pub max_body_bytes: usize,
}

impl FetchConfig {
    /// A configuration for `origin` with a 15 s timeout and the default size cap.
    pub fn new(origin: Origin) -> Self {
        FetchConfig {
            origin,
            timeout_ms: 15_000,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Sends core requests with the global `fetch`.
///
/// Cheap to clone; it holds only its configuration (connection reuse is the job of the
/// JavaScript runtime's `fetch`).
#[derive(Debug, Clone)]
pub struct FetchClient {
    config: FetchConfig,
}

impl FetchClient {
    /// A client with the given configuration.
    pub fn new(config: FetchConfig) -> Self {
        FetchClient { config }
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Send `request` and read the whole response (up to the size cap).
    ///
    /// Every HTTP status is an `Ok` response. Errors are only for requests that got no
    /// HTTP answer: [`TransportError::Timeout`], [`TransportError::Connect`] (in a browser
    /// a network failure, an untrusted certificate and a CORS refusal all look alike),
    /// [`TransportError::Tls`] (Node.js tells it apart), [`TransportError::Reset`],
    /// [`TransportError::TooLarge`], and [`TransportError::Refused`] for credentials aimed
    /// at another origin.
    pub async fn execute(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let (parts, body) = request.into_parts();
        if parts.headers.contains_key(AUTHORIZATION) && !self.config.origin.same_origin(&parts.uri)
        {
            return Err(TransportError::Refused(format!(
                "credentials are only sent to {}",
                self.config.origin
            )));
        }
        let controller =
            AbortController::new().map_err(|_| other_error("AbortController is not available"))?;
        let request = build_request(&parts, &body, &controller.signal())?;
        let _timer = Timer::start(self.config.timeout_ms, &controller)?;
        // A JavaScript exception: our timeout when the timer has aborted the request,
        // otherwise what `fetch` or the body stream reported.
        let js = |error: JsValue| {
            if controller.signal().aborted() {
                TransportError::Timeout {
                    millis: u64::from(self.config.timeout_ms),
                }
            } else {
                describe_failure(&error)
            }
        };
        let promise: Promise = fetch(&web_sys::Request::from(request))
            .map_err(js)?
            .dyn_into()
            .map_err(|_| other_error("fetch() did not return a promise"))?;
        let response: GlooResponse = JsFuture::from(promise)
            .await
            .map_err(js)?
            .dyn_into::<web_sys::Response>()
            .map_err(|_| other_error("fetch() did not resolve to a Response"))?
            .into();
        // A browser hides a manual redirect's status and target: a body-less 302.
        let redirect = response.type_() == ResponseType::Opaqueredirect;
        let status = if redirect {
            StatusCode::FOUND
        } else {
            StatusCode::from_u16(response.status())
                .map_err(|_| other_error(&format!("invalid HTTP status {}", response.status())))?
        };
        let mut out = Response::new(Vec::new());
        *out.status_mut() = status;
        if redirect {
            return Ok(out);
        }
        copy_headers(&response.headers(), out.headers_mut());

        let limit = self.config.max_body_bytes;
        let declared = out
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            controller.abort();
            return Err(TransportError::TooLarge { limit });
        }
        let Some(stream) = response.body() else {
            return Ok(out);
        };
        let capacity = declared
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
            .min(limit);
        let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
        let body = out.body_mut();
        body.reserve_exact(capacity);
        loop {
            let result: ReadableStreamReadResult = JsFuture::from(reader.read())
                .await
                .map_err(js)?
                .unchecked_into();
            if result.get_done().unwrap_or(false) {
                return Ok(out);
            }
            let chunk: Uint8Array = result.get_value().dyn_into().map_err(|_| {
                other_error("the response stream yielded something other than bytes")
            })?;
            let start = body.len();
            let len = chunk.length() as usize;
            if start.saturating_add(len) > limit {
                // Aborting also cancels the stream; nothing is left pending.
                controller.abort();
                return Err(TransportError::TooLarge { limit });
            }
            body.resize(start + len, 0);
            chunk.copy_to(&mut body[start..]);
        }
    }
}

/// [`TransportError::Other`] with `message`: one copy of the allocation for every such
/// error.
#[inline(never)]
fn other_error(message: &str) -> TransportError {
    TransportError::Other(message.to_string())
}

/// The request as gloo-net builds it: method, headers, body and `signal`; no redirects
/// followed, no cookies, no HTTP cache.
fn build_request(
    parts: &Parts,
    body: &[u8],
    signal: &AbortSignal,
) -> Result<GlooRequest, TransportError> {
    let headers = web_sys::Headers::new().map_err(|_| other_error("Headers is not available"))?;
    for (name, value) in &parts.headers {
        let text = value
            .to_str()
            .map_err(|_| TransportError::Refused(format!("header {name} is not visible ASCII")))?;
        headers
            .append(name.as_str(), text)
            .map_err(|_| TransportError::Refused(format!("fetch() refuses header {name}")))?;
    }
    let builder = RequestBuilder::new(&parts.uri.to_string())
        .method(parts.method.clone())
        .headers(Headers::from_raw(headers))
        .redirect(RequestRedirect::Manual)
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .abort_signal(Some(signal));
    let request = if body.is_empty() {
        builder.build()
    } else {
        builder.body(Uint8Array::from(body))
    };
    request.map_err(|e| other_error(&format!("the request could not be built: {e}")))
}

/// The response headers the core reads. Only these are copied, each looked up by its
/// constant name (no header name from the server is parsed). Several values of one header arrive joined by `, `, which is how
/// `WWW-Authenticate` lists several challenges anyway.
const KEPT_HEADERS: [HeaderName; 6] = [
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
    header::WWW_AUTHENTICATE,
    header::RETRY_AFTER,
    header::LOCATION,
    header::DATE,
];

fn copy_headers(from: &Headers, to: &mut HeaderMap) {
    for name in KEPT_HEADERS {
        if let Some(value) = from.get(name.as_str())
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            to.insert(name, value);
        }
    }
}

/// Classify a `fetch` rejection that is not our timeout.
///
/// Browsers say only `TypeError: Failed to fetch` (network, TLS trust and CORS look the
/// same on purpose). Node.js says `TypeError: fetch failed` with a `cause` carrying a
/// `code` such as `ECONNREFUSED` or `SELF_SIGNED_CERT_IN_CHAIN`.
fn describe_failure(error: &JsValue) -> TransportError {
    let text = |value: &JsValue, key: &str| {
        Reflect::get(value, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
    };
    let name = text(error, "name").unwrap_or_default();
    let message = text(error, "message").unwrap_or_else(|| "fetch failed".to_string());
    if name == "AbortError" {
        return TransportError::Reset("the request was aborted".into());
    }
    let cause = Reflect::get(error, &JsValue::from_str("cause"))
        .ok()
        .filter(JsValue::is_object);
    let code = cause.as_ref().and_then(|cause| text(cause, "code"));
    let cause_message = cause.as_ref().and_then(|cause| text(cause, "message"));
    match code {
        Some(code)
            if code.contains("CERT")
                || code.starts_with("ERR_TLS")
                || code.starts_with("ERR_SSL")
                || code.contains("SELF_SIGNED") =>
        {
            TransportError::Tls(format!(
                "{code}; in Node.js set NODE_EXTRA_CA_CERTS to the MSR CA file"
            ))
        }
        Some(code) if code == "UND_ERR_SOCKET" || code == "ECONNRESET" || code == "EPIPE" => {
            TransportError::Reset(cause_message.unwrap_or(code))
        }
        Some(code) => TransportError::Connect(cause_message.unwrap_or(code)),
        None if message == "Failed to fetch" || message.starts_with("NetworkError") => {
            TransportError::Connect(format!(
                "{message} (network down, untrusted TLS certificate, or blocked by CORS)"
            ))
        }
        None => TransportError::Connect(cause_message.unwrap_or(message)),
    }
}

/// A `setTimeout` that aborts the request; cleared when dropped.
///
/// The timer calls the controller's own `abort` (bound to it), so no Rust closure has to
/// be kept alive for it; whether it fired is the signal's `aborted` flag (the only other
/// abort, for the size cap, ends the request with its own error).
struct Timer {
    handle: JsValue,
}

impl Timer {
    fn start(millis: u32, controller: &AbortController) -> Result<Self, TransportError> {
        let abort = controller
            .unchecked_ref::<Abortable>()
            .abort_method()
            .bind0(controller);
        let handle = set_timeout(abort.as_ref(), f64::from(millis))
            .map_err(|_| other_error("setTimeout failed"))?;
        Ok(Timer { handle })
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// An `AbortController`, for reading its `abort` method itself.
    type Abortable;

    /// `controller.abort`, the method itself (to be bound and handed to `setTimeout`).
    #[wasm_bindgen(method, getter, js_name = abort)]
    fn abort_method(this: &Abortable) -> Function;
}

impl Drop for Timer {
    fn drop(&mut self) {
        let _ = clear_timeout(&self.handle);
    }
}
