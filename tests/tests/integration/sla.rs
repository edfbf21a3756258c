//! Service levels through the API, on the test's clock: business time across a night, a
//! weekend and a holiday; a policy change that leaves running clocks alone; ON_HOLD pausing
//! and reopening resuming; WARNING and BREACHED at the right minute with one alert each; a
//! month's report computed by hand; who sees what.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use guardia_backend::scheduler::ManualClock;
use guardia_shared::Role;
use guardia_tests::api::{WorldOptions, error_codes, jenkins_options};
use guardia_tests::subscription::Subscriber;
use guardia_tests::{Backend, Guardia, GuardiaOptions, World, both_backends, gql_ok};
use serde_json::{Value, json};

/// A local time in the installation's time zone (the default, Asia/Seoul: UTC+9).
fn kst(text: &str) -> DateTime<Utc> {
    let local: NaiveDateTime = text.parse().expect("a local time");
    chrono_tz::Asia::Seoul
        .from_local_datetime(&local)
        .single()
        .expect("one instant")
        .with_timezone(&Utc)
}

/// How the API writes an instant.
fn utc(text: &str) -> Value {
    json!(kst(text).to_rfc3339())
}

async fn world(backend: Backend, clock: &Arc<ManualClock>) -> World {
    let options = WorldOptions {
        clock: Some(clock.clone()),
        ..WorldOptions::default()
    };
    World::start_with_options(backend, options).await
}

const SLA: &str = "sla { state responseState resolutionState responseDueAt responseMetAt resolutionDueAt resolutionMetAt resolutionPaused responseTargetMinutes resolutionTargetMinutes }";

async fn set_policy(world: &World, priority: &str, response: i32, resolution: i32) {
    let body = world
        .gql(
            world.acme.token(Role::Admin),
            "mutation($p: SrPriority!, $r: Int!, $s: Int!) { setSlaPolicy(priority: $p, responseMinutes: $r, resolutionMinutes: $s) { priority } }",
            json!({ "p": priority, "r": response, "s": resolution }),
        )
        .await;
    gql_ok(&body);
}

async fn set_calendar(world: &World, weekdays: Value, start: &str, end: &str, holidays: Value) {
    let body = world
        .gql(
            world.acme.token(Role::Admin),
            "mutation($input: SlaCalendarInput!) { setSlaCalendar(input: $input) { weekdays dayStart dayEnd holidays timezone } }",
            json!({ "input": { "weekdays": weekdays, "dayStart": start, "dayEnd": end, "holidays": holidays } }),
        )
        .await;
    assert_eq!(
        gql_ok(&body)["setSlaCalendar"]["timezone"],
        "Asia/Seoul",
        "{body}"
    );
}

