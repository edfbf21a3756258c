//! 배포 이력: pick a project; its builds (the live one and the previous good one marked),
//! artifacts, rollback, the ledger, a deploy form and the live progress of a running deployment.

mod build_table;
mod deploy_form;
mod ledger;
mod live_progress;
mod project_history;
mod rollback_dialog;

use guardia_shared::api::deploy::{self, Project, ProjectsData};
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::{ErrorBox, loading};
use crate::i18n::use_lang;
use crate::session::use_session;
use project_history::ProjectHistory;

#[component]
pub fn DeploysPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let projects = session.query::<ProjectsData>(deploy::PROJECTS, || json!({}));
    let selected = RwSignal::new(None::<String>);
    let chosen = move || -> Option<Project> {
        let name = selected.get();
        projects
            .get()?
            .ok()?
            .deploy_projects
            .into_iter()
            .enumerate()
            .find_map(|(i, p)| {
                let picked = name.as_deref().map_or(i == 0, |n| n == p.name);
                picked.then_some(p)
            })
    };
    let retry = Callback::new(move |()| projects.refetch());
    view! {
        <h1>{lang.t("nav.deploys")}</h1>
        {move || projects.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(data) if data.deploy_projects.is_empty() => view! { <p class="empty">{lang.t("deploy.no_projects")}</p> }.into_any(),
            Ok(data) => view! {
                <label class="inline">{lang.t("deploy.project")}" "
                    <select data-testid="project-select" on:change=move |ev| selected.set(Some(event_target_value(&ev)))>
                        {data.deploy_projects.into_iter().map(|p| {
                            let label = format!("{} ({})", p.name, p.jenkins_job);
                            view! { <option value=p.name.clone() selected=move || selected.get().as_deref() == Some(p.name.as_str())>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }.into_any(),
        })}
        {move || chosen().map(|project| view! { <ProjectHistory project /> })}
    }
}
