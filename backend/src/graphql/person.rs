//! The person behind a session (one login, several tenants) and their memberships, read in the
//! login scope of their email: what `login`, `switchTenant` and `myWork` start from.

use async_graphql::{Context, SimpleObject};
use guardia_shared::Role;

use super::context::{services, session};
use super::error::{ApiError, ApiResult};
use crate::db;

/// A tenant the person belongs to, with their role there.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct Membership {
    /// The tenant's code: what `switchTenant` takes.
    pub tenant_code: String,
    pub tenant_name: String,
    /// The person's role in that tenant.
    pub role: Role,
    /// Whether that tenant is the operator (the IT service company).
    pub operator: bool,
}

impl From<&db::user::Membership> for Membership {
    fn from(m: &db::user::Membership) -> Self {
        Membership {
            tenant_code: m.user.tenant_id.clone(),
            tenant_name: m.tenant_name.clone(),
            role: m.user.role,
            operator: m.tenant_is_operator,
        }
    }
}

/// A person and their memberships, read in the login scope of their email.
pub(super) struct Person {
    pub identity: db::identity::Identity,
    /// Every membership, active or not, by tenant name.
    pub memberships: Vec<db::user::Membership>,
}

impl Person {
    /// The person with this email, if there is one.
    pub async fn find(pool: &db::DbPool, email: &str) -> ApiResult<Option<Person>> {
        let mut scope = pool.login_tx(email).await?;
        let identity = db::identity::find_for_login(&mut scope).await?;
        let memberships = match &identity {
            Some(_) => db::user::memberships(&mut scope).await?,
            None => Vec::new(),
        };
        scope.rollback().await?;
        Ok(identity.map(|identity| Person {
            identity,
            memberships,
        }))
    }

    /// Where `login` lands: the tenant used last if it is still an active membership, else
    /// the first by name.
    pub fn landing(&self) -> Option<&db::user::Membership> {
        let active = self.active();
        let last = self.identity.last_tenant_id.as_deref();
        active
            .iter()
            .find(|m| Some(m.user.tenant_id.as_str()) == last)
            .or(active.first())
            .copied()
    }

    /// The memberships that let the person in: none once the person is deactivated.
    pub fn active(&self) -> Vec<&db::user::Membership> {
        if !self.identity.active {
            return Vec::new();
        }
        self.memberships.iter().filter(|m| m.user.active).collect()
    }
}

/// The signed-in person, or UNAUTHENTICATED if they are gone.
pub(super) async fn signed_in_person(ctx: &Context<'_>) -> ApiResult<Person> {
    let email = &session(ctx)?.email;
    Person::find(&services(ctx).pool, email)
        .await?
        .ok_or_else(ApiError::unauthenticated)
}
