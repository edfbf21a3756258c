//! The HTTP surface: one router for the web app, the GraphQL API, the agents' heartbeat and
//! the operational endpoints.

mod agent;
mod artifact;
mod client_ip;
mod error;
mod graphql;
mod health;
mod metrics;
mod playground;
mod subscription;
mod web;
mod ws_limits;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{get, post};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::graphql::{Schemas, Services};

pub use client_ip::TrustedProxies;
pub use graphql::{EXECUTION_TIMEOUT, MAX_BATCH, MAX_BODY};
pub use metrics::{MetricsToken, metrics_handle};

/// The API's schemas and the services their resolvers use.
#[derive(Clone)]
pub struct GraphqlState {
    pub schemas: Schemas,
    pub services: Arc<Services>,
}

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub graphql: GraphqlState,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    /// `GUARDIA_GRAPHIQL`: whether `GET /graphql` shows the GraphiQL playground to a browser.
    pub graphiql: bool,
    /// `GUARDIA_METRICS_TOKEN`; `None`: `/metrics` answers 404.
    pub metrics_token: Option<MetricsToken>,
    /// `GUARDIA_TRUSTED_PROXIES`: whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<TrustedProxies>,
}

/// Where the built web app is served from, which browser origins may call the API, and the
/// state of the API.
pub struct AppSetup {
    pub state: AppState,
    pub web_dir: PathBuf,
    /// `GUARDIA_CORS_ORIGINS`: other origins allowed to call the API from a browser.
    pub cors_origins: Vec<HeaderValue>,
}

/// Builds the whole application router.
pub fn router(setup: AppSetup) -> Router {
    let api = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/agent/heartbeat", post(agent::heartbeat))
        .route("/artifacts/{project}/{build}/{*path}", get(artifact::download))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(cors(setup.cors_origins));
    Router::new()
        .merge(api)
        .route("/graphql/ws", get(subscription::upgrade))
        .route("/graphql/assets/{file}", get(playground::asset))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .with_state(setup.state)
        .fallback_service(web::service(&setup.web_dir))
        .layer(axum::middleware::from_fn(metrics::track_requests))
}

/// Browsers on other origins get the API only when their origin is listed.
fn cors(origins: Vec<HeaderValue>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
}
