//! Finding a deploy project and its tenant's Jenkins, for the queries and mutations.

use async_graphql::Context;

use crate::db;
use crate::graphql::context::{self, read_before_waiting};
use crate::graphql::error::{ApiError, ApiResult};
use crate::tenant_jenkins::TenantJenkins;

/// The tenant's project of this name.
pub(super) async fn project_named(tx: &mut db::TenantTx, name: &str) -> ApiResult<db::deploy::DeployProject> {
    Ok(db::deploy::find_project_by_name(tx, name).await?)
}

/// The project of this name with its tenant's Jenkins, read so that no transaction is open
/// when Jenkins is asked next (see `read_before_waiting`); the bool says whether it may be.
pub(super) async fn project_and_jenkins(
    ctx: &Context<'_>,
    name: &str,
) -> ApiResult<((db::deploy::DeployProject, TenantJenkins), bool)> {
    let directory = context::services(ctx).jenkins.clone();
    read_before_waiting(ctx, async |tx| {
        let project = project_named(tx, name).await?;
        let jenkins = directory.for_tenant(tx).await?;
        Ok((project, jenkins))
    })
    .await
}

/// The project's job, refused when it is not inside the tenant's Jenkins folder (a row written
/// before that rule, or changed behind GUARDiA's back, is refused here, at use).
pub(super) fn job_of(
    project: &db::deploy::DeployProject,
    jenkins: &TenantJenkins,
) -> ApiResult<crate::jenkins::JobPath> {
    jenkins
        .job(&project.jenkins_job)
        .map_err(|e| ApiError::bad_input(format!("deploy project '{}' cannot be used: {e}", project.name)))
}
