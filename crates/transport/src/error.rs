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
                push_decimal(&mut text, *millis);
                text.push_str(" ms");
                return text;
            }
            TransportError::TooLarge { limit } => {
                let mut text = String::from("response larger than the ");
                push_decimal(&mut text, u64::try_from(*limit).unwrap_or(u64::MAX));
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

/// Append `value` in decimal to `out`, as `value.to_string()` writes it but without
/// `core::fmt` (shared with the npm bindings, which build their messages the same way).
pub fn push_decimal(out: &mut String, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        // `value % 10` is below 10.
        #[allow(clippy::cast_possible_truncation)]
        let digit = (value % 10) as u8;
        if let Some(slot) = digits.get_mut(start) {
            *slot = b'0' + digit;
        }
        value /= 10;
        if value == 0 || start == 0 {
            break;
        }
    }
    for &digit in digits.get(start..).unwrap_or_default() {
        out.push(char::from(digit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_decimal_writes_what_to_string_writes() {
        let mut cases = vec![0, 1, 9, 10, 99, 100, u64::MAX, u64::MAX - 1, 1 << 63];
        for power in 0..20 {
            let p = 10u64.pow(power);
            cases.extend([p, p - 1, p + 1]);
        }
        // A fixed linear congruential sequence: many magnitudes, reproducible.
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..100_000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            cases.push(x >> (x % 64));
        }
        for value in cases {
            let mut out = String::from("x");
            push_decimal(&mut out, value);
            assert_eq!(out, format!("x{value}"));
        }
    }

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
