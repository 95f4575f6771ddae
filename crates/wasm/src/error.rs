//! One error type for JavaScript: every failure becomes an `Error` with a stable `kind`.

use std::fmt;

use msr_lens_core::ApiError;
use msr_lens_core::auth::AuthError;
use msr_lens_core::changefeed::{Failure, FeedError, PageError};
use msr_lens_core::health::ClusterStatusError;
use msr_lens_transport::TransportError;
use serde::Serialize;
use tsify_next::Tsify;

/// The stable `kind` of an `MsrLensError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub enum MsrLensErrorKind {
    /// No or bad credentials (HTTP 401, or the token service refused them).
    Unauthenticated,
    /// Signed in, but not allowed (HTTP 403).
    Forbidden,
    /// The token grants no access to the changefeed.
    NoAccess,
    /// HTTP 404.
    NotFound,
    /// Another HTTP 4xx.
    BadRequest,
    /// HTTP 429.
    RateLimited,
    /// HTTP 502–504, or MSR's own check failed.
    Unavailable,
    /// Another HTTP 5xx.
    ServerError,
    /// An answer MSR never sends (HTML, not JSON, not a page).
    BadResponse,
    /// No answer: DNS, connection refused or reset, CORS.
    Network,
    /// TLS failed (Node.js; browsers report it as `network`).
    Tls,
    /// No answer in time.
    Timeout,
    /// The answer was larger than `maxBodyBytes`.
    TooLarge,
    /// Not sent: credentials aimed at another origin.
    Refused,
    /// The token service's token was refused by the registry.
    TokenRejected,
    /// The registry named a token service on another origin.
    ForeignRealm,
    /// A token was asked for a request to another origin.
    ForeignRequest,
    /// The record a changefeed walk is anchored on is gone: call `recover()`.
    CursorVanished,
    /// The caller's input is unusable.
    InvalidArgument,
    /// A bug in this package.
    Internal,
}

impl MsrLensErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [MsrLensErrorKind; 20] = [
        MsrLensErrorKind::Unauthenticated,
        MsrLensErrorKind::Forbidden,
        MsrLensErrorKind::NoAccess,
        MsrLensErrorKind::NotFound,
        MsrLensErrorKind::BadRequest,
        MsrLensErrorKind::RateLimited,
        MsrLensErrorKind::Unavailable,
        MsrLensErrorKind::ServerError,
        MsrLensErrorKind::BadResponse,
        MsrLensErrorKind::Network,
        MsrLensErrorKind::Tls,
        MsrLensErrorKind::Timeout,
        MsrLensErrorKind::TooLarge,
        MsrLensErrorKind::Refused,
        MsrLensErrorKind::TokenRejected,
        MsrLensErrorKind::ForeignRealm,
        MsrLensErrorKind::ForeignRequest,
        MsrLensErrorKind::CursorVanished,
        MsrLensErrorKind::InvalidArgument,
        MsrLensErrorKind::Internal,
    ];

    /// The kind's name, as JavaScript sees it (`"noAccess"`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// A failure on its way to JavaScript, where it becomes an `Error` named `MsrLensError`
/// with `kind`, `status` (the HTTP status, when there was an answer) and `code` (the
/// server's error code, when it sent one).
///
/// Its `kind` is the name of one [`MsrLensErrorKind`].
///
/// Messages never contain a password or token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LensError {
    /// The stable kind: the name of one [`MsrLensErrorKind`].
    pub kind: &'static str,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// The server's error code (`NOT_AUTHENTICATED`, `UNAUTHORIZED`, ...), when sent.
    pub code: Option<String>,
    /// A sentence for people.
    pub message: String,
}

impl LensError {
    /// An error of `kind` with a message and no HTTP answer.
    #[inline(never)]
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        LensError {
            kind,
            status: None,
            code: None,
            message: message.into(),
        }
    }

    /// The caller passed something unusable.
    #[inline(never)]
    pub fn invalid(message: impl Into<String>) -> Self {
        LensError::new("invalidArgument", message)
    }

    /// A normalised error answer, with `context` (what was asked) in front of its text.
    pub fn api(context: &str, error: &ApiError) -> Self {
        LensError::answered(
            error.kind.as_str(),
            Some(error),
            format!("{context}: {error}"),
        )
    }

    /// An error of `kind` with the status and code of `api`, MSR's answer if there was
    /// one: one copy of that for every error that may carry an answer.
    #[inline(never)]
    fn answered(kind: &'static str, api: Option<&ApiError>, message: String) -> Self {
        LensError {
            kind,
            status: api.map(|e| e.status),
            code: api.and_then(|e| e.code.clone()),
            message,
        }
    }
}

/// `prefix` followed by `detail`'s message (the text its `Display` writes).
pub(crate) fn prefixed(prefix: &str, detail: &dyn fmt::Display) -> String {
    format!("{prefix}{detail}")
}

/// `what` is not a plain object.
#[cfg(target_arch = "wasm32")]
pub(crate) fn not_an_object(what: &str) -> LensError {
    LensError::invalid(format!("{what} must be a plain object"))
}

impl fmt::Display for LensError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<TransportError> for LensError {
    fn from(error: TransportError) -> Self {
        LensError::new(error.kind(), error.to_string())
    }
}

impl From<AuthError> for LensError {
    fn from(error: AuthError) -> Self {
        LensError::answered(error.kind(), error.api_error(), prefixed("", &error))
    }
}

