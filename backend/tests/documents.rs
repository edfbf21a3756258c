//! Every GraphQL document the web app sends (`guardia_shared::api`) is valid against
//! `backend/schema.graphql`: each field, argument, variable and fragment exists with the types
//! used. A field renamed on the server fails here, not as a blank in the browser.

use std::path::Path;

use apollo_compiler::{ExecutableDocument, Schema};

fn schema() -> apollo_compiler::validation::Valid<Schema> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let text = std::fs::read_to_string(&path).expect("backend/schema.graphql");
    Schema::parse_and_validate(text, "schema.graphql").expect("schema.graphql is a valid schema")
}

/// The validation errors of one document, as text (empty when it is valid).
fn problems(schema: &apollo_compiler::validation::Valid<Schema>, name: &str, text: &str) -> String {
    match ExecutableDocument::parse_and_validate(schema, text, name) {
        Ok(_) => String::new(),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn every_web_app_document_matches_the_schema() {
    let schema = schema();
    let documents = guardia_shared::api::all_documents();
    assert!(!documents.is_empty());
    let failures: Vec<String> = documents
        .iter()
        .map(|(name, text)| (name, problems(&schema, name, text)))
        .filter(|(_, problems)| !problems.is_empty())
        .map(|(name, problems)| format!("{name}:\n{problems}"))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_missing_field_or_a_wrong_variable_type_is_caught() {
    let schema = schema();
    let (_, srs) = guardia_shared::api::all_documents()
        .into_iter()
        .find(|(name, _)| name == "sr::SRS")
        .expect("sr::SRS");
    assert_eq!(problems(&schema, "SRS", srs), "");
    let renamed = srs.replace("totalCount", "totalCountt");
    assert!(problems(&schema, "renamed", &renamed).contains("totalCountt"));
    let wrong_type = srs.replace("$status: SrStatus", "$status: Int");
    assert!(!problems(&schema, "wrong type", &wrong_type).is_empty());
    let unknown_argument = srs.replace("first: 20", "firstt: 20");
    assert!(!problems(&schema, "unknown argument", &unknown_argument).is_empty());
}

#[test]
fn document_names_are_unique() {
    let documents = guardia_shared::api::all_documents();
    let mut operations: Vec<String> = documents
        .iter()
        .filter_map(|(_, text)| {
            let head = text.split(['(', '{']).next()?;
            head.split_whitespace().nth(1).map(str::to_owned)
        })
        .collect();
    assert_eq!(
        operations.len(),
        documents.len(),
        "every document names its operation"
    );
    operations.sort();
    operations.dedup();
    assert_eq!(
        operations.len(),
        documents.len(),
        "two documents share an operation name"
    );
}

/// The web app sends only these documents: no GraphQL text is written inside its pages.
#[test]
fn the_web_app_writes_no_documents_of_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/src");
    let mut pending = vec![src];
    // A document starts with its operation type and a name, a variable list or a body.
    let starts: Vec<String> = ["query", "mutation", "subscription"]
        .iter()
        .flat_map(|kind| [' ', '(', '{'].map(|next| format!("\"{kind}{next}")))
        .chain(["\"{ ".to_owned()])
        .collect();
    let mut found = Vec::new();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(
                std::fs::read_dir(&path)
                    .expect("read dir")
                    .map(|e| e.expect("entry").path()),
            );
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        for (line_number, line) in text.lines().enumerate() {
            if starts.iter().any(|start| line.contains(start.as_str())) {
                found.push(format!("{}:{}: {}", path.display(), line_number + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "GraphQL written in the web app, not in guardia_shared::api:\n{}",
        found.join("\n")
    );
}
