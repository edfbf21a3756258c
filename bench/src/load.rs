//! The load benchmark: the real `guardia serve` on a generated database, driven over HTTP by N
//! concurrent keep-alive clients per scenario, every response checked.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use diesel_async::RunQueryDsl;
use guardia_backend::db::{Access, DatabaseUrl, DbPool};
use guardia_shared::Role;
use hdrhistogram::Histogram;
use serde_json::json;

use crate::client::{graphql_body, graphql_failure, http_client, login};
use crate::generate::{email, tenant_code};
use crate::report::{
    Table, client_cpu, duration, format_rate, new_histogram, quantile_ms, rate, ratio, record,
};
use crate::scratch::ScratchDb;
use crate::server::Guardia;
use crate::{Backend, baseline};

/// Rounds of the GraphQL list and the raw handler, each side once per round.
const COMPARE_ROUNDS: usize = 3;
/// Requests before this are not counted: connections open, caches and pools fill.
const WARM_UP: Duration = Duration::from_secs(1);

pub const SRS_PAGE: &str = "{srs(first:50){edges{node{title status requester{name} assignee{name}}}}}";
/// The same page with each SR's service-level clocks (stored on the SR row).
const SRS_PAGE_SLA: &str = "{srs(first:50){edges{node{title status requester{name} assignee{name} sla{state responseDueAt resolutionDueAt}}}}}";
const CREATE_SR: &str = r#"mutation{createSr(input:{title:"bench",description:"load"}){id}}"#;
/// What CREATE_SR writes, to find those SRs again.
const CREATED_TITLE: &str = "bench";
const CREATED_DESCRIPTION: &str = "load";
const SERVERS_PAGE: &str = "{servers(first:50){edges{node{name host}}}}";
const DEPLOYMENTS_PAGE: &str = "{deployments(first:50){edges{node{status buildNumber}}}}";

pub struct Settings {
    pub url: DatabaseUrl,
    pub connections: usize,
    pub seconds: u64,
    pub guardia: PathBuf,
}

/// One kind of request, sent again and again.
pub(crate) struct Scenario {
    pub name: &'static str,
    pub role: &'static str,
    pub target: String,
    pub token: Option<String>,
    pub body: Bytes,
}

/// What the clients of one scenario saw in the measured window.
pub struct Outcome {
    /// Latencies of the successful responses, in µs.
    pub latencies: Histogram<u64>,
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn per_second(&self) -> f64 {
        rate(self.ok, self.elapsed)
    }
}

/// One side's outcomes over every round of a cell.
pub(crate) struct Total {
    pub latencies: Histogram<u64>,
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub client_cpu: Duration,
}

impl Default for Total {
    fn default() -> Self {
        Total {
            latencies: new_histogram(),
            ok: 0,
            errors: 0,
            first_error: None,
            elapsed: Duration::ZERO,
            client_cpu: Duration::ZERO,
        }
    }
}

impl Total {
    /// One run's outcome alone.
    pub fn of(outcome: Outcome) -> Self {
        let mut total = Total::default();
        total.add(outcome, Duration::ZERO);
        total
    }

    pub fn add(&mut self, outcome: Outcome, client_cpu: Duration) {
        let _ = self.latencies.add(&outcome.latencies);
        self.ok += outcome.ok;
        self.errors += outcome.errors;
        self.elapsed += outcome.elapsed;
        self.client_cpu += client_cpu;
        if self.first_error.is_none() {
            self.first_error = outcome.first_error;
        }
    }

    pub fn per_second(&self) -> f64 {
        rate(self.ok, self.elapsed)
    }

    /// The bench's own CPU time per request, in µs.
    pub fn client_cpu_per_request(&self) -> String {
        let requests = (self.ok + self.errors).max(1);
        format!("{:.0}", self.client_cpu.as_micros() as f64 / requests as f64)
    }
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let fresh_startup = startup_on_fresh_database(settings, Backend::of(&settings.url)).await?;
    let tenant = tenant_code(0);
    remove_created_srs(&settings.url, &tenant).await?;

    let server = Guardia::start(&settings.guardia, &settings.url).await?;
    let http = http_client(settings.connections)?;
    let endpoint = server.url("/graphql");
    let engineer = login(&http, &endpoint, &email(Role::Engineer, 1, &tenant)).await?;
    let customer = login(&http, &endpoint, &email(Role::Customer, 1, &tenant)).await?;
    let pm = login(&http, &endpoint, &email(Role::Pm, 1, &tenant)).await?;
    let graphql = |name, role, token: &str, query: &str| Scenario {
        name,
        role,
        target: endpoint.clone(),
        token: Some(token.to_owned()),
        body: graphql_body(query, json!({})),
    };
    let scenarios = [
        graphql("srs(first:50)", "ENGINEER", &engineer, SRS_PAGE),
        graphql("srs(first:50) + sla", "ENGINEER", &engineer, SRS_PAGE_SLA),
        graphql("srs(first:50)", "CUSTOMER", &customer, SRS_PAGE),
        graphql("createSr", "ENGINEER", &engineer, CREATE_SR),
        graphql("servers(first:50)", "PM", &pm, SERVERS_PAGE),
        graphql("deployments(first:50)", "PM", &pm, DEPLOYMENTS_PAGE),
    ];

