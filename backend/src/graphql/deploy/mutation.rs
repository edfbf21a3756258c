//! Deploying: creating a project, a deploy and a rollback. The rules live in the deploy service;
//! this adds what is GraphQL's (the caller, the answer's field for the after-commit trigger).

use async_graphql::{Context, Object};
use guardia_shared::Permission;
use guardia_shared::deploy::DeploymentKind;

use super::lookup::{job_of, project_and_jenkins};
use super::types::{BuildParameter, CreateDeployProjectInput, DeployProject, Deployment};
use crate::db;
use crate::graphql::audit_trail::record;
use crate::graphql::context::{self, AfterCommit, session, tx};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::guard::Require;
use crate::graphql::validate;
use crate::service::deploy::{self, Start};
use crate::service::trigger::{self, PendingRun, RunPlan};
use crate::tenant_jenkins::TenantJenkins;

#[derive(Default)]
pub struct DeployMutation;

#[Object]
impl DeployMutation {
    #[graphql(guard = "Require(Permission::DeployTrigger)")]
    async fn create_deploy_project(
        &self,
        ctx: &Context<'_>,
        input: CreateDeployProjectInput,
    ) -> ApiResult<DeployProject> {
        let name = validate::text("name", &input.name, 1, 100)?;
        let rollback_parameter = validate::parameter_name(
            "rollbackParameter",
            input
                .rollback_parameter
                .as_deref()
                .unwrap_or(db::deploy::DEFAULT_ROLLBACK_PARAMETER),
        )?;
        let mut tx = tx(ctx).await?;
        let jenkins = context::services(ctx).jenkins.for_tenant(&mut tx).await?;
        let jenkins_job = validate::jenkins_job(&input.jenkins_job, &jenkins)?;
        let new = db::deploy::NewDeployProject {
            name: &name,
            jenkins_job: &jenkins_job,
            rollback_parameter: &rollback_parameter,
        };
        let project = db::deploy::create_project(&mut tx, new).await?;
        record(&mut tx, ctx, "deploy.project.create", &project.id).await?;
        Ok(DeployProject(project))
    }

    /// Queues the project's Jenkins job with these parameters. One deploy at a time per
    /// project: a second while one is queued or running is a CONFLICT.
    #[graphql(guard = "Require(Permission::DeployTrigger)")]
    async fn trigger_deploy(
        &self,
        ctx: &Context<'_>,
        project: String,
        #[graphql(default_with = "Some(Vec::new())")] parameters: Option<Vec<BuildParameter>>,
        #[graphql(desc = "Why, for the ledger and the audit log")] reason: Option<String>,
    ) -> ApiResult<Deployment> {
        let reason = validate::optional_text("reason", reason.as_deref(), 500)?;
        let parameters = parameters.unwrap_or_default();
        let mut pairs = Vec::with_capacity(parameters.len());
        for p in parameters {
            pairs.push((validate::parameter_name("parameters.name", &p.name)?, p.value));
        }
        let ((project, jenkins), can_ask) = project_and_jenkins(ctx, &project).await?;
        let plan = deploy::deploy_plan(job_of(&project, &jenkins)?, pairs);
        let start = Start {
            project: &project,
            kind: DeploymentKind::Deploy,
            reason: reason.as_deref(),
            triggered_by: &session(ctx)?.user_id,
        };
        record_deployment(ctx, start, &plan, &jenkins, can_ask).await
    }

    /// Redeploys build `toBuild`: triggers the job with its rollback parameter set to that
    /// number. Only a finished, successful build that Jenkins still has, with artifacts, can
    /// be a target; the reason is required and kept in the ledger and the audit log.
    #[graphql(guard = "Require(Permission::DeployTrigger)")]
    async fn rollback(
        &self,
        ctx: &Context<'_>,
        project: String,
        to_build: i32,
        reason: String,
    ) -> ApiResult<Deployment> {
        let reason = validate::text("reason", &reason, 1, 500)?;
        let target = deploy::rollback_target(to_build).map_err(|e| ApiError::bad_input(e.to_string()))?;
        let ((project, jenkins), can_ask) = project_and_jenkins(ctx, &project).await?;
        let plan = deploy::rollback_plan(&project, job_of(&project, &jenkins)?, target);
        let start = Start {
            project: &project,
            kind: DeploymentKind::Rollback,
            reason: Some(&reason),
            triggered_by: &session(ctx)?.user_id,
        };
        record_deployment(ctx, start, &plan, &jenkins, can_ask).await
    }
}

/// Checks the run with Jenkins when no transaction is open (a bad target or parameter then
/// changes nothing), records it in the request's transaction, and leaves the trigger for after
/// the commit.
async fn record_deployment(
    ctx: &Context<'_>,
    start: Start<'_>,
    plan: &RunPlan,
    jenkins: &TenantJenkins,
    can_ask: bool,
) -> ApiResult<Deployment> {
    let checked = if can_ask {
        Some(trigger::check(jenkins.client()?.as_ref(), plan).await?)
    } else {
        None
    };
    let row = deploy::record(&mut *tx(ctx).await?, &start, plan).await?;
    context::after_commit(
        ctx,
        AfterCommit::Trigger {
            run: PendingRun::Deployment(row.id.clone()),
            response_key: context::response_key(ctx),
            checked,
        },
    );
    Ok(Deployment {
        row,
        project: Some(start.project.clone()),
        triggered_by: None,
    })
}
