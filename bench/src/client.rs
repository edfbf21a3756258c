//! The HTTP side of the bench: one keep-alive client, GraphQL requests and the check every
//! response goes through.

use std::time::Duration;

use anyhow::{Context, bail};
use axum::body::Bytes;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

/// The password `generate` gives every user.
pub const PASSWORD: &str = "bench password 123";

/// A client whose connections stay open between requests (as a browser's would), up to
/// `connections` of them.
pub fn http_client(connections: usize) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .pool_idle_timeout(Duration::from_secs(90))
        .timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .build()
        .context("cannot build an HTTP client")
}

/// A JSON body, serialised once and sent as is by every request of a scenario (cheap to clone).
pub fn graphql_body(query: &str, variables: Value) -> Bytes {
    json!({ "query": query, "variables": variables })
        .to_string()
        .into()
}

/// Only the parts of a GraphQL response the check needs; the rest is skipped unparsed.
#[derive(Deserialize)]
struct Envelope {
    data: Option<IgnoredAny>,
    errors: Option<IgnoredAny>,
}

/// Why a response does not count as a success.
pub fn graphql_failure(status: reqwest::StatusCode, body: &[u8]) -> Option<String> {
    let parsed: Option<Envelope> = serde_json::from_slice(body).ok();
    match parsed {
        Some(Envelope {
            data: Some(_),
            errors: None,
        }) if status == reqwest::StatusCode::OK => None,
        _ => Some(describe_failure(status, body)),
    }
}

/// A short description of a failed response: the status and the first error's message.
pub fn describe_failure(status: reqwest::StatusCode, body: &[u8]) -> String {
    let message = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["errors"][0]["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned());
    format!("HTTP {}: {message}", status.as_u16())
}

/// Sends one GraphQL operation and returns its `data`, or fails with the response's errors.
pub async fn graphql(
    http: &reqwest::Client,
    endpoint: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let mut request = http
        .post(endpoint)
        .header("content-type", "application/json")
        .body(graphql_body(query, variables));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.context("the server did not answer")?;
    let status = response.status();
    let body = response.bytes().await.context("cannot read the response")?;
    if let Some(failure) = graphql_failure(status, &body) {
        bail!("{failure}");
    }
    let mut value: Value = serde_json::from_slice(&body).context("the response is not JSON")?;
    Ok(value["data"].take())
}

/// Logs in and returns the bearer token.
pub async fn login(http: &reqwest::Client, endpoint: &str, email: &str) -> anyhow::Result<String> {
    let data = graphql(
        http,
        endpoint,
        None,
        "mutation($email:String!,$password:String!){login(email:$email,password:$password){token}}",
        json!({ "email": email, "password": PASSWORD }),
    )
    .await
    .with_context(|| format!("cannot log in as {email} (was the database made by `generate`?)"))?;
    data["login"]["token"]
        .as_str()
        .map(str::to_owned)
        .context("login answered without a token")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn only_data_without_errors_and_200_succeeds() {
        assert_eq!(
            graphql_failure(StatusCode::OK, br#"{"data":{"srs":{"edges":[]}}}"#),
            None
        );
        let locked = br#"{"data":null,"errors":[{"message":"database is locked"}]}"#;
        assert_eq!(
            graphql_failure(StatusCode::OK, locked).as_deref(),
            Some("HTTP 200: database is locked")
        );
        let partial = br#"{"data":{"x":1},"errors":[{"message":"FORBIDDEN"}]}"#;
        assert!(graphql_failure(StatusCode::OK, partial).is_some());
        assert!(graphql_failure(StatusCode::UNAUTHORIZED, br#"{"data":{}}"#).is_some());
        assert_eq!(
            graphql_failure(StatusCode::BAD_GATEWAY, b"oops").as_deref(),
            Some("HTTP 502: oops")
        );
    }
}
