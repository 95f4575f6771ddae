//! The job runner (workers, failed and waiting jobs, next cron runs) and MSR 3.1's
//! metrics. Everything MSR names (worker ids, actions, status words) is server text,
//! rendered as text.
//!
//! The job runner's reasons (dead workers, expired heartbeats, failed jobs, a job waiting
//! too long, overdue crons) are said here, once, above the figures they explain; "Current
//! issues" does not repeat them, and the banner line only counts them
//! (`glance::job_runner_reasons`).

use yew::prelude::*;

use crate::format::{age, ago, rate, waited};
use msr_lens_core::health::MetricsSummary;

use super::issue_list::reason_item;

use crate::model::{JobRunnerView, ReasonView};

/// Properties of [`JobRunnerPanel`].
#[derive(Properties, PartialEq)]
pub struct JobRunnerPanelProps {
    /// The job runner, when read.
    pub jobs: Option<JobRunnerView>,
    /// The report's job-runner reasons to say here (`glance::job_runner_reasons`).
    #[prop_or_default]
    pub reasons: Vec<ReasonView>,
    /// The metrics, when read.
    pub metrics: Option<MetricsSummary>,
    /// The report said this MSR has no metrics (MSR 2.9).
    pub metrics_absent: bool,
    /// Now (epoch ms).
    pub now: i64,
}

/// When an epoch-ms time is at `now`: `in 5 min`, or `5 min ago` once past.
fn when(at: i64, now: i64) -> String {
    if at >= now {
        format!("in {}", age((at - now) / 1000))
    } else {
        ago(at, now)
    }
}

fn worker_row(w: &crate::model::WorkerView) -> Html {
    // A few words: the reason above says the whole sentence.
    let word = match w.state.as_str() {
        "dead" => "dead".to_string(),
        "expired" => "heartbeat expired".to_string(),
        _ => w.status.clone(),
    };
    html! {
        <li data-worker={w.id.clone()} data-state={w.state.clone()} class={classes!("worker", (w.state != "ok").then_some("bad"))}>
            <span class="id">{ w.id.clone() }</span>{ " " }<span class="state">{ word }</span>
        </li>
    }
}

fn jobs_view(j: &JobRunnerView, now: i64) -> Html {
    let window = age(i64::try_from(j.window_secs).unwrap_or(i64::MAX));
    html! {
        <>
            <h3 id="workers-h">{ "Workers" }</h3>
            if j.workers.is_empty() {
                <p class="muted">{ "none listed" }</p>
            } else {
                <ul class="workers" aria-labelledby="workers-h">{ for j.workers.iter().map(worker_row) }</ul>
            }
            <dl class="figures">
                <div class={classes!((j.failed_count > 0).then_some("bad"))}>
                    <dt>{ format!("Failed in the last {window}") }</dt>
                    <dd data-testid="jobs-failed">{ j.failed_count }</dd>
                </div>
                <div><dt>{ "Waiting / running" }</dt><dd>{ format!("{} / {}", j.waiting, j.running) }</dd></div>
                <div>
                    <dt>{ "Oldest waiting" }</dt>
                    <dd data-testid="jobs-oldest">{
                        match &j.oldest_waiting {
                            Some(w) => format!("{} for {}", w.action, waited(w)),
                            None => "none".to_string(),
                        }
                    }</dd>
                </div>
            </dl>
            if !j.failed.is_empty() {
                <h3 id="failed-h">{ "Failed jobs" }</h3>
                <ul class="failed" aria-labelledby="failed-h">
                    { for j.failed.iter().map(|f| html! {
                        <li data-job={f.id.clone()}><span class="action">{ f.action.clone() }</span>{ " " }<span class="muted">{ ago(f.at.as_millis(), now) }</span></li>
                    }) }
                </ul>
            }
            if !j.next_crons.is_empty() {
                <h3 id="crons-h">{ "Next cron runs" }</h3>
                <ul class="crons" aria-labelledby="crons-h" data-testid="crons">
                    { for j.next_crons.iter().map(|c| html! {
                        <li><span class="action">{ c.action.clone() }</span>{ " " }<span class="muted">{ when(c.at.as_millis(), now) }</span></li>
                    }) }
                </ul>
            }
        </>
    }
}

/// A count with no decimals, or `—`.
fn whole(value: Option<f64>) -> String {
    match value {
        #[allow(clippy::cast_possible_truncation)]
        Some(v) if v.is_finite() && v.abs() < 1e15 => (v.round() as i64).to_string(),
        _ => "—".to_string(),
    }
}

/// The job runner and metrics sections.
#[function_component(JobRunnerPanel)]
pub fn job_runner_panel(props: &JobRunnerPanelProps) -> Html {
    html! {
        <>
            <section aria-labelledby="jobs-h" data-testid="jobs" class="jobs">
                <h2 id="jobs-h">{ "Job runner" }</h2>
                if !props.reasons.is_empty() {
                    <ul class="issues job-reasons" data-testid="job-reasons">
                    { for props.reasons.iter().map(reason_item) }
                    </ul>
                }
                if let Some(j) = &props.jobs {
                    { jobs_view(j, props.now) }
                } else {
                    <p class="muted">{ "not read (needs an MSR admin account)" }</p>
                }
            </section>
            <section aria-labelledby="metrics-h" data-testid="metrics" class="metrics">
                <h2 id="metrics-h">{ "Metrics" }</h2>
                if let Some(m) = &props.metrics {
                    <dl class="figures">
                        <div><dt>{ "Repositories" }</dt><dd data-testid="metrics-repositories">{ whole(m.repositories) }</dd></div>
                        <div><dt>{ "Pulls/min" }</dt><dd data-testid="metrics-pulls">{ rate(m.pulls_per_min) }</dd></div>
                        <div><dt>{ "Pushes/min" }</dt><dd data-testid="metrics-pushes">{ rate(m.pushes_per_min) }</dd></div>
                    </dl>
                } else if props.metrics_absent {
                    <p data-testid="metrics-note">{ "Metrics not available on MSR 2.9: they came with MSR 3.1." }</p>
                } else {
                    <p class="muted">{ "not read" }</p>
                }
            </section>
        </>
    }
}
