//! Authentication: password hashes (and the bound on how many run at once), signed session
//! tokens, the per-request check of a token against its user row (and the facts it last
//! read), the login failure limiter, and signed artifact links.

pub mod artifact_link;
pub mod bearer;
pub mod hash_gate;
pub mod login_limiter;
pub mod password;
pub mod session;
pub mod session_cache;
pub mod token;

pub use session::Session;
