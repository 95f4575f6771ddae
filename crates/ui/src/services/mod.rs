//! The only place that does I/O: network (`http`, `check`) and extension storage
//! (`storage`). Components call these; none of them builds a URL.

pub mod check;
pub mod http;
pub mod storage;
#[cfg(feature = "pages")]
pub mod test_connection;
