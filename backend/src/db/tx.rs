//! Scoped transactions: the only way to reach rows. A [`TenantTx`] carries the tenant every
//! query filters by (and, on PostgreSQL, sets the row-level-security setting); the two narrow
//! scopes for work before a tenant is known are [`LoginTx`] and [`OperatorTx`].

use diesel::QueryResult;
use diesel::connection::AnsiTransactionManager as SyncAnsi;
use diesel::connection::TransactionDepthChange;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection, TransactionManager};
use futures_util::future::BoxFuture;

use super::{DbConn, DbError, DbPool, PgConn, SqliteConn};
use crate::db_run;

/// Whether the transaction will write. SQLite takes its write lock up front for writers
/// (`BEGIN IMMEDIATE`), so concurrent writers wait on the busy timeout instead of failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// What a transaction may see. On PostgreSQL each scope is one transaction-local setting that
/// the RLS policies read.
pub trait Scope: Send {
    fn setting(&self) -> (&'static str, &str);
}

/// Rows of one tenant.
#[derive(Debug, Clone)]
pub struct TenantScope {
    tenant_id: String,
}

/// One person, by email: their identity, their memberships (user rows) and those tenants'
/// names. For login before the tenant is known, switching tenants and the person's own lists.
#[derive(Debug, Clone)]
pub struct LoginScope {
    email: String,
}

/// Every tenant's row of the `tenants` table, for the operator's ADMIN and the CLI.
#[derive(Debug, Clone, Copy)]
pub struct OperatorScope;

impl Scope for TenantScope {
    fn setting(&self) -> (&'static str, &str) {
        ("guardia.tenant_id", &self.tenant_id)
    }
}

impl Scope for LoginScope {
    fn setting(&self) -> (&'static str, &str) {
        ("guardia.login_email", &self.email)
    }
}

impl Scope for OperatorScope {
    fn setting(&self) -> (&'static str, &str) {
        ("guardia.operator", "on")
    }
}

/// An open transaction limited to a scope. Dropping it without `commit` rolls back (the
/// connection is discarded by the pool, which sees the open transaction).
pub struct Tx<S: Scope> {
    conn: DbConn,
    scope: S,
}

pub type TenantTx = Tx<TenantScope>;
pub type LoginTx = Tx<LoginScope>;
pub type OperatorTx = Tx<OperatorScope>;

impl DbPool {
    /// Opens a transaction that sees only `tenant_id`'s rows.
    pub async fn tenant_tx(&self, tenant_id: &str, access: Access) -> Result<TenantTx, DbError> {
        let scope = TenantScope {
            tenant_id: tenant_id.to_owned(),
        };
        self.begin(scope, access).await
    }

    /// Opens a transaction that sees only `tenant_id`'s rows and runs `first` in it. On
    /// PostgreSQL the query goes out right behind `BEGIN` and the setting, without waiting for
    /// their answer (pipelined): the two cost one round trip. The query's own error comes back
    /// beside the open transaction; an error opening it comes back alone.
    pub(crate) async fn tenant_tx_with<T: Send>(
        &self,
        tenant_id: &str,
        access: Access,
        first: impl FirstQuery<T>,
    ) -> Result<(TenantTx, Result<T, DbError>), DbError> {
        let scope = TenantScope {
            tenant_id: tenant_id.to_owned(),
        };
        let mut conn = self.get().await?;
        let DbConn::Postgres(pooled) = &mut conn else {
            let mut tx = begin_on(conn, scope, access).await?;
            let DbConn::Sqlite(pooled) = &mut tx.conn else {
                unreachable!("the connection stays SQLite")
            };
            let outcome = first.sqlite(pooled).await.map_err(DbError::from);
            return Ok((tx, outcome));
        };
        let (name, value) = scope.setting();
        let Some(sql) = begin_with_setting(name, value) else {
            let mut tx = begin_on(conn, scope, access).await?;
            let DbConn::Postgres(pooled) = &mut tx.conn else {
                unreachable!("the connection stays PostgreSQL")
            };
            let outcome = first.postgres(pooled).await.map_err(DbError::from);
            return Ok((tx, outcome));
        };
        let c: &mut PgConn = pooled;
        // Counted as open before anything is sent: a connection whose answer never arrives
        // (the future dropped) then goes back to the pool as broken, and is discarded.
        type Manager = <PgConn as AsyncConnection>::TransactionManager;
        Manager::transaction_manager_status_mut(c)
            .transaction_state()?
            .change_transaction_depth(TransactionDepthChange::IncreaseDepth)?;
        let shared: &PgConn = c;
        let (begun, outcome) = futures_util::join!(
            async {
                let mut sender = shared;
                sender.batch_execute(&sql).await
            },
            first.postgres(shared)
        );
        // On an error the connection stays counted as in a transaction: dropped with it,
        // the pool discards it.
        begun?;
        Ok((Tx { conn, scope }, outcome.map_err(DbError::from)))
    }

