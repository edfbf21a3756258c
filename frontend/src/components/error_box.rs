//! A failed call, said plainly by its code, with a retry where one makes sense.

use guardia_shared::ErrorCode;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{LangContext, use_lang};

/// The message for an error: the UI's own words for the common codes, else the server's.
pub fn describe(error: &ApiError, lang: LangContext) -> String {
    match error.code {
        None => lang.t("error.network").to_owned(),
        Some(ErrorCode::Forbidden) => lang.t("error.forbidden").to_owned(),
        Some(ErrorCode::NotFound) => lang.t("error.not_found").to_owned(),
        Some(ErrorCode::UpstreamUnavailable) => format!("{} ({})", lang.t("error.upstream"), error.message),
        Some(_) => error.message.clone(),
    }
}

/// Whether asking again may help: not for a refusal, a missing object or bad input.
fn worth_retrying(error: &ApiError) -> bool {
    matches!(
        error.code,
        None | Some(ErrorCode::Internal | ErrorCode::UpstreamUnavailable | ErrorCode::RateLimited)
    )
}

#[component]
pub fn ErrorBox(error: ApiError, #[prop(optional)] retry: Option<Callback<()>>) -> impl IntoView {
    let lang = use_lang();
    let code = error.code.map_or("NETWORK", ErrorCode::as_str);
    let retry = retry.filter(|_| worth_retrying(&error));
    view! {
        <div class="error" role="alert" data-testid="error" data-code=code>
            <span>{move || describe(&error, lang)}</span>
            {retry.map(|retry| view! {
                <button on:click=move |_| retry.run(())>{lang.t("common.retry")}</button>
            })}
        </div>
    }
}

/// What a part of a page shows while its data loads.
pub fn loading(lang: LangContext) -> AnyView {
    view! { <p class="loading">{lang.t("common.loading")}</p> }.into_any()
}
