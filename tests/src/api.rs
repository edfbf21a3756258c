//! GraphQL over HTTP against a served `guardia`, and a seeded world of tenants for API tests:
//! two customer institutions (acme, globex) with one user per role and one object of every
//! kind each, plus the operator tenant (ops) with its ADMIN.

use std::collections::HashMap;

use guardia_backend::auth::password::hash_password;
use guardia_backend::auth::token::TokenKeys;
use guardia_backend::db::{self, Access, DbPool};
use guardia_shared::Role;
use guardia_shared::sr::SrPriority;
use serde_json::{Value, json};

use crate::{Backend, Guardia, GuardiaOptions, TestDb, fixtures};
use guardia_jenkins_sim::{BuildResult, JenkinsSim, JobSpec, SimOptions};

/// The Jenkins job acme's deploy project `portal` deploys with: each seeded tenant's jobs live
/// in the Jenkins folder named by its code (see [`deploy_job`]).
pub const DEPLOY_JOB: &str = "acme/portal";
/// The Jenkins job acme's batch job runs.
pub const BATCH_JOB: &str = "acme/report";
/// The seeded tenants, each with its own Jenkins folder in the simulator.
pub const SEEDED_TENANTS: [&str; 3] = ["acme", "globex", "ops"];

/// A seeded tenant's deploy job: `<code>/portal`.
pub fn deploy_job(code: &str) -> String {
    format!("{code}/portal")
}

/// A seeded tenant's batch job: `<code>/report`.
pub fn batch_job(code: &str) -> String {
    format!("{code}/report")
}
/// The name of every seeded tenant's deploy project.
pub const PROJECT: &str = "portal";
/// Seeded builds of the deploy job: all SUCCESS with artifacts, except #11 (FAILURE).
pub const SEEDED_BUILDS: u32 = 12;
pub const FAILED_BUILD: u32 = 11;

/// The secrets every test server runs with, so tests can mint and check tokens.
pub const JWT_SECRET: &str = "integration-tests-jwt-secret-0123456789abcdef";
/// 32 bytes of 0x2a, base64.
pub const CREDENTIAL_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
/// The bearer token `/metrics` wants from every test server.
pub const METRICS_TOKEN: &str = "integration-tests-metrics-token";
/// The password of every seeded user.
pub const PASSWORD: &str = "correct horse battery staple";

impl Guardia {
    /// Sends one GraphQL operation and returns the JSON body (any status).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST /graphql answered");
        response.json().await.expect("a JSON body")
    }
}

/// The `extensions.code` of each error, in order.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("<none>").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that the body has no errors and returns its `data`.
#[track_caller]
pub fn gql_ok(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    &body["data"]
}

/// The users and objects of one seeded tenant.
pub struct SeededTenant {
    pub code: String,
    pub users: HashMap<Role, SeededUser>,
    pub server_id: String,
    /// An SR requested by this tenant's CUSTOMER.
    pub sr_id: String,
    pub agent_id: String,
    pub batch_job_id: String,
    /// The deploy project `portal`.
    pub project_id: String,
}

#[derive(Clone)]
pub struct SeededUser {
    pub id: String,
    pub email: String,
    pub token: String,
}

impl SeededTenant {
    pub fn token(&self, role: Role) -> &str {
        &self.users[&role].token
    }
    pub fn user(&self, role: Role) -> &SeededUser {
        &self.users[&role]
    }
}

/// A served `guardia` on a fresh database, with acme, globex and the operator tenant ops, and
/// a Jenkins simulator it deploys through.
pub struct World {
    pub server: Guardia,
    pub jenkins: JenkinsSim,
    pub pool: DbPool,
    pub acme: SeededTenant,
    pub globex: SeededTenant,
    pub ops: SeededTenant,
    pub db: TestDb,
}

