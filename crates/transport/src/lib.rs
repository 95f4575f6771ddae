//! # msr-lens-transport
//!
//! The only crate of MSR Lens that performs I/O. It takes the plain
//! `http::Request<Vec<u8>>` values built by `msr-lens-core`, sends them, and hands back
//! `http::Response<Vec<u8>>` values for the core to interpret.
//!
//! - `native` (not on `wasm32`): a blocking client (ureq + rustls) with a custom CA,
//!   timeouts, a response size cap and no redirects, plus `native::MsrClient`, the small API
//!   that the integration tests, the demo and the benchmarks share.
//! - `wasm` (only on `wasm32`): the global `fetch` with a timeout, a size cap, no redirects
//!   and credentials for the configured origin only; used by the npm package and the
//!   extension.

#[cfg(not(target_arch = "wasm32"))]
pub mod native;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

mod error;

pub use error::TransportError;

/// Default cap on a response body: 64 MiB (a 100 000-record changefeed page is about 20 MB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
