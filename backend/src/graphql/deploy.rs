//! Deploys through Jenkins: projects, build history, the deployment ledger with deploy and
//! rollback, the console tail, and `deploymentUpdated` (docs/jenkins.md).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use guardia_shared::Permission;
use guardia_shared::deploy::{DeploymentKind, RunStatus};

use super::audit::{record, record_with_detail};
use super::context::{self, AfterCommit, read_before_waiting, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::Require;
use super::pagination::{connection, page_request};
use super::user::{self, User};
use super::validate;
use crate::auth::artifact_link::artifact_path;
use crate::db::{self, Access};
use crate::events::DeploymentSnapshot;
use crate::service::trigger::{self, PendingRun, RunPlan};
use crate::tenant_jenkins::TenantJenkins;

/// Most builds one `buildHistory` call returns.
const MAX_HISTORY: i32 = 100;

pub struct DeployProject(pub db::deploy::DeployProject);

#[Object]
impl DeployProject {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The Jenkins job's full name, folders separated by '/'.
    async fn jenkins_job(&self) -> &str {
        &self.0.jenkins_job
    }
    /// The build parameter a rollback sets to the target build's number.
    async fn rollback_parameter(&self) -> &str {
        &self.0.rollback_parameter
    }
}

/// One Jenkins build of a project.
pub struct BuildInfo {
    build: crate::jenkins::Build,
    project_id: String,
}

#[Object]
impl BuildInfo {
    async fn number(&self) -> u32 {
        self.build.number
    }
    /// SUCCESS, UNSTABLE, FAILURE, NOT_BUILT or ABORTED; null while building.
    async fn result(&self) -> Option<&str> {
        self.build.result.as_deref()
    }
    async fn building(&self) -> bool {
        self.build.building
    }
    /// When the build was scheduled.
    async fn timestamp(&self) -> DateTime<Utc> {
        self.build.timestamp
    }
    /// In milliseconds; 0 while building.
    async fn duration(&self) -> i32 {
        i32::try_from(self.build.duration_ms).unwrap_or(i32::MAX)
    }
    /// Who or what started it, from Jenkins' causes (a build GUARDiA triggered names its
    /// service account; the ledger's `Deployment.triggeredBy` names the person).
    async fn triggered_by(&self) -> Option<&str> {
        self.build.triggered_by.as_deref()
    }
    async fn parameters(&self) -> Vec<BuildParameter> {
        self.build
            .parameters
            .iter()
            .map(|(name, value)| BuildParameter {
                name: name.clone(),
                value: value.clone(),
            })
            .collect()
    }
    async fn artifacts(&self, ctx: &Context<'_>) -> ApiResult<Vec<Artifact>> {
        let session = session(ctx)?;
        let links = &context::services(ctx).artifact_links;
        let now = Utc::now();
        Ok(self
            .build
            .artifacts
            .iter()
            .map(|a| Artifact {
                file_name: a.file_name.clone(),
                download_url: artifact_path(&self.project_id, self.build.number, &a.relative_path),
                signed_url: links.signed_url_from(
                    &session.tenant_id,
                    &session.user_id,
                    &self.project_id,
                    self.build.number,
                    &a.relative_path,
                    now,
                ),
                relative_path: a.relative_path.clone(),
            })
            .collect())
    }
}

#[derive(SimpleObject)]
pub struct Artifact {
    pub file_name: String,
    /// The path inside the build's archive, which downloads go by.
    pub relative_path: String,
    /// GUARDiA's download link for this artifact, relative to GUARDiA's address; `GET` it
    /// with the same bearer token. Jenkins' address never reaches clients.
    pub download_url: String,
    /// The same download as a link that needs no `Authorization` header (for a browser's
    /// `<a href download>`): signed for the caller, valid for 10 minutes. GUARDiA still checks
    /// at download time that the caller is active and may read deploy history.
    pub signed_url: String,
}

#[derive(SimpleObject, InputObject, Clone)]
#[graphql(input_name = "BuildParameterInput")]
pub struct BuildParameter {
    pub name: String,
    pub value: String,
}

/// A deploy or rollback GUARDiA triggered, from its own ledger.
pub struct Deployment {
    row: db::deploy::Deployment,
    /// Known already for subscription events and list pages.
    project: Option<db::deploy::DeployProject>,
    triggered_by: Option<db::user::User>,
}

impl Deployment {
    pub fn row_id(&self) -> &str {
        &self.row.id
    }
}

impl From<db::deploy::Deployment> for Deployment {
    fn from(row: db::deploy::Deployment) -> Self {
        Deployment {
            row,
            project: None,
            triggered_by: None,
        }
    }
}

impl From<&DeploymentSnapshot> for Deployment {
    fn from(snapshot: &DeploymentSnapshot) -> Self {
        Deployment {
            row: snapshot.deployment.clone(),
            project: Some(snapshot.project.clone()),
            triggered_by: Some(snapshot.triggered_by.clone()),
        }
    }
}

#[Object]
impl Deployment {
    async fn id(&self) -> ID {
        ID(self.row.id.clone())
    }
    async fn project(&self, ctx: &Context<'_>) -> ApiResult<DeployProject> {
        if let Some(project) = &self.project {
            return Ok(DeployProject(project.clone()));
        }
        let project = db::deploy::get_project(&mut *tx(ctx).await?, &self.row.project_id).await?;
        Ok(DeployProject(project))
    }
    async fn kind(&self) -> DeploymentKind {
        self.row.kind
    }
    async fn status(&self) -> RunStatus {
        self.row.status
    }
    /// The build a rollback redeploys.
    async fn target_build(&self) -> Option<i32> {
        self.row.target_build
    }
    /// The Jenkins build this deployment became, once it left the queue.
    async fn build_number(&self) -> Option<i32> {
        self.row.build_number
    }
    async fn reason(&self) -> Option<&str> {
        self.row.reason.as_deref()
    }
    /// The build parameters sent to Jenkins.
    async fn parameters(&self) -> Vec<BuildParameter> {
        let pairs: Vec<(String, String)> = serde_json::from_str(&self.row.parameters).unwrap_or_default();
        pairs
            .into_iter()
            .map(|(name, value)| BuildParameter { name, value })
            .collect()
    }
    async fn triggered_by(&self, ctx: &Context<'_>) -> ApiResult<User> {
        match &self.triggered_by {
            Some(user) => Ok(User(user.clone())),
            None => user::load(ctx, &self.row.triggered_by).await,
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at.and_utc()
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.row.finished_at.map(|t| t.and_utc())
    }
    /// Why GUARDiA closed the deployment without a build: Jenkins refused or could not be
    /// reached when it was asked to start it.
    async fn failure_reason(&self) -> Option<&str> {
        self.row.failure_reason.as_deref()
    }
}

/// A piece of a deployment's console text.
#[derive(SimpleObject)]
pub struct DeploymentLog {
    pub text: String,
    /// Pass as `start` to get what follows.
    pub next_start: i32,
    /// False while Jenkins is still writing (or the build has not started), or while more
    /// text follows (one call returns at most 64 KiB).
    pub complete: bool,
}

async fn count_deployments(ctx: &Context<'_>, project_id: &Option<String>) -> ApiResult<i64> {
    Ok(db::deploy::count_deployments(&mut *tx(ctx).await?, project_id.as_deref()).await?)
}

connection!(
    DeploymentConnection,
    DeploymentEdge,
    Deployment,
    Option<String>,
    count_deployments
);

#[derive(InputObject)]
pub struct CreateDeployProjectInput {
    pub name: String,
    pub jenkins_job: String,
    #[graphql(default_with = "Some(db::deploy::DEFAULT_ROLLBACK_PARAMETER.to_owned())")]
    pub rollback_parameter: Option<String>,
}

/// The tenant's project of this name.
async fn project_named(tx: &mut db::TenantTx, name: &str) -> ApiResult<db::deploy::DeployProject> {
    db::deploy::find_project_by_name(tx, name)
        .await
        .map_err(|e| ApiError::from_db(&format!("deploy project '{name}'"), e))
}

/// The project of this name with its tenant's Jenkins, read so that no transaction is open
/// when Jenkins is asked next (see `read_before_waiting`); the bool says whether it may be.
async fn project_and_jenkins(
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
fn job_of(
    project: &db::deploy::DeployProject,
    jenkins: &TenantJenkins,
) -> ApiResult<crate::jenkins::JobPath> {
    jenkins
        .job(&project.jenkins_job)
        .map_err(|e| ApiError::bad_input(format!("deploy project '{}' cannot be used: {e}", project.name)))
}

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
        complexity = "super::pagination::weight(limit, 10, child_complexity)"
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
        complexity = "super::pagination::weight(first, 20, child_complexity)"
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
        let row = db::deploy::get_deployment(&mut *tx(ctx).await?, &id)
            .await
            .map_err(|e| ApiError::from_db("deployment", e))?;
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
        let start = u64::try_from(start).map_err(|_| ApiError::bad_input("`start` must not be negative"))?;
        let directory = context::services(ctx).jenkins.clone();
        let ((deployment, project, jenkins), _) = read_before_waiting(ctx, async |tx| {
            let deployment = db::deploy::get_deployment(tx, &id)
                .await
                .map_err(|e| ApiError::from_db("deployment", e))?;
            let project = db::deploy::get_project(tx, &deployment.project_id).await?;
            let jenkins = directory.for_tenant(tx).await?;
            Ok((deployment, project, jenkins))
        })
        .await?;
        let Some(number) = deployment.build_number.and_then(|n| u32::try_from(n).ok()) else {
            return Ok(DeploymentLog {
                text: String::new(),
                next_start: 0,
                complete: deployment.status.is_finished(),
            });
        };
        let chunk = jenkins
            .client()?
            .console(&job_of(&project, &jenkins)?, number, start)
            .await
            .map_err(|e| ApiError::from_jenkins(&format!("build #{number}"), e))?;
        Ok(DeploymentLog {
            text: chunk.text,
            next_start: i32::try_from(chunk.next_start).unwrap_or(i32::MAX),
            complete: !chunk.more,
        })
    }
}

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
        let plan = RunPlan {
            job: job_of(&project, &jenkins)?,
            parameters: pairs,
            rollback_target: None,
        };
        let start = Start {
            project,
            kind: DeploymentKind::Deploy,
            reason: reason.as_deref(),
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
        let target = u32::try_from(to_build)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::bad_input("`toBuild` must be a build number (1 or more)"))?;
        let ((found, jenkins), can_ask) = project_and_jenkins(ctx, &project).await?;
        let plan = RunPlan {
            job: job_of(&found, &jenkins)?,
            parameters: vec![(found.rollback_parameter.clone(), target.to_string())],
            rollback_target: Some(target),
        };
        let start = Start {
            project: found,
            kind: DeploymentKind::Rollback,
            reason: Some(&reason),
        };
        record_deployment(ctx, start, &plan, &jenkins, can_ask).await
    }
}

