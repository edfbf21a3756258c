//! The simulator over real HTTP, as a deploy client meets it.

use std::time::{Duration, Instant};

use guardia_jenkins_sim::{
    ArtifactSpec, BuildResult, Csrf, Fault, JenkinsSim, JobSpec, ParamDef, SimOptions,
};
use reqwest::{Client, RequestBuilder, Response, StatusCode, header};
use serde_json::Value;

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a plain reqwest client builds")
}

fn get(sim: &JenkinsSim, path: &str) -> RequestBuilder {
    client()
        .get(format!("{}{path}", sim.url()))
        .basic_auth(sim.user(), Some(sim.token()))
}

fn post(sim: &JenkinsSim, path: &str) -> RequestBuilder {
    client()
        .post(format!("{}{path}", sim.url()))
        .basic_auth(sim.user(), Some(sim.token()))
}

async fn json(request: RequestBuilder) -> Value {
    let response = request.send().await.expect("the simulator answers");
    assert_eq!(response.status(), StatusCode::OK, "{}", response.url());
    response.json().await.expect("a JSON body")
}

fn header_of(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn queue_path(location: &str) -> String {
    let at = location.find("/queue/item/").expect("a queue item Location");
    location[at..].to_owned()
}

/// Polls `path` until `done` holds (at most 10 s).
async fn poll(sim: &JenkinsSim, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = json(get(sim, path)).await;
        if done(&value) {
            return value;
        }
        assert!(Instant::now() < deadline, "{path} never got there: {value}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn deploy_job() -> JobSpec {
    JobSpec {
        parameters: vec![ParamDef::string("VERSION", "latest")],
        artifacts: vec![ArtifactSpec {
            relative_path: "target/app.jar".into(),
            size: 1000,
        }],
        build_duration: Duration::from_millis(400),
        ..JobSpec::default()
    }
}

#[tokio::test]
async fn anonymous_gets_403_and_a_wrong_token_401() {
    let sim = JenkinsSim::start(SimOptions::default()).await.unwrap();
    let anonymous = client()
        .get(format!("{}/api/json", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::FORBIDDEN);
    assert_eq!(header_of(&anonymous, "x-jenkins").as_deref(), Some("2.479.3"));
    assert_eq!(
        header_of(&anonymous, "x-you-are-authenticated-as").as_deref(),
        Some("anonymous")
    );
    assert!(
        anonymous
            .text()
            .await
            .unwrap()
            .contains("Authentication required")
    );

    let wrong = client()
        .get(format!("{}/api/json", sim.url()))
        .basic_auth(sim.user(), Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_of(&wrong, "www-authenticate").as_deref(),
        Some("Basic realm=\"Jenkins\"")
    );

    let right = get(&sim, "/api/json").send().await.unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    let authorized: Vec<bool> = sim.requests().iter().map(|r| r.authorized).collect();
    assert_eq!(authorized, [false, false, true]);
}

#[tokio::test]
async fn a_tree_range_pages_through_5000_builds_newest_first() {
    let sim = JenkinsSim::start(SimOptions::default()).await.unwrap();
    sim.add_job("team/feature%2Fx", deploy_job());
    sim.seed_builds("team/feature%2Fx", 5000, BuildResult::Success);
    sim.set_build_result("team/feature%2Fx", 4999, BuildResult::Failure);

    // The multibranch-style name is reached through its double-encoded segment.
    let page = json(
        get(&sim, "/job/team/job/feature%252Fx/api/json").query(&[("tree", "allBuilds[number,result]{0,3}")]),
    )
    .await;
    let builds = page["allBuilds"].as_array().unwrap();
    let numbers: Vec<u64> = builds.iter().map(|b| b["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [5000, 4999, 4998]);
    assert_eq!(builds[1]["result"], "FAILURE");
    for build in builds {
        let mut keys: Vec<&String> = build.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["_class", "number", "result"]);
    }
    let keys: Vec<&String> = page.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["_class", "allBuilds"]);

    // Without a tree: the depth-0 shape, newest 100 builds only, no allBuilds.
    let job = json(get(&sim, "/job/team/job/feature%252Fx/api/json")).await;
    assert_eq!(job["fullName"], "team/feature%2Fx");
    assert_eq!(job["builds"].as_array().unwrap().len(), 100);
    assert!(job.get("allBuilds").is_none());
    assert_eq!(job["lastBuild"]["number"], 5000);

    let malformed = get(&sim, "/job/team/job/feature%252Fx/api/json?tree=allBuilds[number")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_trigger_becomes_a_queue_item_then_a_build_with_the_pushed_result() {
    let sim = JenkinsSim::start(SimOptions::default()).await.unwrap();
    sim.add_job("app", deploy_job());
    sim.push_next_result("app", BuildResult::Failure);

    let response = post(&sim, "/job/app/buildWithParameters?delay=0sec")
        .form(&[("VERSION", "1.2.3"), ("UNKNOWN", "ignored")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = header_of(&response, "location").unwrap();
    assert!(
        location.starts_with(&sim.url()) && location.ends_with('/'),
        "{location}"
    );

    let item = poll(&sim, &format!("{}api/json", queue_path(&location)), |v| {
        v["_class"] == "hudson.model.Queue$LeftItem"
    })
    .await;
    assert_eq!(item["cancelled"], false);
    let number = item["executable"]["number"].as_u64().unwrap();
    assert_eq!(number, 1);

    let build = poll(&sim, "/job/app/1/api/json", |v| v["building"] == false).await;
    assert_eq!(build["result"], "FAILURE");
    assert_eq!(build["queueId"], item["id"]);
    assert!(build["duration"].as_i64().unwrap() >= 400);
    let parameters = build["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|a| a.get("parameters"))
        .unwrap();
    assert_eq!(parameters[0]["value"], "1.2.3");
    assert_eq!(
        sim.triggers("app"),
        [vec![
            ("VERSION".to_owned(), "1.2.3".to_owned()),
            ("UNKNOWN".to_owned(), "ignored".to_owned())
        ]]
    );

    // Jenkins' refusals.
    let get_trigger = get(&sim, "/job/app/buildWithParameters").send().await.unwrap();
    assert_eq!(get_trigger.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header_of(&get_trigger, "allow").as_deref(), Some("POST"));
    let no_form = post(&sim, "/job/app/build").send().await.unwrap();
    assert_eq!(no_form.status(), StatusCode::BAD_REQUEST);
    let twice = post(&sim, "/job/app/buildWithParameters?VERSION=1")
        .form(&[("VERSION", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sim.triggers("app").len(), 1);
}

#[tokio::test]
async fn an_identical_waiting_trigger_answers_303_to_the_same_item() {
    let sim = JenkinsSim::start(SimOptions::default()).await.unwrap();
    sim.add_job(
        "app",
        JobSpec {
            quiet_period: Duration::from_secs(5),
            ..deploy_job()
        },
    );
    let trigger = |version: &'static str| {
        post(&sim, "/job/app/buildWithParameters")
            .form(&[("VERSION", version)])
            .send()
    };
    let first = trigger("1").await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = trigger("1").await.unwrap();
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(header_of(&second, "location"), header_of(&first, "location"));
    let other = trigger("2").await.unwrap();
    assert_eq!(other.status(), StatusCode::CREATED);
    assert_ne!(header_of(&other, "location"), header_of(&first, "location"));
    assert_eq!(sim.triggers("app").len(), 2);

    let location = header_of(&first, "location").unwrap();
    let item = json(get(&sim, &format!("{}api/json", queue_path(&location)))).await;
    assert_eq!(item["_class"], "hudson.model.Queue$WaitingItem");
    assert!(
        item["why"]
            .as_str()
            .unwrap()
            .starts_with("In the quiet period. Expires in ")
    );
}

#[tokio::test]
async fn required_csrf_wants_the_crumb_and_its_session_cookie() {
    let sim = JenkinsSim::start(SimOptions {
        csrf: Csrf::Required,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    sim.add_job("app", JobSpec::default());

    let refused = post(&sim, "/job/app/build").send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("No valid crumb was included in the request")
    );

    let issued = get(&sim, "/crumbIssuer/api/json").send().await.unwrap();
    let cookie = header_of(&issued, "set-cookie").unwrap();
    assert!(
        cookie.starts_with("JSESSIONID.") && cookie.contains("; Path=/; HttpOnly"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let body: Value = issued.json().await.unwrap();
    assert_eq!(body["_class"], "hudson.security.csrf.DefaultCrumbIssuer");
    let field = body["crumbRequestField"].as_str().unwrap();
    let crumb = body["crumb"].as_str().unwrap();

    let without_cookie = post(&sim, "/job/app/build")
        .header(field, crumb)
        .send()
        .await
        .unwrap();
    assert_eq!(without_cookie.status(), StatusCode::FORBIDDEN);
    let accepted = post(&sim, "/job/app/build")
        .header(field, crumb)
        .header(header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::CREATED);
    assert_eq!(sim.triggers("app").len(), 1);
}

#[tokio::test]
async fn progressive_text_returns_complete_lines_and_the_next_offset() {
    let sim = JenkinsSim::start(SimOptions::default()).await.unwrap();
    sim.add_job("app", deploy_job());
    let response = post(&sim, "/job/app/buildWithParameters?delay=0sec")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);

    let mut text = String::new();
    let mut start = 0u64;
    let mut saw_more = false;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let chunk = get(&sim, &format!("/job/app/1/logText/progressiveText?start={start}"))
            .send()
            .await
            .unwrap();
        if chunk.status() == StatusCode::NOT_FOUND {
            // Still in the queue for an instant.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        assert_eq!(chunk.status(), StatusCode::OK);
        assert_eq!(
            header_of(&chunk, "content-type").as_deref(),
            Some("text/plain;charset=UTF-8")
        );
        let more = header_of(&chunk, "x-more-data").as_deref() == Some("true");
        start = header_of(&chunk, "x-text-size").unwrap().parse().unwrap();
        let body = chunk.text().await.unwrap();
        assert!(
            body.is_empty() || body.ends_with("\r\n"),
            "a partial line: {body:?}"
        );
        text.push_str(&body);
        assert_eq!(text.len() as u64, start);
        if !more {
            break;
        }
        saw_more = true;
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(70)).await;
    }
    assert!(saw_more, "the build was never seen running");
    assert!(text.starts_with("Started by user guardia\r\n"), "{text}");
    assert!(text.contains("[deploy] VERSION=latest\r\n"));
    assert!(
        text.ends_with("Archiving artifacts\r\nFinished: SUCCESS\r\n"),
        "{text}"
    );
    let whole = get(&sim, "/job/app/1/consoleText")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(whole, text);

    // A start past the end restarts from 0.
    let rolled = get(&sim, "/job/app/1/logText/progressiveText?start=999999")
        .send()
        .await
        .unwrap();
    assert_eq!(header_of(&rolled, "x-text-size"), Some(text.len().to_string()));
    assert_eq!(rolled.text().await.unwrap(), text);
}

#[tokio::test]
async fn discarded_builds_and_purged_artifacts_answer_404() {
    let sim = JenkinsSim::start(SimOptions::default()).await.unwrap();
    sim.add_job("app", deploy_job());
    sim.seed_builds("app", 3, BuildResult::Success);
    sim.discard_build("app", 2);
    sim.purge_artifacts("app", 3);

    for path in [
        "/job/app/2/api/json",
        "/job/app/2/consoleText",
        "/job/app/2/artifact/target/app.jar",
        "/job/app/3/artifact/target/app.jar",
    ] {
        let response = get(&sim, path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let page = json(get(
        &sim,
        "/job/app/api/json?tree=allBuilds[number,artifacts[relativePath]]",
    ))
    .await;
    let numbers: Vec<u64> = page["allBuilds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 1]);
    assert_eq!(page["allBuilds"][0]["artifacts"], serde_json::json!([]));

    let artifact = get(&sim, "/job/app/1/artifact/target/app.jar")
        .send()
        .await
        .unwrap();
    assert_eq!(artifact.status(), StatusCode::OK);
    assert_eq!(
        header_of(&artifact, "content-type").as_deref(),
        Some("application/java-archive")
    );
    assert_eq!(artifact.content_length(), Some(1000));
    let bytes = artifact.bytes().await.unwrap();
    assert_eq!(
        Some(bytes.to_vec()),
        sim.artifact_bytes("app", 1, "target/app.jar")
    );
    assert_eq!(sim.build_count("app"), 2);
}

#[tokio::test]
async fn a_hanging_jenkins_does_not_answer() {
    let sim = JenkinsSim::start(SimOptions::default()).await.unwrap();
    sim.set_fault(Fault::Hang);
    let started = Instant::now();
    let error = get(&sim, "/api/json")
        .timeout(Duration::from_secs(1))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(sim.requests().len(), 1);

    sim.set_fault(Fault::ServerError);
    let failing = get(&sim, "/api/json").send().await.unwrap();
    assert_eq!(failing.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(header_of(&failing, "x-jenkins").as_deref(), Some("2.479.3"));
}
