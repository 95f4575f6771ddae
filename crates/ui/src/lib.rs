//! # msr-lens-ui
//!
//! The MSR Lens browser extension UI, in Yew: the popup, the options page and the trust
//! audit page. The background service worker's check is not here: it runs the `msr-lens`
//! npm package (`crates/wasm`) through `extension/check.js` and `extension/snapshot.js`,
//! and stores the [`model::Snapshot`] the popup shows.
//!
//! - [`model`]: the stored data ([`model::Settings`], [`model::Snapshot`], ...) and the
//!   storage layout shared with `extension/background.js`.
//! - `snapshot` (feature `pages`): core results → specific, human messages for "Test
//!   connection" and the audit view (pure).
//! - [`glance`]: what a state means at a glance: the banner summary, the worst instance,
//!   the status strip (pure).
//! - [`state`]: one reducer per page.
//! - [`services`]: the only I/O: fetch, `chrome.storage`, `chrome.permissions`.
//! - [`components`]: one Yew component per file.
//!
//! JavaScript entry points (wasm-bindgen): `startPopup()`, `startOptions()`,
//! `startAudit()` mount a page on `#app`; `mountAudit(...)` (feature `embed`, see
//! `embed`) mounts the audit view on any element, for the npm package's
//! `<msr-lens-audit>`.
//!
//! Features (the extension build compiles the crate once per feature, so each context
//! loads only its own code): `popup` — the popup view; it never talks to MSR itself, it
//! asks the background worker (the one poller for all views, running the `msr-lens` npm
//! package) and shows the snapshots the worker stores; `pages` — options (with "Test
//! connection") and audit, which talk to MSR themselves; `embed` — the audit view alone,
//! embedded in a portal page.
//!
//! Server text (issue descriptions, reasons, repository names) is always rendered as text
//! nodes; nothing is ever parsed as HTML.

#[cfg(any(feature = "pages", feature = "embed"))]
pub mod audit;
pub mod components;
#[cfg(feature = "embed")]
pub mod embed;
pub mod format;
pub mod glance;
pub mod model;
pub mod services;
#[cfg(feature = "net")]
pub mod snapshot;
pub mod state;

#[cfg(any(feature = "popup", feature = "pages"))]
use wasm_bindgen::prelude::*;

#[cfg(any(feature = "popup", feature = "pages"))]
fn mount<C: yew::BaseComponent>(props: C::Properties) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    if let Some(root) = root {
        yew::Renderer::<C>::with_root_and_props(root, props).render();
    }
}

/// Mount the popup on `#app`.
#[cfg(feature = "popup")]
#[wasm_bindgen(js_name = startPopup)]
pub fn start_popup() {
    mount::<components::popup_app::PopupApp>(());
}

/// Mount the options page on `#app`.
#[cfg(feature = "pages")]
#[wasm_bindgen(js_name = startOptions)]
pub fn start_options() {
    mount::<components::options_app::OptionsApp>(());
}

/// Mount the audit page on `#app`.
#[cfg(feature = "pages")]
#[wasm_bindgen(js_name = startAudit)]
pub fn start_audit() {
    mount::<components::audit_app::AuditApp>(audit::host::AuditProps::default());
}
