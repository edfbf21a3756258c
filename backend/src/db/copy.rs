//! Moving an installation between databases (`guardia db copy` / `db verify`): every table,
//! tenant by tenant, rows kept byte for byte, and a per-tenant, per-table checksum computed the
//! same way on both sides.
//!
//! Each tenant is copied in one target transaction, so an interrupted copy leaves whole tenants
//! and nothing else; a re-run skips the tenants already there. Nothing here prints: callers
//! watch through [`CopyProgress`].

use std::fmt::Debug;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sha2::{Digest, Sha256};

use super::identity::Identity;
use super::schema::{
    agents, audit_log, batch_jobs, batch_runs, deploy_projects, deployments, identities, servers,
    sla_calendars, sla_policies, sr_comments, sr_timeline, srs, tenant_jenkins, tenants, users,
};
use super::{Access, DbConn, DbError, DbPool, TenantTx};
use crate::db_run;

/// How many tables a copy covers: `tenants`, `identities` and every tenant-owned table.
pub const TABLE_COUNT: usize = 2 + super::schema::TENANT_OWNED_TABLES.len();

/// What a copy reports as it goes.
pub trait CopyProgress: Sync {
    /// Before anything is copied: the rows each table holds in the source.
    fn totals(&self, totals: &[(&'static str, u64)]);
    fn copied(&self, table: &'static str, rows: u64);
    /// A tenant is committed in the target (or was there already).
    fn tenant_done(&self, tenant: &str, skipped: bool);
}

/// Rows of one table, read and written the same way on either backend.
trait Rows: Sized + Debug + Send + Sync {
    const TABLE: &'static str;
    fn id(&self) -> &str;
    async fn read(tx: &mut TenantTx, after: Option<&str>, limit: i64) -> Result<Vec<Self>, DbError>;
    async fn write(tx: &mut TenantTx, rows: &[Self]) -> Result<(), DbError>;
    async fn count(tx: &mut TenantTx) -> Result<i64, DbError>;
}

macro_rules! rows {
    ($row:ty, $table:ident) => {
        impl Rows for $row {
            const TABLE: &'static str = stringify!($table);

            fn id(&self) -> &str {
                &self.id
            }

            async fn read(tx: &mut TenantTx, after: Option<&str>, limit: i64) -> Result<Vec<Self>, DbError> {
                let tenant = tx.tenant_id().to_owned();
                Ok(db_run!(tx.conn(), |c| {
                    let mut query = $table::table
                        .filter($table::tenant_id.eq(&tenant))
                        .into_boxed();
                    if let Some(after) = after {
                        query = query.filter($table::id.gt(after));
                    }
                    query
                        .order($table::id.asc())
                        .limit(limit)
                        .select(<$row>::as_select())
                        .load(c)
                        .await
                })?)
            }

            async fn write(tx: &mut TenantTx, rows: &[Self]) -> Result<(), DbError> {
                match tx.conn() {
                    // SQLite has no DEFAULT in multi-row VALUES; single rows in one
                    // transaction are fast there.
                    DbConn::Sqlite(c) => {
                        for row in rows {
                            diesel::insert_into($table::table)
                                .values(row)
                                .execute(&mut **c)
                                .await?;
                        }
                    }
                    DbConn::Postgres(c) => {
                        diesel::insert_into($table::table)
                            .values(rows)
                            .execute(&mut **c)
                            .await?;
                    }
                }
                Ok(())
            }

            async fn count(tx: &mut TenantTx) -> Result<i64, DbError> {
                let tenant = tx.tenant_id().to_owned();
                Ok(db_run!(tx.conn(), |c| {
                    $table::table
                        .filter($table::tenant_id.eq(&tenant))
                        .count()
                        .get_result(c)
                        .await
                })?)
            }
        }
    };
}

/// The people of a tenant's members. Not tenant-owned (one person may belong to several
/// tenants): each tenant reads and digests its members' people, and a copy writes a person
/// with the first of their tenants it copies.
impl Rows for Identity {
    const TABLE: &'static str = "identities";

    fn id(&self) -> &str {
        &self.id
    }

    async fn read(tx: &mut TenantTx, after: Option<&str>, limit: i64) -> Result<Vec<Self>, DbError> {
        let tenant = tx.tenant_id().to_owned();
        Ok(db_run!(tx.conn(), |c| {
            let members = users::table
                .filter(users::tenant_id.eq(&tenant))
                .select(users::identity_id);
            let mut query = identities::table
                .filter(identities::id.eq_any(members))
                .into_boxed();
            if let Some(after) = after {
                query = query.filter(identities::id.gt(after));
            }
            query
                .order(identities::id.asc())
                .limit(limit)
                .select(Identity::as_select())
                .load(c)
                .await
        })?)
    }

    async fn write(tx: &mut TenantTx, rows: &[Self]) -> Result<(), DbError> {
        for row in rows {
            // On PostgreSQL the row passes the policies of the person it names.
            tx.name_identity(&row.email).await?;
            db_run!(tx.conn(), |c| {
                diesel::insert_into(identities::table)
                    .values(row)
                    .on_conflict(identities::id)
                    .do_nothing()
                    .execute(c)
                    .await
            })?;
        }
        Ok(())
    }

    async fn count(tx: &mut TenantTx) -> Result<i64, DbError> {
        let tenant = tx.tenant_id().to_owned();
        Ok(db_run!(tx.conn(), |c| {
            let members = users::table
                .filter(users::tenant_id.eq(&tenant))
                .select(users::identity_id);
            identities::table
                .filter(identities::id.eq_any(members))
                .count()
                .get_result(c)
                .await
        })?)
    }
}

rows!(super::user::User, users);
rows!(super::tenant_jenkins::TenantJenkins, tenant_jenkins);
rows!(super::sr::Sr, srs);
rows!(super::sla::TimelineEntry, sr_timeline);
rows!(super::sr::SrComment, sr_comments);
rows!(super::sla::SlaPolicy, sla_policies);
rows!(super::sla::SlaCalendar, sla_calendars);
rows!(super::server::Server, servers);
rows!(super::agent::Agent, agents);
rows!(super::deploy::DeployProject, deploy_projects);
rows!(super::deploy::Deployment, deployments);
rows!(super::batch::BatchJob, batch_jobs);
rows!(super::batch::BatchRun, batch_runs);
rows!(super::audit::AuditEntry, audit_log);

/// Runs `$body` once per tenant-owned table in foreign-key order (a row's references come
/// first), with `$rows` naming the table's row type. The one list of tables every operation
/// walks; a test holds it equal to `schema::TENANT_OWNED_TABLES`.
macro_rules! each_table {
    (|$rows:ident| $body:expr) => {{
        {
            type $rows = crate::db::user::User;
            $body
        }
        {
            type $rows = crate::db::tenant_jenkins::TenantJenkins;
            $body
        }
        {
            type $rows = crate::db::sr::Sr;
            $body
        }
        {
            type $rows = crate::db::sla::TimelineEntry;
            $body
        }
        {
            type $rows = crate::db::sr::SrComment;
            $body
        }
        {
            type $rows = crate::db::sla::SlaPolicy;
            $body
        }
        {
            type $rows = crate::db::sla::SlaCalendar;
            $body
        }
        {
            type $rows = crate::db::server::Server;
            $body
        }
        {
            type $rows = crate::db::agent::Agent;
            $body
        }
        {
            type $rows = crate::db::deploy::DeployProject;
            $body
        }
        {
            type $rows = crate::db::deploy::Deployment;
            $body
        }
        {
            type $rows = crate::db::batch::BatchJob;
            $body
        }
        {
            type $rows = crate::db::batch::BatchRun;
            $body
        }
        {
            type $rows = crate::db::audit::AuditEntry;
            $body
        }
    }};
}

/// Rows per read and per PostgreSQL insert: the widest table (`srs`, 25 columns) stays under
/// PostgreSQL's 65,535 bind parameters.
pub const DEFAULT_BATCH: i64 = 2_000;

/// How a copy ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopySummary {
    pub tenants_copied: usize,
    pub tenants_skipped: usize,
    pub rows: u64,
}

/// The tenant codes of a database, in order.
pub async fn tenant_codes(pool: &DbPool) -> Result<Vec<String>, DbError> {
    super::tenant::all_codes(pool).await
}

/// Copies every tenant of `source` that `target` does not hold yet.
pub async fn copy(
    source: &DbPool,
    target: &DbPool,
    batch: i64,
    progress: &dyn CopyProgress,
) -> Result<CopySummary, DbError> {
    let codes = tenant_codes(source).await?;
    let present = tenant_codes(target).await?;
    progress.totals(&table_totals(source, &codes).await?);
    let mut summary = CopySummary::default();
    for code in &codes {
        if present.contains(code) {
            summary.tenants_skipped += 1;
            progress.tenant_done(code, true);
            continue;
        }
        let mut from = source.tenant_tx(code, Access::Read).await?;
        let mut to = target.tenant_tx(code, Access::Write).await?;
        let tenant = super::tenant::get(&mut from).await?;
        db_run!(to.conn(), |c| {
            diesel::insert_into(tenants::table)
                .values(&tenant)
                .execute(c)
                .await
        })?;
        progress.copied("tenants", 1);
        summary.rows += 1;
        summary.rows += copy_rows::<Identity>(&mut from, &mut to, batch, progress).await?;
        each_table!(|R| summary.rows += copy_rows::<R>(&mut from, &mut to, batch, progress).await?);
        to.commit().await?;
        from.commit().await?;
        summary.tenants_copied += 1;
        progress.tenant_done(code, false);
    }
    Ok(summary)
}

async fn copy_rows<R: Rows>(
    from: &mut TenantTx,
    to: &mut TenantTx,
    batch: i64,
    progress: &dyn CopyProgress,
) -> Result<u64, DbError> {
    let mut after: Option<String> = None;
    let mut copied = 0;
    loop {
        let rows = R::read(from, after.as_deref(), batch).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id().to_owned());
        R::write(to, &rows).await?;
        let n = rows.len() as u64;
        copied += n;
        progress.copied(R::TABLE, n);
        if (rows.len() as i64) < batch {
            break;
        }
    }
    Ok(copied)
}

async fn table_totals(pool: &DbPool, codes: &[String]) -> Result<Vec<(&'static str, u64)>, DbError> {
    let mut totals: Vec<(&'static str, u64)> = vec![("tenants", codes.len() as u64), ("identities", 0)];
    each_table!(|R| totals.push((R::TABLE, 0)));
    for code in codes {
        let mut tx = pool.tenant_tx(code, Access::Read).await?;
        // A person in several tenants counts once per tenant here: a bound for the progress.
        totals[1].1 += u64::try_from(Identity::count(&mut tx).await?).unwrap_or(0);
        let mut table = 2;
        each_table!(|R| {
            totals[table].1 += u64::try_from(R::count(&mut tx).await?).unwrap_or(0);
            table += 1;
        });
        tx.commit().await?;
    }
    Ok(totals)
}

/// One table of one tenant: its row count and a SHA-256 over its rows in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub tenant: String,
    pub table: &'static str,
    pub rows: u64,
    pub sha256: String,
}

/// Digests of every table of every tenant. Rows are read into the same Rust types on either
/// backend and hashed in their `Debug` form, so equal data gives equal digests.
pub async fn digests(pool: &DbPool, batch: i64) -> Result<Vec<TableDigest>, DbError> {
    let mut all = Vec::new();
    for code in tenant_codes(pool).await? {
        let mut tx = pool.tenant_tx(&code, Access::Read).await?;
        let tenant = super::tenant::get(&mut tx).await?;
        let mut hasher = Sha256::new();
        hasher.update(format!("{tenant:?}\n"));
        all.push(TableDigest {
            tenant: code.clone(),
            table: "tenants",
            rows: 1,
            sha256: hex(hasher),
        });
        all.push(digest::<Identity>(&mut tx, batch).await?);
        each_table!(|R| all.push(digest::<R>(&mut tx, batch).await?));
        tx.commit().await?;
    }
    Ok(all)
}

async fn digest<R: Rows>(tx: &mut TenantTx, batch: i64) -> Result<TableDigest, DbError> {
    let mut hasher = Sha256::new();
    let mut after: Option<String> = None;
    let mut rows = 0;
    loop {
        let page = R::read(tx, after.as_deref(), batch).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id().to_owned());
        for row in &page {
            hasher.update(format!("{row:?}\n"));
        }
        rows += page.len() as u64;
        if (page.len() as i64) < batch {
            break;
        }
    }
    Ok(TableDigest {
        tenant: tx.tenant_id().to_owned(),
        table: R::TABLE,
        rows,
        sha256: hex(hasher),
    })
}

fn hex(hasher: Sha256) -> String {
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A difference `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub tenant: String,
    pub table: &'static str,
    /// Source rows, target rows (`None`: the tenant is missing on that side).
    pub rows: (Option<u64>, Option<u64>),
}

/// Compares two databases table by table and tenant by tenant.
pub fn compare(source: &[TableDigest], target: &[TableDigest]) -> Vec<Mismatch> {
    let mut mismatches = Vec::new();
    for s in source {
        let t = target.iter().find(|t| t.tenant == s.tenant && t.table == s.table);
        if t.is_none_or(|t| t.rows != s.rows || t.sha256 != s.sha256) {
            mismatches.push(Mismatch {
                tenant: s.tenant.clone(),
                table: s.table,
                rows: (Some(s.rows), t.map(|t| t.rows)),
            });
        }
    }
    for t in target {
        if !source.iter().any(|s| s.tenant == t.tenant && s.table == t.table) {
            mismatches.push(Mismatch {
                tenant: t.tenant.clone(),
                table: t.table,
                rows: (None, Some(t.rows)),
            });
        }
    }
    mismatches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tenant_owned_table_is_walked_in_order() {
        let mut walked: Vec<&str> = Vec::new();
        each_table!(|R| walked.push(R::TABLE));
        assert_eq!(walked, super::super::schema::TENANT_OWNED_TABLES);
        assert_eq!(TABLE_COUNT, 16);
    }
}
