//! The first comments of each of several SRs in one statement. Diesel's query builder has no
//! subquery in FROM, and a window value can only be filtered from outside its query, so this
//! one statement is written out here, with every value bound.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Text, Timestamp};

/// `SELECT` the `sr_comments` columns (in `SrComment`'s order) of at most `per_sr` comments
/// per SR, oldest first, after the comment with id `after` when given.
pub struct FirstPerSr<'a> {
    pub tenant_id: &'a str,
    pub sr_ids: &'a [String],
    pub per_sr: i64,
    pub after: Option<&'a str>,
}

const COLUMNS: &str = "tenant_id, id, sr_id, author_id, body, created_at";

impl QueryId for FirstPerSr<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for FirstPerSr<'_> {
    type SqlType = (Text, Text, Text, Text, Text, Timestamp);
}

impl<DB> QueryFragment<DB> for FirstPerSr<'_>
where
    DB: Backend,
    str: ToSql<Text, DB>,
    String: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        // The SQL text varies only with the number of SRs (at most a page's 100): each
        // number is a prepared statement of its own in the connection's cache, so a page, or
        // one SR's comments, is not prepared again on every request.
        out.push_sql("SELECT ");
        out.push_sql(COLUMNS);
        out.push_sql(" FROM (SELECT ");
        out.push_sql(COLUMNS);
        out.push_sql(
            ", ROW_NUMBER() OVER (PARTITION BY sr_id ORDER BY id) AS place \
             FROM sr_comments WHERE tenant_id = ",
        );
        out.push_bind_param::<Text, str>(self.tenant_id)?;
        out.push_sql(" AND sr_id IN (");
        for (i, id) in self.sr_ids.iter().enumerate() {
            if i > 0 {
                out.push_sql(", ");
            }
            out.push_bind_param::<Text, String>(id)?;
        }
        out.push_sql(")");
        if let Some(after) = self.after {
            out.push_sql(" AND id > ");
            out.push_bind_param::<Text, str>(after)?;
        }
        out.push_sql(") AS numbered WHERE place <= ");
        out.push_bind_param::<BigInt, i64>(&self.per_sr)?;
        out.push_sql(" ORDER BY sr_id, id");
        Ok(())
    }
}
