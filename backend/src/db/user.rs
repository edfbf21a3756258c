//! Users: the members of one tenant, each with one role there. A user row is one person's
//! membership in the tenant; the person's login (email, password) is their identity
//! (`db::identity`), shared by all their memberships.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use futures_util::future::BoxFuture;
use guardia_shared::Role;

use super::identity::{self, Identity};
use super::order::bytewise;
use super::schema::{identities, session_generation, tenants, users};
use super::tx::FirstQuery;
use super::{Access, DbError, DbPool, Found, LoginTx, PgConn, SqliteConn, TenantTx, new_id, now};
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
    /// False: this membership no longer lets the person in (their others are untouched).
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Tokens for this tenant carry the epoch they were issued in; bumping it revokes them.
    pub session_epoch: i64,
    pub identity_id: String,
    /// The operator granted this membership to one of its staff.
    pub granted_by_operator: bool,
}

/// What it takes to create a user; the password arrives already hashed (argon2id) and is
/// used only if the email has no identity yet (a person who has one keeps their password).
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

/// The CONFLICT message for an email that is already a user of the tenant.
pub const EMAIL_TAKEN: &str = "a user of this tenant already has this email address";

/// Makes the email's person a member of the transaction's tenant (creating the person if the
/// email is new).
pub async fn create(tx: &mut TenantTx, new: NewUser<'_>) -> Result<User, DbError> {
    let (person, _) = identity::find_or_create(tx, new.email, new.password_hash).await?;
    let member = NewMember {
        email: new.email,
        name: new.name,
        role: new.role,
        identity: &person,
        granted_by_operator: false,
    };
    add_member(tx, member).await
}

/// A membership for a person who has an identity already.
#[derive(Debug, Clone)]
pub struct NewMember<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub identity: &'a Identity,
    pub granted_by_operator: bool,
}

pub async fn add_member(tx: &mut TenantTx, new: NewMember<'_>) -> Result<User, DbError> {
    let at = now();
    let row = User {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        email: new.email.to_owned(),
        name: new.name.to_owned(),
        role: new.role,
        active: true,
        created_at: at,
        updated_at: at,
        session_epoch: 0,
        identity_id: new.identity.id.clone(),
        granted_by_operator: new.granted_by_operator,
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(users::table)
            .values(&row)
            .returning(User::as_returning())
            .get_result(c)
            .await
    })
    // Emails are unique within a tenant only: nothing here tells about other tenants.
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

/// The user row, whether its tenant is the operator, its person's state and epoch, and the
/// session generation: one statement, so the generation is the one the facts were read at.
macro_rules! session_facts_statement {
    ($tenant:expr, $id:expr) => {
        users::table
            .inner_join(tenants::table.on(tenants::code.eq(users::tenant_id)))
            .inner_join(identities::table.on(identities::id.eq(users::identity_id)))
            .filter(users::tenant_id.eq($tenant).and(users::id.eq($id)))
            .select((
                User::as_select(),
                tenants::is_operator,
                identities::active,
                identities::session_epoch,
                session_generation::table
                    .select(session_generation::value)
                    .single_value(),
            ))
    };
}

/// What every authenticated request checks: the user row, whether its tenant is the
/// operator, and the person's own state.
#[derive(Debug, Clone)]
pub struct SessionFacts {
    pub user: User,
    pub operator_tenant: bool,
    pub person_active: bool,
    pub person_epoch: i64,
}

/// What a signed-in request reads before anything else.
#[derive(Debug)]
pub struct SessionCheck {
    /// The session generation (migration 000014): it moves whenever anything the facts hold
    /// changes, so facts read while it stood at this value are still the facts.
    pub generation: i64,
    /// The user's facts, when asked for, read in the same statement as the generation.
    pub facts: Option<SessionFacts>,
}

/// A user's session facts and the generation they were read at.
pub async fn session_facts_at(tx: &mut TenantTx, id: &str) -> Result<(i64, SessionFacts), DbError> {
    let tenant = tx.tenant_id().to_owned();
    let row = db_run!(tx.conn(), |c| session_facts_statement!(&tenant, id)
        .get_result::<SessionFactsRow>(c)
        .await);
    Ok(split(row.found("user")?))
}

/// A user's session facts.
pub async fn session_facts(tx: &mut TenantTx, id: &str) -> Result<SessionFacts, DbError> {
    Ok(session_facts_at(tx, id).await?.1)
}

