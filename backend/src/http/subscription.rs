//! `GET /graphql/ws`: subscriptions over graphql-transport-ws (and the legacy
//! subscriptions-transport-ws). The token comes in `connection_init`'s payload, as
//! `{"Authorization": "Bearer <token>"}` or `{"token": "<token>"}`, and is checked like an
//! HTTP request's. The socket lives no longer than that token: at its expiry the server
//! closes it (code 4401), ending every subscription on it.

use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::oneshot;

use super::AppState;
use crate::auth::session::{SessionError, authenticate};
use crate::db::Access;
use crate::graphql::{ApiError, AppSchema, Authenticated, RequestContext, Services};

/// The close code for an expired session (graphql-ws clients treat 4401 as final: no retry).
const EXPIRED_CLOSE_CODE: u16 = 4401;

pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let schema = state.graphql.schema.clone();
    let services = state.graphql.services.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, schema, services, protocol, client))
}

/// Serves one socket until the client leaves or the token of its `connection_init` expires.
async fn serve(
    socket: WebSocket,
    schema: AppSchema,
    services: Arc<Services>,
    protocol: GraphQLProtocol,
    client: SocketAddr,
) {
    let (expiry_sender, expiry) = oneshot::channel::<i64>();
    let (mut sink, stream) = socket.split();
    let expired = {
        let session = GraphQLWebSocket::new_with_pair(&mut sink, stream, schema, protocol)
            .on_connection_init(move |payload| async move {
                let token = token_of(&payload).ok_or_else(ApiError::unauthenticated)?;
                let expires = services
                    .tokens
                    .verify(&token)
                    .map_err(|e| ApiError::from(SessionError::from(e)))?
                    .exp;
                let (session, tx) = authenticate(&services.tokens, &services.pool, &token, Access::Read)
                    .await
                    .map_err(ApiError::from)?;
                // The check is done; events open their own short reads.
                tx.commit().await.map_err(ApiError::from)?;
                let _ = expiry_sender.send(expires);
                let auth = Authenticated::without_tx(session);
                let mut data = Data::default();
                data.insert(RequestContext::new(services, client.ip(), Some(auth)));
                Ok(data)
            })
            .serve();
        tokio::select! {
            () = session => false,
            () = token_expiry(expiry) => true,
        }
    };
    // The session future is gone, and with it every subscription of the socket.
    if expired {
        let close = CloseFrame {
            code: EXPIRED_CLOSE_CODE,
            reason: "the session has expired; log in again".into(),
        };
        let _ = sink.send(Message::Close(Some(close))).await;
        let _ = sink.close().await;
    }
}

/// Completes when the token accepted at `connection_init` expires; never before one was.
async fn token_expiry(expiry: oneshot::Receiver<i64>) {
    let Ok(expires) = expiry.await else {
        // No token was accepted: the socket ends by itself.
        return std::future::pending().await;
    };
    tokio::time::sleep(until(expires, chrono::Utc::now().timestamp_millis())).await;
}

/// How long from `now_ms` (Unix milliseconds) until `expires` (Unix seconds, as in the
/// token); zero when already past.
fn until(expires: i64, now_ms: i64) -> std::time::Duration {
    let left = expires.saturating_mul(1000).saturating_sub(now_ms);
    std::time::Duration::from_millis(u64::try_from(left).unwrap_or(0))
}

/// The bearer token of a `connection_init` payload.
fn token_of(payload: &Value) -> Option<String> {
    let field = |name: &str| payload.get(name).and_then(Value::as_str);
    if let Some(token) = field("token") {
        return Some(token.to_owned());
    }
    let header = field("Authorization").or_else(|| field("authorization"))?;
    header.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_either_payload_shape() {
        let json = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(token_of(&json(r#"{"token":"abc"}"#)).as_deref(), Some("abc"));
        assert_eq!(
            token_of(&json(r#"{"Authorization":"Bearer abc"}"#)).as_deref(),
            Some("abc")
        );
        assert_eq!(token_of(&json(r#"{"authorization":"Basic abc"}"#)), None);
        assert_eq!(token_of(&json("{}")), None);
    }

    #[test]
    fn the_wait_ends_at_expiry_and_never_goes_negative() {
        assert_eq!(until(1_000, 940_000), std::time::Duration::from_secs(60));
        assert_eq!(until(1_000, 999_250), std::time::Duration::from_millis(750));
        assert_eq!(until(1_000, 1_000_000), std::time::Duration::ZERO);
        assert_eq!(until(1_000, 2_000_000), std::time::Duration::ZERO);
    }
}
