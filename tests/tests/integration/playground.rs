//! The GraphiQL playground: served whole by `guardia` (no other origin named), under a strict
//! CSP, its assets embedded; `GUARDIA_GRAPHIQL=off` turns it off; in production the schema is
//! shown only to callers with a token.

use guardia_backend::auth::token::TokenKeys;
use guardia_backend::db::{self, Access, DbPool};
use guardia_shared::Role;
use guardia_tests::api::{JWT_SECRET, error_codes};
use guardia_tests::{Backend, Guardia, GuardiaOptions, TestDb, World, both_backends, gql_ok};
use serde_json::json;

async fn page(server: &Guardia) -> reqwest::Response {
    server
        .http
        .get(server.url("/graphql"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("answered")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The `src`/`href` values of the page.
fn references(html: &str) -> Vec<String> {
    ["src=\"", "href=\""]
        .iter()
        .flat_map(|attribute| {
            html.split(attribute)
                .skip(1)
                .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        })
        .collect()
}

async fn the_playground_is_served_whole_under_a_policy(backend: Backend) {
    let world = World::start(backend).await;
    let response = page(&world.server).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
    let csp = header(&response, "content-security-policy").to_owned();
    for directive in [
        "default-src 'none'",
        "script-src 'self';",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-eval") && !csp.contains("https:"), "{csp}");
    assert_eq!(header(&response, "x-frame-options"), "DENY");
    let html = response.text().await.expect("html");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external URL in the page:\n{html}"
    );
    assert!(!html.contains("<script>"), "no inline script");

    let assets = references(&html);
    assert_eq!(
        assets
            .iter()
            .filter(|a| a.starts_with("/graphql/assets/"))
            .count(),
        6,
        "{assets:?}"
    );
    for asset in assets.iter().filter(|a| a.starts_with('/')) {
        let response = world.server.get(asset).await;
        assert_eq!(response.status(), 200, "{asset}");
        let expected = if asset.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(header(&response, "content-type"), expected, "{asset}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        let cache = header(&response, "cache-control").to_owned();
        if asset.contains("-3.9.0") || asset.contains("-18.3.1") {
            assert_eq!(cache, "public, max-age=31536000, immutable", "{asset}");
        }
        let body = response.bytes().await.expect("body");
        assert!(body.len() > 50, "{asset} has content");
    }
    let graphiql = world.server.get("/graphql/assets/graphiql-3.9.0.min.js").await;
    let graphiql = graphiql.text().await.expect("js");
    assert!(graphiql.contains("createFetcher"), "GraphiQL's bundle");
    assert_eq!(world.server.get("/graphql/assets/nope.js").await.status(), 404);
    assert_eq!(
        world.server.get("/graphql/assets/..%2FCargo.toml").await.status(),
        404
    );

    // Development mode: introspection needs no token.
    let schema = world
        .server
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(gql_ok(&schema)["__schema"]["queryType"]["name"], "Query");
}

/// A served production instance with one tenant and its ADMIN; the ADMIN's token.
async fn production(db: &TestDb, extra: &[&str]) -> (Guardia, String) {
    let options = GuardiaOptions::default()
        .with_flags(&["--env", "production"])
        .with_flags(extra);
    let server = Guardia::start(db, options).await;
    let pool = DbPool::connect(&db.database_url()).await.expect("pool");
    let mut tx = pool.tenant_tx("acme", Access::Write).await.expect("begin");
    db::tenant::create(&mut tx, "Acme", false).await.expect("tenant");
    let user = db::user::create(
        &mut tx,
        db::user::NewUser {
            email: "admin@acme.example",
            name: "Admin",
            role: Role::Admin,
            password_hash: "not-a-login",
        },
    )
    .await
    .expect("user");
    tx.commit().await.expect("commit");
    let (token, _) = TokenKeys::new(JWT_SECRET.as_bytes())
        .issue(&user.id, Role::Admin, "acme", 0, 0, chrono::Utc::now())
        .expect("token");
    (server, token)
}

async fn production_shows_the_schema_only_with_a_token(backend: Backend) {
    let db = TestDb::empty(backend).await;
    let (server, token) = production(&db, &[]).await;
    for query in [
        "{ __schema { types { name } } }",
        "{ __type(name: \"User\") { fields { name } } }",
        "query { ...F } fragment F on Query { __schema { queryType { name } } }",
    ] {
        let refused = server.gql(None, query, json!({})).await;
        assert_eq!(error_codes(&refused), ["UNAUTHENTICATED"], "{query}: {refused}");
        assert!(refused["data"].is_null(), "{refused}");
        let allowed = server.gql(Some(&token), query, json!({})).await;
        gql_ok(&allowed);
    }
    // `__typename` is not introspection.
    let typename = server.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(gql_ok(&typename)["__typename"], "Query");
    // The playground itself is on by default.
    assert_eq!(page(&server).await.status(), 200);
}

async fn graphiql_off_turns_the_playground_off(backend: Backend) {
    let db = TestDb::empty(backend).await;
    let (server, token) = production(&db, &["--graphiql", "off"]).await;
    let response = page(&server).await;
    assert_eq!(response.status(), 404);
    assert!(
        response
            .text()
            .await
            .expect("text")
            .contains("GUARDIA_GRAPHIQL=off")
    );
    assert_eq!(
        server.get("/graphql/assets/graphiql-3.9.0.min.js").await.status(),
        404
    );
    // The API goes on.
    let me = server.gql(Some(&token), "{ me { role } }", json!({})).await;
    assert_eq!(gql_ok(&me)["me"]["role"], "ADMIN");
}

both_backends!(
    the_playground_is_served_whole_under_a_policy,
    production_shows_the_schema_only_with_a_token,
    graphiql_off_turns_the_playground_off,
);
