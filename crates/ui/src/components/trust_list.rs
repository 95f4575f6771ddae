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
    /// Now (epoch ms).
    pub now: i64,
    /// Open the full audit view.
    pub on_open_audit: Callback<()>,
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
            if !props.read {
                <p class="muted">{ "not available" }</p>
            } else if props.events.is_empty() {
                <p class="muted">{ "no events yet" }</p>
            } else {
                <ul class="trust">
                { for props.events.iter().take(5).map(|e| {
                    // The record in the audit view (of the instance the popup shows).
                    let href = format!("audit.html#{}", hash_of(&[("repo", e.repository.clone()), ("record", e.id.clone())]));
                    let onclick = {
                        let href = href.clone();
                        Callback::from(move |ev: MouseEvent| {
                            ev.prevent_default();
                            let href = href.clone();
                            wasm_bindgen_futures::spawn_local(async move {
                                let _ = crate::services::storage::open_page(&href).await;
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
