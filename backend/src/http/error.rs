//! The one way an error leaves the HTTP edge outside GraphQL execution:
//! `{"errors": [{"message": …, "extensions": {"code": …}}]}`, the same shape GraphQL answers
//! with, and an HTTP status that follows the code unless a door needs another.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guardia_shared::ErrorCode;
use serde_json::{Value, json};

use crate::graphql::ApiError;

/// An error answer with its HTTP status.
pub struct ErrorResponse {
    pub status: StatusCode,
    pub error: ApiError,
}

impl ErrorResponse {
    /// An answer whose status is not the one its code implies (e.g. 503 for "try again").
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorResponse {
            status,
            error: ApiError::new(code, message),
        }
    }
}

/// The status an error code implies at the HTTP edge.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::BadUserInput => StatusCode::BAD_REQUEST,
        ErrorCode::UpstreamUnavailable => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// One entry of an `errors` list.
pub fn error_entry(code: ErrorCode, message: &str) -> Value {
    json!({ "message": message, "extensions": { "code": code.as_str() } })
}

impl From<ApiError> for ErrorResponse {
    fn from(error: ApiError) -> Self {
        ErrorResponse {
            status: status_of(error.code),
            error,
        }
    }
}

impl IntoResponse for ErrorResponse {
    fn into_response(self) -> Response {
        let body = json!({ "errors": [error_entry(self.error.code, &self.error.message)] });
        (self.status, Json(body)).into_response()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        ErrorResponse::from(self).into_response()
    }
}
