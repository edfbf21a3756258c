//! Test harness: a fresh database per test on either backend (copied from a migrated template),
//! the real application served in-process (or the `guardia` binary as a child process where the
//! process is under test), and a headless Chromium for browser tests.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! each test creates and drops its own database there. A missing PostgreSQL fails the tests.

pub mod api;
mod browser;
mod database;
pub mod fixtures;
pub mod process;
mod server;
pub mod subscription;

pub use api::{World, gql_ok};
pub use browser::Browser;
pub use database::{
    Backend, BadUrl, TestDb, admin_client, admin_url, bad_postgres_urls, pg_tables, run_as_admin_from_drop,
};
pub use process::{guardia_bin, run_cli, workspace_root};
pub use server::{Guardia, GuardiaOptions, test_secrets};

/// Generates `sqlite::NAME` and `postgres::NAME` tests from `async fn NAME(backend: Backend)`,
/// so every storage and API test runs on both backends (and nextest can filter by backend).
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )+
        }
    };
}
