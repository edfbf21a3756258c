//! A coloured badge for a run status, a Jenkins result or a deployment kind, in the UI
//! language; `data-status` keeps the API's code.

use leptos::prelude::*;

use crate::format::{badge_class, status_label};
use crate::i18n::use_lang;

#[component]
pub fn StatusBadge(code: &'static str) -> impl IntoView {
    let lang = use_lang();
    let label = status_label(code, lang.0.get_untracked());
    view! { <span class=badge_class(code) data-testid="badge" data-status=code>{label}</span> }
}
