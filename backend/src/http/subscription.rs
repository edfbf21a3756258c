//! `GET /graphql/ws`: subscriptions over graphql-transport-ws (and the legacy
//! subscriptions-transport-ws). The token comes in `connection_init`'s payload, as
//! `{"Authorization": "Bearer <token>"}` or `{"token": "<token>"}`, and is checked like an
//! HTTP request's. The socket lives no longer than that token: when it expires or is revoked
//! the server closes it (code 4401), ending every subscription on it. The socket's limits
//! (message size, operations at a time, time per query) are in `ws_limits`.

mod lifetime;

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
use super::ws_limits::{SocketExecutor, limit_messages};
use crate::auth::bearer;
use crate::auth::session::SessionError;
use crate::auth::token::Claims;
use crate::graphql::{ApiError, Authenticated, RequestContext, Schemas, Services};

/// The close code for an ended session (graphql-ws clients treat 4401 as final: no retry).
const SESSION_ENDED_CLOSE_CODE: u16 = 4401;

pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let schemas = state.graphql.schemas.clone();
    let services = state.graphql.services.clone();
    limit_messages(upgrade)
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, schemas, services, protocol, client))
}

/// Serves one socket until the client leaves or the session of its `connection_init` ends.
async fn serve(
    socket: WebSocket,
    schemas: Schemas,
    services: Arc<Services>,
    protocol: GraphQLProtocol,
    client: SocketAddr,
) {
    let (accepted_sender, accepted) = oneshot::channel::<Claims>();
    let pool = services.pool.clone();
    let (mut sink, stream) = socket.split();
    let ended = {
        let session =
            GraphQLWebSocket::new_with_pair(&mut sink, stream, SocketExecutor::new(schemas), protocol)
                .on_connection_init(move |payload| async move {
                    let token = token_of(&payload).ok_or_else(ApiError::unauthenticated)?;
                    let claims = services
                        .tokens
                        .verify(&token)
                        .map_err(|e| ApiError::from(SessionError::from(e)))?;
                    let (session, tx) = services.authenticate(&token).await.map_err(ApiError::from)?;
                    // The check is done; events open their own short reads.
                    tx.commit().await.map_err(ApiError::from)?;
                    let _ = accepted_sender.send(claims);
                    let auth = Authenticated::without_tx(session);
                    let mut data = Data::default();
                    data.insert(RequestContext::new(services, client.ip(), Some(auth)));
                    Ok(data)
                })
                .serve();
        let session_end = async {
            match accepted.await {
                Ok(claims) => lifetime::session_end(&pool, &claims).await,
                // No token was accepted: the socket ends by itself.
                Err(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            () = session => None,
            reason = session_end => Some(reason),
        }
    };
    // The session future is gone, and with it every subscription of the socket.
    if let Some(reason) = ended {
        let close = CloseFrame {
            code: SESSION_ENDED_CLOSE_CODE,
            reason: reason.into(),
        };
        let _ = sink.send(Message::Close(Some(close))).await;
        let _ = sink.close().await;
    }
}

/// The bearer token of a `connection_init` payload.
fn token_of(payload: &Value) -> Option<String> {
    let field = |name: &str| payload.get(name).and_then(Value::as_str);
    if let Some(token) = field("token") {
        return Some(token.to_owned());
    }
    let header = field("Authorization").or_else(|| field("authorization"))?;
    bearer::parse(header).ok().map(str::to_owned)
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
}
