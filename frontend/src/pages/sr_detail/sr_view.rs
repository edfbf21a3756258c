//! An SR's fields, its comments, and the status and assignee actions the role allows.

use guardia_shared::Permission;
use guardia_shared::api::sr::Sr;
use guardia_shared::sr::SrStatus;
use leptos::prelude::*;
use serde_json::json;

use super::SrAction;
use crate::components::error_box::describe;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn SrView(sr: Sr, update: SrAction) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let me = session
        .0
        .with_untracked(|s| s.as_ref().map(|s| s.user.id.clone()).unwrap_or_default());
    let assigned_to_me = sr.assignee.as_ref().is_some_and(|a| a.id == me);
    let may_update = session.can(Permission::SrUpdate);
    let status = sr.status;
    let id = StoredValue::new(sr.id.clone());
    let send = move |input: serde_json::Value| {
        update.dispatch(json!({ "id": id.get_value(), "input": input }));
    };
    view! {
        <h1 data-testid="sr-heading">{sr.title}</h1>
        <p class="muted">
            <span data-testid="sr-status">{format::sr_status(status, l)}</span>" · "
            <span data-testid="sr-priority" data-priority=sr.priority.as_str()>
                {lang.t("sr.priority")}": "{format::priority(sr.priority, l)}
            </span>" · "
            {sr.requester.name}" · "
            {format::date_time(&sr.created_at, l)}
        </p>
        <p class="description">{sr.description}</p>
        <p>{lang.t("sr.assignee")}": "{sr.assignee.map_or_else(|| "—".to_owned(), |a| a.name)}</p>
        {may_update.then(|| view! {
            <div class="actions" data-testid="sr-actions">
                <select data-testid="sr-next-status" on:change=move |ev| {
                    let next = event_target_value(&ev);
                    if !next.is_empty() { send(json!({ "status": next })); }
                }>
                    <option value="">{lang.t("sr.change_status")}</option>
                    {SrStatus::ALL.iter().filter(|next| status.can_become(**next)).map(|next| view! {
                        <option value=next.as_str()>{format::sr_status(*next, l)}</option>
                    }).collect_view()}
                </select>
                {if assigned_to_me {
                    view! { <button on:click=move |_| send(json!({ "assigneeId": null }))>{lang.t("sr.unassign")}</button> }.into_any()
                } else {
                    let me = me.clone();
                    view! { <button data-testid="assign-me" on:click=move |_| send(json!({ "assigneeId": me.clone() }))>{lang.t("sr.assign_me")}</button> }.into_any()
                }}
            </div>
        })}
        {move || match update.value() {
            Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
            _ => None,
        }}
        <h2>{lang.t("sr.comments")}</h2>
        {sr.comments.is_empty().then(|| view! { <p class="empty">{lang.t("sr.no_comments")}</p> })}
        <ul class="comments">
            {sr.comments.into_iter().map(|c| view! {
                <li>
                    <strong>{c.author.name}</strong>" "
                    <span class="muted">{format::date_time(&c.created_at, l)}</span>
                    <p>{c.body}</p>
                </li>
            }).collect_view()}
        </ul>
    }
}
