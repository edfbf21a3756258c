//! The reveal button and, once asked, a server's credential (until hidden again).

use guardia_shared::Permission;
use guardia_shared::api::server::{self, Credential as Secret, CredentialData};
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::describe;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn Credential(id: String, present: bool) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let shown = RwSignal::new(None::<Secret>);
    // A query sent as an action: only when asked.
    let reveal = session.action::<CredentialData>(server::CREDENTIAL);
    Effect::new(move || {
        if let Some(Ok(data)) = reveal.value() {
            shown.set(data.server.credential);
        }
    });
    if !present || !session.can(Permission::ServerCredentialRead) {
        return view! { <span class="muted">{if present { "●" } else { "—" }}</span> }.into_any();
    }
    view! {
        {move || match shown.get() {
            Some(secret) => view! {
                <span data-testid="credential"><code>{secret.username}</code>" / "<code>{secret.password}</code></span>" "
                <button class="link" on:click=move |_| shown.set(None)>{lang.t("server.hide")}</button>
            }.into_any(),
            None => {
                let id = id.clone();
                view! {
                    <button data-testid="reveal-credential" title=lang.t("server.audited") disabled=move || reveal.pending().get()
                        on:click=move |_| { reveal.dispatch(json!({ "id": id })); }>
                        {lang.t("server.reveal")}
                    </button>
                }.into_any()
            }
        }}
        {move || match reveal.value() {
            Some(Err(error)) => Some(view! { <span class="error">{describe(&error, lang)}</span> }),
            _ => None,
        }}
    }
    .into_any()
}
