//! Starts a deployment with optional `NAME=value` build parameters.

use guardia_shared::api::deploy::{self, TriggerData};
use leptos::prelude::*;
use serde_json::{Value, json};

use super::project_history::Watched;
use crate::components::error_box::describe;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn DeployForm(project: String, watched: Watched) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let parameters = RwSignal::new(String::new());
    let deploy = session.action::<TriggerData>(deploy::TRIGGER);
    Effect::new(move || {
        if let Some(Ok(data)) = deploy.value() {
            watched.start(data.trigger_deploy);
        }
    });
    view! {
        <section class="card">
            <h2>{lang.t("deploy.deploy")}</h2>
            <label>{lang.t("deploy.parameters")}
                <textarea bind:value=parameters placeholder="VERSION=1.2.3" data-testid="deploy-parameters"></textarea>
            </label>
            {move || match deploy.value() {
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
                _ => None,
            }}
            <button data-testid="deploy-submit" disabled=move || deploy.pending().get()
                on:click=move |_| {
                    let params: Vec<Value> = parse_parameters(&parameters.get_untracked())
                        .into_iter()
                        .map(|(name, value)| json!({ "name": name, "value": value }))
                        .collect();
                    deploy.dispatch(json!({ "project": project, "parameters": params }));
                }>
                {move || if deploy.pending().get() { lang.t("common.saving") } else { lang.t("deploy.deploy") }}
            </button>
        </section>
    }
}

/// `NAME=value` lines (blank lines ignored; a line without `=` is a name with an empty value).
pub fn parse_parameters(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once('=') {
            Some((name, value)) => (name.trim().to_owned(), value.trim().to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_from_lines() {
        assert_eq!(
            parse_parameters("VERSION = 1.2\n\nDRY_RUN=true\nFLAG"),
            [
                ("VERSION".to_owned(), "1.2".to_owned()),
                ("DRY_RUN".to_owned(), "true".to_owned()),
                ("FLAG".to_owned(), String::new())
            ]
        );
    }
}
