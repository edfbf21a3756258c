//! `guardia user create`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use guardia_shared::Role;
use guardia_shared::user::{validate_email, validate_name, validate_password};

use crate::auth::password::hash_password;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::user::NewUser;
use crate::db::{self, Access, DatabaseUrl, DbError, DbPool};

pub async fn create(
    url: &DatabaseUrl,
    tenant_code: &str,
    email: &str,
    name: &str,
    role: Role,
    password: Option<String>,
) -> anyhow::Result<()> {
    let email = &email.trim().to_lowercase();
    if let Err(why) = validate_email(email) {
        bail!("invalid email '{email}': {why}");
    }
    if let Err(why) = validate_name(name) {
        bail!("invalid name: {why}");
    }
    let password = match password {
        Some(password) => password,
        None => read_password()?,
    };
    if let Err(why) = validate_password(&password, email) {
        bail!("invalid password: {why}");
    }
    let hash = tokio::task::spawn_blocking(move || hash_password(&password)).await??;

    db::run_pending(url).await?;
    let pool = DbPool::connect(url).await?;
    let mut tx = pool.tenant_tx(tenant_code, Access::Write).await?;
    match db::tenant::get(&mut tx).await {
        Err(DbError::NotFound) => {
            bail!("unknown tenant '{tenant_code}' (create it with `guardia tenant create`)")
        }
        other => other?,
    };
    let user = db::user::create(
        &mut tx,
        NewUser {
            email,
            name: name.trim(),
            role,
            password_hash: &hash,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        NewAuditEntry {
            actor_id: None,
            action: "user.create",
            target: Some(&user.id),
            outcome: "success",
            detail: Some("guardia user create (CLI)"),
        },
    )
    .await?;
    tx.commit().await?;
    println!(
        "created {} user {} <{}> in tenant '{}'",
        user.role, user.name, user.email, user.tenant_id
    );
    Ok(())
}

/// Reads the password from standard input: prompted twice without echo on a terminal, else
/// the first line (so scripts can pipe it in).
fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let second = rpassword::prompt_password("Repeat password: ").context("cannot read the password")?;
        if first != second {
            bail!("the passwords do not match");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        if password.is_empty() {
            bail!("no password given: pass --password or write it to standard input");
        }
        Ok(password)
    }
}
