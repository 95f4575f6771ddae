//! Authentication: credentials, scopes, challenges, bearer tokens and the token flow.

pub mod credentials;

pub use credentials::{Credentials, SecretKind};
