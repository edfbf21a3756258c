//! 대시보드: SRs at risk of missing a service level, SR counts by status (a chart), my open
//! SRs, servers with their agents, and the latest deployments — each part shown only to roles
//! that may read it.

mod at_risk;
mod my_work;
mod summary;

use guardia_shared::Permission;
use guardia_shared::api::dashboard::{self, DashboardData};
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::{ErrorBox, loading};
use crate::i18n::use_lang;
use crate::session::use_session;
use at_risk::AtRiskCard;
use my_work::MyWorkCard;
use summary::Summary;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let summary = session.query::<DashboardData>(dashboard::DASHBOARD, move || {
        let me = session
            .0
            .with_untracked(|s| s.as_ref().map(|s| s.user.id.clone()));
        // "My SRs": assigned to me for staff; a customer's own (the server filters them).
        let assignee = if session.can(Permission::SrUpdate) {
            me
        } else {
            None
        };
        json!({
            "assignee": assignee,
            "agents": session.can(Permission::BatchAgentRead),
            "deploys": session.can(Permission::DeployHistoryRead),
        })
    });
    let retry = Callback::new(move |()| summary.refetch());
    let several_tenants = session
        .0
        .with_untracked(|s| s.as_ref().is_some_and(|s| s.memberships.len() > 1));
    view! {
        <h1>{lang.t("nav.dashboard")}</h1>
        {several_tenants.then(|| view! { <MyWorkCard /> })}
        {session.can(Permission::SrRead).then(|| view! { <AtRiskCard /> })}
        {move || summary.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(summary) => view! { <Summary summary /> }.into_any(),
        })}
    }
}
