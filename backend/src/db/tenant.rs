//! Tenants: the institutions. A tenant's code is the `tenant_id` of every row it owns.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::order::bytewise;
use super::schema::tenants;
use super::{DbError, DbPool, Found, OperatorTx, TenantTx, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenants)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Tenant {
    pub code: String,
    pub name: String,
    pub is_operator: bool,
    pub created_at: NaiveDateTime,
}

/// Creates the transaction's own tenant (its code is the scope's tenant id).
pub async fn create(tx: &mut TenantTx, name: &str, is_operator: bool) -> Result<Tenant, DbError> {
    let row = Tenant {
        code: tx.tenant_id().to_owned(),
        name: name.to_owned(),
        is_operator,
        created_at: now(),
    };
    let code = row.code.clone();
    db_run!(tx.conn(), |c| {
        diesel::insert_into(tenants::table)
            .values(&row)
            .returning(Tenant::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| DbError::from(e).conflict_means(|| format!("a tenant with code '{code}' already exists")))
}

/// The transaction's own tenant.
pub async fn get(tx: &mut TenantTx) -> Result<Tenant, DbError> {
    let code = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        tenants::table
            .filter(tenants::code.eq(&code))
            .select(Tenant::as_select())
            .get_result(c)
            .await
    })
    .found(format_args!("tenant '{code}'"))
}

/// Renames the transaction's own tenant.
pub async fn rename(tx: &mut TenantTx, name: &str) -> Result<Tenant, DbError> {
    let code = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(tenants::table.filter(tenants::code.eq(&code)))
            .set(tenants::name.eq(name))
            .returning(Tenant::as_returning())
            .get_result(c)
            .await
    })?)
}

/// Every tenant's code, in order, read in a short operator scope of its own (the scheduler,
/// the SLA watch and `db copy` walk every tenant).
pub async fn all_codes(pool: &DbPool) -> Result<Vec<String>, DbError> {
    let mut tx = pool.operator_tx().await?;
    let codes = list_all(&mut tx).await?.into_iter().map(|t| t.code).collect();
    tx.commit().await?;
    Ok(codes)
}

/// Every tenant, by code (operator scope only).
pub async fn list_all(tx: &mut OperatorTx) -> Result<Vec<Tenant>, DbError> {
    Ok(db_run!(tx.conn(), |c| {
        tenants::table
            .order(bytewise(tenants::code).asc())
            .select(Tenant::as_select())
            .load(c)
            .await
    })?)
}
