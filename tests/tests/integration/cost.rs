//! Bounded cost per request: the tenant read once per request, comments capped with their
//! count, lists weighing by their size in the complexity limit, aliases counted per fragment
//! spread, and `deploymentLog` in bounded chunks.

use guardia_backend::db::{self, Access};
use guardia_jenkins_sim::{BuildResult, JobSpec, ParamDef};
use guardia_shared::Role;
use guardia_shared::sr::SrPriority;
use guardia_tests::api::{error_codes, seed_finished_deployment};
use guardia_tests::{Backend, World, both_backends, gql_ok};
use serde_json::{Value, json};

use crate::statements::statements_so_far;

/// Statements the server ran for one operation (which must succeed).
async fn statements_for(world: &World, token: &str, query: &str, variables: Value) -> (u64, Value) {
    let before = statements_so_far(world).await;
    let body = world.gql(token, query, variables).await;
    let after = statements_so_far(world).await;
    (after - before, gql_ok(&body).clone())
}

async fn add_users(world: &World, count: usize) {
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    for i in 0..count {
        let email = format!("extra{i}-{}@acme.example", db::new_id());
        let new = db::user::NewUser {
            email: &email,
            name: &format!("Extra {i}"),
            role: Role::Engineer,
            password_hash: "not-a-login",
        };
        db::user::create(&mut tx, new).await.expect("user");
    }
    tx.commit().await.expect("commit");
}

async fn add_srs(world: &World, count: usize) -> Vec<String> {
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    let mut ids = Vec::new();
    for i in 0..count {
        let requester = world.acme.user(Role::ALL[i % Role::ALL.len()]).id.clone();
        let new = db::sr::NewSr {
            title: &format!("SR {i}"),
            description: "",
            priority: SrPriority::Low,
            requester_id: &requester,
            at: db::now(),
        };
        ids.push(db::sr::create(&mut tx, new).await.expect("sr").id);
    }
    tx.commit().await.expect("commit");
    ids
}

async fn the_tenant_is_read_once_per_request(backend: Backend) {
    let world = World::start(backend).await;
    let admin = world.acme.token(Role::Admin);
    const USERS: &str = "{ users { name tenant { name } } }";
    statements_for(&world, admin, USERS, json!({})).await; // warm-up
    let (few, data) = statements_for(&world, admin, USERS, json!({})).await;
    let before = data["users"].as_array().expect("users").len();
    add_users(&world, 60).await;
    let (many, data) = statements_for(&world, admin, USERS, json!({})).await;
    assert_eq!(data["users"].as_array().expect("users").len(), before + 60);
    assert!(
        data["users"]
            .as_array()
            .expect("users")
            .iter()
            .all(|u| u["tenant"]["name"] == "acme institution")
    );
    println!(
        "{backend:?}: users {{ tenant }} with {before} users = {few}, with {} = {many}",
        before + 60
    );
    assert_eq!(many, few, "the tenant is read once, not once per user");

    add_srs(&world, 60).await;
    let page = "query($n: Int!) { srs(first: $n) { edges { node { requester { name tenant { code } } \
                assignee { name tenant { code } } } } } }";
    let (five, _) = statements_for(&world, admin, page, json!({ "n": 5 })).await;
    let (fifty, data) = statements_for(&world, admin, page, json!({ "n": 50 })).await;
    assert_eq!(
        data["srs"]["edges"][49]["node"]["requester"]["tenant"]["code"],
        "acme"
    );
    println!("{backend:?}: srs(first: 5) with tenants = {five}, srs(first: 50) = {fifty}");
    assert_eq!(fifty, five, "a page of 50 costs what a page of 5 does");
}

async fn comments_are_capped_and_counted(backend: Backend) {
    let world = World::start(backend).await;
    let engineer = world.acme.token(Role::Engineer);
    let sr = world.acme.sr_id.clone();
    // The seeded SR has one comment; 119 more, by two authors.
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    for i in 0..119 {
        let author = &world
            .acme
            .user(if i % 2 == 0 { Role::Engineer } else { Role::Pm })
            .id;
        db::sr::add_comment(&mut tx, &sr, author, &format!("note {i}"))
            .await
            .expect("comment");
    }
    tx.commit().await.expect("commit");

    // The web app's SR page, as it asks: the first 50 (oldest first) and no more.
    let web_app = "query($id: ID!) { sr(id: $id) { id title description status priority createdAt \
                   requester { name } assignee { id name } comments { id body createdAt author { name } } } }";
    let body = world.gql(engineer, web_app, json!({ "id": sr })).await;
    let comments = gql_ok(&body)["sr"]["comments"]
        .as_array()
        .expect("comments")
        .clone();
    assert_eq!(comments.len(), 50);
    assert_eq!(comments[0]["body"], "Still jamming");
    assert_eq!(comments[49]["body"], "note 48");

    let query = "query($id: ID!, $n: Int, $after: String) { sr(id: $id) { commentCount \
                 comments(first: $n, after: $after) { id body } } }";
    let body = world.gql(engineer, query, json!({ "id": sr, "n": 100 })).await;
    assert_eq!(gql_ok(&body)["sr"]["commentCount"], 120);
    assert_eq!(
        gql_ok(&body)["sr"]["comments"].as_array().expect("list").len(),
        100
    );
    let last_seen = comments[49]["id"].clone();
    let body = world
        .gql(engineer, query, json!({ "id": sr, "n": 30, "after": last_seen }))
        .await;
    let next = gql_ok(&body)["sr"]["comments"].as_array().expect("list").clone();
    assert_eq!(next.len(), 30);
    assert_eq!(next[0]["body"], "note 49");
    assert_eq!(next[29]["body"], "note 78");
    for first in [0, 101] {
        let body = world.gql(engineer, query, json!({ "id": sr, "n": first })).await;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "first: {first}: {body}");
    }

    // A page of SRs with their comments and counts costs the same whatever its size.
    let ids = add_srs(&world, 40).await;
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    for id in &ids {
        for _ in 0..4 {
            db::sr::add_comment(&mut tx, id, &world.acme.user(Role::Pm).id, "more")
                .await
                .expect("comment");
        }
    }
    tx.commit().await.expect("commit");
    let page = "query($n: Int!) { srs(first: $n) { edges { node { commentCount \
                comments(first: 3) { body author { name tenant { code } } } } } } }";
    let (five, _) = statements_for(&world, engineer, page, json!({ "n": 5 })).await;
    let (forty, data) = statements_for(&world, engineer, page, json!({ "n": 40 })).await;
    let node = &data["srs"]["edges"][39]["node"];
    assert_eq!(node["commentCount"], 4);
    assert_eq!(node["comments"].as_array().expect("list").len(), 3);
    println!("{backend:?}: srs with comments(first: 3) and counts: 5 SRs = {five}, 40 SRs = {forty}");
    assert_eq!(forty, five, "a page of 40 costs what a page of 5 does");
}

