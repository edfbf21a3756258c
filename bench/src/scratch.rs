//! Throw-away databases for the start-up and scale runs: a SQLite file in a temp folder, or a
//! new database on a PostgreSQL server (created and dropped through its maintenance database).

use anyhow::Context;
use guardia_backend::db::DatabaseUrl;

use crate::Backend;

pub struct ScratchDb {
    pub url: DatabaseUrl,
    kind: Kind,
}

enum Kind {
    Sqlite(Option<tempfile::TempDir>),
    Postgres {
        server: String,
        name: String,
        keep: bool,
    },
}

impl ScratchDb {
    /// An empty database named after `label` (`guardia_bench_<label>` on PostgreSQL; an
    /// existing one of that name is dropped first). `postgres` is any URL on the server.
    pub async fn create(backend: Backend, label: &str, postgres: &str) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("guardia-bench-")
                    .tempdir()
                    .context("cannot create a temp folder")?;
                let path = dir.path().join(format!("{label}.db"));
                Ok(ScratchDb {
                    url: DatabaseUrl::Sqlite(path),
                    kind: Kind::Sqlite(Some(dir)),
                })
            }
            Backend::Postgres => {
                let name = format!("guardia_bench_{label}");
                admin(postgres, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
                admin(postgres, &format!("CREATE DATABASE {name}")).await?;
                let url = with_database(postgres, &name)?;
                Ok(ScratchDb {
                    url: DatabaseUrl::Postgres(url),
                    kind: Kind::Postgres {
                        server: postgres.to_owned(),
                        name,
                        keep: false,
                    },
                })
            }
        }
    }

    /// The PostgreSQL database's name (`None` on SQLite).
    pub fn postgres_name(&self) -> Option<&str> {
        match &self.kind {
            Kind::Postgres { name, .. } => Some(name),
            Kind::Sqlite(_) => None,
        }
    }

    /// Leaves the database in place when dropped; says where it is.
    pub fn keep(&mut self) -> String {
        match &mut self.kind {
            Kind::Sqlite(dir) => {
                if let Some(dir) = dir.take() {
                    let _ = dir.keep();
                }
            }
            Kind::Postgres { keep, .. } => *keep = true,
        }
        self.url.to_string()
    }

    /// Removes the database (the SQLite temp folder goes when dropped).
    pub async fn remove(self) -> anyhow::Result<()> {
        if let Kind::Postgres {
            server,
            name,
            keep: false,
        } = &self.kind
        {
            admin(server, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
        }
        Ok(())
    }
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url).with_context(|| format!("'{url}' is not a URL"))?;
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.to_string())
}

/// Runs one statement on the server's `postgres` maintenance database (CREATE/DROP DATABASE
/// cannot run inside the database they name).
async fn admin(server: &str, statement: &str) -> anyhow::Result<()> {
    as_login_user(&with_database(server, "postgres")?, statement).await
}

/// Runs statements on a PostgreSQL database as the URL's login user, outside any transaction:
/// for maintenance (VACUUM, ANALYZE) that the application role may not do, as it owns no table.
pub async fn as_login_user(url: &str, statements: &str) -> anyhow::Result<()> {
    let masked = guardia_backend::db::mask_password(url);
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {masked}"))?;
    let driver = tokio::spawn(connection);
    let result = client.batch_execute(statements).await;
    drop(client);
    let _ = driver.await;
    result.with_context(|| format!("PostgreSQL at {masked} refused `{statements}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/postgres",
                "guardia_bench_10000"
            )
            .ok(),
            Some("postgres://postgres@127.0.0.1:5432/guardia_bench_10000".to_owned())
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x").ok(),
            Some("postgres://u:p@h/x?sslmode=disable".to_owned())
        );
    }
}
