//! The trust audit explorer: a compact record store with filters, histogram and export
//! (`store`), the driver of the changefeed sessions in the page (`engine`) and the
//! IndexedDB storage per instance (`persist`).

#[cfg(feature = "pages")]
pub mod engine;
#[cfg(feature = "pages")]
pub mod persist;
pub mod store;
