//! The signed-in user, kept for the browser session (sessionStorage), and the helpers pages use
//! to call the API as them and to ask the shared permission table what to show.

use guardia_shared::api::account::{Me, MembershipRef};
use guardia_shared::permission::{Permission, allows_in};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{self, ApiError, Operation, Query};

const STORAGE_KEY: &str = "guardia.session";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: Me,
    /// Every tenant the person may switch to (the header's switcher), this one included.
    #[serde(default)]
    pub memberships: Vec<MembershipRef>,
}

impl Session {
    /// Whether the shared permission table lets this user do it (the UI hides the rest; the
    /// server still decides).
    pub fn can(&self, permission: Permission) -> bool {
        allows_in(self.user.role, permission, self.user.tenant.is_operator)
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

/// The session kept in this browser tab, if any.
pub fn load() -> Option<Session> {
    let text = storage()?.get_item(STORAGE_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

fn store(session: Option<&Session>) {
    let Some(storage) = storage() else { return };
    match session.and_then(|s| serde_json::to_string(s).ok()) {
        Some(text) => {
            let _ = storage.set_item(STORAGE_KEY, &text);
        }
        None => {
            let _ = storage.remove_item(STORAGE_KEY);
        }
    }
}

/// The session signal every page reads.
#[derive(Clone, Copy)]
pub struct SessionContext(pub RwSignal<Option<Session>>);

impl SessionContext {
    pub fn sign_in(&self, session: Session) {
        store(Some(&session));
        self.0.set(Some(session));
    }

    /// Keeps the user, with the new token a password change answered. Untracked: nothing
    /// shown changes, so the page (and its success message) stays.
    pub fn renew(&self, token: String) {
        self.0.update_untracked(|s| {
            if let Some(s) = s {
                s.token = token;
            }
            store(s.as_ref());
        });
    }

    pub fn sign_out(&self) {
        store(None);
        self.0.set(None);
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.0.with(|s| s.as_ref().is_some_and(|s| s.can(permission)))
    }

    /// Calls the API as the signed-in user (or anonymously when signed out); an
    /// UNAUTHENTICATED answer (expired or revoked session) signs out, which sends the user to
    /// the login page. Not generic: every call shares one future type (a smaller WASM).
    pub async fn call(self, document: &'static str, variables: Value) -> Result<Value, ApiError> {
        let result = api::gql(self.token(), document, variables).await;
        if let Err(error) = &result
            && error.is(guardia_shared::ErrorCode::Unauthenticated)
            && self.0.with_untracked(Option::is_some)
        {
            self.sign_out();
        }
        result
    }

    /// A query (a document of `guardia_shared::api`) answered as `T`, loaded again whenever
    /// the signals `variables` reads change (an action's `version()` among them).
    pub fn query<T>(self, document: &'static str, variables: impl Fn() -> Value + 'static) -> Query<T> {
        Query::new(self.resource(document, Box::new(variables)))
    }

    /// An operation sent when asked: dispatch its variables; `value()` holds the answer as `T`.
    pub fn action<T>(self, document: &'static str) -> Operation<T> {
        Operation::new(self.operation(document))
    }

    // Not generic: one resource type and one action type for the whole app (a smaller WASM).
    fn resource(
        self,
        document: &'static str,
        variables: Box<dyn Fn() -> Value>,
    ) -> LocalResource<Result<Value, ApiError>> {
        LocalResource::new(move || self.call(document, variables()))
    }

    fn operation(self, document: &'static str) -> Action<Value, Result<Value, ApiError>> {
        Action::new_local(move |variables: &Value| self.call(document, variables.clone()))
    }

    pub fn token(&self) -> Option<String> {
        self.0.with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}
