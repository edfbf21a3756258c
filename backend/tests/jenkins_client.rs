//! The Jenkins client against the protocol-faithful simulator: every call, and every way
//! Jenkins fails (docs/jenkins.md).

use std::time::{Duration, Instant};

use guardia_backend::jenkins::{Jenkins, JenkinsClient, JenkinsConfig, JenkinsError, JobPath, QueueItem};
use guardia_jenkins_sim::{
    ArtifactSpec, BuildResult, Csrf, Fault, JenkinsSim, JobSpec, ParamDef, SimOptions,
};

async fn sim(options: SimOptions) -> JenkinsSim {
    let sim = JenkinsSim::start(options).await.expect("simulator");
    sim.add_job(
        "team/feature x",
        JobSpec {
            parameters: vec![ParamDef::string("VERSION", "latest")],
            artifacts: vec![ArtifactSpec {
                relative_path: "out/app v1.jar".into(),
                size: 200_000,
            }],
            build_duration: Duration::from_millis(600),
            ..JobSpec::default()
        },
    );
    sim.seed_builds("team/feature x", 3, BuildResult::Success);
    sim
}

fn client(sim: &JenkinsSim, token: &str) -> JenkinsClient {
    JenkinsClient::new(JenkinsConfig {
        url: sim.url().parse().expect("url"),
        user: sim.user().to_owned(),
        token: token.to_owned(),
        timeout: Duration::from_secs(2),
    })
    .expect("client")
}

fn job() -> JobPath {
    JobPath::parse("team/feature x").expect("a job path")
}

/// Polls the queue item until it is a build.
async fn started(client: &JenkinsClient, queue_id: u64) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match client.queue_item(queue_id).await.expect("queue item") {
            QueueItem::Started { build } => return build,
            QueueItem::Cancelled => panic!("cancelled"),
            QueueItem::Waiting { .. } => {}
        }
        assert!(Instant::now() < deadline, "queue item {queue_id} never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_build_goes_from_trigger_to_result_with_its_console_and_artifacts() {
    let sim = sim(SimOptions::default()).await;
    let client = client(&sim, sim.token());
    let definition = client.definition(&job()).await.expect("definition");
    assert!(definition.buildable && definition.is_parameterized());
    let parameters = [("VERSION".to_owned(), "1.2.3".to_owned())];
    let queue_id = client.trigger(&job(), true, &parameters).await.expect("queued");
    let number = started(&client, queue_id).await;
    assert_eq!(number, 4);

    // Console text, progressively, by X-Text-Size.
    let mut text = String::new();
    let mut start = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let chunk = client.console(&job(), number, start).await.expect("console");
        assert!(chunk.next_start >= start);
        text.push_str(&chunk.text);
        start = chunk.next_start;
        if !chunk.more {
            break;
        }
        assert!(Instant::now() < deadline, "the log never ended");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text.contains("Finished: SUCCESS"), "{text}");
    assert!(text.contains("1.2.3"), "the parameter shows in the log: {text}");

    let build = client.build(&job(), number).await.expect("build");
    assert!(!build.building);
    assert_eq!(build.result.as_deref(), Some("SUCCESS"));
    assert_eq!(build.queue_id, Some(queue_id));
    assert!(build.parameters.contains(&parameters[0]));
    let history = client.history(&job(), 2).await.expect("history");
    assert_eq!(history.iter().map(|b| b.number).collect::<Vec<_>>(), [4, 3]);

    use futures_util::StreamExt;
    let download = client
        .artifact(&job(), number, "out/app v1.jar")
        .await
        .expect("artifact");
    assert_eq!(download.content_length, Some(200_000));
    let mut body = download.body;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        bytes.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(
        Some(bytes),
        sim.artifact_bytes("team/feature x", number, "out/app v1.jar")
    );
    // The folder and the name with a space were addressed as Jenkins wants.
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path.starts_with("/job/team/job/feature%20x/"))
    );
}

#[tokio::test]
async fn jenkins_refusals_become_typed_errors() {
    let sim = sim(SimOptions::default()).await;
    assert_eq!(
        client(&sim, "wrong").history(&job(), 1).await.err(),
        Some(JenkinsError::Unauthorized)
    );
    let client = client(&sim, sim.token());
    let missing = JobPath::parse("nope").expect("path");
    assert_eq!(
        client.history(&missing, 1).await.err(),
        Some(JenkinsError::NotFound)
    );
    sim.discard_build("team/feature x", 2);
    assert_eq!(client.build(&job(), 2).await.err(), Some(JenkinsError::NotFound));
    // A parameterized job refuses the plain `build` endpoint: the caller's input, not Jenkins'.
    let refused = client.trigger(&job(), false, &[]).await.expect_err("refused");
    assert!(
        matches!(refused, JenkinsError::Rejected { status: 400, .. }),
        "{refused:?}"
    );
    sim.add_job(
        "disabled",
        JobSpec {
            buildable: false,
            ..JobSpec::default()
        },
    );
    let disabled = JobPath::parse("disabled").expect("path");
    assert!(!client.definition(&disabled).await.expect("definition").buildable);
    let refused = client.trigger(&disabled, false, &[]).await.expect_err("refused");
    assert!(
        matches!(refused, JenkinsError::Rejected { status: 409, .. }),
        "{refused:?}"
    );

    sim.set_fault(Fault::ServerError);
    assert_eq!(
        client.history(&job(), 1).await.err(),
        Some(JenkinsError::Server(500))
    );
    sim.set_fault(Fault::Hang);
    let asked = Instant::now();
    assert_eq!(
        client.history(&job(), 1).await.err(),
        Some(JenkinsError::Timeout(2))
    );
    assert!(asked.elapsed() < Duration::from_secs(4));
    sim.set_fault(Fault::None);
}

