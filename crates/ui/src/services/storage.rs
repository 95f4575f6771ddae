//! `chrome.storage` and `chrome.permissions` access (the layout is in [`crate::model`]).
//!
//! Outside an extension (unit pages, tests) `chrome` is missing and every call fails
//! with a message instead of panicking.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::model::{Bucket, HistoryPoint, Settings, Snapshot};
use crate::services::js_text;

/// The storage key of the settings.
pub const SETTINGS_KEY: &str = "settings";
/// The session storage key of the secrets map.
pub const SECRETS_KEY: &str = "secrets";
/// The session storage key of the checks' per-request time limit (milliseconds).
pub const TIMEOUT_KEY: &str = "checkTimeoutMs";
/// The per-request time limit when none is stored, milliseconds (as `extension/check.js`
/// `TIMEOUT_MS`).
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;

/// The storage key of the instance the popup shows.
pub const SELECTED_KEY: &str = "selected";
/// The storage key of when it was picked (epoch ms).
pub const SELECTED_AT_KEY: &str = "selectedAt";

/// The storage key of an instance's latest snapshot.
pub fn snapshot_key(id: &str) -> String {
    format!("snapshot:{id}")
}

/// The storage key of an instance's history.
pub fn history_key(id: &str) -> String {
    format!("history:{id}")
}

/// The storage key of an instance's 7-day hourly buckets.
pub fn week_key(id: &str) -> String {
    format!("week:{id}")
}

fn chrome_path(path: &[&str]) -> Result<JsValue, String> {
    let mut value: JsValue = js_sys::global().into();
    for part in path {
        value = Reflect::get(&value, &JsValue::from_str(part)).map_err(|e| js_text(&e))?;
        if value.is_undefined() || value.is_null() {
            return Err(format!("{} is not available here", path.join(".")));
        }
    }
    Ok(value)
}

async fn call(path: &[&str], method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let target = chrome_path(path)?;
    let function: js_sys::Function = Reflect::get(&target, &JsValue::from_str(method))
        .map_err(|e| js_text(&e))?
        .dyn_into()
        .map_err(|_| format!("{method} is not a function"))?;
    let array = Array::new();
    for a in args {
        array.push(a);
    }
    let result = function.apply(&target, &array).map_err(|e| js_text(&e))?;
    match result.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(|e| js_text(&e)),
        Err(value) => Ok(value),
    }
}

/// Read one key of `chrome.storage.<area>` as JSON text.
async fn get_json(area: &str, key: &str) -> Result<Option<String>, String> {
    let items = call(
        &["chrome", "storage", area],
        "get",
        &[JsValue::from_str(key)],
    )
    .await?;
    let value = Reflect::get(&items, &JsValue::from_str(key)).map_err(|e| js_text(&e))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    let text = js_sys::JSON::stringify(&value).map_err(|e| js_text(&e))?;
    Ok(text.as_string())
}

/// Write one key of `chrome.storage.<area>` from JSON text.
async fn set_json(area: &str, key: &str, json: &str) -> Result<(), String> {
    let value = js_sys::JSON::parse(json).map_err(|e| js_text(&e))?;
    let items = Object::new();
    Reflect::set(&items, &JsValue::from_str(key), &value).map_err(|e| js_text(&e))?;
    call(&["chrome", "storage", area], "set", &[items.into()]).await?;
    Ok(())
}

async fn remove(area: &str, key: &str) -> Result<(), String> {
    call(
        &["chrome", "storage", area],
        "remove",
        &[JsValue::from_str(key)],
    )
    .await?;
    Ok(())
}

/// The settings (defaults when none are stored). Stored settings are read tolerantly
/// ([`Settings::from_value`]); an error only when they cannot be read at all (not an
/// object): then they are kept, and [`save_settings`] does not write over them.
pub async fn load_settings() -> Result<Settings, String> {
    match get_json("local", SETTINGS_KEY).await? {
        None => Ok(Settings::default()),
        Some(text) => Settings::from_json(&text).map_err(|e| e.to_string()),
    }
}

