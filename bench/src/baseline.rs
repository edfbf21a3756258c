//! The baseline: the SQL and JSON of the `srs(first:50)` scenario served by a bare axum handler
//! inside the bench (no GraphQL, no token check), so GraphQL's and auth's cost shows as a ratio.
//! It goes through the same storage functions and pool settings as the server.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use guardia_backend::db::sr::SrFilter;
use guardia_backend::db::{self, Access, DatabaseUrl, DbPool, PageRequest};
use serde_json::{Value, json};

struct Shared {
    pool: DbPool,
    tenant: String,
}

/// A running baseline server; stopped when dropped.
pub struct Baseline {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Baseline {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `POST /srs` (the body is ignored, so clients send what they send to `/graphql`) on
/// a free loopback port: the first page of `tenant`'s SRs as GraphQL would shape it.
pub async fn start(url: &DatabaseUrl, tenant: &str) -> anyhow::Result<Baseline> {
    let pool = DbPool::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to {url}: {e}"))?;
    let shared = Arc::new(Shared {
        pool,
        tenant: tenant.to_owned(),
    });
    let app = Router::new().route("/srs", post(srs_page)).with_state(shared);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("cannot listen on loopback")?;
    let address = listener.local_addr()?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("baseline server stopped: {e}");
        }
    });
    Ok(Baseline {
        url: format!("http://{address}/srs"),
        task,
    })
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
