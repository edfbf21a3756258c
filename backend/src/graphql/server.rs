//! Servers: list, read, manage, and their sealed credential (read by ADMIN and
//! DEPLOY_ENGINEER only, every read and write audited).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use guardia_shared::Permission;

use super::audit_trail::record;
use super::context::{self, services, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::Require;
use super::pagination::{connection, page_request};
use super::validate;
use crate::crypto::credential::Credential;
use crate::db::{self, Access};

const NAME_MAX: usize = 100;
const LABEL_MAX: usize = 100;

pub struct Server(pub db::server::Server);

impl From<db::server::Server> for Server {
    fn from(row: db::server::Server) -> Self {
        Server(row)
    }
}

impl Server {
    pub fn row_id(&self) -> &str {
        &self.0.id
    }
}

#[derive(SimpleObject)]
pub struct ServerCredential {
    pub username: String,
    pub password: String,
}

#[Object]
impl Server {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn host(&self) -> &str {
        &self.0.host
    }
    async fn os(&self) -> Option<&str> {
        self.0.os.as_deref()
    }
    async fn environment(&self) -> Option<&str> {
        self.0.environment.as_deref()
    }
    /// Whether a credential is stored (visible to everyone who may read servers).
    async fn has_credential(&self) -> bool {
        self.0.sealed_credential().is_some()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }
    /// The login for this server; every read is written to the audit log.
    #[graphql(guard = "Require(Permission::ServerCredentialRead)")]
    async fn credential(&self, ctx: &Context<'_>) -> ApiResult<Option<ServerCredential>> {
        let Some(sealed) = self.0.sealed_credential() else {
            return Ok(None);
        };
        let opened = services(ctx).cipher.open(&self.0.tenant_id, &self.0.id, &sealed);
        let actor = session(ctx)?.user_id.clone();
        let outcome = if opened.is_ok() {
            "success"
        } else {
            "failure: cannot decrypt"
        };
        let entry = db::audit::NewAuditEntry {
            actor_id: Some(&actor),
            action: "server.credential.read",
            target: Some(&self.0.id),
            outcome,
            detail: None,
        };
        if context::writes(ctx) {
            // Inside a mutation: its transaction holds the write lock (SQLite); record there.
            db::audit::record(&mut *tx(ctx).await?, entry).await?;
        } else {
            // A query: audited in its own transaction, so the read is recorded even if the
            // rest of the request fails.
            let mut audit = services(ctx)
                .pool
                .tenant_tx(&self.0.tenant_id, Access::Write)
                .await?;
            db::audit::record(&mut audit, entry).await?;
            audit.commit().await?;
        }
        let credential = opened.map_err(|e| {
            tracing::error!(server = %self.0.id, "{e}");
            ApiError::internal()
        })?;
        Ok(Some(ServerCredential {
            username: credential.username,
            password: credential.password,
        }))
    }
}

async fn count_servers(ctx: &Context<'_>, _: &()) -> ApiResult<i64> {
    Ok(db::server::count(&mut *context::tx(ctx).await?).await?)
}

connection!(ServerConnection, ServerEdge, Server, (), count_servers);

#[derive(InputObject)]
pub struct CreateServerInput {
    pub name: String,
    pub host: String,
    pub os: Option<String>,
    pub environment: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateServerInput {
    pub name: Option<String>,
    pub host: Option<String>,
    pub os: Option<String>,
    pub environment: Option<String>,
}

#[derive(Default)]
pub struct ServerQuery;

#[Object]
impl ServerQuery {
    #[graphql(
        guard = "Require(Permission::ServerRead)",
        complexity = "super::pagination::weight(first, 20, child_complexity)"
    )]
    async fn servers(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(20)")] first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<ServerConnection> {
        let page = page_request(first, after.as_deref())?;
        let rows = db::server::list(&mut *tx(ctx).await?, &page).await?;
        Ok(ServerConnection::new(rows, ()))
    }

    #[graphql(guard = "Require(Permission::ServerRead)")]
    async fn server(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Server> {
        Ok(Server(db::server::get(&mut *tx(ctx).await?, &id).await?))
    }
}

#[derive(Default)]
pub struct ServerMutation;

#[Object]
impl ServerMutation {
    #[graphql(guard = "Require(Permission::ServerManage)")]
    async fn create_server(&self, ctx: &Context<'_>, input: CreateServerInput) -> ApiResult<Server> {
        let name = validate::text("name", &input.name, 1, NAME_MAX)?;
        let host = validate::host(&input.host)?;
        let os = validate::optional_text("os", input.os.as_deref(), LABEL_MAX)?;
        let environment = validate::optional_text("environment", input.environment.as_deref(), LABEL_MAX)?;
        let mut tx = tx(ctx).await?;
        let new = db::server::NewServer {
            name: &name,
            host: &host,
            os: os.as_deref(),
            environment: environment.as_deref(),
        };
        let server = db::server::create(&mut tx, new).await?;
        record(&mut tx, ctx, "server.create", &server.id).await?;
        Ok(Server(server))
    }

    /// Changes the given fields; an empty `os` or `environment` clears it.
    #[graphql(guard = "Require(Permission::ServerManage)")]
    async fn update_server(&self, ctx: &Context<'_>, id: ID, input: UpdateServerInput) -> ApiResult<Server> {
        let changes = db::server::ServerChanges {
            name: input
                .name
                .as_deref()
                .map(|n| validate::text("name", n, 1, NAME_MAX))
                .transpose()?,
            host: input.host.as_deref().map(validate::host).transpose()?,
            os: input
                .os
                .as_deref()
                .map(|v| validate::optional_text("os", Some(v), LABEL_MAX))
                .transpose()?,
            environment: input
                .environment
                .as_deref()
                .map(|v| validate::optional_text("environment", Some(v), LABEL_MAX))
                .transpose()?,
        };
        let mut tx = tx(ctx).await?;
        let server = db::server::update(&mut tx, &id, &changes).await?;
        record(&mut tx, ctx, "server.update", &server.id).await?;
        Ok(Server(server))
    }

    /// Deletes a server and its agents (their tokens stop working).
    #[graphql(guard = "Require(Permission::ServerManage)")]
    async fn delete_server(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let mut tx = tx(ctx).await?;
        db::server::delete(&mut tx, &id).await?;
        record(&mut tx, ctx, "server.delete", &id).await?;
        Ok(id)
    }

    /// Stores the server's login, encrypted; replaces any earlier one.
    #[graphql(guard = "Require(Permission::ServerCredentialRead)")]
    async fn set_server_credential(
        &self,
        ctx: &Context<'_>,
        server_id: ID,
        username: String,
        password: String,
    ) -> ApiResult<Server> {
        let username = validate::text("username", &username, 1, 200)?;
        if password.is_empty() || password.len() > 4096 {
            return Err(ApiError::bad_input("`password` must be 1 to 4096 bytes"));
        }
        let mut tx = tx(ctx).await?;
        let server = db::server::get(&mut tx, &server_id).await?;
        let sealed =
            services(ctx)
                .cipher
                .seal(&server.tenant_id, &server.id, &Credential { username, password });
        let server = db::server::set_credential(&mut tx, &server.id, Some(&sealed)).await?;
        record(&mut tx, ctx, "server.credential.write", &server.id).await?;
        Ok(Server(server))
    }
}
