//! The instance picker.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::model::Instance;

/// Properties of [`InstancePicker`].
#[derive(Properties, PartialEq)]
pub struct InstancePickerProps {
    /// The instances.
    pub instances: Vec<Instance>,
    /// The selected id.
    pub selected: Option<AttrValue>,
    /// Pick another.
    pub on_select: Callback<String>,
}

/// The picker (hidden with a single instance).
#[function_component(InstancePicker)]
pub fn instance_picker(props: &InstancePickerProps) -> Html {
    let onchange = {
        let cb = props.on_select.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<HtmlSelectElement>() {
                cb.emit(select.value());
            }
        })
    };
    let current = props
        .instances
        .iter()
        .find(|i| Some(i.id.as_str()) == props.selected.as_deref());
    if props.instances.len() < 2 {
        return html! { <h1 class="instance-name">{ current.map(|i| i.name.clone()).unwrap_or_default() }</h1> };
    }
    html! {
        <h1 class="instance-name">
            <label for="instance" class="sr-only">{ "MSR instance" }</label>
            <select id="instance" onchange={onchange}>
            { for props.instances.iter().map(|i| html! {
                <option value={i.id.clone()} selected={Some(i.id.as_str()) == props.selected.as_deref()}>{ i.name.clone() }</option>
            }) }
            </select>
        </h1>
    }
}
