//! Why a request got no HTTP answer, as the browser itself names it.
//!
//! A page's `fetch` rejects with the same `TypeError` whether the server's certificate is
//! not trusted or nothing listens at the port. An extension with the `webRequest`
//! permission is told more: `webRequest.onErrorOccurred` hands it an error string, which
//! [`NetworkFailure::classify`] maps to a typed failure with a plain sentence each.
//!
//! The strings differ per browser (MDN: "an internal error string", not guaranteed to stay
//! the same):
//! - Chromium: `net::ERR_*` from `net/base/net_error_list.h`, e.g.
//!   `net::ERR_CERT_AUTHORITY_INVALID`, `net::ERR_CONNECTION_REFUSED`.
//! - Firefox (`ChannelWrapper::GetErrorString`): for a certificate or TLS failure the
//!   localized NSS message (`nsserrors.properties`, e.g. "Peer's Certificate issuer is not
//!   recognized."), else the name of the channel's status: `NS_ERROR_CONNECTION_REFUSED`,
//!   `NS_ERROR_UNKNOWN_HOST`, `NS_ERROR_NET_TIMEOUT`, or for a security status without a
//!   message `NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, SEC_ERROR_UNKNOWN_ISSUER)`.
//!   Firefox reports an unreachable host or network as `NS_ERROR_CONNECTION_REFUSED` too.
//!   Seen from Firefox ESR 153.8 (tests/e2e/firefox/test/tls.test.mjs): "The certificate
//!   is not trusted because it is self-signed." and `NS_ERROR_CONNECTION_REFUSED`. The
//!   messages follow Firefox's language; one not in English stays [`NetworkFailure::Other`].
//!
//! Codes are looked for anywhere in the string (so both `net::` prefixes and Firefox's
//! `NS_ERROR_GENERATE_FAILURE(…)` wrapper work); then the English NSS messages; anything
//! else is [`NetworkFailure::Other`] with the string as it came.

use std::fmt;

use serde::Serialize;

/// What the browser said went wrong before any HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkFailure {
    /// The server's certificate does not chain to an authority this browser trusts
    /// (unknown issuer, self-signed).
    CertificateUntrusted,
    /// The server's certificate (or its issuer's) has expired or is not valid yet.
    CertificateExpired,
    /// The server's certificate is not issued for the host name asked for.
    CertificateNameMismatch,
    /// The browser refused the certificate for another reason (revoked, weak key or
    /// signature, malformed, policy).
    CertificateRejected,
    /// The TLS handshake failed before a certificate was judged (no shared protocol or
    /// cipher, or the port does not speak TLS).
    TlsHandshake,
    /// The connection was refused: nothing listens at the address and port.
    Refused,
    /// The host name did not resolve.
    NameNotResolved,
    /// The connection attempt timed out.
    TimedOut,
    /// The address or network is unreachable, or the computer is offline.
    Unreachable,
    /// The connection was reset or closed before an answer arrived.
    Reset,
    /// A string not recognised, as the browser gave it.
    Other(String),
}

/// The kind of a [`NetworkFailure`] without its data: what the bindings hand out
/// (serialized as [`NetworkFailure::kind`]'s lower-camel-case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "tsify", derive(tsify_next::Tsify))]
#[non_exhaustive]
pub enum NetworkFailureKind {
    /// [`NetworkFailure::CertificateUntrusted`].
    CertificateUntrusted,
    /// [`NetworkFailure::CertificateExpired`].
    CertificateExpired,
    /// [`NetworkFailure::CertificateNameMismatch`].
    CertificateNameMismatch,
    /// [`NetworkFailure::CertificateRejected`].
    CertificateRejected,
    /// [`NetworkFailure::TlsHandshake`].
    TlsHandshake,
    /// [`NetworkFailure::Refused`].
    Refused,
    /// [`NetworkFailure::NameNotResolved`].
    NameNotResolved,
    /// [`NetworkFailure::TimedOut`].
    TimedOut,
    /// [`NetworkFailure::Unreachable`].
    Unreachable,
    /// [`NetworkFailure::Reset`].
    Reset,
    /// [`NetworkFailure::Other`]: a string not recognised.
    Other,
}

