//! 배포 이력: a project's Jenkins builds (with artifact downloads and a rollback button on each
//! build that can be a target), GUARDiA's deployment ledger, a deploy form, and the live
//! progress of the running deployment (subscription + console tail).

use guardia_shared::Permission;
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{Subscription, parse};
use crate::components::error_box::{ErrorBox, describe, loading};
use crate::components::status_badge::StatusBadge;
use crate::format;
use crate::i18n::use_lang;
use crate::session::use_session;

#[derive(Deserialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    file_name: String,
    signed_url: String,
}

#[derive(Deserialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Build {
    pub number: u32,
    pub result: Option<String>,
    pub building: bool,
    timestamp: String,
    duration: i64,
    triggered_by: Option<String>,
    pub artifacts: Vec<Artifact>,
}

impl Build {
    /// Only a finished, successful build that still has artifacts can be a rollback target
    /// (the server checks again).
    pub fn can_be_rollback_target(&self) -> bool {
        !self.building && self.result.as_deref() == Some("SUCCESS") && !self.artifacts.is_empty()
    }
}

/// A deployment as the ledger and the subscription show it.
#[derive(Deserialize, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Deployment {
    id: String,
    kind: String,
    status: String,
    target_build: Option<i64>,
    build_number: Option<i64>,
    reason: Option<String>,
    created_at: String,
    triggered_by: Person,
}

#[derive(Deserialize, Clone, PartialEq)]
struct Person {
    name: String,
}

const DEPLOYMENT_FIELDS: &str =
    "id kind status targetBuild buildNumber reason createdAt triggeredBy { name }";
const ROLLBACK: &str =
    "mutation($p: String!, $b: Int!, $r: String!) { rollback(project: $p, toBuild: $b, reason: $r) {
    id kind status targetBuild buildNumber reason createdAt triggeredBy { name } } }";
const TRIGGER: &str = "mutation($p: String!, $params: [BuildParameterInput!]) { triggerDeploy(project: $p, parameters: $params) {
    id kind status targetBuild buildNumber reason createdAt triggeredBy { name } } }";
const LOG: &str = "query($id: ID!, $s: Int!) { deploymentLog(id: $id, start: $s) { text nextStart } }";

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct History {
    build_history: Vec<Build>,
    deployments: Value,
}

