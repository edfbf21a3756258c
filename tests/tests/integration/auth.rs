//! Login and tokens: one answer for unknown email and wrong password, rate limiting, and every
//! kind of bad token refused; deactivation and role changes take effect at once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use guardia_backend::auth::token::TokenKeys;
use guardia_shared::Role;
use guardia_tests::api::{JWT_SECRET, PASSWORD, error_codes};
use guardia_tests::{Backend, World, both_backends};
use serde_json::json;

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt user { id role tenant { code } } } }";
const ME: &str = "{ me { id role } }";

async fn login_answers_alike_for_unknown_email_and_wrong_password(backend: Backend) {
    let world = World::start(backend).await;
    let pm = world.acme.user(Role::Pm).clone();
    let ok = world
        .server
        .gql(
            None,
            LOGIN,
            json!({ "e": pm.email.to_uppercase(), "p": PASSWORD }),
        )
        .await;
    assert_eq!(
        ok["data"]["login"]["user"],
        json!({ "id": pm.id, "role": "PM", "tenant": { "code": "acme" } }),
        "{ok}"
    );
    let token = ok["data"]["login"]["token"].as_str().expect("token");
    assert_eq!(
        world.gql(token, ME, json!({})).await["data"]["me"]["id"],
        json!(pm.id)
    );

    let wrong = world
        .server
        .gql(None, LOGIN, json!({ "e": pm.email, "p": "wrong password!" }))
        .await;
    let unknown = world
        .server
        .gql(None, LOGIN, json!({ "e": "nobody@acme.example", "p": PASSWORD }))
        .await;
    assert_eq!(error_codes(&wrong), ["UNAUTHENTICATED"]);
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert_eq!(
        wrong["errors"][0]["extensions"],
        unknown["errors"][0]["extensions"]
    );
    assert!(wrong["data"].is_null());
}

async fn repeated_failures_are_rate_limited(backend: Backend) {
    let world = World::start(backend).await;
    let engineer = world.acme.user(Role::Engineer).clone();
    for attempt in 0..5 {
        let body = world
            .server
            .gql(
                None,
                LOGIN,
                json!({ "e": engineer.email, "p": format!("guess {attempt} wrong") }),
            )
            .await;
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"], "attempt {attempt}");
    }
    let limited = world
        .server
        .gql(None, LOGIN, json!({ "e": engineer.email, "p": PASSWORD }))
        .await;
    assert_eq!(
        error_codes(&limited),
        ["RATE_LIMITED"],
        "even the right password waits: {limited}"
    );
    // Other users are not locked out by this email's failures.
    let other = world
        .server
        .gql(
            None,
            LOGIN,
            json!({ "e": world.acme.user(Role::Admin).email, "p": PASSWORD }),
        )
        .await;
    assert!(error_codes(&other).is_empty(), "{other}");
}

async fn bad_tokens_are_unauthenticated(backend: Backend) {
    let world = World::start(backend).await;
    let pm = world.acme.user(Role::Pm).clone();
    let keys = TokenKeys::new(JWT_SECRET.as_bytes());
    let now = chrono::Utc::now();
    let (expired, _) = keys
        .issue(&pm.id, Role::Pm, "acme", 0, 0, now - chrono::Duration::days(1))
        .expect("token");
    let (wrong_key, _) = TokenKeys::new(b"some-other-secret-some-other-secret!!")
        .issue(&pm.id, Role::Pm, "acme", 0, 0, now)
        .expect("token");
    let (claims_role_wrong, _) = keys.issue(&pm.id, Role::Admin, "acme", 0, 0, now).expect("token");
    let (claims_tenant_wrong, _) = keys.issue(&pm.id, Role::Pm, "globex", 0, 0, now).expect("token");
    let payload = pm.token.split('.').nth(1).expect("payload");
    let alg_none = format!("{}.{payload}.", B64.encode(r#"{"alg":"none","typ":"JWT"}"#));
    let cases = [
        ("malformed", "not-a-jwt".to_owned()),
        ("alg none", alg_none),
        ("wrong key", wrong_key),
        ("expired", expired),
        ("role disagrees with the row", claims_role_wrong),
        ("tenant disagrees with the row", claims_tenant_wrong),
    ];
    for (case, token) in cases {
        let body = world.gql(&token, ME, json!({})).await;
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"], "{case}: {body}");
    }
    let anonymous = world.server.gql(None, ME, json!({})).await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"], "{anonymous}");
    let public = world.server.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(
        public["data"]["__typename"], "Query",
        "introspection needs no login"
    );
}

async fn deactivation_and_role_changes_take_effect_at_once(backend: Backend) {
    let world = World::start(backend).await;
    let admin = world.acme.token(Role::Admin);
    let engineer = world.acme.user(Role::Engineer).clone();
    let pm = world.acme.user(Role::Pm).clone();
    assert!(error_codes(&world.gql(&engineer.token, ME, json!({})).await).is_empty());

    let changed = world
        .gql(
            admin,
            "mutation($id: ID!) { updateUserRole(id: $id, role: CUSTOMER) { role } }",
            json!({ "id": pm.id }),
        )
        .await;
    assert_eq!(changed["data"]["updateUserRole"]["role"], "CUSTOMER", "{changed}");
    let stale = world
        .gql(&pm.token, "{ servers { totalCount } }", json!({}))
        .await;
    assert_eq!(
        error_codes(&stale),
        ["UNAUTHENTICATED"],
        "a token with the old role stops working: {stale}"
    );
    let relogin = world
        .server
        .gql(None, LOGIN, json!({ "e": pm.email, "p": PASSWORD }))
        .await;
    let fresh = relogin["data"]["login"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let as_customer = world.gql(&fresh, "{ servers { totalCount } }", json!({})).await;
    assert_eq!(
        error_codes(&as_customer),
        ["FORBIDDEN"],
        "the new role applies: {as_customer}"
    );

    let deactivated = world
        .gql(
            admin,
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({ "id": engineer.id }),
        )
        .await;
    assert_eq!(deactivated["data"]["deactivateUser"]["active"], false);
    assert_eq!(
        error_codes(&world.gql(&engineer.token, ME, json!({})).await),
        ["UNAUTHENTICATED"]
    );
    let login = world
        .server
        .gql(None, LOGIN, json!({ "e": engineer.email, "p": PASSWORD }))
        .await;
    assert_eq!(
        error_codes(&login),
        ["UNAUTHENTICATED"],
        "a deactivated user cannot log in"
    );
    let myself = world
        .gql(
            admin,
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({ "id": world.acme.user(Role::Admin).id }),
        )
        .await;
    assert_eq!(error_codes(&myself), ["BAD_USER_INPUT"], "no self-lockout");
}

both_backends!(
    login_answers_alike_for_unknown_email_and_wrong_password,
    repeated_failures_are_rate_limited,
    bad_tokens_are_unauthenticated,
    deactivation_and_role_changes_take_effect_at_once
);
