//! Records what the signed-in user did, inside the request's transaction, so the entry commits
//! with the change or not at all.

use async_graphql::Context;

use super::context::session;
use super::error::ApiResult;
use crate::db::TenantTx;
use crate::service::audit;

/// Records a successful action of the signed-in user inside the request's transaction.
pub async fn record(tx: &mut TenantTx, ctx: &Context<'_>, action: &str, target: &str) -> ApiResult<()> {
    let actor = &session(ctx)?.user_id;
    Ok(audit::record_by_user(tx, actor, action, target, None).await?)
}
