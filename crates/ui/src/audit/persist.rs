//! IndexedDB storage of the audit view per instance (`idb.js`): the records read, page by
//! page, and the feeds' saved positions, so that reopening is instant and only new
//! records are fetched.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use msr_lens_core::changefeed::{Record, SavedState};

use super::store::{Row, Store};
use crate::services::js_text;

/// The most records kept on disk per instance; beyond it new pages are not stored.
pub const MAX_STORED: usize = 300_000;

#[wasm_bindgen(module = "/src/audit/idb.js")]
extern "C" {
    #[wasm_bindgen(js_name = idbPut)]
    fn idb_put(
        instance: &str,
        placement: &str,
        rows: Option<String>,
        state: &str,
    ) -> js_sys::Promise;
    #[wasm_bindgen(js_name = idbLoad)]
    fn idb_load(instance: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = idbClear)]
    fn idb_clear(instance: &str) -> js_sys::Promise;
}

/// What the view saves besides the records.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ViewState {
    /// The feeds' positions, in the order of the view's feeds.
    pub feeds: Vec<SavedState>,
    /// Repositories read one by one (empty: the global feed).
    pub repos: Vec<String>,
    /// "Load everything" was running.
    pub backfill: bool,
    /// Records stored so far.
    pub stored: usize,
}

/// One stored record: `[id, created, gun, version, category, sha256]`.
type Flat = (String, String, String, i64, String, String);

fn flat(r: &Record) -> Flat {
    (
        r.id.as_str().to_string(),
        r.created_at_raw.clone(),
        r.gun.clone(),
        r.version,
        r.category.as_str().to_string(),
        r.sha256.clone().unwrap_or_default(),
    )
}

/// Store a page of records (`older`: they go before the ones held) and the view state.
pub async fn put(
    instance: &str,
    older: bool,
    records: &[Record],
    state: &ViewState,
) -> Result<(), String> {
    let rows = if records.is_empty() {
        None
    } else {
        let flat: Vec<Flat> = records.iter().map(flat).collect();
        Some(serde_json::to_string(&flat).map_err(|e| e.to_string())?)
    };
    let state = serde_json::to_string(state).map_err(|e| e.to_string())?;
    let placement = if older { "p" } else { "a" };
    JsFuture::from(idb_put(instance, placement, rows, &state))
        .await
        .map(|_| ())
        .map_err(|e| js_text(&e))
}

/// Load what is stored for `instance` into `store`; the saved view state, if any.
pub async fn load(instance: &str, store: &mut Store) -> Result<Option<ViewState>, String> {
    let value = JsFuture::from(idb_load(instance))
        .await
        .map_err(|e| js_text(&e))?;
    let get = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).ok();
    let state: Option<ViewState> = get(&value, "state")
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok());
    let chunks = get(&value, "chunks")
        .map(|v| js_sys::Array::from(&v))
        .unwrap_or_default();
    for chunk in chunks.iter() {
        let older = get(&chunk, "placement")
            .and_then(|p| p.as_string())
            .as_deref()
            == Some("p");
        let Some(text) = get(&chunk, "rows").and_then(|r| r.as_string()) else {
            continue;
        };
        let Ok(flat) = serde_json::from_str::<Vec<Flat>>(&text) else {
            continue;
        };
        let rows: Vec<Row> = flat
            .iter()
            .map(|(id, created, gun, version, category, sha)| {
                store.row_from_parts(id, gun, *version, created, category, sha)
            })
            .collect();
        if older {
            store.prepend_rows(rows);
        } else {
            store.append_rows(rows);
        }
    }
    Ok(state)
}

/// Forget what is stored for `instance`.
pub async fn clear(instance: &str) -> Result<(), String> {
    JsFuture::from(idb_clear(instance))
        .await
        .map(|_| ())
        .map_err(|e| js_text(&e))
}
