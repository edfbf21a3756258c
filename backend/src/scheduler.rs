//! Fires every enabled batch job at the times its schedule names, in the installation's time
//! zone. A due time is claimed by inserting its run with `scheduled_for`, which is unique per
//! job: with several processes on one database each due time runs once, and a restart never
//! runs one twice. After downtime the missed times are not replayed one by one: only the latest
//! runs, marked as a catch-up. A claimed run then takes the path of "run now": recorded with its
//! audit entry, committed, and only then asked of the tenant's Jenkins (a Jenkins that is down
//! leaves the run FAILURE with the reason; the next due time is tried as usual).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;

use crate::db::{self, Access, DbError, DbPool};
use crate::service::audit::{self, Actor};
use crate::service::trigger::{self, PendingRun};
use crate::tenant_jenkins::JenkinsDirectory;
use crate::worker::ActiveTenants;

/// A due time claimed this long after it passed counts as a catch-up.
const ON_TIME: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Where the scheduler reads the time: the system clock, or one a test sets.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is set (for tests and simulations).
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The time zone schedules are read in, and the clock they are read against.
#[derive(Clone)]
pub struct ScheduleTime {
    pub timezone: Tz,
    pub clock: Arc<dyn Clock>,
}

impl ScheduleTime {
    /// The next time `schedule` names after now, if it names any.
    pub fn next_run(&self, schedule: &str) -> Option<DateTime<Utc>> {
        let cron: croner::Cron = schedule.parse().ok()?;
        let now = self.clock.now().with_timezone(&self.timezone);
        let next = cron.find_next_occurrence(&now, false).ok()?;
        Some(next.with_timezone(&Utc))
    }

    /// The latest time `schedule` names at or before now.
    fn latest_due(&self, schedule: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let cron: croner::Cron = schedule.parse().ok()?;
        let local = now.with_timezone(&self.timezone);
        let due = cron.find_previous_occurrence(&local, true).ok()?;
        Some(due.with_timezone(&Utc))
    }
}

/// How long from `now` until just after the next minute begins.
pub(crate) fn until_next_minute(now: DateTime<Utc>) -> Duration {
    let into_minute = u64::from(now.second()) * 1000 + u64::from(now.timestamp_subsec_millis());
    Duration::from_millis(60_000 - into_minute.min(59_999) + AFTER_THE_MINUTE_MS)
}

/// A look starts this long after the minute, so that a clock a little behind still sees it.
pub const AFTER_THE_MINUTE_MS: u64 = 200;

/// What one look at every tenant did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    /// Runs this scheduler claimed and asked Jenkins for.
    pub started: usize,
    /// Of those, catch-up runs.
    pub catch_up: usize,
}

#[derive(Clone)]
pub struct Scheduler {
    pub pool: DbPool,
    pub jenkins: Arc<JenkinsDirectory>,
    pub active: Arc<ActiveTenants>,
    pub time: ScheduleTime,
}

/// A due time found for a job, before it is claimed.
struct Due {
    job_id: String,
    at: NaiveDateTime,
    catch_up: bool,
}

