//! What a served `guardia` leaves on disk is private (0600), a secrets file it cannot use stops
//! the start and is left as it was, and `/metrics` without a configured token does not exist.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use guardia_tests::{Backend, Guardia, GuardiaOptions, TestDb, both_backends, guardia_bin};

const SECRETS: &str = ".guardia-dev-secrets";

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Development secrets from the file: the harness's secrets are blanked (blank means unset).
fn dev_mode() -> GuardiaOptions {
    GuardiaOptions {
        env: vec![
            ("GUARDIA_JWT_SECRET".into(), String::new()),
            ("GUARDIA_CREDENTIAL_KEY".into(), String::new()),
            ("GUARDIA_METRICS_TOKEN".into(), String::new()),
        ],
        ..GuardiaOptions::default()
    }
}

async fn a_served_instance_keeps_its_files_private(backend: Backend) {
    let test_db = TestDb::empty(backend).await;
    let server = Guardia::start_process(&test_db, dev_mode()).await;
    let workdir = test_db.workdir();
    let mut files = vec![workdir.join(SECRETS)];
    if backend == Backend::Sqlite {
        // The server is running, so SQLite's WAL and shared-memory files are there too.
        for name in ["guardia.db", "guardia.db-wal", "guardia.db-shm"] {
            files.push(workdir.join(name));
        }
    }
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    println!(
        "{backend:?}: mode 0600: {}",
        files
            .iter()
            .map(|f| f.file_name().unwrap_or_default().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let metrics = server.get("/metrics").await;
    assert_eq!(metrics.status(), 404, "no GUARDIA_METRICS_TOKEN: no /metrics");
    let body: serde_json::Value = metrics.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

/// Runs `guardia serve` in development mode in `dir` and expects it to refuse to start.
async fn refused_start(test_db: &TestDb) -> String {
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(guardia_bin())
            .arg("serve")
            .env("DATABASE_URL", test_db.url())
            .env("GUARDIA_BIND", "127.0.0.1:0")
            .env_remove("GUARDIA_ENV")
            .env_remove("GUARDIA_JWT_SECRET")
            .env_remove("GUARDIA_CREDENTIAL_KEY")
            .current_dir(test_db.workdir())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("exits promptly")
    .expect("runs");
    assert!(!output.status.success(), "must not start");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn an_unusable_secrets_file_stops_the_start_untouched(backend: Backend) {
    let test_db = TestDb::empty(backend).await;
    let path = test_db.workdir().join(SECRETS);
    let corrupt = "this is not a JWT secret\nnor a key\n";
    std::fs::write(&path, corrupt).expect("write");
    let stderr = refused_start(&test_db).await;
    assert!(stderr.contains(SECRETS), "{stderr}");
    assert!(stderr.contains("never overwrites"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        corrupt,
        "left as it was"
    );

    // Unreadable (as root, permissions do not stop a read: a folder in its place does).
    std::fs::remove_file(&path).expect("remove");
    std::fs::create_dir(&path).expect("a folder in its place");
    let stderr = refused_start(&test_db).await;
    assert!(stderr.contains("not a regular file"), "{stderr}");
    std::fs::remove_dir(&path).expect("remove");

    // A symbolic link is refused, even to a good file.
    let elsewhere = tempfile::tempdir().expect("dir");
    let target = elsewhere.path().join("secrets");
    let good = format!("{}\n{}\n", "j".repeat(48), guardia_tests::api::CREDENTIAL_KEY);
    std::fs::write(&target, &good).expect("target");
    std::os::unix::fs::symlink(&target, &path).expect("link");
    let stderr = refused_start(&test_db).await;
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).expect("read"), good);
}

both_backends!(
    a_served_instance_keeps_its_files_private,
    an_unusable_secrets_file_stops_the_start_untouched
);
