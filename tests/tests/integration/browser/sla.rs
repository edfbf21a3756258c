//! Service levels in the web app, on the test's clock: the dashboard's card of SRs at risk
//! (a PM sees the tenant's, a customer their own), the SLA badges on the SR list, the monthly
//! report page with its chart, breaches and CSV, and the ADMIN's targets and calendar form.

use std::sync::Arc;

use chrono::{Duration, Utc};
use fantoccini::Locator;
use guardia_backend::scheduler::ManualClock;
use guardia_shared::Role;
use guardia_tests::api::WorldOptions;
use guardia_tests::{Backend, Browser, World, both_backends, gql_ok};
use serde_json::json;

use super::{absent, click, dist, log_in, log_out, text_of, wait_for};

async fn create_sr(world: &World, role: Role, title: &str) {
    let body = world
        .gql(
            world.acme.token(role),
            "mutation($t: String!) { createSr(input: { title: $t, description: \"\", priority: URGENT }) { id } }",
            json!({ "t": title }),
        )
        .await;
    gql_ok(&body);
}

async fn the_at_risk_card_and_the_report_page(backend: Backend) {
    let start = Utc::now();
    let clock = Arc::new(ManualClock::new(start));
    let options = WorldOptions {
        web_dir: Some(dist()),
        clock: Some(clock.clone()),
        ..WorldOptions::default()
    };
    let world = World::start_with_options(backend, options).await;
    let admin = world.acme.token(Role::Admin);
    let setup = world
        .gql(
            admin,
            "mutation { setSlaCalendar(input: { weekdays: [MON, TUE, WED, THU, FRI, SAT, SUN], dayStart: \"00:00\", dayEnd: \"24:00\", holidays: [] }) { dayEnd }
                        setSlaPolicy(priority: URGENT, responseMinutes: 10, resolutionMinutes: 60) { priority } }",
            json!({}),
        )
        .await;
    gql_ok(&setup);
    // "late" passes its 10-minute response target; "close" has used 8 of its 10 minutes.
    create_sr(&world, Role::Pm, "late SR").await;
    clock.set(start + Duration::minutes(5));
    create_sr(&world, Role::Customer, "close SR").await;
    clock.set(start + Duration::minutes(13));

    let browser = Browser::start().await;
    let client = &browser.client;
    log_in(&browser, &world, &world.acme.user(Role::Pm).email).await;
    wait_for(client, "[data-testid=at-risk-sr]").await;
    browser
        .screenshot(&format!(
            "dashboard-at-risk-{}",
            format!("{backend:?}").to_lowercase()
        ))
        .await;
    let items = client
        .find_all(Locator::Css("[data-testid=at-risk-sr]"))
        .await
        .expect("find");
    assert_eq!(items.len(), 2);
    // The earliest due first: the late one, breached; then the close one, at risk.
    let first = items[0].text().await.expect("text");
    assert!(first.contains("late SR"), "{first}");
    let states: Vec<String> = {
        let mut states = Vec::new();
        for badge in client
            .find_all(Locator::Css("[data-testid=at-risk-sr] [data-testid=badge]"))
            .await
            .expect("find")
        {
            states.push(badge.attr("data-status").await.expect("attr").unwrap_or_default());
        }
        states
    };
    assert_eq!(states, ["BREACHED", "WARNING"]);

    // The SR list shows each SR's state; the seeded SR (no targets) has none.
    wait_for(client, "[data-testid=nav-srs]")
        .await
        .click()
        .await
        .expect("click");
    wait_for(
        client,
        "[data-testid=sr-row] [data-testid=badge][data-status=WARNING]",
    )
    .await;
    wait_for(
        client,
        "[data-testid=sr-row] [data-testid=badge][data-status=BREACHED]",
    )
    .await;

    // The report of the month the clock is in (the installation's time zone, Asia/Seoul).
    let month = start
        .with_timezone(&chrono_tz::Asia::Seoul)
        .format("%Y-%m")
        .to_string();
    client
        .goto(&world.server.url(&format!("/sla?month={month}")))
        .await
        .expect("navigate");
    wait_for(client, &format!("[data-testid=sla-report][data-month='{month}']")).await;
    let urgent = text_of(client, "[data-testid=report-row][data-priority=URGENT]").await;
    assert!(urgent.contains('2'), "{urgent}");
    let breaches = text_of(client, "[data-testid=report-breach]").await;
    assert!(breaches.contains("late SR"), "{breaches}");
    wait_for(client, "[data-testid=chart]").await;
    let csv = wait_for(client, "[data-testid=report-csv]")
        .await
        .attr("href")
        .await
        .expect("attr")
        .unwrap_or_default();
    assert!(csv.starts_with("data:text/csv"), "{csv}");
    assert!(csv.contains("URGENT"), "{csv}");
    let name = format!("{backend:?}").to_lowercase();
    browser.screenshot(&format!("sla-report-{name}")).await;
    log_out(&browser).await;

    // A customer sees only their own SR at risk, and no report.
    log_in(&browser, &world, &world.acme.user(Role::Customer).email).await;
    wait_for(client, "[data-testid=at-risk-sr]").await;
    let items = client
        .find_all(Locator::Css("[data-testid=at-risk-sr]"))
        .await
        .expect("find");
    assert_eq!(items.len(), 1);
    assert!(items[0].text().await.expect("text").contains("close SR"));
    assert!(absent(client, "[data-testid=nav-sla]").await);
    log_out(&browser).await;

    // The ADMIN sets HIGH's targets and a holiday on the same page.
    log_in(&browser, &world, &world.acme.user(Role::Admin).email).await;
    click_nav_sla(client).await;
    let high = "[data-testid=sla-policy][data-priority=HIGH]";
    let inputs = wait_for(client, high)
        .await
        .find_all(Locator::Css("input"))
        .await
        .expect("inputs");
    inputs[0].send_keys("45").await.expect("type");
    inputs[1].send_keys("300").await.expect("type");
    click(client, &format!("{high} button")).await;
    wait_for(client, "[data-testid=sla-holidays]")
        .await
        .send_keys("2027-01-01")
        .await
        .expect("type");
    browser.screenshot(&format!("sla-settings-{name}")).await;
    click(client, "[data-testid=sla-calendar] button").await;
    let saved = || async {
        let body = world
            .gql(
                admin,
                "{ slaPolicies { priority responseMinutes resolutionMinutes } slaCalendar { holidays } }",
                json!({}),
            )
            .await;
        gql_ok(&body).clone()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = saved().await;
        let high_set = now["slaPolicies"].as_array().is_some_and(|p| {
            p.contains(&json!({ "priority": "HIGH", "responseMinutes": 45, "resolutionMinutes": 300 }))
        });
        if high_set && now["slaCalendar"]["holidays"] == json!(["2027-01-01"]) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the settings were not saved: {now}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await;
}

async fn click_nav_sla(client: &fantoccini::Client) {
    click(client, "[data-testid=nav-sla]").await;
    wait_for(client, "[data-testid=sla-report]").await;
}

both_backends!(the_at_risk_card_and_the_report_page);