async fn lists_weigh_by_their_size_and_fragments_by_their_spreads(backend: Backend) {
    let world = World::start(backend).await;
    let admin = world.acme.token(Role::Admin);
    let nested = |n: u32| {
        format!("{{ srs(first: {n}) {{ edges {{ node {{ comments(first: {n}) {{ id body }} }} }} }} }}")
    };
    let small = world.gql(admin, &nested(10), json!({})).await;
    gql_ok(&small);
    let large = world.gql(admin, &nested(100), json!({})).await;
    assert_eq!(error_codes(&large), ["BAD_USER_INPUT"], "{large}");
    assert!(large.to_string().contains("too complex"), "{large}");
    // Variables count as written.
    let by_variable = world
        .gql(
            admin,
            "query($n: Int!) { srs(first: $n) { edges { node { comments(first: $n) { id } } } } }",
            json!({ "n": 100 }),
        )
        .await;
    assert_eq!(error_codes(&by_variable), ["BAD_USER_INPUT"], "{by_variable}");

    let fifteen: String = (0..15).map(|i| format!("a{i}: id ")).collect();
    let fragment = format!("fragment F on User {{ {fifteen} }}");
    let once = world
        .gql(admin, &format!("{{ me {{ ...F }} }} {fragment}"), json!({}))
        .await;
    assert_eq!(
        gql_ok(&once)["me"]["a14"],
        world.acme.user(Role::Admin).id.as_str()
    );
    let thrice = world
        .gql(
            admin,
            &format!("{{ me {{ ...F }} x: me {{ ...F }} ... on Query {{ me {{ ...F }} }} }} {fragment}"),
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&thrice), ["BAD_USER_INPUT"], "{thrice}");
    assert!(
        thrice["data"].is_null() || thrice.get("data").is_none(),
        "{thrice}"
    );
}

async fn deployment_log_comes_in_bounded_chunks(backend: Backend) {
    let world = World::start(backend).await;
    // A job whose console holds a 200 KB parameter line (Korean text: 3 bytes a character, so
    // chunk ends fall inside characters).
    let payload = "배포".repeat(34_000);
    world.jenkins.add_job(
        "acme/big-log",
        JobSpec {
            parameters: vec![ParamDef::string("PAYLOAD", &payload)],
            ..JobSpec::default()
        },
    );
    world
        .jenkins
        .seed_builds("acme/big-log", 12, BuildResult::Success);
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    let project = db::deploy::create_project(
        &mut tx,
        db::deploy::NewDeployProject {
            name: "big-log",
            jenkins_job: "acme/big-log",
            rollback_parameter: db::deploy::DEFAULT_ROLLBACK_PARAMETER,
        },
    )
    .await
    .expect("project");
    tx.commit().await.expect("commit");
    let id = seed_finished_deployment(&world.pool, "acme", &project.id, &world.acme.user(Role::Pm).id).await;

    let query = "query($id: ID!, $s: Int!) { deploymentLog(id: $id, start: $s) { text nextStart complete } }";
    let mut start = 0_i64;
    let mut text = String::new();
    let mut calls = 0;
    loop {
        let body = world
            .gql(
                world.acme.token(Role::Engineer),
                query,
                json!({ "id": id, "s": start }),
            )
            .await;
        let log = gql_ok(&body)["deploymentLog"].clone();
        let piece = log["text"].as_str().expect("text");
        assert!(piece.len() <= 64 * 1024, "{} bytes in one call", piece.len());
        assert!(!piece.contains('\u{fffd}'), "no character is cut in two");
        let next = log["nextStart"].as_i64().expect("nextStart");
        assert_eq!(
            next,
            start + piece.len() as i64,
            "nextStart is where the piece ended"
        );
        text.push_str(piece);
        start = next;
        calls += 1;
        if log["complete"] == true {
            break;
        }
        assert!(calls < 10, "the log ends");
    }
    assert!(calls >= 4, "200 KB took {calls} calls");
    assert!(text.contains(&format!("[deploy] PAYLOAD={payload}\r\n")));
    assert!(
        text.ends_with("Finished: SUCCESS\r\n"),
        "{}",
        &text[text.len() - 40..]
    );
}

both_backends!(
    the_tenant_is_read_once_per_request,
    comments_are_capped_and_counted,
    lists_weigh_by_their_size_and_fragments_by_their_spreads,
    deployment_log_comes_in_bounded_chunks,
);
