//! A watched deployment: its status as events arrive, and the console tail while it runs. One
//! the user started here scrolls itself into view, so its progress is never below the fold.

use guardia_shared::api::deploy::{self, Deployment, LogData};
use leptos::html::Section;
use leptos::prelude::*;
use serde_json::json;

use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn LiveProgress(deployment: Deployment, #[prop(optional)] scroll: bool) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let console = RwSignal::new(String::new());
    let next_start = RwSignal::new(0_i64);
    let running = !deployment.status.is_finished();
    if deployment.build_number.is_some() {
        let read = session.action::<LogData>(deploy::LOG);
        let id = deployment.id.clone();
        let poll = move || {
            if !read.pending().get_untracked() {
                read.dispatch(json!({ "id": id, "start": next_start.get_untracked() }));
            }
        };
        let read_on = poll.clone();
        Effect::new(move || {
            if let Some(Ok(data)) = read.value() {
                let chunk = data.deployment_log;
                console.update(|c| c.push_str(&chunk.text));
                next_start.set(chunk.next_start);
                // A long console comes in pieces: a finished build's is read on to its end.
                if !running && !chunk.text.is_empty() {
                    read_on();
                }
            }
        });
        poll();
        if running && let Ok(handle) = set_interval_with_handle(poll, std::time::Duration::from_millis(1000))
        {
            on_cleanup(move || handle.clear());
        }
    }
    let section = NodeRef::<Section>::new();
    Effect::new(move || {
        if scroll && let Some(section) = section.get() {
            section.scroll_into_view_with_bool(false);
        }
    });
    let l = lang.0.get_untracked();
    view! {
        <section class="card" data-testid="live" data-id=deployment.id.clone() node_ref=section>
            <h2>{lang.t("deploy.progress")}</h2>
            <p>
                {format::status_label(deployment.kind.as_str(), l)}" "
                <span data-testid="live-status" data-status=deployment.status.as_str() data-version=deployment.version>
                    <StatusBadge code=deployment.status.as_str() />
                </span>
                {deployment.build_number.map(|n| format!(" #{n}"))}
                {deployment.target_build.map(|n| format!(" → #{n}"))}
            </p>
            <h3>{lang.t("deploy.console")}</h3>
            <pre class="console" data-testid="console">{move || console.get()}</pre>
        </section>
    }
}
