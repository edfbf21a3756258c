//! The 한국어 / English switch; the choice is remembered.

use leptos::prelude::*;

use crate::i18n::{Lang, use_lang};

#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    view! {
        <button class="link" data-testid="lang-switch"
            on:click=move |_| lang.0.update(|l| *l = if *l == Lang::Ko { Lang::En } else { Lang::Ko })>
            {lang.t("lang.switch")}
        </button>
    }
}
