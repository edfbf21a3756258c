//! `GET /artifacts/{project}/{build}/{path…}`: a build artifact streamed from Jenkins to the
//! caller, who needs the deploy-history right in the project's tenant. Nothing is buffered
//! whole, and the caller never sees Jenkins' address or credentials.
//!
//! The caller proves who they are with a bearer token, or with a signed link
//! (`?expires=…&user=…&tenant=…&sig=…`, see `auth::artifact_link`) that a browser's
//! `<a href download>` can follow. A signed link is checked like a token: the user must still
//! exist, be active and hold the right, and the project must belong to the link's tenant.

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures_util::TryStreamExt;
use guardia_shared::permission::allows_in;
use guardia_shared::{ErrorCode, Permission};

use super::AppState;
use crate::auth::artifact_link::{ArtifactLink, LinkError};
use crate::auth::bearer;
use crate::db::{self, Access, DbError, TenantTx};
use crate::graphql::ApiError;
use crate::jenkins::JobPath;
use crate::tenant_jenkins::TenantJenkins;

pub async fn download(
    State(state): State<AppState>,
    Path((project_id, build, relative_path)): Path<(String, u32, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let request = Download {
        project_id: &project_id,
        build,
        relative_path: &relative_path,
    };
    match stream(&state, &request, query.as_deref(), &headers).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// The artifact asked for.
struct Download<'a> {
    project_id: &'a str,
    build: u32,
    relative_path: &'a str,
}

/// A signed link's query parameters.
#[derive(Default)]
struct LinkParams {
    expires: Option<String>,
    user: Option<String>,
    tenant: Option<String>,
    sig: Option<String>,
}

impl LinkParams {
    fn parse(query: &str) -> Self {
        let mut params = LinkParams::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "expires" => &mut params.expires,
                "user" => &mut params.user,
                "tenant" => &mut params.tenant,
                "sig" => &mut params.sig,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        params
    }
}

fn link_refused(error: LinkError) -> ApiError {
    ApiError::new(ErrorCode::Unauthenticated, error.to_string())
}

/// Checks the caller (bearer token or signed link) and their right, and returns the project's
/// job, inside the caller's tenant's Jenkins folder, with that tenant's Jenkins. The
/// transaction is over before Jenkins is asked.
async fn authorize(
    state: &AppState,
    request: &Download<'_>,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<(JobPath, TenantJenkins), ApiError> {
    let services = &state.graphql.services;
    let params = query.map(LinkParams::parse).unwrap_or_default();
    let mut tx = if let Some(sig) = &params.sig {
        let (Some(expires), Some(user_id), Some(tenant_id)) = (&params.expires, &params.user, &params.tenant)
        else {
            return Err(link_refused(LinkError::Incomplete));
        };
        let expires: i64 = expires
            .parse()
            .map_err(|_| link_refused(LinkError::BadSignature))?;
        let link = ArtifactLink {
            tenant_id,
            user_id,
            project_id: request.project_id,
            build: request.build,
            relative_path: request.relative_path,
            expires,
        };
        services
            .artifact_links
            .verify(&link, sig, Utc::now())
            .map_err(link_refused)?;
        let mut tx = services.pool.tenant_tx(tenant_id, Access::Read).await?;
        check_link_user(&mut tx, user_id).await?;
        tx
    } else {
        let token = bearer::from_headers(headers)
            .ok()
            .flatten()
            .ok_or_else(ApiError::unauthenticated)?;
        let (session, tx) = services.authenticate(token).await?;
        if !session.allows(Permission::DeployHistoryRead) {
            return Err(ApiError::forbidden());
        }
        tx
    };
    // Another tenant's project is as unknown as a missing one.
    let project = db::deploy::get_project(&mut tx, request.project_id).await?;
    let jenkins = services.jenkins.for_tenant(&mut tx).await?;
    tx.commit().await?;
    let job = jenkins
        .job(&project.jenkins_job)
        .map_err(|e| ApiError::bad_input(format!("deploy project '{}' cannot be used: {e}", project.name)))?;
    Ok((job, jenkins))
}

/// The signer of a link must still be an active user whose role may read deploy history, as
/// a session token's user must.
async fn check_link_user(tx: &mut TenantTx, user_id: &str) -> Result<(), ApiError> {
    let revoked = || ApiError::new(ErrorCode::Unauthenticated, "the download link is no longer valid");
    let user = match db::user::get(tx, user_id).await {
        Ok(user) => user,
        Err(DbError::NotFound { .. }) => return Err(revoked()),
        Err(e) => return Err(e.into()),
    };
    if !user.active {
        return Err(revoked());
    }
    let tenant = db::tenant::get(tx).await?;
    if !allows_in(user.role, Permission::DeployHistoryRead, tenant.is_operator) {
        return Err(ApiError::forbidden());
    }
    Ok(())
}

async fn stream(
    state: &AppState,
    request: &Download<'_>,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let (job, jenkins) = authorize(state, request, query, headers).await?;
    let (build, relative_path) = (request.build, request.relative_path);
    let download = jenkins
        .client()?
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
    // A signed link in the address bar must not travel on in a Referer.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
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
