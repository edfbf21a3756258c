//! Embedded migrations for both backends (`migrations/{sqlite,postgres}`), run at start-up and
//! by `guardia migrate`. They run as the login user, not as the RLS-bound application role;
//! on PostgreSQL they read that role's name from the session setting `guardia.app_role`.

use diesel::migration::MigrationSource;
use diesel::sql_types::{Bool, Text};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::pool::{PgConn, SqliteConn, establish_postgres, establish_sqlite, establish_sqlite_read_only};
use super::role::{app_role, check_rights};
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
    /// Revert the last applied migration (tests of an upgrade from the version before).
    DownOne,
}

/// Applies pending migrations; returns the versions applied now (empty when up to date).
pub async fn run_pending(url: &DatabaseUrl) -> Result<Vec<String>, DbError> {
    migrate(url, Direction::Up).await
}

/// Whether `url` could be migrated, found without writing anything: the SQLite file's folder
/// exists; the PostgreSQL login connects and has the rights the migrations need.
pub async fn check_can_migrate(url: &DatabaseUrl) -> Result<(), DbError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            check_sqlite_folder(url, path)?;
            if path.exists() {
                establish_sqlite_read_only(&path.to_string_lossy())
                    .await
                    .map_err(|e| DbError::connect(url, &e))?;
            }
            Ok(())
        }
        DatabaseUrl::Postgres(raw) => {
            let role = app_role(raw)?;
            let mut conn = establish_postgres(raw)
                .await
                .map_err(|e| DbError::connect(url, &e))?;
            check_rights(&mut conn, &role).await
        }
    }
}

fn check_sqlite_folder(url: &DatabaseUrl, path: &std::path::Path) -> Result<(), DbError> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) if !parent.is_dir() => Err(DbError::Config(format!(
            "cannot create the SQLite database {url}: the folder {} does not exist",
            parent.display()
        ))),
        _ => Ok(()),
    }
}

#[derive(diesel::QueryableByName)]
struct Present {
    #[diesel(sql_type = Bool)]
    present: bool,
}

#[derive(diesel::QueryableByName)]
struct Applied {
    #[diesel(sql_type = Text)]
    version: String,
}

/// How a database's schema stands against this binary's migrations, read without writing
/// (SQLite read-only; on PostgreSQL as the login, which owns the migrations' table).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SchemaState {
    /// How many migrations the database has applied (0: no GUARDiA schema at all).
    pub applied: usize,
    /// How many migrations this version has.
    pub known: usize,
    /// This version's migrations the database lacks.
    pub missing: Vec<String>,
    /// Migrations the database has that this version does not know (a newer GUARDiA).
    pub unknown: Vec<String>,
}

pub async fn schema_state(url: &DatabaseUrl) -> Result<SchemaState, DbError> {
    const TABLE: &str = "__diesel_schema_migrations";
    let (applied, known) = match url {
        DatabaseUrl::Sqlite(path) => {
            let mut conn = establish_sqlite_read_only(&path.to_string_lossy())
                .await
                .map_err(|e| DbError::connect(url, &e))?;
            let present: Present = diesel::sql_query(format!(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}') AS present"
            ))
            .get_result(&mut conn)
            .await?;
            let applied: Vec<Applied> = if present.present {
                diesel::sql_query(format!("SELECT version FROM {TABLE}"))
                    .load(&mut conn)
                    .await?
            } else {
                Vec::new()
            };
            (applied, versions::<diesel::sqlite::Sqlite>(&SQLITE_MIGRATIONS)?)
        }
        DatabaseUrl::Postgres(raw) => {
            let mut conn = establish_postgres(raw)
                .await
                .map_err(|e| DbError::connect(url, &e))?;
            let present: Present =
                diesel::sql_query(format!("SELECT to_regclass('{TABLE}') IS NOT NULL AS present"))
                    .get_result(&mut conn)
                    .await?;
            let applied: Vec<Applied> = if present.present {
                diesel::sql_query(format!("SELECT version::text AS version FROM {TABLE}"))
                    .load(&mut conn)
                    .await?
            } else {
                Vec::new()
            };
            (applied, versions::<diesel::pg::Pg>(&POSTGRES_MIGRATIONS)?)
        }
    };
    let applied: Vec<String> = applied.into_iter().map(|a| a.version).collect();
    Ok(SchemaState {
        applied: applied.len(),
        known: known.len(),
        missing: known.iter().filter(|v| !applied.contains(v)).cloned().collect(),
        unknown: applied.into_iter().filter(|v| !known.contains(v)).collect(),
    })
}

fn versions<DB: diesel::backend::Backend>(source: &EmbeddedMigrations) -> Result<Vec<String>, DbError>
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    let migrations =
        MigrationSource::<DB>::migrations(source).map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

pub async fn migrate(url: &DatabaseUrl, direction: Direction) -> Result<Vec<String>, DbError> {
    let unreachable = |e: diesel::ConnectionError| DbError::connect(url, &e);
    match url {
        DatabaseUrl::Sqlite(path) => {
            check_sqlite_folder(url, path)?;
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
            if direction == Direction::Up {
                check_rights(&mut conn, &role).await?;
            }
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
            Direction::DownOne => harness.revert_last_migration(migrations).map(|v| vec![v]),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(versions.iter().map(ToString::to_string).collect())
    })
    .await
    .map_err(|e| DbError::Migration(format!("migration task failed: {e}")))?
}
