//! What every resolver can reach: the application's services and this request's session and
//! transaction (one per request, holding the tenant scope from the verified token).

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::Context;
use tokio::sync::MappedMutexGuard;

use super::error::{ApiError, ApiResult};
use super::loader::Loaders;
pub use super::shared_tx::SharedTx;
use super::shared_tx::lock;
use crate::auth::Session;
use crate::auth::artifact_link::ArtifactLinkKey;
use crate::auth::login_limiter::LoginLimiter;
use crate::auth::session::{SessionError, authenticate};
use crate::auth::session_cache::SessionCache;
use crate::auth::token::TokenKeys;
use crate::crypto::credential::CredentialCipher;
use crate::db::{Access, DbPool, TenantTx};
use crate::events::{DeployEvents, SlaEvents};
use crate::scheduler::ScheduleTime;
use crate::service::trigger::PendingRun;
use crate::tenant_jenkins::JenkinsDirectory;
use crate::worker::ActiveTenants;

/// Long-lived parts shared by all requests.
pub struct Services {
    pub pool: DbPool,
    pub tokens: TokenKeys,
    /// The token check's facts as last read (valid while the session generation stands).
    pub sessions: SessionCache,
    pub cipher: CredentialCipher,
    pub login_limiter: LoginLimiter,
    /// Each tenant's Jenkins and folder root.
    pub jenkins: Arc<JenkinsDirectory>,
    pub events: Arc<DeployEvents>,
    /// Service-level alerts for `srSlaAlert`.
    pub sla_events: Arc<SlaEvents>,
    /// Tells the follow-up worker which tenant just started a run.
    pub active_runs: Arc<ActiveTenants>,
    /// Signs `Artifact.signedUrl` (a key derived from the JWT secret).
    pub artifact_links: ArtifactLinkKey,
    /// How this server runs, for `appInfo`.
    pub app: AppFlags,
    /// The installation's time zone and clock: batch schedules (`BatchJob.nextRunAt`) and
    /// service-level clocks read them.
    pub schedule_time: ScheduleTime,
}

impl Services {
    /// Checks a bearer token (see `auth::session::authenticate`) and opens the request's
    /// reading transaction in its tenant.
    pub async fn authenticate(&self, token: &str) -> Result<(Session, TenantTx), SessionError> {
        authenticate(&self.tokens, &self.sessions, &self.pool, token, Access::Read).await
    }
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
    /// Ask Jenkins to start a run whose ledger row the request recorded; if Jenkins refuses or
    /// fails, the row is closed as FAILURE and the field at `response_key` answers the error.
    Trigger {
        run: PendingRun,
        response_key: String,
        /// Whether the job takes parameters, when the request checked the run with Jenkins
        /// before recording it; `None`: check after the commit.
        checked: Option<bool>,
    },
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

/// The name the caller's answer holds this field under (its alias, if any).
pub fn response_key(ctx: &Context<'_>) -> String {
    ctx.item.node.response_key().node.to_string()
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
    pub fn new(session: Session, tx: SharedTx, access: Access) -> Self {
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
        let tx = SharedTx::none();
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

/// Whether the request has a transaction to use (a subscription's events and `login` do not).
pub fn has_tx(ctx: &Context<'_>) -> bool {
    request(ctx).auth.as_ref().is_some_and(|auth| auth.tx.available())
}

/// Reads what a resolver needs before it waits on something slow (Jenkins, a password hash),
/// so that no transaction of this request is open while it waits: a query's reading
/// transaction is ended after `read` (the next step opens a new one); a mutation that has not
/// opened its transaction reads in a short scope of its own. Returns whether the resolver may
/// wait now with nothing held: not when a mutation's transaction is already open (an earlier
/// field wrote); Jenkins is then asked only after the commit.
pub async fn read_before_waiting<T>(
    ctx: &Context<'_>,
    read: impl AsyncFnOnce(&mut TenantTx) -> ApiResult<T>,
) -> ApiResult<(T, bool)> {
    let auth = authenticated(ctx)?;
    let request_tx = &auth.tx;
    if request_tx.available() && (auth.access == Access::Read || request_tx.is_open().await) {
        let value = read(&mut *lock(request_tx).await?).await?;
        if auth.access == Access::Read {
            request_tx.release_read().await?;
            return Ok((value, true));
        }
        return Ok((value, false));
    }
    let mut scope = services(ctx)
        .pool
        .tenant_tx(&auth.session.tenant_id, Access::Read)
        .await?;
    let value = read(&mut scope).await?;
    scope.commit().await?;
    Ok((value, true))
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
