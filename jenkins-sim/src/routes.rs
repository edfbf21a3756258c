//! The HTTP side: one fallback handler, because Jenkins' URL space (`/job/a/job/b/7/…`) has
//! any depth. Order per request: record it, apply the fault, check credentials, check the
//! crumb (POST only), then route. Every answer carries `X-Jenkins`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value as Json;
use url::form_urlencoded;

use crate::auth::{self, Credentials};
use crate::render::Ctx;
use crate::state::{Job, Refused, Shared, Sim, Triggered, millis, now_ms};
use crate::tree::{self, Node};
use crate::{Csrf, Fault, JENKINS_VERSION, RecordedRequest, content};

/// Larger trigger bodies are not a deploy client's.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

const PERMALINKS: [&str; 8] = [
    "lastBuild",
    "firstBuild",
    "lastCompletedBuild",
    "lastSuccessfulBuild",
    "lastStableBuild",
    "lastFailedBuild",
    "lastUnstableBuild",
    "lastUnsuccessfulBuild",
];

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let mut response = respond(&shared, request).await;
    let headers = response.headers_mut();
    headers.insert("x-jenkins", HeaderValue::from_static(JENKINS_VERSION));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    if let Ok(session) = HeaderValue::from_str(&shared.instance) {
        headers.insert("x-jenkins-session", session);
    }
    response
}

/// One request, parsed once.
struct Req {
    method: Method,
    /// As sent, still percent-encoded (for error pages).
    path: String,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    form: Vec<(String, String)>,
    /// `http://host/` from the Host header, for the absolute URLs Jenkins puts in answers.
    base: String,
}

impl Req {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(&self.form)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

async fn respond(shared: &Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let credentials = auth::check(&parts.headers, &shared.options.user, &shared.options.token);
    let fault = {
        let mut sim = shared.lock();
        sim.requests.push(RecordedRequest {
            method: parts.method.to_string(),
            path: path.clone(),
            query: parts.uri.query().map(str::to_owned),
            authorized: credentials == Credentials::Valid,
        });
        sim.fault
    };
    let post = parts.method == Method::POST;
    match fault {
        Fault::None => {}
        Fault::PostsFail | Fault::PostsHang if !post => {}
        Fault::ServerError | Fault::PostsFail => {
            return oops("java.lang.IllegalStateException: simulated server failure");
        }
        Fault::Hang | Fault::PostsHang => {
            let mut stop = shared.shutdown.clone();
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(3600)) => {}
                _ = stop.wait_for(|stopped| *stopped) => {}
            }
            return error_page(StatusCode::SERVICE_UNAVAILABLE, "Jenkins is shutting down", &path);
        }
        Fault::Slow(delay) => tokio::time::sleep(delay).await,
    }
    match credentials {
        Credentials::Valid => {}
        Credentials::Anonymous => return auth::anonymous(&path),
        Credentials::Invalid(user) => return auth::invalid(&user, &path),
    }

    let query = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    let form = if parts.method == Method::POST && is_form {
        match to_bytes(body, BODY_LIMIT).await {
            Ok(bytes) => form_urlencoded::parse(&bytes).into_owned().collect(),
            Err(_) => return error_page(StatusCode::BAD_REQUEST, "Unreadable request body", &path),
        }
    } else {
        Vec::new()
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(ToString::to_string))
        .unwrap_or_else(|| shared.bound.to_string());
    let req = Req {
        method: parts.method,
        path,
        headers: parts.headers,
        query,
        form,
        base: format!("http://{host}/"),
    };
    if req.method == Method::POST && shared.options.csrf == Csrf::Required && !crumb_ok(shared, &req) {
        return error_page(
            StatusCode::FORBIDDEN,
            "No valid crumb was included in the request",
            &req.path,
        );
    }
    route(shared, &req)
}

/// The crumb (header or form field) must be the one issued to the cookie's session.
fn crumb_ok(shared: &Shared, req: &Req) -> bool {
    let sent = req
        .headers
        .get("jenkins-crumb")
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.param("Jenkins-Crumb"));
    let Some(session) = auth::session(&req.headers, &shared.cookie_name) else {
        return false;
    };
    sent.is_some_and(|sent| shared.lock().sessions.get(&session).is_some_and(|c| c == sent))
}

