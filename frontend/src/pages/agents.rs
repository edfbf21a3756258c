//! 에이전트: each agent, its server, ONLINE/OFFLINE and last heartbeat.

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
    let agents = session.resource(|| {
        (
            "{ agents { id name status version lastHeartbeatAt server { name } } }".to_owned(),
            json!({}),
        )
    });
    let retry = Callback::new(move |()| agents.refetch());
    view! {
        <h1>{lang.t("nav.agents")}</h1>
            {move || agents.get().map_or_else(|| loading(lang), |result| match result {
                Err(error) => view! { <ErrorBox error retry /> }.into_any(),
                Ok(data) => {
                    let l = lang.0.get();
                    view! {
                        <table data-testid="agent-table">
                            <thead><tr>
                                <th>{lang.t("agent.name")}</th><th>{lang.t("agent.server")}</th><th>{lang.t("agent.status")}</th>
                                <th>{lang.t("agent.version")}</th><th>{lang.t("agent.last_seen")}</th>
                            </tr></thead>
                            <tbody>
                                {data["agents"].as_array().cloned().unwrap_or_default().into_iter().map(|a| {
                                    let online = a["status"] == "ONLINE";
                                    view! {
                                        <tr>
                                            <td>{a["name"].as_str().unwrap_or_default().to_owned()}</td>
                                            <td>{a["server"]["name"].as_str().unwrap_or_default().to_owned()}</td>
                                            <td><span class=if online { "dot on" } else { "dot off" }></span>{a["status"].as_str().unwrap_or_default().to_owned()}</td>
                                            <td>{a["version"].as_str().unwrap_or("—").to_owned()}</td>
                                            <td>{a["lastHeartbeatAt"].as_str().map(|t| format::date_time(t, l)).unwrap_or_else(|| "—".into())}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            })}
    }
}
