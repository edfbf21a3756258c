//! `guardia db copy` / `db verify` (README.md, "Moving to PostgreSQL"): an installation filled
//! through the API moves from SQLite to PostgreSQL (and back) and answers exactly as before; a
//! non-empty target is refused, an interrupted copy resumes, and a tampered row is caught.

use std::process::Stdio;
use std::time::{Duration, Instant};

use guardia_backend::db::{self, Access, DbPool};
use guardia_shared::Role;
use guardia_shared::sr::SrPriority;
use guardia_tests::api::{PASSWORD, PROJECT, error_codes, jenkins_options};
use guardia_tests::{
    Backend, Guardia, TestDb, World, admin_client, admin_url, bad_postgres_urls, fixtures, gql_ok,
    guardia_bin, pg_tables, run_cli,
};

use crate::cli::FAST;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

/// What a tenant's people see, asked the same way of the original and of the copy.
const ADMIN_VIEW: &str = "{ me { id email role tenant { code name isOperator } }
  srs(first: 100) { totalCount edges { node { id title description status priority createdAt updatedAt
    requester { email } assignee { email } comments { body createdAt author { email } } } } }
  servers(first: 100) { edges { node { id name host os environment hasCredential } } }
  agents { id name status version lastHeartbeatAt server { name } }
  batchJobs { id name jenkinsJob schedule enabled lastRun { status buildNumber startedAt finishedAt } }
  deployProjects { id name jenkinsJob rollbackParameter }
  deployments(first: 100) { totalCount edges { node { id kind status targetBuild buildNumber reason
    triggeredBy { email } createdAt finishedAt parameters { name value } } } }
  users { id email name role active createdAt }
  auditLog(first: 100) { totalCount edges { node { id action target outcome detail at actor { email } } } } }";

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "{what} did not happen");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Uses every table through the public API: SRs with comments, servers with credentials, an
/// agent with a heartbeat, a batch run, a deploy and a rollback, a new user; the audit log
/// fills itself. Returns the agent's token.
async fn fill_through_the_api(world: &World) -> String {
    let admin = world.acme.token(Role::Admin);
    let ok = |body: Value| {
        assert!(error_codes(&body).is_empty(), "{body}");
        body
    };
    let sr = ok(world
        .gql(admin, "mutation { createSr(input: { title: \"VPN drops\", description: \"since Monday\", priority: URGENT }) { id } }", json!({}))
        .await);
    let sr_id = sr["data"]["createSr"]["id"].as_str().expect("id").to_owned();
    ok(world
        .gql(
            admin,
            "mutation($id: ID!) { addSrComment(id: $id, body: \"재현 중입니다\") { id } }",
            json!({ "id": sr_id }),
        )
        .await);
    ok(world
        .gql(admin, "mutation($id: ID!, $u: ID!) { updateSr(id: $id, input: { status: IN_PROGRESS, assigneeId: $u }) { id } }",
            json!({ "id": sr_id, "u": world.acme.user(Role::Engineer).id }))
        .await);
    ok(world
        .gql(admin, "mutation($id: ID!) { setServerCredential(serverId: $id, username: \"root\", password: \"s3cret-Pa55\") { id } }",
            json!({ "id": world.acme.server_id }))
        .await);
    let agent = ok(world
        .gql(
            admin,
            "mutation($s: ID!) { registerAgent(input: { serverId: $s, name: \"agent-2\" }) { token } }",
            json!({ "s": world.acme.server_id }),
        )
        .await);
    let agent_token = agent["data"]["registerAgent"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let beat = heartbeat(&world.server, &agent_token).await;
    assert!(beat.is_success(), "{beat}");
    ok(world
        .gql(admin, "mutation { createUser(input: { email: \"new.engineer@acme.example\", name: \"새 엔지니어\", password: \"a long password\", role: ENGINEER }) { id } }", json!({}))
        .await);
    ok(world
        .gql(
            admin,
            "mutation($id: ID!) { runBatchNow(id: $id) { id } }",
            json!({ "id": world.acme.batch_job_id }),
        )
        .await);
    let deploy = ok(world
        .gql(admin, "mutation($p: String!) { triggerDeploy(project: $p, parameters: [{ name: \"VERSION\", value: \"3.1.0\" }], reason: \"release\") { id } }", json!({ "p": PROJECT }))
        .await);
    let deploy_id = deploy["data"]["triggerDeploy"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let finished = async |id: &str| {
        let body = world
            .gql(
                admin,
                "query($id: ID!) { deployment(id: $id) { finishedAt } }",
                json!({ "id": id }),
            )
            .await;
        !body["data"]["deployment"]["finishedAt"].is_null()
    };
    wait_until("the deploy finishing", async || finished(&deploy_id).await).await;
    let rollback = ok(world
        .gql(admin, "mutation($p: String!) { rollback(project: $p, toBuild: 10, reason: \"INC-7 regression\") { id } }", json!({ "p": PROJECT }))
        .await);
    let rollback_id = rollback["data"]["rollback"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    wait_until("the rollback finishing", async || finished(&rollback_id).await).await;
    wait_until("the batch run finishing", async || {
        let body = world
            .gql(admin, "{ batchJobs { lastRun { finishedAt } } }", json!({}))
            .await;
        !body["data"]["batchJobs"][0]["lastRun"]["finishedAt"].is_null()
    })
    .await;
    agent_token
}

async fn heartbeat(server: &Guardia, token: &str) -> reqwest::StatusCode {
    server
        .http
        .post(server.url("/agent/heartbeat"))
        .bearer_auth(token)
        .json(&json!({ "version": "1.4.2", "hostname": "web-1" }))
        .send()
        .await
        .expect("heartbeat answered")
        .status()
}

async fn views(server: &Guardia, world: &World) -> Vec<Value> {
    let mut views = Vec::new();
    for token in [
        world.acme.token(Role::Admin),
        world.acme.token(Role::Customer),
        world.globex.token(Role::Admin),
    ] {
        let body = server.gql(Some(token), ADMIN_VIEW, json!({})).await;
        // A CUSTOMER is refused some fields; the refusals must match too.
        views.push(body);
    }
    views
}

/// Asserts that a command succeeded, showing its output when it did not.
#[track_caller]
fn succeeded(output: &std::process::Output) {
    assert!(output.status.success(), "{}\n{}", stdout(output), stderr(output));
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_moves_from_sqlite_to_postgres_and_back_intact() {
    // A child process: it is killed before the copy, as an operator stops it.
    let mut world = World::start_process(Backend::Sqlite, &[]).await;
    let agent_token = fill_through_the_api(&world).await;
    // (Credentials stay out of the compared view: reading one writes an audit entry.)
    let before = views(&world.server, &world).await;
    world.server.kill().await;

    let target = TestDb::empty(Backend::Postgres).await;
    let copied = run_cli(
        &target,
        &["db", "copy", "--from", world.db.url(), "--to", target.url()],
        None,
    )
    .await;
    succeeded(&copied);
    assert!(
        stdout(&copied).contains("verified: 16 tables × 3 tenant(s)"),
        "{}",
        stdout(&copied)
    );

    // The copy answers as the original did, with the same secrets.
    let on_postgres = Guardia::start(&target, jenkins_options(&world.jenkins)).await;
    let after = views(&on_postgres, &world).await;
    assert!(
        after == before,
        "the copy answers differently:\n{after:?}\n---\n{before:?}"
    );
    // The sealed credential opens with the same key.
    let credential = on_postgres
        .gql(
            Some(world.acme.token(Role::Admin)),
            "query($id: ID!) { server(id: $id) { credential { username password } } }",
            json!({ "id": world.acme.server_id }),
        )
        .await;
    assert_eq!(
        gql_ok(&credential)["server"]["credential"],
        json!({ "username": "root", "password": "s3cret-Pa55" })
    );
    let login = on_postgres
        .gql(
            None,
            "mutation($p: String!) { login(email: \"pm@acme.example\", password: $p) { user { role } } }",
            json!({ "p": PASSWORD }),
        )
        .await;
    assert_eq!(gql_ok(&login)["login"]["user"]["role"], "PM");
    assert!(
        heartbeat(&on_postgres, &agent_token).await.is_success(),
        "the agent token no longer works"
    );

    // A second copy into the now full target is refused and changes nothing.
    let again = run_cli(
        &target,
        &["db", "copy", "--from", world.db.url(), "--to", target.url()],
        None,
    )
    .await;
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already holds 3 tenant(s)"),
        "{}",
        stderr(&again)
    );

    // And back: PostgreSQL → a new SQLite file.
    drop(on_postgres);
    let back = TestDb::empty(Backend::Sqlite).await;
    let copied = run_cli(
        &back,
        &["db", "copy", "--from", target.url(), "--to", back.url()],
        None,
    )
    .await;
    succeeded(&copied);
    let on_sqlite = Guardia::start(&back, jenkins_options(&world.jenkins)).await;
    let back_again = views(&on_sqlite, &world).await;
    // The credential read above added an audit entry on PostgreSQL; compare without it.
    assert_eq!(back_again[1], before[1]);
    assert_eq!(back_again[2], before[2]);
    assert_eq!(back_again[0]["data"]["srs"], before[0]["data"]["srs"]);
    assert_eq!(
        back_again[0]["data"]["deployments"],
        before[0]["data"]["deployments"]
    );
    drop(on_sqlite);

    // A row changed behind GUARDiA's back is caught, by tenant and table.
    // (The test URL logs in as a superuser, which row-level security does not bind.)
    let (client, connection) = tokio_postgres::connect(target.url(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    let changed = client
        .execute(
            "UPDATE srs SET title = 'tampered' WHERE tenant_id = 'acme' AND title = 'VPN drops'",
            &[],
        )
        .await
        .expect("update");
    assert_eq!(changed, 1);
    let verify = run_cli(
        &target,
        &["db", "verify", "--from", world.db.url(), "--to", target.url()],
        None,
    )
    .await;
    assert!(!verify.status.success(), "{}", stdout(&verify));
    let report = stderr(&verify);
    assert!(
        report.contains("tenant acme") && report.contains("table srs"),
        "{report}"
    );
    assert!(!report.contains("tenant globex"), "{report}");
}

/// A source with many tenants, filled straight through storage.
async fn many_tenants(count: usize) -> TestDb {
    let (source, pool) = TestDb::with_pool(Backend::Sqlite).await;
    fill(&pool, count).await;
    source
}

async fn fill(pool: &DbPool, count: usize) {
    for i in 0..count {
        let code = format!("t{i:03}");
        let mut tx = fixtures::tenant(pool, &code, &format!("Tenant {i}"), false).await;
        let email = format!("pm@{code}.example");
        let user = fixtures::user(&mut tx, &email, "PM", Role::Pm, fixtures::NO_LOGIN).await;
        for n in 0..40 {
            db::sr::create(
                &mut tx,
                db::sr::NewSr {
                    title: &format!("SR {n}"),
                    description: "",
                    priority: SrPriority::Medium,
                    requester_id: &user.id,
                    at: db::now(),
                },
            )
            .await
            .expect("sr");
        }
        tx.commit().await.expect("commit");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_copy_resumes_and_ends_verified() {
    const TENANTS: usize = 30;
    let source = many_tenants(TENANTS).await;
    let target = TestDb::empty(Backend::Postgres).await;
    // One row per statement, so the copy is slow enough to be killed in the middle.
    let mut child = tokio::process::Command::new(guardia_bin())
        .args([
            "db",
            "copy",
            "--batch-size",
            "1",
            "--from",
            source.url(),
            "--to",
            target.url(),
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the copy");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    while let Some(line) = lines.next_line().await.expect("read stderr") {
        if line.contains("(2 done)") {
            break;
        }
    }
    child.kill().await.expect("kill the copy");

    let pool = DbPool::connect(&target.database_url())
        .await
        .expect("target pool");
    let mut tx = pool.operator_tx().await.expect("begin");
    let present = db::tenant::list_all(&mut tx).await.expect("tenants").len();
    tx.commit().await.expect("commit");
    assert!(
        (2..TENANTS).contains(&present),
        "the kill came too late to test anything: {present} tenants"
    );
    // Whole tenants only: every tenant there has all its SRs.
    for code in (0..present).map(|i| format!("t{i:03}")) {
        let mut tx = pool.tenant_tx(&code, Access::Read).await.expect("begin");
        let srs = db::sr::count(&mut tx, &db::sr::SrFilter::default())
            .await
            .expect("count");
        assert_eq!(srs, 40, "{code} is half copied");
        tx.commit().await.expect("commit");
    }

    let refused = run_cli(
        &target,
        &["db", "copy", "--from", source.url(), "--to", target.url()],
        None,
    )
    .await;
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    let resumed = run_cli(
        &target,
        &[
            "db",
            "copy",
            "--force",
            "--from",
            source.url(),
            "--to",
            target.url(),
        ],
        None,
    )
    .await;
    succeeded(&resumed);
    assert!(
        stdout(&resumed).contains(&format!("{present} tenant(s) were already there")),
        "{}",
        stdout(&resumed)
    );
    assert!(
        stdout(&resumed).contains(&format!("verified: 16 tables × {TENANTS} tenant(s)")),
        "{}",
        stdout(&resumed)
    );
    // The source was only read.
    let verify = run_cli(
        &target,
        &["db", "verify", "--from", source.url(), "--to", target.url()],
        None,
    )
    .await;
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(
        !stderr(&resumed).contains("postgres@"),
        "a URL's credentials leaked"
    );
}

/// Runs `guardia db copy` and asserts it failed fast with `expected` in its one error line.
async fn copy_refused(db: &TestDb, from: &str, to: &str, expected: &str) -> String {
    let started = Instant::now();
    let output = run_cli(db, &["db", "copy", "--from", from, "--to", to], None).await;
    let took = started.elapsed();
    let text = stderr(&output);
    assert!(!output.status.success(), "should fail: {}", stdout(&output));
    assert!(took < FAST, "took {took:?}: {text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line: {text}"));
    assert!(line.contains(expected), "lacks {expected:?}: {line}");
    assert!(!text.contains("s3cret-pw"), "password leaked: {text}");
    assert!(!text.contains("--force"), "wrong advice: {text}");
    line.to_owned()
}

/// Nothing was written: no SQLite file, no PostgreSQL table.
async fn untouched(target: &TestDb) {
    match target.backend {
        Backend::Sqlite => {
            let path = target.database_url().to_string();
            let path = path.trim_start_matches("sqlite://");
            assert!(!std::path::Path::new(path).exists(), "{path} was created");
        }
        Backend::Postgres => assert_eq!(pg_tables(target.url()).await, Vec::<String>::new()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_source_is_named_before_the_target_is_touched() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let target = TestDb::empty(backend).await;
        for bad in bad_postgres_urls().await {
            let line = copy_refused(&target, &bad.url, target.url(), &bad.cause).await;
            assert!(
                line.contains("cannot connect to the source postgres://"),
                "{}: {line}",
                bad.what
            );
            untouched(&target).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_target_is_named() {
    let source = many_tenants(1).await;
    for bad in bad_postgres_urls().await {
        let line = copy_refused(&source, source.url(), &bad.url, &bad.cause).await;
        assert!(
            line.contains("cannot connect to the target postgres://"),
            "{}: {line}",
            bad.what
        );
    }
    let nowhere = "sqlite:///no/such/folder/guardia.db";
    copy_refused(
        &source,
        source.url(),
        nowhere,
        "the folder /no/such/folder does not exist",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_behind_the_schema_is_refused_before_anything_is_written() {
    let target = TestDb::empty(Backend::Sqlite).await;
    // Never migrated.
    let blank = TestDb::empty(Backend::Postgres).await;
    copy_refused(&target, blank.url(), target.url(), "guardia migrate").await;
    untouched(&target).await;
    // One migration behind.
    let behind = TestDb::migrated(Backend::Postgres).await;
    let (client, connection) = tokio_postgres::connect(behind.url(), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
        .batch_execute(
            "DELETE FROM __diesel_schema_migrations WHERE version = (SELECT max(version) FROM __diesel_schema_migrations)",
        )
        .await
        .expect("forget the last migration");
    let line = copy_refused(&target, behind.url(), target.url(), "lacks 1 of this version's").await;
    assert!(line.contains("guardia migrate"), "{line}");
    untouched(&target).await;
}

/// A login that may not use the installation's role is refused before diesel creates its
/// table: `migrate` and `db copy` leave the database as empty as they found it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_without_the_role_leaves_no_table() {
    let suffix = &uuid::Uuid::now_v7().simple().to_string()[20..];
    let (login, database) = (format!("g13_login_{suffix}"), format!("g13_db_{suffix}"));
    let role = db::derived_role(&database);
    let admin = admin_client().await;
    for statement in [
        format!("CREATE ROLE {login} LOGIN PASSWORD 's3cret-pw'"),
        format!("CREATE DATABASE {database} OWNER {login}"),
        format!("CREATE ROLE {role} NOLOGIN"),
    ] {
        admin.batch_execute(&statement).await.expect(&statement);
    }
    let mut url = url::Url::parse(&admin_url()).expect("a URL");
    url.set_username(&login).expect("a user");
    url.set_password(Some("s3cret-pw")).expect("a password");
    url.set_path(&database);
    let mut as_admin = url::Url::parse(&admin_url()).expect("a URL");
    as_admin.set_path(&database);

    let source = many_tenants(1).await;
    let expected = format!(
        "the login {login} may not use the installation's role {role}; as a superuser run: GRANT {role} TO {login};"
    );
    let migrate = guardia_tests::process::run_cli_with_url(&source, url.as_str(), &["migrate"], None).await;
    let failed = (!migrate.status.success(), stderr(&migrate));
    let tables_after_migrate = pg_tables(as_admin.as_str()).await;
    let copy = run_cli(
        &source,
        &["db", "copy", "--from", source.url(), "--to", url.as_str()],
        None,
    )
    .await;
    let tables_after_copy = pg_tables(as_admin.as_str()).await;

    for statement in [
        format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
        format!("DROP ROLE IF EXISTS {role}"),
        format!("DROP ROLE IF EXISTS {login}"),
    ] {
        let _ = admin.batch_execute(&statement).await;
    }
    assert!(failed.0 && failed.1.contains(&expected), "{}", failed.1);
    assert_eq!(tables_after_migrate, Vec::<String>::new());
    assert!(
        !copy.status.success() && stderr(&copy).contains(&expected),
        "{}",
        stderr(&copy)
    );
    assert_eq!(tables_after_copy, Vec::<String>::new());
}
