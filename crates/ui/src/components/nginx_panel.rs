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
}

/// The nginx panel.
#[function_component(NginxPanel)]
pub fn nginx_panel(props: &NginxPanelProps) -> Html {
    let values: Vec<f64> = props.history.iter().filter_map(|p| p.rps).collect();
    html! {
        <section aria-labelledby="nginx-h" data-testid="nginx">
            <h2 id="nginx-h">{ "nginx" }</h2>
            if let Some(n) = &props.nginx {
                <dl class="figures">
                    <div><dt>{ "Connections" }</dt><dd data-testid="nginx-active">{ n.active }</dd></div>
                    <div><dt>{ "Requests/s" }</dt><dd data-testid="nginx-rps">{ rate(n.requests_per_sec) }</dd></div>
                    <div><dt>{ "Reading / writing / waiting" }</dt><dd>{ format!("{} / {} / {}", n.reading, n.writing, n.waiting) }</dd></div>
                </dl>
                <Sparkline values={values} label="requests per second, last 24 hours" />
            } else {
                <p class="muted">{ "not available" }</p>
            }
        </section>
    }
}
