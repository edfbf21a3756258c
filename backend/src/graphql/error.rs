//! The API layer's one error type, and the one place that maps every lower layer's errors to
//! an `extensions.code` (the list: docs/architecture.md, "Error codes").

use guardia_shared::ErrorCode;

use crate::auth::session::SessionError;
use crate::db::DbError;
use crate::jenkins::{JenkinsError, JobPathError};
use crate::service::jenkins_settings::SettingsError;
use crate::service::tenant::TenantError;
use crate::service::trigger::TriggerError;
use crate::service::user::AccountError;

/// An error a resolver returns: a code clients branch on and a clear English message.
/// (Deliberately not `Display`, so `?` cannot turn it into a code-less GraphQL error.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadUserInput, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorCode::Unauthenticated,
            "authentication required: send Authorization: Bearer <token> from login",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "your role does not allow this")
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error; it has been logged")
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match &error {
            // A missing row and another tenant's row give the same answer.
            DbError::NotFound { .. } => ApiError::new(ErrorCode::NotFound, error.to_string()),
            DbError::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            DbError::InvalidReference(message) => ApiError::new(ErrorCode::NotFound, message),
            DbError::Invalid(message) => ApiError::bad_input(message),
            DbError::Unavailable(_) | DbError::Connect { .. } => {
                let message = error.to_string();
                tracing::error!(%message, "database unavailable");
                ApiError::new(
                    ErrorCode::Internal,
                    "the database is unavailable; try again shortly",
                )
            }
            other => {
                tracing::error!(error = %other, "database error");
                ApiError::internal()
            }
        }
    }
}

impl ApiError {
    /// Maps a Jenkins error about `what` (e.g. "build #7"): a missing one is NOT_FOUND.
    pub fn from_jenkins(what: &str, error: JenkinsError) -> Self {
        match error {
            JenkinsError::NotFound => Self::new(ErrorCode::NotFound, format!("{what} not found in Jenkins")),
            other => other.into(),
        }
    }
}

impl From<JenkinsError> for ApiError {
    fn from(error: JenkinsError) -> Self {
        let code = match &error {
            JenkinsError::NotFound => ErrorCode::NotFound,
            JenkinsError::Rejected { .. } => ErrorCode::BadUserInput,
            JenkinsError::AlreadyQueued => ErrorCode::Conflict,
            _ => ErrorCode::UpstreamUnavailable,
        };
        if error.is_upstream() {
            tracing::warn!(error = %error, "Jenkins call failed");
        }
        ApiError::new(code, error.to_string())
    }
}

impl From<JobPathError> for ApiError {
    fn from(error: JobPathError) -> Self {
        ApiError::bad_input(error.to_string())
    }
}

impl From<TriggerError> for ApiError {
    fn from(error: TriggerError) -> Self {
        match error {
            TriggerError::Refused(message) => ApiError::bad_input(message),
            TriggerError::Jenkins(e) => e.into(),
            TriggerError::Db(e) => e.into(),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(error: SettingsError) -> Self {
        match error {
            SettingsError::Invalid(message) => ApiError::bad_input(message),
            SettingsError::Db(e) => e.into(),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid { why, .. } => ApiError::bad_input(why),
            AccountError::Busy => ApiError::new(ErrorCode::RateLimited, error.to_string()),
            AccountError::Hash => ApiError::internal(),
        }
    }
}

impl From<TenantError> for ApiError {
    fn from(error: TenantError) -> Self {
        match error {
            TenantError::Folder(e) => e.into(),
            invalid => ApiError::bad_input(invalid.to_string()),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Token(e) => ApiError::new(ErrorCode::Unauthenticated, e.to_string()),
            SessionError::Revoked => ApiError::new(ErrorCode::Unauthenticated, error.to_string()),
            SessionError::Db(e) => e.into(),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        let code = error.code.as_str();
        async_graphql::Error::new(error.message).extend_with(|_, extensions| extensions.set("code", code))
    }
}

use async_graphql::ErrorExtensions;
