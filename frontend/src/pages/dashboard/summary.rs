//! The dashboard's cards, each with a sentence when it has nothing to show.

use guardia_shared::agent::AgentStatus;
use guardia_shared::api::dashboard::DashboardData;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::bar_chart::BarChart;
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;

#[component]
pub fn Summary(summary: DashboardData) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let failed = summary.failed_scheduled_runs();
    let bars: Vec<(String, i64)> = summary
        .sr_status_counts
        .iter()
        .map(|c| (format::sr_status(c.status, l).to_owned(), c.count))
        .collect();
    let open: Vec<_> = summary
        .srs
        .into_nodes()
        .into_iter()
        .filter(|sr| !sr.status.is_final())
        .collect();
    view! {
        <div class="grid" data-testid="dashboard-ready">
            <section class="card">
                <h2>{lang.t("dash.by_status")}</h2>
                <BarChart bars />
            </section>
            <section class="card" data-testid="my-srs">
                <h2>{lang.t("dash.my_srs")}</h2>
                {open.is_empty().then(|| view! { <p class="empty" data-testid="my-srs-empty">{lang.t("dash.my_srs_empty")}</p> })}
                <ul class="plain">
                    {open.into_iter().map(|sr| view! {
                        <li>
                            <A href=format!("/srs/{}", sr.id)>{sr.title}</A>
                            " "<span class="muted">{format::sr_status(sr.status, l)}" · "{format::priority(sr.priority, l)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            {summary.agents.map(|agents| view! {
                <section class="card">
                    <h2>{lang.t("dash.agents")}</h2>
                    {agents.is_empty().then(|| view! { <p class="empty">{lang.t("dash.agents_empty")}</p> })}
                    <ul class="plain">
                        {agents.into_iter().map(|a| {
                            let online = a.status == AgentStatus::Online;
                            view! {
                                <li>
                                    <span class=if online { "dot on" } else { "dot off" }></span>
                                    {format!("{} · {}", a.server.name, a.name)}
                                    " "<span class="muted">{format::status_label(a.status.as_str(), l)}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })}
            {(!failed.is_empty()).then(|| view! {
                <section class="card" data-testid="failed-scheduled-runs">
                    <h2>{lang.t("dash.failed_scheduled")}</h2>
                    <ul class="plain">
                        {failed.into_iter().map(|(name, reason)| view! {
                            <li>
                                <StatusBadge code="FAILURE" />" "<A href="/batch">{name}</A>
                                " "<span class="muted">{reason}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
            {summary.deployments.map(|deployments| {
                let deployments = deployments.into_nodes();
                view! {
                    <section class="card">
                        <h2>{lang.t("dash.deployments")}</h2>
                        {deployments.is_empty().then(|| view! { <p class="empty">{lang.t("dash.deployments_empty")}</p> })}
                        <ul class="plain">
                            {deployments.into_iter().map(|d| {
                                let build = d.build_number.map_or_else(|| "-".to_owned(), |n| format!("#{n}"));
                                view! {
                                    <li>
                                        <StatusBadge code=d.status.as_str() />
                                        {format!(" {} {} {build} · {}", d.project.name, format::status_label(d.kind.as_str(), l), d.triggered_by.name)}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }
            })}
        </div>
    }
}
