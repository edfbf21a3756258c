//! 에이전트: each agent, its server, ONLINE/OFFLINE and last heartbeat.

use guardia_shared::agent::AgentStatus;
use guardia_shared::api::agent::{self, AgentsData};
use leptos::prelude::*;
use serde_json::json;

use crate::components::error_box::{ErrorBox, loading};
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[component]
pub fn AgentsPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let agents = session.query::<AgentsData>(agent::AGENTS, || json!({}));
    let retry = Callback::new(move |()| agents.refetch());
    let l = lang.0.get_untracked();
    view! {
        <h1>{lang.t("nav.agents")}</h1>
        {move || agents.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(data) if data.agents.is_empty() => view! { <p class="empty">{lang.t("agent.none")}</p> }.into_any(),
            Ok(data) => view! {
                <table data-testid="agent-table">
                    <thead><tr>
                        <th>{lang.t("agent.name")}</th><th>{lang.t("agent.server")}</th><th>{lang.t("agent.status")}</th>
                        <th>{lang.t("agent.version")}</th><th>{lang.t("agent.last_seen")}</th>
                    </tr></thead>
                    <tbody>
                        {data.agents.into_iter().map(|a| {
                            let online = a.status == AgentStatus::Online;
                            view! {
                                <tr>
                                    <td>{a.name}</td>
                                    <td>{a.server.name}</td>
                                    <td><span class=if online { "dot on" } else { "dot off" }></span>{format::status_label(a.status.as_str(), l)}</td>
                                    <td>{a.version.unwrap_or_else(|| "—".into())}</td>
                                    <td>{a.last_heartbeat_at.map_or_else(|| "—".into(), |t| format::date_time(&t, l))}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        })}
    }
}
