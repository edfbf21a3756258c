//! Deploy projects (a name mapped to a Jenkins job) and GUARDiA's deployment ledger.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use guardia_shared::deploy::{DeploymentKind, RunStatus};

use super::order::bytewise;
use super::schema::{deploy_projects, deployments};
use super::{DbError, Found, Page, PageRequest, TenantTx, new_id, now};
use crate::db_run;

/// The build parameter a rollback sets when a project names none.
pub const DEFAULT_ROLLBACK_PARAMETER: &str = "ROLLBACK_BUILD";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = deploy_projects)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DeployProject {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub jenkins_job: String,
    pub rollback_parameter: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewDeployProject<'a> {
    pub name: &'a str,
    pub jenkins_job: &'a str,
    pub rollback_parameter: &'a str,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = deployments)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Deployment {
    pub tenant_id: String,
    pub id: String,
    pub project_id: String,
    pub kind: DeploymentKind,
    pub status: RunStatus,
    pub target_build: Option<i32>,
    pub queue_item_id: Option<i64>,
    pub build_number: Option<i32>,
    pub reason: Option<String>,
    /// The build parameters sent, as a JSON array of `{name, value}`.
    pub parameters: String,
    pub triggered_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// Why GUARDiA closed the deployment without a build (job refused, Jenkins down).
    pub failure_reason: Option<String>,
    /// 1 when created, one more with every recorded change.
    pub version: i32,
}

#[derive(Debug, Clone)]
pub struct NewDeployment<'a> {
    pub project_id: &'a str,
    pub kind: DeploymentKind,
    pub target_build: Option<i32>,
    pub queue_item_id: Option<i64>,
    pub reason: Option<&'a str>,
    pub parameters: &'a str,
    pub triggered_by: &'a str,
}

/// How far a followed deployment got.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = deployments)]
pub struct DeploymentProgress {
    pub status: Option<RunStatus>,
    pub queue_item_id: Option<i64>,
    pub build_number: Option<i32>,
    pub finished_at: Option<NaiveDateTime>,
    pub failure_reason: Option<String>,
}

pub async fn create_project(tx: &mut TenantTx, new: NewDeployProject<'_>) -> Result<DeployProject, DbError> {
    let row = DeployProject {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        name: new.name.to_owned(),
        jenkins_job: new.jenkins_job.to_owned(),
        rollback_parameter: new.rollback_parameter.to_owned(),
        created_at: now(),
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(deploy_projects::table)
            .values(&row)
            .returning(DeployProject::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| {
        DbError::from(e).conflict_means(|| format!("a deploy project named '{}' already exists", new.name))
    })
}

pub async fn get_project(tx: &mut TenantTx, id: &str) -> Result<DeployProject, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        deploy_projects::table
            .filter(
                deploy_projects::tenant_id
                    .eq(&tenant)
                    .and(deploy_projects::id.eq(id)),
            )
            .select(DeployProject::as_select())
            .get_result(c)
            .await
    })
    .found("deploy project")
}

pub async fn find_project_by_name(tx: &mut TenantTx, name: &str) -> Result<DeployProject, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        deploy_projects::table
            .filter(
                deploy_projects::tenant_id
                    .eq(&tenant)
                    .and(deploy_projects::name.eq(name)),
            )
            .select(DeployProject::as_select())
            .get_result(c)
            .await
    })
    .found(format_args!("deploy project '{name}'"))
}

/// All deploy projects of the tenant, by name.
pub async fn list_projects(tx: &mut TenantTx) -> Result<Vec<DeployProject>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        deploy_projects::table
            .filter(deploy_projects::tenant_id.eq(&tenant))
            .order((bytewise(deploy_projects::name).asc(), deploy_projects::id.asc()))
            .select(DeployProject::as_select())
            .load(c)
            .await
    })?)
}

