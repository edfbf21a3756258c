//! `login`: the same answer for an unknown email and a wrong password, RATE_LIMITED after
//! repeated failures per email or client.

use std::sync::OnceLock;

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use guardia_shared::ErrorCode;

use super::context::{request, services};
use super::error::{ApiError, ApiResult};
use super::user::User;
use crate::auth::password::{hash_password, verify_password};
use crate::db;

#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

fn wrong_login() -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, "wrong email or password")
}

/// A hash to verify against when the email is unknown, so both failures take as long.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password for unknown emails").unwrap_or_default())
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Exchanges an email and password for a session token.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> ApiResult<AuthPayload> {
        let email = email.trim().to_lowercase();
        let client = request(ctx).client_ip;
        let services = services(ctx);
        if !services.login_limiter.allows(&email, client) {
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                "too many failed logins; wait 15 minutes before trying again",
            ));
        }
        if email.len() > 254 || password.len() > 1024 {
            return Err(wrong_login());
        }
        let mut lookup = services.pool.login_tx(&email).await?;
        let user = db::user::find_for_login(&mut lookup).await?;
        lookup.rollback().await?;

        let stored = user
            .as_ref()
            .map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
            .await
            .map_err(|_| ApiError::internal())?;
        let user = match user {
            Some(user) if matches && user.active => user,
            _ => {
                services.login_limiter.record_failure(&email, client);
                return Err(wrong_login());
            }
        };
        services.login_limiter.record_success(&email);
        let (token, expires_at) = services
            .tokens
            .issue(
                &user.id,
                user.role,
                &user.tenant_id,
                user.session_epoch,
                Utc::now(),
            )
            .map_err(|_| ApiError::internal())?;
        Ok(AuthPayload {
            token,
            expires_at,
            user: User(user),
        })
    }
}
