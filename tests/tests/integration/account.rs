//! Own accounts and sessions: changePassword, logout and an ADMIN's resetUserPassword revoke
//! every older token of the user (the session epoch); the password policy; the token lifetime
//! from GUARDIA_TOKEN_TTL; a subscription closed when its token expires or is revoked.

use std::time::Duration;

use guardia_backend::auth::token::TokenKeys;
use guardia_shared::Role;
use guardia_tests::api::{JWT_SECRET, PASSWORD, PROJECT, error_codes};
use guardia_tests::subscription::{Refused, Subscriber};
use guardia_tests::{Backend, TestDb, World, both_backends, gql_ok, guardia_bin};
use serde_json::{Value, json};

const LOGIN: &str =
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt } }";
const ME: &str = "{ me { id } }";
const CHANGE: &str = "mutation($c: String!, $n: String!) {
    changePassword(current: $c, new: $n) { token expiresAt user { id email } } }";
const LOGOUT: &str = "mutation { logout }";
const RESET: &str =
    "mutation($id: ID!, $p: String!) { resetUserPassword(id: $id, newPassword: $p) { id email } }";
const AUDIT: &str = "{ auditLog(first: 50) { edges { node { action target outcome actor { id } } } } }";
const NEW_PASSWORD: &str = "Fresh password 2026";

async fn login(world: &World, email: &str, password: &str) -> Value {
    world
        .server
        .gql(None, LOGIN, json!({ "e": email, "p": password }))
        .await
}

