//! What every document passes before a schema runs it, over HTTP and WebSocket alike: it
//! parses, uses at most [`MAX_ALIASES`] aliases, and (in production) asks for the schema only
//! with a token. Then it runs on the schema for its kind: mutations on the one that makes them
//! all or nothing, everything else on a schema with no extension at all.
//!
//! These checks are plain code on the parsed document rather than schema extensions because
//! any installed extension sends async-graphql down its slow path for every field and every
//! list item it resolves (a registry lookup, a type name and a boxed future each).

use std::sync::Arc;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, Schema, SchemaBuilder, ServerError};
use guardia_shared::ErrorCode;

use super::document_cache::DocumentCache;
use super::limits::{MAX_ALIASES, MAX_COMPLEXITY, MAX_DEPTH, count_aliases, request_error};
use super::{AppSchema, MutationRoot, QueryRoot, SubscriptionRoot, all_or_nothing, introspection};

/// The API's schemas: the same types and limits, one per kind of operation.
#[derive(Clone)]
pub struct Schemas {
    /// Queries and subscriptions.
    reading: AppSchema,
    /// Mutations: a failed root field stops the ones after it.
    writing: AppSchema,
    /// Production: `__schema` and `__type` need a token.
    hide_schema: bool,
    documents: Arc<DocumentCache>,
}

/// A document that passed: the schema to run it on, and its operation's kind (`None` when the
/// named operation is not in the document; the schema answers that).
pub struct Admitted<'a> {
    pub schema: &'a AppSchema,
    pub operation: Option<OperationType>,
}

impl Schemas {
    /// Production hides field suggestions and shows the schema only to callers with a token.
    pub fn build(production: bool) -> Self {
        Schemas {
            reading: builder(production).finish(),
            writing: builder(production)
                .extension(all_or_nothing::AllOrNothing)
                .finish(),
            hide_schema: production,
            documents: Arc::default(),
        }
    }

    /// The request's document, parsed once (or copied from an earlier parse of the same
    /// text) and kept in the request for the schema.
    pub fn parse<'r>(&self, request: &'r mut Request) -> Result<&'r ExecutableDocument, ServerError> {
        self.documents.parse(request)
    }

    /// Checks the request's document and picks its schema. An error is a request error:
    /// nothing ran.
    pub fn admit(&self, request: &mut Request, signed_in: bool) -> Result<Admitted<'_>, ServerError> {
        let name = request.operation_name.clone();
        let document = self.parse(request)?;
        let aliases = count_aliases(document);
        if aliases > MAX_ALIASES {
            return Err(request_error(
                ErrorCode::BadUserInput,
                format!(
                    "the query uses {aliases} aliases (a fragment's count once per spread); \
                     at most {MAX_ALIASES} are allowed"
                ),
            ));
        }
        if self.hide_schema && !signed_in && introspection::asks_for_schema(document) {
            return Err(request_error(
                ErrorCode::Unauthenticated,
                "introspection (__schema, __type) needs a token: send Authorization: Bearer <token>",
            ));
        }
        let operation = operation_type(document, name.as_deref());
        let schema = if operation == Some(OperationType::Mutation) {
            &self.writing
        } else {
            &self.reading
        };
        Ok(Admitted { schema, operation })
    }

    /// The schema in SDL.
    pub fn sdl(&self) -> String {
        self.reading.sdl()
    }
}

fn builder(production: bool) -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    let builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(MAX_DEPTH * 3);
    if production {
        builder.disable_suggestions()
    } else {
        builder
    }
}

/// The kind of the operation a request runs: the named one, or the document's only one.
pub fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    let mut operations = document.operations.iter();
    let operation = match name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => operations
            .next()
            .filter(|_| document.operations.iter().count() == 1),
    }?;
    Some(operation.1.node.ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(query: &str, name: Option<&str>) -> Option<OperationType> {
        operation_type(&async_graphql::parser::parse_query(query).expect("parses"), name)
    }

    #[test]
    fn finds_the_operation_that_runs() {
        let both = "subscription S { deploymentUpdated(project: \"p\") { id } } query Q { me { id } }";
        assert_eq!(kind(both, Some("S")), Some(OperationType::Subscription));
        assert_eq!(kind(both, Some("Q")), Some(OperationType::Query));
        assert_eq!(kind(both, Some("X")), None);
        // Two operations and no name: the schema answers that a name is needed.
        assert_eq!(kind(both, None), None);
        assert_eq!(
            kind(
                "mutation { login(email: \"e\", password: \"p\") { token } }",
                None
            ),
            Some(OperationType::Mutation)
        );
    }

    #[tokio::test]
    async fn refusals_come_before_the_schema() {
        let schemas = Schemas::build(true);
        let aliased: String = (0..=MAX_ALIASES).map(|i| format!("a{i}: __typename ")).collect();
        let mut request = Request::new(format!("{{ {aliased} }}"));
        let error = schemas.admit(&mut request, true).err().expect("too many aliases");
        assert!(error.message.contains("aliases"), "{}", error.message);

        let mut request = Request::new("{ __schema { queryType { name } } }");
        assert!(schemas.admit(&mut request, false).is_err());
        let mut request = Request::new("{ __schema { queryType { name } } }");
        assert!(schemas.admit(&mut request, true).is_ok());
        let mut request = Request::new("{ __schema { queryType { name } } }");
        assert!(Schemas::build(false).admit(&mut request, false).is_ok());

        let mut request = Request::new("{ me { id ");
        assert!(schemas.admit(&mut request, true).is_err());
    }

    #[tokio::test]
    async fn only_mutations_run_with_an_extension() {
        let schemas = Schemas::build(false);
        let mut request = Request::new("mutation { login(email: \"e\", password: \"p\") { token } }");
        let admitted = schemas.admit(&mut request, true).expect("admitted");
        assert!(std::ptr::eq(admitted.schema, &schemas.writing));
        let mut request = Request::new("{ __typename }");
        let admitted = schemas.admit(&mut request, true).expect("admitted");
        assert!(std::ptr::eq(admitted.schema, &schemas.reading));
    }
}
