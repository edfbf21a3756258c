//! `guardia-bench peer`: GUARDiA beside PostGraphile 4.14.1 on the same generated PostgreSQL
//! database, with row-level security keyed on the tenant in both, driven by the same client
//! with the same connections and the same questions, in interleaved rounds.
//!
//! PostGraphile is installed from npm into a folder under the system temp dir (once), and
//! connects as its own login role `guardia_peer`, whose policies read the tenant from the
//! verified JWT's `tenant_id` claim (`jwt.claims.tenant_id`), as PostGraphile's guide sets up.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use guardia_backend::db::DatabaseUrl;
use guardia_shared::Role;
use serde_json::{Value, json};

use crate::baseline;
use crate::client::{graphql, graphql_body, graphql_failure, http_client, login};
use crate::generate::{email, tenant_code};
use crate::load::{SRS_PAGE, Scenario, Total, drive};
use crate::report::{Table, client_cpu, format_rate, quantile_ms, ratio};
use crate::scratch::as_login_user;
use crate::server::{Guardia, free_port, proc_status_kb};

const POSTGRAPHILE: &str = "postgraphile@4.14.1";
const PEER_ROLE: &str = "guardia_peer";
/// Signs the peer's tokens; used on this machine only.
const PEER_JWT_SECRET: &str = "guardia-bench-peer-secret-0123456789abcdef";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The SR list with names, as PostGraphile names its relations (composite foreign keys).
const PEER_SRS_PAGE: &str = "{allSrs(first:50){nodes{title status \
    userByTenantIdAndRequesterId{name} userByTenantIdAndAssigneeId{name}}}}";
const SR_WITH_COMMENTS: &str = "query($id: ID!){sr(id:$id){title status comments{body author{name}}}}";
const PEER_SR_WITH_COMMENTS: &str = "query($tenant: String!, $id: String!){srByTenantIdAndId(tenantId:$tenant, id:$id){\
    title status srCommentsByTenantIdAndSrId{nodes{body userByTenantIdAndAuthorId{name}}}}}";

/// One question, as each side asks it.
struct Question {
    name: &'static str,
    ours: axum::body::Bytes,
    theirs: axum::body::Bytes,
    /// Also asked of the raw handler (which serves only the SR list).
    with_raw_handler: bool,
}

pub struct Settings {
    pub url: DatabaseUrl,
    pub connections: Vec<usize>,
    pub seconds: u64,
    pub rounds: usize,
    pub guardia: PathBuf,
}

/// A running PostGraphile; killed when dropped.
struct PostGraphile {
    child: tokio::process::Child,
    pid: u32,
    url: String,
}

impl Drop for PostGraphile {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let DatabaseUrl::Postgres(raw_url) = &settings.url else {
        bail!("the peer comparison runs on PostgreSQL: pass a postgres:// database `generate` filled");
    };
    let cli = install_postgraphile().await?;
    let tenant = tenant_code(0);
    prepare_peer_role(raw_url).await?;
    let peer_url = peer_connection_url(raw_url)?;

    let guardia = Guardia::start(&settings.guardia, &settings.url).await?;
    let peer = start_postgraphile(&cli, &peer_url).await?;
    let max_connections = settings.connections.iter().copied().max().unwrap_or(16);
    let http = http_client(max_connections)?;
    let endpoint = guardia.url("/graphql");
    let token = login(&http, &endpoint, &email(Role::Engineer, 1, &tenant)).await?;
    let peer_token = peer_token(&tenant)?;

    // One SR with comments: the newest of the tenant's first page.
    let page = graphql(
        &http,
        &endpoint,
        Some(&token),
        "{srs(first:1){edges{node{id}}}}",
        json!({}),
    )
    .await?;
    let sr_id = page["srs"]["edges"][0]["node"]["id"]
        .as_str()
        .context("the generated tenant has no SR")?
        .to_owned();

    let questions = [
        Question {
            name: "srs(first:50) + requester and assignee names",
            ours: graphql_body(SRS_PAGE, json!({})),
            theirs: graphql_body(PEER_SRS_PAGE, json!({})),
            with_raw_handler: true,
        },
        Question {
            name: "one SR + comments + authors",
            ours: graphql_body(SR_WITH_COMMENTS, json!({ "id": sr_id })),
            theirs: graphql_body(PEER_SR_WITH_COMMENTS, json!({ "tenant": tenant, "id": sr_id })),
            with_raw_handler: false,
        },
    ];
    // The SR list's SQL and JSON without GraphQL or a token check, in a process of its own.
    let raw = baseline::start(&settings.url, &tenant).await?;
    // Both must answer with data before anything is timed.
    for question in &questions {
        let (name, ours, theirs) = (question.name, &question.ours, &question.theirs);
        check_answer(&http, &endpoint, &token, ours, "GUARDiA", name).await?;
        check_answer(&http, &peer.url, &peer_token, theirs, "PostGraphile", name).await?;
    }

