//! A coloured badge for a run status or a Jenkins result.

use leptos::prelude::*;

use crate::format::badge_class;

#[component]
pub fn StatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let class = badge_class(&status);
    view! { <span class=class data-testid="badge">{status}</span> }
}
