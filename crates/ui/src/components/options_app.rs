//! The options page: instances, polling and notifications.

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use std::collections::BTreeMap;

use msr_lens_core::Origin;

use super::instance_form::InstanceForm;
use super::status_strip::StatusStrip;
use super::test_results::TestResults;
use crate::audit::persist::{self, store_key};
use crate::format::verdict_word;
use crate::glance::buckets_of;
use crate::model::{Instance, Settings};
use crate::services::{storage, test_connection};
use crate::state::{Draft, Field, FieldName, OptionsAction, OptionsState};

/// 24 hours and 7 days, milliseconds.
const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;

/// The address fields of an instance, checked before anything is asked or sent; the
/// error belongs beside its field.
fn validate(instance: &Instance) -> Result<(), (FieldName, String)> {
    Origin::parse(&instance.origin).map_err(|e| {
        (
            FieldName::Origin,
            if instance.origin.is_empty() {
                "enter MSR's address, e.g. msr.example.org".to_string()
            } else {
                format!("“{}” is not a usable address: {e}", instance.origin)
            },
        )
    })?;
    for replica in &instance.replicas {
        Origin::parse(replica).map_err(|e| {
            (
                FieldName::Replicas,
                format!("“{replica}” is not a usable address: {e}"),
            )
        })?;
    }
    Ok(())
}

/// Read what the list shows beside each instance: which have a session secret, and
/// each one's latest verdict and histories (written by the background worker).
async fn load_glance(state: UseReducerHandle<OptionsState>) {
    let Ok(settings) = storage::load_settings().await else {
        return;
    };
    let mut glance = BTreeMap::new();
    let mut discovered = BTreeMap::new();
    for instance in &settings.instances {
        let snapshot = storage::load_snapshot(&instance.id).await;
        let verdict = snapshot
            .as_ref()
            .map(|s| crate::glance::state_of(s).to_string())
            .unwrap_or_default();
        let replicas: Vec<String> = snapshot
            .and_then(|s| s.discovery)
            // What the options offer to ping: each listed replica's health check address.
            .map(|d| {
                d.replicas
                    .into_iter()
                    .filter_map(|r| r.ping_url.filter(|url| !url.is_empty()))
                    .collect()
            })
            .unwrap_or_default();
        if !replicas.is_empty() {
            discovered.insert(instance.id.clone(), replicas);
        }
        let history = storage::load_history(&instance.id).await;
        let week = storage::load_week(&instance.id).await;
        glance.insert(instance.id.clone(), (verdict, history, week));
    }
    let session_secrets = storage::session_secret_ids().await;
    state.dispatch(OptionsAction::Glance {
        session_secrets,
        glance,
        discovered,
    });
}

