//! One file per page.

pub mod agents;
pub mod batch;
pub mod dashboard;
pub mod deploys;
pub mod login;
pub mod not_found;
pub mod password;
pub mod servers;
pub mod sla_report;
pub mod sr_detail;
pub mod srs;
pub mod users;
