//! `GET /artifacts/{project}/{build}/{path…}`: a build artifact streamed from Jenkins to the
//! caller, who needs the deploy-history right in the project's tenant. Nothing is buffered
//! whole, and the caller never sees Jenkins' address or credentials.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use guardia_shared::{ErrorCode, Permission};
use serde_json::json;

use super::AppState;
use crate::auth::session::authenticate;
use crate::db::{self, Access};
use crate::graphql::ApiError;
use crate::jenkins::JobPath;

pub async fn download(
    State(state): State<AppState>,
    Path((project_id, build, relative_path)): Path<(String, u32, String)>,
    headers: HeaderMap,
) -> Response {
    match stream(&state, &project_id, build, &relative_path, &headers).await {
        Ok(response) => response,
        Err(error) => error_response(error),
    }
}

async fn stream(
    state: &AppState,
    project_id: &str,
    build: u32,
    relative_path: &str,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let services = &state.graphql.services;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(ApiError::unauthenticated)?;
    let (session, mut tx) =
        authenticate(&services.tokens, &services.pool, token.trim(), Access::Read).await?;
    if !session.allows(Permission::DeployHistoryRead) {
        return Err(ApiError::forbidden());
    }
    // Another tenant's project is as unknown as a missing one.
    let project = db::deploy::get_project(&mut tx, project_id)
        .await
        .map_err(|e| ApiError::from_db("deploy project", e))?;
    tx.commit().await?;
    let job = JobPath::parse(&project.jenkins_job).ok_or_else(|| ApiError::not_found("Jenkins job"))?;
    let jenkins = services
        .jenkins
        .as_deref()
        .ok_or_else(|| ApiError::from(crate::jenkins::JenkinsError::NotConfigured))?;
    let download = jenkins
        .artifact(&job, build, relative_path)
        .await
        .map_err(|e| ApiError::from_jenkins(&format!("artifact '{relative_path}' of build #{build}"), e))?;

    let file_name = relative_path.rsplit('/').next().unwrap_or(relative_path);
    let mut response = Response::new(Body::from_stream(download.body.map_err(std::io::Error::other)));
    let headers = response.headers_mut();
    let content_type = download
        .content_type
        .as_deref()
        .unwrap_or("application/octet-stream");
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Some(length) = download.content_length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// `attachment; filename="app.jar"` with a UTF-8 fallback for other names (RFC 6266).
fn content_disposition(file_name: &str) -> String {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect();
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encoded.replace('+', "%20")
    )
}

/// The same error shape as the GraphQL endpoint's, with a fitting HTTP status.
fn error_response(error: ApiError) -> Response {
    let status = match error.code {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
        ErrorCode::UpstreamUnavailable => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let body =
        json!({ "errors": [{ "message": error.message, "extensions": { "code": error.code.as_str() } }] });
    (status, axum::Json(body)).into_response()
}