/// Store the settings. Secrets of instances without `remember` are dropped from them.
/// Refuses when the stored settings cannot be read by this version (they would be lost);
/// [`replace_settings`] writes over them when the user chose to.
pub async fn save_settings(settings: &Settings) -> Result<(), String> {
    if let Some(text) = get_json("local", SETTINGS_KEY).await? {
        Settings::from_json(&text).map_err(|e| {
            format!("{e}; nothing was saved (“Replace the unreadable settings” writes over them)")
        })?;
    }
    replace_settings(settings).await
}

/// Store the settings, over whatever is stored (even settings this version cannot read).
pub async fn replace_settings(settings: &Settings) -> Result<(), String> {
    let mut settings = settings.clone();
    for instance in &mut settings.instances {
        if !instance.remember {
            instance.secret = None;
        }
    }
    let json = serde_json::to_string(&settings).map_err(|e| e.to_string())?;
    set_json("local", SETTINGS_KEY, &json).await
}

/// The per-request time limit of a check: [`DEFAULT_TIMEOUT_MS`], or `checkTimeoutMs`
/// from the session when it is a whole number of milliseconds from 500 to
/// 120000 (as `extension/check.js` `timeoutOf` reads it for the worker).
pub async fn check_timeout_ms() -> u32 {
    get_json("session", TIMEOUT_KEY)
        .await
        .ok()
        .flatten()
        .and_then(|t| t.parse::<u32>().ok())
        .filter(|ms| (500..=120_000).contains(ms))
        .unwrap_or(DEFAULT_TIMEOUT_MS)
}

/// The session secrets map.
pub async fn load_secrets() -> Result<std::collections::BTreeMap<String, String>, String> {
    Ok(get_json("session", SECRETS_KEY)
        .await?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

/// Store the session secrets map.
pub async fn save_secrets(
    secrets: &std::collections::BTreeMap<String, String>,
) -> Result<(), String> {
    let json = serde_json::to_string(secrets).map_err(|e| e.to_string())?;
    set_json("session", SECRETS_KEY, &json).await
}

/// The secret of an instance: remembered in the settings, else from the session.
pub async fn secret_for(instance: &crate::model::Instance) -> Option<String> {
    if let Some(secret) = instance.secret.clone().filter(|s| !s.is_empty()) {
        return Some(secret);
    }
    load_secrets()
        .await
        .ok()
        .and_then(|m| m.get(&instance.id).cloned())
        .filter(|s| !s.is_empty())
}

/// The latest stored snapshot of an instance.
pub async fn load_snapshot(id: &str) -> Option<Snapshot> {
    get_json("local", &snapshot_key(id))
        .await
        .ok()
        .flatten()
        .and_then(|t| Snapshot::from_json(&t))
}

/// Store a snapshot.
pub async fn save_snapshot(snapshot: &Snapshot) -> Result<(), String> {
    let json = serde_json::to_string(snapshot).map_err(|e| e.to_string())?;
    set_json("local", &snapshot_key(&snapshot.instance_id), &json).await
}

/// Forget everything stored about an instance except the settings entry.
pub async fn forget(id: &str) -> Result<(), String> {
    remove("local", &snapshot_key(id)).await?;
    remove("local", &history_key(id)).await?;
    remove("local", &week_key(id)).await?;
    let mut secrets = load_secrets().await.unwrap_or_default();
    if secrets.remove(id).is_some() {
        save_secrets(&secrets).await?;
    }
    Ok(())
}

/// The history of an instance (oldest first).
pub async fn load_history(id: &str) -> Vec<HistoryPoint> {
    get_json("local", &history_key(id))
        .await
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The 7-day hourly buckets of an instance (oldest first).
pub async fn load_week(id: &str) -> Vec<Bucket> {
    get_json("local", &week_key(id))
        .await
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The ids of the instances with a secret in this browser session (not the secrets).
pub async fn session_secret_ids() -> std::collections::BTreeSet<String> {
    load_secrets()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, secret)| !secret.is_empty())
        .map(|(id, _)| id)
        .collect()
}

/// Keep an instance's secret for this browser session (the popup's "enter it again").
pub async fn save_session_secret(id: &str, secret: &str) -> Result<(), String> {
    let mut secrets = load_secrets().await?;
    secrets.insert(id.to_string(), secret.to_string());
    save_secrets(&secrets).await
}

/// The id of the instance the popup shows.
pub async fn load_selected() -> Option<String> {
    get_json("local", SELECTED_KEY)
        .await
        .ok()
        .flatten()
        .and_then(|t| serde_json::from_str(&t).ok())
}

/// Remember the instance the popup shows, and when it was picked.
pub async fn save_selected(id: &str) -> Result<(), String> {
    let json = serde_json::to_string(id).map_err(|e| e.to_string())?;
    set_json("local", SELECTED_KEY, &json).await?;
    set_json("local", SELECTED_AT_KEY, &(date_now() as i64).to_string()).await
}

/// When the instance the popup shows was last picked (epoch ms; 0 if never).
pub async fn load_selected_at() -> i64 {
    get_json("local", SELECTED_AT_KEY)
        .await
        .ok()
        .flatten()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0)
}

/// Whether the browser's host-permission match patterns can name a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternPorts {
    /// Chromium: `https://host:8443/*` grants exactly that port.
    Exact,
    /// Firefox: a match pattern has no port. Firefox accepts and even "grants"
    /// `https://host:8443/*` (`permissions.contains` says yes), but requests to that port
    /// stay blocked (a `NetworkError`, seen in Firefox 153 ESR); `https://host/*` opens every
    /// port of the host (MDN, "Match patterns": the host part has no port).
    Ignored,
}