    /// Opens the read-only transaction `login` uses to find one email's user row.
    pub async fn login_tx(&self, email: &str) -> Result<LoginTx, DbError> {
        let scope = LoginScope {
            email: email.to_owned(),
        };
        self.begin(scope, Access::Read).await
    }

    /// Opens the login scope for writing: `switchTenant` remembers the person's last tenant.
    pub async fn login_tx_for_write(&self, email: &str) -> Result<LoginTx, DbError> {
        let scope = LoginScope {
            email: email.to_owned(),
        };
        self.begin(scope, Access::Write).await
    }

    /// Opens the transaction that lists every tenant.
    pub async fn operator_tx(&self) -> Result<OperatorTx, DbError> {
        self.begin(OperatorScope, Access::Read).await
    }

    async fn begin<S: Scope>(&self, scope: S, access: Access) -> Result<Tx<S>, DbError> {
        let conn = self.get().await?;
        begin_on(conn, scope, access).await
    }
}

/// Opens a transaction on a connection already taken from the pool.
async fn begin_on<S: Scope>(mut conn: DbConn, scope: S, access: Access) -> Result<Tx<S>, DbError> {
    match &mut conn {
        DbConn::Sqlite(pooled) => {
            let begin = match access {
                Access::Read => "BEGIN",
                Access::Write => "BEGIN IMMEDIATE",
            };
            pooled
                .spawn_blocking(move |c| SyncAnsi::begin_transaction_sql(c, begin))
                .await?;
        }
        DbConn::Postgres(pooled) => {
            let c: &mut super::PgConn = pooled;
            let (name, value) = scope.setting();
            type Manager = <super::PgConn as AsyncConnection>::TransactionManager;
            match begin_with_setting(name, value) {
                // One round trip instead of two.
                Some(sql) => Manager::begin_transaction_sql(c, &sql).await?,
                None => {
                    Manager::begin_transaction(c).await?;
                    diesel::sql_query("SELECT set_config($1, $2, true)")
                        .bind::<Text, _>(name)
                        .bind::<Text, _>(value)
                        .execute(c)
                        .await?;
                }
            }
        }
    }
    Ok(Tx { conn, scope })
}

/// The first query of a transaction, written for each backend's connection (the query value
/// itself is the same for both; only the connection it runs on differs).
pub(crate) trait FirstQuery<T>: Send {
    fn sqlite(self, c: &mut SqliteConn) -> BoxFuture<'_, QueryResult<T>>;
    /// `c` is shared: the query may be sent while another one on `c` still waits for its answer.
    fn postgres(self, c: &PgConn) -> BoxFuture<'_, QueryResult<T>>;
}

impl<S: Scope> Tx<S> {
    pub async fn commit(mut self) -> Result<(), DbError> {
        db_run!(&mut self.conn, |c| commit(c).await)?;
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<(), DbError> {
        db_run!(&mut self.conn, |c| rollback(c).await)?;
        Ok(())
    }

    /// The connection, for the data-access functions of this module tree.
    pub(crate) fn conn(&mut self) -> &mut DbConn {
        &mut self.conn
    }

    /// The raw connection, for tests that must prove what the database itself enforces
    /// (an unfiltered `SELECT` under row-level security). Application code uses the
    /// per-domain functions, which always filter by the scope.
    #[doc(hidden)]
    pub fn raw_connection_for_tests(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

impl TenantTx {
    /// The tenant whose rows this transaction sees.
    pub fn tenant_id(&self) -> &str {
        &self.scope.tenant_id
    }

    /// Runs `work` with this transaction pointed at another tenant, then points it back, on
    /// every path. Only the operator's ADMIN uses it (creating a tenant, setting a tenant's
    /// Jenkins), so that the other tenant's rows and the operator's audit entry commit together:
    /// a second writing transaction would wait on SQLite's write lock held by this one.
    pub async fn in_tenant<T, E: From<DbError>>(
        &mut self,
        tenant_id: &str,
        work: impl AsyncFnOnce(&mut TenantTx) -> Result<T, E>,
    ) -> Result<T, E> {
        let own = self.scope.tenant_id.clone();
        self.rescope(tenant_id).await?;
        let outcome = work(self).await;
        // Back first in memory (every later query filters by it), then in the database; on
        // PostgreSQL a failed `work` aborted the transaction, which then takes no statement
        // and is rolled back whole.
        let restored = self.rescope(&own).await;
        let value = outcome?;
        restored?;
        Ok(value)
    }

    /// Lets this transaction see, and create, the identity of one email besides its own
    /// members' (creating a user, changing a password). On PostgreSQL this is the setting the
    /// identities policy reads; SQLite's queries name the email themselves.
    pub(crate) async fn name_identity(&mut self, email: &str) -> Result<(), DbError> {
        if let DbConn::Postgres(pooled) = &mut self.conn {
            let c: &mut super::PgConn = pooled;
            diesel::sql_query("SELECT set_config('guardia.identity_email', $1, true)")
                .bind::<Text, _>(email)
                .execute(c)
                .await?;
        }
        Ok(())
    }

    async fn rescope(&mut self, tenant_id: &str) -> Result<(), DbError> {
        self.scope.tenant_id = tenant_id.to_owned();
        if let DbConn::Postgres(pooled) = &mut self.conn {
            let c: &mut super::PgConn = pooled;
            diesel::sql_query("SELECT set_config('guardia.tenant_id', $1, true)")
                .bind::<Text, _>(tenant_id)
                .execute(c)
                .await?;
        }
        Ok(())
    }
}

impl LoginTx {
    pub fn email(&self) -> &str {
        &self.scope.email
    }
}

/// `BEGIN` and the scope's setting as one simple-query batch, for a value made only of
/// characters that need no quoting (tenant codes, most emails); `None` for any other, which is
/// sent as a bound parameter instead. Nothing else ever reaches this text.
fn begin_with_setting(name: &str, value: &str) -> Option<String> {
    let plain = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'))
    };
    (plain(name) && plain(value)).then(|| format!("BEGIN; SELECT set_config('{name}', '{value}', true)"))
}

async fn commit<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::commit_transaction(c).await
}

async fn rollback<C: AsyncConnection>(c: &mut C) -> diesel::QueryResult<()> {
    C::TransactionManager::rollback_transaction(c).await
}

#[cfg(test)]
mod tests {
    use super::begin_with_setting;

    #[test]
    fn only_plain_values_are_written_into_the_batch() {
        assert_eq!(
            begin_with_setting("guardia.tenant_id", "acme-01").as_deref(),
            Some("BEGIN; SELECT set_config('guardia.tenant_id', 'acme-01', true)")
        );
        assert!(begin_with_setting("guardia.login_email", "a.b+c@x.example").is_some());
        for value in [
            "o'brien@x.example",
            "a\\b",
            "x; DROP TABLE users",
            "",
            "a\0b",
            "é",
        ] {
            assert_eq!(begin_with_setting("guardia.login_email", value), None, "{value}");
        }
    }
}
