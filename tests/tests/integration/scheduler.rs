//! Batch jobs run on their schedule: each due time once (across schedulers and restarts), never
//! between due times, at most one catch-up after downtime, a failed run with its reason when
//! Jenkins is down, nothing for a disabled job. The clock is the test's: no test waits a minute.

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use guardia_backend::db::{self, Access};
use guardia_backend::scheduler::ManualClock;
use guardia_jenkins_sim::{Fault, JobSpec};
use guardia_shared::Role;
use guardia_shared::deploy::RunStatus;
use guardia_tests::api::{WorldOptions, jenkins_options};
use guardia_tests::{Backend, Guardia, GuardiaOptions, World, both_backends, gql_ok};
use serde_json::{Value, json};

/// The Jenkins job the tests' batch job runs (apart from the seeded jobs, which run elsewhere).
const JOB: &str = "acme/every-five";

/// Two days ahead at 03:00 UTC: later than every row the world wrote with the real clock, and
/// far from the seeded nightly job's 02:00 in Seoul (17:00 UTC).
fn start_time() -> DateTime<Utc> {
    let day = Utc::now().date_naive() + Duration::days(2);
    day.and_time(NaiveTime::from_hms_opt(3, 0, 0).expect("a time"))
        .and_utc()
}

/// A world on the test's clock with acme's job `every-five` (`*/5 * * * *`) and every seeded
/// nightly job disabled.
async fn world(backend: Backend, clock: &Arc<ManualClock>) -> World {
    let options = WorldOptions {
        clock: Some(clock.clone()),
        ..WorldOptions::default()
    };
    let world = World::start_with_options(backend, options).await;
    world.jenkins.add_job(JOB, JobSpec::default());
    let admin = world.acme.token(Role::Admin);
    let created = world
        .gql(
            admin,
            "mutation($job: String!) { createBatchJob(input: { name: \"every-five\", jenkinsJob: $job, schedule: \"*/5 * * * *\" }) { id } }",
            json!({ "job": JOB }),
        )
        .await;
    gql_ok(&created);
    for tenant in [&world.acme, &world.globex, &world.ops] {
        disable(&world, tenant.token(Role::Admin), &tenant.batch_job_id).await;
    }
    world
}

/// The id of acme's `every-five` job.
async fn every_five_id(world: &World) -> String {
    let body = world
        .gql(
            world.acme.token(Role::Admin),
            "{ batchJobs { id name } }",
            json!({}),
        )
        .await;
    let jobs = gql_ok(&body)["batchJobs"].as_array().expect("a list").clone();
    let five = jobs.iter().find(|j| j["name"] == "every-five").expect("the job");
    five["id"].as_str().expect("an id").to_owned()
}

async fn disable(world: &World, token: &str, job_id: &str) {
    let body = world
        .gql(
            token,
            "mutation($id: ID!) { updateBatchJob(id: $id, input: { enabled: false }) { enabled } }",
            json!({ "id": job_id }),
        )
        .await;
    assert_eq!(gql_ok(&body)["updateBatchJob"]["enabled"], false, "{body}");
}

/// Scheduled runs of `every-five`, oldest first.
async fn runs(world: &World) -> Vec<Value> {
    let mut tx = world.pool.tenant_tx("acme", Access::Read).await.expect("begin");
    let jobs = db::batch::list_jobs(&mut tx).await.expect("jobs");
    let job = jobs.iter().find(|j| j.name == "every-five").expect("the job");
    let page = db::PageRequest {
        first: 100,
        after: None,
    };
    let mut rows = db::batch::runs_of_job(&mut tx, &job.id, &page)
        .await
        .expect("runs")
        .items;
    tx.commit().await.expect("commit");
    rows.sort_by_key(|r| r.scheduled_for);
    rows.into_iter()
        .map(|r| {
            json!({
                "scheduledFor": r.scheduled_for.map(|t| t.and_utc().to_rfc3339()),
                "catchUp": r.catch_up,
                "failed": r.status == RunStatus::Failure,
                "failureReason": r.failure_reason,
            })
        })
        .collect()
}

fn at(start: DateTime<Utc>, minutes: i64, seconds: i64) -> DateTime<Utc> {
    start + Duration::minutes(minutes) + Duration::seconds(seconds)
}

