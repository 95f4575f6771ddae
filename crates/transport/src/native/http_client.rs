use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use msr_lens_core::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use ureq::http;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use crate::{DEFAULT_MAX_BODY_BYTES, TransportError};

/// How the native client connects.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Whole-request timeout (connect, send, receive).
    pub timeout: Duration,
    /// Largest accepted response body in bytes.
    pub max_body_bytes: usize,
    /// PEM certificates to trust instead of the public web roots (the MSR CA).
    pub ca_pem: Option<Vec<u8>>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(15),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            ca_pem: None,
        }
    }
}

/// A blocking HTTP client that executes core requests. It keeps connections alive,
/// never follows redirects (an SSO redirect must be seen, and credentials must not follow
/// it elsewhere) and treats every HTTP status as a response, not an error.
#[derive(Debug, Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
    config: HttpConfig,
}

impl HttpClient {
    /// A client with the given configuration.
    pub fn new(config: HttpConfig) -> Result<Self, TransportError> {
        let mut tls = TlsConfig::builder();
        if let Some(pem) = &config.ca_pem {
            let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(TransportError::Tls("no certificate in the CA file".into()));
            }
            tls = tls.root_certs(RootCerts::Specific(Arc::new(certs)));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .save_redirect_history(false)
            .tls_config(tls.build())
            .build()
            .new_agent();
        Ok(HttpClient { agent, config })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    /// Send `request` and read the whole response (up to the size cap).
    pub fn execute(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let timeout_ms = u64::try_from(self.config.timeout.as_millis()).unwrap_or(u64::MAX);
        let response = self
            .agent
            .run(to_ureq(request)?)
            .map_err(|e| map_error(e, timeout_ms, self.config.max_body_bytes))?;
        let (parts, body) = response.into_parts();
        let limit = self.config.max_body_bytes;
        let mut bytes = Vec::new();
        let mut reader = body
            .into_with_config()
            .limit(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
            .reader();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| map_io(&e, timeout_ms, limit))?;
        if bytes.len() > limit {
            return Err(TransportError::TooLarge { limit });
        }
        from_ureq(&parts, bytes)
    }
}

/// The core's request as the `http` crate's, for ureq; sensitive values stay sensitive.
fn to_ureq(request: Request<Vec<u8>>) -> Result<http::Request<Vec<u8>>, TransportError> {
    let refused = |what: &str| TransportError::Refused(format!("ureq refuses {what}"));
    let (parts, body) = request.into_parts();
    let mut out = http::Request::builder()
        .method(parts.method.as_str())
        .uri(parts.uri.to_string())
        .body(body)
        .map_err(|e| refused(&format!("the request: {e}")))?;
    for (name, value) in &parts.headers {
        let name = http::HeaderName::from_bytes(name.as_str().as_bytes())
            .map_err(|_| refused(&format!("header {name}")))?;
        let mut converted = http::HeaderValue::from_bytes(value.as_bytes())
            .map_err(|_| refused(&format!("the value of header {name}")))?;
        converted.set_sensitive(value.is_sensitive());
        out.headers_mut().append(name, converted);
    }
    Ok(out)
}

/// ureq's response head with the body read, as the core's response.
fn from_ureq(
    parts: &http::response::Parts,
    body: Vec<u8>,
) -> Result<Response<Vec<u8>>, TransportError> {
    let mut out = Response::new(body);
    *out.status_mut() = StatusCode::from_u16(parts.status.as_u16())
        .map_err(|_| TransportError::Other(format!("invalid HTTP status {}", parts.status)))?;
    for (name, value) in &parts.headers {
        // Every name and value the `http` crate holds is valid here too.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.headers_mut().append(name, value);
        }
    }
    Ok(out)
}

fn map_io(error: &std::io::Error, timeout_ms: u64, limit: usize) -> TransportError {
    use std::io::ErrorKind;
    if let Some(inner) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<ureq::Error>())
    {
        return map_error_ref(inner, timeout_ms, limit);
    }
    match error.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => {
            TransportError::Timeout { millis: timeout_ms }
        }
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof => TransportError::Reset(error.kind().to_string()),
        ErrorKind::ConnectionRefused | ErrorKind::NotFound => {
            TransportError::Connect(error.kind().to_string())
        }
        _ => TransportError::Other(error.to_string()),
    }
}

fn map_error(error: ureq::Error, timeout_ms: u64, limit: usize) -> TransportError {
    map_error_ref(&error, timeout_ms, limit)
}

fn map_error_ref(error: &ureq::Error, timeout_ms: u64, limit: usize) -> TransportError {
    match error {
        ureq::Error::Timeout(_) => TransportError::Timeout { millis: timeout_ms },
        ureq::Error::HostNotFound => TransportError::Connect("host not found".into()),
        ureq::Error::ConnectionFailed => TransportError::Connect("connection failed".into()),
        ureq::Error::Io(io) => map_io(io, timeout_ms, limit),
        ureq::Error::Tls(msg) => TransportError::Tls((*msg).to_string()),
        ureq::Error::Rustls(e) => TransportError::Tls(e.to_string()),
        ureq::Error::BodyExceedsLimit(_) => TransportError::TooLarge { limit },
        ureq::Error::Protocol(e) => TransportError::Reset(e.to_string()),
        other => TransportError::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use msr_lens_core::auth::Credentials;
    use msr_lens_core::http::header::AUTHORIZATION;

    use super::*;

    #[test]
    fn credentials_stay_sensitive_in_the_request_handed_to_ureq() {
        let credentials = Credentials::password("admin", "hunter2");
        let mut request = Request::get("https://msr.example.org/api/v0/x")
            .header("accept", "application/json")
            .body(Vec::new())
            .unwrap();
        request
            .headers_mut()
            .insert(AUTHORIZATION, credentials.basic_header());
        let converted = to_ureq(request).unwrap();
        let auth = converted
            .headers()
            .get(http::header::AUTHORIZATION)
            .unwrap();
        assert!(auth.is_sensitive());
        assert_eq!(auth.as_bytes(), credentials.basic_header().as_bytes());
        assert!(!converted.headers()["accept"].is_sensitive());
        assert!(!format!("{converted:?}").contains("YWRtaW46aHVudGVyMg"));
        assert_eq!(converted.uri(), "https://msr.example.org/api/v0/x");
    }
}
