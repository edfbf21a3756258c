//! Batch jobs (a Jenkins job on a cron schedule) and their recorded runs.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use guardia_shared::deploy::RunStatus;

use super::order::bytewise;
use super::schema::{batch_jobs, batch_runs};
use super::{DbError, Found, Page, PageRequest, TenantTx, new_id, now};
use crate::db_run;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = batch_jobs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct BatchJob {
    pub tenant_id: String,
    pub id: String,
    pub name: String,
    pub jenkins_job: String,
    pub schedule: String,
    pub enabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// After downtime, run once for the latest due time missed (else wait for the next).
    pub catch_up: bool,
}

#[derive(Debug, Clone)]
pub struct NewBatchJob<'a> {
    pub name: &'a str,
    pub jenkins_job: &'a str,
    pub schedule: &'a str,
    pub enabled: bool,
    pub catch_up: bool,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = batch_jobs)]
pub struct BatchJobChanges {
    pub name: Option<String>,
    pub jenkins_job: Option<String>,
    pub schedule: Option<String>,
    pub enabled: Option<bool>,
    pub catch_up: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = batch_runs)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct BatchRun {
    pub tenant_id: String,
    pub id: String,
    pub batch_job_id: String,
    pub status: RunStatus,
    /// `None` for a run the schedule started.
    pub triggered_by: Option<String>,
    pub scheduled_for: Option<NaiveDateTime>,
    pub queue_item_id: Option<i64>,
    pub build_number: Option<i32>,
    pub started_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    /// Why GUARDiA closed the run without a build (job refused, Jenkins down).
    pub failure_reason: Option<String>,
    /// A scheduled run started after downtime, for the latest due time it missed.
    pub catch_up: bool,
}

#[derive(Debug, Clone)]
pub struct NewBatchRun<'a> {
    pub batch_job_id: &'a str,
    pub triggered_by: Option<&'a str>,
    pub scheduled_for: Option<NaiveDateTime>,
    pub queue_item_id: Option<i64>,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = batch_runs)]
pub struct BatchRunProgress {
    pub status: Option<RunStatus>,
    pub queue_item_id: Option<i64>,
    pub build_number: Option<i32>,
    pub finished_at: Option<NaiveDateTime>,
    pub failure_reason: Option<String>,
}

fn name_taken(name: &str) -> impl FnOnce() -> String + '_ {
    move || format!("a batch job named '{name}' already exists")
}

pub async fn create_job(tx: &mut TenantTx, new: NewBatchJob<'_>) -> Result<BatchJob, DbError> {
    let at = now();
    let row = BatchJob {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        name: new.name.to_owned(),
        jenkins_job: new.jenkins_job.to_owned(),
        schedule: new.schedule.to_owned(),
        enabled: new.enabled,
        created_at: at,
        updated_at: at,
        catch_up: new.catch_up,
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(batch_jobs::table)
            .values(&row)
            .returning(BatchJob::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| DbError::from(e).conflict_means(name_taken(new.name)))
}

pub async fn get_job(tx: &mut TenantTx, id: &str) -> Result<BatchJob, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        batch_jobs::table
            .filter(batch_jobs::tenant_id.eq(&tenant).and(batch_jobs::id.eq(id)))
            .select(BatchJob::as_select())
            .get_result(c)
            .await
    })
    .found("batch job")
}

/// All batch jobs of the tenant, by name.
pub async fn list_jobs(tx: &mut TenantTx) -> Result<Vec<BatchJob>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        batch_jobs::table
            .filter(batch_jobs::tenant_id.eq(&tenant))
            .order((bytewise(batch_jobs::name).asc(), batch_jobs::id.asc()))
            .select(BatchJob::as_select())
            .load(c)
            .await
    })?)
}

pub async fn update_job(tx: &mut TenantTx, id: &str, changes: &BatchJobChanges) -> Result<BatchJob, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let new_name = changes.name.clone().unwrap_or_default();
    db_run!(tx.conn(), |c| {
        diesel::update(batch_jobs::table.filter(batch_jobs::tenant_id.eq(&tenant).and(batch_jobs::id.eq(id))))
            .set((changes, batch_jobs::updated_at.eq(now())))
            .returning(BatchJob::as_returning())
            .get_result(c)
            .await
    })
    .found("batch job")
    .map_err(|e| e.conflict_means(name_taken(&new_name)))
}

