//! Per-replica rows: pings and the cluster status.

use yew::prelude::*;

use crate::format::ago;
use crate::model::{PingView, ReplicaView};

/// Properties of [`ReplicaTable`].
#[derive(Properties, PartialEq)]
pub struct ReplicaTableProps {
    /// Ping rows.
    pub pings: Vec<PingView>,
    /// Cluster status rows.
    pub replicas: Vec<ReplicaView>,
    /// Whether the cluster status was read.
    #[prop_or(true)]
    pub cluster_read: bool,
    /// Now (epoch ms).
    pub now: i64,
}

/// The replica table.
#[function_component(ReplicaTable)]
pub fn replica_table(props: &ReplicaTableProps) -> Html {
    html! {
        <section aria-labelledby="replicas-h">
            <h2 id="replicas-h">{ "Replicas" }</h2>
            if props.replicas.is_empty() && !props.cluster_read {
                <p class="muted" data-testid="replicas-unknown">{ "replica health, mode and last report: unknown (cluster status was not read)" }</p>
            }
            if !props.replicas.is_empty() {
                <table class="replicas" data-testid="replicas">
                    <thead><tr>
                        <th scope="col">{ "Replica" }</th><th scope="col">{ "Health" }</th>
                        <th scope="col">{ "Last report" }</th><th scope="col">{ "Mode" }</th>
                    </tr></thead>
                    <tbody>
                    { for props.replicas.iter().map(|r| {
                        let last = match (r.last_seen, &r.last_seen_raw) {
                            (Some(at), _) => ago(at, props.now),
                            (None, Some(raw)) => raw.clone(),
                            (None, None) => "—".to_string(),
                        };
                        html! {
                        <tr data-replica={r.id.clone()} class={classes!(if r.ok { "ok" } else { "bad" })}>
                            <th scope="row"><code>{ r.id.clone() }</code></th>
                            <td class="health">
                                <span class={classes!("pill", if r.healthy { "good" } else { "bad" })}>{ if r.healthy { "OK" } else { "unhealthy" } }</span>
                                if !r.reason.is_empty() { <div class="reason">{ r.reason.clone() }</div> }
                            </td>
                            <td class={classes!("age", r.stale.then_some("stale"))}>{ last }</td>
                            <td class="mode">{ if r.read_only { "read-only" } else { "read-write" } }</td>
                        </tr>
                    }}) }
                    </tbody>
                </table>
            }
            <ul class="pings" data-testid="pings" aria-label="Health checks (/_ping)">
            { for props.pings.iter().map(|p| html! {
                <li data-ping={p.label.clone()} data-state={p.state.clone()}>
                    <span class={classes!("pill", match p.state.as_str() { "healthy" => "good", "unhealthy" => "bad", _ => "unknown" })}>{ p.state.clone() }</span>
                    <span class="label">{ format!("/_ping {}", p.label) }</span>
                    if !p.detail.is_empty() { { ": " }<span class="reason">{ p.detail.clone() }</span> }
                </li>
            }) }
            </ul>
        </section>
    }
}
