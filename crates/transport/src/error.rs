/// Why a request got no HTTP response. Messages never contain credentials or tokens.
///
/// `Display` writes [`TransportError::message`], which is built without `core::fmt` (the
/// npm package's `.wasm` is smaller without it); the `Message:` notes below give each
/// variant's wording, and a test holds `message` to them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("{}", self.message())]
pub enum TransportError {
    /// The request took longer than the configured timeout.
    // Message: "timed out after {millis} ms"
    Timeout {
        /// The timeout that elapsed.
        millis: u64,
    },
    /// The host name did not resolve or the connection was refused.
    // Message: "cannot connect: {0}"
    Connect(String),
    /// TLS failed, usually because the MSR CA is not trusted.
    // Message: "TLS failed (is the MSR CA trusted?): {0}"
    Tls(String),
    /// The connection broke before a whole response arrived.
    // Message: "connection reset or closed early: {0}"
    Reset(String),
    /// The response body was larger than the configured cap.
    // Message: "response larger than the {limit}-byte cap"
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The request was refused before sending, e.g. credentials for a foreign origin.
    // Message: "request refused: {0}"
    Refused(String),
    /// Anything else the HTTP stack reported.
    // Message: "{0}"
    Other(String),
}

impl TransportError {
    /// The message for people (what `Display` writes).
    pub fn message(&self) -> String {
        let (prefix, detail) = match self {
            TransportError::Timeout { millis } => {
                let mut text = String::from("timed out after ");
                msr_lens_core::push_u64(&mut text, *millis);
                text.push_str(" ms");
                return text;
            }
            TransportError::TooLarge { limit } => {
                let mut text = String::from("response larger than the ");
                msr_lens_core::push_u64(&mut text, u64::try_from(*limit).unwrap_or(u64::MAX));
                text.push_str("-byte cap");
                return text;
            }
            TransportError::Connect(detail) => ("cannot connect: ", detail),
            TransportError::Tls(detail) => ("TLS failed (is the MSR CA trusted?): ", detail),
            TransportError::Reset(detail) => ("connection reset or closed early: ", detail),
            TransportError::Refused(detail) => ("request refused: ", detail),
            TransportError::Other(detail) => ("", detail),
        };
        [prefix, detail.as_str()].concat()
    }

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
            assert_eq!(error.message(), text);
            assert_eq!(error.to_string(), text);
        }
    }
}
