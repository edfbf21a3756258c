//! The audit log: who did what to which object, when, and how it ended.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::audit_log;
use super::{DbError, Page, PageRequest, TenantTx, new_id, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct AuditEntry {
    pub tenant_id: String,
    pub id: String,
    /// `None` when the system acted (CLI, scheduler, worker).
    pub actor_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub outcome: String,
    pub detail: Option<String>,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub outcome: &'a str,
    pub detail: Option<&'a str>,
}

pub async fn record(tx: &mut TenantTx, entry: NewAuditEntry<'_>) -> Result<AuditEntry, DbError> {
    let row = AuditEntry {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        actor_id: entry.actor_id.map(str::to_owned),
        action: entry.action.to_owned(),
        target: entry.target.map(str::to_owned),
        outcome: entry.outcome.to_owned(),
        detail: entry.detail.map(str::to_owned),
        at: now(),
    };
    Ok(db_run!(tx.conn(), |c| {
        diesel::insert_into(audit_log::table)
            .values(&row)
            .returning(AuditEntry::as_returning())
            .get_result(c)
            .await
    })?)
}

/// A page of audit entries, newest first.
pub async fn list(tx: &mut TenantTx, page: &PageRequest) -> Result<Page<AuditEntry>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let rows = db_run!(tx.conn(), |c| {
        let mut query = audit_log::table
            .filter(audit_log::tenant_id.eq(&tenant))
            .into_boxed();
        if let Some(after) = &page.after {
            query = query.filter(audit_log::id.lt(after));
        }
        query
            .order(audit_log::id.desc())
            .limit(page.fetch_limit())
            .select(AuditEntry::as_select())
            .load(c)
            .await
    })?;
    Ok(Page::from_overfetch(rows, page))
}

pub async fn count(tx: &mut TenantTx) -> Result<i64, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        audit_log::table
            .filter(audit_log::tenant_id.eq(&tenant))
            .count()
            .get_result(c)
            .await
    })?)
}
