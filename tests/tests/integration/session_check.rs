//! The token check keeps the facts it read while the session generation stands still, and
//! every change those facts depend on moves the generation: made through either of two server
//! processes on one database, or by an UPDATE outside the API (docs/architecture.md, "The
//! session generation").

use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use guardia_backend::db::Access;
use guardia_shared::Role;
use guardia_tests::api::error_codes;
use guardia_tests::{Backend, Guardia, GuardiaOptions, World, both_backends};
use serde_json::{Value, json};

use crate::statements::statements_so_far;

const ME: &str = "{ me { id role } }";

async fn me(server: &Guardia, token: &str) -> Value {
    server.gql(Some(token), ME, json!({})).await
}

async fn accepted(server: &Guardia, token: &str) -> bool {
    let body = me(server, token).await;
    match error_codes(&body).as_slice() {
        [] => true,
        [code] if code == "UNAUTHENTICATED" => false,
        _ => panic!("neither an answer nor UNAUTHENTICATED: {body}"),
    }
}

/// Runs one statement in acme's transaction, as an operator at a SQL prompt would.
async fn in_acme(world: &World, sql: &str, bind: &str) {
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    let changed = guardia_backend::db_run!(tx.raw_connection_for_tests(), |c| {
        diesel::sql_query(sql).bind::<Text, _>(bind).execute(c).await
    })
    .expect("update");
    assert_eq!(changed, 1, "{sql}");
    tx.commit().await.expect("commit");
}

async fn changes_anywhere_end_tokens_at_the_next_request(backend: Backend) {
    let world = World::start(backend).await;
    // A second server process on the same database, like a replica behind a load balancer.
    let replica = Guardia::start(&world.db, GuardiaOptions::default()).await;
    let admin = world.acme.token(Role::Admin);
    let engineer = world.acme.user(Role::Engineer).clone();
    let pm = world.acme.user(Role::Pm).clone();
    let customer = world.acme.user(Role::Customer).clone();
    for server in [&world.server, &replica] {
        for token in [&engineer.token, &pm.token, &customer.token] {
            assert!(
                accepted(server, token).await,
                "both servers checked and kept the facts"
            );
        }
    }

    // Deactivated through the first server: the replica refuses the token at once.
    let deactivated = world
        .gql(
            admin,
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({ "id": engineer.id }),
        )
        .await;
    assert_eq!(
        deactivated["data"]["deactivateUser"]["active"], false,
        "{deactivated}"
    );
    assert!(!accepted(&replica, &engineer.token).await);
    assert!(!accepted(&world.server, &engineer.token).await);

    // A role changed outside the API (an UPDATE at a SQL prompt) ends the token on both.
    in_acme(
        &world,
        "UPDATE users SET role = 'CUSTOMER' WHERE tenant_id = 'acme' AND id = $1",
        &pm.id,
    )
    .await;
    assert!(!accepted(&world.server, &pm.token).await);
    assert!(!accepted(&replica, &pm.token).await);

    // A logout through the replica ends the person's token on the first server too.
    let logout = replica
        .gql(Some(&customer.token), "mutation { logout }", json!({}))
        .await;
    assert_eq!(logout["data"]["logout"], true, "{logout}");
    assert!(!accepted(&world.server, &customer.token).await);
    assert!(!accepted(&replica, &customer.token).await);

    // The others' tokens still work.
    assert!(accepted(&replica, admin).await);
    assert!(accepted(&world.server, world.acme.token(Role::DeployEngineer)).await);
}

/// Kept facts save the user's row: a checked token costs the generation only, until a change
/// the check depends on (anyone's) moves it, and writes the check does not read leave it.
async fn kept_facts_are_read_again_only_after_a_change_they_depend_on(backend: Backend) {
    let world = World::start(backend).await;
    let engineer = world.acme.token(Role::Engineer);
    let statements_of_me = async || {
        let before = statements_so_far(&world).await;
        let body = world.gql(engineer, ME, json!({})).await;
        assert!(error_codes(&body).is_empty(), "{body}");
        statements_so_far(&world).await - before
    };
    statements_of_me().await;
    let kept = statements_of_me().await;
    assert_eq!(statements_of_me().await, kept, "the facts stay kept");

    // An SR and a comment change nothing the check reads.
    let created = world
        .gql(
            world.acme.token(Role::Customer),
            r#"mutation { createSr(input: { title: "printer", description: "jammed" }) { id } }"#,
            json!({}),
        )
        .await;
    assert!(error_codes(&created).is_empty(), "{created}");
    assert_eq!(statements_of_me().await, kept);

    // Another user's role changes: the engineer's facts are read again once, and still hold.
    let changed = world
        .gql(
            world.acme.token(Role::Admin),
            "mutation($id: ID!) { updateUserRole(id: $id, role: PM) { role } }",
            json!({ "id": world.acme.user(Role::DeployEngineer).id }),
        )
        .await;
    assert_eq!(changed["data"]["updateUserRole"]["role"], "PM", "{changed}");
    assert_eq!(statements_of_me().await, kept + 1, "read again after the change");
    assert_eq!(statements_of_me().await, kept, "and kept again");
}

both_backends!(
    changes_anywhere_end_tokens_at_the_next_request,
    kept_facts_are_read_again_only_after_a_change_they_depend_on
);
