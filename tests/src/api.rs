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

/// The secrets every test server runs with, so tests can mint and check tokens.
pub const JWT_SECRET: &str = "integration-tests-jwt-secret-0123456789abcdef";
/// 32 bytes of 0x2a, base64.
pub const CREDENTIAL_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
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

/// A served `guardia` on a fresh database, with acme, globex and the operator tenant ops.
pub struct World {
    pub server: Guardia,
    pub pool: DbPool,
    pub acme: SeededTenant,
    pub globex: SeededTenant,
    pub ops: SeededTenant,
    pub db: TestDb,
}

impl World {
    pub async fn start(backend: Backend) -> Self {
        let db = TestDb::empty(backend).await;
        let server = Guardia::start(&db, GuardiaOptions::default()).await;
        let pool = DbPool::connect(&db.database_url()).await.expect("pool");
        let hash = hash_password(PASSWORD).expect("hash");
        let keys = TokenKeys::new(JWT_SECRET.as_bytes());
        let acme = seed_tenant(&pool, &keys, &hash, "acme", false, Role::ALL).await;
        let globex = seed_tenant(&pool, &keys, &hash, "globex", false, Role::ALL).await;
        let ops = seed_tenant(&pool, &keys, &hash, "ops", true, &[Role::Admin]).await;
        World {
            server,
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
            .issue(&user.id, *role, code, chrono::Utc::now())
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
            jenkins_job: "batch/report",
            schedule: "0 2 * * *",
            enabled: true,
        },
    )
    .await
    .expect("batch job");
    tx.commit().await.expect("commit");
    SeededTenant {
        code: code.to_owned(),
        users,
        server_id: server.id,
        sr_id: sr.id,
        agent_id,
        batch_job_id: job.id,
    }
}
