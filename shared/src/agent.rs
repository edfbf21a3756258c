//! Agents installed on a tenant's servers.

use crate::text_enum::text_enum;

/// An agent is ONLINE while its last heartbeat is younger than this.
pub const ONLINE_WINDOW_SECONDS: i64 = 120;

text_enum! {
    /// Whether an agent has reported recently.
    AgentStatus {
        Online => "ONLINE",
        Offline => "OFFLINE",
    }
}
