//! A subscription outlives the check made when its socket opened: before each event it
//! delivers, the subscriber's membership is read again.

use guardia_shared::Permission;

use crate::auth::Session;
use crate::db::{self, Access, DbPool};

/// Whether the subscriber's membership is still active with the same role, and that role
/// still allows `permission`.
pub async fn still_allowed(pool: &DbPool, session: &Session, permission: Permission) -> bool {
    let check = async {
        let mut tx = pool.tenant_tx(&session.tenant_id, Access::Read).await?;
        let user = db::user::get(&mut tx, &session.user_id).await?;
        tx.commit().await?;
        Ok::<_, db::DbError>(user.active && user.role == session.role)
    };
    check.await.unwrap_or(false) && session.allows(permission)
}
