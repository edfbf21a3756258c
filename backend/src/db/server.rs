//! Servers the company runs for a tenant, with their sealed credential.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::servers;
use super::{DbError, Found, Page, PageRequest, TenantTx, new_id, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = servers)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Server {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub host: String,
    pub os: Option<String>,
    pub environment: Option<String>,
    pub credential_nonce: Option<Vec<u8>>,
    pub credential_ciphertext: Option<Vec<u8>>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An AEAD-sealed credential as stored: the nonce and the ciphertext (with its tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCredential {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl Server {
    pub fn sealed_credential(&self) -> Option<SealedCredential> {
        match (&self.credential_nonce, &self.credential_ciphertext) {
            (Some(nonce), Some(ciphertext)) => Some(SealedCredential {
                nonce: nonce.clone(),
                ciphertext: ciphertext.clone(),
            }),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewServer<'a> {
    pub name: &'a str,
    pub host: &'a str,
    pub os: Option<&'a str>,
    pub environment: Option<&'a str>,
}

/// Fields to change; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = servers)]
pub struct ServerChanges {
    pub name: Option<String>,
    pub host: Option<String>,
    pub os: Option<Option<String>>,
    pub environment: Option<Option<String>>,
}

fn name_taken(name: &str) -> impl FnOnce() -> String + '_ {
    move || format!("a server named '{name}' already exists")
}

pub async fn create(tx: &mut TenantTx, new: NewServer<'_>) -> Result<Server, DbError> {
    let at = now();
    let row = Server {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        name: new.name.to_owned(),
        host: new.host.to_owned(),
        os: new.os.map(str::to_owned),
        environment: new.environment.map(str::to_owned),
        credential_nonce: None,
        credential_ciphertext: None,
        created_at: at,
        updated_at: at,
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(servers::table)
            .values(&row)
            .returning(Server::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| DbError::from(e).conflict_means(name_taken(new.name)))
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Server, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        servers::table
            .filter(servers::tenant_id.eq(&tenant).and(servers::id.eq(id)))
            .select(Server::as_select())
            .get_result(c)
            .await
    })
    .found("server")
}

pub async fn get_many(tx: &mut TenantTx, ids: &[String]) -> Result<Vec<Server>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        servers::table
            .filter(servers::tenant_id.eq(&tenant).and(servers::id.eq_any(ids)))
            .select(Server::as_select())
            .load(c)
            .await
    })?)
}

/// A page of servers, newest first.
pub async fn list(tx: &mut TenantTx, page: &PageRequest) -> Result<Page<Server>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let rows = db_run!(tx.conn(), |c| {
        let mut query = servers::table.filter(servers::tenant_id.eq(&tenant)).into_boxed();
        if let Some(after) = &page.after {
            query = query.filter(servers::id.lt(after));
        }
        query
            .order(servers::id.desc())
            .limit(page.fetch_limit())
            .select(Server::as_select())
            .load(c)
            .await
    })?;
    Ok(Page::from_overfetch(rows, page))
}

pub async fn count(tx: &mut TenantTx) -> Result<i64, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        servers::table
            .filter(servers::tenant_id.eq(&tenant))
            .count()
            .get_result(c)
            .await
    })?)
}

pub async fn update(tx: &mut TenantTx, id: &str, changes: &ServerChanges) -> Result<Server, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let new_name = changes.name.clone().unwrap_or_default();
    db_run!(tx.conn(), |c| {
        diesel::update(servers::table.filter(servers::tenant_id.eq(&tenant).and(servers::id.eq(id))))
            .set((changes, servers::updated_at.eq(now())))
            .returning(Server::as_returning())
            .get_result(c)
            .await
    })
    .found("server")
    .map_err(|e| e.conflict_means(name_taken(&new_name)))
}

/// Stores a sealed credential, replacing any previous one (`None` removes it).
pub async fn set_credential(
    tx: &mut TenantTx,
    id: &str,
    sealed: Option<&SealedCredential>,
) -> Result<Server, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let nonce = sealed.map(|s| s.nonce.as_slice());
    let ciphertext = sealed.map(|s| s.ciphertext.as_slice());
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(servers::table.filter(servers::tenant_id.eq(&tenant).and(servers::id.eq(id))))
            .set((
                servers::credential_nonce.eq(nonce),
                servers::credential_ciphertext.eq(ciphertext),
                servers::updated_at.eq(now()),
            ))
            .returning(Server::as_returning())
            .get_result(c)
            .await
    })?)
}

/// Deletes a server and, with it, its agents (their tokens stop working).
pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<(), DbError> {
    let tenant = tx.tenant_id().to_owned();
    let deleted = db_run!(tx.conn(), |c| {
        diesel::delete(servers::table.filter(servers::tenant_id.eq(&tenant).and(servers::id.eq(id))))
            .execute(c)
            .await
    })?;
    if deleted == 0 {
        Err(DbError::not_found("server"))
    } else {
        Ok(())
    }
}