/// The discovered replica origins not yet among the instance's replica addresses
/// (compared as origins, so `https://h:443` and `https://h` are one).
fn not_added(instance: &Instance, discovered: &[String]) -> Vec<String> {
    let same = |a: &str, b: &str| match (Origin::parse(a), Origin::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    let mut out: Vec<String> = Vec::new();
    for d in discovered {
        let known = instance.replicas.iter().any(|r| same(r, d)) || out.iter().any(|o| same(o, d));
        if !known && Origin::parse(d).is_ok() {
            out.push(d.clone());
        }
    }
    out
}

/// "Ping these replicas": ask host permission for exactly their origins (first, while the
/// click still counts as a user gesture), then add them as the instance's replica
/// addresses. Nothing is fetched from them unless the browser granted it.
async fn add_discovered(state: UseReducerHandle<OptionsState>, id: String, origins: Vec<String>) {
    let ports = storage::PatternPorts::detect();
    let mut patterns: Vec<String> = Vec::new();
    for o in &origins {
        if let Ok(origin) = Origin::parse(o) {
            let p = storage::permission_pattern(&origin, ports);
            if !patterns.contains(&p) {
                patterns.push(p);
            }
        }
    }
    match storage::request_permission(&patterns).await {
        Ok(true) => {}
        Ok(false) => {
            return state.dispatch(OptionsAction::Status(
                false,
                format!(
                    "access to {} was not granted; the replicas are not pinged",
                    patterns.join(", ")
                ),
            ));
        }
        Err(e) => {
            return state.dispatch(OptionsAction::Status(
                false,
                format!("permission request failed: {e}"),
            ));
        }
    }
    // The settings as stored now (the background worker or another page may have saved).
    let mut settings = match storage::load_settings().await {
        Ok(s) => s,
        Err(e) => {
            return state.dispatch(OptionsAction::Status(false, format!("could not save: {e}")));
        }
    };
    let Some(instance) = settings.instances.iter_mut().find(|i| i.id == id) else {
        return;
    };
    let added = not_added(instance, &origins);
    instance.replicas.extend(added.iter().cloned());
    let name = instance.name.clone();
    match storage::save_settings(&settings).await {
        Ok(()) => {
            state.dispatch(OptionsAction::Saved(
                settings,
                format!(
                    "“{name}” now pings {} more replica(s): {}",
                    added.len(),
                    added.join(", ")
                ),
            ));
            load_glance(state.clone()).await;
            storage::poke_background(&id).await;
        }
        Err(e) => state.dispatch(OptionsAction::Status(false, format!("could not save: {e}"))),
    }
}

async fn save_draft(state: UseReducerHandle<OptionsState>, draft: Draft) {
    let instance = draft.to_instance();
    if let Err(error) = validate(&instance) {
        return state.dispatch(OptionsAction::FieldError(Some(error)));
    }
    let patterns = match storage::instance_patterns(&instance) {
        Ok(p) => p,
        Err(message) => return state.dispatch(OptionsAction::Status(false, message)),
    };
    // Ask first, while the click still counts as a user gesture.
    match storage::request_permission(&patterns).await {
        Ok(true) => {}
        Ok(false) => {
            return state.dispatch(OptionsAction::Status(
                false,
                format!(
                    "access to {} was not granted; MSR Lens cannot check it without it",
                    patterns.join(", ")
                ),
            ));
        }
        Err(e) => {
            return state.dispatch(OptionsAction::Status(
                false,
                format!("permission request failed: {e}"),
            ));
        }
    }
    let mut settings = state.settings.clone();
    // Records read from another origin or as another user are not this instance's any more.
    let moved = settings
        .instances
        .iter()
        .find(|i| i.id == instance.id)
        .is_some_and(|old| store_key(old) != store_key(&instance));
    match settings.instances.iter_mut().find(|i| i.id == instance.id) {
        Some(slot) => *slot = instance.clone(),
        None => settings.instances.push(instance.clone()),
    }
    let mut secrets = storage::load_secrets().await.unwrap_or_default();
    if instance.remember || draft.secret.is_empty() {
        secrets.remove(&instance.id);
    } else {
        secrets.insert(instance.id.clone(), draft.secret.clone());
    }
    let saved = async {
        storage::save_secrets(&secrets).await?;
        storage::save_settings(&settings).await?;
        if moved {
            persist::clear_instance(&instance.id).await?;
        }
        storage::save_selected(&instance.id).await
    };
    match saved.await {
        Ok(()) => {
            let id = instance.id.clone();
            state.dispatch(OptionsAction::Saved(
                settings,
                format!("saved “{}”", instance.name),
            ));
            load_glance(state.clone()).await;
            spawn_local(async move { storage::poke_background(&id).await });
        }
        Err(e) => state.dispatch(OptionsAction::Status(false, format!("could not save: {e}"))),
    }
}

async fn save_general(state: UseReducerHandle<OptionsState>, settings: Settings) -> bool {
    match storage::save_settings(&settings).await {
        Ok(()) => {
            state.dispatch(OptionsAction::Saved(settings, "settings saved".into()));
            load_glance(state).await;
            true
        }
        Err(e) => {
            state.dispatch(OptionsAction::Status(false, format!("could not save: {e}")));
            false
        }
    }
}

/// The options page root.
#[function_component(OptionsApp)]
pub fn options_app() -> Html {
    let state = use_reducer(OptionsState::default);
    let now = storage::date_now() as i64;
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            // The strips and status dots follow the background worker's checks (a check's
            // history point lands after its complete snapshot).
            let watcher = state.clone();
            let _ = storage::watch_snapshots(move |_| spawn_local(load_glance(watcher.clone())));
            let watcher = state.clone();
            let _ = storage::watch_histories(move |_| spawn_local(load_glance(watcher.clone())));
            spawn_local(async move {
                match storage::load_settings().await {
                    Ok(s) => {
                        state.dispatch(OptionsAction::Loaded(s));
                        load_glance(state).await;
                    }
                    Err(e) => state.dispatch(OptionsAction::Unreadable(e)),
                }
            });
        });
    }
    let ask_replace = |confirm: bool| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(OptionsAction::ConfirmReplace(confirm)))
    };
    let replace = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let state = state.clone();
            spawn_local(async move {
                let settings = Settings::default();
                state.dispatch(OptionsAction::ConfirmReplace(false));
                match storage::replace_settings(&settings).await {
                    Ok(()) => state.dispatch(OptionsAction::Saved(
                        settings,
                        "the unreadable settings were replaced with empty ones".into(),
                    )),
                    Err(e) => {
                        state.dispatch(OptionsAction::Status(false, format!("could not save: {e}")))
                    }
                }
            });
        })
    };
    let on_field = {
        let state = state.clone();
        Callback::from(move |f: Field| state.dispatch(OptionsAction::Set(f)))
    };
    let on_save = {
        let state = state.clone();
        Callback::from(move |()| {
            if let Some(draft) = state.draft.clone() {
                spawn_local(save_draft(state.clone(), draft));
            }
        })
    };
    let on_test = {
        let state = state.clone();
        Callback::from(move |()| {
            let Some(draft) = state.draft.clone() else {
                return;
            };
            let state = state.clone();
            let instance = draft.to_instance();
            if let Err(error) = validate(&instance) {
                return state.dispatch(OptionsAction::FieldError(Some(error)));
            }
            state.dispatch(OptionsAction::FieldError(None));
            state.dispatch(OptionsAction::Testing);
            spawn_local(async move {
                if let Ok(patterns) = storage::instance_patterns(&instance) {
                    let _ = storage::request_permission(&patterns).await;
                }
                let secret = (!draft.secret.is_empty()).then(|| draft.secret.clone());
                let lines = test_connection::test_connection(&instance, secret.as_deref()).await;
                state.dispatch(OptionsAction::Tested(lines));
            });
        })
    };
    let on_cancel = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(OptionsAction::Cancel))
    };
    let on_add = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(OptionsAction::Edit(Draft::new(storage::new_id())))
        })
    };
    let edit = |id: String| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(instance) = state
                .settings
                .instances
                .iter()
                .find(|i| i.id == id)
                .cloned()
            else {
                return;
            };
            let state = state.clone();
            spawn_local(async move {
                let secret = storage::secret_for(&instance).await;
                state.dispatch(OptionsAction::Edit(Draft::edit(&instance, secret)));
            });
        })
    };
    let ask_remove = |id: Option<String>| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(OptionsAction::ConfirmRemove(id.clone()))
        })
    };
    let remove = |id: String| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let mut settings = state.settings.clone();
            let removed: Vec<_> = settings
                .instances
                .iter()
                .filter(|i| i.id == id)
                .cloned()
                .collect();
            settings.instances.retain(|i| i.id != id);
            let state = state.clone();
            let id = id.clone();
            spawn_local(async move {
                // The settings first: once the instance is gone from them, the background
                // stores nothing more for it (a check running now included), so what is
                // forgotten below stays forgotten. A refused save forgets nothing.
                if !save_general(state.clone(), settings.clone()).await {
                    return;
                }
                let _ = storage::forget(&id).await;
                // The audit view's stored records of every origin and user it was read with.
                let cleared = persist::clear_instance(&id).await;
                for instance in &removed {
                    if let Ok(patterns) = storage::instance_patterns(instance) {
                        let still_used = settings.instances.iter().any(|i| {
                            storage::instance_patterns(i)
                                .map(|p| p.iter().any(|x| patterns.contains(x)))
                                .unwrap_or(false)
                        });
                        if !still_used {
                            let _ = storage::remove_permission(&patterns).await;
                        }
                    }
                }
                let name = removed.first().map(|i| i.name.clone()).unwrap_or_default();
                // Said once everything about it is gone (tests wait for these words).
                state.dispatch(match cleared {
                    Ok(_) => OptionsAction::Status(
                        true,
                        format!("removed “{name}” and everything stored about it"),
                    ),
                    Err(e) => OptionsAction::Status(
                        false,
                        format!("removed, but its stored audit records could not be deleted: {e}"),
                    ),
                });
            });
        })
    };
    // `key`: the stored field it sets (a stored value this version could not read is then
    // the user's choice no more).
    let general = |key: &'static str, update: fn(&mut Settings, &HtmlInputElement)| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                let mut settings = state.settings.clone();
                settings.kept.remove(key);
                update(&mut settings, &input);
                let state = state.clone();
                spawn_local(async move {
                    save_general(state, settings).await;
                });
            }
        })
    };

    let ping_discovered = |id: String| {
        let state = state.clone();
        Callback::from(move |origins: Vec<String>| {
            spawn_local(add_discovered(state.clone(), id.clone(), origins))
        })
    };

    html! {
        <main class="options">
            <h1>{ "MSR Lens options" }</h1>
            if let Some((ok, message)) = &state.status {
                <p class={classes!("status", if *ok { "ok" } else { "error" })} role="status" data-testid="status">{ message.clone() }</p>
            }
            <section aria-labelledby="instances-h">
                <h2 id="instances-h">{ "MSR instances" }</h2>
                if let Some(why) = &state.unreadable {
                    <div class="unreadable" role="alert" data-testid="settings-unreadable">
                        <p>{ format!("{why}. Nothing is saved over them unless you replace them.") }</p>
                        if state.confirm_replace {
                            <div class="confirm" role="group" aria-label="Replace the unreadable settings?">
                                <span>{ "Replace them with empty settings? What is stored now is lost." }</span>
                                <button type="button" class="danger" onclick={replace}>{ "Yes, replace them" }</button>
                                <button type="button" onclick={ask_replace(false)}>{ "Keep them" }</button>
                            </div>
                        } else {
                            <button type="button" onclick={ask_replace(true)}>{ "Replace the unreadable settings" }</button>
                        }
                    </div>
                }
                if !state.settings.unreadable.is_empty() {
                    <p class="unreadable" role="status" data-testid="instances-unreadable">{
                        match state.settings.unreadable.len() {
                            1 => "1 stored instance could not be read by this version; it is kept".to_string(),
                            n => format!("{n} stored instances could not be read by this version; they are kept"),
                        }
                    }</p>
                }
                if state.settings.instances.is_empty() && state.loaded && state.unreadable.is_none() && state.settings.unreadable.is_empty() {
                    <p class="muted">{ "None yet." }</p>
                }
                <ul class="instances" data-glance={state.glance_loaded.to_string()}>
                { for state.settings.instances.iter().map(|i| {
                    let (verdict, history, week) = state.glance.get(&i.id).cloned().unwrap_or_default();
                    let verdict = if verdict.is_empty() { "unknown".to_string() } else { verdict };
                    let secret_missing = state.glance_loaded && i.secret_missing(&state.session_secrets);
                    let confirming = state.confirm_remove.as_deref() == Some(i.id.as_str());
                    html! {
                    <li data-instance={i.id.clone()} class="instance-row">
                        <div class="row-head">
                            <span class={classes!("state-pill", format!("v-{verdict}"))} data-state={verdict.clone()}><span class="verdict-dot" aria-hidden="true"></span>{ verdict_word(&verdict) }</span>
                            <strong>{ i.name.clone() }</strong>
                            <span class="muted">{ format!("{} · {}", i.origin, if i.username.is_empty() { "anonymous".to_string() } else { i.username.clone() }) }</span>
                            <span class="row-actions">
                                <button type="button" onclick={edit(i.id.clone())} aria-label={format!("Edit {}", i.name)}>{ "Edit" }</button>
                                <button type="button" onclick={ask_remove(Some(i.id.clone()))} aria-label={format!("Remove {}", i.name)} aria-expanded={confirming.to_string()}>{ "Remove" }</button>
                            </span>
                        </div>
                        if !i.unread_fields().is_empty() {
                            <p class="muted" data-testid="fields-unread">{ format!("stored values this version cannot read are kept as they are: {}", i.unread_fields().join(", ")) }</p>
                        }
                        if secret_missing {
                            <p class="secret-missing" data-testid="secret-missing">
                                <span class="pill warn">{ "no secret" }</span>
                                { format!("the secret of “{}” is not kept after a browser restart — Edit to enter it again (or tick “Remember on this device”)", i.username) }
                            </p>
                        }
                        if confirming {
                            <div class="confirm" role="group" aria-label={format!("Remove {}?", i.name)} data-testid="confirm-remove">
                                <span>{ format!("Remove “{}”? Its stored checks, history and audit records on this device are deleted.", i.name) }</span>
                                <button type="button" class="danger" onclick={remove(i.id.clone())} aria-label={format!("Yes, remove {}", i.name)}>{ "Yes, remove" }</button>
                                <button type="button" onclick={ask_remove(None)} aria-label={format!("Keep {}", i.name)}>{ "Keep" }</button>
                            </div>
                        }
                        { discovered_view(i, state.discovered.get(&i.id), ping_discovered(i.id.clone())) }
                        <div class="strips">
                            <StatusStrip buckets={buckets_of(&history)} now={now} span_ms={DAY_MS} slots={48} label="24 hours" key_name="24h" />
                            <StatusStrip buckets={week} now={now} span_ms={WEEK_MS} slots={42} label="7 days" key_name="7d" />
                        </div>
                    </li>
                }}) }
                </ul>
                if state.draft.is_none() && state.unreadable.is_none() {
                    <button type="button" class="primary" onclick={on_add}>{ "Add an MSR instance" }</button>
                }
            </section>
            if let Some(draft) = &state.draft {
                <InstanceForm draft={draft.clone()} on_field={on_field} on_save={on_save} on_test={on_test} on_cancel={on_cancel} testing={state.testing} field_error={state.field_error.clone()} />
                <TestResults lines={state.tests.clone()} testing={state.testing} />
            }
            <section aria-labelledby="general-h">
                <h2 id="general-h">{ "Background checks" }</h2>
                <label for="poll">{ "Check every (minutes)" }</label>
                <input id="poll" type="number" min="1" max="60" value={state.settings.poll_minutes.to_string()}
                    onchange={general("pollMinutes", |s, i| s.poll_minutes = i.value().parse::<u32>().unwrap_or(1).clamp(1, 60))} />
                <label class="check"><input id="notify-verdict" type="checkbox" checked={state.settings.notify_verdict}
                    onchange={general("notifyVerdict", |s, i| s.notify_verdict = i.checked())} />{ " Notify me when an instance's verdict changes" }</label>
                <label class="check"><input id="notify-deletions" type="checkbox" checked={state.settings.notify_deletions}
                    onchange={general("notifyDeletions", |s, i| s.notify_deletions = i.checked())} />{ " Notify me when trust data is deleted" }</label>
            </section>
        </main>
    }
}

