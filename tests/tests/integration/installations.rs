//! Two GUARDiA installations in one PostgreSQL cluster, each set up as the README says (its own
//! login, database and application role): one installation's login reaches nothing of the
//! other's, neither by connecting nor through any role it may switch to.

use guardia_backend::db::{self, Access, DatabaseUrl, DbPool};
use guardia_tests::{admin_client, admin_url, run_as_admin_from_drop};

use crate::rls::seed_tenant;

/// An installation's login, database and role, removed again when dropped.
struct Installation {
    login: String,
    database: String,
    role: String,
    url: String,
}

impl Installation {
    /// The README's PostgreSQL set-up, run as the superuser.
    async fn set_up(label: &str) -> Self {
        let suffix = uuid::Uuid::now_v7().simple().to_string();
        let login = format!("guardia_{label}_{}", &suffix[20..]);
        let database = format!("gi_{label}_{}", &suffix[20..]);
        let role = db::derived_role(&database);
        let mut url = url::Url::parse(&admin_url()).expect("TEST_DATABASE_URL is a URL");
        url.set_username(&login).expect("a user");
        url.set_password(Some(&format!("secret-{label}")))
            .expect("a password");
        url.set_path(&database);
        // Made before the set-up runs, so that whatever part of it ran is removed again.
        let installation = Installation {
            login,
            database,
            role,
            url: url.to_string(),
        };
        let Installation {
            login,
            database,
            role,
            ..
        } = &installation;
        let admin = admin_client().await;
        // One statement at a time: CREATE DATABASE refuses to run inside a transaction.
        for statement in [
            format!("CREATE ROLE {login} LOGIN PASSWORD 'secret-{label}'"),
            format!("CREATE DATABASE {database} OWNER {login}"),
            format!("REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM PUBLIC"),
            format!("CREATE ROLE {role} NOLOGIN"),
            format!("GRANT {role} TO {login}"),
        ] {
            admin
                .batch_execute(&statement)
                .await
                .unwrap_or_else(|e| panic!("the README's set-up: {statement}: {e}"));
        }
        installation
    }

    fn database_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(Some(&self.url)).expect("parses")
    }

    /// A raw connection as this installation's login to `database`.
    async fn connect_to(&self, database: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let mut url = url::Url::parse(&self.url).expect("a URL");
        url.set_path(database);
        let (client, connection) = tokio_postgres::connect(url.as_str(), tokio_postgres::NoTls).await?;
        tokio::spawn(connection);
        Ok(client)
    }
}

impl Drop for Installation {
    fn drop(&mut self) {
        let statements = [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database),
            format!("DROP ROLE IF EXISTS {}", self.role),
            format!("DROP ROLE IF EXISTS {}", self.login),
        ];
        run_as_admin_from_drop(statements.to_vec());
    }
}

fn denied(result: Result<impl Sized, tokio_postgres::Error>, what: &str) {
    let Err(error) = result else {
        panic!("{what} must be refused");
    };
    let text = error
        .as_db_error()
        .map_or_else(|| error.to_string(), |e| e.message().to_owned());
    assert!(text.contains("permission denied"), "{what}: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_installations_login_cannot_read_this_ones_rows() {
    // Dropped in reverse order: production's database (which staging's login is granted
    // CONNECT on below) goes first, so staging's login can then be dropped.
    let staging = Installation::set_up("stg").await;
    let production = Installation::set_up("prod").await;
    for installation in [&staging, &production] {
        db::run_pending(&installation.database_url())
            .await
            .expect("migrations run as the installation's login");
    }
    let pool = DbPool::connect(&production.database_url()).await.expect("pool");
    let (user_id, _) = seed_tenant(&pool, "acme").await;
    let mut tx = pool.tenant_tx("acme", Access::Read).await.expect("begin");
    assert_eq!(
        db::user::get(&mut tx, &user_id)
            .await
            .expect("the owner reads its row")
            .id,
        user_id
    );
    tx.rollback().await.expect("rollback");

    // The set-up took CONNECT from PUBLIC: staging's login cannot even open the database.
    denied(
        staging.connect_to(&production.database).await,
        "connecting to the other installation's database",
    );

    // Even where CONNECT is granted (as set-ups before this version left it), nothing of
    // production's grants reaches staging's login or its role.
    admin_client()
        .await
        .batch_execute(&format!(
            "GRANT CONNECT ON DATABASE {} TO {}",
            production.database, staging.login
        ))
        .await
        .expect("grant connect");
    let intruder = staging
        .connect_to(&production.database)
        .await
        .expect("connects once granted");
    denied(
        intruder.query("SELECT email FROM users", &[]).await,
        "reading users as the login",
    );
    denied(
        intruder
            .batch_execute(&format!("SET ROLE {}", production.role))
            .await,
        "switching to production's role",
    );
    intruder
        .batch_execute(&format!("SET ROLE {}", staging.role))
        .await
        .expect("its own role");
    denied(
        intruder
            .query("SELECT email FROM users WHERE tenant_id = 'acme'", &[])
            .await,
        "reading users as its own application role",
    );
    denied(
        intruder
            .execute("UPDATE users SET name = 'changed' WHERE tenant_id = 'acme'", &[])
            .await,
        "changing users as its own application role",
    );
}
