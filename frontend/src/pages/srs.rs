//! 서비스 요청: the list with a status filter and cursor pagination, and the create form.

use guardia_shared::Permission;
use guardia_shared::sr::{SrPriority, SrStatus};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::components::error_box::{ErrorBox, describe};
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

const PAGE: &str =
    "query($status: SrStatus, $after: String) { srs(first: 20, status: $status, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id title status priority createdAt requester { name } assignee { name } } } } }";

/// The page's place in the list: how many in all, and the cursor of the next page if any.
#[derive(Clone)]
struct PageInfo {
    total: i64,
    next: Option<String>,
}

#[component]
pub fn SrsPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let status = RwSignal::new(None::<SrStatus>);
    let rows = RwSignal::new(Vec::<Value>::new());
    let info = RwSignal::new(None::<PageInfo>);
    let error = RwSignal::new(None::<ApiError>);
    // Pages are appended as they arrive; a new filter starts over.
    let load = session.mutation(PAGE);
    let fetch = move |after: Option<String>| {
        load.dispatch(json!({ "status": status.get_untracked().map(SrStatus::as_str), "after": after }));
    };
    Effect::new(move || match load.value().get() {
        Some(Ok(data)) => {
            let srs = &data["srs"];
            let append = load
                .input()
                .with_untracked(|i| i.as_ref().is_some_and(|v| !v["after"].is_null()));
            rows.update(|r| {
                if !append {
                    r.clear();
                }
                r.extend(
                    srs["edges"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| e["node"].clone()),
                );
            });
            let more = srs["pageInfo"]["hasNextPage"] == true;
            info.set(Some(PageInfo {
                total: srs["totalCount"].as_i64().unwrap_or(0),
                next: srs["pageInfo"]["endCursor"]
                    .as_str()
                    .filter(|_| more)
                    .map(str::to_owned),
            }));
            error.set(None);
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move || {
        status.track();
        fetch(None);
    });
    let l = move || lang.0.get();
    view! {
        <h1>{lang.t("nav.srs")}</h1>
        {move || session.can(Permission::SrCreate).then(|| view! { <NewSr /> })}
        <label class="inline">{lang.t("sr.status")}" "
            <select data-testid="status-filter" on:change=move |ev| status.set(event_target_value(&ev).parse().ok())>
                <option value="">{lang.t("common.all")}</option>
                {SrStatus::ALL.iter().map(|s| view! { <option value=s.as_str()>{move || format::sr_status(*s, l())}</option> }).collect_view()}
            </select>
        </label>
        {move || error.get().map(|error| view! { <ErrorBox error retry=Callback::new(move |()| fetch(None)) /> })}
        <p class="muted">{move || info.get().map(|page| page.total.to_string())}</p>
        <table data-testid="sr-table">
            <thead><tr>
                <th>{lang.t("sr.title")}</th><th>{lang.t("sr.status")}</th><th>{lang.t("sr.priority")}</th>
                <th>{lang.t("sr.requester")}</th><th>{lang.t("sr.assignee")}</th><th>{lang.t("sr.created")}</th>
            </tr></thead>
            <tbody>
                {move || rows.get().into_iter().map(|sr| {
                    let status = sr["status"].as_str().and_then(|s| s.parse::<SrStatus>().ok());
                    let priority = sr["priority"].as_str().and_then(|s| s.parse::<SrPriority>().ok());
                    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                    let (href, title) = (format!("/srs/{}", text(&sr["id"])), text(&sr["title"]));
                    let requester = text(&sr["requester"]["name"]);
                    let assignee = sr["assignee"]["name"].as_str().unwrap_or("—").to_owned();
                    let created = format::date_time(&text(&sr["createdAt"]), l());
                    view! {
                        <tr data-testid="sr-row">
                            <td><A href=href>{title}</A></td>
                            <td>{status.map(|s| format::sr_status(s, l()))}</td>
                            <td>{priority.map(|p| format::priority(p, l()))}</td>
                            <td>{requester}</td>
                            <td>{assignee}</td>
                            <td>{created}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {move || load.pending().get().then(|| view! { <p class="loading">{lang.t("common.loading")}</p> })}
        {move || info.get().and_then(|page| page.next).map(|cursor| view! {
            <button data-testid="more" disabled=move || load.pending().get() on:click=move |_| fetch(Some(cursor.clone()))>
                {lang.t("common.more")}
            </button>
        })}
    }
}

/// Title 1..=200 characters after trimming (the server checks the same).
pub fn title_ok(title: &str) -> bool {
    let n = title.trim().chars().count();
    (1..=200).contains(&n)
}

#[component]
fn NewSr() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let open = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let priority = RwSignal::new(SrPriority::Medium);
    let invalid = RwSignal::new(false);
    let navigate = use_navigate();
    let create = session.mutation("mutation($input: CreateSrInput!) { createSr(input: $input) { id } }");
    Effect::new(move || {
        if let Some(Ok(data)) = create.value().get() {
            navigate(
                &format!("/srs/{}", data["createSr"]["id"].as_str().unwrap_or_default()),
                Default::default(),
            );
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !title_ok(&title.get_untracked()) {
            invalid.set(true);
            return;
        }
        invalid.set(false);
        let input = json!({ "title": title.get_untracked().trim(), "description": description.get_untracked(),
            "priority": priority.get_untracked().as_str() });
        create.dispatch(json!({ "input": input }));
    };
    let l = move || lang.0.get();
    view! {
        <button data-testid="new-sr" on:click=move |_| open.update(|o| *o = !*o)>{lang.t("sr.new")}</button>
        {move || open.get().then(|| view! {
            <form class="card" on:submit=submit data-testid="sr-form">
                <label>{lang.t("sr.title")}<input bind:value=title maxlength="200" data-testid="sr-title" /></label>
                {move || invalid.get().then(|| view! { <p class="error">{lang.t("sr.title_required")}</p> })}
                <label>{lang.t("sr.description")}<textarea bind:value=description data-testid="sr-description"></textarea></label>
                <label>{lang.t("sr.priority")}
                    <select on:change=move |ev| if let Ok(p) = event_target_value(&ev).parse() { priority.set(p) }>
                        {SrPriority::ALL.iter().map(|p| view! {
                            <option value=p.as_str() selected=*p == SrPriority::Medium>{move || format::priority(*p, l())}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || match create.value().get() {
                    Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
                    _ => None,
                }}
                <button type="submit" disabled=move || create.pending().get() data-testid="sr-submit">
                    {move || if create.pending().get() { lang.t("common.saving") } else { lang.t("common.create") }}
                </button>
            </form>
        })}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_are_checked_like_the_server_does() {
        assert!(super::title_ok("VPN 접속 불가"));
        assert!(!super::title_ok("   "));
        assert!(!super::title_ok(&"x".repeat(201)));
    }
}
