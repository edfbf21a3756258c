//! Deploys and rollbacks: what a run asks Jenkins for, and how it enters the ledger. The ledger
//! row is the lock: the database's one-active-deployment-per-project index refuses a concurrent
//! deploy (CONFLICT) before Jenkins is touched, and the trigger itself follows the commit.

use guardia_shared::deploy::DeploymentKind;

use super::audit;
use super::trigger::RunPlan;
use crate::db::{self, DbError, TenantTx};
use crate::jenkins::JobPath;

/// A deploy or rollback about to be recorded.
pub struct Start<'a> {
    pub project: &'a db::deploy::DeployProject,
    pub kind: DeploymentKind,
    /// Why; required for a rollback, kept in the ledger and the audit log.
    pub reason: Option<&'a str>,
    pub triggered_by: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("`toBuild` must be a build number (1 or more)")]
    BadTarget,
}

/// A deploy of `job` with these parameters.
pub fn deploy_plan(job: JobPath, parameters: Vec<(String, String)>) -> RunPlan {
    RunPlan {
        job,
        parameters,
        rollback_target: None,
    }
}

/// The build a rollback asks for, checked before anything is looked up.
pub fn rollback_target(to_build: i32) -> Result<u32, DeployError> {
    u32::try_from(to_build)
        .ok()
        .filter(|n| *n > 0)
        .ok_or(DeployError::BadTarget)
}

/// A rollback to build `target`: the job with the project's rollback parameter set to that
/// number. (Whether that build may be a target is Jenkins' to say: see `trigger::check`.)
pub fn rollback_plan(project: &db::deploy::DeployProject, job: JobPath, target: u32) -> RunPlan {
    RunPlan {
        job,
        parameters: vec![(project.rollback_parameter.clone(), target.to_string())],
        rollback_target: Some(target),
    }
}

/// Records the run as QUEUED in the ledger, with its audit entry, in the caller's transaction.
pub async fn record(
    tx: &mut TenantTx,
    start: &Start<'_>,
    plan: &RunPlan,
) -> Result<db::deploy::Deployment, DbError> {
    let parameters = serde_json::to_string(&plan.parameters).unwrap_or_else(|_| "[]".to_owned());
    let new = db::deploy::NewDeployment {
        project_id: &start.project.id,
        kind: start.kind,
        target_build: plan.rollback_target.and_then(|n| i32::try_from(n).ok()),
        queue_item_id: None,
        reason: start.reason,
        parameters: &parameters,
        triggered_by: start.triggered_by,
    };
    let row = db::deploy::create_deployment(tx, new).await?;
    let action = match start.kind {
        DeploymentKind::Deploy => "deploy.trigger",
        DeploymentKind::Rollback => "deploy.rollback",
    };
    audit::record_by_user(tx, start.triggered_by, action, &row.id, start.reason).await?;
    Ok(row)
}