impl PatternPorts {
    /// What this browser does: Firefox (the only one with `runtime.getBrowserInfo`)
    /// ignores ports, Chromium matches them.
    pub fn detect() -> Self {
        if chrome_path(&["chrome", "runtime", "getBrowserInfo"]).is_ok() {
            PatternPorts::Ignored
        } else {
            PatternPorts::Exact
        }
    }
}

/// The host-permission match pattern of one origin: `scheme://host:port/*` where the
/// browser matches ports, else `scheme://host/*` (the narrowest pattern that works there).
pub fn permission_pattern(origin: &msr_lens_core::Origin, ports: PatternPorts) -> String {
    match ports {
        PatternPorts::Exact => format!("{}://{}/*", origin.scheme(), origin.authority()),
        PatternPorts::Ignored => format!("{}://{}/*", origin.scheme(), origin.host()),
    }
}

fn origins_object(patterns: &[String]) -> JsValue {
    let object = Object::new();
    let array = Array::new();
    for p in patterns {
        array.push(&JsValue::from_str(p));
    }
    let _ = Reflect::set(&object, &JsValue::from_str("origins"), &array);
    object.into()
}

/// Ask for host permission for exactly these patterns (must run in a user gesture).
pub async fn request_permission(patterns: &[String]) -> Result<bool, String> {
    let granted = call(
        &["chrome", "permissions"],
        "request",
        &[origins_object(patterns)],
    )
    .await?;
    Ok(granted.as_bool().unwrap_or(false))
}

/// Whether host permission for these patterns is granted.
pub async fn has_permission(patterns: &[String]) -> Result<bool, String> {
    let granted = call(
        &["chrome", "permissions"],
        "contains",
        &[origins_object(patterns)],
    )
    .await?;
    Ok(granted.as_bool().unwrap_or(false))
}

