//! `deploymentUpdated` and friends over graphql-transport-ws, on a browser WebSocket.

use serde_json::{Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{MessageEvent, WebSocket};

/// An open subscription; dropping it closes the socket.
pub struct Subscription {
    socket: WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Subscription {
    /// Subscribes to `query`; `on_data` gets each event's `data`.
    pub fn start(
        token: &str,
        query: &str,
        variables: Value,
        mut on_data: impl FnMut(Value) + 'static,
    ) -> Option<Self> {
        let location = web_sys::window()?.location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        let url = format!("{scheme}://{}/graphql/ws", location.host().ok()?);
        let socket = WebSocket::new_with_str(&url, "graphql-transport-ws").ok()?;
        let init = json!({ "type": "connection_init", "payload": { "token": token } }).to_string();
        let subscribe =
            json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } })
                .to_string();
        let opened = socket.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || {
            let _ = opened.send_with_str(&init);
        });
        let replier = socket.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else {
                return;
            };
            let Ok(message) = serde_json::from_str::<Value>(&text) else {
                return;
            };
            match message["type"].as_str() {
                Some("connection_ack") => {
                    let _ = replier.send_with_str(&subscribe);
                }
                Some("ping") => {
                    let _ = replier.send_with_str(r#"{"type":"pong"}"#);
                }
                Some("next") => on_data(message["payload"]["data"].clone()),
                _ => {}
            }
        });
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(Subscription {
            socket,
            _on_open: on_open,
            _on_message: on_message,
        })
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        let _ = self.socket.close();
    }
}