impl LensError {
    /// A changefeed error; `transport_kind` is the kind of the last transport failure,
    /// which the pager only knows as "network" or "other", and `auth_kind` the kind of
    /// the last token-flow failure, which it only knows as "unauthenticated" (a foreign
    /// realm, a rejected token, ...).
    pub fn feed(
        error: &FeedError,
        transport_kind: Option<&'static str>,
        auth_kind: Option<&'static str>,
    ) -> Self {
        match error {
            FeedError::Page(PageError::Api(api)) => LensError::api("changefeed", api),
            FeedError::Page(page) => LensError {
                kind: page.kind().as_str(),
                status: page.api().map(|e| e.status),
                code: None,
                message: prefixed("changefeed: ", page),
            },
            FeedError::Failure(failure) => {
                let kind = match failure {
                    Failure::Timeout => "timeout",
                    Failure::Unauthenticated(_) => auth_kind.unwrap_or("unauthenticated"),
                    Failure::NoAccess(_) => "noAccess",
                    Failure::Network(_) => transport_kind.unwrap_or("network"),
                    _ => transport_kind.unwrap_or("unavailable"),
                };
                LensError::new(kind, prefixed("changefeed: ", failure))
            }
            _ => LensError::new("internal", prefixed("changefeed: ", error)),
        }
    }
}

impl From<ClusterStatusError> for LensError {
    fn from(error: ClusterStatusError) -> Self {
        let kind = match &error {
            ClusterStatusError::NotAuthenticated(_) => "unauthenticated",
            ClusterStatusError::NotAdmin(_) => "forbidden",
            ClusterStatusError::CheckFailed(_) => "unavailable",
            ClusterStatusError::Http(e) => e.kind.as_str(),
            _ => "badResponse",
        };
        LensError::answered(
            kind,
            error.api_error(),
            prefixed("cluster status: ", &error),
        )
    }
}

#[cfg(target_arch = "wasm32")]
impl From<LensError> for wasm_bindgen::JsValue {
    fn from(error: LensError) -> Self {
        use wasm_bindgen::JsCast;

        let js = js_sys::Error::new(&error.message);
        js.set_name("MsrLensError");
        let fields: &js::ErrorFields = js.unchecked_ref();
        fields.set_kind(error.kind);
        if let Some(status) = error.status {
            fields.set_status(status);
        }
        if let Some(code) = &error.code {
            fields.set_code(code);
        }
        js.into()
    }
}

#[cfg(target_arch = "wasm32")]
mod js {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// An `MsrLensError`'s own properties, set directly (no key strings cross the
        /// boundary).
        pub(super) type ErrorFields;

        #[wasm_bindgen(method, setter)]
        pub(super) fn set_kind(this: &ErrorFields, kind: &str);

        #[wasm_bindgen(method, setter)]
        pub(super) fn set_status(this: &ErrorFields, status: u16);

        #[wasm_bindgen(method, setter)]
        pub(super) fn set_code(this: &ErrorFields, code: &str);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, StatusCode};

    #[test]
    fn api_errors_keep_kind_status_and_code() {
        let body = br#"{"code":"NOT_AUTHENTICATED","message":"The client is not authenticated."}"#;
        let api = ApiError::from_parts(StatusCode::UNAUTHORIZED, &HeaderMap::new(), body);
        let e = LensError::api("nginx status", &api);
        assert_eq!(e.kind, "unauthenticated");
        assert_eq!(e.status, Some(401));
        assert_eq!(e.code.as_deref(), Some("NOT_AUTHENTICATED"));
        assert!(e.message.starts_with("nginx status: HTTP 401"), "{e}");
    }

    #[test]
    fn cluster_errors_map_to_stable_kinds() {
        let forbidden = ApiError::from_parts(
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            br#"{"errors":[{"code":"NOT_AUTHORIZED","message":"no"}]}"#,
        );
        let e = LensError::from(ClusterStatusError::NotAdmin(forbidden));
        assert_eq!((e.kind, e.status), ("forbidden", Some(403)));
        let busy = ApiError::from_parts(
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            br#"{"errors":[{"code":"STATUS_CHECK_FAILED","message":"rethink"}]}"#,
        );
        let e = LensError::from(ClusterStatusError::CheckFailed(busy));
        assert_eq!(e.kind, "unavailable");
        assert_eq!(e.code.as_deref(), Some("STATUS_CHECK_FAILED"));
    }

    #[test]
    fn every_kind_the_crates_produce_is_declared() {
        use msr_lens_core::ErrorKind;
        let declared: Vec<String> = MsrLensErrorKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(declared.len(), 20);
        assert!(declared.iter().all(|name| !name.is_empty()));
        let produced = [
            ErrorKind::Unauthenticated,
            ErrorKind::Forbidden,
            ErrorKind::NotFound,
            ErrorKind::BadRequest,
            ErrorKind::RateLimited,
            ErrorKind::Unavailable,
            ErrorKind::ServerError,
            ErrorKind::UnexpectedBody,
        ]
        .map(ErrorKind::as_str);
        let transport = [
            TransportError::Timeout { millis: 1 },
            TransportError::Connect(String::new()),
            TransportError::Tls(String::new()),
            TransportError::Reset(String::new()),
            TransportError::TooLarge { limit: 1 },
            TransportError::Refused(String::new()),
            TransportError::Other(String::new()),
        ]
        .map(|e| e.kind());
        for kind in produced.iter().chain(&transport) {
            assert!(declared.iter().any(|d| d == kind), "{kind} is not declared");
        }
    }

    #[test]
    fn transport_errors_have_no_status() {
        let e = LensError::from(TransportError::Timeout { millis: 50 });
        assert_eq!((e.kind, e.status), ("timeout", None));
        assert_eq!(e.message, "timed out after 50 ms");
    }
}