    eprintln!(
        "load: {} on {}, {} connections, {} s per scenario after {} s of warm-up",
        settings.guardia.display(),
        settings.url,
        settings.connections,
        settings.seconds,
        WARM_UP.as_secs()
    );
    let measure = Duration::from_secs(settings.seconds);
    let mut table = Table::new(&["scenario", "as", "req/s", "p50 ms", "p99 ms", "errors", "RSS MB"]);
    let mut failures = Vec::new();
    let mut graphql_srs_alone = 0.0;
    let mut graphql_srs_sla = 0.0;
    for scenario in &scenarios {
        eprintln!("  {} as {}…", scenario.name, scenario.role);
        let outcome = drive(&http, scenario, settings.connections, measure).await;
        if scenario.name == "srs(first:50)" && scenario.role == "ENGINEER" {
            graphql_srs_alone = outcome.per_second();
        }
        if scenario.name == "srs(first:50) + sla" {
            graphql_srs_sla = outcome.per_second();
        }
        add_row(
            &mut table,
            scenario,
            &Total::of(outcome),
            server.rss_mb(),
            &mut failures,
        );
    }

    // The ratio to the raw handler from interleaved rounds: the machine is shared and noisy,
    // and a busy spell would otherwise fall on one side only.
    eprintln!("  srs(first:50) and the raw handler, {COMPARE_ROUNDS} interleaved rounds…");
    let raw = baseline::start(&settings.url, &tenant).await?;
    let compared = [
        Scenario {
            name: "srs(first:50), interleaved",
            role: "ENGINEER",
            target: endpoint.clone(),
            token: Some(engineer.clone()),
            body: graphql_body(SRS_PAGE, json!({})),
        },
        Scenario {
            name: "raw handler, interleaved",
            role: "-",
            target: raw.url.clone(),
            token: None,
            body: graphql_body(SRS_PAGE, json!({})),
        },
    ];
    let mut totals = [Total::default(), Total::default()];
    for round in 0..COMPARE_ROUNDS {
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let cpu_before = client_cpu();
            let outcome = drive(&http, &compared[side], settings.connections, measure).await;
            totals[side].add(outcome, client_cpu().saturating_sub(cpu_before));
        }
    }
    for (scenario, total) in compared.iter().zip(&totals) {
        let rss = if scenario.token.is_some() {
            server.rss_mb()
        } else {
            raw.peak_rss_mb()
        };
        add_row(&mut table, scenario, total, rss, &mut failures);
    }
    drop(raw);
    let graphql_srs = totals[0].per_second();
    let raw_srs = totals[1].per_second();

    println!(
        "{} · {} connections · {} s per scenario",
        settings.url.backend_name(),
        settings.connections,
        settings.seconds
    );
    table.print();
    println!(
        "GraphQL srs(first:50) ENGINEER / raw handler req/s ({COMPARE_ROUNDS} interleaved rounds): {}",
        ratio(graphql_srs, raw_srs)
    );
    println!(
        "srs(first:50) with its SLA fields / without req/s: {}",
        ratio(graphql_srs_sla, graphql_srs_alone)
    );
    println!(
        "start-up: {} on a fresh empty database (migrations included), {} on this one",
        duration(fresh_startup),
        duration(server.startup)
    );
    if let Some(peak) = server.peak_rss_mb() {
        println!("server peak RSS: {peak:.0} MB");
    }
    for failure in failures {
        println!("{failure}");
    }
    let errors = server.log_errors();
    if !errors.is_empty() {
        eprintln!("errors in the server's log:\n{errors}");
    }
    server.stop().await;
    let removed = remove_created_srs(&settings.url, &tenant).await?;
    eprintln!("removed the {removed} SRs createSr wrote");
    Ok(())
}

