//! GUARDiA ITSM server as a library: the `guardia` binary and the integration tests both
//! build the application from here. Layers: `db` (storage), `auth`, `http`; `cli` wires them.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod events;
pub mod graphql;
pub mod http;
pub mod jenkins;
pub mod private_file;
pub mod scheduler;
pub mod service;
pub mod sla;
pub mod sla_watch;
pub mod telemetry;
pub mod tenant_jenkins;
pub mod worker;
