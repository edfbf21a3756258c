//! `guardia tenant create` and `guardia tenant jenkins`.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};

use crate::config::RunMode;
use crate::crypto::credential::CredentialCipher;
use crate::db::audit::{self, NewAuditEntry};
use crate::db::{self, Access, DatabaseUrl, DbError, DbPool};
use crate::service::audit::Actor;
use crate::service::jenkins_settings::{self, ConnectionChange, ConnectionInput, SettingsInput};
use crate::service::tenant::{self as tenant_service, TenantError};

pub async fn create(url: &DatabaseUrl, code: &str, name: &str, operator: bool) -> anyhow::Result<()> {
    tenant_service::check_details(code, name).map_err(|e| match e {
        TenantError::InvalidCode { why } => anyhow::anyhow!("invalid tenant code '{code}': {why}"),
        other => anyhow::anyhow!("invalid tenant name: {other}"),
    })?;
    db::run_pending(url).await?;
    let pool = DbPool::connect(url).await?;
    tenant_service::check_folder(&pool, code)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = pool.tenant_tx(code, Access::Write).await?;
    let cli = Actor::System {
        note: "guardia tenant create (CLI)",
    };
    let tenant = tenant_service::insert(&mut tx, name, operator, None, cli).await?;
    tx.commit().await?;
    let kind = if tenant.is_operator {
        "operator tenant"
    } else {
        "tenant"
    };
    println!("created {kind} '{}' ({})", tenant.code, tenant.name);
    Ok(())
}

/// What `guardia tenant jenkins` is asked to set.
pub struct JenkinsSettingsArgs {
    pub code: String,
    pub folder_root: Option<String>,
    /// The tenant's own Jenkins: URL and user; the token comes from `token` or standard input.
    pub own: Option<(String, String)>,
    pub token: Option<String>,
    /// Back to the defaults: the tenant code as the folder, the installation's Jenkins.
    pub reset: bool,
}

/// Sets where a tenant's Jenkins jobs live; with neither a folder nor a connection it shows
/// the settings in force.
pub async fn jenkins(url: &DatabaseUrl, args: JenkinsSettingsArgs) -> anyhow::Result<()> {
    db::run_pending(url).await?;
    let pool = DbPool::connect(url).await?;
    let show_only = args.folder_root.is_none() && args.own.is_none() && !args.reset;
    let access = if show_only { Access::Read } else { Access::Write };
    let mut tx = pool.tenant_tx(&args.code, access).await?;
    match db::tenant::get(&mut tx).await {
        Err(DbError::NotFound { .. }) => bail!(
            "unknown tenant '{}' (create it with `guardia tenant create`)",
            args.code
        ),
        other => other?,
    };
    let settings = if show_only {
        jenkins_settings::get(&mut tx).await?
    } else {
        // The token is sealed with the installation's credential key, as the server reads it.
        let secrets = super::serve::load_secrets(RunMode::from_env_value(
            std::env::var("GUARDIA_ENV").ok().as_deref(),
        )?)?;
        let cipher = CredentialCipher::new(secrets.credential_key.expose());
        let token = match (&args.own, args.token) {
            (None, _) => None,
            (Some(_), Some(token)) => Some(token),
            (Some(_), None) => Some(read_token()?),
        };
        let connection = match (args.own.as_ref().zip(token.as_deref()), args.reset) {
            (Some(((url, user), token)), _) => ConnectionChange::Set(ConnectionInput { url, user, token }),
            (None, true) => ConnectionChange::Clear,
            (None, false) => ConnectionChange::Keep,
        };
        let input = SettingsInput {
            folder_root: args.folder_root.as_deref(),
            connection,
        };
        let root = input.folder_root.map(str::trim).filter(|r| !r.is_empty());
        jenkins_settings::check_root_is_free(&pool, &args.code, root.unwrap_or(&args.code))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let settings = jenkins_settings::set(&mut tx, &cipher, &input)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        audit::record(
            &mut tx,
            NewAuditEntry {
                actor_id: None,
                action: "tenant.jenkins",
                target: Some(&args.code),
                outcome: "success",
                detail: Some("guardia tenant jenkins (CLI)"),
            },
        )
        .await?;
        settings
    };
    tx.commit().await?;
    let connection = match &settings.own {
        Some((url, user)) => format!("its own Jenkins {url} as {user}"),
        None => "the installation's Jenkins (JENKINS_URL)".to_owned(),
    };
    println!(
        "tenant '{}': jobs inside the Jenkins folder '{}/', on {connection}",
        settings.tenant_id, settings.folder_root
    );
    Ok(())
}

/// The API token from standard input: prompted without echo on a terminal, else the first line.
fn read_token() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let token = if stdin.is_terminal() {
        rpassword::prompt_password("Jenkins API token: ").context("cannot read the token")?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the token from standard input")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    };
    if token.is_empty() {
        bail!("no API token given: pass --token or write it to standard input");
    }
    Ok(token)
}
