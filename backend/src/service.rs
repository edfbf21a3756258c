//! Use cases that more than one entry point runs (GraphQL, the worker, the CLI): they know
//! storage and Jenkins, not GraphQL.

pub mod jenkins_settings;
pub mod trigger;
