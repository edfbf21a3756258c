//! `login`: the same answer for an unknown email and a wrong password; RATE_LIMITED after
//! repeated failures of one email from one client or of one client (growing delays, see
//! `auth::login_limiter`), and when too many password checks already run (`auth::hash_gate`).
//! A person with several memberships lands in the tenant they used last (or the first by
//! name) and learns the others from `memberships`.

use std::sync::OnceLock;

use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use guardia_shared::ErrorCode;

use super::context::{Services, request, services};
use super::error::{ApiError, ApiResult};
use super::person::{Membership, Person};
use super::user::User;
use crate::auth::hash_gate::HashGate;
use crate::auth::password::{hash_password, verify_password};
use crate::db;

#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <token>`. It is for one tenant: `user`'s.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
    /// Every tenant the person may switch to (`switchTenant`), this one included, by name.
    pub memberships: Vec<Membership>,
}

impl AuthPayload {
    /// A new session token for `user` (a membership of `person`), signed for the current
    /// session epochs of both.
    pub(super) fn issue(
        services: &Services,
        user: db::user::User,
        person: &db::identity::Identity,
        memberships: &[&db::user::Membership],
    ) -> ApiResult<AuthPayload> {
        let (token, expires_at) = services
            .tokens
            .issue(
                &user.id,
                user.role,
                &user.tenant_id,
                user.session_epoch,
                person.session_epoch,
                Utc::now(),
            )
            .map_err(|_| ApiError::internal())?;
        Ok(AuthPayload {
            token,
            expires_at,
            user: User::from(user),
            memberships: memberships.iter().map(|m| Membership::from(*m)).collect(),
        })
    }
}

/// `guardia_login_attempts_total{outcome}`: success, failure, rate_limited or busy.
fn count(outcome: &'static str) {
    metrics::counter!("guardia_login_attempts_total", "outcome" => outcome).increment(1);
}

fn wrong_login() -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, "wrong email or password")
}

/// A hash to verify against when the email is unknown, so both failures take as long (made
/// on first use, on the gate's blocking thread like any other hash).
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password for unknown emails").unwrap_or_default())
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Exchanges an email and password for a session token in the tenant the person used last
    /// (or their only one); `memberships` names the others.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> ApiResult<AuthPayload> {
        let email = email.trim().to_lowercase();
        if email.len() > 254 || password.len() > 1024 {
            return Err(wrong_login());
        }
        let client = request(ctx).client_ip;
        let services = services(ctx);
        // Counted before the hash runs, so concurrent guesses cannot outrun the count.
        let attempt = services.login_limiter.begin(&email, client).map_err(|refused| {
            count("rate_limited");
            let seconds = refused.retry_after.as_secs_f64().ceil().max(1.0);
            ApiError::new(
                ErrorCode::RateLimited,
                format!("too many failed logins; try again in {seconds} s"),
            )
        })?;
        let person = match Person::find(&services.pool, &email).await {
            Ok(person) => person,
            Err(e) => {
                // The database failed, not the caller: the password was never checked.
                attempt.not_checked();
                return Err(e);
            }
        };

        let stored = person.as_ref().map(|p| p.identity.password_hash.clone());
        let Ok(matches) = HashGate::global()
            .run(move || match stored {
                Some(stored) => verify_password(&password, &stored),
                None => {
                    // The same work as a real check; an unknown email never matches.
                    let _ = verify_password(&password, decoy_hash());
                    false
                }
            })
            .await
        else {
            attempt.not_checked();
            count("busy");
            return Err(ApiError::new(
                ErrorCode::RateLimited,
                "the server is busy checking other logins; try again in a few seconds",
            ));
        };
        let Some((person, landing)) = person
            .filter(|_| matches)
            .and_then(|person| person.landing().cloned().map(|landing| (person, landing)))
        else {
            attempt.failed();
            count("failure");
            return Err(wrong_login());
        };
        attempt.succeeded();
        count("success");
        AuthPayload::issue(services, landing.user, &person.identity, &person.active())
    }
}
