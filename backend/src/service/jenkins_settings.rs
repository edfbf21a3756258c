//! The operator's settings for a tenant's Jenkins: the folder root its jobs must be inside and,
//! optionally, its own Jenkins connection. Set from GraphQL (`setTenantJenkins`) and the CLI
//! (`guardia tenant jenkins`).

use chrono::NaiveDateTime;

use crate::crypto::credential::{Credential, CredentialCipher};
use crate::db::tenant_jenkins::OwnConnection;
use crate::db::{self, Access, DbError, DbPool, TenantTx};
use crate::jenkins::JobPath;

/// What the operator asks for. A folder root of `None` means the default, the tenant code.
pub struct SettingsInput<'a> {
    pub folder_root: Option<&'a str>,
    pub connection: ConnectionChange<'a>,
}

/// What becomes of the tenant's own Jenkins connection.
pub enum ConnectionChange<'a> {
    /// Keep whatever the tenant has (its own Jenkins, or the installation's).
    Keep,
    Set(ConnectionInput<'a>),
    /// Back to the installation's Jenkins (`JENKINS_URL`).
    Clear,
}

pub struct ConnectionInput<'a> {
    pub url: &'a str,
    pub user: &'a str,
    /// The Jenkins user's API token; sealed at rest, never shown again.
    pub token: &'a str,
}

/// A tenant's settings in force; the token is never part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub tenant_id: String,
    pub folder_root: String,
    /// The tenant's own Jenkins (URL, user), if it has one.
    pub own: Option<(String, String)>,
    /// When an operator last set them; `None` for the defaults.
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The settings of the transaction's tenant.
pub async fn get(tx: &mut TenantTx) -> Result<Settings, DbError> {
    let row = db::tenant_jenkins::get(tx).await?;
    Ok(settings_of(tx.tenant_id(), row.as_ref()))
}

/// Replaces the settings of the transaction's tenant.
pub async fn set(
    tx: &mut TenantTx,
    cipher: &CredentialCipher,
    input: &SettingsInput<'_>,
) -> Result<Settings, SettingsError> {
    let tenant = tx.tenant_id().to_owned();
    let folder_root = input
        .folder_root
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .unwrap_or(&tenant);
    JobPath::parse(folder_root).map_err(|e| SettingsError::Invalid(format!("the folder root: {e}")))?;
    let connection = match &input.connection {
        // A change of folder alone must not quietly move the tenant to another Jenkins.
        ConnectionChange::Keep => db::tenant_jenkins::get(tx)
            .await?
            .and_then(|row| row.own_connection()),
        ConnectionChange::Set(c) => Some(own_connection(&tenant, cipher, c)?),
        ConnectionChange::Clear => None,
    };
    let row = db::tenant_jenkins::set(tx, folder_root, connection.as_ref()).await?;
    Ok(settings_of(&tenant, Some(&row)))
}

fn own_connection(
    tenant: &str,
    cipher: &CredentialCipher,
    input: &ConnectionInput<'_>,
) -> Result<OwnConnection, SettingsError> {
    let invalid = |why: &str| SettingsError::Invalid(why.to_owned());
    let url = url::Url::parse(input.url.trim()).map_err(|_| invalid("the Jenkins URL is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid("the Jenkins URL must be http(s)://host/…"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
        return Err(invalid(
            "the Jenkins URL must carry no user, password or query (give the user and token apart)",
        ));
    }
    let user = input.user.trim();
    if user.is_empty()
        || user.chars().count() > 100
        || user.contains(':')
        || user.chars().any(char::is_control)
    {
        return Err(invalid(
            "the Jenkins user must be 1 to 100 characters, without ':'",
        ));
    }
    let token = input.token.trim();
    if token.is_empty() || token.len() > 200 || token.chars().any(char::is_control) {
        return Err(invalid("the Jenkins API token must be 1 to 200 characters"));
    }
    let login = Credential {
        username: user.to_owned(),
        password: token.to_owned(),
    };
    Ok(OwnConnection {
        url: url.to_string(),
        username: user.to_owned(),
        token: cipher.seal_jenkins_login(tenant, &login),
    })
}

fn settings_of(tenant: &str, row: Option<&db::tenant_jenkins::TenantJenkins>) -> Settings {
    match row {
        None => Settings {
            tenant_id: tenant.to_owned(),
            folder_root: tenant.to_owned(),
            own: None,
            updated_at: None,
        },
        Some(row) => Settings {
            tenant_id: tenant.to_owned(),
            folder_root: row.folder_root.clone(),
            own: row.url.clone().zip(row.username.clone()),
            updated_at: Some(row.updated_at),
        },
    }
}

/// Refuses a folder root that overlaps another tenant's: one inside the other, compared as
/// Jenkins compares item names (case-insensitively), so that no tenant's folder can reach into
/// another's. `root` is the folder `tenant` would get.
pub async fn check_root_is_free(pool: &DbPool, tenant: &str, root: &str) -> Result<(), SettingsError> {
    let codes: Vec<String> = {
        let mut operator = pool.operator_tx().await?;
        let tenants = db::tenant::list_all(&mut operator).await?;
        operator.commit().await?;
        tenants.into_iter().map(|t| t.code).collect()
    };
    for other in codes.iter().filter(|code| *code != tenant) {
        let mut scope = pool.tenant_tx(other, Access::Read).await?;
        let theirs = get(&mut scope).await?.folder_root;
        scope.commit().await?;
        if overlaps(root, &theirs) {
            return Err(SettingsError::Invalid(format!(
                "the folder '{root}' overlaps tenant '{other}''s Jenkins folder '{theirs}': each \
                 tenant needs a folder of its own"
            )));
        }
    }
    Ok(())
}

/// Whether one folder lies inside the other (or they are the same), item by item, ignoring
/// case as Jenkins does for item names.
fn overlaps(a: &str, b: &str) -> bool {
    let fold = |s: &str| s.to_uppercase().to_lowercase();
    a.split('/').zip(b.split('/')).all(|(x, y)| fold(x) == fold(y))
}

#[cfg(test)]
mod tests {
    use super::overlaps;

    #[test]
    fn folders_overlap_when_one_lies_inside_the_other_in_any_case() {
        assert!(overlaps("busan-city", "busan-city"));
        assert!(overlaps("Busan-City", "busan-city"));
        assert!(overlaps("hospitals", "hospitals/seoul"));
        assert!(overlaps("hospitals/seoul/x", "Hospitals/Seoul"));
        assert!(!overlaps("hospitals/seoul", "hospitals/busan"));
        assert!(!overlaps("seoul-hosp", "seoul-hosp2"));
    }
}
