//! HTTP plumbing shared by every Jenkins call: preemptive Basic auth with the API token, a
//! timeout on each call, a crumb only when Jenkins demands one, and one mapping from status
//! codes to [`JenkinsError`] (docs/jenkins.md, "Authentication and crumbs", "Status codes").

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use url::Url;

use super::{JenkinsError, JobPath};

/// Where Jenkins is and who GUARDiA is there (`JENKINS_URL`, `JENKINS_USER`, `JENKINS_TOKEN`).
#[derive(Clone)]
pub struct JenkinsConfig {
    pub url: Url,
    pub user: String,
    pub token: String,
    /// Longest wait for one call's answer (for an artifact: for its headers).
    pub timeout: Duration,
}

impl std::fmt::Debug for JenkinsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JenkinsConfig")
            .field("url", &self.url.as_str())
            .field("user", &self.user)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// A crumb Jenkins asked for: the header to send it in and its value.
#[derive(Clone)]
struct Crumb {
    header: HeaderName,
    value: HeaderValue,
}

/// The real Jenkins client (reqwest with rustls).
pub struct JenkinsClient {
    http: reqwest::Client,
    base: Url,
    authorization: HeaderValue,
    timeout: Duration,
    /// Fetched the first time a POST is refused for want of one; the session cookie it is tied
    /// to lives in the client's cookie store.
    crumb: Mutex<Option<Crumb>>,
}

impl JenkinsClient {
    pub fn new(config: JenkinsConfig) -> Result<Self, String> {
        if !matches!(config.url.scheme(), "http" | "https") {
            return Err(format!(
                "JENKINS_URL must be http(s)://…, not {}",
                config.url.scheme()
            ));
        }
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .cookie_store(true)
            .redirect(redirect_policy(&config.url))
            .connect_timeout(config.timeout)
            .read_timeout(config.timeout)
            .user_agent(concat!("GUARDiA-ITSM/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the Jenkins HTTP client: {e}"))?;
        let mut base = config.url;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let credentials = base64_encode(&format!("{}:{}", config.user, config.token));
        let mut authorization = HeaderValue::from_str(&format!("Basic {credentials}"))
            .map_err(|_| "JENKINS_USER or JENKINS_TOKEN holds characters a header cannot".to_owned())?;
        authorization.set_sensitive(true);
        Ok(JenkinsClient {
            http,
            base,
            authorization,
            timeout: config.timeout,
            crumb: Mutex::new(None),
        })
    }

    /// `<base>/job/a/job/b/<tail…>/`, every segment percent-encoded by the url crate. URLs are
    /// never taken from Jenkins' answers (they carry its configured root URL).
    pub(super) fn url(&self, job: Option<&JobPath>, tail: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty();
            if let Some(job) = job {
                segments.extend(job.segments());
            }
            segments.extend(tail);
        }
        url
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        self.http
            .request(method, url)
            .header(AUTHORIZATION, self.authorization.clone())
    }

    /// Sends and waits for the answer's headers, within the timeout.
    async fn send(&self, request: RequestBuilder) -> Result<Response, JenkinsError> {
        match tokio::time::timeout(self.timeout, request.send()).await {
            Err(_) => Err(JenkinsError::Timeout(self.timeout.as_secs())),
            Ok(Err(e)) if e.is_timeout() => Err(JenkinsError::Timeout(self.timeout.as_secs())),
            Ok(Err(e)) if e.is_redirect() => {
                tracing::warn!(error = %e, "Jenkins redirect refused");
                Err(JenkinsError::BadResponse(format!(
                    "{OTHER_HOST}; GUARDiA follows none"
                )))
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "Jenkins request failed");
                Err(JenkinsError::Unreachable)
            }
            Ok(Ok(response)) => Ok(response),
        }
    }

    /// GET, answer checked; the body is still to be read.
    pub(super) async fn get(&self, url: Url) -> Result<Response, JenkinsError> {
        let response = self.send(self.request(Method::GET, url)).await?;
        check(response).await
    }

    /// GET of a remote-API document (`…/api/json`), parsed within the timeout.
    pub(super) async fn get_json<T: DeserializeOwned>(&self, url: Url) -> Result<T, JenkinsError> {
        let timeout = self.timeout;
        let read = async {
            let response = self.get(url).await?;
            if !response.headers().contains_key("x-jenkins") {
                return Err(JenkinsError::BadResponse(
                    "the answer has no X-Jenkins header: is JENKINS_URL a Jenkins?".into(),
                ));
            }
            let body = response.bytes().await.map_err(|_| JenkinsError::Unreachable)?;
            serde_json::from_slice(&body).map_err(|e| JenkinsError::BadResponse(e.to_string()))
        };
        tokio::time::timeout(timeout, read)
            .await
            .unwrap_or(Err(JenkinsError::Timeout(timeout.as_secs())))
    }

    /// A form POST. An API token needs no crumb; if Jenkins still demands one (CSRF protection
    /// without the API-token exemption), fetch it with its session cookie and send once more:
    /// Jenkins refused the first POST before doing anything, so this cannot start two builds.
    pub(super) async fn post_form(
        &self,
        url: Url,
        form: &[(String, String)],
    ) -> Result<Response, JenkinsError> {
        let first = self.send(self.post_request(url.clone(), form).await).await?;
        if first.status() != StatusCode::FORBIDDEN {
            return check(first).await;
        }
        let body = first.text().await.unwrap_or_default();
        if !body.contains("No valid crumb") {
            return Err(forbidden(None));
        }
        self.refresh_crumb().await?;
        let second = self.send(self.post_request(url, form).await).await?;
        check(second).await
    }

    async fn post_request(&self, url: Url, form: &[(String, String)]) -> RequestBuilder {
        let mut request = self.request(Method::POST, url).form(form);
        if let Some(crumb) = self.crumb.lock().await.clone() {
            request = request.header(crumb.header, crumb.value);
        }
        request
    }

    /// `GET /crumbIssuer/api/json`; the header name comes from `crumbRequestField`.
    async fn refresh_crumb(&self) -> Result<(), JenkinsError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Issued {
            crumb: String,
            crumb_request_field: String,
        }
        let issued: Issued = self
            .get_json(self.url(None, &["crumbIssuer", "api", "json"]))
            .await?;
        let header = HeaderName::from_bytes(issued.crumb_request_field.as_bytes())
            .map_err(|_| JenkinsError::BadResponse("crumbRequestField is not a header name".into()))?;
        let value = HeaderValue::from_str(&issued.crumb)
            .map_err(|_| JenkinsError::BadResponse("the crumb is not a header value".into()))?;
        *self.crumb.lock().await = Some(Crumb { header, value });
        Ok(())
    }
}

