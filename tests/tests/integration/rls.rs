//! Tenant isolation in storage: composite foreign keys on both backends, and PostgreSQL's
//! row-level security, which holds even for SQL that forgets its tenant filter and even when
//! the database URL logs in as a superuser.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use guardia_backend::db::sr::NewSr;
use guardia_backend::db::{self, Access, DbConn, DbError, DbPool};
use guardia_shared::Role;
use guardia_shared::sr::SrPriority;
use guardia_tests::{Backend, TestDb, both_backends, fixtures};

/// Creates a tenant with one user and one SR; returns (user id, SR id).
pub async fn seed_tenant(pool: &DbPool, code: &str) -> (String, String) {
    let mut tx = fixtures::tenant(pool, code, &format!("Tenant {code}"), false).await;
    let email = format!("admin@{code}.example");
    let user = fixtures::user(&mut tx, &email, "Admin", Role::Admin, fixtures::NO_LOGIN).await;
    let title = format!("{code} printer broken");
    let sr = fixtures::sr(&mut tx, &title, SrPriority::High, &user.id).await;
    seed_every_other_table(&mut tx, &user.id, &sr.id).await;
    tx.commit().await.expect("commit");
    (user.id, sr.id)
}

/// One row in each remaining tenant-owned table, so isolation is checked on all of them.
async fn seed_every_other_table(tx: &mut db::TenantTx, user_id: &str, sr_id: &str) {
    db::sr::add_comment(tx, sr_id, user_id, "note")
        .await
        .expect("comment");
    // Service levels: a policy, a calendar and the SR's timeline.
    db::sla::set_policy(tx, SrPriority::High, 60, 480)
        .await
        .expect("policy");
    db::sla::set_calendar(tx, 0x1f, 9 * 60, 18 * 60, "2026-12-25")
        .await
        .expect("calendar");
    let sr = db::sr::get(tx, sr_id).await.expect("the SR");
    guardia_backend::service::sla::start(tx, sr, false, chrono_tz::Asia::Seoul)
        .await
        .expect("clocks");
    let folder = tx.tenant_id().to_owned();
    db::tenant_jenkins::set(tx, &folder, None)
        .await
        .expect("Jenkins settings");
    let server = fixtures::server(tx, "web", "10.0.0.1").await;
    fixtures::agent(tx, &db::new_id(), &server.id, "agent", "h").await;
    let project = fixtures::deploy_project(tx, "portal", "acme/portal").await;
    let deployment = db::deploy::NewDeployment {
        project_id: &project.id,
        kind: guardia_shared::deploy::DeploymentKind::Deploy,
        target_build: None,
        queue_item_id: Some(1),
        reason: None,
        parameters: "[]",
        triggered_by: user_id,
    };
    db::deploy::create_deployment(tx, deployment)
        .await
        .expect("deployment");
    let job = fixtures::batch_job(tx, "nightly", "batch/n").await;
    db::batch::create_run(
        tx,
        db::batch::NewBatchRun {
            batch_job_id: &job.id,
            triggered_by: Some(user_id),
            scheduled_for: None,
            queue_item_id: None,
        },
    )
    .await
    .expect("run");
    let entry = db::audit::NewAuditEntry {
        actor_id: Some(user_id),
        action: "seed",
        target: None,
        outcome: "success",
        detail: None,
    };
    db::audit::record(tx, entry).await.expect("audit");
}

