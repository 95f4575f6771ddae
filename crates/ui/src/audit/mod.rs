//! The trust audit explorer: a compact record store with filters, timeline and export
//! (`store`), the driver of the changefeed sessions in the page (`engine`) and the
//! IndexedDB storage per instance (`persist`), and where the view runs (`host`: the
//! extension, or embedded in a portal).

#[cfg(any(feature = "pages", feature = "embed"))]
pub mod engine;
#[cfg(any(feature = "pages", feature = "embed"))]
pub mod host;
#[cfg(any(feature = "pages", feature = "embed"))]
pub mod persist;
pub mod scope;
pub mod store;
