//! 대시보드: SR counts by status (a chart), my open SRs, servers with their agents, and the
//! latest deployments — each part shown only to roles that may read it.

use guardia_shared::Permission;
use guardia_shared::agent::AgentStatus;
use guardia_shared::sr::SrStatus;
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::{Value, json};

use crate::components::bar_chart::BarChart;
use crate::components::error_box::{ErrorBox, loading};
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let summary = session.resource(move || {
        let me = session.0.with_untracked(|s| s.as_ref().map(|s| s.user.id.clone()));
        let staff = session.can(Permission::SrUpdate);
        let agents = session.can(Permission::BatchAgentRead);
        let deploys = session.can(Permission::DeployHistoryRead);
        // One request: the parts this role may read, and "my SRs" as the role means it.
        let query = format!(
            "query($me: ID) {{ srStatusCounts {{ status count }}
               srs(first: 8, assigneeId: $me) {{ edges {{ node {{ id title status priority createdAt }} }} }}
               {} {} }}",
            if agents {
                "agents { id name status server { name } }
                 batchJobs { name lastRun { status scheduledFor failureReason } }"
            } else {
                ""
            },
            if deploys {
                "deployments(first: 5) { edges { node { id kind status buildNumber createdAt project { name } triggeredBy { name } } } }"
            } else {
                ""
            }
        );
        let me = if staff { me } else { None };
        (query, json!({ "me": me }))
    });
    let retry = Callback::new(move |()| summary.refetch());
    view! {
        <h1>{lang.t("nav.dashboard")}</h1>
            {move || summary.get().map_or_else(|| loading(lang), |result| match result {
                Err(error) => view! { <ErrorBox error retry /> }.into_any(),
                Ok(summary) => view! { <Summary summary /> }.into_any(),
            })}
    }
}

/// Batch jobs whose last run was started by the schedule and failed, with the reason.
fn failed_scheduled(summary: &Value) -> Option<Vec<(String, String)>> {
    let failed: Vec<(String, String)> = summary["batchJobs"]
        .as_array()?
        .iter()
        .filter(|job| {
            let last = &job["lastRun"];
            last["status"] == "FAILURE" && !last["scheduledFor"].is_null()
        })
        .map(|job| {
            let name = job["name"].as_str().unwrap_or_default().to_owned();
            let reason = job["lastRun"]["failureReason"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            (name, reason)
        })
        .collect();
    (!failed.is_empty()).then_some(failed)
}

#[component]
fn Summary(summary: Value) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let bars: Vec<(String, i64)> = summary["srStatusCounts"]
        .as_array()
        .map(|counts| {
            counts
                .iter()
                .filter_map(|c| {
                    let status = c["status"].as_str()?.parse::<SrStatus>().ok()?;
                    Some((format::sr_status(status, l).to_owned(), c["count"].as_i64()?))
                })
                .collect()
        })
        .unwrap_or_default();
    let open: Vec<Value> = summary["srs"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["node"].clone())
        .filter(|n| {
            n["status"]
                .as_str()
                .and_then(|s| s.parse::<SrStatus>().ok())
                .is_some_and(|s| !s.is_final())
        })
        .collect();
    view! {
        <div class="grid" data-testid="dashboard-ready">
            <section class="card">
                <h2>{lang.t("dash.by_status")}</h2>
                <BarChart bars />
            </section>
            <section class="card">
                <h2>{lang.t("dash.my_srs")}</h2>
                <ul class="plain">
                    {open.into_iter().map(|sr| {
                        let status = sr["status"].as_str().and_then(|s| s.parse::<SrStatus>().ok());
                        view! {
                            <li>
                                <A href=format!("/srs/{}", sr["id"].as_str().unwrap_or_default())>{sr["title"].as_str().unwrap_or_default().to_owned()}</A>
                                " "<span class="muted">{status.map(|s| format::sr_status(s, l))}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
            {summary["agents"].as_array().cloned().map(|agents| view! {
                <section class="card">
                    <h2>{lang.t("dash.agents")}</h2>
                    <ul class="plain">
                        {agents.into_iter().map(|a| {
                            let online = a["status"].as_str() == Some(AgentStatus::Online.as_str());
                            view! {
                                <li>
                                    <span class=if online { "dot on" } else { "dot off" }></span>
                                    {format!("{} · {}", a["server"]["name"].as_str().unwrap_or_default(), a["name"].as_str().unwrap_or_default())}
                                    " "<span class="muted">{a["status"].as_str().unwrap_or_default().to_owned()}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })}
            {failed_scheduled(&summary).map(|failed| view! {
                <section class="card" data-testid="failed-scheduled-runs">
                    <h2>{lang.t("dash.failed_scheduled")}</h2>
                    <ul class="plain">
                        {failed.into_iter().map(|(name, reason)| view! {
                            <li>
                                <StatusBadge status="FAILURE" />" "<A href="/batch">{name}</A>
                                " "<span class="muted">{reason}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
            {summary.get("deployments").cloned().map(|deployments| view! {
                <section class="card">
                    <h2>{lang.t("dash.deployments")}</h2>
                    <ul class="plain">
                        {deployments["edges"].as_array().cloned().unwrap_or_default().into_iter().map(|e| {
                            let d = e["node"].clone();
                            view! {
                                <li>
                                    <StatusBadge status=d["status"].as_str().unwrap_or_default().to_owned() />
                                    {format!(" {} {} #{} · {}",
                                        d["project"]["name"].as_str().unwrap_or_default(),
                                        d["kind"].as_str().unwrap_or_default(),
                                        d["buildNumber"].as_i64().map(|n| n.to_string()).unwrap_or_else(|| "-".into()),
                                        d["triggeredBy"]["name"].as_str().unwrap_or_default())}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })}
        </div>
    }
}
