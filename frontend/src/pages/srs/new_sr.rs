//! Filing a new SR: title, description, priority.

use guardia_shared::api::sr::{self, CreateSrData};
use guardia_shared::sr::SrPriority;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use serde_json::json;

use crate::components::error_box::describe;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

/// Title 1..=200 characters after trimming (the server checks the same).
pub fn title_ok(title: &str) -> bool {
    let n = title.trim().chars().count();
    (1..=200).contains(&n)
}

#[component]
pub fn NewSr() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let open = RwSignal::new(false);
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let priority = RwSignal::new(SrPriority::Medium);
    let invalid = RwSignal::new(false);
    let navigate = use_navigate();
    let create = session.action::<CreateSrData>(sr::CREATE_SR);
    Effect::new(move || {
        if let Some(Ok(data)) = create.value() {
            navigate(&format!("/srs/{}", data.create_sr.id), Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !title_ok(&title.get_untracked()) {
            invalid.set(true);
            return;
        }
        invalid.set(false);
        let input = json!({ "title": title.get_untracked().trim(), "description": description.get_untracked(),
            "priority": priority.get_untracked().as_str() });
        create.dispatch(json!({ "input": input }));
    };
    let l = move || lang.0.get();
    view! {
        <button data-testid="new-sr" on:click=move |_| open.update(|o| *o = !*o)>{lang.t("sr.new")}</button>
        {move || open.get().then(|| view! {
            <form class="card" on:submit=submit data-testid="sr-form">
                <label>{lang.t("sr.title")}<input bind:value=title maxlength="200" data-testid="sr-title" /></label>
                {move || invalid.get().then(|| view! { <p class="error">{lang.t("sr.title_required")}</p> })}
                <label>{lang.t("sr.description")}<textarea bind:value=description data-testid="sr-description"></textarea></label>
                <label>{lang.t("sr.priority")}
                    <select on:change=move |ev| if let Ok(p) = event_target_value(&ev).parse() { priority.set(p) }>
                        {SrPriority::ALL.iter().map(|p| view! {
                            <option value=p.as_str() selected=*p == SrPriority::Medium>{move || format::priority(*p, l())}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || match create.value() {
                    Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
                    _ => None,
                }}
                <button type="submit" disabled=move || create.pending().get() data-testid="sr-submit">
                    {move || if create.pending().get() { lang.t("common.saving") } else { lang.t("common.create") }}
                </button>
            </form>
        })}
    }
}
