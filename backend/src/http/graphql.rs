//! GraphQL over HTTP as the GraphQL-over-HTTP spec describes it: `POST /graphql` with JSON,
//! `GET /graphql` for queries (and GraphiQL in a browser), content negotiation between
//! `application/json` and `application/graphql-response+json`, and the status codes that go
//! with each. One request = one transaction in the caller's tenant.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, PathSegment, ServerError};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guardia_shared::ErrorCode;
use serde_json::{Map, Value, json};

use super::AppState;
use super::client_ip::ClientAddr;
use crate::auth::session::authenticate;
use crate::db::{self, Access};
use crate::graphql::{
    AfterCommit, ApiError, Authenticated, RequestContext, RequestPhase, Services, SharedTx,
};
use crate::service::trigger::{self, PendingRun};

/// Longest an operation may run before it is stopped.
pub const EXECUTION_TIMEOUT: Duration = Duration::from_secs(10);
/// Most operations one batched POST may carry.
pub const MAX_BATCH: usize = 10;
/// Largest request body, in bytes.
pub const MAX_BODY: usize = 100 * 1024;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    Json,
    GraphqlResponseJson,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            MediaType::Json => "application/json; charset=utf-8",
            MediaType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// One operation's parameters, checked.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<Value>,
}

/// A response body and status.
struct Answer {
    status: StatusCode,
    body: Value,
    allow_post_only: bool,
}

impl Answer {
    fn request_error(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Answer {
            status,
            body: json!({ "errors": [error_json(code, &message.into())] }),
            allow_post_only: false,
        }
    }
}

fn error_json(code: ErrorCode, message: &str) -> Value {
    json!({ "message": message, "extensions": { "code": code.as_str() } })
}

fn respond(media: MediaType, answer: Answer) -> Response {
    let mut response = (answer.status, answer.body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    if answer.allow_post_only {
        headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

/// Picks the response media type from `Accept`; `None` means nothing acceptable (406).
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    accept.split(',').find_map(|entry| {
        let mut parts = entry.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            matches!(
                p.trim().replace(' ', "").as_str(),
                "q=0" | "q=0.0" | "q=0.00" | "q=0.000"
            )
        });
        if refused {
            return None;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => Some(MediaType::GraphqlResponseJson),
            "application/json" | "application/*" | "*/*" => Some(MediaType::Json),
            _ => None,
        }
    })
}

fn not_acceptable() -> Response {
    let body = json!({ "errors": [error_json(ErrorCode::BadUserInput,
        "the Accept header allows neither application/graphql-response+json nor application/json")] });
    let mut response = (StatusCode::NOT_ACCEPTABLE, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// `POST /graphql`: one operation, or a batch of at most ten.
pub async fn post(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let message = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the request body is larger than {} KB", MAX_BODY / 1024)
            } else {
                format!("the request body cannot be read: {rejection}")
            };
            return respond(
                media,
                Answer::request_error(rejection.status(), ErrorCode::BadUserInput, message),
            );
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !is_json_content_type(content_type) {
        let message = "send the request as Content-Type: application/json";
        return respond(
            media,
            Answer::request_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadUserInput,
                message,
            ),
        );
    }
    if body.is_empty() {
        return respond(
            media,
            Answer::request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "the request body is empty",
            ),
        );
    }
    let json: Value = match serde_json::from_slice(&body) {
        Ok(json) => json,
        Err(e) => {
            let message = format!("the request body is not valid JSON: {e}");
            return respond(
                media,
                Answer::request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message),
            );
        }
    };
    let auth = headers.get(header::AUTHORIZATION).cloned();
    match json {
        Value::Array(operations) => {
            if operations.is_empty() || operations.len() > MAX_BATCH {
                let message = format!(
                    "a batch holds 1 to {MAX_BATCH} operations, not {}",
                    operations.len()
                );
                return respond(
                    media,
                    Answer::request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message),
                );
            }
            let mut bodies = Vec::with_capacity(operations.len());
            for operation in operations {
                let answer = match params_from_json(operation) {
                    Ok(params) => execute(&state, params, Method::POST, media, auth.as_ref(), client).await,
                    Err(answer) => answer,
                };
                bodies.push(answer.body);
            }
            respond(
                media,
                Answer {
                    status: StatusCode::OK,
                    body: Value::Array(bodies),
                    allow_post_only: false,
                },
            )
        }
        operation => {
            let answer = match params_from_json(operation) {
                Ok(params) => execute(&state, params, Method::POST, media, auth.as_ref(), client).await,
                Err(answer) => answer,
            };
            respond(media, answer)
        }
    }
}

