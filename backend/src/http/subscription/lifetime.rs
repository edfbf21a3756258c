//! How long one subscription socket may live: until the token of its `connection_init`
//! expires, or until that token is revoked (logout, password change or reset, deactivation,
//! role change), which a look at the user's row every [`RECHECK_EVERY`] notices.

use std::time::Duration;

use crate::auth::session::accepts;
use crate::auth::token::Claims;
use crate::db::{self, Access, DbError, DbPool};

/// How often an open socket checks its token against the user's row: one primary-key read,
/// so a revoked session stops receiving events within this time.
pub const RECHECK_EVERY: Duration = Duration::from_secs(10);

/// Why the server ends a socket (the close frame's reason).
pub const EXPIRED: &str = "the session has expired; log in again";
pub const REVOKED: &str = "the session has ended; log in again";

/// Completes, with the reason, when the session of `claims` ends.
pub async fn session_end(pool: &DbPool, claims: &Claims) -> &'static str {
    let expiry = tokio::time::sleep(until(claims.exp, chrono::Utc::now().timestamp_millis()));
    tokio::pin!(expiry);
    let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    loop {
        tokio::select! {
            () = &mut expiry => return EXPIRED,
            _ = recheck.tick() => {
                if !still_valid(pool, claims).await {
                    return REVOKED;
                }
            }
        }
    }
}

/// Whether the rows still accept the token, as the per-request check does. A database that
/// cannot answer right now ends nobody's session.
async fn still_valid(pool: &DbPool, claims: &Claims) -> bool {
    let read = async {
        let mut tx = pool.tenant_tx(&claims.tenant_id, Access::Read).await?;
        let facts = db::user::session_facts(&mut tx, &claims.sub).await;
        tx.rollback().await?;
        facts
    };
    match read.await {
        Ok(facts) => accepts(&facts, claims),
        Err(DbError::NotFound { .. }) => false,
        Err(e) => {
            tracing::warn!(error = %e, "cannot recheck a subscription's session");
            true
        }
    }
}

/// How long from `now_ms` (Unix milliseconds) until `expires` (Unix seconds, as in the
/// token); zero when already past.
pub fn until(expires: i64, now_ms: i64) -> Duration {
    let left = expires.saturating_mul(1000).saturating_sub(now_ms);
    Duration::from_millis(u64::try_from(left).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_ends_at_expiry_and_never_goes_negative() {
        assert_eq!(until(1_000, 940_000), Duration::from_secs(60));
        assert_eq!(until(1_000, 999_250), Duration::from_millis(750));
        assert_eq!(until(1_000, 1_000_000), Duration::ZERO);
        assert_eq!(until(1_000, 2_000_000), Duration::ZERO);
    }
}
