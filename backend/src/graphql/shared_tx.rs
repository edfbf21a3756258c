//! The request's one transaction, shared by its resolvers (which run concurrently) and by the
//! batch loaders, and opened only when first needed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use super::error::{ApiError, ApiResult};
use crate::db::{Access, DbPool, TenantTx};

/// The request's transaction, opened when a resolver first needs it: a query's comes from the
/// token check; a mutation's is opened lazily, so that what a mutation asks Jenkins before it
/// writes is asked with no transaction open (on SQLite a writer holds the one write lock).
#[derive(Clone)]
pub struct SharedTx(Arc<RequestTx>);

struct RequestTx {
    slot: Mutex<Slot>,
    /// How to open the transaction; `None` for a subscription, which never holds one.
    opener: Option<Opener>,
    /// Set when the caller stopped waiting (the time limit): every later database step of the
    /// request fails, so the operation ends at its next one (never in the middle of a
    /// statement), is rolled back, and its connection goes back to the pool.
    stopped: Arc<AtomicBool>,
}

enum Slot {
    /// Not opened yet, or ended early (`release`).
    Closed,
    Open(Box<TenantTx>),
    /// The request has committed or rolled back: nothing may open another.
    Finished,
}

struct Opener {
    pool: DbPool,
    tenant_id: String,
    access: Access,
}

impl SharedTx {
    /// A request whose transaction is already open (a query's, from the token check).
    pub fn open(pool: DbPool, tx: TenantTx, access: Access, stopped: Arc<AtomicBool>) -> Self {
        let opener = Opener {
            pool,
            tenant_id: tx.tenant_id().to_owned(),
            access,
        };
        SharedTx(Arc::new(RequestTx {
            slot: Mutex::new(Slot::Open(Box::new(tx))),
            opener: Some(opener),
            stopped,
        }))
    }

    /// A request whose transaction opens at its first use (a mutation's).
    pub fn lazy(pool: DbPool, tenant_id: &str, access: Access, stopped: Arc<AtomicBool>) -> Self {
        let opener = Opener {
            pool,
            tenant_id: tenant_id.to_owned(),
            access,
        };
        SharedTx(Arc::new(RequestTx {
            slot: Mutex::new(Slot::Closed),
            opener: Some(opener),
            stopped,
        }))
    }

    /// A request that never holds a transaction (a subscription's events).
    pub fn none() -> Self {
        SharedTx(Arc::new(RequestTx {
            slot: Mutex::new(Slot::Closed),
            opener: None,
            stopped: Arc::new(AtomicBool::new(false)),
        }))
    }

    /// Whether resolvers can use a request transaction at all (not in a subscription).
    pub fn available(&self) -> bool {
        self.0.opener.is_some()
    }

    /// Whether the transaction is open now.
    pub async fn is_open(&self) -> bool {
        matches!(*self.0.slot.lock().await, Slot::Open(_))
    }

    /// Ends a reading transaction early, before the request waits on another system; the next
    /// database step opens a new one. A writing transaction stays open (it commits at the end).
    pub async fn release_read(&self) -> ApiResult<()> {
        let reads = self.0.opener.as_ref().is_some_and(|o| o.access == Access::Read);
        if !reads {
            return Ok(());
        }
        let mut slot = self.0.slot.lock().await;
        if matches!(*slot, Slot::Open(_))
            && let Slot::Open(tx) = std::mem::replace(&mut *slot, Slot::Closed)
        {
            tx.commit().await?;
        }
        Ok(())
    }

    /// Takes the open transaction, if any, to commit or roll back; no other opens after this.
    pub async fn finish(&self) -> Option<TenantTx> {
        match std::mem::replace(&mut *self.0.slot.lock().await, Slot::Finished) {
            Slot::Open(tx) => Some(*tx),
            Slot::Closed | Slot::Finished => None,
        }
    }
}

/// Locks the request's transaction for one step (resolvers run concurrently), opening it first
/// if need be.
pub async fn lock(tx: &SharedTx) -> ApiResult<MappedMutexGuard<'_, TenantTx>> {
    if tx.0.stopped.load(Ordering::Relaxed) {
        return Err(ApiError::new(
            guardia_shared::ErrorCode::Internal,
            "the operation ran out of time and was stopped",
        ));
    }
    let mut slot = tx.0.slot.lock().await;
    if let Slot::Closed = &*slot {
        let opener = tx.0.opener.as_ref().ok_or_else(ApiError::internal)?;
        let opened = opener.pool.tenant_tx(&opener.tenant_id, opener.access).await?;
        *slot = Slot::Open(Box::new(opened));
    }
    MutexGuard::try_map(slot, |slot| match slot {
        Slot::Open(tx) => Some(&mut **tx),
        Slot::Closed | Slot::Finished => None,
    })
    .map_err(|_| ApiError::internal())
}
