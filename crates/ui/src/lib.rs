//! # msr-lens-ui
//!
//! The MSR Lens browser extension UI, in Yew: the popup, the options page and the trust
//! audit page, plus the check the background service worker runs (so every view reaches
//! the same verdict from the same code).
//!
//! - [`model`]: the stored data ([`model::Settings`], [`model::Snapshot`], ...) and the
//!   storage layout shared with `extension/background.js`.
//! - [`snapshot`]: core results → a snapshot with specific, human messages (pure).
//! - [`state`]: one reducer per page.
//! - [`services`]: the only I/O: fetch, `chrome.storage`, `chrome.permissions`.
//! - [`components`]: one Yew component per file.
//!
//! JavaScript entry points (wasm-bindgen): `startPopup()`, `startOptions()`,
//! `startAudit()` mount a page on `#app`; `checkInstance(instanceJson, secret,
//! previousSnapshotJson)` runs one check and resolves to the snapshot JSON.
//!
//! Features: `popup` (the popup and `checkInstance`, loaded by the popup and the
//! background worker) and `pages` (options and audit). The extension build compiles the
//! crate once per feature so the popup loads only its own code.
//!
//! Server text (issue descriptions, reasons, repository names) is always rendered as text
//! nodes; nothing is ever parsed as HTML.

pub mod components;
pub mod format;
pub mod model;
pub mod services;
pub mod snapshot;
pub mod state;

use wasm_bindgen::prelude::*;

fn mount<C: yew::BaseComponent<Properties = ()>>() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    if let Some(root) = root {
        yew::Renderer::<C>::with_root(root).render();
    }
}

/// Mount the popup on `#app`.
#[cfg(feature = "popup")]
#[wasm_bindgen(js_name = startPopup)]
pub fn start_popup() {
    mount::<components::popup_app::PopupApp>();
}

/// Mount the options page on `#app`.
#[cfg(feature = "pages")]
#[wasm_bindgen(js_name = startOptions)]
pub fn start_options() {
    mount::<components::options_app::OptionsApp>();
}

/// Mount the audit page on `#app`.
#[cfg(feature = "pages")]
#[wasm_bindgen(js_name = startAudit)]
pub fn start_audit() {
    mount::<components::audit_app::AuditApp>();
}

/// Run one check of an instance (JSON of [`model::Instance`]) with its secret (or
/// `null`) and the previous snapshot JSON (or `null`, used for nginx rates). Resolves to
/// the new snapshot as JSON; rejects only when `instanceJson` is not an instance.
#[cfg(feature = "popup")]
#[wasm_bindgen(js_name = checkInstance)]
pub async fn check_instance(
    instance_json: String,
    secret: Option<String>,
    previous_json: Option<String>,
) -> Result<String, JsValue> {
    let instance: model::Instance = serde_json::from_str(&instance_json)
        .map_err(|e| JsValue::from_str(&format!("not an instance: {e}")))?;
    let previous = previous_json
        .as_deref()
        .and_then(model::Snapshot::from_json);
    let snapshot = services::check::check(&instance, secret.as_deref(), previous.as_ref()).await;
    serde_json::to_string(&snapshot).map_err(|e| JsValue::from_str(&e.to_string()))
}
