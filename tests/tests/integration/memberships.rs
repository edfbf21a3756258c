//! One person in several tenants: one login, a role per tenant, `switchTenant`, the
//! operator's grants, revocation per membership, `myWork` across tenants, and the upgrade of a
//! database from before people had their own login.

use diesel_async::RunQueryDsl;
use guardia_backend::db::{self, Access, Direction};
use guardia_shared::Role;
use guardia_tests::api::{PASSWORD, error_codes};
use guardia_tests::{Backend, Guardia, GuardiaOptions, TestDb, World, both_backends, gql_ok};
use serde_json::{Value, json};

pub const STAFF: &str = "staff@ops.example";
const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
    token user { role tenant { code } } memberships { tenantCode tenantName role operator } } }";
const SWITCH: &str = "mutation($t: String!) { switchTenant(tenant: $t) {
    token user { id role tenant { code } } memberships { tenantCode } } }";
const GRANT: &str = "mutation($t: String!, $e: String!, $r: Role!) {
    grantMembership(tenant: $t, email: $e, role: $r) { tenantCode tenantName role operator } }";
const REVOKE: &str = "mutation($t: String!, $e: String!) { revokeMembership(tenant: $t, email: $e) }";
const WHO: &str = "{ me { role tenant { code } } srs(first: 50) { edges { node { id } } } }";
const MY_WORK: &str = "{ myWork { omittedTenants tenants {
    membership { tenantCode role } openSrs { id title status } runningDeployments { id } } } }";
const USERS: &str = "{ users { id email role active grantedByOperator } }";

/// The operator's staff engineer, made by the operator's ADMIN, with memberships granted in
/// acme (ENGINEER) and globex (DEPLOY_ENGINEER): three tenants, one login.
pub async fn staff_in_three_tenants(world: &World) {
    staff_member(
        world,
        STAFF,
        &[("acme", "ENGINEER"), ("globex", "DEPLOY_ENGINEER")],
    )
    .await;
}

/// An ENGINEER of the operator tenant (password [`PASSWORD`]) whom the operator's ADMIN gives
/// each `(tenant, role)` membership.
pub async fn staff_member(world: &World, email: &str, grants: &[(&str, &str)]) {
    let ops = world.ops.token(Role::Admin);
    let created = world
        .gql(
            ops,
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": { "email": email, "name": "Staff Kim", "password": PASSWORD, "role": "ENGINEER" } }),
        )
        .await;
    gql_ok(&created);
    for (tenant, role) in grants {
        let granted = world
            .gql(ops, GRANT, json!({ "t": tenant, "e": email, "r": role }))
            .await;
        assert_eq!(gql_ok(&granted)["grantMembership"]["role"], *role, "{granted}");
    }
}

/// The person's token for `tenant`: logged in, then switched.
pub async fn token_in(world: &World, email: &str, tenant: &str) -> String {
    let landed = token(&login(world, email).await);
    let switched = switch(world, &landed, tenant).await;
    token(&gql_ok(&switched)["switchTenant"])
}

async fn login(world: &World, email: &str) -> Value {
    let body = world
        .server
        .gql(None, LOGIN, json!({ "e": email, "p": PASSWORD }))
        .await;
    gql_ok(&body)["login"].clone()
}

async fn switch(world: &World, token: &str, tenant: &str) -> Value {
    world.gql(token, SWITCH, json!({ "t": tenant })).await
}

fn token(payload: &Value) -> String {
    payload["token"].as_str().expect("a token").to_owned()
}

/// The codes `me` answers with (empty: the token works).
async fn me_codes(world: &World, token: &str) -> Vec<String> {
    error_codes(&world.gql(token, "{ me { id } }", json!({})).await)
}

