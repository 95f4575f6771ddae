//! Authentication: credentials, scopes, challenges, bearer tokens and the token flow
//! (msr-api.md §4–5).
//!
//! - [`Credentials`]: user name with a password or access token (redacted).
//! - [`Scope`]: `type:name:actions`, with a port allowed in the name.
//! - [`Challenge`] / [`BearerChallenge`]: the `WWW-Authenticate` header.
//! - [`TokenRequest`] / [`TokenResponse`] / [`BearerToken`]: the token service.
//! - [`Claims`] / [`Grants`]: what a token grants (its JWT `access` claim, unverified).
//! - [`TokenCache`] / [`IssuedToken`]: tokens by realm, service and scopes, with early
//!   refresh driven by `now`.
//! - [`Call`] (typestate for one request) and [`Authenticator`] (the facade): the
//!   challenge → token → retry-once flow, ending in [`Step::Done`] or an [`AuthError`].

pub mod cache;
pub mod challenge;
pub mod credentials;
pub mod error;
pub mod flow;
pub mod jwt;
pub mod scope;
pub mod token;

pub use cache::{IssuedToken, TokenCache};
pub use challenge::{
    BasicChallenge, BearerChallenge, BearerError, Challenge, ChallengeError, OtherChallenge,
    bearer_challenge,
};
pub use credentials::{Credentials, SecretKind};
pub use error::AuthError;
pub use flow::{Authenticator, Authorized, Call, CallId, Challenged, Start, Started, Step};
pub use jwt::{Claims, Grant, Grants, JwtError};
pub use scope::{Scope, ScopeError};
pub use token::{BearerToken, TokenRequest, TokenResponse};
