//! A graphql-transport-ws client for subscription tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// A graphql-transport-ws connection to `/graphql/ws`.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/graphql/ws` with the graphql-transport-ws protocol (nothing sent yet).
pub async fn open_socket(base_url: &str) -> Socket {
    let url = format!("{}/graphql/ws", base_url.replacen("http", "ws", 1));
    let mut request = url.into_client_request().expect("a ws request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("ws connects");
    socket
}

/// One subscription on its own connection.
pub struct Subscriber {
    socket: Socket,
}

/// How a connection attempt ended.
#[derive(Debug)]
pub enum Refused {
    /// The server closed the connection during `connection_init` (bad token).
    Closed(Option<String>),
    /// The subscribe answered an error.
    Error(Value),
}

impl Subscriber {
    /// Connects to `/graphql/ws`, authenticates with `token` and subscribes to `query`.
    pub async fn start(base_url: &str, token: &str, query: &str) -> Result<Subscriber, Refused> {
        let mut socket = open_socket(base_url).await;
        send(
            &mut socket,
            json!({ "type": "connection_init", "payload": { "token": token } }),
        )
        .await;
        match receive(&mut socket, Duration::from_secs(10)).await {
            Some(ack) if ack["type"] == "connection_ack" => {}
            Some(other) => return Err(Refused::Error(other)),
            None => return Err(Refused::Closed(None)),
        }
        send(
            &mut socket,
            json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
        )
        .await;
        let mut subscriber = Subscriber { socket };
        // An immediate error (guard, unknown project) comes back at once; give it a moment.
        match receive(&mut subscriber.socket, Duration::from_millis(300)).await {
            Some(message) if message["type"] == "error" => Err(Refused::Error(message)),
            // A resolver's error (guard, unknown project) arrives as a result with errors.
            Some(message) if message["type"] == "next" && message["payload"].get("errors").is_some() => {
                Err(Refused::Error(message))
            }
            Some(message) => panic!("unexpected message before any event: {message}"),
            None => Ok(subscriber),
        }
    }

    /// The next event's `data`, or `None` when none comes within `wait` or the server ended
    /// the subscription (`complete`).
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        let message = receive(&mut self.socket, wait).await?;
        if message["type"] == "complete" {
            return None;
        }
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"].get("errors").is_none(), "{message}");
        Some(message["payload"]["data"].clone())
    }

    /// The code of the close frame the server sends within `wait` (data messages before it
    /// are skipped), or `None` when the socket stays open or ends without a close frame.
    pub async fn close_code(&mut self, wait: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Close(frame) => return frame.map(|f| u16::from(f.code)),
                Message::Text(text) if text.contains("\"ping\"") => {
                    send(&mut self.socket, json!({ "type": "pong" })).await;
                }
                _ => {}
            }
        }
    }
}

/// Sends one JSON message.
pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("ws send");
}

/// The next JSON message within `wait` (pings answered), or `None` on timeout or close.
pub async fn receive(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next()).await.ok()??;
        match frame.ok()? {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).expect("JSON message");
                if value["type"] == "ping" {
                    send(socket, json!({ "type": "pong" })).await;
                    continue;
                }
                return Some(value);
            }
            Message::Close(_) => return None,
            _ => {}
        }
    }
}
