//! The permission table (docs/permissions.md) against the live API: every role × every guarded
//! query, mutation and field. The expected allow/deny below is the specification, written once,
//! independently of the shared table the server uses.

use guardia_backend::auth::password::hash_password;
use guardia_backend::auth::token::TokenKeys;
use guardia_backend::db::{self, Access};
use guardia_shared::Role;
use guardia_tests::api::{
    BATCH_JOB, DEPLOY_JOB, JWT_SECRET, PASSWORD, error_codes, role_slug, seed_finished_deployment,
};
use guardia_tests::{Backend, World, both_backends, fixtures};
use serde_json::{Value, json};

/// Fresh objects in acme for one cell, so destructive operations never interfere.
struct Fresh {
    unique: String,
    customer_sr: String,
    server: String,
    agent: String,
    job: String,
    user: String,
    /// A deploy project of its own (deploys of different cells never conflict) with one
    /// finished deployment.
    project: String,
    deployment: String,
    /// A run of `job` that has not reached Jenkins yet.
    batch_run: String,
}

async fn fresh(world: &World, unique: &str) -> Fresh {
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    let customer = world.acme.user(Role::Customer).id.clone();
    let sr = fixtures::sr(&mut tx, "cell", guardia_shared::sr::SrPriority::Low, &customer).await;
    let server = fixtures::server(&mut tx, &format!("srv-{unique}"), "10.1.1.1").await;
    let agent_id = db::new_id();
    fixtures::agent(&mut tx, &agent_id, &server.id, &format!("agent-{unique}"), "h").await;
    let job = fixtures::batch_job(&mut tx, &format!("job-{unique}"), BATCH_JOB).await;
    let run = db::batch::NewBatchRun {
        batch_job_id: &job.id,
        triggered_by: None,
        scheduled_for: None,
        queue_item_id: None,
    };
    let batch_run = db::batch::create_run(&mut tx, run).await.expect("run");
    let email = format!("{unique}@acme.example");
    let user = fixtures::user(&mut tx, &email, "Cell", Role::Engineer, fixtures::NO_LOGIN).await;
    let project = fixtures::deploy_project(&mut tx, &format!("proj-{unique}"), DEPLOY_JOB).await;
    // A policy for `removeSlaPolicy` to remove.
    db::sla::set_policy(&mut tx, guardia_shared::sr::SrPriority::Low, 60, 480)
        .await
        .expect("policy");
    tx.commit().await.expect("commit");
    let admin = world.acme.user(Role::Admin).id.clone();
    let deployment = seed_finished_deployment(&world.pool, "acme", &project.id, &admin).await;
    Fresh {
        project: project.name,
        deployment,
        unique: unique.to_owned(),
        customer_sr: sr.id,
        server: server.id,
        agent: agent_id,
        job: job.id,
        user: user.id,
        batch_run: batch_run.id,
    }
}

/// One guarded operation: its root field, document, variables, and who may call it
/// (columns ADMIN PM ENGINEER DEPLOY_ENGINEER CUSTOMER, in a non-operator tenant).
struct Operation {
    field: &'static str,
    allowed: &'static str,
    document: &'static str,
    variables: fn(&Fresh) -> Value,
    /// Runs as a throwaway user of the role (password [`PASSWORD`]): the operation revokes
    /// its caller's tokens, which the other cells still need.
    own_account: bool,
}

const fn op(
    field: &'static str,
    allowed: &'static str,
    document: &'static str,
    variables: fn(&Fresh) -> Value,
) -> Operation {
    Operation {
        field,
        allowed,
        document,
        variables,
        own_account: false,
    }
}

/// An operation on the caller's own account (see [`Operation::own_account`]).
const fn own(field: &'static str, document: &'static str, variables: fn(&Fresh) -> Value) -> Operation {
    Operation {
        own_account: true,
        ..op(field, "Y Y Y Y Y", document, variables)
    }
}