    eprintln!(
        "peer: GUARDiA {} and {POSTGRAPHILE} on {}, {} rounds of {} s each (after 1 s of warm-up), interleaved",
        settings.guardia.display(),
        settings.url,
        settings.rounds,
        settings.seconds
    );
    let measure = Duration::from_secs(settings.seconds);
    let mut table = Table::new(&[
        "query",
        "conns",
        "GUARDiA req/s",
        "PostGraphile req/s",
        "ratio",
        "raw handler req/s",
        "GUARDiA / raw",
        "GUARDiA p50 / p99 ms",
        "PostGraphile p50 / p99 ms",
        "client CPU µs/req",
    ]);
    let mut failures = Vec::new();
    for question in &questions {
        let name = question.name;
        for &connections in &settings.connections {
            let mut sides = vec![
                Scenario {
                    name: "GUARDiA",
                    role: "ENGINEER",
                    target: endpoint.clone(),
                    token: Some(token.clone()),
                    body: question.ours.clone(),
                },
                Scenario {
                    name: "PostGraphile",
                    role: "ENGINEER",
                    target: peer.url.clone(),
                    token: Some(peer_token.clone()),
                    body: question.theirs.clone(),
                },
            ];
            if question.with_raw_handler {
                sides.push(Scenario {
                    name: "raw handler",
                    role: "-",
                    target: raw.url.clone(),
                    token: None,
                    body: question.ours.clone(),
                });
            }
            let mut totals: Vec<Total> = sides.iter().map(|_| Total::default()).collect();
            for round in 0..settings.rounds {
                eprintln!("  {name} · {connections} connections · round {}", round + 1);
                // Each round starts with the next side, so none always meets a warmer machine.
                for i in 0..sides.len() {
                    let side = (i + round) % sides.len();
                    let cpu_before = client_cpu();
                    let outcome = drive(&http, &sides[side], connections, measure).await;
                    totals[side].add(outcome, client_cpu().saturating_sub(cpu_before));
                }
            }
            for (side, total) in sides.iter().zip(&totals) {
                if total.errors > 0 {
                    failures.push(format!(
                        "{}, {name}, {connections} connections: {} errors, first: {}",
                        side.name,
                        total.errors,
                        total.first_error.as_deref().unwrap_or("-")
                    ));
                }
            }
            let (ours_total, theirs_total) = (&totals[0], &totals[1]);
            let (ours_rate, theirs_rate) = (ours_total.per_second(), theirs_total.per_second());
            let raw_rate = totals.get(2).map(Total::per_second);
            let p50_p99 = |t: &Total| {
                format!(
                    "{} / {}",
                    quantile_ms(&t.latencies, 0.5),
                    quantile_ms(&t.latencies, 0.99)
                )
            };
            table.row(vec![
                name.to_owned(),
                connections.to_string(),
                format_rate(ours_rate),
                format_rate(theirs_rate),
                ratio(ours_rate, theirs_rate),
                raw_rate.map_or("-".to_owned(), format_rate),
                raw_rate.map_or("-".to_owned(), |raw| ratio(ours_rate, raw)),
                p50_p99(ours_total),
                p50_p99(theirs_total),
                totals
                    .iter()
                    .map(Total::client_cpu_per_request)
                    .collect::<Vec<_>>()
                    .join(" / "),
            ]);
        }
    }
    let ours_rss = guardia.peak_rss_mb();
    let theirs_rss = proc_status_kb(peer.pid, "VmHWM:").map(|kb| kb as f64 / 1024.0);
    println!(
        "GUARDiA vs {POSTGRAPHILE} · PostgreSQL · {} s × {} interleaved rounds per cell",
        settings.seconds, settings.rounds
    );
    table.print();
    let mb = |v: Option<f64>| v.map_or("-".to_owned(), |mb| format!("{mb:.0} MB"));
    println!(
        "peak RSS: GUARDiA {}, PostGraphile {}, raw handler {}",
        mb(ours_rss),
        mb(theirs_rss),
        mb(raw.peak_rss_mb())
    );
    println!(
        "client CPU µs/req is the bench's own CPU time per request (GUARDiA / PostGraphile / raw handler): a high figure means a busy client, not a slow server."
    );
    guardia.stop().await;
    drop(peer);
    drop(raw);
    if !failures.is_empty() {
        bail!("requests failed:\n{}", failures.join("\n"));
    }
    Ok(())
}

