//! The web app's documents (`guardia_shared::api`, every optional part included) pass the
//! hostile-caller limits with room to spare, and the limits still refuse what they are for.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};

use super::{AppSchema, MAX_ALIASES, MAX_COMPLEXITY, MutationRoot, QueryRoot, SubscriptionRoot, limits};

/// Values for a document's variables that turn every optional part on (`@include(if: …)`).
fn variables_for_everything(document: &str) -> async_graphql::Variables {
    let input = match document {
        "server::CREATE_SERVER" | "server::UPDATE_SERVER" => serde_json::json!({ "name": "n", "host": "h" }),
        "sr::CREATE_SR" => serde_json::json!({ "title": "t", "description": "d" }),
        "sr::UPDATE_SR" => serde_json::json!({ "status": "IN_PROGRESS" }),
        "sla::SET_SLA_CALENDAR" => {
            serde_json::json!({ "weekdays": ["MON"], "dayStart": "09:00", "dayEnd": "18:00", "holidays": [] })
        }
        "user::CREATE_USER" => {
            serde_json::json!({ "email": "e@x.example", "name": "n", "password": "p", "role": "ENGINEER" })
        }
        _ => serde_json::Value::Null,
    };
    async_graphql::Variables::from_json(serde_json::json!({
        "id": "x", "project": "portal", "start": 0, "status": null, "after": null,
        "assignee": null, "agents": true, "deploys": true,
        "email": "a@b.example", "password": "p", "current": "p", "new": "q",
        "toBuild": 1, "reason": "r", "parameters": [], "role": "ENGINEER", "enabled": true,
        "body": "b", "input": input, "month": "2026-12", "priority": "HIGH", "response": 30,
        "resolution": 240,
    }))
}

/// Records the complexity validation computed, then stops: nothing is resolved.
struct Measure(Arc<Mutex<Option<usize>>>);

impl ExtensionFactory for Measure {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Measure(self.0.clone()))
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Measure {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(result.complexity);
        Err(vec![ServerError::new("measured", None)])
    }
}

fn schema(measured: &Arc<Mutex<Option<usize>>>) -> AppSchema {
    AppSchema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(super::MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .extension(Measure(measured.clone()))
    .finish()
}

/// The document's complexity, or the errors that refused it (`name`: which web app document,
/// for its variables).
async fn complexity_of(name: &str, query: &str) -> Result<usize, Vec<String>> {
    let document = async_graphql::parser::parse_query(query).map_err(|e| vec![e.to_string()])?;
    let aliases = limits::count_aliases(&document);
    if aliases > MAX_ALIASES {
        return Err(vec![format!("{aliases} aliases")]);
    }
    let measured = Arc::new(Mutex::new(None));
    let request = async_graphql::Request::new(query).variables(variables_for_everything(name));
    let response = schema(&measured).execute(request).await;
    let value = *measured.lock().unwrap_or_else(|e| e.into_inner());
    value.ok_or_else(|| response.errors.iter().map(|e| e.message.clone()).collect())
}

#[tokio::test]
async fn the_web_app_fits_well_within_the_limits() {
    let documents = guardia_shared::api::all_documents();
    assert!(!documents.is_empty());
    for (name, query) in documents {
        let cost = complexity_of(&name, query)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        println!("{name}: complexity {cost}");
        assert!(cost <= MAX_COMPLEXITY / 5, "{name} costs {cost}");
    }
}

async fn complexity(query: &str) -> Result<usize, Vec<String>> {
    complexity_of("", query).await
}

#[tokio::test]
async fn lists_weigh_by_their_size() {
    let nested = |n: u32| {
        format!("{{ srs(first: {n}) {{ edges {{ node {{ comments(first: {n}) {{ id body }} }} }} }} }}")
    };
    assert_eq!(complexity(&nested(10)).await, Ok(220));
    assert!(complexity(&nested(100)).await.is_err());
    assert_eq!(
        complexity("{ servers(first: 3) { edges { node { id } } } }").await,
        Ok(9)
    );
}
