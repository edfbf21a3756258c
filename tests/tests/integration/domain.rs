//! The ITSM domain through the API: the SR workflow, concurrent writers, credentials sealed at
//! rest, and agents reporting with their tokens.

use std::time::Duration;

use guardia_shared::Role;
use guardia_tests::api::error_codes;
use guardia_tests::{Backend, World, both_backends};
use serde_json::{Value, json};

async fn sr_workflow_and_validation(backend: Backend) {
    let world = World::start(backend).await;
    let customer = world.acme.token(Role::Customer);
    let engineer = world.acme.user(Role::Engineer).clone();
    let created = world
        .gql(customer, "mutation { createSr(input: { title: \"  VPN down  \", description: \"since 9:00\", priority: URGENT }) { id title status priority requester { role } } }", json!({}))
        .await;
    let sr = &created["data"]["createSr"];
    assert_eq!(
        (
            sr["title"].as_str(),
            sr["status"].as_str(),
            sr["priority"].as_str()
        ),
        (Some("VPN down"), Some("OPEN"), Some("URGENT")),
        "{created}"
    );
    let id = sr["id"].as_str().expect("id").to_owned();
    let pm = world.acme.token(Role::Pm);
    let update = "mutation($id: ID!, $input: UpdateSrInput!) { updateSr(id: $id, input: $input) { status assignee { id } } }";

    let assigned = world
        .gql(
            pm,
            update,
            json!({ "id": id, "input": { "status": "IN_PROGRESS", "assigneeId": engineer.id } }),
        )
        .await;
    assert_eq!(
        assigned["data"]["updateSr"],
        json!({ "status": "IN_PROGRESS", "assignee": { "id": engineer.id } }),
        "{assigned}"
    );
    let skip = world
        .gql(pm, update, json!({ "id": id, "input": { "status": "CLOSED" } }))
        .await;
    assert_eq!(
        error_codes(&skip),
        ["BAD_USER_INPUT"],
        "close only a resolved SR: {skip}"
    );
    for status in ["RESOLVED", "CLOSED"] {
        let moved = world
            .gql(pm, update, json!({ "id": id, "input": { "status": status } }))
            .await;
        assert_eq!(moved["data"]["updateSr"]["status"], status, "{moved}");
    }
    let reopen = world
        .gql(pm, update, json!({ "id": id, "input": { "status": "OPEN" } }))
        .await;
    assert_eq!(
        error_codes(&reopen),
        ["BAD_USER_INPUT"],
        "CLOSED is final: {reopen}"
    );
    let retitle = world
        .gql(pm, update, json!({ "id": id, "input": { "title": "x" } }))
        .await;
    assert_eq!(error_codes(&retitle), ["BAD_USER_INPUT"], "{retitle}");

    for (case, input) in [
        ("empty title", json!({ "title": " ", "description": "" })),
        (
            "long title",
            json!({ "title": "t".repeat(201), "description": "" }),
        ),
        (
            "bad priority",
            json!({ "title": "ok", "description": "", "priority": "ASAP" }),
        ),
    ] {
        let body = world
            .gql(
                customer,
                "mutation($input: CreateSrInput!) { createSr(input: $input) { id } }",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{case}: {body}");
    }
    let count = world
        .gql(world.acme.token(Role::Admin), "{ srs { totalCount } }", json!({}))
        .await;
    assert_eq!(
        count["data"]["srs"]["totalCount"], 2,
        "the failed creations wrote nothing"
    );

    let comment = world
        .gql(
            customer,
            "mutation($id: ID!) { addSrComment(id: $id, body: \"Thanks!\") { body author { role } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        comment["data"]["addSrComment"],
        json!({ "body": "Thanks!", "author": { "role": "CUSTOMER" } }),
        "{comment}"
    );
}

async fn twenty_concurrent_writers_lose_nothing(backend: Backend) {
    let world = World::start(backend).await;
    let mut writers = Vec::new();
    for i in 0..20 {
        let http = world.server.http.clone();
        let url = world.server.url("/graphql");
        let role = Role::ALL[i % Role::ALL.len()];
        let token = world.acme.token(role).to_owned();
        writers.push(tokio::spawn(async move {
            let query = format!(
                "mutation {{ createSr(input: {{ title: \"concurrent {i}\", description: \"\" }}) {{ id }} }}"
            );
            let response = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": query }))
                .send()
                .await
                .expect("answered");
            response.json::<Value>().await.expect("json")
        }));
    }
    for writer in writers {
        let body = writer.await.expect("task");
        assert!(error_codes(&body).is_empty(), "{body}");
        assert!(!body.to_string().contains("locked"), "{body}");
    }
    let count = world
        .gql(
            world.acme.token(Role::Admin),
            "{ srs(first: 100) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        count["data"]["srs"]["totalCount"], 21,
        "the seeded SR and 20 new ones: {count}"
    );
}

async fn credentials_are_never_stored_in_plaintext(backend: Backend) {
    let world = World::start(backend).await;
    let secret = "Pl41ntext-Canary-9f3e";
    let set = world
        .gql(
            world.acme.token(Role::DeployEngineer),
            "mutation($id: ID!, $p: String!) { setServerCredential(serverId: $id, username: \"deploy-user-canary\", password: $p) { hasCredential } }",
            json!({ "id": world.acme.server_id, "p": secret }),
        )
        .await;
    assert_eq!(set["data"]["setServerCredential"]["hasCredential"], true, "{set}");
    let dump: Vec<u8> = match backend {
        Backend::Sqlite => {
            // Let SQLite move the WAL into the file, then read every byte of both.
            let path = world.db.url().trim_start_matches("sqlite://").to_owned();
            let mut bytes = std::fs::read(&path).expect("database file");
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            bytes
        }
        Backend::Postgres => {
            let output = tokio::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(world.db.url())
                .output()
                .await
                .expect("pg_dump runs");
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            output.stdout
        }
    };
    assert!(dump.len() > 1000, "the dump holds the data");
    for plaintext in [secret, "deploy-user-canary"] {
        assert!(
            !dump.windows(plaintext.len()).any(|w| w == plaintext.as_bytes()),
            "{plaintext} is stored in plaintext"
        );
    }
    let read = world
        .gql(
            world.acme.token(Role::Admin),
            "query($id: ID!) { server(id: $id) { credential { username password } } }",
            json!({ "id": world.acme.server_id }),
        )
        .await;
    assert_eq!(
        read["data"]["server"]["credential"],
        json!({ "username": "deploy-user-canary", "password": secret })
    );
    // Reading the credential back in a mutation's own response works too (audited inside the
    // mutation's transaction, which holds SQLite's write lock).
    let started = std::time::Instant::now();
    let echoed = world
        .gql(
            world.acme.token(Role::Admin),
            "mutation($id: ID!) { setServerCredential(serverId: $id, username: \"root\", password: \"Rotated-Pa55\") { credential { password } } }",
            json!({ "id": world.acme.server_id }),
        )
        .await;
    assert_eq!(
        echoed["data"]["setServerCredential"]["credential"]["password"], "Rotated-Pa55",
        "{echoed}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no wait on its own write lock"
    );
    let log = world
        .gql(
            world.acme.token(Role::Admin),
            "{ auditLog(first: 100) { edges { node { action } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        log.to_string().matches("server.credential.read").count(),
        2,
        "both reads are audited: {log}"
    );
}

async fn agents_report_with_their_token(backend: Backend) {
    let world = World::start(backend).await;
    let deployer = world.acme.token(Role::DeployEngineer);
    let registered = world
        .gql(deployer, "mutation($s: ID!) { registerAgent(input: { serverId: $s, name: \"agent-db\" }) { token agent { id status server { name } } } }", json!({ "s": world.acme.server_id }))
        .await;
    let token = registered["data"]["registerAgent"]["token"]
        .as_str()
        .expect("token shown once")
        .to_owned();
    let agent_id = registered["data"]["registerAgent"]["agent"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(registered["data"]["registerAgent"]["agent"]["status"], "OFFLINE");

    let beat = |token: String| {
        let http = world.server.http.clone();
        let url = world.server.url("/agent/heartbeat");
        async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({ "version": "1.4.2", "hostname": "db-1.acme" }))
                .send()
                .await
                .expect("answered")
                .status()
                .as_u16()
        }
    };
    assert_eq!(beat(token.clone()).await, 204);
    assert_eq!(beat(format!("{token}x")).await, 401, "a wrong secret");
    assert_eq!(
        beat(token.replacen("acme", "globex", 1)).await,
        401,
        "another tenant"
    );
    let agents = world
        .gql(
            world.acme.token(Role::Engineer),
            "{ agents { id status version lastHeartbeatAt } }",
            json!({}),
        )
        .await;
    let agent = agents["data"]["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["id"] == json!(agent_id))
        .expect("listed")
        .clone();
    assert_eq!(
        (agent["status"].as_str(), agent["version"].as_str()),
        (Some("ONLINE"), Some("1.4.2")),
        "{agents}"
    );
    assert!(
        !agents.to_string().contains(&token),
        "the token is never shown again"
    );

    let deleted = world
        .gql(
            deployer,
            "mutation($id: ID!) { deleteAgent(id: $id) }",
            json!({ "id": agent_id }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteAgent"], json!(agent_id));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(beat(token).await, 401, "deleting an agent revokes its token");
}

both_backends!(
    sr_workflow_and_validation,
    twenty_concurrent_writers_lose_nothing,
    credentials_are_never_stored_in_plaintext,
    agents_report_with_their_token
);
