//! Text ordering that is the same on both backends: byte-wise. SQLite compares text with
//! BINARY (memcmp of UTF-8) by default; PostgreSQL uses the database's collation, under which
//! `alice Choi` sorts before `Zed Park` in en-US or ko-KR, so an installation moved to
//! PostgreSQL would list in another order. `COLLATE "C"` compares UTF-8 bytes there too.

use diesel::QueryResult;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;

/// `expr` compared byte-wise (for `ORDER BY`).
#[derive(Debug, Clone, Copy, QueryId, ValidGrouping)]
pub struct Bytewise<E>(E);

pub fn bytewise<E: Expression<SqlType = Text>>(expr: E) -> Bytewise<E> {
    Bytewise(expr)
}

impl<E: Expression> Expression for Bytewise<E> {
    type SqlType = E::SqlType;
}

impl<E: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for Bytewise<E> {}

impl<E: SelectableExpression<QS>, QS> SelectableExpression<QS> for Bytewise<E> {}

impl<E: QueryFragment<Pg>> QueryFragment<Pg> for Bytewise<E> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(" COLLATE \"C\"");
        Ok(())
    }
}

impl<E: QueryFragment<Sqlite>> QueryFragment<Sqlite> for Bytewise<E> {
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        // BINARY, SQLite's default, is already byte-wise.
        self.0.walk_ast(out)
    }
}