/// How a [`World`] is served.
#[derive(Default)]
pub struct WorldOptions {
    pub sim: SimOptions,
    pub web_dir: Option<std::path::PathBuf>,
    /// More `guardia serve` flags.
    pub flags: Vec<String>,
    /// Run the `guardia` binary as a child process (for tests of the process itself).
    pub process: bool,
    /// A clock the test sets, for the batch scheduler (see [`GuardiaOptions::clock`]).
    pub clock: Option<std::sync::Arc<guardia_backend::scheduler::ManualClock>>,
}

impl World {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with_options(backend, WorldOptions::default()).await
    }

    /// Like [`World::start`], with a differently configured Jenkins.
    pub async fn start_with(backend: Backend, sim: SimOptions) -> Self {
        Self::start_with_options(
            backend,
            WorldOptions {
                sim,
                ..WorldOptions::default()
            },
        )
        .await
    }

    /// Like [`World::start`], serving the built web app from `web_dir`.
    pub async fn start_with_web(backend: Backend, web_dir: std::path::PathBuf) -> Self {
        let options = WorldOptions {
            web_dir: Some(web_dir),
            ..WorldOptions::default()
        };
        Self::start_with_options(backend, options).await
    }

    /// Like [`World::start`], with more `guardia serve` flags.
    pub async fn start_with_flags(backend: Backend, flags: &[&str]) -> Self {
        let options = WorldOptions {
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            ..WorldOptions::default()
        };
        Self::start_with_options(backend, options).await
    }

    /// Like [`World::start`], served by the `guardia` binary as a child process.
    pub async fn start_process(backend: Backend, flags: &[&str]) -> Self {
        let options = WorldOptions {
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            process: true,
            ..WorldOptions::default()
        };
        Self::start_with_options(backend, options).await
    }

    pub async fn start_with_options(backend: Backend, options: WorldOptions) -> Self {
        let db = TestDb::migrated(backend).await;
        let jenkins = start_jenkins(options.sim).await;
        let mut served = jenkins_options(&jenkins);
        served.web_dir = options.web_dir;
        served.flags.extend(options.flags);
        served.clock = options.clock;
        let server = if options.process {
            Guardia::start_process(&db, served).await
        } else {
            Guardia::start(&db, served).await
        };
        let pool = DbPool::connect(&db.database_url()).await.expect("pool");
        let hash = hash_password(PASSWORD).expect("hash");
        let keys = TokenKeys::new(JWT_SECRET.as_bytes());
        let acme = seed_tenant(&pool, &keys, &hash, "acme", false, Role::ALL).await;
        let globex = seed_tenant(&pool, &keys, &hash, "globex", false, Role::ALL).await;
        let ops = seed_tenant(&pool, &keys, &hash, "ops", true, &[Role::Admin]).await;
        World {
            server,
            jenkins,
            pool,
            acme,
            globex,
            ops,
            db,
        }
    }

    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.server.gql(Some(token), query, variables).await
    }
}

/// A Jenkins simulator with every seeded tenant's folder: its deploy job (12 builds) and its
/// batch job.
pub async fn start_jenkins(options: SimOptions) -> JenkinsSim {
    let jenkins = JenkinsSim::start(options).await.expect("Jenkins simulator");
    for code in SEEDED_TENANTS {
        add_tenant_jobs(&jenkins, code);
    }
    jenkins
}

/// Adds a tenant's deploy job (12 builds, #11 failed) and batch job to a simulator.
pub fn add_tenant_jobs(jenkins: &JenkinsSim, code: &str) {
    let deploy = deploy_job(code);
    jenkins.add_job(&deploy, portal_job_spec());
    jenkins.seed_builds(&deploy, SEEDED_BUILDS, BuildResult::Success);
    jenkins.set_build_result(&deploy, FAILED_BUILD, BuildResult::Failure);
    jenkins.add_job(
        &batch_job(code),
        JobSpec {
            build_duration: std::time::Duration::from_millis(500),
            concurrent: true,
            ..JobSpec::default()
        },
    );
}

fn portal_job_spec() -> JobSpec {
    JobSpec {
        build_duration: std::time::Duration::from_millis(1500),
        // Cells of the permission tests deploy side by side.
        concurrent: true,
        ..JobSpec::deploy(("target/portal.war", 256 * 1024), ("reports/summary.txt", 300))
    }
}

