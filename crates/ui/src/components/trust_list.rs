//! The latest trust events, each a link to its record in the audit view, and a link to the
//! full audit view.

use yew::prelude::*;

use crate::format::{ago, hash_of};
use crate::model::TrustEvent;

/// Properties of [`TrustList`].
#[derive(Properties, PartialEq)]
pub struct TrustListProps {
    /// Events, newest first.
    pub events: Vec<TrustEvent>,
    /// Whether the feed was read.
    pub read: bool,
    /// Why it was not read (see [`crate::glance::trust_note`]); "not available" when empty.
    #[prop_or_default]
    pub why: AttrValue,
    /// The registry host the repositories are on (shown once, not on every row).
    #[prop_or_default]
    pub registry_host: AttrValue,
    /// Now (epoch ms).
    pub now: i64,
    /// Open the full audit view.
    pub on_open_audit: Callback<()>,
    /// The id of the instance shown (its records open in the audit view); default: the
    /// one the popup shows, read from storage as the popup does.
    #[prop_or_default]
    pub instance: Option<AttrValue>,
}

/// The instance the popup shows: the one selected last, if it still exists, else the
/// first (as the popup picks it).
async fn shown_instance() -> Option<String> {
    use crate::services::storage;
    let settings = storage::load_settings().await.ok()?;
    storage::load_selected()
        .await
        .filter(|id| settings.instances.iter().any(|i| &i.id == id))
        .or_else(|| settings.instances.first().map(|i| i.id.clone()))
}

/// The trust event list.
#[function_component(TrustList)]
pub fn trust_list(props: &TrustListProps) -> Html {
    let open = {
        let cb = props.on_open_audit.clone();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            cb.emit(())
        })
    };
    html! {
        <section aria-labelledby="trust-h" data-testid="trust">
            <h2 id="trust-h">{ "Latest trust events" }</h2>
            if !props.registry_host.is_empty() && props.read {
                <p class="muted registry-host" data-testid="registry-host">{ format!("repositories on {}", props.registry_host) }</p>
            }
            if !props.read {
                <p class="muted" data-testid="trust-why">{ if props.why.is_empty() { "not available" } else { props.why.as_str() } }</p>
            } else if props.events.is_empty() {
                <p class="muted">{ "no events yet" }</p>
            } else {
                <ul class="trust">
                { for props.events.iter().take(5).map(|e| {
                    // The record in the audit view of the instance shown.
                    let hash = hash_of(&[("repository", e.repository.clone()), ("record", e.id.clone())]);
                    let href = format!("audit.html#{hash}");
                    let onclick = {
                        let instance = props.instance.clone();
                        Callback::from(move |ev: MouseEvent| {
                            ev.prevent_default();
                            let instance = instance.clone();
                            let hash = hash.clone();
                            wasm_bindgen_futures::spawn_local(async move {
                                let id = match instance {
                                    Some(id) => Some(id.to_string()),
                                    None => shown_instance().await,
                                };
                                let page = match id {
                                    Some(id) => format!("audit.html?{}#{hash}", hash_of(&[("id", id)])),
                                    None => format!("audit.html#{hash}"),
                                };
                                let _ = crate::services::storage::open_page(&page).await;
                            });
                        })
                    };
                    html! {
                    <li data-event={e.id.clone()} data-category={e.category.clone()}>
                        <span class={classes!("pill", if e.category == "deletion" { "bad" } else { "good" })}
                            title={if e.category == "deletion" { "the repository's trust data was deleted" } else { "a timestamp update (a publish or a server re-sign)" }}>{ e.category.clone() }</span>
                        <a class="repo record-link" href={href} onclick={onclick} title="open this record in the audit log">{ e.repository.clone() }</a>
                        if e.category != "deletion" { <span class="version">{ format!("v{}", e.version) }</span> }
                        <span class="muted">{ e.created_at.map(|t| ago(t, props.now)).unwrap_or_else(|| e.created_raw.clone()) }</span>
                    </li>
                } }) }
                </ul>
            }
            <a href="audit.html" onclick={open} class="audit-link">{ "Full audit log →" }</a>
        </section>
    }
}
