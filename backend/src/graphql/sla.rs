//! Service levels: each SR's clocks (`Sr.sla`), the tenant's targets and business calendar,
//! the SRs at risk, the monthly report (with its CSV) and the alerts of SRs crossing 75 % or
//! their target.

use std::collections::BTreeSet;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Subscription};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use futures_util::Stream;
use guardia_shared::Permission;
use guardia_shared::permission::{Grant, grant};
use guardia_shared::sla::{SlaClock, SlaState, Weekday};
use guardia_shared::sr::{SrPriority, SrStatus};

use super::audit_trail::record;
use super::context::{self, session, tx};
use super::error::{ApiError, ApiResult};
use super::guard::Require;
use super::live_session::still_allowed;
use crate::db;
use crate::service::sla::{self as service, format_holidays, standing, stored_time};
use crate::sla::Standing;
use crate::sla::calendar::MINUTES_PER_DAY;
use crate::sla::report::{MonthlyReport, ReportedSr};

/// Longest response or resolution target: a year of business minutes is more than any contract.
const MAX_TARGET_MINUTES: i32 = 366 * 24 * 60;
const MAX_HOLIDAYS: usize = 400;

/// Where one SR stands against its targets.
pub struct SrSla {
    standing: Standing,
    status: SrStatus,
    now: DateTime<Utc>,
}

impl SrSla {
    /// The clocks of an SR with targets, as they stand at the installation clock's now.
    pub fn of(ctx: &Context<'_>, sr: &db::sr::Sr) -> Option<SrSla> {
        Some(SrSla {
            standing: standing(&sr.sla)?,
            status: sr.status,
            now: context::services(ctx).schedule_time.clock.now(),
        })
    }
}

#[Object]
impl SrSla {
    /// The worse of the two clocks: WARNING once 75 % of a target's business time is used,
    /// BREACHED once a target is missed.
    async fn state(&self) -> SlaState {
        self.standing.state(self.now)
    }
    async fn response_state(&self) -> SlaState {
        self.standing.response.state(self.now)
    }
    async fn resolution_state(&self) -> SlaState {
        self.standing.resolution.state(self.now)
    }
    async fn response_target_minutes(&self) -> i64 {
        self.standing.response.target_seconds / 60
    }
    async fn resolution_target_minutes(&self) -> i64 {
        self.standing.resolution.target_seconds / 60
    }
    /// When the first response is due (business time from creation).
    async fn response_due_at(&self) -> Option<DateTime<Utc>> {
        self.standing.response.due_at
    }
    async fn response_met_at(&self) -> Option<DateTime<Utc>> {
        self.standing.response.met_at
    }
    /// When resolution is due while its clock runs; while it is paused (ON_HOLD) only if
    /// the target was used up before the pause.
    async fn resolution_due_at(&self) -> Option<DateTime<Utc>> {
        self.standing.resolution.due_at
    }
    async fn resolution_met_at(&self) -> Option<DateTime<Utc>> {
        self.standing.resolution.met_at
    }
    /// Whether the resolution clock is paused (the SR is ON_HOLD).
    async fn resolution_paused(&self) -> bool {
        self.status == SrStatus::OnHold
    }
}

#[derive(SimpleObject)]
pub struct SlaPolicy {
    pub priority: SrPriority,
    /// Business minutes to the first reply or status change by staff.
    pub response_minutes: i32,
    /// Business minutes to RESOLVED, not counting time ON_HOLD.
    pub resolution_minutes: i32,
}

impl From<db::sla::SlaPolicy> for SlaPolicy {
    fn from(row: db::sla::SlaPolicy) -> Self {
        SlaPolicy {
            priority: row.priority,
            response_minutes: row.response_minutes,
            resolution_minutes: row.resolution_minutes,
        }
    }
}

/// The tenant's business calendar: service-level clocks run only in its working hours.
#[derive(SimpleObject)]
pub struct SlaCalendar {
    pub weekdays: Vec<Weekday>,
    /// `HH:MM`, local time in `timezone`.
    pub day_start: String,
    /// `HH:MM` (`24:00`: to midnight).
    pub day_end: String,
    /// ISO dates (`YYYY-MM-DD`), oldest first.
    pub holidays: Vec<String>,
    /// The installation's time zone.
    pub timezone: String,
}

