//! The signed-in user of one request: a verified token checked against the membership's row
//! and its person's, so deactivation, role changes and logouts take effect at the next request.

use std::sync::Arc;

use guardia_shared::Role;
use guardia_shared::permission::{Permission, allows_in};

use super::session_cache::{Known, SessionCache};
use super::token::{Claims, TokenError, TokenKeys};
use crate::db::{self, DbError, TenantTx};

#[derive(Debug, Clone)]
pub struct Session {
    /// The membership: the person's user row in this tenant.
    pub user_id: String,
    pub tenant_id: String,
    /// The person (one login across tenants) and their login email.
    pub identity_id: String,
    pub email: String,
    pub role: Role,
    pub name: String,
    /// Whether the user's tenant is the operator (the IT service company).
    pub operator_tenant: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("the session is no longer valid; log in again")]
    Revoked,
    #[error(transparent)]
    Db(DbError),
}

impl Session {
    pub fn allows(&self, permission: Permission) -> bool {
        allows_in(self.role, permission, self.operator_tenant)
    }
}

/// Whether the rows still accept the token: the membership and the person are active, the
/// role is the token's, and neither epoch moved (a role change or deactivation bumps the
/// membership's; a password change, reset or logout the person's).
pub fn accepts(facts: &db::user::SessionFacts, claims: &Claims) -> bool {
    facts.user.active
        && facts.person_active
        && facts.user.role == claims.role
        && facts.user.session_epoch == claims.epoch
        && facts.person_epoch == claims.person_epoch
}

/// Opens the request's transaction on the token's tenant and checks the token against the
/// user row there, its tenant's and its person's. The facts come from `cache` when the session
/// generation, read first in the same transaction, has not moved since they were read;
/// otherwise they are read again, in one statement with the generation they are kept at (on
/// PostgreSQL sent with `BEGIN`, one round trip, when nothing was kept). The caller keeps the
/// transaction for the rest of the request.
pub async fn authenticate(
    keys: &TokenKeys,
    cache: &SessionCache,
    pool: &db::DbPool,
    token: &str,
    access: db::Access,
) -> Result<(Session, TenantTx), SessionError> {
    let claims = keys.verify(token)?;
    let known = cache.known(&claims.tenant_id, &claims.sub);
    let facts_of = matches!(known, Known::Nothing).then_some(claims.sub.as_str());
    let (mut tx, check) = db::user::tenant_tx_with_session_check(pool, &claims.tenant_id, access, facts_of)
        .await
        .map_err(SessionError::Db)?;
    let check = check.map_err(revoked_if_missing)?;
    let facts = match (check.facts, known) {
        (Some(read), _) => {
            let read = Arc::new(read);
            cache.keep(check.generation, read.clone());
            read
        }
        (None, Known::Facts(generation, kept)) if generation == check.generation => kept,
        (None, _) => {
            let (generation, read) = db::user::session_facts_at(&mut tx, &claims.sub)
                .await
                .map_err(revoked_if_missing)?;
            let read = Arc::new(read);
            cache.keep(generation, read.clone());
            read
        }
    };
    if !accepts(&facts, &claims) {
        return Err(SessionError::Revoked);
    }
    let user = &facts.user;
    let session = Session {
        user_id: user.id.clone(),
        tenant_id: user.tenant_id.clone(),
        identity_id: user.identity_id.clone(),
        email: user.email.clone(),
        role: user.role,
        name: user.name.clone(),
        operator_tenant: facts.operator_tenant,
    };
    Ok((session, tx))
}

/// A user row that is gone ends the session.
fn revoked_if_missing(error: DbError) -> SessionError {
    match error {
        DbError::NotFound { .. } => SessionError::Revoked,
        other => SessionError::Db(other),
    }
}