async fn composite_foreign_keys_refuse_another_tenants_parent(backend: Backend) {
    let (_db, pool) = TestDb::with_pool(backend).await;
    seed_tenant(&pool, "alpha").await;
    let (beta_user, beta_sr) = seed_tenant(&pool, "beta").await;

    let mut tx = pool.tenant_tx("alpha", Access::Write).await.expect("begin");
    let forged_requester = db::sr::create(
        &mut tx,
        NewSr {
            title: "forged",
            description: "",
            priority: SrPriority::Low,
            requester_id: &beta_user,
            at: guardia_backend::db::now(),
        },
    )
    .await;
    assert!(
        matches!(forged_requester, Err(DbError::InvalidReference(_))),
        "an SR pointing at another tenant's user: {forged_requester:?}"
    );
    tx.rollback().await.expect("rollback");

    let mut tx = pool.tenant_tx("alpha", Access::Write).await.expect("begin");
    let alpha_user = db::user::list(&mut tx).await.expect("users").remove(0);
    let forged_comment = db::sr::add_comment(&mut tx, &beta_sr, &alpha_user.id, "hi").await;
    assert!(
        matches!(forged_comment, Err(DbError::InvalidReference(_))),
        "{forged_comment:?}"
    );
    tx.rollback().await.expect("rollback");
}

async fn scoped_queries_never_return_another_tenants_rows(backend: Backend) {
    let (_db, pool) = TestDb::with_pool(backend).await;
    let (alpha_user, alpha_sr) = seed_tenant(&pool, "alpha").await;
    let (beta_user, beta_sr) = seed_tenant(&pool, "beta").await;

    let mut tx = pool.tenant_tx("alpha", Access::Read).await.expect("begin");
    assert!(matches!(
        db::sr::get(&mut tx, &beta_sr).await,
        Err(DbError::NotFound { .. })
    ));
    assert!(matches!(
        db::user::get(&mut tx, &beta_user).await,
        Err(DbError::NotFound { .. })
    ));
    assert_eq!(
        db::sr::get(&mut tx, &alpha_sr)
            .await
            .expect("own SR")
            .requester_id,
        alpha_user
    );
    let page = db::sr::list(
        &mut tx,
        &Default::default(),
        &db::PageRequest {
            first: 100,
            after: None,
        },
    )
    .await
    .expect("list");
    assert_eq!(page.items.len(), 1);
    assert!(page.items.iter().all(|sr| sr.tenant_id == "alpha"));
    let users = db::user::get_many(&mut tx, &[alpha_user.clone(), beta_user.clone()])
        .await
        .expect("many");
    assert_eq!(
        users.iter().map(|u| u.id.as_str()).collect::<Vec<_>>(),
        [alpha_user.as_str()]
    );
    tx.rollback().await.expect("rollback");
}

both_backends!(
    composite_foreign_keys_refuse_another_tenants_parent,
    scoped_queries_never_return_another_tenants_rows
);

#[derive(QueryableByName)]
struct TenantRow {
    #[diesel(sql_type = Text)]
    tenant_id: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn unfiltered_tenant_ids(conn: &mut DbConn, table: &str) -> Vec<String> {
    let DbConn::Postgres(conn) = conn else {
        panic!("PostgreSQL only")
    };
    diesel::sql_query(format!("SELECT tenant_id FROM {table}"))
        .load::<TenantRow>(&mut **conn)
        .await
        .expect("unfiltered select")
        .into_iter()
        .map(|r| r.tenant_id)
        .collect()
}

async fn unfiltered_count(conn: &mut DbConn, table: &str) -> i64 {
    let DbConn::Postgres(conn) = conn else {
        panic!("PostgreSQL only")
    };
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut **conn)
        .await
        .expect("unfiltered count")
        .n
}

