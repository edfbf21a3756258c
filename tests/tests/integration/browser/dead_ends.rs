//! No dead ends: a page a role may not use shows only the refusal, an unknown address stays in
//! the shell, empty cards say so, an SR shows its priority and a missing one offers no comment
//! box, nothing fails in the console on first load (the favicon included), and statuses and
//! roles read in Korean.

use guardia_shared::Role;
use guardia_tests::api::{PASSWORD, role_slug};
use guardia_tests::{Backend, Browser, World, both_backends};
use serde_json::json;

use super::{absent, dist, log_in, log_out, submit_login, text_of, wait_for};

async fn the_web_app_has_no_dead_ends(backend: Backend) {
    let world = World::start_with_web(backend, dist()).await;
    let browser = Browser::start().await;
    let client = &browser.client;

    // First load, signed out and then signed in: the console stays clean.
    client.goto(&world.server.url("/")).await.expect("navigate");
    wait_for(client, "[data-testid=login-form]").await;
    let icon = client
        .execute(
            "return fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)",
            vec![],
        )
        .await
        .expect("fetch the favicon");
    assert_eq!(icon, json!(200));
    submit_login(client, "engineer@acme.example", PASSWORD).await;
    wait_for(client, "[data-testid=dashboard-ready]").await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors on first load: {errors:?}");

    // An ENGINEER has no SR assigned: the card says so.
    let empty = text_of(client, "[data-testid=my-srs-empty]").await;
    assert!(!empty.trim().is_empty());

    // An unknown address: the not-found page, inside the shell with its menu.
    client
        .goto(&world.server.url("/no/such/page"))
        .await
        .expect("navigate");
    wait_for(client, "[data-testid=not-found]").await;
    wait_for(client, "[data-testid=nav-srs]").await;

    // An SR shows its priority; one that does not exist shows why, and no comment box.
    client
        .goto(&world.server.url(&format!("/srs/{}", world.acme.sr_id)))
        .await
        .expect("navigate");
    wait_for(client, "[data-testid=sr-priority]").await;
    wait_for(client, "[data-testid=comment-body]").await;
    client
        .goto(&world.server.url("/srs/00000000-0000-7000-8000-000000000000"))
        .await
        .expect("navigate");
    wait_for(client, "[data-testid=error][data-code=NOT_FOUND]").await;
    assert!(
        absent(client, "[data-testid=comment-body]").await,
        "a missing SR offers a comment box"
    );
    assert!(
        absent(client, "[data-testid=error] button").await,
        "a missing SR offers a retry"
    );
    log_out(&browser).await;

    // /users typed by every role but ADMIN: the refusal, and no form.
    for role in [Role::Pm, Role::Engineer, Role::DeployEngineer, Role::Customer] {
        log_in(&browser, &world, &format!("{}@acme.example", role_slug(role))).await;
        client.goto(&world.server.url("/users")).await.expect("navigate");
        wait_for(client, "[data-testid=error][data-code=FORBIDDEN]").await;
        assert!(
            absent(client, "[data-testid=user-form]").await,
            "{role:?} is shown the user form"
        );
        assert!(absent(client, "[data-testid=user-table]").await);
        log_out(&browser).await;
    }

    // In Korean, badges and role names are Korean too.
    client
        .execute("localStorage.setItem('guardia.lang', 'ko')", vec![])
        .await
        .expect("choose Korean");
    log_in(&browser, &world, "deploy-engineer@acme.example").await;
    let who = text_of(client, "[data-testid=who]").await;
    assert!(who.contains("배포 엔지니어"), "{who}");
    client
        .goto(&world.server.url("/deploys"))
        .await
        .expect("navigate");
    let badge = text_of(
        client,
        "[data-testid=build-row] [data-testid=badge][data-status=SUCCESS]",
    )
    .await;
    assert_eq!(badge, "성공");
    let failed = text_of(
        client,
        "[data-testid=build-row] [data-testid=badge][data-status=FAILURE]",
    )
    .await;
    assert_eq!(failed, "실패");
    browser
        .screenshot(&format!("deploys-korean-{backend:?}").to_lowercase())
        .await;
    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");
    browser.close().await;
}

both_backends!(the_web_app_has_no_dead_ends);
