//! Databases migrated once per version of the migrations, for tests to copy. Every test runs in
//! its own process (nextest), so "once" is arranged across processes: the PostgreSQL template is
//! built under an advisory lock, the SQLite one in a private folder renamed into place. The name
//! of each carries a hash of the migration files, so a changed migration gets a new template.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use guardia_backend::db::{self, DatabaseUrl};

use super::{admin_client, postgres_url};

/// The same for every process of one checkout, different as soon as a migration changes.
fn migrations_hash() -> String {
    let root = crate::process::workspace_root().join("migrations");
    let mut files = Vec::new();
    collect_files(&root, &mut files);
    files.sort();
    // SipHash with fixed keys: stable across processes of one build.
    let mut hasher = std::hash::DefaultHasher::new();
    for file in files {
        file.strip_prefix(&root)
            .expect("below the root")
            .hash(&mut hasher);
        std::fs::read(&file).expect("read a migration").hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// The migrated SQLite template file, built by the first process that needs it.
pub async fn sqlite() -> PathBuf {
    let folder = std::env::temp_dir().join(format!("guardia-template-{}", migrations_hash()));
    let file = folder.join("guardia.db");
    if file.is_file() {
        return file;
    }
    let building = tempfile::Builder::new()
        .prefix("guardia-template-building-")
        .tempdir()
        .expect("temp dir");
    let url = DatabaseUrl::Sqlite(building.path().join("guardia.db"));
    db::run_pending(&url).await.expect("migrate the SQLite template");
    // The migration's connection is closed: the file holds everything (no -wal left).
    let built = building.keep();
    // Whoever renames first wins; a loser's copy is simply removed.
    if std::fs::rename(&built, &folder).is_err() {
        let _ = std::fs::remove_dir_all(&built);
    }
    assert!(file.is_file(), "the SQLite template {} exists", file.display());
    file
}

/// The name of the migrated PostgreSQL template database, built by the first process that needs
/// it (the others wait on the advisory lock).
pub async fn postgres() -> String {
    let name = format!("guardia_tpl_{}", migrations_hash());
    let admin = admin_client().await;
    admin
        .batch_execute("SELECT pg_advisory_lock(hashtext('guardia test template'))")
        .await
        .expect("lock");
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .expect("look for the template")
        .is_some();
    if !exists {
        // Built under another name and renamed when complete: a crash leaves no half template.
        let building = format!("{name}_b");
        for statement in [
            format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
            format!("CREATE DATABASE {building}"),
        ] {
            admin
                .batch_execute(&statement)
                .await
                .expect("create the template");
        }
        db::run_pending(&DatabaseUrl::parse(Some(&postgres_url(&building))).expect("a URL"))
            .await
            .expect("migrate the PostgreSQL template");
        rename_when_idle(&admin, &building, &name).await;
    }
    // The lock is this session's: closing the client releases it.
    drop(admin);
    name
}

/// Renames a database once the migration's connection has gone (PostgreSQL refuses while any
/// session is connected to it).
async fn rename_when_idle(admin: &tokio_postgres::Client, from: &str, to: &str) {
    for _ in 0..100 {
        if admin
            .batch_execute(&format!("ALTER DATABASE {from} RENAME TO {to}"))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the template database {from} stayed in use");
}

/// Creates `name` as a copy of `template` and moves the template's grants to the copy's own
/// application role: the role is per installation (derived from the database name), and a copy
/// is a new installation.
pub async fn clone_postgres(template: &str, name: &str) {
    let admin = admin_client().await;
    let mut tries = 0;
    // CREATE DATABASE … TEMPLATE refuses while another session is connected to the template,
    // which is a moment when a neighbour copies it at the same time.
    while let Err(e) = admin
        .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
        .await
    {
        tries += 1;
        assert!(tries < 200, "copy the template {template}: {e}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    drop(admin);

    let from = db::derived_role(&format!("{template}_b"));
    let to = db::derived_role(name);
    let (client, connection) = tokio_postgres::connect(&postgres_url(name), tokio_postgres::NoTls)
        .await
        .expect("connect to the copy");
    tokio::spawn(connection);
    client
        .batch_execute(&MOVE_GRANTS.replace("{from}", &from).replace("{to}", &to))
        .await
        .expect("give the copy its own role");
}

/// Moves every right the template's role holds in this database (tables, columns, the schema,
/// default privileges) to the copy's role.
const MOVE_GRANTS: &str = r#"
DO $$
DECLARE
    old_role text := '{from}';
    new_role text := '{to}';
    r record;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = new_role) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS', new_role);
    END IF;
    EXECUTE format('GRANT %I TO %I', new_role, current_user);
    FOR r IN
        SELECT c.oid::regclass AS tbl, att.attname AS col, string_agg(a.privilege_type, ', ') AS privileges
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute att ON att.attrelid = c.oid AND att.attacl IS NOT NULL
        CROSS JOIN LATERAL aclexplode(att.attacl) a
        WHERE a.grantee = old_role::regrole
        GROUP BY c.oid, att.attname
    LOOP
        EXECUTE format('GRANT %s (%I) ON %s TO %I', r.privileges, r.col, r.tbl, new_role);
        EXECUTE format('REVOKE %s (%I) ON %s FROM %I', r.privileges, r.col, r.tbl, old_role);
    END LOOP;
    FOR r IN
        SELECT c.oid::regclass AS tbl, string_agg(a.privilege_type, ', ') AS privileges
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE a.grantee = old_role::regrole
        GROUP BY c.oid
    LOOP
        EXECUTE format('GRANT %s ON %s TO %I', r.privileges, r.tbl, new_role);
        EXECUTE format('REVOKE ALL ON %s FROM %I', r.tbl, old_role);
    END LOOP;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', new_role);
    EXECUTE format('REVOKE USAGE ON SCHEMA public FROM %I', old_role);
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', new_role);
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM %I', old_role);
END
$$;
"#;
