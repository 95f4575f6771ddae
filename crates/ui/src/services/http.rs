//! The extension's one door to the network: `msr-lens-transport`'s fetch client (global
//! `fetch`, so it works in pages and in the service worker; no cookies, no cache, manual
//! redirects, a timeout, a size cap, credentials only to the configured origin), behind
//! an allow-list: a request whose origin the user did not configure is refused before
//! anything is sent.

use http::{Request, Response};

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

/// Send `request` if its origin is one of `allowed`, waiting at most `timeout_ms`.
pub async fn send(
    request: Request<Vec<u8>>,
    allowed: &[Origin],
    timeout_ms: i32,
) -> Result<Response<Vec<u8>>, FetchError> {
    let Some(origin) = allowed.iter().find(|o| o.same_origin(request.uri())) else {
        return Err(FetchError::Refused);
    };
    #[cfg(target_arch = "wasm32")]
    {
        use msr_lens_transport::TransportError;
        use msr_lens_transport::wasm::{FetchClient, FetchConfig};
        let mut config = FetchConfig::new(origin.clone());
        config.timeout_ms = u32::try_from(timeout_ms).unwrap_or(10_000);
        config.max_body_bytes = MAX_BODY as usize;
        FetchClient::new(config)
            .execute(request)
            .await
            .map_err(|error| match error {
                TransportError::Timeout { .. } => FetchError::Timeout,
                TransportError::TooLarge { .. } => FetchError::TooLarge,
                TransportError::Refused(_) => FetchError::Refused,
                other => FetchError::Network(other.to_string()),
            })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (request, origin, timeout_ms);
        Err(FetchError::Network(
            "fetch is only available in a browser".into(),
        ))
    }
}
