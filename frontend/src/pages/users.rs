//! 사용자 (ADMIN): the tenant's users, adding one, changing a role, deactivating.

use guardia_shared::Role;
use leptos::prelude::*;
use serde_json::{Value, json};

use crate::components::error_box::{ErrorBox, describe};
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn UsersPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let users = LocalResource::new(move || async move {
        session.gql::<Value>("{ users { id email name role active } }", json!({})).await
    });
    let change = Action::new_local(move |(query, variables): &(&'static str, Value)| {
        let (query, variables) = (*query, variables.clone());
        async move {
            let result = session.gql::<Value>(query, variables).await;
            users.refetch();
            result
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
        change.dispatch((
            "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
            json!({ "input": input }),
        ));
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
            <button type="submit" disabled=move || change.pending().get()>{lang.t("common.create")}</button>
        </form>
        {move || match change.value().get() {
            Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
            _ => None,
        }}
        <Transition fallback=move || view! { <p class="loading">{lang.t("common.loading")}</p> }>
            {move || users.get().map(|result| match result {
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
                                                change.dispatch(("mutation($id: ID!, $r: Role!) { updateUserRole(id: $id, role: $r) { id } }",
                                                    json!({ "id": role_id, "r": event_target_value(&ev) })));
                                            }>
                                                {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=r.as_str() == current>{r.as_str()}</option> }).collect_view()}
                                            </select>
                                        </td>
                                        <td>{if active { "✓" } else { "—" }}</td>
                                        <td>{active.then(|| view! {
                                            <button class="danger" on:click=move |_| {
                                                change.dispatch(("mutation($id: ID!) { deactivateUser(id: $id) { id } }", json!({ "id": id })));
                                            }>{lang.t("user.deactivate")}</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Transition>
    }
}
