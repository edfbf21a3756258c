//! One look at a tenant's unfinished runs: ask Jenkins where each stands and record what
//! changed. Deployments and batch runs follow the same path through the queue to a result.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDateTime;
use guardia_shared::deploy::RunStatus;

use super::Worker;
use crate::db::{self, Access, DbError, DbPool, TenantTx};
use crate::jenkins::{Jenkins, JenkinsError, JobPath, QueueItem};

/// A run whose queue item Jenkins forgot and whose build cannot be found is given up after
/// this long (the queue remembers a left item for five minutes).
const LOST_AFTER: Duration = Duration::from_secs(15 * 60);

/// Where a run stands in GUARDiA's ledger.
struct Followed<'a> {
    job: &'a str,
    status: RunStatus,
    queue_item_id: Option<i64>,
    build_number: Option<i32>,
    created_at: NaiveDateTime,
}

/// What Jenkins says changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Started(i32),
    Finished(RunStatus, Option<i32>),
}

/// Follows the tenant's unfinished runs one step; returns how many are still unfinished.
pub async fn tenant(worker: &Worker, tenant_id: &str) -> Result<usize, DbError> {
    let pool = &worker.pool;
    let mut tx = pool.tenant_tx(tenant_id, Access::Read).await?;
    let deployments = db::deploy::claim_active(&mut tx).await?;
    let runs = db::batch::claim_active_runs(&mut tx).await?;
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
    // PostgreSQL keeps the claimed rows locked while Jenkins is asked; SQLite must not hold its
    // one write lock that long, so it reads now and writes each change conditionally later.
    let mut held = match pool {
        DbPool::Postgres(_) => Some(tx),
        DbPool::Sqlite(_) => {
            tx.commit().await?;
            None
        }
    };

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
        let Some(step) = look(worker.jenkins.as_ref(), &followed).await else {
            continue;
        };
        let progress = deployment_progress(step);
        let mut write = writer(pool, tenant_id, &mut held).await?;
        if db::deploy::advance(write.tx(), &deployment.id, deployment.status, &progress)
            .await?
            .is_some()
        {
            changed_deployments.push(deployment.id.clone());
        }
        write.done().await?;
        if matches!(step, Step::Finished(..)) {
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
        let Some(step) = look(worker.jenkins.as_ref(), &followed).await else {
            continue;
        };
        let mut write = writer(pool, tenant_id, &mut held).await?;
        db::batch::advance_run(write.tx(), &run.id, run.status, &run_progress(step)).await?;
        write.done().await?;
        if matches!(step, Step::Finished(..)) {
            unfinished -= 1;
        }
    }
    if let Some(tx) = held {
        tx.commit().await?;
    }
    for id in changed_deployments {
        worker.events.publish(tenant_id, &id).await;
    }
    Ok(unfinished)
}

/// Where a change is written: the held PostgreSQL transaction, or a short SQLite one.
enum Writer<'a> {
    Held(&'a mut TenantTx),
    Own(Box<TenantTx>),
}

impl Writer<'_> {
    fn tx(&mut self) -> &mut TenantTx {
        match self {
            Writer::Held(tx) => tx,
            Writer::Own(tx) => tx,
        }
    }

    async fn done(self) -> Result<(), DbError> {
        match self {
            Writer::Held(_) => Ok(()),
            Writer::Own(tx) => (*tx).commit().await,
        }
    }
}

async fn writer<'a>(
    pool: &DbPool,
    tenant_id: &str,
    held: &'a mut Option<TenantTx>,
) -> Result<Writer<'a>, DbError> {
    Ok(match held {
        Some(tx) => Writer::Held(tx),
        None => Writer::Own(Box::new(pool.tenant_tx(tenant_id, Access::Write).await?)),
    })
}

/// One run's step, if any; a Jenkins failure is logged and the run looked at again next time
/// (one unreachable job must not hold up the others).
async fn look(jenkins: &dyn Jenkins, run: &Followed<'_>) -> Option<Step> {
    match observe(jenkins, run).await {
        Ok(step) => step,
        Err(e) => {
            tracing::warn!(job = run.job, error = %e, "cannot follow a run in Jenkins");
            None
        }
    }
}

/// Asks Jenkins about one run; `None` when nothing changed.
async fn observe(jenkins: &dyn Jenkins, run: &Followed<'_>) -> Result<Option<Step>, JenkinsError> {
    let Some(job) = JobPath::parse(run.job) else {
        return Ok(Some(Step::Finished(RunStatus::Aborted, run.build_number)));
    };
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
                    return Ok(match jenkins.build_for_queue_item(&job, queue_id).await? {
                        Some(build) => Some(Step::Started(build_number(build))),
                        None if is_lost(run.created_at) => Some(Step::Finished(RunStatus::Aborted, None)),
                        None => None,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        // Recorded without a queue item: the trigger's outcome is unknown.
        (None, None) => {
            return Ok(is_lost(run.created_at).then_some(Step::Finished(RunStatus::Aborted, None)));
        }
    };
    let Ok(number) = u32::try_from(build) else {
        return Ok(Some(Step::Finished(RunStatus::Aborted, Some(build))));
    };
    match jenkins.build(&job, number).await {
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

fn is_lost(created_at: NaiveDateTime) -> bool {
    let age = db::now() - created_at;
    age.to_std().is_ok_and(|age| age > LOST_AFTER)
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
