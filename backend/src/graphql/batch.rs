//! Batch jobs: a Jenkins job on a five-field cron schedule (run-now comes with Jenkins).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use guardia_shared::Permission;
use guardia_shared::deploy::RunStatus;

use super::audit_trail::record;
use super::console;
use super::context::{self, AfterCommit, read_before_waiting, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::Require;
use super::pagination::{connection, page_request};
use super::user::{self, User};
use super::validate;
use crate::db;
use crate::service::trigger::{self, PendingRun, RunPlan};

pub struct BatchJob(pub db::batch::BatchJob);
pub struct BatchRun(pub db::batch::BatchRun);

impl From<db::batch::BatchRun> for BatchRun {
    fn from(row: db::batch::BatchRun) -> Self {
        BatchRun(row)
    }
}

impl BatchRun {
    pub fn row_id(&self) -> &str {
        &self.0.id
    }
}

#[expect(
    clippy::ptr_arg,
    reason = "connection! passes its filter (the job id) by reference"
)]
async fn count_runs(ctx: &Context<'_>, job_id: &String) -> ApiResult<i64> {
    Ok(db::batch::count_runs(&mut *tx(ctx).await?, job_id).await?)
}

connection!(BatchRunConnection, BatchRunEdge, BatchRun, String, count_runs);

#[Object]
impl BatchJob {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn jenkins_job(&self) -> &str {
        &self.0.jenkins_job
    }
    async fn schedule(&self) -> &str {
        &self.0.schedule
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// The next time the schedule names, in UTC (schedules are read in the installation's time
    /// zone, `appInfo.timezone`); null while the job is disabled.
    async fn next_run_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        if !self.0.enabled {
            return None;
        }
        context::services(ctx).schedule_time.next_run(&self.0.schedule)
    }
    /// After downtime, whether the job runs once for the latest due time it missed.
    async fn catch_up(&self) -> bool {
        self.0.catch_up
    }
    /// The job's runs, newest first: by a person (`triggeredBy`) or by the scheduler.
    #[graphql(complexity = "super::pagination::weight(first, 20, child_complexity)")]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(20)")] first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<BatchRunConnection> {
        let page = page_request(first, after.as_deref())?;
        let rows = db::batch::runs_of_job(&mut *tx(ctx).await?, &self.0.id, &page).await?;
        Ok(BatchRunConnection::new(rows, self.0.id.clone()))
    }
    async fn last_run(&self, ctx: &Context<'_>) -> ApiResult<Option<BatchRun>> {
        Ok(context::loaders(ctx)?
            .last_runs
            .load_one(self.0.id.clone())
            .await?
            .map(BatchRun))
    }
}

#[Object]
impl BatchRun {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    async fn status(&self) -> RunStatus {
        self.0.status
    }
    async fn build_number(&self) -> Option<i32> {
        self.0.build_number
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at.and_utc()
    }
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at.map(|t| t.and_utc())
    }
    /// Why GUARDiA closed the run without a build: Jenkins refused or could not be reached.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }
    /// The due time the scheduler started this run for; null for a run started by a person.
    async fn scheduled_for(&self) -> Option<DateTime<Utc>> {
        self.0.scheduled_for.map(|t| t.and_utc())
    }
    /// Started late, after downtime, for the latest due time the scheduler missed.
    async fn catch_up(&self) -> bool {
        self.0.catch_up
    }
    /// Who started the run; null when the scheduler did.
    async fn triggered_by(&self, ctx: &Context<'_>) -> ApiResult<Option<User>> {
        match &self.0.triggered_by {
            Some(id) => user::load(ctx, id).await.map(Some),
            None => Ok(None),
        }
    }
    /// How long the build took, in milliseconds, once the run has finished.
    async fn duration_ms(&self) -> Option<i64> {
        self.0
            .finished_at
            .map(|end| (end - self.0.started_at).num_milliseconds())
    }
}

#[derive(InputObject)]
pub struct CreateBatchJobInput {
    pub name: String,
    pub jenkins_job: String,
    pub schedule: String,
    #[graphql(default_with = "Some(true)")]
    pub enabled: Option<bool>,
    /// After downtime, run once for the latest due time missed (default) or wait for the next.
    #[graphql(default_with = "Some(true)")]
    pub catch_up: Option<bool>,
}

#[derive(InputObject)]
pub struct UpdateBatchJobInput {
    pub name: Option<String>,
    pub jenkins_job: Option<String>,
    pub schedule: Option<String>,
    pub enabled: Option<bool>,
    pub catch_up: Option<bool>,
}

#[derive(Default)]
pub struct BatchQuery;

#[Object]
impl BatchQuery {
    #[graphql(guard = "Require(Permission::BatchAgentRead)")]
    async fn batch_jobs(&self, ctx: &Context<'_>) -> ApiResult<Vec<BatchJob>> {
        Ok(db::batch::list_jobs(&mut *tx(ctx).await?)
            .await?
            .into_iter()
            .map(BatchJob)
            .collect())
    }

