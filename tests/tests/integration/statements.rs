//! The cost of a page in SQL statements, counted by the server itself
//! (`guardia_sql_statements_total`): DataLoaders keep it constant whatever the page size.

use guardia_backend::db::{self, Access};
use guardia_shared::Role;
use guardia_shared::sr::SrPriority;
use guardia_tests::api::error_codes;
use guardia_tests::{Backend, World, both_backends};
use serde_json::json;

const PAGE: &str = "query($n: Int!) { srs(first: $n) { edges { node { requester { name } assignee { name } comments { author { name } } } } } }";
/// The same page with each SR's service-level clocks, which are stored on the SR row.
const PAGE_WITH_SLA: &str = "query($n: Int!) { srs(first: $n) { edges { node { requester { name } assignee { name } comments { author { name } }
    sla { state responseDueAt resolutionDueAt responseMetAt resolutionMetAt } } } } }";

pub(crate) async fn statements_so_far(world: &World) -> u64 {
    let text = world.server.metrics().await.text().await.expect("metrics");
    text.lines()
        .find(|line| line.starts_with("guardia_sql_statements_total"))
        .and_then(|line| line.split_whitespace().last())
        .and_then(|n| n.parse::<f64>().ok())
        .map_or(0, |n| n as u64)
}

async fn statements_for(world: &World, first: i64) -> u64 {
    statements_of(world, PAGE, first).await
}

async fn statements_of(world: &World, document: &str, first: i64) -> u64 {
    let before = statements_so_far(world).await;
    let body = world
        .gql(world.acme.token(Role::Engineer), document, json!({ "n": first }))
        .await;
    assert!(error_codes(&body).is_empty(), "{body}");
    if document == PAGE_WITH_SLA {
        assert_eq!(
            body["data"]["srs"]["edges"][0]["node"]["sla"]["state"], "OK",
            "{body}"
        );
    }
    assert_eq!(
        body["data"]["srs"]["edges"].as_array().expect("edges").len() as i64,
        first
    );
    statements_so_far(world).await - before
}

async fn a_page_costs_the_same_statements_whatever_its_size(backend: Backend) {
    let world = World::start(backend).await;
    // 60 SRs from different requesters, assigned around, each with comments by several authors.
    let mut tx = world.pool.tenant_tx("acme", Access::Write).await.expect("begin");
    let people: Vec<String> = Role::ALL.iter().map(|r| world.acme.user(*r).id.clone()).collect();
    // LOW SRs have service-level targets: each SR carries its clocks.
    db::sla::set_policy(&mut tx, SrPriority::Low, 24 * 60, 30 * 24 * 60)
        .await
        .expect("policy");
    for i in 0..60 {
        let requester = &people[i % people.len()];
        let sr = db::sr::create(
            &mut tx,
            db::sr::NewSr {
                title: &format!("SR {i}"),
                description: "",
                priority: SrPriority::Low,
                requester_id: requester,
                at: db::now(),
            },
        )
        .await
        .expect("sr");
        let sr = guardia_backend::service::sla::start(&mut tx, sr, false, chrono_tz::Asia::Seoul)
            .await
            .expect("clocks");
        let changes = db::sr::SrChanges {
            assignee_id: Some(Some(people[(i + 1) % people.len()].clone())),
            ..Default::default()
        };
        db::sr::update(&mut tx, &sr.id, &changes).await.expect("assign");
        for j in 0..3 {
            db::sr::add_comment(&mut tx, &sr.id, &people[(i + j) % people.len()], "note")
                .await
                .expect("comment");
        }
    }
    tx.commit().await.expect("commit");

    statements_for(&world, 1).await; // warm-up
    let five = statements_for(&world, 5).await;
    let fifty = statements_for(&world, 50).await;
    println!("{backend:?}: srs(first: 5) = {five} statements, srs(first: 50) = {fifty} statements");
    assert_eq!(fifty, five, "a page of 50 costs what a page of 5 does");
    let with_sla = statements_of(&world, PAGE_WITH_SLA, 50).await;
    println!("{backend:?}: srs(first: 50) with sla = {with_sla} statements");
    assert_eq!(with_sla, fifty, "the SLA fields cost no statement");
    // Besides the data queries, on both backends: BEGIN (with the tenant setting), the session
    // generation (sent with them, one round trip on PostgreSQL; the token check's facts are
    // kept while it stands) and COMMIT.
    let overhead = 3;
    assert!(
        fifty <= overhead + 3,
        "{fifty} statements: more than 3 data queries (the page, its people, its comments)"
    );
}

both_backends!(a_page_costs_the_same_statements_whatever_its_size);
