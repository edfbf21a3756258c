//! An address the app does not know, inside the shell, with a way back.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::use_lang;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let lang = use_lang();
    view! {
        <h1 data-testid="not-found">{lang.t("not_found.title")}</h1>
        <p class="empty">{lang.t("not_found.text")}</p>
        <A href="/">{lang.t("not_found.home")}</A>
    }
}
