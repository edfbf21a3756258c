//! Creating a server, or editing one.

use guardia_shared::api::server::{self, Server};
use leptos::prelude::*;
use serde::de::IgnoredAny;
use serde_json::json;

use crate::components::error_box::describe;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn ServerForm(
    server: Option<Server>,
    editing: RwSignal<Option<Option<Server>>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let id = server.as_ref().map(|s| s.id.clone());
    let field = |read: fn(&Server) -> Option<String>| {
        RwSignal::new(server.as_ref().and_then(read).unwrap_or_default())
    };
    let name = field(|s| Some(s.name.clone()));
    let host = field(|s| Some(s.host.clone()));
    let os = field(|s| s.os.clone());
    let environment = field(|s| s.environment.clone());
    let save = session.action::<IgnoredAny>(if id.is_some() {
        server::UPDATE_SERVER
    } else {
        server::CREATE_SERVER
    });
    Effect::new(move || {
        if save.succeeded() {
            editing.set(None);
            on_saved.run(());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = json!({
            "name": name.get_untracked(), "host": host.get_untracked(),
            "os": os.get_untracked(), "environment": environment.get_untracked(),
        });
        let mut variables = json!({ "input": input });
        if let Some(id) = &id {
            variables["id"] = json!(id);
        }
        save.dispatch(variables);
    };
    view! {
        <form class="card" on:submit=submit data-testid="server-form">
            <label>{lang.t("server.name")}<input bind:value=name required /></label>
            <label>{lang.t("server.host")}<input bind:value=host required /></label>
            <label>{lang.t("server.os")}<input bind:value=os /></label>
            <label>{lang.t("server.environment")}<input bind:value=environment /></label>
            {move || match save.value() {
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
                _ => None,
            }}
            <div class="actions">
                <button type="button" on:click=move |_| editing.set(None)>{lang.t("common.cancel")}</button>
                <button type="submit" disabled=move || save.pending().get()>{lang.t("common.save")}</button>
            </div>
        </form>
    }
}
