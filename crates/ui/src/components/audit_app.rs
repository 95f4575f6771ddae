//! The full trust audit view of one instance.

use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use msr_lens_core::changefeed::{ChangeId, Cursor};

use crate::format::ago;
use crate::services::{check, storage};
use crate::snapshot::TrustOutcome;
use crate::state::{AuditAction, AuditState};

/// How many records the audit view reads.
pub const AUDIT_RECORDS: u32 = 100;

fn load(state: UseReducerHandle<AuditState>) {
    state.dispatch(AuditAction::Loading);
    spawn_local(async move {
        let settings = storage::load_settings().await.unwrap_or_default();
        let wanted = storage::query_param("id");
        let instance = settings
            .instances
            .iter()
            .find(|i| Some(&i.id) == wanted.as_ref())
            .or_else(|| settings.instances.first())
            .cloned();
        state.dispatch(AuditAction::Instance(instance.clone()));
        let Some(instance) = instance else {
            return state.dispatch(AuditAction::Failed("no MSR instance is configured".into()));
        };
        let secret = storage::secret_for(&instance).await;
        match check::trust_events(&instance, secret.as_deref(), AUDIT_RECORDS).await {
            TrustOutcome::Events(mut events) => {
                events.reverse();
                state.dispatch(AuditAction::Events(events));
            }
            TrustOutcome::Failed(p) => state.dispatch(AuditAction::Failed(p.message)),
        }
    });
}

/// Load the page before the oldest event shown.
fn load_older(state: UseReducerHandle<AuditState>) {
    let (Some(instance), Some(oldest)) = (state.instance.clone(), state.events.last().cloned())
    else {
        return;
    };
    let Ok(id) = ChangeId::new(oldest.id) else {
        return;
    };
    state.dispatch(AuditAction::Loading);
    spawn_local(async move {
        let secret = storage::secret_for(&instance).await;
        match check::trust_page(
            &instance,
            secret.as_deref(),
            Cursor::Before(id),
            AUDIT_RECORDS,
        )
        .await
        {
            TrustOutcome::Events(mut events) => {
                events.reverse();
                state.dispatch(AuditAction::Older(events));
            }
            TrustOutcome::Failed(p) => state.dispatch(AuditAction::Failed(p.message)),
        }
    });
}

/// The audit page root.
#[function_component(AuditApp)]
pub fn audit_app() -> Html {
    let state = use_reducer(AuditState::default);
    {
        let state = state.clone();
        use_effect_with((), move |_| load(state));
    }
    let now = storage::date_now() as i64;
    let on_reload = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| load(state.clone()))
    };
    let on_filter = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                state.dispatch(AuditAction::Filter(i.value()));
            }
        })
    };
    let on_deletions = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                state.dispatch(AuditAction::DeletionsOnly(i.checked()));
            }
        })
    };
    let on_older = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| load_older(state.clone()))
    };
    let visible = state.visible();
    html! {
        <main class="audit">
            <h1>{ "Trust audit log" }{ state.instance.as_ref().map(|i| format!(" — {}", i.name)).unwrap_or_default() }</h1>
            <div class="toolbar">
                <label for="filter">{ "Repository" }</label>
                <input id="filter" type="search" value={state.filter.clone()} oninput={on_filter} />
                <label class="check"><input type="checkbox" checked={state.deletions_only} onchange={on_deletions} />{ " deletions only" }</label>
                <button type="button" onclick={on_reload} disabled={state.loading}>{ if state.loading { "Loading…" } else { "Reload" } }</button>
            </div>
            if let Some(error) = &state.error {
                <p role="alert" class="problem">{ error.clone() }</p>
            }
            <p class="muted">{ format!("{} records, newest first; {} shown", state.events.len(), visible.len()) }</p>
            <table class="audit-table" data-testid="audit">
                <thead><tr>
                    <th scope="col">{ "When" }</th><th scope="col">{ "Repository (GUN)" }</th>
                    <th scope="col">{ "Change" }</th><th scope="col">{ "Version" }</th><th scope="col">{ "timestamp.json sha256" }</th>
                </tr></thead>
                <tbody>
                { for visible.iter().map(|e| html! {
                    <tr data-event={e.id.clone()} data-category={e.category.clone()}>
                        <td title={e.created_raw.clone()}>{ e.created_at.map(|t| ago(t, now)).unwrap_or_else(|| e.created_raw.clone()) }</td>
                        <td>{ e.gun.clone() }</td>
                        <td><span class={classes!("pill", if e.category == "deletion" { "bad" } else { "good" })}>{ e.category.clone() }</span></td>
                        <td>{ if e.category == "deletion" { "—".to_string() } else { e.version.to_string() } }</td>
                        <td><code class="sha">{ e.sha256.chars().take(12).collect::<String>() }</code></td>
                    </tr>
                }) }
                </tbody>
            </table>
            if !state.events.is_empty() {
                <div class="toolbar">
                    if state.reached_start {
                        <p class="muted">{ "no older records" }</p>
                    } else {
                        <button type="button" onclick={on_older} disabled={state.loading}>{ "Load older" }</button>
                    }
                </div>
            }
        </main>
    }
}
