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

use crate::{Backend, Guardia, GuardiaOptions, TestDb};
use guardia_jenkins_sim::{ArtifactSpec, BuildResult, JenkinsSim, JobSpec, ParamDef, SimOptions};

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

impl World {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, SimOptions::default()).await
    }

    /// Like [`World::start`], with a differently configured Jenkins.
    pub async fn start_with(backend: Backend, sim: SimOptions) -> Self {
        Self::start_full(backend, sim, None, Vec::new()).await
    }

    /// Like [`World::start`], serving the built web app from `web_dir`.
    pub async fn start_with_web(backend: Backend, web_dir: std::path::PathBuf) -> Self {
        Self::start_full(backend, SimOptions::default(), Some(web_dir), Vec::new()).await
    }

    /// Like [`World::start`], with more environment for the server.
    pub async fn start_with_env(backend: Backend, env: &[(&str, &str)]) -> Self {
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self::start_full(backend, SimOptions::default(), None, env).await
    }

    async fn start_full(
        backend: Backend,
        sim: SimOptions,
        web_dir: Option<std::path::PathBuf>,
        env: Vec<(String, String)>,
    ) -> Self {
        let db = TestDb::empty(backend).await;
        let jenkins = start_jenkins(sim).await;
        let mut options = GuardiaOptions {
            web_dir,
            ..jenkins_options(&jenkins)
        };
        options.env.extend(env);
        let server = Guardia::start(&db, options).await;
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
        parameters: vec![
            ParamDef::string("VERSION", "latest"),
            ParamDef::string("ROLLBACK_BUILD", ""),
        ],
        artifacts: vec![
            ArtifactSpec {
                relative_path: "target/portal.war".into(),
                size: 256 * 1024,
            },
            ArtifactSpec {
                relative_path: "reports/summary.txt".into(),
                size: 300,
            },
        ],
        build_duration: std::time::Duration::from_millis(1500),
        // Cells of the permission tests deploy side by side.
        concurrent: true,
        ..JobSpec::default()
    }
}

/// Server options that point `guardia` at the simulator (polling fast, for quick tests).
pub fn jenkins_options(jenkins: &JenkinsSim) -> GuardiaOptions {
    GuardiaOptions {
        env: vec![
            ("JENKINS_URL".into(), jenkins.url()),
            ("JENKINS_USER".into(), jenkins.user().into()),
            ("JENKINS_TOKEN".into(), jenkins.token().into()),
            ("GUARDIA_JENKINS_POLL_MS".into(), "200".into()),
        ],
        ..GuardiaOptions::default()
    }
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
    let mut tx = pool.tenant_tx(code, Access::Write).await.expect("begin");
    db::tenant::create(&mut tx, &format!("{code} institution"), operator)
        .await
        .expect("tenant");
    let mut users = HashMap::new();
    for role in roles {
        let email = format!("{}@{code}.example", role_slug(*role));
        let new = db::user::NewUser {
            email: &email,
            name: &format!("{code} {role}"),
            role: *role,
            password_hash: hash,
        };
        let user = db::user::create(&mut tx, new).await.expect("user");
        let (token, _) = keys
            .issue(&user.id, *role, code, user.session_epoch, chrono::Utc::now())
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
    let server = db::server::create(
        &mut tx,
        db::server::NewServer {
            name: "web-1",
            host: "10.0.0.5",
            os: Some("Rocky 9"),
            environment: Some("prod"),
        },
    )
    .await
    .expect("server");
    let requester = users
        .get(&Role::Customer)
        .or_else(|| users.get(&Role::Admin))
        .expect("a user")
        .id
        .clone();
    let sr = db::sr::create(
        &mut tx,
        db::sr::NewSr {
            title: &format!("{code}: printer jams"),
            description: "Floor 3",
            priority: SrPriority::High,
            requester_id: &requester,
        },
    )
    .await
    .expect("sr");
    db::sr::add_comment(&mut tx, &sr.id, &requester, "Still jamming")
        .await
        .expect("comment");
    let agent_id = db::new_id();
    let (_, token_hash) = guardia_backend::crypto::agent_token::issue(code, &agent_id);
    db::agent::create(
        &mut tx,
        db::agent::NewAgent {
            id: &agent_id,
            server_id: &server.id,
            name: "agent-web-1",
            token_hash: &token_hash,
        },
    )
    .await
    .expect("agent");
    let job = db::batch::create_job(
        &mut tx,
        db::batch::NewBatchJob {
            name: "nightly-report",
            jenkins_job: &batch_job(code),
            schedule: "0 2 * * *",
            enabled: true,
        },
    )
    .await
    .expect("batch job");
    let project = db::deploy::create_project(
        &mut tx,
        db::deploy::NewDeployProject {
            name: PROJECT,
            jenkins_job: &deploy_job(code),
            rollback_parameter: db::deploy::DEFAULT_ROLLBACK_PARAMETER,
        },
    )
    .await
    .expect("deploy project");
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
