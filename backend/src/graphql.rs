//! The GraphQL API (SDL in backend/schema.graphql) as a library: one module per domain, merged
//! into the roots. Transport (HTTP, WebSocket) lives in `http::graphql`; storage in `db`.

mod account;
mod admission;
mod agent;
mod all_or_nothing;
mod app_info;
mod audit;
mod audit_trail;
mod auth;
mod batch;
mod console;
mod context;
mod deploy;
mod document_cache;
mod error;
mod guard;
mod introspection;
mod limits;
mod live_session;
mod loader;
mod membership;
mod my_work;
mod pagination;
mod person;
mod server;
mod shared_tx;
mod sla;
mod sr;
mod tenant;
mod user;
mod validate;
#[cfg(test)]
mod web_app_cost;

use async_graphql::{MergedObject, MergedSubscription, Schema};

pub use admission::{Admitted, Schemas, operation_type};
pub use context::{
    AfterCommit, AfterCommitQueue, AppFlags, Authenticated, RequestContext, Services, SharedTx,
};
pub use error::{ApiError, ApiResult};
pub use limits::{MAX_ALIASES, MAX_COMPLEXITY, MAX_DEPTH};

#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    user::UserQuery,
    tenant::TenantQuery,
    sr::SrQuery,
    server::ServerQuery,
    agent::AgentQuery,
    deploy::DeployQuery,
    batch::BatchQuery,
    audit::AuditQuery,
    app_info::AppInfoQuery,
    membership::MembershipQuery,
    my_work::MyWorkQuery,
    sla::SlaQuery,
);

#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    auth::AuthMutation,
    account::AccountMutation,
    user::UserMutation,
    tenant::TenantMutation,
    sr::SrMutation,
    server::ServerMutation,
    agent::AgentMutation,
    deploy::DeployMutation,
    batch::BatchMutation,
    membership::MembershipMutation,
    sla::SlaMutation,
);

#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(deploy::DeploySubscription, sla::SlaSubscription);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// The schema in SDL, as `guardia schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    Schemas::build(false).sdl()
}