/// Ask the background worker to re-check an instance now; resolves when its check is
/// stored (the snapshots arrive through [`watch_snapshots`]).
///
/// The request goes over a `runtime.connect` port named `refresh`, not
/// `runtime.sendMessage`: a page closed while the check runs (a popup closed before the
/// answer) then only disconnects its port. Firefox reports every extension API promise
/// still pending when its page unloads as an error in the browser console ("Promise
/// rejected after context unloaded"), which a pending `sendMessage` would be.
pub async fn request_refresh(instance_id: &str) -> Result<(), String> {
    let info = Object::new();
    let _ = Reflect::set(
        &info,
        &JsValue::from_str("name"),
        &JsValue::from_str("refresh"),
    );
    let port = call(&["chrome", "runtime"], "connect", &[info.into()]).await?;
    let (sender, answer) = futures::channel::oneshot::channel::<Result<(), String>>();
    let sender = std::rc::Rc::new(std::cell::RefCell::new(Some(sender)));
    let reply = sender.clone();
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        let ok = Reflect::get(&message, &JsValue::from_str("ok"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if let Some(sender) = reply.borrow_mut().take() {
            let _ = sender.send(if ok {
                Ok(())
            } else {
                Err("the background worker did not answer".to_string())
            });
        }
    });
    let on_disconnect = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        if let Some(sender) = sender.borrow_mut().take() {
            let _ = sender.send(Err("the background worker did not answer".to_string()));
        }
    });
    let listen = |event: &str, listener: &JsValue| -> Result<(), String> {
        let target = Reflect::get(&port, &JsValue::from_str(event)).map_err(|e| js_text(&e))?;
        let add: js_sys::Function = Reflect::get(&target, &JsValue::from_str("addListener"))
            .map_err(|e| js_text(&e))?
            .dyn_into()
            .map_err(|_| format!("{event}.addListener is not a function"))?;
        add.call1(&target, listener).map_err(|e| js_text(&e))?;
        Ok(())
    };
    listen("onMessage", on_message.as_ref())?;
    listen("onDisconnect", on_disconnect.as_ref())?;
    let message = Object::new();
    let _ = Reflect::set(
        &message,
        &JsValue::from_str("type"),
        &JsValue::from_str("refresh"),
    );
    let _ = Reflect::set(
        &message,
        &JsValue::from_str("id"),
        &JsValue::from_str(instance_id),
    );
    let post: js_sys::Function = Reflect::get(&port, &JsValue::from_str("postMessage"))
        .map_err(|e| js_text(&e))?
        .dyn_into()
        .map_err(|_| "port.postMessage is not a function".to_string())?;
    post.call1(&port, &message).map_err(|e| js_text(&e))?;
    let result = answer
        .await
        .unwrap_or_else(|_| Err("the background worker did not answer".to_string()));
    // Our own disconnect fires no onDisconnect here, so the listeners can go with it.
    if let Ok(disconnect) = Reflect::get(&port, &JsValue::from_str("disconnect"))
        .and_then(|f| f.dyn_into::<js_sys::Function>())
    {
        let _ = disconnect.call0(&port);
    }
    drop((on_message, on_disconnect));
    result
}

/// Ask the background worker to re-check now (fire and forget).
pub async fn poke_background(instance_id: &str) {
    let _ = request_refresh(instance_id).await;
}

/// Call `on_snapshot` with every snapshot stored from now on (by the background worker).
/// The listener lives as long as the page.
pub fn watch_snapshots(on_snapshot: impl Fn(Snapshot) + 'static) -> Result<(), String> {
    watch_local(move |key, value| {
        if !key.starts_with("snapshot:") {
            return;
        }
        let text = js_sys::JSON::stringify(value)
            .ok()
            .and_then(|t| t.as_string());
        if let Some(snapshot) = text.as_deref().and_then(Snapshot::from_json) {
            on_snapshot(snapshot);
        }
    })
}

/// Call `on_history` with the instance id whenever the worker stores an instance's
/// history (`history:<id>`; it writes the 7-day buckets in the same change). It does so
/// after the complete snapshot of a check, so a view that shows the strips reads them
/// again then. The listener lives as long as the page.
pub fn watch_histories(on_history: impl Fn(String) + 'static) -> Result<(), String> {
    watch_local(move |key, _| {
        if let Some(id) = key.strip_prefix("history:") {
            on_history(id.to_string());
        }
    })
}

/// Call `on_change(key, new value)` for every change of `chrome.storage.local` from now
/// on (a removed key's new value is `undefined`).
fn watch_local(on_change: impl Fn(&str, &JsValue) + 'static) -> Result<(), String> {
    let event = chrome_path(&["chrome", "storage", "onChanged"])?;
    let listener =
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |changes: JsValue, area: JsValue| {
            if area.as_string().as_deref() != Some("local") {
                return;
            }
            for key in Object::keys(&Object::from(changes.clone())).iter() {
                let Some(name) = key.as_string() else {
                    continue;
                };
                let value = Reflect::get(&changes, &key)
                    .and_then(|c| Reflect::get(&c, &JsValue::from_str("newValue")))
                    .unwrap_or(JsValue::UNDEFINED);
                on_change(&name, &value);
            }
        });
    let method = |name: &str| -> Result<js_sys::Function, String> {
        Reflect::get(&event, &JsValue::from_str(name))
            .map_err(|e| js_text(&e))?
            .dyn_into()
            .map_err(|_| format!("onChanged.{name} is not a function"))
    };
    let (add, remove) = (method("addListener")?, method("removeListener")?);
    add.call1(&event, listener.as_ref())
        .map_err(|e| js_text(&e))?;
    // The page takes its listener off when it goes away: Firefox (153 ESR) otherwise
    // unregisters it after the page's connection is closed and reports "sendRemoveListener
    // on closed conduit" as an error in the browser console. Back from the back/forward
    // cache (`pageshow` with `persisted`), the page listens again.
    if let Some(window) = web_sys::window() {
        let function: js_sys::Function = listener.as_ref().clone().unchecked_into();
        let (on_hide, on_show) = (function.clone(), function);
        let (event_hide, event_show) = (event.clone(), event);
        let hide = Closure::<dyn Fn()>::new(move || {
            let _ = remove.call1(&event_hide, &on_hide);
        });
        let show = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
            let persisted = Reflect::get(&e, &JsValue::from_str("persisted"))
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if persisted {
                let _ = add.call1(&event_show, &on_show);
            }
        });
        let _ = window.add_event_listener_with_callback("pagehide", hide.as_ref().unchecked_ref());
        let _ = window.add_event_listener_with_callback("pageshow", show.as_ref().unchecked_ref());
        hide.forget();
        show.forget();
    }
    listener.forget();
    Ok(())
}

