//! One isolated database per test: a temp SQLite file, or a fresh PostgreSQL database.

use std::path::PathBuf;

use guardia_backend::db::{self, DatabaseUrl, DbPool};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub backend: Backend,
    url: String,
    /// Keeps the SQLite file's folder (and the test's working files) alive.
    dir: tempfile::TempDir,
    pg_name: Option<String>,
}

/// The PostgreSQL server URL tests create their databases on.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

pub async fn admin_client() -> tokio_postgres::Client {
    let url = admin_url();
    let (client, connection) = match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
        Ok(pair) => pair,
        Err(e) => panic!(
            "PostgreSQL is required for the tests and did not answer at {} ({e}). Start it \
             (e.g. `pg_ctlcluster 15 main start`) or set TEST_DATABASE_URL.",
            db::mask_password(&url)
        ),
    };
    tokio::spawn(connection);
    client
}

impl TestDb {
    /// An empty database (no migrations run).
    pub async fn empty(backend: Backend) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("guardia-test-")
            .tempdir()
            .expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("guardia.db").display());
                TestDb {
                    backend,
                    url,
                    dir,
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let name = format!("guardia_t_{}", uuid::Uuid::now_v7().simple());
                admin_client()
                    .await
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create the test database");
                let mut url = url::Url::parse(&admin_url()).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                TestDb {
                    backend,
                    url: url.to_string(),
                    dir,
                    pg_name: Some(name),
                }
            }
        }
    }

    /// A database with every migration applied.
    pub async fn migrated(backend: Backend) -> Self {
        let test_db = Self::empty(backend).await;
        db::run_pending(&test_db.database_url())
            .await
            .expect("migrations apply");
        test_db
    }

    /// A migrated database and a pool on it (as the application connects: RLS-bound role).
    pub async fn with_pool(backend: Backend) -> (Self, DbPool) {
        let test_db = Self::migrated(backend).await;
        let pool = DbPool::connect(&test_db.database_url())
            .await
            .expect("pool connects");
        (test_db, pool)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(Some(&self.url)).expect("test URL parses")
    }

    /// A private working directory for processes of this test.
    pub fn workdir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// The PostgreSQL database name (None on SQLite).
    pub fn pg_name(&self) -> Option<&str> {
        self.pg_name.as_deref()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // The installation's role, when it was derived from this database (not a configured
        // one other tests may share): roles outlive their database.
        let derived = db::derived_role(&name);
        let role = db::app_role(&self.url).ok().filter(|role| *role == derived);
        // Drop may run inside a runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let (client, connection) = tokio_postgres::connect(&admin_url(), tokio_postgres::NoTls)
                    .await
                    .ok()?;
                tokio::spawn(connection);
                client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()?;
                if let Some(role) = role {
                    client
                        .batch_execute(&format!("DROP ROLE IF EXISTS \"{role}\""))
                        .await
                        .ok()?;
                }
                Some(())
            })
        })
        .join();
    }
}
