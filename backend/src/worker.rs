//! The background worker: follows every queued or running deployment and batch run to its
//! final status in Jenkins. It resumes unfinished runs on start; with several processes on one
//! database each change is recorded (and announced) once.

mod follow;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::db::{self, DbPool};
use crate::events::DeployEvents;
use crate::tenant_jenkins::JenkinsDirectory;

/// A full look at every tenant, for runs no hint announced (another process died).
const RESCAN_EVERY: Duration = Duration::from_secs(30);

/// Tenants that may have runs to follow, each with a counter of hints so a tenant found idle
/// is forgotten only if no hint came in meanwhile.
#[derive(Default)]
pub struct ActiveTenants {
    tenants: std::sync::Mutex<HashMap<String, u64>>,
    rescan: AtomicBool,
    wake: Notify,
}

impl ActiveTenants {
    /// Something changed in `tenant_id`'s runs: look now.
    pub fn hint(&self, tenant_id: &str) {
        *self
            .tenants
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(tenant_id.to_owned())
            .or_default() += 1;
        self.wake.notify_one();
    }

    /// Hints may have been missed (a LISTEN connection came back): look at every tenant.
    pub fn rescan_soon(&self) {
        self.rescan.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }

    fn snapshot(&self) -> Vec<(String, u64)> {
        let tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
        tenants.iter().map(|(t, g)| (t.clone(), *g)).collect()
    }

    fn settle(&self, tenant_id: &str, seen: u64) {
        let mut tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
        if tenants.get(tenant_id) == Some(&seen) {
            tenants.remove(tenant_id);
        }
    }
}

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
