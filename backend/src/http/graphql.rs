//! GraphQL over HTTP as the GraphQL-over-HTTP spec describes it: `POST /graphql` with JSON,
//! `GET /graphql` for queries (and GraphiQL in a browser), content negotiation between
//! `application/json` and `application/graphql-response+json`, and the status codes that go
//! with each. One request = one transaction in the caller's tenant.

mod unit_of_work;

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use guardia_shared::ErrorCode;
use serde_json::{Map, Value, json};

use super::AppState;
use super::client_ip::ClientAddr;
use super::error::error_entry;
use unit_of_work::execute;

/// Longest an operation may run before it is stopped.
pub const EXECUTION_TIMEOUT: Duration = Duration::from_secs(10);
/// Most operations one batched POST may carry.
pub const MAX_BATCH: usize = 10;
/// Largest request body, in bytes.
pub const MAX_BODY: usize = 100 * 1024;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MediaType {
    Json,
    GraphqlResponseJson,
}

impl MediaType {
    fn content_type(self) -> &'static str {
        match self {
            MediaType::Json => "application/json; charset=utf-8",
            MediaType::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// One operation's parameters, checked.
struct Params {
    query: String,
    operation_name: Option<String>,
    variables: Option<Value>,
}

/// A response body and status.
struct Answer {
    status: StatusCode,
    /// The response body, serialised once (a batch joins its members' bodies).
    body: String,
    allow_post_only: bool,
}

impl Answer {
    fn request_error(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Answer {
            status,
            body: json!({ "errors": [error_entry(code, &message.into())] }).to_string(),
            allow_post_only: false,
        }
    }
}

fn respond(media: MediaType, answer: Answer) -> Response {
    let mut response = (answer.status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    if answer.allow_post_only {
        headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

/// Picks the response media type from `Accept`; `None` means nothing acceptable (406).
fn negotiate(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(MediaType::Json);
    };
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    accept.split(',').find_map(|entry| {
        let mut parts = entry.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            matches!(
                p.trim().replace(' ', "").as_str(),
                "q=0" | "q=0.0" | "q=0.00" | "q=0.000"
            )
        });
        if refused {
            return None;
        }
        match media.as_str() {
            GRAPHQL_RESPONSE_JSON => Some(MediaType::GraphqlResponseJson),
            "application/json" | "application/*" | "*/*" => Some(MediaType::Json),
            _ => None,
        }
    })
}

fn not_acceptable() -> Response {
    let body = json!({ "errors": [error_entry(ErrorCode::BadUserInput,
        "the Accept header allows neither application/graphql-response+json nor application/json")] });
    let mut response = (StatusCode::NOT_ACCEPTABLE, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// `POST /graphql`: one operation, or a batch of at most ten.
pub async fn post(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let message = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                format!("the request body is larger than {} KB", MAX_BODY / 1024)
            } else {
                format!("the request body cannot be read: {rejection}")
            };
            return respond(
                media,
                Answer::request_error(rejection.status(), ErrorCode::BadUserInput, message),
            );
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !is_json_content_type(content_type) {
        let message = "send the request as Content-Type: application/json";
        return respond(
            media,
            Answer::request_error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadUserInput,
                message,
            ),
        );
    }
    if body.is_empty() {
        return respond(
            media,
            Answer::request_error(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "the request body is empty",
            ),
        );
    }
    let json: Value = match serde_json::from_slice(&body) {
        Ok(json) => json,
        Err(e) => {
            let message = format!("the request body is not valid JSON: {e}");
            return respond(
                media,
                Answer::request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message),
            );
        }
    };
    let auth = headers.get(header::AUTHORIZATION).cloned();
    match json {
        Value::Array(operations) => {
            if operations.is_empty() || operations.len() > MAX_BATCH {
                let message = format!(
                    "a batch holds 1 to {MAX_BATCH} operations, not {}",
                    operations.len()
                );
                return respond(
                    media,
                    Answer::request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message),
                );
            }
            let mut bodies = Vec::with_capacity(operations.len());
            for operation in operations {
                let answer = match params_from_json(operation) {
                    Ok(params) => execute(&state, params, Method::POST, media, auth.as_ref(), client).await,
                    Err(answer) => answer,
                };
                bodies.push(answer.body);
            }
            respond(
                media,
                Answer {
                    status: StatusCode::OK,
                    body: format!("[{}]", bodies.join(",")),
                    allow_post_only: false,
                },
            )
        }
        operation => {
            let answer = match params_from_json(operation) {
                Ok(params) => execute(&state, params, Method::POST, media, auth.as_ref(), client).await,
                Err(answer) => answer,
            };
            respond(media, answer)
        }
    }
}

/// `GET /graphql`: GraphiQL for a browser, else a query from the URL parameters.
pub async fn get(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let has_query = query.iter().any(|(k, _)| k == "query");
    if wants_html && !has_query {
        return super::playground::page(state.graphiql, &headers);
    }
    let Some(media) = negotiate(&headers) else {
        return not_acceptable();
    };
    let mut map = Map::new();
    for (key, value) in query {
        let value = match key.as_str() {
            "variables" | "extensions" => match serde_json::from_str::<Value>(&value) {
                Ok(parsed) => parsed,
                Err(_) => {
                    let message = format!("`{key}` is not valid JSON");
                    return respond(
                        media,
                        Answer::request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message),
                    );
                }
            },
            _ => Value::String(value),
        };
        map.insert(key, value);
    }
    let answer = match params_from_json(Value::Object(map)) {
        Ok(params) => {
            let auth = headers.get(header::AUTHORIZATION).cloned();
            execute(&state, params, Method::GET, media, auth.as_ref(), client).await
        }
        Err(answer) => answer,
    };
    respond(media, answer)
}

fn is_json_content_type(value: &str) -> bool {
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|param| match param.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        }
        _ => true,
    })
}

/// Checks the parameter types the spec requires.
fn params_from_json(value: Value) -> Result<Params, Answer> {
    let bad =
        |message: &str| Answer::request_error(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message);
    let Value::Object(mut map) = value else {
        return Err(bad("the request must be a JSON object"));
    };
    let query = match map.remove("query") {
        Some(Value::String(query)) => query,
        None | Some(Value::Null) => return Err(bad("the request has no `query`")),
        Some(_) => return Err(bad("`query` must be a string")),
    };
    let operation_name = match map.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err(bad("`operationName` must be a string")),
    };
    let variables = match map.remove("variables") {
        None | Some(Value::Null) => None,
        Some(object @ Value::Object(_)) => Some(object),
        Some(_) => return Err(bad("`variables` must be an object")),
    };
    match map.remove("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err(bad("`extensions` must be an object")),
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

/// Errors from parsing, validation and input coercion come without a code: they are all
/// about the request itself.
fn add_missing_codes(body: &mut Value) {
    let Some(Value::Array(errors)) = body.get_mut("errors") else {
        return;
    };
    for error in errors {
        let Value::Object(error) = error else { continue };
        let extensions = error
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(extensions) = extensions {
            extensions
                .entry("code")
                .or_insert_with(|| Value::String(ErrorCode::BadUserInput.as_str().to_owned()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(
            negotiate(&accept(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(MediaType::GraphqlResponseJson)
        );
        assert_eq!(negotiate(&accept("*/*")), Some(MediaType::Json));
        assert_eq!(negotiate(&accept("text/html")), None);
        assert!(is_json_content_type("application/json; charset=utf-8"));
        assert!(!is_json_content_type("application/json; charset=latin1"));
        assert!(!is_json_content_type("text/plain"));
    }
}
