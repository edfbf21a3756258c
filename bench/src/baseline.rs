//! The baseline: the SQL and JSON of the `srs(first:50)` scenario served by a bare axum handler
//! (no GraphQL, no token check), so GraphQL's and auth's cost shows as a ratio. It goes
//! through the same storage functions and pool settings as the server, and runs as a process
//! of its own (`guardia-bench raw-handler`), as `guardia` does, so neither shares the client's
//! runtime.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use guardia_backend::db::sr::SrFilter;
use guardia_backend::db::{self, Access, DatabaseUrl, DbPool, PageRequest};
use serde_json::{Value, json};

use crate::server::{free_port, proc_status_kb};

const START_TIMEOUT: Duration = Duration::from_secs(30);

struct Shared {
    pool: DbPool,
    tenant: String,
}

/// A running baseline process; killed when dropped.
pub struct Baseline {
    child: tokio::process::Child,
    pid: u32,
    pub url: String,
}

impl Drop for Baseline {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

impl Baseline {
    /// The most resident memory the process has had, in MB (VmHWM).
    pub fn peak_rss_mb(&self) -> Option<f64> {
        proc_status_kb(self.pid, "VmHWM:").map(|kb| kb as f64 / 1024.0)
    }
}

/// Starts `guardia-bench raw-handler` for `tenant` on a free loopback port and waits until it
/// answers. Its `POST /srs` ignores the body, so clients send what they send to `/graphql`.
pub async fn start(url: &DatabaseUrl, tenant: &str) -> anyhow::Result<Baseline> {
    let port = free_port()?;
    let database = match url {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        DatabaseUrl::Postgres(raw) => raw.clone(),
    };
    let exe = std::env::current_exe().context("cannot find this binary's path")?;
    let mut child = tokio::process::Command::new(exe)
        .args(["raw-handler", "--database", &database, "--tenant", tenant])
        .args(["--port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the raw handler")?;
    let pid = child.id().context("the raw handler exited at once")?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(response) = http.get(format!("{base}/healthz")).send().await
            && response.status().is_success()
        {
            break;
        }
        if let Some(status) = child.try_wait()? {
            bail!("the raw handler exited with {status}");
        }
        if started.elapsed() > START_TIMEOUT {
            bail!("the raw handler did not answer within {START_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(Baseline {
        child,
        pid,
        url: format!("{base}/srs"),
    })
}

/// `guardia-bench raw-handler`: serves the baseline on `127.0.0.1:port` until killed.
pub async fn serve(url: &DatabaseUrl, tenant: &str, port: u16) -> anyhow::Result<()> {
    let pool = DbPool::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {url}: {e}"))?;
    let shared = Arc::new(Shared {
        pool,
        tenant: tenant.to_owned(),
    });
    let app = Router::new()
        .route("/srs", post(srs_page))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    axum::serve(listener, app)
        .await
        .context("the raw handler stopped")
}

async fn srs_page(State(shared): State<Arc<Shared>>) -> Response {
    match page_json(&shared).await {
        Ok(body) => ([("content-type", "application/json")], body.to_string()).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")).into_response(),
    }
}

/// The queries `srs(first:50){…requester{name} assignee{name}}` costs besides authentication:
/// one page of SRs, then their people in one query, in one read transaction.
async fn page_json(shared: &Shared) -> anyhow::Result<Value> {
    let mut tx = shared.pool.tenant_tx(&shared.tenant, Access::Read).await?;
    let page = PageRequest {
        first: 50,
        after: None,
    };
    let srs = db::sr::list(&mut tx, &SrFilter::default(), &page).await?;
    let mut ids: Vec<String> = srs
        .items
        .iter()
        .flat_map(|sr| std::iter::once(sr.requester_id.clone()).chain(sr.assignee_id.clone()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let users = db::user::get_many(&mut tx, &ids).await?;
    tx.commit().await?;
    let names: HashMap<&str, &str> = users.iter().map(|u| (u.id.as_str(), u.name.as_str())).collect();
    let person = |id: &str| names.get(id).map(|name| json!({ "name": name }));
    let edges: Vec<Value> = srs
        .items
        .iter()
        .map(|sr| {
            json!({ "node": {
                "title": sr.title,
                "status": sr.status.as_str(),
                "requester": person(&sr.requester_id),
                "assignee": sr.assignee_id.as_deref().and_then(person),
            }})
        })
        .collect();
    Ok(json!({ "data": { "srs": { "edges": edges } } }))
}
