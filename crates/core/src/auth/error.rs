//! Why the token flow ended a call.

use crate::auth::challenge::ChallengeError;
use crate::auth::jwt::Grants;
use crate::auth::scope::Scope;
use crate::error::ApiError;

/// Why the token flow ended a call instead of producing the resource's response.
///
/// `Display` never shows a password or token; [`AuthError::kind`] is a stable name for
/// JavaScript errors and UI texts.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The token service rejected the credentials (401, usually `{"details":"..."}`).
    /// Also returned when no credentials were given and the service wants some.
    #[error("the token service rejected the credentials: {0}")]
    BadCredentials(Box<ApiError>),
    /// A token was issued, but it does not grant what the resource asked for: the user
    /// is signed in (or anonymous, see `subject`) and has no access. Not a failure of
    /// the server.
    #[error("{}no access to {}; the token grants {granted}", who(subject.as_deref()), scope_text(scope.as_ref()))]
    NoAccess {
        /// The scope that was asked for and not granted, when known.
        scope: Option<Scope>,
        /// What the token does grant.
        granted: Grants,
        /// The account the token was issued to (`None` or empty: anonymous).
        subject: Option<String>,
    },
    /// The token service failed: 5xx, an HTML page, or a body that is not a token.
    #[error("the token service failed: {0}")]
    TokenService(Box<ApiError>),
    /// The resource rejected a token the token service had just issued (for example
    /// signer, issuer or audience misconfigured, or clocks far apart).
    #[error("the server rejected a freshly issued token: {0}")]
    TokenRejected(Box<ApiError>),
    /// The challenge names a token service on another origin. Nothing was sent there:
    /// credentials are only ever sent to the configured origin.
    #[error("the token service {realm} is not on the configured origin; nothing was sent to it")]
    ForeignRealm {
        /// The realm URL of the challenge.
        realm: String,
    },
    /// The challenge's realm is not an absolute `http`/`https` URL.
    #[error("the token realm is not an absolute http(s) url: {realm}")]
    BadRealm {
        /// The realm as sent.
        realm: String,
    },
    /// The `WWW-Authenticate` header of a 401 could not be understood.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
    /// The request handed to the authenticator is not on the configured origin; it was
    /// not sent.
    #[error("the request is not for the configured origin; it was not sent")]
    ForeignRequest,
}

impl AuthError {
    /// A stable lower-camel-case name for this error.
    ///
    /// `unauthenticated` (bad credentials), `noAccess`, `tokenRejected`, `foreignRealm`,
    /// `foreignRequest`, `badResponse` (an unusable challenge or token answer), and for
    /// token service failures the kind of its answer: `unavailable`, `serverError`,
    /// `badResponse`, ... (see [`crate::ErrorKind::as_str`]).
    pub fn kind(&self) -> &'static str {
        match self {
            AuthError::BadCredentials(_) => "unauthenticated",
            AuthError::NoAccess { .. } => "noAccess",
            AuthError::TokenService(e) => e.kind.as_str(),
            AuthError::TokenRejected(_) => "tokenRejected",
            AuthError::ForeignRealm { .. } => "foreignRealm",
            AuthError::BadRealm { .. } | AuthError::Challenge(_) => "badResponse",
            AuthError::ForeignRequest => "foreignRequest",
        }
    }

    /// The server's answer behind this error, if there is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            AuthError::BadCredentials(e)
            | AuthError::TokenService(e)
            | AuthError::TokenRejected(e) => Some(e),
            _ => None,
        }
    }
}

fn who(subject: Option<&str>) -> String {
    match subject {
        Some(s) if !s.is_empty() => format!("signed in as {s}, but "),
        _ => "not signed in: ".to_string(),
    }
}

fn scope_text(scope: Option<&Scope>) -> String {
    match scope {
        Some(s) => s.to_string(),
        None => "the requested resource".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_access_reads_well() {
        let e = AuthError::NoAccess {
            scope: Some(Scope::repository_pull("msr.example.org/a/b")),
            granted: Grants::default(),
            subject: Some("alice".into()),
        };
        assert_eq!(
            e.to_string(),
            "signed in as alice, but no access to repository:msr.example.org/a/b:pull; the token grants nothing"
        );
        assert_eq!(e.kind(), "noAccess");
        let e = AuthError::NoAccess {
            scope: None,
            granted: Grants::default(),
            subject: None,
        };
        assert!(
            e.to_string()
                .starts_with("not signed in: no access to the requested resource")
        );
    }
}
