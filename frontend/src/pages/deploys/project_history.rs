//! One project's deploy tab: builds, ledger, the watched deployment and the deploy form. The
//! watched deployment only ever moves forward: of two copies, the one that supersedes wins.

use guardia_shared::Permission;
use guardia_shared::api::deploy::{self, Deployment, HistoryData, LiveBuilds, Project, UpdateData};
use leptos::prelude::*;
use serde_json::json;

use super::build_table::BuildTable;
use super::deploy_form::DeployForm;
use super::ledger::Ledger;
use super::live_progress::LiveProgress;
use super::rollback_dialog::RollbackDialog;
use crate::api::Subscription;
use crate::components::error_box::{ErrorBox, loading};
use crate::i18n::use_lang;
use crate::session::use_session;

/// A rollback the user is about to confirm: to which build, from which live one.
#[derive(Clone, Copy, PartialEq)]
pub struct RollbackChoice {
    pub target: u32,
    pub live: Option<u32>,
}

/// The deployment this tab follows (kept newest-first by version), and the id of the one this
/// user started here, whose progress is kept in view.
#[derive(Clone, Copy)]
pub struct Watched {
    pub deployment: RwSignal<Option<Deployment>>,
    pub started_here: RwSignal<Option<String>>,
}

impl Watched {
    /// Takes `deployment` unless what is shown is newer.
    pub fn offer(self, deployment: Deployment) {
        self.deployment.update(|current| {
            if current.as_ref().is_none_or(|c| deployment.supersedes(c)) {
                *current = Some(deployment);
            }
        });
    }

    /// A deployment this user just started: followed, and kept in view.
    pub fn start(self, deployment: Deployment) {
        self.started_here.set(Some(deployment.id.clone()));
        self.offer(deployment);
    }
}

#[component]
pub fn ProjectHistory(project: Project) -> impl IntoView {
    let session = use_session();
    let lang = use_lang();
    let watched = Watched {
        deployment: RwSignal::new(None),
        started_here: RwSignal::new(None),
    };
    // Counts finished deployments; the history reloads on each.
    let finished = RwSignal::new(0_u32);
    let name = project.name.clone();
    let history = session.query::<HistoryData>(deploy::HISTORY, move || {
        finished.track();
        json!({ "project": name })
    });
    let subscription = StoredValue::new_local(None::<Subscription>);
    if let Some(token) = session.token() {
        let started = Subscription::start(
            &token,
            deploy::UPDATES,
            json!({ "project": project.name }),
            move |data| {
                if let Ok(update) = serde_json::from_value::<UpdateData>(data) {
                    let done = update.deployment_updated.status.is_finished();
                    watched.offer(update.deployment_updated);
                    if done {
                        finished.update(|n| *n += 1);
                    }
                }
            },
        );
        subscription.set_value(started);
    }
    on_cleanup(move || subscription.set_value(None));
    let rollback = RwSignal::new(None::<RollbackChoice>);
    let retry = Callback::new(move |()| history.refetch());
    let project = StoredValue::new(project);
    view! {
        {move || history.get().map_or_else(|| loading(lang), |result| match result {
            Err(error) => view! { <ErrorBox error retry /> }.into_any(),
            Ok(history) => {
                let parameter = project.with_value(|p| p.rollback_parameter.clone());
                let deployments = history.deployments.into_nodes();
                let live = LiveBuilds::find(&deployments, &history.build_history, &parameter);
                view! {
                    <BuildTable builds=history.build_history live rollback_parameter=parameter rollback />
                    <Ledger deployments />
                }.into_any()
            }
        })}
        // Outside the history, so the reload when the rollback ends leaves the dialog as it is.
        {move || rollback.get().map(|choice| view! {
            <RollbackDialog project=project.get_value().name choice rollback watched />
        })}
        // While a rollback dialog is open it shows the progress itself.
        {move || {
            let deployment = watched.deployment.get().filter(|_| rollback.with(Option::is_none))?;
            let scroll = watched.started_here.with(|id| id.as_deref() == Some(deployment.id.as_str()));
            Some(view! { <LiveProgress deployment scroll /> })
        }}
        {move || session.can(Permission::DeployTrigger).then(|| view! { <DeployForm project=project.get_value().name watched /> })}
    }
}
