//! `guardia-bench scheduler`: what the batch scheduler costs per idle tenant, and how late a due
//! time starts, over simulated minutes (the scheduler's clock is set, so no run waits a real
//! minute). A due time's lateness is the loop's wake-up after the minute begins plus the time
//! the look took until that run's row was written (tenants are looked at one after another).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{NaiveDateTime, TimeDelta, Timelike, Utc};
use guardia_backend::crypto::credential::CredentialCipher;
use guardia_backend::db::{self, Access, DbPool};
use guardia_backend::jenkins::{JenkinsClient, JenkinsConfig};
use guardia_backend::scheduler::{AFTER_THE_MINUTE_MS, ManualClock, ScheduleTime, Scheduler};
use guardia_backend::tenant_jenkins::JenkinsDirectory;
use guardia_backend::worker::ActiveTenants;
use guardia_jenkins_sim::{JenkinsSim, JobSpec, SimOptions};

use crate::Backend;
use crate::report::{Table, micros_as_ms, new_histogram, quantile_ms, record};
use crate::scratch::ScratchDb;

pub struct Settings {
    pub backend: Backend,
    pub tenants: usize,
    /// Tenants whose job is due every minute (spread over the tenant list).
    pub due_tenants: usize,
    pub minutes: usize,
    pub postgres: String,
}

/// A schedule that is never due during the run (03:00 on 1 January).
const IDLE: &str = "0 3 1 1 *";
const EVERY_MINUTE: &str = "* * * * *";

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let scratch = ScratchDb::create(settings.backend, "scheduler", &settings.postgres).await?;
    db::run_pending(&scratch.url).await?;
    let pool = DbPool::connect(&scratch.url).await?;
    let sim = JenkinsSim::start(SimOptions::default()).await?;
    let every = (settings.tenants / settings.due_tenants.max(1)).max(1);
    let codes: Vec<String> = (0..settings.tenants).map(|i| format!("t{i:04}")).collect();
    let due: Vec<&String> = codes.iter().step_by(every).take(settings.due_tenants).collect();
    eprintln!(
        "filling {} tenants ({} with a job due every minute)…",
        codes.len(),
        due.len()
    );
    for code in &codes {
        let mut tx = pool.tenant_tx(code, Access::Write).await?;
        db::tenant::create(&mut tx, code, false).await?;
        let job = format!("{code}/report");
        let new = db::batch::NewBatchJob {
            name: "report",
            jenkins_job: &job,
            schedule: IDLE,
            enabled: true,
            catch_up: true,
        };
        db::batch::create_job(&mut tx, new).await?;
        tx.commit().await?;
        sim.add_job(&job, JobSpec::default());
    }

    // On the minute, a day ahead of every row written above.
    let start = (Utc::now() + TimeDelta::days(1))
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .context("a whole minute")?;
    let clock = Arc::new(ManualClock::new(start));
    let scheduler = scheduler(&pool, &sim, clock.clone())?;

    // Idle: every job is enabled and none is due.
    let mut idle_ticks = Vec::new();
    let transactions_before = transactions(settings, &scratch).await;
    for minute in 0..5 {
        clock.set(start + TimeDelta::minutes(minute));
        let began = Instant::now();
        let tick = scheduler.tick().await;
        anyhow::ensure!(tick.started == 0, "an idle look started {} runs", tick.started);
        idle_ticks.push(began.elapsed());
    }
    let transactions_per_look = transactions(settings, &scratch)
        .await
        .zip(transactions_before)
        .map(|(after, before)| (after - before) / 5);

    // Due every minute in the chosen tenants.
    for code in &due {
        let mut tx = pool.tenant_tx(code, Access::Write).await?;
        let job = db::batch::list_jobs(&mut tx).await?.remove(0);
        let changes = db::batch::BatchJobChanges {
            schedule: Some(EVERY_MINUTE.to_owned()),
            ..Default::default()
        };
        db::batch::update_job(&mut tx, &job.id, &changes).await?;
        tx.commit().await?;
    }
    let later = start + TimeDelta::minutes(10);
    let mut lateness = new_histogram();
    let mut started = 0;
    for minute in 0..settings.minutes {
        let due_at = later + TimeDelta::minutes(i64::try_from(minute)?);
        clock.set(due_at);
        let began = Utc::now();
        started += scheduler.tick().await.started;
        for code in &due {
            for written in run_written_at(&pool, code, due_at.naive_utc()).await? {
                let took = (written - began.naive_utc()).to_std().unwrap_or_default();
                record(&mut lateness, took + Duration::from_millis(AFTER_THE_MINUTE_MS));
            }
        }
    }
    anyhow::ensure!(
        started == settings.minutes * due.len(),
        "{started} runs started, {} expected",
        settings.minutes * due.len()
    );

    let mut table = Table::new(&["figure", "value"]);
    table.row(vec!["backend".into(), settings.backend.name().into()]);
    table.row(vec![
        "tenants (one enabled job each)".into(),
        codes.len().to_string(),
    ]);
    let mean_idle = idle_ticks.iter().sum::<Duration>() / 5;
    table.row(vec![
        "idle look at every tenant, ms (one a minute)".into(),
        micros_as_ms(u64::try_from(mean_idle.as_micros())?),
    ]);
    table.row(vec![
        "idle cost per tenant, µs a minute".into(),
        format!("{:.0}", mean_idle.as_secs_f64() * 1e6 / codes.len() as f64),
    ]);
    if let Some(per_look) = transactions_per_look {
        table.row(vec![
            "transactions a minute (PostgreSQL)".into(),
            per_look.to_string(),
        ]);
    }
    // Per tenant, however many jobs: BEGIN, (PostgreSQL: the tenant scope), its jobs, their last
    // due times, COMMIT.
    let per_tenant = if settings.backend == Backend::Postgres {
        5
    } else {
        4
    };
    table.row(vec![
        "statements a minute (per tenant: BEGIN, scope on PostgreSQL, jobs, last due times, COMMIT)".into(),
        (4 + codes.len() * per_tenant).to_string(),
    ]);
    table.row(vec![
        format!("due runs started ({} minutes)", settings.minutes),
        started.to_string(),
    ]);
    table.row(vec!["lateness p50, ms".into(), quantile_ms(&lateness, 0.5)]);
    table.row(vec!["lateness p99, ms".into(), quantile_ms(&lateness, 0.99)]);
    table.row(vec!["lateness max, ms".into(), quantile_ms(&lateness, 1.0)]);
    table.print();
    sim.shutdown();
    Ok(())
}

