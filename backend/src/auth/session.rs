//! The signed-in user of one request: a verified token checked against the user's row, so
//! deactivation and role changes take effect at the next request.

use guardia_shared::Role;
use guardia_shared::permission::{Permission, allows_in};

use super::token::{TokenError, TokenKeys};
use crate::db::{self, DbError, TenantTx};

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub tenant_id: String,
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

/// Opens the request's transaction on the token's tenant and checks the token against the
/// user row there (one primary-key read, plus the tenant's row). The caller keeps the
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
    let (user, operator_tenant) = match db::user::get_with_operator_flag(&mut tx, &claims.sub).await {
        Ok(found) => found,
        Err(DbError::NotFound { .. }) => return Err(SessionError::Revoked),
        Err(e) => return Err(SessionError::Db(e)),
    };
    if !user.active || user.role != claims.role {
        return Err(SessionError::Revoked);
    }
    // Password change, admin reset and logout bump the row's epoch: older tokens end here.
    if user.session_epoch != claims.epoch {
        return Err(SessionError::Revoked);
    }
    let session = Session {
        user_id: user.id,
        tenant_id: user.tenant_id,
        role: user.role,
        name: user.name,
        operator_tenant,
    };
    Ok((session, tx))
}
