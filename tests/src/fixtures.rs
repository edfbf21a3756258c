//! Builders for test data written straight to storage, in a tenant's scope, so that every test
//! seeds tenants and their objects the same way. Each takes what tests vary (names, roles) and
//! fills the rest with plain values; each panics with what failed.

use guardia_backend::db::{self, Access, DbPool, TenantTx};
use guardia_shared::Role;
use guardia_shared::sr::SrPriority;

/// A password hash for users who never log in.
pub const NO_LOGIN: &str = "$argon2id$no-login";

/// Creates the tenant `code` (named `name`) and returns a writing transaction in its scope to
/// go on seeding in; commit it when done.
pub async fn tenant(pool: &DbPool, code: &str, name: &str, operator: bool) -> TenantTx {
    let mut tx = pool.tenant_tx(code, Access::Write).await.expect("begin");
    db::tenant::create(&mut tx, name, operator).await.expect("tenant");
    tx
}

pub async fn user(
    tx: &mut TenantTx,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
) -> db::user::User {
    let new = db::user::NewUser {
        email,
        name,
        role,
        password_hash,
    };
    db::user::create(tx, new).await.expect("user")
}

pub async fn sr(tx: &mut TenantTx, title: &str, priority: SrPriority, requester_id: &str) -> db::sr::Sr {
    let new = db::sr::NewSr {
        title,
        description: "",
        priority,
        requester_id,
        at: db::now(),
    };
    db::sr::create(tx, new).await.expect("sr")
}

/// A server at `host` (Rocky 9, prod).
pub async fn server(tx: &mut TenantTx, name: &str, host: &str) -> db::server::Server {
    let new = db::server::NewServer {
        name,
        host,
        os: Some("Rocky 9"),
        environment: Some("prod"),
    };
    db::server::create(tx, new).await.expect("server")
}

/// The agent `id` on `server_id`, whose token hashes to `token_hash`.
pub async fn agent(tx: &mut TenantTx, id: &str, server_id: &str, name: &str, token_hash: &str) {
    let new = db::agent::NewAgent {
        id,
        server_id,
        name,
        token_hash,
    };
    db::agent::create(tx, new).await.expect("agent");
}

/// An enabled batch job running `jenkins_job` nightly.
pub async fn batch_job(tx: &mut TenantTx, name: &str, jenkins_job: &str) -> db::batch::BatchJob {
    let new = db::batch::NewBatchJob {
        name,
        jenkins_job,
        schedule: "0 2 * * *",
        enabled: true,
        catch_up: true,
    };
    db::batch::create_job(tx, new).await.expect("batch job")
}

/// A deploy project of `jenkins_job` with the default rollback parameter.
pub async fn deploy_project(tx: &mut TenantTx, name: &str, jenkins_job: &str) -> db::deploy::DeployProject {
    let new = db::deploy::NewDeployProject {
        name,
        jenkins_job,
        rollback_parameter: db::deploy::DEFAULT_ROLLBACK_PARAMETER,
    };
    db::deploy::create_project(tx, new).await.expect("deploy project")
}
