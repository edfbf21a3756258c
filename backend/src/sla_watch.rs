//! The SLA watch: once a minute (just after it begins) it looks in every tenant for SRs whose
//! running clocks crossed 75 % or their target since they were last announced, records the
//! announcement on the SR (a guarded update, so with several processes each crossing is
//! announced once) and, after the commit, publishes it as an `srSlaAlert` event.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use guardia_shared::sla::{SlaClock, SlaState};

use crate::db::{self, Access, DbError, DbPool};
use crate::events::SlaEvents;
use crate::scheduler::{ScheduleTime, until_next_minute};
use crate::service::sla::{alert, stored_time};

/// SRs announced per tenant and look; the rest wait for the next minute.
const PER_LOOK: i64 = 500;

#[derive(Clone)]
pub struct SlaWatch {
    pub pool: DbPool,
    pub events: Arc<SlaEvents>,
    pub time: ScheduleTime,
}

/// One crossing, announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    pub tenant_id: String,
    pub sr_id: String,
    pub clock: SlaClock,
    pub state: SlaState,
}

impl SlaWatch {
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                self.tick().await;
                tokio::time::sleep(until_next_minute(self.time.clock.now())).await;
            }
        })
    }

    /// Announces every crossing due by now in every tenant.
    pub async fn tick(&self) -> Vec<Announced> {
        let tenants = match db::tenant::all_codes(&self.pool).await {
            Ok(tenants) => tenants,
            Err(e) => {
                tracing::warn!(error = %e, "SLA watch: cannot list the tenants");
                return Vec::new();
            }
        };
        let now = self.time.clock.now();
        let mut announced = Vec::new();
        for tenant in tenants {
            match self.look(&tenant, now).await {
                Ok(found) => announced.extend(found),
                Err(e) => tracing::warn!(tenant, error = %e, "SLA watch: cannot look at the SRs"),
            }
        }
        for alert in &announced {
            self.events
                .publish(&alert.tenant_id, &alert.sr_id, alert.clock, alert.state)
                .await;
        }
        announced
    }

    async fn look(&self, tenant: &str, now: DateTime<Utc>) -> Result<Vec<Announced>, DbError> {
        // Read first: most looks find nothing, and need no writing transaction (on SQLite, the
        // database's one writer). A claim checks what it read, so reading apart is safe.
        let mut read = self.pool.tenant_tx(tenant, Access::Read).await?;
        let due = db::sla::alerts_due(&mut read, stored_time(now), PER_LOOK).await?;
        read.commit().await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.tenant_tx(tenant, Access::Write).await?;
        let mut announced = Vec::new();
        for sr in due {
            let Some(alert) = alert(&sr.sla, now) else {
                continue;
            };
            if !db::sla::claim_alert(&mut tx, &sr.id, alert.read, alert.announced, alert.next_alert_at)
                .await?
            {
                continue;
            }
            let clocks = [
                (SlaClock::Response, alert.read.0, alert.announced.0),
                (SlaClock::Resolution, alert.read.1, alert.announced.1),
            ];
            for (clock, before, after) in clocks {
                if after != before {
                    announced.push(Announced {
                        tenant_id: tenant.to_owned(),
                        sr_id: sr.id.clone(),
                        clock,
                        state: after,
                    });
                }
            }
        }
        tx.commit().await?;
        Ok(announced)
    }
}
