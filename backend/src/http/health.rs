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
            tracing::warn!(%why, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("database unavailable: {why}"),
            )
        }
    }
}

async fn database_answers(state: &AppState) -> Result<(), String> {
    let mut conn = state
        .graphql
        .services
        .pool
        .get()
        .await
        .map_err(|e| e.to_string())?;
    db_run!(&mut conn, |c| diesel::sql_query("SELECT 1").execute(c).await)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
