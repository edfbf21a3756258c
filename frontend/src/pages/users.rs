//! 사용자 (ADMIN): the tenant's users, adding one, changing a role, deactivating; members the
//! operator assigned from its staff are marked. The operator's ADMIN also assigns staff to an
//! institution (and takes the assignment back) here.

use guardia_shared::api::user::{self, UsersData};
use guardia_shared::{Permission, Role};
use leptos::prelude::*;
use serde::de::IgnoredAny;
use serde_json::json;

use crate::components::error_box::{ErrorBox, describe, loading};
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn UsersPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let create_user = session.action::<IgnoredAny>(user::CREATE_USER);
    let set_role = session.action::<IgnoredAny>(user::SET_ROLE);
    let deactivate = session.action::<IgnoredAny>(user::DEACTIVATE);
    // The list reloads once each change is answered.
    let users = session.query::<UsersData>(user::USERS, move || {
        for action in [create_user, set_role, deactivate] {
            action.version().track();
        }
        json!({})
    });
    let last_error = move || {
        [create_user, set_role, deactivate]
            .into_iter()
            .find_map(|a| a.error())
    };
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
    let l = lang.0.get_untracked();
    view! {
        <h1>{lang.t("nav.users")}</h1>
        <form class="card" on:submit=create data-testid="user-form">
            <h2>{lang.t("user.new")}</h2>
            <label>{lang.t("user.email")}<input type="email" bind:value=email required /></label>
            <label>{lang.t("user.name")}<input bind:value=name required /></label>
            <label>{lang.t("user.password")}<input type="password" bind:value=password minlength="10" required /></label>
            <RoleSelect role />
            <button type="submit" disabled=move || create_user.pending().get()>{lang.t("common.create")}</button>
        </form>
        {session.can(Permission::TenantManage).then(|| view! { <StaffAssignment /> })}
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
                        {data.users.into_iter().map(|u| {
                            let id = u.id;
                            let role_id = id.clone();
                            let current = u.role;
                            view! {
                                <tr data-testid="user-row">
                                    <td>{u.email}{u.granted_by_operator.then(|| view! { " "<span class="badge" data-testid="staff-badge">{lang.t("user.staff")}</span> })}</td>
                                    <td>{u.name}</td>
                                    <td>
                                        <select data-testid="user-role" on:change=move |ev| {
                                            set_role.dispatch(json!({ "id": role_id, "role": event_target_value(&ev) }));
                                        }>
                                            {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == current>{format::role(*r, l)}</option> }).collect_view()}
                                        </select>
                                    </td>
                                    <td>{if u.active { "✓" } else { "—" }}</td>
                                    <td>{u.active.then(|| view! {
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

/// The operator's ADMIN gives a member of its staff a role in an institution (taking it back
/// is `revokeMembership`, or the institution's ADMIN deactivating them there).
#[component]
fn StaffAssignment() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let grant = session.action::<IgnoredAny>(user::GRANT_MEMBERSHIP);
    let tenant = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Engineer);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        grant.dispatch(
            json!({ "tenant": tenant.get_untracked().trim(), "email": email.get_untracked().trim(),
            "role": role.get_untracked().as_str() }),
        );
    };
    view! {
        <form class="card" on:submit=submit data-testid="staff-form">
            <h2>{lang.t("member.title")}</h2>
            <label>{lang.t("member.tenant")}<input bind:value=tenant required /></label>
            <label>{lang.t("user.email")}<input type="email" bind:value=email required /></label>
            <RoleSelect role />
            <button type="submit" disabled=move || grant.pending().get()>{lang.t("member.grant")}</button>
            {move || grant.value().map(|result| match result {
                Ok(_) => view! { <p class="muted" role="status">{lang.t("member.done")}</p> }.into_any(),
                Err(error) => view! { <p class="error" role="alert">{describe(&error, lang)}</p> }.into_any(),
            })}
        </form>
    }
}

/// The role field of a form.
#[component]
fn RoleSelect(role: RwSignal<Role>) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    view! {
        <label>{lang.t("user.role")}
            <select on:change=move |ev| if let Ok(r) = event_target_value(&ev).parse() { role.set(r) }>
                {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == role.get_untracked()>{format::role(*r, l)}</option> }).collect_view()}
            </select>
        </label>
    }
}
