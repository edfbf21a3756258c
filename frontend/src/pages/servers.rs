//! 서버: the list, create and edit for roles that manage servers, and a credential reveal for
//! ADMIN and DEPLOY_ENGINEER (hidden until asked; the server audits each read).

mod credential;
mod server_form;

use guardia_shared::Permission;
use guardia_shared::api::server::{self, Server, ServersData};
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::{ErrorBox, loading};
use crate::i18n::use_lang;
use crate::session::use_session;
use credential::Credential;
use server_form::ServerForm;

#[component]
pub fn ServersPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    // Counts saves; the list reloads on each.
    let saved = RwSignal::new(0_u32);
    let servers = session.query::<ServersData>(server::SERVERS, move || {
        saved.track();
        json!({})
    });
    let editing = RwSignal::new(None::<Option<Server>>);
    let retry = Callback::new(move |()| servers.refetch());
    let manage = session.can(Permission::ServerManage);
    view! {
        <h1>{lang.t("nav.servers")}</h1>
        {manage.then(|| view! {
            <button data-testid="new-server" on:click=move |_| editing.set(Some(None))>{lang.t("server.new")}</button>
        })}
        {move || editing.get().map(|server| view! {
            <ServerForm server editing on_saved=Callback::new(move |()| saved.update(|n| *n += 1)) />
        })}
        {move || servers.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(data) if data.servers.edges.is_empty() => view! { <p class="empty">{lang.t("server.none")}</p> }.into_any(),
            Ok(data) => view! {
                <table data-testid="server-table">
                    <thead><tr>
                        <th>{lang.t("server.name")}</th><th>{lang.t("server.host")}</th><th>{lang.t("server.os")}</th>
                        <th>{lang.t("server.environment")}</th><th>{lang.t("server.credential")}</th><th></th>
                    </tr></thead>
                    <tbody>
                        {data.servers.into_nodes().into_iter().map(|server| {
                            let edit = server.clone();
                            view! {
                                <tr data-testid="server-row">
                                    <td>{server.name}</td>
                                    <td>{server.host}</td>
                                    <td>{server.os}</td>
                                    <td>{server.environment}</td>
                                    <td><Credential id=server.id present=server.has_credential /></td>
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