/// Records a triggered deployment as QUEUED. A second active deployment of the same project
/// is refused by the database (`Conflict`).
pub async fn create_deployment(tx: &mut TenantTx, new: NewDeployment<'_>) -> Result<Deployment, DbError> {
    let at = now();
    let row = Deployment {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        project_id: new.project_id.to_owned(),
        kind: new.kind,
        status: RunStatus::Queued,
        target_build: new.target_build,
        queue_item_id: new.queue_item_id,
        build_number: None,
        reason: new.reason.map(str::to_owned),
        parameters: new.parameters.to_owned(),
        triggered_by: new.triggered_by.to_owned(),
        created_at: at,
        updated_at: at,
        finished_at: None,
        failure_reason: None,
        version: 1,
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(deployments::table)
            .values(&row)
            .returning(Deployment::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| {
        DbError::from(e)
            .conflict_means(|| "another deployment of this project is still queued or running".into())
            .reference_means(|| "no such deploy project or user in this tenant".into())
    })
}

pub async fn get_deployment(tx: &mut TenantTx, id: &str) -> Result<Deployment, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        deployments::table
            .filter(deployments::tenant_id.eq(&tenant).and(deployments::id.eq(id)))
            .select(Deployment::as_select())
            .get_result(c)
            .await
    })
    .found("deployment")
}

/// A page of deployments, newest first, of one project or of all.
pub async fn list_deployments(
    tx: &mut TenantTx,
    project_id: Option<&str>,
    page: &PageRequest,
) -> Result<Page<Deployment>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let rows = db_run!(tx.conn(), |c| {
        let mut query = deployments::table
            .filter(deployments::tenant_id.eq(&tenant))
            .into_boxed();
        if let Some(project_id) = project_id {
            query = query.filter(deployments::project_id.eq(project_id));
        }
        if let Some(after) = &page.after {
            query = query.filter(deployments::id.lt(after));
        }
        query
            .order(deployments::id.desc())
            .limit(page.fetch_limit())
            .select(Deployment::as_select())
            .load(c)
            .await
    })?;
    Ok(Page::from_overfetch(rows, page))
}

pub async fn count_deployments(tx: &mut TenantTx, project_id: Option<&str>) -> Result<i64, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        let mut query = deployments::table
            .filter(deployments::tenant_id.eq(&tenant))
            .into_boxed();
        if let Some(project_id) = project_id {
            query = query.filter(deployments::project_id.eq(project_id));
        }
        query.count().get_result(c).await
    })?)
}

pub async fn record_progress(
    tx: &mut TenantTx,
    id: &str,
    progress: &DeploymentProgress,
) -> Result<Deployment, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(
            deployments::table.filter(deployments::tenant_id.eq(&tenant).and(deployments::id.eq(id))),
        )
        .set((
            progress,
            deployments::updated_at.eq(now()),
            deployments::version.eq(deployments::version + 1),
        ))
        .returning(Deployment::as_returning())
        .get_result(c)
        .await
    })?)
}

/// Records progress only if the deployment is still in `from`: a process that lost the race
/// to another (SQLite, where rows are not locked) records nothing and gets `None`.
pub async fn advance(
    tx: &mut TenantTx,
    id: &str,
    from: RunStatus,
    progress: &DeploymentProgress,
) -> Result<Option<Deployment>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(
            deployments::table.filter(
                deployments::tenant_id
                    .eq(&tenant)
                    .and(deployments::id.eq(id))
                    .and(deployments::status.eq(from)),
            ),
        )
        .set((
            progress,
            deployments::updated_at.eq(now()),
            deployments::version.eq(deployments::version + 1),
        ))
        .returning(Deployment::as_returning())
        .get_result(c)
        .await
        .optional()
    })?)
}

/// Runs still QUEUED or RUNNING, oldest first (the follow-up worker's work list).
pub async fn list_active(tx: &mut TenantTx) -> Result<Vec<Deployment>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        deployments::table
            .filter(deployments::tenant_id.eq(&tenant))
            .filter(deployments::status.eq_any([RunStatus::Queued, RunStatus::Running]))
            .order(deployments::id.asc())
            .select(Deployment::as_select())
            .load(c)
            .await
    })?)
}
