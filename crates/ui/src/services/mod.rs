//! The only place that does I/O: network (`http`, `check`) and extension storage
//! (`storage`). Components call these; none of them builds a URL.

#[cfg(feature = "net")]
pub mod check;
#[cfg(feature = "net")]
pub mod http;
#[cfg(feature = "pages")]
pub mod net_errors;
pub mod storage;
#[cfg(feature = "pages")]
pub mod test_connection;

use wasm_bindgen::JsValue;

/// A JS error as text.
pub fn js_text(value: &JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    js_sys::Reflect::get(value, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "unknown error".to_string())
}
