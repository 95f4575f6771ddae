//! The audit view outside the extension (feature `embed`): `mountAudit(...)` mounts the
//! same [`AuditApp`] on an element of a portal page with an embedded [`Host`]. The npm
//! package's `<msr-lens-audit>` element (`msr-lens/audit`) calls it on `connect()`
//! with its attributes and the credentials, which stay in this module's memory.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::audit::host::{AuditProps, Embedded, Host};
use crate::components::audit_app::AuditApp;
use crate::model::SecretKind;

/// A mounted audit view; `destroy()` unmounts it and stops its feeds.
#[wasm_bindgen]
pub struct AuditHandle {
    app: Option<yew::AppHandle<AuditApp>>,
}

#[wasm_bindgen]
impl AuditHandle {
    /// Unmount the view (its feeds stop, its credentials are dropped). Idempotent.
    pub fn destroy(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
    }
}

/// Mount the audit view on `root` (emptied first) for the MSR at `baseUrl` (same origin
/// as the page: MSR sends no CORS headers). `repository` (`namespace/name`) reads only
/// that repository; otherwise the global feed (admins). `secretKind`: `"accessToken"`
/// (default) or `"password"`. `deepLinks`: read `#repo=...&record=...` from the page's
/// hash. Throws when `baseUrl` or `secretKind` is not valid.
#[wasm_bindgen(js_name = mountAudit)]
pub fn mount_audit(
    root: web_sys::Element,
    #[wasm_bindgen(js_name = baseUrl)] base_url: String,
    repository: Option<String>,
    username: String,
    secret: String,
    #[wasm_bindgen(js_name = secretKind)] secret_kind: Option<String>,
    #[wasm_bindgen(js_name = deepLinks)] deep_links: bool,
) -> Result<AuditHandle, JsValue> {
    let kind = match secret_kind.as_deref() {
        None | Some("accessToken") => SecretKind::Token,
        Some("password") => SecretKind::Password,
        Some(other) => {
            return Err(JsValue::from(js_sys::TypeError::new(&format!(
                "secretKind must be \"accessToken\" or \"password\", not {other:?}"
            ))));
        }
    };
    if let Err(e) = msr_lens_core::Origin::parse(base_url.trim()) {
        return Err(JsValue::from(js_sys::TypeError::new(&format!(
            "the MSR address {base_url:?} is not valid: {e}"
        ))));
    }
    let embedded = Embedded::new(base_url, repository, username, secret, kind, deep_links);
    root.set_inner_html("");
    let props = AuditProps {
        host: Host::Embedded(Rc::new(embedded)),
    };
    let app = yew::Renderer::<AuditApp>::with_root_and_props(root, props).render();
    Ok(AuditHandle { app: Some(app) })
}
