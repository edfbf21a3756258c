//! SRs at risk: open SRs that used 75 % of a service-level target or more, the earliest due
//! first, with their state and due time (a customer's own only, as the server filters).

use guardia_shared::api::sla::{self, SrsAtRiskData};
use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::json;

use crate::components::error_box::describe;
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn AtRiskCard() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let at_risk = session.query::<SrsAtRiskData>(sla::SRS_AT_RISK, || json!({}));
    view! {
        <section class="card" data-testid="at-risk">
            <h2>{lang.t("sla.at_risk")}</h2>
            {move || at_risk.get().map(|result| match result {
                Err(error) => view! { <p class="error" role="alert">{describe(&error, lang)}</p> }.into_any(),
                Ok(data) if data.srs_at_risk.is_empty() => {
                    view! { <p class="empty" data-testid="at-risk-empty">{lang.t("sla.none_at_risk")}</p> }.into_any()
                }
                Ok(data) => {
                    let l = lang.0.get_untracked();
                    view! {
                        <ul class="plain">
                            {data.srs_at_risk.into_iter().map(|sr| {
                                let clocks = sr.sla;
                                let due = clocks.as_ref()
                                    .and_then(|c| c.due_at())
                                    .map(|at| format!("{} {}", lang.t("sla.due"), format::date_time(at, l)));
                                view! {
                                    <li data-testid="at-risk-sr">
                                        {clocks.map(|c| view! { <StatusBadge code=c.state.as_str() /> })}" "
                                        <A href=format!("/srs/{}", sr.id)>{sr.title}</A>
                                        " "<span class="muted">{format::priority(sr.priority, l)}{due.map(|d| format!(" · {d}"))}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        </section>
    }
}