impl NetworkFailure {
    /// The failure an error string of `webRequest.onErrorOccurred` (Chromium or Firefox)
    /// names.
    pub fn classify(error: &str) -> Self {
        let by_code = error
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find_map(by_code);
        if let Some(failure) = by_code {
            return failure;
        }
        // ASCII only: the messages looked for are English, and `to_lowercase` would bring
        // Unicode's case tables into the npm package's .wasm (8.3 KB of its gzip -9).
        let lower = error.to_ascii_lowercase();
        MESSAGES
            .iter()
            .find(|(fragment, _)| lower.contains(fragment))
            .map(|(_, failure)| failure.clone())
            .unwrap_or_else(|| NetworkFailure::Other(error.trim().to_string()))
    }

    /// The kind, without the data.
    pub fn failure_kind(&self) -> NetworkFailureKind {
        use NetworkFailureKind as K;
        match self {
            NetworkFailure::CertificateUntrusted => K::CertificateUntrusted,
            NetworkFailure::CertificateExpired => K::CertificateExpired,
            NetworkFailure::CertificateNameMismatch => K::CertificateNameMismatch,
            NetworkFailure::CertificateRejected => K::CertificateRejected,
            NetworkFailure::TlsHandshake => K::TlsHandshake,
            NetworkFailure::Refused => K::Refused,
            NetworkFailure::NameNotResolved => K::NameNotResolved,
            NetworkFailure::TimedOut => K::TimedOut,
            NetworkFailure::Unreachable => K::Unreachable,
            NetworkFailure::Reset => K::Reset,
            NetworkFailure::Other(_) => K::Other,
        }
    }

    /// A stable lower-camel-case name.
    pub fn kind(&self) -> &'static str {
        match self {
            NetworkFailure::CertificateUntrusted => "certificateUntrusted",
            NetworkFailure::CertificateExpired => "certificateExpired",
            NetworkFailure::CertificateNameMismatch => "certificateNameMismatch",
            NetworkFailure::CertificateRejected => "certificateRejected",
            NetworkFailure::TlsHandshake => "tlsHandshake",
            NetworkFailure::Refused => "refused",
            NetworkFailure::NameNotResolved => "nameNotResolved",
            NetworkFailure::TimedOut => "timedOut",
            NetworkFailure::Unreachable => "unreachable",
            NetworkFailure::Reset => "reset",
            NetworkFailure::Other(_) => "other",
        }
    }

    /// The browser judged the server's certificate and refused it.
    pub fn is_certificate(&self) -> bool {
        matches!(
            self,
            NetworkFailure::CertificateUntrusted
                | NetworkFailure::CertificateExpired
                | NetworkFailure::CertificateNameMismatch
                | NetworkFailure::CertificateRejected
        )
    }

    /// Something accepted the connection at the address and port (it then failed in TLS,
    /// or closed it): the server side is there.
    pub fn connected(&self) -> bool {
        self.is_certificate()
            || matches!(self, NetworkFailure::TlsHandshake | NetworkFailure::Reset)
    }

    /// No connection was made at all: no server answered, so no certificate was seen.
    pub fn nothing_answered(&self) -> bool {
        matches!(
            self,
            NetworkFailure::Refused
                | NetworkFailure::NameNotResolved
                | NetworkFailure::TimedOut
                | NetworkFailure::Unreachable
        )
    }
}

