//! Deploys through Jenkins (docs/jenkins.md), against the real `guardia` and the Jenkins
//! simulator: build history, artifact downloads, the deployment ledger with deploy and
//! rollback, the follow-up worker, `deploymentUpdated`, and Jenkins failing the ways it fails.

use std::time::{Duration, Instant};

use guardia_jenkins_sim::{BuildResult, Fault, JobSpec};
use guardia_shared::Role;
use guardia_tests::api::{
    BATCH_JOB, DEPLOY_JOB, FAILED_BUILD, PROJECT, SEEDED_BUILDS, error_codes, jenkins_options,
    jenkins_options_with_token,
};
use guardia_tests::subscription::Subscriber;
use guardia_tests::{Backend, Guardia, GuardiaOptions, World, both_backends, gql_ok};
use serde_json::{Value, json};

const HISTORY: &str = "query($p: String!, $n: Int) { buildHistory(project: $p, limit: $n) {
    number result building timestamp duration triggeredBy
    artifacts { fileName relativePath downloadUrl } } }";
const TRIGGER: &str = "mutation($p: String!, $v: String!) {
    triggerDeploy(project: $p, parameters: [{ name: \"VERSION\", value: $v }], reason: \"release\") {
      id kind status buildNumber triggeredBy { email } project { name } } }";
const ROLLBACK: &str = "mutation($p: String!, $b: Int!, $r: String!) {
    rollback(project: $p, toBuild: $b, reason: $r) { id kind status targetBuild reason } }";
const DEPLOYMENT: &str = "query($id: ID!) { deployment(id: $id) { status buildNumber finishedAt } }";
const LEDGER: &str = "query($p: String) { deployments(project: $p) { totalCount edges { node {
    id kind status targetBuild buildNumber reason triggeredBy { email } } } } }";

/// Polls `deployment(id)` until it is finished; returns it.
async fn wait_finished(server: &Guardia, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = server.gql(Some(token), DEPLOYMENT, json!({ "id": id })).await;
        let deployment = gql_ok(&body)["deployment"].clone();
        if !deployment["finishedAt"].is_null() {
            return deployment;
        }
        assert!(
            Instant::now() < deadline,
            "deployment {id} did not finish: {deployment}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn history_comes_from_one_jenkins_request(backend: Backend) {
    let world = World::start(backend).await;
    world.jenkins.add_job("acme/big-app", JobSpec::default());
    world
        .jenkins
        .seed_builds("acme/big-app", 5_000, BuildResult::Success);
    let token = world.acme.token(Role::Engineer);
    world
        .gql(
            world.acme.token(Role::Admin),
            "mutation { createDeployProject(input: { name: \"big\", jenkinsJob: \"acme/big-app\" }) { rollbackParameter } }",
            json!({}),
        )
        .await;

    world.jenkins.reset_requests();
    let body = world.gql(token, HISTORY, json!({ "p": "big", "n": 10 })).await;
    let builds = gql_ok(&body)["buildHistory"].as_array().expect("builds").clone();
    let requests = world.jenkins.requests();
    println!(
        "buildHistory(limit:10) on a job with 5,000 builds: {} Jenkins request(s)",
        requests.len()
    );
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].query.as_deref().unwrap_or("").contains("allBuilds"),
        "{requests:?}"
    );
    let numbers: Vec<u64> = builds
        .iter()
        .map(|b| b["number"].as_u64().expect("number"))
        .collect();
    assert_eq!(numbers, (4991..=5000).rev().collect::<Vec<u64>>());

    // The seeded project: results, durations, causes and artifacts linked through GUARDiA.
    let body = world.gql(token, HISTORY, json!({ "p": PROJECT })).await;
    let builds = gql_ok(&body)["buildHistory"].as_array().expect("builds").clone();
    assert_eq!(builds.len(), 10, "the default limit");
    assert_eq!(builds[0]["number"], SEEDED_BUILDS);
    let failed = &builds[usize::try_from(SEEDED_BUILDS - FAILED_BUILD).expect("as set up")];
    assert_eq!(failed["result"], "FAILURE", "{failed}");
    assert_eq!(builds[0]["result"], "SUCCESS");
    assert_eq!(builds[0]["building"], false);
    assert!(builds[0]["duration"].as_i64().expect("a number") > 0);
    assert!(builds[0]["triggeredBy"].is_string(), "{}", builds[0]);
    assert!(
        builds[0]["timestamp"].as_str().expect("a string")
            > builds[1]["timestamp"].as_str().expect("a string"),
        "newest first"
    );
    let artifact = &builds[0]["artifacts"][0];
    assert_eq!(artifact["relativePath"], "target/portal.war");
    assert_eq!(artifact["fileName"], "portal.war");
    assert_eq!(
        artifact["downloadUrl"],
        format!(
            "/artifacts/{}/{SEEDED_BUILDS}/target/portal.war",
            world.acme.project_id
        )
    );
    assert!(
        !body.to_string().contains(&world.jenkins.url()),
        "Jenkins' address leaked: {body}"
    );

    for bad in [0, 101] {
        let body = world.gql(token, HISTORY, json!({ "p": PROJECT, "n": bad })).await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
    }
    let body = world.gql(token, HISTORY, json!({ "p": "nope" })).await;
    assert_eq!(error_codes(&body), ["NOT_FOUND"], "{body}");
}

