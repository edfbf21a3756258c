//! Every GraphQL operation the web app sends, beside the shape of its answer.
//!
//! The documents live in this crate so that the backend's tests can check each one against
//! `backend/schema.graphql` (`backend/tests/documents.rs`): a renamed or removed field fails a
//! test instead of rendering blank. The answer types name the fields each document asks for,
//! with the shared enums where the API has one.

mod connection;

pub mod account;
pub mod agent;
pub mod batch;
pub mod dashboard;
pub mod deploy;
pub mod server;
pub mod sla;
pub mod sr;
pub mod user;

pub use connection::{Connection, Edge, Id, Named, PageInfo};

/// Declares each document as a `pub const` and lists them all in `DOCUMENTS` (name, text).
macro_rules! documents {
    ($($(#[$meta:meta])* $name:ident = $text:expr;)+) => {
        $($(#[$meta])* pub const $name: &str = $text;)+
        /// Every document of this module, by name.
        pub const DOCUMENTS: &[(&str, &str)] = &[$((stringify!($name), $name)),+];
    };
}
pub(crate) use documents;

/// Every document the web app sends, named `module::NAME`.
pub fn all_documents() -> Vec<(String, &'static str)> {
    let modules: [(&str, &[(&str, &str)]); 9] = [
        ("account", account::DOCUMENTS),
        ("agent", agent::DOCUMENTS),
        ("batch", batch::DOCUMENTS),
        ("dashboard", dashboard::DOCUMENTS),
        ("deploy", deploy::DOCUMENTS),
        ("server", server::DOCUMENTS),
        ("sla", sla::DOCUMENTS),
        ("sr", sr::DOCUMENTS),
        ("user", user::DOCUMENTS),
    ];
    modules
        .into_iter()
        .flat_map(|(module, documents)| {
            documents
                .iter()
                .map(move |(name, text)| (format!("{module}::{name}"), *text))
        })
        .collect()
}
