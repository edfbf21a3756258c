//! The batch page: jobs with their recent runs, run now, enable and disable.

use serde::Deserialize;

use super::{Connection, Named, documents};
use crate::deploy::RunStatus;

documents! {
    JOBS = "query BatchJobs { appInfo { timezone } batchJobs { id name jenkinsJob schedule enabled nextRunAt
        runs(first: 5) { edges { node { id status buildNumber startedAt scheduledFor catchUp
            triggeredBy { name } } } } } }";
    RUN_NOW = "mutation RunBatchNow($id: ID!) { runBatchNow(id: $id) { id } }";
    SET_ENABLED = "mutation SetBatchJobEnabled($id: ID!, $enabled: Boolean!) {
        updateBatchJob(id: $id, input: { enabled: $enabled }) { id } }";
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobsData {
    pub app_info: Timezone,
    pub batch_jobs: Vec<BatchJob>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Timezone {
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchJob {
    pub id: String,
    pub name: String,
    pub jenkins_job: String,
    pub schedule: String,
    pub enabled: bool,
    pub next_run_at: Option<String>,
    pub runs: Connection<BatchRun>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRun {
    pub id: String,
    pub status: RunStatus,
    pub build_number: Option<i32>,
    pub started_at: String,
    pub scheduled_for: Option<String>,
    pub catch_up: bool,
    pub triggered_by: Option<Named>,
}
