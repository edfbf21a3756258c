//! GUARDiA's record of a project's deployments and rollbacks, newest first.

use guardia_shared::api::deploy::Deployment;
use guardia_shared::deploy::DeploymentKind;
use leptos::prelude::*;

use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;

#[component]
pub fn Ledger(deployments: Vec<Deployment>) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    if deployments.is_empty() {
        return view! {
            <section class="card">
                <h2>{lang.t("deploy.ledger")}</h2>
                <p class="empty" data-testid="ledger-empty">{lang.t("deploy.ledger_empty")}</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card">
            <h2>{lang.t("deploy.ledger")}</h2>
            <table data-testid="ledger">
                <thead><tr>
                    <th>{lang.t("deploy.kind")}</th><th>{lang.t("deploy.result")}</th><th>{lang.t("deploy.number")}</th>
                    <th>{lang.t("deploy.target")}</th><th>{lang.t("deploy.by")}</th><th>{lang.t("deploy.reason")}</th><th>{lang.t("deploy.started")}</th>
                </tr></thead>
                <tbody>
                    {deployments.into_iter().map(|d| {
                        let kind = d.kind.as_str();
                        view! {
                            <tr data-testid="ledger-row" data-kind=kind data-status=d.status.as_str()>
                                <td><span class=if d.kind == DeploymentKind::Rollback { "badge warn" } else { "badge" }>{format::status_label(kind, l)}</span></td>
                                <td><StatusBadge code=d.status.as_str() /></td>
                                <td>{d.build_number.map(|n| format!("#{n}"))}</td>
                                <td>{d.target_build.map(|n| format!("#{n}"))}</td>
                                <td>{d.triggered_by.name}</td>
                                <td>{d.reason}</td>
                                <td>{format::date_time(&d.created_at, l)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}
