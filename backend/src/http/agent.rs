//! `POST /agent/heartbeat`: an agent reports with its token (`Authorization: Bearer …`) and
//! its version and hostname; it is ONLINE while its reports are under two minutes old.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use guardia_shared::ErrorCode;
use serde::Deserialize;

use super::AppState;
use super::error::ErrorResponse;
use crate::auth::bearer;
use crate::crypto::agent_token;
use crate::db::{self, Access, DbError};

#[derive(Deserialize)]
pub struct Heartbeat {
    version: String,
    hostname: String,
}

fn error(status: StatusCode, code: ErrorCode, message: &str) -> Response {
    ErrorResponse::new(status, code, message).into_response()
}

pub async fn heartbeat(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let unauthenticated = || {
        error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            "unknown or revoked agent token",
        )
    };
    let Ok(Some(token)) = bearer::from_headers(&headers) else {
        return unauthenticated();
    };
    let Some(reference) = agent_token::parse(token) else {
        return unauthenticated();
    };
    let Ok(report) = body
        .map_err(drop)
        .and_then(|body| serde_json::from_slice::<Heartbeat>(&body).map_err(drop))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "send JSON {\"version\": \"…\", \"hostname\": \"…\"}",
        );
    };
    let (version, hostname) = (report.version.trim(), report.hostname.trim());
    if version.is_empty() || version.len() > 64 || hostname.is_empty() || hostname.len() > 253 {
        return error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadUserInput,
            "version (1-64) and hostname (1-253) are required",
        );
    }
    let pool = state.graphql.services.pool.clone();
    let (tenant, agent_id) = (reference.tenant_id.to_owned(), reference.agent_id.to_owned());
    let (token, version, hostname) = (token.to_owned(), version.to_owned(), hostname.to_owned());
    // On its own task: a disconnecting agent must not cancel a query mid-flight. The token is
    // checked in a read first: a stranger's guess never takes the write lock.
    let outcome = tokio::spawn(async move {
        let mut read = pool.tenant_tx(&tenant, Access::Read).await?;
        let known = match db::agent::get(&mut read, &agent_id).await {
            Ok(agent) => agent_token::matches(&token, &agent.token_hash),
            Err(DbError::NotFound { .. }) => false,
            Err(e) => return Err(e),
        };
        read.commit().await?;
        if !known {
            return Ok(false);
        }
        let mut tx = pool.tenant_tx(&tenant, Access::Write).await?;
        // Deleted in between: the token is revoked, the update finds no row.
        match db::agent::record_heartbeat(&mut tx, &agent_id, &version, &hostname).await {
            Ok(_) => {}
            Err(DbError::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e),
        }
        tx.commit().await?;
        Ok::<bool, DbError>(true)
    })
    .await;
    match outcome {
        Ok(Ok(true)) => StatusCode::NO_CONTENT.into_response(),
        Ok(Ok(false)) => unauthenticated(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "heartbeat failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Internal,
                "try again shortly",
            )
        }
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "internal error",
        ),
    }
}
