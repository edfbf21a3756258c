//! Agents installed on a tenant's servers; only a hash of each agent's token is kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::order::bytewise;
use super::schema::agents;
use super::{DbError, Found, TenantTx, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = agents)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Agent {
    pub tenant_id: String,
    pub id: String,
    pub server_id: String,
    pub name: String,
    pub token_hash: String,
    pub version: Option<String>,
    pub hostname: Option<String>,
    pub last_heartbeat_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewAgent<'a> {
    /// Chosen by the caller, because the token it hands out embeds the id.
    pub id: &'a str,
    pub server_id: &'a str,
    pub name: &'a str,
    pub token_hash: &'a str,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = agents)]
pub struct AgentChanges {
    pub name: Option<String>,
    pub server_id: Option<String>,
}

fn server_unknown() -> String {
    "no such server in this tenant".into()
}

pub async fn create(tx: &mut TenantTx, new: NewAgent<'_>) -> Result<Agent, DbError> {
    let at = now();
    let row = Agent {
        tenant_id: tx.tenant_id().to_owned(),
        id: new.id.to_owned(),
        server_id: new.server_id.to_owned(),
        name: new.name.to_owned(),
        token_hash: new.token_hash.to_owned(),
        version: None,
        hostname: None,
        last_heartbeat_at: None,
        created_at: at,
        updated_at: at,
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(agents::table)
            .values(&row)
            .returning(Agent::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| {
        DbError::from(e)
            .conflict_means(|| format!("an agent named '{}' already exists", new.name))
            .reference_means(server_unknown)
    })
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Agent, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        agents::table
            .filter(agents::tenant_id.eq(&tenant).and(agents::id.eq(id)))
            .select(Agent::as_select())
            .get_result(c)
            .await
    })
    .found("agent")
}

/// All agents of the tenant, by name.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Agent>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        agents::table
            .filter(agents::tenant_id.eq(&tenant))
            .order((bytewise(agents::name).asc(), agents::id.asc()))
            .select(Agent::as_select())
            .load(c)
            .await
    })?)
}

pub async fn update(tx: &mut TenantTx, id: &str, changes: &AgentChanges) -> Result<Agent, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        diesel::update(agents::table.filter(agents::tenant_id.eq(&tenant).and(agents::id.eq(id))))
            .set((changes, agents::updated_at.eq(now())))
            .returning(Agent::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| {
        DbError::from(e)
            .conflict_means(|| "another agent already has that name".into())
            .reference_means(server_unknown)
    })
}

/// Records a heartbeat: the agent's version, hostname and the time.
pub async fn record_heartbeat(
    tx: &mut TenantTx,
    id: &str,
    version: &str,
    hostname: &str,
) -> Result<Agent, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let at = now();
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(agents::table.filter(agents::tenant_id.eq(&tenant).and(agents::id.eq(id))))
            .set((
                agents::version.eq(version),
                agents::hostname.eq(hostname),
                agents::last_heartbeat_at.eq(at),
                agents::updated_at.eq(at),
            ))
            .returning(Agent::as_returning())
            .get_result(c)
            .await
    })?)
}

/// Deletes an agent, which revokes its token.
pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<(), DbError> {
    let tenant = tx.tenant_id().to_owned();
    let deleted = db_run!(tx.conn(), |c| {
        diesel::delete(agents::table.filter(agents::tenant_id.eq(&tenant).and(agents::id.eq(id))))
            .execute(c)
            .await
    })?;
    if deleted == 0 {
        Err(DbError::not_found("agent"))
    } else {
        Ok(())
    }
}