/// Follows redirects within Jenkins' own origin only, and a 303 not at all (it answers a
/// trigger with the queue item it was merged into: that answer is the result). A redirect to
/// another host is refused: GUARDiA would otherwise fetch, for a tenant, whatever that host
/// serves, and Jenkins' answers are no authority on where GUARDiA may go.
fn redirect_policy(base: &Url) -> reqwest::redirect::Policy {
    let origin = base.origin();
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.status() == StatusCode::SEE_OTHER {
            attempt.stop()
        } else if attempt.url().origin() != origin {
            attempt.error(OTHER_HOST)
        } else if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

/// The error a refused cross-origin redirect carries.
const OTHER_HOST: &str = "Jenkins redirected to another host";

/// Maps Jenkins' failure statuses (docs/jenkins.md, "Status codes"); passes success and
/// redirects through.
async fn check(response: Response) -> Result<Response, JenkinsError> {
    let status = response.status();
    if status.is_success() || status.is_redirection() {
        return Ok(response);
    }
    match status {
        StatusCode::UNAUTHORIZED => Err(JenkinsError::Unauthorized),
        StatusCode::FORBIDDEN => Err(forbidden(Some(response.headers()))),
        StatusCode::NOT_FOUND => Err(JenkinsError::NotFound),
        s if s.is_server_error() => Err(JenkinsError::Server(s.as_u16())),
        s => {
            let text = response.text().await.unwrap_or_default();
            Err(JenkinsError::Rejected {
                status: s.as_u16(),
                message: plain_message(&text),
            })
        }
    }
}

/// A 403: anonymous, or the service account lacks a permission Jenkins names in a header.
fn forbidden(headers: Option<&HeaderMap>) -> JenkinsError {
    let permission = headers
        .and_then(|h| h.get("x-required-permission"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    tracing::warn!(?permission, "Jenkins answered 403");
    JenkinsError::Forbidden(permission)
}

/// The first line of text in an (often HTML) error page, for the user's message.
fn plain_message(body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push('\n');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no reason given");
    line.chars().take(300).collect()
}

fn base64_encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> JenkinsClient {
        JenkinsClient::new(JenkinsConfig {
            url: Url::parse(base).unwrap(),
            user: "u".into(),
            token: "t".into(),
            timeout: Duration::from_secs(1),
        })
        .unwrap()
    }

    #[test]
    fn urls_are_built_from_the_base_and_encoded_segments() {
        let c = client("https://ci.example.com/jenkins");
        let job = JobPath::parse("team/api v2").unwrap();
        assert_eq!(
            c.url(Some(&job), &["7", "api", "json"]).as_str(),
            "https://ci.example.com/jenkins/job/team/job/api%20v2/7/api/json"
        );
        let artifact = c.url(Some(&job), &["7", "artifact", "dir", "a%b.jar"]);
        assert_eq!(
            artifact.path(),
            "/jenkins/job/team/job/api%20v2/7/artifact/dir/a%25b.jar"
        );
    }

    #[test]
    fn error_pages_shrink_to_their_first_line() {
        // Jetty's error page, as Jenkins sends it for `sendError(400, …)`.
        let html = "<html><head><title>Error 400 app is not parameterized</title></head>\
                    <body><h2>HTTP ERROR 400 app is not parameterized</h2></body></html>";
        assert_eq!(plain_message(html), "Error 400 app is not parameterized");
        assert_eq!(
            plain_message("  \nfoo is not parameterized\n"),
            "foo is not parameterized"
        );
    }
}
