//! The caller's own account: `changePassword` and `logout`; and an ADMIN's
//! `resetUserPassword`. The password is the person's, for all their tenants: each bumps the
//! person's session epoch, so every token issued before it, in every tenant, stops working at
//! its next request.

use async_graphql::{Context, ID, Object};
use guardia_shared::user::validate_password;
use guardia_shared::{ErrorCode, Permission};

use super::audit_trail::record;
use super::auth::AuthPayload;
use super::context::{read_before_waiting, request, services, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::{Require, SignedIn};
use super::person::Person;
use super::user::User;
use crate::auth::hash_gate::HashGate;
use crate::auth::password::{hash_password, verify_password};
use crate::db;

/// Longer inputs are refused before any hashing (argon2 of megabytes is a cheap attack).
const MAX_PASSWORD_INPUT: usize = 1024;

fn wrong_current_password() -> ApiError {
    ApiError::new(ErrorCode::Forbidden, "the current password is wrong")
}

/// Hashes off the async runtime and behind the bound on concurrent password work (argon2 is
/// slow and memory-hungry on purpose).
async fn hash(password: String) -> ApiResult<String> {
    HashGate::global()
        .run(move || hash_password(&password))
        .await
        .map_err(|_| {
            ApiError::new(
                ErrorCode::RateLimited,
                "the server is busy checking other passwords; try again in a few seconds",
            )
        })?
        .map_err(|_| ApiError::internal())
}

/// Checks the caller's current password. Each guess counts against the login limiter for the
/// account's email (before the hash runs, as for `login`), so a stolen token cannot be used to
/// guess the password faster than `login` allows; the check waits its turn behind the bound on
/// concurrent password checks.
async fn verify_current(
    ctx: &Context<'_>,
    person: &db::identity::Identity,
    current: String,
) -> ApiResult<()> {
    let limiter = &services(ctx).login_limiter;
    let client = request(ctx).client_ip;
    let attempt = limiter.begin(&person.email, client).map_err(|refused| {
        let seconds = refused.retry_after.as_secs_f64().ceil().max(1.0);
        ApiError::new(
            ErrorCode::RateLimited,
            format!("too many wrong passwords; try again in {seconds} s"),
        )
    })?;
    if current.len() > MAX_PASSWORD_INPUT {
        attempt.failed();
        return Err(wrong_current_password());
    }
    let stored = person.password_hash.clone();
    let Ok(matches) = HashGate::global()
        .run(move || verify_password(&current, &stored))
        .await
    else {
        attempt.not_checked();
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            "the server is busy checking other passwords; try again in a few seconds",
        ));
    };
    if matches {
        attempt.succeeded();
        Ok(())
    } else {
        attempt.failed();
        Err(wrong_current_password())
    }
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Changes the signed-in user's password. `current` must be their password now (else
    /// FORBIDDEN; repeated wrong guesses are RATE_LIMITED like `login`); `new` must follow the
    /// password policy (else BAD_USER_INPUT): at least 10 characters, at least two kinds of
    /// characters (lowercase, uppercase, digits, spaces and symbols, other scripts), not the
    /// account's email, not the current password. Every token of the user, this one included,
    /// stops working; the answer carries a new token.
    #[graphql(guard = "SignedIn")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current: String,
        new: String,
    ) -> ApiResult<AuthPayload> {
        let user_id = session(ctx)?.user_id.clone();
        // Read in short scopes: argon2 runs below with no transaction (no write lock) held.
        let (user, _) = read_before_waiting(ctx, async |tx| Ok(db::user::get(tx, &user_id).await?)).await?;
        let person = Person::find(&services(ctx).pool, &user.email)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        verify_current(ctx, &person.identity, current.clone()).await?;
        validate_password(&new, &user.email).map_err(ApiError::bad_input)?;
        if new == current {
            return Err(ApiError::bad_input(
                "the new password must differ from the current one",
            ));
        }
        let hashed = hash(new).await?;
        let mut tx = tx(ctx).await?;
        let renewed = db::identity::set_password_hash(&mut tx, &user.identity_id, &hashed).await?;
        record(&mut tx, ctx, "user.password.change", &user.id).await?;
        // Signed for the new epoch: valid once this transaction commits, never before.
        AuthPayload::issue(services(ctx), user, &renewed, &person.active())
    }

    /// Ends the signed-in person's sessions: this token and every other token of the same
    /// person (other browsers and devices, other tenants too) stop working. Always true.
    #[graphql(guard = "SignedIn")]
    async fn logout(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let user_id = session(ctx)?.user_id.clone();
        let identity_id = session(ctx)?.identity_id.clone();
        let mut tx = tx(ctx).await?;
        db::identity::bump_session_epoch(&mut tx, &identity_id).await?;
        record(&mut tx, ctx, "user.logout", &user_id).await?;
        Ok(true)
    }

    /// Sets a new password for a user of the caller's tenant (a user of another tenant is
    /// NOT_FOUND) and ends all of that user's sessions. The password follows the policy of
    /// `changePassword`. For their own password an ADMIN uses `changePassword`. FORBIDDEN for
    /// a person who also belongs to another tenant: their password opens that tenant too, so
    /// only they change it.
    #[graphql(guard = "Require(Permission::UserManage)")]
    async fn reset_user_password(&self, ctx: &Context<'_>, id: ID, new_password: String) -> ApiResult<User> {
        if *id == session(ctx)?.user_id {
            return Err(ApiError::bad_input("use changePassword for your own password"));
        }
        let (target, _) = read_before_waiting(ctx, async |tx| Ok(db::user::get(tx, &id).await?)).await?;
        let elsewhere = Person::find(&services(ctx).pool, &target.email)
            .await?
            .is_some_and(|person| {
                person
                    .memberships
                    .iter()
                    .any(|m| m.user.tenant_id != target.tenant_id)
            });
        if elsewhere {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "this person also belongs to another tenant: only they can change their password",
            ));
        }
        validate_password(&new_password, &target.email).map_err(ApiError::bad_input)?;
        let hashed = hash(new_password).await?;
        let mut tx = tx(ctx).await?;
        db::identity::set_password_hash(&mut tx, &target.identity_id, &hashed).await?;
        record(&mut tx, ctx, "user.password.reset", &target.id).await?;
        Ok(User::from(target))
    }
}
