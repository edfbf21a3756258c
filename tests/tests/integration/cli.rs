//! The real `guardia` binary's admin commands: success, clear errors, exit codes, and nothing
//! half-written when they fail.

use std::process::Output;
use std::time::{Duration, Instant};

use guardia_backend::auth::password::verify_password;
use guardia_backend::db::{self, Access, DbPool};
use guardia_tests::process::run_cli_with_url;
use guardia_tests::{Backend, TestDb, bad_postgres_urls, both_backends, run_cli};

use crate::migrations::migration_folders;

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

#[track_caller]
fn assert_failure_says(output: &Output, expected: &str) {
    assert!(
        !output.status.success(),
        "should fail; stdout: {}",
        stdout(output)
    );
    assert!(
        stderr(output).contains(expected),
        "stderr lacks {expected:?}: {}",
        stderr(output)
    );
}

async fn counts(test_db: &TestDb) -> (usize, usize, i64) {
    let pool = DbPool::connect(&test_db.database_url()).await.expect("pool");
    let mut operator = pool.operator_tx().await.expect("operator");
    let tenants = db::tenant::list_all(&mut operator).await.expect("tenants").len();
    let mut tx = pool.tenant_tx("acme", Access::Read).await.expect("tenant");
    let users = db::user::list(&mut tx).await.expect("users").len();
    let audit = db::audit::count(&mut tx).await.expect("audit");
    (tenants, users, audit)
}

async fn migrate_reports_what_it_applied(backend: Backend) {
    let test_db = TestDb::empty(backend).await;
    let first = run_cli(&test_db, &["migrate"], None).await;
    assert_success(&first);
    let expected = format!("applied {} migration(s)", migration_folders("sqlite").len());
    assert!(stdout(&first).contains(&expected), "{}", stdout(&first));
    let second = run_cli(&test_db, &["migrate"], None).await;
    assert_success(&second);
    assert!(stdout(&second).contains("up to date"), "{}", stdout(&second));
}

async fn tenant_and_user_creation(backend: Backend) {
    let test_db = TestDb::empty(backend).await;
    let created = run_cli(
        &test_db,
        &[
            "tenant",
            "create",
            "--code",
            "acme",
            "--name",
            "ACME Corp",
            "--operator",
        ],
        None,
    )
    .await;
    assert_success(&created);
    assert!(
        stdout(&created).contains("created operator tenant 'acme' (ACME Corp)"),
        "{}",
        stdout(&created)
    );

    let duplicate = run_cli(
        &test_db,
        &["tenant", "create", "--code", "acme", "--name", "Again"],
        None,
    )
    .await;
    assert_failure_says(&duplicate, "a tenant with code 'acme' already exists");
    let bad_code = run_cli(
        &test_db,
        &["tenant", "create", "--code", "ACME!", "--name", "Bad"],
        None,
    )
    .await;
    assert_failure_says(&bad_code, "invalid tenant code 'ACME!'");
    assert_eq!(
        counts(&test_db).await,
        (1, 0, 1),
        "failed creations wrote nothing"
    );

    let user = [
        "user",
        "create",
        "--tenant",
        "acme",
        "--email",
        "kim@acme.example",
        "--name",
        "Kim",
        "--role",
        "ADMIN",
    ];
    let with_flag = run_cli(
        &test_db,
        &[&user[..], &["--password", "correct horse battery"]].concat(),
        None,
    )
    .await;
    assert_success(&with_flag);
    assert!(stdout(&with_flag).contains("created ADMIN user Kim <kim@acme.example> in tenant 'acme'"));

    let from_stdin = run_cli(
        &test_db,
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "lee@acme.example",
            "--name",
            "Lee",
            "--role",
            "CUSTOMER",
        ],
        Some("piped password 123\n"),
    )
    .await;
    assert_success(&from_stdin);
    let pool = DbPool::connect(&test_db.database_url()).await.expect("pool");
    let mut login = pool.login_tx("lee@acme.example").await.expect("login");
    let lee = db::identity::find_for_login(&mut login)
        .await
        .expect("lookup")
        .expect("created");
    assert!(lee.password_hash.starts_with("$argon2id$"));
    assert!(verify_password("piped password 123", &lee.password_hash));
    drop(login);

    let dup_email = run_cli(
        &test_db,
        &[&user[..], &["--password", "another password"]].concat(),
        None,
    )
    .await;
    assert_failure_says(&dup_email, db::user::EMAIL_TAKEN);
    let unknown_tenant = run_cli(
        &test_db,
        &[
            "user",
            "create",
            "--tenant",
            "nope",
            "--email",
            "x@nope.example",
            "--name",
            "X",
            "--role",
            "PM",
            "--password",
            "long enough pw",
        ],
        None,
    )
    .await;
    assert_failure_says(&unknown_tenant, "unknown tenant 'nope'");
    let bad_role = run_cli(
        &test_db,
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "r@acme.example",
            "--name",
            "R",
            "--role",
            "ROOT",
            "--password",
            "long enough pw",
        ],
        None,
    )
    .await;
    assert_failure_says(&bad_role, "DEPLOY_ENGINEER");
    let short = run_cli(
        &test_db,
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "s@acme.example",
            "--name",
            "S",
            "--role",
            "PM",
            "--password",
            "short",
        ],
        None,
    )
    .await;
    assert_failure_says(&short, "at least 10 characters");
    let bad_email = run_cli(
        &test_db,
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "not-an-email",
            "--name",
            "S",
            "--role",
            "PM",
            "--password",
            "long enough pw",
        ],
        None,
    )
    .await;
    assert_failure_says(&bad_email, "invalid email");
    assert_eq!(
        counts(&test_db).await,
        (1, 2, 3),
        "only the two good users and their audit entries"
    );

    // The same email in a second tenant: one more membership of the same person, who keeps
    // their password (none is asked for: standard input is empty).
    let beta = run_cli(
        &test_db,
        &["tenant", "create", "--code", "beta", "--name", "Beta"],
        None,
    )
    .await;
    assert_success(&beta);
    let again = run_cli(
        &test_db,
        &[
            "user",
            "create",
            "--tenant",
            "beta",
            "--email",
            "lee@acme.example",
            "--name",
            "Lee",
            "--role",
            "PM",
        ],
        Some(""),
    )
    .await;
    assert_success(&again);
    assert!(
        stdout(&again).contains("added Lee <lee@acme.example> to tenant 'beta' as PM"),
        "{}",
        stdout(&again)
    );
    let pool = DbPool::connect(&test_db.database_url()).await.expect("pool");
    let mut login = pool.login_tx("lee@acme.example").await.expect("login");
    let lee = db::identity::find_for_login(&mut login)
        .await
        .expect("lookup")
        .expect("one person");
    assert!(verify_password("piped password 123", &lee.password_hash));
    let tenants: Vec<String> = db::user::memberships(&mut login)
        .await
        .expect("memberships")
        .into_iter()
        .map(|m| m.user.tenant_id)
        .collect();
    assert_eq!(tenants, ["acme", "beta"]);
}