/// `GET /graphql`: GraphiQL for a browser, else a query from the URL parameters.
pub async fn get(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let has_query = query.iter().any(|(k, _)| k == "query");
    if wants_html && !has_query {
        return super::playground::page(state.graphiql, &headers);
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let mut map = Map::new();
    for (key, value) in query {
        let value = match key.as_str() {
            "variables" | "extensions" => match serde_json::from_str::<Value>(&value) {
                Ok(parsed) => parsed,
                Err(_) => {
                    let message = format!("`{key}` is not valid JSON");
                    return respond(
                        media,
                        Answer::request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message),
                    );
                }
            },
            _ => Value::String(value),
        };
        map.insert(key, value);
    }
    let answer = match params_from_json(Value::Object(map)) {
        Ok(params) => {
            let auth = headers.get(header::AUTHORIZATION).cloned();
            execute(&state, params, Method::GET, media, auth.as_ref(), client).await
        }
        Err(answer) => answer,
    };
    respond(media, answer)
}

fn is_json_content_type(value: &str) -> bool {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|param| match param.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

/// Checks the parameter types the spec requires.
fn params_from_json(value: Value) -> Result<Params, Answer> {
    let bad =
        |message: &str| Answer::request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message);
    let Value::Object(mut map) = value else {
        return Err(bad("the request must be a JSON object"));
    };
    let query = match map.remove("query") {
        Some(Value::String(query)) => query,
        None | Some(Value::Null) => return Err(bad("the request has no `query`")),
        Some(_) => return Err(bad("`query` must be a string")),
    };
    let operation_name = match map.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err(bad("`operationName` must be a string")),
    };
    let variables = match map.remove("variables") {
        None | Some(Value::Null) => None,
        Some(object @ Value::Object(_)) => Some(object),
        Some(_) => return Err(bad("`variables` must be an object")),
    };
    match map.remove("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err(bad("`extensions` must be an object")),
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

/// The type of the operation the request will run, if the document parses.
fn operation_type(params: &Params) -> Option<OperationType> {
    let document = async_graphql::parser::parse_query(&params.query).ok()?;
    let mut operations = document.operations.iter();
    let operation = match &params.operation_name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => operations
            .next()
            .filter(|_| document.operations.iter().count() == 1),
    }?;
    Some(operation.1.node.ty)
}

/// Runs one operation on its own task and waits at most [`EXECUTION_TIMEOUT`] for it.
///
/// The task is never cancelled mid-query (a dropped SQLite query would poison its pooled
/// connection): an operation that times out is stopped at its next database step (see
/// `SharedTx`), rolled back, and its connection returned to the pool.
async fn execute(
    state: &AppState,
    params: Params,
    method: Method,
    media: MediaType,
    authorization: Option<&HeaderValue>,
    client: SocketAddr,
) -> Answer {
    let deadline = Arc::new(Deadline::default());
    let mut task = tokio::spawn(run_operation(
        state.clone(),
        params,
        method,
        media,
        authorization.cloned(),
        client,
        deadline.clone(),
    ));
    let outcome = match tokio::time::timeout(EXECUTION_TIMEOUT, &mut task).await {
        Ok(outcome) => outcome,
        Err(_) => {
            deadline.passed.store(true, Ordering::SeqCst);
            if !deadline.committing.load(Ordering::SeqCst) {
                return timed_out();
            }
            // It committed as time ran out: its effects stand, so its answer is the truth
            // (what is left is bounded by Jenkins' own time-outs).
            task.await
        }
    };
    match outcome {
        Ok(answer) => answer,
        Err(join_error) => {
            tracing::error!(error = %join_error, "GraphQL operation task failed");
            Answer::request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Internal,
                "internal error; it has been logged",
            )
        }
    }
}

/// Where an operation stands against its time limit.
#[derive(Default)]
struct Deadline {
    /// The caller stopped waiting: whatever did not commit yet is rolled back.
    passed: Arc<AtomicBool>,
    /// The operation decided to commit; past this point it is waited for.
    committing: AtomicBool,
}

