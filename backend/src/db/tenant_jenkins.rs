//! Where a tenant's Jenkins jobs live: its folder root and, optionally, its own Jenkins
//! connection (the API token sealed). No row means the defaults.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::tenant_jenkins;
use super::server::SealedCredential;
use super::{DbError, TenantTx, new_id, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = tenant_jenkins)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct TenantJenkins {
    pub tenant_id: String,
    pub id: String,
    pub folder_root: String,
    pub url: Option<String>,
    pub username: Option<String>,
    pub token_nonce: Option<Vec<u8>>,
    pub token_ciphertext: Option<Vec<u8>>,
    pub updated_at: NaiveDateTime,
}

/// The tenant's own Jenkins, with the sealed API token.
#[derive(Debug, Clone)]
pub struct OwnConnection {
    pub url: String,
    pub username: String,
    pub token: SealedCredential,
}

impl TenantJenkins {
    pub fn own_connection(&self) -> Option<OwnConnection> {
        match (
            &self.url,
            &self.username,
            &self.token_nonce,
            &self.token_ciphertext,
        ) {
            (Some(url), Some(username), Some(nonce), Some(ciphertext)) => Some(OwnConnection {
                url: url.clone(),
                username: username.clone(),
                token: SealedCredential {
                    nonce: nonce.clone(),
                    ciphertext: ciphertext.clone(),
                },
            }),
            _ => None,
        }
    }
}

/// The tenant's settings, if an operator wrote any.
pub async fn get(tx: &mut TenantTx) -> Result<Option<TenantJenkins>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        tenant_jenkins::table
            .filter(tenant_jenkins::tenant_id.eq(&tenant))
            .select(TenantJenkins::as_select())
            .get_result(c)
            .await
            .optional()
    })?)
}

/// Replaces the tenant's settings: `connection: None` goes back to the installation's Jenkins.
pub async fn set(
    tx: &mut TenantTx,
    folder_root: &str,
    connection: Option<&OwnConnection>,
) -> Result<TenantJenkins, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let row = TenantJenkins {
        tenant_id: tenant.clone(),
        id: new_id(),
        folder_root: folder_root.to_owned(),
        url: connection.map(|c| c.url.clone()),
        username: connection.map(|c| c.username.clone()),
        token_nonce: connection.map(|c| c.token.nonce.clone()),
        token_ciphertext: connection.map(|c| c.token.ciphertext.clone()),
        updated_at: now(),
    };
    db_run!(tx.conn(), |c| {
        diesel::delete(tenant_jenkins::table.filter(tenant_jenkins::tenant_id.eq(&tenant)))
            .execute(c)
            .await?;
        diesel::insert_into(tenant_jenkins::table)
            .values(&row)
            .returning(TenantJenkins::as_returning())
            .get_result(c)
            .await
    })
    .map_err(DbError::from)
}
