//! Types used by both the `guardia` server and the web app, and the permission table.
//!
//! Compiles for wasm32 without features; the backend enables `diesel` to store the enums.

mod text_enum;

pub mod agent;
pub mod api;
pub mod deploy;
pub mod error_code;
pub mod permission;
pub mod role;
pub mod sla;
pub mod sr;
pub mod tenant;
pub mod user;

pub use error_code::ErrorCode;
pub use permission::{Permission, allows};
pub use role::Role;
pub use text_enum::UnknownVariant;
