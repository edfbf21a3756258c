//! `deploymentUpdated`: every change of the caller's tenant's deployments, while the caller
//! may still read them.

use async_graphql::{Context, Subscription};
use futures_util::Stream;
use guardia_shared::Permission;

use super::lookup::project_named;
use super::types::Deployment;
use crate::db::Access;
use crate::graphql::context::{self, session};
use crate::graphql::guard::Require;
use crate::graphql::live_session::still_allowed;

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
                            if !still_allowed(&pool, &subscriber, Permission::DeployHistoryRead).await {
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
