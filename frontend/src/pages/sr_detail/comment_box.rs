//! Writing a comment on an SR that could be read.

use leptos::prelude::*;
use serde_json::json;

use super::SrAction;
use crate::components::error_box::describe;
use crate::i18n::use_lang;

#[component]
pub fn CommentBox(sr_id: String, comment: RwSignal<String>, add_comment: SrAction) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="card">
            <textarea bind:value=comment data-testid="comment-body"></textarea>
            {move || match add_comment.value() {
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
                _ => None,
            }}
            <button data-testid="comment-submit" disabled=move || add_comment.pending().get() || comment.with(|c| c.trim().is_empty())
                on:click=move |_| { add_comment.dispatch(json!({ "id": sr_id, "body": comment.get_untracked() })); }>
                {lang.t("sr.comment")}
            </button>
        </div>
    }
}
