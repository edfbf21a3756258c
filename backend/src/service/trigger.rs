//! Starting a deploy, rollback or batch run in Jenkins. The run's ledger row (the lock behind
//! one deploy at a time per project) and its audit entry are committed first; only then is
//! Jenkins asked, with no transaction open. A trigger that fails closes its row as FAILURE with
//! the reason, which releases the lock.

use std::time::Duration;

use guardia_shared::deploy::{DeploymentKind, RunStatus};

use crate::db::{self, Access, DbError, DbPool, TenantTx};
use crate::jenkins::{Jenkins, JenkinsError, JobPath, JobPathError};
use crate::tenant_jenkins::{JenkinsDirectory, TenantJenkins};

/// A recorded run still to be started in Jenkins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingRun {
    Deployment(String),
    BatchRun(String),
}

/// What GUARDiA asks Jenkins to run.
#[derive(Debug, Clone)]
pub struct RunPlan {
    pub job: JobPath,
    pub parameters: Vec<(String, String)>,
    /// For a rollback: the build to redeploy, which must be a finished, successful build that
    /// still has its artifacts.
    pub rollback_target: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// The run cannot be started as asked (the caller's input, or a job outside the tenant's
    /// folder): BAD_USER_INPUT.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Jenkins(JenkinsError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<JobPathError> for TriggerError {
    fn from(error: JobPathError) -> Self {
        TriggerError::Refused(error.to_string())
    }
}

impl From<JenkinsError> for TriggerError {
    fn from(error: JenkinsError) -> Self {
        match error {
            JenkinsError::Rejected { .. } => TriggerError::Refused(error.to_string()),
            other => TriggerError::Jenkins(other),
        }
    }
}

/// Checks a plan with Jenkins without changing anything there: the rollback target, that the
/// job can build, and the parameters. Returns whether the job takes parameters.
pub async fn check(jenkins: &dyn Jenkins, plan: &RunPlan) -> Result<bool, TriggerError> {
    if let Some(target) = plan.rollback_target {
        check_rollback_target(jenkins, &plan.job, target).await?;
    }
    let definition = jenkins.definition(&plan.job).await?;
    let job = &plan.job;
    if !definition.buildable {
        return Err(TriggerError::Refused(format!(
            "Jenkins job '{job}' is disabled (not buildable)"
        )));
    }
    definition
        .check(&plan.parameters)
        .map_err(|problem| TriggerError::Refused(format!("Jenkins job '{job}': {problem}")))?;
    Ok(definition.is_parameterized())
}

