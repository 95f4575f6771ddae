//! The user's credentials: a user name and a password or an MSR access token.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;

/// What kind of secret the user entered. Access tokens are recommended: they can be
/// revoked on their own and work everywhere the password does (msr-api.md §4, §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    /// The account password.
    Password,
    /// An MSR access token (used in place of the password in HTTP basic auth).
    AccessToken,
}

/// A user name with a password or access token.
///
/// `Debug` and `Display` never show the secret; read it only through
/// [`Credentials::secret`] where it is really sent.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    username: String,
    secret: String,
    kind: SecretKind,
}

impl Credentials {
    /// Credentials with a password.
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            secret: password.into(),
            kind: SecretKind::Password,
        }
    }

    /// Credentials with an MSR access token.
    pub fn access_token(username: impl Into<String>, token: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            secret: token.into(),
            kind: SecretKind::AccessToken,
        }
    }

    /// The user name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password or access token. Call only where it is sent.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Whether the secret is a password or an access token.
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// The `Authorization: Basic ...` header value, marked sensitive so that `http`'s
    /// `Debug` output of a request hides it.
    pub fn basic_header(&self) -> HeaderValue {
        let raw = format!("{}:{}", self.username, self.secret);
        let encoded = format!("Basic {}", STANDARD.encode(raw.as_bytes()));
        let mut value =
            HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static("Basic"));
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .field("kind", &self.kind)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            SecretKind::Password => "password",
            SecretKind::AccessToken => "access token",
        };
        write!(f, "{} (with {what})", self.username)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact_the_secret() {
        let c = Credentials::password("admin", "hunter2-very-secret");
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!format!("{c}").contains("hunter2"));
        assert_eq!(c.secret(), "hunter2-very-secret");
        let t = Credentials::access_token("ci-bot", "0f0e-token");
        assert_eq!(t.to_string(), "ci-bot (with access token)");
    }

    #[test]
    fn basic_header_is_encoded_and_sensitive() {
        let c = Credentials::password("demo", "secret");
        let h = c.basic_header();
        assert_eq!(h.to_str().unwrap(), "Basic ZGVtbzpzZWNyZXQ=");
        assert!(h.is_sensitive());
    }
}
