//! 서비스 요청: the list with a status filter and cursor pagination, and the create form.

mod new_sr;

use guardia_shared::Permission;
use guardia_shared::api::sr::{self, SrRow, SrsData};
use guardia_shared::sr::SrStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::json;

use crate::api::ApiError;
use crate::components::error_box::ErrorBox;
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;
use new_sr::NewSr;

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
    let rows = RwSignal::new(Vec::<SrRow>::new());
    let info = RwSignal::new(None::<PageInfo>);
    let error = RwSignal::new(None::<ApiError>);
    // Pages are appended as they arrive; a new filter starts over.
    let load = session.action::<SrsData>(sr::SRS);
    let fetch = move |after: Option<String>| {
        load.dispatch(json!({ "status": status.get_untracked().map(SrStatus::as_str), "after": after }));
    };
    Effect::new(move || match load.value() {
        Some(Ok(data)) => {
            let srs = data.srs;
            let append = load.last_input().is_some_and(|v| !v["after"].is_null());
            let total = srs.total_count.unwrap_or(0);
            let next = srs
                .page_info
                .clone()
                .filter(|p| p.has_next_page)
                .and_then(|p| p.end_cursor);
            rows.update(|r| {
                if !append {
                    r.clear();
                }
                r.extend(srs.into_nodes());
            });
            info.set(Some(PageInfo { total, next }));
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
                <th>"SLA"</th>
            </tr></thead>
            <tbody>
                {move || rows.get().into_iter().map(|sr| {
                    let created = format::date_time(&sr.created_at, l());
                    view! {
                        <tr data-testid="sr-row">
                            <td><A href=format!("/srs/{}", sr.id)>{sr.title}</A></td>
                            <td>{format::sr_status(sr.status, l())}</td>
                            <td>{format::priority(sr.priority, l())}</td>
                            <td>{sr.requester.name}</td>
                            <td>{sr.assignee.map_or_else(|| "—".to_owned(), |a| a.name)}</td>
                            <td>{created}</td>
                            <td data-testid="sr-sla">{sr.sla.map(|sla| view! { <StatusBadge code=sla.state.as_str() /> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {move || load.pending().get().then(|| view! { <p class="loading">{lang.t("common.loading")}</p> })}
        {move || (info.with(|i| i.as_ref().is_some_and(|p| p.total == 0)) && !load.pending().get()).then(|| view! {
            <p class="empty" data-testid="srs-empty">{lang.t("sr.none")}</p>
        })}
        {move || info.get().and_then(|page| page.next).map(|cursor| view! {
            <button data-testid="more" disabled=move || load.pending().get() on:click=move |_| fetch(Some(cursor.clone()))>
                {lang.t("common.more")}
            </button>
        })}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_are_checked_like_the_server_does() {
        assert!(super::new_sr::title_ok("VPN 접속 불가"));
        assert!(!super::new_sr::title_ok("   "));
        assert!(!super::new_sr::title_ok(&"x".repeat(201)));
    }
}
