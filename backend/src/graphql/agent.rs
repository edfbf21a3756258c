//! Agents on a tenant's servers: registration (the token is shown once), renaming, moving,
//! deleting (revokes the token); ONLINE while the last heartbeat is under two minutes old.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use guardia_shared::Permission;
use guardia_shared::agent::{AgentStatus, ONLINE_WINDOW_SECONDS};

use super::audit_trail::record;
use super::context::{self, tx};
use super::error::{ApiError, ApiResult};
use super::guard::Require;
use super::server::Server;
use super::validate;
use crate::crypto::agent_token;
use crate::db;

pub struct Agent(pub db::agent::Agent);

#[Object]
impl Agent {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn server(&self, ctx: &Context<'_>) -> ApiResult<Server> {
        context::loaders(ctx)?
            .servers
            .load_one(self.0.server_id.clone())
            .await?
            .map(Server)
            .ok_or_else(|| ApiError::not_found("server"))
    }
    async fn status(&self) -> AgentStatus {
        status_at(self.0.last_heartbeat_at.map(|t| t.and_utc()), Utc::now())
    }
    async fn version(&self) -> Option<&str> {
        self.0.version.as_deref()
    }
    async fn hostname(&self) -> Option<&str> {
        self.0.hostname.as_deref()
    }
    async fn last_heartbeat_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_heartbeat_at.map(|t| t.and_utc())
    }
}

pub fn status_at(last_heartbeat: Option<DateTime<Utc>>, now: DateTime<Utc>) -> AgentStatus {
    match last_heartbeat {
        Some(at) if (now - at).num_seconds() < ONLINE_WINDOW_SECONDS => AgentStatus::Online,
        _ => AgentStatus::Offline,
    }
}

/// A new agent and its token, which is shown this once and stored only as a hash.
#[derive(SimpleObject)]
pub struct AgentRegistration {
    pub agent: Agent,
    pub token: String,
}

#[derive(InputObject)]
pub struct RegisterAgentInput {
    pub server_id: ID,
    pub name: String,
}

#[derive(InputObject)]
pub struct UpdateAgentInput {
    pub name: Option<String>,
    pub server_id: Option<ID>,
}

#[derive(Default)]
pub struct AgentQuery;

#[Object]
impl AgentQuery {
    #[graphql(guard = "Require(Permission::BatchAgentRead)")]
    async fn agents(&self, ctx: &Context<'_>) -> ApiResult<Vec<Agent>> {
        Ok(db::agent::list(&mut *tx(ctx).await?)
            .await?
            .into_iter()
            .map(Agent)
            .collect())
    }
}

#[derive(Default)]
pub struct AgentMutation;

#[Object]
impl AgentMutation {
    #[graphql(guard = "Require(Permission::AgentManage)")]
    async fn register_agent(
        &self,
        ctx: &Context<'_>,
        input: RegisterAgentInput,
    ) -> ApiResult<AgentRegistration> {
        let name = validate::text("name", &input.name, 1, 100)?;
        let mut tx = tx(ctx).await?;
        let server = db::server::get(&mut tx, &input.server_id).await?;
        let id = db::new_id();
        let (token, token_hash) = agent_token::issue(tx.tenant_id(), &id);
        let new = db::agent::NewAgent {
            id: &id,
            server_id: &server.id,
            name: &name,
            token_hash: &token_hash,
        };
        let agent = db::agent::create(&mut tx, new).await?;
        record(&mut tx, ctx, "agent.register", &agent.id).await?;
        Ok(AgentRegistration {
            agent: Agent(agent),
            token,
        })
    }

    #[graphql(guard = "Require(Permission::AgentManage)")]
    async fn update_agent(&self, ctx: &Context<'_>, id: ID, input: UpdateAgentInput) -> ApiResult<Agent> {
        let mut tx = tx(ctx).await?;
        let current = db::agent::get(&mut tx, &id).await?;
        let mut changes = db::agent::AgentChanges::default();
        if let Some(name) = &input.name {
            changes.name = Some(validate::text("name", name, 1, 100)?);
        }
        if let Some(server_id) = &input.server_id {
            let server = db::server::get(&mut tx, server_id).await?;
            changes.server_id = Some(server.id);
        }
        let agent = db::agent::update(&mut tx, &current.id, &changes).await?;
        record(&mut tx, ctx, "agent.update", &agent.id).await?;
        Ok(Agent(agent))
    }

    /// Deletes an agent; its token stops working at once.
    #[graphql(guard = "Require(Permission::AgentManage)")]
    async fn delete_agent(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let mut tx = tx(ctx).await?;
        db::agent::delete(&mut tx, &id).await?;
        record(&mut tx, ctx, "agent.delete", &id).await?;
        Ok(id)
    }
}
