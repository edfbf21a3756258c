//! Log out: the server revokes the session (every token of the user), then this tab forgets
//! it and the login page shows.

use guardia_shared::api::account;
use leptos::prelude::*;
use serde::de::IgnoredAny;
use serde_json::json;

use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn LogoutButton() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let logout = session.action::<IgnoredAny>(account::LOGOUT);
    // Whatever the answer (an expired session is already over), the tab signs out.
    Effect::new(move || {
        if logout.version().get() > 0 {
            session.sign_out();
        }
    });
    view! {
        <button class="link" data-testid="logout" disabled=move || logout.pending().get()
            on:click=move |_| {
                logout.dispatch(json!({}));
            }>
            {lang.t("nav.logout")}
        </button>
    }
}
