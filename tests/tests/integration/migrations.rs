//! Migrations apply, revert and re-apply on both backends, from identical folder names.

use guardia_backend::db::{self, Direction};
use guardia_tests::{Backend, TestDb, both_backends, workspace_root};

use crate::schema_rules::live_tables;

const EXPECTED_TABLES: &[&str] = &[
    "agents",
    "audit_log",
    "batch_jobs",
    "batch_runs",
    "deploy_projects",
    "deployments",
    "identities",
    "servers",
    "session_generation",
    "sla_calendars",
    "sla_policies",
    "sr_comments",
    "sr_timeline",
    "srs",
    "tenant_jenkins",
    "tenants",
    "users",
];

async fn up_down_up(backend: Backend) {
    let test_db = TestDb::empty(backend).await;
    let url = test_db.database_url();

    let applied = db::migrate(&url, Direction::Up).await.expect("up");
    assert_eq!(applied.len(), migration_folders("sqlite").len());
    assert_eq!(live_tables(&test_db).await, EXPECTED_TABLES);
    assert!(
        db::migrate(&url, Direction::Up)
            .await
            .expect("up again")
            .is_empty(),
        "idempotent"
    );

    let reverted = db::migrate(&url, Direction::DownAll).await.expect("down");
    assert_eq!(reverted.len(), applied.len());
    assert!(live_tables(&test_db).await.is_empty(), "down removes every table");

    let reapplied = db::migrate(&url, Direction::Up).await.expect("up after down");
    assert_eq!(reapplied, applied);
    assert_eq!(live_tables(&test_db).await, EXPECTED_TABLES);
}

both_backends!(up_down_up);

pub fn migration_folders(backend: &str) -> Vec<String> {
    let dir = workspace_root().join("migrations").join(backend);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn folder_names_are_identical_across_backends() {
    let sqlite = migration_folders("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, migration_folders("postgres"));
    for name in &sqlite {
        for backend in ["sqlite", "postgres"] {
            let folder = workspace_root().join("migrations").join(backend).join(name);
            assert!(folder.join("up.sql").is_file(), "{backend}/{name}/up.sql");
            assert!(folder.join("down.sql").is_file(), "{backend}/{name}/down.sql");
        }
    }
}
