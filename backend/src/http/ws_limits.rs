//! What one WebSocket on `/graphql/ws` may cost, like an HTTP request: messages of at most
//! [`MAX_MESSAGE`] bytes (a larger one closes the connection), at most [`MAX_ACTIVE`]
//! operations at a time (a subscription counts until it ends), and a query or mutation sent
//! over the socket stops being waited for after [`EXECUTION_TIMEOUT`], as over HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response};
use axum::extract::WebSocketUpgrade;
use futures_util::StreamExt;
use futures_util::stream::{self, BoxStream};
use guardia_shared::ErrorCode;

use super::graphql::{EXECUTION_TIMEOUT, MAX_BODY};
use crate::graphql::{ApiError, Schemas};

/// The largest WebSocket message (and frame), as large as an HTTP body may be.
pub const MAX_MESSAGE: usize = MAX_BODY;
/// A socket runs operations only once its `connection_init` carried a valid token.
const SIGNED_IN: bool = true;
/// Operations one socket may run at the same time.
pub const MAX_ACTIVE: usize = 5;

/// Applies the message size limit to an upgrade.
pub fn limit_messages(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade.max_message_size(MAX_MESSAGE).max_frame_size(MAX_MESSAGE)
}

/// The schemas as one socket's executor: it admits each document (as HTTP does) and counts
/// the socket's running operations.
#[derive(Clone)]
pub struct SocketExecutor {
    schemas: Schemas,
    active: Arc<AtomicUsize>,
}

impl SocketExecutor {
    /// A new executor for each socket: the count is per socket.
    pub fn new(schemas: Schemas) -> Self {
        SocketExecutor {
            schemas,
            active: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// One of the socket's operation places, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(active: &Arc<AtomicUsize>) -> Option<Slot> {
        active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_ACTIVE).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(active.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Executor for SocketExecutor {
    async fn execute(&self, mut request: Request) -> Response {
        match self.schemas.admit(&mut request, SIGNED_IN) {
            Ok(admitted) => admitted.schema.execute(request).await,
            Err(refusal) => Response::from_errors(vec![refusal]),
        }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let admitted = match self.schemas.admit(&mut request, SIGNED_IN) {
            Ok(admitted) => admitted,
            Err(refusal) => return single(Response::from_errors(vec![refusal])),
        };
        let Some(slot) = Slot::take(&self.active) else {
            let message = format!(
                "this connection already runs {MAX_ACTIVE} operations (subscriptions count until \
                 they end); complete one first, or open another connection"
            );
            return single(error(ErrorCode::RateLimited, message));
        };
        let subscription = admitted.operation == Some(OperationType::Subscription);
        let mut responses = Executor::execute_stream(admitted.schema, request, session_data);
        if subscription {
            // The place is free again once the subscription's stream is dropped (it ended,
            // the client completed it, or the socket closed).
            return responses
                .map(move |response| {
                    let _held = &slot;
                    response
                })
                .boxed();
        }
        // A query or mutation answers once. It runs on its own task, which keeps the place
        // until it is done: a slow operation is not cut off in the middle of a statement.
        let task = tokio::spawn(async move {
            let response = responses.next().await;
            drop(slot);
            response
        });
        stream::once(async move {
            match tokio::time::timeout(EXECUTION_TIMEOUT, task).await {
                Ok(Ok(Some(response))) => response,
                Ok(Ok(None)) | Ok(Err(_)) => error(ErrorCode::Internal, "internal error; it has been logged"),
                Err(_) => error(
                    ErrorCode::Internal,
                    format!(
                        "the operation ran longer than {} s and was stopped",
                        EXECUTION_TIMEOUT.as_secs()
                    ),
                ),
            }
        })
        .boxed()
    }
}

fn single(response: Response) -> BoxStream<'static, Response> {
    stream::once(async move { response }).boxed()
}

fn error(code: ErrorCode, message: impl Into<String>) -> Response {
    let error = async_graphql::Error::from(ApiError::new(code, message));
    Response::from_errors(vec![error.into_server_error(async_graphql::Pos::default())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_counted_and_given_back() {
        let active = Arc::new(AtomicUsize::new(0));
        let held: Vec<Slot> = (0..MAX_ACTIVE).filter_map(|_| Slot::take(&active)).collect();
        assert_eq!(held.len(), MAX_ACTIVE);
        assert!(Slot::take(&active).is_none());
        drop(held);
        assert_eq!(active.load(Ordering::Acquire), 0);
        assert!(Slot::take(&active).is_some());
    }
}
