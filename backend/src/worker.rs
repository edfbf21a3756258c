//! The background worker: follows every queued or running deployment and batch run to its
//! final status in Jenkins. It resumes unfinished runs on start; with several processes on one
//! database each change is recorded (and announced) once.

pub mod active;
mod follow;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;

pub use active::ActiveTenants;

use crate::db::{self, DbPool};
use crate::events::DeployEvents;
use crate::tenant_jenkins::JenkinsDirectory;

/// A full look at every tenant, for runs no hint announced (another process died).
const RESCAN_EVERY: Duration = Duration::from_secs(30);

pub struct Worker {
    pub pool: DbPool,
    /// Each tenant's Jenkins, reached only inside its folder.
    pub jenkins: Arc<JenkinsDirectory>,
    pub events: Arc<DeployEvents>,
    pub active: Arc<ActiveTenants>,
    /// The pause between two looks at the same run.
    pub poll: Duration,
}

impl Worker {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        let mut next_rescan = Instant::now();
        loop {
            if Instant::now() >= next_rescan || self.active.rescan.swap(false, Ordering::Relaxed) {
                self.rescan().await;
                next_rescan = Instant::now() + RESCAN_EVERY;
            }
            for (tenant, seen) in self.active.snapshot() {
                match follow::tenant(&self, &tenant).await {
                    Ok(0) => self.active.settle(&tenant, seen),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(tenant, error = %e, "following runs failed; retrying"),
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.poll) => {}
                () = self.active.wake.notified() => {}
            }
        }
    }

    /// Marks every tenant for a look: the start-up resume, and the periodic safety net.
    async fn rescan(&self) {
        let tenants = async {
            let mut tx = self.pool.operator_tx().await?;
            let tenants = db::tenant::list_all(&mut tx).await?;
            tx.commit().await?;
            Ok::<_, db::DbError>(tenants)
        };
        match tenants.await {
            Ok(tenants) => {
                for tenant in tenants {
                    self.active.hint(&tenant.code);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot list tenants to resume runs"),
        }
    }
}
