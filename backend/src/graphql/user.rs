//! Users: `me`, `users`, and the user-management mutations (ADMIN).

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};
use guardia_shared::{Permission, Role};

use super::audit_trail::record;
use super::context::{self, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::{Require, SignedIn};
use super::tenant::Tenant;
use crate::db;
use crate::service::audit::Actor;
use crate::service::user::{self as user_service, CheckedAccount, NewAccount};

pub struct User(pub Arc<db::user::User>);

impl From<db::user::User> for User {
    fn from(row: db::user::User) -> Self {
        User(Arc::new(row))
    }
}

#[Object(serial)]
impl User {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn role(&self) -> Role {
        self.0.role
    }
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Whether the operator granted this membership to one of its staff: who from the IT
    /// service company can see this tenant's data.
    async fn granted_by_operator(&self) -> bool {
        self.0.granted_by_operator
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }
    async fn tenant(&self, ctx: &Context<'_>) -> ApiResult<Tenant> {
        let own_tenant = context::session(ctx).is_ok_and(|s| s.tenant_id == self.0.tenant_id);
        if own_tenant && context::has_tx(ctx) {
            // Read once per request, however many users the answer holds.
            return Ok(Tenant(context::loaders(ctx)?.tenant().await?));
        }
        // `login`'s and `switchTenant`'s payloads (another tenant than the request's) and
        // subscription events (no request transaction): read in the user's scope.
        let mut scope = context::services(ctx)
            .pool
            .tenant_tx(&self.0.tenant_id, db::Access::Read)
            .await?;
        let tenant = db::tenant::get(&mut scope).await?;
        scope.rollback().await?;
        Ok(Tenant(tenant))
    }
}

/// Loads a user of the caller's tenant through the request's batch loader.
pub async fn load(ctx: &Context<'_>, id: &str) -> ApiResult<User> {
    context::loaders(ctx)?
        .users
        .load_one(id.to_owned())
        .await?
        .map(User)
        .ok_or_else(|| ApiError::not_found("user"))
}

#[derive(InputObject)]
pub struct CreateUserInput {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    #[graphql(guard = "SignedIn")]
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<User> {
        let user_id = session(ctx)?.user_id.clone();
        Ok(User::from(db::user::get(&mut *tx(ctx).await?, &user_id).await?))
    }

    /// Everyone in the caller's tenant, by name.
    #[graphql(guard = "Require(Permission::UserManage)")]
    async fn users(&self, ctx: &Context<'_>) -> ApiResult<Vec<User>> {
        Ok(db::user::list(&mut *tx(ctx).await?)
            .await?
            .into_iter()
            .map(User::from)
            .collect())
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    #[graphql(guard = "Require(Permission::UserManage)")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> ApiResult<User> {
        let account = CheckedAccount::check(NewAccount {
            email: &input.email,
            name: &input.name,
            role: input.role,
            password: input.password,
        })
        .await?;
        let actor = session(ctx)?.user_id.clone();
        let mut tx = tx(ctx).await?;
        let user = user_service::insert(&mut tx, &account, Some(Actor::User(&actor))).await?;
        Ok(User::from(user))
    }

    /// Changes a user's role; it takes effect at their next request.
    #[graphql(guard = "Require(Permission::UserManage)")]
    async fn update_user_role(&self, ctx: &Context<'_>, id: ID, role: Role) -> ApiResult<User> {
        let me = session(ctx)?.user_id.clone();
        if *id == me && role != Role::Admin {
            return Err(ApiError::bad_input(
                "you cannot remove your own ADMIN role; ask another ADMIN",
            ));
        }
        let mut tx = tx(ctx).await?;
        let user = db::user::set_role(&mut tx, &id, role).await?;
        record(&mut tx, ctx, "user.role.update", &user.id).await?;
        Ok(User::from(user))
    }

    /// Deactivates a user; their tokens stop working at once.
    #[graphql(guard = "Require(Permission::UserManage)")]
    async fn deactivate_user(&self, ctx: &Context<'_>, id: ID) -> ApiResult<User> {
        if *id == session(ctx)?.user_id {
            return Err(ApiError::bad_input("you cannot deactivate yourself"));
        }
        let mut tx = tx(ctx).await?;
        let user = db::user::set_active(&mut tx, &id, false).await?;
        record(&mut tx, ctx, "user.deactivate", &user.id).await?;
        Ok(User::from(user))
    }
}
