//! The native transport: a blocking HTTP client and the `MsrClient` API.

mod client;
mod http_client;

pub use client::{ClientConfig, ClientError, Clock, MsrClient, system_clock};
pub use http_client::{HttpClient, HttpConfig};
