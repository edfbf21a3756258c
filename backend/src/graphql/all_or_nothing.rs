//! A mutation is all or nothing: its root fields run in order, and once one fails the request
//! changes nothing (the transport rolls it back and starts no Jenkins run), so the fields after
//! it are not run at all. They answer why, with the failed field's code.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{PathSegment, ServerError, ServerResult, Value};

pub struct AllOrNothing;

impl ExtensionFactory for AllOrNothing {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AllOrNothingExtension::default())
    }
}

/// One per request: the first root field of a mutation that failed, with its error code.
#[derive(Default)]
struct AllOrNothingExtension {
    failed: Mutex<Option<(String, Option<Value>)>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for AllOrNothingExtension {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let root_of_mutation = info.path_node.parent.is_none() && info.parent_type == "Mutation";
        if !root_of_mutation {
            return next.run(ctx, info).await;
        }
        let key = info.alias.unwrap_or(info.name).to_owned();
        let earlier = self.failed.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some((failed, code)) = earlier {
            let mut error = ServerError::new(
                format!("not run: `{failed}` failed before it, so this mutation changed nothing"),
                None,
            );
            error.path = vec![PathSegment::Field(key)];
            let mut extensions = async_graphql::ErrorExtensionValues::default();
            extensions.set("code", code.unwrap_or(Value::String("BAD_USER_INPUT".into())));
            error.extensions = Some(extensions);
            return Err(error);
        }
        let outcome = next.run(ctx, info).await;
        if let Err(error) = &outcome {
            let code = error.extensions.as_ref().and_then(|x| x.get("code")).cloned();
            *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, code));
        }
        outcome
    }
}
