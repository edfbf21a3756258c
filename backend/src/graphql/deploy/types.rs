//! The GraphQL types of deploys: projects, Jenkins builds and their artifacts, the ledger's
//! deployments and a console chunk.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use guardia_shared::deploy::{DeploymentKind, RunStatus};

use crate::auth::artifact_link::artifact_path;
use crate::db;
use crate::events::DeploymentSnapshot;
use crate::graphql::context::{self, session, tx};
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::connection;
use crate::graphql::user::{self, User};

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
    pub(super) build: crate::jenkins::Build,
    pub(super) project_id: String,
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
    pub(super) row: db::deploy::Deployment,
    /// Known already for subscription events and list pages.
    pub(super) project: Option<db::deploy::DeployProject>,
    pub(super) triggered_by: Option<db::user::User>,
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
            Some(user) => Ok(User::from(user.clone())),
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
    /// 1 when created, one more with every change: of two copies of the same deployment (a
    /// `deploymentUpdated` event and a mutation's reply can arrive in either order), the one
    /// with the higher version is the newer.
    async fn version(&self) -> i32 {
        self.row.version
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
