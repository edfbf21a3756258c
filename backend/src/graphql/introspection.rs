//! In production the schema is shown only to callers with a valid token: `__schema` and
//! `__type` without one are UNAUTHENTICATED (third-party clients have a token; strangers learn
//! nothing; `admission` refuses them). `__typename` stays free: clients add it everywhere.

use std::collections::HashSet;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// Whether any operation selects `__schema` or `__type`, at any depth, through fragments too.
pub fn asks_for_schema(document: &ExecutableDocument) -> bool {
    fn in_set<'a>(
        document: &'a ExecutableDocument,
        set: &'a SelectionSet,
        seen: &mut HashSet<&'a str>,
    ) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => {
                matches!(field.node.name.node.as_str(), "__schema" | "__type")
                    || in_set(document, &field.node.selection_set.node, seen)
            }
            Selection::InlineFragment(fragment) => in_set(document, &fragment.node.selection_set.node, seen),
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                // Each fragment is looked into once (cycles and repeated spreads end here).
                seen.insert(name.as_str())
                    && document
                        .fragments
                        .get(name)
                        .is_some_and(|f| in_set(document, &f.node.selection_set.node, seen))
            }
        })
    }
    let mut seen = HashSet::new();
    document
        .operations
        .iter()
        .any(|(_, op)| in_set(document, &op.node.selection_set.node, &mut seen))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(query: &str) -> bool {
        asks_for_schema(&async_graphql::parser::parse_query(query).expect("parses"))
    }

    #[test]
    fn finds_introspection_anywhere() {
        assert!(asks("{ __schema { types { name } } }"));
        assert!(asks("query { me { id } t: __type(name: \"User\") { name } }"));
        assert!(asks(
            "{ ...F } fragment F on Query { ... on Query { __schema { queryType { name } } } }"
        ));
        assert!(asks(
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A __type(name: \"X\") { name } }"
        ));
        assert!(!asks("{ __typename me { __typename id } }"));
        assert!(!asks("{ ...A } fragment A on Query { ...A }"));
    }
}
