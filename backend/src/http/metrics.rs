//! `/metrics` in the Prometheus text format, and the request counters behind it. It answers
//! only a scraper that sends `Authorization: Bearer <GUARDIA_METRICS_TOKEN>`; without that
//! setting it does not exist (404).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use guardia_shared::ErrorCode;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ErrorResponse;
use crate::auth::bearer;

/// Shortest `GUARDIA_METRICS_TOKEN` accepted.
pub const MIN_METRICS_TOKEN_LEN: usize = 16;

/// `GUARDIA_METRICS_TOKEN`, kept as its SHA-256: comparing digests in constant time reveals
/// neither the token's bytes nor its length.
#[derive(Clone, Copy)]
pub struct MetricsToken([u8; 32]);

impl MetricsToken {
    pub fn new(token: &str) -> Result<Self, String> {
        if token.trim().len() < MIN_METRICS_TOKEN_LEN {
            return Err(format!(
                "GUARDIA_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LEN} characters (e.g. `openssl rand -hex 32`)"
            ));
        }
        Ok(MetricsToken(Sha256::digest(token.trim().as_bytes()).into()))
    }

    fn matches(&self, given: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        self.0.ct_eq(&given).into()
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(***)")
    }
}

/// The process-wide recorder (metrics macros report to one global recorder).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0])
                .expect("the bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Fails only if another recorder is installed; then that one reports.
            let _ = metrics::set_global_recorder(recorder);
            metrics::gauge!("guardia_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            handle
        })
        .clone()
}

pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.metrics_token else {
        return refuse(StatusCode::NOT_FOUND, ErrorCode::NotFound, "not found");
    };
    let given = bearer::from_headers(&headers).ok().flatten();
    if !given.is_some_and(|given| token.matches(given)) {
        let mut response = refuse(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "send Authorization: Bearer <GUARDIA_METRICS_TOKEN>",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
        .into_response()
}

fn refuse(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    ErrorResponse::new(status, code, message).into_response()
}

/// Counts requests and their latency by route template (never the raw path: ids would explode
/// the label set).
pub async fn track_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "static".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_matches_only_itself_and_must_be_long() {
        let token = MetricsToken::new("scrape-me-0123456789").expect("long enough");
        assert!(token.matches("scrape-me-0123456789"));
        assert!(!token.matches("scrape-me-0123456788"));
        assert!(!token.matches(""));
        assert!(MetricsToken::new("short").is_err());
        assert_eq!(format!("{token:?}"), "MetricsToken(***)");
    }
}