fn timed_out() -> Answer {
    let message = format!(
        "the operation ran longer than {} s and was stopped; it changed nothing",
        EXECUTION_TIMEOUT.as_secs()
    );
    Answer::request_error(StatusCode::OK, ErrorCode::Internal, message)
}

async fn run_operation(
    state: AppState,
    params: Params,
    method: Method,
    media: MediaType,
    authorization: Option<HeaderValue>,
    client: SocketAddr,
    deadline: Arc<Deadline>,
) -> Answer {
    let op_type = operation_type(&params);
    let is_mutation = op_type == Some(OperationType::Mutation);
    if method == Method::GET && is_mutation {
        let mut answer = Answer::request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::BadUserInput,
            "mutations must be sent with POST",
        );
        answer.allow_post_only = true;
        return answer;
    }
    let access = if is_mutation { Access::Write } else { Access::Read };

    let services = state.graphql.services.clone();
    let auth = match bearer_token(authorization.as_ref()) {
        Ok(None) => None,
        Ok(Some(token)) => match open_request_tx(&services, token, is_mutation, &deadline.passed).await {
            Ok((session, tx)) => Some(Authenticated::new(session, tx, access)),
            Err(error) => {
                let status = if error.code == ErrorCode::Unauthenticated {
                    StatusCode::UNAUTHORIZED
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                };
                return Answer::request_error(status, error.code, error.message);
            }
        },
        Err(message) => {
            return Answer::request_error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated, message);
        }
    };
    let shared_tx: Option<SharedTx> = auth.as_ref().map(|a| a.tx.clone());
    let session = auth.as_ref().map(|a| a.session.clone());

    let phase = Arc::new(RequestPhase::default());
    let context = RequestContext::new(services.clone(), client.ip(), auth);
    let after_commit = context.after_commit.clone();
    let mut request = async_graphql::Request::new(params.query)
        .data(context)
        .data(phase.clone());
    if let Some(name) = params.operation_name {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables {
        request = request.variables(async_graphql::Variables::from_json(variables));
    }

    let mut response = state.graphql.schema.execute(request).await;
    let failed = !response.errors.is_empty();
    // A failed mutation changes nothing; an operation past its time limit neither. Either the
    // caller sees `committing` and waits for the answer, or this sees `passed` and rolls back.
    let mut keep = !(is_mutation && failed);
    if keep {
        deadline.committing.store(true, Ordering::SeqCst);
    }
    let late = deadline.passed.load(Ordering::SeqCst);
    keep &= !late;
    if is_mutation && failed {
        // Nothing of it was kept: no field's answer stands (the root fields are non-null, so
        // GraphQL's null propagation says the same).
        response.data = async_graphql::Value::Null;
    }
    if let Err(error) = finish(shared_tx, keep).await {
        return Answer::request_error(StatusCode::OK, error.code, error.message);
    }
    if late {
        return timed_out();
    }
    if keep && let Some(session) = &session {
        run_after_commit(&services, &session.tenant_id, after_commit.take(), &mut response).await;
    }
    if is_mutation
        && failed
        && let Some(session) = &session
    {
        audit_failed_mutation(&services.pool, session, &response).await;
    }

    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    add_missing_codes(&mut body);
    let rejected = phase.rejected_before_execution.load(Ordering::Relaxed);
    let status = if rejected && media == MediaType::GraphqlResponseJson {
        if let Value::Object(map) = &mut body {
            map.remove("data");
        }
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Answer {
        status,
        body,
        allow_post_only: false,
    }
}

fn bearer_token(header: Option<&HeaderValue>) -> Result<Option<&str>, &'static str> {
    let Some(value) = header else { return Ok(None) };
    let value = value
        .to_str()
        .map_err(|_| "the Authorization header is not readable")?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err("the Authorization header must be `Bearer <token>`"),
    }
}

