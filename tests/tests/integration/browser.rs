//! The browser smoke test: headless Debian Chromium loads `/` from the real `guardia` serving
//! Trunk's build and finds the text the Leptos app renders. A blank page (a broken wasm-opt,
//! a missing asset) fails it.

use std::time::Duration;

use fantoccini::Locator;
use guardia_tests::{Backend, Browser, Guardia, GuardiaOptions, TestDb, both_backends, workspace_root};

async fn web_app_renders_in_chromium(backend: Backend) {
    let dist =
        std::env::var_os("GUARDIA_TEST_WEB_DIR").map_or_else(|| workspace_root().join("dist"), Into::into);
    assert!(
        dist.join("index.html").is_file(),
        "{} has no built web app: run `trunk build` first (scripts/test does)",
        dist.display()
    );
    let test_db = TestDb::empty(backend).await;
    let server = Guardia::start(
        &test_db,
        GuardiaOptions {
            web_dir: Some(dist),
            ..Default::default()
        },
    )
    .await;
    let browser = Browser::start().await;

    browser.client.goto(&server.url("/")).await.expect("navigate");
    let ready = browser
        .client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[data-testid=app-ready]"))
        .await
        .expect("the Leptos app rendered its shell (a blank page means the WASM did not run)");
    let text = ready.text().await.expect("text");
    assert!(text.contains("GUARDiA web app loaded"), "{text}");
    let heading = browser
        .client
        .find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text");
    assert_eq!(heading, "GUARDiA ITSM");
    let backend_name = format!("{backend:?}").to_lowercase();
    let shot = browser.screenshot(&format!("smoke-{backend_name}")).await;
    assert!(std::fs::metadata(&shot).expect("screenshot").len() > 1000);
    browser.close().await;
}

both_backends!(web_app_renders_in_chromium);