impl fmt::Display for NetworkFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetworkFailure::CertificateUntrusted => f.write_str(
                "the server's certificate is not signed by an authority this browser trusts",
            ),
            NetworkFailure::CertificateExpired => f.write_str(
                "the server's certificate has expired or is not valid yet (or this computer's clock is wrong)",
            ),
            NetworkFailure::CertificateNameMismatch => {
                f.write_str("the server's certificate is not issued for this host name")
            }
            NetworkFailure::CertificateRejected => f.write_str(
                "this browser refused the server's certificate (revoked, weak or malformed)",
            ),
            NetworkFailure::TlsHandshake => f.write_str(
                "the TLS handshake failed: the port may not speak https, or no protocol version or cipher is shared",
            ),
            NetworkFailure::Refused => {
                f.write_str("the connection was refused: nothing listens at that address and port")
            }
            NetworkFailure::NameNotResolved => f.write_str("the host name does not resolve (DNS)"),
            NetworkFailure::TimedOut => f.write_str(
                "the connection timed out: a firewall, the VPN or a wrong address may be the cause",
            ),
            NetworkFailure::Unreachable => {
                f.write_str("the address is unreachable from this computer's network")
            }
            NetworkFailure::Reset => {
                f.write_str("the connection was reset or closed before an answer arrived")
            }
            NetworkFailure::Other(error) => write!(f, "the browser reported {error}"),
        }
    }
}

/// The failure one error code names (Chromium's `ERR_*` without `net::`, Firefox's
/// `NS_ERROR_*`, NSS's `SEC_ERROR_*` / `SSL_ERROR_*`, mozilla::pkix's
/// `MOZILLA_PKIX_ERROR_*`); `None` for a token that is no such code.
fn by_code(code: &str) -> Option<NetworkFailure> {
    use NetworkFailure::*;
    let failure = match code {
        "ERR_CERT_AUTHORITY_INVALID"
        | "SEC_ERROR_UNKNOWN_ISSUER"
        | "SEC_ERROR_UNTRUSTED_ISSUER"
        | "SEC_ERROR_UNTRUSTED_CERT"
        | "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT"
        | "MOZILLA_PKIX_ERROR_MITM_DETECTED" => CertificateUntrusted,
        "ERR_CERT_DATE_INVALID"
        | "SEC_ERROR_EXPIRED_CERTIFICATE"
        | "SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE"
        | "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE"
        | "MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE" => CertificateExpired,
        "ERR_CERT_COMMON_NAME_INVALID" | "SSL_ERROR_BAD_CERT_DOMAIN" => CertificateNameMismatch,
        "ERR_CONNECTION_REFUSED" | "NS_ERROR_CONNECTION_REFUSED" => Refused,
        "ERR_NAME_NOT_RESOLVED"
        | "ERR_NAME_RESOLUTION_FAILED"
        | "ERR_DNS_TIMED_OUT"
        | "NS_ERROR_UNKNOWN_HOST" => NameNotResolved,
        "ERR_CONNECTION_TIMED_OUT" | "ERR_TIMED_OUT" | "NS_ERROR_NET_TIMEOUT" => TimedOut,
        "ERR_ADDRESS_UNREACHABLE" | "ERR_INTERNET_DISCONNECTED" | "NS_ERROR_OFFLINE" => Unreachable,
        "ERR_CONNECTION_RESET"
        | "ERR_CONNECTION_CLOSED"
        | "ERR_CONNECTION_ABORTED"
        | "ERR_EMPTY_RESPONSE"
        | "NS_ERROR_NET_RESET"
        | "NS_ERROR_NET_INTERRUPT"
        | "NS_ERROR_NET_EMPTY_RESPONSE" => Reset,
        "NS_ERROR_NET_INADEQUATE_SECURITY" => TlsHandshake,
        // Every other certificate error: Chromium's ERR_CERT_* / ERR_CERTIFICATE_*
        // (revoked, weak, transparency), NSS's SEC_ERROR_* and mozilla::pkix's.
        c if c.starts_with("ERR_CERT")
            || c.starts_with("SEC_ERROR_")
            || c.starts_with("MOZILLA_PKIX_ERROR_") =>
        {
            CertificateRejected
        }
        c if c.starts_with("ERR_SSL_")
            || c.starts_with("ERR_BAD_SSL_")
            || c.starts_with("ERR_TLS")
            || c.starts_with("ERR_ECH_")
            || c.starts_with("SSL_ERROR_") =>
        {
            TlsHandshake
        }
        _ => return None,
    };
    Some(failure)
}

