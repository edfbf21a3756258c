//! Jenkins as a tenant boundary, and no effect outside a committed request: a tenant reaches
//! only the jobs inside its own Jenkins folder (or its own Jenkins), a request that fails
//! touches Jenkins not at all, and a trigger that fails after the commit leaves an honest
//! FAILURE row and releases the lock.

use std::time::Duration;

use guardia_backend::db::{self, Access};
use guardia_jenkins_sim::{Fault, JenkinsSim, SimOptions};
use guardia_shared::Role;
use guardia_tests::api::{
    BATCH_JOB, DEPLOY_JOB, PROJECT, World, add_tenant_jobs, batch_job, deploy_job, error_codes,
};
use guardia_tests::{Backend, both_backends, gql_ok};
use serde_json::{Value, json};

/// The job paths an attacker holding an acme account tries (none is inside `acme/`).
const FOREIGN_PATHS: [&str; 6] = [
    "globex/portal",
    "portal",
    "acme/../globex/portal",
    "acme/..;/globex/portal",
    "acme%2F..%2Fglobex/portal",
    "GLOBEX/portal",
];

const CREATE_PROJECT: &str =
    "mutation($n: String!, $j: String!) { createDeployProject(input: { name: $n, jenkinsJob: $j }) { id } }";
const CREATE_BATCH: &str = "mutation($n: String!, $j: String!) {
    createBatchJob(input: { name: $n, jenkinsJob: $j, schedule: \"0 3 * * *\" }) { id } }";
const UPDATE_BATCH: &str =
    "mutation($id: ID!, $j: String!) { updateBatchJob(id: $id, input: { jenkinsJob: $j }) { id } }";
const TRIGGER: &str = "mutation($p: String!) { triggerDeploy(project: $p, parameters: [{ name: \"VERSION\", value: \"2.0\" }]) { id status } }";
const LEDGER: &str = "query($p: String) { deployments(project: $p, first: 50) { totalCount edges { node {
    id kind status buildNumber failureReason } } } }";

