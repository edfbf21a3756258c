//! Storage: one diesel code base for SQLite and PostgreSQL (docs/architecture.md, "Storage").
//!
//! Every tenant-owned query goes through a [`TenantTx`], which carries the tenant; the domain
//! modules below take it as their first argument and filter by it. Nothing here knows GraphQL.

pub mod copy;
mod error;
mod migrate;
pub mod notify;
mod order;
mod pool;
mod role;
pub mod schema;
mod sqlite_file;
mod tx;
mod url;

pub mod agent;
pub mod audit;
pub mod batch;
pub mod deploy;
pub mod identity;
pub mod server;
pub mod sla;
pub mod sr;
pub mod tenant;
pub mod tenant_jenkins;
pub mod user;

pub use error::{DbError, Found};
pub use migrate::{Direction, SchemaState, check_can_migrate, migrate, run_pending, schema_state};
pub use pool::{DbConn, DbPool, PgConn, SqliteConn};
pub use role::{ROLE_ENV, app_role, derived_role};
pub use tx::{Access, LoginTx, OperatorTx, Scope, TenantTx, Tx};
pub use url::{DatabaseUrl, mask_password};

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// A new row id: a UUIDv7, time-ordered, so ids double as keyset cursors (newest first).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The current UTC time at the precision both backends store (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// A keyset page request: at most `first` rows after the row with id `after`, newest first.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: i64,
    pub after: Option<String>,
}

/// One page of rows and whether more follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
}

impl<T> Page<T> {
    /// Builds a page from up to `first + 1` rows fetched for `request`.
    fn from_overfetch(mut rows: Vec<T>, request: &PageRequest) -> Self {
        let limit = usize::try_from(request.first).unwrap_or(0);
        let has_next = rows.len() > limit;
        rows.truncate(limit);
        Page {
            items: rows,
            has_next,
        }
    }
}

impl PageRequest {
    /// Rows to fetch: one more than asked, to learn whether another page follows.
    fn fetch_limit(&self) -> i64 {
        self.first.max(0) + 1
    }
}
