//! 배치 작업: each job's schedule in words, its next run, its recent runs (by a person or by the
//! scheduler), "run now" and enable/disable for the roles that may.

use guardia_shared::Permission;
use leptos::prelude::*;
use serde_json::{Value, json};

use crate::components::error_box::{ErrorBox, describe, loading};
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::{LangContext, use_lang};
use crate::session::use_session;

const JOBS: &str = "{ appInfo { timezone } batchJobs { id name jenkinsJob schedule enabled nextRunAt
    runs(first: 5) { edges { node { id status buildNumber startedAt scheduledFor catchUp triggeredBy { name } } } } } }";

#[component]
pub fn BatchPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let jobs = session.resource(|| (JOBS.to_owned(), json!({})));
    let run = session.mutation("mutation($id: ID!) { runBatchNow(id: $id) { id } }");
    let toggle = session.mutation(
        "mutation($id: ID!, $enabled: Boolean!) { updateBatchJob(id: $id, input: { enabled: $enabled }) { id } }",
    );
    Effect::new(move || {
        if run.value().with(Option::is_some) || toggle.value().with(Option::is_some) {
            jobs.refetch();
        }
    });
    let retry = Callback::new(move |()| jobs.refetch());
    let may_run = session.can(Permission::BatchRunNow);
    let may_manage = session.can(Permission::BatchManage);
    view! {
        <h1>{lang.t("nav.batch")}</h1>
        {move || jobs.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(data) => {
                let timezone = data["appInfo"]["timezone"].as_str().unwrap_or_default().to_owned();
                view! {
                    <p class="muted" data-testid="batch-timezone">{lang.t("batch.timezone")}" "{timezone}</p>
                    <table data-testid="batch-table">
                        <thead><tr>
                            <th>{lang.t("batch.name")}</th><th>{lang.t("batch.job")}</th>
                            <th>{lang.t("batch.schedule")}</th><th>{lang.t("batch.next_run")}</th>
                            <th>{lang.t("batch.recent_runs")}</th><th></th>
                        </tr></thead>
                        <tbody>
                            {data["batchJobs"].as_array().cloned().unwrap_or_default().into_iter().map(|job| {
                                view! { <JobRow job lang may_run may_manage run toggle /> }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }
        })}
        {move || match (run.value().get(), toggle.value().get()) {
            (Some(Err(error)), _) | (_, Some(Err(error))) => {
                Some(view! { <p class="error">{describe(&error, lang)}</p> })
            }
            _ => None,
        }}
    }
}

#[component]
fn JobRow(
    job: Value,
    lang: LangContext,
    may_run: bool,
    may_manage: bool,
    run: Action<Value, Result<Value, crate::api::ApiError>>,
    toggle: Action<Value, Result<Value, crate::api::ApiError>>,
) -> impl IntoView {
    let l = lang.0.get_untracked();
    let id = job["id"].as_str().unwrap_or_default().to_owned();
    let schedule = job["schedule"].as_str().unwrap_or_default().to_owned();
    let enabled = job["enabled"].as_bool().unwrap_or(true);
    let words = format::schedule_in_words(&schedule, l);
    let next = job["nextRunAt"].as_str().map(|at| format::date_time(at, l));
    let runs = job["runs"]["edges"].as_array().cloned().unwrap_or_default();
    let (run_id, toggle_id) = (id.clone(), id);
    view! {
        <tr data-testid="batch-job">
            <td>{job["name"].as_str().unwrap_or_default().to_owned()}</td>
            <td><code>{job["jenkinsJob"].as_str().unwrap_or_default().to_owned()}</code></td>
            <td>{words}" "<code>{schedule}</code></td>
            <td data-testid="next-run">{next.unwrap_or_else(|| lang.t("batch.disabled").to_owned())}</td>
            <td>
                {runs.into_iter().map(|edge| {
                    let node = &edge["node"];
                    let scheduled = !node["scheduledFor"].is_null();
                    let by = if node["catchUp"].as_bool() == Some(true) {
                        lang.t("batch.catch_up").to_owned()
                    } else if scheduled {
                        lang.t("batch.by_schedule").to_owned()
                    } else {
                        node["triggeredBy"]["name"].as_str().unwrap_or_default().to_owned()
                    };
                    // A scheduled run is known by its due time; a person's by when they started it.
                    let at = node["scheduledFor"].as_str().or(node["startedAt"].as_str()).unwrap_or_default();
                    let at = format::date_time(at, l);
                    view! {
                        <div data-testid="batch-run" data-scheduled=scheduled.to_string()>
                            <StatusBadge status=node["status"].as_str().unwrap_or_default().to_owned() />
                            " "{at}" · "{by}
                        </div>
                    }
                }).collect_view()}
            </td>
            <td>
                {may_run.then(|| view! {
                    <button data-testid="run-now" disabled=move || run.pending().get()
                        on:click=move |_| { run.dispatch(json!({ "id": run_id })); }>
                        {lang.t("batch.run_now")}
                    </button>
                })}
                {may_manage.then(|| view! {
                    " "<button data-testid="toggle-job" disabled=move || toggle.pending().get()
                        on:click=move |_| { toggle.dispatch(json!({ "id": toggle_id, "enabled": !enabled })); }>
                        {lang.t(if enabled { "batch.disable" } else { "batch.enable" })}
                    </button>
                })}
            </td>
        </tr>
    }
}