/// A deploy or rollback about to be recorded.
struct Start<'a> {
    project: db::deploy::DeployProject,
    kind: DeploymentKind,
    reason: Option<&'a str>,
}

/// Checks the run with Jenkins when no transaction is open (a bad target or parameter then
/// changes nothing), records the deployment as QUEUED with its audit entry in the request's
/// transaction, and leaves the trigger for after the commit. The ledger row is the lock: the
/// database's one-active-deployment-per-project index refuses a concurrent deploy (CONFLICT)
/// before Jenkins is touched.
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
    let user_id = session(ctx)?.user_id.clone();
    let parameters_json = serde_json::to_string(&plan.parameters).map_err(|_| ApiError::internal())?;
    let target_build = plan.rollback_target.and_then(|n| i32::try_from(n).ok());
    let mut tx = tx(ctx).await?;
    let project = start.project;
    let row = db::deploy::create_deployment(
        &mut tx,
        db::deploy::NewDeployment {
            project_id: &project.id,
            kind: start.kind,
            target_build,
            queue_item_id: None,
            reason: start.reason,
            parameters: &parameters_json,
            triggered_by: &user_id,
        },
    )
    .await?;
    let action = match start.kind {
        DeploymentKind::Deploy => "deploy.trigger",
        DeploymentKind::Rollback => "deploy.rollback",
    };
    record_with_detail(&mut tx, ctx, action, &row.id, start.reason).await?;
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
        project: Some(project),
        triggered_by: None,
    })
}

