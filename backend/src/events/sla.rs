//! Service-level alerts for `srSlaAlert`: an SR's clock crossed 75 % or its target. The watch
//! claims each alert in the database (so one process announces it), then publishes it here.

use std::sync::Arc;

use guardia_shared::sla::{SlaClock, SlaState};
use tokio::sync::broadcast;

use crate::db::notify::{self, Heard};
use crate::db::{self, Access, DatabaseUrl, DbError, DbPool};

const CHANNEL: &str = "guardia_sla";
const BUFFER: usize = 256;

/// An SR as it stands when one of its clocks crossed into `state`.
#[derive(Debug, Clone)]
pub struct SlaAlertEvent {
    pub sr: db::sr::Sr,
    pub clock: SlaClock,
    pub state: SlaState,
}

pub struct SlaEvents {
    pool: DbPool,
    alerts: broadcast::Sender<Arc<SlaAlertEvent>>,
}

impl SlaEvents {
    /// Starts the hub; on PostgreSQL also the listener that hears other processes.
    pub fn start(pool: DbPool, url: &DatabaseUrl) -> (Arc<Self>, Option<tokio::task::JoinHandle<()>>) {
        let (alerts, _) = broadcast::channel(BUFFER);
        let events = Arc::new(SlaEvents { pool, alerts });
        let hub = events.clone();
        let listener = notify::spawn_listener(url, CHANNEL, move |message| {
            let hub = hub.clone();
            async move {
                if let Heard::Payload(payload) = message {
                    match parse(&payload) {
                        Some((tenant, sr, clock, state)) => hub.deliver(tenant, sr, clock, state).await,
                        None => tracing::warn!(%payload, "malformed SLA notification"),
                    }
                }
            }
        });
        (events, listener)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<SlaAlertEvent>> {
        self.alerts.subscribe()
    }

    /// Announces a committed alert to every process.
    pub async fn publish(&self, tenant_id: &str, sr_id: &str, clock: SlaClock, state: SlaState) {
        match &self.pool {
            DbPool::Postgres(_) => {
                // Tenant codes, UUIDs and the enums' texts hold no space.
                let payload = format!("{tenant_id} {sr_id} {clock} {state}");
                if let Err(e) = notify::notify(&self.pool, CHANNEL, &payload).await {
                    tracing::warn!(error = %e, "NOTIFY failed; telling this process only");
                    self.deliver(tenant_id, sr_id, clock, state).await;
                }
            }
            DbPool::Sqlite(_) => self.deliver(tenant_id, sr_id, clock, state).await,
        }
    }

    async fn deliver(&self, tenant_id: &str, sr_id: &str, clock: SlaClock, state: SlaState) {
        if self.alerts.receiver_count() == 0 {
            return;
        }
        match self.load(tenant_id, sr_id).await {
            Ok(sr) => {
                let _ = self.alerts.send(Arc::new(SlaAlertEvent { sr, clock, state }));
            }
            Err(e) => tracing::warn!(error = %e, sr_id, "cannot load an SR with an SLA alert"),
        }
    }

    async fn load(&self, tenant_id: &str, sr_id: &str) -> Result<db::sr::Sr, DbError> {
        let mut tx = self.pool.tenant_tx(tenant_id, Access::Read).await?;
        let sr = db::sr::get(&mut tx, sr_id).await?;
        tx.commit().await?;
        Ok(sr)
    }
}

fn parse(payload: &str) -> Option<(&str, &str, SlaClock, SlaState)> {
    let mut parts = payload.split(' ');
    let tenant = parts.next()?;
    let sr = parts.next()?;
    let clock = parts.next()?.parse().ok()?;
    let state = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((tenant, sr, clock, state))
}
