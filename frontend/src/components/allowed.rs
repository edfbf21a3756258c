//! A page only some roles may use: the rest see the refusal alone, not a form that would fail.

use guardia_shared::{ErrorCode, Permission};
use leptos::prelude::*;

use super::error_box::ErrorBox;
use crate::api::ApiError;
use crate::session::use_session;

#[component]
pub fn Allowed(to: Permission, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    move || {
        if session.can(to) {
            children().into_any()
        } else {
            let error = ApiError {
                code: Some(ErrorCode::Forbidden),
                message: String::new(),
            };
            view! { <ErrorBox error /> }.into_any()
        }
    }
}