/// Deletes the SRs the createSr scenario wrote (and their audit entries), so that every run
/// starts from the generated data: without this, each run would add thousands of SRs to the
/// first tenant and later runs would measure a different database.
async fn remove_created_srs(url: &DatabaseUrl, tenant: &str) -> anyhow::Result<usize> {
    use diesel::{ExpressionMethods, NullableExpressionMethods, QueryDsl};
    use guardia_backend::db::schema::{audit_log, srs};

    let pool = DbPool::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {url}: {e}"))?;
    let mut tx = pool.tenant_tx(tenant, Access::Write).await?;
    let created = srs::table
        .filter(srs::tenant_id.eq(tenant))
        .filter(srs::title.eq(CREATED_TITLE))
        .filter(srs::description.eq(CREATED_DESCRIPTION));
    let removed = guardia_backend::db_run!(tx.raw_connection_for_tests(), |c| {
        diesel::delete(
            audit_log::table
                .filter(audit_log::tenant_id.eq(tenant))
                .filter(audit_log::action.eq("sr.create"))
                .filter(audit_log::target.eq_any(created.select(srs::id.nullable()))),
        )
        .execute(c)
        .await?;
        diesel::delete(created).execute(c).await
    })?;
    tx.commit().await?;
    if let DatabaseUrl::Postgres(raw) = url
        && removed > 0
    {
        // Dead rows at the newest end of the index would slow the next run's first pages.
        crate::scratch::as_login_user(raw, "VACUUM srs, audit_log").await?;
    }
    Ok(removed)
}

fn add_row(
    table: &mut Table,
    scenario: &Scenario,
    total: &Total,
    rss: Option<f64>,
    failures: &mut Vec<String>,
) {
    table.row(vec![
        scenario.name.to_owned(),
        scenario.role.to_owned(),
        format_rate(total.per_second()),
        quantile_ms(&total.latencies, 0.5),
        quantile_ms(&total.latencies, 0.99),
        total.errors.to_string(),
        rss.map_or("-".to_owned(), |mb| format!("{mb:.0}")),
    ]);
    if let Some(error) = &total.first_error {
        failures.push(format!(
            "{} as {}: {} errors, the first: {error}",
            scenario.name, scenario.role, total.errors
        ));
    }
}

/// How long `guardia serve` takes from spawn to a healthy `/healthz` on an empty database of
/// the same backend (a temp SQLite file, or a new PostgreSQL database on the same server).
async fn startup_on_fresh_database(settings: &Settings, backend: Backend) -> anyhow::Result<Duration> {
    let server_url = match &settings.url {
        DatabaseUrl::Postgres(raw) => raw.clone(),
        DatabaseUrl::Sqlite(_) => String::new(),
    };
    let scratch = ScratchDb::create(backend, "startup", &server_url).await?;
    let started = Guardia::start(&settings.guardia, &scratch.url).await;
    let startup = started.as_ref().map(|server| server.startup).ok();
    if let Ok(server) = started {
        server.stop().await;
    }
    scratch.remove().await?;
    startup.context("guardia did not start on a fresh database")
}

/// Sends `scenario`'s request from `connections` concurrent tasks for the warm-up and then
/// `measure`; only responses to requests sent in the measured window count.
pub(crate) async fn drive(
    http: &reqwest::Client,
    scenario: &Scenario,
    connections: usize,
    measure: Duration,
) -> Outcome {
    let measure_from = Instant::now() + WARM_UP;
    let stop_at = measure_from + measure;
    let request = Arc::new((
        scenario.target.clone(),
        scenario.token.clone(),
        scenario.body.clone(),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (http, request) = (http.clone(), request.clone());
        tasks.spawn(async move {
            let (target, token, body) = &*request;
            let mut outcome = Outcome {
                latencies: new_histogram(),
                ok: 0,
                errors: 0,
                first_error: None,
                elapsed: Duration::ZERO,
            };
            loop {
                let sent = Instant::now();
                if sent >= stop_at {
                    break;
                }
                let failure = send(&http, target, token.as_deref(), body.clone()).await;
                if sent < measure_from {
                    continue;
                }
                match failure {
                    None => {
                        outcome.ok += 1;
                        record(&mut outcome.latencies, sent.elapsed());
                    }
                    Some(error) => {
                        outcome.errors += 1;
                        outcome.first_error.get_or_insert(error);
                    }
                }
            }
            // The window ends when the last request sent in it has been answered.
            outcome.elapsed = measure_from.elapsed();
            outcome
        });
    }
    let mut total = Outcome {
        latencies: new_histogram(),
        ok: 0,
        errors: 0,
        first_error: None,
        elapsed: measure,
    };
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(part) => {
                let _ = total.latencies.add(&part.latencies);
                total.ok += part.ok;
                total.errors += part.errors;
                total.elapsed = total.elapsed.max(part.elapsed);
                if total.first_error.is_none() {
                    total.first_error = part.first_error;
                }
            }
            Err(e) => {
                total.errors += 1;
                total
                    .first_error
                    .get_or_insert(format!("client task failed: {e}"));
            }
        }
    }
    total
}

/// One request; `None` when it succeeded, else why not.
async fn send(http: &reqwest::Client, target: &str, token: Option<&str>, body: Bytes) -> Option<String> {
    let mut request = http
        .post(target)
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => return Some(format!("no answer: {e}")),
    };
    let status = response.status();
    match response.bytes().await {
        Ok(body) => graphql_failure(status, &body),
        Err(e) => Some(format!("cannot read the answer: {e}")),
    }
}