    /// A batch run's Jenkins console text from byte `start` (0 for the beginning), at most
    /// 64 KiB per call: ask again from `nextStart` until `complete`.
    #[graphql(guard = "Require(Permission::BatchAgentRead)")]
    async fn batch_run_log(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = 0)] start: i32,
    ) -> ApiResult<BatchRunLog> {
        let start = console::offset(start)?;
        let directory = context::services(ctx).jenkins.clone();
        let ((run, job, jenkins), _) = read_before_waiting(ctx, async |tx| {
            let run = db::batch::get_run(tx, &id).await?;
            let job = db::batch::get_job(tx, &run.batch_job_id).await?;
            let jenkins = directory.for_tenant(tx).await?;
            Ok((run, job, jenkins))
        })
        .await?;
        let path = || {
            jenkins
                .job(&job.jenkins_job)
                .map_err(|e| ApiError::bad_input(format!("batch job '{}' cannot be read: {e}", job.name)))
        };
        let read = console::read(&jenkins, path, run.build_number, run.status.is_finished(), start).await?;
        Ok(BatchRunLog {
            text: read.text,
            next_start: read.next_start,
            complete: read.complete,
        })
    }
}

/// A piece of a batch run's console text.
#[derive(SimpleObject)]
pub struct BatchRunLog {
    pub text: String,
    /// Pass as `start` to get what follows.
    pub next_start: i32,
    /// False while Jenkins is still writing (or the build has not started), or while more
    /// text follows (one call returns at most 64 KiB).
    pub complete: bool,
}

#[derive(Default)]
pub struct BatchMutation;

#[Object]
impl BatchMutation {
    #[graphql(guard = "Require(Permission::BatchManage)")]
    async fn create_batch_job(&self, ctx: &Context<'_>, input: CreateBatchJobInput) -> ApiResult<BatchJob> {
        let name = validate::text("name", &input.name, 1, 100)?;
        let schedule = validate::schedule(&input.schedule)?;
        let mut tx = tx(ctx).await?;
        let jenkins = context::services(ctx).jenkins.for_tenant(&mut tx).await?;
        let jenkins_job = validate::jenkins_job(&input.jenkins_job, &jenkins)?;
        let new = db::batch::NewBatchJob {
            name: &name,
            jenkins_job: &jenkins_job,
            schedule: &schedule,
            enabled: input.enabled.unwrap_or(true),
            catch_up: input.catch_up.unwrap_or(true),
        };
        let job = db::batch::create_job(&mut tx, new).await?;
        record(&mut tx, ctx, "batch.create", &job.id).await?;
        Ok(BatchJob(job))
    }

    #[graphql(guard = "Require(Permission::BatchManage)")]
    async fn update_batch_job(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateBatchJobInput,
    ) -> ApiResult<BatchJob> {
        let name = input
            .name
            .as_deref()
            .map(|n| validate::text("name", n, 1, 100))
            .transpose()?;
        let schedule = input.schedule.as_deref().map(validate::schedule).transpose()?;
        let mut tx = tx(ctx).await?;
        let jenkins_job = match input.jenkins_job.as_deref() {
            Some(job) => {
                let jenkins = context::services(ctx).jenkins.for_tenant(&mut tx).await?;
                Some(validate::jenkins_job(job, &jenkins)?)
            }
            None => None,
        };
        let changes = db::batch::BatchJobChanges {
            name,
            jenkins_job,
            schedule,
            enabled: input.enabled,
            catch_up: input.catch_up,
        };
        let job = db::batch::update_job(&mut tx, &id, &changes).await?;
        record(&mut tx, ctx, "batch.update", &job.id).await?;
        Ok(BatchJob(job))
    }

    /// Triggers the batch job's Jenkins job now; the run is followed like a deployment. The run
    /// is recorded first and Jenkins asked after the commit: if Jenkins fails, the run stays in
    /// the history as FAILURE with the reason, and this answers UPSTREAM_UNAVAILABLE.
    #[graphql(guard = "Require(Permission::BatchRunNow)")]
    async fn run_batch_now(&self, ctx: &Context<'_>, id: ID) -> ApiResult<BatchRun> {
        let user_id = session(ctx)?.user_id.clone();
        let directory = context::services(ctx).jenkins.clone();
        let ((job, jenkins), can_ask) = read_before_waiting(ctx, async |tx| {
            let job = db::batch::get_job(tx, &id).await?;
            Ok((job, directory.for_tenant(tx).await?))
        })
        .await?;
        let path = jenkins
            .job(&job.jenkins_job)
            .map_err(|e| ApiError::bad_input(format!("batch job '{}' cannot be run: {e}", job.name)))?;
        let plan = RunPlan {
            job: path,
            // A parameterized job runs with its defaults.
            parameters: Vec::new(),
            rollback_target: None,
        };
        let checked = if can_ask {
            Some(trigger::check(jenkins.client()?.as_ref(), &plan).await?)
        } else {
            None
        };
        let mut tx = tx(ctx).await?;
        let new = db::batch::NewBatchRun {
            batch_job_id: &job.id,
            triggered_by: Some(&user_id),
            scheduled_for: None,
            queue_item_id: None,
        };
        let run = db::batch::create_run(&mut tx, new).await?;
        record(&mut tx, ctx, "batch.run_now", &run.id).await?;
        context::after_commit(
            ctx,
            AfterCommit::Trigger {
                run: PendingRun::BatchRun(run.id.clone()),
                response_key: context::response_key(ctx),
                checked,
            },
        );
        Ok(BatchRun(run))
    }

    #[graphql(guard = "Require(Permission::BatchManage)")]
    async fn delete_batch_job(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let mut tx = tx(ctx).await?;
        db::batch::delete_job(&mut tx, &id).await?;
        record(&mut tx, ctx, "batch.delete", &id).await?;
        Ok(id)
    }
}
