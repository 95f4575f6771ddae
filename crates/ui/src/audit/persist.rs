//! IndexedDB storage of the audit view (`idb.js`): the records read, page by page, and the
//! feeds' saved positions, so that reopening is instant and only new records are fetched.
//! What is stored is keyed by [`store_key`]: the instance (or embedded repository), the
//! MSR origin and the user, so an edited instance or another user never sees records read
//! from another MSR or with other credentials.
//!
//! Writes are chained ([`put`] waits for the write before it and fails when it failed) and
//! the view stops storing at the first failure: a page is never stored after a lost one.
//!
//! Storage is bounded ([`max_stored`]): past the bound the pages holding the oldest records
//! are deleted (a [`Ledger`] of the stored pages decides which, in the same transaction as
//! the new page), older pages are not stored at all, and the saved positions are moved so
//! that the oldest record still stored is where "older" reading resumes after a reopen
//! ([`Ledger::adjust`]): nothing is silently skipped, the dropped records are read from MSR
//! again when wanted, and the view says how many are not kept.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use msr_lens_core::Origin;
use msr_lens_core::changefeed::{Feed, Record, SavedState};

use super::store::{Row, Store};
use crate::model::Instance;
use crate::services::js_text;

/// The most records kept on disk per instance by default; beyond it the oldest are dropped
/// from storage (they stay in the open view).
pub const MAX_STORED: usize = 300_000;

/// `localStorage` key that lowers (or raises) the bound, e.g. for tests: a record count.
pub const MAX_STORED_KEY: &str = "msrLensAuditMaxStored";

/// The bound in force: [`MAX_STORED`], or the number under [`MAX_STORED_KEY`] in
/// `localStorage` (at least 1).
pub fn max_stored() -> usize {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(MAX_STORED_KEY).ok().flatten())
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(MAX_STORED, |n| n.max(1))
}

#[wasm_bindgen(module = "/src/audit/idb.js")]
extern "C" {
    #[wasm_bindgen(js_name = idbPut)]
    fn idb_put(
        after: Option<js_sys::Promise>,
        key: &str,
        placement: &str,
        rows: Option<String>,
        n: Option<f64>,
        evict: Vec<f64>,
        state: &str,
    ) -> js_sys::Promise;
    #[wasm_bindgen(js_name = idbLoad)]
    fn idb_load(key: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = idbClear)]
    fn idb_clear(after: Option<js_sys::Promise>, key: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = idbClearPrefix)]
    fn idb_clear_prefix(prefix: &str) -> js_sys::Promise;
}

/// The IndexedDB key of what the view stores for `instance`: JSON text of
/// `[instance id, origin, user]` (the origin normalised), so that the records of one MSR
/// origin or user never show for another, whatever the text holds. An embedded view's
/// instance id names its repository (see `host.rs`).
pub fn store_key(instance: &Instance) -> String {
    let origin = Origin::parse(&instance.origin)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| instance.origin.clone());
    serde_json::json!([instance.id, origin, instance.username]).to_string()
}

/// The start of every [`store_key`] of the instance `id`, whatever its origin and user.
pub fn key_prefix(id: &str) -> String {
    let key = serde_json::json!([id]).to_string();
    // `["<id>"]` without its closing bracket, and the separator after the id.
    format!("{},", key.trim_end_matches(']'))
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
    /// Records were dropped from storage (the oldest, past the bound).
    pub trimmed: bool,
}

/// One stored page, as the [`Ledger`] knows it.
#[derive(Debug, Clone, PartialEq)]
struct Chunk {
    /// The IndexedDB key.
    key: f64,
    /// Order by age: lower is older (an older page gets one below the lowest, a newer one
    /// one above the highest).
    rank: i64,
    /// The GUN of its oldest record (a repository feed's pages hold only its own GUN).
    gun: String,
    /// Records in it.
    count: usize,
    /// The ID of its oldest record (pages are in server order, oldest first).
    oldest_id: String,
}

