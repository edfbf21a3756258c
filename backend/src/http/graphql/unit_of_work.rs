//! One GraphQL operation as one unit of work: authenticate the token, open the caller's
//! transaction, execute, commit (or roll back), then the work that waits for the commit
//! (Jenkins triggers, announcements) and, for a failed mutation, its audit entry. Bounded by
//! [`EXECUTION_TIMEOUT`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, PathSegment, ServerError};
use axum::http::{HeaderValue, Method, StatusCode};
use guardia_shared::ErrorCode;
use serde_json::{Value, json};

use super::{Answer, EXECUTION_TIMEOUT, MediaType, Params, add_missing_codes};
use crate::auth::bearer;
use crate::db::{self, Access};
use crate::graphql::{
    AfterCommit, ApiError, Authenticated, RequestContext, Services, SharedTx, operation_type,
};
use crate::http::AppState;
use crate::service::trigger::{self, PendingRun};

/// Runs one operation on its own task and waits at most [`EXECUTION_TIMEOUT`] for it.
///
/// The task is never cancelled mid-query (a dropped SQLite query would poison its pooled
/// connection): an operation that times out is stopped at its next database step (see
/// `SharedTx`), rolled back, and its connection returned to the pool.
pub(super) async fn execute(
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
    let mut request = async_graphql::Request::new(params.query);
    request.operation_name = params.operation_name;
    if let Some(variables) = params.variables {
        request = request.variables(async_graphql::Variables::from_json(variables));
    }
    // Parsed once, here: the document is kept in the request for the schema.
    let name = request.operation_name.clone();
    let op_type = state
        .graphql
        .schemas
        .parse(&mut request)
        .ok()
        .and_then(|document| operation_type(document, name.as_deref()));
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
    let auth = match bearer::from_value(authorization.as_ref()) {
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
        Err(error) => {
            return Answer::request_error(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthenticated,
                error.to_string(),
            );
        }
    };
    let shared_tx: Option<SharedTx> = auth.as_ref().map(|a| a.tx.clone());
    let session = auth.as_ref().map(|a| a.session.clone());

    let signed_in = auth.is_some();
    let context = RequestContext::new(services.clone(), client.ip(), auth);
    let after_commit = context.after_commit.clone();
    request = request.data(context);

    let mut response = match state.graphql.schemas.admit(&mut request, signed_in) {
        Ok(admitted) => admitted.schema.execute(request).await,
        Err(refusal) => async_graphql::Response::from_errors(vec![refusal]),
    };
    // A request error (the document did not parse, pass the limits or validate, or names no
    // operation it has) comes before execution: no data, and no error points into the answer.
    let rejected = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
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

    if response.errors.is_empty() {
        // The common answer is written straight out, without a JSON tree in between.
        let body = serde_json::to_string(&response).unwrap_or_else(|_| "{}".to_owned());
        return Answer {
            status: StatusCode::OK,
            body,
            allow_post_only: false,
        };
    }
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    add_missing_codes(&mut body);
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
        body: body.to_string(),
        allow_post_only: false,
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
    let (session, tx) = services.authenticate(token).await?;
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
