//! The tenant switcher, for a person who belongs to several tenants: picking one asks the
//! server for a token there (with that tenant's role) and opens its dashboard.

use guardia_shared::api::account::{self, SwitchTenantData};
use leptos::prelude::*;
use serde_json::json;

use super::error_box::describe;
use crate::format;
use crate::i18n::use_lang;
use crate::session::{Session, use_session};

#[component]
pub fn TenantSwitch() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let switch = session.action::<SwitchTenantData>(account::SWITCH_TENANT);
    Effect::new(move || {
        if let Some(Ok(data)) = switch.value() {
            let answer = data.switch_tenant;
            session.sign_in(Session {
                token: answer.token,
                user: answer.user,
                memberships: answer.memberships,
            });
            // Every page reads again, in the new tenant.
            let _ = window().location().set_href("/");
        }
    });
    let choices = move || {
        session.0.with(|s| {
            s.as_ref()
                .filter(|s| s.memberships.len() > 1)
                .map(|s| (s.user.tenant.code.clone(), s.memberships.clone()))
        })
    };
    move || {
        choices().map(|(current, memberships)| {
            let l = lang.0.get_untracked();
            view! {
                <select class="tenant-switch" data-testid="tenant-switch" aria-label=lang.t("tenant.switch")
                    disabled=move || switch.pending().get()
                    on:change=move |ev| {
                        switch.dispatch(json!({ "tenant": event_target_value(&ev) }));
                    }>
                    {memberships.into_iter().map(|m| {
                        let selected = m.tenant_code == current;
                        let label = format!("{} · {}", m.tenant_name, format::role(m.role, l));
                        view! { <option value=m.tenant_code selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
                {move || switch.error().map(|error| view! { <span class="error" role="alert">{describe(&error, lang)}</span> })}
            }
        })
    }
}
