//! Reading deploys: projects, Jenkins' build history, the ledger and a deployment's console.

use async_graphql::{Context, ID, Object};
use guardia_shared::Permission;

use super::lookup::{job_of, project_and_jenkins, project_named};
use super::types::{BuildInfo, DeployProject, Deployment, DeploymentConnection, DeploymentLog};
use crate::db;
use crate::graphql::console;
use crate::graphql::context::{self, read_before_waiting, tx};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::guard::Require;
use crate::graphql::pagination::page_request;

/// Most builds one `buildHistory` call returns.
const MAX_HISTORY: i32 = 100;

#[derive(Default)]
pub struct DeployQuery;

#[Object]
impl DeployQuery {
    #[graphql(guard = "Require(Permission::DeployHistoryRead)")]
    async fn deploy_projects(&self, ctx: &Context<'_>) -> ApiResult<Vec<DeployProject>> {
        let projects = db::deploy::list_projects(&mut *tx(ctx).await?).await?;
        Ok(projects.into_iter().map(DeployProject).collect())
    }

    /// The project's newest Jenkins builds, newest first (one request to Jenkins).
    #[graphql(
        guard = "Require(Permission::DeployHistoryRead)",
        complexity = "crate::graphql::pagination::weight(limit, 10, child_complexity)"
    )]
    async fn build_history(
        &self,
        ctx: &Context<'_>,
        project: String,
        #[graphql(default_with = "Some(10)")] limit: Option<i32>,
    ) -> ApiResult<Vec<BuildInfo>> {
        let limit = limit.unwrap_or(10);
        if !(1..=MAX_HISTORY).contains(&limit) {
            return Err(ApiError::bad_input(format!(
                "`limit` must be between 1 and {MAX_HISTORY}, not {limit}"
            )));
        }
        let ((project, jenkins), _) = project_and_jenkins(ctx, &project).await?;
        let job = job_of(&project, &jenkins)?;
        let limit = u32::try_from(limit).unwrap_or(1);
        let builds = jenkins
            .client()?
            .history(&job, limit)
            .await
            .map_err(|e| ApiError::from_jenkins(&format!("Jenkins job '{job}'"), e))?;
        Ok(builds
            .into_iter()
            .map(|build| BuildInfo {
                build,
                project_id: project.id.clone(),
            })
            .collect())
    }

    /// GUARDiA's ledger of deploys and rollbacks, newest first; it outlives Jenkins' builds.
    #[graphql(
        guard = "Require(Permission::DeployHistoryRead)",
        complexity = "crate::graphql::pagination::weight(first, 20, child_complexity)"
    )]
    async fn deployments(
        &self,
        ctx: &Context<'_>,
        project: Option<String>,
        #[graphql(default_with = "Some(20)")] first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<DeploymentConnection> {
        let page = page_request(first, after.as_deref())?;
        let mut tx = tx(ctx).await?;
        let project_id = match project {
            Some(name) => Some(project_named(&mut tx, &name).await?.id),
            None => None,
        };
        let rows = db::deploy::list_deployments(&mut tx, project_id.as_deref(), &page).await?;
        // Every project of the tenant in one query, instead of one per row.
        let projects = db::deploy::list_projects(&mut tx).await?;
        let mut connection = DeploymentConnection::new(rows, project_id);
        for edge in &mut connection.edges {
            edge.0.project = projects.iter().find(|p| p.id == edge.0.row.project_id).cloned();
        }
        Ok(connection)
    }

    #[graphql(guard = "Require(Permission::DeployHistoryRead)")]
    async fn deployment(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Deployment> {
        let row = db::deploy::get_deployment(&mut *tx(ctx).await?, &id).await?;
        Ok(row.into())
    }

    /// The deployment's Jenkins console text from byte `start` (0 for the beginning), at most
    /// 64 KiB per call: ask again from `nextStart` until `complete`.
    #[graphql(guard = "Require(Permission::DeployHistoryRead)")]
    async fn deployment_log(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = 0)] start: i32,
    ) -> ApiResult<DeploymentLog> {
        let start = console::offset(start)?;
        let directory = context::services(ctx).jenkins.clone();
        let ((deployment, project, jenkins), _) = read_before_waiting(ctx, async |tx| {
            let deployment = db::deploy::get_deployment(tx, &id).await?;
            let project = db::deploy::get_project(tx, &deployment.project_id).await?;
            let jenkins = directory.for_tenant(tx).await?;
            Ok((deployment, project, jenkins))
        })
        .await?;
        let finished = deployment.status.is_finished();
        let job = || job_of(&project, &jenkins);
        let read = console::read(&jenkins, job, deployment.build_number, finished, start).await?;
        Ok(DeploymentLog {
            text: read.text,
            next_start: read.next_start,
            complete: read.complete,
        })
    }
}
