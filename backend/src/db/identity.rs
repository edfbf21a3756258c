//! People: one login (email, password, session epoch) per person, whatever tenants they belong
//! to. Each membership is a user row of its tenant (`db::user`), linked by `identity_id`.
//!
//! Who reads what: the login scope (one email) sees that person's identity, memberships
//! (`db::user::memberships`) and their tenants' names; a tenant transaction sees its members' identities, and sees or
//! creates one more only after naming its email ([`TenantTx::name_identity`]).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::schema::identities;
use super::{DbError, Found, LoginTx, TenantTx, new_id, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = identities)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Identity {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    /// False: the person can no longer log in anywhere.
    pub active: bool,
    /// Tokens carry the epoch they were issued in; bumping it revokes them in every tenant.
    pub session_epoch: i64,
    /// Where `login` lands, if still a membership.
    pub last_tenant_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The person the login scope names, if there is one.
pub async fn find_for_login(tx: &mut LoginTx) -> Result<Option<Identity>, DbError> {
    let email = tx.email().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        identities::table
            .filter(identities::email.eq(&email))
            .select(Identity::as_select())
            .first(c)
            .await
            .optional()
    })?)
}

/// Remembers the tenant the person last switched to (a login scope opened for writing).
pub async fn set_last_tenant(tx: &mut LoginTx, tenant_id: &str) -> Result<(), DbError> {
    let email = tx.email().to_owned();
    db_run!(tx.conn(), |c| {
        diesel::update(identities::table.filter(identities::email.eq(&email)))
            .set(identities::last_tenant_id.eq(tenant_id))
            .execute(c)
            .await
    })?;
    Ok(())
}

/// A member's identity, as the member's tenant sees it.
pub async fn get(tx: &mut TenantTx, id: &str) -> Result<Identity, DbError> {
    db_run!(tx.conn(), |c| {
        identities::table
            .find(id)
            .select(Identity::as_select())
            .get_result(c)
            .await
    })
    .found("identity")
}

/// The identity of `email`, if there is one (whichever tenants the person belongs to).
pub async fn find(tx: &mut TenantTx, email: &str) -> Result<Option<Identity>, DbError> {
    tx.name_identity(email).await?;
    Ok(db_run!(tx.conn(), |c| {
        identities::table
            .filter(identities::email.eq(email))
            .select(Identity::as_select())
            .first(c)
            .await
            .optional()
    })?)
}

/// The identity of `email`, made with `password_hash` if there is none yet; `true` when made.
/// A person who has one already keeps their password.
pub async fn find_or_create(
    tx: &mut TenantTx,
    email: &str,
    password_hash: &str,
) -> Result<(Identity, bool), DbError> {
    if let Some(identity) = find(tx, email).await? {
        return Ok((identity, false));
    }
    let at = now();
    let row = Identity {
        id: new_id(),
        email: email.to_owned(),
        password_hash: password_hash.to_owned(),
        active: true,
        session_epoch: 0,
        last_tenant_id: Some(tx.tenant_id().to_owned()),
        created_at: at,
        updated_at: at,
    };
    let made = db_run!(tx.conn(), |c| {
        diesel::insert_into(identities::table)
            .values(&row)
            .returning(Identity::as_returning())
            .get_result(c)
            .await
    })?;
    Ok((made, true))
}

/// What ends every session of a person: a new password, a deactivation, or nothing (logout).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = identities)]
struct SessionEndingChange<'a> {
    password_hash: Option<&'a str>,
    active: Option<bool>,
}

async fn end_sessions_with(
    tx: &mut TenantTx,
    id: &str,
    change: SessionEndingChange<'_>,
) -> Result<Identity, DbError> {
    let identity = get(tx, id).await?;
    tx.name_identity(&identity.email).await?;
    db_run!(tx.conn(), |c| {
        diesel::update(identities::table.find(id))
            .set((
                &change,
                identities::session_epoch.eq(identities::session_epoch + 1),
                identities::updated_at.eq(now()),
            ))
            .returning(Identity::as_returning())
            .get_result(c)
            .await
    })
    .found("identity")
}

/// Stores a member's new password hash and ends their sessions in every tenant.
pub async fn set_password_hash(tx: &mut TenantTx, id: &str, hash: &str) -> Result<Identity, DbError> {
    let change = SessionEndingChange {
        password_hash: Some(hash),
        ..Default::default()
    };
    end_sessions_with(tx, id, change).await
}

/// Ends every session of a member, in every tenant (logout).
pub async fn bump_session_epoch(tx: &mut TenantTx, id: &str) -> Result<Identity, DbError> {
    end_sessions_with(tx, id, SessionEndingChange::default()).await
}

/// Activates or deactivates a person everywhere, ending their sessions either way.
pub async fn set_active(tx: &mut TenantTx, id: &str, active: bool) -> Result<Identity, DbError> {
    let change = SessionEndingChange {
        active: Some(active),
        ..Default::default()
    };
    end_sessions_with(tx, id, change).await
}
