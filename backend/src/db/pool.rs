//! The connection pool for either backend, chosen at run time, and `db_run!`, which writes a
//! query once and compiles it for both.

use std::sync::Arc;
use std::time::Duration;

use diesel::ConnectionError;
use diesel::sqlite::SqliteConnection;
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::{FutureExt, StreamExt};

use super::{DatabaseUrl, DbError};

pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;
pub type PgConn = AsyncPgConnection;

/// How long SQLite waits for another writer before answering "database is locked".
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;
const SQLITE_POOL_SIZE: u32 = 8;
const POSTGRES_POOL_SIZE: u32 = 16;
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub enum DbPool {
    Sqlite(Pool<SqliteConn>),
    Postgres(Pool<PgConn>),
}

/// One pooled connection of either backend.
#[expect(
    clippy::large_enum_variant,
    reason = "held in place for a transaction's life; boxing would allocate on every checkout"
)]
pub enum DbConn {
    Sqlite(PooledConnection<'static, SqliteConn>),
    Postgres(PooledConnection<'static, PgConn>),
}

/// Runs one body against whichever backend `$conn` (a `&mut DbConn`) holds; `$c` is the
/// backend's `&mut impl AsyncConnection`. The body is type-checked once per backend.
#[macro_export]
macro_rules! db_run {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite(pooled) => {
                let $c: &mut $crate::db::SqliteConn = &mut **pooled;
                $body
            }
            $crate::db::DbConn::Postgres(pooled) => {
                let $c: &mut $crate::db::PgConn = &mut **pooled;
                $body
            }
        }
    };
}

impl DbPool {
    /// Builds the pool. Migrations must have run (they create the application role).
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, DbError> {
        Self::open(url, false).await
    }

    /// A pool that cannot write: SQLite opens the file read-only, PostgreSQL transactions are
    /// READ ONLY. For the source of `guardia db copy`.
    pub async fn connect_read_only(url: &DatabaseUrl) -> Result<Self, DbError> {
        Self::open(url, true).await
    }

    async fn open(url: &DatabaseUrl, read_only: bool) -> Result<Self, DbError> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                if read_only && !path.exists() {
                    return Err(DbError::Unavailable(format!("{} does not exist", path.display())));
                }
                if !read_only {
                    super::sqlite_file::make_private(path)?;
                }
                let mut config = ManagerConfig::<SqliteConn>::default();
                config.custom_setup = if read_only {
                    Box::new(|path| establish_sqlite_read_only(path).boxed())
                } else {
                    Box::new(|path| establish_sqlite(path).boxed())
                };
                // A local file does not drop connections; skip the per-checkout ping.
                config.recycling_method = RecyclingMethod::Fast;
                // bb8 only logs a failed connection and times out later: try one now, so the
                // cause shows at once.
                let check = if read_only {
                    establish_sqlite_read_only(&path.to_string_lossy()).await
                } else {
                    establish_sqlite(&path.to_string_lossy()).await
                };
                drop(check.map_err(|e| DbError::connect(url, &e))?);
                let manager = AsyncDieselConnectionManager::new_with_config(path.to_string_lossy(), config);
                let pool = Pool::builder()
                    .max_size(SQLITE_POOL_SIZE)
                    .connection_timeout(CHECKOUT_TIMEOUT)
                    .build(manager)
                    .await
                    .map_err(|e| unavailable(url, e))?;
                Ok(DbPool::Sqlite(pool))
            }
            DatabaseUrl::Postgres(raw) => {
                let role = super::role::app_role(raw)?;
                // As for SQLite: one connection now names a wrong password, user, database or
                // port at once instead of a pool timeout later.
                drop(
                    establish_postgres_as_app(raw, &role)
                        .await
                        .map_err(|e| DbError::connect(url, &e))?,
                );
                let mut config = ManagerConfig::<PgConn>::default();
                // No liveness ping per checkout (one round trip per request): a dropped
                // connection shows as broken after a failed query and is replaced then.
                config.recycling_method = RecyclingMethod::Fast;
                config.custom_setup = Box::new(move |raw| {
                    let role = role.clone();
                    async move {
                        let mut conn = establish_postgres_as_app(raw, &role).await?;
                        if read_only {
                            conn.batch_execute("SET default_transaction_read_only = on")
                                .await
                                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                        }
                        Ok(conn)
                    }
                    .boxed()
                });
                let manager = AsyncDieselConnectionManager::new_with_config(raw.clone(), config);
                let pool = Pool::builder()
                    .max_size(POSTGRES_POOL_SIZE)
                    .connection_timeout(CHECKOUT_TIMEOUT)
                    .build(manager)
                    .await
                    .map_err(|e| unavailable(url, e))?;
                Ok(DbPool::Postgres(pool))
            }
        }
    }

    /// Takes a connection from the pool (waits at most the checkout timeout).
    pub async fn get(&self) -> Result<DbConn, DbError> {
        Ok(match self {
            DbPool::Sqlite(pool) => DbConn::Sqlite(pool.get_owned().await?),
            DbPool::Postgres(pool) => DbConn::Postgres(pool.get_owned().await?),
        })
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DbPool::Sqlite(_) => "SQLite",
            DbPool::Postgres(_) => "PostgreSQL",
        }
    }
}

