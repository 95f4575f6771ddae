//! The popup: last known state at once, then a fresh check.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::instance_picker::InstancePicker;
use super::issue_list::IssueList;
use super::nginx_panel::NginxPanel;
use super::problem_list::ProblemList;
use super::replica_table::ReplicaTable;
use super::trust_list::TrustList;
use super::verdict_banner::VerdictBanner;
use crate::model::Problem;
use crate::services::storage;
use crate::state::{PopupAction, PopupState};

/// Ask the background worker (the one poller for all views) to check the selected
/// instance now; its snapshots arrive through the storage watcher.
fn refresh(state: UseReducerHandle<PopupState>) {
    let Some(id) = state.selected.clone() else {
        return;
    };
    state.dispatch(PopupAction::Refreshing);
    spawn_local(async move {
        let result = storage::request_refresh(&id).await;
        state.dispatch(PopupAction::RefreshDone(result.err()));
    });
}

/// The popup root.
#[function_component(PopupApp)]
pub fn popup_app() -> Html {
    let state = use_reducer(PopupState::default);
    let now = storage::date_now() as i64;

    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let watcher = state.clone();
            let watched = storage::watch_snapshots(move |snapshot| {
                let id = snapshot.instance_id.clone();
                if snapshot.pending_trust {
                    watcher.dispatch(PopupAction::Health(snapshot));
                } else {
                    watcher.dispatch(PopupAction::Checked(snapshot));
                    let watcher = watcher.clone();
                    spawn_local(async move {
                        let history = storage::load_history(&id).await;
                        watcher.dispatch(PopupAction::History(id, history));
                    });
                }
            });
            if let Err(e) = watched {
                state.dispatch(PopupAction::StorageFailed(e));
                return;
            }
            spawn_local(async move {
                match storage::load_settings().await {
                    Ok(settings) => {
                        let selected = storage::load_selected().await;
                        let id = selected
                            .clone()
                            .filter(|id| settings.instances.iter().any(|i| &i.id == id))
                            .or_else(|| settings.instances.first().map(|i| i.id.clone()));
                        let (snapshot, history) = match &id {
                            Some(id) => (
                                storage::load_snapshot(id).await,
                                storage::load_history(id).await,
                            ),
                            None => (None, Vec::new()),
                        };
                        state.dispatch(PopupAction::Loaded {
                            settings,
                            selected: id,
                            snapshot,
                            history,
                        });
                        refresh(state);
                    }
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
                state.dispatch(PopupAction::Cached(snapshot, history));
                refresh(state);
            });
        })
    };

    if !state.loaded {
        return html! { <main class="popup loading" aria-busy="true"><p>{ "Loading…" }</p></main> };
    }
    if let Some(error) = &state.storage_error {
        return html! { <main class="popup"><p role="alert">{ format!("extension storage could not be read: {error}") }</p></main> };
    }
    let Some(instance) = state.instance().cloned() else {
        return html! {
            <main class="popup empty">
                <h1>{ "MSR Lens" }</h1>
                <p>{ "No MSR instance is configured yet." }</p>
                <button type="button" onclick={let cb = on_options.clone(); move |_| cb.emit(())}>{ "Add an MSR instance" }</button>
            </main>
        };
    };
    let snapshot = state.snapshot.clone();
    let mut problems = snapshot
        .as_ref()
        .map(|s| s.problems.clone())
        .unwrap_or_default();
    if let Some(error) = &state.refresh_error {
        problems.push(Problem {
            area: "extension".into(),
            kind: "worker".into(),
            message: format!("could not refresh: {error}"),
        });
    }
    html! {
        <main class="popup" aria-busy={(state.refreshing && snapshot.is_none()).to_string()}>
            <header>
                <InstancePicker instances={state.settings.instances.clone()} selected={state.selected.clone().map(AttrValue::from)} on_select={on_select} />
                <span class="muted origin">{ instance.origin.clone() }</span>
            </header>
            if let Some(s) = snapshot {
                <VerdictBanner verdict={s.verdict.clone()} checked_at={s.checked_at} now={now} refreshing={state.refreshing} fresh={state.fresh} on_refresh={on_refresh.clone()} />
                <ProblemList problems={problems.clone()} on_retry={on_refresh.clone()} on_options={on_options.clone()} />
                <ReplicaTable pings={s.pings.clone()} replicas={s.replicas.clone()} now={now} />
                <IssueList issues={s.issues.clone()} gc_running={s.gc_running} cluster_read={s.cluster_read} />
                <NginxPanel nginx={s.nginx.clone()} history={state.history.clone()} />
                <TrustList events={s.trust.events.clone()} read={s.trust.read} now={now} on_open_audit={on_open_audit} />
            } else {
                if state.refreshing {
                    <p class="checking" aria-live="polite" data-testid="checking">{ "Checking MSR…" }</p>
                }
                <ProblemList problems={problems} on_retry={on_refresh.clone()} on_options={on_options.clone()} />
            }
            <footer>
                <button type="button" class="link" onclick={move |_| on_options.emit(())}>{ "Options" }</button>
            </footer>
        </main>
    }
}
