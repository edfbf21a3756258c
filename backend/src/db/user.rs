//! Users: people of one tenant, with one role each.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use guardia_shared::Role;

use super::order::bytewise;
use super::schema::{tenants, users};
use super::{DbError, Found, LoginTx, TenantTx, new_id, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct User {
    pub tenant_id: String,
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Tokens carry the epoch they were issued in; bumping it revokes them all.
    pub session_epoch: i64,
}

/// What it takes to create a user; the password arrives already hashed (argon2id).
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

/// The CONFLICT message for an email that cannot be given to a new user.
pub const EMAIL_TAKEN: &str = "this email address cannot be used for a new user; choose another";

pub async fn create(tx: &mut TenantTx, new: NewUser<'_>) -> Result<User, DbError> {
    let at = now();
    let row = User {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        email: new.email.to_owned(),
        name: new.name.to_owned(),
        role: new.role,
        password_hash: new.password_hash.to_owned(),
        active: true,
        created_at: at,
        updated_at: at,
        session_epoch: 0,
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(users::table)
            .values(&row)
            .returning(User::as_returning())
            .get_result(c)
            .await
    })
    // Emails are unique across tenants. One message whichever tenant holds the address, so a
    // tenant's ADMIN learns nothing about other tenants' users from it.
    .map_err(|e| DbError::from(e).conflict_means(|| EMAIL_TAKEN.to_owned()))
}

pub async fn get(tx: &mut TenantTx, id: &str) -> Result<User, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        users::table
            .filter(users::tenant_id.eq(&tenant).and(users::id.eq(id)))
            .select(User::as_select())
            .get_result(c)
            .await
    })
    .found("user")
}

/// A user's row and whether their tenant is the operator, in one query: what every
/// authenticated request checks.
pub async fn get_with_operator_flag(tx: &mut TenantTx, id: &str) -> Result<(User, bool), DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        users::table
            .inner_join(tenants::table.on(tenants::code.eq(users::tenant_id)))
            .filter(users::tenant_id.eq(&tenant).and(users::id.eq(id)))
            .select((User::as_select(), tenants::is_operator))
            .get_result(c)
            .await
    })
    .found("user")
}

/// The users with these ids (missing ids are skipped), for batch loading.
pub async fn get_many(tx: &mut TenantTx, ids: &[String]) -> Result<Vec<User>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        users::table
            .filter(users::tenant_id.eq(&tenant).and(users::id.eq_any(ids)))
            .select(User::as_select())
            .load(c)
            .await
    })?)
}

/// All users of the tenant, by name.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<User>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        users::table
            .filter(users::tenant_id.eq(&tenant))
            .order((bytewise(users::name).asc(), users::id.asc()))
            .select(User::as_select())
            .load(c)
            .await
    })?)
}

/// What changes with a user's sessions ending: every token issued so far stops working.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
struct SessionEndingChange<'a> {
    role: Option<Role>,
    active: Option<bool>,
    password_hash: Option<&'a str>,
}

/// Applies `change`, bumps the session epoch and stamps the row, in one statement.
async fn end_sessions_with(
    tx: &mut TenantTx,
    id: &str,
    change: SessionEndingChange<'_>,
) -> Result<User, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(users::table.filter(users::tenant_id.eq(&tenant).and(users::id.eq(id))))
            .set((
                &change,
                users::session_epoch.eq(users::session_epoch + 1),
                users::updated_at.eq(now()),
            ))
            .returning(User::as_returning())
            .get_result(c)
            .await
    })?)
}

/// Changes a user's role and ends their sessions: a token of the old role must not come back
/// to life if the role is changed back.
pub async fn set_role(tx: &mut TenantTx, id: &str, role: Role) -> Result<User, DbError> {
    let change = SessionEndingChange {
        role: Some(role),
        ..Default::default()
    };
    end_sessions_with(tx, id, change).await.found("user")
}

/// Activates or deactivates a user, ending their sessions either way: reactivating a user
/// must not revive the tokens they held before.
pub async fn set_active(tx: &mut TenantTx, id: &str, active: bool) -> Result<User, DbError> {
    let change = SessionEndingChange {
        active: Some(active),
        ..Default::default()
    };
    end_sessions_with(tx, id, change).await.found("user")
}

/// Stores a new password hash and ends every session that knew the old one.
pub async fn set_password_hash(tx: &mut TenantTx, id: &str, hash: &str) -> Result<User, DbError> {
    let change = SessionEndingChange {
        password_hash: Some(hash),
        ..Default::default()
    };
    end_sessions_with(tx, id, change).await
}

/// Ends every session of the user (logout): tokens issued so far stop working.
pub async fn bump_session_epoch(tx: &mut TenantTx, id: &str) -> Result<User, DbError> {
    end_sessions_with(tx, id, SessionEndingChange::default()).await
}

/// The user whose email the login scope names, in whichever tenant.
pub async fn find_for_login(tx: &mut LoginTx) -> Result<Option<User>, DbError> {
    let email = tx.email().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        users::table
            .filter(users::email.eq(&email))
            .select(User::as_select())
            .first(c)
            .await
            .optional()
    })?)
}