fn message(body: &Value) -> String {
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn foreign_job_paths_are_refused_before_jenkins_is_asked(backend: Backend) {
    let world = World::start(backend).await;
    let admin = world.acme.token(Role::Admin);
    world.jenkins.reset_requests();
    for (i, path) in FOREIGN_PATHS.iter().enumerate() {
        let vars = json!({ "n": format!("spy-{i}"), "j": path, "id": world.acme.batch_job_id });
        for document in [CREATE_PROJECT, CREATE_BATCH, UPDATE_BATCH] {
            let body = world.gql(admin, document, vars.clone()).await;
            assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{path}: {body}");
            assert!(
                message(&body).contains("'acme/'"),
                "the refusal names the root: {body}"
            );
        }
    }
    assert!(
        world.jenkins.requests().is_empty(),
        "Jenkins heard nothing: {:?}",
        world.jenkins.requests()
    );
    let projects = world
        .gql(
            admin,
            "{ deployProjects { name } batchJobs { jenkinsJob } }",
            json!({}),
        )
        .await;
    assert_eq!(
        gql_ok(&projects),
        &json!({ "deployProjects": [{ "name": PROJECT }], "batchJobs": [{ "jenkinsJob": BATCH_JOB }] })
    );
    // Inside its own folder, at any depth, a tenant creates what it likes.
    let own = world
        .gql(
            admin,
            CREATE_PROJECT,
            json!({ "n": "api", "j": "acme/team/api v2" }),
        )
        .await;
    assert!(error_codes(&own).is_empty(), "{own}");
}

/// Rows written before the rule (or behind GUARDiA's back) are refused at use, not served.
async fn rows_outside_the_folder_are_refused_at_use(backend: Backend) {
    let world = World::start(backend).await;
    let (project_id, job_id) = {
        let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
        let project = db::deploy::create_project(
            &mut tx,
            db::deploy::NewDeployProject {
                name: "legacy",
                jenkins_job: &deploy_job("globex"),
                rollback_parameter: db::deploy::DEFAULT_ROLLBACK_PARAMETER,
            },
        )
        .await
        .expect("project");
        let job = db::batch::create_job(
            &mut tx,
            db::batch::NewBatchJob {
                name: "legacy",
                jenkins_job: &batch_job("globex"),
                schedule: "0 2 * * *",
                enabled: true,
                catch_up: true,
            },
        )
        .await
        .expect("job");
        tx.commit().await.expect("commit");
        (project.id, job.id)
    };
    let admin = world.acme.token(Role::Admin);
    world.jenkins.reset_requests();
    let uses = [
        ("{ buildHistory(project: \"legacy\") { number } }", json!({})),
        (TRIGGER, json!({ "p": "legacy" })),
        (
            "mutation { rollback(project: \"legacy\", toBuild: 10, reason: \"x\") { id } }",
            json!({}),
        ),
        (
            "mutation($id: ID!) { runBatchNow(id: $id) { id } }",
            json!({ "id": job_id }),
        ),
    ];
    for (document, vars) in uses {
        let body = world.gql(admin, document, vars).await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{document}: {body}");
        assert!(message(&body).contains("outside"), "{body}");
    }
    let artifact = world
        .server
        .http
        .get(
            world
                .server
                .url(&format!("/artifacts/{project_id}/12/target/portal.war")),
        )
        .bearer_auth(admin)
        .send()
        .await
        .expect("answered");
    assert_eq!(artifact.status(), 400);
    // An artifact path that would climb out of the build's archive is not sent to Jenkins.
    for path in [
        "..;/..;/..;/..;/job/globex/job/portal/12/artifact/target/portal.war",
        "target;x/portal.war",
    ] {
        let climbing = world
            .server
            .http
            .get(
                world
                    .server
                    .url(&format!("/artifacts/{}/12/{path}", world.acme.project_id)),
            )
            .bearer_auth(admin)
            .send()
            .await
            .expect("answered");
        assert_eq!(climbing.status(), 404, "{path}");
    }
    assert!(
        world.jenkins.requests().is_empty(),
        "{:?}",
        world.jenkins.requests()
    );
    let ledger = world.gql(admin, LEDGER, json!({ "p": "legacy" })).await;
    assert_eq!(gql_ok(&ledger)["deployments"]["totalCount"], 0);
}

/// `a` would start a run, `b` fails: the request changes nothing, Jenkins included, and the
/// one-deploy-at-a-time lock still works afterwards.
async fn a_failing_field_leaves_jenkins_untouched(backend: Backend) {
    let world = World::start(backend).await;
    let admin = world.acme.token(Role::Admin);
    let two_fields = [
        "mutation { a: rollback(project: \"portal\", toBuild: 10, reason: \"x\") { id } b: deleteAgent(id: \"no-such\") }",
        "mutation($id: ID!) { a: runBatchNow(id: $id) { id } b: deleteAgent(id: \"no-such\") }",
        "mutation { b: deleteAgent(id: \"no-such\") a: rollback(project: \"portal\", toBuild: 10, reason: \"x\") { id } }",
    ];
    for document in two_fields {
        let body = world
            .gql(admin, document, json!({ "id": world.acme.batch_job_id }))
            .await;
        assert!(error_codes(&body).contains(&"NOT_FOUND".to_owned()), "{body}");
        assert!(body["data"].is_null(), "{body}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(world.jenkins.triggers(DEPLOY_JOB).is_empty());
    assert!(world.jenkins.triggers(BATCH_JOB).is_empty());
    let ledger = world.gql(admin, LEDGER, json!({ "p": PROJECT })).await;
    assert_eq!(gql_ok(&ledger)["deployments"]["totalCount"], 0);
    let audit = world
        .gql(
            admin,
            "{ auditLog(first: 100) { edges { node { action outcome } } } }",
            json!({}),
        )
        .await;
    let rollbacks: Vec<&Value> = gql_ok(&audit)["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["action"] == "deploy.rollback" || e["node"]["action"] == "batch.run_now")
        .collect();
    assert!(rollbacks.is_empty(), "{rollbacks:?}");

    // A rollback alone goes through; a second one while it runs is refused by the lock.
    let first = world
        .gql(
            admin,
            "mutation { rollback(project: \"portal\", toBuild: 10, reason: \"x\") { id } }",
            json!({}),
        )
        .await;
    assert!(error_codes(&first).is_empty(), "{first}");
    let second = world
        .gql(
            admin,
            "mutation { rollback(project: \"portal\", toBuild: 9, reason: \"y\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&second), ["CONFLICT"], "{second}");
    assert_eq!(world.jenkins.triggers(DEPLOY_JOB).len(), 1);

    // The operator's failed tenant creation leaves its transaction in its own tenant: a later
    // field may not reach another tenant's objects by id.
    let ops = world.ops.token(Role::Admin);
    let operator = [
        "mutation($id: ID!) { a: createTenant(input: { code: \"globex\", name: \"Dup\", adminEmail: \"d@dup.example\", adminName: \"D\", adminPassword: \"a long password\" }) { code } b: runBatchNow(id: $id) { id } }",
        "mutation($id: ID!) { a: createTenant(input: { code: \"newco\", name: \"New\", adminEmail: \"n@newco.example\", adminName: \"N\", adminPassword: \"a long password\" }) { code } b: runBatchNow(id: $id) { id } }",
    ];
    for document in operator {
        let body = world
            .gql(ops, document, json!({ "id": world.globex.batch_job_id }))
            .await;
        assert!(!error_codes(&body).is_empty(), "{body}");
    }
    assert!(world.jenkins.triggers(&batch_job("globex")).is_empty());
    let tenants = world.gql(ops, "{ tenants { code } }", json!({})).await;
    assert_eq!(
        gql_ok(&tenants)["tenants"],
        json!([{ "code": "acme" }, { "code": "globex" }, { "code": "ops" }]),
        "the failed mutation created no tenant"
    );
}

/// Jenkins fails the trigger after the ledger row committed: the row is closed as FAILURE
/// with the reason, the caller gets UPSTREAM_UNAVAILABLE, and the next deploy may go.
async fn a_failed_trigger_leaves_an_honest_failure_row(backend: Backend) {
    let world = World::start(backend).await;
    let admin = world.acme.token(Role::Admin);
    world.jenkins.set_fault(Fault::PostsFail);
    let body = world.gql(admin, TRIGGER, json!({ "p": PROJECT })).await;
    assert_eq!(error_codes(&body), ["UPSTREAM_UNAVAILABLE"], "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["triggerDeploy"]), "{body}");
    let ledger = world.gql(admin, LEDGER, json!({ "p": PROJECT })).await;
    let rows = &gql_ok(&ledger)["deployments"];
    assert_eq!(rows["totalCount"], 1, "{ledger}");
    let row = &rows["edges"][0]["node"];
    assert_eq!(row["status"], "FAILURE", "{row}");
    assert!(row["buildNumber"].is_null(), "{row}");
    assert!(
        row["failureReason"].as_str().expect("a reason").contains("500"),
        "{row}"
    );

    let run = world
        .gql(
            admin,
            "mutation($id: ID!) { runBatchNow(id: $id) { id } }",
            json!({ "id": world.acme.batch_job_id }),
        )
        .await;
    assert_eq!(error_codes(&run), ["UPSTREAM_UNAVAILABLE"], "{run}");
    let jobs = world
        .gql(
            admin,
            "{ batchJobs { lastRun { status failureReason } } }",
            json!({}),
        )
        .await;
    let last = &gql_ok(&jobs)["batchJobs"][0]["lastRun"];
    assert_eq!(last["status"], "FAILURE", "{last}");
    assert!(
        last["failureReason"].as_str().is_some_and(|r| r.contains("500")),
        "{last}"
    );

    let audit = world
        .gql(
            admin,
            "{ auditLog(first: 20) { edges { node { action outcome detail } } } }",
            json!({}),
        )
        .await;
    let failures = gql_ok(&audit)["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| {
            e["node"]["outcome"]
                .as_str()
                .is_some_and(|o| o.starts_with("failure: the Jenkins"))
        })
        .count();
    assert_eq!(failures, 2, "{audit}");

    // The lock was released: with Jenkins back, the next deploy goes through.
    world.jenkins.set_fault(Fault::None);
    let next = world.gql(admin, TRIGGER, json!({ "p": PROJECT })).await;
    assert!(error_codes(&next).is_empty(), "{next}");
    assert_eq!(world.jenkins.triggers(DEPLOY_JOB).len(), 1);
}

/// While one tenant's trigger waits on a Jenkins that does not answer, another tenant's writes
/// go on: no transaction (no SQLite write lock) is held while Jenkins answers.
async fn writes_go_on_while_jenkins_hangs(backend: Backend) {
    let world = World::start(backend).await;
    world.jenkins.set_fault(Fault::PostsHang);
    let deploy = {
        let server = &world.server;
        let token = world.acme.token(Role::Admin).to_owned();
        async move { server.gql(Some(&token), TRIGGER, json!({ "p": PROJECT })).await }
    };
    let others = async {
        // Wait until the trigger's POST has reached Jenkins (and hangs there).
        for _ in 0..200 {
            if world.jenkins.requests().iter().any(|r| r.method == "POST") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(world.jenkins.requests().iter().any(|r| r.method == "POST"));
        let customer = world.globex.token(Role::Customer);
        let mut created = 0;
        for i in 0..5 {
            let body = world
                .gql(
                    customer,
                    "mutation($t: String!) { createSr(input: { title: $t, description: \"d\" }) { id } }",
                    json!({ "t": format!("while Jenkins hangs {i}") }),
                )
                .await;
            assert!(error_codes(&body).is_empty(), "{body}");
            created += 1;
        }
        created
    };
    tokio::pin!(deploy);
    let created = tokio::select! {
        body = &mut deploy => panic!("the hanging trigger answered before the other writes: {body}"),
        created = others => created,
    };
    assert_eq!(created, 5);
    let body = deploy.await;
    assert_eq!(error_codes(&body), ["UPSTREAM_UNAVAILABLE"], "{body}");
    // A Jenkins that just did not answer is not waited on again at once: the next call fails
    // fast without reaching it, so requests do not pile up behind it.
    world.jenkins.set_fault(Fault::None);
    world.jenkins.reset_requests();
    let history = world
        .gql(
            world.acme.token(Role::Admin),
            "{ buildHistory(project: \"portal\") { number } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&history), ["UPSTREAM_UNAVAILABLE"], "{history}");
    assert!(message(&history).contains("a moment ago"), "{history}");
    assert!(
        world.jenkins.requests().is_empty(),
        "{:?}",
        world.jenkins.requests()
    );
}

/// The operator gives globex its own Jenkins: globex's calls go there and nowhere else.
async fn a_tenant_with_its_own_jenkins_uses_only_it(backend: Backend) {
    let world = World::start(backend).await;
    let own = JenkinsSim::start(SimOptions {
        token: "globex-own-token-123".into(),
        ..SimOptions::default()
    })
    .await
    .expect("a second Jenkins");
    add_tenant_jobs(&own, "globex");
    let ops = world.ops.token(Role::Admin);
    let set = world
        .gql(
            ops,
            "mutation($u: String!, $user: String!, $t: String!) { setTenantJenkins(tenant: \"globex\",
                input: { connection: { url: $u, user: $user, token: $t } }) { folderRoot ownConnection url user } }",
            json!({ "u": own.url(), "user": own.user(), "t": own.token() }),
        )
        .await;
    assert_eq!(
        gql_ok(&set)["setTenantJenkins"],
        json!({ "folderRoot": "globex", "ownConnection": true, "url": format!("{}/", own.url().trim_end_matches('/')), "user": own.user() }),
        "{set}"
    );
    // Sealed at rest: the token is nowhere in the row.
    let row = {
        let mut tx = world.pool.tenant_tx("globex", Access::Read).await.expect("begin");
        let row = db::tenant_jenkins::get(&mut tx)
            .await
            .expect("read")
            .expect("a row");
        tx.commit().await.expect("commit");
        row
    };
    let sealed = row.token_ciphertext.expect("sealed");
    assert!(
        !sealed
            .windows(own.token().len())
            .any(|w| w == own.token().as_bytes())
    );

    world.jenkins.reset_requests();
    let globex = world.globex.token(Role::Admin);
    let history = world
        .gql(
            globex,
            "{ buildHistory(project: \"portal\", limit: 3) { number } }",
            json!({}),
        )
        .await;
    assert_eq!(gql_ok(&history)["buildHistory"][0]["number"], 12, "{history}");
    let deploy = world.gql(globex, TRIGGER, json!({ "p": PROJECT })).await;
    assert!(error_codes(&deploy).is_empty(), "{deploy}");
    assert_eq!(own.triggers(&deploy_job("globex")).len(), 1);
    assert!(world.jenkins.triggers(&deploy_job("globex")).is_empty());
    assert!(
        world.jenkins.requests().is_empty(),
        "the installation's Jenkins heard nothing of globex: {:?}",
        world.jenkins.requests()
    );
    // acme still uses the installation's Jenkins.
    let acme = world
        .gql(
            world.acme.token(Role::Admin),
            "{ buildHistory(project: \"portal\", limit: 1) { number } }",
            json!({}),
        )
        .await;
    assert!(error_codes(&acme).is_empty(), "{acme}");
    assert!(!world.jenkins.requests().is_empty());
    // Changing the folder alone keeps the tenant's own Jenkins; clearing it is explicit.
    let folder_only = world
        .gql(
            ops,
            "mutation { setTenantJenkins(tenant: \"globex\", input: { folderRoot: \"globex\" }) { ownConnection } }",
            json!({}),
        )
        .await;
    assert_eq!(
        gql_ok(&folder_only)["setTenantJenkins"]["ownConnection"],
        true,
        "{folder_only}"
    );
    let cleared = world
        .gql(
            ops,
            "mutation { setTenantJenkins(tenant: \"globex\", input: { clearConnection: true }) { ownConnection url } }",
            json!({}),
        )
        .await;
    assert_eq!(
        gql_ok(&cleared)["setTenantJenkins"],
        json!({ "ownConnection": false, "url": null }),
        "{cleared}"
    );
    // Nobody but the operator's ADMIN reads or sets it.
    let refused = world
        .gql(globex, "{ tenantJenkins(tenant: \"globex\") { url } }", json!({}))
        .await;
    assert_eq!(error_codes(&refused), ["FORBIDDEN"], "{refused}");
}

/// A heartbeat with a wrong agent token answers without waiting for a writer.
async fn a_bad_heartbeat_takes_no_write_lock(backend: Backend) {
    let world = World::start(backend).await;
    // Another writer holds the agents' row (and on SQLite the database's write lock).
    let mut holder = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    db::agent::record_heartbeat(&mut holder, &world.acme.agent_id, "1.0", "host")
        .await
        .expect("held");
    let token = format!("ga1.acme.{}.not-the-secret", world.acme.agent_id);
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        world
            .server
            .http
            .post(world.server.url("/agent/heartbeat"))
            .bearer_auth(token)
            .json(&json!({ "version": "1.0", "hostname": "x" }))
            .send(),
    )
    .await
    .expect("answered while the writer held its lock")
    .expect("an answer");
    assert_eq!(answer.status(), 401);
    holder.rollback().await.expect("rollback");
}

both_backends!(
    foreign_job_paths_are_refused_before_jenkins_is_asked,
    rows_outside_the_folder_are_refused_at_use,
    a_failing_field_leaves_jenkins_untouched,
    a_failed_trigger_leaves_an_honest_failure_row,
    writes_go_on_while_jenkins_hangs,
    a_tenant_with_its_own_jenkins_uses_only_it,
    a_bad_heartbeat_takes_no_write_lock,
);
