//! Relay connections with opaque keyset cursors: a cursor names the last row seen, never an
//! offset, so the 1,000th page costs what the first does.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use super::error::{ApiError, ApiResult};
use crate::db::PageRequest;

pub const MAX_PAGE_SIZE: i32 = 100;
const CURSOR_PREFIX: &str = "c1:";

pub fn encode_cursor(id: &str) -> String {
    B64.encode(format!("{CURSOR_PREFIX}{id}"))
}

pub fn decode_cursor(cursor: &str) -> ApiResult<String> {
    B64.decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX).map(str::to_owned))
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .ok_or_else(|| ApiError::bad_input("`after` is not a cursor this API returned"))
}

/// Checks `first` (1..=100; null means the default of 20) and decodes `after`.
pub fn page_request(first: Option<i32>, after: Option<&str>) -> ApiResult<PageRequest> {
    let first = first.unwrap_or(20);
    if !(1..=MAX_PAGE_SIZE).contains(&first) {
        return Err(ApiError::bad_input(format!(
            "`first` must be between 1 and {MAX_PAGE_SIZE}, not {first}"
        )));
    }
    Ok(PageRequest {
        first: i64::from(first),
        after: after.map(decode_cursor).transpose()?,
    })
}

/// The complexity of a list field: its selection once per item it may return (`first` or
/// `limit`, `default` when null), at least once, at most [`MAX_PAGE_SIZE`] times (a larger
/// value is refused by the resolver anyway). Use as
/// `#[graphql(complexity = "weight(first, 20, child_complexity)")]`.
pub fn weight(first: Option<i32>, default: i32, child_complexity: usize) -> usize {
    let items = first.unwrap_or(default).clamp(1, MAX_PAGE_SIZE);
    usize::try_from(items)
        .unwrap_or(1)
        .saturating_mul(child_complexity)
}

/// Declares `<Name>Connection` and `<Name>Edge` for a node type with a `row_id()`.
/// `totalCount` runs `$count(ctx, &self.filter)` only when a client asks for it.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $filter:ty, $count:path) => {
        pub struct $edge(pub $node);

        // Serial: both fields are at hand, and concurrent fields cost a task each.
        #[async_graphql::Object(serial)]
        impl $edge {
            async fn cursor(&self) -> String {
                $crate::graphql::pagination::encode_cursor(self.0.row_id())
            }
            async fn node(&self) -> &$node {
                &self.0
            }
        }

        pub struct $connection {
            pub edges: Vec<$edge>,
            pub has_next_page: bool,
            pub filter: $filter,
        }

        impl $connection {
            pub fn new<R: Into<$node>>(page: $crate::db::Page<R>, filter: $filter) -> Self {
                $connection {
                    edges: page
                        .items
                        .into_iter()
                        .map(|row| $edge(row.into()))
                        .collect(),
                    has_next_page: page.has_next,
                    filter,
                }
            }
        }

        #[async_graphql::Object]
        impl $connection {
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }
            async fn page_info(&self) -> $crate::graphql::pagination::PageInfo {
                $crate::graphql::pagination::PageInfo {
                    has_next_page: self.has_next_page,
                    end_cursor: self
                        .edges
                        .last()
                        .map(|e| $crate::graphql::pagination::encode_cursor(e.0.row_id())),
                }
            }
            /// All rows the query matches, across pages.
            async fn total_count(
                &self,
                ctx: &async_graphql::Context<'_>,
            ) -> $crate::graphql::error::ApiResult<i64> {
                $count(ctx, &self.filter).await
            }
        }
    };
}
pub(crate) use connection;

#[derive(async_graphql::SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let cursor = encode_cursor("0190a-b");
        assert_eq!(decode_cursor(&cursor).unwrap(), "0190a-b");
        assert!(decode_cursor("not base64!").is_err());
        assert!(decode_cursor(&B64.encode("x:1")).is_err());
        assert!(page_request(Some(0), None).is_err());
        assert!(page_request(Some(101), None).is_err());
        assert_eq!(
            page_request(Some(100), Some(&cursor)).unwrap().after.as_deref(),
            Some("0190a-b")
        );
    }

    #[test]
    fn lists_weigh_by_their_size() {
        assert_eq!(weight(Some(10), 20, 7), 70);
        assert_eq!(weight(None, 20, 7), 140);
        assert_eq!(weight(Some(0), 20, 7), 7);
        assert_eq!(weight(Some(i32::MAX), 20, 7), 700);
        assert_eq!(weight(Some(100), 20, usize::MAX), usize::MAX);
    }
}
