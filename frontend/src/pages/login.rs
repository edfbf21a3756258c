//! Sign in with email and password; the token is kept for the browser session.

use guardia_shared::ErrorCode;
use guardia_shared::api::account::{self, LoginData};
use leptos::prelude::*;
use leptos_router::components::Redirect;
use serde_json::json;

use crate::components::error_box::describe;
use crate::components::lang_switch::LangSwitch;
use crate::i18n::use_lang;
use crate::session::{Session, use_session};

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login = session.action::<LoginData>(account::LOGIN);
    Effect::new(move || {
        if let Some(Ok(data)) = login.value() {
            session.sign_in(Session {
                token: data.login.token,
                user: data.login.user,
                memberships: data.login.memberships,
            });
        }
    });
    let message = move || match login.value() {
        Some(Err(error)) if error.is(ErrorCode::Unauthenticated) => Some(lang.t("login.wrong").to_owned()),
        Some(Err(error)) if error.is(ErrorCode::RateLimited) => Some(lang.t("login.limited").to_owned()),
        Some(Err(error)) => Some(describe(&error, lang)),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login
            .dispatch(json!({ "email": email.get_untracked().trim(), "password": password.get_untracked() }));
    };
    move || {
        if session.0.with(Option::is_some) {
            return view! { <Redirect path="/" /> }.into_any();
        }
        view! {
            <div class="login">
                <form class="card" on:submit=submit data-testid="login-form">
                    <h1>"GUARDiA ITSM"</h1>
                    <h2>{lang.t("login.title")}</h2>
                    <label>{lang.t("login.email")}
                        <input type="email" name="email" required autocomplete="username" bind:value=email data-testid="login-email" />
                    </label>
                    <label>{lang.t("login.password")}
                        <input type="password" name="password" required autocomplete="current-password" bind:value=password data-testid="login-password" />
                    </label>
                    {move || message().map(|m| view! { <p class="error" role="alert" data-testid="login-error">{m}</p> })}
                    <button type="submit" disabled=move || login.pending().get() data-testid="login-submit">
                        {move || if login.pending().get() { lang.t("login.busy") } else { lang.t("login.submit") }}
                    </button>
                    <LangSwitch />
                </form>
            </div>
        }
        .into_any()
    }
}