async fn check_rollback_target(
    jenkins: &dyn Jenkins,
    job: &JobPath,
    target: u32,
) -> Result<(), TriggerError> {
    let build = match jenkins.build(job, target).await {
        Ok(build) => build,
        Err(JenkinsError::NotFound) => {
            return Err(TriggerError::Refused(format!(
                "build #{target} does not exist in Jenkins (never built, or discarded)"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if build.building {
        return Err(TriggerError::Refused(format!("build #{target} is still running")));
    }
    if build.result.as_deref() != Some("SUCCESS") {
        let result = build.result.as_deref().unwrap_or("without a result");
        return Err(TriggerError::Refused(format!(
            "build #{target} finished {result}; only a successful build can be a rollback target"
        )));
    }
    if build.artifacts.is_empty() {
        return Err(TriggerError::Refused(format!(
            "build #{target} has no artifacts left in Jenkins to redeploy"
        )));
    }
    Ok(())
}

/// A recorded run, loaded for its trigger.
struct Loaded {
    plan: Result<RunPlan, TriggerError>,
    jenkins: TenantJenkins,
    /// Who started it, for the audit entry of a failed trigger.
    actor: Option<String>,
    action: &'static str,
}

/// Starts a recorded run in Jenkins: checks it (unless the request did, `checked` then says
/// whether the job takes parameters), triggers it and records the queue item. On failure the
/// run is closed as FAILURE with the reason, audited, and the error returned. The caller
/// announces the change either way.
pub async fn start(
    pool: &DbPool,
    directory: &JenkinsDirectory,
    tenant_id: &str,
    run: &PendingRun,
    checked: Option<bool>,
) -> Result<(), TriggerError> {
    let loaded = {
        let mut tx = pool.tenant_tx(tenant_id, Access::Read).await?;
        let loaded = load(&mut tx, directory, run).await?;
        tx.commit().await?;
        loaded
    };
    let outcome = trigger(&loaded, checked).await;
    // What Jenkins said must reach the ledger: a queued build left unrecorded would later be
    // taken for a lost trigger. A busy database gets a few more tries.
    let mut attempt = 0;
    loop {
        match record_outcome(pool, tenant_id, run, &loaded, &outcome).await {
            Ok(()) => break,
            Err(e) if attempt < RECORD_RETRIES.len() => {
                tracing::warn!(tenant_id, error = %e, "cannot record a trigger's outcome yet; retrying");
                tokio::time::sleep(RECORD_RETRIES[attempt]).await;
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    outcome.map(drop)
}

/// Pauses before recording a trigger's outcome again.
const RECORD_RETRIES: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_secs(1),
    Duration::from_secs(3),
];

async fn record_outcome(
    pool: &DbPool,
    tenant_id: &str,
    run: &PendingRun,
    loaded: &Loaded,
    outcome: &Result<i64, TriggerError>,
) -> Result<(), DbError> {
    let mut tx = pool.tenant_tx(tenant_id, Access::Write).await?;
    match outcome {
        Ok(queue_id) => record_queued(&mut tx, run, *queue_id).await?,
        Err(error) => {
            let reason = error.to_string();
            record_failed(&mut tx, run, &reason).await?;
            let target = match run {
                PendingRun::Deployment(id) | PendingRun::BatchRun(id) => id.as_str(),
            };
            let entry = db::audit::NewAuditEntry {
                actor_id: loaded.actor.as_deref(),
                action: loaded.action,
                target: Some(target),
                outcome: "failure: the Jenkins trigger failed",
                detail: Some(&reason),
            };
            db::audit::record(&mut tx, entry).await?;
        }
    }
    tx.commit().await
}

async fn trigger(loaded: &Loaded, checked: Option<bool>) -> Result<i64, TriggerError> {
    let plan = loaded.plan.as_ref().map_err(clone_refusal)?;
    let jenkins = loaded.jenkins.client()?;
    let parameterized = match checked {
        Some(parameterized) => parameterized,
        None => check(jenkins.as_ref(), plan).await?,
    };
    let queue_id = jenkins
        .trigger(&plan.job, parameterized, &plan.parameters)
        .await?;
    Ok(i64::try_from(queue_id).unwrap_or(i64::MAX))
}

fn clone_refusal(error: &TriggerError) -> TriggerError {
    TriggerError::Refused(error.to_string())
}

async fn load(
    tx: &mut TenantTx,
    directory: &JenkinsDirectory,
    run: &PendingRun,
) -> Result<Loaded, TriggerError> {
    let jenkins = directory.for_tenant(tx).await?;
    Ok(match run {
        PendingRun::Deployment(id) => {
            let deployment = db::deploy::get_deployment(tx, id).await?;
            let project = db::deploy::get_project(tx, &deployment.project_id).await?;
            let parameters: Vec<(String, String)> =
                serde_json::from_str(&deployment.parameters).unwrap_or_default();
            let rollback_target = match deployment.kind {
                DeploymentKind::Rollback => deployment.target_build.and_then(|n| u32::try_from(n).ok()),
                DeploymentKind::Deploy => None,
            };
            let plan = jenkins
                .job(&project.jenkins_job)
                .map_err(TriggerError::from)
                .map(|job| RunPlan {
                    job,
                    parameters,
                    rollback_target,
                });
            Loaded {
                plan,
                jenkins,
                actor: Some(deployment.triggered_by),
                action: match deployment.kind {
                    DeploymentKind::Deploy => "deploy.trigger",
                    DeploymentKind::Rollback => "deploy.rollback",
                },
            }
        }
        PendingRun::BatchRun(id) => {
            let run = db::batch::get_run(tx, id).await?;
            let job = db::batch::get_job(tx, &run.batch_job_id).await?;
            let plan = jenkins
                .job(&job.jenkins_job)
                .map_err(TriggerError::from)
                .map(|job| RunPlan {
                    job,
                    parameters: Vec::new(),
                    rollback_target: None,
                });
            // A failed trigger is audited as the action that started the run.
            let action = if run.scheduled_for.is_some() {
                "batch.run_scheduled"
            } else {
                "batch.run_now"
            };
            Loaded {
                plan,
                jenkins,
                actor: run.triggered_by,
                action,
            }
        }
    })
}

async fn record_queued(tx: &mut TenantTx, run: &PendingRun, queue_id: i64) -> Result<(), DbError> {
    match run {
        PendingRun::Deployment(id) => {
            let progress = db::deploy::DeploymentProgress {
                queue_item_id: Some(queue_id),
                ..Default::default()
            };
            if db::deploy::advance(tx, id, RunStatus::Queued, &progress)
                .await?
                .is_none()
            {
                tracing::warn!(
                    deployment = id,
                    queue_id,
                    "a triggered deployment was no longer QUEUED"
                );
            }
        }
        PendingRun::BatchRun(id) => {
            let progress = db::batch::BatchRunProgress {
                queue_item_id: Some(queue_id),
                ..Default::default()
            };
            if db::batch::advance_run(tx, id, RunStatus::Queued, &progress)
                .await?
                .is_none()
            {
                tracing::warn!(run = id, queue_id, "a triggered batch run was no longer QUEUED");
            }
        }
    }
    Ok(())
}

async fn record_failed(tx: &mut TenantTx, run: &PendingRun, reason: &str) -> Result<(), DbError> {
    let finished_at = Some(db::now());
    let failure_reason = Some(reason.to_owned());
    match run {
        PendingRun::Deployment(id) => {
            let progress = db::deploy::DeploymentProgress {
                status: Some(RunStatus::Failure),
                finished_at,
                failure_reason,
                ..Default::default()
            };
            db::deploy::advance(tx, id, RunStatus::Queued, &progress).await?;
        }
        PendingRun::BatchRun(id) => {
            let progress = db::batch::BatchRunProgress {
                status: Some(RunStatus::Failure),
                finished_at,
                failure_reason,
                ..Default::default()
            };
            db::batch::advance_run(tx, id, RunStatus::Queued, &progress).await?;
        }
    }
    Ok(())
}
