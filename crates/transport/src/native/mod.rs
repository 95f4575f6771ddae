//! The native (non-browser) transport: a blocking HTTP client and the `MsrClient` API.

mod http_client;

pub use http_client::{HttpClient, HttpConfig};
