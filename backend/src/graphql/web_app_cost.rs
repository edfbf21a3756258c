//! The web app's documents (as the pages in `frontend/src/pages/` send them, the dashboard and
//! the deploy page with every optional part) pass the hostile-caller limits with room to
//! spare, and the limits still refuse what they are for.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};

use super::{AppSchema, MAX_COMPLEXITY, MutationRoot, QueryRoot, SubscriptionRoot, limits};

const DEPLOYMENT_FIELDS: &str =
    "id kind status targetBuild buildNumber reason createdAt triggeredBy { name }";

fn web_app_documents() -> Vec<(&'static str, String)> {
    let plain = |name, query: &str| (name, query.to_owned());
    vec![
        plain("agents", "{ agents { id name status version lastHeartbeatAt server { name } } }"),
        plain(
            "batch",
            "{ batchJobs { id name jenkinsJob schedule enabled lastRun { status buildNumber startedAt } } }",
        ),
        plain(
            "dashboard",
            "query($me: ID) { srStatusCounts { status count }
               srs(first: 8, assigneeId: $me) { edges { node { id title status priority createdAt } } }
               agents { id name status server { name } }
               deployments(first: 5) { edges { node { id kind status buildNumber createdAt
                 project { name } triggeredBy { name } } } } }",
        ),
        (
            "deploy history",
            format!(
                "query($p: String!) {{ buildHistory(project: $p, limit: 20) {{ number result building
                   timestamp duration triggeredBy artifacts {{ fileName signedUrl }} }}
                   deployments(project: $p, first: 20) {{ edges {{ node {{ {DEPLOYMENT_FIELDS} }} }} }} }}"
            ),
        ),
        (
            "deploy events",
            format!("subscription($p: String) {{ deploymentUpdated(project: $p) {{ {DEPLOYMENT_FIELDS} }} }}"),
        ),
        plain(
            "deploy log",
            "query($id: ID!, $s: Int!) { deploymentLog(id: $id, start: $s) { text nextStart } }",
        ),
        plain(
            "login",
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
               token user { id email name role tenant { code name isOperator } } } }",
        ),
        plain(
            "servers",
            "{ servers(first: 100) { edges { node { id name host os environment hasCredential } } } }",
        ),
        plain(
            "SR",
            "query($id: ID!) { sr(id: $id) { id title description status priority createdAt
               requester { name } assignee { id name } comments { id body createdAt author { name } } } }",
        ),
        plain(
            "SRs",
            "query($status: SrStatus, $after: String) { srs(first: 20, status: $status, after: $after) {
               totalCount pageInfo { hasNextPage endCursor }
               edges { node { id title status priority createdAt requester { name } assignee { name } } } } }",
        ),
        plain("users", "{ users { id email name role active } }"),
    ]
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
    .extension(limits::Limits)
    .extension(Measure(measured.clone()))
    .finish()
}

/// The document's complexity, or the errors that refused it.
async fn complexity(query: &str) -> Result<usize, Vec<String>> {
    let measured = Arc::new(Mutex::new(None));
    let response = schema(&measured).execute(query).await;
    let value = *measured.lock().unwrap_or_else(|e| e.into_inner());
    value.ok_or_else(|| response.errors.iter().map(|e| e.message.clone()).collect())
}

#[tokio::test]
async fn the_web_app_fits_well_within_the_limits() {
    for (name, query) in web_app_documents() {
        let cost = complexity(&query)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        println!("{name}: complexity {cost}");
        assert!(cost <= MAX_COMPLEXITY / 5, "{name} costs {cost}");
    }
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
