//! # msr-lens-core
//!
//! The sans-IO core of MSR Lens: everything MSR Lens knows about Mirantis Secure Registry
//! (MSR 2.9 / 3.x, formerly Docker Trusted Registry) and its notary-server, with no network,
//! no clock and no randomness.
//!
//! - Requests are built as [`http::Request`] values and responses consumed as
//!   [`http::Response`] values (this crate's own small HTTP types, bodies as bytes); a
//!   shell (`msr-lens-transport`, the npm package, the extension) moves the bytes.
//! - Time is a [`Timestamp`] argument handed in by the shell.
//! - Every parser is tolerant of the ways real servers differ and never panics on
//!   server data; failures are typed errors with an excerpt of what arrived.
//!
//! Modules:
//! - [`http`]: requests, responses, headers, URIs.
//! - [`origin`]: the configured MSR origin; credentials go nowhere else.
//! - [`error`]: the error-body normaliser (four body shapes plus HTML).
//! - [`json`]: the JSON reader every body and option text goes through.
//! - [`health`]: `/_ping`, `/nginx_status`, `/api/v0/meta/cluster_status`, the combined report.
//! - [`generation`]: telling MSR 2.x/3.x from MSR 4 (Harbor) and from other servers.
//! - [`auth`]: credentials, scopes, challenges, tokens, the token flow.
//! - [`changefeed`]: the notary trust changefeed: requests, records, the pager.
//! - [`export`]: trust records as CSV cells and rows that open as text in a spreadsheet.
//! - [`json_out`]: the JSON text the npm package hands to JavaScript, written by hand.

pub mod auth;
pub mod changefeed;
pub mod error;
pub mod export;
pub mod generation;
pub mod health;
pub mod http;
pub mod json;
pub mod json_out;
pub mod origin;
pub mod search;
mod small_map;
mod sort;
mod text;
pub mod time;

pub use error::{ApiError, ErrorKind, ParseError};
pub use origin::Origin;
pub use time::Timestamp;
// The integer writers of messages, without `core::fmt`.
pub use text::{Message, push_i64, push_u64};