impl SlaCalendar {
    fn of(calendar: &crate::sla::BusinessCalendar) -> Self {
        SlaCalendar {
            weekdays: Weekday::days_of(calendar.weekdays),
            day_start: clock_text(calendar.day_start_minute),
            day_end: clock_text(calendar.day_end_minute),
            holidays: calendar.holidays.iter().map(NaiveDate::to_string).collect(),
            timezone: calendar.timezone.name().to_owned(),
        }
    }
}

fn clock_text(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `HH:MM` as minutes of the day (`24:00` only where `end`).
fn parse_clock(field: &str, text: &str, end: bool) -> ApiResult<u16> {
    let bad = || ApiError::bad_input(format!("`{field}` must be a time of day as HH:MM, not '{text}'"));
    let (hours, minutes) = text.trim().split_once(':').ok_or_else(bad)?;
    let (hours, minutes): (u16, u16) = (
        hours.parse().map_err(|_| bad())?,
        minutes.parse().map_err(|_| bad())?,
    );
    let minute = hours * 60 + minutes;
    let limit = if end { MINUTES_PER_DAY } else { MINUTES_PER_DAY - 1 };
    if minutes >= 60 || minute > limit {
        return Err(bad());
    }
    Ok(minute)
}

#[derive(InputObject)]
pub struct SlaCalendarInput {
    pub weekdays: Vec<Weekday>,
    pub day_start: String,
    pub day_end: String,
    /// ISO dates; the list replaces the tenant's holidays.
    pub holidays: Vec<String>,
}

/// One priority's figures for a month.
#[derive(SimpleObject)]
pub struct SlaPriorityFigures {
    pub priority: SrPriority,
    /// SRs of this priority created in the month with targets.
    pub srs: i32,
    pub response: SlaAttainment,
    pub resolution: SlaAttainment,
}

#[derive(SimpleObject)]
pub struct SlaAttainment {
    pub met: i32,
    pub missed: i32,
    /// Clocks still running or paused within their target (not in the percentage).
    pub pending: i32,
    /// Met of decided (met + missed), in percent; null when nothing is decided.
    pub attainment_percent: Option<f64>,
    /// Business minutes to the met target: median and 90th percentile (nearest rank).
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

#[derive(SimpleObject)]
pub struct SlaBreach {
    pub sr_id: ID,
    pub title: String,
    pub priority: SrPriority,
    pub clock: SlaClock,
    pub due_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
}

#[derive(SimpleObject)]
pub struct SlaReport {
    /// `YYYY-MM`.
    pub month: String,
    pub priorities: Vec<SlaPriorityFigures>,
    /// Every missed target of the month's SRs, oldest SR first.
    pub breaches: Vec<SlaBreach>,
    /// The same report as CSV, for the institution's paperwork.
    pub csv: String,
}

impl From<MonthlyReport> for SlaReport {
    fn from(report: MonthlyReport) -> Self {
        let count = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        let attainment = |a: &crate::sla::report::Attainment| SlaAttainment {
            met: count(a.met),
            missed: count(a.missed),
            pending: count(a.pending),
            attainment_percent: a.percent,
            median_minutes: a.median_minutes,
            p90_minutes: a.p90_minutes,
        };
        let csv = report.to_csv();
        SlaReport {
            priorities: report
                .priorities
                .iter()
                .map(|row| SlaPriorityFigures {
                    priority: row.priority,
                    srs: count(row.srs),
                    response: attainment(&row.response),
                    resolution: attainment(&row.resolution),
                })
                .collect(),
            breaches: report
                .breaches
                .into_iter()
                .map(|b| SlaBreach {
                    sr_id: ID(b.sr_id),
                    title: b.title,
                    priority: b.priority,
                    clock: b.clock,
                    due_at: b.due_at,
                    met_at: b.met_at,
                })
                .collect(),
            month: report.month,
            csv,
        }
    }
}

/// The first instant of a month (`YYYY-MM`) and of the next, in the installation's time zone.
fn month_bounds(month: &str, timezone: chrono_tz::Tz) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let bad = || ApiError::bad_input(format!("`month` must be YYYY-MM, not '{month}'"));
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|_| bad())?;
    if month.len() != 7 || !(2000..=2999).contains(&first.year()) {
        return Err(bad());
    }
    let next = first.checked_add_months(chrono::Months::new(1)).ok_or_else(bad)?;
    let start = |date: NaiveDate| {
        timezone
            .from_local_datetime(&date.and_time(chrono::NaiveTime::MIN))
            .earliest()
            .map(|at| at.with_timezone(&Utc))
            .ok_or_else(bad)
    };
    Ok((start(first)?, start(next)?))
}