/// A job that builds one at a time, busy for a while: a second trigger waits in the queue.
async fn busy_job(sim: &JenkinsSim, client: &JenkinsClient) -> JobPath {
    sim.add_job(
        "serial",
        JobSpec {
            parameters: vec![ParamDef::string("V", "")],
            build_duration: Duration::from_secs(20),
            ..JobSpec::default()
        },
    );
    let serial = JobPath::parse("serial").expect("path");
    let running = client
        .trigger(&serial, true, &[("V".into(), "1".into())])
        .await
        .expect("queued");
    started(client, running).await;
    serial
}

#[tokio::test]
async fn an_identical_queued_trigger_is_reported_not_repeated() {
    let sim = sim(SimOptions::default()).await;
    let client = client(&sim, sim.token());
    let serial = busy_job(&sim, &client).await;
    let parameters = [("V".to_owned(), "2".to_owned())];
    let waiting = client.trigger(&serial, true, &parameters).await.expect("queued");
    assert!(matches!(
        client.queue_item(waiting).await.expect("item"),
        QueueItem::Waiting { why: Some(_) }
    ));
    assert_eq!(
        client.trigger(&serial, true, &parameters).await.err(),
        Some(JenkinsError::AlreadyQueued)
    );
    assert_eq!(
        sim.triggers("serial").len(),
        2,
        "the merged trigger started nothing"
    );
}

#[tokio::test]
async fn a_cancelled_or_forgotten_queue_item_is_still_resolved() {
    let options = SimOptions {
        left_item_ttl: Duration::from_millis(200),
        ..SimOptions::default()
    };
    let sim = sim(options).await;
    let client = client(&sim, sim.token());
    let queue_id = client.trigger(&job(), true, &[]).await.expect("queued");
    let number = started(&client, queue_id).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    // Jenkins forgot the left item: the build is found by its queueId instead.
    assert_eq!(
        client.queue_item(queue_id).await.err(),
        Some(JenkinsError::NotFound)
    );
    assert_eq!(
        client
            .build_for_queue_item(&job(), queue_id)
            .await
            .expect("builds"),
        Some(number)
    );
    assert_eq!(
        client.build_for_queue_item(&job(), 1).await.expect("builds"),
        None
    );

    // A waiting item someone cancels in Jenkins reads as cancelled.
    let serial = busy_job(&sim, &client).await;
    let waiting = client
        .trigger(&serial, true, &[("V".into(), "2".into())])
        .await
        .expect("queued");
    sim.cancel_queue_item(waiting);
    assert_eq!(
        client.queue_item(waiting).await.expect("item"),
        QueueItem::Cancelled
    );
}

#[tokio::test]
async fn a_crumb_is_fetched_only_when_jenkins_demands_one() {
    for csrf in [Csrf::TokenExempt, Csrf::Required] {
        let sim = sim(SimOptions {
            csrf,
            ..SimOptions::default()
        })
        .await;
        let client = client(&sim, sim.token());
        for _ in 0..2 {
            client.trigger(&job(), true, &[]).await.expect("queued");
        }
        let crumbs = sim
            .requests()
            .iter()
            .filter(|r| r.path.contains("crumbIssuer"))
            .count();
        let expected = usize::from(csrf == Csrf::Required);
        assert_eq!(crumbs, expected, "{csrf:?}");
        assert_eq!(sim.triggers("team/feature x").len(), 2, "{csrf:?}");
    }
}

/// Serves `router` on a loopback port; returns its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/")
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::response::Redirect;
    use axum::routing::get;

    // Another host (another origin: another port) that must never be asked.
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let elsewhere = serve(axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "secret bytes" }
    }))
    .await;
    // A "Jenkins" whose artifact redirects there, and whose other artifact redirects within.
    let target = format!("{elsewhere}stolen.war");
    let jenkins = serve(
        axum::Router::new()
            .route(
                "/job/acme/job/portal/1/artifact/app.war",
                get(move || async move { Redirect::temporary(&target) }),
            )
            .route(
                "/job/acme/job/portal/1/artifact/moved.war",
                get(|| async { Redirect::temporary("/files/moved.war") }),
            )
            .route("/files/moved.war", get(|| async { "war bytes" })),
    )
    .await;
    let client = JenkinsClient::new(JenkinsConfig {
        url: jenkins.parse().expect("url"),
        user: "guardia".into(),
        token: "t".into(),
        timeout: Duration::from_secs(2),
    })
    .expect("client");
    let job = JobPath::parse("acme/portal").expect("job");
    let refused = client.artifact(&job, 1, "app.war").await;
    assert!(
        matches!(refused, Err(JenkinsError::BadResponse(ref m)) if m.contains("another host")),
        "{:?}",
        refused.map(|_| ())
    );
    assert_eq!(asked.load(Ordering::SeqCst), 0, "the other host was never asked");
    let same_host = client.artifact(&job, 1, "moved.war").await;
    assert!(same_host.is_ok(), "a redirect within Jenkins is followed");
}
