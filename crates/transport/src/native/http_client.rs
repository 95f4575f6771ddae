use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

use crate::{DEFAULT_MAX_BODY_BYTES, TransportError};

/// The input buffer of each connection (ureq's default is 128 KiB); the output buffer and
/// the largest response header accepted are half of it.
const IO_BUFFER_BYTES: usize = 32 * 1024;

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
            // ureq gives every connection an input and an output buffer of 128 KiB, twice
            // over TLS (the TCP and the TLS layer), and pools up to 10 idle connections: a
            // health check's parallel requests left about 3 MiB per client resident. MSR's
            // answers come through nginx, whose headers fit in 8 KiB; requests are GETs.
            .input_buffer_size(IO_BUFFER_BYTES)
            .output_buffer_size(IO_BUFFER_BYTES / 2)
            .max_response_header_size(IO_BUFFER_BYTES / 2)
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
            .run(request)
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
        Ok(Response::from_parts(parts, bytes))
    }
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