/// Checks the token against the user's row and gives the request its transaction: a query
/// keeps the one the check read in; a mutation's writing transaction opens at its first use, so
/// nothing holds a transaction (or SQLite's write lock) while a resolver asks Jenkins first.
async fn open_request_tx(
    services: &Services,
    token: &str,
    is_mutation: bool,
    abandoned: &Arc<AtomicBool>,
) -> Result<(crate::auth::Session, SharedTx), ApiError> {
    let (session, tx) = authenticate(&services.tokens, &services.pool, token, Access::Read).await?;
    let pool = services.pool.clone();
    if !is_mutation {
        let open = SharedTx::open(pool, tx, Access::Read, abandoned.clone());
        return Ok((session, open));
    }
    tx.commit().await?;
    let lazy = SharedTx::lazy(pool, &session.tenant_id, Access::Write, abandoned.clone());
    Ok((session, lazy))
}

/// Commits (`keep`) or rolls back the request's transaction, if it was opened.
async fn finish(shared_tx: Option<SharedTx>, keep: bool) -> Result<(), ApiError> {
    let Some(shared) = shared_tx else { return Ok(()) };
    let Some(tx) = shared.finish().await else {
        return Ok(());
    };
    if keep {
        tx.commit().await.map_err(ApiError::from)
    } else {
        tx.rollback().await.map_err(ApiError::from)
    }
}

/// What resolvers left for after the commit: start runs in Jenkins and announce them. A run
/// Jenkins would not start was closed as FAILURE; its field answers the error (and, the
/// fields being non-null, `data` becomes null, as GraphQL's null propagation has it).
async fn run_after_commit(
    services: &Services,
    tenant_id: &str,
    work: Vec<AfterCommit>,
    response: &mut async_graphql::Response,
) {
    for item in work {
        match item {
            AfterCommit::Trigger {
                run,
                response_key,
                checked,
            } => {
                let outcome =
                    trigger::start(&services.pool, &services.jenkins, tenant_id, &run, checked).await;
                if let PendingRun::Deployment(id) = &run {
                    services.events.publish(tenant_id, id).await;
                }
                services.active_runs.hint(tenant_id);
                if let Err(error) = outcome {
                    let error = ApiError::from(error);
                    let mut extensions = ErrorExtensionValues::default();
                    extensions.set("code", error.code.as_str());
                    let mut server_error = ServerError::new(error.message, None);
                    server_error.path = vec![PathSegment::Field(response_key)];
                    server_error.extensions = Some(extensions);
                    response.errors.push(server_error);
                    response.data = async_graphql::Value::Null;
                }
            }
        }
    }
}

/// A failed mutation changed nothing, but the attempt is audited (in a fresh transaction).
async fn audit_failed_mutation(
    pool: &db::DbPool,
    session: &crate::auth::Session,
    response: &async_graphql::Response,
) {
    let codes: Vec<String> = response
        .errors
        .iter()
        .map(|e| {
            e.extensions.as_ref().and_then(|x| x.get("code")).map_or_else(
                || "BAD_USER_INPUT".to_owned(),
                |c| c.to_string().trim_matches('"').to_owned(),
            )
        })
        .collect();
    let paths: Vec<String> = response
        .errors
        .iter()
        .filter_map(|e| e.path.first().map(|p| format!("{p:?}")))
        .collect();
    let outcome = format!("failure: {}", codes.join(", "));
    let target = paths.join(", ");
    let result = async {
        let mut tx = pool.tenant_tx(&session.tenant_id, Access::Write).await?;
        let entry = db::audit::NewAuditEntry {
            actor_id: Some(&session.user_id),
            action: "graphql.mutation",
            target: (!target.is_empty()).then_some(target.as_str()),
            outcome: &outcome,
            detail: None,
        };
        db::audit::record(&mut tx, entry).await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "cannot audit a failed mutation");
    }
}

/// Errors from parsing, validation and input coercion come without a code: they are all
/// about the request itself.
fn add_missing_codes(body: &mut Value) {
    let Some(Value::Array(errors)) = body.get_mut("errors") else {
        return;
    };
    for error in errors {
        let Value::Object(error) = error else { continue };
        let extensions = error
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(extensions) = extensions {
            extensions
                .entry("code")
                .or_insert_with(|| Value::String(ErrorCode::BadUserInput.as_str().to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
        assert!(is_json_content_type("application/json; charset=utf-8"));
        assert!(!is_json_content_type("application/json; charset=latin1"));
        assert!(!is_json_content_type("text/plain"));
    }
}
