//! One person, several tenants: the signed-in person's memberships, `switchTenant`, and the
//! operator ADMIN's grants of company staff to institutions. An institution's ADMIN manages
//! the granted members like any other user (role, deactivation) on its own users page.

use async_graphql::{Context, Object};
use guardia_shared::{ErrorCode, Permission, Role};

use super::audit_trail::record;
use super::auth::AuthPayload;
use super::context::{services, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::{Require, SignedIn};
use super::person::{Membership, Person, signed_in_person};
use crate::db::{self, DbError};
use crate::service::audit::{self, Actor};

#[derive(Default)]
pub struct MembershipQuery;

#[Object]
impl MembershipQuery {
    /// The tenants the signed-in person belongs to (active memberships), by name.
    #[graphql(guard = "SignedIn")]
    async fn my_memberships(&self, ctx: &Context<'_>) -> ApiResult<Vec<Membership>> {
        let person = signed_in_person(ctx).await?;
        Ok(person.active().into_iter().map(Membership::from).collect())
    }
}

#[derive(Default)]
pub struct MembershipMutation;

#[Object]
impl MembershipMutation {
    /// A token for the signed-in person's membership in another tenant (`tenant`: its code),
    /// with that tenant's role; `login` lands there next time. NOT_FOUND if the person is not
    /// an active member of it. The token used for this call stays valid.
    #[graphql(guard = "SignedIn")]
    async fn switch_tenant(&self, ctx: &Context<'_>, tenant: String) -> ApiResult<AuthPayload> {
        let person = signed_in_person(ctx).await?;
        let active = person.active();
        let Some(target) = active.iter().find(|m| m.user.tenant_id == tenant) else {
            return Err(ApiError::not_found("membership"));
        };
        let services = services(ctx);
        let mut scope = services.pool.login_tx_for_write(&person.identity.email).await?;
        db::identity::set_last_tenant(&mut scope, &target.user.tenant_id).await?;
        scope.commit().await?;
        AuthPayload::issue(services, target.user.clone(), &person.identity, &active)
    }

    /// Gives a member of the operator's staff a role in an institution (ADMINs of the operator
    /// tenant only): they then switch to it with the same login. The institution's ADMIN sees
    /// them as granted by the operator, and may change their role or deactivate them there.
    /// BAD_USER_INPUT if the email is not of active staff; CONFLICT if already a member there.
    #[graphql(guard = "Require(Permission::TenantManage)")]
    async fn grant_membership(
        &self,
        ctx: &Context<'_>,
        tenant: String,
        email: String,
        role: Role,
    ) -> ApiResult<Membership> {
        let email = email.trim().to_lowercase();
        let operator = session(ctx)?.tenant_id.clone();
        if tenant == operator {
            return Err(ApiError::bad_input(
                "staff already belong to the operator tenant: change their role on the users page",
            ));
        }
        let staff = Person::find(&services(ctx).pool, &email)
            .await?
            .filter(|person| person.active().iter().any(|m| m.user.tenant_id == operator))
            .ok_or_else(|| {
                ApiError::bad_input("only active staff of the operator tenant can be given a membership")
            })?;
        let name = staff
            .memberships
            .iter()
            .find(|m| m.user.tenant_id == operator)
            .map(|m| m.user.name.clone())
            .unwrap_or_default();
        let mut tx = tx(ctx).await?;
        let granted = tx
            .in_tenant(&tenant, async |tx| {
                let institution = match db::tenant::get(tx).await {
                    Err(DbError::NotFound { .. }) => return Err(ApiError::not_found("tenant")),
                    other => other?,
                };
                let user = match db::user::find_by_identity(tx, &staff.identity.id).await? {
                    Some(user) if user.active => {
                        return Err(ApiError::new(
                            ErrorCode::Conflict,
                            "this person is already a member of that tenant",
                        ));
                    }
                    Some(user) if user.granted_by_operator => {
                        db::user::set_active(tx, &user.id, true).await?;
                        db::user::set_role(tx, &user.id, role).await?
                    }
                    Some(_) => {
                        return Err(ApiError::new(
                            ErrorCode::Conflict,
                            "that tenant's ADMIN deactivated this person's own account there; ask them",
                        ));
                    }
                    None => {
                        let new = db::user::NewMember {
                            email: &email,
                            name: &name,
                            role,
                            identity: &staff.identity,
                            granted_by_operator: true,
                        };
                        db::user::add_member(tx, new).await?
                    }
                };
                let by_operator = Actor::System {
                    note: "membership granted by the operator",
                };
                audit::record(tx, by_operator, "membership.grant", &user.id).await?;
                Ok(Membership {
                    tenant_code: institution.code,
                    tenant_name: institution.name,
                    role: user.role,
                    operator: false,
                })
            })
            .await?;
        record(&mut tx, ctx, "membership.grant", &format!("{tenant}/{email}")).await?;
        Ok(granted)
    }

    /// Ends a membership the operator granted in an institution (ADMINs of the operator
    /// tenant only): the person's tokens there stop working at once; their other memberships
    /// stay. NOT_FOUND if there is no such active membership (the institution's own users are
    /// its ADMIN's to manage).
    #[graphql(guard = "Require(Permission::TenantManage)")]
    async fn revoke_membership(&self, ctx: &Context<'_>, tenant: String, email: String) -> ApiResult<bool> {
        let email = email.trim().to_lowercase();
        let operator = session(ctx)?.tenant_id.clone();
        if tenant == operator {
            return Err(ApiError::bad_input(
                "to end staff membership of the operator tenant, deactivate the user on the users page",
            ));
        }
        let mut tx = tx(ctx).await?;
        tx.in_tenant(&tenant, async |tx| {
            let member = db::user::find_by_email(tx, &email)
                .await?
                .filter(|user| user.active && user.granted_by_operator)
                .ok_or_else(|| ApiError::not_found("membership"))?;
            db::user::set_active(tx, &member.id, false).await?;
            let by_operator = Actor::System {
                note: "membership revoked by the operator",
            };
            audit::record(tx, by_operator, "membership.revoke", &member.id).await?;
            Ok::<_, ApiError>(())
        })
        .await?;
        record(&mut tx, ctx, "membership.revoke", &format!("{tenant}/{email}")).await?;
        Ok(true)
    }
}
