//! Parsed documents by their text. Clients send the same few documents again and again, and
//! parsing one costs more than copying its parsed form. Bounded: a flood of distinct
//! documents only empties it now and then. Mutations are parsed every time (see `parse`).

use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{Request, ServerError};

/// Most documents kept; past it the cache starts again empty.
const MAX_DOCUMENTS: usize = 128;
/// Longer documents are parsed every time: the web app's are at most 600 bytes, and a bound
/// on the text bounds what a flood of distinct documents can make the cache hold (a few MB).
const MAX_CACHED_LENGTH: usize = 2 * 1024;

#[derive(Default)]
pub struct DocumentCache {
    documents: Mutex<HashMap<String, ExecutableDocument>>,
}

impl DocumentCache {
    /// The request's document, parsed (or copied from an earlier parse of the same text) and
    /// kept in the request for the schema.
    pub fn parse<'r>(&self, request: &'r mut Request) -> Result<&'r ExecutableDocument, ServerError> {
        if request.query.len() <= MAX_CACHED_LENGTH {
            let known = self.lock().get(&request.query).cloned();
            match known {
                Some(document) => request.set_parsed_query(document),
                None => {
                    let document = request.parsed_query()?;
                    // Only reads: a mutation's text may carry a password written inline
                    // (`login`, `changePassword`), which must not outlive its request.
                    if !has_mutation(document) {
                        let document = document.clone();
                        let mut documents = self.lock();
                        if documents.len() >= MAX_DOCUMENTS {
                            documents.clear();
                        }
                        documents.insert(request.query.clone(), document);
                    }
                }
            }
        }
        request.parsed_query()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, ExecutableDocument>> {
        self.documents.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn has_mutation(document: &ExecutableDocument) -> bool {
    document
        .operations
        .iter()
        .any(|(_, operation)| operation.node.ty == OperationType::Mutation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_text_gets_the_same_document_and_a_bad_one_its_error() {
        let cache = DocumentCache::default();
        let mut first = Request::new("{ me { id } }");
        let parsed = format!("{:?}", cache.parse(&mut first).expect("parses"));
        let mut again = Request::new("{ me { id } }");
        assert_eq!(format!("{:?}", cache.parse(&mut again).expect("copied")), parsed);
        assert_eq!(cache.lock().len(), 1);

        let mut broken = Request::new("{ me { id ");
        assert!(cache.parse(&mut broken).is_err());
        assert_eq!(cache.lock().len(), 1, "an error is not kept");

        let mut login =
            Request::new(r#"mutation { login(email: "a@b.example", password: "secret") { token } }"#);
        assert!(cache.parse(&mut login).is_ok());
        assert_eq!(cache.lock().len(), 1, "a mutation's text is not kept");

        for i in 0..MAX_DOCUMENTS {
            cache
                .parse(&mut Request::new(format!("{{ a{i}: __typename }}")))
                .expect("parses");
        }
        assert!(cache.lock().len() <= MAX_DOCUMENTS);
    }
}
