//! `myWork`: the signed-in person's open SRs and running deployments in every tenant they
//! belong to, each read in that tenant's own scope with that tenant's role (no query crosses a
//! tenant boundary), for at most [`MAX_WORK_TENANTS`] tenants per request.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use guardia_shared::Role;
use guardia_shared::deploy::RunStatus;
use guardia_shared::permission::{Permission, allows_in};
use guardia_shared::sr::{SrPriority, SrStatus};

use super::context::services;
use super::error::ApiResult;
use super::guard::SignedIn;
use super::person::{Membership, signed_in_person};
use crate::db::{self, Access};

/// Most tenants one `myWork` reads (each is a short transaction of its own).
pub const MAX_WORK_TENANTS: usize = 20;
/// Most open SRs shown per tenant, the most recently changed first.
pub const WORK_SRS_PER_TENANT: i64 = 10;

#[derive(SimpleObject)]
pub struct MyWork {
    /// One entry per tenant read, by tenant name.
    pub tenants: Vec<TenantWork>,
    /// Memberships past the first [`MAX_WORK_TENANTS`], not read.
    pub omitted_tenants: i32,
}

#[derive(SimpleObject)]
pub struct TenantWork {
    pub membership: Membership,
    /// Open SRs (not resolved, closed or cancelled) assigned to the person there; for a
    /// CUSTOMER, the ones they requested.
    pub open_srs: Vec<WorkSr>,
    /// Deployments the person started there that are queued or running (empty for a role
    /// that may not read deployment history).
    pub running_deployments: Vec<WorkDeployment>,
}

#[derive(SimpleObject)]
pub struct WorkSr {
    pub id: ID,
    pub title: String,
    pub status: SrStatus,
    pub priority: SrPriority,
    pub updated_at: DateTime<Utc>,
}

#[derive(SimpleObject)]
pub struct WorkDeployment {
    pub id: ID,
    pub project: String,
    pub status: RunStatus,
    pub build_number: Option<i32>,
    pub created_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct MyWorkQuery;

#[Object]
impl MyWorkQuery {
    /// The signed-in person's open SRs and running deployments in every tenant they belong to.
    #[graphql(guard = "SignedIn")]
    async fn my_work(&self, ctx: &Context<'_>) -> ApiResult<MyWork> {
        let services = services(ctx);
        let person = signed_in_person(ctx).await?;
        let active = person.active();
        let omitted = active.len().saturating_sub(MAX_WORK_TENANTS);
        let mut tenants = Vec::with_capacity(active.len().min(MAX_WORK_TENANTS));
        for membership in active.into_iter().take(MAX_WORK_TENANTS) {
            tenants.push(work_in(&services.pool, membership).await?);
        }
        Ok(MyWork {
            tenants,
            omitted_tenants: i32::try_from(omitted).unwrap_or(i32::MAX),
        })
    }
}

/// One tenant's part, in that tenant's scope, as the membership's user.
async fn work_in(pool: &db::DbPool, membership: &db::user::Membership) -> ApiResult<TenantWork> {
    let user = &membership.user;
    let mut tx = pool.tenant_tx(&user.tenant_id, Access::Read).await?;
    let as_requester = user.role == Role::Customer;
    let srs = db::sr::open_of(&mut tx, &user.id, as_requester, WORK_SRS_PER_TENANT).await?;
    let mut running = Vec::new();
    if allows_in(
        user.role,
        Permission::DeployHistoryRead,
        membership.tenant_is_operator,
    ) {
        let mine: Vec<_> = db::deploy::list_active(&mut tx)
            .await?
            .into_iter()
            .filter(|d| d.triggered_by == user.id)
            .collect();
        // The project names in one query, not one per deployment.
        let projects = if mine.is_empty() {
            Vec::new()
        } else {
            db::deploy::list_projects(&mut tx).await?
        };
        for deployment in mine {
            let project = projects
                .iter()
                .find(|p| p.id == deployment.project_id)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            running.push(WorkDeployment {
                id: ID(deployment.id),
                project,
                status: deployment.status,
                build_number: deployment.build_number,
                created_at: deployment.created_at.and_utc(),
            });
        }
    }
    tx.commit().await?;
    Ok(TenantWork {
        membership: Membership::from(membership),
        open_srs: srs
            .into_iter()
            .map(|sr| WorkSr {
                id: ID(sr.id),
                title: sr.title,
                status: sr.status,
                priority: sr.priority,
                updated_at: sr.updated_at.and_utc(),
            })
            .collect(),
        running_deployments: running,
    })
}
