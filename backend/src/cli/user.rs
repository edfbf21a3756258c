//! `guardia user create`: a new person, or a membership in one more tenant for a person who
//! has a login already (their password stays; none is asked for).

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use guardia_shared::Role;
use guardia_shared::user::{validate_email, validate_name};

use crate::db::{self, Access, DatabaseUrl, DbError, DbPool};
use crate::service::audit::{self, Actor};
use crate::service::user::{self as user_service, AccountError, CheckedAccount, NewAccount};

pub async fn create(
    url: &DatabaseUrl,
    tenant_code: &str,
    email: &str,
    name: &str,
    role: Role,
    password: Option<String>,
) -> anyhow::Result<()> {
    // The email and name are checked before a password is asked for.
    let normalized = email.trim().to_lowercase();
    if let Err(why) = validate_email(&normalized) {
        bail!("invalid email '{normalized}': {why}");
    }
    if let Err(why) = validate_name(name) {
        bail!("invalid name: {why}");
    }
    db::run_pending(url).await?;
    let pool = DbPool::connect(url).await?;
    let cli = Actor::System {
        note: "guardia user create (CLI)",
    };
    if let Some(person) = existing_person(&pool, &normalized).await? {
        if password.is_some() {
            eprintln!("note: {normalized} has a login already; their password stays as it is");
        }
        let mut tx = tenant_tx(&pool, tenant_code).await?;
        let member = db::user::NewMember {
            email: &normalized,
            name: name.trim(),
            role,
            identity: &person,
            granted_by_operator: false,
        };
        let user = db::user::add_member(&mut tx, member).await?;
        audit::record(&mut tx, cli, "user.create", &user.id).await?;
        tx.commit().await?;
        println!(
            "added {} <{}> to tenant '{}' as {} (one login for all their tenants)",
            user.name, user.email, user.tenant_id, user.role
        );
        return Ok(());
    }

    let password = match password {
        Some(password) => password,
        None => read_password()?,
    };
    let new = NewAccount {
        email,
        name,
        role,
        password,
    };
    let account = CheckedAccount::check(new).await.map_err(|e| match e {
        AccountError::Invalid { why, .. } => anyhow::anyhow!("invalid password: {why}"),
        other => other.into(),
    })?;
    let mut tx = tenant_tx(&pool, tenant_code).await?;
    let user = user_service::insert(&mut tx, &account, Some(cli)).await?;
    tx.commit().await?;
    println!(
        "created {} user {} <{}> in tenant '{}'",
        user.role, user.name, user.email, user.tenant_id
    );
    Ok(())
}

/// The person who logs in with this email, if there is one.
async fn existing_person(pool: &DbPool, email: &str) -> anyhow::Result<Option<db::identity::Identity>> {
    let mut scope = pool.login_tx(email).await?;
    let person = db::identity::find_for_login(&mut scope).await?;
    scope.rollback().await?;
    Ok(person)
}

/// A writing transaction in an existing tenant.
async fn tenant_tx(pool: &DbPool, tenant_code: &str) -> anyhow::Result<db::TenantTx> {
    let mut tx = pool.tenant_tx(tenant_code, Access::Write).await?;
    match db::tenant::get(&mut tx).await {
        Err(DbError::NotFound { .. }) => {
            bail!("unknown tenant '{tenant_code}' (create it with `guardia tenant create`)")
        }
        other => other?,
    };
    Ok(tx)
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
