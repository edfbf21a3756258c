//! `/healthz` answers while the process runs; `/readyz` only while the database answers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use diesel_async::RunQueryDsl;

use super::AppState;
use crate::db_run;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match database_answers(&state).await {
        Ok(()) => (StatusCode::OK, "ready".to_owned()),
        Err(why) => {
            // The driver's text names hosts, users and databases: the log gets it, the
            // (unauthenticated) probe does not.
            tracing::warn!(%why, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable".to_owned())
        }
    }
}

/// Readiness probes expect a quick answer: a database slower than this counts as down.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

async fn database_answers(state: &AppState) -> Result<(), String> {
    let pool = state.graphql.services.pool.clone();
    // On its own task: a probe that times out must not cancel a query mid-flight.
    let check = tokio::spawn(async move {
        let mut conn = pool.get().await.map_err(|e| e.to_string())?;
        db_run!(&mut conn, |c| diesel::sql_query("SELECT 1").execute(c).await)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("the check failed".into()),
        Err(_) => Err(format!("no answer within {} s", READY_TIMEOUT.as_secs())),
    }
}
