//! Events for subscriptions, published after a change commits and fanned out to this
//! process's subscribers and, on PostgreSQL, to every other `guardia` process through
//! LISTEN/NOTIFY: deployment changes and service-level alerts.

pub mod deploy;
pub mod sla;

pub use deploy::{DeployEvents, DeploymentSnapshot};
pub use sla::{SlaAlertEvent, SlaEvents};