/// Row-level security exists only on PostgreSQL; SQLite's isolation is the scoped handle,
/// tested on both backends above.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_row_level_security_binds_unfiltered_sql_even_for_a_superuser_url() {
    let (test_db, pool) = TestDb::with_pool(Backend::Postgres).await;
    let superuser = crate::schema_rules::pg(&test_db)
        .await
        .query_one("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", &[])
        .await
        .expect("role")
        .get::<_, bool>(0);
    assert!(
        superuser,
        "the test URL logs in as a superuser, the case RLS must survive"
    );

    seed_tenant(&pool, "alpha").await;
    seed_tenant(&pool, "beta").await;
    let mut tx = pool.tenant_tx("alpha", Access::Write).await.expect("begin");
    let conn = tx.raw_connection_for_tests();
    let tables = guardia_backend::db::schema::TENANT_OWNED_TABLES
        .iter()
        .copied()
        .chain(["tenants"]);
    for table in tables {
        let column = if table == "tenants" {
            "code AS tenant_id"
        } else {
            "tenant_id"
        };
        let DbConn::Postgres(pg) = &mut *conn else {
            unreachable!()
        };
        let seen: Vec<String> = diesel::sql_query(format!("SELECT {column} FROM {table}"))
            .load::<TenantRow>(&mut **pg)
            .await
            .expect("select")
            .into_iter()
            .map(|r| r.tenant_id)
            .collect();
        assert!(
            !seen.is_empty() && seen.iter().all(|t| t == "alpha"),
            "{table} leaked or is empty: {seen:?}"
        );
    }
    assert_eq!(unfiltered_tenant_ids(conn, "srs").await, ["alpha"]);

    // Writing another tenant's row inside alpha's scope is refused by the policy.
    let DbConn::Postgres(pg) = &mut *conn else {
        unreachable!()
    };
    let forged = diesel::sql_query(
        "INSERT INTO audit_log (tenant_id, id, action, outcome, at) VALUES ('beta', 'x', 'forge', 'ok', now())",
    )
    .execute(&mut **pg)
    .await;
    let message = forged.expect_err("cross-tenant insert refused").to_string();
    assert!(message.contains("row-level security"), "{message}");
    drop(tx);

    // The application may rename its tenant, never promote it to operator nor delete it.
    let mut tx = pool.tenant_tx("alpha", Access::Write).await.expect("begin");
    let DbConn::Postgres(pg) = tx.raw_connection_for_tests() else {
        unreachable!()
    };
    let promoted = diesel::sql_query("UPDATE tenants SET is_operator = true")
        .execute(&mut **pg)
        .await;
    assert!(
        promoted
            .expect_err("refused")
            .to_string()
            .contains("permission denied")
    );
    drop(tx);
    let mut tx = pool.tenant_tx("alpha", Access::Write).await.expect("begin");
    let DbConn::Postgres(pg) = tx.raw_connection_for_tests() else {
        unreachable!()
    };
    let deleted = diesel::sql_query("DELETE FROM tenants").execute(&mut **pg).await;
    assert!(
        deleted
            .expect_err("refused")
            .to_string()
            .contains("permission denied")
    );
    drop(tx);

    // No scope at all: nothing is visible.
    let mut bare = pool.get().await.expect("connection");
    assert_eq!(unfiltered_count(&mut bare, "srs").await, 0);
    assert_eq!(unfiltered_count(&mut bare, "users").await, 0);
    drop(bare);

    // The login scope sees one email's user row and nothing else.
    let mut login = pool.login_tx("admin@beta.example").await.expect("login scope");
    assert_eq!(
        unfiltered_tenant_ids(login.raw_connection_for_tests(), "users").await,
        ["beta"]
    );
    assert_eq!(unfiltered_count(login.raw_connection_for_tests(), "srs").await, 0);
    let found = db::identity::find_for_login(&mut login)
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.email, "admin@beta.example");
    let memberships = db::user::memberships(&mut login).await.expect("memberships");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].user.tenant_id, "beta");
    drop(login);

    // The operator scope lists tenants but no tenant's data.
    let mut operator = pool.operator_tx().await.expect("operator scope");
    let codes: Vec<String> = db::tenant::list_all(&mut operator)
        .await
        .expect("tenants")
        .into_iter()
        .map(|t| t.code)
        .collect();
    assert_eq!(codes, ["alpha", "beta"]);
    assert_eq!(
        unfiltered_count(operator.raw_connection_for_tests(), "users").await,
        0
    );
}