#[derive(Default)]
pub struct DeploySubscription;

#[Subscription]
impl DeploySubscription {
    /// Every change of a deployment of the caller's tenant (of one project, if named): queued,
    /// started with its build number, finished.
    #[graphql(guard = "Require(Permission::DeployHistoryRead)")]
    async fn deployment_updated(
        &self,
        ctx: &Context<'_>,
        project: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = Deployment>> {
        let session = session(ctx)?;
        let services = context::services(ctx);
        let project_id = match project {
            Some(name) => {
                let mut scope = services.pool.tenant_tx(&session.tenant_id, Access::Read).await?;
                let found = project_named(&mut scope, &name).await?;
                scope.commit().await?;
                Some(found.id)
            }
            None => None,
        };
        let tenant_id = session.tenant_id.clone();
        let subscriber = session.clone();
        let pool = services.pool.clone();
        let receiver = services.events.subscribe();
        Ok(futures_util::stream::unfold(receiver, move |mut receiver| {
            let tenant_id = tenant_id.clone();
            let project_id = project_id.clone();
            let subscriber = subscriber.clone();
            let pool = pool.clone();
            async move {
                loop {
                    match receiver.recv().await {
                        Ok(snapshot) => {
                            let wanted = snapshot.deployment.tenant_id == tenant_id
                                && project_id
                                    .as_ref()
                                    .is_none_or(|id| *id == snapshot.deployment.project_id);
                            if !wanted {
                                continue;
                            }
                            // The socket outlives the check at connection_init: a deactivated
                            // user, or one whose role changed, gets no more events.
                            if !still_subscribed(&pool, &subscriber).await {
                                return None;
                            }
                            return Some((Deployment::from(&*snapshot), receiver));
                        }
                        // A slow subscriber misses some events; the next one is current.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        }))
    }
}

/// Whether the subscriber's user row still allows reading deploy history (active, same role).
async fn still_subscribed(pool: &db::DbPool, session: &crate::auth::Session) -> bool {
    let check = async {
        let mut tx = pool.tenant_tx(&session.tenant_id, Access::Read).await?;
        let user = db::user::get(&mut tx, &session.user_id).await?;
        tx.commit().await?;
        Ok::<_, db::DbError>(user.active && user.role == session.role)
    };
    check.await.unwrap_or(false) && session.allows(Permission::DeployHistoryRead)
}
