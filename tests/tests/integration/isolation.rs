//! Tenant isolation through the API: every query and mutation that takes a tenant-owned id,
//! called from another tenant, answers NOT_FOUND exactly like a missing id and changes
//! nothing; no list shows another tenant's rows.

use guardia_shared::Role;
use guardia_tests::api::{error_codes, seed_finished_deployment};
use guardia_tests::{Backend, World, both_backends};
use serde_json::{Value, json};

use crate::memberships::{staff_member, token_in};

/// (name, document, variables for a given set of ids)
type Probe = (&'static str, &'static str, fn(&Ids) -> Value);

struct Ids {
    sr: String,
    server: String,
    agent: String,
    job: String,
    user: String,
    deployment: String,
    batch_run: String,
}

const PROBES: &[Probe] = &[
    (
        "sr",
        "query($sr: ID!) { sr(id: $sr) { id } }",
        |i| json!({ "sr": i.sr }),
    ),
    (
        "server",
        "query($server: ID!) { server(id: $server) { id } }",
        |i| json!({ "server": i.server }),
    ),
    (
        "updateSr",
        "mutation($sr: ID!) { updateSr(id: $sr, input: { title: \"hijacked\" }) { id } }",
        |i| json!({ "sr": i.sr }),
    ),
    (
        "addSrComment",
        "mutation($sr: ID!) { addSrComment(id: $sr, body: \"hijacked\") { id } }",
        |i| json!({ "sr": i.sr }),
    ),
    (
        "updateServer",
        "mutation($server: ID!) { updateServer(id: $server, input: { host: \"6.6.6.6\" }) { id } }",
        |i| json!({ "server": i.server }),
    ),
    (
        "deleteServer",
        "mutation($server: ID!) { deleteServer(id: $server) }",
        |i| json!({ "server": i.server }),
    ),
    (
        "setServerCredential",
        "mutation($server: ID!) { setServerCredential(serverId: $server, username: \"x\", password: \"y\") { id } }",
        |i| json!({ "server": i.server }),
    ),
    (
        "registerAgent",
        "mutation($server: ID!) { registerAgent(input: { serverId: $server, name: \"spy\" }) { token } }",
        |i| json!({ "server": i.server }),
    ),
    (
        "updateAgent",
        "mutation($agent: ID!) { updateAgent(id: $agent, input: { name: \"spy\" }) { id } }",
        |i| json!({ "agent": i.agent }),
    ),
    (
        "deleteAgent",
        "mutation($agent: ID!) { deleteAgent(id: $agent) }",
        |i| json!({ "agent": i.agent }),
    ),
    (
        "updateBatchJob",
        "mutation($job: ID!) { updateBatchJob(id: $job, input: { enabled: false }) { id } }",
        |i| json!({ "job": i.job }),
    ),
    (
        "deleteBatchJob",
        "mutation($job: ID!) { deleteBatchJob(id: $job) }",
        |i| json!({ "job": i.job }),
    ),
    (
        "deployment",
        "query($d: ID!) { deployment(id: $d) { id } }",
        |i| json!({ "d": i.deployment }),
    ),
    (
        "deploymentLog",
        "query($d: ID!) { deploymentLog(id: $d) { text } }",
        |i| json!({ "d": i.deployment }),
    ),
    (
        "batchRunLog",
        "query($run: ID!) { batchRunLog(id: $run) { text } }",
        |i| json!({ "run": i.batch_run }),
    ),
    (
        "runBatchNow",
        "mutation($job: ID!) { runBatchNow(id: $job) { id } }",
        |i| json!({ "job": i.job }),
    ),
    (
        "updateUserRole",
        "mutation($user: ID!) { updateUserRole(id: $user, role: CUSTOMER) { id } }",
        |i| json!({ "user": i.user }),
    ),
    (
        "deactivateUser",
        "mutation($user: ID!) { deactivateUser(id: $user) { id } }",
        |i| json!({ "user": i.user }),
    ),
];

/// The foreign object as an input reference inside the caller's own objects.
const REFERENCE_PROBES: &[(&str, &str)] = &[
    (
        "updateSr assigneeId",
        "mutation($own: ID!, $user: ID!) { updateSr(id: $own, input: { assigneeId: $user }) { id } }",
    ),
    (
        "updateAgent serverId",
        "mutation($ownAgent: ID!, $server: ID!) { updateAgent(id: $ownAgent, input: { serverId: $server }) { id } }",
    ),
];

