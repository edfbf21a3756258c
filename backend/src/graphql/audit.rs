//! The audit log: every mutation writes who did what to which object; ADMINs read it.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use guardia_shared::Permission;

use super::context::{self, tx};
use super::error::ApiResult;
use super::guard::Require;
use super::pagination::{connection, page_request};
use super::user::{User, load as load_user};
use crate::db;

pub struct AuditEntry(pub db::audit::AuditEntry);

impl From<db::audit::AuditEntry> for AuditEntry {
    fn from(row: db::audit::AuditEntry) -> Self {
        AuditEntry(row)
    }
}

impl AuditEntry {
    pub fn row_id(&self) -> &str {
        &self.0.id
    }
}

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Who acted; null for the system (CLI, scheduler).
    async fn actor(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        match &self.0.actor_id {
            Some(id) => load_user(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn target(&self) -> Option<&str> {
        self.0.target.as_deref()
    }
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at.and_utc()
    }
}

async fn count_entries(ctx: &Context<'_>, _: &()) -> ApiResult<i64> {
    Ok(db::audit::count(&mut *context::tx(ctx).await?).await?)
}

connection!(
    AuditEntryConnection,
    AuditEntryEdge,
    AuditEntry,
    (),
    count_entries
);

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The tenant's audit log, newest first.
    #[graphql(
        guard = "Require(Permission::AuditLogRead)",
        complexity = "super::pagination::weight(first, 50, child_complexity)"
    )]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(50)")] first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<AuditEntryConnection> {
        let page = page_request(first, after.as_deref())?;
        let rows = db::audit::list(&mut *tx(ctx).await?, &page).await?;
        Ok(AuditEntryConnection::new(rows, ()))
    }
}
