//! The dashboard: one request for the parts the role may read (`@include` leaves out the rest).

use serde::Deserialize;

use super::{Connection, Named, documents};
use crate::agent::AgentStatus;
use crate::deploy::{DeploymentKind, RunStatus};
use crate::sr::{SrPriority, SrStatus};

documents! {
    DASHBOARD = "query Dashboard($assignee: ID, $agents: Boolean!, $deploys: Boolean!) {
        srStatusCounts { status count }
        srs(first: 8, assigneeId: $assignee) { edges { node { id title status priority } } }
        agents @include(if: $agents) { id name status server { name } }
        batchJobs @include(if: $agents) { name lastRun { status scheduledFor failureReason } }
        deployments(first: 5) @include(if: $deploys) {
            edges { node { id kind status buildNumber targetBuild project { name } triggeredBy { name } } } } }";
    MY_WORK = "query MyWork { myWork { omittedTenants tenants {
        membership { tenantCode tenantName role }
        openSrs { name: title } runningDeployments { name: project } } } }";
}

/// The signed-in person's work in every tenant they belong to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyWorkData {
    pub my_work: MyWork,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MyWork {
    pub omitted_tenants: i32,
    pub tenants: Vec<TenantWork>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantWork {
    pub membership: super::account::MembershipRef,
    /// Open SRs by title.
    pub open_srs: Vec<Named>,
    /// Queued or running deployments by project.
    pub running_deployments: Vec<Named>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DashboardData {
    pub sr_status_counts: Vec<StatusCount>,
    pub srs: Connection<MySr>,
    #[serde(default)]
    pub agents: Option<Vec<AgentLine>>,
    #[serde(default)]
    pub batch_jobs: Option<Vec<JobLine>>,
    #[serde(default)]
    pub deployments: Option<Connection<DeploymentLine>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StatusCount {
    pub status: SrStatus,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MySr {
    pub id: String,
    pub title: String,
    pub status: SrStatus,
    pub priority: SrPriority,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AgentLine {
    pub id: String,
    pub name: String,
    pub status: AgentStatus,
    pub server: Named,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobLine {
    pub name: String,
    pub last_run: Option<LastRun>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastRun {
    pub status: RunStatus,
    pub scheduled_for: Option<String>,
    pub failure_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentLine {
    pub id: String,
    pub kind: DeploymentKind,
    pub status: RunStatus,
    pub build_number: Option<i32>,
    pub target_build: Option<i32>,
    pub project: Named,
    pub triggered_by: Named,
}

impl DashboardData {
    /// Batch jobs whose last run the schedule started and which failed: (name, reason).
    pub fn failed_scheduled_runs(&self) -> Vec<(String, String)> {
        self.batch_jobs
            .iter()
            .flatten()
            .filter_map(|job| {
                let run = job.last_run.as_ref()?;
                (run.status == RunStatus::Failure && run.scheduled_for.is_some())
                    .then(|| (job.name.clone(), run.failure_reason.clone().unwrap_or_default()))
            })
            .collect()
    }
}
