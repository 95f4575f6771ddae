//! The native transport: a blocking HTTP client and the `MsrClient` API.

mod client;
mod feed;
mod http_client;

pub use client::{ClientConfig, ClientError, Clock, MsrClient, system_clock};
pub use feed::FeedStream;
pub use http_client::{HttpClient, HttpConfig};
