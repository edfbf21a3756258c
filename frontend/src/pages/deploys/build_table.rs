//! A project's Jenkins builds: result, artifacts, the live and previous builds marked, and a
//! rollback button on each other build that can be a target.

use guardia_shared::Permission;
use guardia_shared::api::deploy::{Build, LiveBuilds};
use leptos::prelude::*;

use super::project_history::RollbackChoice;
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn BuildTable(
    builds: Vec<Build>,
    live: LiveBuilds,
    rollback_parameter: String,
    rollback: RwSignal<Option<RollbackChoice>>,
) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let may_roll_back = session.can(Permission::DeployTrigger);
    view! {
        <section class="card">
            <h2>{lang.t("deploy.builds")}</h2>
            {match (live.live, live.previous) {
                (Some(now), previous) => view! {
                    <p data-testid="live-summary">
                        {lang.t("deploy.live_now")}" "<strong>{format!("#{now}")}</strong>
                        {previous.map(|p| view! { " · "{lang.t("deploy.previous_good")}" "<strong>{format!("#{p}")}</strong> })}
                    </p>
                }.into_any(),
                (None, _) => view! { <p class="empty">{lang.t("deploy.nothing_live")}</p> }.into_any(),
            }}
            <table data-testid="build-table">
                <thead><tr>
                    <th>{lang.t("deploy.number")}</th><th>{lang.t("deploy.result")}</th><th>{lang.t("deploy.started")}</th>
                    <th>{lang.t("deploy.duration")}</th><th>{lang.t("deploy.by")}</th><th>{lang.t("deploy.artifacts")}</th><th></th>
                </tr></thead>
                <tbody>
                    {builds.into_iter().map(|build| {
                        let number = build.number;
                        let code = if build.building { "RUNNING" } else { build.result.map_or("", |r| r.as_str()) };
                        let target = may_roll_back && live.may_roll_back_to(&build, &rollback_parameter);
                        let marker = if live.live == Some(number) {
                            Some(("live", lang.t("deploy.live")))
                        } else if live.previous == Some(number) {
                            Some(("previous", lang.t("deploy.previous")))
                        } else {
                            None
                        };
                        let rolled_back_to = build.rolled_back_to(&rollback_parameter);
                        let obvious = live.previous == Some(number);
                        view! {
                            <tr data-testid="build-row" data-number=number data-marker=marker.map(|(m, _)| m)
                                class=marker.map(|(m, _)| m)>
                                <td>
                                    {format!("#{number}")}
                                    {marker.map(|(m, text)| view! { " "<span class="badge marker" data-testid=format!("marker-{m}")>{text}</span> })}
                                    {rolled_back_to.map(|n| view! { " "<span class="muted">{format!("↩ #{n}")}</span> })}
                                </td>
                                <td>{(!code.is_empty()).then(|| view! { <StatusBadge code /> })}</td>
                                <td>{format::date_time(&build.timestamp, l)}</td>
                                <td>{if build.building { "…".to_owned() } else { format::duration(build.duration) }}</td>
                                <td>{build.triggered_by.clone().unwrap_or_default()}</td>
                                <td>{build.artifacts.into_iter().map(|a| view! {
                                    <a href=a.signed_url download=a.file_name.clone() data-testid="artifact-link">{a.file_name.clone()}</a>" "
                                }).collect_view()}</td>
                                <td>{target.then(|| view! {
                                    <button class=if obvious { "danger" } else { "" } data-testid=format!("rollback-{number}")
                                        on:click=move |_| rollback.set(Some(RollbackChoice { target: number, live: live.live }))>
                                        {lang.t(if obvious { "deploy.rollback_previous" } else { "deploy.rollback" })}
                                    </button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