fn none(_: &Fresh) -> Value {
    json!({})
}

const OPERATIONS: &[Operation] = &[
    op("me", "Y Y Y Y Y", "{ me { id role } }", none),
    op("tenant", "Y Y Y Y Y", "{ tenant { code } }", none),
    op("tenants", "N N N N N", "{ tenants { code } }", none),
    op(
        "srs",
        "Y Y Y Y Y",
        "{ srs(first: 5) { totalCount edges { node { id requester { name } } } } }",
        none,
    ),
    op(
        "sr",
        "Y Y Y Y Y",
        "query($id: ID!) { sr(id: $id) { id comments { body } } }",
        |f| json!({ "id": f.customer_sr }),
    ),
    op(
        "srStatusCounts",
        "Y Y Y Y Y",
        "{ srStatusCounts { status count } }",
        none,
    ),
    op(
        "servers",
        "Y Y Y Y N",
        "{ servers { totalCount edges { node { id name } } } }",
        none,
    ),
    op(
        "server",
        "Y Y Y Y N",
        "query($id: ID!) { server(id: $id) { id hasCredential } }",
        |f| json!({ "id": f.server }),
    ),
    op(
        "batchJobs",
        "Y Y Y Y N",
        "{ batchJobs { id lastRun { id } } }",
        none,
    ),
    op(
        "agents",
        "Y Y Y Y N",
        "{ agents { id status server { name } } }",
        none,
    ),
    op("users", "Y N N N N", "{ users { id email } }", none),
    op(
        "deployProjects",
        "Y Y Y Y N",
        "{ deployProjects { id name jenkinsJob } }",
        none,
    ),
    op(
        "buildHistory",
        "Y Y Y Y N",
        "query($p: String!) { buildHistory(project: $p, limit: 3) { number artifacts { downloadUrl } } }",
        |f| json!({ "p": f.project }),
    ),
    op(
        "deployments",
        "Y Y Y Y N",
        "query($p: String!) { deployments(project: $p) { totalCount edges { node { id status } } } }",
        |f| json!({ "p": f.project }),
    ),
    op(
        "deployment",
        "Y Y Y Y N",
        "query($id: ID!) { deployment(id: $id) { id status buildNumber project { name } } }",
        |f| json!({ "id": f.deployment }),
    ),
    op(
        "deploymentLog",
        "Y Y Y Y N",
        "query($id: ID!) { deploymentLog(id: $id) { text complete } }",
        |f| json!({ "id": f.deployment }),
    ),
    op(
        "batchRunLog",
        "Y Y Y Y N",
        "query($id: ID!) { batchRunLog(id: $id) { text complete } }",
        |f| json!({ "id": f.batch_run }),
    ),
    op(
        "auditLog",
        "Y N N N N",
        "{ auditLog(first: 5) { totalCount edges { node { action } } } }",
        none,
    ),
    op(
        "createSr",
        "Y Y Y Y Y",
        "mutation { createSr(input: { title: \"Cell\", description: \"x\" }) { id status } }",
        none,
    ),
    op(
        "updateSr",
        "Y Y Y Y N",
        "mutation($id: ID!) { updateSr(id: $id, input: { status: IN_PROGRESS }) { status } }",
        |f| json!({ "id": f.customer_sr }),
    ),
    op(
        "addSrComment",
        "Y Y Y Y Y",
        "mutation($id: ID!) { addSrComment(id: $id, body: \"hello\") { id } }",
        |f| json!({ "id": f.customer_sr }),
    ),
    op(
        "createServer",
        "Y Y N N N",
        "mutation($n: String!) { createServer(input: { name: $n, host: \"10.2.0.1\" }) { id } }",
        |f| json!({ "n": format!("new-{}", f.unique) }),
    ),
    op(
        "updateServer",
        "Y Y N N N",
        "mutation($id: ID!) { updateServer(id: $id, input: { os: \"Debian 12\" }) { os } }",
        |f| json!({ "id": f.server }),
    ),
    op(
        "deleteServer",
        "Y Y N N N",
        "mutation($id: ID!) { deleteServer(id: $id) }",
        |f| json!({ "id": f.server }),
    ),
    op(
        "setServerCredential",
        "Y N N Y N",
        "mutation($id: ID!) { setServerCredential(serverId: $id, username: \"root\", password: \"pw-123456\") { hasCredential } }",
        |f| json!({ "id": f.server }),
    ),
    op(
        "createBatchJob",
        "Y Y N N N",
        "mutation($n: String!) { createBatchJob(input: { name: $n, jenkinsJob: \"acme/y\", schedule: \"*/5 * * * *\" }) { id } }",
        |f| json!({ "n": format!("new-{}", f.unique) }),
    ),
    op(
        "updateBatchJob",
        "Y Y N N N",
        "mutation($id: ID!) { updateBatchJob(id: $id, input: { enabled: false }) { enabled } }",
        |f| json!({ "id": f.job }),
    ),
    op(
        "deleteBatchJob",
        "Y Y N N N",
        "mutation($id: ID!) { deleteBatchJob(id: $id) }",
        |f| json!({ "id": f.job }),
    ),
    op(
        "registerAgent",
        "Y N N Y N",
        "mutation($s: ID!, $n: String!) { registerAgent(input: { serverId: $s, name: $n }) { token agent { id } } }",
        |f| json!({ "s": f.server, "n": format!("new-{}", f.unique) }),
    ),
    op(
        "updateAgent",
        "Y N N Y N",
        "mutation($id: ID!, $n: String!) { updateAgent(id: $id, input: { name: $n }) { name } }",
        |f| json!({ "id": f.agent, "n": format!("renamed-{}", f.unique) }),
    ),
    op(
        "deleteAgent",
        "Y N N Y N",
        "mutation($id: ID!) { deleteAgent(id: $id) }",
        |f| json!({ "id": f.agent }),
    ),
    op(
        "createDeployProject",
        "Y Y N Y N",
        "mutation($n: String!) { createDeployProject(input: { name: $n, jenkinsJob: \"acme/portal\" }) { id rollbackParameter } }",
        |f| json!({ "n": format!("new-{}", f.unique) }),
    ),
    op(
        "triggerDeploy",
        "Y Y N Y N",
        "mutation($p: String!, $v: String!) { triggerDeploy(project: $p, parameters: [{ name: \"VERSION\", value: $v }]) { id status } }",
        |f| json!({ "p": f.project, "v": f.unique }),
    ),
    op(
        "rollback",
        "Y Y N Y N",
        "mutation($p: String!) { rollback(project: $p, toBuild: 10, reason: \"cell\") { id kind } }",
        |f| json!({ "p": f.project }),
    ),
    op(
        "runBatchNow",
        "Y Y N Y N",
        "mutation($id: ID!) { runBatchNow(id: $id) { id status } }",
        |f| json!({ "id": f.job }),
    ),
    op(
        "createUser",
        "Y N N N N",
        "mutation($e: String!) { createUser(input: { email: $e, name: \"New\", password: \"a long password\", role: ENGINEER }) { id } }",
        |f| json!({ "e": format!("new-{}@acme.example", f.unique) }),
    ),
    op(
        "updateUserRole",
        "Y N N N N",
        "mutation($id: ID!) { updateUserRole(id: $id, role: PM) { role } }",
        |f| json!({ "id": f.user }),
    ),
    op(
        "deactivateUser",
        "Y N N N N",
        "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
        |f| json!({ "id": f.user }),
    ),
    op(
        "resetUserPassword",
        "Y N N N N",
        "mutation($id: ID!) { resetUserPassword(id: $id, newPassword: \"Reset password 42\") { id } }",
        |f| json!({ "id": f.user }),
    ),
    own(
        "changePassword",
        "mutation($c: String!) { changePassword(current: $c, new: \"Changed password 42\") { token } }",
        |_| json!({ "c": PASSWORD }),
    ),
    own("logout", "mutation { logout }", none),
    op(
        "createTenant",
        "N N N N N",
        "mutation { createTenant(input: { code: \"newco\", name: \"New Co\", adminEmail: \"a@newco.example\", adminName: \"A\", adminPassword: \"a long password\" }) { code } }",
        none,
    ),
    op(
        "tenantJenkins",
        "N N N N N",
        "{ tenantJenkins(tenant: \"acme\") { folderRoot } }",
        none,
    ),
    op(
        "setTenantJenkins",
        "N N N N N",
        "mutation { setTenantJenkins(tenant: \"acme\", input: { folderRoot: \"acme\" }) { folderRoot } }",
        none,
    ),
    op(
        "myMemberships",
        "Y Y Y Y Y",
        "{ myMemberships { tenantCode role } }",
        none,
    ),
    op(
        "myWork",
        "Y Y Y Y Y",
        "{ myWork { omittedTenants tenants { membership { tenantCode } openSrs { id } } } }",
        none,
    ),
    op(
        "switchTenant",
        "Y Y Y Y Y",
        "mutation { switchTenant(tenant: \"acme\") { token memberships { tenantCode } } }",
        none,
    ),
    op(
        "grantMembership",
        "N N N N N",
        "mutation { grantMembership(tenant: \"globex\", email: \"admin@ops.example\", role: ENGINEER) { tenantCode } }",
        none,
    ),
    op(
        "revokeMembership",
        "N N N N N",
        "mutation { revokeMembership(tenant: \"globex\", email: \"admin@ops.example\") }",
        none,
    ),
    op("slaPolicies", "Y Y N N N", "{ slaPolicies { priority } }", none),
    op("slaCalendar", "Y Y N N N", "{ slaCalendar { weekdays } }", none),
    op(
        "srsAtRisk",
        "Y Y Y Y Y",
        "{ srsAtRisk { id sla { state } } }",
        none,
    ),
    op(
        "slaReport",
        "Y Y N N N",
        "{ slaReport(month: \"2026-12\") { month csv } }",
        none,
    ),
    op(
        "setSlaPolicy",
        "Y N N N N",
        "mutation { setSlaPolicy(priority: HIGH, responseMinutes: 60, resolutionMinutes: 480) { priority } }",
        none,
    ),
    op(
        "removeSlaPolicy",
        "Y N N N N",
        "mutation { removeSlaPolicy(priority: LOW) }",
        none,
    ),
    op(
        "setSlaCalendar",
        "Y N N N N",
        "mutation { setSlaCalendar(input: { weekdays: [MON, TUE, WED, THU, FRI], dayStart: \"09:00\", dayEnd: \"18:00\", holidays: [] }) { dayStart } }",
        none,
    ),
];