/// Open an extension page (e.g. `options.html`, `audit.html?id=...`) in a tab.
pub async fn open_page(path: &str) -> Result<(), String> {
    let url = call(&["chrome", "runtime"], "getURL", &[JsValue::from_str(path)]).await?;
    let props = Object::new();
    let _ = Reflect::set(&props, &JsValue::from_str("url"), &url);
    call(&["chrome", "tabs"], "create", &[props.into()]).await?;
    Ok(())
}

#[wasm_bindgen]
extern "C" {
    /// `Date.now()`.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    pub fn date_now() -> f64;
}

/// Now, as the core's timestamp.
pub fn now() -> msr_lens_core::Timestamp {
    // Milliseconds fit in i64 for the next 290 million years.
    #[allow(clippy::cast_possible_truncation)]
    msr_lens_core::Timestamp::from_millis(date_now() as i64)
}

/// Give up host permission for these patterns.
pub async fn remove_permission(patterns: &[String]) -> Result<bool, String> {
    let removed = call(
        &["chrome", "permissions"],
        "remove",
        &[origins_object(patterns)],
    )
    .await?;
    Ok(removed.as_bool().unwrap_or(false))
}

/// The permission patterns an instance needs (origin and replicas), for this browser.
#[cfg(feature = "net")]
pub fn instance_patterns(instance: &crate::model::Instance) -> Result<Vec<String>, String> {
    let ports = PatternPorts::detect();
    let (origin, replicas) = crate::services::check::origins(instance)?;
    let mut patterns = vec![permission_pattern(&origin, ports)];
    for (_, r) in replicas {
        let p = permission_pattern(&r, ports);
        if !patterns.contains(&p) {
            patterns.push(p);
        }
    }
    Ok(patterns)
}

/// A new random instance id.
pub fn new_id() -> String {
    let n = js_sys::Math::random() * 1e12;
    format!("i{}{}", date_now() as i64 % 1_000_000, n as u64)
}

/// A query parameter of the page URL (`?id=...`).
pub fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::{PatternPorts, permission_pattern};
    use msr_lens_core::Origin;

    #[test]
    fn patterns_name_the_port_only_where_the_browser_matches_ports() {
        let origin = Origin::parse("https://127.0.0.1:8443").unwrap();
        assert_eq!(
            permission_pattern(&origin, PatternPorts::Exact),
            "https://127.0.0.1:8443/*"
        );
        assert_eq!(
            permission_pattern(&origin, PatternPorts::Ignored),
            "https://127.0.0.1/*"
        );
        let default = Origin::parse("https://MSR.example.org:443/").unwrap();
        for ports in [PatternPorts::Exact, PatternPorts::Ignored] {
            assert_eq!(
                permission_pattern(&default, ports),
                "https://msr.example.org/*"
            );
        }
        let http = Origin::parse("http://[::1]:8080").unwrap();
        assert_eq!(
            permission_pattern(&http, PatternPorts::Exact),
            "http://[::1]:8080/*"
        );
        assert_eq!(
            permission_pattern(&http, PatternPorts::Ignored),
            "http://[::1]/*"
        );
    }
}
