//! One WebSocket's limits: at most 5 operations at a time (200 subscriptions on one socket are
//! refused past the fifth) and messages no larger than an HTTP body.

use std::time::Duration;

use futures_util::SinkExt;
use guardia_shared::Role;
use guardia_tests::subscription::{Socket, open_socket, receive, send};
use guardia_tests::{Backend, World, both_backends};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const SUBSCRIPTION: &str = "subscription { deploymentUpdated(project: \"portal\") { id status } }";

/// A socket past `connection_ack`.
async fn connect(world: &World) -> Socket {
    let mut socket = open_socket(&world.server.base_url).await;
    let token = world.acme.token(Role::Engineer);
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "token": token } }),
    )
    .await;
    let ack = receive(&mut socket, Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

fn subscribe(id: &str) -> Value {
    json!({ "id": id, "type": "subscribe", "payload": { "query": SUBSCRIPTION } })
}

async fn a_socket_runs_at_most_five_operations(backend: Backend) {
    let world = World::start(backend).await;
    let mut socket = connect(&world).await;
    for i in 1..=200 {
        send(&mut socket, subscribe(&i.to_string())).await;
    }
    // 195 refusals (an error result, then `complete`); the first five stay open, silent.
    let mut refused = Vec::new();
    let mut completed = 0;
    while completed < 195 {
        let message = receive(&mut socket, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("only {completed} subscriptions ended"));
        let id: u32 = message["id"].as_str().expect("an id").parse().expect("a number");
        match message["type"].as_str() {
            Some("next") => {
                assert_eq!(
                    message["payload"]["errors"][0]["extensions"]["code"], "RATE_LIMITED",
                    "{message}"
                );
                refused.push(id);
            }
            Some("complete") => completed += 1,
            _ => panic!("unexpected {message}"),
        }
    }
    refused.sort_unstable();
    assert_eq!(refused, (6..=200).collect::<Vec<u32>>());
    assert!(
        receive(&mut socket, Duration::from_millis(300)).await.is_none(),
        "the five admitted stay open"
    );

    // Completing one frees its place.
    send(&mut socket, json!({ "id": "3", "type": "complete" })).await;
    if let Some(message) = receive(&mut socket, Duration::from_millis(500)).await {
        assert_eq!(message, json!({ "id": "3", "type": "complete" }));
    }
    send(&mut socket, subscribe("201")).await;
    assert!(
        receive(&mut socket, Duration::from_millis(500)).await.is_none(),
        "a sixth after one ended is admitted"
    );
    send(&mut socket, subscribe("202")).await;
    let refused = receive(&mut socket, Duration::from_secs(5))
        .await
        .expect("refused");
    assert_eq!(refused["id"], "202");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        "RATE_LIMITED"
    );
    let complete = receive(&mut socket, Duration::from_secs(5)).await;
    assert_eq!(complete, Some(json!({ "id": "202", "type": "complete" })));

    // The admitted ones still work: a deploy is announced on the socket.
    let body = world
        .gql(
            world.acme.token(Role::Pm),
            "mutation { triggerDeploy(project: \"portal\", reason: \"socket test\") { id } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let event = receive(&mut socket, Duration::from_secs(10))
        .await
        .expect("an event");
    assert_eq!(event["type"], "next", "{event}");
    assert!(
        event["payload"]["data"]["deploymentUpdated"]["id"].is_string(),
        "{event}"
    );
}

async fn an_oversized_message_closes_the_socket(backend: Backend) {
    let world = World::start(backend).await;
    let mut socket = connect(&world).await;
    // Within the limit: a padded query is answered.
    let padded = format!("{{ me {{ role }} }} #{}", "x".repeat(90 * 1024));
    send(
        &mut socket,
        json!({ "id": "small", "type": "subscribe", "payload": { "query": padded } }),
    )
    .await;
    let answer = receive(&mut socket, Duration::from_secs(10))
        .await
        .expect("answered");
    assert_eq!(answer["id"], "small", "{answer}");

    let oversized = format!("{{ me {{ role }} }} #{}", "x".repeat(120 * 1024));
    send(
        &mut socket,
        json!({ "id": "big", "type": "subscribe", "payload": { "query": oversized } }),
    )
    .await;
    let mut answers = Vec::new();
    while let Some(message) = receive(&mut socket, Duration::from_secs(5)).await {
        answers.push(message);
        assert!(answers.len() < 10, "the socket stays open: {answers:?}");
    }
    assert!(
        answers.iter().all(|m| m["id"] != "big"),
        "the oversized message was not run: {answers:?}"
    );
    let next = socket.send(Message::text(subscribe("after").to_string())).await;
    let closed = next.is_err() || receive(&mut socket, Duration::from_secs(2)).await.is_none();
    assert!(closed, "the socket is closed");
    // The server goes on.
    connect(&world).await;
}

both_backends!(
    a_socket_runs_at_most_five_operations,
    an_oversized_message_closes_the_socket
);
