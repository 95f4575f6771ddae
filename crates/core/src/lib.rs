//! # msr-lens-core
//!
//! The sans-IO core of MSR Lens: everything MSR Lens knows about Mirantis Secure Registry
//! (MSR 2.9 / 3.x, formerly Docker Trusted Registry) and its notary-server, with no network,
//! no clock and no randomness.
//!
//! - Requests are built as [`http::Request<Vec<u8>>`] values and responses consumed as
//!   [`http::Response<Vec<u8>>`] values; a shell (`msr-lens-transport`, the npm package,
//!   the extension) moves the bytes.
//! - Time is a [`Timestamp`] argument handed in by the shell.
//! - Every parser is tolerant of the ways real servers differ and never panics on
//!   server data; failures are typed errors with an excerpt of what arrived.
//!
//! Modules:
//! - [`origin`]: the configured MSR origin; credentials go nowhere else.
//! - [`error`]: the error-body normaliser (four body shapes plus HTML).
//! - [`network`]: the browser's own name for a request that got no answer (a certificate
//!   not trusted, nothing listening, DNS, ...), from `webRequest.onErrorOccurred`.
//! - [`health`]: `/_ping`, `/nginx_status`, `/api/v0/meta/cluster_status`, the combined report.
//! - [`generation`]: telling MSR 2.x/3.x from MSR 4 (Harbor) and from other servers.
//! - [`auth`]: credentials, scopes, challenges, tokens, the token flow.
//! - [`changefeed`]: the notary trust changefeed: requests, records, the pager.
//! - [`export`]: trust records as CSV cells and rows that open as text in a spreadsheet.

pub mod auth;
pub mod changefeed;
pub mod error;
pub mod export;
pub mod generation;
pub mod health;
pub mod network;
pub mod origin;
pub mod time;

pub use error::{ApiError, ErrorKind, ParseError};
pub use network::{NetworkFailure, NetworkFailureKind};
pub use origin::Origin;
pub use time::Timestamp;
