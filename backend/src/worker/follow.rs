//! One look at a tenant's unfinished runs: ask Jenkins where each stands and record what
//! changed. Deployments and batch runs follow the same path through the queue to a result.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDateTime;
use guardia_shared::deploy::RunStatus;

use super::Worker;
use crate::db::{self, Access, DbError};
use crate::jenkins::{Jenkins, JenkinsError, JobPath, QueueItem};
use crate::tenant_jenkins::TenantJenkins;

/// A run whose queue item Jenkins forgot and whose build cannot be found is given up after
/// this long (the queue remembers a left item for five minutes).
const LOST_AFTER: Duration = Duration::from_secs(15 * 60);
/// A run recorded without a queue item is still being triggered (a few Jenkins timeouts at
/// most); after this long its trigger was cut short.
const UNCONFIRMED_AFTER: Duration = Duration::from_secs(2 * 60);

/// Where a run stands in GUARDiA's ledger.
struct Followed<'a> {
    job: &'a str,
    status: RunStatus,
    queue_item_id: Option<i64>,
    build_number: Option<i32>,
    created_at: NaiveDateTime,
}

/// What Jenkins says changed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Started(i32),
    Finished(RunStatus, Option<i32>),
    /// Closed without asking Jenkins, for this reason.
    Failed(String),
}

/// Follows the tenant's unfinished runs one step; returns how many are still unfinished.
///
/// It reads, asks Jenkins with no transaction open, then writes each change conditionally
/// (`UPDATE … WHERE status = <seen>`): with several processes, the one whose write lands
/// announces the change, and none holds a transaction (or SQLite's write lock) while Jenkins
/// answers.
pub async fn tenant(worker: &Worker, tenant_id: &str) -> Result<usize, DbError> {
    let pool = &worker.pool;
    let mut tx = pool.tenant_tx(tenant_id, Access::Read).await?;
    let deployments = db::deploy::list_active(&mut tx).await?;
    let runs = db::batch::list_active_runs(&mut tx).await?;
    if deployments.is_empty() && runs.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let projects: HashMap<String, String> = db::deploy::list_projects(&mut tx)
        .await?
        .into_iter()
        .map(|p| (p.id, p.jenkins_job))
        .collect();
    let jobs: HashMap<String, String> = if runs.is_empty() {
        HashMap::new()
    } else {
        db::batch::list_jobs(&mut tx)
            .await?
            .into_iter()
            .map(|j| (j.id, j.jenkins_job))
            .collect()
    };
    let jenkins = worker.jenkins.for_tenant(&mut tx).await?;
    tx.commit().await?;

    let mut unfinished = deployments.len() + runs.len();
    let mut changed_deployments = Vec::new();
    for deployment in &deployments {
        let Some(job) = projects.get(&deployment.project_id) else {
            continue;
        };
        let followed = Followed {
            job,
            status: deployment.status,
            queue_item_id: deployment.queue_item_id,
            build_number: deployment.build_number,
            created_at: deployment.created_at,
        };
        let Some(step) = look(&jenkins, &followed).await else {
            continue;
        };
        let finished = !matches!(step, Step::Started(_));
        let mut write = pool.tenant_tx(tenant_id, Access::Write).await?;
        let advanced = db::deploy::advance(
            &mut write,
            &deployment.id,
            deployment.status,
            &deployment_progress(step),
        )
        .await?;
        write.commit().await?;
        if advanced.is_some() {
            changed_deployments.push(deployment.id.clone());
        }
        if finished {
            unfinished -= 1;
        }
    }
    for run in &runs {
        let Some(job) = jobs.get(&run.batch_job_id) else {
            continue;
        };
        let followed = Followed {
            job,
            status: run.status,
            queue_item_id: run.queue_item_id,
            build_number: run.build_number,
            created_at: run.started_at,
        };
        let Some(step) = look(&jenkins, &followed).await else {
            continue;
        };
        let finished = !matches!(step, Step::Started(_));
        let mut write = pool.tenant_tx(tenant_id, Access::Write).await?;
        db::batch::advance_run(&mut write, &run.id, run.status, &run_progress(step)).await?;
        write.commit().await?;
        if finished {
            unfinished -= 1;
        }
    }
    for id in changed_deployments {
        worker.events.publish(tenant_id, &id).await;
    }
    Ok(unfinished)
}

/// One run's step, if any; a Jenkins failure is logged and the run looked at again next time
/// (one unreachable job must not hold up the others).
async fn look(jenkins: &TenantJenkins, run: &Followed<'_>) -> Option<Step> {
    // A job outside the tenant's folder is never asked about, whatever the row says.
    let job = match jenkins.job(run.job) {
        Ok(job) => job,
        Err(e) => return Some(Step::Failed(format!("refused: {e}"))),
    };
    if run.build_number.is_none() && run.queue_item_id.is_none() {
        // Recorded, but the trigger's answer never came back (GUARDiA stopped while asking).
        return older_than(run.created_at, UNCONFIRMED_AFTER).then(|| {
            Step::Failed(
                "GUARDiA stopped before Jenkins confirmed the trigger; look in Jenkins for a build".into(),
            )
        });
    }
    let client = match jenkins.client() {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(job = run.job, error = %e, "cannot follow a run: no Jenkins");
            return None;
        }
    };
    match observe(client.as_ref(), &job, run).await {
        Ok(step) => step,
        Err(e) => {
            tracing::warn!(job = run.job, error = %e, "cannot follow a run in Jenkins");
            None
        }
    }
}