/// `node_modules/.bin/postgraphile` of an npm install of 4.14.1 under the temp dir.
async fn install_postgraphile() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join("guardia-bench-postgraphile-4.14.1");
    let cli = dir.join("node_modules").join(".bin").join("postgraphile");
    if cli.is_file() {
        return Ok(cli);
    }
    eprintln!(
        "peer: installing {POSTGRAPHILE} from npm into {} (once)…",
        dir.display()
    );
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let status = tokio::process::Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir)
        .arg(POSTGRAPHILE)
        .stdout(Stdio::null())
        .status()
        .await
        .context("cannot run npm: install Node.js and npm")?;
    if !status.success() || !cli.is_file() {
        bail!("npm install {POSTGRAPHILE} failed ({status})");
    }
    Ok(cli)
}

/// The peer's own login role, allowed to read SRs, users and comments of the tenant its token
/// names, and nothing else.
async fn prepare_peer_role(url: &str) -> anyhow::Result<()> {
    let mut statements = format!(
        "DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{PEER_ROLE}') THEN
                CREATE ROLE {PEER_ROLE} LOGIN;
            END IF;
        END $$;
        GRANT USAGE ON SCHEMA public TO {PEER_ROLE};"
    );
    for table in ["srs", "users", "sr_comments"] {
        statements.push_str(&format!(
            "GRANT SELECT ON {table} TO {PEER_ROLE};
            DROP POLICY IF EXISTS peer_tenant ON {table};
            CREATE POLICY peer_tenant ON {table} FOR SELECT TO {PEER_ROLE}
                USING (tenant_id = current_setting('jwt.claims.tenant_id', true));"
        ));
    }
    as_login_user(url, &statements).await
}

fn peer_connection_url(url: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url).context("the database URL")?;
    parsed
        .set_username(PEER_ROLE)
        .map_err(|()| anyhow::anyhow!("cannot set the user of {url}"))?;
    parsed
        .set_password(None)
        .map_err(|()| anyhow::anyhow!("cannot clear the password of {url}"))?;
    Ok(parsed.into())
}

/// A token PostGraphile accepts: HS256 with its secret, its default audience, and the tenant.
fn peer_token(tenant: &str) -> anyhow::Result<String> {
    let claims = json!({
        "aud": "postgraphile",
        "tenant_id": tenant,
        "exp": chrono::Utc::now().timestamp() + 24 * 3600,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(PEER_JWT_SECRET.as_bytes()),
    )
    .context("cannot sign the peer's token")
}

async fn start_postgraphile(cli: &Path, connection: &str) -> anyhow::Result<PostGraphile> {
    let port = free_port()?;
    let mut child = tokio::process::Command::new(cli)
        .args([
            "--connection",
            connection,
            "--schema",
            "public",
            "--host",
            "127.0.0.1",
        ])
        .args(["--port", &port.to_string(), "--jwt-secret", PEER_JWT_SECRET])
        .args([
            "--disable-default-mutations",
            "--disable-query-log",
            "--disable-graphiql",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start {}", cli.display()))?;
    let pid = child.id().context("PostGraphile exited at once")?;
    let url = format!("http://127.0.0.1:{port}/graphql");
    let http = http_client(1)?;
    let deadline = std::time::Instant::now() + START_TIMEOUT;
    loop {
        let answered = http
            .post(&url)
            .header("content-type", "application/json")
            .body(graphql_body("{__typename}", json!({})))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if answered {
            return Ok(PostGraphile { child, pid, url });
        }
        if let Some(status) = child.try_wait()? {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = pipe.read_to_string(&mut stderr).await;
            }
            bail!("PostGraphile exited ({status}): {stderr}");
        }
        if std::time::Instant::now() > deadline {
            bail!("PostGraphile did not answer within {} s", START_TIMEOUT.as_secs());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One request that must come back with data (the same check every timed request gets, and
/// at least one field that is not null).
async fn check_answer(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &axum::body::Bytes,
    side: &str,
    name: &str,
) -> anyhow::Result<()> {
    let response = http
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .with_context(|| format!("{side} did not answer {name}"))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .with_context(|| format!("{side}'s answer to {name}"))?;
    if let Some(failure) = graphql_failure(status, &bytes) {
        bail!("{side} answered {name} with {failure}");
    }
    let answer: Value =
        serde_json::from_slice(&bytes).with_context(|| format!("{side}'s answer to {name}"))?;
    if answer["data"]
        .as_object()
        .is_none_or(|data| data.values().all(Value::is_null))
    {
        bail!("{side} answered {name} without data: {answer}");
    }
    Ok(())
}