async fn one_login_sees_each_tenant_with_its_role(backend: Backend) {
    let world = World::start(backend).await;
    staff_in_three_tenants(&world).await;

    // Login lands in the tenant the person was made in, and names all three.
    let landed = login(&world, STAFF).await;
    assert_eq!(landed["user"]["tenant"]["code"], "ops");
    let names: Vec<(&str, &str)> = landed["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .map(|m| {
            (
                m["tenantCode"].as_str().expect("text"),
                m["role"].as_str().expect("text"),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("acme", "ENGINEER"),
            ("globex", "DEPLOY_ENGINEER"),
            ("ops", "ENGINEER")
        ]
    );

    let in_ops = token(&landed);
    let acme = switch(&world, &in_ops, "acme").await;
    let in_acme = token(&gql_ok(&acme)["switchTenant"]);
    let globex = switch(&world, &in_acme, "globex").await;
    let in_globex = token(&gql_ok(&globex)["switchTenant"]);

    // Each token sees exactly its tenant's data, with that tenant's role.
    for (token, tenant, role, own_sr, foreign_sr) in [
        (
            &in_acme,
            "acme",
            "ENGINEER",
            &world.acme.sr_id,
            &world.globex.sr_id,
        ),
        (
            &in_globex,
            "globex",
            "DEPLOY_ENGINEER",
            &world.globex.sr_id,
            &world.acme.sr_id,
        ),
    ] {
        let body = world.gql(token, WHO, json!({})).await;
        let data = gql_ok(&body);
        assert_eq!(
            (data["me"]["tenant"]["code"].as_str(), data["me"]["role"].as_str()),
            (Some(tenant), Some(role))
        );
        let ids: Vec<&str> = data["srs"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].as_str().expect("text"))
            .collect();
        assert!(ids.contains(&own_sr.as_str()), "{tenant} sees its SR");
        assert!(
            !ids.contains(&foreign_sr.as_str()),
            "{tenant} sees no other tenant's SR"
        );
        let foreign = world
            .gql(
                token,
                "query($id: ID!) { sr(id: $id) { id } }",
                json!({ "id": foreign_sr }),
            )
            .await;
        assert_eq!(error_codes(&foreign), ["NOT_FOUND"]);
    }
    // The role of the tenant decides: DEPLOY_ENGINEER manages agents in globex, ENGINEER in
    // acme may not (the permission table, unchanged).
    let agents = "{ servers(first: 1) { edges { node { credential { username } } } } }";
    assert!(error_codes(&world.gql(&in_globex, agents, json!({})).await).is_empty());
    assert_eq!(
        error_codes(&world.gql(&in_acme, agents, json!({})).await),
        ["FORBIDDEN"]
    );
    // The operator's rights stay in the operator tenant.
    let tenants = "{ tenants { code } }";
    assert_eq!(
        error_codes(&world.gql(&in_acme, tenants, json!({})).await),
        ["FORBIDDEN"]
    );

    // Switching keeps the other tokens, and login lands where the person switched last.
    assert!(me_codes(&world, &in_ops).await.is_empty());
    assert_eq!(login(&world, STAFF).await["user"]["tenant"]["code"], "globex");

    // Not a member: NOT_FOUND, the same for an unknown tenant.
    let acme_admin = world.acme.token(Role::Admin);
    for tenant in ["globex", "nope"] {
        assert_eq!(
            error_codes(&switch(&world, acme_admin, tenant).await),
            ["NOT_FOUND"]
        );
    }
}

