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

/// Whether `needle` occurs in `text`, compared byte by byte: `str::contains` without the
/// substring searcher it brings into the npm package's WebAssembly (the messages searched
/// are a few dozen bytes). An empty needle occurs everywhere.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn contains(text: &str, needle: &str) -> bool {
    let needle = needle.as_bytes();
    needle.is_empty() || text.as_bytes().windows(needle.len()).any(|w| w == needle)
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
    use super::contains;

    /// Every string of up to five characters over an alphabet that makes partial and
    /// overlapping matches (and a multi-byte character), against `str::contains`.
    #[test]
    fn contains_agrees_with_str_contains() {
        const ALPHABET: [char; 8] = ['C', 'E', 'R', 'T', 'S', '_', 'L', 'é'];
        const NEEDLES: [&str; 8] = ["CERT", "SELF_SIGNED", "ERR_TLS", "C", "CC", "TT", "é", ""];
        let mut texts = vec![String::new()];
        let mut frontier = texts.clone();
        for _ in 0..5 {
            let mut longer = Vec::new();
            for text in &frontier {
                for c in ALPHABET {
                    let mut next = text.clone();
                    next.push(c);
                    longer.push(next);
                }
            }
            texts.extend(longer.iter().cloned());
            frontier = longer;
        }
        let mut checked = 0;
        texts.push("DEPTH_ZERO_SELF_SIGNED_CERT".to_string());
        texts.push("UNABLE_TO_GET_ISSUER_CERT_LOCALLY".to_string());
        for text in &texts {
            for needle in NEEDLES {
                assert_eq!(
                    contains(text, needle),
                    text.contains(needle),
                    "{text:?} {needle:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 100_000, "{checked}");
    }
}