#[derive(Default)]
pub struct SlaQuery;

#[Object]
impl SlaQuery {
    /// The tenant's targets, one per priority that has any.
    #[graphql(guard = "Require(Permission::SlaReportRead)")]
    async fn sla_policies(&self, ctx: &Context<'_>) -> ApiResult<Vec<SlaPolicy>> {
        let mut rows = db::sla::policies(&mut *tx(ctx).await?).await?;
        rows.sort_by_key(|row| SrPriority::ALL.iter().position(|p| *p == row.priority));
        Ok(rows.into_iter().map(SlaPolicy::from).collect())
    }

    /// The tenant's business calendar (office hours, Monday to Friday, until it sets one).
    #[graphql(guard = "Require(Permission::SlaReportRead)")]
    async fn sla_calendar(&self, ctx: &Context<'_>) -> ApiResult<SlaCalendar> {
        let timezone = context::services(ctx).schedule_time.timezone;
        let calendar = service::business_calendar(&mut *tx(ctx).await?, timezone).await?;
        Ok(SlaCalendar::of(&calendar))
    }

    /// The month's service levels (`YYYY-MM`, in the installation's time zone) for the SRs
    /// created in it: attainment per priority, times, breaches, and the same as CSV.
    #[graphql(guard = "Require(Permission::SlaReportRead)")]
    async fn sla_report(&self, ctx: &Context<'_>, month: String) -> ApiResult<SlaReport> {
        let time = &context::services(ctx).schedule_time;
        let (from, to) = month_bounds(&month, time.timezone)?;
        let rows = db::sla::created_between(&mut *tx(ctx).await?, stored_time(from), stored_time(to)).await?;
        let srs: Vec<ReportedSr> = rows
            .into_iter()
            .filter_map(|sr| {
                Some(ReportedSr {
                    standing: standing(&sr.sla)?,
                    id: sr.id,
                    title: sr.title,
                    priority: sr.priority,
                    created_at: sr.created_at.and_utc(),
                })
            })
            .collect();
        Ok(MonthlyReport::build(month, &srs, time.clock.now()).into())
    }
}

#[derive(Default)]
pub struct SlaMutation;

#[Object]
impl SlaMutation {
    /// Sets the targets for one priority. SRs filed from now on take them; SRs already filed
    /// keep the targets they started with.
    #[graphql(guard = "Require(Permission::SlaManage)")]
    async fn set_sla_policy(
        &self,
        ctx: &Context<'_>,
        priority: SrPriority,
        response_minutes: i32,
        resolution_minutes: i32,
    ) -> ApiResult<SlaPolicy> {
        for (field, minutes) in [
            ("responseMinutes", response_minutes),
            ("resolutionMinutes", resolution_minutes),
        ] {
            if !(1..=MAX_TARGET_MINUTES).contains(&minutes) {
                return Err(ApiError::bad_input(format!(
                    "`{field}` must be between 1 and {MAX_TARGET_MINUTES}, not {minutes}"
                )));
            }
        }
        let mut tx = tx(ctx).await?;
        let policy = db::sla::set_policy(&mut tx, priority, response_minutes, resolution_minutes).await?;
        record(&mut tx, ctx, "sla.policy_set", priority.as_str()).await?;
        Ok(policy.into())
    }

    /// Removes the targets of one priority: SRs filed from now on with it have no clocks.
    #[graphql(guard = "Require(Permission::SlaManage)")]
    async fn remove_sla_policy(&self, ctx: &Context<'_>, priority: SrPriority) -> ApiResult<bool> {
        let mut tx = tx(ctx).await?;
        if !db::sla::remove_policy(&mut tx, priority).await? {
            return Err(ApiError::not_found("SLA policy"));
        }
        record(&mut tx, ctx, "sla.policy_removed", priority.as_str()).await?;
        Ok(true)
    }

