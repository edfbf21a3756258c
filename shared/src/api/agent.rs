//! The agents page.

use serde::Deserialize;

use super::{Named, documents};
use crate::agent::AgentStatus;

documents! {
    AGENTS = "query Agents { agents { id name status version lastHeartbeatAt server { name } } }";
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AgentsData {
    pub agents: Vec<Agent>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub status: AgentStatus,
    pub version: Option<String>,
    pub last_heartbeat_at: Option<String>,
    pub server: Named,
}
