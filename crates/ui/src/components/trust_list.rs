//! The latest trust events with a link to the full audit view.

use yew::prelude::*;

use crate::format::ago;
use crate::model::TrustEvent;

/// Properties of [`TrustList`].
#[derive(Properties, PartialEq)]
pub struct TrustListProps {
    /// Events, newest first.
    pub events: Vec<TrustEvent>,
    /// Whether the feed was read.
    pub read: bool,
    /// The registry host the repositories are on (shown once, not on every row).
    #[prop_or_default]
    pub registry_host: AttrValue,
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
            if !props.registry_host.is_empty() && props.read {
                <p class="muted registry-host" data-testid="registry-host">{ format!("repositories on {}", props.registry_host) }</p>
            }
            if !props.read {
                <p class="muted">{ "not available" }</p>
            } else if props.events.is_empty() {
                <p class="muted">{ "no events yet" }</p>
            } else {
                <ul class="trust">
                { for props.events.iter().take(5).map(|e| html! {
                    <li data-event={e.id.clone()} data-category={e.category.clone()}>
                        <span class={classes!("pill", if e.category == "deletion" { "bad" } else { "good" })}>{ e.category.clone() }</span>
                        <span class="repo">{ e.repository.clone() }</span>
                        if e.category != "deletion" { <span class="version">{ format!("v{}", e.version) }</span> }
                        <span class="muted">{ e.created_at.map(|t| ago(t, props.now)).unwrap_or_else(|| e.created_raw.clone()) }</span>
                    </li>
                }) }
                </ul>
            }
            <a href="audit.html" onclick={open} class="audit-link">{ "Full audit log →" }</a>
        </section>
    }
}
