//! "Test connection" results, one line per check.

use yew::prelude::*;

use crate::model::CheckLine;

/// Properties of [`TestResults`].
#[derive(Properties, PartialEq)]
pub struct TestResultsProps {
    /// The lines.
    pub lines: Vec<CheckLine>,
    /// A test is running.
    pub testing: bool,
}

/// The results list.
#[function_component(TestResults)]
pub fn test_results(props: &TestResultsProps) -> Html {
    if props.testing {
        return html! { <p aria-live="polite" aria-busy="true" data-testid="testing">{ "Testing…" }</p> };
    }
    if props.lines.is_empty() {
        return html! {};
    }
    html! {
        <ul class="checks" aria-live="polite" data-testid="test-results">
        { for props.lines.iter().map(|l| html! {
            <li data-check={l.name.clone()} data-outcome={l.outcome.clone()}>
                <span class={classes!("pill", match l.outcome.as_str() { "pass" => "good", "fail" => "bad", "warn" => "warn", _ => "unknown" })}>{ l.outcome.clone() }</span>
                <strong>{ l.name.clone() }</strong>
                <span class="detail">{ l.detail.clone() }</span>
            </li>
        }) }
        </ul>
    }
}
