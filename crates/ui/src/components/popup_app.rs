//! The popup: last known state at once, then a fresh check. With several instances it
//! opens on the worst one.

use std::collections::BTreeMap;

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::instance_picker::InstancePicker;
use super::issue_list::IssueList;
use super::job_runner_panel::JobRunnerPanel;
use super::nginx_panel::NginxPanel;
use super::problem_list::ProblemList;
use super::replica_table::ReplicaTable;
use super::secret_prompt::SecretPrompt;
use super::status_strip::StatusStrip;
use super::trust_list::TrustList;
use super::verdict_banner::VerdictBanner;
use crate::glance::{
    buckets_of, job_runner_reasons, other_reasons, state_of, summary, trust_note, worst,
};
use crate::model::{Problem, Settings, Snapshot};
use crate::services::storage;
use crate::state::{PopupAction, PopupState};

/// 24 hours and 7 days, milliseconds.
const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;

/// Ask the background worker (the one poller for all views) to check the selected
/// instance now; its snapshots arrive through the storage watcher.
fn refresh(state: UseReducerHandle<PopupState>) {
    let Some(id) = state.selected.clone() else {
        return;
    };
    refresh_instance(state, id);
}

/// Ask the background worker to check instance `id` now (see [`refresh`]).
///
/// The worker answers once it stored the check, but its answer (a port message) and the
/// storage change that carries the snapshot reach this page on separate channels, in
/// either order: the stored snapshot is read again before the button is enabled, so a
/// "done" popup never shows the check before. (A check that stored nothing leaves the
/// stored snapshot as it was: that one is not shown as fresh.)
fn refresh_instance(state: UseReducerHandle<PopupState>, id: String) {
    state.dispatch(PopupAction::Refreshing);
    spawn_local(async move {
        let before = storage::load_snapshot(&id).await;
        let result = storage::request_refresh(&id).await;
        // (A later check's health half, trust still loading, comes with its own change.)
        if result.is_ok()
            && let Some(snapshot) = storage::load_snapshot(&id).await
            && !snapshot.pending_trust
            && before.as_ref() != Some(&snapshot)
        {
            checked(&state, snapshot);
        }
        state.dispatch(PopupAction::RefreshDone(result.err()));
    });
}

/// Show a complete check, then read the instance's histories again.
fn checked(state: &UseReducerHandle<PopupState>, snapshot: Snapshot) {
    let id = snapshot.instance_id.clone();
    state.dispatch(PopupAction::Checked(snapshot));
    let state = state.clone();
    spawn_local(async move {
        let history = storage::load_history(&id).await;
        let week = storage::load_week(&id).await;
        state.dispatch(PopupAction::History(id, history, week));
    });
}

/// How long an instance picked by the user (in the popup, or saved in the options) is
/// opened on instead of the worst one, milliseconds.
const PICKED_MS: i64 = 2 * 60_000;

