//! The GraphQL API (SDL in backend/schema.graphql) as a library: one module per domain, merged
//! into the roots. Transport (HTTP, WebSocket) lives in `http::graphql`; storage in `db`.

mod account;
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
mod error;
mod guard;
mod introspection;
mod limits;
mod loader;
mod pagination;
mod server;
mod shared_tx;
mod sr;
mod tenant;
mod user;
mod validate;
#[cfg(test)]
mod web_app_cost;

use async_graphql::{MergedObject, MergedSubscription, Schema};

pub use context::{
    AfterCommit, AfterCommitQueue, AppFlags, Authenticated, RequestContext, Services, SharedTx,
};
pub use error::{ApiError, ApiResult};
pub use limits::{MAX_ALIASES, MAX_COMPLEXITY, MAX_DEPTH, RequestPhase};

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
);

#[derive(MergedSubscription, Default)]
#[graphql(name = "Subscription")]
pub struct SubscriptionRoot(deploy::DeploySubscription);

pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Builds the schema with the hostile-caller limits; production hides field suggestions and
/// shows the schema only to callers with a token.
pub fn build_schema(production: bool) -> AppSchema {
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_DEPTH * 3)
    .extension(limits::Limits)
    .extension(all_or_nothing::AllOrNothing);
    if production {
        builder = builder
            .disable_suggestions()
            .extension(introspection::TokenForIntrospection);
    }
    builder.finish()
}

/// The schema in SDL, as `guardia schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema(false).sdl()
}
