//! The scale curve: the same page request on ever larger databases. Keyset pagination with
//! indexes that lead with tenant_id should keep both the first and the last page flat.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use guardia_shared::Role;
use hdrhistogram::Histogram;
use serde_json::{Value, json};

use crate::Backend;
use crate::client::{graphql, graphql_body, graphql_failure, http_client, login};
use crate::generate::{self, Shape, email, tenant_code};
use crate::report::{Table, duration, micros_as_ms, new_histogram, quantile_ms, ratio, record};
use crate::scratch::ScratchDb;
use crate::server::Guardia;

/// The load scenario's page, with the cursor to follow and the way to it.
const PAGE: &str = "query($after:String){srs(first:50,after:$after){\
    edges{node{title status requester{name} assignee{name}}} pageInfo{hasNextPage endCursor}}}";
/// Untimed requests before each timed series.
const WARM_UP_REQUESTS: usize = 20;

pub struct Settings {
    pub backend: Backend,
    pub sizes: Vec<u64>,
    pub tenants: u64,
    pub postgres: String,
    pub requests: usize,
    pub keep: bool,
    pub guardia: PathBuf,
}

/// The figures of one database size.
struct Point {
    size: u64,
    /// Rows on the first page: fewer than 50 when the tenant has fewer SRs.
    rows: usize,
    first: Histogram<u64>,
    last: Histogram<u64>,
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    anyhow::ensure!(!settings.sizes.is_empty(), "--sizes names no size");
    let mut table = Table::new(&[
        "SRs",
        "tenants",
        "SRs/tenant",
        "generated in",
        "rows/page",
        "p50 ms",
        "p99 ms",
        "pages",
        "last p50 ms",
        "last p99 ms",
    ]);
    let mut points = Vec::new();
    for &size in &settings.sizes {
        let mut scratch = ScratchDb::create(settings.backend, &size.to_string(), &settings.postgres).await?;
        let measured = measure_size(settings, &scratch, size).await;
        if settings.keep {
            eprintln!("kept {}", scratch.keep());
        }
        scratch.remove().await?;
        let (row, point) = measured?;
        table.row(row);
        points.push(point);
    }

    println!(
        "{} · srs(first:50) as ENGINEER of {} · {} sequential requests per figure",
        settings.backend.name(),
        tenant_code(0),
        settings.requests
    );
    table.print();
    if let Some(largest) = points.last() {
        // Against the smallest size, and against the smallest whose page is as full as the
        // largest one's: a page of 10 rows is cheaper for its size, not for its database's.
        let mut bases: Vec<&Point> = points.first().into_iter().collect();
        if let Some(full) = points.iter().find(|p| p.rows == largest.rows)
            && !bases.iter().any(|b| std::ptr::eq(*b, full))
        {
            bases.push(full);
        }
        for base in bases.into_iter().filter(|b| !std::ptr::eq(*b, largest)) {
            println!(
                "{} SRs vs {} SRs ({} vs {} rows/page): first page p50 {}, last page p50 {}",
                largest.size,
                base.size,
                largest.rows,
                base.rows,
                ratio(p50(&largest.first), p50(&base.first)),
                ratio(p50(&largest.last), p50(&base.last)),
            );
        }
    }
    Ok(())
}

fn p50(histogram: &Histogram<u64>) -> f64 {
    histogram.value_at_quantile(0.5) as f64
}

/// Generates one database, serves it, and times its first and last page.
async fn measure_size(
    settings: &Settings,
    scratch: &ScratchDb,
    size: u64,
) -> anyhow::Result<(Vec<String>, Point)> {
    let stats = generate::run(&scratch.url, &Shape::new(settings.tenants, size)).await?;
    eprintln!(
        "{size} SRs: {} rows generated in {}",
        stats.total(),
        duration(stats.elapsed)
    );
    let server = Guardia::start(&settings.guardia, &scratch.url).await?;
    let result = measure_server(settings, &server).await;
    server.stop().await;
    let (rows, pages, first, last) = result?;
    let row = vec![
        size.to_string(),
        settings.tenants.to_string(),
        (size / settings.tenants).to_string(),
        duration(stats.elapsed),
        rows.to_string(),
        quantile_ms(&first, 0.5),
        quantile_ms(&first, 0.99),
        pages.to_string(),
        quantile_ms(&last, 0.5),
        quantile_ms(&last, 0.99),
    ];
    Ok((
        row,
        Point {
            size,
            rows,
            first,
            last,
        },
    ))
}

/// Rows on the first page, pages in all, and the first and last page's latencies.
async fn measure_server(
    settings: &Settings,
    server: &Guardia,
) -> anyhow::Result<(usize, u64, Histogram<u64>, Histogram<u64>)> {
    let http = http_client(1)?;
    let endpoint = server.url("/graphql");
    let token = login(&http, &endpoint, &email(Role::Engineer, 1, &tenant_code(0))).await?;

    let first_page = graphql(&http, &endpoint, Some(&token), PAGE, json!({ "after": null })).await?;
    let rows = first_page["srs"]["edges"].as_array().map_or(0, Vec::len);
    let first = time_page(&http, &endpoint, &token, None, settings.requests).await?;

    // Walk to the end the way a client does, keeping the cursor that asks for the last page.
    let mut after: Option<String> = None;
    let mut pages = 0_u64;
    let walk_started = Instant::now();
    loop {
        let data = graphql(&http, &endpoint, Some(&token), PAGE, json!({ "after": after })).await?;
        pages += 1;
        let info = &data["srs"]["pageInfo"];
        if info["hasNextPage"] != Value::Bool(true) {
            break;
        }
        let cursor = info["endCursor"]
            .as_str()
            .context("a next page but no endCursor")?;
        after = Some(cursor.to_owned());
    }
    eprintln!(
        "  followed {pages} pages in {} ({} ms per page)",
        duration(walk_started.elapsed()),
        micros_as_ms(u64::try_from(walk_started.elapsed().as_micros()).unwrap_or(u64::MAX) / pages.max(1))
    );
    let last = time_page(&http, &endpoint, &token, after, settings.requests).await?;
    Ok((rows, pages, first, last))
}

/// Times `requests` sequential requests of one page (after a few untimed ones); any failed
/// response stops the run, since a figure with errors in it means nothing.
async fn time_page(
    http: &reqwest::Client,
    endpoint: &str,
    token: &str,
    after: Option<String>,
    requests: usize,
) -> anyhow::Result<Histogram<u64>> {
    let body = graphql_body(PAGE, json!({ "after": after }));
    let mut latencies = new_histogram();
    for i in 0..WARM_UP_REQUESTS + requests {
        let sent = Instant::now();
        let response = http
            .post(endpoint)
            .header("content-type", "application/json")
            .bearer_auth(token)
            .body(body.clone())
            .send()
            .await
            .context("the server did not answer")?;
        let status = response.status();
        let bytes = response.bytes().await.context("cannot read the answer")?;
        let latency: Duration = sent.elapsed();
        if let Some(failure) = graphql_failure(status, &bytes) {
            bail!("srs page failed: {failure}");
        }
        if i >= WARM_UP_REQUESTS {
            record(&mut latencies, latency);
        }
    }
    Ok(latencies)
}
