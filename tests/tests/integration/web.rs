//! The web app's HTTP answers (README.md, "The web app"): the Content-Security-Policy with the
//! hash of Trunk's inline script, the other security headers, caching of hashed assets,
//! WebAssembly's content type, 404 for missing files but the app for client routes, the page
//! shown when the app is not built; and signed artifact links, which download without a bearer
//! token and are refused when tampered with, expired, or their user lost the right.

use chrono::Utc;
use guardia_backend::auth::artifact_link::{ArtifactLink, ArtifactLinkKey};
use guardia_shared::Role;
use guardia_tests::api::{DEPLOY_JOB, JWT_SECRET, SEEDED_BUILDS};
use guardia_tests::{Backend, Guardia, GuardiaOptions, TestDb, World, both_backends, gql_ok};
use serde_json::{Value, json};

/// The inline module script of the fake built app, and its SHA-256 (base64), computed
/// independently of the server.
const INLINE_SCRIPT: &str = "\nimport init from '/app-0123456789abcdef.js';\nawait init({ module_or_path: '/app-0123456789abcdef_bg.wasm' });\n";
const INLINE_SCRIPT_SHA256: &str = "itXW83FnTNn8EMB35Go22RNuT8Nb6Pe1GtyVGjQmnPw=";

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("ASCII header").to_owned())
        .unwrap_or_default()
}

