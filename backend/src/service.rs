//! Use cases that more than one entry point runs (GraphQL, the worker, the CLI, the demo):
//! they know storage and Jenkins, not GraphQL.

pub mod audit;
pub mod deploy;
pub mod jenkins_settings;
pub mod sla;
pub mod tenant;
pub mod trigger;
pub mod user;
