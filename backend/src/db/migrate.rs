//! Embedded migrations for both backends (`migrations/{sqlite,postgres}`), run at start-up and
//! by `guardia migrate`. They run as the login user, not as the RLS-bound application role;
//! on PostgreSQL they read that role's name from the session setting `guardia.app_role`.

use diesel_async::SimpleAsyncConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::pool::{PgConn, SqliteConn, establish_postgres, establish_sqlite};
use super::role::app_role;
use super::{DatabaseUrl, DbError, sqlite_file};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Serialises migrations of several `guardia` processes starting on one PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x0067_7561_7264_6961; // "guardia" in ASCII

/// Which way to move the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Apply every pending migration.
    Up,
    /// Revert every applied migration (tests only: it drops all data).
    DownAll,
}

/// Applies pending migrations; returns the versions applied now (empty when up to date).
pub async fn run_pending(url: &DatabaseUrl) -> Result<Vec<String>, DbError> {
    migrate(url, Direction::Up).await
}

pub async fn migrate(url: &DatabaseUrl, direction: Direction) -> Result<Vec<String>, DbError> {
    let unreachable =
        |e: diesel::ConnectionError| DbError::Unavailable(format!("cannot reach the database at {url}: {e}"));
    match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
                && !parent.is_dir()
            {
                return Err(DbError::Config(format!(
                    "cannot create the SQLite database {url}: the folder {} does not exist",
                    parent.display()
                )));
            }
            sqlite_file::make_private(path)?;
            let mut conn = establish_sqlite(&path.to_string_lossy())
                .await
                .map_err(unreachable)?;
            // WAL lets readers work while one writer commits; it is stored in the file.
            conn.batch_execute("PRAGMA journal_mode = WAL;").await?;
            apply::<SqliteConn>(conn, SQLITE_MIGRATIONS, direction).await
        }
        DatabaseUrl::Postgres(raw) => {
            let role = app_role(raw)?;
            let mut conn = establish_postgres(raw).await.map_err(unreachable)?;
            // The migrations grant to the role this session setting names (a plain identifier).
            conn.batch_execute(&format!(
                "SELECT pg_advisory_lock({MIGRATION_LOCK_KEY}); SET guardia.app_role = '{role}'"
            ))
            .await?;
            // The lock is per session: it ends with this connection, also on error.
            apply::<PgConn>(conn, POSTGRES_MIGRATIONS, direction).await
        }
    }
}

async fn apply<C>(
    conn: C,
    migrations: EmbeddedMigrations,
    direction: Direction,
) -> Result<Vec<String>, DbError>
where
    C: diesel_async::AsyncConnection + 'static,
    EmbeddedMigrations: diesel::migration::MigrationSource<C::Backend>,
    AsyncConnectionWrapper<C>: diesel::Connection<Backend = C::Backend> + MigrationHarness<C::Backend>,
{
    // The harness is synchronous: run it on a blocking thread of the multi-threaded runtime.
    tokio::task::spawn_blocking(move || {
        let mut harness = AsyncConnectionWrapper::<C>::from(conn);
        let versions = match direction {
            Direction::Up => harness.run_pending_migrations(migrations),
            Direction::DownAll => harness.revert_all_migrations(migrations),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(versions.iter().map(ToString::to_string).collect())
    })
    .await
    .map_err(|e| DbError::Migration(format!("migration task failed: {e}")))?
}
