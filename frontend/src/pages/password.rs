//! 비밀번호 변경 / Change password, for every role. The shared policy is checked here first
//! (in the UI's words); the server checks it again. A change ends the user's other sessions,
//! and the answer's new token keeps this one.

use guardia_shared::ErrorCode;
use guardia_shared::api::account::{self, ChangePasswordData};
use guardia_shared::user::{PasswordProblem, check_password};
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::describe;
use crate::i18n::use_lang;
use crate::session::use_session;

/// The UI text for a local refusal of the new password.
fn problem_key(problem: PasswordProblem) -> &'static str {
    match problem {
        PasswordProblem::TooShort => "password.too_short",
        PasswordProblem::TooLong => "password.too_long",
        PasswordProblem::OneKind => "password.one_kind",
        PasswordProblem::IsEmail => "password.is_email",
    }
}

#[component]
pub fn PasswordPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    // A refusal found before sending; it hides the previous answer.
    let local = RwSignal::new(None::<&'static str>);
    let change = session.action::<ChangePasswordData>(account::CHANGE_PASSWORD);
    Effect::new(move || {
        if let Some(Ok(data)) = change.value() {
            session.renew(data.change_password.token);
            for field in [current, new, confirm] {
                field.set(String::new());
            }
        }
    });
    let feedback = move || -> Option<(bool, String)> {
        if let Some(key) = local.get() {
            return Some((false, lang.t(key).to_owned()));
        }
        match change.value()? {
            Ok(_) => Some((true, lang.t("password.changed").to_owned())),
            Err(e) if e.is(ErrorCode::Forbidden) => {
                Some((false, lang.t("password.wrong_current").to_owned()))
            }
            Err(e) if e.is(ErrorCode::RateLimited) => Some((false, lang.t("login.limited").to_owned())),
            Err(e) => Some((false, describe(&e, lang))),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        let email = session
            .0
            .with_untracked(|s| s.as_ref().map(|s| s.user.email.clone()));
        let refusal = if fresh != confirm.get_untracked() {
            Some("password.mismatch")
        } else if fresh == old {
            Some("password.same")
        } else {
            check_password(&fresh, &email.unwrap_or_default())
                .err()
                .map(problem_key)
        };
        local.set(refusal);
        if refusal.is_none() {
            change.dispatch(json!({ "current": old, "new": fresh }));
        }
    };
    view! {
        <h1>{lang.t("nav.password")}</h1>
        <form class="card narrow" on:submit=submit data-testid="password-form">
            <label>{lang.t("password.current")}
                <input type="password" required autocomplete="current-password" bind:value=current data-testid="password-current" />
            </label>
            <label>{lang.t("password.new")}
                <input type="password" required autocomplete="new-password" bind:value=new data-testid="password-new" />
            </label>
            <label>{lang.t("password.confirm")}
                <input type="password" required autocomplete="new-password" bind:value=confirm data-testid="password-confirm" />
            </label>
            <p class="muted">{lang.t("password.rules")}</p>
            {move || feedback().map(|(ok, text)| view! {
                <p class=if ok { "success" } else { "error" } role=if ok { "status" } else { "alert" }
                    data-testid=if ok { "password-changed" } else { "password-error" }>{text}</p>
            })}
            <button type="submit" disabled=move || change.pending().get() data-testid="password-submit">
                {lang.t("password.submit")}
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, tr};

    #[test]
    fn every_refusal_has_its_words() {
        let problems = [
            PasswordProblem::TooShort,
            PasswordProblem::TooLong,
            PasswordProblem::OneKind,
            PasswordProblem::IsEmail,
        ];
        let others = [
            "password.mismatch",
            "password.same",
            "password.changed",
            "password.wrong_current",
            "password.rules",
        ];
        for key in problems.into_iter().map(problem_key).chain(others) {
            assert_ne!(tr(Lang::Ko, key), key, "{key} has no text");
        }
    }
}