/// Opens the request's transaction on `tenant_id` and reads the session generation in it,
/// with `facts_of`'s session facts in the same statement when given; on PostgreSQL it costs
/// one round trip with `BEGIN`. A missing user is `Ok((tx, Err(NotFound)))`.
pub async fn tenant_tx_with_session_check(
    pool: &DbPool,
    tenant_id: &str,
    access: Access,
    facts_of: Option<&str>,
) -> Result<(TenantTx, Result<SessionCheck, DbError>), DbError> {
    let query = SessionCheckQuery {
        tenant_id: tenant_id.to_owned(),
        facts_of: facts_of.map(str::to_owned),
    };
    let (tx, read) = pool.tenant_tx_with(tenant_id, access, query).await?;
    Ok((tx, read.found("user")))
}

type SessionFactsRow = (User, bool, bool, i64, Option<i64>);

fn split(
    (user, operator_tenant, person_active, person_epoch, generation): SessionFactsRow,
) -> (i64, SessionFacts) {
    let facts = SessionFacts {
        user,
        operator_tenant,
        person_active,
        person_epoch,
    };
    // The row always exists (migration 000014); were it gone, the next request's read of
    // the generation would fail and end the session, whatever was kept.
    (generation.unwrap_or(i64::MIN), facts)
}

impl From<SessionFactsRow> for SessionCheck {
    fn from(row: SessionFactsRow) -> Self {
        let (generation, facts) = split(row);
        SessionCheck {
            generation,
            facts: Some(facts),
        }
    }
}

/// The generation alone, or the facts with it, as the first query of a transaction.
struct SessionCheckQuery {
    tenant_id: String,
    facts_of: Option<String>,
}

impl FirstQuery<SessionCheck> for SessionCheckQuery {
    fn sqlite(self, c: &mut SqliteConn) -> BoxFuture<'_, QueryResult<SessionCheck>> {
        Box::pin(async move {
            match &self.facts_of {
                Some(id) => session_facts_statement!(&self.tenant_id, id)
                    .get_result::<SessionFactsRow>(c)
                    .await
                    .map(SessionCheck::from),
                None => generation_statement().get_result::<i64>(c).await.map(alone),
            }
        })
    }

    fn postgres(self, c: &PgConn) -> BoxFuture<'_, QueryResult<SessionCheck>> {
        Box::pin(async move {
            let mut shared = c;
            match &self.facts_of {
                Some(id) => session_facts_statement!(&self.tenant_id, id)
                    .get_result::<SessionFactsRow>(&mut shared)
                    .await
                    .map(SessionCheck::from),
                None => generation_statement()
                    .get_result::<i64>(&mut shared)
                    .await
                    .map(alone),
            }
        })
    }
}

fn generation_statement() -> diesel::dsl::Select<session_generation::table, session_generation::value> {
    session_generation::table.select(session_generation::value)
}

fn alone(generation: i64) -> SessionCheck {
    SessionCheck {
        generation,
        facts: None,
    }
}

/// The tenant's membership of a person, active or not.
pub async fn find_by_identity(tx: &mut TenantTx, identity_id: &str) -> Result<Option<User>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        users::table
            .filter(
                users::tenant_id
                    .eq(&tenant)
                    .and(users::identity_id.eq(identity_id)),
            )
            .select(User::as_select())
            .first(c)
            .await
            .optional()
    })?)
}

/// The tenant's user with this email, active or not.
pub async fn find_by_email(tx: &mut TenantTx, email: &str) -> Result<Option<User>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        users::table
            .filter(users::tenant_id.eq(&tenant).and(users::email.eq(email)))
            .select(User::as_select())
            .first(c)
            .await
            .optional()
    })?)
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

/// What changes with a membership's sessions ending: every token issued for it so far stops
/// working.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
struct SessionEndingChange {
    role: Option<Role>,
    active: Option<bool>,
}

/// Applies `change`, bumps the session epoch and stamps the row, in one statement.
async fn end_sessions_with(
    tx: &mut TenantTx,
    id: &str,
    change: SessionEndingChange,
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

/// One of a person's memberships, as the login scope sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub user: User,
    pub tenant_name: String,
    pub tenant_is_operator: bool,
}

/// Every membership of the login scope's person, active or not, by tenant name.
pub async fn memberships(tx: &mut LoginTx) -> Result<Vec<Membership>, DbError> {
    let email = tx.email().to_owned();
    let rows: Vec<(User, String, bool)> = db_run!(tx.conn(), |c| {
        users::table
            .inner_join(tenants::table.on(tenants::code.eq(users::tenant_id)))
            .filter(users::email.eq(&email))
            .order((bytewise(tenants::name).asc(), tenants::code.asc()))
            .select((User::as_select(), tenants::name, tenants::is_operator))
            .load(c)
            .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(user, tenant_name, tenant_is_operator)| Membership {
            user,
            tenant_name,
            tenant_is_operator,
        })
        .collect())
}
