//! 배치 작업: each job's schedule in words, its next run, its recent runs (by a person or by the
//! scheduler), "run now" and enable/disable for the roles that may. A run that is queued or
//! running is followed in its row until it ends.

mod job_row;

use guardia_shared::Permission;
use guardia_shared::api::batch::{self, JobsData};
use leptos::prelude::*;
use serde::de::IgnoredAny;
use serde_json::json;

use crate::components::error_box::{ErrorBox, describe, loading};
use crate::i18n::use_lang;
use crate::session::use_session;
use job_row::JobRow;

/// How often the page looks again while a run is queued or running.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[component]
pub fn BatchPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let run = session.action::<IgnoredAny>(batch::RUN_NOW);
    let toggle = session.action::<IgnoredAny>(batch::SET_ENABLED);
    // Bumped to look again while a run is in progress.
    let look_again = RwSignal::new(0_u32);
    let jobs = session.query::<JobsData>(batch::JOBS, move || {
        run.version().track();
        toggle.version().track();
        look_again.track();
        json!({})
    });
    Effect::new(move || {
        let in_progress = jobs.answered(|data| {
            data.batch_jobs
                .iter()
                .flat_map(|job| &job.runs.edges)
                .any(|run| !run.node.status.is_finished())
        });
        if in_progress {
            // `try_update`: the page may be gone by then.
            set_timeout(
                move || {
                    let _ = look_again.try_update(|n| *n += 1);
                },
                FOLLOW_EVERY,
            );
        }
    });
    let retry = Callback::new(move |()| jobs.refetch());
    let may_run = session.can(Permission::BatchRunNow);
    let may_manage = session.can(Permission::BatchManage);
    view! {
        <h1>{lang.t("nav.batch")}</h1>
        {move || jobs.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(data) if data.batch_jobs.is_empty() => view! { <p class="empty">{lang.t("batch.none")}</p> }.into_any(),
            Ok(data) => view! {
                <p class="muted" data-testid="batch-timezone">{lang.t("batch.timezone")}" "{data.app_info.timezone}</p>
                <table data-testid="batch-table">
                    <thead><tr>
                        <th>{lang.t("batch.name")}</th><th>{lang.t("batch.job")}</th>
                        <th>{lang.t("batch.schedule")}</th><th>{lang.t("batch.next_run")}</th>
                        <th>{lang.t("batch.recent_runs")}</th><th></th>
                    </tr></thead>
                    <tbody>
                        {data.batch_jobs.into_iter().map(|job| {
                            view! { <JobRow job may_run may_manage run toggle /> }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        })}
        {move || match (run.value(), toggle.value()) {
            (Some(Err(error)), _) | (_, Some(Err(error))) => {
                Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> })
            }
            _ => None,
        }}
    }
}
