//! One SR: its fields, comments, and the status and assignee actions the role allows. An SR
//! that cannot be read shows only why.

mod comment_box;
mod sr_view;

use guardia_shared::api::sr::{self, SrData};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::de::IgnoredAny;
use serde_json::json;

use crate::api::Operation;
use crate::components::error_box::{ErrorBox, loading};
use crate::i18n::use_lang;
use crate::session::use_session;
use comment_box::CommentBox;
use sr_view::SrView;

/// An SR mutation's action (the page reloads the SR when it is answered).
pub type SrAction = Operation<IgnoredAny>;

#[component]
pub fn SrDetailPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let update = session.action::<IgnoredAny>(sr::UPDATE_SR);
    let add_comment = session.action::<IgnoredAny>(sr::ADD_COMMENT);
    let sr = session.query::<SrData>(sr::SR, move || {
        update.version().track();
        add_comment.version().track();
        json!({ "id": id() })
    });
    // Kept here, so a reload after a status change does not clear a comment being written.
    let comment = RwSignal::new(String::new());
    Effect::new(move || {
        if add_comment.succeeded() {
            comment.set(String::new());
        }
    });
    let retry = Callback::new(move |()| sr.refetch());
    view! {
        {move || sr.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(data) => {
                let sr_id = data.sr.id.clone();
                view! {
                    <SrView sr=data.sr update />
                    <CommentBox sr_id comment add_comment />
                }.into_any()
            }
        })}
    }
}
