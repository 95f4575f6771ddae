//! "Enter the secret again": an instance that signs in but whose secret is gone (it is
//! kept only for the browser session unless "remember on this device" was ticked).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::model::{Instance, SecretKind};

/// Properties of [`SecretPrompt`].
#[derive(Properties, PartialEq)]
pub struct SecretPromptProps {
    /// The instance.
    pub instance: Instance,
    /// The secret was entered.
    pub on_secret: Callback<String>,
    /// Saving it failed (shown beside the field).
    #[prop_or_default]
    pub error: Option<AttrValue>,
}

/// The prompt with its field.
#[function_component(SecretPrompt)]
pub fn secret_prompt(props: &SecretPromptProps) -> Html {
    let input = use_node_ref();
    let word = match props.instance.secret_kind {
        SecretKind::Token => "access token",
        SecretKind::Password => "password",
    };
    let onsubmit = {
        let input = input.clone();
        let cb = props.on_secret.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(field) = input.cast::<HtmlInputElement>() {
                let value = field.value();
                if !value.is_empty() {
                    field.set_value("");
                    cb.emit(value);
                }
            }
        })
    };
    html! {
        <form class="secret-prompt" data-testid="secret-prompt" onsubmit={onsubmit} aria-labelledby="secret-prompt-h">
            <p id="secret-prompt-h">
                { format!("The {word} of “{}” is not kept after a browser restart — enter it again to check the cluster status and the trust log.", props.instance.username) }
            </p>
            <label for="p-secret">{ format!("{}{}", word[..1].to_uppercase(), &word[1..]) }</label>
            <div class="row">
                <input id="p-secret" ref={input} type="password" autocomplete="off" required=true
                    aria-invalid={props.error.is_some().then_some("true")}
                    aria-describedby={props.error.is_some().then_some("p-secret-error")} />
                <button type="submit" class="primary">{ "Check" }</button>
            </div>
            if let Some(error) = &props.error {
                <p id="p-secret-error" class="field-error">{ error.clone() }</p>
            }
            <p class="help">{ "Kept until the browser closes. To keep it for good, tick “Remember on this device” in the options." }</p>
        </form>
    }
}