#[component]
pub fn DeploysPage() -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let projects = session.resource(|| ("{ deployProjects { name jenkinsJob } }".to_owned(), json!({})));
    // (name, Jenkins job) of each project.
    let projects = move || {
        projects.get().map(|r| {
            r.map(|d| {
                d["deployProjects"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        let text = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
                        (text("name"), text("jenkinsJob"))
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let selected = RwSignal::new(None::<String>);
    Effect::new(move || {
        if selected.get_untracked().is_none()
            && let Some(Ok(list)) = projects()
            && let Some((first, _)) = list.first()
        {
            selected.set(Some(first.clone()));
        }
    });
    view! {
        <h1>{lang.t("nav.deploys")}</h1>
            {move || projects().map_or_else(|| loading(lang), |result| match result {
                Err(error) => view! { <ErrorBox error /> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty">{lang.t("deploy.no_projects")}</p> }.into_any(),
                Ok(list) => view! {
                    <label class="inline">{lang.t("deploy.project")}" "
                        <select data-testid="project-select" on:change=move |ev| selected.set(Some(event_target_value(&ev)))>
                            {list.into_iter().map(|(name, job)| {
                                let label = format!("{name} ({job})");
                                view! { <option value=name.clone() selected=move || selected.get().as_deref() == Some(name.as_str())>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                }.into_any(),
            })}
        {move || selected.get().map(|project| view! { <ProjectHistory project /> })}
    }
}

#[component]
fn ProjectHistory(project: String) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let project = StoredValue::new(project);
    let history = session.resource(move || {
        let query = format!(
            "query($p: String!) {{ buildHistory(project: $p, limit: 20) {{ number result building timestamp duration triggeredBy
               artifacts {{ fileName signedUrl }} }}
               deployments(project: $p, first: 20) {{ edges {{ node {{ {DEPLOYMENT_FIELDS} }} }} }} }}"
        );
        (query, json!({ "p": project.get_value() }))
    });
    // The deployment being watched live: set when one starts here or an event arrives.
    let live = RwSignal::new(None::<Deployment>);
    let subscription = StoredValue::new_local(None::<Subscription>);
    if let Some(token) = session.token() {
        let query = format!(
            "subscription($p: String) {{ deploymentUpdated(project: $p) {{ {DEPLOYMENT_FIELDS} }} }}"
        );
        let started = Subscription::start(&token, &query, json!({ "p": project.get_value() }), move |data| {
            if let Ok(deployment) = serde_json::from_value::<Deployment>(data["deploymentUpdated"].clone()) {
                let finished = !matches!(deployment.status.as_str(), "QUEUED" | "RUNNING");
                live.set(Some(deployment));
                if finished {
                    history.refetch();
                }
            }
        });
        subscription.set_value(started);
    }
    on_cleanup(move || subscription.set_value(None));
    let rollback_target = RwSignal::new(None::<u32>);
    let retry = Callback::new(move |()| history.refetch());
    view! {
            {move || history.get().map_or_else(|| loading(lang), |result| match result.and_then(parse::<History>) {
                Err(error) => view! { <ErrorBox error retry /> }.into_any(),
                Ok(history) => {
                    let current = history.build_history.iter().find(|b| b.result.as_deref() == Some("SUCCESS")).map(|b| b.number);
                    view! {
                        <BuildTable builds=history.build_history.clone() rollback_target />
                        {move || rollback_target.get().map(|target| view! {
                            <RollbackDialog project=project.get_value() current target rollback_target live />
                        })}
                        <Ledger deployments=history.deployments.clone() />
                    }.into_any()
                }
            })}
        {move || live.get().map(|deployment| view! { <LiveProgress deployment /> })}
        {move || session.can(Permission::DeployTrigger).then(|| view! { <DeployForm project=project.get_value() live /> })}
    }
}

#[component]
fn BuildTable(builds: Vec<Build>, rollback_target: RwSignal<Option<u32>>) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let may_roll_back = session.can(Permission::DeployTrigger);
    view! {
        <section class="card">
            <h2>{lang.t("deploy.builds")}</h2>
            <table data-testid="build-table">
                <thead><tr>
                    <th>{lang.t("deploy.number")}</th><th>{lang.t("deploy.result")}</th><th>{lang.t("deploy.started")}</th>
                    <th>{lang.t("deploy.duration")}</th><th>{lang.t("deploy.by")}</th><th>{lang.t("deploy.artifacts")}</th><th></th>
                </tr></thead>
                <tbody>
                    {builds.into_iter().map(|build| {
                        let number = build.number;
                        let result = if build.building { "RUNNING".to_owned() } else { build.result.clone().unwrap_or_default() };
                        let target = may_roll_back && build.can_be_rollback_target();
                        view! {
                            <tr data-testid="build-row" data-number=number>
                                <td>{format!("#{number}")}</td>
                                <td><StatusBadge status=result /></td>
                                <td>{format::date_time(&build.timestamp, l)}</td>
                                <td>{if build.building { "…".to_owned() } else { format::duration(build.duration) }}</td>
                                <td>{build.triggered_by.clone().unwrap_or_default()}</td>
                                <td>{build.artifacts.into_iter().map(|a| view! {
                                    <a href=a.signed_url download=a.file_name.clone() data-testid="artifact-link">{a.file_name.clone()}</a>" "
                                }).collect_view()}</td>
                                <td>{target.then(|| view! {
                                    <button class="danger" data-testid=format!("rollback-{number}") on:click=move |_| rollback_target.set(Some(number))>
                                        {lang.t("deploy.rollback")}
                                    </button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn RollbackDialog(
    project: String,
    current: Option<u32>,
    target: u32,
    rollback_target: RwSignal<Option<u32>>,
    live: RwSignal<Option<Deployment>>,
) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let reason = RwSignal::new(String::new());
    let missing_reason = RwSignal::new(false);
    let rollback = session.mutation(ROLLBACK);
    Effect::new(move || {
        if let Some(Ok(data)) = rollback.value().get()
            && let Ok(deployment) = parse::<Deployment>(data["rollback"].clone())
        {
            live.set(Some(deployment));
            rollback_target.set(None);
        }
    });
    let confirm = move |_| {
        let text = reason.get_untracked();
        if text.trim().is_empty() {
            missing_reason.set(true);
            return;
        }
        rollback.dispatch(json!({ "p": project, "b": target, "r": text }));
    };
    view! {
        <div class="dialog" role="dialog" aria-modal="true" data-testid="rollback-dialog">
            <div class="card">
                <h2>{lang.t("deploy.rollback_to")}</h2>
                <p class="big">{format!("#{} → #{target}", current.map(|c| c.to_string()).unwrap_or_else(|| "?".into()))}</p>
                <label>{lang.t("deploy.reason")}
                    <textarea bind:value=reason data-testid="rollback-reason" required></textarea>
                </label>
                {move || missing_reason.get().then(|| view! { <p class="error">{lang.t("deploy.reason_required")}</p> })}
                {move || match rollback.value().get() {
                    Some(Err(error)) => Some(view! { <p class="error" role="alert" data-testid="rollback-error">{describe(&error, lang)}</p> }),
                    _ => None,
                }}
                <div class="actions">
                    <button on:click=move |_| rollback_target.set(None)>{lang.t("common.cancel")}</button>
                    <button class="danger" data-testid="rollback-confirm" disabled=move || rollback.pending().get() on:click=confirm>
                        {move || if rollback.pending().get() { lang.t("common.saving") } else { lang.t("deploy.confirm") }}
                    </button>
                </div>
            </div>
        </div>
    }
}

#[component]
fn Ledger(deployments: Value) -> impl IntoView {
    let lang = use_lang();
    let l = lang.0.get_untracked();
    let rows: Vec<Deployment> = deployments["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| serde_json::from_value(e["node"].clone()).ok())
        .collect();
    view! {
        <section class="card">
            <h2>{lang.t("deploy.ledger")}</h2>
            <table data-testid="ledger">
                <thead><tr>
                    <th>{lang.t("deploy.kind")}</th><th>{lang.t("deploy.result")}</th><th>{lang.t("deploy.number")}</th>
                    <th>{lang.t("deploy.target")}</th><th>{lang.t("deploy.by")}</th><th>{lang.t("deploy.reason")}</th><th>{lang.t("deploy.started")}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|d| view! {
                        <tr data-testid="ledger-row" data-kind=d.kind.clone() data-status=d.status.clone()>
                            <td><span class=if d.kind == "ROLLBACK" { "badge warn" } else { "badge" }>{d.kind.clone()}</span></td>
                            <td><StatusBadge status=d.status.clone() /></td>
                            <td>{d.build_number.map(|n| format!("#{n}"))}</td>
                            <td>{d.target_build.map(|n| format!("#{n}"))}</td>
                            <td>{d.triggered_by.name.clone()}</td>
                            <td>{d.reason.clone()}</td>
                            <td>{format::date_time(&d.created_at, l)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The watched deployment: its status as events arrive, and the console tail while it runs.
#[component]
fn LiveProgress(deployment: Deployment) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let console = RwSignal::new(String::new());
    let next_start = RwSignal::new(0_i64);
    let id = deployment.id.clone();
    let running = matches!(deployment.status.as_str(), "QUEUED" | "RUNNING");
    if deployment.build_number.is_some() {
        let read = session.mutation(LOG);
        let poll = move || {
            if !read.pending().get_untracked() {
                read.dispatch(json!({ "id": id, "s": next_start.get_untracked() }));
            }
        };
        let read_on = poll.clone();
        Effect::new(move || {
            if let Some(Ok(data)) = read.value().get() {
                let log = &data["deploymentLog"];
                let text = log["text"].as_str().unwrap_or_default();
                console.update(|c| c.push_str(text));
                next_start.set(log["nextStart"].as_i64().unwrap_or(0));
                // A long console comes in pieces: a finished build's is read on to its end.
                if !running && !text.is_empty() {
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
    view! {
        <section class="card" data-testid="live">
            <h2>{lang.t("deploy.progress")}</h2>
            <p>
                {deployment.kind.clone()}" "
                <span data-testid="live-status"><StatusBadge status=deployment.status.clone() /></span>
                {deployment.build_number.map(|n| format!(" #{n}"))}
                {deployment.target_build.map(|n| format!(" → #{n}"))}
            </p>
            <h3>{lang.t("deploy.console")}</h3>
            <pre class="console" data-testid="console">{move || console.get()}</pre>
        </section>
    }
}

#[component]
fn DeployForm(project: String, live: RwSignal<Option<Deployment>>) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let parameters = RwSignal::new(String::new());
    let deploy = session.mutation(TRIGGER);
    Effect::new(move || {
        if let Some(Ok(data)) = deploy.value().get()
            && let Ok(deployment) = parse::<Deployment>(data["triggerDeploy"].clone())
        {
            live.set(Some(deployment));
        }
    });
    view! {
        <section class="card">
            <h2>{lang.t("deploy.deploy")}</h2>
            <label>{lang.t("deploy.parameters")}
                <textarea bind:value=parameters placeholder="VERSION=1.2.3" data-testid="deploy-parameters"></textarea>
            </label>
            {move || match deploy.value().get() {
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{describe(&error, lang)}</p> }),
                _ => None,
            }}
            <button data-testid="deploy-submit" disabled=move || deploy.pending().get()
                on:click=move |_| {
                    let params: Vec<Value> = parse_parameters(&parameters.get_untracked())
                        .into_iter()
                        .map(|(name, value)| json!({ "name": name, "value": value }))
                        .collect();
                    deploy.dispatch(json!({ "p": project, "params": params }));
                }>
                {move || if deploy.pending().get() { lang.t("common.saving") } else { lang.t("deploy.deploy") }}
            </button>
        </section>
    }
}

/// `NAME=value` lines (blank lines ignored; a line without `=` is a name with an empty value).
pub fn parse_parameters(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once('=') {
            Some((name, value)) => (name.trim().to_owned(), value.trim().to_owned()),
            None => (line.to_owned(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(result: Option<&str>, building: bool, artifacts: usize) -> Build {
        Build {
            number: 7,
            result: result.map(str::to_owned),
            building,
            timestamp: String::new(),
            duration: 0,
            triggered_by: None,
            artifacts: (0..artifacts)
                .map(|i| Artifact {
                    file_name: format!("a{i}"),
                    signed_url: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn only_finished_successful_builds_with_artifacts_are_targets() {
        assert!(build(Some("SUCCESS"), false, 1).can_be_rollback_target());
        assert!(!build(Some("FAILURE"), false, 1).can_be_rollback_target());
        assert!(!build(Some("SUCCESS"), true, 1).can_be_rollback_target());
        assert!(!build(None, true, 1).can_be_rollback_target());
        assert!(!build(Some("SUCCESS"), false, 0).can_be_rollback_target());
    }

    #[test]
    fn parameters_are_read_from_lines() {
        assert_eq!(
            parse_parameters("VERSION = 1.2\n\nDRY_RUN=true\nFLAG"),
            [
                ("VERSION".to_owned(), "1.2".to_owned()),
                ("DRY_RUN".to_owned(), "true".to_owned()),
                ("FLAG".to_owned(), String::new())
            ]
        );
    }
}
