/// Why a request got no HTTP response. Messages never contain credentials or tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The request took longer than the configured timeout.
    #[error("timed out after {millis} ms")]
    Timeout {
        /// The timeout that elapsed.
        millis: u64,
    },
    /// The host name did not resolve or the connection was refused.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// TLS failed, usually because the MSR CA is not trusted.
    #[error("TLS failed (is the MSR CA trusted?): {0}")]
    Tls(String),
    /// The connection broke before a whole response arrived.
    #[error("connection reset or closed early: {0}")]
    Reset(String),
    /// The response body was larger than the configured cap.
    #[error("response larger than the {limit}-byte cap")]
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The request was refused before sending, e.g. credentials for a foreign origin.
    #[error("request refused: {0}")]
    Refused(String),
    /// Anything else the HTTP stack reported.
    #[error("{0}")]
    Other(String),
}

impl TransportError {
    /// A stable kind name, matching the JavaScript error kinds.
    pub fn kind(&self) -> &'static str {
        match self {
            TransportError::Timeout { .. } => "timeout",
            TransportError::Tls(_) => "tls",
            TransportError::TooLarge { .. } => "tooLarge",
            TransportError::Refused(_) => "refused",
            TransportError::Connect(_) | TransportError::Reset(_) | TransportError::Other(_) => {
                "network"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_wording() {
        let cases = [
            (
                TransportError::Timeout { millis: 50 },
                "timed out after 50 ms",
            ),
            (TransportError::Connect("x".into()), "cannot connect: x"),
            (
                TransportError::Tls("x".into()),
                "TLS failed (is the MSR CA trusted?): x",
            ),
            (
                TransportError::Reset("x".into()),
                "connection reset or closed early: x",
            ),
            (
                TransportError::TooLarge { limit: 1024 },
                "response larger than the 1024-byte cap",
            ),
            (TransportError::Refused("x".into()), "request refused: x"),
            (TransportError::Other("x".into()), "x"),
        ];
        for (error, text) in cases {
            assert_eq!(error.to_string(), text);
        }
    }
}
