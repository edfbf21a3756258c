//! `guardia tenant create`.

use anyhow::bail;
use guardia_shared::tenant::validate_tenant_code;

use crate::db::audit::{self, NewAuditEntry};
use crate::db::{self, Access, DatabaseUrl, DbPool};

pub async fn create(url: &DatabaseUrl, code: &str, name: &str, operator: bool) -> anyhow::Result<()> {
    if let Err(why) = validate_tenant_code(code) {
        bail!("invalid tenant code '{code}': {why}");
    }
    if let Err(why) = guardia_shared::user::validate_name(name) {
        bail!("invalid tenant name: {why}");
    }
    db::run_pending(url).await?;
    let pool = DbPool::connect(url).await?;
    let mut tx = pool.tenant_tx(code, Access::Write).await?;
    let tenant = db::tenant::create(&mut tx, name.trim(), operator).await?;
    audit::record(
        &mut tx,
        NewAuditEntry {
            actor_id: None,
            action: "tenant.create",
            target: Some(&tenant.code),
            outcome: "success",
            detail: Some("guardia tenant create (CLI)"),
        },
    )
    .await?;
    tx.commit().await?;
    let kind = if tenant.is_operator {
        "operator tenant"
    } else {
        "tenant"
    };
    println!("created {kind} '{}' ({})", tenant.code, tenant.name);
    Ok(())
}
