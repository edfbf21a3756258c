//! Audit entries of use cases that more than one entry point runs: who did what to which
//! object, written in the caller's transaction so they commit with the change.

use crate::db::{self, DbError, TenantTx};

/// Who acted: a signed-in user, or the system (the CLI, the demo, the operator acting in
/// another tenant's scope), with a note saying which.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a str),
    System { note: &'a str },
}

/// Records a successful action in the transaction's tenant.
pub async fn record(tx: &mut TenantTx, actor: Actor<'_>, action: &str, target: &str) -> Result<(), DbError> {
    match actor {
        Actor::User(id) => write(tx, Some(id), action, target, None).await,
        Actor::System { note } => write(tx, None, action, target, Some(note)).await,
    }
}

/// Records a user's successful action with a detail, such as a rollback's reason.
pub async fn record_by_user(
    tx: &mut TenantTx,
    user_id: &str,
    action: &str,
    target: &str,
    detail: Option<&str>,
) -> Result<(), DbError> {
    write(tx, Some(user_id), action, target, detail).await
}

async fn write(
    tx: &mut TenantTx,
    actor_id: Option<&str>,
    action: &str,
    target: &str,
    detail: Option<&str>,
) -> Result<(), DbError> {
    let entry = db::audit::NewAuditEntry {
        actor_id,
        action,
        target: Some(target),
        outcome: "success",
        detail,
    };
    db::audit::record(tx, entry).await?;
    Ok(())
}
