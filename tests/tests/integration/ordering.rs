//! Lists ordered by a text column answer the same on SQLite and on PostgreSQL whatever the
//! database's collation: byte-wise, ties by id.

use guardia_backend::db::{self, Access, DbPool};
use guardia_shared::Role;
use guardia_tests::{Backend, TestDb, both_backends, fixtures};

/// Byte-wise, capitals sort before small letters; en-US puts `alice Choi` first.
const NAMES: [&str; 3] = ["alice Choi", "Zed Park", "Émile Roy"];
const BYTEWISE: [&str; 3] = ["Zed Park", "alice Choi", "Émile Roy"];

async fn text_lists_sort_bytewise_whatever_the_collation(backend: Backend) {
    let test_db = TestDb::empty_collated(backend, "en-US").await;
    db::run_pending(&test_db.database_url())
        .await
        .expect("migrations apply");
    let pool = DbPool::connect(&test_db.database_url()).await.expect("pool");
    for code in ["zeta", "seoulhosp", "seoul-univ"] {
        let tx = fixtures::tenant(&pool, code, code, code == "zeta").await;
        tx.commit().await.expect("commit");
    }
    let mut tx = pool.tenant_tx("zeta", Access::Write).await.expect("begin");
    for (i, name) in NAMES.iter().enumerate() {
        let email = format!("u{i}@zeta.example");
        fixtures::user(&mut tx, &email, name, Role::Engineer, fixtures::NO_LOGIN).await;
        fixtures::deploy_project(&mut tx, name, "app-deploy").await;
    }
    let users: Vec<String> = db::user::list(&mut tx)
        .await
        .expect("users")
        .into_iter()
        .map(|u| u.name)
        .collect();
    let projects: Vec<String> = db::deploy::list_projects(&mut tx)
        .await
        .expect("projects")
        .into_iter()
        .map(|p| p.name)
        .collect();
    tx.commit().await.expect("commit");
    assert_eq!(users, BYTEWISE);
    assert_eq!(projects, BYTEWISE);
    let mut operator = pool.operator_tx().await.expect("operator");
    let codes: Vec<String> = db::tenant::list_all(&mut operator)
        .await
        .expect("tenants")
        .into_iter()
        .map(|t| t.code)
        .collect();
    operator.commit().await.expect("commit");
    // Byte-wise the hyphen comes first; a libc en-US collation ignores it.
    assert_eq!(codes, ["seoul-univ", "seoulhosp", "zeta"].map(str::to_owned));

    if backend == Backend::Postgres {
        // The database's own collation does order differently: without COLLATE "C" the lists
        // above would not match SQLite's.
        let (client, connection) = tokio_postgres::connect(test_db.url(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        let first: String = client
            .query_one("SELECT name FROM users ORDER BY name LIMIT 1", &[])
            .await
            .expect("query")
            .get(0);
        assert_eq!(first, "alice Choi");
    }
}

both_backends!(text_lists_sort_bytewise_whatever_the_collation);