fn route(shared: &Shared, req: &Req) -> Response {
    let mut raw: Vec<&str> = req.path.split('/').skip(1).collect();
    if raw.last() == Some(&"") {
        raw.pop();
    }
    // Each segment is decoded exactly once: `feature%252Fx` names the job `feature%2Fx`.
    let segments: Vec<String> = raw.iter().map(|s| decode_segment(s)).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let tree = match req.param("tree").map(tree::parse).transpose() {
        Ok(tree) => tree,
        Err(e) => {
            return error_page(
                StatusCode::BAD_REQUEST,
                &format!("Malformed tree expression: {e}"),
                &req.path,
            );
        }
    };
    let now = now_ms();
    let mut sim = shared.lock();
    sim.advance(now);
    match segments.as_slice() {
        [] => html_page("Dashboard [Jenkins]", "Welcome to Jenkins!"),
        ["api", "json"] => {
            let ctx = Ctx {
                sim: &sim,
                base: req.base.clone(),
                now,
            };
            json_response(&ctx.root(), tree.as_deref())
        }
        ["crumbIssuer", "api", "json"] => crumb_issuer(shared, &mut sim, req, tree.as_deref()),
        ["queue", "api", "json"] => {
            let ctx = Ctx {
                sim: &sim,
                base: req.base.clone(),
                now,
            };
            json_response(&ctx.queue(), tree.as_deref())
        }
        ["queue", "item", id, "api", "json"] => {
            let item = id.parse::<u64>().ok().and_then(|id| sim.queue.get(&id));
            match item {
                Some(item) => {
                    let ctx = Ctx {
                        sim: &sim,
                        base: req.base.clone(),
                        now,
                    };
                    json_response(&ctx.queue_item(item), tree.as_deref())
                }
                None => not_found(&req.path),
            }
        }
        ["queue", "cancelItem"] => {
            if req.method != Method::POST {
                return require_post(&req.path);
            }
            let Some(id) = req.param("id").and_then(|id| id.parse::<u64>().ok()) else {
                return error_page(StatusCode::BAD_REQUEST, "Missing id", &req.path);
            };
            if !sim.queue.contains_key(&id) {
                return error_page(
                    StatusCode::NOT_FOUND,
                    &format!("Provided id ({id}) not found"),
                    &req.path,
                );
            }
            if sim.cancel(id, now) {
                StatusCode::NO_CONTENT.into_response()
            } else {
                error_page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("Item for id ({id}) is not cancellable"),
                    &req.path,
                )
            }
        }
        ["job", ..] => {
            let mut names = Vec::new();
            let mut rest = segments.as_slice();
            while let ["job", name, tail @ ..] = rest {
                names.push(*name);
                rest = tail;
            }
            let full_name = names.join("/");
            if sim.jobs.contains_key(&full_name) {
                job_route(&mut sim, req, &full_name, rest, tree.as_deref(), now)
            } else if sim.is_folder(&full_name) {
                match rest {
                    [] => html_page(&format!("{full_name} [Jenkins]"), &full_name),
                    ["api", "json"] => {
                        let ctx = Ctx {
                            sim: &sim,
                            base: req.base.clone(),
                            now,
                        };
                        json_response(&ctx.folder(&full_name), tree.as_deref())
                    }
                    _ => not_found(&req.path),
                }
            } else {
                not_found(&req.path)
            }
        }
        _ => not_found(&req.path),
    }
}

