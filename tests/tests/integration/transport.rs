//! GraphQL over HTTP and hostile callers: the spec's status codes, graphql-http's audit, the
//! limits (depth, aliases, body size, page size, batch size), and the committed SDL.

use std::time::{Duration, Instant};

use guardia_shared::Role;
use guardia_tests::api::error_codes;
use guardia_tests::{Backend, World, both_backends, guardia_bin, workspace_root};
use serde_json::{Value, json};

async fn post_raw(world: &World, body: String, content_type: &str, accept: &str) -> (u16, String, String) {
    let response = world
        .server
        .http
        .post(world.server.url("/graphql"))
        .header("content-type", content_type)
        .header("accept", accept)
        .bearer_auth(world.acme.token(Role::Admin))
        .body(body)
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    let content = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    (status, content, response.text().await.expect("body"))
}

async fn hostile_requests_are_refused_quickly_and_the_server_stays_healthy(backend: Backend) {
    let world = World::start(backend).await;
    let admin = world.acme.token(Role::Admin);
    // Depth 13 through introspection types (the limit is 10).
    let mut deep_query = String::from("{ __schema { types { fields { type { ");
    for _ in 0..8 {
        deep_query.push_str("ofType { ");
    }
    deep_query.push_str("name");
    deep_query.push_str(&" }".repeat(8 + 5));
    let aliases: String = (0..16).map(|i| format!("a{i}: me {{ id }} ")).collect();
    // 14 × 100 SRs × 24 fields = 33,600 > 10,000, within the alias and depth limits.
    let heavy: String = (0..14)
        .map(|i| format!("s{i}: srs(first: 100) {{ totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ id title description status priority createdAt updatedAt requester {{ id name email role active }} assignee {{ id name email }} }} }} }} "))
        .collect();
    let cases: Vec<(&str, String)> = vec![
        ("too deep", deep_query),
        ("alias flood", format!("{{ {aliases} }}")),
        ("too complex", format!("{{ {heavy} }}")),
        ("huge first", "{ srs(first: 1000) { totalCount } }".to_owned()),
        ("first zero", "{ servers(first: 0) { totalCount } }".to_owned()),
        (
            "bad cursor",
            "{ srs(after: \"not-a-cursor\") { totalCount } }".to_owned(),
        ),
        ("syntax error", "{ me { id ".to_owned()),
        ("unknown field", "{ me { password } }".to_owned()),
    ];
    for (case, query) in cases {
        let started = Instant::now();
        let body = world.gql(admin, &query, json!({})).await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{case} took {:?}",
            started.elapsed()
        );
        assert_eq!(
            error_codes(&body),
            vec!["BAD_USER_INPUT"; error_codes(&body).len().max(1)],
            "{case}: {body}"
        );
    }

    let (status, _, _) = post_raw(
        &world,
        "{\"query\": ".to_owned(),
        "application/json",
        "application/json",
    )
    .await;
    assert_eq!(status, 400, "malformed JSON");
    let oversized = json!({ "query": format!("{{ me {{ id }} }} #{}", "x".repeat(120 * 1024)) }).to_string();
    let (status, _, text) = post_raw(&world, oversized, "application/json", "application/json").await;
    assert_eq!(status, 413, "body over 100 KB");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("a JSON error")["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
    let nested_variables = format!(
        "{{\"query\": \"{{ me {{ id }} }}\", \"variables\": {{\"v\": {}1{}}}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let (status, _, _) = post_raw(&world, nested_variables, "application/json", "application/json").await;
    assert_eq!(status, 400, "deeply nested variables");
    let batch: Vec<Value> = (0..11).map(|_| json!({ "query": "{ me { id } }" })).collect();
    let (status, _, _) = post_raw(
        &world,
        Value::Array(batch).to_string(),
        "application/json",
        "application/json",
    )
    .await;
    assert_eq!(status, 400, "batch over 10");
    let batch: Vec<Value> = (0..3).map(|_| json!({ "query": "{ me { role } }" })).collect();
    let (status, _, text) = post_raw(
        &world,
        Value::Array(batch).to_string(),
        "application/json",
        "application/json",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("json")[2]["data"]["me"]["role"],
        "ADMIN"
    );

    // Still healthy and answering.
    let me = world.gql(admin, "{ me { role } }", json!({})).await;
    assert_eq!(me["data"]["me"]["role"], "ADMIN");
    assert_eq!(world.server.get("/readyz").await.status(), 200);
}

async fn graphql_over_http_status_codes(backend: Backend) {
    let world = World::start(backend).await;
    let query = json!({ "query": "{ me { id } }" }).to_string();
    let (status, content, _) = post_raw(&world, query.clone(), "text/plain", "application/json").await;
    assert_eq!(status, 415, "{content}");
    let (status, _, _) = post_raw(&world, query.clone(), "application/json", "text/html").await;
    assert_eq!(status, 406);
    let (status, content, _) = post_raw(
        &world,
        query.clone(),
        "application/json",
        "application/graphql-response+json",
    )
    .await;
    assert_eq!(
        (status, content.as_str()),
        (200, "application/graphql-response+json; charset=utf-8")
    );
    let invalid = json!({ "query": "{ nope }" }).to_string();
    let (status, _, text) = post_raw(
        &world,
        invalid.clone(),
        "application/json",
        "application/graphql-response+json",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        serde_json::from_str::<Value>(&text)
            .expect("json")
            .get("data")
            .is_none(),
        "{text}"
    );
    let (status, _, _) = post_raw(&world, invalid, "application/json", "application/json").await;
    assert_eq!(status, 200, "application/json keeps 200 for validation errors");

    let get_mutation = world
        .server
        .http
        .get(world.server.url("/graphql"))
        .query(&[(
            "query",
            "mutation { createSr(input: { title: \"x\", description: \"\" }) { id } }",
        )])
        .bearer_auth(world.acme.token(Role::Admin))
        .send()
        .await
        .expect("answered");
    assert_eq!(get_mutation.status(), 405);
    assert_eq!(get_mutation.headers()["allow"], "POST");
    let get_query = world
        .server
        .http
        .get(world.server.url("/graphql"))
        .query(&[("query", "{ me { role } }")])
        .bearer_auth(world.acme.token(Role::Pm))
        .send()
        .await
        .expect("answered");
    assert_eq!(
        get_query.json::<Value>().await.expect("json")["data"]["me"]["role"],
        "PM"
    );
    let playground = world
        .server
        .http
        .get(world.server.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .expect("answered");
    assert!(
        playground.text().await.expect("html").contains("graphiql"),
        "GraphiQL in a browser"
    );
}

async fn graphql_http_audit_passes_without_errors_or_warnings(backend: Backend) {
    let world = World::start(backend).await;
    let script = workspace_root().join("tests/graphql-http/audit.mjs");
    assert!(
        workspace_root()
            .join("tests/graphql-http/node_modules/graphql-http")
            .is_dir(),
        "graphql-http is not installed: scripts/setup test installs it"
    );
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(world.server.url("/graphql"))
        .output()
        .await
        .expect("node runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "graphql-http audit failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains(" ok, 0 not ok"), "{report}");
}

/// Browsers on other origins get the API only when `GUARDIA_CORS_ORIGINS` lists them; production
/// gives no field suggestions to schema guessers.
async fn cross_origin_access_and_production_hints(backend: Backend) {
    let db = guardia_tests::TestDb::empty(backend).await;
    let options = guardia_tests::GuardiaOptions::default().with_flags(&[
        "--cors-origins",
        "https://ops.example.com",
        "--env",
        "production",
    ]);
    let server = guardia_tests::Guardia::start(&db, options).await;
    let preflight = |origin: &'static str| {
        server
            .http
            .request(reqwest::Method::OPTIONS, server.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let allowed = preflight("https://ops.example.com").await.expect("answered");
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or_default()),
        Some("https://ops.example.com")
    );
    let refused = preflight("https://evil.example").await.expect("answered");
    assert!(
        refused.headers().get("access-control-allow-origin").is_none(),
        "an unlisted origin gets no CORS grant"
    );

    let guess = server.gql(None, "{ tenantz { code } }", json!({})).await;
    assert_eq!(error_codes(&guess), ["BAD_USER_INPUT"]);
    assert!(
        !guess.to_string().contains("Did you mean"),
        "no suggestions in production: {guess}"
    );
}

both_backends!(
    cross_origin_access_and_production_hints,
    hostile_requests_are_refused_quickly_and_the_server_stays_healthy,
    graphql_over_http_status_codes,
    graphql_http_audit_passes_without_errors_or_warnings
);

#[test]
fn committed_schema_matches_the_server() {
    let output = std::process::Command::new(guardia_bin())
        .arg("schema")
        .output()
        .expect("guardia schema");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("utf-8");
    let committed =
        std::fs::read_to_string(workspace_root().join("backend/schema.graphql")).expect("schema.graphql");
    assert!(
        printed == committed,
        "backend/schema.graphql is stale: run `guardia schema > backend/schema.graphql` and commit it"
    );
}