fn allowed(spec: &str, role: Role) -> bool {
    let column = Role::ALL.iter().position(|r| *r == role).expect("a role");
    spec.split_whitespace().nth(column) == Some("Y")
}

async fn every_role_gets_exactly_its_rights(backend: Backend) {
    let world = World::start(backend).await;
    let hash = hash_password(PASSWORD).expect("hash");
    let mut cells = 0;
    let mut wrong = Vec::new();
    // What the server did, one line per operation: the reviewed copy is in snapshots/.
    let mut observed = format!("{:<28}", "operation \\ role");
    for role in Role::ALL {
        observed.push_str(&format!(" {:<15}", role.as_str()));
    }
    for (i, operation) in OPERATIONS.iter().enumerate() {
        observed.push_str(&format!("\n{:<28}", operation.field));
        for role in Role::ALL {
            let unique = format!("c{i}-{}", role_slug(*role));
            let fresh = fresh(&world, &unique).await;
            let token = if operation.own_account {
                throwaway_token(&world, &unique, *role, &hash).await
            } else {
                world.acme.token(*role).to_owned()
            };
            let body = world
                .gql(&token, operation.document, (operation.variables)(&fresh))
                .await;
            let codes = error_codes(&body);
            let forbidden = codes == ["FORBIDDEN"] && body["errors"][0]["path"] == json!([operation.field]);
            let outcome = if codes.is_empty() {
                "allowed"
            } else if forbidden {
                "FORBIDDEN"
            } else {
                "other"
            };
            observed.push_str(&format!(" {outcome:<15}"));
            let expect_allowed = allowed(operation.allowed, *role);
            let ok = if expect_allowed {
                codes.is_empty() && !body["data"][operation.field].is_null()
            } else {
                codes == ["FORBIDDEN"] && body["errors"][0]["path"] == json!([operation.field])
            };
            if !ok {
                wrong.push(format!(
                    "{role} {} expected {}: {body}",
                    operation.field,
                    if expect_allowed { "allowed" } else { "FORBIDDEN" }
                ));
            }
            cells += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(cells, OPERATIONS.len() * Role::ALL.len());
    // The same table on both backends.
    let observed: Vec<&str> = observed.lines().map(str::trim_end).collect();
    insta::assert_snapshot!("every_role_gets_exactly_its_rights", observed.join("\n"));
}

/// A token of a new acme user with `role` and the password [`PASSWORD`].
async fn throwaway_token(world: &World, unique: &str, role: Role, hash: &str) -> String {
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    let email = format!("own-{unique}@acme.example");
    let user = fixtures::user(&mut tx, &email, "Own account", role, hash).await;
    tx.commit().await.expect("commit");
    TokenKeys::new(JWT_SECRET.as_bytes())
        .issue(&user.id, role, "acme", user.session_epoch, 0, chrono::Utc::now())
        .expect("token")
        .0
}

/// `Server.credential` is guarded as a field: the server comes back, the credential is null
/// with FORBIDDEN at its path.
async fn the_credential_field_is_guarded_on_its_own(backend: Backend) {
    let world = World::start(backend).await;
    let set = world
        .gql(
            world.acme.token(Role::Admin),
            "mutation($id: ID!) { setServerCredential(serverId: $id, username: \"root\", password: \"s3cret-Pa55\") { id } }",
            json!({ "id": world.acme.server_id }),
        )
        .await;
    assert!(error_codes(&set).is_empty(), "{set}");
    let query = "query($id: ID!) { server(id: $id) { name credential { username password } } }";
    for role in Role::ALL {
        let body = world
            .gql(
                world.acme.token(*role),
                query,
                json!({ "id": world.acme.server_id }),
            )
            .await;
        match role {
            Role::Admin | Role::DeployEngineer => {
                assert!(error_codes(&body).is_empty(), "{role}: {body}");
                assert_eq!(
                    body["data"]["server"]["credential"],
                    json!({ "username": "root", "password": "s3cret-Pa55" })
                );
            }
            Role::Pm | Role::Engineer => {
                assert_eq!(body["data"]["server"]["name"], "web-1", "{role}: {body}");
                assert!(body["data"]["server"]["credential"].is_null());
                assert_eq!(error_codes(&body), ["FORBIDDEN"]);
                assert_eq!(body["errors"][0]["path"], json!(["server", "credential"]));
            }
            Role::Customer => {
                assert_eq!(error_codes(&body), ["FORBIDDEN"], "{body}");
                assert_eq!(body["errors"][0]["path"], json!(["server"]));
            }
        }
    }
    // Each read by ADMIN and DEPLOY_ENGINEER is in the audit log, as is the write.
    let log = world
        .gql(
            world.acme.token(Role::Admin),
            "{ auditLog(first: 100) { edges { node { action target actor { email } } } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = log["data"]["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["target"] == json!(world.acme.server_id))
        .map(|e| e["node"]["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "server.credential.read").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "server.credential.write")
            .count(),
        1,
        "{actions:?}"
    );
}

/// Tenant management belongs to the operator tenant's ADMIN.
async fn the_operator_admin_manages_tenants(backend: Backend) {
    let world = World::start(backend).await;
    let ops = world.ops.token(Role::Admin);
    let tenants = world.gql(ops, "{ tenants { code isOperator } }", json!({})).await;
    let codes: Vec<&str> = tenants["data"]["tenants"]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["acme", "globex", "ops"]);
    let created = world
        .gql(
            ops,
            "mutation { createTenant(input: { code: \"newco\", name: \"New Co\", adminEmail: \"Boss@NewCo.example\", adminName: \"Boss\", adminPassword: \"a long password\" }) { code name isOperator } }",
            json!({}),
        )
        .await;
    assert_eq!(
        created["data"]["createTenant"],
        json!({ "code": "newco", "name": "New Co", "isOperator": false }),
        "{created}"
    );
    let login = world
        .server
        .gql(None, "mutation { login(email: \"boss@newco.example\", password: \"a long password\") { user { role tenant { code } } } }", json!({}))
        .await;
    assert_eq!(
        login["data"]["login"]["user"],
        json!({ "role": "ADMIN", "tenant": { "code": "newco" } }),
        "{login}"
    );
    let again = world
        .gql(ops, "mutation { createTenant(input: { code: \"newco\", name: \"Again\", adminEmail: \"x@newco2.example\", adminName: \"X\", adminPassword: \"a long password\" }) { code } }", json!({}))
        .await;
    assert_eq!(error_codes(&again), ["CONFLICT"], "{again}");
    let _ = PASSWORD;

    // Where a tenant's Jenkins jobs live: the defaults, then the operator's settings.
    let settings = world
        .gql(
            ops,
            "{ tenantJenkins(tenant: \"acme\") { tenant folderRoot ownConnection url updatedAt } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings["data"]["tenantJenkins"],
        json!({ "tenant": "acme", "folderRoot": "acme", "ownConnection": false, "url": null, "updatedAt": null }),
        "{settings}"
    );
    let set = world
        .gql(ops, "mutation { setTenantJenkins(tenant: \"acme\", input: { folderRoot: \"institutions/acme\" }) { folderRoot ownConnection } }", json!({}))
        .await;
    assert_eq!(
        set["data"]["setTenantJenkins"],
        json!({ "folderRoot": "institutions/acme", "ownConnection": false }),
        "{set}"
    );
    let unknown = world
        .gql(
            ops,
            "{ tenantJenkins(tenant: \"nope\") { folderRoot } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&unknown), ["NOT_FOUND"], "{unknown}");
    let bad_root = world
        .gql(ops, "mutation { setTenantJenkins(tenant: \"acme\", input: { folderRoot: \"acme/../globex\" }) { folderRoot } }", json!({}))
        .await;
    assert_eq!(error_codes(&bad_root), ["BAD_USER_INPUT"], "{bad_root}");
    // No tenant's folder may reach into another's, in any letter case.
    for overlapping in ["NEWCO", "Institutions", "institutions/acme/x"] {
        let body = world
            .gql(
                ops,
                "mutation($r: String!) { setTenantJenkins(tenant: \"globex\", input: { folderRoot: $r }) { folderRoot } }",
                json!({ "r": overlapping }),
            )
            .await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{overlapping}: {body}");
    }
    let inside_acme = world
        .gql(ops, "mutation { createTenant(input: { code: \"institutions\", name: \"I\", adminEmail: \"i@inst.example\", adminName: \"I\", adminPassword: \"a long password\" }) { code } }", json!({}))
        .await;
    assert_eq!(error_codes(&inside_acme), ["BAD_USER_INPUT"], "{inside_acme}");
}

both_backends!(
    every_role_gets_exactly_its_rights,
    the_credential_field_is_guarded_on_its_own,
    the_operator_admin_manages_tenants
);
