//! The web app in real headless Chromium, against the real `guardia` serving Trunk's build with
//! the Jenkins simulator: log in, every page renders, a DEPLOY_ENGINEER downloads an artifact
//! and rolls back with a reason and watches it reach SUCCESS; ENGINEER and CUSTOMER do not get
//! the actions their role lacks; the language switches and is remembered; a user changes their
//! password, logs out (the token is revoked) and logs in with the new one. Screenshots of every
//! page go to `target/screenshots/`.

mod dead_ends;
mod deploy_tab;
mod sla;
mod tenant_switch;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use guardia_backend::scheduler::ManualClock;
use guardia_jenkins_sim::Fault;
use guardia_shared::Role;
use guardia_tests::api::{DEPLOY_JOB, FAILED_BUILD, PASSWORD, SEEDED_BUILDS, WorldOptions, error_codes};
use guardia_tests::{Backend, Browser, World, both_backends, workspace_root};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

fn dist() -> std::path::PathBuf {
    let dist =
        std::env::var_os("GUARDIA_TEST_WEB_DIR").map_or_else(|| workspace_root().join("dist"), Into::into);
    assert!(
        dist.join("index.html").is_file(),
        "{} has no built web app: run `trunk build --release` first (scripts/test does)",
        dist.display()
    );
    dist
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

async fn click(client: &Client, css: &str) {
    wait_for(client, css).await.click().await.expect("click");
}

async fn absent(client: &Client, css: &str) -> bool {
    client.find_all(Locator::Css(css)).await.expect("find").is_empty()
}

async fn text_of(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.expect("text")
}

/// Waits until the element's text satisfies `done`.
async fn wait_text(client: &Client, css: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && done(&text)
        {
            return text;
        }
        assert!(Instant::now() < deadline, "{css} never showed the expected text");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fills in and sends the login form on the current page.
async fn submit_login(client: &Client, email: &str, password: &str) {
    for (field, text) in [("login-email", email), ("login-password", password)] {
        wait_for(client, &format!("[data-testid={field}]"))
            .await
            .send_keys(text)
            .await
            .expect("type");
    }
    click(client, "[data-testid=login-submit]").await;
}

async fn log_in(browser: &Browser, world: &World, email: &str) {
    let client = &browser.client;
    client.goto(&world.server.url("/login")).await.expect("navigate");
    submit_login(client, email, PASSWORD).await;
    wait_for(client, "[data-testid=dashboard-ready]").await;
}

async fn log_out(browser: &Browser) {
    click(&browser.client, "[data-testid=logout]").await;
    wait_for(&browser.client, "[data-testid=login-form]").await;
}

async fn open(browser: &Browser, nav: &str, ready: &str) {
    click(&browser.client, &format!("[data-testid=nav-{nav}]")).await;
    wait_for(&browser.client, ready).await;
    assert!(
        absent(&browser.client, "[data-testid=error]").await,
        "{nav} shows an error"
    );
}

async fn the_web_app_works_for_every_role(backend: Backend) {
    let world = World::start_with_web(backend, dist()).await;
    let name = format!("{backend:?}").to_lowercase();
    world
        .gql(
            world.acme.token(Role::Admin),
            "mutation($id: ID!) { setServerCredential(serverId: $id, username: \"root\", password: \"s3cret-Pa55\") { id } }",
            json!({ "id": world.acme.server_id }),
        )
        .await;
    let browser = Browser::start().await;
    let client = &browser.client;

    // A signed-out visit goes to the login page; a wrong password says so.
    client.goto(&world.server.url("/")).await.expect("navigate");
    wait_for(client, "[data-testid=login-form]").await;
    browser.screenshot(&format!("login-{name}")).await;
    submit_login(client, "admin@acme.example", "wrong password").await;
    let error = text_of(client, "[data-testid=login-error]").await;
    assert!(
        error.contains("Wrong email or password") || error.contains("올바르지"),
        "{error}"
    );

    // ADMIN: every page renders.
    log_in(&browser, &world, "admin@acme.example").await;
    let started = Instant::now();
    client.goto(&world.server.url("/")).await.expect("navigate");
    wait_for(client, "[data-testid=dashboard-ready] [data-testid=chart]").await;
    println!(
        "navigation → first rendered dashboard ({name}): {} ms",
        started.elapsed().as_millis()
    );
    browser.screenshot(&format!("dashboard-{name}")).await;
    for (nav, ready) in [
        ("srs", "[data-testid=sr-row]"),
        ("servers", "[data-testid=server-row]"),
        ("batch", "[data-testid=batch-table]"),
        ("agents", "[data-testid=agent-table]"),
        ("users", "[data-testid=user-table]"),
    ] {
        open(&browser, nav, ready).await;
        browser.screenshot(&format!("{nav}-{name}")).await;
    }
    click(client, "[data-testid=nav-srs]").await;
    click(client, "[data-testid=sr-row] a").await;
    wait_for(client, "[data-testid=sr-heading]").await;
    browser.screenshot(&format!("sr-detail-{name}")).await;
    log_out(&browser).await;

    // DEPLOY_ENGINEER: builds, an artifact download, a rollback with a reason, live to SUCCESS.
    log_in(&browser, &world, "deploy-engineer@acme.example").await;
    open(&browser, "deploys", "[data-testid=build-row]").await;
    let rows = client
        .find_all(Locator::Css("[data-testid=build-row]"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), SEEDED_BUILDS as usize);
    assert!(
        absent(client, &format!("[data-testid=rollback-{FAILED_BUILD}]")).await,
        "a FAILURE build offers a rollback"
    );
    let link = wait_for(client, "[data-testid=artifact-link]").await;
    let href = link.attr("href").await.expect("attr").expect("an href");
    let size = client
        .execute(
            "return fetch(arguments[0]).then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(b => b.byteLength)",
            vec![json!(href)],
        )
        .await
        .expect("the artifact downloads in the page");
    let expected = world
        .jenkins
        .artifact_bytes(DEPLOY_JOB, SEEDED_BUILDS, "target/portal.war")
        .expect("artifact")
        .len();
    assert_eq!(size, json!(expected));

    let target = SEEDED_BUILDS - 2;
    click(client, &format!("[data-testid=rollback-{target}]")).await;
    wait_for(client, "[data-testid=rollback-dialog]").await;
    // No reason, no rollback.
    click(client, "[data-testid=rollback-confirm]").await;
    assert!(world.jenkins.triggers(DEPLOY_JOB).is_empty());
    wait_for(client, "[data-testid=rollback-reason]")
        .await
        .send_keys("INC-77: login page broken")
        .await
        .expect("type");
    browser.screenshot(&format!("rollback-dialog-{name}")).await;
    click(client, "[data-testid=rollback-confirm]").await;
    // The rollback's progress shows in the dialog, until it ends.
    wait_for(
        client,
        "[data-testid=rollback-dialog] [data-testid=live-status][data-status=SUCCESS]",
    )
    .await;
    wait_for(
        client,
        "[data-testid=ledger-row][data-kind=ROLLBACK][data-status=SUCCESS]",
    )
    .await;
    wait_text(
        client,
        "[data-testid=rollback-dialog] [data-testid=console]",
        |t| t.contains("Finished: SUCCESS"),
    )
    .await;
    click(client, "[data-testid=rollback-close]").await;
    let sent = world.jenkins.triggers(DEPLOY_JOB);
    assert_eq!(sent, [vec![("ROLLBACK_BUILD".to_owned(), target.to_string())]]);
    browser.screenshot(&format!("deploys-{name}")).await;
    open(&browser, "servers", "[data-testid=reveal-credential]").await;
    click(client, "[data-testid=reveal-credential]").await;
    assert!(
        text_of(client, "[data-testid=credential]")
            .await
            .contains("s3cret-Pa55")
    );
    log_out(&browser).await;

    // ENGINEER: history yes, rollback and credentials no.
    log_in(&browser, &world, "engineer@acme.example").await;
    open(&browser, "deploys", "[data-testid=build-row]").await;
    assert!(
        absent(client, "[data-testid^=rollback-]").await,
        "an ENGINEER is offered a rollback"
    );
    assert!(absent(client, "[data-testid=deploy-submit]").await);
    open(&browser, "servers", "[data-testid=server-row]").await;
    assert!(
        absent(client, "[data-testid=reveal-credential]").await,
        "an ENGINEER may not read credentials"
    );
    browser.screenshot(&format!("servers-engineer-{name}")).await;
    log_out(&browser).await;

    // CUSTOMER: no deploys, no servers; only their own SR.
    log_in(&browser, &world, "customer@acme.example").await;
    for nav in ["deploys", "servers", "batch", "users"] {
        assert!(
            absent(client, &format!("[data-testid=nav-{nav}]")).await,
            "a CUSTOMER sees {nav}"
        );
    }
    // A page typed into the address bar that the role may not read says so, with no retry.
    client
        .goto(&world.server.url("/servers"))
        .await
        .expect("navigate");
    wait_for(client, "[data-testid=error][data-code=FORBIDDEN]").await;
    assert!(
        absent(client, "[data-testid=error] button").await,
        "a refusal offers no retry"
    );
    open(&browser, "srs", "[data-testid=sr-row]").await;
    let own = client
        .find_all(Locator::Css("[data-testid=sr-row]"))
        .await
        .expect("rows");
    assert_eq!(own.len(), 1);
    browser.screenshot(&format!("srs-customer-{name}")).await;

    // The language switches, and stays switched after a reload.
    let before = text_of(client, "h1").await;
    click(client, "[data-testid=lang-switch]").await;
    let after = wait_text(client, "h1", |t| t != before).await;
    assert!(
        ["서비스 요청", "Service requests"].contains(&after.as_str()),
        "{after}"
    );
    client.refresh().await.expect("reload");
    assert_eq!(wait_text(client, "h1", |t| !t.is_empty()).await, after);
    browser.screenshot(&format!("language-{name}")).await;
    browser.close().await;
}

/// Opens the password page afresh and sends the form.
async fn send_password_form(browser: &Browser, world: &World, current: &str, new: &str, confirm: &str) {
    let client = &browser.client;
    client
        .goto(&world.server.url("/password"))
        .await
        .expect("navigate");
    for (field, text) in [
        ("password-current", current),
        ("password-new", new),
        ("password-confirm", confirm),
    ] {
        wait_for(client, &format!("[data-testid={field}]"))
            .await
            .send_keys(text)
            .await
            .expect("type");
    }
    click(client, "[data-testid=password-submit]").await;
}

/// The token this tab keeps for its session.
async fn stored_token(browser: &Browser) -> String {
    let stored = browser
        .client
        .execute("return sessionStorage.getItem('guardia.session')", vec![])
        .await
        .expect("script");
    let session: serde_json::Value =
        serde_json::from_str(stored.as_str().expect("a stored session")).expect("JSON");
    session["token"].as_str().expect("a token").to_owned()
}

async fn a_user_changes_their_password_and_logs_out(backend: Backend) {
    let world = World::start_with_web(backend, dist()).await;
    let name = format!("{backend:?}").to_lowercase();
    let pm = world.acme.user(Role::Pm).clone();
    let new_password = "Browser password 2026";
    let browser = Browser::start().await;
    let client = &browser.client;
    log_in(&browser, &world, &pm.email).await;
    let ko_or_en = |text: &str, ko: &str, en: &str| text.contains(ko) || text.contains(en);

    // Reachable from the header; refusals are said plainly and change nothing.
    open(&browser, "password", "[data-testid=password-form]").await;
    send_password_form(&browser, &world, "not my password", new_password, new_password).await;
    let wrong = text_of(client, "[data-testid=password-error]").await;
    assert!(
        ko_or_en(&wrong, "현재 비밀번호가", "current password is wrong"),
        "{wrong}"
    );
    send_password_form(&browser, &world, PASSWORD, "abcdefghijkl", "abcdefghijkl").await;
    let weak = text_of(client, "[data-testid=password-error]").await;
    assert!(ko_or_en(&weak, "두 종류", "two kinds"), "{weak}");
    send_password_form(&browser, &world, PASSWORD, new_password, "something else").await;
    let mismatch = text_of(client, "[data-testid=password-error]").await;
    assert!(ko_or_en(&mismatch, "일치하지", "differ"), "{mismatch}");
    assert!(error_codes(&world.gql(&pm.token, "{ me { id } }", json!({})).await).is_empty());

    // The change: other sessions end, this tab goes on with its new token.
    send_password_form(&browser, &world, PASSWORD, new_password, new_password).await;
    let changed = text_of(client, "[data-testid=password-changed]").await;
    assert!(
        ko_or_en(&changed, "변경했습니다", "Password changed"),
        "{changed}"
    );
    browser.screenshot(&format!("password-changed-{name}")).await;
    assert_eq!(
        error_codes(&world.gql(&pm.token, "{ me { id } }", json!({})).await),
        ["UNAUTHENTICATED"],
        "the old session still works"
    );
    open(&browser, "dashboard", "[data-testid=dashboard-ready]").await;
    let renewed = stored_token(&browser).await;
    assert!(error_codes(&world.gql(&renewed, "{ me { id } }", json!({})).await).is_empty());

    // Logging out revokes the token on the server, not only in the tab.
    log_out(&browser).await;
    assert_eq!(
        error_codes(&world.gql(&renewed, "{ me { id } }", json!({})).await),
        ["UNAUTHENTICATED"],
        "the logged-out token still works"
    );
    submit_login(client, &pm.email, PASSWORD).await;
    wait_for(client, "[data-testid=login-error]").await;
    client.goto(&world.server.url("/login")).await.expect("navigate");
    submit_login(client, &pm.email, new_password).await;
    wait_for(client, "[data-testid=dashboard-ready]").await;
    browser.close().await;
}

/// The batch page says when each job runs next and in which time zone, a run the scheduler
/// started shows up in the job's recent runs as started by the schedule, and a run started
/// with "run now" is followed in its row until it ends, without a reload.
async fn the_batch_page_shows_the_next_run_and_scheduled_runs(backend: Backend) {
    // Two days ahead, 16:59 UTC: the seeded nightly-report (02:00 in Seoul) is due at 17:00.
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(2);
    let before = day.and_hms_opt(16, 59, 0).expect("a time").and_utc();
    let clock = Arc::new(ManualClock::new(before));
    let options = WorldOptions {
        web_dir: Some(dist()),
        clock: Some(clock.clone()),
        ..WorldOptions::default()
    };
    let world = World::start_with_options(backend, options).await;
    let browser = Browser::start().await;
    let client = &browser.client;
    log_in(&browser, &world, "admin@acme.example").await;
    open(&browser, "batch", "[data-testid=batch-table]").await;
    let zone = text_of(client, "[data-testid=batch-timezone]").await;
    assert!(zone.contains("Asia/Seoul"), "{zone}");
    let next = text_of(client, "[data-testid=next-run]").await;
    assert!(
        next.chars().any(|c| c.is_ascii_digit()),
        "a date and time: {next}"
    );
    assert!(absent(client, "[data-testid=batch-run][data-scheduled=true]").await);

    clock.set(before + chrono::Duration::seconds(61));
    let tick = world.server.scheduler().tick().await;
    assert_eq!(tick.started, 3, "acme's, globex's and ops' nightly-report");
    client.refresh().await.expect("reload");
    let run = text_of(client, "[data-testid=batch-run][data-scheduled=true]").await;
    assert!(run.contains("일정") || run.contains("schedule"), "{run}");
    println!("next run shown: {next}; scheduled run shown: {run}");

    // Jenkins is down at the next due time: the failed scheduled run shows on the dashboard.
    world.jenkins.set_fault(Fault::ServerError);
    clock.set(before + chrono::Duration::days(1) + chrono::Duration::seconds(61));
    assert_eq!(world.server.scheduler().tick().await.started, 3);
    world.jenkins.set_fault(Fault::None);
    client.goto(&world.server.url("/")).await.expect("navigate");
    let failed = text_of(client, "[data-testid=failed-scheduled-runs]").await;
    assert!(failed.contains("nightly-report"), "{failed}");

    // "Run now": the run shows in its row at once and is followed there to its result.
    open(&browser, "batch", "[data-testid=batch-table]").await;
    assert!(absent(client, "[data-testid=batch-run][data-scheduled=false]").await);
    click(client, "[data-testid=run-now]").await;
    wait_for(client, "[data-testid=batch-run][data-scheduled=false]").await;
    wait_for(
        client,
        "[data-testid=batch-run][data-scheduled=false][data-status=SUCCESS]",
    )
    .await;
    browser
        .screenshot(&format!("batch-{}", format!("{backend:?}").to_lowercase()))
        .await;
    browser.close().await;
}

both_backends!(
    the_web_app_works_for_every_role,
    a_user_changes_their_password_and_logs_out,
    the_batch_page_shows_the_next_run_and_scheduled_runs
);
