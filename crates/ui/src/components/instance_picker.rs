//! The instances of the popup: one button per instance with its status dot (a single
//! instance is just its name).

use std::collections::BTreeMap;

use yew::prelude::*;

use crate::format::verdict_word;
use crate::model::Instance;

/// Properties of [`InstancePicker`].
#[derive(Properties, PartialEq)]
pub struct InstancePickerProps {
    /// The instances.
    pub instances: Vec<Instance>,
    /// The latest verdict of each instance, by id.
    pub verdicts: BTreeMap<String, String>,
    /// The selected id.
    pub selected: Option<AttrValue>,
    /// Pick another.
    pub on_select: Callback<String>,
}

/// The picker.
#[function_component(InstancePicker)]
pub fn instance_picker(props: &InstancePickerProps) -> Html {
    let current = props
        .instances
        .iter()
        .find(|i| Some(i.id.as_str()) == props.selected.as_deref());
    if props.instances.len() < 2 {
        return html! { <h1 class="instance-name">{ current.map(|i| i.name.clone()).unwrap_or_default() }</h1> };
    }
    html! {
        <>
        <h1 class="sr-only">{ current.map(|i| i.name.clone()).unwrap_or_else(|| "MSR Lens".into()) }</h1>
        <nav class="instance-list" aria-label="MSR instances" data-testid="instances">
            <ul>
            { for props.instances.iter().map(|i| {
                let verdict = props.verdicts.get(&i.id).cloned().unwrap_or_else(|| "unknown".into());
                let selected = Some(i.id.as_str()) == props.selected.as_deref();
                let onclick = {
                    let cb = props.on_select.clone();
                    let id = i.id.clone();
                    Callback::from(move |_: MouseEvent| cb.emit(id.clone()))
                };
                html! {
                    <li>
                        <button type="button" class={classes!("instance-tab", format!("v-{verdict}"), selected.then_some("selected"))}
                            data-instance={i.id.clone()} data-state={verdict.clone()}
                            aria-current={selected.then_some("true")} onclick={onclick}
                            title={format!("{}: {}", i.name, verdict_word(&verdict))}>
                            <span class="verdict-dot" aria-hidden="true"></span>
                            <span class="name">{ i.name.clone() }</span>
                            <span class="sr-only">{ format!(": {}", verdict_word(&verdict)) }</span>
                        </button>
                    </li>
                }
            }) }
            </ul>
        </nav>
        </>
    }
}
