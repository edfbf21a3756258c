//! Test harness: a fresh database per test on either backend, the real `guardia` binary as a
//! child process, and a headless Chromium for browser tests.
//!
//! PostgreSQL comes from `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! each test creates and drops its own database there. A missing PostgreSQL fails the tests.

pub mod api;
mod browser;
mod database;
pub mod process;
pub mod subscription;

pub use api::{World, gql_ok};
pub use browser::Browser;
pub use database::{
    Backend, BadUrl, TestDb, admin_client, admin_url, bad_postgres_urls, pg_tables, run_as_admin_from_drop,
};
pub use process::{Guardia, GuardiaOptions, guardia_bin, run_cli, workspace_root};

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
