//! `guardia serve` as a process: operational endpoints, the web app with client-side routes,
//! graceful shutdown, and production mode's refusal of weak secrets.

use std::time::Duration;

use guardia_tests::{Backend, Guardia, GuardiaOptions, TestDb, both_backends, guardia_bin};

async fn operational_endpoints_answer(backend: Backend) {
    let test_db = TestDb::empty(backend).await;
    let web_dir = test_db.workdir().join("dist");
    std::fs::create_dir_all(&web_dir).expect("web dir");
    std::fs::write(
        web_dir.join("index.html"),
        "<!doctype html><title>GUARDiA</title><p>spa-index</p>",
    )
    .expect("index");
    std::fs::write(web_dir.join("app-1234.js"), "console.log('asset')").expect("asset");
    // A child process: it is stopped with SIGTERM below.
    let server = Guardia::start_process(
        &test_db,
        GuardiaOptions {
            web_dir: Some(web_dir),
            ..Default::default()
        },
    )
    .await;

    let health = server.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.expect("body"), "ok");
    let ready = server.get("/readyz").await;
    assert_eq!(ready.status(), 200, "the migrated database answers");

    let asset = server.get("/app-1234.js").await;
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.text().await.expect("body"), "console.log('asset')");
    for path in ["/", "/srs/some-id", "/deploys"] {
        let page = server.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert!(
            page.text().await.expect("body").contains("spa-index"),
            "{path} serves the app"
        );
    }

    let anonymous = server.get("/metrics").await;
    assert_eq!(anonymous.status(), 401, "metrics need their token");
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = anonymous.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let wrong = server
        .http
        .get(server.url("/metrics"))
        .bearer_auth("integration-tests-metrics-tokeN")
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong.status(), 401, "a wrong token");
    let metrics = server.metrics().await;
    assert_eq!(metrics.status(), 200);
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain")
    );
    let text = metrics.text().await.expect("body");
    assert!(text.contains("guardia_build_info"), "{text}");
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/healthz",status="200"}"#),
        "{text}"
    );

    // Migrations ran at start: the schema is there for the CLI to use.
    let migrate = guardia_tests::run_cli(&test_db, &["migrate"], None).await;
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("up to date"));

    let status = server.terminate().await;
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

/// A database can vanish under a running server only on PostgreSQL (an open SQLite file stays
/// readable through its descriptor), so this one runs there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_while_the_postgres_database_is_gone() {
    let test_db = TestDb::empty(Backend::Postgres).await;
    let server = Guardia::start(&test_db, GuardiaOptions::default()).await;
    assert_eq!(server.get("/readyz").await.status(), 200);
    let name = test_db.pg_name().expect("postgres").to_owned();
    guardia_tests::admin_client()
        .await
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .expect("drop the database under the server");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let asked = std::time::Instant::now();
        let ready = server.get("/readyz").await;
        let status = ready.status();
        let body = ready.text().await.expect("body");
        eprintln!("readyz {status} after {:?}: {body}", asked.elapsed());
        if status == 503 {
            assert_eq!(body, "database unavailable", "no driver text");
            assert!(
                asked.elapsed() < Duration::from_secs(5),
                "a probe answers within seconds"
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "readyz stayed {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        server.get("/healthz").await.status(),
        200,
        "the process itself is still up"
    );
}

both_backends!(operational_endpoints_answer);

#[tokio::test]
async fn production_refuses_weak_or_missing_secrets() {
    let dir = tempfile::tempdir().expect("dir");
    let db_url = format!("sqlite://{}", dir.path().join("g.db").display());
    let cases = [
        (vec![], "GUARDIA_JWT_SECRET"),
        (vec![("GUARDIA_JWT_SECRET", "too-short")], "GUARDIA_JWT_SECRET"),
        (
            vec![("GUARDIA_JWT_SECRET", "0123456789abcdef0123456789abcdef-long")],
            "GUARDIA_CREDENTIAL_KEY",
        ),
        (
            vec![
                ("GUARDIA_JWT_SECRET", "0123456789abcdef0123456789abcdef-long"),
                ("GUARDIA_CREDENTIAL_KEY", "c2hvcnQ="),
            ],
            "GUARDIA_CREDENTIAL_KEY",
        ),
    ];
    for (env, named) in cases {
        let mut command = tokio::process::Command::new(guardia_bin());
        command
            .arg("serve")
            .env("GUARDIA_ENV", "production")
            .env("DATABASE_URL", &db_url)
            .env("GUARDIA_BIND", "127.0.0.1:0")
            .env_remove("GUARDIA_JWT_SECRET")
            .env_remove("GUARDIA_CREDENTIAL_KEY")
            .current_dir(dir.path())
            .kill_on_drop(true);
        for (key, value) in &env {
            command.env(key, value);
        }
        let output = tokio::time::timeout(Duration::from_secs(30), command.output())
            .await
            .expect("exits promptly")
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{env:?} must not start");
        assert!(stderr.contains(named), "{env:?}: stderr lacks {named}: {stderr}");
    }
    assert!(
        !dir.path().join(".guardia-dev-secrets").exists(),
        "production never generates secrets"
    );
}
