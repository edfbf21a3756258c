//! The GraphQL client. The documents and their answer types are in `guardia_shared::api`
//! (checked against the schema by the backend's tests); every call returns
//! `Result<T, ApiError>` with the API's `extensions.code`, so pages branch on codes, never on
//! message text.

mod subscription;
mod typed;

pub use subscription::Subscription;
pub use typed::{Operation, Query};

use guardia_shared::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use wasm_bindgen::JsCast;

/// A failed call: the API's code, or `None` when the server could not be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: Option<ErrorCode>,
    pub message: String,
}

impl ApiError {
    fn network(message: impl Into<String>) -> Self {
        ApiError {
            code: None,
            message: message.into(),
        }
    }

    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == Some(code)
    }
}

/// `data` of an answer as the page's own type.
pub fn parse<T: DeserializeOwned>(data: Value) -> Result<T, ApiError> {
    serde_json::from_value(data).map_err(|e| ApiError::network(format!("unexpected answer: {e}")))
}

/// Reads a GraphQL response body: the first error wins; otherwise its `data`.
pub fn read_response(body: Value) -> Result<Value, ApiError> {
    if let Some(error) = body["errors"].as_array().and_then(|e| e.first()) {
        let code = error["extensions"]["code"]
            .as_str()
            .and_then(|c| c.parse::<ErrorCode>().ok())
            .or(Some(ErrorCode::Internal));
        let message = error["message"].as_str().unwrap_or("error").to_owned();
        return Err(ApiError { code, message });
    }
    Ok(body["data"].clone())
}

/// Sends one operation (a document of `guardia_shared::api`) to `/graphql` with the session's
/// token, by the browser's own fetch: no HTTP client library in the WASM budget.
pub async fn gql(token: Option<String>, query: &str, variables: Value) -> Result<Value, ApiError> {
    let network = |e: wasm_bindgen::JsValue| {
        ApiError::network(e.as_string().unwrap_or_else(|| "the request failed".into()))
    };
    let headers = web_sys::Headers::new().map_err(network)?;
    headers.set("Content-Type", "application/json").map_err(network)?;
    headers.set("Accept", "application/json").map_err(network)?;
    if let Some(token) = &token {
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .map_err(network)?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    let body = json!({ "query": query, "variables": variables }).to_string();
    init.set_body(&wasm_bindgen::JsValue::from_str(&body));
    let window = web_sys::window().ok_or_else(|| ApiError::network("no window"))?;
    let response: web_sys::Response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init("/graphql", &init))
            .await
            .map_err(network)?
            .unchecked_into();
    let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(network)?)
        .await
        .map_err(network)?
        .as_string()
        .unwrap_or_default();
    let body: Value = serde_json::from_str(&text)
        .map_err(|_| ApiError::network(format!("the server answered {}", response.status())))?;
    read_response(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_code() {
        let body =
            json!({ "data": null, "errors": [{ "message": "no", "extensions": { "code": "FORBIDDEN" } }] });
        let error = read_response(body).unwrap_err();
        assert!(error.is(ErrorCode::Forbidden));
        assert_eq!(error.message, "no");
        let odd = json!({ "errors": [{ "message": "?" }] });
        assert!(read_response(odd).unwrap_err().is(ErrorCode::Internal));
        let ok = json!({ "data": { "n": 3 } });
        assert_eq!(read_response(ok).unwrap()["n"], 3);
        assert!(parse::<Vec<i32>>(json!({ "n": 3 })).is_err());
    }
}