/// What to do with a new page.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Store the page under this key (`None`: no page, or it is older than everything
    /// stored and there is no room for it: not stored).
    pub key: Option<f64>,
    /// Delete these stored pages first (the oldest, to stay within the bound).
    pub evict: Vec<f64>,
}

/// The stored pages of one instance and the bound: which page to drop when a new one comes
/// (pure bookkeeping; `idb.js` does what [`Ledger::plan`] says).
#[derive(Debug, Clone, PartialEq)]
pub struct Ledger {
    bound: usize,
    chunks: Vec<Chunk>,
    next_key: f64,
    /// Records were dropped from storage (evicted, or older pages not stored).
    trimmed: bool,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger::new(MAX_STORED)
    }
}

impl Ledger {
    /// Nothing stored; at most `bound` records (at least one page is always kept).
    pub fn new(bound: usize) -> Self {
        Ledger {
            bound,
            chunks: Vec::new(),
            next_key: 1.0,
            trimmed: false,
        }
    }

    /// The bound.
    pub fn bound(&self) -> usize {
        self.bound
    }

    /// Records stored.
    pub fn stored(&self) -> usize {
        self.chunks.iter().map(|c| c.count).sum()
    }

    /// Records were dropped from storage: older ones than those stored were read once.
    pub fn trimmed(&self) -> bool {
        self.trimmed
    }

    /// Say that records were dropped (from the saved state when reopening).
    pub fn set_trimmed(&mut self, trimmed: bool) {
        self.trimmed = trimmed;
    }

    fn edge(&self, older: bool) -> i64 {
        let ranks = self.chunks.iter().map(|c| c.rank);
        if older {
            ranks.min().map_or(0, |r| r - 1)
        } else {
            ranks.max().map_or(0, |r| r + 1)
        }
    }

    /// A page already stored under `key` (when reopening, in the order they were stored):
    /// `count` records, the oldest with ID `oldest_id` and GUN `gun`.
    pub fn replay(&mut self, key: f64, older: bool, count: usize, oldest_id: &str, gun: &str) {
        let rank = self.edge(older);
        self.chunks.push(Chunk {
            key,
            rank,
            gun: gun.to_string(),
            count,
            oldest_id: oldest_id.to_string(),
        });
        if key >= self.next_key {
            self.next_key = key + 1.0;
        }
    }

    /// A new page of `count` records (`older`: it goes before everything held), the oldest
    /// with ID `oldest_id` and GUN `gun` (`count` 0: only the state is saved). Updates the
    /// ledger as if the plan was carried out.
    ///
    /// Newer pages are always stored and the pages holding the oldest records make room.
    /// An older page is stored only while nothing was dropped and it fits: once the old end
    /// was cut, storing an older page would leave a hole between it and the rest.
    pub fn plan(&mut self, older: bool, count: usize, oldest_id: &str, gun: &str) -> Plan {
        let mut key = None;
        if count > 0 {
            let first = self.chunks.is_empty();
            if older && !first && (self.trimmed || self.stored() + count > self.bound) {
                self.trimmed = true;
            } else {
                let n = self.next_key;
                self.replay(n, older, count, oldest_id, gun);
                key = Some(n);
            }
        }
        // Also when only the state is saved: a bound lowered since the pages were stored.
        let mut evict = Vec::new();
        while self.stored() > self.bound && self.chunks.len() > 1 {
            let Some(i) = self
                .chunks
                .iter()
                .enumerate()
                .min_by_key(|(_, c)| c.rank)
                .map(|(i, _)| i)
            else {
                break;
            };
            let gone = self.chunks.remove(i);
            self.trimmed = true;
            evict.push(gone.key);
        }
        Plan { key, evict }
    }

    /// The ID of the oldest stored record of `feed`, if any page of it is stored.
    pub fn oldest_stored(&self, feed: &Feed) -> Option<&str> {
        self.chunks
            .iter()
            .filter(|c| match feed {
                Feed::Repository(gun) => c.gun == gun.as_str(),
                _ => true,
            })
            .min_by_key(|c| c.rank)
            .map(|c| c.oldest_id.as_str())
    }