/// `GET /crumbIssuer/api/json`: the session's crumb, and a new session (cookie) if the
/// request brought none.
fn crumb_issuer(shared: &Shared, sim: &mut Sim, req: &Req, tree: Option<&[Node]>) -> Response {
    if shared.options.csrf == Csrf::Off {
        return not_found(&req.path);
    }
    let known = auth::session(&req.headers, &shared.cookie_name).filter(|s| sim.sessions.contains_key(s));
    let (session, fresh) = match known {
        Some(session) => (session, false),
        None => {
            let session = format!("node0{}", auth::random_hex(12));
            sim.sessions.insert(session.clone(), auth::random_hex(32));
            (session, true)
        }
    };
    let crumb = sim.sessions.get(&session).cloned().unwrap_or_default();
    let body = serde_json::json!({
        "_class": "hudson.security.csrf.DefaultCrumbIssuer",
        "crumb": crumb,
        "crumbRequestField": "Jenkins-Crumb",
    });
    let mut response = json_response(&body, tree);
    if fresh
        && let Ok(cookie) =
            HeaderValue::from_str(&format!("{}={session}; Path=/; HttpOnly", shared.cookie_name))
    {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

fn job_route(
    sim: &mut Sim,
    req: &Req,
    full_name: &str,
    rest: &[&str],
    tree: Option<&[Node]>,
    now: i64,
) -> Response {
    match rest {
        [] => html_page(&format!("{full_name} [Jenkins]"), full_name),
        ["api", "json"] => {
            let ctx = Ctx {
                sim,
                base: req.base.clone(),
                now,
            };
            let Some(job) = sim.jobs.get(full_name) else {
                return not_found(&req.path);
            };
            let (value, tree) = ctx.job(job, tree);
            json_response(&value, tree.as_deref())
        }
        [endpoint @ ("build" | "buildWithParameters")] => {
            if req.method != Method::POST {
                return require_post(&req.path);
            }
            trigger(sim, req, full_name, *endpoint == "buildWithParameters", now)
        }
        [first, tail @ ..] => {
            let Some(job) = sim.jobs.get(full_name) else {
                return not_found(&req.path);
            };
            let number = if PERMALINKS.contains(first) {
                job.permalink(first)
            } else {
                first.parse::<u32>().ok()
            };
            match number.filter(|n| job.builds.contains_key(n)) {
                Some(number) => build_route(sim, req, full_name, number, tail, tree, now),
                None => not_found(&req.path),
            }
        }
    }
}

fn trigger(sim: &mut Sim, req: &Req, full_name: &str, with_parameters: bool, now: i64) -> Response {
    let pairs: Vec<(String, String)> = req.query.iter().chain(&req.form).cloned().collect();
    let queued = |status: StatusCode, id: u64| {
        let location = format!("{}queue/item/{id}/", req.base);
        match HeaderValue::from_str(&location) {
            Ok(location) => (status, [(header::LOCATION, location)]).into_response(),
            Err(_) => oops("bad Location"),
        }
    };
    match sim.trigger(full_name, with_parameters, &pairs, now) {
        Ok(Triggered::Created(id)) => queued(StatusCode::CREATED, id),
        // Only buildWithParameters tells the client it was merged (JENKINS-66105).
        Ok(Triggered::Merged(id)) if with_parameters => queued(StatusCode::SEE_OTHER, id),
        Ok(Triggered::Merged(id)) => queued(StatusCode::CREATED, id),
        Err(Refused::NotBuildable) => error_page(
            StatusCode::CONFLICT,
            &format!("{full_name} is not buildable"),
            &req.path,
        ),
        Err(Refused::NotParameterized) => error_page(
            StatusCode::BAD_REQUEST,
            &format!("{full_name} is not parameterized"),
            &req.path,
        ),
        Err(Refused::NothingSubmitted) => {
            error_page(StatusCode::BAD_REQUEST, "Nothing is submitted", &req.path)
        }
        Err(Refused::Illegal(message)) => oops(&format!("java.lang.IllegalArgumentException: {message}")),
    }
}

fn build_route(
    sim: &mut Sim,
    req: &Req,
    full_name: &str,
    number: u32,
    rest: &[&str],
    tree: Option<&[Node]>,
    now: i64,
) -> Response {
    if rest == ["stop"] {
        if req.method != Method::POST {
            return require_post(&req.path);
        }
        sim.stop(full_name, number, now);
        let ctx = Ctx {
            sim,
            base: req.base.clone(),
            now,
        };
        let location = format!("{}{number}/", ctx.item_url(full_name));
        return match HeaderValue::from_str(&location) {
            Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
            Err(_) => oops("bad Location"),
        };
    }
    let interval = millis(sim.options.console_line_interval);
    let Some((job, build)) = sim
        .jobs
        .get(full_name)
        .and_then(|j| Some((j, j.builds.get(&number)?)))
    else {
        return not_found(&req.path);
    };
    match rest {
        [] => html_page(
            &format!("{full_name} #{number} [Jenkins]"),
            &format!("Build #{number}"),
        ),
        ["api", "json"] => {
            let ctx = Ctx {
                sim,
                base: req.base.clone(),
                now,
            };
            json_response(&ctx.build(job, build, job.estimated_duration()), tree)
        }
        ["consoleText"] => text_response(content::console_text(job, build, now, interval).into_bytes(), &[]),
        ["logText", "progressiveText"] => progressive_text(job, build, req, now, interval),
        ["artifact", path @ ..] if !path.is_empty() => artifact(job, number, &path.join("/"), &req.path),
        _ => not_found(&req.path),
    }
}

/// Stapler's `LargeText.doProgressText`: complete lines from `start`, `X-Text-Size` = where
/// to go on, `X-More-Data: true` while the build writes; a `start` past the end restarts at 0.
fn progressive_text(job: &Job, build: &crate::state::Build, req: &Req, now: i64, interval: i64) -> Response {
    let text = content::console_text(job, build, now, interval);
    let bytes = text.as_bytes();
    let complete = if build.building() {
        bytes.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1)
    } else {
        bytes.len()
    };
    let start = match req.param("start") {
        None => 0,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(start) => usize::try_from(start).unwrap_or(usize::MAX),
            Err(_) => {
                return oops(&format!(
                    "java.lang.NumberFormatException: For input string: \"{text}\""
                ));
            }
        },
    };
    let start = if start > bytes.len() { 0 } else { start };
    let chunk = if start < complete {
        bytes[start..complete].to_vec()
    } else {
        Vec::new()
    };
    let size = complete.max(start).to_string();
    let mut headers = vec![("x-text-size", size)];
    if build.building() {
        headers.push(("x-more-data", "true".to_owned()));
    }
    text_response(chunk, &headers)
}

