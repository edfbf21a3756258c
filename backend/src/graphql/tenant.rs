//! Tenants: the caller's own, and for the operator's ADMINs all of them and `createTenant`.

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use guardia_shared::Permission;
use guardia_shared::Role;

use super::audit_trail::record;
use super::context::{services, tx};
use super::error::{ApiError, ApiResult};
use super::guard::{Require, SignedIn};
use crate::db;
use crate::service::audit::{self, Actor};
use crate::service::jenkins_settings;
use crate::service::tenant::{self as tenant_service, TenantError};
use crate::service::user::{AccountError, CheckedAccount, Field, NewAccount};

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

    /// Where a tenant's Jenkins jobs live (ADMINs of the operator tenant only).
    #[graphql(guard = "Require(Permission::TenantManage)")]
    async fn tenant_jenkins(&self, ctx: &Context<'_>, tenant: ID) -> ApiResult<TenantJenkins> {
        let mut scope = services(ctx).pool.tenant_tx(&tenant, db::Access::Read).await?;
        db::tenant::get(&mut scope).await?;
        let settings = jenkins_settings::get(&mut scope).await?;
        scope.commit().await?;
        Ok(TenantJenkins(settings))
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
        tenant_service::check_details(&code, &input.name).map_err(|e| match e {
            TenantError::InvalidCode { why } => ApiError::bad_input(format!("`code`: {why}")),
            other => ApiError::bad_input(format!("`name`: {other}")),
        })?;
        tenant_service::check_folder(&services(ctx).pool, &code).await?;
        let admin = CheckedAccount::check(NewAccount {
            email: &input.admin_email,
            name: &input.admin_name,
            role: Role::Admin,
            password: input.admin_password,
        })
        .await
        .map_err(|e| match e {
            AccountError::Invalid { field, why } => {
                let field = match field {
                    Field::Email => "adminEmail",
                    Field::Name => "adminName",
                    Field::Password => "adminPassword",
                };
                ApiError::bad_input(format!("`{field}`: {why}"))
            }
            other => other.into(),
        })?;

        // The new tenant's rows are written in its scope, inside the request's transaction, so
        // the tenant, its ADMIN and both audit entries commit together or not at all.
        let mut tx = tx(ctx).await?;
        let tenant = tx
            .in_tenant(&code, async |tx| {
                let by_operator = Actor::System {
                    note: "created by the operator",
                };
                Ok::<_, ApiError>(
                    tenant_service::insert(tx, &input.name, false, Some(&admin), by_operator).await?,
                )
            })
            .await?;
        record(&mut tx, ctx, "tenant.create", &code).await?;
        Ok(Tenant(tenant))
    }

    /// Sets where a tenant's Jenkins jobs live (ADMINs of the operator tenant only): the folder
    /// root its deploy projects and batch jobs must be inside (default: the tenant code) and,
    /// optionally, its own Jenkins connection (kept unless given anew or cleared; default: the
    /// installation's `JENKINS_URL`). The API token is sealed at rest and never returned.
    #[graphql(guard = "Require(Permission::TenantManage)")]
    async fn set_tenant_jenkins(
        &self,
        ctx: &Context<'_>,
        tenant: ID,
        input: TenantJenkinsInput,
    ) -> ApiResult<TenantJenkins> {
        let cipher = &services(ctx).cipher;
        let root = input
            .folder_root
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        jenkins_settings::check_root_is_free(&services(ctx).pool, &tenant, root.unwrap_or(&tenant)).await?;
        let settings_input = jenkins_settings::SettingsInput {
            folder_root: input.folder_root.as_deref(),
            connection: match (&input.connection, input.clear_connection) {
                (Some(_), true) => {
                    return Err(ApiError::bad_input(
                        "give either `connection` or `clearConnection: true`, not both",
                    ));
                }
                (Some(c), false) => {
                    jenkins_settings::ConnectionChange::Set(jenkins_settings::ConnectionInput {
                        url: &c.url,
                        user: &c.user,
                        token: &c.token,
                    })
                }
                (None, true) => jenkins_settings::ConnectionChange::Clear,
                (None, false) => jenkins_settings::ConnectionChange::Keep,
            },
        };
        let mut tx = tx(ctx).await?;
        let settings = tx
            .in_tenant(&tenant, async |tx| {
                db::tenant::get(tx).await?;
                let settings = jenkins_settings::set(tx, cipher, &settings_input).await?;
                let by_operator = Actor::System {
                    note: "Jenkins settings set by the operator",
                };
                audit::record(tx, by_operator, "tenant.jenkins", &tenant).await?;
                Ok::<_, ApiError>(settings)
            })
            .await?;
        record(&mut tx, ctx, "tenant.jenkins", &tenant).await?;
        Ok(TenantJenkins(settings))
    }
}

/// Where a tenant's Jenkins jobs live (the token is never shown).
pub struct TenantJenkins(jenkins_settings::Settings);

#[Object]
impl TenantJenkins {
    async fn tenant(&self) -> ID {
        ID(self.0.tenant_id.clone())
    }
    /// The folder every deploy project and batch job of the tenant must be inside.
    async fn folder_root(&self) -> &str {
        &self.0.folder_root
    }
    /// Whether the tenant has its own Jenkins (else the installation's `JENKINS_URL`).
    async fn own_connection(&self) -> bool {
        self.0.own.is_some()
    }
    /// The tenant's own Jenkins' URL.
    async fn url(&self) -> Option<&str> {
        self.0.own.as_ref().map(|(url, _)| url.as_str())
    }
    /// The Jenkins user GUARDiA acts as there.
    async fn user(&self) -> Option<&str> {
        self.0.own.as_ref().map(|(_, user)| user.as_str())
    }
    /// When the operator last changed them; null while the defaults apply.
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.updated_at.map(|t| t.and_utc())
    }
}

#[derive(InputObject)]
pub struct TenantJenkinsInput {
    /// The folder the tenant's jobs must be inside, e.g. `institutions/seoul-hosp`; null or
    /// empty: the tenant code.
    pub folder_root: Option<String>,
    /// The tenant's own Jenkins; null: keep what the tenant has.
    pub connection: Option<JenkinsConnectionInput>,
    /// Back to the installation's Jenkins (`JENKINS_URL`).
    #[graphql(default = false)]
    pub clear_connection: bool,
}

#[derive(InputObject)]
pub struct JenkinsConnectionInput {
    /// Base URL, e.g. https://ci.seoul-hosp.example/
    pub url: String,
    /// The Jenkins user GUARDiA acts as
    pub user: String,
    /// That user's API token (sealed at rest, never returned)
    pub token: String,
}
