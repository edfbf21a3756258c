//! Field guards built from the shared permission table: `#[graphql(guard = "Require(P)")]`.

use async_graphql::{Context, Guard};
use guardia_shared::Permission;

use super::context::session;
use super::error::ApiError;

/// Allows the field only to a signed-in user whose role holds the permission.
pub struct Require(pub Permission);

impl Guard for Require {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let session = session(ctx)?;
        if session.allows(self.0) {
            Ok(())
        } else {
            Err(ApiError::forbidden().into())
        }
    }
}

/// Allows the field to any signed-in user.
pub struct SignedIn;

impl Guard for SignedIn {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        session(ctx).map(|_| ()).map_err(Into::into)
    }
}
