//! SLA 설정 (ADMIN): each priority's response and resolution targets in business minutes, and
//! the business calendar (working days, hours, holidays). New targets apply to SRs filed from
//! then on; a new calendar also moves the running clocks (the server says so in docs/sla.md).

use guardia_shared::api::sla::{self, SlaSettingsData};
use guardia_shared::sla::Weekday;
use guardia_shared::sr::SrPriority;
use leptos::prelude::*;
use serde::de::IgnoredAny;
use serde_json::json;

use crate::api::Operation;
use crate::components::error_box::describe;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn SlaSettings() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let save_policy = session.action::<IgnoredAny>(sla::SET_SLA_POLICY);
    let save_calendar = session.action::<IgnoredAny>(sla::SET_SLA_CALENDAR);
    let settings = session.query::<SlaSettingsData>(sla::SLA_SETTINGS, move || {
        save_policy.version().track();
        save_calendar.version().track();
        json!({})
    });
    let error = move || save_policy.error().or_else(|| save_calendar.error());
    view! {
        <section class="card" data-testid="sla-settings">
            <h2>{lang.t("sla.settings")}</h2>
            {move || error().map(|e| view! { <p class="error" role="alert">{describe(&e, lang)}</p> })}
            {move || settings.get().map(|result| match result {
                Err(e) => view! { <p class="error" role="alert">{describe(&e, lang)}</p> }.into_any(),
                Ok(data) => view! { <Targets data=data.clone() save=save_policy /> <Calendar data save=save_calendar /> }.into_any(),
            })}
        </section>
    }
}

/// One row per priority: response and resolution minutes, saved together.
#[component]
fn Targets(data: SlaSettingsData, save: Operation<IgnoredAny>) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let rows = SrPriority::ALL.iter().map(|priority| {
        let policy = data.sla_policies.iter().find(|p| p.priority == *priority);
        let response = RwSignal::new(policy.map(|p| p.response_minutes.to_string()).unwrap_or_default());
        let resolution = RwSignal::new(policy.map(|p| p.resolution_minutes.to_string()).unwrap_or_default());
        let priority = *priority;
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let minutes = |text: RwSignal<String>| text.get_untracked().trim().parse::<i32>().unwrap_or(0);
            save.dispatch(json!({ "priority": priority.as_str(), "response": minutes(response), "resolution": minutes(resolution) }));
        };
        view! {
            <form class="sla-row" on:submit=submit data-testid="sla-policy" data-priority=priority.as_str()>
                <strong>{format::priority(priority, l)}</strong>
                <label>{lang.t("sla.response")}<input type="number" min="1" bind:value=response required /></label>
                <label>{lang.t("sla.resolution")}<input type="number" min="1" bind:value=resolution required /></label>
                <button type="submit" disabled=move || save.pending().get()>{lang.t("common.save")}</button>
            </form>
        }
    });
    view! { <p class="muted">{lang.t("sla.targets_note")}</p> {rows.collect_view()} }
}

/// Working days, hours and holidays (one date per line).
#[component]
fn Calendar(data: SlaSettingsData, save: Operation<IgnoredAny>) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let calendar = data.sla_calendar;
    let days = RwSignal::new(Weekday::bits_of(&calendar.weekdays));
    let start = RwSignal::new(calendar.day_start);
    let end = RwSignal::new(calendar.day_end);
    let holidays = RwSignal::new(calendar.holidays.join("\n"));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let holidays: Vec<String> = holidays
            .get_untracked()
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|day| !day.is_empty())
            .map(str::to_owned)
            .collect();
        let weekdays: Vec<&str> = Weekday::days_of(days.get_untracked())
            .iter()
            .map(|d| d.as_str())
            .collect();
        save.dispatch(json!({ "input": {
            "weekdays": weekdays, "dayStart": start.get_untracked(), "dayEnd": end.get_untracked(), "holidays": holidays,
        } }));
    };
    view! {
        <form on:submit=submit data-testid="sla-calendar">
            <p class="muted">{format!("{} ({})", lang.t("sla.calendar_note"), calendar.timezone)}</p>
            <div class="sla-days">
                {Weekday::ALL.iter().map(|day| {
                    let bit = day.bit();
                    view! {
                        <label><input type="checkbox" prop:checked=move || days.get() & bit != 0
                            on:change=move |_| days.update(|d| *d ^= bit) />{format::weekday(*day, l)}</label>
                    }
                }).collect_view()}
            </div>
            <label class="inline">{lang.t("sla.hours")}" "<input bind:value=start size="5" />" – "<input bind:value=end size="5" /></label>
            <label>{lang.t("sla.holidays")}<textarea bind:value=holidays data-testid="sla-holidays"></textarea></label>
            <button type="submit" disabled=move || save.pending().get()>{lang.t("common.save")}</button>
        </form>
    }
}
