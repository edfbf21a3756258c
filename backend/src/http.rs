//! The HTTP surface: one router for the web app, the API and the operational endpoints.

mod health;
mod metrics;
mod web;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::config::Secrets;
use crate::db::DbPool;

pub use metrics::metrics_handle;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DbPool,
    pub secrets: Arc<Secrets>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

/// Where the built web app is served from, and the state of the API.
pub struct AppSetup {
    pub state: AppState,
    pub web_dir: PathBuf,
}

/// Builds the whole application router.
pub fn router(setup: AppSetup) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .with_state(setup.state)
        .fallback_service(web::service(&setup.web_dir))
        .layer(axum::middleware::from_fn(metrics::track_requests))
}
