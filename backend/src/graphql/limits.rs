//! Hostile-caller limits the schema builder has no setting for (aliases), and the record of
//! whether a request failed before execution (so the transport can answer 400).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

pub const MAX_DEPTH: usize = 10;
pub const MAX_COMPLEXITY: usize = 250;
pub const MAX_ALIASES: usize = 15;

/// Set when parsing or validation refused the document (a GraphQL "request error").
#[derive(Default)]
pub struct RequestPhase {
    pub rejected_before_execution: AtomicBool,
}

impl RequestPhase {
    fn reject(ctx: &ExtensionContext<'_>) {
        if let Some(phase) = ctx.data_opt::<Arc<RequestPhase>>() {
            phase.rejected_before_execution.store(true, Ordering::Relaxed);
        }
    }
}

pub struct Limits;

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension)
    }
}

struct LimitsExtension;

#[async_graphql::async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .inspect_err(|_| RequestPhase::reject(ctx))?;
        let aliases = count_aliases(&document);
        if aliases > MAX_ALIASES {
            RequestPhase::reject(ctx);
            return Err(ServerError::new(
                format!("the query uses {aliases} aliases; at most {MAX_ALIASES} are allowed"),
                None,
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.inspect_err(|_| RequestPhase::reject(ctx))
    }
}

fn count_aliases(document: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| in_set(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| in_set(&f.node.selection_set.node))
        .sum();
    operations + fragments
}