/// Asks Jenkins about one run; `None` when nothing changed.
async fn observe(
    jenkins: &dyn Jenkins,
    job: &JobPath,
    run: &Followed<'_>,
) -> Result<Option<Step>, JenkinsError> {
    let build = match (run.build_number, run.queue_item_id) {
        (Some(number), _) => number,
        (None, Some(queue_id)) => {
            let Ok(queue_id) = u64::try_from(queue_id) else {
                return Ok(Some(Step::Finished(RunStatus::Aborted, None)));
            };
            match jenkins.queue_item(queue_id).await {
                Ok(QueueItem::Waiting { .. }) => return Ok(None),
                Ok(QueueItem::Cancelled) => return Ok(Some(Step::Finished(RunStatus::Aborted, None))),
                Ok(QueueItem::Started { build }) => return Ok(Some(Step::Started(build_number(build)))),
                Err(JenkinsError::NotFound) => {
                    // The left item expired: find its build by queueId.
                    return Ok(match jenkins.build_for_queue_item(job, queue_id).await? {
                        Some(build) => Some(Step::Started(build_number(build))),
                        None if older_than(run.created_at, LOST_AFTER) => {
                            Some(Step::Finished(RunStatus::Aborted, None))
                        }
                        None => None,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        // Still being triggered (see `look`).
        (None, None) => return Ok(None),
    };
    let Ok(number) = u32::try_from(build) else {
        return Ok(Some(Step::Finished(RunStatus::Aborted, Some(build))));
    };
    match jenkins.build(job, number).await {
        Ok(b) if b.building => Ok((run.status == RunStatus::Queued).then_some(Step::Started(build))),
        Ok(b) => Ok(Some(Step::Finished(
            final_status(b.result.as_deref()),
            Some(build),
        ))),
        // Discarded before GUARDiA saw it end.
        Err(JenkinsError::NotFound) => Ok(Some(Step::Finished(RunStatus::Aborted, Some(build)))),
        Err(e) => Err(e),
    }
}

fn build_number(build: u32) -> i32 {
    i32::try_from(build).unwrap_or(i32::MAX)
}

fn older_than(created_at: NaiveDateTime, limit: Duration) -> bool {
    let age = db::now() - created_at;
    age.to_std().is_ok_and(|age| age > limit)
}

/// Jenkins' final result as a run status; NOT_BUILT and anything unknown count as ABORTED.
fn final_status(result: Option<&str>) -> RunStatus {
    match result {
        Some("SUCCESS") => RunStatus::Success,
        Some("UNSTABLE") => RunStatus::Unstable,
        Some("FAILURE") => RunStatus::Failure,
        _ => RunStatus::Aborted,
    }
}

fn deployment_progress(step: Step) -> db::deploy::DeploymentProgress {
    match step {
        Step::Started(build) => db::deploy::DeploymentProgress {
            status: Some(RunStatus::Running),
            build_number: Some(build),
            ..Default::default()
        },
        Step::Finished(status, build) => db::deploy::DeploymentProgress {
            status: Some(status),
            build_number: build,
            finished_at: Some(db::now()),
            ..Default::default()
        },
        Step::Failed(reason) => db::deploy::DeploymentProgress {
            status: Some(RunStatus::Failure),
            finished_at: Some(db::now()),
            failure_reason: Some(reason),
            ..Default::default()
        },
    }
}

fn run_progress(step: Step) -> db::batch::BatchRunProgress {
    match step {
        Step::Started(build) => db::batch::BatchRunProgress {
            status: Some(RunStatus::Running),
            build_number: Some(build),
            ..Default::default()
        },
        Step::Finished(status, build) => db::batch::BatchRunProgress {
            status: Some(status),
            build_number: build,
            finished_at: Some(db::now()),
            ..Default::default()
        },
        Step::Failed(reason) => db::batch::BatchRunProgress {
            status: Some(RunStatus::Failure),
            finished_at: Some(db::now()),
            failure_reason: Some(reason),
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_map_to_run_statuses() {
        assert_eq!(final_status(Some("SUCCESS")), RunStatus::Success);
        assert_eq!(final_status(Some("UNSTABLE")), RunStatus::Unstable);
        assert_eq!(final_status(Some("FAILURE")), RunStatus::Failure);
        assert_eq!(final_status(Some("NOT_BUILT")), RunStatus::Aborted);
        assert_eq!(final_status(None), RunStatus::Aborted);
    }
}