    /// Sets the business calendar; the clocks of SRs not closed or cancelled are worked out
    /// again on it.
    #[graphql(guard = "Require(Permission::SlaManage)")]
    async fn set_sla_calendar(&self, ctx: &Context<'_>, input: SlaCalendarInput) -> ApiResult<SlaCalendar> {
        let weekdays = Weekday::bits_of(&input.weekdays);
        if weekdays == 0 {
            return Err(ApiError::bad_input("`weekdays` must name at least one day"));
        }
        let start = parse_clock("dayStart", &input.day_start, false)?;
        let end = parse_clock("dayEnd", &input.day_end, true)?;
        if end <= start {
            return Err(ApiError::bad_input("`dayEnd` must be after `dayStart`"));
        }
        if input.holidays.len() > MAX_HOLIDAYS {
            return Err(ApiError::bad_input(format!(
                "at most {MAX_HOLIDAYS} holidays, not {}",
                input.holidays.len()
            )));
        }
        let holidays = input
            .holidays
            .iter()
            .map(|day| {
                NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                    .map_err(|_| ApiError::bad_input(format!("holiday '{day}' is not a date as YYYY-MM-DD")))
            })
            .collect::<ApiResult<BTreeSet<NaiveDate>>>()?;
        let holidays = format_holidays(&holidays);
        let timezone = context::services(ctx).schedule_time.timezone;
        let mut tx = tx(ctx).await?;
        db::sla::set_calendar(
            &mut tx,
            i32::from(weekdays),
            i32::from(start),
            i32::from(end),
            &holidays,
        )
        .await?;
        service::restate_open(&mut tx, timezone).await?;
        record(&mut tx, ctx, "sla.calendar_set", "calendar").await?;
        let calendar = service::business_calendar(&mut tx, timezone).await?;
        Ok(SlaCalendar::of(&calendar))
    }
}

/// An SR's clock crossed 75 % (WARNING) or its target (BREACHED).
pub struct SlaAlert(std::sync::Arc<crate::events::SlaAlertEvent>, DateTime<Utc>);

#[Object]
impl SlaAlert {
    async fn sr_id(&self) -> ID {
        ID(self.0.sr.id.clone())
    }
    async fn title(&self) -> &str {
        &self.0.sr.title
    }
    async fn priority(&self) -> SrPriority {
        self.0.sr.priority
    }
    async fn status(&self) -> SrStatus {
        self.0.sr.status
    }
    async fn clock(&self) -> SlaClock {
        self.0.clock
    }
    async fn state(&self) -> SlaState {
        self.0.state
    }
    /// The SR's clocks as they stand.
    async fn sla(&self) -> Option<SrSla> {
        Some(SrSla {
            standing: standing(&self.0.sr.sla)?,
            status: self.0.sr.status,
            now: self.1,
        })
    }
}

#[derive(Default)]
pub struct SlaSubscription;

#[Subscription]
impl SlaSubscription {
    /// Every SR of the caller's tenant (a CUSTOMER's own) whose clock crosses 75 % or its
    /// target: once per clock and state.
    #[graphql(guard = "Require(Permission::SrRead)")]
    async fn sr_sla_alert(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = SlaAlert>> {
        let services = context::services(ctx);
        let subscriber = session(ctx)?.clone();
        let own_only = grant(subscriber.role, Permission::SrRead) == Grant::OwnOnly;
        let pool = services.pool.clone();
        let clock = services.schedule_time.clock.clone();
        let receiver = services.sla_events.subscribe();
        Ok(futures_util::stream::unfold(receiver, move |mut receiver| {
            let subscriber = subscriber.clone();
            let pool = pool.clone();
            let clock = clock.clone();
            async move {
                loop {
                    match receiver.recv().await {
                        Ok(event) => {
                            let sr = &event.sr;
                            let wanted = sr.tenant_id == subscriber.tenant_id
                                && (!own_only || sr.requester_id == subscriber.user_id);
                            if !wanted {
                                continue;
                            }
                            if !still_allowed(&pool, &subscriber, Permission::SrRead).await {
                                return None;
                            }
                            return Some((SlaAlert(event, clock.now()), receiver));
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        }))
    }
}