/// Server options that point `guardia` at the simulator (polling fast, for quick tests).
pub fn jenkins_options(jenkins: &JenkinsSim) -> GuardiaOptions {
    jenkins_options_with_token(jenkins, jenkins.token())
}

/// Like [`jenkins_options`], with another API token (e.g. a wrong one).
pub fn jenkins_options_with_token(jenkins: &JenkinsSim, token: &str) -> GuardiaOptions {
    GuardiaOptions::default().with_flags(&[
        "--jenkins-url",
        &jenkins.url(),
        "--jenkins-user",
        jenkins.user(),
        "--jenkins-token",
        token,
        "--jenkins-poll-ms",
        "200",
    ])
}

/// Records a finished (SUCCESS, build #12) deployment of `project_id` in the tenant's ledger.
pub async fn seed_finished_deployment(
    pool: &DbPool,
    tenant: &str,
    project_id: &str,
    user_id: &str,
) -> String {
    let mut tx = pool.tenant_tx(tenant, Access::Write).await.expect("begin");
    let row = db::deploy::create_deployment(
        &mut tx,
        db::deploy::NewDeployment {
            project_id,
            kind: guardia_shared::deploy::DeploymentKind::Deploy,
            target_build: None,
            queue_item_id: Some(1),
            reason: None,
            parameters: "[]",
            triggered_by: user_id,
        },
    )
    .await
    .expect("deployment");
    let done = db::deploy::DeploymentProgress {
        status: Some(guardia_shared::deploy::RunStatus::Success),
        build_number: Some(i32::try_from(SEEDED_BUILDS).expect("small")),
        finished_at: Some(db::now()),
        ..Default::default()
    };
    db::deploy::record_progress(&mut tx, &row.id, &done)
        .await
        .expect("progress");
    tx.commit().await.expect("commit");
    row.id
}

pub fn role_slug(role: Role) -> String {
    role.as_str().to_lowercase().replace('_', "-")
}

async fn seed_tenant(
    pool: &DbPool,
    keys: &TokenKeys,
    hash: &str,
    code: &str,
    operator: bool,
    roles: &[Role],
) -> SeededTenant {
    let mut tx = fixtures::tenant(pool, code, &format!("{code} institution"), operator).await;
    let mut users = HashMap::new();
    for role in roles {
        let email = format!("{}@{code}.example", role_slug(*role));
        let user = fixtures::user(&mut tx, &email, &format!("{code} {role}"), *role, hash).await;
        let (token, _) = keys
            .issue(&user.id, *role, code, user.session_epoch, 0, chrono::Utc::now())
            .expect("token");
        users.insert(
            *role,
            SeededUser {
                id: user.id,
                email,
                token,
            },
        );
    }
    let server = fixtures::server(&mut tx, "web-1", "10.0.0.5").await;
    let requester = users
        .get(&Role::Customer)
        .or_else(|| users.get(&Role::Admin))
        .expect("a user")
        .id
        .clone();
    let sr = fixtures::sr(
        &mut tx,
        &format!("{code}: printer jams"),
        SrPriority::High,
        &requester,
    )
    .await;
    db::sr::add_comment(&mut tx, &sr.id, &requester, "Still jamming")
        .await
        .expect("comment");
    let agent_id = db::new_id();
    let (_, token_hash) = guardia_backend::crypto::agent_token::issue(code, &agent_id);
    fixtures::agent(&mut tx, &agent_id, &server.id, "agent-web-1", &token_hash).await;
    let job = fixtures::batch_job(&mut tx, "nightly-report", &batch_job(code)).await;
    let project = fixtures::deploy_project(&mut tx, PROJECT, &deploy_job(code)).await;
    tx.commit().await.expect("commit");
    SeededTenant {
        code: code.to_owned(),
        users,
        server_id: server.id,
        sr_id: sr.id,
        agent_id,
        batch_job_id: job.id,
        project_id: project.id,
    }
}