async fn removing_one_membership_ends_only_that_tenant(backend: Backend) {
    let world = World::start(backend).await;
    staff_in_three_tenants(&world).await;
    let in_ops = token(&login(&world, STAFF).await);
    let in_acme = token(&gql_ok(&switch(&world, &in_ops, "acme").await)["switchTenant"]);
    let in_globex = token(&gql_ok(&switch(&world, &in_ops, "globex").await)["switchTenant"]);

    // An SR of acme assigned to the person shows in their work across tenants.
    let acme_admin = world.acme.token(Role::Admin);
    let users = world.gql(acme_admin, USERS, json!({})).await;
    let member = gql_ok(&users)["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["email"] == STAFF)
        .expect("acme's ADMIN sees the granted member")
        .clone();
    assert_eq!(member["grantedByOperator"], true);
    let others_granted = gql_ok(&users)["users"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|u| u["grantedByOperator"] == true)
        .count();
    assert_eq!(others_granted, 1, "acme's own users are not marked");
    let assigned = world
        .gql(
            acme_admin,
            "mutation($id: ID!, $a: ID!) { updateSr(id: $id, input: { assigneeId: $a }) { id } }",
            json!({ "id": world.acme.sr_id, "a": member["id"] }),
        )
        .await;
    gql_ok(&assigned);
    let work = world.gql(&in_globex, MY_WORK, json!({})).await;
    let tenants = &gql_ok(&work)["myWork"]["tenants"];
    assert_eq!(tenants.as_array().map(Vec::len), Some(3), "{work}");
    assert_eq!(tenants[0]["membership"]["tenantCode"], "acme");
    assert_eq!(tenants[0]["openSrs"][0]["id"], json!(world.acme.sr_id));
    assert_eq!(tenants[1]["openSrs"], json!([]));

    // acme's ADMIN removes the member: acme's token ends at once, the others work.
    let removed = world
        .gql(
            acme_admin,
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({ "id": member["id"] }),
        )
        .await;
    assert_eq!(gql_ok(&removed)["deactivateUser"]["active"], false);
    assert_eq!(me_codes(&world, &in_acme).await, ["UNAUTHENTICATED"]);
    assert!(me_codes(&world, &in_globex).await.is_empty());
    assert!(me_codes(&world, &in_ops).await.is_empty());

    // acme is gone from everything the person is shown, and cannot be switched to.
    let work = world.gql(&in_ops, MY_WORK, json!({})).await;
    let codes: Vec<&str> = gql_ok(&work)["myWork"]["tenants"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["membership"]["tenantCode"].as_str().expect("text"))
        .collect();
    assert_eq!(codes, ["globex", "ops"]);
    let memberships = world
        .gql(&in_ops, "{ myMemberships { tenantCode } }", json!({}))
        .await;
    assert_eq!(
        gql_ok(&memberships)["myMemberships"],
        json!([{ "tenantCode": "globex" }, { "tenantCode": "ops" }])
    );
    assert_eq!(error_codes(&switch(&world, &in_ops, "acme").await), ["NOT_FOUND"]);

    // The operator revokes globex: only that one ends.
    let ops = world.ops.token(Role::Admin);
    let revoked = world.gql(ops, REVOKE, json!({ "t": "globex", "e": STAFF })).await;
    assert_eq!(gql_ok(&revoked)["revokeMembership"], true);
    assert_eq!(me_codes(&world, &in_globex).await, ["UNAUTHENTICATED"]);
    assert!(me_codes(&world, &in_ops).await.is_empty());
    // The operator cannot revoke an institution's own users.
    let own = world
        .gql(
            ops,
            REVOKE,
            json!({ "t": "acme", "e": world.acme.user(Role::Pm).email }),
        )
        .await;
    assert_eq!(error_codes(&own), ["NOT_FOUND"]);
    assert!(me_codes(&world, world.acme.token(Role::Pm)).await.is_empty());

    // Logging out ends the person's tokens in every tenant.
    let logout = world.gql(&in_ops, "mutation { logout }", json!({})).await;
    gql_ok(&logout);
    assert_eq!(me_codes(&world, &in_ops).await, ["UNAUTHENTICATED"]);
}

async fn an_institution_admin_grants_nothing_elsewhere(backend: Backend) {
    let world = World::start(backend).await;
    staff_in_three_tenants(&world).await;
    let acme_admin = world.acme.token(Role::Admin);

    // Granting is the operator's: FORBIDDEN for an institution's ADMIN, whatever the tenant.
    for tenant in ["globex", "acme"] {
        let body = world
            .gql(
                acme_admin,
                GRANT,
                json!({ "t": tenant, "e": STAFF, "r": "ADMIN" }),
            )
            .await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{tenant}");
    }
    // The operator grants only its own staff, once per tenant.
    let ops = world.ops.token(Role::Admin);
    let customer = world.globex.user(Role::Customer).email.clone();
    let not_staff = world
        .gql(ops, GRANT, json!({ "t": "acme", "e": customer, "r": "PM" }))
        .await;
    assert_eq!(error_codes(&not_staff), ["BAD_USER_INPUT"]);
    let again = world
        .gql(ops, GRANT, json!({ "t": "acme", "e": STAFF, "r": "PM" }))
        .await;
    assert_eq!(error_codes(&again), ["CONFLICT"]);

    // createUser with an email another tenant knows is no conflict (no oracle): the person gets
    // a membership and keeps their password; and then nobody here can reset it.
    let create = "mutation($i: CreateUserInput!) { createUser(input: $i) { id email role } }";
    let known = world.globex.user(Role::Pm).email.clone();
    for email in [known.as_str(), "brand-new@acme.example"] {
        let body = world
            .gql(
                acme_admin,
                create,
                json!({ "i": { "email": email, "name": "N", "password": "another long password", "role": "CUSTOMER" } }),
            )
            .await;
        assert!(error_codes(&body).is_empty(), "{email}: {body}");
    }
    let landed = login(&world, &known).await;
    let codes: Vec<&str> = landed["memberships"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["tenantCode"].as_str().expect("text"))
        .collect();
    assert_eq!(codes, ["acme", "globex"], "the same password opens both");
    let users = world.gql(acme_admin, USERS, json!({})).await;
    let linked = gql_ok(&users)["users"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|u| u["email"] == known.as_str())
        .expect("linked")["id"]
        .clone();
    let reset = world
        .gql(
            acme_admin,
            "mutation($id: ID!) { resetUserPassword(id: $id, newPassword: \"Hijack attempt 2026\") { id } }",
            json!({ "id": linked }),
        )
        .await;
    assert_eq!(error_codes(&reset), ["FORBIDDEN"]);
    // The same email twice in one tenant is a CONFLICT (the ADMIN sees their own users anyway).
    let twice = world
        .gql(
            acme_admin,
            create,
            json!({ "i": { "email": known, "name": "N", "password": "another long password", "role": "PM" } }),
        )
        .await;
    assert_eq!(error_codes(&twice), ["CONFLICT"]);
}

/// A database from before people had their own login: every user becomes a person with one
/// membership, logs in with the same password, and keeps their tokens.
async fn an_upgrade_keeps_every_user(backend: Backend) {
    let test_db = TestDb::empty(backend).await;
    let url = test_db.database_url();
    db::migrate(&url, Direction::Up).await.expect("up");
    // Down past the later migrations to the schema before people (000012).
    loop {
        let reverted = db::migrate(&url, Direction::DownOne)
            .await
            .expect("down to the schema before people");
        assert_eq!(reverted.len(), 1, "one migration at a time");
        if reverted[0].contains("000012") {
            break;
        }
    }
    let pool = db::DbPool::connect(&url).await.expect("pool");
    let hash = guardia_backend::auth::password::hash_password(PASSWORD).expect("hash");
    let mut tx = pool.tenant_tx("acme", Access::Write).await.expect("begin");
    db::tenant::create(&mut tx, "ACME", false).await.expect("tenant");
    let insert = "INSERT INTO users (tenant_id, id, email, name, role, password_hash, active, created_at, updated_at, session_epoch)
                  VALUES ('acme', 'u-old', 'old@acme.example', 'Old', 'PM', $1, TRUE, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 4)";
    guardia_backend::db_run!(tx.raw_connection_for_tests(), |c| {
        diesel::sql_query(insert)
            .bind::<diesel::sql_types::Text, _>(&hash)
            .execute(c)
            .await
    })
    .expect("an old-style user");
    tx.commit().await.expect("commit");
    drop(pool);

    db::migrate(&url, Direction::Up).await.expect("up again");
    let server = Guardia::start(&test_db, GuardiaOptions::default()).await;
    let body = server
        .gql(None, LOGIN, json!({ "e": "old@acme.example", "p": PASSWORD }))
        .await;
    let landed = &gql_ok(&body)["login"];
    assert_eq!(landed["user"]["role"], "PM");
    assert_eq!(
        landed["memberships"],
        json!([{ "tenantCode": "acme", "tenantName": "ACME", "role": "PM", "operator": false }])
    );
    // A token issued before the upgrade (membership epoch 4, no person epoch) still works.
    let keys = guardia_backend::auth::token::TokenKeys::new(guardia_tests::api::JWT_SECRET.as_bytes());
    let (old_token, _) = keys
        .issue("u-old", Role::Pm, "acme", 4, 0, chrono::Utc::now())
        .expect("token");
    let me = server
        .gql(Some(&old_token), "{ me { id email } }", json!({}))
        .await;
    assert_eq!(
        gql_ok(&me)["me"],
        json!({ "id": "u-old", "email": "old@acme.example" })
    );
}

both_backends!(
    one_login_sees_each_tenant_with_its_role,
    removing_one_membership_ends_only_that_tenant,
    an_institution_admin_grants_nothing_elsewhere,
    an_upgrade_keeps_every_user,
);
