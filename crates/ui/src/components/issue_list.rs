//! Current RethinkDB issues with their criticality, and garbage collection.

use yew::prelude::*;

use msr_lens_core::health::Severity;

use crate::model::{IssueView, ReasonView};

/// Properties of [`IssueList`].
#[derive(Properties, PartialEq)]
pub struct IssueListProps {
    /// The issues.
    pub issues: Vec<IssueView>,
    /// Whether garbage collection runs.
    pub gc_running: bool,
    /// Whether the cluster status was read at all.
    pub cluster_read: bool,
    /// Reasons of the verdict no other part shows (tables, nginx, workers, jobs, ...).
    #[prop_or_default]
    pub others: Vec<ReasonView>,
    /// How many problems the job runner section says (`glance::job_runner_reasons`): when
    /// MSR lists no issue, "none" would contradict the banner that counts them.
    #[prop_or_default]
    pub job_runner_problems: usize,
}

/// One reason of the verdict as a list item: its severity as a pill, then its sentence
/// (server text, as text). Also the job runner section's rows.
pub(crate) fn reason_item(r: &ReasonView) -> Html {
    html! {
        <li data-code={r.code.text()}>
            <span class={classes!("pill", match r.severity.known() { Some(Severity::Down) => "bad", Some(Severity::Degraded) => "warn", _ => "unknown" })}>{ r.severity.text() }</span>{ " " }
            <span class="description">{ r.message.clone() }</span>
        </li>
    }
}

/// The issue list.
#[function_component(IssueList)]
pub fn issue_list(props: &IssueListProps) -> Html {
    html! {
        <section aria-labelledby="issues-h" data-testid="issues">
            <h2 id="issues-h">{ "Current issues" }</h2>
            if !props.cluster_read {
                <p class="muted" data-testid="issues-unknown">{ "unknown (cluster status was not read)" }</p>
            } else if props.issues.is_empty() && props.job_runner_problems > 0 {
                <p class="muted" data-testid="no-issues">
                    { "none from MSR — see " }<a href="#jobs-h" data-testid="see-job-runner">{ "the job runner below" }</a>
                    { format!(": {} {}", props.job_runner_problems, if props.job_runner_problems == 1 { "problem" } else { "problems" }) }
                </p>
            } else if props.issues.is_empty() {
                <p class="muted" data-testid="no-issues">{ "none" }</p>
            } else {
                <ul class="issues">
                { for props.issues.iter().filter(|i| i.critical).chain(props.issues.iter().filter(|i| !i.critical)).map(|i| html! {
                    <li data-issue={i.id.clone()} data-critical={i.critical.to_string()}>
                        <span class={classes!("pill", if i.critical { "bad" } else { "warn" })}>{ if i.critical { "critical" } else { "minor" } }</span>{ " " }
                        if !i.kind.is_empty() { <span class="kind">{ i.kind.clone() }</span>{ ": " } }
                        <span class="description">{ i.description.clone() }</span>
                    </li>
                }) }
                </ul>
            }
            if !props.others.is_empty() {
                <ul class="issues other-reasons" data-testid="other-reasons">
                { for props.others.iter().map(reason_item) }
                </ul>
            }
            <p data-testid="gc">{ "Garbage collection: " }<strong>{ if !props.cluster_read { "unknown" } else if props.gc_running { "running" } else { "not running" } }</strong></p>
        </section>
    }
}
