//! Typed handles on the app's one resource type and one action type. Leptos' reactive
//! machinery is instantiated once, for JSON; only reading the answer as `T` is generic, which
//! keeps the typed API within the WASM budget.

use std::marker::PhantomData;

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{ApiError, parse};

type Answer = Result<Value, ApiError>;

/// A query's answer as `T`, reloaded when what its variables read changes.
pub struct Query<T> {
    resource: LocalResource<Answer>,
    answer: PhantomData<fn() -> T>,
}

impl<T> Clone for Query<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Query<T> {}

impl<T> Query<T> {
    pub(crate) fn new(resource: LocalResource<Answer>) -> Self {
        Query {
            resource,
            answer: PhantomData,
        }
    }

    pub fn refetch(&self) {
        self.resource.refetch();
    }
}

impl<T: DeserializeOwned> Query<T> {
    /// The answer (tracked): `None` while it loads.
    pub fn get(&self) -> Option<Result<T, ApiError>> {
        self.resource.get().map(|answer| answer.and_then(parse))
    }

    /// Whether the last answer satisfies `test` (tracked; `false` while loading or failed).
    pub fn answered(&self, test: impl Fn(&T) -> bool) -> bool {
        self.get()
            .and_then(Result::ok)
            .is_some_and(|answer| test(&answer))
    }
}

/// A mutation (or a query sent on demand) whose answer is read as `T`.
pub struct Operation<T> {
    action: Action<Value, Answer>,
    answer: PhantomData<fn() -> T>,
}

impl<T> Clone for Operation<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Operation<T> {}

impl<T> Operation<T> {
    pub(crate) fn new(action: Action<Value, Answer>) -> Self {
        Operation {
            action,
            answer: PhantomData,
        }
    }

    pub fn dispatch(&self, variables: Value) {
        self.action.dispatch(variables);
    }

    /// The last refusal (tracked), if the last answer was one.
    pub fn error(&self) -> Option<ApiError> {
        self.action
            .value()
            .with(|answer| answer.as_ref()?.as_ref().err().cloned())
    }

    /// Whether the last answer succeeded (tracked).
    pub fn succeeded(&self) -> bool {
        self.action.value().with(|answer| matches!(answer, Some(Ok(_))))
    }

    /// The variables last dispatched (untracked).
    pub fn last_input(&self) -> Option<Value> {
        self.action.input().get_untracked()
    }

    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }

    /// Counts answers (tracked): a query that reads it reloads after each.
    pub fn version(&self) -> RwSignal<usize> {
        self.action.version()
    }
}

impl<T: DeserializeOwned> Operation<T> {
    /// The last answer (tracked): `None` before the first.
    pub fn value(&self) -> Option<Result<T, ApiError>> {
        self.action.value().get().map(|answer| answer.and_then(parse))
    }
}