/// Fragments of Firefox's English NSS messages (`nsserrors.properties`), lowercase, for
/// the certificate failures Firefox reports as a message rather than a code.
const MESSAGES: &[(&str, NetworkFailure)] = &[
    // SEC_ERROR_UNKNOWN_ISSUER
    (
        "issuer is not recognized",
        NetworkFailure::CertificateUntrusted,
    ),
    // MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT
    (
        "not trusted because it is self-signed",
        NetworkFailure::CertificateUntrusted,
    ),
    // SEC_ERROR_UNTRUSTED_ISSUER, SEC_ERROR_UNTRUSTED_CERT
    (
        "marked as not trusted",
        NetworkFailure::CertificateUntrusted,
    ),
    // SEC_ERROR_EXPIRED_CERTIFICATE, SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE
    (
        "certificate has expired",
        NetworkFailure::CertificateExpired,
    ),
    // MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE
    (
        "certificate that is not yet valid",
        NetworkFailure::CertificateExpired,
    ),
    // SSL_ERROR_BAD_CERT_DOMAIN
    (
        "does not match the server's certificate",
        NetworkFailure::CertificateNameMismatch,
    ),
];

#[cfg(test)]
mod tests {
    use super::NetworkFailure::{self, *};

    #[test]
    fn chromium_codes() {
        let cases = [
            ("net::ERR_CERT_AUTHORITY_INVALID", CertificateUntrusted),
            ("net::ERR_CERT_DATE_INVALID", CertificateExpired),
            ("net::ERR_CERT_COMMON_NAME_INVALID", CertificateNameMismatch),
            ("net::ERR_CERT_REVOKED", CertificateRejected),
            (
                "net::ERR_CERT_WEAK_SIGNATURE_ALGORITHM",
                CertificateRejected,
            ),
            (
                "net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED",
                CertificateRejected,
            ),
            ("net::ERR_SSL_PROTOCOL_ERROR", TlsHandshake),
            ("net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH", TlsHandshake),
            ("net::ERR_BAD_SSL_CLIENT_AUTH_CERT", TlsHandshake),
            ("net::ERR_CONNECTION_REFUSED", Refused),
            ("net::ERR_NAME_NOT_RESOLVED", NameNotResolved),
            ("net::ERR_NAME_RESOLUTION_FAILED", NameNotResolved),
            ("net::ERR_CONNECTION_TIMED_OUT", TimedOut),
            ("net::ERR_TIMED_OUT", TimedOut),
            ("net::ERR_ADDRESS_UNREACHABLE", Unreachable),
            ("net::ERR_INTERNET_DISCONNECTED", Unreachable),
            ("net::ERR_CONNECTION_RESET", Reset),
            ("net::ERR_CONNECTION_CLOSED", Reset),
            ("net::ERR_EMPTY_RESPONSE", Reset),
            // Without the prefix too.
            ("ERR_CONNECTION_REFUSED", Refused),
        ];
        for (error, failure) in cases {
            assert_eq!(NetworkFailure::classify(error), failure, "{error}");
        }
    }

