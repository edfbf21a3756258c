//! `guardia demo` as a newcomer runs it (README.md, "The demo"): the real binary recreates its
//! own SQLite file, seeds tenants with every role, starts the Jenkins simulator in-process and
//! serves; it prints the logins, says Jenkins is simulated, and a rollback goes through. The
//! demo is SQLite by design (its own file), so these tests have no PostgreSQL variant.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use guardia_tests::{Guardia, gql_ok, guardia_bin};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

const PASSWORD: &str = "guardia-demo-1234";
const ROLES: [&str; 5] = ["admin", "pm", "engineer", "deploy-engineer", "customer"];
const STATUSES: [&str; 6] = [
    "OPEN",
    "IN_PROGRESS",
    "ON_HOLD",
    "RESOLVED",
    "CLOSED",
    "CANCELLED",
];
const SRS: &str = "{ srs(first: 100) { totalCount edges { node { status priority requester { email }
    assignee { email } comments { body } sla { state } } } } }";

/// A running demo and everything it printed so far.
struct Demo {
    server: Guardia,
    stdout: Arc<Mutex<String>>,
}

impl Demo {
    async fn start(dir: &Path) -> Demo {
        let file = dir.join("demo.db");
        let web_dir = dir.join("no-such-web-app");
        let file = file.to_str().expect("UTF-8 path");
        let web_dir = web_dir.to_str().expect("UTF-8 path");
        let mut server = Guardia::start_demo(dir, &["--file", file, "--web-dir", web_dir]).await;
        let mut pipe = server.take_stdout().expect("stdout piped");
        let stdout = Arc::new(Mutex::new(String::new()));
        let sink = stdout.clone();
        tokio::spawn(async move {
            let mut buffer = [0u8; 4096];
            while let Ok(read) = pipe.read(&mut buffer).await {
                if read == 0 {
                    break;
                }
                sink.lock()
                    .expect("not poisoned")
                    .push_str(&String::from_utf8_lossy(&buffer[..read]));
            }
        });
        Demo { server, stdout }
    }

    /// Waits until the output holds `text`; returns the whole output.
    async fn wait_for_output(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let output = self.stdout.lock().expect("not poisoned").clone();
            if output.contains(text) {
                return output;
            }
            assert!(
                Instant::now() < deadline,
                "the demo never printed {text:?}:\n{output}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn login(&self, email: &str) -> String {
        let body = self
            .server
            .gql(
                None,
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { role } } }",
                json!({ "e": email, "p": PASSWORD }),
            )
            .await;
        gql_ok(&body)["login"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("{email} cannot log in: {body}"))
            .to_owned()
    }

    async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.server.gql(Some(token), query, variables).await
    }
}