/// The replicas MSR's settings list for a saved instance (from its latest check), each
/// marked as pinged or not, and the action that adds those not yet pinged.
fn discovered_view(
    instance: &Instance,
    discovered: Option<&Vec<String>>,
    on_ping: Callback<Vec<String>>,
) -> Html {
    let Some(discovered) = discovered.filter(|d| !d.is_empty()) else {
        return Html::default();
    };
    let missing = not_added(instance, discovered);
    let heading = format!("discovered-{}", instance.id);
    let onclick = {
        let missing = missing.clone();
        move |_: MouseEvent| on_ping.emit(missing.clone())
    };
    html! {
        <div class="discovered" data-testid="discovered">
            <h3 id={heading.clone()}>{ "Replicas MSR's settings list" }</h3>
            <ul class="discovered" aria-labelledby={heading}>
                { for discovered.iter().map(|d| {
                    let pinged = !missing.contains(d);
                    html! {
                        <li data-discovered={d.clone()} data-pinged={pinged.to_string()}>
                            { d.clone() }{ " " }
                            <span class="muted">{ if pinged { "pinged" } else { "not pinged" } }</span>
                        </li>
                    }
                }) }
            </ul>
            if !missing.is_empty() {
                <button type="button" onclick={onclick} aria-label={format!("Ping these replicas of {}", instance.name)}>{ "Ping these replicas" }</button>
                <span class="muted">{ " asks this browser for access to exactly these addresses" }</span>
            }
        </div>
    }
}
