//! # msr-lens-ui
//!
//! The MSR Lens browser extension UI, in Yew: the popup, the options page and the trust
//! audit page, plus the check the background service worker runs (so every view reaches
//! the same verdict from the same code).
//!
//! - [`model`]: the stored data ([`model::Settings`], [`model::Snapshot`], ...) and the
//!   storage layout shared with `extension/background.js`.
//! - `snapshot` (features `pages`, `worker`): core results → a snapshot with specific,
//!   human messages (pure).
//! - [`state`]: one reducer per page.
//! - [`services`]: the only I/O: fetch, `chrome.storage`, `chrome.permissions`.
//! - [`components`]: one Yew component per file.
//!
//! JavaScript entry points (wasm-bindgen): `startPopup()`, `startOptions()`,
//! `startAudit()` mount a page on `#app`; `mountAudit(...)` (feature `embed`, see
//! `embed`) mounts the audit view on any element, for the npm package's
//! `<msr-lens-audit>`; `checkHealth(...)` then `checkTrust(...)` run
//! one check for the background worker (the health half first, so it can be stored and
//! shown at once) and resolve to the snapshot JSON.
//!
//! Features (the extension build compiles the crate once per feature, so each context
//! loads only its own code): `popup` — the popup view; it never talks to MSR itself, it
//! asks the background worker (the one poller for all views) and shows the snapshots the
//! worker stores; `pages` — options and audit; `worker` — the check; `embed` — the audit
//! view alone, embedded in a portal page.
//!
//! Server text (issue descriptions, reasons, repository names) is always rendered as text
//! nodes; nothing is ever parsed as HTML.

#[cfg(any(feature = "pages", feature = "embed"))]
pub mod audit;
pub mod components;
#[cfg(feature = "embed")]
pub mod embed;
pub mod format;
pub mod model;
pub mod services;
#[cfg(feature = "net")]
pub mod snapshot;
pub mod state;

#[cfg(any(feature = "popup", feature = "pages", feature = "worker"))]
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

/// The health half of a check (pings, nginx, cluster status): resolves to a snapshot JSON
/// with `pendingTrust: true` that carries the previous trust events until
/// [`check_trust`] adds the new ones.
#[cfg(feature = "worker")]
#[wasm_bindgen(js_name = checkHealth)]
pub async fn check_health(
    instance_json: String,
    secret: Option<String>,
    previous_json: Option<String>,
) -> Result<String, JsValue> {
    let instance = parse_instance(&instance_json)?;
    let previous = previous_json
        .as_deref()
        .and_then(model::Snapshot::from_json);
    let mut snapshot =
        services::check::check_health(&instance, secret.as_deref(), previous.as_ref()).await;
    if let Some(previous) = previous {
        snapshot.trust = previous.trust;
        snapshot
            .problems
            .extend(previous.problems.into_iter().filter(|p| p.area == "trust"));
    }
    snapshot.pending_trust = true;
    serde_json::to_string(&snapshot).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// The trust half of a check: reads the latest trust events and resolves to the
/// completed snapshot JSON (`healthJson` is what [`check_health`] gave).
#[cfg(feature = "worker")]
#[wasm_bindgen(js_name = checkTrust)]
pub async fn check_trust(
    instance_json: String,
    secret: Option<String>,
    health_json: String,
) -> Result<String, JsValue> {
    let instance = parse_instance(&instance_json)?;
    let mut health = model::Snapshot::from_json(&health_json)
        .ok_or_else(|| JsValue::from_str("not a snapshot"))?;
    health.pending_trust = false;
    let trust =
        services::check::trust_events(&instance, secret.as_deref(), services::check::TRUST_EVENTS)
            .await;
    let snapshot = snapshot::with_trust(health, trust);
    serde_json::to_string(&snapshot).map_err(|e| JsValue::from_str(&e.to_string()))
}

#[cfg(feature = "worker")]
fn parse_instance(json: &str) -> Result<model::Instance, JsValue> {
    serde_json::from_str(json).map_err(|e| JsValue::from_str(&format!("not an instance: {e}")))
}
