//! The add/edit form of one MSR instance.

use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::model::SecretKind;
use crate::state::{Draft, Field, FieldName, complete_origin};

/// Properties of [`InstanceForm`].
#[derive(Properties, PartialEq)]
pub struct InstanceFormProps {
    /// The draft.
    pub draft: Draft,
    /// A field changed.
    pub on_field: Callback<Field>,
    /// Save (requests the host permission first).
    pub on_save: Callback<()>,
    /// Test the connection.
    pub on_test: Callback<()>,
    /// Cancel.
    pub on_cancel: Callback<()>,
    /// A test is running.
    pub testing: bool,
    /// An error of one field, shown beside it.
    #[prop_or_default]
    pub field_error: Option<(FieldName, String)>,
}

fn text_input(on_field: &Callback<Field>, make: fn(String) -> Field) -> Callback<InputEvent> {
    let cb = on_field.clone();
    Callback::from(move |e: InputEvent| {
        if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
            cb.emit(make(input.value()));
        }
    })
}

/// The form.
#[function_component(InstanceForm)]
pub fn instance_form(props: &InstanceFormProps) -> Html {
    let d = &props.draft;
    let on_replicas = {
        let cb = props.on_field.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlTextAreaElement>() {
                cb.emit(Field::Replicas(input.value()));
            }
        })
    };
    let kind = |k: SecretKind| {
        let cb = props.on_field.clone();
        Callback::from(move |_: Event| cb.emit(Field::Kind(k)))
    };
    let on_remember = {
        let cb = props.on_field.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                cb.emit(Field::Remember(input.checked()));
            }
        })
    };
    let onsubmit = {
        let cb = props.on_save.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(())
        })
    };
    let on_test = {
        let cb = props.on_test.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let on_cancel = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let token = d.instance.secret_kind == SecretKind::Token;
    // Leaving the address field completes `msr.example.org` to `https://msr.example.org`.
    let on_origin_done = {
        let cb = props.on_field.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                let completed = complete_origin(&input.value());
                if completed != input.value() {
                    input.set_value(&completed);
                    cb.emit(Field::Origin(completed));
                }
            }
        })
    };
    let error_of = |field: FieldName| {
        props
            .field_error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };
    let (origin_error, replicas_error) =
        (error_of(FieldName::Origin), error_of(FieldName::Replicas));
    html! {
        <form class="instance-form" onsubmit={onsubmit} aria-label={if d.is_new { "Add an MSR instance" } else { "Edit MSR instance" }}>
            <h2>{ if d.is_new { "Add an MSR instance" } else { "Edit MSR instance" } }</h2>
            <label for="f-name">{ "Name" }</label>
            <input id="f-name" name="name" value={d.instance.name.clone()} oninput={text_input(&props.on_field, Field::Name)} placeholder="Production MSR" />
            <label for="f-origin">{ "MSR address" }</label>
            <input id="f-origin" name="origin" required=true value={d.instance.origin.clone()} oninput={text_input(&props.on_field, Field::Origin)} onchange={on_origin_done} placeholder="https://msr.example.org"
                aria-invalid={origin_error.is_some().then_some("true")}
                aria-describedby={if origin_error.is_some() { "f-origin-error f-origin-help" } else { "f-origin-help" }} />
            if let Some(message) = origin_error.clone() {
                <p id="f-origin-error" class="field-error" data-testid="origin-error">{ message }</p>
            }
            <p id="f-origin-help" class="help">{ "Saving asks your browser for access to exactly this address; without a scheme, https:// is assumed." }</p>
            <label for="f-replicas">{ "Replica addresses (optional, one per line)" }</label>
            <textarea id="f-replicas" name="replicas" rows="3" value={d.replicas_text.clone()} oninput={on_replicas} placeholder="https://msr-replica-1.example.org"
                aria-invalid={replicas_error.is_some().then_some("true")}
                aria-describedby={replicas_error.is_some().then_some("f-replicas-error")} />
            if let Some(message) = replicas_error.clone() {
                <p id="f-replicas-error" class="field-error" data-testid="replicas-error">{ message }</p>
            }
            <label for="f-user">{ "User name" }</label>
            <input id="f-user" name="username" autocomplete="username" value={d.instance.username.clone()} oninput={text_input(&props.on_field, Field::Username)} />
            <fieldset>
                <legend>{ "Sign in with" }</legend>
                <label><input type="radio" name="kind" value="token" checked={token} onchange={kind(SecretKind::Token)} />{ " access token (recommended)" }</label>
                <label><input type="radio" name="kind" value="password" checked={!token} onchange={kind(SecretKind::Password)} />{ " password" }</label>
            </fieldset>
            <label for="f-secret">{ if token { "Access token" } else { "Password" } }</label>
            <input id="f-secret" name="secret" type="password" autocomplete="off" value={d.secret.clone()} oninput={text_input(&props.on_field, Field::Secret)} />
            <label class="check"><input id="f-remember" name="remember" type="checkbox" checked={d.instance.remember} onchange={on_remember} />{ " Remember on this device (otherwise the secret is forgotten when the browser closes)" }</label>
            <div class="actions">
                <button type="submit" class="primary">{ "Save" }</button>
                <button type="button" onclick={on_test} disabled={props.testing}>{ "Test connection" }</button>
                <button type="button" onclick={on_cancel}>{ "Cancel" }</button>
            </div>
        </form>
    }
}