/// Deletes a batch job with its recorded runs.
pub async fn delete_job(tx: &mut TenantTx, id: &str) -> Result<(), DbError> {
    let tenant = tx.tenant_id().to_owned();
    let deleted = db_run!(tx.conn(), |c| {
        diesel::delete(batch_jobs::table.filter(batch_jobs::tenant_id.eq(&tenant).and(batch_jobs::id.eq(id))))
            .execute(c)
            .await
    })?;
    if deleted == 0 {
        Err(DbError::not_found("batch job"))
    } else {
        Ok(())
    }
}

/// Records a triggered run as QUEUED. A second run for the same scheduled time is a `Conflict`.
pub async fn create_run(tx: &mut TenantTx, new: NewBatchRun<'_>) -> Result<BatchRun, DbError> {
    insert_run(tx, new, false).await
}

/// Claims the due time `scheduled_for` of a job for the scheduler: `None` when a run for that
/// time exists already (another process, or before a restart, claimed it).
pub async fn claim_scheduled_run(
    tx: &mut TenantTx,
    batch_job_id: &str,
    scheduled_for: NaiveDateTime,
    catch_up: bool,
) -> Result<Option<BatchRun>, DbError> {
    let new = NewBatchRun {
        batch_job_id,
        triggered_by: None,
        scheduled_for: Some(scheduled_for),
        queue_item_id: None,
    };
    match insert_run(tx, new, catch_up).await {
        Ok(run) => Ok(Some(run)),
        Err(DbError::Conflict(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Each job's latest due time the scheduler claimed, in one query for the tenant's jobs.
pub async fn last_scheduled_per_job(tx: &mut TenantTx) -> Result<Vec<(String, NaiveDateTime)>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let rows: Vec<(String, Option<NaiveDateTime>)> = db_run!(tx.conn(), |c| {
        batch_runs::table
            .filter(
                batch_runs::tenant_id
                    .eq(&tenant)
                    .and(batch_runs::scheduled_for.is_not_null()),
            )
            .group_by(batch_runs::batch_job_id)
            .select((
                batch_runs::batch_job_id,
                diesel::dsl::max(batch_runs::scheduled_for),
            ))
            .load(c)
            .await
    })?;
    Ok(rows
        .into_iter()
        .filter_map(|(job, at)| Some((job, at?)))
        .collect())
}

async fn insert_run(tx: &mut TenantTx, new: NewBatchRun<'_>, catch_up: bool) -> Result<BatchRun, DbError> {
    let at = now();
    let row = BatchRun {
        tenant_id: tx.tenant_id().to_owned(),
        id: new_id(),
        batch_job_id: new.batch_job_id.to_owned(),
        status: RunStatus::Queued,
        triggered_by: new.triggered_by.map(str::to_owned),
        scheduled_for: new.scheduled_for,
        queue_item_id: new.queue_item_id,
        build_number: None,
        started_at: at,
        updated_at: at,
        finished_at: None,
        failure_reason: None,
        catch_up,
    };
    db_run!(tx.conn(), |c| {
        diesel::insert_into(batch_runs::table)
            .values(&row)
            .returning(BatchRun::as_returning())
            .get_result(c)
            .await
    })
    .map_err(|e| {
        DbError::from(e)
            .conflict_means(|| "this scheduled run was already started".into())
            .reference_means(|| "no such batch job or user in this tenant".into())
    })
}

pub async fn get_run(tx: &mut TenantTx, id: &str) -> Result<BatchRun, DbError> {
    let tenant = tx.tenant_id().to_owned();
    db_run!(tx.conn(), |c| {
        batch_runs::table
            .filter(batch_runs::tenant_id.eq(&tenant).and(batch_runs::id.eq(id)))
            .select(BatchRun::as_select())
            .get_result(c)
            .await
    })
    .found("batch run")
}

/// The latest run of each of these jobs (jobs never run are absent): two bounded queries,
/// however many runs the jobs have.
pub async fn latest_runs_of(tx: &mut TenantTx, job_ids: &[String]) -> Result<Vec<BatchRun>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    // Run ids are time-ordered (UUIDv7), so the greatest id is the latest run.
    let latest_ids: Vec<Option<String>> = db_run!(tx.conn(), |c| {
        batch_runs::table
            .filter(
                batch_runs::tenant_id
                    .eq(&tenant)
                    .and(batch_runs::batch_job_id.eq_any(job_ids)),
            )
            .group_by(batch_runs::batch_job_id)
            .select(diesel::dsl::max(batch_runs::id))
            .load(c)
            .await
    })?;
    let latest_ids: Vec<String> = latest_ids.into_iter().flatten().collect();
    Ok(db_run!(tx.conn(), |c| {
        batch_runs::table
            .filter(
                batch_runs::tenant_id
                    .eq(&tenant)
                    .and(batch_runs::id.eq_any(&latest_ids)),
            )
            .select(BatchRun::as_select())
            .load(c)
            .await
    })?)
}

/// One page of a job's runs, newest first.
pub async fn runs_of_job(
    tx: &mut TenantTx,
    job_id: &str,
    page: &PageRequest,
) -> Result<Page<BatchRun>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    let rows = db_run!(tx.conn(), |c| {
        let mut query = batch_runs::table
            .filter(
                batch_runs::tenant_id
                    .eq(&tenant)
                    .and(batch_runs::batch_job_id.eq(job_id)),
            )
            .into_boxed();
        if let Some(after) = &page.after {
            query = query.filter(batch_runs::id.lt(after));
        }
        query
            .order(batch_runs::id.desc())
            .limit(page.fetch_limit())
            .select(BatchRun::as_select())
            .load(c)
            .await
    })?;
    Ok(Page::from_overfetch(rows, page))
}

pub async fn count_runs(tx: &mut TenantTx, job_id: &str) -> Result<i64, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        batch_runs::table
            .filter(
                batch_runs::tenant_id
                    .eq(&tenant)
                    .and(batch_runs::batch_job_id.eq(job_id)),
            )
            .count()
            .get_result(c)
            .await
    })?)
}

