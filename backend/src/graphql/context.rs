//! What every resolver can reach: the application's services and this request's session and
//! transaction (one per request, holding the tenant scope from the verified token).

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::Context;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use super::error::{ApiError, ApiResult};
use super::loader::Loaders;
use crate::auth::Session;
use crate::auth::artifact_link::ArtifactLinkKey;
use crate::auth::login_limiter::LoginLimiter;
use crate::auth::token::TokenKeys;
use crate::crypto::credential::CredentialCipher;
use crate::db::{Access, DbPool, TenantTx};
use crate::events::DeployEvents;
use crate::jenkins::Jenkins;
use crate::worker::ActiveTenants;

/// Long-lived parts shared by all requests.
pub struct Services {
    pub pool: DbPool,
    pub tokens: TokenKeys,
    pub cipher: CredentialCipher,
    pub login_limiter: LoginLimiter,
    /// `None` when `JENKINS_URL` is not set: deploy operations then say so.
    pub jenkins: Option<Arc<dyn Jenkins>>,
    pub events: Arc<DeployEvents>,
    /// Tells the follow-up worker which tenant just started a run.
    pub active_runs: Arc<ActiveTenants>,
    /// Signs `Artifact.signedUrl` (a key derived from the JWT secret).
    pub artifact_links: ArtifactLinkKey,
    /// How this server runs, for `appInfo`.
    pub app: AppFlags,
}

/// How the server runs: `guardia serve` (all false) or `guardia demo`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppFlags {
    /// A throwaway demo installation (`guardia demo`).
    pub demo: bool,
    /// Jenkins is the in-process simulator, not a real Jenkins.
    pub jenkins_simulated: bool,
}

/// Work that must wait until the request's transaction has committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterCommit {
    /// Announce the deployment to `deploymentUpdated` subscribers (and wake the worker).
    DeploymentChanged(String),
    /// Wake the worker for a new batch run.
    RunStarted,
}

/// The request's transaction; `None` once the request has committed or rolled back.
pub type SharedTx = Arc<Mutex<Option<TenantTx>>>;

/// Locks the request's transaction for one step (resolvers run concurrently).
pub async fn lock(tx: &SharedTx) -> ApiResult<MappedMutexGuard<'_, TenantTx>> {
    MutexGuard::try_map(tx.lock().await, Option::as_mut).map_err(|_| ApiError::internal())
}

/// One request's view: who is calling, their transaction and their batch loaders.
pub struct RequestContext {
    pub services: Arc<Services>,
    pub client_ip: IpAddr,
    pub auth: Option<Authenticated>,
    /// Shared with the transport, which runs it after the commit.
    pub after_commit: AfterCommitQueue,
}

/// Work the resolvers queue for after the commit.
#[derive(Clone, Default)]
pub struct AfterCommitQueue(Arc<std::sync::Mutex<Vec<AfterCommit>>>);

impl AfterCommitQueue {
    pub fn push(&self, work: AfterCommit) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(work);
    }

    pub fn take(&self) -> Vec<AfterCommit> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl RequestContext {
    pub fn new(services: Arc<Services>, client_ip: IpAddr, auth: Option<Authenticated>) -> Self {
        RequestContext {
            services,
            client_ip,
            auth,
            after_commit: AfterCommitQueue::default(),
        }
    }
}

/// Queues work for after the commit.
pub fn after_commit(ctx: &Context<'_>, work: AfterCommit) {
    request(ctx).after_commit.push(work);
}

pub struct Authenticated {
    pub session: Session,
    pub tx: SharedTx,
    /// Whether the request's transaction writes (a mutation) or only reads.
    pub access: Access,
    pub loaders: Loaders,
}

impl Authenticated {
    pub fn new(session: Session, tx: TenantTx, access: Access) -> Self {
        let tx = Arc::new(Mutex::new(Some(tx)));
        let loaders = Loaders::new(&tx);
        Authenticated {
            session,
            tx,
            access,
            loaders,
        }
    }

    /// A session without a transaction (a subscription): resolvers that need one open their
    /// own short read scope.
    pub fn without_tx(session: Session) -> Self {
        let tx: SharedTx = Arc::new(Mutex::new(None));
        let loaders = Loaders::new(&tx);
        Authenticated {
            session,
            tx,
            access: Access::Read,
            loaders,
        }
    }
}

pub fn request<'a>(ctx: &Context<'a>) -> &'a RequestContext {
    ctx.data_unchecked::<RequestContext>()
}

pub fn services<'a>(ctx: &Context<'a>) -> &'a Services {
    &request(ctx).services
}

fn authenticated<'a>(ctx: &Context<'a>) -> ApiResult<&'a Authenticated> {
    request(ctx).auth.as_ref().ok_or_else(ApiError::unauthenticated)
}

pub fn session<'a>(ctx: &Context<'a>) -> ApiResult<&'a Session> {
    authenticated(ctx).map(|auth| &auth.session)
}

/// The request's transaction, locked for one step.
pub async fn tx<'a>(ctx: &Context<'a>) -> ApiResult<MappedMutexGuard<'a, TenantTx>> {
    lock(&authenticated(ctx)?.tx).await
}

/// Whether the request holds an open transaction (a subscription's events do not).
pub async fn has_tx(ctx: &Context<'_>) -> bool {
    match &request(ctx).auth {
        Some(auth) => auth.tx.lock().await.is_some(),
        None => false,
    }
}

/// The Jenkins client, or UPSTREAM_UNAVAILABLE when none is configured.
pub fn jenkins<'a>(ctx: &Context<'a>) -> ApiResult<&'a dyn Jenkins> {
    services(ctx)
        .jenkins
        .as_deref()
        .ok_or_else(|| crate::jenkins::JenkinsError::NotConfigured.into())
}

/// Whether this request runs in a writing transaction (a mutation).
pub fn writes(ctx: &Context<'_>) -> bool {
    request(ctx)
        .auth
        .as_ref()
        .is_some_and(|auth| auth.access == Access::Write)
}

pub fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a Loaders> {
    authenticated(ctx).map(|auth| &auth.loaders)
}