async fn artifacts_stream_through_guardia_to_permitted_callers(backend: Backend) {
    let world = World::start(backend).await;
    let path = format!(
        "/artifacts/{}/{SEEDED_BUILDS}/target/portal.war",
        world.acme.project_id
    );
    let expected = world
        .jenkins
        .artifact_bytes(DEPLOY_JOB, SEEDED_BUILDS, "target/portal.war")
        .expect("seeded artifact");
    let get = |token: Option<&str>, path: &str| {
        let mut request = world.server.http.get(world.server.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let response = get(Some(world.acme.token(Role::DeployEngineer)), &path)
        .await
        .expect("as set up");
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-length"], expected.len().to_string().as_str());
    assert!(headers.get("content-type").is_some());
    assert!(
        headers["content-disposition"]
            .to_str()
            .expect("as set up")
            .contains("portal.war")
    );
    let bytes = response.bytes().await.expect("answered");
    assert_eq!(bytes.len(), expected.len());
    assert!(bytes == expected, "the bytes differ from Jenkins' bytes");
    let leaked = headers.values().any(|v| {
        v.to_str().unwrap_or("").contains(&world.jenkins.url())
            || v.to_str().unwrap_or("").contains(world.jenkins.token())
    });
    assert!(!leaked, "{headers:?}");

    let code = |body: &Value| {
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let refused = get(None, &path).await.expect("answered");
    assert_eq!(refused.status(), 401);
    assert_eq!(code(&refused.json().await.expect("answered")), "UNAUTHENTICATED");
    let refused = get(Some(world.acme.token(Role::Customer)), &path)
        .await
        .expect("answered");
    assert_eq!(refused.status(), 403);
    assert_eq!(code(&refused.json().await.expect("answered")), "FORBIDDEN");
    let refused = get(Some(world.globex.token(Role::Admin)), &path)
        .await
        .expect("answered");
    assert_eq!(refused.status(), 404, "another tenant's project is unknown");
    assert_eq!(code(&refused.json().await.expect("answered")), "NOT_FOUND");
    let missing = format!(
        "/artifacts/{}/{SEEDED_BUILDS}/target/nothing.war",
        world.acme.project_id
    );
    let refused = get(Some(world.acme.token(Role::Admin)), &missing)
        .await
        .expect("answered");
    assert_eq!(refused.status(), 404);
    // An encoded "../" reaches the handler (a plain one is resolved by the URL already).
    let escape = format!(
        "/artifacts/{}/{SEEDED_BUILDS}/target/..%2F..%2Fsecret",
        world.acme.project_id
    );
    let refused = get(Some(world.acme.token(Role::Admin)), &escape)
        .await
        .expect("answered");
    assert_eq!(refused.status(), 404);
}

async fn a_deploy_is_followed_to_success_and_announced(backend: Backend) {
    let world = World::start(backend).await;
    let watch = "subscription { deploymentUpdated(project: \"portal\") { id status buildNumber kind triggeredBy { email tenant { code } } project { name } } }";
    let mut acme_watcher = Subscriber::start(&world.server.base_url, world.acme.token(Role::Engineer), watch)
        .await
        .expect("subscribed");
    let mut globex_watcher =
        Subscriber::start(&world.server.base_url, world.globex.token(Role::Engineer), watch)
            .await
            .expect("subscribed");

    let started = Instant::now();
    let body = world
        .gql(
            world.acme.token(Role::Pm),
            TRIGGER,
            json!({ "p": PROJECT, "v": "2.4.1" }),
        )
        .await;
    let deployment = gql_ok(&body)["triggerDeploy"].clone();
    assert_eq!(deployment["kind"], "DEPLOY");
    assert_eq!(deployment["status"], "QUEUED");
    assert_eq!(
        deployment["triggeredBy"]["email"],
        world.acme.user(Role::Pm).email
    );
    let id = deployment["id"].as_str().expect("id").to_owned();

    let mut with_build = None;
    let mut statuses = Vec::new();
    while let Some(event) = acme_watcher.next(Duration::from_secs(15)).await {
        let updated = &event["deploymentUpdated"];
        assert_eq!(updated["id"], id.as_str());
        assert_eq!(updated["triggeredBy"]["tenant"]["code"], "acme");
        assert_eq!(updated["project"]["name"], PROJECT);
        if with_build.is_none() && !updated["buildNumber"].is_null() {
            with_build = Some(started.elapsed());
        }
        statuses.push(updated["status"].as_str().expect("a string").to_owned());
        if updated["status"] == "SUCCESS" {
            break;
        }
    }
    let with_build = with_build.expect("an event announced the build number");
    println!(
        "triggerDeploy → deploymentUpdated with the build number: {} ms",
        with_build.as_millis()
    );
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("SUCCESS"),
        "{statuses:?}"
    );
    assert!(statuses.contains(&"RUNNING".to_owned()), "{statuses:?}");
    assert!(
        globex_watcher.next(Duration::from_millis(500)).await.is_none(),
        "globex saw acme's deploy"
    );

    let done = wait_finished(&world.server, world.acme.token(Role::Pm), &id).await;
    assert_eq!(done["status"], "SUCCESS");
    assert_eq!(
        done["buildNumber"],
        SEEDED_BUILDS + 1,
        "the build Jenkins started"
    );
    let sent = world.jenkins.triggers(DEPLOY_JOB);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains(&("VERSION".to_owned(), "2.4.1".to_owned())),
        "{sent:?}"
    );

    let log = world
        .gql(
            world.acme.token(Role::Engineer),
            "query($id: ID!) { deploymentLog(id: $id) { text nextStart complete } }",
            json!({ "id": id }),
        )
        .await;
    let log = &gql_ok(&log)["deploymentLog"];
    assert!(
        log["text"]
            .as_str()
            .expect("a string")
            .contains("Finished: SUCCESS"),
        "{log}"
    );
    assert_eq!(log["complete"], true);
    let tail = world
        .gql(
            world.acme.token(Role::Engineer),
            "query($id: ID!, $s: Int!) { deploymentLog(id: $id, start: $s) { text complete } }",
            json!({ "id": id, "s": log["nextStart"] }),
        )
        .await;
    assert_eq!(
        gql_ok(&tail)["deploymentLog"]["text"],
        "",
        "nothing after the end"
    );

    // The audit log has the trigger with its reason.
    let audit = world
        .gql(
            world.acme.token(Role::Admin),
            "{ auditLog(first: 20) { edges { node { action target detail } } } }",
            json!({}),
        )
        .await;
    let entries = gql_ok(&audit)["auditLog"]["edges"]
        .as_array()
        .expect("a list")
        .clone();
    assert!(
        entries.iter().any(|e| e["node"]["action"] == "deploy.trigger"
            && e["node"]["target"] == id.as_str()
            && e["node"]["detail"] == "release"),
        "{audit}"
    );
}

async fn rollback_sends_the_build_and_keeps_its_reason(backend: Backend) {
    let world = World::start(backend).await;
    let token = world.acme.token(Role::DeployEngineer);
    let target = SEEDED_BUILDS - 2;
    let body = world
        .gql(
            token,
            ROLLBACK,
            json!({ "p": PROJECT, "b": target, "r": "INC-42: login broken since #12" }),
        )
        .await;
    let rollback = gql_ok(&body)["rollback"].clone();
    assert_eq!(rollback["kind"], "ROLLBACK");
    assert_eq!(rollback["targetBuild"], target);
    assert_eq!(rollback["reason"], "INC-42: login broken since #12");
    let sent = world.jenkins.triggers(DEPLOY_JOB);
    assert_eq!(sent, [vec![("ROLLBACK_BUILD".to_owned(), target.to_string())]]);
    let id = rollback["id"].as_str().expect("a string").to_owned();
    let done = wait_finished(&world.server, token, &id).await;
    assert_eq!(done["status"], "SUCCESS");

    let ledger = world.gql(token, LEDGER, json!({ "p": PROJECT })).await;
    let ledger = &gql_ok(&ledger)["deployments"];
    assert_eq!(ledger["totalCount"], 1);
    let node = &ledger["edges"][0]["node"];
    assert_eq!(node["kind"], "ROLLBACK");
    assert_eq!(node["reason"], "INC-42: login broken since #12");
    assert_eq!(
        node["triggeredBy"]["email"],
        world.acme.user(Role::DeployEngineer).email
    );
    assert_eq!(node["buildNumber"], SEEDED_BUILDS + 1);

    let audit = world
        .gql(
            world.acme.token(Role::Admin),
            "{ auditLog(first: 20) { edges { node { action detail } } } }",
            json!({}),
        )
        .await;
    assert!(
        audit.to_string().contains("deploy.rollback")
            && audit.to_string().contains("INC-42: login broken since #12"),
        "{audit}"
    );
}

async fn rollback_targets_are_checked_before_anything_is_triggered(backend: Backend) {
    let world = World::start(backend).await;
    let token = world.acme.token(Role::Admin);
    world.jenkins.discard_build(DEPLOY_JOB, 2);
    world.jenkins.purge_artifacts(DEPLOY_JOB, 3);
    let cases = [
        (FAILED_BUILD, "bad build", "FAILURE"),
        (2, "discarded", "does not exist"),
        (99_999, "unknown", "does not exist"),
        (3, "purged", "no artifacts"),
        (5, "   ", "must not be empty"),
        (0, "zero", "build number"),
    ];
    for (build, reason, says) in cases {
        let body = world
            .gql(token, ROLLBACK, json!({ "p": PROJECT, "b": build, "r": reason }))
            .await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "#{build}: {body}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .expect("a string")
                .contains(says),
            "#{build}: {body}"
        );
    }
    assert!(
        world.jenkins.triggers(DEPLOY_JOB).is_empty(),
        "nothing was triggered"
    );
    let ledger = world.gql(token, LEDGER, json!({ "p": PROJECT })).await;
    assert_eq!(gql_ok(&ledger)["deployments"]["totalCount"], 0);

    // Bad parameters are refused before Jenkins sees them, too.
    let body = world
        .gql(
            token,
            "mutation { triggerDeploy(project: \"portal\", parameters: [{ name: \"NOPE\", value: \"1\" }]) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
    assert!(world.jenkins.triggers(DEPLOY_JOB).is_empty());
    let ledger = world.gql(token, LEDGER, json!({ "p": PROJECT })).await;
    assert_eq!(gql_ok(&ledger)["deployments"]["totalCount"], 0, "no orphan row");
}

async fn one_deploy_at_a_time_per_project(backend: Backend) {
    let world = World::start(backend).await;
    let tokens =
        [Role::Admin, Role::Pm, Role::DeployEngineer, Role::Admin].map(|r| world.acme.token(r).to_owned());
    let calls = tokens.iter().enumerate().map(|(i, token)| {
        world.server.gql(
            Some(token),
            TRIGGER,
            json!({ "p": PROJECT, "v": format!("1.0.{i}") }),
        )
    });
    let bodies = futures_util::future::join_all(calls).await;
    let ok = bodies.iter().filter(|b| error_codes(b).is_empty()).count();
    let conflicts = bodies.iter().filter(|b| error_codes(b) == ["CONFLICT"]).count();
    assert_eq!((ok, conflicts), (1, 3), "{bodies:?}");
    assert_eq!(
        world.jenkins.triggers(DEPLOY_JOB).len(),
        1,
        "only the winner reached Jenkins"
    );

    // Once it finished, the next deploy may go.
    let winner = bodies
        .iter()
        .find(|b| error_codes(b).is_empty())
        .expect("as set up");
    let id = winner["data"]["triggerDeploy"]["id"].as_str().expect("a string");
    wait_finished(&world.server, world.acme.token(Role::Admin), id).await;
    let next = world
        .gql(
            world.acme.token(Role::Admin),
            TRIGGER,
            json!({ "p": PROJECT, "v": "1.1.0" }),
        )
        .await;
    assert!(error_codes(&next).is_empty(), "{next}");
}

async fn jenkins_failures_answer_upstream_unavailable(backend: Backend) {
    let world = World::start(backend).await;
    let token = world.acme.token(Role::Admin);
    for fault in [Fault::ServerError, Fault::Hang] {
        world.jenkins.set_fault(fault);
        let started = Instant::now();
        let history = world.gql(token, HISTORY, json!({ "p": PROJECT })).await;
        let deploy = world
            .gql(token, TRIGGER, json!({ "p": PROJECT, "v": "9.9.9" }))
            .await;
        let elapsed = started.elapsed();
        assert_eq!(
            error_codes(&history),
            ["UPSTREAM_UNAVAILABLE"],
            "{fault:?}: {history}"
        );
        assert_eq!(
            error_codes(&deploy),
            ["UPSTREAM_UNAVAILABLE"],
            "{fault:?}: {deploy}"
        );
        assert!(
            elapsed < Duration::from_secs(15),
            "{fault:?} took {elapsed:?} for two calls"
        );
        // The ledger stays readable and holds no orphan row.
        let ledger = world.gql(token, LEDGER, json!({ "p": PROJECT })).await;
        assert_eq!(gql_ok(&ledger)["deployments"]["totalCount"], 0, "{fault:?}");
    }
    world.jenkins.set_fault(Fault::None);

    // A wrong API token (401) and no Jenkins at all are clear too.
    let wrong = jenkins_options_with_token(&world.jenkins, "not-the-token");
    let second = Guardia::start(&world.db, wrong).await;
    let body = second.gql(Some(token), HISTORY, json!({ "p": PROJECT })).await;
    assert_eq!(error_codes(&body), ["UPSTREAM_UNAVAILABLE"], "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("a string")
            .contains("401"),
        "{body}"
    );
    drop(second);
    let unconfigured = Guardia::start(&world.db, GuardiaOptions::default()).await;
    let body = unconfigured
        .gql(Some(token), HISTORY, json!({ "p": PROJECT }))
        .await;
    assert_eq!(error_codes(&body), ["UPSTREAM_UNAVAILABLE"], "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("as set up")
            .contains("JENKINS_URL"),
        "{body}"
    );
}

async fn a_restart_mid_deploy_is_followed_to_the_end(backend: Backend) {
    // Child processes: the first is killed (SIGKILL) mid-deploy.
    let mut world = World::start_process(backend, &[]).await;
    world.jenkins.add_job(
        "acme/slow",
        JobSpec {
            build_duration: Duration::from_secs(3),
            ..JobSpec::default()
        },
    );
    let admin = world.acme.token(Role::Admin).to_owned();
    world
        .gql(
            &admin,
            "mutation { createDeployProject(input: { name: \"slow\", jenkinsJob: \"acme/slow\" }) { id } }",
            json!({}),
        )
        .await;
    let body = world
        .gql(
            &admin,
            "mutation { triggerDeploy(project: \"slow\") { id } }",
            json!({}),
        )
        .await;
    let id = gql_ok(&body)["triggerDeploy"]["id"]
        .as_str()
        .expect("a string")
        .to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A hard stop (SIGKILL) mid-deploy, then a new process on the same database.
    world.server.kill().await;
    world.server = Guardia::start_process(&world.db, jenkins_options(&world.jenkins)).await;
    let done = wait_finished(&world.server, &admin, &id).await;
    assert_eq!(done["status"], "SUCCESS", "{done}");
    assert_eq!(done["buildNumber"], 1);
}

async fn batch_runs_now_and_is_followed(backend: Backend) {
    let world = World::start(backend).await;
    let token = world.acme.token(Role::DeployEngineer);
    let body = world
        .gql(
            token,
            "mutation($id: ID!) { runBatchNow(id: $id) { id status } }",
            json!({ "id": world.acme.batch_job_id }),
        )
        .await;
    assert_eq!(gql_ok(&body)["runBatchNow"]["status"], "QUEUED");
    assert_eq!(world.jenkins.triggers(BATCH_JOB).len(), 1);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let jobs = world
            .gql(
                token,
                "{ batchJobs { id lastRun { status buildNumber finishedAt } } }",
                json!({}),
            )
            .await;
        let run = gql_ok(&jobs)["batchJobs"][0]["lastRun"].clone();
        if run["status"] == "SUCCESS" {
            assert_eq!(run["buildNumber"], 1);
            assert!(!run["finishedAt"].is_null());
            break;
        }
        assert!(Instant::now() < deadline, "the batch run did not finish: {run}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let foreign = world
        .gql(
            world.globex.token(Role::Admin),
            "mutation($id: ID!) { runBatchNow(id: $id) { id } }",
            json!({ "id": world.acme.batch_job_id }),
        )
        .await;
    assert_eq!(error_codes(&foreign), ["NOT_FOUND"], "{foreign}");
    assert_eq!(world.jenkins.triggers(BATCH_JOB).len(), 1);
}

async fn a_jenkins_demanding_crumbs_still_deploys(backend: Backend) {
    let options = guardia_jenkins_sim::SimOptions {
        csrf: guardia_jenkins_sim::Csrf::Required,
        ..Default::default()
    };
    let world = World::start_with(backend, options).await;
    let token = world.acme.token(Role::Admin);
    for version in ["1", "2"] {
        let body = world
            .gql(token, TRIGGER, json!({ "p": PROJECT, "v": version }))
            .await;
        let id = gql_ok(&body)["triggerDeploy"]["id"]
            .as_str()
            .expect("a string")
            .to_owned();
        wait_finished(&world.server, token, &id).await;
    }
    let crumbs = world
        .jenkins
        .requests()
        .iter()
        .filter(|r| r.path.contains("crumbIssuer"))
        .count();
    assert_eq!(
        crumbs, 1,
        "the crumb is fetched once, when first demanded, and reused"
    );
    assert_eq!(world.jenkins.triggers(DEPLOY_JOB).len(), 2);
}

async fn subscriptions_need_a_token_and_the_history_right(backend: Backend) {
    let world = World::start(backend).await;
    let watch = "subscription { deploymentUpdated { id } }";
    let refused = Subscriber::start(&world.server.base_url, "not-a-token", watch).await;
    assert!(refused.is_err(), "a bad token was accepted");
    let refused = Subscriber::start(&world.server.base_url, world.acme.token(Role::Customer), watch).await;
    match refused {
        Err(guardia_tests::subscription::Refused::Error(message)) => {
            assert!(message.to_string().contains("FORBIDDEN"), "{message}")
        }
        other => panic!("a CUSTOMER subscribed: {:?}", other.err()),
    }
    // A subscriber deactivated after connecting gets no more events.
    let mut watcher = Subscriber::start(&world.server.base_url, world.acme.token(Role::Engineer), watch)
        .await
        .expect("subscribed");
    let deactivated = world
        .gql(
            world.acme.token(Role::Admin),
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({ "id": world.acme.user(Role::Engineer).id }),
        )
        .await;
    assert_eq!(gql_ok(&deactivated)["deactivateUser"]["active"], false);
    let deploy = world
        .gql(
            world.acme.token(Role::Admin),
            TRIGGER,
            json!({ "p": PROJECT, "v": "after" }),
        )
        .await;
    assert!(error_codes(&deploy).is_empty(), "{deploy}");
    assert!(
        watcher.next(Duration::from_secs(3)).await.is_none(),
        "a deactivated user still receives events"
    );
    let unknown = "subscription { deploymentUpdated(project: \"nope\") { id } }";
    let refused = Subscriber::start(&world.server.base_url, world.acme.token(Role::Admin), unknown).await;
    assert!(
        matches!(&refused, Err(guardia_tests::subscription::Refused::Error(m)) if m.to_string().contains("NOT_FOUND")),
        "{:?}",
        refused.err()
    );
}

/// Two processes on one database: the one-deploy-per-project rule holds across them, and on
/// PostgreSQL a subscriber of one process sees a deploy started through the other (LISTEN/
/// NOTIFY). SQLite serves one process, so there only the rule is checked.
async fn two_processes_share_the_ledger(backend: Backend) {
    let world = World::start(backend).await;
    let other = Guardia::start_process(&world.db, jenkins_options(&world.jenkins)).await;
    let watch = "subscription { deploymentUpdated(project: \"portal\") { id status buildNumber } }";
    let mut watcher = Subscriber::start(&other.base_url, world.acme.token(Role::Engineer), watch)
        .await
        .expect("subscribed");
    let token = world.acme.token(Role::Admin);
    let first = world.gql(token, TRIGGER, json!({ "p": PROJECT, "v": "a" })).await;
    let id = gql_ok(&first)["triggerDeploy"]["id"]
        .as_str()
        .expect("a string")
        .to_owned();
    let second = other
        .gql(Some(token), TRIGGER, json!({ "p": PROJECT, "v": "b" }))
        .await;
    assert_eq!(error_codes(&second), ["CONFLICT"], "{second}");
    if backend == Backend::Postgres {
        let event = watcher
            .next(Duration::from_secs(10))
            .await
            .expect("the other process heard it");
        assert_eq!(event["deploymentUpdated"]["id"], id.as_str());
    }
    let done = wait_finished(&other, token, &id).await;
    assert_eq!(done["status"], "SUCCESS");
    assert_eq!(world.jenkins.triggers(DEPLOY_JOB).len(), 1);
}

both_backends!(
    history_comes_from_one_jenkins_request,
    artifacts_stream_through_guardia_to_permitted_callers,
    a_deploy_is_followed_to_success_and_announced,
    rollback_sends_the_build_and_keeps_its_reason,
    rollback_targets_are_checked_before_anything_is_triggered,
    one_deploy_at_a_time_per_project,
    jenkins_failures_answer_upstream_unavailable,
    a_restart_mid_deploy_is_followed_to_the_end,
    batch_runs_now_and_is_followed,
    a_jenkins_demanding_crumbs_still_deploys,
    subscriptions_need_a_token_and_the_history_right,
    two_processes_share_the_ledger,
);
