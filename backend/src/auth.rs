//! Authentication: password hashes, signed session tokens, the per-request check of a token
//! against its user row, the login failure limiter, and signed artifact links.

pub mod artifact_link;
pub mod login_limiter;
pub mod password;
pub mod session;
pub mod token;

pub use session::Session;
