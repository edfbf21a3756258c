//! `GET /graphql/ws`: subscriptions over graphql-transport-ws (and the legacy
//! subscriptions-transport-ws). The token comes in `connection_init`'s payload, as
//! `{"Authorization": "Bearer <token>"}` or `{"token": "<token>"}`, and is checked like an
//! HTTP request's. The socket's limits (message size, operations at a time, time per query)
//! are in `ws_limits`.

use std::net::SocketAddr;

use async_graphql::Data;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::response::Response;
use serde_json::Value;

use super::AppState;
use super::ws_limits::{SocketExecutor, limit_messages};
use crate::auth::session::authenticate;
use crate::db::Access;
use crate::graphql::{ApiError, Authenticated, RequestContext};

pub async fn upgrade(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let schema = state.graphql.schema.clone();
    let services = state.graphql.services.clone();
    limit_messages(upgrade)
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, SocketExecutor::new(schema), protocol)
                .on_connection_init(move |payload| async move {
                    let token = token_of(&payload).ok_or_else(ApiError::unauthenticated)?;
                    let (session, tx) = authenticate(&services.tokens, &services.pool, &token, Access::Read)
                        .await
                        .map_err(ApiError::from)?;
                    // The check is done; events open their own short reads.
                    tx.commit().await.map_err(ApiError::from)?;
                    let auth = Authenticated::without_tx(session);
                    let mut data = Data::default();
                    data.insert(RequestContext::new(services, client.ip(), Some(auth)));
                    Ok(data)
                })
                .serve()
        })
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
}
