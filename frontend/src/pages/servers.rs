//! 서버: the list, create and edit for roles that manage servers, and a credential reveal for
//! ADMIN and DEPLOY_ENGINEER (hidden until asked; the server audits each read).

use guardia_shared::Permission;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::components::error_box::{ErrorBox, describe, loading};
use crate::i18n::use_lang;
use crate::session::use_session;

const SERVERS: &str =
    "{ servers(first: 100) { edges { node { id name host os environment hasCredential } } } }";

#[derive(Deserialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Server {
    id: String,
    name: String,
    host: String,
    os: Option<String>,
    environment: Option<String>,
    has_credential: bool,
}

#[component]
pub fn ServersPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let servers = session.resource(|| (SERVERS.to_owned(), json!({})));
    let editing = RwSignal::new(None::<Option<Server>>);
    let retry = Callback::new(move |()| servers.refetch());
    let manage = session.can(Permission::ServerManage);
    view! {
        <h1>{lang.t("nav.servers")}</h1>
        {manage.then(|| view! {
            <button data-testid="new-server" on:click=move |_| editing.set(Some(None))>{lang.t("server.new")}</button>
        })}
        {move || editing.get().map(|server| view! { <ServerForm server editing on_saved=Callback::new(move |()| servers.refetch()) /> })}
            {move || servers.get().map_or_else(|| loading(lang), |result| match result.map(|d| server_list(&d)) {
                Err(error) => view! { <ErrorBox error retry /> }.into_any(),
                Ok(list) => view! {
                    <table data-testid="server-table">
                        <thead><tr>
                            <th>{lang.t("server.name")}</th><th>{lang.t("server.host")}</th><th>{lang.t("server.os")}</th>
                            <th>{lang.t("server.environment")}</th><th>{lang.t("server.credential")}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|server| {
                                let edit = server.clone();
                                view! {
                                    <tr data-testid="server-row">
                                        <td>{server.name.clone()}</td>
                                        <td>{server.host.clone()}</td>
                                        <td>{server.os.clone()}</td>
                                        <td>{server.environment.clone()}</td>
                                        <td><Credential id=server.id.clone() present=server.has_credential /></td>
                                        <td>{manage.then(|| view! {
                                            <button on:click=move |_| editing.set(Some(Some(edit.clone())))>{lang.t("server.edit")}</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
    }
}

fn server_list(data: &Value) -> Vec<Server> {
    data["servers"]["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| serde_json::from_value::<Server>(e["node"].clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The reveal button and, once asked, the credential (until hidden again).
#[component]
fn Credential(id: String, present: bool) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let shown = RwSignal::new(None::<(String, String)>);
    // A query sent as an action: only when asked.
    let reveal = session.mutation("query($id: ID!) { server(id: $id) { credential { username password } } }");
    Effect::new(move || {
        if let Some(Ok(data)) = reveal.value().get() {
            let credential = &data["server"]["credential"];
            shown.set(Some((
                credential["username"].as_str().unwrap_or_default().to_owned(),
                credential["password"].as_str().unwrap_or_default().to_owned(),
            )));
        }
    });
    if !present || !session.can(Permission::ServerCredentialRead) {
        return view! { <span class="muted">{if present { "●" } else { "—" }}</span> }.into_any();
    }
    view! {
        {move || match shown.get() {
            Some((user, password)) => view! {
                <span data-testid="credential"><code>{user}</code>" / "<code>{password}</code></span>" "
                <button class="link" on:click=move |_| shown.set(None)>{lang.t("server.hide")}</button>
            }.into_any(),
            None => {
                let id = id.clone();
                view! {
                    <button data-testid="reveal-credential" title=lang.t("server.audited") disabled=move || reveal.pending().get()
                        on:click=move |_| { reveal.dispatch(json!({ "id": id })); }>
                        {lang.t("server.reveal")}
                    </button>
                }.into_any()
            }
        }}
        {move || match reveal.value().get() {
            Some(Err(error)) => Some(view! { <span class="error">{describe(&error, lang)}</span> }),
            _ => None,
        }}
    }
    .into_any()
}

#[component]
fn ServerForm(
    server: Option<Server>,
    editing: RwSignal<Option<Option<Server>>>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let id = server.as_ref().map(|s| s.id.clone());
    let name = RwSignal::new(server.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let host = RwSignal::new(server.as_ref().map(|s| s.host.clone()).unwrap_or_default());
    let os = RwSignal::new(server.as_ref().and_then(|s| s.os.clone()).unwrap_or_default());
    let environment = RwSignal::new(
        server
            .as_ref()
            .and_then(|s| s.environment.clone())
            .unwrap_or_default(),
    );
    let save = session.mutation(if id.is_some() {
        "mutation($id: ID!, $input: UpdateServerInput!) { updateServer(id: $id, input: $input) { id } }"
    } else {
        "mutation($input: CreateServerInput!) { createServer(input: $input) { id } }"
    });
    Effect::new(move || {
        if save.value().with(|v| matches!(v, Some(Ok(_)))) {
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
            {move || match save.value().get() {
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