async fn a_job_fires_at_its_due_times_and_not_between(backend: Backend) {
    let start = start_time();
    let clock = Arc::new(ManualClock::new(at(start, 0, 1)));
    let world = world(backend, &clock).await;
    let scheduler = world.server.scheduler();
    // 03:00 is due (one second ago): it fires once, however often the scheduler looks.
    assert_eq!(scheduler.tick().await.started, 1);
    assert_eq!(scheduler.tick().await.started, 0);
    for minute in 1..5 {
        clock.set(at(start, minute, 30));
        assert_eq!(
            scheduler.tick().await.started,
            0,
            "nothing is due at 03:0{minute}:30"
        );
    }
    clock.set(at(start, 5, 2));
    assert_eq!(scheduler.tick().await.started, 1);
    assert_eq!(world.jenkins.triggers(JOB).len(), 2);
    let runs = runs(&world).await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[1]["scheduledFor"], at(start, 5, 0).to_rfc3339());
    assert_eq!(runs[1]["catchUp"], false);

    // The next due time and the time zone are there for the web app.
    let body = world
        .gql(
            world.acme.token(Role::Engineer),
            "{ appInfo { timezone } batchJobs { name nextRunAt } }",
            json!({}),
        )
        .await;
    let data = gql_ok(&body);
    assert_eq!(data["appInfo"]["timezone"], "Asia/Seoul");
    let jobs = data["batchJobs"].as_array().expect("a list");
    let five = jobs.iter().find(|j| j["name"] == "every-five").expect("the job");
    let next: DateTime<Utc> = five["nextRunAt"]
        .as_str()
        .expect("a time")
        .parse()
        .expect("RFC 3339");
    assert_eq!(next, at(start, 10, 0));
    let nightly = jobs
        .iter()
        .find(|j| j["name"] == "nightly-report")
        .expect("seeded");
    assert!(nightly["nextRunAt"].is_null(), "a disabled job has no next run");

    // The worker follows a scheduled run to its end; its console reads like a deployment's.
    let engineer = world.acme.token(Role::Engineer);
    let newest = "{ batchJobs { name runs(first: 1) { edges { node { id status } } } } }";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let run = loop {
        let body = world.gql(engineer, newest, json!({})).await;
        let jobs = gql_ok(&body)["batchJobs"].as_array().expect("a list").clone();
        let five = jobs.iter().find(|j| j["name"] == "every-five").expect("the job");
        let node = five["runs"]["edges"][0]["node"].clone();
        if node["status"] == "SUCCESS" {
            break node;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run did not finish: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let log = world
        .gql(
            engineer,
            "query($id: ID!) { batchRunLog(id: $id) { text complete } }",
            json!({ "id": run["id"] }),
        )
        .await;
    let log = &gql_ok(&log)["batchRunLog"];
    assert_eq!(log["complete"], true, "{log}");
    assert!(log["text"].as_str().is_some_and(|t| !t.is_empty()), "{log}");
}

async fn two_schedulers_and_a_restart_start_each_due_time_once(backend: Backend) {
    let start = start_time();
    let clock = Arc::new(ManualClock::new(at(start, 0, 1)));
    let world = world(backend, &clock).await;
    let options = GuardiaOptions {
        clock: Some(clock.clone()),
        ..jenkins_options(&world.jenkins)
    };
    let other = Guardia::start(&world.db, options.clone()).await;
    let (mine, theirs) = tokio::join!(world.server.scheduler().tick(), other.scheduler().tick());
    assert_eq!(mine.started + theirs.started, 1, "{mine:?} {theirs:?}");
    // A restart mid-minute: a new app on the same database looks again.
    drop(other);
    clock.set(at(start, 0, 40));
    let restarted = Guardia::start(&world.db, options).await;
    assert_eq!(restarted.scheduler().tick().await.started, 0);
    assert_eq!(world.jenkins.triggers(JOB).len(), 1);
}

async fn downtime_yields_at_most_one_catch_up_run(backend: Backend) {
    let start = start_time();
    let clock = Arc::new(ManualClock::new(at(start, 0, 1)));
    let world = world(backend, &clock).await;
    let scheduler = world.server.scheduler();
    assert_eq!(scheduler.tick().await.started, 1);
    // Down from 03:00 to 03:52: ten due times (03:05 … 03:50) passed unseen.
    clock.set(at(start, 52, 0));
    let tick = scheduler.tick().await;
    assert_eq!((tick.started, tick.catch_up), (1, 1));
    assert_eq!(scheduler.tick().await.started, 0);
    let runs = runs(&world).await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[1]["scheduledFor"], at(start, 50, 0).to_rfc3339());
    assert_eq!(runs[1]["catchUp"], true);
    // Back on time: 03:55 is an ordinary run.
    clock.set(at(start, 55, 3));
    let tick = scheduler.tick().await;
    assert_eq!((tick.started, tick.catch_up), (1, 0));
    assert_eq!(world.jenkins.triggers(JOB).len(), 3);

    // The history says who started each run and for which due time, newest first.
    let body = world
        .gql(
            world.acme.token(Role::Pm),
            "{ batchJobs { name runs(first: 2) { totalCount pageInfo { hasNextPage }
               edges { node { scheduledFor catchUp triggeredBy { email } } } } } }",
            json!({}),
        )
        .await;
    let data = gql_ok(&body);
    let five = data["batchJobs"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|j| j["name"] == "every-five")
        .expect("the job");
    assert_eq!(five["runs"]["totalCount"], 3, "{body}");
    assert_eq!(five["runs"]["pageInfo"]["hasNextPage"], true);
    let nodes: Vec<&Value> = five["runs"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .collect();
    let due: Vec<DateTime<Utc>> = nodes
        .iter()
        .map(|n| {
            n["scheduledFor"]
                .as_str()
                .expect("a time")
                .parse()
                .expect("RFC 3339")
        })
        .collect();
    assert_eq!(due, [at(start, 55, 0), at(start, 50, 0)]);
    assert_eq!(nodes[1]["catchUp"], true);
    assert!(
        nodes.iter().all(|n| n["triggeredBy"].is_null()),
        "the scheduler: {body}"
    );
}