#[track_caller]
fn assert_hardened(response: &reqwest::Response, what: &str) {
    assert_eq!(header(response, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(response, "referrer-policy"), "no-referrer", "{what}");
    assert_eq!(header(response, "x-frame-options"), "DENY", "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_is_served_with_security_headers_and_caching() {
    let test_db = TestDb::empty(Backend::Sqlite).await;
    let web_dir = test_db.workdir().join("dist");
    std::fs::create_dir_all(&web_dir).expect("web dir");
    let index = format!(
        "<!doctype html><html><head><title>GUARDiA</title>\
         <link rel=\"modulepreload\" href=\"/app-0123456789abcdef.js\">\
         <script type=\"module\">{INLINE_SCRIPT}</script>\
         <script src=\"/app-0123456789abcdef.js\" type=\"module\"></script></head>\
         <body><p>spa-index</p></body></html>"
    );
    std::fs::write(web_dir.join("index.html"), &index).expect("index");
    std::fs::write(
        web_dir.join("app-0123456789abcdef.js"),
        "export default function init() {}",
    )
    .expect("js");
    std::fs::write(web_dir.join("app-0123456789abcdef_bg.wasm"), b"\0asm\x01\0\0\0").expect("wasm");
    std::fs::write(web_dir.join("main-fedcba9876543210.css"), "body { margin: 0 }").expect("css");
    std::fs::write(web_dir.join("robots.txt"), "User-agent: *\n").expect("robots");
    let server = Guardia::start(
        &test_db,
        GuardiaOptions {
            web_dir: Some(web_dir),
            ..Default::default()
        },
    )
    .await;

    let mut etag = String::new();
    for path in ["/", "/index.html", "/srs/123", "/deploys"] {
        let page = server.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert_hardened(&page, path);
        assert!(header(&page, "content-type").starts_with("text/html"), "{path}");
        assert_eq!(header(&page, "cache-control"), "no-cache", "{path}");
        let csp = header(&page, "content-security-policy");
        assert!(
            csp.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-{INLINE_SCRIPT_SHA256}';"
            )),
            "{path}: {csp}"
        );
        for directive in [
            "default-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} missing from {csp}");
        }
        etag = header(&page, "etag");
        assert_eq!(page.text().await.expect("body"), index, "{path} serves the app");
    }
    let revalidated = server
        .http
        .get(server.url("/srs/9"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("answered");
    assert_eq!(revalidated.status(), 304, "an unchanged app is not sent again");

    for (path, content_type) in [
        ("/app-0123456789abcdef.js", "javascript"),
        ("/app-0123456789abcdef_bg.wasm", "application/wasm"),
        ("/main-fedcba9876543210.css", "text/css"),
    ] {
        let asset = server.get(path).await;
        assert_eq!(asset.status(), 200, "{path}");
        assert_hardened(&asset, path);
        assert_eq!(
            header(&asset, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert!(header(&asset, "content-type").contains(content_type), "{path}");
        assert!(
            header(&asset, "content-security-policy").is_empty(),
            "{path}: the policy is the HTML's"
        );
    }
    let wasm = server.get("/app-0123456789abcdef_bg.wasm").await;
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    let plain = server.get("/robots.txt").await;
    assert_eq!(plain.status(), 200);
    assert_eq!(header(&plain, "cache-control"), "no-cache", "not content-hashed");
    assert_hardened(&plain, "/robots.txt");

    for missing in ["/x-0123456789abcdef.js", "/assets/logo.png", "/artifacts/nothing"] {
        let response = server.get(missing).await;
        assert_eq!(response.status(), 404, "{missing}");
        assert_hardened(&response, missing);
    }

    // The API keeps its own answers.
    let health = server.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert!(header(&health, "content-security-policy").is_empty());
    let api = server
        .gql(None, "{ appInfo { version demo jenkinsSimulated } }", json!({}))
        .await;
    let info = &gql_ok(&api)["appInfo"];
    assert_eq!(info["demo"], false, "{api}");
    assert_eq!(info["jenkinsSimulated"], false, "{api}");
    assert!(!info["version"].as_str().unwrap_or_default().is_empty(), "{api}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_built_app_the_root_says_how_to_build_it() {
    let test_db = TestDb::empty(Backend::Sqlite).await;
    let server = Guardia::start(&test_db, GuardiaOptions::default()).await;
    for path in ["/", "/srs/1"] {
        let page = server.get(path).await;
        assert_ne!(page.status(), 404, "{path}: not a bare 404");
        assert_hardened(&page, path);
        assert!(header(&page, "content-type").starts_with("text/html"));
        assert!(header(&page, "content-security-policy").contains("frame-ancestors 'none'"));
        let body = page.text().await.expect("body");
        assert!(body.contains("not built"), "{body}");
        assert!(body.contains("scripts/run"), "{body}");
        assert!(body.contains("trunk build --release"), "{body}");
    }
    assert_eq!(server.get("/app-0123456789abcdef.js").await.status(), 404);
}

const HISTORY: &str = "query($n: Int) { buildHistory(project: \"portal\", limit: $n) {
    number artifacts { relativePath downloadUrl signedUrl } } }";

/// GETs a path without any Authorization header; returns the status and the body's error
/// code (empty for a success).
async fn fetch(world: &World, path: &str) -> (u16, String, Vec<u8>) {
    let response = world
        .server
        .http
        .get(world.server.url(path))
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    let body = response.bytes().await.expect("body").to_vec();
    let code = if status == 200 {
        String::new()
    } else {
        let json: Value = serde_json::from_slice(&body).expect("a JSON error body");
        json["errors"][0]["extensions"]["code"]
            .as_str()
            .expect("an error code")
            .to_owned()
    };
    (status, code, body)
}

/// The signed link of the newest build's first artifact, as `token`'s user gets it.
async fn signed_link(world: &World, token: &str) -> String {
    let body = world.gql(token, HISTORY, json!({ "n": 1 })).await;
    let artifact = &gql_ok(&body)["buildHistory"][0]["artifacts"][0];
    assert_eq!(artifact["relativePath"], "target/portal.war", "{body}");
    artifact["signedUrl"].as_str().expect("signedUrl").to_owned()
}

async fn signed_artifact_links_download_without_a_token(backend: Backend) {
    let world = World::start(backend).await;
    let expected = world
        .jenkins
        .artifact_bytes(DEPLOY_JOB, SEEDED_BUILDS, "target/portal.war")
        .expect("seeded artifact");
    let link = signed_link(&world, world.acme.token(Role::DeployEngineer)).await;
    let project = &world.acme.project_id;
    assert!(
        link.starts_with(&format!(
            "/artifacts/{project}/{SEEDED_BUILDS}/target/portal.war?expires="
        )),
        "{link}"
    );
    assert!(link.contains("&tenant=acme&sig="), "{link}");

    let (status, _, bytes) = fetch(&world, &link).await;
    assert_eq!(status, 200);
    assert!(bytes == expected, "the bytes differ from the simulator's");

    // Tampered: the signature, the path, the build, the tenant, the user, the expiry.
    let sig_at = link.find("sig=").expect("sig") + 4;
    let mut flipped = link.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(flipped).expect("ASCII");
    let engineer = &world.acme.user(Role::Engineer).id;
    let deploy_engineer = &world.acme.user(Role::DeployEngineer).id;
    let expires_value = link
        .split("expires=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("expires")
        .to_owned();
    let later = (expires_value.parse::<i64>().expect("a number") + 3600).to_string();
    let tampered = [
        flipped,
        link.replace("target/portal.war", "reports/summary.txt"),
        link.replace(&format!("/{SEEDED_BUILDS}/"), &format!("/{}/", SEEDED_BUILDS - 1)),
        link.replace("tenant=acme", "tenant=globex"),
        link.replace(deploy_engineer.as_str(), engineer),
        link.replace(&format!("expires={expires_value}"), &format!("expires={later}")),
        link[..sig_at].to_owned(),
        link[..sig_at - 5].to_owned(),
    ];
    for path in &tampered {
        let (status, code, _) = fetch(&world, path).await;
        assert_eq!((status, code.as_str()), (401, "UNAUTHENTICATED"), "{path}");
    }

    // Links made with the server's key by the test, for cases the API never hands out.
    let key = ArtifactLinkKey::new(JWT_SECRET.as_bytes());
    let now = Utc::now().timestamp();
    let make = |tenant: &str, user: &str, project: &str, expires: i64| {
        key.signed_url(&ArtifactLink {
            tenant_id: tenant,
            user_id: user,
            project_id: project,
            build: SEEDED_BUILDS,
            relative_path: "target/portal.war",
            expires,
        })
    };
    let (status, _, _) = fetch(&world, &make("acme", deploy_engineer, project, now + 60)).await;
    assert_eq!(status, 200, "a link made the same way works");
    let expired = make("acme", deploy_engineer, project, now - 1);
    let (status, code, body) = fetch(&world, &expired).await;
    assert_eq!((status, code.as_str()), (401, "UNAUTHENTICATED"));
    assert!(String::from_utf8_lossy(&body).contains("expired"));
    let other_key = ArtifactLinkKey::new(b"not-the-server-secret-not-the-server-secret");
    let forged = other_key.signed_url(&ArtifactLink {
        tenant_id: "acme",
        user_id: deploy_engineer,
        project_id: project,
        build: SEEDED_BUILDS,
        relative_path: "target/portal.war",
        expires: now + 60,
    });
    let (status, code, _) = fetch(&world, &forged).await;
    assert_eq!((status, code.as_str()), (401, "UNAUTHENTICATED"));
    // The right is checked again at download time: a CUSTOMER may not read deploy history.
    let customer = &world.acme.user(Role::Customer).id;
    let (status, code, _) = fetch(&world, &make("acme", customer, project, now + 60)).await;
    assert_eq!((status, code.as_str()), (403, "FORBIDDEN"));
    // Another tenant's project is as unknown as a missing one.
    let globex_admin = &world.globex.user(Role::Admin).id;
    let (status, code, _) = fetch(&world, &make("globex", globex_admin, project, now + 60)).await;
    assert_eq!((status, code.as_str()), (404, "NOT_FOUND"));
    // A user of another tenant named in acme's link does not exist there.
    let (status, code, _) = fetch(&world, &make("acme", globex_admin, project, now + 60)).await;
    assert_eq!((status, code.as_str()), (401, "UNAUTHENTICATED"));

    // Deactivated after the link was made: refused at once.
    let engineer_link = signed_link(&world, world.acme.token(Role::Engineer)).await;
    assert_eq!(fetch(&world, &engineer_link).await.0, 200);
    let admin = world.acme.token(Role::Admin);
    let body = world
        .gql(
            admin,
            "mutation($id: ID!) { deactivateUser(id: $id) { active } }",
            json!({ "id": engineer }),
        )
        .await;
    assert_eq!(gql_ok(&body)["deactivateUser"]["active"], false);
    let (status, code, _) = fetch(&world, &engineer_link).await;
    assert_eq!((status, code.as_str()), (401, "UNAUTHENTICATED"));

    // A role that lost the right: refused as FORBIDDEN.
    let pm_link = signed_link(&world, world.acme.token(Role::Pm)).await;
    assert_eq!(fetch(&world, &pm_link).await.0, 200);
    let body = world
        .gql(
            admin,
            "mutation($id: ID!) { updateUserRole(id: $id, role: CUSTOMER) { role } }",
            json!({ "id": world.acme.user(Role::Pm).id }),
        )
        .await;
    assert_eq!(gql_ok(&body)["updateUserRole"]["role"], "CUSTOMER");
    let (status, code, _) = fetch(&world, &pm_link).await;
    assert_eq!((status, code.as_str()), (403, "FORBIDDEN"));

    // The bearer download is unchanged.
    let bearer = world
        .server
        .http
        .get(
            world
                .server
                .url(&format!("/artifacts/{project}/{SEEDED_BUILDS}/target/portal.war")),
        )
        .bearer_auth(world.acme.token(Role::DeployEngineer))
        .send()
        .await
        .expect("answered");
    assert_eq!(bearer.status(), 200);
}

both_backends!(signed_artifact_links_download_without_a_token);
