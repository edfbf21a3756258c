//! One batch job: schedule, next run, its last runs, and the buttons the role may use.

use guardia_shared::api::batch::BatchJob;
use leptos::prelude::*;
use serde::de::IgnoredAny;
use serde_json::json;

use crate::api::Operation;
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;

type BatchAction = Operation<IgnoredAny>;

#[component]
pub fn JobRow(
    job: BatchJob,
    may_run: bool,
    may_manage: bool,
    run: BatchAction,
    toggle: BatchAction,
) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let words = format::schedule_in_words(&job.schedule, l);
    let next = job.next_run_at.as_deref().map(|at| format::date_time(at, l));
    let enabled = job.enabled;
    let (run_id, toggle_id) = (job.id.clone(), job.id);
    view! {
        <tr data-testid="batch-job">
            <td>{job.name}</td>
            <td><code>{job.jenkins_job}</code></td>
            <td>{words}" "<code>{job.schedule}</code></td>
            <td data-testid="next-run">{next.unwrap_or_else(|| lang.t("batch.disabled").to_owned())}</td>
            <td>
                {job.runs.edges.is_empty().then(|| view! { <span class="empty">{lang.t("batch.no_runs")}</span> })}
                {job.runs.into_nodes().into_iter().map(|run| {
                    let scheduled = run.scheduled_for.is_some();
                    let by = if run.catch_up {
                        lang.t("batch.catch_up").to_owned()
                    } else if scheduled {
                        lang.t("batch.by_schedule").to_owned()
                    } else {
                        run.triggered_by.map(|p| p.name).unwrap_or_default()
                    };
                    // A scheduled run is known by its due time; a person's by when they started it.
                    let at = format::date_time(run.scheduled_for.as_deref().unwrap_or(&run.started_at), l);
                    view! {
                        <div data-testid="batch-run" data-scheduled=scheduled.to_string() data-status=run.status.as_str()>
                            <StatusBadge code=run.status.as_str() />
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
