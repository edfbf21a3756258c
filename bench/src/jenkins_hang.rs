//! How one tenant's deploys against a Jenkins that does not answer affect another tenant's
//! writes, on SQLite (one write lock for the whole database): `createSr` of tenant B measured
//! alone, then while tenant A's deploys wait on a hanging Jenkins — every call hanging, and
//! only the triggers (POSTs) hanging, the case where the ledger row is already written.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use guardia_backend::auth::token::TokenKeys;
use guardia_backend::db::{self, Access, DatabaseUrl, DbPool};
use guardia_jenkins_sim::{BuildResult, Fault, JenkinsSim, JobSpec, ParamDef, SimOptions};
use guardia_shared::Role;
use serde_json::json;

use crate::client::{graphql_body, http_client};
use crate::load::{Scenario, drive};
use crate::report::{Table, format_rate, micros_as_ms, quantile_ms, ratio};
use crate::server::{Guardia, JWT_SECRET};

const CREATE_SR: &str = r#"mutation{createSr(input:{title:"hang",description:"bench"}){id}}"#;
const DEPLOY: &str = r#"mutation{triggerDeploy(project:"portal"){id}}"#;
/// Tenant A's deployers, each starting a deploy as soon as the last one answered.
const DEPLOYERS: usize = 4;

pub struct Settings {
    pub connections: usize,
    pub seconds: u64,
    pub jenkins_timeout_secs: u64,
    pub guardia: PathBuf,
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = DatabaseUrl::Sqlite(dir.path().join("hang.db"));
    db::run_pending(&url).await?;
    let pool = DbPool::connect(&url).await?;
    let deployer = seed(&pool, "tenant-a", Role::DeployEngineer).await?;
    let writer = seed(&pool, "tenant-b", Role::Customer).await?;
    drop(pool);

    let jenkins = JenkinsSim::start(SimOptions::default()).await?;
    jenkins.add_job(
        "tenant-a/portal",
        JobSpec {
            parameters: vec![ParamDef::string("VERSION", "latest")],
            build_duration: Duration::from_millis(200),
            concurrent: true,
            ..JobSpec::default()
        },
    );
    jenkins.seed_builds("tenant-a/portal", 3, BuildResult::Success);
    let env = [
        ("JENKINS_URL", jenkins.url()),
        ("JENKINS_USER", jenkins.user().to_owned()),
        ("JENKINS_TOKEN", jenkins.token().to_owned()),
        ("JENKINS_TIMEOUT_SECS", settings.jenkins_timeout_secs.to_string()),
    ];
    let server = Guardia::start_with(&settings.guardia, &url, &env).await?;
    let http = http_client(settings.connections + DEPLOYERS)?;
    let endpoint = server.url("/graphql");
    let create_sr = Scenario {
        name: "createSr",
        role: "CUSTOMER of tenant B",
        target: endpoint.clone(),
        token: Some(writer),
        body: graphql_body(CREATE_SR, json!({})),
    };
    let measure = Duration::from_secs(settings.seconds);
    eprintln!(
        "jenkins-hang: {} on SQLite, {} connections writing for tenant B, {DEPLOYERS} deployers for tenant A, \
         Jenkins timeout {} s",
        settings.guardia.display(),
        settings.connections,
        settings.jenkins_timeout_secs
    );

    let mut table = Table::new(&[
        "tenant A's Jenkins",
        "B createSr req/s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "A deploys answered",
        "ratio to quiet",
    ]);
    let mut quiet_rate = 0.0;
    for (label, fault) in [
        ("answers (quiet)", Fault::None),
        ("hangs every call", Fault::Hang),
        ("hangs triggers only", Fault::PostsHang),
    ] {
        eprintln!("  Jenkins {label}…");
        jenkins.set_fault(fault);
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicU64::new(0));
        let mut deployers = tokio::task::JoinSet::new();
        for _ in 0..DEPLOYERS {
            let (http, endpoint, token) = (http.clone(), endpoint.clone(), deployer.clone());
            let (stop, answered) = (stop.clone(), answered.clone());
            deployers.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let sent = http
                        .post(&endpoint)
                        .header("content-type", "application/json")
                        .bearer_auth(&token)
                        .body(graphql_body(DEPLOY, json!({})))
                        .send()
                        .await;
                    if let Ok(response) = sent {
                        let _ = response.bytes().await;
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    // A CONFLICT (another deploy holds the project) answers at once: pace it.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        }
        let outcome = drive(&http, &create_sr, settings.connections, measure).await;
        stop.store(true, Ordering::Relaxed);
        let rate = outcome.per_second();
        if fault == Fault::None {
            quiet_rate = rate;
        }
        anyhow::ensure!(
            outcome.errors == 0,
            "createSr failed {} times while Jenkins {label}: {}",
            outcome.errors,
            outcome.first_error.unwrap_or_default()
        );
        table.row(vec![
            label.to_owned(),
            format_rate(rate),
            quantile_ms(&outcome.latencies, 0.5),
            quantile_ms(&outcome.latencies, 0.99),
            micros_as_ms(outcome.latencies.max()),
            answered.load(Ordering::Relaxed).to_string(),
            ratio(rate, quiet_rate),
        ]);
        // Let the hanging calls end (Jenkins' timeout) before the next round.
        jenkins.set_fault(Fault::None);
        while deployers.join_next().await.is_some() {}
    }
    server.stop().await;
    jenkins.shutdown();
    table.print();
    println!(
        "\nThe longest createSr of tenant B while tenant A's Jenkins hung is the max column; \
         a Jenkins call may take up to {} s.",
        settings.jenkins_timeout_secs
    );
    Ok(())
}

/// A tenant with one user of `role` and a deploy project in its own Jenkins folder; returns a
/// token for that user.
async fn seed(pool: &DbPool, code: &str, role: Role) -> anyhow::Result<String> {
    let mut tx = pool.tenant_tx(code, Access::Write).await?;
    db::tenant::create(&mut tx, code, false).await?;
    let user = db::user::create(
        &mut tx,
        db::user::NewUser {
            email: &format!("user@{code}.example"),
            name: "Bench",
            role,
            password_hash: "not-used",
        },
    )
    .await?;
    db::deploy::create_project(
        &mut tx,
        db::deploy::NewDeployProject {
            name: "portal",
            jenkins_job: &format!("{code}/portal"),
            rollback_parameter: db::deploy::DEFAULT_ROLLBACK_PARAMETER,
        },
    )
    .await?;
    tx.commit().await?;
    let (token, _) =
        TokenKeys::new(JWT_SECRET.as_bytes()).issue(&user.id, role, code, 0, 0, chrono::Utc::now())?;
    Ok(token)
}
