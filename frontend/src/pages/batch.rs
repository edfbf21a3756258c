//! 배치 작업: jobs with their schedule and last run, and "run now" for roles that may.

use guardia_shared::Permission;
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::{ErrorBox, describe, loading};
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn BatchPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let jobs = session.resource(|| {
        let query =
            "{ batchJobs { id name jenkinsJob schedule enabled lastRun { status buildNumber startedAt } } }";
        (query.to_owned(), json!({}))
    });
    let run = session.mutation("mutation($id: ID!) { runBatchNow(id: $id) { id } }");
    Effect::new(move || {
        if run.value().with(Option::is_some) {
            jobs.refetch();
        }
    });
    let retry = Callback::new(move |()| jobs.refetch());
    let may_run = session.can(Permission::BatchRunNow);
    view! {
        <h1>{lang.t("nav.batch")}</h1>
        {move || match run.value().get() {
            Some(Err(error)) => Some(view! { <ErrorBox error /> }),
            _ => None,
        }}
            {move || jobs.get().map_or_else(|| loading(lang), |result| match result {
                Err(error) => view! { <ErrorBox error retry /> }.into_any(),
                Ok(data) => {
                    let l = lang.0.get();
                    view! {
                        <table data-testid="batch-table">
                            <thead><tr>
                                <th>{lang.t("batch.name")}</th><th>{lang.t("batch.job")}</th><th>{lang.t("batch.schedule")}</th>
                                <th>{lang.t("batch.last_run")}</th><th></th>
                            </tr></thead>
                            <tbody>
                                {data["batchJobs"].as_array().cloned().unwrap_or_default().into_iter().map(|job| {
                                    let id = job["id"].as_str().unwrap_or_default().to_owned();
                                    let last = &job["lastRun"];
                                    view! {
                                        <tr>
                                            <td>{job["name"].as_str().unwrap_or_default().to_owned()}</td>
                                            <td><code>{job["jenkinsJob"].as_str().unwrap_or_default().to_owned()}</code></td>
                                            <td><code>{job["schedule"].as_str().unwrap_or_default().to_owned()}</code></td>
                                            <td>{last["status"].as_str().map(|s| view! {
                                                <StatusBadge status=s.to_owned() />" "
                                                {format::date_time(last["startedAt"].as_str().unwrap_or_default(), l)}
                                            })}</td>
                                            <td>{may_run.then(|| view! {
                                                <button data-testid="run-now" disabled=move || run.pending().get()
                                                    on:click=move |_| { run.dispatch(json!({ "id": id })); }>
                                                    {lang.t("batch.run_now")}
                                                </button>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            })}
        {move || match run.value().get() {
            Some(Err(error)) => Some(view! { <p class="error">{describe(&error, lang)}</p> }),
            _ => None,
        }}
    }
}
