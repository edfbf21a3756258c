//! The signed-in user of one request: a verified token checked against the membership's row
//! and its person's, so deactivation, role changes and logouts take effect at the next request.

use guardia_shared::Role;
use guardia_shared::permission::{Permission, allows_in};

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
/// user row there, its tenant's and its person's (one query). The caller keeps the
/// transaction for the rest of the request.
pub async fn authenticate(
    keys: &TokenKeys,
    pool: &db::DbPool,
    token: &str,
    access: db::Access,
) -> Result<(Session, TenantTx), SessionError> {
    let claims = keys.verify(token)?;
    let mut tx = pool
        .tenant_tx(&claims.tenant_id, access)
        .await
        .map_err(SessionError::Db)?;
    let facts = match db::user::session_facts(&mut tx, &claims.sub).await {
        Ok(found) => found,
        Err(DbError::NotFound { .. }) => return Err(SessionError::Revoked),
        Err(e) => return Err(SessionError::Db(e)),
    };
    if !accepts(&facts, &claims) {
        return Err(SessionError::Revoked);
    }
    let user = facts.user;
    let session = Session {
        user_id: user.id,
        tenant_id: user.tenant_id,
        identity_id: user.identity_id,
        email: user.email,
        role: user.role,
        name: user.name,
        operator_tenant: facts.operator_tenant,
    };
    Ok((session, tx))
}
