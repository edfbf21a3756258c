//! One SR: its fields, comments, and the status and assignee actions the role allows.

use guardia_shared::Permission;
use guardia_shared::sr::SrStatus;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde_json::json;

use crate::components::error_box::{ErrorBox, describe, loading};
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

const SR: &str = "query($id: ID!) { sr(id: $id) { id title description status priority createdAt
    requester { name } assignee { id name } comments { id body createdAt author { name } } } }";

#[component]
pub fn SrDetailPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let sr = session.resource(move || (SR.to_owned(), json!({ "id": id() })));
    let update = session
        .mutation("mutation($id: ID!, $input: UpdateSrInput!) { updateSr(id: $id, input: $input) { id } }");
    let comment = RwSignal::new(String::new());
    let add_comment =
        session.mutation("mutation($id: ID!, $body: String!) { addSrComment(id: $id, body: $body) { id } }");
    Effect::new(move || {
        if update.value().with(|v| matches!(v, Some(Ok(_)))) {
            sr.refetch();
        }
    });
    Effect::new(move || {
        if add_comment.value().with(|v| matches!(v, Some(Ok(_)))) {
            comment.set(String::new());
            sr.refetch();
        }
    });
    let me = session
        .0
        .with_untracked(|s| s.as_ref().map(|s| s.user.id.clone()).unwrap_or_default());
    let retry = Callback::new(move |()| sr.refetch());
    view! {
            {move || sr.get().map_or_else(|| loading(lang), |result| match result.map(|d| d["sr"].clone()) {
                Err(error) => view! { <ErrorBox error retry /> }.into_any(),
                Ok(sr) => {
                    let l = lang.0.get();
                    let status = sr["status"].as_str().and_then(|s| s.parse::<SrStatus>().ok()).unwrap_or(SrStatus::Open);
                    let assigned_to_me = sr["assignee"]["id"].as_str() == Some(me.as_str());
                    let may_update = session.can(Permission::SrUpdate);
                    view! {
                        <h1 data-testid="sr-heading">{sr["title"].as_str().unwrap_or_default().to_owned()}</h1>
                        <p class="muted">
                            {format::sr_status(status, l)}" · "
                            {sr["requester"]["name"].as_str().unwrap_or_default().to_owned()}" · "
                            {format::date_time(sr["createdAt"].as_str().unwrap_or_default(), l)}
                        </p>
                        <p class="description">{sr["description"].as_str().unwrap_or_default().to_owned()}</p>
                        <p>{lang.t("sr.assignee")}": "{sr["assignee"]["name"].as_str().unwrap_or("—").to_owned()}</p>
                        {may_update.then(|| view! {
                            <div class="actions" data-testid="sr-actions">
                                <select data-testid="sr-next-status" on:change=move |ev| {
                                    let next = event_target_value(&ev);
                                    if !next.is_empty() { update.dispatch(json!({ "id": id(), "input": { "status": next } })); }
                                }>
                                    <option value="">{lang.t("sr.change_status")}</option>
                                    {SrStatus::ALL.iter().filter(|next| status.can_become(**next)).map(|next| view! {
                                        <option value=next.as_str()>{format::sr_status(*next, l)}</option>
                                    }).collect_view()}
                                </select>
                                {if assigned_to_me {
                                    view! { <button on:click=move |_| { update.dispatch(json!({ "id": id(), "input": { "assigneeId": null } })); }>{lang.t("sr.unassign")}</button> }.into_any()
                                } else {
                                    let me = me.clone();
                                    view! { <button data-testid="assign-me" on:click=move |_| { update.dispatch(json!({ "id": id(), "input": { "assigneeId": me.clone() } })); }>{lang.t("sr.assign_me")}</button> }.into_any()
                                }}
                            </div>
                        })}
                        {move || match update.value().get() {
                            Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
                            _ => None,
                        }}
                        <h2>{lang.t("sr.comments")}</h2>
                        <ul class="comments">
                            {sr["comments"].as_array().cloned().unwrap_or_default().into_iter().map(|c| view! {
                                <li>
                                    <strong>{c["author"]["name"].as_str().unwrap_or_default().to_owned()}</strong>" "
                                    <span class="muted">{format::date_time(c["createdAt"].as_str().unwrap_or_default(), l)}</span>
                                    <p>{c["body"].as_str().unwrap_or_default().to_owned()}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        <div class="card">
            <textarea bind:value=comment data-testid="comment-body"></textarea>
            {move || match add_comment.value().get() {
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
                _ => None,
            }}
            <button data-testid="comment-submit" disabled=move || add_comment.pending().get() || comment.with(|c| c.trim().is_empty())
                on:click=move |_| { add_comment.dispatch(json!({ "id": id(), "body": comment.get_untracked() })); }>
                {lang.t("sr.comment")}
            </button>
        </div>
    }
}
