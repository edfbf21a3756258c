//! Hostile-caller limits: depth and complexity, which the schema builder enforces, and aliases,
//! which it has no setting for (counted here, checked in `admission`).

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Pos, ServerError};
use guardia_shared::ErrorCode;

use super::error::ApiError;

pub const MAX_DEPTH: usize = 10;
/// Every field counts 1, and a list field counts its selection once per item it may return
/// (`first`, `limit`), so the limit bounds the values one operation can resolve.
pub const MAX_COMPLEXITY: usize = 10_000;
pub const MAX_ALIASES: usize = 15;

/// A refusal before execution, with its `extensions.code` (a WebSocket answer gets no code
/// added later).
pub fn request_error(code: ErrorCode, message: impl Into<String>) -> ServerError {
    async_graphql::Error::from(ApiError::new(code, message)).into_server_error(Pos::default())
}

/// Aliases the operations use, a fragment's counted once per spread (nested spreads too), so a
/// fragment cannot multiply aliases past the limit. Each fragment's count is worked out once
/// (spreads of spreads cannot blow up the work), and a fragment that spreads itself counts as
/// nothing here: validation refuses the cycle afterwards.
pub fn count_aliases(document: &ExecutableDocument) -> usize {
    let mut counter = AliasCounter {
        document,
        counted: HashMap::new(),
    };
    document
        .operations
        .iter()
        .map(|(_, op)| counter.in_set(&op.node.selection_set.node))
        .fold(0, usize::saturating_add)
}

struct AliasCounter<'a> {
    document: &'a ExecutableDocument,
    /// Per fragment: `None` while its own count is being worked out (a cycle), then the count.
    counted: HashMap<&'a str, Option<usize>>,
}

impl<'a> AliasCounter<'a> {
    fn in_set(&mut self, set: &'a SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => usize::from(field.node.alias.is_some())
                    .saturating_add(self.in_set(&field.node.selection_set.node)),
                Selection::InlineFragment(fragment) => self.in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(spread) => self.in_fragment(&spread.node.fragment_name.node),
            })
            .fold(0, usize::saturating_add)
    }

    fn in_fragment(&mut self, name: &'a Name) -> usize {
        if let Some(known) = self.counted.get(name.as_str()) {
            return known.unwrap_or(0);
        }
        let Some(fragment) = self.document.fragments.get(name) else {
            return 0;
        };
        self.counted.insert(name.as_str(), None);
        let count = self.in_set(&fragment.node.selection_set.node);
        self.counted.insert(name.as_str(), Some(count));
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aliases(query: &str) -> usize {
        count_aliases(&async_graphql::parser::parse_query(query).expect("parses"))
    }

    #[test]
    fn fragments_count_once_per_spread() {
        let fifteen: String = (0..15).map(|i| format!("a{i}: id ")).collect();
        let query = format!("{{ me {{ ...F ...F ... {{ ...F }} }} }} fragment F on User {{ {fifteen} }}");
        assert_eq!(aliases(&query), 45);
        assert_eq!(aliases("{ a: me { b: id } ... on Query { c: me { id } } }"), 3);
        // Nested spreads multiply; an unused fragment counts nothing.
        let nested = "{ me { ...A ...A } } fragment A on User { ...B ...B } \
                      fragment B on User { x: id } fragment Unused on User { y: id }";
        assert_eq!(aliases(nested), 4);
    }

    #[test]
    fn cycles_and_deep_chains_end() {
        assert_eq!(
            aliases("{ me { ...A } } fragment A on User { a: id ...B } fragment B on User { b: id ...A }"),
            2
        );
        // 60 fragments, each spreading the next twice: 2^60 spreads, counted without walking them.
        let mut query = String::from("{ me { ...F0 } }");
        for i in 0..60 {
            query.push_str(&format!(
                " fragment F{i} on User {{ ...F{n} ...F{n} }}",
                n = i + 1
            ));
        }
        query.push_str(" fragment F60 on User { x: id }");
        assert_eq!(aliases(&query), 1 << 60);
    }
}