fn unavailable(url: &DatabaseUrl, error: impl std::fmt::Display) -> DbError {
    DbError::Unavailable(format!("cannot reach the database at {url}: {error}"))
}

/// Counts every SQL statement sent (`guardia_sql_statements_total` in `/metrics`), so the cost
/// of a request in statements can be measured from outside.
struct StatementCounter;

impl diesel::connection::Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
            metrics::counter!("guardia_sql_statements_total").increment(1);
        }
    }
}

/// Opens a SQLite file that no statement can change (`mode=ro` and `query_only`).
pub(crate) async fn establish_sqlite_read_only(path: &str) -> diesel::ConnectionResult<SqliteConn> {
    // A URI filename: characters with a meaning in URIs are percent-encoded.
    let encoded: String = path
        .chars()
        .map(|c| match c {
            '%' | '?' | '#' => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect();
    let mut conn = SqliteConn::establish(&format!("file:{encoded}?mode=ro")).await?;
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA query_only = ON;"
    ))
    .await
    .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

/// Opens a SQLite file with the settings every GUARDiA connection needs. `PRAGMA optimize`
/// gathers planner statistics where they are missing or stale (without them a CUSTOMER's SR
/// list scans the whole tenant instead of using the requester index).
pub(crate) async fn establish_sqlite(path: &str) -> diesel::ConnectionResult<SqliteConn> {
    let mut conn = SqliteConn::establish(path).await?;
    conn.set_instrumentation(StatementCounter);
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
         PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA optimize = 0x10002;"
    ))
    .await
    .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

/// Opens a PostgreSQL connection as the login user (migrations, tests of the catalog).
/// TLS through rustls when the URL asks for it (`sslmode=require`); no libpq, no OpenSSL.
pub(crate) async fn establish_postgres(raw: &str) -> diesel::ConnectionResult<PgConn> {
    use tokio_postgres::config::SslMode;

    let config: tokio_postgres::Config = raw
        .parse()
        .map_err(|e: tokio_postgres::Error| ConnectionError::BadConnection(cause(&e)))?;
    let bad = |e: tokio_postgres::Error| ConnectionError::BadConnection(cause(&e));
    if matches!(config.get_ssl_mode(), SslMode::Disable | SslMode::Prefer) {
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(bad)?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    } else {
        let (client, connection) = config.connect(rustls_connector()).await.map_err(bad)?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }
}

/// A pooled application connection: the login user, switched to the installation's RLS-bound
/// role (a plain identifier, checked by `role::app_role`).
async fn establish_postgres_as_app(raw: &str, role: &str) -> diesel::ConnectionResult<PgConn> {
    let mut conn = establish_postgres(raw).await?;
    conn.set_instrumentation(StatementCounter);
    // The statement timeout bounds any query to the API's own execution timeout. Generic
    // plans: every statement is prepared once per connection, and with row-level security
    // PostgreSQL would otherwise plan most of them again at every execution (a tenth of a
    // millisecond each), though every query leads with `tenant_id` on an index that does too.
    conn.batch_execute(&format!(
        "SET ROLE \"{role}\"; SET statement_timeout = '10s'; SET plan_cache_mode = force_generic_plan"
    ))
    .await
    .map_err(|e| {
        ConnectionError::BadConnection(format!(
            "SET ROLE {role} failed: {e} (the login must be a member of the installation's role: \
                 see GUARDIA_DB_ROLE and the PostgreSQL set-up)"
        ))
    })?;
    Ok(conn)
}

/// What went wrong, in one line: the server's own message when it answered (tokio-postgres'
/// Display says only "db error" then), else the error and its causes ("error connecting to
/// server: Connection refused").
pub(crate) fn cause(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return db.message().to_owned();
    }
    let mut line = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        let text = inner.to_string();
        if !line.contains(&text) {
            line = format!("{line}: {text}");
        }
        source = inner.source();
    }
    line
}

fn rustls_connector() -> tokio_postgres_rustls::MakeRustlsConnect {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_postgres_rustls::MakeRustlsConnect::new(config)
}

/// The notifications and errors a raw connection receives.
pub(crate) type Messages = tokio::sync::mpsc::UnboundedReceiver<Result<tokio_postgres::AsyncMessage, String>>;

/// A raw tokio-postgres connection for LISTEN (TLS as for the pool). The connection is driven
/// by its own task, which forwards what arrives; it ends when the connection does.
pub(crate) async fn connect_listener(raw: &str) -> Result<(tokio_postgres::Client, Messages), String> {
    use tokio_postgres::config::SslMode;

    let config: tokio_postgres::Config = raw.parse().map_err(|e: tokio_postgres::Error| cause(&e))?;
    fn drive<S, T>(mut connection: tokio_postgres::Connection<S, T>) -> Messages
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(message) = messages.next().await {
                if sender.send(message.map_err(|e| e.to_string())).is_err() {
                    return;
                }
            }
        });
        receiver
    }
    if matches!(config.get_ssl_mode(), SslMode::Disable | SslMode::Prefer) {
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| cause(&e))?;
        Ok((client, drive(connection)))
    } else {
        let (client, connection) = config.connect(rustls_connector()).await.map_err(|e| cause(&e))?;
        Ok((client, drive(connection)))
    }
}
