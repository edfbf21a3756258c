//! Which Jenkins a tenant reaches and the folder its jobs must live in: Jenkins is a tenant
//! boundary too. By default a tenant's jobs are under the folder named by its code, on the
//! installation's Jenkins (`JENKINS_URL`); the operator may give a tenant another folder root
//! and its own Jenkins connection (`db::tenant_jenkins`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::crypto::credential::CredentialCipher;
use crate::db::{self, DbError, TenantTx};
use crate::jenkins::{Breaker, Jenkins, JenkinsClient, JenkinsConfig, JenkinsError, JobPath, JobPathError};

/// One tenant's Jenkins: the folder its jobs must be inside, and the client to reach them.
pub struct TenantJenkins {
    root: JobPath,
    client: Result<Arc<dyn Jenkins>, JenkinsError>,
}

impl TenantJenkins {
    /// The folder every job of the tenant must be inside.
    pub fn root(&self) -> &JobPath {
        &self.root
    }

    /// `full_name` as a job of this tenant: a valid item path strictly inside its root. Checked
    /// on every write and again before every Jenkins call, so a row written before the rule
    /// (or edited behind GUARDiA's back) is refused at use.
    pub fn job(&self, full_name: &str) -> Result<JobPath, JobPathError> {
        JobPath::parse(full_name)?.inside(&self.root)
    }

    /// The client for this tenant's Jenkins.
    pub fn client(&self) -> Result<Arc<dyn Jenkins>, JenkinsError> {
        self.client.clone()
    }
}

/// Finds each tenant's Jenkins; clients of tenants with their own connection are kept until
/// the operator changes it.
pub struct JenkinsDirectory {
    /// The installation's Jenkins, if `JENKINS_URL` is set.
    default: Option<Arc<dyn Jenkins>>,
    timeout: Duration,
    cipher: CredentialCipher,
    /// Tenant code → the client of its own Jenkins.
    own: Mutex<HashMap<String, OwnClient>>,
}

/// A client built from one version of a tenant's settings.
struct OwnClient {
    /// The settings row it was built from: a new row id means new settings.
    row_id: String,
    client: Arc<dyn Jenkins>,
}

impl JenkinsDirectory {
    pub fn new(default: Option<Arc<dyn Jenkins>>, timeout: Duration, cipher: CredentialCipher) -> Self {
        JenkinsDirectory {
            default,
            timeout,
            cipher,
            own: Mutex::new(HashMap::new()),
        }
    }

    /// The Jenkins of the transaction's tenant (one small read).
    pub async fn for_tenant(&self, tx: &mut TenantTx) -> Result<TenantJenkins, DbError> {
        let settings = db::tenant_jenkins::get(tx).await?;
        let tenant = tx.tenant_id().to_owned();
        Ok(self.resolve(&tenant, settings.as_ref()))
    }

    fn resolve(&self, tenant: &str, settings: Option<&db::tenant_jenkins::TenantJenkins>) -> TenantJenkins {
        let root_name = settings.map_or(tenant, |s| s.folder_root.as_str());
        let root = match JobPath::parse(root_name) {
            Ok(root) => root,
            // Unusable settings reach no job at all.
            Err(e) => {
                return TenantJenkins {
                    root: JobPath::parse(tenant).unwrap_or_else(|_| unreachable_root()),
                    client: Err(JenkinsError::Misconfigured(format!("the folder root: {e}"))),
                };
            }
        };
        let client = match settings.and_then(|s| s.own_connection().map(|c| (s.id.as_str(), c))) {
            None => self.default.clone().ok_or(JenkinsError::NotConfigured),
            Some((row_id, connection)) => self.own_client(tenant, row_id, &connection),
        };
        TenantJenkins { root, client }
    }

    fn own_client(
        &self,
        tenant: &str,
        row_id: &str,
        connection: &db::tenant_jenkins::OwnConnection,
    ) -> Result<Arc<dyn Jenkins>, JenkinsError> {
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(cached) = own.get(tenant)
            && cached.row_id == row_id
        {
            return Ok(cached.client.clone());
        }
        let login = self
            .cipher
            .open_jenkins_login(tenant, &connection.token)
            .map_err(|e| JenkinsError::Misconfigured(e.to_string()))?;
        let url = url::Url::parse(&connection.url)
            .map_err(|_| JenkinsError::Misconfigured("the tenant's Jenkins URL".into()))?;
        let client: Arc<dyn Jenkins> = Arc::new(Breaker::new(
            JenkinsClient::new(JenkinsConfig {
                url,
                user: login.username,
                token: login.password,
                timeout: self.timeout,
            })
            .map_err(JenkinsError::Misconfigured)?,
        ));
        let cached = OwnClient {
            row_id: row_id.to_owned(),
            client: client.clone(),
        };
        own.insert(tenant.to_owned(), cached);
        Ok(client)
    }
}

/// A root no real job lies inside (a tenant code always parses; this is belt and braces).
fn unreachable_root() -> JobPath {
    JobPath::parse("guardia-no-folder").unwrap_or_else(|_| unreachable!("a constant item name"))
}
