//! Creating a tenant: the same checks and writes for the API, the CLI and the demo.

use guardia_shared::tenant::validate_tenant_code;
use guardia_shared::user::validate_name;

use super::audit::{self, Actor};
use super::jenkins_settings::{self, SettingsError};
use super::user::{self as user_service, CheckedAccount};
use crate::db::{self, DbError, DbPool, TenantTx};

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("{why}")]
    InvalidCode { why: String },
    #[error("{why}")]
    InvalidName { why: &'static str },
    /// Its Jenkins folder (named by its code) would reach into another tenant's.
    #[error(transparent)]
    Folder(#[from] SettingsError),
}

/// Checks a new tenant's code and name (nothing is read: fails before anything is touched).
pub fn check_details(code: &str, name: &str) -> Result<(), TenantError> {
    validate_tenant_code(code).map_err(|why| TenantError::InvalidCode { why: why.to_string() })?;
    validate_name(name).map_err(|why| TenantError::InvalidName { why })?;
    Ok(())
}

/// Checks that the Jenkins folder named by a new tenant's code reaches into no other tenant's.
pub async fn check_folder(pool: &DbPool, code: &str) -> Result<(), TenantError> {
    Ok(jenkins_settings::check_root_is_free(pool, code, code).await?)
}

/// Writes a checked new tenant: `tx` is in the new tenant's scope. Its first ADMIN, when given,
/// is created with it; the tenant's own audit log records its creation by `actor`.
pub async fn insert(
    tx: &mut TenantTx,
    name: &str,
    operator: bool,
    admin: Option<&CheckedAccount>,
    actor: Actor<'_>,
) -> Result<db::tenant::Tenant, DbError> {
    let tenant = db::tenant::create(tx, name.trim(), operator).await?;
    if let Some(admin) = admin {
        user_service::insert(tx, admin, None).await?;
    }
    let code = tenant.code.clone();
    audit::record(tx, actor, "tenant.create", &code).await?;
    Ok(tenant)
}
