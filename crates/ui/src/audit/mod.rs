//! The trust audit explorer: a compact record store with filters, histogram and export
//! ([`store`]), and the driver of the changefeed sessions in the page ([`engine`]).

#[cfg(feature = "pages")]
pub mod engine;
pub mod store;