pub async fn record_run_progress(
    tx: &mut TenantTx,
    id: &str,
    progress: &BatchRunProgress,
) -> Result<BatchRun, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(batch_runs::table.filter(batch_runs::tenant_id.eq(&tenant).and(batch_runs::id.eq(id))))
            .set((progress, batch_runs::updated_at.eq(now())))
            .returning(BatchRun::as_returning())
            .get_result(c)
            .await
    })?)
}

/// Records progress only if the run is still in `from` (see `deploy::advance`).
pub async fn advance_run(
    tx: &mut TenantTx,
    id: &str,
    from: RunStatus,
    progress: &BatchRunProgress,
) -> Result<Option<BatchRun>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        diesel::update(
            batch_runs::table.filter(
                batch_runs::tenant_id
                    .eq(&tenant)
                    .and(batch_runs::id.eq(id))
                    .and(batch_runs::status.eq(from)),
            ),
        )
        .set((progress, batch_runs::updated_at.eq(now())))
        .returning(BatchRun::as_returning())
        .get_result(c)
        .await
        .optional()
    })?)
}

/// Runs still QUEUED or RUNNING, oldest first (the follow-up worker's work list).
pub async fn list_active_runs(tx: &mut TenantTx) -> Result<Vec<BatchRun>, DbError> {
    let tenant = tx.tenant_id().to_owned();
    Ok(db_run!(tx.conn(), |c| {
        batch_runs::table
            .filter(batch_runs::tenant_id.eq(&tenant))
            .filter(batch_runs::status.eq_any([RunStatus::Queued, RunStatus::Running]))
            .order(batch_runs::id.asc())
            .select(BatchRun::as_select())
            .load(c)
            .await
    })?)
}