/// Read everything the popup opens with: the latest verdict of every instance, the one
/// to show (the worst, unless the user picked one in the last two minutes; among equals
/// the last shown), its snapshot and histories.
async fn load(state: UseReducerHandle<PopupState>, settings: Settings) {
    let mut verdicts = BTreeMap::new();
    let mut snapshots = BTreeMap::new();
    for instance in &settings.instances {
        if let Some(s) = storage::load_snapshot(&instance.id).await {
            verdicts.insert(instance.id.clone(), state_of(&s).to_string());
            snapshots.insert(instance.id.clone(), s);
        }
    }
    let stored = storage::load_selected()
        .await
        .filter(|id| settings.instances.iter().any(|i| &i.id == id));
    let picked_at = storage::load_selected_at().await;
    let id = match stored {
        Some(id) if storage::date_now() as i64 - picked_at < PICKED_MS => Some(id),
        stored => worst(
            settings
                .instances
                .iter()
                .map(|i| (i.id.as_str(), verdicts.get(&i.id).map(String::as_str))),
            stored.as_deref(),
        ),
    };
    // The fresh check starts now: the worker checks while the popup reads the rest of
    // what it opens with (the histories, the session's secrets).
    if let Some(id) = &id {
        refresh_instance(state.clone(), id.clone());
    }
    let (snapshot, history, week) = match &id {
        Some(id) => (
            snapshots.remove(id),
            storage::load_history(id).await,
            storage::load_week(id).await,
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    let session_secrets = storage::session_secret_ids().await;
    let checking = id.is_some();
    state.dispatch(PopupAction::Loaded {
        settings,
        selected: id,
        snapshot,
        history,
        week,
        verdicts,
        session_secrets,
    });
    if !checking {
        // The view falls back to the first instance (if any): check that one.
        refresh(state);
    }
}

/// The popup root.
#[function_component(PopupApp)]
pub fn popup_app() -> Html {
    let state = use_reducer(PopupState::default);
    let secret_error = use_state(|| None::<AttrValue>);
    let now = storage::date_now() as i64;

    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let watcher = state.clone();
            let watched = storage::watch_snapshots(move |snapshot| {
                if snapshot.pending_trust {
                    watcher.dispatch(PopupAction::Health(snapshot));
                } else {
                    checked(&watcher, snapshot);
                }
            });
            if let Err(e) = watched {
                state.dispatch(PopupAction::StorageFailed(e));
                return;
            }
            // The worker writes a check's history point after its complete snapshot: the
            // strips are read again then (the reducer keeps them for the instance shown).
            let watcher = state.clone();
            let _ = storage::watch_histories(move |id| {
                let watcher = watcher.clone();
                spawn_local(async move {
                    let history = storage::load_history(&id).await;
                    let week = storage::load_week(&id).await;
                    watcher.dispatch(PopupAction::History(id, history, week));
                });
            });
            spawn_local(async move {
                match storage::load_settings().await {
                    Ok(settings) => load(state, settings).await,
                    Err(e) => state.dispatch(PopupAction::StorageFailed(e)),
                }
            });
        });
    }

    let on_refresh = {
        let state = state.clone();
        Callback::from(move |()| refresh(state.clone()))
    };
    let on_options = Callback::from(|()| {
        spawn_local(async {
            let _ = storage::open_page("options.html").await;
        })
    });
    let on_open_audit = {
        let state = state.clone();
        Callback::from(move |()| {
            let id = state.selected.clone().unwrap_or_default();
            spawn_local(async move {
                let _ = storage::open_page(&format!("audit.html?id={id}")).await;
            })
        })
    };
    let on_select = {
        let state = state.clone();
        Callback::from(move |id: String| {
            state.dispatch(PopupAction::Select(id.clone()));
            let state = state.clone();
            spawn_local(async move {
                let _ = storage::save_selected(&id).await;
                let snapshot = storage::load_snapshot(&id).await;
                let history = storage::load_history(&id).await;
                let week = storage::load_week(&id).await;
                state.dispatch(PopupAction::Cached(snapshot, history, week));
                refresh(state);
            });
        })
    };
    let on_secret = {
        let state = state.clone();
        let secret_error = secret_error.clone();
        Callback::from(move |secret: String| {
            let Some(id) = state.selected.clone() else {
                return;
            };
            let state = state.clone();
            let secret_error = secret_error.clone();
            spawn_local(async move {
                match storage::save_session_secret(&id, &secret).await {
                    Ok(()) => {
                        secret_error.set(None);
                        state.dispatch(PopupAction::SecretEntered(id));
                        refresh(state);
                    }
                    Err(e) => secret_error.set(Some(format!("could not keep it: {e}").into())),
                }
            });
        })
    };

    if !state.loaded {
        return html! { <main class="popup loading" aria-busy="true"><p>{ "Loading…" }</p></main> };
    }
    if let Some(error) = &state.storage_error {
        return html! { <main class="popup"><p role="alert" data-testid="storage-error">{ format!("extension storage could not be read: {error}") }</p></main> };
    }
    let Some(instance) = state.instance().cloned() else {
        return html! {
            <main class="popup empty">
                <h1>{ "MSR Lens" }</h1>
                if state.settings.unreadable.is_empty() {
                    <p>{ "No MSR instance is configured yet." }</p>
                    <button type="button" onclick={let cb = on_options.clone(); move |_| cb.emit(())}>{ "Add an MSR instance" }</button>
                } else {
                    <p role="alert" data-testid="instances-unreadable">{ format!("{} stored instance(s) could not be read by this version; they are kept. Open the options to see them.", state.settings.unreadable.len()) }</p>
                    <button type="button" onclick={let cb = on_options.clone(); move |_| cb.emit(())}>{ "Open the options" }</button>
                }
            </main>
        };
    };
    let secret_missing = instance.secret_missing(&state.session_secrets);
    let snapshot = state.snapshot.clone();
    let mut problems = snapshot
        .as_ref()
        .map(|s| s.problems.clone())
        .unwrap_or_default();
    if secret_missing {
        // The prompt says it, with the field right there.
        problems.retain(|p| !matches!(p.kind.as_str(), "secretMissing" | "notSignedIn"));
    }
    if let Some(error) = &state.refresh_error {
        problems.push(Problem {
            area: "extension".into(),
            kind: "worker".into(),
            message: format!("could not refresh: {error}"),
        });
    }
    let prompt = secret_missing.then(|| html! {
        <SecretPrompt instance={instance.clone()} on_secret={on_secret.clone()} error={(*secret_error).clone()} />
    });
    html! {
        <main class="popup" aria-busy={(state.refreshing && snapshot.is_none()).to_string()}>
            <header>
                <InstancePicker instances={state.settings.instances.clone()} verdicts={state.verdicts.clone()} selected={state.selected.clone().map(AttrValue::from)} on_select={on_select} />
                <span class="muted origin">{ instance.origin.clone() }</span>
            </header>
            if !state.settings.unreadable.is_empty() {
                <p class="muted" data-testid="instances-unreadable">{ format!("{} more stored instance(s) could not be read by this version; they are kept", state.settings.unreadable.len()) }</p>
            }
            if let Some(s) = snapshot {
                <VerdictBanner verdict={s.verdict.clone()} checked_at={s.checked_at} now={now} refreshing={state.refreshing} fresh={state.fresh} on_refresh={on_refresh.clone()} summary={summary(&s)} />
                { prompt }
                <ProblemList problems={problems.clone()} on_retry={on_refresh.clone()} on_options={on_options.clone()} />
                <section aria-labelledby="history-h" class="history">
                    <h2 id="history-h">{ "History" }</h2>
                    <StatusStrip buckets={buckets_of(&state.history)} now={now} span_ms={DAY_MS} slots={48} label="24 hours" key_name="24h" />
                    <StatusStrip buckets={state.week.clone()} now={now} span_ms={WEEK_MS} slots={42} label="7 days" key_name="7d" />
                </section>
                <IssueList issues={s.issues.clone()} gc_running={s.gc_running} cluster_read={s.cluster_read} others={other_reasons(&s).into_iter().cloned().collect::<Vec<_>>()} job_runner_problems={job_runner_reasons(&s).len()} />
                <ReplicaTable pings={s.pings.clone()} replicas={s.replicas.clone()} cluster_read={s.cluster_read} now={now} />
                <NginxPanel nginx={s.nginx.clone()} history={state.history.clone()} now={now} />
                if s.job_runner.is_some() || s.metrics.is_some() || s.cluster_read || !job_runner_reasons(&s).is_empty() {
                    <JobRunnerPanel jobs={s.job_runner.clone()} reasons={job_runner_reasons(&s).into_iter().cloned().collect::<Vec<_>>()} metrics={s.metrics.clone()} metrics_absent={s.reasons.iter().any(|r| r.code.is(msr_lens_core::health::ReasonCode::MetricsNotAvailable))} now={now} />
                }
                <TrustList events={s.trust.events.clone()} read={s.trust.read} why={trust_note(&s).map(AttrValue::from).unwrap_or_default()} registry_host={instance.registry_host()} now={now} on_open_audit={on_open_audit} instance={AttrValue::from(instance.id.clone())} />
            } else {
                if state.refreshing {
                    <p class="checking" aria-live="polite" data-testid="checking">{ "Checking MSR…" }</p>
                }
                { prompt }
                <ProblemList problems={problems} on_retry={on_refresh.clone()} on_options={on_options.clone()} />
            }
            <footer>
                <button type="button" class="link" onclick={move |_| on_options.emit(())}>{ "Options" }</button>
            </footer>
        </main>
    }
}
