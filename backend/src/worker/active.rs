//! Which tenants may have runs to follow: request handlers and the event hub hint, the worker
//! looks. Its own module so that the event hub can hint without depending on the worker.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// Tenants that may have runs to follow, each with a counter of hints so a tenant found idle
/// is forgotten only if no hint came in meanwhile.
#[derive(Default)]
pub struct ActiveTenants {
    tenants: std::sync::Mutex<HashMap<String, u64>>,
    pub(super) rescan: AtomicBool,
    pub(super) wake: Notify,
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

    pub(super) fn snapshot(&self) -> Vec<(String, u64)> {
        let tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
        tenants.iter().map(|(t, g)| (t.clone(), *g)).collect()
    }

    pub(super) fn settle(&self, tenant_id: &str, seen: u64) {
        let mut tenants = self.tenants.lock().unwrap_or_else(|e| e.into_inner());
        if tenants.get(tenant_id) == Some(&seen) {
            tenants.remove(tenant_id);
        }
    }
}