fn scheduler(pool: &DbPool, sim: &JenkinsSim, clock: Arc<ManualClock>) -> anyhow::Result<Scheduler> {
    let config = JenkinsConfig {
        url: url::Url::parse(&sim.url())?,
        user: sim.user().to_owned(),
        token: sim.token().to_owned(),
        timeout: Duration::from_secs(5),
    };
    let client = JenkinsClient::new(config).map_err(anyhow::Error::msg)?;
    let directory = JenkinsDirectory::new(
        Some(Arc::new(client)),
        Duration::from_secs(5),
        CredentialCipher::new(&[7; 32]),
    );
    Ok(Scheduler {
        pool: pool.clone(),
        jenkins: Arc::new(directory),
        active: Arc::new(ActiveTenants::default()),
        time: ScheduleTime {
            timezone: chrono_tz::Asia::Seoul,
            clock,
        },
    })
}

/// When the rows of the runs claimed for `due_at` in `tenant` were written.
async fn run_written_at(
    pool: &DbPool,
    tenant: &str,
    due_at: NaiveDateTime,
) -> anyhow::Result<Vec<NaiveDateTime>> {
    let mut tx = pool.tenant_tx(tenant, Access::Read).await?;
    let job = db::batch::list_jobs(&mut tx).await?.remove(0);
    let page = db::PageRequest {
        first: 5,
        after: None,
    };
    let runs = db::batch::runs_of_job(&mut tx, &job.id, &page).await?.items;
    tx.commit().await?;
    Ok(runs
        .into_iter()
        .filter(|r| r.scheduled_for == Some(due_at))
        .map(|r| r.started_at)
        .collect())
}

/// Committed transactions of the scratch database so far (PostgreSQL only).
async fn transactions(settings: &Settings, scratch: &ScratchDb) -> Option<i64> {
    if settings.backend != Backend::Postgres {
        return None;
    }
    let name = scratch.postgres_name()?;
    let (client, connection) = tokio_postgres::connect(&settings.postgres, tokio_postgres::NoTls)
        .await
        .ok()?;
    tokio::spawn(connection);
    // The statistics are sent at the end of each transaction, a moment later.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let row = client
        .query_one(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = $1",
            &[&name],
        )
        .await
        .ok()?;
    row.get::<_, Option<i64>>(0)
}