/// Counts a fresh demo must always have, as its ADMIN of seoul-hosp sees them.
async fn counts(demo: &Demo) -> Value {
    let admin = demo.login("admin@seoul-hosp.demo").await;
    let body = demo
        .gql(
            &admin,
            "{ srs(first: 1) { totalCount } users { email } servers(first: 10) { totalCount }
               agents { name } deployments(first: 1) { totalCount } batchJobs { name } }",
            json!({}),
        )
        .await;
    let data = gql_ok(&body);
    json!({
        "srs": data["srs"]["totalCount"],
        "users": data["users"].as_array().map(Vec::len),
        "servers": data["servers"]["totalCount"],
        "agents": data["agents"].as_array().map(Vec::len),
        "deployments": data["deployments"]["totalCount"],
        "batchJobs": data["batchJobs"].as_array().map(Vec::len),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_starts_with_sample_data_and_simulated_jenkins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::start(dir.path()).await;

    let output = demo.wait_for_output("customer@busan-city.demo").await;
    assert!(output.contains(PASSWORD), "{output}");
    assert!(output.contains("SIMULATED"), "{output}");
    assert!(
        output.contains(&demo.server.base_url),
        "the URL is printed: {output}"
    );
    assert!(output.contains("admin@ops.demo"), "{output}");
    assert!(output.contains("engineer@ops.demo"), "{output}");
    for tenant in ["seoul-hosp", "busan-city"] {
        for role in ROLES.into_iter().filter(|role| *role != "engineer") {
            assert!(
                output.contains(&format!("{role}@{tenant}.demo")),
                "{role}@{tenant}: {output}"
            );
        }
    }

    // The banner's query needs no login.
    let info = demo
        .server
        .gql(None, "{ appInfo { version demo jenkinsSimulated } }", json!({}))
        .await;
    assert_eq!(gql_ok(&info)["appInfo"]["demo"], true, "{info}");
    assert_eq!(gql_ok(&info)["appInfo"]["jenkinsSimulated"], true, "{info}");

    // Every role of both institutions logs in with the one password; their engineer is the
    // operator's, one person with a membership in each.
    for tenant in ["seoul-hosp", "busan-city"] {
        for role in ROLES.into_iter().filter(|role| *role != "engineer") {
            demo.login(&format!("{role}@{tenant}.demo")).await;
        }
    }
    demo.login("admin@ops.demo").await;
    let staff = demo
        .server
        .gql(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { memberships { tenantCode role } } }",
            json!({ "e": "engineer@ops.demo", "p": PASSWORD }),
        )
        .await;
    let mut memberships: Vec<String> = gql_ok(&staff)["login"]["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m["tenantCode"].as_str().expect("text"),
                m["role"].as_str().expect("text")
            )
        })
        .collect();
    memberships.sort();
    assert_eq!(
        memberships,
        ["busan-city ENGINEER", "ops ENGINEER", "seoul-hosp ENGINEER"]
    );

    let deployer = demo.login("deploy-engineer@seoul-hosp.demo").await;
    let history = demo
        .gql(
            &deployer,
            "{ buildHistory(project: \"portal\", limit: 30) { number result building
               artifacts { relativePath signedUrl } } }",
            json!({}),
        )
        .await;
    let builds = gql_ok(&history)["buildHistory"]
        .as_array()
        .expect("builds")
        .clone();
    assert!(builds.len() >= 20, "{history}");
    let results: Vec<&str> = builds.iter().filter_map(|b| b["result"].as_str()).collect();
    assert!(results.contains(&"FAILURE"), "{results:?}");
    assert!(
        results.iter().filter(|r| **r == "SUCCESS").count() >= 15,
        "{results:?}"
    );
    for build in &builds {
        let paths: Vec<&str> = build["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .filter_map(|a| a["relativePath"].as_str())
            .collect();
        assert!(paths.contains(&"target/portal.war"), "{build}");
        assert!(paths.contains(&"reports/release-notes.txt"), "{build}");
    }
    // A signed link downloads the ~300 KB war without a token.
    let link = builds[0]["artifacts"][0]["signedUrl"].as_str().expect("a link");
    let war = demo.server.get(link).await;
    assert_eq!(war.status(), 200);
    let size = war.bytes().await.expect("body").len();
    assert!((250_000..=400_000).contains(&size), "{size} bytes");

    // SRs in every status, with comments, some assigned.
    let body = demo.gql(&deployer, SRS, json!({})).await;
    let srs = gql_ok(&body)["srs"]["edges"].as_array().expect("edges").clone();
    assert!(srs.len() >= 8, "{body}");
    for status in STATUSES {
        assert!(
            srs.iter().any(|e| e["node"]["status"] == status),
            "no {status} SR: {body}"
        );
    }
    assert!(srs.iter().any(|e| !e["node"]["assignee"].is_null()), "{body}");
    let comments: Vec<String> = srs
        .iter()
        .flat_map(|e| e["node"]["comments"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["body"].as_str().map(str::to_owned))
        .collect();
    assert!(
        comments
            .iter()
            .any(|c| c.chars().any(|ch| ('가'..='힣').contains(&ch))),
        "Korean: {comments:?}"
    );
    assert!(comments.iter().any(|c| c.is_ascii()), "English: {comments:?}");

    // The hospital works round the clock: its SRs show every SLA state, and the months its
    // SRs were filed in have reports.
    for state in ["OK", "WARNING", "BREACHED"] {
        assert!(
            srs.iter().any(|e| e["node"]["sla"]["state"] == state),
            "no {state} SR: {body}"
        );
    }
    let admin = demo.login("admin@seoul-hosp.demo").await;
    let seoul_now = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Seoul);
    let mut reported = 0;
    for month in [seoul_now, seoul_now - chrono::Duration::days(14)] {
        let body = demo
            .gql(
                &admin,
                "query($m: String!) { slaReport(month: $m) { priorities { srs } csv } }",
                json!({ "m": month.format("%Y-%m").to_string() }),
            )
            .await;
        let report = &gql_ok(&body)["slaReport"];
        assert!(
            report["csv"]
                .as_str()
                .is_some_and(|csv| csv.starts_with("month,")),
            "{body}"
        );
        reported += report["priorities"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|row| row["srs"].as_i64().unwrap_or(0))
            .sum::<i64>();
    }
    assert_eq!(
        reported,
        srs.len() as i64,
        "every demo SR is in its month's report"
    );

    // A CUSTOMER sees only the SRs they requested.
    let customer = demo.login("customer@seoul-hosp.demo").await;
    let body = demo.gql(&customer, SRS, json!({})).await;
    let own = gql_ok(&body)["srs"]["edges"].as_array().expect("edges").clone();
    assert!(!own.is_empty() && own.len() < srs.len(), "{body}");
    for edge in &own {
        assert_eq!(
            edge["node"]["requester"]["email"], "customer@seoul-hosp.demo",
            "{edge}"
        );
    }

    // Servers (one with a credential), agents (one online), the ledger, the batch job.
    let body = demo
        .gql(
            &deployer,
            "{ servers(first: 10) { edges { node { name credential { username } } } }
               agents { name status } deployments(project: \"portal\") { edges { node { kind status reason targetBuild buildNumber } } }
               batchJobs { name jenkinsJob schedule lastRun { status buildNumber } } }",
            json!({}),
        )
        .await;
    let data = gql_ok(&body);
    let servers = data["servers"]["edges"].as_array().expect("servers");
    assert_eq!(servers.len(), 3, "{body}");
    assert_eq!(
        servers
            .iter()
            .filter(|s| !s["node"]["credential"].is_null())
            .count(),
        1,
        "{body}"
    );
    let agents = data["agents"].as_array().expect("agents");
    assert_eq!(agents.len(), 2, "{body}");
    assert!(agents.iter().any(|a| a["status"] == "ONLINE"), "{body}");
    let ledger = data["deployments"]["edges"].as_array().expect("ledger");
    assert!(
        ledger
            .iter()
            .any(|e| e["node"]["kind"] == "DEPLOY" && e["node"]["status"] == "SUCCESS"),
        "{body}"
    );
    let rollback = ledger
        .iter()
        .find(|e| e["node"]["kind"] == "ROLLBACK")
        .unwrap_or_else(|| panic!("no rollback in {body}"));
    assert!(rollback["node"]["reason"].as_str().is_some_and(|r| !r.is_empty()));
    let target = rollback["node"]["targetBuild"].as_u64().expect("a target");
    let target_result = builds
        .iter()
        .find(|b| b["number"].as_u64() == Some(target))
        .map(|b| b["result"].clone());
    assert_eq!(
        target_result,
        Some(json!("SUCCESS")),
        "the ledger agrees with Jenkins"
    );
    assert_eq!(data["batchJobs"][0]["name"], "nightly-report", "{body}");
    assert_eq!(data["batchJobs"][0]["jenkinsJob"], "seoul-hosp/nightly-report");
    assert_eq!(
        data["batchJobs"][0]["schedule"], "*/5 * * * *",
        "fires while one tries it"
    );

    // A rollback goes through the simulator: queued, running, success.
    let ok_build = builds
        .iter()
        .skip(1)
        .find(|b| b["result"] == "SUCCESS")
        .and_then(|b| b["number"].as_u64())
        .expect("a successful build");
    let body = demo
        .gql(
            &deployer,
            "mutation($b: Int!) { rollback(project: \"portal\", toBuild: $b, reason: \"demo test: back to a good build\") { id status } }",
            json!({ "b": ok_build }),
        )
        .await;
    let id = gql_ok(&body)["rollback"]["id"].as_str().expect("id").to_owned();
    let mut seen = vec![
        gql_ok(&body)["rollback"]["status"]
            .as_str()
            .expect("status")
            .to_owned(),
    ];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let body = demo
            .gql(
                &deployer,
                "query($id: ID!) { deployment(id: $id) { status buildNumber finishedAt } }",
                json!({ "id": id }),
            )
            .await;
        let deployment = gql_ok(&body)["deployment"].clone();
        let status = deployment["status"].as_str().expect("status").to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if !deployment["finishedAt"].is_null() {
            assert_eq!(status, "SUCCESS", "{deployment}");
            assert_eq!(deployment["buildNumber"], 26, "{deployment}");
            break;
        }
        assert!(Instant::now() < deadline, "the rollback did not finish: {seen:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(seen.first().map(String::as_str), Some("QUEUED"), "{seen:?}");
    assert!(seen.iter().any(|s| s == "RUNNING"), "visibly running: {seen:?}");

    // Without a built web app, `/` says how to build it.
    let page = demo.server.get("/").await;
    assert!(page.text().await.expect("body").contains("scripts/run"));

    let status = demo.server.terminate().await;
    assert!(
        status.success(),
        "Ctrl-C / SIGTERM stops the demo cleanly: {status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_demo_on_the_same_file_starts_fresh() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Demo::start(dir.path()).await;
    let first = counts(&demo).await;
    assert_eq!(first["users"], 5, "{first}");
    assert_eq!(first["servers"], 3, "{first}");
    assert_eq!(first["agents"], 2, "{first}");
    assert!(first["srs"].as_u64().expect("a count") >= 8, "{first}");
    // Change something that a fresh start must forget.
    let customer = demo.login("customer@seoul-hosp.demo").await;
    let body = demo
        .gql(
            &customer,
            "mutation { createSr(input: { title: \"left over\", description: \"from run one\" }) { id } }",
            json!({}),
        )
        .await;
    gql_ok(&body);
    assert_ne!(counts(&demo).await, first);
    assert!(demo.server.terminate().await.success());

    let demo = Demo::start(dir.path()).await;
    let output = demo.wait_for_output("customer@busan-city.demo").await;
    assert!(output.contains("starting fresh"), "{output}");
    assert_eq!(
        counts(&demo).await,
        first,
        "the second run starts from the same sample data"
    );
    assert!(demo.server.terminate().await.success());
}

#[tokio::test]
async fn the_demo_leaves_a_file_that_is_not_its_own_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let precious = dir.path().join("guardia.db");
    std::fs::write(&precious, "not a demo database").expect("write");
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(guardia_bin())
            .args(["demo", "--bind", "127.0.0.1:0", "--file"])
            .arg(&precious)
            .env_remove("DATABASE_URL")
            .current_dir(dir.path())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("exits promptly")
    .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a GUARDiA demo database"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&precious).expect("still there"),
        "not a demo database"
    );
}