    #[test]
    fn firefox_names_and_messages() {
        let cases = [
            ("NS_ERROR_CONNECTION_REFUSED", Refused),
            ("NS_ERROR_UNKNOWN_HOST", NameNotResolved),
            ("NS_ERROR_NET_TIMEOUT", TimedOut),
            ("NS_ERROR_OFFLINE", Unreachable),
            ("NS_ERROR_NET_RESET", Reset),
            ("NS_ERROR_NET_INTERRUPT", Reset),
            ("NS_ERROR_NET_INADEQUATE_SECURITY", TlsHandshake),
            (
                "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, SEC_ERROR_UNKNOWN_ISSUER)",
                CertificateUntrusted,
            ),
            (
                "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT)",
                CertificateUntrusted,
            ),
            ("SEC_ERROR_EXPIRED_CERTIFICATE", CertificateExpired),
            (
                "MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE",
                CertificateExpired,
            ),
            ("SSL_ERROR_BAD_CERT_DOMAIN", CertificateNameMismatch),
            ("SEC_ERROR_REVOKED_CERTIFICATE", CertificateRejected),
            (
                "MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY",
                CertificateRejected,
            ),
            ("SSL_ERROR_NO_CYPHER_OVERLAP", TlsHandshake),
            ("SSL_ERROR_RX_RECORD_TOO_LONG", TlsHandshake),
            // The English NSS messages (nsserrors.properties).
            (
                "Peer's Certificate issuer is not recognized.",
                CertificateUntrusted,
            ),
            (
                "The certificate is not trusted because it is self-signed.",
                CertificateUntrusted,
            ),
            (
                "Peer's certificate issuer has been marked as not trusted by the user.",
                CertificateUntrusted,
            ),
            ("Peer's Certificate has expired.", CertificateExpired),
            (
                "The server presented a certificate that is not yet valid.",
                CertificateExpired,
            ),
            (
                "Unable to communicate securely with peer: requested domain name does not match the server's certificate.",
                CertificateNameMismatch,
            ),
        ];
        for (error, failure) in cases {
            assert_eq!(NetworkFailure::classify(error), failure, "{error}");
        }
    }

    #[test]
    fn unknown_strings_are_kept_as_they_came() {
        for error in [
            "net::ERR_ABORTED",
            "net::ERR_FAILED",
            "NS_BINDING_ABORTED",
            "NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY, 4242)",
            "Le certificat n'est pas sûr",
            "",
        ] {
            assert_eq!(
                NetworkFailure::classify(&format!(" {error} ")),
                Other(error.to_string()),
                "{error}"
            );
        }
        assert_eq!(
            Other("net::ERR_ABORTED".into()).to_string(),
            "the browser reported net::ERR_ABORTED"
        );
    }

    #[test]
    fn what_each_failure_says_about_the_server() {
        // (failure, certificate refused, something connected, nothing answered, kind)
        let cases = [
            (
                CertificateUntrusted,
                true,
                true,
                false,
                "certificateUntrusted",
            ),
            (CertificateExpired, true, true, false, "certificateExpired"),
            (
                CertificateNameMismatch,
                true,
                true,
                false,
                "certificateNameMismatch",
            ),
            (
                CertificateRejected,
                true,
                true,
                false,
                "certificateRejected",
            ),
            (TlsHandshake, false, true, false, "tlsHandshake"),
            (Reset, false, true, false, "reset"),
            (Refused, false, false, true, "refused"),
            (NameNotResolved, false, false, true, "nameNotResolved"),
            (TimedOut, false, false, true, "timedOut"),
            (Unreachable, false, false, true, "unreachable"),
            (Other("x".into()), false, false, false, "other"),
        ];
        for (failure, certificate, connected, nothing, kind) in cases {
            assert_eq!(failure.is_certificate(), certificate, "{failure:?}");
            assert_eq!(failure.connected(), connected, "{failure:?}");
            assert_eq!(failure.nothing_answered(), nothing, "{failure:?}");
            assert_eq!(failure.kind(), kind);
            assert_eq!(
                serde_json::to_value(failure.failure_kind()).unwrap(),
                serde_json::Value::from(kind)
            );
            let sentence = failure.to_string();
            assert!(
                sentence.starts_with(char::is_lowercase),
                "{failure:?}: {sentence}"
            );
        }
    }
}
