//! One isolated database per test: a temp SQLite file, or a fresh PostgreSQL database; migrated
//! ones are copied from a template (see `template`).

use std::path::PathBuf;

use guardia_backend::db::{self, DatabaseUrl, DbPool};

mod template;

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

/// The URL of the database `name` on the test PostgreSQL server, as its superuser.
pub fn postgres_url(name: &str) -> String {
    let mut url = url::Url::parse(&admin_url()).expect("TEST_DATABASE_URL is a URL");
    url.set_path(name);
    url.to_string()
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
        Self::create(backend, None).await
    }

    /// An empty database whose text collation is `locale` (e.g. "en-US") on PostgreSQL: the
    /// libc locale when the system has it, else ICU's. SQLite has no database collation.
    pub async fn empty_collated(backend: Backend, locale: &str) -> Self {
        Self::create(backend, Some(locale)).await
    }

    async fn create(backend: Backend, locale: Option<&str>) -> Self {
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
                let admin = admin_client().await;
                match locale {
                    None => admin
                        .batch_execute(&format!("CREATE DATABASE {name}"))
                        .await
                        .expect("create the test database"),
                    Some(locale) => {
                        let libc = format!("{}.UTF-8", locale.replace('-', "_"));
                        let with_libc = admin
                            .batch_execute(&format!(
                                "CREATE DATABASE {name} LC_COLLATE '{libc}' LC_CTYPE '{libc}' TEMPLATE template0"
                            ))
                            .await;
                        if with_libc.is_err() {
                            admin
                                .batch_execute(&format!(
                                    "CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE '{locale}' TEMPLATE template0"
                                ))
                                .await
                                .unwrap_or_else(|e| panic!("create a database collated {locale}: {e}"));
                        }
                    }
                }
                Self::on_postgres(name, dir)
            }
        }
    }

    /// The test database `name` on the PostgreSQL server, dropped with the value.
    fn on_postgres(name: String, dir: tempfile::TempDir) -> Self {
        TestDb {
            backend: Backend::Postgres,
            url: postgres_url(&name),
            dir,
            pg_name: Some(name),
        }
    }

    /// A database with every migration applied: a copy of a template migrated once per
    /// version of the migrations (a `CREATE DATABASE … TEMPLATE` on PostgreSQL, a copied file
    /// on SQLite), so a test does not pay for running every migration.
    pub async fn migrated(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let test_db = Self::empty(backend).await;
                let template = template::sqlite().await;
                std::fs::copy(&template, test_db.dir.path().join("guardia.db"))
                    .expect("copy the SQLite template");
                test_db
            }
            Backend::Postgres => {
                let template = template::postgres().await;
                let dir = tempfile::Builder::new()
                    .prefix("guardia-test-")
                    .tempdir()
                    .expect("temp dir");
                let name = format!("guardia_t_{}", uuid::Uuid::now_v7().simple());
                template::clone_postgres(&template, &name).await;
                Self::on_postgres(name, dir)
            }
        }
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
        let mut statements = vec![format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")];
        statements.extend(role.map(|role| format!("DROP ROLE IF EXISTS \"{role}\"")));
        run_as_admin_from_drop(statements);
    }
}

/// Runs cleanup statements on the PostgreSQL server from a `Drop`, which may run inside a
/// runtime: on a thread with its own. Failures are ignored (the object may be gone already).
pub fn run_as_admin_from_drop(statements: Vec<String>) {
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
            for statement in statements {
                let _ = client.batch_execute(&statement).await;
            }
            Some(())
        })
    })
    .join();
}

/// A PostgreSQL URL that cannot connect, with what the server (or the network) says about it.
pub struct BadUrl {
    pub what: &'static str,
    pub url: String,
    pub cause: String,
}

/// One URL per way a connection fails: wrong password, unknown user, missing database,
/// nothing listening. Each carries the password `s3cret-pw`, which must never be printed.
pub async fn bad_postgres_urls() -> Vec<BadUrl> {
    let suffix = &uuid::Uuid::now_v7().simple().to_string()[20..];
    let admin = url::Url::parse(&admin_url()).expect("TEST_DATABASE_URL is a URL");
    let with = |user: &str, database: &str, port: Option<u16>| {
        let mut url = admin.clone();
        url.set_username(user).expect("a user");
        url.set_password(Some("s3cret-pw")).expect("a password");
        url.set_path(database);
        if let Some(port) = port {
            url.set_port(Some(port)).expect("a port");
            url.set_host(Some("127.0.0.1")).expect("a host");
        }
        url.to_string()
    };
    let admin_user = admin.username().to_owned();
    let refusing = crate::process::refusing_password_server("guardia").await;
    vec![
        BadUrl {
            what: "wrong password",
            url: with("guardia", "guardia", Some(refusing)),
            cause: "password authentication failed for user \"guardia\"".into(),
        },
        BadUrl {
            what: "unknown user",
            url: with(&format!("nobody_{suffix}"), "postgres", None),
            cause: format!("role \"nobody_{suffix}\" does not exist"),
        },
        BadUrl {
            what: "missing database",
            url: with(&admin_user, &format!("missing_{suffix}"), None),
            cause: format!("database \"missing_{suffix}\" does not exist"),
        },
        BadUrl {
            what: "unreachable port",
            url: with("guardia", "guardia", Some(crate::process::free_port())),
            cause: "Connection refused".into(),
        },
    ]
}

/// The tables in a PostgreSQL database's `public` schema (as the superuser).
pub async fn pg_tables(url: &str) -> Vec<String> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect as the superuser");
    tokio::spawn(connection);
    client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .await
        .expect("list tables")
        .iter()
        .map(|row| row.get(0))
        .collect()
}
