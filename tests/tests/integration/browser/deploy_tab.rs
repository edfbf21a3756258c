//! The deploy tab knows what is live: the live build and the previous good one are marked, the
//! live build offers no rollback, and "roll back to previous" swaps them. A rollback's progress
//! shows in its dialog, on screen, and over 20 rollbacks no status ever goes backwards (an
//! event and the mutation's reply arrive in either order; the higher version wins).

use guardia_tests::api::{DEPLOY_JOB, FAILED_BUILD, SEEDED_BUILDS};
use guardia_tests::{Backend, Browser, World, both_backends};
use serde_json::{Value, json};

use super::{absent, click, dist, log_in, open, wait_for};

const ROLLBACKS: usize = 20;

/// Records every state any progress panel shows: (deployment id, status, version).
const WATCH_PROGRESS: &str = r#"
    window.seen = [];
    const record = () => document.querySelectorAll('[data-testid=live]').forEach(panel => {
        const status = panel.querySelector('[data-testid=live-status]');
        if (!status) return;
        const entry = { id: panel.dataset.id, status: status.dataset.status, version: Number(status.dataset.version) };
        const last = window.seen[window.seen.length - 1];
        if (!last || last.id !== entry.id || last.status !== entry.status || last.version !== entry.version) {
            window.seen.push(entry);
        }
    });
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true });
"#;

/// Where a status stands on the way from the queue to a result.
fn rank(status: &str) -> u8 {
    match status {
        "QUEUED" => 0,
        "RUNNING" => 1,
        _ => 2,
    }
}

async fn marked(browser: &Browser, marker: &str) -> u32 {
    let row = wait_for(
        &browser.client,
        &format!("[data-testid=build-row][data-marker={marker}]"),
    )
    .await;
    let number = row
        .attr("data-number")
        .await
        .expect("attr")
        .expect("a build number");
    number.parse().expect("a number")
}

async fn the_deploy_tab_marks_what_is_live_and_rollbacks_only_move_forward(backend: Backend) {
    let world = World::start_with_web(backend, dist()).await;
    let browser = Browser::start().await;
    let client = &browser.client;
    log_in(&browser, &world, "deploy-engineer@acme.example").await;
    open(&browser, "deploys", "[data-testid=build-row]").await;

    // An empty ledger: Jenkins' newest good build (#12) stands for the live one; #11 failed, so
    // #10 is the previous good build.
    assert_eq!(marked(&browser, "live").await, SEEDED_BUILDS);
    assert_eq!(marked(&browser, "previous").await, SEEDED_BUILDS - 2);
    assert!(
        absent(client, &format!("[data-testid=rollback-{SEEDED_BUILDS}]")).await,
        "the live build offers a rollback"
    );
    assert!(absent(client, &format!("[data-testid=rollback-{FAILED_BUILD}]")).await);
    let summary = wait_for(client, "[data-testid=live-summary]")
        .await
        .text()
        .await
        .expect("text");
    assert!(
        summary.contains(&format!("#{SEEDED_BUILDS}"))
            && summary.contains(&format!("#{}", SEEDED_BUILDS - 2)),
        "{summary}"
    );

    client
        .execute(WATCH_PROGRESS, vec![])
        .await
        .expect("install the recorder");
    for round in 0..ROLLBACKS {
        let (live, previous) = (marked(&browser, "live").await, marked(&browser, "previous").await);
        click(client, &format!("[data-testid=rollback-{previous}]")).await;
        let route = wait_for(client, "[data-testid=rollback-route]")
            .await
            .text()
            .await
            .expect("text");
        assert_eq!(
            route,
            format!("#{live} → #{previous}"),
            "the dialog says what is live"
        );
        wait_for(client, "[data-testid=rollback-reason]")
            .await
            .send_keys(&format!("round {round}"))
            .await
            .expect("type");
        click(client, "[data-testid=rollback-confirm]").await;
        let status = wait_for(client, "[data-testid=rollback-dialog] [data-testid=live-status]").await;
        if round == 0 {
            // Where the user is looking: inside the window, no scrolling needed.
            let visible = client
                .execute(
                    "const r = arguments[0].getBoundingClientRect();
                     return r.top >= 0 && r.bottom <= window.innerHeight && r.width > 0;",
                    vec![serde_json::to_value(&status).expect("element")],
                )
                .await
                .expect("measure");
            assert_eq!(visible, json!(true), "the rollback's progress is off screen");
            browser
                .screenshot(&format!("rollback-progress-{backend:?}").to_lowercase())
                .await;
        }
        wait_for(
            client,
            "[data-testid=rollback-dialog] [data-testid=live-status][data-status=SUCCESS]",
        )
        .await;
        click(client, "[data-testid=rollback-close]").await;
        // The finished rollback reloads the history: the two builds have swapped.
        wait_for(
            client,
            &format!("[data-testid=build-row][data-marker=live][data-number=\"{previous}\"]"),
        )
        .await;
        wait_for(
            client,
            &format!("[data-testid=build-row][data-marker=previous][data-number=\"{live}\"]"),
        )
        .await;
    }

    let seen = client
        .execute("return window.seen", vec![])
        .await
        .expect("read the recorder");
    let seen: Vec<(String, String, i64)> = seen
        .as_array()
        .expect("a list")
        .iter()
        .map(|e: &Value| {
            (
                e["id"].as_str().expect("id").to_owned(),
                e["status"].as_str().expect("status").to_owned(),
                e["version"].as_i64().expect("version"),
            )
        })
        .collect();
    let mut distinct: Vec<&String> = seen.iter().map(|(id, _, _)| id).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        ROLLBACKS,
        "every rollback's progress was shown: {seen:?}"
    );
    for id in distinct {
        let states: Vec<_> = seen.iter().filter(|(i, _, _)| i == id).collect();
        for pair in states.windows(2) {
            let ((_, before, v1), (_, after, v2)) = (pair[0], pair[1]);
            assert!(
                rank(after) >= rank(before) && v2 >= v1,
                "deployment {id} went from {before} (v{v1}) back to {after} (v{v2}): {states:?}"
            );
        }
        assert_eq!(
            states.last().map(|(_, s, _)| s.as_str()),
            Some("SUCCESS"),
            "{states:?}"
        );
    }
    let transitions = seen.len();
    println!("{ROLLBACKS} rollbacks, {transitions} states shown, none backwards ({backend:?})");
    assert_eq!(world.jenkins.triggers(DEPLOY_JOB).len(), ROLLBACKS);
    browser.close().await;
}

both_backends!(the_deploy_tab_marks_what_is_live_and_rollbacks_only_move_forward);