async fn create_sr(world: &World, role: Role, title: &str, priority: &str) -> String {
    let body = world
        .gql(
            world.acme.token(role),
            "mutation($t: String!, $p: SrPriority!) { createSr(input: { title: $t, description: \"\", priority: $p }) { id } }",
            json!({ "t": title, "p": priority }),
        )
        .await;
    gql_ok(&body)["createSr"]["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn set_status(world: &World, id: &str, status: &str) {
    let body = world
        .gql(
            world.acme.token(Role::Engineer),
            "mutation($id: ID!, $s: SrStatus!) { updateSr(id: $id, input: { status: $s }) { status } }",
            json!({ "id": id, "s": status }),
        )
        .await;
    assert_eq!(gql_ok(&body)["updateSr"]["status"], status, "{body}");
}

async fn reply(world: &World, role: Role, id: &str) {
    let body = world
        .gql(
            world.acme.token(role),
            "mutation($id: ID!) { addSrComment(id: $id, body: \"on it\") { id } }",
            json!({ "id": id }),
        )
        .await;
    gql_ok(&body);
}

async fn sla_of(world: &World, role: Role, id: &str) -> Value {
    let body = world
        .gql(
            world.acme.token(role),
            &format!("query($id: ID!) {{ sr(id: $id) {{ {SLA} }} }}"),
            json!({ "id": id }),
        )
        .await;
    gql_ok(&body)["sr"]["sla"].clone()
}

/// Business time on office hours: Friday evening, the weekend and Monday's holiday do not
/// count; a policy change applies to SRs filed afterwards only; ON_HOLD pauses resolution and
/// reopening resumes it.
async fn clocks_run_in_business_time(backend: Backend) {
    // Friday 2027-02-26 17:30; Monday 2027-03-01 is a holiday.
    let clock = Arc::new(ManualClock::new(kst("2027-02-26T17:30:00")));
    let world = world(backend, &clock).await;
    set_policy(&world, "HIGH", 60, 480).await;
    set_calendar(
        &world,
        json!(["MON", "TUE", "WED", "THU", "FRI"]),
        "09:00",
        "18:00",
        json!(["2027-03-01"]),
    )
    .await;

    let first = create_sr(&world, Role::Customer, "first", "HIGH").await;
    let sla = sla_of(&world, Role::Customer, &first).await;
    // 30 minutes on Friday, the rest on Tuesday morning.
    assert_eq!(sla["responseDueAt"], utc("2027-03-02T09:30:00"), "{sla}");
    assert_eq!(sla["resolutionDueAt"], utc("2027-03-02T16:30:00"), "{sla}");
    assert_eq!(sla["state"], "OK");
    assert_eq!(sla["responseTargetMinutes"], 60);

    // A MEDIUM SR has no targets: no clocks.
    let untimed = create_sr(&world, Role::Customer, "untimed", "MEDIUM").await;
    assert_eq!(sla_of(&world, Role::Customer, &untimed).await, Value::Null);

    // New targets apply to SRs filed from now on; the first SR keeps its own.
    set_policy(&world, "HIGH", 120, 960).await;
    let second = create_sr(&world, Role::Customer, "second", "HIGH").await;
    let sla = sla_of(&world, Role::Customer, &second).await;
    assert_eq!(sla["responseDueAt"], utc("2027-03-02T10:30:00"), "{sla}");
    assert_eq!(sla["responseTargetMinutes"], 120);
    let sla = sla_of(&world, Role::Customer, &first).await;
    assert_eq!(sla["responseDueAt"], utc("2027-03-02T09:30:00"), "{sla}");
    assert_eq!(sla["responseTargetMinutes"], 60);

    // The weekend and the holiday pass without using any business time.
    clock.set(kst("2027-03-02T08:59:00"));
    assert_eq!(sla_of(&world, Role::Customer, &first).await["state"], "OK");
    // 75 % of the response target (45 minutes) is used at 09:15 on Tuesday.
    clock.set(kst("2027-03-02T09:14:00"));
    assert_eq!(sla_of(&world, Role::Customer, &first).await["state"], "OK");
    clock.set(kst("2027-03-02T09:15:00"));
    assert_eq!(sla_of(&world, Role::Customer, &first).await["state"], "WARNING");
    clock.set(kst("2027-03-02T09:30:00"));
    assert_eq!(sla_of(&world, Role::Customer, &first).await["state"], "WARNING");
    clock.set(kst("2027-03-02T09:31:00"));
    let sla = sla_of(&world, Role::Customer, &first).await;
    assert_eq!(sla["state"], "BREACHED", "{sla}");
    assert_eq!(sla["responseState"], "BREACHED");
    assert_eq!(sla["resolutionState"], "OK");

    // Staff answer late: the response stays breached.
    clock.set(kst("2027-03-02T10:00:00"));
    set_status(&world, &first, "IN_PROGRESS").await;
    let sla = sla_of(&world, Role::Customer, &first).await;
    assert_eq!(sla["responseMetAt"], utc("2027-03-02T10:00:00"), "{sla}");
    assert_eq!(sla["responseState"], "BREACHED");

    // ON_HOLD at 11:00 after 150 business minutes: the resolution clock stops.
    clock.set(kst("2027-03-02T11:00:00"));
    set_status(&world, &first, "ON_HOLD").await;
    clock.set(kst("2027-03-03T15:00:00"));
    let sla = sla_of(&world, Role::Customer, &first).await;
    assert_eq!(sla["resolutionPaused"], true, "{sla}");
    assert_eq!(sla["resolutionDueAt"], Value::Null);
    assert_eq!(sla["resolutionState"], "OK");

    // Resumed Thursday 09:00 with 330 minutes left: due 14:30, 75 % at 12:30.
    clock.set(kst("2027-03-04T09:00:00"));
    set_status(&world, &first, "IN_PROGRESS").await;
    let sla = sla_of(&world, Role::Customer, &first).await;
    assert_eq!(sla["resolutionDueAt"], utc("2027-03-04T14:30:00"), "{sla}");
    assert_eq!(sla["resolutionPaused"], false);
    clock.set(kst("2027-03-04T12:30:00"));
    assert_eq!(
        sla_of(&world, Role::Customer, &first).await["resolutionState"],
        "WARNING"
    );

    clock.set(kst("2027-03-04T14:00:00"));
    set_status(&world, &first, "RESOLVED").await;
    clock.set(kst("2027-03-10T10:00:00"));
    let sla = sla_of(&world, Role::Customer, &first).await;
    assert_eq!(sla["resolutionMetAt"], utc("2027-03-04T14:00:00"), "{sla}");
    assert_eq!(sla["resolutionState"], "OK");
    assert_eq!(sla["state"], "BREACHED", "the late response stays on the record");

    // Changing the calendar moves the running clocks: with Tuesday a holiday as well, the
    // second SR (response due Tuesday 10:30, still unanswered) is due Wednesday 10:30.
    set_calendar(
        &world,
        json!(["MON", "TUE", "WED", "THU", "FRI"]),
        "09:00",
        "18:00",
        json!(["2027-03-01", "2027-03-02"]),
    )
    .await;
    let sla = sla_of(&world, Role::Customer, &second).await;
    assert_eq!(sla["responseDueAt"], utc("2027-03-03T10:30:00"), "{sla}");
}

/// The watch announces WARNING and BREACHED once each (also with two processes looking), to
/// the SR's tenant only; a customer hears only of their own SRs; at-risk lists follow the same
/// rules.
async fn alerts_fire_once_at_the_right_minute(backend: Backend) {
    // Tuesday 2027-03-02 09:00, office hours.
    let clock = Arc::new(ManualClock::new(kst("2027-03-02T09:00:00")));
    let world = world(backend, &clock).await;
    set_policy(&world, "URGENT", 20, 240).await;
    let customers = Subscriber::start(
        &world.server.base_url,
        world.acme.token(Role::Customer),
        "subscription { srSlaAlert { srId title clock state sla { state } } }",
    )
    .await
    .expect("the customer subscribes");
    let mut foreign = Subscriber::start(
        &world.server.base_url,
        world.globex.token(Role::Admin),
        "subscription { srSlaAlert { srId clock state } }",
    )
    .await
    .expect("globex subscribes");
    let mut customers = customers;
    let mine = create_sr(&world, Role::Customer, "customer's", "URGENT").await;
    let staffs = create_sr(&world, Role::Pm, "pm's", "URGENT").await;

    // 75 % of 20 minutes is 15.
    clock.set(kst("2027-03-02T09:14:00"));
    assert!(world.server.sla_watch().tick().await.is_empty());
    clock.set(kst("2027-03-02T09:15:00"));
    let announced = world.server.sla_watch().tick().await;
    assert_eq!(announced.len(), 2, "{announced:?}");
    assert!(
        announced
            .iter()
            .all(|a| a.state.as_str() == "WARNING" && a.clock.as_str() == "RESPONSE")
    );
    let event = customers.next(Duration::from_secs(5)).await.expect("an alert");
    assert_eq!(event["srSlaAlert"]["srId"], mine.as_str(), "{event}");
    assert_eq!(event["srSlaAlert"]["state"], "WARNING");
    assert_eq!(event["srSlaAlert"]["sla"]["state"], "WARNING");
    assert_eq!(
        customers.next(Duration::from_millis(500)).await,
        None,
        "the PM's SR is not the customer's"
    );

    // Once: another look in the same state announces nothing.
    clock.set(kst("2027-03-02T09:18:00"));
    assert!(world.server.sla_watch().tick().await.is_empty());

    // At risk: a customer sees their own; the PM sees both, the earliest due first.
    let at_risk = |role: Role| {
        let world = &world;
        async move {
            let body = world
                .gql(
                    world.acme.token(role),
                    "{ srsAtRisk { id sla { state } } }",
                    json!({}),
                )
                .await;
            gql_ok(&body)["srsAtRisk"].as_array().expect("a list").clone()
        }
    };
    assert_eq!(at_risk(Role::Customer).await.len(), 1);
    assert_eq!(at_risk(Role::Customer).await[0]["id"], mine.as_str());
    assert_eq!(at_risk(Role::Pm).await.len(), 2);
    let body = world
        .gql(world.globex.token(Role::Admin), "{ srsAtRisk { id } }", json!({}))
        .await;
    assert_eq!(
        gql_ok(&body)["srsAtRisk"],
        json!([]),
        "another tenant's SRs are not at risk here"
    );

    // Staff answer the customer's SR in time; the other breaches at 09:21 (due 09:20).
    clock.set(kst("2027-03-02T09:19:00"));
    reply(&world, Role::Engineer, &mine).await;
    clock.set(kst("2027-03-02T09:20:00"));
    assert!(
        world.server.sla_watch().tick().await.is_empty(),
        "due, not yet past"
    );
    // Two processes on one database look at the same minute: the crossing is announced by one
    // of them.
    let other = Guardia::start(
        &world.db,
        GuardiaOptions {
            clock: Some(clock.clone()),
            ..jenkins_options(&world.jenkins)
        },
    )
    .await;
    clock.set(kst("2027-03-02T09:21:00"));
    let (here, there) = tokio::join!(world.server.sla_watch().tick(), other.sla_watch().tick());
    let announced: Vec<_> = here.into_iter().chain(there).collect();
    assert_eq!(announced.len(), 1, "{announced:?}");
    assert_eq!(announced[0].sr_id, staffs);
    assert_eq!(announced[0].state.as_str(), "BREACHED");
    assert!(world.server.sla_watch().tick().await.is_empty());
    assert_eq!(customers.next(Duration::from_millis(500)).await, None);
    assert_eq!(
        foreign.next(Duration::from_millis(200)).await,
        None,
        "globex hears nothing of acme"
    );
    let mine_now = sla_of(&world, Role::Customer, &mine).await;
    assert_eq!(mine_now["responseState"], "OK", "{mine_now}");
    assert_eq!(at_risk(Role::Customer).await, Vec::<Value>::new());
}

/// A March on a round-the-clock calendar, worked out by hand (see the comments), reported
/// as figures and as CSV; a customer may not read it; another tenant's month is empty.
async fn the_monthly_report_matches_a_hand_computed_month(backend: Backend) {
    let clock = Arc::new(ManualClock::new(kst("2027-02-28T23:30:00")));
    let world = world(backend, &clock).await;
    let all_week = json!(["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]);
    set_calendar(&world, all_week, "00:00", "24:00", json!([])).await;
    set_policy(&world, "MEDIUM", 60, 240).await;

    // February: not in March's report.
    create_sr(&world, Role::Customer, "february", "MEDIUM").await;
    // S6: 00:10 on 1 March local (still 28 February in UTC): answered in 10, resolved in 50.
    clock.set(kst("2027-03-01T00:10:00"));
    let s6 = create_sr(&world, Role::Customer, "S6", "MEDIUM").await;
    clock.set(kst("2027-03-01T00:20:00"));
    reply(&world, Role::Engineer, &s6).await;
    clock.set(kst("2027-03-01T01:00:00"));
    set_status(&world, &s6, "RESOLVED").await;
    // S1: answered in 20, resolved in 120.
    clock.set(kst("2027-03-02T10:00:00"));
    let s1 = create_sr(&world, Role::Customer, "S1", "MEDIUM").await;
    clock.set(kst("2027-03-02T10:20:00"));
    reply(&world, Role::Engineer, &s1).await;
    clock.set(kst("2027-03-02T12:00:00"));
    set_status(&world, &s1, "RESOLVED").await;
    // S2: answered late (90), resolved in 180.
    clock.set(kst("2027-03-03T10:00:00"));
    let s2 = create_sr(&world, Role::Customer, "S2", "MEDIUM").await;
    clock.set(kst("2027-03-03T11:30:00"));
    reply(&world, Role::Engineer, &s2).await;
    clock.set(kst("2027-03-03T13:00:00"));
    set_status(&world, &s2, "RESOLVED").await;
    // S3: taken up in 40; 60 used before ON_HOLD; 210 more after; resolved late at 270.
    clock.set(kst("2027-03-04T10:00:00"));
    let s3 = create_sr(&world, Role::Customer, "S3", "MEDIUM").await;
    clock.set(kst("2027-03-04T10:40:00"));
    set_status(&world, &s3, "IN_PROGRESS").await;
    clock.set(kst("2027-03-04T11:00:00"));
    set_status(&world, &s3, "ON_HOLD").await;
    clock.set(kst("2027-03-05T10:00:00"));
    set_status(&world, &s3, "IN_PROGRESS").await;
    clock.set(kst("2027-03-05T13:30:00"));
    set_status(&world, &s3, "RESOLVED").await;
    // S4: answered in 10, still open at 14:00 after 300 minutes: missed, unmet.
    clock.set(kst("2027-03-05T09:00:00"));
    let s4 = create_sr(&world, Role::Customer, "S4", "MEDIUM").await;
    clock.set(kst("2027-03-05T09:10:00"));
    reply(&world, Role::Engineer, &s4).await;
    // S5: answered in 30, open for 60 minutes: pending.
    clock.set(kst("2027-03-05T13:00:00"));
    let s5 = create_sr(&world, Role::Customer, "S5", "MEDIUM").await;
    clock.set(kst("2027-03-05T13:30:00"));
    reply(&world, Role::Engineer, &s5).await;
    clock.set(kst("2027-03-05T14:00:00"));

    let query = "query($m: String!) { slaReport(month: $m) { month priorities { priority srs response { met missed pending attainmentPercent medianMinutes p90Minutes } resolution { met missed pending attainmentPercent medianMinutes p90Minutes } } breaches { srId title clock } csv } }";
    let body = world
        .gql(world.acme.token(Role::Pm), query, json!({ "m": "2027-03" }))
        .await;
    let report = gql_ok(&body)["slaReport"].clone();
    let medium = report["priorities"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["priority"] == "MEDIUM")
        .expect("MEDIUM")
        .clone();
    assert_eq!(medium["srs"], 6, "{report}");
    // Response: met in time S6 10, S1 20, S3 40, S4 10, S5 30; S2 late (90). Minutes sorted
    // 10 10 20 30 40 90: median = 3rd = 20, p90 = 6th = 90; 5 of 6 = 83.3 %.
    assert_eq!(
        medium["response"],
        json!({ "met": 5, "missed": 1, "pending": 0, "attainmentPercent": 83.3, "medianMinutes": 20, "p90Minutes": 90 })
    );
    // Resolution: in time S6 50, S1 120, S2 180; S3 late (270); S4 past due, unmet; S5
    // pending. Minutes 50 120 180 270: median = 2nd = 120, p90 = 4th = 270; 3 of 5 = 60 %.
    assert_eq!(
        medium["resolution"],
        json!({ "met": 3, "missed": 2, "pending": 1, "attainmentPercent": 60.0, "medianMinutes": 120, "p90Minutes": 270 })
    );
    let high = report["priorities"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["priority"] == "HIGH")
        .expect("HIGH")
        .clone();
    assert_eq!(high["srs"], 0);
    assert_eq!(high["response"]["attainmentPercent"], Value::Null);
    let breaches: Vec<(String, String)> = report["breaches"]
        .as_array()
        .expect("breaches")
        .iter()
        .map(|b| {
            (
                b["title"].as_str().unwrap_or("").to_owned(),
                b["clock"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [("S2", "RESPONSE"), ("S3", "RESOLUTION"), ("S4", "RESOLUTION")];
    assert_eq!(
        breaches,
        expected.map(|(t, c)| (t.to_owned(), c.to_owned())).to_vec()
    );
    let csv = report["csv"].as_str().expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "month,priority,clock,srs,met,missed,pending,attainment_percent,median_minutes,p90_minutes"
    );
    assert!(
        lines.contains(&"2027-03,MEDIUM,RESPONSE,6,5,1,0,83.3,20,90"),
        "{csv}"
    );
    assert!(
        lines.contains(&"2027-03,MEDIUM,RESOLUTION,6,3,2,1,60.0,120,270"),
        "{csv}"
    );
    assert!(lines.contains(&"2027-03,HIGH,RESPONSE,0,0,0,0,,,"), "{csv}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{s2},S2,MEDIUM,RESPONSE,"))),
        "{csv}"
    );

    // Only the ADMIN and the PM read the report; another tenant's March is its own (empty).
    for role in [Role::Engineer, Role::DeployEngineer, Role::Customer] {
        let body = world
            .gql(world.acme.token(role), query, json!({ "m": "2027-03" }))
            .await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{role}: {body}");
    }
    let body = world
        .gql(world.globex.token(Role::Admin), query, json!({ "m": "2027-03" }))
        .await;
    let foreign = gql_ok(&body)["slaReport"].clone();
    assert_eq!(foreign["breaches"], json!([]));
    assert!(
        foreign["priorities"]
            .as_array()
            .expect("rows")
            .iter()
            .all(|r| r["srs"] == 0),
        "{foreign}"
    );
    let _ = (s1, s3, s4, s5, s6);
}

/// Bad input is refused with BAD_USER_INPUT and changes nothing; only the ADMIN sets targets.
async fn bad_service_levels_are_refused(backend: Backend) {
    let clock = Arc::new(ManualClock::new(kst("2027-03-02T09:00:00")));
    let world = world(backend, &clock).await;
    let admin = world.acme.token(Role::Admin);
    let refusals = [
        (
            "mutation { setSlaPolicy(priority: HIGH, responseMinutes: 0, resolutionMinutes: 60) { priority } }",
            "BAD_USER_INPUT",
        ),
        (
            "mutation { setSlaCalendar(input: { weekdays: [], dayStart: \"09:00\", dayEnd: \"18:00\", holidays: [] }) { dayStart } }",
            "BAD_USER_INPUT",
        ),
        (
            "mutation { setSlaCalendar(input: { weekdays: [MON], dayStart: \"18:00\", dayEnd: \"09:00\", holidays: [] }) { dayStart } }",
            "BAD_USER_INPUT",
        ),
        (
            "mutation { setSlaCalendar(input: { weekdays: [MON], dayStart: \"9h\", dayEnd: \"18:00\", holidays: [] }) { dayStart } }",
            "BAD_USER_INPUT",
        ),
        (
            "mutation { setSlaCalendar(input: { weekdays: [MON], dayStart: \"09:00\", dayEnd: \"18:00\", holidays: [\"31/12/2027\"] }) { dayStart } }",
            "BAD_USER_INPUT",
        ),
        ("{ slaReport(month: \"2027-13\") { month } }", "BAD_USER_INPUT"),
        ("{ srsAtRisk(first: 0) { id } }", "BAD_USER_INPUT"),
        ("mutation { removeSlaPolicy(priority: LOW) }", "NOT_FOUND"),
    ];
    for (query, code) in refusals {
        let body = world.gql(admin, query, json!({})).await;
        assert_eq!(error_codes(&body), [code], "{query}: {body}");
    }
    let body = world
        .gql(
            admin,
            "{ slaPolicies { priority } slaCalendar { weekdays dayStart dayEnd holidays } }",
            json!({}),
        )
        .await;
    let data = gql_ok(&body);
    assert_eq!(data["slaPolicies"], json!([]), "nothing was written");
    assert_eq!(
        data["slaCalendar"],
        json!({ "weekdays": ["MON", "TUE", "WED", "THU", "FRI"], "dayStart": "09:00", "dayEnd": "18:00", "holidays": [] })
    );
    for role in [Role::Pm, Role::Engineer, Role::DeployEngineer, Role::Customer] {
        let body = world
            .gql(
                world.acme.token(role),
                "mutation { setSlaPolicy(priority: HIGH, responseMinutes: 10, resolutionMinutes: 60) { priority } }",
                json!({}),
            )
            .await;
        assert_eq!(error_codes(&body), ["FORBIDDEN"], "{role}: {body}");
    }
    // Another tenant's targets are its own.
    set_policy(&world, "HIGH", 30, 120).await;
    let body = world
        .gql(
            world.globex.token(Role::Admin),
            "{ slaPolicies { priority } }",
            json!({}),
        )
        .await;
    assert_eq!(gql_ok(&body)["slaPolicies"], json!([]));
}

both_backends!(
    clocks_run_in_business_time,
    alerts_fire_once_at_the_right_minute,
    the_monthly_report_matches_a_hand_computed_month,
    bad_service_levels_are_refused,
);