async fn token_of_login(world: &World, email: &str, password: &str) -> String {
    let body = login(world, email, password).await;
    gql_ok(&body)["login"]["token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

/// The error codes `me` answers with this token (empty: the token works).
async fn me_codes(world: &World, token: &str) -> Vec<String> {
    error_codes(&world.gql(token, ME, json!({})).await)
}

/// Whether acme's audit log holds a successful `action` on `target` by `actor`.
async fn audited(world: &World, action: &str, target: &str, actor: &str) -> bool {
    let body = world.gql(world.acme.token(Role::Admin), AUDIT, json!({})).await;
    gql_ok(&body)["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .any(|e| {
            let node = &e["node"];
            node["action"] == action
                && node["target"] == target
                && node["outcome"] == "success"
                && node["actor"]["id"] == actor
        })
}

async fn a_password_change_revokes_every_older_token(backend: Backend) {
    let world = World::start(backend).await;
    let engineer = world.acme.user(Role::Engineer).clone();
    let first = token_of_login(&world, &engineer.email, PASSWORD).await;
    let second = token_of_login(&world, &engineer.email, PASSWORD).await;

    let changed = world
        .gql(&first, CHANGE, json!({ "c": PASSWORD, "n": NEW_PASSWORD }))
        .await;
    let payload = &gql_ok(&changed)["changePassword"];
    assert_eq!(payload["user"]["id"], json!(engineer.id));
    let renewed = payload["token"].as_str().expect("a new token");

    for (which, token) in [
        ("the token that changed it", first.as_str()),
        ("another login", second.as_str()),
        ("the seeded token", engineer.token.as_str()),
    ] {
        assert_eq!(me_codes(&world, token).await, ["UNAUTHENTICATED"], "{which}");
    }
    assert!(me_codes(&world, renewed).await.is_empty(), "the new token works");
    assert!(
        me_codes(&world, world.acme.token(Role::Pm)).await.is_empty(),
        "other users keep their sessions"
    );
    assert_eq!(
        error_codes(&login(&world, &engineer.email, PASSWORD).await),
        ["UNAUTHENTICATED"]
    );
    token_of_login(&world, &engineer.email, NEW_PASSWORD).await;
    assert!(audited(&world, "user.password.change", &engineer.id, &engineer.id).await);
}

async fn a_wrong_current_password_or_a_weak_new_one_changes_nothing(backend: Backend) {
    let world = World::start(backend).await;
    let pm = world.acme.user(Role::Pm).clone();
    let wrong = world
        .gql(
            &pm.token,
            CHANGE,
            json!({ "c": "not my password", "n": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(error_codes(&wrong), ["FORBIDDEN"], "{wrong}");
    assert!(wrong["data"].is_null());

    let email = pm.email.clone();
    for (case, new) in [
        ("too short", "Short1!"),
        ("one kind of character", "abcdefghijklmn"),
        ("the email", email.as_str()),
        ("the current password", PASSWORD),
    ] {
        let refused = world
            .gql(&pm.token, CHANGE, json!({ "c": PASSWORD, "n": new }))
            .await;
        assert_eq!(error_codes(&refused), ["BAD_USER_INPUT"], "{case}: {refused}");
        let message = refused["errors"][0]["message"].as_str().expect("a message");
        assert!(
            message.starts_with("a password") || message.starts_with("the new password"),
            "{case}: {message}"
        );
    }
    let weak = world
        .gql(&pm.token, CHANGE, json!({ "c": PASSWORD, "n": "abcdefghijklmn" }))
        .await;
    assert_eq!(
        weak["errors"][0]["message"],
        "a password needs at least two kinds of characters: lowercase, uppercase, digits, spaces and symbols, other scripts (한글)"
    );

    assert!(
        me_codes(&world, &pm.token).await.is_empty(),
        "the session survives"
    );
    token_of_login(&world, &pm.email, PASSWORD).await;

    // Guessing the current password through a stolen token is limited like login.
    let customer = world.acme.user(Role::Customer).clone();
    let mut codes = Vec::new();
    for attempt in 0..6 {
        let body = world
            .gql(
                &customer.token,
                CHANGE,
                json!({ "c": format!("guess {attempt}"), "n": NEW_PASSWORD }),
            )
            .await;
        codes.extend(error_codes(&body));
    }
    assert_eq!(codes[..5], ["FORBIDDEN"; 5]);
    assert_eq!(codes[5], "RATE_LIMITED");
}

async fn logout_revokes_every_token_of_the_user(backend: Backend) {
    let world = World::start(backend).await;
    let deployer = world.acme.user(Role::DeployEngineer).clone();
    let browser = token_of_login(&world, &deployer.email, PASSWORD).await;
    let laptop = token_of_login(&world, &deployer.email, PASSWORD).await;

    let out = world.gql(&browser, LOGOUT, json!({})).await;
    assert_eq!(gql_ok(&out)["logout"], true);
    for token in [&browser, &laptop, &deployer.token] {
        assert_eq!(me_codes(&world, token).await, ["UNAUTHENTICATED"]);
    }
    let again = world.gql(&browser, LOGOUT, json!({})).await;
    assert_eq!(error_codes(&again), ["UNAUTHENTICATED"], "{again}");
    assert!(
        me_codes(&world, world.acme.token(Role::Engineer))
            .await
            .is_empty()
    );
    let fresh = token_of_login(&world, &deployer.email, PASSWORD).await;
    assert!(
        me_codes(&world, &fresh).await.is_empty(),
        "logging in again works"
    );
    assert!(audited(&world, "user.logout", &deployer.id, &deployer.id).await);

    // A token of an older epoch (as a stolen copy would be) is refused.
    let (stale, _) = TokenKeys::new(JWT_SECRET.as_bytes())
        .issue(
            &deployer.id,
            Role::DeployEngineer,
            "acme",
            0,
            0,
            chrono::Utc::now(),
        )
        .expect("token");
    assert_eq!(me_codes(&world, &stale).await, ["UNAUTHENTICATED"]);
}

async fn an_admin_resets_passwords_in_their_own_tenant_only(backend: Backend) {
    let world = World::start(backend).await;
    let admin = world.acme.user(Role::Admin).clone();
    let engineer = world.acme.user(Role::Engineer).clone();
    let session = token_of_login(&world, &engineer.email, PASSWORD).await;

    let reset = world
        .gql(
            &admin.token,
            RESET,
            json!({ "id": engineer.id, "p": NEW_PASSWORD }),
        )
        .await;
    assert_eq!(gql_ok(&reset)["resetUserPassword"]["id"], json!(engineer.id));
    for token in [&session, &engineer.token] {
        assert_eq!(me_codes(&world, token).await, ["UNAUTHENTICATED"]);
    }
    assert!(
        me_codes(&world, &admin.token).await.is_empty(),
        "the ADMIN stays signed in"
    );
    assert_eq!(
        error_codes(&login(&world, &engineer.email, PASSWORD).await),
        ["UNAUTHENTICATED"]
    );
    token_of_login(&world, &engineer.email, NEW_PASSWORD).await;
    assert!(audited(&world, "user.password.reset", &engineer.id, &admin.id).await);

    let cases = [
        (
            "another tenant's user",
            admin.token.clone(),
            world.globex.user(Role::Pm).id.clone(),
            NEW_PASSWORD,
            "NOT_FOUND",
        ),
        (
            "the operator's ADMIN on a tenant's user",
            world.ops.token(Role::Admin).to_owned(),
            world.acme.user(Role::Pm).id.clone(),
            NEW_PASSWORD,
            "NOT_FOUND",
        ),
        (
            "an unknown id",
            admin.token.clone(),
            "no-such-user".to_owned(),
            NEW_PASSWORD,
            "NOT_FOUND",
        ),
        (
            "a PM",
            world.acme.token(Role::Pm).to_owned(),
            world.acme.user(Role::Customer).id.clone(),
            NEW_PASSWORD,
            "FORBIDDEN",
        ),
        (
            "own password",
            admin.token.clone(),
            admin.id.clone(),
            NEW_PASSWORD,
            "BAD_USER_INPUT",
        ),
        (
            "a weak password",
            admin.token.clone(),
            world.acme.user(Role::Pm).id.clone(),
            "1234567890",
            "BAD_USER_INPUT",
        ),
    ];
    for (case, token, id, password, code) in cases {
        let body = world.gql(&token, RESET, json!({ "id": id, "p": password })).await;
        assert_eq!(error_codes(&body), [code], "{case}: {body}");
    }
    for (tenant, role) in [
        (&world.globex, Role::Pm),
        (&world.acme, Role::Pm),
        (&world.acme, Role::Customer),
    ] {
        assert!(
            me_codes(&world, tenant.token(role)).await.is_empty(),
            "a refused reset revoked {}'s {role}",
            tenant.code
        );
        token_of_login(&world, &tenant.user(role).email, PASSWORD).await;
    }
}

async fn the_token_lifetime_comes_from_guardia_token_ttl(backend: Backend) {
    let db = TestDb::migrated(backend).await;
    for bad in ["0", "25h", "two hours"] {
        let output = tokio::process::Command::new(guardia_bin())
            .arg("serve")
            .env("DATABASE_URL", db.url())
            .env("GUARDIA_JWT_SECRET", JWT_SECRET)
            .env("GUARDIA_CREDENTIAL_KEY", guardia_tests::api::CREDENTIAL_KEY)
            .env("GUARDIA_BIND", "127.0.0.1:0")
            .env("GUARDIA_TOKEN_TTL", bad)
            .current_dir(db.workdir())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(Duration::from_secs(60), output)
            .await
            .expect("guardia stopped")
            .expect("guardia ran");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{bad:?} was accepted");
        assert!(stderr.contains("GUARDIA_TOKEN_TTL"), "{bad:?}: {stderr}");
    }
    drop(db);

    let world = World::start(backend).await;
    let default = login(&world, &world.acme.user(Role::Pm).email, PASSWORD).await;
    assert_lifetime(&default, chrono::Duration::hours(8));

    let short_world = World::start_with_flags(backend, &["--token-ttl", "90m"]).await;
    let short = login(&short_world, &short_world.acme.user(Role::Pm).email, PASSWORD).await;
    assert_lifetime(&short, chrono::Duration::minutes(90));
}

#[track_caller]
fn assert_lifetime(login: &Value, expected: chrono::Duration) {
    let expires: chrono::DateTime<chrono::Utc> = gql_ok(login)["login"]["expiresAt"]
        .as_str()
        .expect("expiresAt")
        .parse()
        .expect("a timestamp");
    let left = expires - chrono::Utc::now();
    assert!(
        left <= expected && left > expected - chrono::Duration::minutes(1),
        "expires in {left}, expected {expected}"
    );
}

async fn a_subscription_is_closed_when_its_token_expires(backend: Backend) {
    let world = World::start(backend).await;
    let engineer = world.acme.user(Role::Engineer).clone();
    let lifetime = chrono::Duration::seconds(6);
    let (short_lived, expires_at) = TokenKeys::new(JWT_SECRET.as_bytes())
        .with_lifetime(lifetime)
        .issue(&engineer.id, Role::Engineer, "acme", 0, 0, chrono::Utc::now())
        .expect("token");
    let watch = "subscription { deploymentUpdated(project: \"portal\") { id status } }";
    let mut watcher = Subscriber::start(&world.server.base_url, &short_lived, watch)
        .await
        .expect("subscribed");
    let trigger = "mutation($p: String!) { triggerDeploy(project: $p, parameters: [{ name: \"VERSION\", value: \"1\" }], reason: \"ttl\") { id } }";
    let deploy = world
        .gql(world.acme.token(Role::Admin), trigger, json!({ "p": PROJECT }))
        .await;
    gql_ok(&deploy);
    assert!(
        watcher.next(Duration::from_secs(3)).await.is_some(),
        "events arrive while the token is valid"
    );

    let code = watcher.close_code(Duration::from_secs(20)).await;
    let closed_at = chrono::Utc::now().timestamp_millis();
    assert_eq!(code, Some(4401), "the socket closes at the token's expiry");
    // The token's `exp` is whole seconds: it ends at the start of that second.
    let exp_ms = expires_at.timestamp() * 1000;
    assert!(
        closed_at >= exp_ms && closed_at < exp_ms + 3000,
        "closed at {closed_at} ms, the token's exp is {exp_ms} ms"
    );
    let refused = Subscriber::start(&world.server.base_url, &short_lived, watch).await;
    assert!(
        matches!(refused, Err(Refused::Closed(_) | Refused::Error(_))),
        "an expired token subscribed"
    );
}

async fn a_subscription_ends_when_its_session_is_revoked(backend: Backend) {
    let world = World::start(backend).await;
    let engineer = world.acme.user(Role::Engineer).clone();
    let watch = "subscription { deploymentUpdated { id } }";
    let mut watcher = Subscriber::start(&world.server.base_url, &engineer.token, watch)
        .await
        .expect("subscribed");
    let elsewhere = token_of_login(&world, &engineer.email, PASSWORD).await;
    gql_ok(&world.gql(&elsewhere, LOGOUT, json!({})).await);
    // The socket rechecks its session every 10 s.
    assert_eq!(
        watcher.close_code(Duration::from_secs(25)).await,
        Some(4401),
        "a logged-out session keeps its subscription"
    );
}

both_backends!(
    a_subscription_ends_when_its_session_is_revoked,
    a_password_change_revokes_every_older_token,
    a_wrong_current_password_or_a_weak_new_one_changes_nothing,
    logout_revokes_every_token_of_the_user,
    an_admin_resets_passwords_in_their_own_tenant_only,
    the_token_lifetime_comes_from_guardia_token_ttl,
    a_subscription_is_closed_when_its_token_expires
);
