//! Deployment events for `deploymentUpdated`: published after a change commits, fanned out to
//! this process's subscribers and, on PostgreSQL, to every other `guardia` process through
//! LISTEN/NOTIFY. Subscribers get a snapshot loaded once per process, not once per subscriber.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::db::notify::{self, Heard};
use crate::db::{self, Access, DatabaseUrl, DbError, DbPool};
use crate::worker::active::ActiveTenants;

const CHANNEL: &str = "guardia_deployment";
/// How many snapshots a slow subscriber may fall behind before it skips some.
const BUFFER: usize = 256;

/// A deployment as it stands after a change, with what its GraphQL type shows.
#[derive(Debug, Clone)]
pub struct DeploymentSnapshot {
    pub deployment: db::deploy::Deployment,
    pub project: db::deploy::DeployProject,
    pub triggered_by: db::user::User,
}

pub struct DeployEvents {
    pool: DbPool,
    snapshots: broadcast::Sender<Arc<DeploymentSnapshot>>,
    active: Arc<ActiveTenants>,
}

impl DeployEvents {
    /// Starts the hub; on PostgreSQL also the listener that hears other processes (its task is
    /// returned, for the owner to stop).
    pub fn start(
        pool: DbPool,
        url: &DatabaseUrl,
        active: Arc<ActiveTenants>,
    ) -> (Arc<Self>, Option<tokio::task::JoinHandle<()>>) {
        let (snapshots, _) = broadcast::channel(BUFFER);
        let events = Arc::new(DeployEvents {
            pool,
            snapshots,
            active,
        });
        let hub = events.clone();
        let listener = notify::spawn_listener(url, CHANNEL, move |message| {
            let hub = hub.clone();
            async move {
                match message {
                    Heard::Payload(payload) => match payload.split_once(' ') {
                        Some((tenant, id)) => hub.deliver(tenant, id).await,
                        None => tracing::warn!(%payload, "malformed deployment notification"),
                    },
                    Heard::Connected => hub.active.rescan_soon(),
                }
            }
        });
        (events, listener)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<DeploymentSnapshot>> {
        self.snapshots.subscribe()
    }

    /// Announces a committed change of a deployment to every process.
    pub async fn publish(&self, tenant_id: &str, deployment_id: &str) {
        match &self.pool {
            DbPool::Postgres(_) => {
                // The payload is two ids: tenant codes and UUIDs hold no space.
                let payload = format!("{tenant_id} {deployment_id}");
                if let Err(e) = notify::notify(&self.pool, CHANNEL, &payload).await {
                    tracing::warn!(error = %e, "NOTIFY failed; telling this process only");
                    self.deliver(tenant_id, deployment_id).await;
                }
            }
            DbPool::Sqlite(_) => self.deliver(tenant_id, deployment_id).await,
        }
    }

    async fn deliver(&self, tenant_id: &str, deployment_id: &str) {
        self.active.hint(tenant_id);
        if self.snapshots.receiver_count() == 0 {
            return;
        }
        match self.snapshot(tenant_id, deployment_id).await {
            Ok(snapshot) => {
                let _ = self.snapshots.send(Arc::new(snapshot));
            }
            Err(e) => tracing::warn!(error = %e, deployment_id, "cannot load a changed deployment"),
        }
    }

    async fn snapshot(&self, tenant_id: &str, deployment_id: &str) -> Result<DeploymentSnapshot, DbError> {
        let mut tx = self.pool.tenant_tx(tenant_id, Access::Read).await?;
        let deployment = db::deploy::get_deployment(&mut tx, deployment_id).await?;
        let project = db::deploy::get_project(&mut tx, &deployment.project_id).await?;
        let triggered_by = db::user::get(&mut tx, &deployment.triggered_by).await?;
        tx.commit().await?;
        Ok(DeploymentSnapshot {
            deployment,
            project,
            triggered_by,
        })
    }
}
