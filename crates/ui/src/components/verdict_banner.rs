//! The overall verdict with the check time, the top reasons in one line and a refresh
//! button.

use yew::prelude::*;

use crate::format::{ago, verdict_word};

/// Properties of [`VerdictBanner`].
#[derive(Properties, PartialEq)]
pub struct VerdictBannerProps {
    /// `healthy`, `reachable`, `degraded`, `down`, `unknown`.
    pub verdict: AttrValue,
    /// When checked (epoch ms), 0 if never.
    pub checked_at: i64,
    /// Now (epoch ms).
    pub now: i64,
    /// A check is running.
    pub refreshing: bool,
    /// The verdict comes from a check of this popup session, not from the cache.
    pub fresh: bool,
    /// Re-check now.
    pub on_refresh: Callback<()>,
    /// The top reasons, most important first (one line).
    #[prop_or_default]
    pub summary: Vec<String>,
}

/// The verdict banner.
#[function_component(VerdictBanner)]
pub fn verdict_banner(props: &VerdictBannerProps) -> Html {
    let onclick = {
        let cb = props.on_refresh.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let when = if props.checked_at > 0 {
        format!("checked {}", ago(props.checked_at, props.now))
    } else {
        "not checked yet".to_string()
    };
    html! {
        <section class={classes!("verdict", format!("v-{}", props.verdict))} aria-live="polite" data-testid="verdict" data-fresh={props.fresh.to_string()}>
            <span class="verdict-dot" aria-hidden="true"></span>
            <div class="verdict-text">
                <strong class="verdict-word" data-verdict={props.verdict.clone()}>{ verdict_word(&props.verdict) }</strong>
                <span class="muted when">{ when }</span>
                if !props.summary.is_empty() {
                    <p class="summary" data-testid="summary">{ props.summary.join(" · ") }</p>
                }
            </div>
            <button type="button" class="refresh" onclick={onclick} disabled={props.refreshing} aria-busy={props.refreshing.to_string()}>
                { if props.refreshing { "Checking…" } else { "Refresh" } }
            </button>
        </section>
    }
}