fn artifact(job: &Job, number: u32, relative_path: &str, path: &str) -> Response {
    let Some(spec) = job.artifact(number, relative_path) else {
        return not_found(path);
    };
    let body = content::artifact_body(&job.full_name, number, relative_path, spec.size);
    (
        [
            (
                header::CONTENT_TYPE,
                content::content_type(relative_path).to_owned(),
            ),
            (header::CONTENT_LENGTH, spec.size.to_string()),
        ],
        body,
    )
        .into_response()
}

fn json_response(value: &Json, tree: Option<&[Node]>) -> Response {
    let body = match tree {
        Some(tree) => tree::filter(value, tree).to_string(),
        None => value.to_string(),
    };
    ([(header::CONTENT_TYPE, "application/json;charset=utf-8")], body).into_response()
}

fn text_response(body: Vec<u8>, extra: &[(&'static str, String)]) -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/plain;charset=UTF-8")], body).into_response();
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
    response
}

fn html_page(title: &str, text: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><title>{}</title></head><body><h1>{}</h1></body></html>",
        escape(title),
        escape(text)
    );
    ([(header::CONTENT_TYPE, "text/html;charset=utf-8")], body).into_response()
}

/// Jetty's `sendError` page, which Jenkins answers 4xx with: the message comes first in the
/// text, in `<title>`.
pub(crate) fn error_page(status: StatusCode, message: &str, path: &str) -> Response {
    let code = status.as_u16();
    let message = escape(message);
    let body = format!(
        "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n\
         <title>Error {code} {message}</title>\n</head>\n<body><h2>HTTP ERROR {code} {message}</h2>\n<table>\n\
         <tr><th>URI:</th><td>{}</td></tr>\n<tr><th>STATUS:</th><td>{code}</td></tr>\n\
         <tr><th>MESSAGE:</th><td>{message}</td></tr>\n<tr><th>SERVLET:</th><td>Stapler</td></tr>\n\
         </table>\n\n</body>\n</html>\n",
        escape(path)
    );
    (status, [(header::CONTENT_TYPE, "text/html;charset=utf-8")], body).into_response()
}

fn not_found(path: &str) -> Response {
    error_page(StatusCode::NOT_FOUND, "Not Found", path)
}

/// `@RequirePOST` / `BuildAuthorizationToken.checkPermission`: 405 with `Allow: POST`.
fn require_post(path: &str) -> Response {
    let mut response = error_page(StatusCode::METHOD_NOT_ALLOWED, "This URL requires POST", path);
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// Jenkins' "Oops!" page for an exception escaping a web method.
fn oops(exception: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><title>Jenkins</title></head><body>\
         <h1>Oops!</h1><p>A problem occurred while processing the request.</p>\
         <pre>{}</pre></body></html>",
        escape(exception)
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html;charset=utf-8")],
        Body::from(body),
    )
        .into_response()
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Percent-decodes one path segment (`+` stays a plus in a path).
fn decode_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[at] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(at + 1).copied().and_then(hex),
                bytes.get(at + 2).copied().and_then(hex),
            )
        {
            // Both digits are below 16.
            out.push((hi * 16 + lo) as u8);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_decoded_once() {
        assert_eq!(decode_segment("feature%252Fx"), "feature%2Fx");
        assert_eq!(decode_segment("a%20b+c"), "a b+c");
        assert_eq!(decode_segment("100%"), "100%");
    }
}