    /// Saved feed positions as they must be stored: once records were dropped, each feed's
    /// backward cursor is its oldest record still stored and its start is not reached, so
    /// that a reopened view reads the dropped records from MSR again instead of skipping
    /// them. (A feed with nothing stored keeps its position.)
    pub fn adjust(&self, feeds: Vec<SavedState>) -> Vec<SavedState> {
        if !self.trimmed {
            return feeds;
        }
        feeds
            .into_iter()
            .map(|saved| match self.oldest_stored(saved.feed()) {
                Some(id) => with_oldest(&saved, id).unwrap_or(saved),
                None => saved,
            })
            .collect()
    }
}

/// `saved` with its backward cursor at `id`, its start not reached, and no recently seen
/// IDs (they are mostly the dropped records, which must not be taken for repeats when they
/// are read again; the store drops real repeats by ID anyway).
fn with_oldest(saved: &SavedState, id: &str) -> Option<SavedState> {
    // Through JSON text: the (de)serializers for text are in the module already.
    let text = serde_json::to_string(saved).ok()?;
    let mut value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let object = value.as_object_mut()?;
    object.insert("oldest".into(), serde_json::Value::String(id.to_string()));
    object.insert("reachedStart".into(), serde_json::Value::Bool(false));
    object.insert("recentIds".into(), serde_json::Value::Array(Vec::new()));
    serde_json::from_str(&value.to_string()).ok()
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

/// Store a page of records (`older`: they go before the ones held) as `plan` says (under
/// its number, after deleting its evicted pages), and the view state, in one transaction
/// under `key`, once the write `after` succeeded. The promise settles when the transaction
/// did; it rejects (and so does every write chained after it) when the write failed.
pub fn put(
    after: Option<js_sys::Promise>,
    key: &str,
    older: bool,
    records: &[Record],
    plan: Plan,
    state: &ViewState,
) -> Result<js_sys::Promise, String> {
    let rows = match plan.key {
        Some(_) if !records.is_empty() => {
            let flat: Vec<Flat> = records.iter().map(flat).collect();
            Some(serde_json::to_string(&flat).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let state = serde_json::to_string(state).map_err(|e| e.to_string())?;
    let placement = if older { "p" } else { "a" };
    Ok(idb_put(
        after, key, placement, rows, plan.key, plan.evict, &state,
    ))
}

/// Wait for a write of [`put`] or [`clear`].
pub async fn settled(write: js_sys::Promise) -> Result<(), String> {
    JsFuture::from(write)
        .await
        .map(|_| ())
        .map_err(|e| js_text(&e))
}

/// Load what is stored under `key` into `store` and `ledger`; the saved view state, if
/// any. Anything unreadable (a page or the state) is an error: the view must then not
/// store over what it could not read.
pub async fn load(
    key: &str,
    store: &mut Store,
    ledger: &mut Ledger,
) -> Result<Option<ViewState>, String> {
    let value = JsFuture::from(idb_load(key))
        .await
        .map_err(|e| js_text(&e))?;
    let get = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).ok();
    let state: Option<ViewState> = match get(&value, "state").and_then(|s| s.as_string()) {
        Some(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| format!("the saved feed positions are unreadable: {e}"))?,
        ),
        None => None,
    };
    let chunks = get(&value, "chunks")
        .map(|v| js_sys::Array::from(&v))
        .unwrap_or_default();
    for chunk in chunks.iter() {
        let older = get(&chunk, "placement")
            .and_then(|p| p.as_string())
            .as_deref()
            == Some("p");
        let number = get(&chunk, "key").and_then(|k| k.as_f64());
        let flat = get(&chunk, "rows")
            .and_then(|r| r.as_string())
            .and_then(|text| serde_json::from_str::<Vec<Flat>>(&text).ok());
        let (Some(number), Some(flat)) = (number, flat) else {
            return Err("a stored page of records is unreadable".into());
        };
        if let Some(first) = flat.first() {
            ledger.replay(number, older, flat.len(), &first.0, &first.2);
        }
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
    if let Some(state) = &state {
        ledger.set_trimmed(state.trimmed);
    }
    Ok(state)
}

/// Forget what is stored under `key`, once the write `after` is over (whether it
/// succeeded or not); wait for it with [`settled`].
pub fn clear(after: Option<js_sys::Promise>, key: &str) -> js_sys::Promise {
    idb_clear(after, key)
}

/// Forget everything stored for the instance `id`, under every origin and user it was
/// read with (the instance was removed, or its origin or user changed). Returns how many
/// keys were deleted.
pub async fn clear_instance(id: &str) -> Result<u32, String> {
    let deleted = JsFuture::from(idb_clear_prefix(&key_prefix(id)))
        .await
        .map_err(|e| js_text(&e))?;
    Ok(deleted.as_f64().unwrap_or(0.0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use msr_lens_core::Origin;
    use msr_lens_core::changefeed::{FollowFrom, Gun, Mode, Pager, PagerConfig};

    fn saved(feed: Feed, oldest: &str, reached_start: bool) -> SavedState {
        let origin = Origin::parse("https://msr.example.com").unwrap_or_else(|e| panic!("{e}"));
        let state = Pager::new(
            origin,
            feed,
            Mode::Follow(FollowFrom::Latest),
            PagerConfig::default(),
        )
        .save();
        let mut value = serde_json::to_value(state).unwrap_or_default();
        value["oldest"] = oldest.into();
        value["reachedStart"] = reached_start.into();
        value["recentIds"] = serde_json::json!(["1", "2"]);
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    fn cursor(state: &SavedState) -> (String, bool) {
        let value = serde_json::to_value(state).unwrap_or_default();
        (
            value["oldest"].as_str().unwrap_or("").to_string(),
            value["reachedStart"].as_bool().unwrap_or(true),
        )
    }

    fn recent(state: &SavedState) -> usize {
        let value = serde_json::to_value(state).unwrap_or_default();
        value["recentIds"].as_array().map_or(usize::MAX, Vec::len)
    }

    #[test]
    fn the_store_key_separates_origins_users_and_instances() {
        let instance = |id: &str, origin: &str, user: &str| Instance {
            id: id.into(),
            origin: origin.into(),
            username: user.into(),
            ..Instance::default()
        };
        let a = store_key(&instance("i1", "https://msr-a.example.org", "admin"));
        assert_eq!(a, r#"["i1","https://msr-a.example.org","admin"]"#);
        // The same origin spelled another way is the same store.
        assert_eq!(
            store_key(&instance("i1", "HTTPS://MSR-A.example.org:443/", "admin")),
            a
        );
        // An edited instance (same id) on another origin, or another user: another store.
        for other in [
            instance("i1", "https://msr-b.example.org", "admin"),
            instance("i1", "https://msr-a.example.org:8443", "admin"),
            instance("i1", "https://msr-a.example.org", "dev"),
            instance("i2", "https://msr-a.example.org", "admin"),
        ] {
            assert_ne!(store_key(&other), a, "{other:?}");
        }
        // No text can make two different triples meet.
        assert_ne!(
            store_key(&instance("i1\",\"x", "https://a", "u")),
            store_key(&instance("i1", "x\",\"https://a", "u"))
        );
        // Every key of an instance starts with its prefix, no key of another one does.
        let prefix = key_prefix("i1");
        assert_eq!(prefix, r#"["i1","#);
        assert!(a.starts_with(&prefix));
        assert!(!store_key(&instance("i10", "https://a", "u")).starts_with(&prefix));
    }

    #[test]
    fn newer_pages_past_the_bound_drop_the_oldest() {
        let mut l = Ledger::new(2500);
        assert_eq!(l.plan(false, 1000, "1", "g").key, Some(1.0));
        assert_eq!(l.plan(false, 1000, "1001", "g").key, Some(2.0));
        assert!(!l.trimmed());
        let plan = l.plan(false, 1000, "2001", "g");
        assert_eq!(
            plan,
            Plan {
                key: Some(3.0),
                evict: vec![1.0]
            }
        );
        assert_eq!(l.stored(), 2000);
        assert!(l.trimmed());
        assert_eq!(l.oldest_stored(&Feed::Global), Some("1001"));
    }

    #[test]
    fn older_pages_are_stored_while_they_fit_and_never_after_a_cut() {
        let mut l = Ledger::new(2500);
        assert_eq!(l.plan(false, 1000, "5001", "g").key, Some(1.0));
        assert_eq!(l.plan(true, 1000, "4001", "g").key, Some(2.0));
        // Would pass the bound: not stored, the old end is cut.
        assert_eq!(
            l.plan(true, 1000, "3001", "g"),
            Plan {
                key: None,
                evict: vec![]
            }
        );
        assert!(l.trimmed());
        // Even a small older page would leave a hole: not stored either.
        assert_eq!(l.plan(true, 10, "2991", "g").key, None);
        assert_eq!(l.stored(), 2000);
        assert_eq!(l.oldest_stored(&Feed::Global), Some("4001"));
    }

    #[test]
    fn the_oldest_page_goes_first_whatever_the_order_of_arrival() {
        let mut l = Ledger::new(2500);
        l.plan(false, 1000, "b", "g"); // key 1
        l.plan(true, 1000, "a", "g"); // key 2, older than key 1
        let plan = l.plan(false, 1000, "c", "g"); // key 3
        assert_eq!(plan.evict, vec![2.0]);
        assert_eq!(l.oldest_stored(&Feed::Global), Some("b"));
    }

    #[test]
    fn a_lowered_bound_applies_at_the_next_save_and_keys_continue() {
        let mut l = Ledger::new(1500);
        l.replay(7.0, false, 1000, "b", "g");
        l.replay(9.0, true, 1000, "a", "g");
        let plan = l.plan(false, 0, "", "");
        assert_eq!(
            plan,
            Plan {
                key: None,
                evict: vec![9.0]
            }
        );
        assert_eq!(l.plan(false, 5, "c", "g").key, Some(10.0));
        // At least one page stays, even when it alone passes the bound.
        let mut tiny = Ledger::new(1);
        tiny.plan(false, 1000, "x", "g");
        assert_eq!(tiny.stored(), 1000);
    }

    #[test]
    fn saved_positions_resume_older_reading_at_the_oldest_stored_record() {
        let mut l = Ledger::new(1500);
        let global = saved(Feed::Global, "1", true);
        // Nothing dropped: unchanged.
        l.plan(false, 1000, "1001", "h/a/b");
        assert_eq!(l.adjust(vec![global.clone()]), vec![global.clone()]);
        l.plan(true, 1000, "1", "h/a/b");
        assert!(l.trimmed());
        let adjusted = l.adjust(vec![global]);
        assert_eq!(
            adjusted.iter().map(cursor).collect::<Vec<_>>(),
            vec![("1001".to_string(), false)]
        );
        // The dropped records are not repeats when they are read again.
        assert_eq!(adjusted.iter().map(recent).collect::<Vec<_>>(), vec![0]);
        // Repository feeds: each one's own oldest stored page.
        let mut l = Ledger::new(3500);
        l.plan(false, 1000, "b9", "h/a/b");
        l.plan(false, 1000, "c9", "h:443/a/b");
        l.plan(true, 1000, "b5", "h/a/b");
        l.plan(true, 1000, "c5", "h:443/a/b");
        let feeds = ["h/a/b", "h:443/a/b", "h/x/y"].map(|g| {
            let gun = Gun::new(g).unwrap_or_else(|e| panic!("{e}"));
            saved(Feed::Repository(gun), "0x", true)
        });
        let adjusted = l.adjust(feeds.to_vec());
        assert_eq!(
            adjusted.iter().map(cursor).collect::<Vec<_>>(),
            vec![
                ("b5".to_string(), false),
                ("c9".to_string(), false),
                ("0x".to_string(), true)
            ]
        );
    }
}
