//! Specific, human failure messages with a retry button.

use yew::prelude::*;

use crate::model::Problem;

/// Properties of [`ProblemList`].
#[derive(Properties, PartialEq)]
pub struct ProblemListProps {
    /// The problems.
    pub problems: Vec<Problem>,
    /// Retry the check.
    pub on_retry: Callback<()>,
    /// Open the options page.
    pub on_options: Callback<()>,
}

/// The list of problems.
#[function_component(ProblemList)]
pub fn problem_list(props: &ProblemListProps) -> Html {
    if props.problems.is_empty() {
        return html! {};
    }
    let retry = {
        let cb = props.on_retry.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let options = {
        let cb = props.on_options.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let needs_options = props.problems.iter().any(|p| {
        matches!(
            p.kind.as_str(),
            "wrongPassword" | "notSignedIn" | "config" | "unreachable"
        )
    });
    html! {
        <section class="problems" role="alert" aria-label="Problems">
            <ul>
            { for props.problems.iter().map(|p| html! {
                <li class={classes!("problem", format!("p-{}", p.kind))} data-kind={p.kind.clone()} data-area={p.area.clone()}>
                    { p.message.clone() }
                </li>
            }) }
            </ul>
            <div class="actions">
                <button type="button" onclick={retry}>{ "Retry" }</button>
                if needs_options {
                    <button type="button" onclick={options}>{ "Open options" }</button>
                }
            </div>
        </section>
    }
}
