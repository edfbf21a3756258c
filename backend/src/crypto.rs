//! Secrets at rest: server credentials sealed with AES-256-GCM, and agent tokens kept as
//! SHA-256 hashes.

pub mod agent_token;
pub mod credential;
