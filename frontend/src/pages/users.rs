//! 사용자 (ADMIN): the tenant's users, adding one, changing a role, deactivating.

use guardia_shared::Role;
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::{ErrorBox, describe, loading};
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn UsersPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let users = session.resource(|| ("{ users { id email name role active } }".to_owned(), json!({})));
    // One action per mutation kind; each reloads the list once answered.
    let create_user =
        session.mutation("mutation($input: CreateUserInput!) { createUser(input: $input) { id } }");
    let set_role =
        session.mutation("mutation($id: ID!, $r: Role!) { updateUserRole(id: $id, role: $r) { id } }");
    let deactivate = session.mutation("mutation($id: ID!) { deactivateUser(id: $id) { id } }");
    let last_error = move || {
        [create_user, set_role, deactivate]
            .into_iter()
            .find_map(|a| a.value().get().and_then(Result::err))
    };
    Effect::new(move || {
        let answered = [create_user, set_role, deactivate]
            .iter()
            .any(|a| a.value().with(Option::is_some));
        if answered {
            users.refetch();
        }
    });
    let retry = Callback::new(move |()| users.refetch());
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Engineer);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = json!({ "email": email.get_untracked(), "name": name.get_untracked(),
            "password": password.get_untracked(), "role": role.get_untracked().as_str() });
        create_user.dispatch(json!({ "input": input }));
    };
    view! {
        <h1>{lang.t("nav.users")}</h1>
        <form class="card" on:submit=create data-testid="user-form">
            <h2>{lang.t("user.new")}</h2>
            <label>{lang.t("user.email")}<input type="email" bind:value=email required /></label>
            <label>{lang.t("user.name")}<input bind:value=name required /></label>
            <label>{lang.t("user.password")}<input type="password" bind:value=password minlength="10" required /></label>
            <label>{lang.t("user.role")}
                <select on:change=move |ev| if let Ok(r) = event_target_value(&ev).parse() { role.set(r) }>
                    {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Engineer>{r.as_str()}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" disabled=move || create_user.pending().get()>{lang.t("common.create")}</button>
        </form>
        {move || last_error().map(|error| view! { <p class="error" role="alert">{describe(&error, lang)}</p> })}
            {move || users.get().map_or_else(|| loading(lang), |result| match result {
                Err(error) => view! { <ErrorBox error retry /> }.into_any(),
                Ok(data) => view! {
                    <table data-testid="user-table">
                        <thead><tr>
                            <th>{lang.t("user.email")}</th><th>{lang.t("user.name")}</th><th>{lang.t("user.role")}</th>
                            <th>{lang.t("user.active")}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {data["users"].as_array().cloned().unwrap_or_default().into_iter().map(|u| {
                                let id = u["id"].as_str().unwrap_or_default().to_owned();
                                let current = u["role"].as_str().unwrap_or_default().to_owned();
                                let active = u["active"].as_bool().unwrap_or(false);
                                let role_id = id.clone();
                                view! {
                                    <tr>
                                        <td>{u["email"].as_str().unwrap_or_default().to_owned()}</td>
                                        <td>{u["name"].as_str().unwrap_or_default().to_owned()}</td>
                                        <td>
                                            <select on:change=move |ev| {
                                                set_role.dispatch(json!({ "id": role_id, "r": event_target_value(&ev) }));
                                            }>
                                                {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=r.as_str() == current>{r.as_str()}</option> }).collect_view()}
                                            </select>
                                        </td>
                                        <td>{if active { "✓" } else { "—" }}</td>
                                        <td>{active.then(|| view! {
                                            <button class="danger" on:click=move |_| {
                                                deactivate.dispatch(json!({ "id": id }));
                                            }>{lang.t("user.deactivate")}</button>
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
