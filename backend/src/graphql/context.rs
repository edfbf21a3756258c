//! What every resolver can reach: the application's services and this request's session and
//! transaction (one per request, holding the tenant scope from the verified token).

use std::net::IpAddr;
use std::sync::Arc;

use async_graphql::Context;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use super::error::{ApiError, ApiResult};
use super::loader::Loaders;
use crate::auth::Session;
use crate::auth::login_limiter::LoginLimiter;
use crate::auth::token::TokenKeys;
use crate::crypto::credential::CredentialCipher;
use crate::db::{Access, DbPool, TenantTx};

/// Long-lived parts shared by all requests.
pub struct Services {
    pub pool: DbPool,
    pub tokens: TokenKeys,
    pub cipher: CredentialCipher,
    pub login_limiter: LoginLimiter,
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
