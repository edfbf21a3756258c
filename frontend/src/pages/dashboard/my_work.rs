//! "My work in every institution": the signed-in person's open SRs and running deployments
//! in each tenant they belong to, labelled by tenant (read tenant by tenant on the server).

use guardia_shared::api::dashboard::{self, MyWorkData};
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::describe;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn MyWorkCard() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let work = session.query::<MyWorkData>(dashboard::MY_WORK, || json!({}));
    view! {
        <section class="card" data-testid="my-work">
            <h2>{lang.t("work.title")}</h2>
            {move || work.get().map(|result| match result {
                Err(error) => view! { <p class="error" role="alert">{describe(&error, lang)}</p> }.into_any(),
                Ok(data) => {
                    let l = lang.0.get_untracked();
                    let omitted = data.my_work.omitted_tenants;
                    view! {
                        <ul class="plain">
                            {data.my_work.tenants.into_iter().map(|t| {
                                let deploying = lang.t("work.deploying");
                                let lines = t.open_srs.into_iter().map(|sr| sr.name)
                                    .chain(t.running_deployments.into_iter().map(move |d| format!("{} · {deploying}", d.name)));
                                view! {
                                    <li data-testid="my-work-tenant" data-tenant=t.membership.tenant_code>
                                        <strong>{t.membership.tenant_name}</strong>
                                        " "<span class="muted">{format::role(t.membership.role, l)}</span>
                                        <ul>{lines.map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(omitted > 0).then(|| view! { <p class="muted">{format!("+{omitted} {}", lang.t("work.omitted"))}</p> })}
                    }.into_any()
                }
            })}
        </section>
    }
}