const SNAPSHOT: &str =
    "{ srs(first: 100) { edges { node { id title status assignee { id } comments { body } } } }
  servers(first: 100) { edges { node { id name host os hasCredential } } }
  agents { id name server { id } } batchJobs { id name enabled lastRun { id } } users { id role active }
  deployProjects { id name } deployments { totalCount edges { node { id status } } } }";

fn message(body: &Value) -> String {
    body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A run of acme's batch job.
/// A person of the operator's staff with memberships in acme (ENGINEER) and globex (ADMIN):
/// their token for globex, got by `switchTenant`.
async fn globex_admin_also_in_acme(world: &World) -> String {
    const EMAIL: &str = "both@ops.example";
    staff_member(world, EMAIL, &[("acme", "ENGINEER"), ("globex", "ADMIN")]).await;
    let token = token_in(world, EMAIL, "globex").await;
    let me = world.gql(&token, "{ me { role } }", json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "ADMIN", "{me}");
    token
}

async fn acme_batch_run(world: &World) -> String {
    let mut tx = world
        .pool
        .tenant_tx("acme", guardia_backend::db::Access::Write)
        .await
        .expect("begin");
    let run = guardia_backend::db::batch::NewBatchRun {
        batch_job_id: &world.acme.batch_job_id,
        triggered_by: None,
        scheduled_for: None,
        queue_item_id: None,
    };
    let run = guardia_backend::db::batch::create_run(&mut tx, run)
        .await
        .expect("run");
    tx.commit().await.expect("commit");
    run.id
}

async fn another_tenants_objects_are_not_found_and_unchanged(backend: Backend) {
    let world = World::start(backend).await;
    // An attacker with the most a person can hold: ADMIN of globex and a member of acme too,
    // attacking acme from the globex token (below, next to globex's own ADMIN).
    let member_of_both = globex_admin_also_in_acme(&world).await;
    let acme_admin = world.acme.token(Role::Admin);
    let admin = world.acme.user(Role::Admin).id.clone();
    let deployment = seed_finished_deployment(&world.pool, "acme", &world.acme.project_id, &admin).await;
    let batch_run = acme_batch_run(&world).await;
    let before = world.gql(acme_admin, SNAPSHOT, json!({})).await;
    assert!(error_codes(&before).is_empty(), "{before}");

    let foreign = Ids {
        sr: world.acme.sr_id.clone(),
        server: world.acme.server_id.clone(),
        agent: world.acme.agent_id.clone(),
        job: world.acme.batch_job_id.clone(),
        user: world.acme.user(Role::Engineer).id.clone(),
        deployment,
        batch_run,
    };
    let missing = Ids {
        sr: "00000000-0000-7000-8000-000000000000".into(),
        server: "00000000-0000-7000-8000-000000000001".into(),
        agent: "00000000-0000-7000-8000-000000000002".into(),
        job: "00000000-0000-7000-8000-000000000003".into(),
        user: "00000000-0000-7000-8000-000000000004".into(),
        deployment: "00000000-0000-7000-8000-000000000005".into(),
        batch_run: "00000000-0000-7000-8000-000000000006".into(),
    };
    let globex_admin = world.globex.token(Role::Admin);
    let mut probes = 0;
    for attacker in [globex_admin, member_of_both.as_str()] {
        for (name, document, variables) in PROBES {
            let attack = world.gql(attacker, document, variables(&foreign)).await;
            let absent = world.gql(attacker, document, variables(&missing)).await;
            assert_eq!(error_codes(&attack), ["NOT_FOUND"], "{name}: {attack}");
            assert_eq!(error_codes(&absent), ["NOT_FOUND"], "{name}: {absent}");
            assert_eq!(
                message(&attack),
                message(&absent),
                "{name}: another tenant's object must look missing"
            );
            probes += 1;
        }
    }
    for (name, document) in REFERENCE_PROBES {
        let variables = json!({
            "own": world.globex.sr_id, "ownAgent": world.globex.agent_id,
            "user": foreign.user, "server": foreign.server,
        });
        let attack = world.gql(globex_admin, document, variables).await;
        assert_eq!(error_codes(&attack), ["NOT_FOUND"], "{name}: {attack}");
        probes += 1;
    }
    // A CUSTOMER of acme cannot reach another acme requester's SR either.
    let staff_sr = world
        .gql(
            world.acme.token(Role::Pm),
            "mutation { createSr(input: { title: \"internal\", description: \"\" }) { id } }",
            json!({}),
        )
        .await;
    let staff_sr_id = staff_sr["data"]["createSr"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for document in [
        "query($sr: ID!) { sr(id: $sr) { id } }",
        "mutation($sr: ID!) { addSrComment(id: $sr, body: \"x\") { id } }",
    ] {
        let body = world
            .gql(
                world.acme.token(Role::Customer),
                document,
                json!({ "sr": staff_sr_id }),
            )
            .await;
        assert_eq!(error_codes(&body), ["NOT_FOUND"], "{body}");
        probes += 1;
    }
    let customer_list = world
        .gql(
            world.acme.token(Role::Customer),
            "{ srs { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        customer_list["data"]["srs"]["totalCount"], 1,
        "only the SR the customer requested: {customer_list}"
    );
    assert_eq!(
        customer_list["data"]["srs"]["edges"][0]["node"]["id"],
        json!(world.acme.sr_id)
    );

    let after = world.gql(acme_admin, SNAPSHOT, json!({})).await;
    let mut expected = before.clone();
    // The PM's new SR is the only change in acme.
    let srs_after = after["data"]["srs"]["edges"].as_array().expect("edges");
    assert_eq!(
        srs_after.len(),
        before["data"]["srs"]["edges"].as_array().expect("edges").len() + 1
    );
    expected["data"]["srs"] = after["data"]["srs"].clone();
    assert_eq!(after, expected, "acme's objects are unchanged");
    let unchanged_sr = srs_after
        .iter()
        .find(|e| e["node"]["id"] == json!(world.acme.sr_id))
        .expect("acme SR");
    assert_eq!(unchanged_sr["node"]["title"], "acme: printer jams");
    assert_eq!(
        unchanged_sr["node"]["comments"],
        json!([{ "body": "Still jamming" }])
    );

    // No list a globex user can read holds an acme row.
    let lists = world
        .gql(globex_admin, &format!("{SNAPSHOT} auditLog(first: 100) {{ edges {{ node {{ target actor {{ id }} }} }} }} tenant {{ code }}"), json!({}))
        .await;
    let text = lists.to_string();
    for id in [
        &foreign.sr,
        &foreign.server,
        &foreign.agent,
        &foreign.job,
        &foreign.user,
        &foreign.deployment,
        &world.acme.project_id,
        &world.acme.user(Role::Admin).id,
    ] {
        assert!(!text.contains(id.as_str()), "globex saw acme's {id}: {text}");
    }
    assert!(!text.contains("acme"), "{text}");
    assert!(probes >= 21, "{probes} probes");
}

/// An email is unique within a tenant only: creating a user with another tenant's address
/// answers exactly as with an address nobody has (that person gets a membership here), so the
/// answer tells nothing about other tenants; only the caller's own users CONFLICT.
async fn a_taken_email_does_not_tell_whose_it_is(backend: Backend) {
    let world = World::start(backend).await;
    const CREATE: &str = "mutation($e: String!) { createUser(input: { email: $e, name: \"New\", password: \"a long password\", role: ENGINEER }) { email role active grantedByOperator } }";
    let admin = world.globex.token(Role::Admin);
    let others = world
        .gql(admin, CREATE, json!({ "e": world.acme.user(Role::Pm).email }))
        .await;
    let fresh = world
        .gql(admin, CREATE, json!({ "e": "nobody-yet@globex.example" }))
        .await;
    assert!(error_codes(&others).is_empty(), "{others}");
    let shape = |body: &Value| {
        let mut user = body["data"]["createUser"].clone();
        user["email"] = Value::Null;
        user
    };
    assert_eq!(shape(&others), shape(&fresh));
    let own = world
        .gql(admin, CREATE, json!({ "e": world.globex.user(Role::Pm).email }))
        .await;
    assert_eq!(error_codes(&own), ["CONFLICT"], "{own}");
    let message = own["errors"][0]["message"].as_str().expect("a message");
    assert!(!message.contains('@'), "no address in the answer: {message}");
    // acme's data stays acme's: the new membership sees globex only.
    assert!(
        error_codes(
            &world
                .gql(world.acme.token(Role::Pm), "{ me { id } }", json!({}))
                .await
        )
        .is_empty()
    );
}

both_backends!(
    another_tenants_objects_are_not_found_and_unchanged,
    a_taken_email_does_not_tell_whose_it_is
);