impl Scheduler {
    /// Looks at start, then just after every minute begins (schedules name minutes), until the
    /// task is stopped: a due time starts within about a second, and an idle tenant costs one
    /// look a minute.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                self.tick().await;
                tokio::time::sleep(until_next_minute(self.time.clock.now())).await;
            }
        })
    }

    /// Claims and starts every due time of every tenant's enabled jobs.
    pub async fn tick(&self) -> Tick {
        let tenants = match db::tenant::all_codes(&self.pool).await {
            Ok(tenants) => tenants,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler: cannot list the tenants");
                return Tick::default();
            }
        };
        let mut tick = Tick::default();
        for tenant in tenants {
            match self.tick_tenant(&tenant).await {
                Ok(done) => {
                    tick.started += done.started;
                    tick.catch_up += done.catch_up;
                }
                Err(e) => tracing::warn!(tenant, error = %e, "scheduler: cannot start due runs"),
            }
        }
        tick
    }

    async fn tick_tenant(&self, tenant: &str) -> Result<Tick, DbError> {
        let now = self.time.clock.now();
        let due = self.due_times(tenant, now).await?;
        let mut tick = Tick::default();
        for due in due {
            let Some(run_id) = self.claim(tenant, &due).await? else {
                continue;
            };
            // As "run now" does, after the commit: a refusal or a Jenkins that is down closes
            // the run as FAILURE with the reason.
            let pending = PendingRun::BatchRun(run_id);
            if let Err(e) = trigger::start(&self.pool, &self.jenkins, tenant, &pending, None).await {
                tracing::warn!(tenant, error = %e, "scheduled batch run failed to start");
            }
            self.active.hint(tenant);
            tick.started += 1;
            tick.catch_up += usize::from(due.catch_up);
        }
        Ok(tick)
    }

    /// Each enabled job's latest due time, if it is newer than the job's last claimed one and
    /// than the job's last change (a new or changed schedule starts from then).
    async fn due_times(&self, tenant: &str, now: DateTime<Utc>) -> Result<Vec<Due>, DbError> {
        let mut tx = self.pool.tenant_tx(tenant, Access::Read).await?;
        let jobs = db::batch::list_jobs(&mut tx).await?;
        let claimed: std::collections::HashMap<String, NaiveDateTime> =
            db::batch::last_scheduled_per_job(&mut tx)
                .await?
                .into_iter()
                .collect();
        let mut due = Vec::new();
        for job in jobs.into_iter().filter(|job| job.enabled) {
            let Some(latest) = self.time.latest_due(&job.schedule, now) else {
                continue;
            };
            let since = claimed
                .get(&job.id)
                .map_or(job.updated_at, |c| (*c).max(job.updated_at));
            let at = latest.naive_utc();
            let catch_up = now - latest > ON_TIME;
            if at > since && (!catch_up || job.catch_up) {
                due.push(Due {
                    job_id: job.id,
                    at,
                    catch_up,
                });
            }
        }
        tx.commit().await?;
        Ok(due)
    }

    /// Records the run for a due time with its audit entry; `None` when it was claimed before.
    async fn claim(&self, tenant: &str, due: &Due) -> Result<Option<String>, DbError> {
        let mut tx = self.pool.tenant_tx(tenant, Access::Write).await?;
        let Some(run) = db::batch::claim_scheduled_run(&mut tx, &due.job_id, due.at, due.catch_up).await?
        else {
            tx.rollback().await?;
            return Ok(None);
        };
        let note = if due.catch_up {
            "the scheduler (catch-up after downtime)"
        } else {
            "the scheduler"
        };
        audit::record(&mut tx, Actor::System { note }, "batch.run_scheduled", &run.id).await?;
        tx.commit().await?;
        Ok(Some(run.id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loop_wakes_just_after_the_next_minute() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            until_next_minute(at("2026-12-01T03:00:00Z")),
            Duration::from_millis(60_200)
        );
        assert_eq!(
            until_next_minute(at("2026-12-01T03:00:59.900Z")),
            Duration::from_millis(300)
        );
        assert_eq!(
            until_next_minute(at("2026-12-01T03:00:30Z")),
            Duration::from_millis(30_200)
        );
    }

    #[test]
    fn due_times_and_next_runs_follow_the_time_zone() {
        let time = ScheduleTime {
            timezone: chrono_tz::Asia::Seoul,
            clock: Arc::new(ManualClock::new("2026-12-01T00:30:00Z".parse().unwrap())),
        };
        // 09:00 in Seoul is 00:00 UTC.
        let next = time.next_run("0 9 * * *").unwrap();
        assert_eq!(next, "2026-12-02T00:00:00Z".parse::<DateTime<Utc>>().unwrap());
        let latest = time.latest_due("0 9 * * *", time.clock.now()).unwrap();
        assert_eq!(latest, "2026-12-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap());
        assert!(time.next_run("not a schedule").is_none());
    }
}
