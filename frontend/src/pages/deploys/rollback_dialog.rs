//! Confirms a rollback (what is live now, where it goes, why) and then shows its progress in
//! the dialog itself, where the user is looking, until it ends.

use guardia_shared::api::deploy::{self, RollbackData};
use leptos::prelude::*;
use serde_json::json;

use super::live_progress::LiveProgress;
use super::project_history::{RollbackChoice, Watched};
use crate::components::error_box::describe;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn RollbackDialog(
    project: String,
    choice: RollbackChoice,
    rollback: RwSignal<Option<RollbackChoice>>,
    watched: Watched,
) -> impl IntoView {
    let RollbackChoice { target, live } = choice;
    let session = use_session();
    let lang = use_lang();
    let reason = RwSignal::new(String::new());
    let missing_reason = RwSignal::new(false);
    let start = session.action::<RollbackData>(deploy::ROLLBACK);
    // The id of the rollback this dialog started, once the server has recorded it.
    let started = RwSignal::new(None::<String>);
    Effect::new(move || {
        if let Some(Ok(data)) = start.value() {
            started.set(Some(data.rollback.id.clone()));
            watched.start(data.rollback);
        }
    });
    let progress = move || {
        let id = started.get()?;
        watched.deployment.get().filter(|d| d.id == id)
    };
    let project = StoredValue::new(project);
    let confirm = move |_| {
        let text = reason.get_untracked();
        if text.trim().is_empty() {
            missing_reason.set(true);
            return;
        }
        missing_reason.set(false);
        start.dispatch(json!({ "project": project.get_value(), "toBuild": target, "reason": text }));
    };
    let live_text = live.map_or_else(|| "?".to_owned(), |n| format!("#{n}"));
    view! {
        <div class="dialog" role="dialog" aria-modal="true" data-testid="rollback-dialog">
            <div class="card">
                <h2>{lang.t("deploy.rollback_to")}</h2>
                <p class="big" data-testid="rollback-route">{format!("{live_text} → #{target}")}</p>
                <p class="muted">{lang.t("deploy.live_now")}" "{live_text.clone()}</p>
                {move || match progress() {
                    Some(deployment) => {
                        let done = deployment.status.is_finished();
                        view! {
                            <LiveProgress deployment />
                            <div class="actions">
                                <button data-testid="rollback-close" on:click=move |_| rollback.set(None)>
                                    {lang.t(if done { "common.close" } else { "deploy.close_running" })}
                                </button>
                            </div>
                        }.into_any()
                    }
                    None => view! {
                        <label>{lang.t("deploy.reason")}
                            <textarea bind:value=reason data-testid="rollback-reason" required></textarea>
                        </label>
                        {move || missing_reason.get().then(|| view! { <p class="error">{lang.t("deploy.reason_required")}</p> })}
                        {move || match start.value() {
                            Some(Err(error)) => Some(view! { <p class="error" role="alert" data-testid="rollback-error">{describe(&error, lang)}</p> }),
                            _ => None,
                        }}
                        <div class="actions">
                            <button on:click=move |_| rollback.set(None)>{lang.t("common.cancel")}</button>
                            <button class="danger" data-testid="rollback-confirm" disabled=move || start.pending().get() on:click=confirm>
                                {move || if start.pending().get() { lang.t("common.saving") } else { lang.t("deploy.confirm") }}
                            </button>
                        </div>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}