async fn unreachable_database_is_reported_without_its_password(backend: Backend) {
    let test_db = TestDb::empty(backend).await;
    let (url, expected) = match backend {
        Backend::Sqlite => (
            "sqlite:///no/such/folder/guardia.db".to_owned(),
            "does not exist".to_owned(),
        ),
        Backend::Postgres => {
            let port = guardia_tests::process::free_port();
            (
                format!("postgres://guardia:s3cret-pw@127.0.0.1:{port}/guardia"),
                "cannot connect to postgres://guardia:***@127.0.0.1".to_owned(),
            )
        }
    };
    for args in [
        &["migrate"][..],
        &["tenant", "create", "--code", "acme", "--name", "ACME"][..],
    ] {
        let output = run_cli_with_url(&test_db, &url, args, None).await;
        assert_failure_says(&output, &expected);
        assert!(
            !stderr(&output).contains("s3cret-pw"),
            "password leaked: {}",
            stderr(&output)
        );
    }
}

both_backends!(
    migrate_reports_what_it_applied,
    tenant_and_user_creation,
    unreachable_database_is_reported_without_its_password
);

/// Well under the 10 s a pool waits before giving up: a bad URL is found by the first connection.
pub(crate) const FAST: Duration = Duration::from_secs(5);

/// A wrong password, an unknown user, a missing database or a closed port: every command says
/// which, in one line, at once, without the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_connection_failures_name_their_cause_at_once() {
    let test_db = TestDb::empty(Backend::Sqlite).await;
    let commands: [&[&str]; 4] = [
        &["migrate"],
        &["serve", "--bind", "127.0.0.1:0"],
        &["tenant", "create", "--code", "acme", "--name", "ACME"],
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "kim@acme.example",
            "--name",
            "Kim",
            "--role",
            "ADMIN",
            "--password",
            "correct horse battery",
        ],
    ];
    for bad in bad_postgres_urls().await {
        for args in commands {
            let started = Instant::now();
            let output = run_cli_with_url(&test_db, &bad.url, args, None).await;
            let took = started.elapsed();
            let what = format!("{} / {}", bad.what, args[0]);
            assert!(!output.status.success(), "{what}: should fail");
            assert!(took < FAST, "{what}: took {took:?}");
            let text = stderr(&output);
            let line = text
                .lines()
                .find(|l| l.starts_with("error: "))
                .unwrap_or_else(|| panic!("{what}: no error line: {text}"));
            assert!(
                line.starts_with("error: cannot connect to postgres://") && line.contains(&bad.cause),
                "{what}: {line}"
            );
            assert!(line.contains(":***@"), "{what}: {line}");
            assert!(!text.contains("s3cret-pw"), "{what}: password leaked: {text}");
            assert!(!line.contains("db error"), "{what}: {line}");
        }
    }
}