async fn a_job_without_catch_up_waits_for_its_next_due_time(backend: Backend) {
    let start = start_time();
    let clock = Arc::new(ManualClock::new(at(start, 0, 1)));
    let world = world(backend, &clock).await;
    let admin = world.acme.token(Role::Admin);
    let five = every_five_id(&world).await;
    let changed = world
        .gql(
            admin,
            "mutation($id: ID!) { updateBatchJob(id: $id, input: { catchUp: false }) { catchUp } }",
            json!({ "id": five }),
        )
        .await;
    assert_eq!(gql_ok(&changed)["updateBatchJob"]["catchUp"], false);
    let scheduler = world.server.scheduler();
    clock.set(at(start, 52, 0));
    assert_eq!(scheduler.tick().await.started, 0, "03:50 was missed: no catch-up");
    clock.set(at(start, 55, 1));
    assert_eq!(scheduler.tick().await.started, 1, "03:55 runs on time");
    assert_eq!(world.jenkins.triggers(JOB).len(), 1);
}

async fn jenkins_down_at_a_due_time_leaves_a_failed_run_and_the_next_fires(backend: Backend) {
    let start = start_time();
    let clock = Arc::new(ManualClock::new(at(start, 0, 1)));
    let world = world(backend, &clock).await;
    let scheduler = world.server.scheduler();
    world.jenkins.set_fault(Fault::ServerError);
    assert_eq!(scheduler.tick().await.started, 1);
    world.jenkins.set_fault(Fault::None);
    let runs_now = runs(&world).await;
    assert_eq!(runs_now.len(), 1, "{runs_now:?}");
    assert_eq!(runs_now[0]["failed"], true);
    assert!(
        runs_now[0]["failureReason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{runs_now:?}"
    );
    // Audited as the scheduler's action, once claimed and once failed at Jenkins.
    let body = world
        .gql(
            world.acme.token(Role::Admin),
            "{ auditLog(first: 20) { edges { node { action outcome actor { id } } } } }",
            json!({}),
        )
        .await;
    let outcomes: Vec<&str> = gql_ok(&body)["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["action"] == "batch.run_scheduled" && n["actor"].is_null())
        .map(|n| n["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(outcomes.len(), 2, "{body}");
    assert!(outcomes.iter().any(|o| o.starts_with("failure")), "{body}");
    clock.set(at(start, 5, 1));
    assert_eq!(scheduler.tick().await.started, 1);
    let runs_now = runs(&world).await;
    assert_eq!(runs_now.len(), 2);
    assert_eq!(runs_now[1]["failed"], false, "{runs_now:?}");
    assert_eq!(
        world.jenkins.triggers(JOB).len(),
        1,
        "only the second reached Jenkins"
    );
}

async fn disabled_jobs_never_fire(backend: Backend) {
    let start = start_time();
    let clock = Arc::new(ManualClock::new(at(start, 0, 1)));
    let world = world(backend, &clock).await;
    let admin = world.acme.token(Role::Admin);
    let five = every_five_id(&world).await;
    disable(&world, admin, &five).await;
    let scheduler = world.server.scheduler();
    for minutes in [0, 5, 10, 60, 24 * 60] {
        clock.set(at(start, minutes, 1));
        assert_eq!(scheduler.tick().await.started, 0, "+{minutes} min");
    }
    assert!(world.jenkins.triggers(JOB).is_empty());
    assert!(
        world
            .jenkins
            .triggers(&guardia_tests::api::batch_job("acme"))
            .is_empty()
    );
}

both_backends!(
    a_job_fires_at_its_due_times_and_not_between,
    two_schedulers_and_a_restart_start_each_due_time_once,
    downtime_yields_at_most_one_catch_up_run,
    a_job_without_catch_up_waits_for_its_next_due_time,
    jenkins_down_at_a_due_time_leaves_a_failed_run_and_the_next_fires,
    disabled_jobs_never_fire,
);
