//! One person in three tenants: the header's switcher moves them between tenants, the data
//! and the role follow, and the dashboard's card lists their work in every tenant.

use fantoccini::Locator;
use guardia_tests::{Backend, Browser, World, both_backends};

use super::{dist, log_in, text_of, wait_for, wait_text};
use crate::memberships::{STAFF, staff_in_three_tenants};

async fn the_header_switches_tenants(backend: Backend) {
    let world = World::start_with_web(backend, dist()).await;
    staff_in_three_tenants(&world).await;
    let browser = Browser::start().await;
    let client = &browser.client;

    log_in(&browser, &world, STAFF).await;
    assert!(
        text_of(client, "[data-testid=who]")
            .await
            .contains("ops institution")
    );
    // The cross-tenant card names every tenant of the person.
    wait_for(client, "[data-testid=my-work-tenant][data-tenant=globex]").await;
    let tenants = client
        .find_all(Locator::Css("[data-testid=my-work-tenant]"))
        .await
        .expect("find");
    assert_eq!(tenants.len(), 3);

    for (tenant, role, own_sr, foreign_sr) in [
        (
            "acme",
            ["Engineer", "엔지니어"],
            &world.acme.sr_id,
            &world.globex.sr_id,
        ),
        (
            "globex",
            ["Deploy engineer", "배포 엔지니어"],
            &world.globex.sr_id,
            &world.acme.sr_id,
        ),
    ] {
        wait_for(client, "[data-testid=tenant-switch]")
            .await
            .select_by_value(tenant)
            .await
            .expect("pick a tenant");
        // The header names the tenant and the role there (in either UI language).
        let who = wait_text(client, "[data-testid=who]", |who| {
            who.contains(&format!("{tenant} institution"))
        })
        .await;
        assert!(role.iter().any(|r| who.contains(&format!(" · {r} · "))), "{who}");
        wait_for(client, "[data-testid=dashboard-ready]").await;
        // The tenant's own SR opens; the other tenant's is not found.
        client
            .goto(&world.server.url(&format!("/srs/{own_sr}")))
            .await
            .expect("navigate");
        wait_for(client, "[data-testid=sr-priority]").await;
        client
            .goto(&world.server.url(&format!("/srs/{foreign_sr}")))
            .await
            .expect("navigate");
        wait_for(client, "[data-testid=error][data-code=NOT_FOUND]").await;
        client.goto(&world.server.url("/")).await.expect("navigate");
        wait_for(client, "[data-testid=dashboard-ready]").await;
    }
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await;
}

both_backends!(the_header_switches_tenants);
