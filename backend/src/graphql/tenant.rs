//! Tenants: the caller's own, and for the operator's ADMINs all of them and `createTenant`.

use async_graphql::{Context, ID, InputObject, Object};
use guardia_shared::Permission;
use guardia_shared::Role;
use guardia_shared::tenant::validate_tenant_code;
use guardia_shared::user::{validate_email, validate_name, validate_password};

use super::audit::record;
use super::context::{services, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::{Require, SignedIn};
use crate::auth::password::hash_password;
use crate::db;

pub struct Tenant(pub db::tenant::Tenant);

#[Object]
impl Tenant {
    /// The tenant's code, which is also its id.
    async fn id(&self) -> ID {
        ID(self.0.code.clone())
    }
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn is_operator(&self) -> bool {
        self.0.is_operator
    }
}

#[derive(InputObject)]
pub struct CreateTenantInput {
    pub code: String,
    pub name: String,
    pub admin_email: String,
    pub admin_name: String,
    pub admin_password: String,
}

#[derive(Default)]
pub struct TenantQuery;

#[Object]
impl TenantQuery {
    /// The caller's tenant.
    #[graphql(guard = "SignedIn")]
    async fn tenant(&self, ctx: &Context<'_>) -> ApiResult<Tenant> {
        Ok(Tenant(db::tenant::get(&mut *tx(ctx).await?).await?))
    }

    /// Every tenant (ADMINs of the operator tenant only).
    #[graphql(guard = "Require(Permission::TenantManage)")]
    async fn tenants(&self, ctx: &Context<'_>) -> ApiResult<Vec<Tenant>> {
        let mut operator = services(ctx).pool.operator_tx().await?;
        let tenants = db::tenant::list_all(&mut operator).await?;
        operator.rollback().await?;
        Ok(tenants.into_iter().map(Tenant).collect())
    }
}

#[derive(Default)]
pub struct TenantMutation;

#[Object]
impl TenantMutation {
    /// Creates a tenant and its first ADMIN (ADMINs of the operator tenant only).
    #[graphql(guard = "Require(Permission::TenantManage)")]
    async fn create_tenant(&self, ctx: &Context<'_>, input: CreateTenantInput) -> ApiResult<Tenant> {
        let code = input.code.trim().to_owned();
        validate_tenant_code(&code).map_err(|e| ApiError::bad_input(format!("`code`: {e}")))?;
        validate_name(&input.name).map_err(|e| ApiError::bad_input(format!("`name`: {e}")))?;
        let email = input.admin_email.trim().to_lowercase();
        validate_email(&email).map_err(|e| ApiError::bad_input(format!("`adminEmail`: {e}")))?;
        validate_name(&input.admin_name).map_err(|e| ApiError::bad_input(format!("`adminName`: {e}")))?;
        validate_password(&input.admin_password, &email)
            .map_err(|e| ApiError::bad_input(format!("`adminPassword`: {e}")))?;
        let password = input.admin_password;
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|_| ApiError::internal())?
            .map_err(|_| ApiError::internal())?;

        // The new tenant's rows are written in its scope, inside the request's transaction, so
        // the tenant, its ADMIN and both audit entries commit together or not at all.
        let operator_code = session(ctx)?.tenant_id.clone();
        let mut tx = tx(ctx).await?;
        tx.rescope(&code).await?;
        let created = async {
            let tenant = db::tenant::create(&mut tx, input.name.trim(), false).await?;
            let admin = db::user::NewUser {
                email: &email,
                name: input.admin_name.trim(),
                role: Role::Admin,
                password_hash: &hash,
            };
            db::user::create(&mut tx, admin).await?;
            let entry = db::audit::NewAuditEntry {
                actor_id: None,
                action: "tenant.create",
                target: Some(&code),
                outcome: "success",
                detail: Some("created by the operator"),
            };
            db::audit::record(&mut tx, entry).await?;
            Ok::<_, ApiError>(tenant)
        }
        .await;
        // On failure the transaction is rolled back (and on PostgreSQL no longer takes statements).
        let tenant = created?;
        tx.rescope(&operator_code).await?;
        record(&mut tx, ctx, "tenant.create", &code).await?;
        Ok(Tenant(tenant))
    }
}
