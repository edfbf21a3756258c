//! The storage layer's one error type. It knows nothing of GraphQL; the API maps it once.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No such row in the caller's tenant (another tenant's row looks exactly the same);
    /// `what` names it for the caller's answer ("server", "deploy project 'portal'").
    #[error("{what} not found")]
    NotFound { what: String },
    /// A unique key would be violated; the message names what already exists.
    #[error("{0}")]
    Conflict(String),
    /// A referenced row does not exist in the caller's tenant.
    #[error("{0}")]
    InvalidReference(String),
    /// A stored value violates a CHECK rule (bad enum text, over-long code, …).
    #[error("{0}")]
    Invalid(String),
    /// The database could not be reached or the pool is exhausted.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A connection was refused; `url` is already masked, `cause` is what the server (or the
    /// network) said.
    #[error("cannot connect to {url}: {cause}")]
    Connect { url: String, cause: String },
    /// A bad `DATABASE_URL` or similar configuration mistake.
    #[error("{0}")]
    Config(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Query(#[source] DieselError),
}

impl DbError {
    /// No `what` in the caller's tenant.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        DbError::NotFound {
            what: what.to_string(),
        }
    }

    /// A failed connection to `url`, with its cause as one line.
    pub fn connect(url: &super::DatabaseUrl, error: &diesel::ConnectionError) -> Self {
        let cause = match error {
            diesel::ConnectionError::BadConnection(message) => message.clone(),
            other => other.to_string(),
        };
        DbError::Connect {
            url: url.to_string(),
            cause,
        }
    }

    /// Gives a unique-key conflict a message that says what already exists.
    pub fn conflict_means(self, message: impl FnOnce() -> String) -> Self {
        match self {
            DbError::Conflict(_) => DbError::Conflict(message()),
            other => other,
        }
    }

    /// Gives a foreign-key failure a message that says which reference is wrong.
    pub fn reference_means(self, message: impl FnOnce() -> String) -> Self {
        match self {
            DbError::InvalidReference(_) => DbError::InvalidReference(message()),
            other => other,
        }
    }
}

/// Names what a lookup did not find, so that every layer above can pass the error on as it is.
pub trait Found<T> {
    fn found(self, what: impl std::fmt::Display) -> Result<T, DbError>;
}

impl<T, E: Into<DbError>> Found<T> for Result<T, E> {
    fn found(self, what: impl std::fmt::Display) -> Result<T, DbError> {
        self.map_err(|e| match e.into() {
            DbError::NotFound { .. } => DbError::not_found(what),
            other => other,
        })
    }
}

impl From<DieselError> for DbError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => DbError::NotFound {
                what: "record".into(),
            },
            DieselError::DatabaseError(kind, info) => match kind {
                DatabaseErrorKind::UniqueViolation => {
                    DbError::Conflict(format!("already exists: {}", info.message()))
                }
                DatabaseErrorKind::ForeignKeyViolation => {
                    DbError::InvalidReference(format!("unknown reference: {}", info.message()))
                }
                DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                    DbError::Invalid(info.message().to_owned())
                }
                DatabaseErrorKind::ClosedConnection => DbError::Unavailable(info.message().to_owned()),
                _ => DbError::Query(DieselError::DatabaseError(kind, info)),
            },
            other => DbError::Query(other),
        }
    }
}

impl<E: std::fmt::Display> From<bb8::RunError<E>> for DbError {
    fn from(error: bb8::RunError<E>) -> Self {
        match error {
            bb8::RunError::User(e) => DbError::Unavailable(e.to_string()),
            bb8::RunError::TimedOut => {
                DbError::Unavailable("timed out waiting for a database connection".into())
            }
        }
    }
}
