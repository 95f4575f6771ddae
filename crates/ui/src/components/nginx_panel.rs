//! nginx connections, requests per second and the sparkline.

use yew::prelude::*;

use super::sparkline::Sparkline;
use crate::format::rate;
use crate::model::{HistoryPoint, NginxView};

/// Properties of [`NginxPanel`].
#[derive(Properties, PartialEq)]
pub struct NginxPanelProps {
    /// The latest figures.
    pub nginx: Option<NginxView>,
    /// The history for the sparkline.
    pub history: Vec<HistoryPoint>,
    /// Now (epoch ms).
    pub now: i64,
}

/// The nginx panel.
#[function_component(NginxPanel)]
pub fn nginx_panel(props: &NginxPanelProps) -> Html {
    html! {
        <section aria-labelledby="nginx-h" data-testid="nginx">
            <h2 id="nginx-h">{ "nginx" }</h2>
            if let Some(n) = &props.nginx {
                <dl class="figures">
                    <div><dt>{ "Connections" }</dt><dd data-testid="nginx-active">{ n.active }</dd></div>
                    <div><dt>{ "Requests/s" }</dt><dd data-testid="nginx-rps">{ rate(n.requests_per_sec) }</dd></div>
                    <div><dt>{ "Reading / writing / waiting" }</dt><dd>{ format!("{} / {} / {}", n.reading, n.writing, n.waiting) }</dd></div>
                </dl>
                <Sparkline history={props.history.clone()} now={props.now} label="requests per second" />
            } else {
                <p class="muted">{ "not available" }</p>
            }
        </section>
    }
}
